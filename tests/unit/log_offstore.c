/* SPDX-License-Identifier: MIT */
/*
 * log_offstore.c — committed offsets: commit/fetch with the newest value
 * winning, null and empty metadata, persistence across close/reopen and
 * across a process that dies without closing, a torn or corrupt tail cut
 * at reopen, and compaction keeping exactly the latest values.
 */
#include <sys/wait.h>

#include "batch_builder.h"

#define NKEYS 12

struct seen {
	int n;
	int64_t sum;
};

static void count_cb(const char *topic, int32_t part, int64_t off,
		     const char *meta, void *arg)
{
	struct seen *s = arg;

	(void)meta;
	CHECK(!strcmp(topic, "t1") || !strcmp(topic, "t2"));
	s->n++;
	s->sum += off * 1000 + part;
}

static void key(int i, char *g, char *t, int32_t *p)
{
	sprintf(g, "group-%d", i % 3);
	sprintf(t, "t%d", 1 + i % 2);
	*p = i;
}

/* The values the test expects for every key: round r commits r*100+i. */
static void check_all(struct offstore *s, int rounds)
{
	for (int i = 0; i < NKEYS; i++) {
		char g[32], t[32], want[32];
		const char *meta;
		int32_t p;
		int64_t off = -1;

		key(i, g, t, &p);
		CHECK_EQ(offstore_fetch(s, g, t, p, &off, &meta), 0);
		CHECK_EQ(off, (int64_t)(rounds - 1) * 100 + i);
		sprintf(want, "m%d", rounds - 1);
		CHECK(meta && !strcmp(meta, want));
	}
}

static void commit_rounds(struct offstore *s, int from, int to)
{
	for (int r = from; r < to; r++) {
		for (int i = 0; i < NKEYS; i++) {
			char g[32], t[32], m[32];
			int32_t p;

			key(i, g, t, &p);
			sprintf(m, "m%d", r);
			CHECK_EQ(offstore_commit(s, g, t, p, r * 100 + i, m),
				 0);
		}
	}
}

static off_t fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

int main(void)
{
	char dir[2048], file[4096];
	struct offstore *s;
	const char *meta, *names[8];
	int64_t off;
	struct seen seen = {0};
	off_t good;
	pid_t pid;
	int st;

	snprintf(dir, sizeof(dir), "%s/log_offstore", t_tmpdir());
	snprintf(file, sizeof(file), "%s/__consumer_offsets/offsets.log", dir);
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, &meta), -ENOENT);
	CHECK_EQ(offstore_commit(s, "g", "t", 0, 5, "a"), 0);
	CHECK_EQ(offstore_commit(s, "g", "t", 0, 7, NULL), 0);
	CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, &meta), 0);
	CHECK_EQ(off, 7);
	CHECK(meta && !strcmp(meta, ""));
	CHECK_EQ(offstore_fetch(s, "g", "t", 1, &off, NULL), -ENOENT);
	CHECK_EQ(offstore_fetch(s, "g", "u", 0, &off, NULL), -ENOENT);
	CHECK_EQ(offstore_fetch(s, "h", "t", 0, &off, NULL), -ENOENT);
	{
		char big[5000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_EQ(offstore_commit(s, "g", "t", 0, 9, big), -EMSGSIZE);
	}
	commit_rounds(s, 0, 3);
	check_all(s, 3);
	offstore_each(s, "group-1", count_cb, &seen);
	CHECK_EQ(seen.n, NKEYS / 3);
	CHECK_EQ(seen.sum, 2 * 100 * 1000 * 4 + (1 + 4 + 7 + 10) * 1001);
	CHECK_EQ(offstore_groups(s, names, 8), 4);
	CHECK_EQ(offstore_groups(s, names, 2), 2);
	CHECK_EQ(offstore_file_bytes(s), fsize(file));
	offstore_close(s);

	/* Reopen: all there. */
	CHECK_EQ(offstore_open(&s, dir), 0);
	check_all(s, 3);
	CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, NULL), 0);
	CHECK_EQ(off, 7);
	offstore_close(s);

	/* Torn tail: half a record after the good ones is cut. */
	good = fsize(file);
	{
		int fd = open(file, O_WRONLY | O_APPEND);
		uint8_t junk[30] = {0, 0, 0, 60};

		CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == sizeof(junk));
		close(fd);
	}
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK_EQ(fsize(file), good);
	check_all(s, 3);
	commit_rounds(s, 3, 4);
	offstore_close(s);

	/* A corrupt last record: its commit is lost, the one before wins. */
	good = fsize(file);
	{
		int fd = open(file, O_WRONLY);

		CHECK(fd >= 0 && pwrite(fd, "\xff", 1, good - 2) == 1);
		close(fd);
	}
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK(fsize(file) < good);
	{
		char g[32], t[32];
		int32_t p;

		key(NKEYS - 1, g, t, &p);
		CHECK_EQ(offstore_fetch(s, g, t, p, &off, &meta), 0);
		CHECK_EQ(off, 2 * 100 + NKEYS - 1);
		CHECK(!strcmp(meta, "m2"));
	}
	commit_rounds(s, 4, 5);
	check_all(s, 5);
	offstore_close(s);

	/* A process that dies without closing. */
	pid = fork();
	if (pid == 0) {
		struct offstore *c;

		if (offstore_open(&c, dir) < 0)
			_exit(2);
		commit_rounds(c, 5, 7);
		_exit(t_failures ? 3 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0);
	CHECK_EQ(offstore_open(&s, dir), 0);
	check_all(s, 7);

	/* Compaction: only the latest values remain, and they persist. */
	good = fsize(file);
	CHECK_EQ(offstore_compact(s), 0);
	CHECK(fsize(file) < good / 3);
	CHECK_EQ(offstore_file_bytes(s), fsize(file));
	check_all(s, 7);
	commit_rounds(s, 7, 8);
	offstore_close(s);
	CHECK_EQ(offstore_open(&s, dir), 0);
	check_all(s, 8);
	CHECK_EQ(offstore_fetch(s, "g", "t", 0, &off, NULL), 0);
	CHECK_EQ(off, 7);
	CHECK_EQ(offstore_groups(s, names, 8), 4);
	offstore_close(s);
	/* Naming the offsets directory itself opens the same store. */
	{
		char sub[4200];

		snprintf(sub, sizeof(sub), "%s/__consumer_offsets/", dir);
		CHECK_EQ(offstore_open(&s, sub), 0);
		check_all(s, 8);
		offstore_close(s);
	}
	bb_rm_rf(dir);
	return t_result();
}
