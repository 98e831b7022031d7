/* SPDX-License-Identifier: MIT */
/*
 * log_sweep.c — every system call of the storage, failed in turn.
 *
 * A workload opens a partition (small segments and indexes, so it rolls
 * and retention deletes), appends, runs maintenance (flush, retention,
 * recovery point), closes, reopens (recovery when the close did not get
 * its clean marker out), appends again, and commits and compacts group
 * offsets. A clean run counts the calls of each kind; then each kind
 * fails (EIO, ENOSPC, and a short transfer for reads and writes) on its
 * first call, on several in the middle, on its last and on all from the
 * middle on. Whatever fails, reopening without faults must show every
 * acknowledged batch (plog_append returned an offset) with its exact
 * bytes, and every acknowledged commit (or a newer one); and the process
 * never crashes. Under ASan this also walks the error paths for leaks.
 */
#include <ftw.h>

#include "batch_builder.h"
#include "log/sys.h"

#define NBATCH	 24
#define NCOMMIT	 12
#define NKEYS	 3
#define VLEN	 150
#define INTERVAL 200

struct plan {
	enum lsys_id id;
	uint64_t nth;
	bool every; /* from nth on */
	int err;
	size_t max_len;
	uint64_t hits;
};

static void hook(enum lsys_id id, uint64_t nth, struct lsys_fault *f, void *arg)
{
	struct plan *p = arg;

	if (!p || id != p->id || nth < p->nth || (!p->every && nth != p->nth))
		return;
	f->err = p->err;
	f->max_len = p->max_len;
	p->hits++;
}

struct acked {
	struct model m;		/* acknowledged batches */
	int64_t commit[NKEYS];	/* last acknowledged offset per key, -1 */
	int64_t attempt[NKEYS]; /* last attempted offset per key */
};

static struct log_config cfg(void)
{
	struct log_config c;

	log_config_defaults(&c);
	c.segment_bytes = 2048;
	c.index_interval_bytes = INTERVAL;
	c.index_max_bytes = 96;
	c.retention_bytes = 6000;
	c.retention_ms = -1;
	c.flush_interval_messages = 7;
	return c;
}

static void append_some(struct plog *l, struct acked *a, int from, int n)
{
	uint8_t *b = malloc(bb_max(2, VLEN));
	struct batch_info bi;

	if (!b)
		t_fatal("out of memory");
	for (int i = from; i < from + n; i++) {
		size_t len = bb_build(b, 2, VLEN, 1000 + i, 1, (uint64_t)i);
		int64_t off;

		if (batch_validate(b, len, 1 << 20, &bi) < 0)
			t_fatal("the builder made an invalid batch");
		off = plog_append(l, b, len, &bi, 1000 + i);
		if (off >= 0)
			model_add(&a->m, b, len, 1000 + i, 1);
		if (i % 5 == 4)
			(void)plog_maintain(l, 1000 + i);
	}
	free(b);
}

static void workload(const char *dir, const char *odir, struct acked *a)
{
	struct log_config c = cfg();
	struct offstore *s;
	struct plog *l;

	if (plog_open(&l, dir, &c) == 0) {
		append_some(l, a, 0, NBATCH / 2);
		plog_close(l);
	}
	if (plog_open(&l, dir, &c) == 0) {
		append_some(l, a, NBATCH / 2, NBATCH / 2);
		plog_close(l);
	}
	if (offstore_open(&s, odir) < 0)
		return;
	for (int i = 0; i < NCOMMIT; i++) {
		int k = i % NKEYS;

		a->attempt[k] = 100 + i;
		if (offstore_commit(s, "g", "t", k, 100 + i, "m") == 0)
			a->commit[k] = 100 + i;
		if (i == NCOMMIT / 2)
			(void)offstore_compact(s);
	}
	offstore_close(s);
}

