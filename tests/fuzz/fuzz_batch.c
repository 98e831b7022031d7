/* SPDX-License-Identifier: MIT */
/*
 * fuzz_batch.c — batch_header() and batch_validate() (broker/log/batch.c)
 * on arbitrary bytes, and CRC-32C: the dispatching crc32c() (SSE4.2 when
 * the CPU has it) against the table code, whole and in two pieces.
 *
 * Properties: no read outside the input; an accepted batch satisfies every
 * rule batch.c promises (magic 2, exact length, matching CRC, record count
 * == last offset delta + 1 > 0, no control batch, a known codec); the
 * header fields agree between the two functions; a larger size limit
 * never turns an accepted batch into a rejected one.
 */
#include <errno.h>
#include <string.h>

#include "common.h"
#include "log/log_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_info h, v;
	int rh, rv, big;

	memset(&h, 0, sizeof(h));
	memset(&v, 0, sizeof(v));
	rh = batch_header(data, size, &h);
	rv = batch_validate(data, size, 1u << 20, &v);
	FZ_ASSERT(rh == 0 || rh == -EINVAL);
	FZ_ASSERT(rv == 0 || rv == -EINVAL || rv == -EBADMSG ||
		  rv == -EMSGSIZE);
	if (rh == 0) {
		FZ_ASSERT(size >= BATCH_HEADER_SIZE && data[16] == 2);
		FZ_ASSERT(h.size >= BATCH_HEADER_SIZE);
		FZ_ASSERT(h.base_offset == (int64_t)get_be64(data));
	}
	if (rv == 0) {
		FZ_ASSERT(rh == 0 && memcmp(&h, &v, sizeof(h)) == 0);
		FZ_ASSERT(v.size == size && size <= 1u << 20);
		FZ_ASSERT(crc32c(0, data + 21, size - 21) ==
			  get_be32(data + 17));
		FZ_ASSERT(v.record_count > 0 &&
			  (int64_t)v.last_offset_delta + 1 == v.record_count);
		FZ_ASSERT(!(v.attributes & 0x20) && (v.attributes & 7) <= 4);
	}
	big = batch_validate(data, size, UINT32_MAX, &v);
	FZ_ASSERT(rv != 0 || big == 0);
	FZ_ASSERT(rv == -EMSGSIZE || big == rv);

	uint32_t whole = crc32c(0, data, size);
	size_t cut = size ? data[0] % (size + 1) : 0;
	FZ_ASSERT(whole == crc32c_sw(0, data, size));
	FZ_ASSERT(whole ==
		  crc32c(crc32c(0, data, cut), data + cut, size - cut));
	return 0;
}
