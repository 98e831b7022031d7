/* SPDX-License-Identifier: MIT */
/*
 * topic_id.c — a topic's ID (KIP-516), kept in every partition directory
 * as Kafka keeps it: a file `partition.metadata` of two lines,
 *
 *   version: 0
 *   topic_id: <the 16 bytes in URL-safe base64 without padding>
 *
 * (the text form of Kafka's Uuid.toString, RFC 4648 section 5). Written to
 * a temporary file, synced and renamed, so a crash leaves the old file or
 * the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "log_int.h"
#include "sys.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void tid_to_text(const uint8_t id[16], char out[23])
{
	uint32_t acc = 0;
	int bits = 0, n = 0;

	for (int i = 0; i < 16; i++) {
		acc = (acc << 8) | id[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[n++] = b64[(acc >> bits) & 63];
		}
	}
	out[n++] = b64[(acc << (6 - bits)) & 63]; /* the last 2 bits */
	out[n] = '\0';
}

int tid_from_text(const char *s, uint8_t id[16])
{
	uint32_t acc = 0;
	int bits = 0, n = 0;

	if (strlen(s) != 22)
		return -EINVAL;
	for (int i = 0; i < 22; i++) {
		const char *c = strchr(b64, s[i]);

		if (!c || !s[i])
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			id[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* 22 * 6 = 132 bits: the 4 left over must be zero. */
	return n == 16 && !(acc & 15) ? 0 : -EINVAL;
}

int tid_new(uint8_t id[16])
{
	static const uint8_t zero[16];

	/* Kafka reserves the zero ID (none) and 0...01 (its metadata
	 * topic); a random version-4 UUID is neither. */
	do {
		if (getrandom(id, 16, 0) != 16)
			return -EIO;
		id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);
		id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
	} while (!memcmp(id, zero, 16));
	return 0;
}

int tid_load(const char *pdir, uint8_t id[16])
{
	char p[4096], buf[128], text[64];
	int fd, ver;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", pdir, PARTITION_META);
	fd = lsys_open(p, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	n = lsys_read(fd, buf, sizeof(buf) - 1);
	lsys_close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (sscanf(buf, "version: %d\ntopic_id: %63s", &ver, text) != 2 ||
	    ver != 0)
		return -EINVAL;
	return tid_from_text(text, id);
}

int tid_store(const char *pdir, const uint8_t id[16])
{
	char buf[64], text[23];

	tid_to_text(id, text);
	snprintf(buf, sizeof(buf), "version: 0\ntopic_id: %s\n", text);
	return log_write_atomic(pdir, PARTITION_META, buf);
}
