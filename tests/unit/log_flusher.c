/* SPDX-License-Identifier: MIT */
/*
 * log_flusher.c — the group-commit thread with an injected sync call:
 * adds that arrive while a sync runs share the next one (one sync per
 * file, not one per add); tickets name the sync that covers them; the
 * eventfd fires; a failed sync is reported with its key, and the same
 * file then fails in every later round without being synced again, even
 * when the sync call would succeed; closing finishes what was asked. The
 * default sync is the storage layer's fdatasync wrapper: a failure its
 * fault hook injects reaches the round's report the same way. A
 * descriptor number reused by another file within a round syncs both.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "log/flusher.h"
#include "log/sys.h"

/* The injected sync: waits while the gate is shut, counts calls per
 * inode, fails the first `bad_left` calls on `bad_ino` with `bad_err`. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool shut;
	int waiting;
	ino_t ino[32];
	int calls[32];
	ino_t bad_ino;
	int bad_err;
	int bad_left; /* fail this many calls on bad_ino, then succeed */
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int slot(ino_t ino)
{
	for (int i = 0; i < 32; i++) {
		if (G.ino[i] == ino || G.ino[i] == 0) {
			G.ino[i] = ino;
			return i;
		}
	}
	return 31;
}

static int fake_sync(int fd)
{
	struct stat st;
	int rc = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	pthread_mutex_lock(&G.mu);
	G.waiting++;
	pthread_cond_broadcast(&G.cv);
	while (G.shut)
		pthread_cond_wait(&G.cv, &G.mu);
	G.waiting--;
	G.calls[slot(st.st_ino)]++;
	if (st.st_ino == G.bad_ino && G.bad_left > 0) {
		G.bad_left--;
		rc = G.bad_err;
	}
	pthread_mutex_unlock(&G.mu);
	return rc;
}

static void gate(bool shut)
{
	pthread_mutex_lock(&G.mu);
	G.shut = shut;
	pthread_cond_broadcast(&G.cv);
	pthread_mutex_unlock(&G.mu);
}

static void wait_blocked(void)
{
	pthread_mutex_lock(&G.mu);
	while (G.waiting == 0)
		pthread_cond_wait(&G.cv, &G.mu);
	pthread_mutex_unlock(&G.mu);
}

static int calls_of(int fd)
{
	struct stat st;
	int n;

	fstat(fd, &st);
	pthread_mutex_lock(&G.mu);
	n = G.calls[slot(st.st_ino)];
	pthread_mutex_unlock(&G.mu);
	return n;
}

struct seen {
	uint64_t seq[16];
	int err[16];
	const void *failed[16][4];
	size_t nfailed[16];
	size_t n;
};

static void on_done(void *arg, uint64_t seq, int err, const void *const *failed,
		    size_t nfailed)
{
	struct seen *s = arg;

	if (s->n >= 16)
		return;
	s->seq[s->n] = seq;
	s->err[s->n] = err;
	s->nfailed[s->n] = nfailed;
	for (size_t i = 0; i < nfailed && i < 4; i++)
		s->failed[s->n][i] = failed[i];
	s->n++;
}

/* Wait for the eventfd, then drain until `upto` is reported. */
static void drain_until(struct flusher *f, struct seen *s, uint64_t upto)
{
	for (int i = 0; i < 500; i++) {
		if (s->n && s->seq[s->n - 1] >= upto)
			return;
		struct pollfd p = {.fd = flusher_event_fd(f), .events = POLLIN};

		if (poll(&p, 1, 10) == 1)
			flusher_drain(f, on_done, s);
	}
	t_fatal("sync %llu never reported", (unsigned long long)upto);
}

static int open_file(const char *dir, const char *name)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		t_fatal("open %s: %s", p, strerror(errno));
	return fd;
}

