/* SPDX-License-Identifier: MIT */
/*
 * server.c — the broker's life: open the store, listen, run the loop
 * (signals through signalfd, a maintenance tick for retention/rolls/flushes,
 * the ready-connection hook), and the request dispatch table with the
 * exact version ranges we advertise (see the reference notes: every range
 * is capped below Kafka's first flexible version except ApiVersions v3).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "durable.h"
#include "group/coord.h"
#include "net.h"
#include "proto/producers.h"
#include "security/creds.h"

const struct api broker_apis[] = {
    {API_PRODUCE, 3, 13, 9, "Produce", api_produce},
    {API_FETCH, 4, 18, 12, "Fetch", api_fetch},
    {API_LIST_OFFSETS, 1, 10, 6, "ListOffsets", api_listoffsets},
    {API_METADATA, 0, 13, 9, "Metadata", api_metadata},
    {API_OFFSET_COMMIT, 2, 10, 8, "OffsetCommit", api_offsetcommit},
    {API_OFFSET_FETCH, 1, 10, 6, "OffsetFetch", api_offsetfetch},
    {API_FIND_COORDINATOR, 0, 6, 3, "FindCoordinator", api_findcoordinator},
    {API_JOIN_GROUP, 0, 9, 6, "JoinGroup", api_joingroup},
    {API_HEARTBEAT, 0, 4, 4, "Heartbeat", api_heartbeat},
    {API_LEAVE_GROUP, 0, 5, 4, "LeaveGroup", api_leavegroup},
    {API_SYNC_GROUP, 0, 5, 4, "SyncGroup", api_syncgroup},
    {API_DESCRIBE_GROUPS, 0, 6, 5, "DescribeGroups", api_describegroups},
    {API_LIST_GROUPS, 0, 5, 3, "ListGroups", api_listgroups},
    {API_API_VERSIONS, 0, 4, 3, "ApiVersions", api_apiversions},
    {API_CREATE_TOPICS, 0, 7, 5, "CreateTopics", api_createtopics},
    {API_DELETE_TOPICS, 0, 6, 4, "DeleteTopics", api_deletetopics},
    {API_INIT_PRODUCER_ID, 0, 6, 2, "InitProducerId", api_initproducerid},
    {API_DESCRIBE_CONFIGS, 1, 4, 4, "DescribeConfigs", api_describeconfigs},
    {API_ALTER_CONFIGS, 0, 2, 2, "AlterConfigs", api_alterconfigs},
    {API_INCREMENTAL_ALTER_CONFIGS, 0, 1, 1, "IncrementalAlterConfigs",
     api_incrementalalterconfigs},
    {API_DESCRIBE_CLUSTER, 0, 2, 0, "DescribeCluster", api_describecluster},
    {API_DESCRIBE_ACLS, 1, 3, 2, "DescribeAcls", api_describeacls},
    {API_CREATE_ACLS, 1, 3, 2, "CreateAcls", api_createacls},
    {API_DELETE_ACLS, 1, 3, 2, "DeleteAcls", api_deleteacls},
    {API_DELETE_GROUPS, 0, 2, 2, "DeleteGroups", api_deletegroups},
    {API_OFFSET_DELETE, 0, 0, -1, "OffsetDelete", api_offsetdelete},
    {API_DELETE_RECORDS, 0, 2, 2, "DeleteRecords", api_deleterecords},
    {API_OFFSET_FOR_LEADER_EPOCH, 0, 4, 4, "OffsetForLeaderEpoch",
     api_offsetforleaderepoch},
    {API_CREATE_PARTITIONS, 0, 3, 2, "CreatePartitions", api_createpartitions},
    {API_SASL_HANDSHAKE, 0, 1, -1, "SaslHandshake", api_saslhandshake},
    {API_SASL_AUTHENTICATE, 0, 2, 2, "SaslAuthenticate", api_saslauthenticate},
    {API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, 0,
     "DescribeUserScramCredentials", api_describescram},
    {API_ALTER_USER_SCRAM_CREDENTIALS, 0, 0, 0, "AlterUserScramCredentials",
     api_alterscram},
};
const int broker_napis = sizeof(broker_apis) / sizeof(broker_apis[0]);

const struct api *broker_api(int16_t key)
{
	for (int i = 0; i < broker_napis; i++)
		if (broker_apis[i].key == key)
			return &broker_apis[i];
	return NULL;
}

int broker_parse_header(struct kr *in, struct kreq *q)
{
	q->key = kr_i16(in);
	q->ver = kr_i16(in);
	q->corr = kr_i32(in);
	q->client_id = kr_str(in);
	q->flex = false;
	if (!kr_ok(in))
		return -EINVAL;
	const struct api *a = broker_api(q->key);
	if (!a || q->ver < a->min || q->ver > a->max)
		return -ENOTSUP;
	q->flex = a->flex_from >= 0 && q->ver >= a->flex_from;
	if (q->flex)
		kr_tags(in); /* request header v2 */
	return kr_ok(in) ? 0 : -EINVAL;
}

