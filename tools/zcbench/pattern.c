/* SPDX-License-Identifier: MIT */
/*
 * pattern.c — the content zcbench moves. Every byte is a function of its
 * position in the stream, so a receiver checks what it got without a copy
 * of the source, and a byte dropped, repeated or moved shows up at once.
 * Whole 8-byte words are generated and compared; the ragged ends of a
 * buffer go byte by byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SEED 0x7a63626e6368ULL /* "zcbnch" */

static inline uint64_t word_at(uint64_t idx)
{
	uint64_t x = (idx ^ SEED) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

static inline unsigned char byte_at(uint64_t pos)
{
	return (unsigned char)(word_at(pos >> 3) >> ((pos & 7) * 8));
}

void zb_fill(void *buf, size_t len, uint64_t pos)
{
	unsigned char *p = buf;
	size_t i = 0;

	for (; i < len && ((pos + i) & 7); i++)
		p[i] = byte_at(pos + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word_at((pos + i) >> 3);

		memcpy(p + i, &w, 8); /* little-endian, as byte_at reads it */
	}
	for (; i < len; i++)
		p[i] = byte_at(pos + i);
}

bool zb_check(const void *buf, size_t len, uint64_t pos)
{
	const unsigned char *p = buf;
	size_t i = 0;

	for (; i < len && ((pos + i) & 7); i++)
		if (p[i] != byte_at(pos + i))
			return false;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w != word_at((pos + i) >> 3))
			return false;
	}
	for (; i < len; i++)
		if (p[i] != byte_at(pos + i))
			return false;
	return true;
}

#define IO_CHUNK (1u << 20)

int zb_make_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	unsigned char *buf = malloc(IO_CHUNK);
	int ret = 0;

	if (fd < 0 || !buf) {
		ret = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (uint64_t pos = 0; pos < size;) {
		size_t n =
		    size - pos < IO_CHUNK ? (size_t)(size - pos) : IO_CHUNK;
		ssize_t w;

		zb_fill(buf, n, pos);
		w = pwrite(fd, buf, n, (off_t)pos);
		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			goto out;
		}
		pos += (uint64_t)w;
	}
	/* Cold runs drop the cache; clean pages are the only ones it drops. */
	if (fsync(fd) < 0)
		ret = -errno;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

int zb_verify_fd(int fd, uint64_t size)
{
	unsigned char *buf = malloc(IO_CHUNK);
	uint64_t pos = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r = pread(fd, buf, IO_CHUNK, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0) {
			ret = pos == size ? 0 : -EIO;
			break;
		}
		if (pos + (uint64_t)r > size ||
		    !zb_check(buf, (size_t)r, pos)) {
			ret = -EIO;
			break;
		}
		pos += (uint64_t)r;
	}
	free(buf);
	return ret;
}
