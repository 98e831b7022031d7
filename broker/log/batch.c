/* SPDX-License-Identifier: MIT */
/*
 * batch.c — the checks Kafka's produce path makes on a v2 record batch,
 * and the parsing of a batch header (61 bytes, big-endian):
 *
 *   0 BaseOffset i64   8 Length i32   12 PartitionLeaderEpoch i32
 *  16 Magic i8        17 CRC u32      21 Attributes i16
 *  23 LastOffsetDelta i32   27 BaseTimestamp i64   35 MaxTimestamp i64
 *  43 ProducerId i64  51 ProducerEpoch i16   53 BaseSequence i32
 *  57 RecordCount i32 61 records (or their compressed form)
 *
 * Invariants:
 *  1. batch_header never reads past len and accepts only magic 2 with
 *     Length >= 49 (a header's worth after the Length field).
 *  2. batch_validate accepts a batch only if the CRC-32C over bytes
 *     21..len matches; the fields outside it (BaseOffset, Length, leader
 *     epoch, magic) are the ones the broker may rewrite.
 *  3. An accepted batch has 0 < RecordCount == LastOffsetDelta + 1, is not
 *     a control batch, and uses a known compression codec.
 */
#include <errno.h>

#include "log_int.h"

#define ATTR_CODEC_MASK 0x07
#define ATTR_CONTROL	0x20
#define CODEC_MAX	4 /* zstd */

int batch_header(const uint8_t *buf, size_t len, struct batch_info *bi)
{
	int32_t length;

	if (len < BATCH_HEADER_SIZE)
		return -EINVAL;
	length = (int32_t)get_be32(buf + 8);
	if (buf[16] != 2 || length < BATCH_HEADER_SIZE - 12)
		return -EINVAL;
	bi->base_offset = (int64_t)get_be64(buf);
	bi->size = (uint32_t)length + 12;
	bi->attributes = (int16_t)(buf[21] << 8 | buf[22]);
	bi->last_offset_delta = (int32_t)get_be32(buf + 23);
	bi->base_timestamp = (int64_t)get_be64(buf + 27);
	bi->max_timestamp = (int64_t)get_be64(buf + 35);
	bi->producer_id = (int64_t)get_be64(buf + 43);
	bi->producer_epoch = (int16_t)(buf[51] << 8 | buf[52]);
	bi->base_sequence = (int32_t)get_be32(buf + 53);
	bi->record_count = (int32_t)get_be32(buf + 57);
	return 0;
}

int batch_validate(const uint8_t *buf, size_t len, uint32_t max_bytes,
		   struct batch_info *bi)
{
	int ret;

	if (len > max_bytes)
		return -EMSGSIZE;
	ret = batch_header(buf, len, bi);
	if (ret < 0)
		return ret;
	if (bi->size != len)
		return -EINVAL;
	if (crc32c(0, buf + 21, len - 21) != get_be32(buf + 17))
		return -EBADMSG;
	if (bi->record_count <= 0 ||
	    (int64_t)bi->last_offset_delta + 1 != bi->record_count)
		return -EINVAL;
	if (bi->attributes & ATTR_CONTROL)
		return -EINVAL;
	if ((bi->attributes & ATTR_CODEC_MASK) > CODEC_MAX)
		return -EINVAL;
	if (bi->producer_id >= 0 && bi->base_sequence < 0)
		return -EINVAL;
	return 0;
}
