/* SPDX-License-Identifier: MIT */
/*
 * ks_handler.h — small helpers for handlers written on the table-driven
 * codec (proto/schema.h): a field of a struct by name, a string value from
 * a C string, and an arena budget that scales with the request.
 */
#ifndef ZC_BROKER_KS_HANDLER_H
#define ZC_BROKER_KS_HANDLER_H

#include <string.h>

#include "proto/schema.h"

struct broker;
struct conn;
struct kreq;
struct resp;

/* One request being handled on the codec: the decoded request, a fresh
 * answer (every field at its default) and the arena both live in. */
struct ks_call {
	struct broker *b;
	struct conn *c;
	const struct kreq *q;
	const struct ks_msg *qm, *rm;
	struct ks_arena a;
	struct kv req, *resp;
	struct resp *r;
	bool encoded; /* set by a handler that wrote its answer itself */
};

/* Fill k->resp. Returns API_REPLY to have it encoded at the request's
 * version, another enum api_result to return as is (no answer is
 * encoded), or -ENOMEM. */
typedef int (*ks_fn)(struct ks_call *k);

/* Decode q's request, run fn, encode its answer. `answer` is the arena
 * room the answer may take beside the request's own (see ks_budget). */
int ks_handle(struct broker *b, struct conn *c, const struct kreq *q,
	      struct kr *in, struct resp *r, size_t answer, ks_fn fn);

/* Fields of the request and of the answer of k by name. */
#define KQ(k, name) ks_get(&(k)->qm->root, &(k)->req, (name))
#define KR(k, name) ks_get(&(k)->rm->root, (k)->resp, (name))

/* The field named `name` of s (the tables are fixed: a wrong name is a
 * programming error caught by every test that reaches the handler). */
static inline const struct ks_field *ks_fld(const struct ks_struct *s,
					    const char *name)
{
	return &s->f[ks_idx(s, name)];
}

/* The element struct of an array-of-structs (or struct) field. */
static inline const struct ks_struct *ks_sub(const struct ks_struct *s,
					     const char *name)
{
	return ks_fld(s, name)->sub;
}

/* A string value pointing at z (NULL: null). */
static inline void kv_setstr(struct kv *v, const char *z)
{
	v->s.p = z;
	v->s.len = z ? (int32_t)strlen(z) : -1;
}

/* A (non-null) bytes value of len bytes at p; empty when p is NULL (the
 * codec reads a NULL pointer as null). */
static inline void kv_setbytes(struct kv *v, const void *p, int32_t len)
{
	v->s.p = p ? (const char *)p : "";
	v->s.len = p && len > 0 ? len : 0;
}

/* Size array field `name` of struct s in v to n default elements. */
static inline int ks_resize(const struct ks_struct *s, struct kv *v,
			    const char *name, int32_t n, struct ks_arena *a)
{
	return ks_array(ks_fld(s, name), n, a, ks_get(s, v, name));
}

/* A decoded string as a C string in buf; false when null or too long. */
static inline bool kv_cstr(const struct kv *v, char *buf, size_t cap)
{
	return kstr_copy(buf, cap, v->s);
}

/* What decoding one request and building its answer may cost: the
 * decoded tree takes at most a small multiple of the request's bytes
 * (each element at least one byte on the wire, 16 per node), plus room
 * for the answer. */
static inline size_t ks_budget(const struct kr *in, size_t answer)
{
	return 64 * 1024 + 64 * kr_left(in) + answer;
}

#endif /* ZC_BROKER_KS_HANDLER_H */
