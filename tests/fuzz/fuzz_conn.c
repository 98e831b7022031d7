/* SPDX-License-Identifier: MIT */
/*
 * fuzz_conn.c — byte streams as clients send them (size-prefixed frames,
 * one after another) put into two connections' read buffers and taken by
 * the connections' own framing: bad sizes, partial frames, several
 * requests in a row (produce then fetch, join then sync ...), acks=0
 * failures closing a connection, parking with requests queued behind,
 * and one client's request finishing another's: a produce on the second
 * connection wakes a long-poll fetch parked on the first, a second member
 * joining makes the group rebalance. Same fresh broker as fuzz_request.
 *
 * Input: length of the first connection's stream (u16, big-endian), that
 * stream, then the second connection's stream (the rest).
 *
 * Properties: no crash, leak or undefined behaviour; the answers on each
 * socket are whole frames with sane sizes.
 */
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "common.h"

/* What the socket would have delivered, taken by the connection's own
 * framing. */
static void feed(struct conn *c, const uint8_t *p, size_t n)
{
	FZ_ASSERT(conn_feed(c, p, n) == 0);
	fz_broker_settle();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int peer[2];
	int32_t corr;
	struct conn *c[2];
	size_t first;

	if (size < 2)
		return 0;
	first = (size_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	if (first > size)
		first = size;
	fz_broker_up();
	c[0] = fz_broker_conn(&peer[0]);
	c[1] = fz_broker_conn(&peer[1]);
	feed(c[0], data, first);
	/* c[0] may be closed (and freed) by now; c[1] is untouched. */
	feed(c[1], data + first, size - first);
	fz_drain_answers(peer[0], &corr);
	fz_drain_answers(peer[1], &corr);
	fz_broker_down();
	close(peer[0]);
	close(peer[1]);
	return 0;
}
