/* SPDX-License-Identifier: MIT */
/*
 * broker.h — the broker's shared state and the request dispatch table.
 *
 * One struct broker holds what one event loop serves: settings, the
 * topic store and committed offsets (log/log.h), the group coordinator
 * (group/coord.h), the connection set (conn.h) and the parked Fetch
 * requests. Handlers (the proto/ files) have one signature and return
 * what became of the request: answered, never answered (acks=0), answered
 * through a pending reply (reply.h), or malformed.
 */
#ifndef BROKER_BROKER_H
#define BROKER_BROKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "ev.h"
#include "kafka.h"
#include "log/log.h"
#include "proto/codec.h"

struct acl_store;
struct coord;
struct creds;
struct sasl_worker;
struct dur_wait;
struct fetch_waits;
struct flusher;
struct fs_cache;
struct producers;

struct broker {
	struct bconfig cfg;
	struct ev_loop *ev;
	struct topics *topics;
	struct offstore *offs;
	struct coord *coord;
	struct producers *producers;
	struct fetch_waits *waits;
	struct connset conns;
	/* The listening sockets (broker_listen), and the first one's
	 * advertised address (what connections made by tests see). */
	struct blisten lst[LISTENERS_MAX];
	int nlst;
	char adv_host[256];
	int adv_port;
	uint64_t maint_timer;
	uint64_t group_timer;
	uint64_t create_timer; /* large topics being made (create_wait.c) */
	/* Durable acks (durable.c): the group commit and the answers
	 * waiting for it; NULL flusher with write.caching. */
	struct flusher *flusher;
	struct dur_wait *dur_head, **dur_tail;
	int offs_offline;    /* -errno of a failed offsets sync, or 0 */
	char cluster_id[23]; /* DIR/meta.properties (log_cluster_id) */
	/* SCRAM credentials (security/creds.h) and PLAIN's worker thread
	 * (proto/sasl_plain.c). */
	struct creds *creds;
	struct sasl_worker *sasl_worker;
	/* The ACLs (authorize.h); NULL while authorizer.enabled=false. */
	struct acl_store *acls;
};

/* The header of one request. */
struct kreq {
	int16_t key;
	int16_t ver;
	int32_t corr;
	struct kstr client_id;
	bool flex; /* header v2 / response header v1 */
};

/* What became of a request. */
enum api_result {
	API_REFUSED = -2, /* refused, said why in the log: close */
	API_BAD = -1,	  /* malformed: close the connection */
	API_REPLY = 0,	  /* the response in r is ready to send */
	API_NOREPLY = 1,  /* never answered (acks=0 produce) */
	API_PENDING = 2,  /* answered through a pending reply (reply.h) the
			     handler opened; perhaps already */
};

typedef int (*api_fn)(struct broker *b, struct conn *c, const struct kreq *q,
		      struct kr *in, struct resp *r);

struct api {
	int16_t key;
	int16_t min, max;
	int16_t flex_from; /* first flexible version, or -1 */
	const char *name;
	api_fn fn;
};

/* The table of supported APIs, and a lookup (NULL if unknown). */
extern const struct api broker_apis[];
extern const int broker_napis;
const struct api *broker_api(int16_t key);

/* Read a request header (v1, or v2 for flexible versions). Returns 0,
 * -EINVAL when malformed, -ENOTSUP for an unknown key or version (key,
 * version and correlation id are filled then). */
int broker_parse_header(struct kr *in, struct kreq *q);

/* Parse and answer one request frame (without its size prefix).
 * Returns an enum api_result. */
int broker_dispatch(struct broker *b, struct conn *c, uint8_t *frame,
		    size_t len);

/* Handlers, one per API (in proto/ and group/). */
int api_apiversions(struct broker *, struct conn *, const struct kreq *,
		    struct kr *, struct resp *);
int api_metadata(struct broker *, struct conn *, const struct kreq *,
		 struct kr *, struct resp *);
int api_produce(struct broker *, struct conn *, const struct kreq *,
		struct kr *, struct resp *);
int api_fetch(struct broker *, struct conn *, const struct kreq *, struct kr *,
	      struct resp *);
int api_listoffsets(struct broker *, struct conn *, const struct kreq *,
		    struct kr *, struct resp *);
