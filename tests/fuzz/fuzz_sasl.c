/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sasl.c — SASL through a connection of a SASL_PLAINTEXT listener
 * (proto/sasl_api.c, sasl_plain.c): any sequence of SaslHandshake (v0,
 * v1) and SaslAuthenticate (v0-v2) requests, bare tokens (after a v0
 * handshake), and other requests before and after authentication
 * (the gate; Describe/AlterUserScramCredentials once logged in, as the
 * store's one super user). User "user", password "pencil", SCRAM-SHA-256.
 *
 * Input: byte 0 the listener's mechanisms (bits 0-2: PLAIN, SCRAM-SHA-256,
 * SCRAM-SHA-512; none means all), then records: kind (u8), length (u16,
 * big-endian), bytes.
 *   kind % 4 == 0  SaslHandshake v(kind >> 2 & 1), Mechanism = bytes
 *   kind % 4 == 1  SaslAuthenticate v(kind >> 2 % 3), AuthBytes = bytes
 *   kind % 4 == 2  bytes as one size-prefixed frame (a bare token)
 *   kind % 4 == 3  bytes as one request frame (header included)
 * After each, the loop runs until PLAIN's worker answered (no delay:
 * connection.failed.authentication.delay.ms=0).
 *
 * Properties: no crash, leak, race or undefined behaviour; every answer
 * on the socket is a whole frame of sane size.
 */
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "common.h"
#include "security/acl.h"
#include "security/creds.h"
#include "security/sasl.h"

static struct blisten lst;

static void stop(struct ev_loop *ev, uint64_t id, void *arg)
{
	ev_stop(ev);
}

/* Settle, then let the loop take PLAIN's answers and timers. */
static void run(struct broker *b)
{
	fz_broker_settle();
	for (int i = 0; i < 200 && b->conns.n && b->conns.head->pending; i++) {
		ev_timer(b->ev, 1, stop, NULL);
		ev_run(b->ev);
		fz_broker_settle();
	}
	ev_timer(b->ev, 0, stop, NULL);
	ev_run(b->ev);
	fz_broker_settle();
}

static void frame(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t len[4] = {n >> 24, n >> 16, n >> 8, n};

	FZ_ASSERT(conn_feed(c, len, 4) == 0);
	FZ_ASSERT(conn_feed(c, p, n) == 0);
}

static void request(struct conn *c, int16_t key, int16_t ver, const uint8_t *p,
		    size_t n)
{
	struct kw w;
	bool flex = key == API_SASL_AUTHENTICATE && ver >= 2;

	kw_init(&w);
	kw_i16(&w, key);
	kw_i16(&w, ver);
	kw_i32(&w, 7);
	kw_str(&w, "fuzz");
	if (flex)
		kw_tags0(&w);
	if (key == API_SASL_HANDSHAKE)
		kw_strn(&w, (const char *)p, (int32_t)n);
	else if (flex) {
		kw_uvarint(&w, (uint64_t)n + 1); /* compact bytes */
		kw_raw(&w, p, n);
	} else
		kw_bytes(&w, p, (int32_t)n);
	if (flex)
		kw_tags0(&w);
	FZ_ASSERT(!w.err);
	frame(c, w.buf, w.len);
	kw_free(&w);
}

/* Whole frames of sane sizes (a bare token's answer may be empty). */
static void drain(int peer)
{
	static uint8_t buf[1 << 20];
	size_t have = 0, at = 0;
	ssize_t n;

	while (have < sizeof(buf) &&
	       (n = read(peer, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)n;
	while (have - at >= 4) {
		int32_t len = kbe32(buf + at);
		FZ_ASSERT(len >= 0 && len < (1 << 20));
		at += 4 + (size_t)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct broker *b;
	struct conn *c;
	int peer;

	if (size < 1)
		return 0;
	b = fz_broker_up();
	b->cfg.failed_auth_delay_ms = 0;
	FZ_ASSERT(authz_set(&b->cfg.authz, "super.users", "User:user") == 0);
	FZ_ASSERT(creds_set_password(b->creds, "user", SCRAM_SHA_256, "pencil",
				     6, 4096) == 0);
	lst.l.proto = LP_SASL_PLAINTEXT;
	lst.l.sasl_mechs = data[0] & 7 ? data[0] & 7 : 7;
	snprintf(lst.l.name, sizeof(lst.l.name), "SASL_PLAINTEXT");
	c = fz_broker_conn(&peer);
	c->lst = &lst;
	c->authed = false;
	for (size_t at = 1; at + 3 <= size && b->conns.n;) {
		uint8_t kind = data[at];
		size_t n = (size_t)data[at + 1] << 8 | data[at + 2];
		const uint8_t *p = data + at + 3;

		if (n > size - at - 3)
			n = size - at - 3;
		at += 3 + n;
		switch (kind % 4) {
		case 0:
			request(c, API_SASL_HANDSHAKE, kind >> 2 & 1, p, n);
			break;
		case 1:
			request(c, API_SASL_AUTHENTICATE, (kind >> 2) % 3, p,
				n);
			break;
		case 2:
			frame(c, p, n);
			break;
		default:
			if (n)
				frame(c, p, n);
			break;
		}
		run(b);
		drain(peer);
	}
	fz_broker_down();
	close(peer);
	return 0;
}
