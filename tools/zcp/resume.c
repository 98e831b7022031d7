/* SPDX-License-Identifier: MIT */
/*
 * resume.c — --resume: continue an interrupted copy into a partial DST.
 *
 * The part of DST already there must equal the start of SRC, byte for byte
 * (as rsync --append-verify); then only the rest is copied and appended.
 * A mismatch, or a DST longer than SRC, is an error that changes nothing.
 *
 * Between two zcp over a socket, the receiver (the end with the file DST)
 * tells the sender where to start, in one request, and the sender answers
 * before the data (all integers big-endian):
 *
 *   request  "ZCPR"  u32 version (1)  u64 length held  u64 checksum
 *   answer   "ZCPS"  u32 status       u64 first byte sent
 *            status 0: data follows from that byte to the end of SRC;
 *            1: the receiver's bytes differ from SRC's; 2: the receiver
 *            holds more bytes than SRC (1 and 2: no data, both exit 1).
 *
 * The checksum is a 64-bit multiply-xorshift hash over the held bytes as
 * little-endian 64-bit words, then their count: it catches damage and a
 * different file, it is not meant to resist a forger.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcp.h"

#define CHUNK	   (1u << 20)
#define REQ_LEN	   24
#define ANS_LEN	   16
#define ST_OK	   0
#define ST_DIFFERS 1
#define ST_LONGER  2

struct sum {
	uint64_t h, total;
	unsigned char tail[8];
	unsigned ntail;
};

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void sum_add(struct sum *s, const unsigned char *p, size_t n)
{
	s->total += n;
	while (n) {
		size_t take = 8 - s->ntail < n ? 8 - s->ntail : n;

		if (!s->ntail && n >= 8) {
			s->h = mix(s->h, le64(p));
			p += 8;
			n -= 8;
			continue;
		}
		memcpy(s->tail + s->ntail, p, take);
		s->ntail += (unsigned)take;
		p += take;
		n -= take;
		if (s->ntail == 8) {
			s->h = mix(s->h, le64(s->tail));
			s->ntail = 0;
		}
	}
}

static uint64_t sum_end(struct sum *s)
{
	if (s->ntail) {
		memset(s->tail + s->ntail, 0, 8 - s->ntail);
		s->h = mix(s->h, le64(s->tail));
	}
	return mix(s->h, s->total);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Read exactly n bytes (at off when off >= 0). n short: the end. */
static ssize_t read_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = off >= 0 ? pread(fd, (char *)buf + got, n - got,
					     off + (off_t)got)
				     : read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR && !zcp_stop_signal())
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t w = write(fd, (const char *)buf + put, n - put);

		if (w < 0 && errno == EINTR && !zcp_stop_signal())
			continue;
		if (w < 0)
			return -errno;
		put += (size_t)w;
	}
	return 0;
}

/* Checksum of the first `len` bytes of fd (pread when seekable, else
 * read, consuming them). ZCP_ELONGER when fd ends first. */
static int sum_of(int fd, bool seekable, uint64_t len, uint64_t *out)
{
	unsigned char *buf = malloc(CHUNK);
	struct sum s = {0};
	uint64_t at = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (at < len) {
		size_t want = len - at < CHUNK ? (size_t)(len - at) : CHUNK;
		ssize_t n = read_full(fd, buf, want, seekable ? (off_t)at : -1);

		if (n < 0 || (size_t)n < want) {
			ret = n < 0 ? (int)n : ZCP_ELONGER;
			break;
		}
		sum_add(&s, buf, want);
		at += want;
	}
	*out = sum_end(&s);
	free(buf);
	return ret;
}

int zcp_resume_local(int src, bool seekable, int dst, uint64_t have)
{
	unsigned char *a = malloc(CHUNK), *b = malloc(CHUNK);
	uint64_t at = 0;
	int ret = 0;

	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	while (at < have && !ret) {
		size_t want = have - at < CHUNK ? (size_t)(have - at) : CHUNK;
		ssize_t n = read_full(src, a, want, seekable ? (off_t)at : -1);
		ssize_t m = read_full(dst, b, want, (off_t)at);

		if (n < 0 || m < 0)
			ret = n < 0 ? (int)n : (int)m;
		else if ((size_t)n < want)
			ret = ZCP_ELONGER;
		else if ((size_t)m < want || memcmp(a, b, want) != 0)
			ret = ZCP_EDIFFER;
		at += want;
	}
out:
	free(a);
	free(b);
	return ret;
}

int zcp_resume_ask(int sock, int dst, uint64_t have)
{
	unsigned char req[REQ_LEN], ans[ANS_LEN];
	uint64_t sum = 0;
	ssize_t n;
	int ret;

	ret = sum_of(dst, true, have, &sum);
	if (ret)
		return ret == ZCP_ELONGER ? ZCP_EDIFFER : ret;
	memcpy(req, "ZCPR", 4);
	put_be(req + 4, 1, 4);
	put_be(req + 8, have, 8);
	put_be(req + 16, sum, 8);
	ret = write_full(sock, req, sizeof(req));
	if (ret)
		return ret;
	n = read_full(sock, ans, sizeof(ans), -1);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(ans) || memcmp(ans, "ZCPS", 4) != 0)
		return ZCP_EPROTO;
	switch (get_be(ans + 4, 4)) {
	case ST_OK:
		return get_be(ans + 8, 8) == have ? 0 : ZCP_EPROTO;
	case ST_DIFFERS:
		return ZCP_EDIFFER;
	case ST_LONGER:
		return ZCP_ELONGER;
	default:
		return ZCP_EPROTO;
	}
}

int zcp_resume_answer(int sock, int src, bool seekable, uint64_t *start)
{
	unsigned char req[REQ_LEN], ans[ANS_LEN];
	uint64_t have, sum = 0;
	uint32_t status = ST_OK;
	ssize_t n;
	int ret;

	n = read_full(sock, req, sizeof(req), -1);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(req) || memcmp(req, "ZCPR", 4) != 0 ||
	    get_be(req + 4, 4) != 1)
		return ZCP_EPROTO;
	have = get_be(req + 8, 8);
	ret = sum_of(src, seekable, have, &sum);
	if (ret == ZCP_ELONGER)
		status = ST_LONGER;
	else if (ret)
		return ret;
	else if (sum != get_be(req + 16, 8))
		status = ST_DIFFERS;
	memcpy(ans, "ZCPS", 4);
	put_be(ans + 4, status, 4);
	put_be(ans + 8, status == ST_OK ? have : 0, 8);
	ret = write_full(sock, ans, sizeof(ans));
	if (ret)
		return ret;
	*start = have;
	return status == ST_OK	     ? 0
	       : status == ST_LONGER ? ZCP_ELONGER
				     : ZCP_EDIFFER;
}
