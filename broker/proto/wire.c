/* SPDX-License-Identifier: MIT */
/*
 * wire.c — the one decoder and the one encoder of every Kafka message: they
 * walk a message's schema (schema.h) for the version at hand.
 *
 * Flexible versions (KIP-482) use compact strings, bytes and arrays
 * (unsigned varint length + 1, 0 for null) and end every struct with a
 * tagged-field section: a count, then (tag, size, value) in ascending tag
 * order. Known tags are decoded from exactly `size` bytes; unknown ones are
 * skipped. A tagged field is written only when it differs from its default,
 * as Kafka does, so a message read and written again is byte-identical.
 *
 * Hostile input: every length and count is checked against the bytes left
 * before use; an array's count must fit with each element taking at least
 * its minimum wire size; the tree lives in a budgeted arena. Recursion
 * follows the schema only (whose depth is capped when it is compiled),
 * never the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/schema.h"

/* ---- arena ------------------------------------------------------------- */

struct ks_chunk {
	struct ks_chunk *next;
	size_t cap, used;
	_Alignas(16) unsigned char mem[];
};

void ks_arena_init(struct ks_arena *a, size_t budget)
{
	a->head = NULL;
	a->used = 0;
	a->budget = budget;
}

void ks_arena_free(struct ks_arena *a)
{
	while (a->head) {
		struct ks_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
	a->used = 0;
}

void *ks_alloc(struct ks_arena *a, size_t n)
{
	struct ks_chunk *c = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	if (n > a->budget - a->used)
		return NULL;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 4096 ? n : 4096;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->mem + c->used;
	c->used += n;
	a->used += n;
	memset(p, 0, n);
	return p;
}

/* ---- helpers shared by both directions --------------------------------- */

static bool compact(const struct ks_field *f, int ver)
{
	return ks_in(f->flex, ver);
}

/* Whether a value of `type` in field f may be null: the field itself in
 * its nullable versions, never an array's element. */
static bool nullable_as(const struct ks_field *f, int type, int ver)
{
	return type == f->type && ks_in(f->null, ver);
}

static bool tagged(const struct ks_field *f)
{
	return f->tag >= 0;
}

static struct kv *new_fields(const struct ks_struct *s, struct ks_arena *a)
{
	return ks_alloc(a, (size_t)(s->nf ? s->nf : 1) * sizeof(struct kv));
}

static int struct_defaults(const struct ks_struct *s, struct ks_arena *a,
			   struct kv *v)
{
	v->a.v = new_fields(s, a);
	v->a.n = s->nf;
	if (!v->a.v)
		return -ENOMEM;
	for (int i = 0; i < s->nf; i++)
		if (ks_default(&s->f[i], a, &v->a.v[i]) < 0)
			return -ENOMEM;
	return 0;
}

int ks_default(const struct ks_field *f, struct ks_arena *a, struct kv *v)
{
	memset(v, 0, sizeof(*v));
	switch (f->type) {
	case KS_F64:
		v->d = (double)f->def;
		return 0;
	case KS_UUID:
		return 0;
	case KS_STR:
	case KS_BYTES:
	case KS_RECORDS:
		v->s.p = f->def_null ? NULL : "";
		v->s.len = f->def_null ? -1 : 0;
		return 0;
	case KS_ARRAY:
		v->a.n = f->def_null ? -1 : 0;
		return 0;
	case KS_STRUCT:
		return struct_defaults(f->sub, a, v);
	default:
		v->i = f->def;
		return 0;
	}
}

int ks_array(const struct ks_field *f, int32_t n, struct ks_arena *a,
	     struct kv *v)
{
	v->a.n = n;
	v->a.v = NULL;
	if (n <= 0)
		return 0;
	v->a.v = ks_alloc(a, (size_t)n * sizeof(struct kv));
	if (!v->a.v)
		return -ENOMEM;
	for (int32_t i = 0; i < n; i++) {
		struct ks_field e = *f;
		e.type = f->elem;
		e.def_null = false;
		if (ks_default(&e, a, &v->a.v[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct kv *ks_new(const struct ks_msg *m, struct ks_arena *a)
{
	struct kv *v = ks_alloc(a, sizeof(*v));
	if (!v || struct_defaults(&m->root, a, v) < 0)
		return NULL;
	return v;
}

/* The fewest bytes one value of type t (of field f) takes in version ver:
 * what bounds an array's count by the bytes that are left. */
static size_t min_size(const struct ks_field *f, int type, int ver);

static size_t struct_min(const struct ks_struct *s, int ver, bool flex)
{
	size_t n = flex ? 1 : 0; /* the tagged-field count */
	for (int i = 0; i < s->nf; i++) {
		const struct ks_field *f = &s->f[i];
		if (ks_in(f->ver, ver) && !tagged(f))
			n += min_size(f, f->type, ver);
	}
	return n;
}

static size_t min_size(const struct ks_field *f, int type, int ver)
{
	bool c = compact(f, ver);

	switch (type) {
	case KS_BOOL:
	case KS_I8:
	case KS_VARINT:
	case KS_VARLONG:
	case KS_UVARINT:
		return 1;
	case KS_I16:
	case KS_U16:
		return 2;
	case KS_I32:
	case KS_U32:
		return 4;
	case KS_I64:
	case KS_F64:
		return 8;
	case KS_UUID:
		return 16;
	case KS_STR:
		return c ? 1 : 2;
	case KS_BYTES:
	case KS_RECORDS:
	case KS_ARRAY:
		return c ? 1 : 4;
	case KS_STRUCT:
		return struct_min(f->sub, ver, c);
	}
	return 1;
}

/* ---- decoder ----------------------------------------------------------- */

struct dec {
	struct kr *r;
	struct ks_arena *a;
	int ver;
	int err; /* first error: -EINVAL or -ENOMEM */
};

static void dfail(struct dec *d, int err)
{
	if (!d->err)
		d->err = err;
	d->r->err = true;
}

static int dec_struct(struct dec *d, const struct ks_struct *s, bool flex,
		      struct kv *v);

/* A length-prefixed span: n < 0 is null (an error unless nullable). */
static void dec_span(struct dec *d, const struct ks_field *f, int type,
		     int64_t n, struct kv *v)
{
	if (n < -1 || n > (int64_t)kr_left(d->r) ||
	    (n == -1 && !nullable_as(f, type, d->ver))) {
		dfail(d, -EINVAL);
		return;
	}
	v->s.len = (int32_t)n;
	v->s.p = n < 0 ? NULL : (const char *)d->r->p + d->r->off;
	if (n > 0)
		kr_skip(d->r, (size_t)n);
}

/* A compact length (uvarint N+1, 0 null) as N, or -1. */
static int64_t dec_clen(struct dec *d)
{
	uint64_t n = kr_uvarint(d->r);
	if (n > (uint64_t)INT32_MAX + 1) {
		dfail(d, -EINVAL);
		return 0;
	}
	return (int64_t)n - 1;
}

static void dec_value(struct dec *d, const struct ks_field *f, int type,
		      struct kv *v)
{
	bool c = compact(f, d->ver);
	struct kr *r = d->r;

	switch (type) {
	case KS_BOOL:
		v->i = kr_i8(r) != 0;
		break;
	case KS_I8:
		v->i = kr_i8(r);
		break;
	case KS_I16:
		v->i = kr_i16(r);
		break;
	case KS_U16:
		v->i = (uint16_t)kr_i16(r);
		break;
	case KS_I32:
		v->i = kr_i32(r);
		break;
	case KS_U32:
		v->i = (uint32_t)kr_i32(r);
		break;
	case KS_I64:
		v->i = kr_i64(r);
		break;
	case KS_VARINT:
		v->i = kr_varint(r);
		if (v->i < INT32_MIN || v->i > INT32_MAX)
			dfail(d, -EINVAL);
		break;
	case KS_VARLONG:
		v->i = kr_varint(r);
		break;
	case KS_UVARINT: {
		uint64_t u = kr_uvarint(r);
		if (u > UINT32_MAX)
			dfail(d, -EINVAL);
		v->i = (int64_t)u;
		break;
	}
	case KS_F64: {
		uint64_t u = (uint64_t)kr_i64(r);
		memcpy(&v->d, &u, sizeof(u));
		break;
	}
	case KS_UUID:
		if (kr_left(r) < 16) {
			dfail(d, -EINVAL);
			break;
		}
		memcpy(v->u, r->p + r->off, 16);
		kr_skip(r, 16);
		break;
	case KS_STR:
		dec_span(d, f, type, c ? dec_clen(d) : kr_i16(r), v);
		break;
	case KS_BYTES:
	case KS_RECORDS:
		dec_span(d, f, type, c ? dec_clen(d) : kr_i32(r), v);
		break;
	case KS_STRUCT:
		/* Kafka's nullable structs carry an int8 marker (-1 null). */
		if (nullable_as(f, type, d->ver) && kr_i8(r) < 0) {
			v->a.n = -1;
			v->a.v = NULL;
			break;
		}
		dec_struct(d, f->sub, c, v);
		break;
	case KS_ARRAY: {
		int64_t n = c ? dec_clen(d) : kr_i32(r);
		size_t each = min_size(f, f->elem, d->ver);
		if (!kr_ok(r))
			break;
		if (n < -1 || (n == -1 && !nullable_as(f, type, d->ver)) ||
		    (n > 0 && (uint64_t)n > kr_left(r) / (each ? each : 1))) {
			dfail(d, -EINVAL);
			break;
		}
		v->a.n = (int32_t)n;
		v->a.v = NULL;
		if (n <= 0)
			break;
		v->a.v = ks_alloc(d->a, (size_t)n * sizeof(struct kv));
		if (!v->a.v) {
			dfail(d, -ENOMEM);
			break;
		}
		for (int64_t i = 0; i < n && kr_ok(r); i++)
			dec_value(d, f, f->elem, &v->a.v[i]);
		break;
	}
	}
}

static int find_tag(const struct ks_struct *s, int ver, uint64_t tag)
{
	for (int i = 0; i < s->nf; i++)
		if (tagged(&s->f[i]) && (uint64_t)s->f[i].tag == tag &&
		    ks_in(s->f[i].ver, ver))
			return i;
	return -1;
}

static void dec_tags(struct dec *d, const struct ks_struct *s, struct kv *v)
{
	struct kr *r = d->r;
	uint64_t n = kr_uvarint(r);

	/* Each tagged field takes at least two bytes (tag, size). */
	if (n > kr_left(r) / 2) {
		dfail(d, -EINVAL);
		return;
	}
	for (uint64_t k = 0; k < n && kr_ok(r); k++) {
		uint64_t tag = kr_uvarint(r);
		uint64_t size = kr_uvarint(r);
		if (!kr_ok(r) || size > kr_left(r)) {
			dfail(d, -EINVAL);
			return;
		}
		int i = find_tag(s, d->ver, tag);
		if (i < 0) {
			kr_skip(r, size); /* unknown: skipped (KIP-482) */
			continue;
		}
		/* A known field decodes from exactly its declared size. */
		struct kr sub;
		kr_init(&sub, r->p + r->off, size);
		struct dec sd = {&sub, d->a, d->ver, 0};
		dec_value(&sd, &s->f[i], s->f[i].type, &v->a.v[i]);
		if (sd.err || !kr_ok(&sub) || kr_left(&sub)) {
			dfail(d, sd.err ? sd.err : -EINVAL);
			return;
		}
		kr_skip(r, size);
	}
}

static int dec_struct(struct dec *d, const struct ks_struct *s, bool flex,
		      struct kv *v)
{
	v->a.n = s->nf;
	v->a.v = new_fields(s, d->a);
	if (!v->a.v) {
		dfail(d, -ENOMEM);
		return d->err;
	}
	for (int i = 0; i < s->nf && kr_ok(d->r); i++) {
		const struct ks_field *f = &s->f[i];
		if (!ks_in(f->ver, d->ver) || tagged(f)) {
			if (ks_default(f, d->a, &v->a.v[i]) < 0)
				dfail(d, -ENOMEM);
			continue;
		}
		dec_value(d, f, f->type, &v->a.v[i]);
	}
	if (flex && kr_ok(d->r))
		dec_tags(d, s, v);
	return d->err;
}

int ks_read(const struct ks_msg *m, int ver, struct kr *r, struct ks_arena *a,
	    struct kv *out)
{
	struct dec d = {r, a, ver, 0};

	memset(out, 0, sizeof(*out));
	if (!ks_in(m->valid, ver))
		return -ENOTSUP;
	if (!kr_ok(r))
		return -EINVAL;
	dec_struct(&d, &m->root, ks_in(m->flex, ver), out);
	if (!d.err && !kr_ok(r))
		d.err = -EINVAL;
	return d.err;
}

int ks_decode(const struct ks_msg *m, int ver, struct kr *r, struct ks_arena *a,
	      struct kv *out)
{
	int rc = ks_read(m, ver, r, a, out);
	return !rc && kr_left(r) ? -EINVAL : rc;
}

/* ---- encoder ----------------------------------------------------------- */

struct enc {
	struct kw *w;
	int ver;
	int err;
};

static void enc_struct(struct enc *e, const struct ks_struct *s, bool flex,
		       const struct kv *v);

static void enc_clen(struct kw *w, int64_t n)
{
	kw_uvarint(w, n < 0 ? 0 : (uint64_t)n + 1);
}

static void enc_value(struct enc *e, const struct ks_field *f, int type,
		      const struct kv *v)
{
	bool c = compact(f, e->ver);
	struct kw *w = e->w;

	switch (type) {
	case KS_BOOL:
		kw_i8(w, v->i ? 1 : 0);
		break;
	case KS_I8:
		kw_i8(w, (int8_t)v->i);
		break;
	case KS_I16:
	case KS_U16:
		kw_i16(w, (int16_t)v->i);
		break;
	case KS_I32:
	case KS_U32:
		kw_i32(w, (int32_t)v->i);
		break;
	case KS_I64:
		kw_i64(w, v->i);
		break;
	case KS_VARINT:
	case KS_VARLONG:
		kw_varint(w, v->i);
		break;
	case KS_UVARINT:
		kw_uvarint(w, (uint32_t)v->i);
		break;
	case KS_F64: {
		uint64_t u;
		memcpy(&u, &v->d, sizeof(u));
		kw_i64(w, (int64_t)u);
		break;
	}
	case KS_UUID:
		kw_raw(w, v->u, 16);
		break;
	case KS_STR:
	case KS_BYTES:
	case KS_RECORDS: {
		int32_t n = v->s.p ? v->s.len : -1;
		if (n < -1 || (n < 0 && !nullable_as(f, type, e->ver)) ||
		    (type == KS_STR && !c && n > INT16_MAX)) {
			e->err = -EINVAL;
			break;
		}
		if (c)
			enc_clen(w, n);
		else if (type == KS_STR)
			kw_i16(w, (int16_t)n);
		else
			kw_i32(w, n);
		if (n > 0)
			kw_raw(w, v->s.p, (size_t)n);
		break;
	}
	case KS_STRUCT:
		if (nullable_as(f, type, e->ver)) {
			kw_i8(w, v->a.n < 0 ? -1 : 1);
			if (v->a.n < 0)
				break;
		} else if (v->a.n < 0) {
			e->err = -EINVAL;
			break;
		}
		enc_struct(e, f->sub, c, v);
		break;
	case KS_ARRAY:
		if (v->a.n < -1 ||
		    (v->a.n < 0 && !nullable_as(f, type, e->ver))) {
			e->err = -EINVAL;
			break;
		}
		if (c)
			enc_clen(w, v->a.n);
		else
			kw_i32(w, v->a.n);
		for (int32_t i = 0; i < v->a.n && !e->err; i++)
			enc_value(e, f, f->elem, &v->a.v[i]);
		break;
	}
}

static bool value_equal(const struct ks_field *f, int type, int ver,
			const struct kv *x, const struct kv *y)
{
	switch (type) {
	case KS_F64:
		return !memcmp(&x->d, &y->d, sizeof(x->d));
	case KS_UUID:
		return !memcmp(x->u, y->u, 16);
	case KS_STR:
	case KS_BYTES:
	case KS_RECORDS: {
		int32_t nx = x->s.p ? x->s.len : -1;
		int32_t ny = y->s.p ? y->s.len : -1;
		return nx == ny && (nx <= 0 || !memcmp(x->s.p, y->s.p, nx));
	}
	case KS_STRUCT:
		if (x->a.n < 0 || y->a.n < 0)
			return x->a.n == y->a.n;
		for (int i = 0; i < f->sub->nf; i++)
			if (!ks_equal(&f->sub->f[i], ver, &x->a.v[i],
				      &y->a.v[i]))
				return false;
		return true;
	case KS_ARRAY:
		if (x->a.n != y->a.n)
			return false;
		for (int32_t i = 0; i < x->a.n; i++)
			if (!value_equal(f, f->elem, ver, &x->a.v[i],
					 &y->a.v[i]))
				return false;
		return true;
	default:
		return x->i == y->i;
	}
}

bool ks_equal(const struct ks_field *f, int ver, const struct kv *x,
	      const struct kv *y)
{
	/* A field the version does not carry reads back as its default,
	 * whatever was written: it does not take part. */
	if (!ks_in(f->ver, ver))
		return true;
	return value_equal(f, f->type, ver, x, y);
}

bool ks_msg_equal(const struct ks_msg *m, int ver, const struct kv *x,
		  const struct kv *y)
{
	struct ks_field root = {.type = KS_STRUCT,
				.ver = m->valid,
				.null = {1, 0},
				.sub = &m->root};
	return ks_equal(&root, ver, x, y);
}

/* Whether a value of field f holds the field's default (a tagged field
 * is then not written). No allocation: structs compare field by field. */
static bool is_default(const struct ks_field *f, int type, int ver,
		       const struct kv *v)
{
	switch (type) {
	case KS_F64:
		return v->d == (double)f->def;
	case KS_UUID:
		for (int i = 0; i < 16; i++)
			if (v->u[i])
				return false;
		return true;
	case KS_STR:
	case KS_BYTES:
	case KS_RECORDS:
		return f->def_null ? !v->s.p || v->s.len < 0
				   : v->s.p && v->s.len == 0;
	case KS_ARRAY:
		return v->a.n == (f->def_null ? -1 : 0);
	case KS_STRUCT:
		if (v->a.n < 0)
			return false;
		for (int i = 0; i < f->sub->nf; i++) {
			const struct ks_field *g = &f->sub->f[i];
			if (ks_in(g->ver, ver) &&
			    !is_default(g, g->type, ver, &v->a.v[i]))
				return false;
		}
		return true;
	default:
		return v->i == f->def;
	}
}

static void enc_tags(struct enc *e, const struct ks_struct *s,
		     const struct kv *v)
{
	int idx[64], n = 0;

	/* Written in ascending tag order, as KIP-482 requires. */
	for (int i = 0; i < s->nf; i++) {
		const struct ks_field *f = &s->f[i];
		if (!tagged(f) || !ks_in(f->ver, e->ver) ||
		    is_default(f, f->type, e->ver, &v->a.v[i]))
			continue;
		if (n == 64) {
			e->err = -EINVAL;
			return;
		}
		int j = n++;
		while (j > 0 && s->f[idx[j - 1]].tag > f->tag) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	kw_uvarint(e->w, (uint64_t)n);
	for (int k = 0; k < n && !e->err; k++) {
		const struct ks_field *f = &s->f[idx[k]];
		struct kw tmp;
		struct enc te = {&tmp, e->ver, 0};
		kw_init(&tmp);
		enc_value(&te, f, f->type, &v->a.v[idx[k]]);
		if (te.err || tmp.err) {
			e->err = te.err ? te.err : -ENOMEM;
		} else {
			kw_uvarint(e->w, (uint64_t)f->tag);
			kw_uvarint(e->w, tmp.len);
			kw_raw(e->w, tmp.buf, tmp.len);
		}
		kw_free(&tmp);
	}
}

static void enc_struct(struct enc *e, const struct ks_struct *s, bool flex,
		       const struct kv *v)
{
	if (v->a.n != s->nf) {
		e->err = -EINVAL;
		return;
	}
	for (int i = 0; i < s->nf && !e->err; i++) {
		const struct ks_field *f = &s->f[i];
		if (ks_in(f->ver, e->ver) && !tagged(f))
			enc_value(e, f, f->type, &v->a.v[i]);
	}
	if (flex && !e->err)
		enc_tags(e, s, v);
}

int ks_encode(const struct ks_msg *m, int ver, const struct kv *v, struct kw *w)
{
	struct enc e = {w, ver, 0};

	if (!ks_in(m->valid, ver))
		return -ENOTSUP;
	enc_struct(&e, &m->root, ks_in(m->flex, ver), v);
	if (!e.err && w->err)
		e.err = -ENOMEM;
	return e.err;
}
