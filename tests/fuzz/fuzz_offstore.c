/* SPDX-License-Identifier: MIT */
/*
 * fuzz_offstore.c — offstore_open() (broker/log/offstore.c) replaying an
 * offsets file made of the input: records with valid or broken lengths,
 * CRCs, string lengths and metadata.
 *
 * Properties: opening never crashes and, when it succeeds, cut the file
 * to whole records (file size == offstore_file_bytes); what it loaded
 * survives a reopen, a new commit and a compaction unchanged.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "log/log.h"

/* A digest of the committed state: every (group, topic, partition,
 * offset, metadata), order-independent. */
struct digest {
	const char *group;
	uint64_t sum;
	size_t n;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *q = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ q[i]) * 0x100000001b3ULL;
	return h;
}

static void visit(const char *topic, int32_t part, int64_t off,
		  const char *meta, void *arg)
{
	struct digest *d = arg;
	uint64_t h = fnv(0xcbf29ce484222325ULL, d->group, strlen(d->group));

	h = fnv(h, "\xff", 1);
	h = fnv(h, topic, strlen(topic) + 1);
	h = fnv(h, &part, sizeof(part));
	h = fnv(h, &off, sizeof(off));
	h = fnv(h, meta, strlen(meta));
	d->sum += h; /* a sum: the table's order does not matter */
	d->n++;
}

static struct digest state(struct offstore *s, size_t max_groups)
{
	const char **names = calloc(max_groups, sizeof(*names));
	struct digest d = {0};
	size_t n;

	FZ_ASSERT(names);
	n = offstore_groups(s, names, max_groups);
	FZ_ASSERT(n < max_groups); /* all of them */
	for (size_t i = 0; i < n; i++) {
		d.group = names[i];
		offstore_each(s, names[i], visit, &d);
	}
	free(names);
	d.group = NULL;
	return d;
}

static struct offstore *reopen(const char *dir, struct offstore *s)
{
	offstore_close(s);
	FZ_ASSERT(offstore_open(&s, dir) == 0);
	return s;
}

static void check_size(const char *file, const struct offstore *s)
{
	struct stat st;

	FZ_ASSERT(stat(file, &st) == 0);
	FZ_ASSERT((uint64_t)st.st_size == offstore_file_bytes(s));
}

static bool same(struct digest a, struct digest b)
{
	return a.sum == b.sum && a.n == b.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A record takes at least 28 bytes, so this bounds the groups. */
	size_t max_groups = size / 28 + 4;
	char dir[4096], file[4200];
	struct offstore *s;
	struct digest a, b;
	int64_t off;

	/* offstore_open accepts the __consumer_offsets directory itself. */
	fz_path(dir, sizeof(dir), "__consumer_offsets");
	fz_rm_rf(dir);
	FZ_ASSERT(mkdir(dir, 0755) == 0);
	snprintf(file, sizeof(file), "%s/offsets.log", dir);
	FZ_ASSERT(fz_write(file, data, size) == 0);

	/* A damaged file is cut, never refused. */
	FZ_ASSERT(offstore_open(&s, dir) == 0);
	check_size(file, s);
	a = state(s, max_groups);
	s = reopen(dir, s);
	check_size(file, s);
	b = state(s, max_groups);
	FZ_ASSERT(same(a, b));

	FZ_ASSERT(offstore_commit(s, "fz", "t", 3, 42, "meta") == 0);
	a = state(s, max_groups);
	FZ_ASSERT(offstore_compact(s) == 0);
	check_size(file, s);
	s = reopen(dir, s);
	check_size(file, s);
	b = state(s, max_groups);
	FZ_ASSERT(same(a, b));
	FZ_ASSERT(offstore_fetch(s, "fz", "t", 3, &off, NULL) == 0 &&
		  off == 42);
	offstore_close(s);
	fz_rm_rf(dir);
	return 0;
}
