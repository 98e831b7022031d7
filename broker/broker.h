/* SPDX-License-Identifier: MIT */
/*
 * broker.h — the broker's shared state and the request dispatch table.
 *
 * One struct broker holds everything one event loop serves: settings,
 * the topic store and committed offsets (log/log.h), the group
 * coordinator, the connection lists and the parked Fetch requests.
 * Handlers (the proto/ files) have one signature and return what became of the
 * request: answered, nothing to answer (acks=0), parked, or malformed.
 */
#ifndef BROKER_BROKER_H
#define BROKER_BROKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "ev.h"
#include "log/log.h"
#include "proto/codec.h"

struct coord;
struct dur_wait;
struct fetch_wait;
struct flusher;
struct producers;

struct broker {
	struct bconfig cfg;
	struct ev_loop *ev;
	struct topics *topics;
	struct offstore *offs;
	struct coord *coord;
	struct producers *producers;
	int lfd;
	char adv_host[256];
	int adv_port;
	struct conn *conns;
	struct conn *ready;
	struct conn *dead;
	size_t nconns;
	struct fetch_wait *waits;
	bool appended; /* data arrived since parked fetches were checked */
	uint64_t maint_timer;
	/* Durable acks (durable.c): the group commit and the answers
	 * parked until it finishes; NULL flusher with write.caching. */
	struct flusher *flusher;
	struct dur_wait *dur_head, **dur_tail;
	int offs_offline; /* -errno of a failed offsets sync, or 0 */
};

/* The header of one request. */
struct kreq {
	int16_t key;
	int16_t ver;
	int32_t corr;
	struct kstr client_id;
	bool flex; /* header v2 / response header v1 */
};

enum api_result {
	API_BAD = -1,	 /* malformed: close the connection */
	API_REPLY = 0,	 /* the response in r is ready to send */
	API_NOREPLY = 1, /* nothing to send (acks=0) */
	API_PARKED = 2,	 /* answered later; the connection is parked */
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

/* Kafka error codes used here. */
enum {
	KERR_UNKNOWN = -1,
	KERR_NONE = 0,
	KERR_OFFSET_OUT_OF_RANGE = 1,
	KERR_CORRUPT_MESSAGE = 2,
	KERR_UNKNOWN_TOPIC = 3,
	KERR_LEADER_NOT_AVAILABLE = 5,
	KERR_MESSAGE_TOO_LARGE = 10,
	KERR_COORDINATOR_NOT_AVAILABLE = 15,
	KERR_NOT_COORDINATOR = 16,
	KERR_INVALID_TOPIC = 17,
	KERR_INVALID_REQUIRED_ACKS = 21,
	KERR_ILLEGAL_GENERATION = 22,
	KERR_INCONSISTENT_GROUP_PROTOCOL = 23,
	KERR_INVALID_GROUP_ID = 24,
	KERR_UNKNOWN_MEMBER_ID = 25,
	KERR_INVALID_SESSION_TIMEOUT = 26,
	KERR_REBALANCE_IN_PROGRESS = 27,
	KERR_UNSUPPORTED_VERSION = 35,
	KERR_TOPIC_ALREADY_EXISTS = 36,
	KERR_INVALID_PARTITIONS = 37,
	KERR_INVALID_REPLICATION_FACTOR = 38,
	KERR_INVALID_REQUEST = 42,
	KERR_KAFKA_STORAGE_ERROR = 56,
	KERR_GROUP_ID_NOT_FOUND = 69,
	KERR_MEMBER_ID_REQUIRED = 79,
	KERR_INVALID_RECORD = 87,
};

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

/* The ApiVersions body at version ver with error code err. */
void apiversions_encode(struct kw *w, int16_t ver, int16_t err);

/* Fetch long-poll: look at parked fetches after appends / on shutdown. */
void fetch_wake(struct broker *b);

/* Auto-create a topic with num.partitions (logged). Returns 0 or -errno. */
int broker_create_topic(struct broker *b, const char *name, int32_t parts);

/* Lifecycle (server.c). */
int broker_start(struct broker *b);
int broker_run(struct broker *b);
void broker_free(struct broker *b);

#endif /* BROKER_BROKER_H */
