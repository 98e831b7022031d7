/* SPDX-License-Identifier: MIT */
/*
 * secfile.h — what the security stores share: one small text file per
 * store in the data directory, written atomically and checked on load, and
 * the encodings their lines use.
 *
 * A store file is
 *     zcio-KIND VERSION\n
 *     body lines...\n
 *     sha256 HEX\n
 * where HEX is SHA-256 of everything before the last line. It is replaced
 * by writing PATH.tmp, fsync, rename over PATH, fsync of the directory
 * (rename(2): the old or the new file, never a mix).
 */
#ifndef ZC_SECFILE_H
#define ZC_SECFILE_H

#include <stddef.h>
#include <stdint.h>

/* Largest store file accepted (a bound on what a load may allocate). */
#define SECFILE_MAX (16u << 20)

/* Replace path with header(kind, version) + body + checksum; 0 or -errno. */
int secfile_save(const char *path, const char *kind, int version,
		 const char *body, size_t len);
/* Load path: *body (malloc'ed, NUL-terminated, caller frees) and *len.
 * 0; -ENOENT when missing; -EBADMSG when the header, version or checksum
 * is wrong (the file is left as it is); other -errno. */
int secfile_load(const char *path, const char *kind, int version, char **body,
		 size_t *len);

/* A growing text buffer; on allocation failure it sets failed and drops
 * further text. */
struct secbuf {
	char *p;
	size_t len, cap;
	int failed;
};
void secbuf_add(struct secbuf *b, const char *s, size_t n);
void secbuf_printf(struct secbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s with every byte outside [!-~] and '%' written as %XX, so a
 * name never contains a space or a newline. */
void secbuf_escaped(struct secbuf *b, const char *s);
/* Undo secbuf_escaped in place; 0, or -EINVAL on a bad %XX or a %00. */
int sec_unescape(char *s);

/* Base64 (RFC 4648 with padding). sec_b64_enc writes a NUL-terminated
 * string of sec_b64_len(n) bytes + 1. sec_b64_dec returns the decoded
 * length or -EINVAL (bad alphabet, bad padding, > cap). */
#define sec_b64_len(n) ((((n) + 2) / 3) * 4)
void sec_b64_enc(char *out, const uint8_t *in, size_t n);
int sec_b64_dec(uint8_t *out, size_t cap, const char *in, size_t n);

/* The next item of a list separated by sep (Kafka's comma lists,
 * super.users' semicolons), blanks around it trimmed, empty items
 * skipped, copied into buf. 1, 0 at the end, -1 if it does not fit. */
int sec_list_next(const char **p, char sep, char *buf, size_t cap);

/* Split s at spaces into at most max fields (in place); returns the
 * number of fields. */
int sec_fields(char *s, char **f, int max);

#endif /* ZC_SECFILE_H */