static void test_group(const char *dir)
{
	struct flusher *f;
	struct seen s = {0};
	struct flusher_stats st;
	int a = open_file(dir, "a"), b = open_file(dir, "b");
	int ka, kb; /* keys: their addresses */
	int64_t t;

	CHECK_EQ(flusher_open(&f, fake_sync), 0);
	gate(true);
	CHECK_EQ(flusher_add(f, &ka, a), 1);
	wait_blocked(); /* sync 1 runs (on a) and hangs */
	/* 100 acknowledgements arrive meanwhile, on both files. */
	for (int i = 0; i < 100; i++) {
		t = flusher_add(f, i % 2 ? &ka : &kb, i % 2 ? a : b);
		CHECK_EQ(t, 2);
	}
	/* The caller may close its descriptor: the flusher has its own. */
	int b2 = dup(b);
	close(b);
	b = b2;
	gate(false);
	drain_until(f, &s, 2);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.seq[0], 1);
	CHECK_EQ(s.seq[1], 2);
	CHECK_EQ(s.err[0], 0);
	CHECK_EQ(s.err[1], 0);
	/* 101 adds, 2 syncs: one fdatasync per file per round. */
	CHECK_EQ(calls_of(a), 2);
	CHECK_EQ(calls_of(b), 1);
	flusher_stats(f, &st);
	CHECK_EQ(st.syncs, 2);
	CHECK_EQ(st.files, 3);
	CHECK_EQ(st.adds, 101);
	/* Idle again: the next add starts sync 3 at once. */
	CHECK_EQ(flusher_add(f, &ka, a), 3);
	drain_until(f, &s, 3);
	CHECK_EQ(calls_of(a), 3);
	flusher_close(f);
	close(a);
	close(b);
}

static void test_failure(const char *dir, int err)
{
	struct flusher *f;
	struct seen s = {0};
	struct stat sb;
	char name[32];
	int ka, kb, kz;
	int a, b, z;

	snprintf(name, sizeof(name), "fa%d", -err);
	a = open_file(dir, name);
	snprintf(name, sizeof(name), "fb%d", -err);
	b = open_file(dir, name);
	snprintf(name, sizeof(name), "fz%d", -err);
	z = open_file(dir, name);
	fstat(b, &sb);
	CHECK_EQ(flusher_open(&f, fake_sync), 0);
	pthread_mutex_lock(&G.mu);
	G.bad_ino = sb.st_ino;
	G.bad_err = err;
	G.bad_left = 1;
	pthread_mutex_unlock(&G.mu);
	/* Sync 1 (another file) hangs, so a and b both go into sync 2. */
	gate(true);
	CHECK_EQ(flusher_add(f, &kz, z), 1);
	wait_blocked();
	CHECK_EQ(flusher_add(f, &ka, a), 2);
	CHECK_EQ(flusher_add(f, &kb, b), 2);
	gate(false);
	drain_until(f, &s, 2);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.err[0], 0);
	CHECK_EQ(s.err[1], err);
	CHECK_EQ(s.nfailed[1], 1);
	CHECK(s.failed[1][0] == &kb);
	/* The sync call would succeed now (bad_left is 0), but the pages
	 * the failed sync lost are gone: sync 3 must fail too, without
	 * calling it. */
	CHECK_EQ(flusher_add(f, &kb, b), 3);
	drain_until(f, &s, 3);
	CHECK_EQ(s.err[2], err);
	CHECK_EQ(s.nfailed[2], 1);
	CHECK(s.failed[2][0] == &kb);
	CHECK_EQ(flusher_add(f, &ka, a), 4);
	drain_until(f, &s, 4);
	CHECK_EQ(s.err[3], 0);
	CHECK_EQ(calls_of(b), 1); /* synced once, never retried */
	CHECK_EQ(calls_of(a), 2); /* the healthy file goes on */
	/* A new file of the same owner (a new segment) syncs fine. */
	snprintf(name, sizeof(name), "fc%d", -err);
	int c = open_file(dir, name);
	CHECK_EQ(flusher_add(f, &kb, c), 5);
	drain_until(f, &s, 5);
	CHECK_EQ(s.err[4], 0);
	flusher_close(f);
	close(a);
	close(b);
	close(c);
	close(z);
}