int api_createtopics(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_deletetopics(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_findcoordinator(struct broker *, struct conn *, const struct kreq *,
			struct kr *, struct resp *);
int api_joingroup(struct broker *, struct conn *, const struct kreq *,
		  struct kr *, struct resp *);
int api_syncgroup(struct broker *, struct conn *, const struct kreq *,
		  struct kr *, struct resp *);
int api_heartbeat(struct broker *, struct conn *, const struct kreq *,
		  struct kr *, struct resp *);
int api_leavegroup(struct broker *, struct conn *, const struct kreq *,
		   struct kr *, struct resp *);
int api_offsetcommit(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_offsetfetch(struct broker *, struct conn *, const struct kreq *,
		    struct kr *, struct resp *);
int api_describegroups(struct broker *, struct conn *, const struct kreq *,
		       struct kr *, struct resp *);
int api_listgroups(struct broker *, struct conn *, const struct kreq *,
		   struct kr *, struct resp *);
int api_initproducerid(struct broker *, struct conn *, const struct kreq *,
		       struct kr *, struct resp *);
int api_describeconfigs(struct broker *, struct conn *, const struct kreq *,
			struct kr *, struct resp *);
int api_alterconfigs(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_incrementalalterconfigs(struct broker *, struct conn *,
				const struct kreq *, struct kr *,
				struct resp *);
int api_describecluster(struct broker *, struct conn *, const struct kreq *,
			struct kr *, struct resp *);
int api_describeacls(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_createacls(struct broker *, struct conn *, const struct kreq *,
		   struct kr *, struct resp *);
int api_deleteacls(struct broker *, struct conn *, const struct kreq *,
		   struct kr *, struct resp *);
int api_deletegroups(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_offsetdelete(struct broker *, struct conn *, const struct kreq *,
		     struct kr *, struct resp *);
int api_createpartitions(struct broker *, struct conn *, const struct kreq *,
			 struct kr *, struct resp *);
int api_deleterecords(struct broker *, struct conn *, const struct kreq *,
		      struct kr *, struct resp *);
int api_offsetforleaderepoch(struct broker *, struct conn *,
			     const struct kreq *, struct kr *, struct resp *);

/* SASL (proto/sasl_api.c) and SCRAM credentials (proto/scram_admin.c). */
int api_saslhandshake(struct broker *, struct conn *, const struct kreq *,
		      struct kr *, struct resp *);
int api_saslauthenticate(struct broker *, struct conn *, const struct kreq *,
			 struct kr *, struct resp *);
int api_describescram(struct broker *, struct conn *, const struct kreq *,
		      struct kr *, struct resp *);
int api_alterscram(struct broker *, struct conn *, const struct kreq *,
		   struct kr *, struct resp *);
/* Whether a request with this key is served before SASL completes. */
bool sasl_gate_allows(int16_t key);
/* A bare token after SaslHandshake v0: an enum api_result. */
int sasl_raw_token(struct broker *b, struct conn *c, uint8_t *tok, size_t len);
/* Free the connection's SASL state and stop its timer. */
void sasl_conn_free(struct conn *c);
/* Stop PLAIN's worker thread, if it started (after the connections). */
void sasl_worker_stop(struct broker *b);

/* The ApiVersions body at version ver with error code err. */
void apiversions_encode(struct kw *w, int16_t ver, enum kerr err);

/* Fetch long-poll (proto/fetch.c). fetch_notify: `bytes` were appended to
 * l; the parked fetches reading l count them. fetch_wake answers those
 * that have enough (from the loop's before-sleep hook). */
int fetch_waits_create(struct fetch_waits **out);
void fetch_waits_free(struct fetch_waits *w);
void fetch_notify(struct broker *b, const struct plog *l, size_t bytes);
void fetch_wake(struct broker *b);
/* Parked fetches (for tests). */
size_t fetch_parked(const struct broker *b);
/* The fetch session cache (proto/fetch_session.h), NULL before the first
 * session request (for tests). */
const struct fs_cache *fetch_sessions(const struct broker *b);

/* The group coordinator's glue (proto/groups.c): create it and its tick. */
int groups_start(struct broker *b);
void groups_stop(struct broker *b);

/* The address clients are told to use (Metadata, FindCoordinator,
 * DescribeCluster): the advertised address of the listener c came in on,
 * or the local address it reached when the listener has none. */
void broker_advertised(const struct broker *b, const struct conn *c,
		       const char **host, int *port);

/* Auto-create a topic with num.partitions (logged). Returns 0 or -errno. */
int broker_create_topic(struct broker *b, const char *name, int32_t parts);
/* The same with configs (NULL: none), kept with the topic. */
int broker_create_topic_cfg(struct broker *b, const char *name, int32_t parts,
			    const struct topic_cfg *ov);

/* Lifecycle (server.c). broker_open: the loop, the store, offsets, the
 * coordinator and the connection set, without a socket (tests and
 * fuzzers serve connections made with conn_new). broker_listen: the
 * listening socket and signals. broker_run: the loop until a stop
 * signal. broker_close: everything, connections first. */
int broker_open(struct broker *b);
int broker_listen(struct broker *b);
int broker_run(struct broker *b);
void broker_close(struct broker *b);
/* What the loop runs before sleeping (tests call it to settle). */
void broker_settle(struct broker *b);

#endif /* BROKER_BROKER_H */
