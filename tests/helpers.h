/* SPDX-License-Identifier: MIT */
/*
 * helpers.h — what every C test program of zcio shares: exit codes, CHECK
 * macros and small fixtures (files, pipes, sockets). Test programs exit
 * T_PASS (0), T_FAIL (1) or T_SKIP (77, with the reason as the last line).
 */
#ifndef ZC_TEST_HELPERS_H
#define ZC_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#define T_PASS 0
#define T_FAIL 1
#define T_SKIP 77

extern int t_failures;

/* Record a failure with its place and go on (the test exits T_FAIL). */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			t_failures++;                                        \
		}                                                            \
	} while (0)

/* Compare two integers and print both on failure. */
#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);      \
		if (t_a_ != t_b_) {                                          \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, t_a_, #b, t_b_);     \
			t_failures++;                                        \
		}                                                            \
	} while (0)

/* Print the reason and exit T_SKIP. */
void t_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Print the reason and exit T_FAIL at once (for broken fixtures). */
void t_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Exit T_FAIL if any CHECK failed, else T_PASS. */
int t_result(void);

/* A fresh temporary directory for this test ($ZC_TMP or mkdtemp). */
const char *t_tmpdir(void);
/* Fill buf with a deterministic pattern depending on seed and position. */
void t_fill(void *buf, size_t len, uint64_t seed, uint64_t pos);
/* Create path with len bytes of t_fill(seed) content; returns 0 or -errno. */
int t_create_file(const char *path, uint64_t len, uint64_t seed);
/* Whether fd's contents from offset 0 match t_fill(seed) for len bytes. */
int t_check_file(int fd, uint64_t len, uint64_t seed);
/* FNV-1a 64 over a buffer, chainable (start with t_hash_init). */
#define t_hash_init 0xcbf29ce484222325ULL
uint64_t t_hash(uint64_t h, const void *buf, size_t len);
/* A listening TCP socket on 127.0.0.1 with an ephemeral port. */
int t_listen_tcp(int *port);
/* A connected TCP pair over loopback: fds[0] client, fds[1] server side. */
int t_tcp_pair(int fds[2]);
/* Whether the process runs as root. */
int t_is_root(void);

#endif /* ZC_TEST_HELPERS_H */
