/* SPDX-License-Identifier: MIT */
/*
 * codec.h — the Kafka wire primitives: a bounds-checked reader over one
 * request and a growing writer for one response.
 *
 * The reader never fails loudly: the first short or malformed field sets
 * `err` and every later read returns zero values, so a decoder reads a whole
 * message and checks kr_ok() once at the end. Array counts are checked
 * against the bytes left (every element takes at least one byte) so a
 * forged count can never drive a long loop. The writer grows on demand and
 * also keeps a sticky error (out of memory).
 */
#ifndef BROKER_PROTO_CODEC_H
#define BROKER_PROTO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string or byte string inside the request buffer; len -1 means null. */
struct kstr {
	const char *p;
	int32_t len;
};

struct kr {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

void kr_init(struct kr *r, const void *p, size_t len);
static inline bool kr_ok(const struct kr *r)
{
	return !r->err;
}
static inline size_t kr_left(const struct kr *r)
{
	return r->err ? 0 : r->len - r->off;
}
int8_t kr_i8(struct kr *r);
int16_t kr_i16(struct kr *r);
int32_t kr_i32(struct kr *r);
int64_t kr_i64(struct kr *r);
uint64_t kr_uvarint(struct kr *r);
int64_t kr_varint(struct kr *r); /* zig-zag */
/* int16-length string (nullable). */
struct kstr kr_str(struct kr *r);
/* Compact string: uvarint length+1, 0 = null. */
struct kstr kr_cstr(struct kr *r);
/* int32-length bytes (nullable); the pointer is mutable because produce
 * rewrites the batch in place inside the connection's buffer. */
struct kstr kr_bytes(struct kr *r);
/* Compact bytes. */
struct kstr kr_cbytes(struct kr *r);
/* int32 array count: -1 null, else 0..N (checked against bytes left). */
int32_t kr_array(struct kr *r);
/* An array whose elements take at least min_size bytes each on the wire:
 * a count the rest of the request cannot hold is malformed. Callers that
 * allocate per element use it, so a small request never makes a large
 * allocation. */
int32_t kr_array_of(struct kr *r, size_t min_size);
/* Compact array count (uvarint N+1, 0 null): -1 null, else N. */
int32_t kr_carray(struct kr *r);
/* Skip a tagged-field buffer. */
void kr_tags(struct kr *r);
/* Skip n bytes. */
void kr_skip(struct kr *r, size_t n);

/* Copy a string into dst (NUL-terminated). False when null, too long or
 * holding a NUL byte. */
bool kstr_copy(char *dst, size_t cap, struct kstr s);
bool kstr_eq(struct kstr s, const char *z);

struct kw {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool err;
};

void kw_init(struct kw *w);
void kw_free(struct kw *w);
/* Hand the buffer over to the caller (the writer is reset). */
uint8_t *kw_take(struct kw *w, size_t *len);
void kw_raw(struct kw *w, const void *p, size_t n);
void kw_i8(struct kw *w, int8_t v);
void kw_i16(struct kw *w, int16_t v);
void kw_i32(struct kw *w, int32_t v);
void kw_i64(struct kw *w, int64_t v);
void kw_uvarint(struct kw *w, uint64_t v);
void kw_varint(struct kw *w, int64_t v);
/* int16-length string; NULL writes a null string. */
void kw_str(struct kw *w, const char *s);
void kw_strn(struct kw *w, const char *s, int32_t n); /* n -1: null */
void kw_cstr(struct kw *w, const char *s);
/* int32-length bytes; NULL with n -1 writes null. */
void kw_bytes(struct kw *w, const void *p, int32_t n);
void kw_array(struct kw *w, int32_t n);
void kw_carray(struct kw *w, int32_t n);
void kw_tags0(struct kw *w); /* an empty tagged-field buffer */
/* Reserve an int32 to patch later; returns its position. */
size_t kw_hole32(struct kw *w);
void kw_patch32(struct kw *w, size_t pos, int32_t v);

/* Big-endian helpers for code that reads fixed headers directly. */
static inline int32_t kbe32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | p[3]);
}
static inline int16_t kbe16(const uint8_t *p)
{
	return (int16_t)((uint16_t)p[0] << 8 | p[1]);
}

#endif /* BROKER_PROTO_CODEC_H */