int broker_dispatch(struct broker *b, struct conn *c, uint8_t *frame,
		    size_t len)
{
	struct kr in;
	struct kreq q;
	struct resp r;
	if (c->sasl_raw)
		return sasl_raw_token(b, c, frame, len);
	kr_init(&in, frame, len);
	int rc = broker_parse_header(&in, &q);
	if (rc == -ENOTSUP && q.key == API_API_VERSIONS) {
		/* Answer an unknown ApiVersions version in the v0 format,
		 * which every client can read, listing what we support. */
		resp_begin(&r, q.corr, false);
		apiversions_encode(&r.w, 0, KERR_UNSUPPORTED_VERSION);
		conn_reply(c, &r);
		return API_REPLY;
	}
	const struct api *a = broker_api(q.key);
	if (rc == -ENOTSUP) {
		blog("%s: unsupported request %s (key %d) v%d, closing",
		     c->peer, a ? a->name : "unknown", q.key, q.ver);
		return API_BAD;
	}
	if (rc) {
		blog("%s: malformed request header, closing", c->peer);
		return API_BAD;
	}
	if (!c->authed && !sasl_gate_allows(q.key)) {
		/* Kafka's IllegalSaslStateException: closed, no answer. */
		blog("%s: unexpected %s request during SASL handshake, closing",
		     c->peer, a->name);
		return API_BAD;
	}
	/* ApiVersions answers with response header v0 even when flexible. */
	resp_begin(&r, q.corr, q.flex && q.key != API_API_VERSIONS);
	rc = a->fn(b, c, &q, &in, &r);
	if (rc == API_REPLY && r.w.err) {
		blog("%s: out of memory answering %s", c->peer, a->name);
		rc = API_BAD;
	}
	if (rc == API_REPLY) {
		conn_reply(c, &r);
		return rc;
	}
	resp_abort(&r);
	if (rc == API_BAD)
		blog("%s: malformed %s v%d request, closing", c->peer, a->name,
		     q.ver);
	return rc == API_REFUSED ? API_BAD : rc;
}

int broker_create_topic(struct broker *b, const char *name, int32_t parts)
{
	return broker_create_topic_cfg(b, name, parts, NULL);
}

int broker_create_topic_cfg(struct broker *b, const char *name, int32_t parts,
			    const struct topic_cfg *ov)
{
	int rc = topics_create_cfg(b->topics, name, parts, ov);
	if (rc == 0)
		blog("topic created: %s (%d partition%s)", name, parts,
		     parts == 1 ? "" : "s");
	else if (rc != -EEXIST)
		blog("topic %s: cannot create: %s", name, strerror(-rc));
	return rc;
}

/* ---- loop hooks ------------------------------------------------------- */

void broker_settle(struct broker *b)
{
	connset_run(&b->conns);
	fetch_wake(b);
	connset_run(&b->conns);
}

static void before_sleep(struct ev_loop *ev, void *arg)
{
	broker_settle(arg);
}

#define MAINT_MS 1000

static void on_maint(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct broker *b = arg;
	topics_maintain(b->topics, ev_wall_ms());
	b->maint_timer = ev_timer(ev, MAINT_MS, on_maint, b);
}

static void on_signal(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));
	if (n == (ssize_t)sizeof(si)) {
		blog("signal %s: shutting down", strsignal(si.ssi_signo));
		ev_stop(ev);
	}
}

static int sigfd = -1;

/* Storage events (segment rolled, deleted) become log lines. */
static void log_event(const char *dir, const char *event, int64_t base)
{
	const char *part = strrchr(dir, '/');

	blog("%s: %s at offset %lld", part ? part + 1 : dir, event,
	     (long long)base);
}

int broker_open(struct broker *b)
{
	int rc;
	if ((rc = ev_create(&b->ev)))
		return rc;
	connset_init(&b->conns, b, b->ev);
	b->cfg.log.notify = log_event;
	b->cfg.log.sync_on_roll = !b->cfg.write_caching;
	rc = topics_open(&b->topics, b->cfg.data_dir, &b->cfg.log);
	if (rc) {
		blog("cannot open the data directory %s: %s", b->cfg.data_dir,
		     strerror(-rc));
		return rc;
	}
	rc = log_cluster_id(b->cfg.data_dir, b->cluster_id);
	if (rc) {
		blog("cannot read or write %s/meta.properties: %s",
		     b->cfg.data_dir, strerror(-rc));
		return rc;
	}
	if ((rc = authorize_open(b)))
		return rc;
	char odir[4200];
	snprintf(odir, sizeof(odir), "%s/__consumer_offsets", b->cfg.data_dir);
	rc = offstore_open(&b->offs, odir);
	if (rc) {
		blog("cannot open %s: %s", odir, strerror(-rc));
		return rc;
	}
	if ((rc = dur_start(b))) { /* durable acks */
		blog("cannot start the group commit: %s", strerror(-rc));
		return rc;
	}
	if ((rc = groups_start(b)) || (rc = fetch_waits_create(&b->waits)))
		return rc;
	if ((rc = producers_create(&b->producers)))
		return rc;
	rc = creds_open(&b->creds, b->cfg.data_dir);
	if (rc) {
		blog("cannot read the SCRAM credentials in %s/%s: %s",
		     b->cfg.data_dir, CREDS_FILE, strerror(-rc));
		return rc;
	}
	/* Before serving: a producer retrying across a crash must find the
	 * sequences it wrote before it. */
	rc = producers_rebuild(b->producers, b->topics);
	if (rc < 0)
		blog("idempotent producers: some partitions could not be read "
		     "(%s); their producers start unknown",
		     strerror(-rc));
	ev_before_sleep(b->ev, before_sleep, b);
	b->maint_timer = ev_timer(b->ev, MAINT_MS, on_maint, b);
	return 0;
}

