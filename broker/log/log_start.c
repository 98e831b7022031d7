/* SPDX-License-Identifier: MIT */
/*
 * log_start.c — DeleteRecords (KIP-107): the log start offset moved by a
 * client. Kafka keeps it in a log-start-offset checkpoint; here it is a
 * file in the partition directory (LOG_START_FILE), replaced atomically
 * and synced before the new start is used, and read back by plog_open.
 *
 * Invariants:
 *  1. start only grows, and never past end.
 *  2. The file on disk is never below the start in memory (it is written
 *     first), so a crash cannot bring deleted records back.
 *  3. Segments wholly below start go at once, as retention deletes them;
 *     the segment holding start stays, and fetches below start are out of
 *     range (plog_read).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "log_int.h"

int64_t plog_delete_records(struct plog *l, int64_t offset)
{
	size_t k = 0;
	char text[32];
	int ret;

	if (offset == -1)
		offset = l->end;
	if (offset < 0 || offset > l->end)
		return -ERANGE;
	if (offset <= l->start)
		return l->start;
	snprintf(text, sizeof(text), "%" PRId64 "\n", offset);
	ret = log_write_atomic(l->dir, LOG_START_FILE, text);
	if (ret < 0)
		return ret;
	l->start = offset;
	/* Whole segments below the new start (the active one too: it rolls
	 * first, unless it is empty). */
	while (k < l->nseg && l->segs[k]->next <= offset &&
	       !(k == l->nseg - 1 && l->segs[k]->size == 0))
		k++;
	ret = pl_delete_front(l, k, "deleted segment (delete records)");
	if (ret < 0) /* the start has moved all the same */
		fprintf(stderr, "zcbroker: %s: deleting segments: %s\n", l->dir,
			strerror(-ret));
	return l->start;
}
