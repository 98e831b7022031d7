/* SPDX-License-Identifier: MIT */
/*
 * schema.h — Kafka messages as data: each API's request and response is a
 * tree of fields, each with the versions it exists in, the versions it may
 * be null in, its tag (a tagged field, KIP-482) and its default. One decoder
 * and one encoder (wire.c) walk that tree for any version, so no field list
 * is ever written once per version.
 *
 * The facts come from Kafka's message schemas
 * (clients/src/main/resources/common/message/ *.json), restated in a small
 * line language compiled at first use (schema_load.c); the tables are in
 * schema_*.c.
 *
 * Decoded values form a generic tree of `struct kv` nodes allocated from an
 * arena with a byte budget: strings, bytes and record batches point into
 * the request buffer (never copied), and every count is checked against the
 * bytes left before anything is allocated, so hostile input costs at most a
 * schema-bounded multiple of its own size and never more than the budget.
 *
 * A handler decodes, reads fields by index (ks_idx() once, then kv_at()),
 * fills a response tree made by ks_new() and encodes it:
 *
 *	struct ks_arena a;
 *	struct kv req, *resp;
 *	ks_arena_init(&a, budget);
 *	if (ks_decode(ks_req(KS_API_METADATA), ver, in, &a, &req) < 0) ...
 *	struct kv *topics = ks_get(ks_req(3), &req, "Topics");
 *	resp = ks_new(ks_resp(3), ver, &a);
 *	...
 *	ks_encode(ks_resp(3), ver, resp, &w);
 *	ks_arena_free(&a);
 */
#ifndef BROKER_PROTO_SCHEMA_H
#define BROKER_PROTO_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/codec.h"

enum ks_type {
	KS_BOOL,
	KS_I8,
	KS_I16,
	KS_U16,
	KS_I32,
	KS_U32,
	KS_I64,
	KS_VARINT,  /* zig-zag varint, an int32 (record fields, KIP-98) */
	KS_VARLONG, /* zig-zag varint, an int64 */
	KS_UVARINT, /* unsigned varint, a uint32 */
	KS_F64,
	KS_UUID,
	KS_STR,
	KS_BYTES,
	KS_RECORDS, /* a record batch set, kept as bytes */
	KS_STRUCT,
	KS_ARRAY, /* elements of `elem` (a struct when elem == KS_STRUCT) */
};

/* A version range [lo, hi]; lo > hi is the empty range ("none"). */
struct ks_range {
	int16_t lo, hi;
};

static inline bool ks_in(struct ks_range r, int ver)
{
	return ver >= r.lo && ver <= r.hi;
}

struct ks_struct;

struct ks_field {
	const char *name;
	uint8_t type;
	uint8_t elem;	      /* KS_ARRAY: the element type */
	struct ks_range ver;  /* versions the field exists in */
	struct ks_range null; /* versions it may be null in */
	struct ks_range flex; /* versions it uses compact forms in */
	int32_t tag;	      /* tagged field number, or -1 */
	bool def_null;	      /* default is null (strings, bytes, arrays) */
	int64_t def;	      /* default of integers and booleans */
	const struct ks_struct *sub; /* KS_STRUCT or array of structs */
};

struct ks_struct {
	const char *name;
	int nf;
	const struct ks_field *f;
};

struct ks_msg {
	const char *name;
	int16_t key; /* API key; -1 for the headers */
	bool resp;   /* a response (else a request) */
	struct ks_range valid;
	struct ks_range flex;
	struct ks_struct root;
};

/* One decoded value. Scalars in i (booleans 0/1, unsigned widened), d or
 * u; strings, bytes and records in s (len -1: null); a struct's fields in
 * a (a.n == the struct's nf, one node per field of every version, absent
 * ones holding their default); an array's elements in a (n -1: null). */
struct kv {
	union {
		int64_t i;
		double d;
		uint8_t u[16];
		struct kstr s;
		struct {
			struct kv *v;
			int32_t n;
		} a;
	};
};

/* An arena whose total size is capped: decoding fails with -ENOMEM
 * rather than allocate past the budget. */
struct ks_chunk;
struct ks_arena {
	struct ks_chunk *head;
	size_t used;   /* bytes handed out */
	size_t budget; /* cap on bytes handed out */
};

void ks_arena_init(struct ks_arena *a, size_t budget);
void ks_arena_free(struct ks_arena *a);
/* n zeroed bytes (8-aligned), or NULL past the budget. */
void *ks_alloc(struct ks_arena *a, size_t n);

/* The schema of an API's request or response, or NULL (unknown key). */
const struct ks_msg *ks_req(int key);
const struct ks_msg *ks_resp(int key);
/* Request header v0-2 and response header v0-1. */
const struct ks_msg *ks_req_header(void);
const struct ks_msg *ks_resp_header(void);
/* Every message, in key order (requests before responses); count in *n. */
const struct ks_msg *const *ks_all(int *n);
/* Which header versions an API version uses (KIP-482): request header 2
 * and response header 1 when the version is flexible, except that
 * ApiVersions always answers with header 0 (a client must be able to read
 * it before it knows what the broker speaks). */
int ks_req_header_ver(const struct ks_msg *req, int ver);
int ks_resp_header_ver(const struct ks_msg *resp, int ver);

/* Decode one message of version ver from r (which must then be at the
 * end of the message: trailing bytes are malformed). 0, or -EINVAL
 * (malformed or truncated), -ENOTSUP (version out of range), -ENOMEM
 * (over the arena's budget). */
int ks_decode(const struct ks_msg *m, int ver, struct kr *r, struct ks_arena *a,
	      struct kv *out);
/* The same, for a message followed by more (a header before its body):
 * r is left after it. */
int ks_read(const struct ks_msg *m, int ver, struct kr *r, struct ks_arena *a,
	    struct kv *out);
/* Encode v as version ver. 0, or -EINVAL (a value that version cannot
 * carry: null where not nullable, a string over 32767 bytes in a
 * non-compact version), -ENOTSUP, -ENOMEM (the writer's error). */
int ks_encode(const struct ks_msg *m, int ver, const struct kv *v,
	      struct kw *w);
/* A message whose every field holds its default, or NULL (-ENOMEM). */
struct kv *ks_new(const struct ks_msg *m, struct ks_arena *a);
/* Fill *v with the field's default (a struct: a fresh default struct). */
int ks_default(const struct ks_field *f, struct ks_arena *a, struct kv *v);
/* An array of n elements of f (n -1: null), each set to its default. */
int ks_array(const struct ks_field *f, int32_t n, struct ks_arena *a,
	     struct kv *v);
/* Whether two values of field f are equal as version ver sees them. */
bool ks_equal(const struct ks_field *f, int ver, const struct kv *x,
	      const struct kv *y);
bool ks_msg_equal(const struct ks_msg *m, int ver, const struct kv *x,
		  const struct kv *y);

/* Index of a field by name in s, or -1. */
int ks_idx(const struct ks_struct *s, const char *name);
/* A struct value's field by name (NULL when s has no such field). */
struct kv *ks_get(const struct ks_struct *s, struct kv *v, const char *name);
static inline struct kv *kv_at(struct kv *v, int i)
{
	return &v->a.v[i];
}

/* The language's compiler (schema_load.c): one message from its text, or
 * NULL with a message in err. Used for the built-in tables. */
struct ks_msg *ks_compile(const char *text, char *err, size_t errlen);
/* Free what ks_compile returned (the built-in tables live forever). */
void ks_free_msg(struct ks_msg *m);

#endif /* BROKER_PROTO_SCHEMA_H */
