/* SPDX-License-Identifier: MIT */
/*
 * log_recovery.c — a child process appends and dies without plog_close
 * (an unclean stop); the test then damages the files the way a crash or
 * a bad disk would (torn tail, garbage tail, flipped CRC byte in the
 * active or an older segment, deleted or scrambled index) and reopens:
 * the valid prefix must be served, the end offset must be right, appends
 * must go on at the right offset, and every index must equal what the
 * append rule gives.
 */
#include <sys/wait.h>

#include "batch_builder.h"

#define INTERVAL 300

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.segment_bytes = 32 * 1024;
	c.index_interval_bytes = INTERVAL;
	c.index_max_bytes = 8192;
	c.retention_ms = -1;
	return c;
}

/* The bytes plog_append will store for the next batch. */
static void model_gen(struct model *m, int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		int32_t count = 1 + (int32_t)((seed + (uint64_t)i) % 4);
		size_t vlen = 20 + ((seed * 13 + (uint64_t)i * 11) % 250);
		uint8_t *b = malloc(bb_max(count, vlen));
		int64_t ts = 50000 + (int64_t)(m->n) * 3;
		size_t len =
		    bb_build(b, count, vlen, ts, 1, seed + (uint64_t)i);

		put_be64(b, (uint64_t)m->end);
		put_be32(b + 12, 0);
		model_add(m, b, len, ts, 1);
		free(b);
	}
}

/* In a child: open, append batches [from, m->n) of the model, optionally
 * run maintain (which advances the recovery point), then die. */
static void crash_append(const char *dir, const struct model *m, size_t from,
			 int maintain)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		t_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		struct log_config c = cfg();
		struct plog *l;
		int bad = 0;

		if (plog_open(&l, dir, &c) < 0)
			_exit(2);
		for (size_t i = from; i < m->n; i++) {
			uint8_t *b = malloc(m->v[i].size);
			struct batch_info bi;

			memcpy(b, m->v[i].bytes, m->v[i].size);
			put_be64(b, 0);
			if (batch_validate(b, m->v[i].size, 1 << 20, &bi) < 0 ||
			    plog_append(l, b, m->v[i].size, &bi, 0) !=
				m->v[i].base)
				bad = 1;
			free(b);
		}
		if (maintain && plog_maintain(l, 0) < 0)
			bad = 1;
		_exit(bad ? 3 : 0); /* no plog_close: an unclean stop */
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		t_fatal("child appender failed (status %d)", st);
}

static void seg_path(char *p, size_t n, const char *dir, int64_t base,
		     const char *sfx)
{
	snprintf(p, n, "%s/%020" PRId64 "%s", dir, base, sfx);
}

/* Reopen after the damage: the model (already cut to what must survive)
 * is what is served; then append more and close cleanly. */
static void reopen_and_check(const char *dir, struct model *m)
{
	struct log_config c = cfg();
	struct plog *l;

	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_end_offset(l), m->end);
	CHECK_EQ(plog_start_offset(l), 0);
	model_check_reads(m, l, 1, 1);
	model_check_reads(m, l, 4000, 5);
	for (int i = 0; i < 50; i++)
		model_append(m, l, 3, 40, 900000 + i, 1, (uint64_t)i, 0);
	model_check_reads(m, l, 2000, 1);
	plog_close(l);
	model_closed(m);
	if (model_check_dir(m, dir, INTERVAL) <= 0) {
		fprintf(stderr, "%s: directory does not match\n", dir);
		t_failures++;
	}
}

/* Batch index of the first batch of the last segment. */
static size_t first_of_last_seg(const char *dir, const struct model *m,
				int64_t *base)
{
	int64_t bases[1024];
	size_t n = model_list_segments(dir, bases, 1024), i = 0;

	*base = bases[n - 1];
	while (i < m->n && m->v[i].base < *base)
		i++;
	return i;
}

static void damage_file(const char *path, off_t at, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	if (fd < 0 || pwrite(fd, b, n, at) != (ssize_t)n)
		t_fatal("damage %s: %s", path, strerror(errno));
	close(fd);
}

static off_t pos_in_seg(const struct model *m, size_t first, size_t k)
{
	off_t pos = 0;

	for (size_t i = first; i < k; i++)
		pos += m->v[i].size;
	return pos;
}

enum damage {
	D_NONE,
	D_TORN_TAIL,
	D_GARBAGE_TAIL,
	D_CRC_ACTIVE,
	D_CRC_OLD,
};

