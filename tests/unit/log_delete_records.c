/* SPDX-License-Identifier: MIT */
/*
 * log_delete_records.c — the storage side of DeleteRecords and
 * CreatePartitions.
 *
 * plog_delete_records: the start offset moves (never back, never past the
 * end; -1 is the end), segments wholly below it are deleted, reads below
 * it are out of range, the slice at it holds the batch around it,
 * ListOffsets by time answers nothing below it; the start survives a
 * clean restart and a crash (the file is written before use), and a log
 * whose end falls below the kept start (its tail lost in a crash) restarts
 * empty at the start and gives out no offset below it.
 *
 * topics_grow: a topic grows at its end and keeps its ID; not larger
 * than today, unknown topics and max.partitions are refused and change
 * nothing; a growth over several steps is visible only when complete and
 * a deletion meanwhile undoes it; a crash half way (directories made,
 * some without the ID file) loads as a topic of the partitions made.
 */
#include "batch_builder.h"

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.segment_bytes = 4096;
	c.index_interval_bytes = 256;
	return c;
}

static bool exists(const char *dir, const char *name)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* 40 batches of 5 records (offsets 0..199), record i at time 1000 + i. */
static void fill(struct model *m, struct plog *l)
{
	for (int i = 0; i < 40; i++)
		model_append(m, l, 5, 100, 1000 + (int64_t)m->end, 1,
			     (uint64_t)m->end, 0);
}

static void t_start_moves(void)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	struct plog_slice s;
	int64_t bases[256], ts;
	size_t nseg;
	char dir[1024];

	snprintf(dir, sizeof(dir), "%s/dr-0", t_tmpdir());
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	fill(&m, l);
	nseg = model_list_segments(dir, bases, 256);
	CHECK(nseg >= 4);
	/* Past the end, below -1: refused, nothing changes. */
	CHECK_EQ(plog_delete_records(l, 201), -ERANGE);
	CHECK_EQ(plog_delete_records(l, -2), -ERANGE);
	CHECK_EQ(plog_start_offset(l), 0);
	CHECK(!exists(dir, LOG_START_FILE));

	/* Into the third segment, one past its base: the first two go. */
	int64_t at = bases[2] + 1;
	CHECK_EQ(plog_delete_records(l, at), at);
	CHECK_EQ(plog_start_offset(l), at);
	CHECK_EQ(plog_end_offset(l), 200);
	CHECK_EQ(model_list_segments(dir, bases, 256), nseg - 2);
	CHECK_EQ(bases[0], at - 1);
	CHECK(exists(dir, LOG_START_FILE));
	/* Below the start: out of range; at it: the batch holding it. */
	CHECK_EQ(plog_read(l, at - 1, 1 << 20, &s), -ERANGE);
	CHECK_EQ(plog_read(l, 0, 1 << 20, &s), -ERANGE);
	CHECK_EQ(plog_read(l, at, 1 << 20, &s), 0);
	CHECK(model_check_slice(&m, &s, at));
	plog_slice_release(&s);
	/* By time: the record at time 1000 + k is offset k, but nothing
	 * below the start answers any more. */
	CHECK_EQ(plog_find_time(l, 1000, &ts), at);
	CHECK_EQ(ts, 1000 + at);
	CHECK_EQ(plog_find_time(l, 1000 + at + 3, &ts), at + 3);
	CHECK_EQ(plog_find_time(l, 5000, &ts), -1);
	/* Not back. */
	CHECK_EQ(plog_delete_records(l, 3), at);
	CHECK_EQ(plog_start_offset(l), at);

	/* A clean restart keeps it. */
	plog_close(l);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), at);
	CHECK_EQ(plog_read(l, at - 1, 1 << 20, &s), -ERANGE);
	/* Then a crash (no close: no clean marker written) right after a
	 * move: the start is already on disk. */
	CHECK_EQ(plog_delete_records(l, 150), 150);
	char marker[1100];
	snprintf(marker, sizeof(marker), "%s/%s", dir, CLEAN_MARKER);
	plog_close(l);
	unlink(marker); /* as if it had crashed */
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), 150);
	CHECK_EQ(plog_end_offset(l), 200);

	/* -1: up to the end; every segment goes, appends go on. */
	CHECK_EQ(plog_delete_records(l, -1), 200);
	CHECK_EQ(plog_start_offset(l), 200);
	CHECK_EQ(plog_size_bytes(l), 0);
	CHECK_EQ(model_list_segments(dir, bases, 256), 1);
	CHECK_EQ(bases[0], 200);
	CHECK_EQ(plog_read(l, 199, 1 << 20, &s), -ERANGE);
	CHECK_EQ(model_append(&m, l, 2, 10, 9000, 1, 7, 0), 200);
	CHECK_EQ(plog_end_offset(l), 202);
	plog_close(l);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), 200);
	CHECK_EQ(plog_end_offset(l), 202);
	plog_close(l);
	model_free(&m);
}

/* The log lost its tail below the kept start (a crash before a sync of
 * records the start had moved past): it restarts empty at the start. */
