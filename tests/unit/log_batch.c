/* SPDX-License-Identifier: MIT */
/*
 * log_batch.c — CRC-32C (known answer, hardware path == table path,
 * chaining) and batch_validate/batch_header on good and broken v2 batches.
 */
#include "batch_builder.h"
#include "log/log_int.h"

static void test_crc(void)
{
	static uint8_t buf[4096 + 16];

	CHECK_EQ(crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c_sw(0, "123456789", 9), 0xE3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0);
	/* 32 zero bytes: RFC 3720 B.4 test vector. */
	memset(buf, 0, 32);
	CHECK_EQ(crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, 32);
	CHECK_EQ(crc32c(0, buf, 32), 0x62A8AB43u);

	t_fill(buf, sizeof(buf), 7, 0);
	for (size_t off = 0; off < 16; off++) {
		for (size_t len = 0; len < 300; len += 1 + len / 8) {
			uint32_t a = crc32c(0, buf + off, len);

			CHECK_EQ(a, crc32c_sw(0, buf + off, len));
			/* Chaining: split anywhere, same answer. */
			for (size_t cut = 0; cut <= len; cut += 1 + len / 3)
				CHECK_EQ(crc32c(crc32c(0, buf + off, cut),
						buf + off + cut, len - cut),
					 a);
		}
	}
	CHECK_EQ(crc32c(0, buf, 4096), crc32c_sw(0, buf, 4096));
}

static void test_validate(void)
{
	uint8_t *b = malloc(bb_max(10, 100) + 16);
	struct batch_info bi;
	size_t len;

	if (!b)
		t_fatal("out of memory");
	len = bb_build(b, 10, 100, 1700000000000LL, 5, 42);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(bi.size, len);
	CHECK_EQ(bi.record_count, 10);
	CHECK_EQ(bi.last_offset_delta, 9);
	CHECK_EQ(bi.base_timestamp, 1700000000000LL);
	CHECK_EQ(bi.max_timestamp, 1700000000045LL);
	CHECK_EQ(bi.producer_id, -1);
	CHECK_EQ(bi.attributes, 0);

	/* Fields outside the CRC may change: the broker stamps them. */
	put_be64(b, 123456);
	put_be32(b + 12, 7);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(bi.base_offset, 123456);
	CHECK_EQ(batch_header(b, BATCH_HEADER_SIZE, &bi), 0);
	CHECK_EQ(bi.size, len);

	CHECK_EQ(batch_validate(b, len, (uint32_t)len - 1, &bi), -EMSGSIZE);
	CHECK_EQ(batch_validate(b, len - 1, 1 << 20, &bi), -EINVAL);
	CHECK_EQ(batch_validate(b, 60, 1 << 20, &bi), -EINVAL);
	CHECK_EQ(batch_header(b, 60, &bi), -EINVAL);

	/* Any flipped byte under the CRC: CORRUPT_MESSAGE. */
	for (size_t at = 17; at < len; at += 13) {
		b[at] ^= 0x40;
		CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EBADMSG);
		b[at] ^= 0x40;
	}
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);

	b[16] = 1; /* magic */
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	CHECK_EQ(batch_header(b, len, &bi), -EINVAL);
	b[16] = 2;

	put_be32(b + 8, (uint32_t)len); /* Length disagrees with len */
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	put_be32(b + 8, (uint32_t)(len - 12));

	/* Count != lastOffsetDelta + 1, and count 0, CRC kept right. */
	put_be32(b + 57, 11);
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	put_be32(b + 57, 0);
	put_be32(b + 23, UINT32_MAX);
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	put_be32(b + 57, 10);
	put_be32(b + 23, 9);
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);

	b[22] |= 0x20; /* control batch */
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	b[22] = 0x07; /* codec 7 */
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	b[22] = 0x04; /* zstd: accepted as it is */
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	b[22] = 0;

	put_be64(b + 43, 5); /* idempotent producer with sequence -1 */
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), -EINVAL);
	put_be32(b + 53, 0);
	bb_seal(b, len);
	CHECK_EQ(batch_validate(b, len, 1 << 20, &bi), 0);
	CHECK_EQ(bi.producer_id, 5);
	free(b);
}

int main(void)
{
	test_crc();
	test_validate();
	return t_result();
}
