/* SPDX-License-Identifier: MIT */
/*
 * common.h — what the fuzz targets under tests/fuzz/ share. Each target
 * defines LLVMFuzzerTestOneInput() and is linked either with libFuzzer
 * (`make fuzz`, clang) or with replay_main.c, which feeds it every file of
 * its corpus (a normal test, also under ASan+UBSan).
 *
 * Helpers: one scratch directory per process (tmpfs when there is one),
 * file writing, and a broker without a listening socket whose store is
 * made fresh for every input, so that a saved input replays the same way.
 */
#ifndef ZC_FUZZ_COMMON_H
#define ZC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct broker;
struct conn;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test promised does not hold: report and
 * abort, so both libFuzzer and the replay test see a crash. */
#define FZ_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property violated: %s\n",      \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The process's scratch directory (created on first use, removed at a
 * normal exit): $ZC_TMP, else a new directory in /dev/shm or /tmp. */
const char *fz_dir(void);
/* buf = fz_dir()/name; aborts if it does not fit. */
void fz_path(char *buf, size_t cap, const char *name);
/* Create or replace path with n bytes; 0 or -errno. */
int fz_write(const char *path, const void *p, size_t n);
/* Append n bytes to path (created if missing); 0 or -errno. */
int fz_append(const char *path, const void *p, size_t n);
/* Remove a directory tree (missing is fine). */
void fz_rm_rf(const char *path);

/* A broker with a fresh store under fz_dir(): topic "t" with two
 * partitions, partition 0 holding three batches (offsets 0..5), and a
 * commit of group "g" for t-0. */
struct broker *fz_broker_up(void);
/* A new client connection of that broker; its peer's fd in *peer. At
 * most two at a time (per fz_broker_up). */
struct conn *fz_broker_conn(int *peer);
/* Run what the event loop runs before sleeping (ready connections,
 * parked fetches woken by appends). */
void fz_broker_settle(void);
/* Read and check every answer waiting on peer: each is a whole frame
 * (size prefix, then at least a correlation id). Returns how many there
 * were; *first_corr gets the first one's correlation id. */
int fz_drain_answers(int peer, int32_t *first_corr);
/* Close every connection, free the broker, delete its store. */
void fz_broker_down(void);

#endif /* ZC_FUZZ_COMMON_H */