static void scenario(const char *root, enum damage d, int maintain)
{
	char dir[4096], p[8192];
	struct model m = {0};
	int64_t base;
	size_t first, k;

	snprintf(dir, sizeof(dir), "%s/rec%d%d-0", root, (int)d, maintain);
	model_gen(&m, 500, (uint64_t)d * 1000 + 1);
	crash_append(dir, &m, 0, maintain);
	first = first_of_last_seg(dir, &m, &base);
	CHECK(base > 0 && first < m.n);
	if (maintain) { /* the recovery point moved to the active segment */
		FILE *f;
		long long rp = -1;

		snprintf(p, sizeof(p), "%s/.zcbroker_recovery_point", dir);
		f = fopen(p, "r");
		CHECK(f && fscanf(f, "%lld", &rp) == 1);
		CHECK_EQ(rp, base);
		if (f)
			fclose(f);
	}
	seg_path(p, sizeof(p), dir, base, ".log");
	switch (d) {
	case D_NONE:
		break;
	case D_TORN_TAIL: {
		off_t size = pos_in_seg(&m, first, m.n);

		if (truncate(p, size - 10) < 0)
			t_fatal("truncate: %s", strerror(errno));
		model_truncate(&m, m.v[m.n - 1].base);
		break;
	}
	case D_GARBAGE_TAIL: {
		uint8_t junk[100];

		t_fill(junk, sizeof(junk), 5, 0);
		damage_file(p, pos_in_seg(&m, first, m.n), junk, sizeof(junk));
		break;
	}
	case D_CRC_ACTIVE:
		k = first + (m.n - first) / 2;
		damage_file(p, pos_in_seg(&m, first, k) + 30, "\xAA", 1);
		model_truncate(&m, m.v[k].base);
		break;
	case D_CRC_OLD:
		/* A record byte of batch 10 in the first segment. */
		seg_path(p, sizeof(p), dir, 0, ".log");
		damage_file(p, pos_in_seg(&m, 0, 10) + 70, "\x55", 1);
		model_truncate(&m, m.v[10].base);
		break;
	}
	reopen_and_check(dir, &m);
	if (d == D_CRC_OLD) {
		int64_t bases[1024];

		/* Later segments went with the truncation. */
		CHECK_EQ(model_list_segments(dir, bases, 1024), 1);
		seg_path(p, sizeof(p), dir, base, ".index");
		CHECK(access(p, F_OK) < 0);
	}
	model_free(&m);
}

/* After a clean close: a deleted or scrambled index is rebuilt. */
static void index_damage(const char *root)
{
	char dir[4096], p[8192];
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[1024];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/idx-0", root);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	for (int i = 0; i < 400; i++)
		model_append(&m, l, 2, 60 + i % 90, 7000 + i, 2, (uint64_t)i,
			     0);
	plog_close(l);
	model_closed(&m);
	n = model_list_segments(dir, bases, 1024);
	CHECK(n >= 4);
	CHECK_EQ(model_check_dir(&m, dir, INTERVAL), (int)n);

	seg_path(p, sizeof(p), dir, bases[0], ".index");
	CHECK_EQ(unlink(p), 0);
	seg_path(p, sizeof(p), dir, bases[1], ".timeindex");
	damage_file(p, 12, "\0\0\0\0\0\0\0\0", 8); /* ts goes backwards */
	seg_path(p, sizeof(p), dir, bases[2], ".index");
	damage_file(p, 0, "\x7f\0\0\0", 4); /* offset beyond the segment... */
	/* Leftovers of a segment whose deletion was interrupted. */
	seg_path(p, sizeof(p), dir, 99999999, ".index");
	damage_file(p, 0, "junk", 4);
	reopen_and_check(dir, &m); /* ...and all three come back exact */
	seg_path(p, sizeof(p), dir, 99999999, ".index");
	CHECK(access(p, F_OK) < 0);
	model_free(&m);
}

/* Crash, reopen, crash again with more appends, reopen. */
static void double_crash(const char *root)
{
	char dir[4096];
	struct model m = {0};
	size_t n1;

	snprintf(dir, sizeof(dir), "%s/twice-0", root);
	model_gen(&m, 300, 77);
	crash_append(dir, &m, 0, 1);
	n1 = m.n;
	model_gen(&m, 300, 78);
	crash_append(dir, &m, n1, 0);
	reopen_and_check(dir, &m);
	model_free(&m);
}

int main(void)
{
	char root[2048];

	snprintf(root, sizeof(root), "%s/log_recovery", t_tmpdir());
	for (int d = D_NONE; d <= D_CRC_OLD; d++)
		scenario(root, (enum damage)d, 0);
	scenario(root, D_TORN_TAIL, 1);
	scenario(root, D_CRC_ACTIVE, 1);
	index_damage(root);
	double_crash(root);
	bb_rm_rf(root);
	return t_result();
}
