/* SPDX-License-Identifier: MIT */
/*
 * ks_handler.c — the frame of a handler written on the table-driven codec:
 * decode the request at its version into an arena with a budget, let the
 * handler fill a default answer, encode it at the same version.
 */
#include <errno.h>

#include "broker.h"
#include "proto/ks_handler.h"

int ks_handle(struct broker *b, struct conn *c, const struct kreq *q,
	      struct kr *in, struct resp *r, size_t answer, ks_fn fn)
{
	struct ks_call k = {.b = b,
			    .c = c,
			    .q = q,
			    .qm = ks_req(q->key),
			    .rm = ks_resp(q->key),
			    .r = r};
	int rc;

	ks_arena_init(&k.a, ks_budget(in, answer));
	rc = ks_decode(k.qm, q->ver, in, &k.a, &k.req);
	if (rc == 0) {
		k.resp = ks_new(k.rm, &k.a);
		rc = k.resp ? fn(&k) : -ENOMEM;
		if (rc == API_REPLY && !k.encoded &&
		    ks_encode(k.rm, q->ver, k.resp, &r->w))
			rc = -ENOMEM;
		if (rc == -ENOMEM) {
			r->w.err = true; /* logged by the dispatcher */
			rc = API_REPLY;
		}
	} else {
		rc = API_BAD;
	}
	ks_arena_free(&k.a);
	return rc;
}
