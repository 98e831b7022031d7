/* SPDX-License-Identifier: MIT */
/*
 * codec.c — Kafka's primitive types (big-endian integers, varints, strings,
 * bytes, arrays, tagged fields) read from a request and written to a
 * response. See codec.h for the error model.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"

void kr_init(struct kr *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

/* Pointer to n bytes and advance, or NULL (and the sticky error). */
static const uint8_t *take(struct kr *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

void kr_skip(struct kr *r, size_t n)
{
	take(r, n);
}

int8_t kr_i8(struct kr *r)
{
	const uint8_t *p = take(r, 1);
	return p ? (int8_t)p[0] : 0;
}

int16_t kr_i16(struct kr *r)
{
	const uint8_t *p = take(r, 2);
	return p ? kbe16(p) : 0;
}

int32_t kr_i32(struct kr *r)
{
	const uint8_t *p = take(r, 4);
	return p ? kbe32(p) : 0;
}

int64_t kr_i64(struct kr *r)
{
	const uint8_t *p = take(r, 8);
	if (!p)
		return 0;
	return (int64_t)((uint64_t)(uint32_t)kbe32(p) << 32 |
			 (uint32_t)kbe32(p + 4));
}

uint64_t kr_uvarint(struct kr *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		const uint8_t *p = take(r, 1);
		if (!p)
			return 0;
		v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return v;
	}
	r->err = true; /* more than 10 bytes */
	return 0;
}