static void test_close_finishes(const char *dir)
{
	struct flusher *f;
	int a = open_file(dir, "close-a"), ka;

	CHECK_EQ(flusher_open(&f, fake_sync), 0);
	gate(true);
	CHECK_EQ(flusher_add(f, &ka, a), 1);
	wait_blocked();
	CHECK_EQ(flusher_add(f, &ka, a), 2);
	gate(false);
	flusher_close(f); /* both rounds run before it returns */
	CHECK_EQ(calls_of(a), 2);
	close(a);
}

static void test_real_fdatasync(const char *dir)
{
	struct flusher *f;
	struct seen s = {0};
	int a = open_file(dir, "real"), ka;

	CHECK_EQ(write(a, "x", 1), 1);
	CHECK_EQ(flusher_open(&f, NULL), 0);
	CHECK_EQ(flusher_add(f, &ka, a), 1);
	drain_until(f, &s, 1);
	CHECK_EQ(s.err[0], 0);
	flusher_close(f);
	close(a);
}

/* A descriptor number closed and reused by another file of the same
 * owner (a roll, the descriptor cache) within one round: both files are
 * synced, not only the first. */
static void test_reused_number(const char *dir)
{
	struct flusher *f;
	struct seen s = {0};
	int a = open_file(dir, "reuse-a"), b, ka, keep, other;

	CHECK_EQ(flusher_open(&f, fake_sync), 0);
	gate(true);
	other = open_file(dir, "reuse-other");
	CHECK_EQ(flusher_add(f, &ka, other), 1);
	wait_blocked(); /* round 1 runs; the next adds go to round 2 */
	CHECK_EQ(flusher_add(f, &ka, a), 2);
	keep = dup(a); /* to ask calls_of about the first file later */
	close(a);
	b = open_file(dir, "reuse-b");
	CHECK_EQ(b, a); /* the lowest free number: the same one */
	CHECK_EQ(flusher_add(f, &ka, b), 2);
	gate(false);
	drain_until(f, &s, 2);
	CHECK_EQ(calls_of(keep), 1);
	CHECK_EQ(calls_of(b), 1);
	flusher_close(f);
	close(keep);
	close(b);
	close(other);
}

/* The storage layer's hook fails the first fdatasync it sees. */
static void fail_first_sync(enum lsys_id id, uint64_t nth, struct lsys_fault *f,
			    void *arg)
{
	if (id == LSYS_FDATASYNC && nth == 0)
		f->err = *(int *)arg;
}

static void test_storage_hook(const char *dir)
{
	struct flusher *f;
	struct seen s = {0};
	int a = open_file(dir, "hooked"), ka, err = EIO;

	CHECK_EQ(write(a, "x", 1), 1);
	CHECK_EQ(flusher_open(&f, NULL), 0);
	lsys_fault_set(fail_first_sync, &err);
	CHECK_EQ(flusher_add(f, &ka, a), 1);
	drain_until(f, &s, 1);
	CHECK_EQ(s.err[0], -EIO);
	CHECK_EQ(s.nfailed[0], 1);
	CHECK(s.failed[0][0] == &ka);
	/* The hook would let it through now; the file still fails. */
	CHECK_EQ(flusher_add(f, &ka, a), 2);
	drain_until(f, &s, 2);
	CHECK_EQ(s.err[1], -EIO);
	CHECK_EQ(lsys_calls(LSYS_FDATASYNC), 1); /* never retried */
	lsys_fault_set(NULL, NULL);
	flusher_close(f);
	close(a);
}

int main(void)
{
	const char *dir = t_tmpdir();

	test_group(dir);
	test_failure(dir, -EIO);
	test_failure(dir, -ENOSPC);
	test_close_finishes(dir);
	test_real_fdatasync(dir);
	test_storage_hook(dir);
	test_reused_number(dir);
	return t_result();
}