/* Reopen without faults and check everything acknowledged is there. */
static int verify(const char *dir, const char *odir, const struct acked *a,
		  const char *what)
{
	struct log_config c = cfg();
	struct offstore *s;
	struct plog *l;
	int bad = 0;

	if (plog_open(&l, dir, &c) < 0) {
		fprintf(stderr, "%s: the log does not reopen\n", what);
		return 1;
	}
	for (size_t i = 0; i < a->m.n; i++) {
		const struct mbatch *mb = &a->m.v[i];
		struct plog_slice sl;
		uint8_t *buf;

		if (mb->base < plog_start_offset(l))
			continue; /* deleted by retention */
		if (plog_read(l, mb->base, 1, &sl) < 0 || sl.len < mb->size ||
		    sl.first_offset != mb->base) {
			fprintf(stderr, "%s: batch at %" PRId64 " lost\n", what,
				mb->base);
			bad++;
			plog_slice_release(&sl);
			continue;
		}
		buf = malloc(mb->size);
		if (!buf ||
		    pread(sl.fd, buf, mb->size, sl.pos) != (ssize_t)mb->size ||
		    memcmp(buf, mb->bytes, mb->size)) {
			fprintf(stderr, "%s: batch at %" PRId64 " differs\n",
				what, mb->base);
			bad++;
		}
		free(buf);
		plog_slice_release(&sl);
	}
	/* Retention may only take what it would take anyway: never the
	 * last acknowledged batch. */
	if (a->m.n && plog_start_offset(l) > a->m.v[a->m.n - 1].base) {
		fprintf(stderr, "%s: start offset %" PRId64 " past acked\n",
			what, plog_start_offset(l));
		bad++;
	}
	if (plog_end_offset(l) < a->m.end) {
		fprintf(stderr, "%s: end offset went back\n", what);
		bad++;
	}
	plog_close(l);
	if (offstore_open(&s, odir) < 0) {
		fprintf(stderr, "%s: the offsets store does not reopen\n",
			what);
		return bad + 1;
	}
	for (int k = 0; k < NKEYS; k++) {
		int64_t off = -1;

		if (a->commit[k] < 0)
			continue;
		/* A failed commit may still have reached the file (its
		 * truncation failed too): newer, never older. */
		if (offstore_fetch(s, "g", "t", k, &off, NULL) < 0 ||
		    off < a->commit[k] || off > a->attempt[k]) {
			fprintf(stderr,
				"%s: commit %d: %" PRId64 ", acked %" PRId64
				"\n",
				what, k, off, a->commit[k]);
			bad++;
		}
	}
	offstore_close(s);
	return bad;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static unsigned runs, failures;
static uint64_t last_calls[LSYS__COUNT]; /* of the last workload */

static void run(struct plan *p, const char *what)
{
	char dir[512], odir[512];
	struct acked a;

	snprintf(dir, sizeof(dir), "%s/p-0", t_tmpdir());
	snprintf(odir, sizeof(odir), "%s/off", t_tmpdir());
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(odir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	memset(&a, 0, sizeof(a));
	for (int k = 0; k < NKEYS; k++)
		a.commit[k] = a.attempt[k] = -1;
	lsys_fault_set(hook, p);
	workload(dir, odir, &a);
	for (int id = 0; id < LSYS__COUNT; id++)
		last_calls[id] = lsys_calls((enum lsys_id)id);
	lsys_fault_set(NULL, NULL);
	runs++;
	if (verify(dir, odir, &a, what)) {
		failures++;
		t_failures++;
	}
	model_free(&a.m);
}

static bool moves_bytes(enum lsys_id id)
{
	return id == LSYS_READ || id == LSYS_PREAD || id == LSYS_WRITE ||
	       id == LSYS_PWRITE;
}

int main(void)
{
	struct plan count = {.id = LSYS__COUNT};
	uint64_t n[LSYS__COUNT];
	unsigned kinds = 0;
	char shm[] = "/dev/shm/zcsweep.XXXXXX";

	/* Some 250 runs of fsync-heavy work: on tmpfs the syncs are free. */
	if (mkdtemp(shm))
		setenv("ZC_TMP", shm, 1);

	/* The clean run: counts per kind, and a baseline that must pass. */
	run(&count, "clean run");
	for (int id = 0; id < LSYS__COUNT; id++)
		n[id] = last_calls[id];
	CHECK(n[LSYS_FDATASYNC] > 0 && n[LSYS_RENAME] > 0 &&
	      n[LSYS_FTRUNCATE] > 0 && n[LSYS_MMAP] > 0 && n[LSYS_PWRITE] > 0 &&
	      n[LSYS_UNLINK] > 0);
	for (int id = 0; id < LSYS__COUNT; id++) {
		uint64_t at[] = {
		    0, 1, n[id] / 4, n[id] / 2, 3 * n[id] / 4, n[id] - 1};
		int errs[] = {EIO, ENOSPC};

		if (!n[id])
			continue;
		kinds++;
		for (size_t e = 0; e < 2; e++) {
			for (size_t i = 0; i < sizeof(at) / sizeof(at[0]);
			     i++) {
				struct plan p = {.id = (enum lsys_id)id,
						 .nth = at[i],
						 .err = errs[e]};
				char what[96];

				if (i && at[i] == at[i - 1])
					continue;
				snprintf(what, sizeof(what), "%s on %s #%llu",
					 strerror(errs[e]),
					 lsys_name((enum lsys_id)id),
					 (unsigned long long)at[i]);
				run(&p, what);
			}
			struct plan all = {.id = (enum lsys_id)id,
					   .nth = n[id] / 2,
					   .every = true,
					   .err = errs[e]};
			char what[96];

			snprintf(what, sizeof(what), "%s on %s from #%llu",
				 strerror(errs[e]), lsys_name((enum lsys_id)id),
				 (unsigned long long)(n[id] / 2));
			run(&all, what);
		}
		if (moves_bytes((enum lsys_id)id)) {
			struct plan p = {.id = (enum lsys_id)id,
					 .every = true,
					 .max_len = 5};
			char what[96];

			snprintf(what, sizeof(what), "short %s",
				 lsys_name((enum lsys_id)id));
			run(&p, what);
		}
	}
	printf("%u kinds of call, %u runs, %u lost acknowledged data\n", kinds,
	       runs, failures);
	CHECK(kinds >= 12);
	nftw(t_tmpdir(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return t_result();
}
