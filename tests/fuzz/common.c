/* SPDX-License-Identifier: MIT */
/*
 * common.c — the fuzz targets' shared helpers (see common.h). The broker
 * fixture reuses the unit tests' harness (a real store, event loop and
 * coordinator, connections made of socketpairs) and batch encoder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"
#include "unit/batch_builder.h"
#include "unit/proto_harness.h"

static char scratch[256];
static bool own_scratch;
/* Client connections: two at a time per input. */
static struct tconn fz_t[2];
static unsigned fz_next;

static void scratch_gone(void)
{
	if (own_scratch)
		bb_rm_rf(scratch);
}

const char *fz_dir(void)
{
	const char *env = getenv("ZC_TMP");

	if (scratch[0])
		return scratch;
	if (env && *env) {
		snprintf(scratch, sizeof(scratch), "%s", env);
		return scratch;
	}
	/* tmpfs: the targets create and fsync many small files. */
	snprintf(scratch, sizeof(scratch), "%s/zcfuzz.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(scratch)) {
		fprintf(stderr, "fuzz: mkdtemp %s: %s\n", scratch,
			strerror(errno));
		abort();
	}
	own_scratch = true;
	atexit(scratch_gone);
	/* The harness of the unit tests puts its store in $ZC_TMP. */
	setenv("ZC_TMP", scratch, 1);
	return scratch;
}

void fz_path(char *buf, size_t cap, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", fz_dir(), name);

	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "fuzz: path too long: %s\n", name);
		abort();
	}
}

static int put(const char *path, const void *p, size_t n, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	const uint8_t *q = p;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (n) {
		ssize_t w = write(fd, q, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			break;
		}
		q += w;
		n -= (size_t)w;
	}
	close(fd);
	return ret;
}

int fz_write(const char *path, const void *p, size_t n)
{
	return put(path, p, n, O_TRUNC);
}

int fz_append(const char *path, const void *p, size_t n)
{
	return put(path, p, n, O_APPEND);
}

void fz_rm_rf(const char *path)
{
	bb_rm_rf(path);
}

/* ---- the broker fixture --------------------------------------------- */

/* The authorizer on, so the ACL APIs reach the store and every handler
 * asks: the fuzzer's principal (User:ANONYMOUS) has ALL on the cluster;
 * topics named "deny..." refuse everyone WRITE; any other resource has no
 * binding and allow.everyone.if.no.acl.found lets it through. */
static void fz_configure(struct bconfig *c)
{
	c->authz.enabled = true;
	c->authz.allow_if_no_acl = true;
}

static void fill_acls(struct broker *b)
{
	struct acl_binding a[2] = {
	    {.res_type = ACL_RES_CLUSTER,
	     .pattern = ACL_PAT_LITERAL,
	     .op = ACL_OP_ALL,
	     .perm = ACL_PERM_ALLOW,
	     .name = ACL_CLUSTER_NAME,
	     .principal = CONN_ANONYMOUS,
	     .host = ACL_WILDCARD},
	    {.res_type = ACL_RES_TOPIC,
	     .pattern = ACL_PAT_PREFIXED,
	     .op = ACL_OP_WRITE,
	     .perm = ACL_PERM_DENY,
	     .name = "deny",
	     .principal = ACL_ANY_USER,
	     .host = ACL_WILDCARD},
	};
	int res[2];

	if (acl_store_create(b->acls, a, 2, res) || res[0] || res[1])
		t_fatal("cannot add the fixture ACLs");
}

static void fill_store(struct broker *b)
{
	uint8_t buf[1024];
	struct batch_info bi;
	struct plog *l;

	if (topics_create(b->topics, "t", 2) < 0 ||
	    !(l = topics_log(b->topics, "t", 0)))
		t_fatal("cannot create the fixture topic");
	for (int i = 0; i < 3; i++) {
		size_t len =
		    bb_build(buf, 2, 16 + 8 * i, 1700000000000LL + 100 * i, 7,
			     (uint64_t)i);

		if (batch_validate(buf, len, UINT32_MAX, &bi) < 0 ||
		    plog_append(l, buf, len, &bi, 1700000000000LL) < 0)
			t_fatal("cannot fill the fixture topic");
	}
	if (offstore_commit(b->offs, "g", "t", 0, 1, "m") < 0)
		t_fatal("cannot commit the fixture offset");
}

struct broker *fz_broker_up(void)
{
	static bool once;

	if (!once) {
		/* CreateTopics may ask for up to 100000 partitions: few
		 * descriptors make such a request fail fast (and test that
		 * failure) instead of filling the disk. */
		struct rlimit rl = {256, 256};

		setrlimit(RLIMIT_NOFILE, &rl);
		fz_dir();
		once = true;
	}
	memset(&th_b, 0, sizeof(th_b));
	fz_next = 0;
	th_configure = fz_configure;
	th_setup();
	fill_store(&th_b);
	fill_acls(&th_b);
	return &th_b;
}

struct conn *fz_broker_conn(int *peer)
{
	struct tconn *t = &fz_t[fz_next++ % 2];

	th_conn(t);
	*peer = t->peer;
	return t->c;
}

void fz_broker_settle(void)
{
	for (int i = 0; i < 4; i++)
		broker_settle(&th_b);
}

int fz_drain_answers(int peer, int32_t *first_corr)
{
	static uint8_t buf[1 << 20];
	size_t have = 0, at = 0;
	int frames = 0;
	ssize_t n;

	while (have < sizeof(buf) &&
	       (n = read(peer, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)n;
	/* A last frame may be cut: by our buffer, by a full socket (the
	 * rest waits for EPOLLOUT, which no loop runs here) or by a
	 * connection closed while it sent. */
	while (have - at >= 8) {
		int32_t len = kbe32(buf + at);

		FZ_ASSERT(len >= 4);
		if ((size_t)len > have - at - 4)
			break;
		if (!frames)
			*first_corr = kbe32(buf + at + 4);
		frames++;
		at += 4 + (size_t)len;
	}
	return frames;
}

void fz_broker_down(void)
{
	char p[4200];

	th_teardown();
	snprintf(p, sizeof(p), "%s/data", fz_dir());
	bb_rm_rf(p);
}
