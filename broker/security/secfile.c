/* SPDX-License-Identifier: MIT */
/*
 * secfile.c — atomic, checksummed store files and the text encodings of
 * their lines (see secfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "security/secfile.h"

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int secfile_save(const char *path, const char *kind, int version,
		 const char *body, size_t len)
{
	char head[128], tail[16 + 2 * SHA256_DIGEST_LENGTH], tmp[PATH_MAX];
	uint8_t md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int hl, fd, rc;

	hl = snprintf(head, sizeof(head), "zcio-%s %d\n", kind, version);
	if (!c || hl < 0 || (size_t)hl >= sizeof(head) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		EVP_MD_CTX_free(c);
		return c ? -ENAMETOOLONG : -ENOMEM;
	}
	if (!EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, head, (size_t)hl) ||
	    !EVP_DigestUpdate(c, body, len) ||
	    !EVP_DigestFinal_ex(c, md, NULL)) {
		EVP_MD_CTX_free(c);
		return -EIO;
	}
	EVP_MD_CTX_free(c);
	memcpy(tail, "sha256 ", 7);
	hex(tail + 7, md, sizeof(md));
	strcat(tail, "\n");

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, head, (size_t)hl);
	if (!rc)
		rc = write_all(fd, body, len);
	if (!rc)
		rc = write_all(fd, tail, strlen(tail));
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return fsync_dir_of(path);
}

int secfile_load(const char *path, const char *kind, int version, char **body,
		 size_t *len)
{
	char head[128], want[2 * SHA256_DIGEST_LENGTH + 1];
	uint8_t md[SHA256_DIGEST_LENGTH];
	struct stat st;
	char *buf, *last, *nl;
	size_t n = 0, hl;
	int fd, rc = 0;

	*body = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (st.st_size > SECFILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EBADMSG;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	snprintf(head, sizeof(head), "zcio-%s %d\n", kind, version);
	hl = strlen(head);
	if (rc || n < hl || memcmp(buf, head, hl) || buf[n - 1] != '\n' ||
	    memchr(buf, 0, n))
		goto bad;
	/* The last line is the checksum of everything before it. */
	buf[n - 1] = 0;
	last = strrchr(buf, '\n');
	buf[n - 1] = '\n';
	if (!last || (size_t)(last + 1 - buf) < hl ||
	    n - (size_t)(last + 1 - buf) != 7 + 2 * sizeof(md) + 1 ||
	    memcmp(last + 1, "sha256 ", 7))
		goto bad;
	if (!EVP_Digest(buf, (size_t)(last + 1 - buf), md, NULL, EVP_sha256(),
			NULL))
		goto bad;
	hex(want, md, sizeof(md));
	if (CRYPTO_memcmp(want, last + 8, 2 * sizeof(md)))
		goto bad;
	nl = last + 1;
	*len = (size_t)(nl - buf) - hl;
	memmove(buf, buf + hl, *len);
	buf[*len] = 0;
	*body = buf;
	return 0;
bad:
	free(buf);
	return rc && rc != -EBADMSG ? rc : -EBADMSG;
}

void secbuf_add(struct secbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void secbuf_printf(struct secbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = 1;
	else
		secbuf_add(b, tmp, (size_t)n);
}

void secbuf_escaped(struct secbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > ' ' && c < 0x7f && c != '%') {
			secbuf_add(b, s, 1);
		} else {
			char e[4];
			snprintf(e, sizeof(e), "%%%02X", c);
			secbuf_add(b, e, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int sec_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		int h = hexval(s[1]), l = h < 0 ? -1 : hexval(s[2]);
		if (h < 0 || l < 0 || (h | l) == 0)
			return -EINVAL;
		*w++ = (char)(h * 16 + l);
		s += 2;
	}
	*w = 0;
	return 0;
}

void sec_b64_enc(char *out, const uint8_t *in, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int sec_b64_dec(uint8_t *out, size_t cap, const char *in, size_t n)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t pad = 0, len;

	/* EVP_DecodeBlock skips blanks and ignores padding: check the
	 * alphabet and the padding here so one string has one meaning. */
	if (n % 4 || n > INT_MAX)
		return -EINVAL;
	if (n && in[n - 1] == '=')
		pad = n >= 2 && in[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (!in[i] || !strchr(alpha, in[i]))
			return -EINVAL;
	len = n / 4 * 3 - pad;
	if (len > cap)
		return -EINVAL;
	if (!n)
		return 0;
	uint8_t *tmp = malloc(n / 4 * 3);
	if (!tmp)
		return -ENOMEM;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n) < 0) {
		free(tmp);
		return -EINVAL;
	}
	memcpy(out, tmp, len);
	free(tmp);
	return (int)len;
}

int sec_list_next(const char **p, char sep, char *buf, size_t cap)
{
	const char *s = *p, *e;
	size_t n;

	while (*s == ' ' || *s == sep)
		s++;
	if (!*s)
		return 0;
	e = strchr(s, sep);
	n = e ? (size_t)(e - s) : strlen(s);
	*p = s + n;
	while (n && s[n - 1] == ' ')
		n--;
	if (n >= cap)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return 1;
}

int sec_fields(char *s, char **f, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		f[n++] = s;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = 0;
	}
	return n;
}
