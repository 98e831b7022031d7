/* SPDX-License-Identifier: MIT */
/*
 * log_faults.c — writes that fail half-way (the file-size limit,
 * RLIMIT_FSIZE, makes write(2) stop short and then fail with EFBIG, like
 * a full disk): a failed append must leave the segment exactly as it was
 * and the end offset unchanged, a failed commit must leave the offsets
 * file valid, and both must work again once space is back.
 */
#include <signal.h>
#include <sys/resource.h>

#include "batch_builder.h"

static void set_fsize(rlim_t lim)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_FSIZE, &r) < 0)
		t_fatal("getrlimit: %s", strerror(errno));
	r.rlim_cur = lim == RLIM_INFINITY ? r.rlim_max : lim;
	if (setrlimit(RLIMIT_FSIZE, &r) < 0)
		t_fatal("setrlimit: %s", strerror(errno));
}

static off_t fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

static void test_append(const char *dir)
{
	struct log_config c;
	struct model m = {0};
	struct plog *l;
	uint8_t *b = malloc(bb_max(20, 100));
	struct batch_info bi;
	char p[4096];
	size_t len;
	int64_t ret;
	int fails = 0;

	log_config_defaults(&c);
	c.index_max_bytes = 1024;
	c.index_interval_bytes = 100;
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	snprintf(p, sizeof(p), "%s/%020d.log", dir, 0);
	set_fsize(30000);
	for (int i = 0; i < 40; i++) {
		len = bb_build(b, 20, 100, 1000 + i, 1, (uint64_t)i);
		CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
		ret = plog_append(l, b, len, &bi, 0);
		if (ret >= 0) {
			CHECK_EQ(ret, m.end);
			model_add(&m, b, len, 1000 + i, 1);
			continue;
		}
		CHECK_EQ(ret, -EFBIG);
		fails++;
		/* Nothing of the failed batch stays behind. */
		CHECK_EQ(plog_end_offset(l), m.end);
		CHECK_EQ(fsize(p), (off_t)plog_size_bytes(l));
	}
	CHECK(m.n > 5 && fails > 5);
	set_fsize(RLIM_INFINITY);
	for (int i = 0; i < 10; i++)
		model_append(&m, l, 20, 100, 5000 + i, 1, (uint64_t)i, 0);
	model_check_reads(&m, l, 1, 1);
	model_check_reads(&m, l, 10000, 3);
	plog_close(l);
	model_closed(&m);
	CHECK_EQ(model_check_dir(&m, dir, 100), 1);
	model_free(&m);
	free(b);
}

static void test_commit(const char *dir)
{
	struct offstore *s;
	char file[4096], meta[4001];
	int64_t off;
	off_t good;
	int i, fails = 0;

	memset(meta, 'm', 4000);
	meta[4000] = '\0';
	snprintf(file, sizeof(file), "%s/__consumer_offsets/offsets.log", dir);
	CHECK_EQ(offstore_open(&s, dir), 0);
	set_fsize(20000);
	for (i = 0; i < 10; i++) {
		good = fsize(file);
		if (offstore_commit(s, "g", "t", 0, i, meta) == 0)
			continue;
		fails++;
		CHECK_EQ(fsize(file), good);
		CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, NULL), 0);
		CHECK_EQ(off, 3); /* 4 commits of ~4 KiB fit in 20000 */
	}
	CHECK_EQ(fails, 6);
	set_fsize(RLIM_INFINITY);
	CHECK_EQ(offstore_commit(s, "g", "t", 0, 99, "x"), 0);
	offstore_close(s);
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, NULL), 0);
	CHECK_EQ(off, 99);
	offstore_close(s);
}

int main(void)
{
	char root[1024], p[2048];

	signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of a signal */
	snprintf(root, sizeof(root), "%s/log_faults", t_tmpdir());
	snprintf(p, sizeof(p), "%s/fsize-0", root);
	test_append(p);
	snprintf(p, sizeof(p), "%s/offsets", root);
	test_commit(p);
	bb_rm_rf(root);
	return t_result();
}