int64_t kr_varint(struct kr *r)
{
	uint64_t u = kr_uvarint(r);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static struct kstr kstr_null(void)
{
	struct kstr s = {NULL, -1};
	return s;
}

/* n bytes as a kstr; n < 0 is null. */
static struct kstr span(struct kr *r, int64_t n)
{
	if (n < 0)
		return kstr_null();
	if (n > INT32_MAX) {
		r->err = true;
		return kstr_null();
	}
	const uint8_t *p = take(r, (size_t)n);
	if (!p)
		return kstr_null();
	struct kstr s = {(const char *)p, (int32_t)n};
	return s;
}

struct kstr kr_str(struct kr *r)
{
	int16_t n = kr_i16(r);
	if (n < -1)
		r->err = true;
	return span(r, n);
}

struct kstr kr_cstr(struct kr *r)
{
	uint64_t n = kr_uvarint(r);
	if (n > INT32_MAX) {
		r->err = true;
		return kstr_null();
	}
	return span(r, (int64_t)n - 1);
}

struct kstr kr_bytes(struct kr *r)
{
	int32_t n = kr_i32(r);
	if (n < -1)
		r->err = true;
	return span(r, n);
}

struct kstr kr_cbytes(struct kr *r)
{
	return kr_cstr(r);
}

static int32_t count_ok(struct kr *r, int64_t n)
{
	if (r->err)
		return -1;
	if (n < -1 || (n > 0 && (uint64_t)n > r->len - r->off)) {
		r->err = true;
		return -1;
	}
	return (int32_t)n;
}

int32_t kr_array(struct kr *r)
{
	return count_ok(r, kr_i32(r));
}

int32_t kr_array_of(struct kr *r, size_t min_size)
{
	int32_t n = kr_array(r);

	if (n > 0 && (uint64_t)n * min_size > r->len - r->off) {
		r->err = true;
		return -1;
	}
	return n;
}

int32_t kr_carray(struct kr *r)
{
	uint64_t n = kr_uvarint(r);
	if (n > INT32_MAX) {
		r->err = true;
		return -1;
	}
	return count_ok(r, (int64_t)n - 1);
}

void kr_tags(struct kr *r)
{
	uint64_t n = kr_uvarint(r);
	if (n > kr_left(r)) {
		r->err = true;
		return;
	}
	for (uint64_t i = 0; i < n && !r->err; i++) {
		kr_uvarint(r); /* tag */
		uint64_t size = kr_uvarint(r);
		if (size > kr_left(r)) {
			r->err = true;
			return;
		}
		take(r, size);
	}
}

bool kstr_copy(char *dst, size_t cap, struct kstr s)
{
	if (s.len < 0 || (size_t)s.len >= cap || memchr(s.p, 0, s.len))
		return false;
	memcpy(dst, s.p, s.len);
	dst[s.len] = 0;
	return true;
}

bool kstr_eq(struct kstr s, const char *z)
{
	size_t n = strlen(z);
	return s.len >= 0 && (size_t)s.len == n && !memcmp(s.p, z, n);
}

/* ---- writer ---------------------------------------------------------- */

void kw_init(struct kw *w)
{
	memset(w, 0, sizeof(*w));
}

void kw_free(struct kw *w)
{
	free(w->buf);
	kw_init(w);
}

uint8_t *kw_take(struct kw *w, size_t *len)
{
	uint8_t *b = w->buf;
	*len = w->len;
	kw_init(w);
	return b;
}

static uint8_t *room(struct kw *w, size_t n)
{
	if (w->err)
		return NULL;
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap - w->len < n)
			cap *= 2;
		uint8_t *b = realloc(w->buf, cap);
		if (!b) {
			w->err = true;
			return NULL;
		}
		w->buf = b;
		w->cap = cap;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

void kw_raw(struct kw *w, const void *p, size_t n)
{
	uint8_t *d = room(w, n);
	if (d && n)
		memcpy(d, p, n);
}

static void put_be(struct kw *w, uint64_t v, int n)
{
	uint8_t *d = room(w, n);
	if (!d)
		return;
	for (int i = n - 1; i >= 0; i--) {
		d[i] = (uint8_t)v;
		v >>= 8;
	}
}

void kw_i8(struct kw *w, int8_t v)
{
	put_be(w, (uint8_t)v, 1);
}

void kw_i16(struct kw *w, int16_t v)
{
	put_be(w, (uint16_t)v, 2);
}

void kw_i32(struct kw *w, int32_t v)
{
	put_be(w, (uint32_t)v, 4);
}

void kw_i64(struct kw *w, int64_t v)
{
	put_be(w, (uint64_t)v, 8);
}

void kw_uvarint(struct kw *w, uint64_t v)
{
	uint8_t b[10];
	int n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	kw_raw(w, b, n);
}

void kw_varint(struct kw *w, int64_t v)
{
	kw_uvarint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void kw_strn(struct kw *w, const char *s, int32_t n)
{
	if (!s || n < 0) {
		kw_i16(w, -1);
		return;
	}
	if (n > INT16_MAX)
		n = INT16_MAX;
	kw_i16(w, (int16_t)n);
	kw_raw(w, s, n);
}

void kw_str(struct kw *w, const char *s)
{
	kw_strn(w, s, s ? (int32_t)strlen(s) : -1);
}

void kw_cstr(struct kw *w, const char *s)
{
	if (!s) {
		kw_uvarint(w, 0);
		return;
	}
	size_t n = strlen(s);
	kw_uvarint(w, n + 1);
	kw_raw(w, s, n);
}

void kw_bytes(struct kw *w, const void *p, int32_t n)
{
	if (!p && n <= 0) {
		kw_i32(w, n < 0 ? -1 : 0);
		return;
	}
	kw_i32(w, n);
	kw_raw(w, p, n);
}

void kw_array(struct kw *w, int32_t n)
{
	kw_i32(w, n);
}

void kw_carray(struct kw *w, int32_t n)
{
	kw_uvarint(w, n < 0 ? 0 : (uint64_t)n + 1);
}

void kw_tags0(struct kw *w)
{
	kw_i8(w, 0);
}

size_t kw_hole32(struct kw *w)
{
	size_t pos = w->len;
	kw_i32(w, 0);
	return pos;
}

void kw_patch32(struct kw *w, size_t pos, int32_t v)
{
	if (w->err || pos + 4 > w->len)
		return;
	uint32_t u = (uint32_t)v;
	w->buf[pos] = (uint8_t)(u >> 24);
	w->buf[pos + 1] = (uint8_t)(u >> 16);
	w->buf[pos + 2] = (uint8_t)(u >> 8);
	w->buf[pos + 3] = (uint8_t)u;
}
