/* SPDX-License-Identifier: MIT */
/*
 * fuzz_schema.c — the table-driven codec (proto/wire.c) on arbitrary
 * bytes, for any message of the schema tables at any version.
 *
 * Input: byte 0 picks the message (0xff the request header, 0xfe the
 * response header, 0xfd a message of every type of the schema language,
 * else an API key in the low 7 bits with bit 7 set for a response), byte 1
 * the version; the rest is the message.
 *
 * Properties: no read outside the input, no crash, no leak; a refusal is
 * -EINVAL or -ENOMEM (over the arena's budget); the arena never exceeds its
 * budget; a decoded message encodes, decodes again to an equal tree, and
 * encodes again to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "proto/schema.h"
#include "proto/schema_src.h"

static const struct ks_msg *pick(uint8_t sel)
{
	static const struct ks_msg *selftest;
	char err[128];

	if (sel == 0xfd) {
		if (!selftest)
			selftest =
			    ks_compile(ks_src_selftest, err, sizeof(err));
		FZ_ASSERT(selftest);
		return selftest;
	}
	if (sel == 0xff)
		return ks_req_header();
	if (sel == 0xfe)
		return ks_resp_header();
	return sel & 0x80 ? ks_resp(sel & 0x7f) : ks_req(sel & 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ks_msg *m;
	struct ks_arena a;
	struct kv v1, v2;
	struct kw w1, w2;
	struct kr r;
	int ver, rc;

	if (size < 2 || !(m = pick(data[0])))
		return 0;
	ver = data[1];
	if (!ks_in(m->valid, ver))
		return 0;
	/* A budget a broker could set: a fixed part plus a multiple of the
	 * message's size. */
	ks_arena_init(&a, 64 * 1024 + 64 * size);
	kr_init(&r, data + 2, size - 2);
	rc = ks_decode(m, ver, &r, &a, &v1);
	FZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FZ_ASSERT(a.used <= a.budget);
	if (rc == 0) {
		kw_init(&w1);
		kw_init(&w2);
		FZ_ASSERT(ks_encode(m, ver, &v1, &w1) == 0);
		kr_init(&r, w1.buf, w1.len);
		rc = ks_decode(m, ver, &r, &a, &v2);
		FZ_ASSERT(rc == 0 || rc == -ENOMEM);
		if (rc == 0) {
			FZ_ASSERT(ks_msg_equal(m, ver, &v1, &v2));
			FZ_ASSERT(ks_encode(m, ver, &v2, &w2) == 0);
			FZ_ASSERT(w1.len == w2.len);
			FZ_ASSERT(!w1.len || !memcmp(w1.buf, w2.buf, w1.len));
		}
		kw_free(&w1);
		kw_free(&w2);
	}
	ks_arena_free(&a);
	return 0;
}
