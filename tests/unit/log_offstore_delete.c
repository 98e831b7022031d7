/* SPDX-License-Identifier: MIT */
/*
 * log_offstore_delete.c — deleting committed offsets (DeleteGroups,
 * OffsetDelete): a deleted key stays deleted across a reopen and a
 * compaction, a commit after a deletion counts again, a group with no
 * offsets left is no longer listed, deleting what is not there writes
 * nothing, each deletion is synced (one sync for a whole group), and a
 * failed write or sync deletes nothing and leaves no partial record.
 */
#include "batch_builder.h"
#include "log/sys.h"

static int fail_id = -1, fail_err;

static void hook(enum lsys_id id, uint64_t nth, struct lsys_fault *f, void *arg)
{
	(void)nth;
	(void)arg;
	if ((int)id == fail_id)
		f->err = fail_err;
}

static bool has(struct offstore *s, const char *g, const char *t, int32_t p)
{
	int64_t off;

	return offstore_fetch(s, g, t, p, &off, NULL) == 0;
}

static off_t fsize(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

static size_t ngroups(struct offstore *s)
{
	const char *names[16];

	return offstore_groups(s, names, 16);
}

int main(void)
{
	char dir[2048], file[4096];
	struct offstore *s;
	int64_t off;
	off_t before;

	snprintf(dir, sizeof(dir), "%s/log_offstore_delete", t_tmpdir());
	snprintf(file, sizeof(file), "%s/__consumer_offsets/offsets.log", dir);
	CHECK_EQ(offstore_open(&s, dir), 0);
	for (int p = 0; p < 3; p++) {
		CHECK_EQ(offstore_commit(s, "a", "t", p, 10 + p, "m"), 0);
		CHECK_EQ(offstore_commit(s, "a", "u", p, 20 + p, NULL), 0);
		CHECK_EQ(offstore_commit(s, "b", "t", p, 30 + p, "m"), 0);
	}
	CHECK_EQ(ngroups(s), 2);
	CHECK(offstore_has_group(s, "a") && !offstore_has_group(s, "c"));

	/* One partition: synced, gone, the rest kept. */
	lsys_fault_set(hook, NULL);
	CHECK_EQ(offstore_delete(s, "a", "t", 1), 1);
	CHECK_EQ(lsys_calls(LSYS_FDATASYNC), 1);
	CHECK(!has(s, "a", "t", 1) && has(s, "a", "t", 0) &&
	      has(s, "a", "u", 1) && has(s, "b", "t", 1));
	/* Not there: nothing written. */
	before = fsize(file);
	CHECK_EQ(offstore_delete(s, "a", "t", 1), 0);
	CHECK_EQ(offstore_delete(s, "zz", "t", 0), 0);
	CHECK_EQ(offstore_delete_group(s, "zz"), 0);
	CHECK_EQ(fsize(file), before);

	/* A failed write, then a failed sync: nothing deleted, the file
	 * cut back to its whole records. */
	fail_id = LSYS_WRITE;
	fail_err = ENOSPC;
	CHECK_EQ(offstore_delete(s, "a", "t", 0), -ENOSPC);
	CHECK_EQ(offstore_delete_group(s, "b"), -ENOSPC);
	fail_id = LSYS_FDATASYNC;
	fail_err = EIO;
	CHECK_EQ(offstore_delete_group(s, "b"), -EIO);
	fail_id = -1;
	CHECK_EQ(fsize(file), before);
	CHECK_EQ(offstore_file_bytes(s), before);
	CHECK(has(s, "a", "t", 0) && has(s, "b", "t", 2));

	/* A whole group in one write and one sync. */
	lsys_fault_set(hook, NULL);
	CHECK_EQ(offstore_delete_group(s, "b"), 3);
	CHECK_EQ(lsys_calls(LSYS_WRITE), 1);
	CHECK_EQ(lsys_calls(LSYS_FDATASYNC), 1);
	lsys_fault_set(NULL, NULL);
	CHECK(!has(s, "b", "t", 0) && !offstore_has_group(s, "b"));
	CHECK_EQ(ngroups(s), 1);
	CHECK_EQ(offstore_file_bytes(s), fsize(file));

	/* A commit after a deletion counts again. */
	CHECK_EQ(offstore_commit(s, "b", "t", 2, 99, NULL), 0);
	CHECK(offstore_has_group(s, "b"));
	offstore_close(s);

	/* Reopen: the deletions replayed. */
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK(!has(s, "a", "t", 1) && has(s, "a", "t", 0));
	CHECK(!has(s, "b", "t", 0) && !has(s, "b", "t", 1));
	CHECK_EQ(offstore_fetch(s, "b", "t", 2, &off, NULL), 0);
	CHECK_EQ(off, 99);
	CHECK_EQ(ngroups(s), 2);

	/* Delete group a entirely; compaction writes only live keys, and
	 * what it writes reopens the same. */
	CHECK_EQ(offstore_delete_group(s, "a"), 5);
	CHECK(!offstore_has_group(s, "a") && ngroups(s) == 1);
	CHECK_EQ(offstore_compact(s), 0);
	CHECK_EQ(offstore_file_bytes(s), fsize(file));
	offstore_close(s);
	CHECK_EQ(offstore_open(&s, dir), 0);
	CHECK(!offstore_has_group(s, "a") && ngroups(s) == 1);
	CHECK(has(s, "b", "t", 2) && !has(s, "a", "u", 0));
	offstore_close(s);
	return t_result();
}
