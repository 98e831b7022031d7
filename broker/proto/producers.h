/* SPDX-License-Identifier: MIT */
/*
 * producers.h — idempotent producers: InitProducerId hands out producer
 * ids, and Produce checks each batch's sequence numbers per (producer,
 * partition) as Kafka does, so a retried batch is acknowledged with its
 * first offset instead of being written twice, and a gap is refused.
 *
 * The state is kept in memory and rebuilt from the logs at startup
 * (producers_rebuild), as Kafka rebuilds it from the log tail, but without
 * Kafka's .snapshot files: each partition's tail is scanned until every
 * producer seen there has its last five batches (or all of its current
 * epoch), within 64 MiB per partition. A producer whose last batches are
 * older than that is known by fewer batches, or not at all, and its next
 * batch is then accepted whatever its sequence. Transactions are not
 * offered (InitProducerId with a transactional id answers
 * COORDINATOR_NOT_AVAILABLE).
 */
#ifndef BROKER_PROTO_PRODUCERS_H
#define BROKER_PROTO_PRODUCERS_H

#include <stdint.h>

#include "kafka.h"
#include "log/log.h"

struct producers;

int producers_create(struct producers **out);
void producers_free(struct producers *p);

/* Before appending: KERR_NONE with *dup_offset -1 to append, KERR_NONE
 * with *dup_offset >= 0 for a duplicate of a recent batch (its first
 * offset; do not append), or OUT_OF_ORDER_SEQUENCE_NUMBER /
 * INVALID_PRODUCER_EPOCH. Batches without a producer id always append. */
enum kerr producers_check(struct producers *p, const char *topic, int32_t part,
			  const struct batch_info *bi, int64_t *dup_offset);
/* After a successful append at `offset`. */
void producers_record(struct producers *p, const char *topic, int32_t part,
		      const struct batch_info *bi, int64_t offset);
/* At startup, before serving: learn every partition's producers from the
 * batches at the tail of its log (see above), and hand out no id already
 * in a log. 0, or the first -errno of a partition that could not be read
 * (its producers are then unknown; the others are rebuilt). */
int producers_rebuild(struct producers *p, struct topics *t);
/* A fresh producer id. */
int64_t producers_new_id(struct producers *p);

#endif /* BROKER_PROTO_PRODUCERS_H */
