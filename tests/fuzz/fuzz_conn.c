/* SPDX-License-Identifier: MIT */
/*
 * fuzz_conn.c — a byte stream as a client would send it (size-prefixed
 * frames, one after another) put into a connection's read buffer and
 * taken by the connection's own framing: bad sizes, partial frames,
 * several requests in a row (produce then fetch, join then sync ...),
 * acks=0 failures closing the connection, parking with requests queued
 * behind. Same fresh broker as fuzz_request.
 *
 * Properties: no crash, leak or undefined behaviour; the answers on the
 * socket are whole frames with sane sizes.
 */
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int peer;
	int32_t corr;
	struct conn *c;

	fz_broker_up();
	c = fz_broker_conn(&peer);
	/* What on_read() would have received: the connection owns (and
	 * frees) rbuf; unparking queues it because input is buffered. */
	c->rbuf = malloc(size ? size : 1);
	FZ_ASSERT(c->rbuf);
	memcpy(c->rbuf, data, size);
	c->rlen = c->rcap = size;
	conn_unpark(c);
	fz_broker_settle();
	fz_drain_answers(peer, &corr);
	fz_broker_down();
	close(peer);
	return 0;
}
