/* SPDX-License-Identifier: MIT */
/*
 * log_hint.c — the offset index is a hint. One entry's offset field is
 * lowered (one byte changed, the index still strictly increasing), which
 * once made fetches at the offsets below the true one start at a later
 * batch and skip records. With the damage live under an open log, a read
 * at every offset must still start at the batch that holds it, and the
 * next maintenance must rebuild the index; damaged in a closed log, the
 * reopen must find the entry that disagrees with the log and rebuild.
 */
#include "batch_builder.h"

#define INTERVAL 100

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.index_interval_bytes = INTERVAL;
	c.index_max_bytes = 64 * 1024;
	c.retention_ms = -1;
	return c;
}

/* Entries of the .index file (stops at the first all-zero slot after
 * entry 0, the unwritten part of an active index). */
static size_t read_index(const char *path, uint32_t *rel, uint32_t *pos,
			 size_t max)
{
	size_t len, n = 0;
	uint8_t *b = bb_slurp(path, &len);

	for (size_t i = 0; b && i + 8 <= len && n < max; i += 8) {
		if (n && !get_be32(b + i) && !get_be32(b + i + 4))
			break;
		rel[n] = get_be32(b + i);
		pos[n++] = get_be32(b + i + 4);
	}
	free(b);
	return n;
}

/* Lower entry k's offset to just above entry k-1's; returns the entry
 * index damaged. */
static size_t damage(const char *path, const uint32_t *rel, size_t n)
{
	for (size_t k = n / 2; k + 1 < n; k++) {
		/* Batches hold at most 4 records: a gap of 5 puts the new
		 * value below the start of the entry's batch. */
		if (rel[k] - rel[k - 1] < 5)
			continue;
		uint8_t e[4];
		int fd = open(path, O_WRONLY);

		put_be32(e, rel[k - 1] + 1);
		if (fd < 0 || pwrite(fd, e, 4, (off_t)(k * 8)) != 4)
			t_fatal("cannot damage %s", path);
		close(fd);
		return k;
	}
	t_fatal("no entry with room to lower it");
}

/* Every offset reads from the batch that holds it. */
static int reads_right(const struct model *m, struct plog *l)
{
	int bad = 0;

	for (int64_t off = 0; off < m->end; off++) {
		struct plog_slice s;

		if (plog_read(l, off, 1, &s) < 0 ||
		    !model_check_slice(m, &s, off))
			bad++;
		plog_slice_release(&s);
	}
	if (bad)
		fprintf(stderr, "%d offsets read from the wrong batch\n", bad);
	return bad == 0;
}

/* Whether the file holds exactly these n entries (the damage undone). */
static int same_index(const char *path, const uint32_t *rel,
		      const uint32_t *pos, size_t n)
{
	uint32_t rel2[4096], pos2[4096];
	size_t n2 = read_index(path, rel2, pos2, 4096);

	for (size_t i = 0; i < n && i < n2; i++)
		if (rel[i] != rel2[i] || pos[i] != pos2[i])
			fprintf(stderr, "entry %zu: %u@%u, rebuilt %u@%u\n", i,
				rel[i], pos[i], rel2[i], pos2[i]);
	return n2 == n && !memcmp(rel, rel2, n * 4) &&
	       !memcmp(pos, pos2, n * 4);
}

int main(void)
{
	const char *dir = t_path("p-0");
	struct log_config c = cfg();
	uint32_t rel[4096], pos[4096];
	struct model m = {0};
	struct plog *l;
	char ipath[4096];
	size_t n, k;

	snprintf(ipath, sizeof(ipath), "%s/%020d.index", dir, 0);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	for (int i = 0; i < 300; i++)
		model_append(&m, l, 1 + i % 4, 30 + (size_t)(i * 7) % 90,
			     1000 + i * 4, 1, (uint64_t)i, 0);
	n = read_index(ipath, rel, pos, 4096);
	CHECK(n > 20);

	/* Live damage: lookups see the shared page at once. */
	k = damage(ipath, rel, n);
	printf("entry %zu: offset %u lowered to %u\n", k, rel[k],
	       rel[k - 1] + 1);
	CHECK(reads_right(&m, l));
	CHECK(plog_maintain(l, 0) >= 0); /* rebuilds the suspect index */
	CHECK(same_index(ipath, rel, pos, n));
	CHECK(reads_right(&m, l));
	plog_close(l);
	model_closed(&m);

	/* Damage in a closed log: found on reopen, rebuilt. */
	n = read_index(ipath, rel, pos, 4096);
	k = damage(ipath, rel, n);
	CHECK_EQ(plog_open(&l, dir, &c), 0);
	CHECK(reads_right(&m, l));
	CHECK(same_index(ipath, rel, pos, n));
	plog_close(l);
	model_free(&m);
	return t_result();
}