static void t_tail_lost(void)
{
	struct log_config c = cfg();
	struct model m = {0};
	struct plog *l;
	int64_t bases[256];
	char dir[1024], p[4096];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/lost-0", t_tmpdir());
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	fill(&m, l);
	plog_close(l);
	snprintf(p, sizeof(p), "%s/%s", dir, LOG_START_FILE);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "500\n");
		fclose(f);
	}
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), 500);
	CHECK_EQ(plog_end_offset(l), 500);
	CHECK_EQ(plog_size_bytes(l), 0);
	CHECK_EQ(model_list_segments(dir, bases, 256), 0);
	m.end = 500;
	CHECK_EQ(model_append(&m, l, 3, 10, 9000, 1, 9, 0), 500);
	plog_close(l);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK_EQ(plog_start_offset(l), 500);
	CHECK_EQ(plog_end_offset(l), 503);
	plog_destroy(l); /* removes the start file too */
	CHECK_EQ(access(dir, F_OK), -1);
	model_free(&m);
}

static int grow_rc = 1;
static void grow_done(void *arg, int rc)
{
	(void)arg;
	grow_rc = rc;
}

static void t_grow(void)
{
	struct log_config c = cfg();
	struct topics *t;
	uint8_t id[16];
	char dir[1024], p[1200];

	c.max_partitions = 200;
	snprintf(dir, sizeof(dir), "%s/grow", t_tmpdir());
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create(t, "g", 2), 0);
	memcpy(id, topics_id(t, "g"), 16);
	CHECK_EQ(topics_grow(t, "g", 2), -EINVAL);
	CHECK_EQ(topics_grow(t, "g", 1), -EINVAL);
	CHECK_EQ(topics_grow(t, "nope", 3), -ENOENT);
	CHECK_EQ(topics_grow(t, "g", 201), -EDQUOT);
	CHECK_EQ(topics_partitions(t, "g"), 2);
	CHECK_EQ(topics_grow(t, "g", 5), 0);
	CHECK_EQ(topics_partitions(t, "g"), 5);
	CHECK_EQ(topics_total_partitions(t), 5);
	CHECK(topics_log(t, "g", 4) != NULL);
	CHECK(!memcmp(topics_id(t, "g"), id, 16));
	snprintf(p, sizeof(p), "%s/g-4/%s", dir, PARTITION_META);
	CHECK_EQ(access(p, F_OK), 0);

	/* Over several steps: invisible until complete. */
	CHECK_EQ(topics_grow_start(t, "g", 75, grow_done, NULL), 1);
	CHECK_EQ(topics_grow_start(t, "g", 76, grow_done, NULL), -EBUSY);
	CHECK_EQ(topics_total_partitions(t), 75);
	CHECK(topics_step(t, 30));
	CHECK_EQ(topics_partitions(t, "g"), 5);
	CHECK(topics_log(t, "g", 5) == NULL);
	while (topics_step(t, 30))
		;
	CHECK_EQ(grow_rc, 0);
	CHECK_EQ(topics_partitions(t, "g"), 75);
	CHECK(topics_log(t, "g", 74) != NULL);
	CHECK(topics_log(t, "g", 0) != NULL);
	/* Deleted while growing: the growth ends -ENOENT, nothing stays. */
	grow_rc = 1;
	CHECK_EQ(topics_grow_start(t, "g", 150, grow_done, NULL), 1);
	CHECK(topics_step(t, 40));
	CHECK_EQ(topics_delete(t, "g"), 0);
	CHECK_EQ(grow_rc, -ENOENT);
	CHECK_EQ(topics_total_partitions(t), 0);
	snprintf(p, sizeof(p), "%s/g-100", dir);
	CHECK_EQ(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/g-0", dir);
	CHECK_EQ(access(p, F_OK), -1);
	/* Shut down while growing: rolled back. */
	CHECK_EQ(topics_create(t, "h", 1), 0);
	CHECK_EQ(topics_grow_start(t, "h", 100, grow_done, NULL), 1);
	CHECK(topics_step(t, 10));
	topics_close(t);
	CHECK_EQ(grow_rc, -ECANCELED);
	snprintf(p, sizeof(p), "%s/h-5", dir);
	CHECK_EQ(access(p, F_OK), -1);

	/* A crash half way: h-1 made with its ID, h-2 without. */
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_partitions(t, "h"), 1);
	memcpy(id, topics_id(t, "h"), 16);
	topics_close(t);
	snprintf(p, sizeof(p), "%s/h-1", dir);
	CHECK_EQ(mkdir(p, 0755), 0);
	CHECK_EQ(tid_store(p, id), 0);
	snprintf(p, sizeof(p), "%s/h-2", dir);
	CHECK_EQ(mkdir(p, 0755), 0);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_partitions(t, "h"), 3);
	CHECK(!memcmp(topics_id(t, "h"), id, 16));
	CHECK_EQ(tid_load(p, id), 0);
	CHECK(!memcmp(topics_id(t, "h"), id, 16));
	/* And it grows on from there, across a restart. */
	CHECK_EQ(topics_grow(t, "h", 4), 0);
	topics_close(t);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_partitions(t, "h"), 4);
	topics_close(t);
}

int main(void)
{
	t_start_moves();
	t_tail_lost();
	t_grow();
	return t_result();
}
