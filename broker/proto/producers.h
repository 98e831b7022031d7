/* SPDX-License-Identifier: MIT */
/*
 * producers.h — idempotent producers: InitProducerId hands out producer
 * ids, and Produce checks each batch's sequence numbers per (producer,
 * partition) as Kafka does, so a retried batch is acknowledged with its
 * first offset instead of being written twice, and a gap is refused.
 *
 * The state lives in memory only (Kafka keeps .snapshot files): after a
 * restart, a producer's next batch is accepted whatever its sequence.
 * Transactions are not offered (InitProducerId with a transactional id
 * answers COORDINATOR_NOT_AVAILABLE).
 */
#ifndef BROKER_PROTO_PRODUCERS_H
#define BROKER_PROTO_PRODUCERS_H

#include <stdint.h>

#include "log/log.h"

struct producers;

int producers_create(struct producers **out);
void producers_free(struct producers *p);

/* Before appending: 0 to append, 1 for a duplicate of a recent batch
 * (*dup_offset gets its first offset; do not append), or a Kafka error
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH) as a negative
 * number. Batches without a producer id always get 0. */
int producers_check(struct producers *p, const char *topic, int32_t part,
		    const uint8_t *batch, const struct batch_info *bi,
		    int64_t *dup_offset);
/* After a successful append at `offset`. */
void producers_record(struct producers *p, const char *topic, int32_t part,
		      const uint8_t *batch, const struct batch_info *bi,
		      int64_t offset);
/* A fresh producer id. */
int64_t producers_new_id(struct producers *p);

#endif /* BROKER_PROTO_PRODUCERS_H */
