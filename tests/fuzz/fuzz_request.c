/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request.c — one Kafka request frame (header + body, without the
 * size prefix) handed to broker_dispatch(), the broker's decode-and-answer
 * entry point, on a fresh broker whose store holds a topic with data and a
 * committed offset. Handlers run for real: appends, fetch slices sent with
 * libzcio over a socketpair, topic creation and deletion, the group
 * coordinator (parked JoinGroup/SyncGroup/long-poll Fetch are cancelled
 * by closing the connection).
 *
 * Properties: no crash, leak or undefined behaviour; every answer on the
 * socket is a whole frame with a sane size; a request whose header parsed
 * is answered with its own correlation id.
 */
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int peer, frames, rc;
	int32_t corr = 0;
	struct conn *c;
	uint8_t *frame;
	struct kreq q;
	struct kr in;

	fz_broker_up();
	c = fz_broker_conn(&peer);
	/* Produce rewrites the batch in place: give it a private copy,
	 * exactly as long as the input so overreads are caught. */
	frame = malloc(size ? size : 1);
	FZ_ASSERT(frame);
	memcpy(frame, data, size);
	kr_init(&in, frame, size);
	broker_parse_header(&in, &q); /* only for q.corr: dispatch decides */
	rc = broker_dispatch(c->b, c, frame, size);
	FZ_ASSERT(rc >= API_BAD && rc <= API_PENDING);
	/* An answered request was sent at once, unless the handler also
	 * closed the connection. */
	bool answered = rc == API_REPLY && !c->closing;
	fz_broker_settle(); /* may free c */
	frames = fz_drain_answers(peer, &corr);
	if (answered) {
		FZ_ASSERT(frames >= 1);
		FZ_ASSERT(corr == q.corr);
	}
	fz_broker_down();
	close(peer);
	free(frame);
	return 0;
}
