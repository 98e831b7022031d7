/* SPDX-License-Identifier: MIT */
/*
 * fuzz_validate.c — batch_check() (broker/log/validate.c) on arbitrary
 * records and compressed streams. Input: byte 0 picks the codec (mod 5:
 * none, gzip, snappy, lz4, zstd), byte 1 + 1 is the RecordCount, the rest
 * is the payload after the 61-byte header, which the target builds.
 *
 * Properties: no read outside the input and no leak (ASan); the answer
 * is one of the documented errors; an accepted batch is refused when its
 * RecordCount is one more or one less (the records fill it exactly); an
 * accepted uncompressed batch is also accepted inside any bound.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "log/log_int.h"

#define BOUND (1u << 20)

static int run(const uint8_t *p, size_t plen, int codec, int32_t count,
	       uint64_t bound)
{
	size_t len = BATCH_HEADER_SIZE + plen;
	uint8_t *b = malloc(len);
	struct batch_info bi;
	int ret;

	if (!b)
		return -ENOMEM;
	memset(b, 0, BATCH_HEADER_SIZE);
	memcpy(b + BATCH_HEADER_SIZE, p, plen);
	put_be32(b + 8, (uint32_t)(len - 12));
	b[16] = 2;
	b[22] = (uint8_t)codec;
	put_be32(b + 23, (uint32_t)(count - 1));
	put_be64(b + 27, 1700000000000ULL);
	put_be64(b + 43, UINT64_MAX);
	put_be32(b + 57, (uint32_t)count);
	FZ_ASSERT(batch_header(b, len, &bi) == 0);
	ret = batch_check(b, len, &bi, bound);
	free(b);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int codec, ret;
	int32_t count;

	if (size < 2)
		return 0;
	codec = data[0] % 5;
	count = data[1] + 1;
	ret = run(data + 2, size - 2, codec, count, BOUND);
	FZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -EBADMSG ||
		  ret == -EMSGSIZE || ret == -ENOMEM);
	if (ret == 0) {
		FZ_ASSERT(run(data + 2, size - 2, codec, count + 1, BOUND) ==
			  -EINVAL);
		if (count > 1)
			FZ_ASSERT(run(data + 2, size - 2, codec, count - 1,
				      BOUND) == -EINVAL);
		if (codec == 0)
			FZ_ASSERT(run(data + 2, size - 2, 0, count, 1) == 0);
	}
	return 0;
}