/* Open one listener's socket; its bound port replaces port 0, and an
 * advertised port 0 follows it. */
static int listen_one(struct broker *b, struct blisten *bl)
{
	struct listener *l = &bl->l;
	int port = l->port;
	const char *host = l->host[0] ? l->host : "0.0.0.0";

	if ((l->proto == LP_SSL || l->proto == LP_SASL_SSL) &&
	    conn_tls_listener(bl, &b->cfg.tls))
		return -EINVAL; /* logged why */
	bl->fd = net_listen(host, &port, 512);
	if (bl->fd < 0) {
		blog("cannot listen on %s://%s:%d: %s", l->name, host, l->port,
		     strerror(-bl->fd));
		return bl->fd;
	}
	if (l->adv_port <= 0)
		l->adv_port = port;
	l->port = port;
	if (!l->adv_host[0] && b->cfg.adv_host[0])
		snprintf(l->adv_host, sizeof(l->adv_host), "%s",
			 b->cfg.adv_host);
	blog("listening on %s:%d (listener %s, %s, advertised %s:%d)", host,
	     port, l->name, listener_proto_name(l->proto),
	     l->adv_host[0] ? l->adv_host : "<the address reached>",
	     l->adv_port);
	return connset_listen(&b->conns, bl);
}

int broker_listen(struct broker *b)
{
	struct listener ls[LISTENERS_MAX];
	char err[512];
	int n = listeners_resolve(&b->cfg.listen, ls, err, sizeof(err));
	if (n < 0) {
		blog("%s", err);
		return n;
	}
	/* Block the stop signals before anything can start a thread, so
	 * they reach only the signalfd below. */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++) {
		struct blisten *bl = &b->lst[b->nlst];
		bl->l = ls[i];
		bl->fd = -1;
		b->nlst++;
		int rc = listen_one(b, bl);
		if (rc)
			return rc;
	}
	const struct listener *first = &b->lst[0].l;
	snprintf(b->adv_host, sizeof(b->adv_host), "%s",
		 first->adv_host[0] ? first->adv_host : "127.0.0.1");
	b->adv_port = first->adv_port;

	sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd >= 0)
		ev_set(b->ev, sigfd, EV_READ, on_signal, b);
	blog("serving data %s, fetch via %s", b->cfg.data_dir,
	     zc_method_name(b->cfg.fetch_method));
	return 0;
}

void broker_advertised(const struct broker *b, const struct conn *c,
		       const char **host, int *port)
{
	static char local[64];

	*host = b->adv_host;
	*port = b->adv_port;
	if (!c || !c->lst)
		return;
	*port = c->lst->l.adv_port;
	*host = c->lst->l.adv_host;
	if (!**host) {
		/* Listening on every address: the one this client reached
		 * is one it can reach again. */
		*host = net_local_addr(c->fd, local, sizeof(local)) == 0
			    ? local
			    : b->adv_host;
	}
}

int broker_run(struct broker *b)
{
	int rc = ev_run(b->ev);
	/* How fetched file bytes left, per listener and path. */
	conn_io_report(b->lst, b->nlst);
	return rc;
}

void broker_close(struct broker *b)
{
	if (b->ev)
		connset_close_all(&b->conns);
	sasl_worker_stop(b);
	for (int i = 0; i < b->nlst; i++) {
		if (b->lst[i].fd >= 0)
			close(b->lst[i].fd);
		conn_tls_listener_free(&b->lst[i]);
	}
	b->nlst = 0;
	if (b->coord)
		groups_stop(b);
	fetch_waits_free(b->waits);
	dur_stop(b); /* durable acks */
	producers_free(b->producers);
	creds_free(b->creds);
	authorize_close(b);
	if (b->offs)
		offstore_close(b->offs);
	if (b->topics)
		topics_close(b->topics);
	if (sigfd >= 0) {
		close(sigfd);
		sigfd = -1;
	}
	if (b->ev)
		ev_timer_del(b->ev, b->maint_timer);
	ev_destroy(b->ev);
	config_free(&b->cfg);
	memset(b, 0, sizeof(*b));
}
