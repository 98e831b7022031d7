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
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			t_failures++;                                          \
		}                                                              \
	} while (0)

/* Compare two integers and print both on failure. */
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);        \
		if (t_a_ != t_b_) {                                            \
			fprintf(stderr,                                        \
				"%s:%d: %s == %lld, expected %s == %lld\n",    \
				__FILE__, __LINE__, #a, t_a_, #b, t_b_);       \
			t_failures++;                                          \
		}                                                              \
	} while (0)

/* Print the reason and exit T_SKIP. */
void t_skip(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
/* Print the reason and exit T_FAIL at once (for broken fixtures). */
void t_fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
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
/* A whole file in an exact-size heap buffer (so ASan sees any read past
 * its end), its size in *len; exits T_FAIL when it cannot be read. */
uint8_t *t_read_path(const char *path, size_t *len);

/* ---- added for the fault_* and edge_* tests of libzcio ---------------- */
/* Not thread-safe (static buffers): t_create_file, t_check_file,
 * t_check_range, t_path, t_open_src, t_open_dst. The sink and feed threads
 * below only use their own state. */

#include <pthread.h>

/* Whether buf holds t_fill(seed) content for [pos, pos + len). */
int t_check_buf(const void *buf, size_t len, uint64_t seed, uint64_t pos);
/* Whether fd's bytes [off, off + len) are t_fill(seed) from position pos
 * (pread; pos == off for a file made by t_create_file). */
int t_check_range(int fd, uint64_t off, uint64_t len, uint64_t seed,
		  uint64_t pos);
/* File size (fstat), or -errno. */
long long t_fsize(int fd);
/* Current file position (lseek SEEK_CUR), or -errno. */
long long t_fpos(int fd);
/* "$tmpdir/name" in a static rotating buffer (4 slots). */
const char *t_path(const char *name);
/* Create $tmpdir/name with len bytes of t_fill(seed) and open it O_RDONLY;
 * exits T_FAIL if that fails. */
int t_open_src(const char *name, uint64_t len, uint64_t seed);
/* Create (truncate) $tmpdir/name and open it O_RDWR; exits T_FAIL on error. */
int t_open_dst(const char *name);
/* Read all of fd from offset 0 into a malloc'd buffer; *len its size. */
unsigned char *t_slurp(int fd, size_t *len);
/* Monotonic clock in nanoseconds. */
uint64_t t_now_ns(void);
/* Sleep for ms milliseconds. */
void t_msleep(unsigned ms);

/*
 * A thread that reads everything from fd into a growing buffer until EOF
 * or error, optionally slowly: it waits start_ms first, then reads at most
 * chunk bytes (0: 64 KiB) per call and sleeps delay_us between reads. With
 * stop_after > 0 it stops once it holds that many bytes and then closes fd
 * (rst: with SO_LINGER 0, so a TCP peer gets a reset).
 */
struct t_sink {
	int fd;
	unsigned start_ms, delay_us;
	size_t chunk, stop_after;
	int rst;
	/* results */
	unsigned char *buf;
	size_t len, cap; /* len is stored atomically (may be watched) */
	int err;	 /* 0, or -errno of the read that ended it */
	pthread_t th;
};
int t_sink_start(struct t_sink *s);
/* Join; returns the bytes received. Frees nothing: free(s->buf). */
size_t t_sink_join(struct t_sink *s);
/*
 * A loopback TCP pair whose receiving end sk[1] is drained by s (started
 * here). With slow, the sending end sk[0] is non-blocking with a 64 KiB
 * send buffer and s reads 32 KiB every 100 us, so a sender meets EAGAIN.
 * Exits the test on failure.
 */
void t_tcp_sink_pair(int sk[2], struct t_sink *s, int slow);

/*
 * A thread that writes len bytes of t_fill(seed) content to fd (send() with
 * MSG_NOSIGNAL on sockets), chunk bytes (0: 64 KiB) at a time with delay_us
 * between writes, then shuts the socket down for writing or closes fd
 * (close_fd). Stops early on a write error (err).
 */
struct t_feed {
	int fd;
	uint64_t len, seed;
	size_t chunk;
	unsigned delay_us;
	int close_fd;
	/* results */
	uint64_t sent;
	int err;
	pthread_t th;
};
int t_feed_start(struct t_feed *f);
uint64_t t_feed_join(struct t_feed *f);

#ifdef ZC_FAULT_H
/*
 * A rule-driven hook for lib/fault.h (include "fault.h" before this
 * header). Rules are checked in order and the first that matches decides;
 * every call is counted per id whether or not a rule fires.
 */
#define T_ANY_DATA (-1) /* read/write/pread/pwrite/sendfile/splice/cfr/send */
#define T_ANY	   (-2) /* every wrapped call */
struct t_rule {
	int id;		/* enum zc_sys_id, T_ANY_DATA or T_ANY */
	int on;		/* non-zero: the rule is live */
	uint64_t nth;	/* first matching call (per id, from 0) */
	uint64_t every; /* 0: only call nth; k: nth, nth + k, ... */
	struct zc_fault f;
	unsigned sleep_us; /* sleep before the call when the rule fires */
	unsigned hits;	   /* filled: how many times it fired */
};
#define T_MAX_RULES 8
struct t_faults {
	struct t_rule rule[T_MAX_RULES];
	uint64_t calls[ZC_SYS__COUNT]; /* calls seen per id */
};
void t_fault_hook(enum zc_sys_id id, uint64_t nth, struct zc_fault *f,
		  void *arg);
/* Clear *t, add nothing and install the hook (counting only). */
void t_faults_install(struct t_faults *t);
/* Append a rule; returns it (for hits). */
struct t_rule *t_fault_add(struct t_faults *t, int id, uint64_t nth,
			   uint64_t every, struct zc_fault f);
/* Remove the hook. */
void t_faults_clear(void);
/* Sum of calls over all ids. */
uint64_t t_faults_total(const struct t_faults *t);

/*
 * One transfer over a fresh fixture of a given pair, and what came out of
 * it. t_run_init() picks sizes and position modes (variant alternates the
 * input offset mode and start position); set method options, install a
 * fault hook if wanted, then t_run_xfer() builds the descriptors (threads
 * feed or drain the stream ends), runs zc_transfer_opts(), removes the hook
 * and collects the output; t_run_expect() checks it.
 */
enum t_pair {
	T_FILE_FILE,
	T_FILE_SOCK, /* unix stream socket */
	T_SOCK_FILE,
	T_FILE_TCP,
	T_FILE_PIPE,
	T_PIPE_FILE,
	T_PAIR_COUNT
};
#define T_RUN_SIZE	  (256 * 1024) /* file sources */
#define T_RUN_STREAM_SIZE (128 * 1024) /* pipe and socket sources */
extern const char *const t_pair_name[T_PAIR_COUNT];
struct t_run {
	enum t_pair pair;
	enum zc_method method;
	uint64_t seed;	/* content */
	uint64_t size;	/* bytes in the source */
	off_t start;	/* file sources: start position */
	int use_off;	/* pass an explicit in_off */
	unsigned flags; /* zc_options.flags */
	size_t chunk;	/* zc_options.chunk_size */
	size_t piece;	/* > 0: through a prepared pair (zc_pair_open), in
			   calls of at most `piece` bytes (ZC_TO_EOF: one
			   call) until one moves less or fails */
	/* results */
	ssize_t ret;
	struct zc_stats st;
	unsigned char *out; /* malloc'd; t_run_expect frees it */
	size_t out_len;
	long long in_pos;  /* file sources: position after */
	int rest_ok;	   /* stream source: unread rest intact (-1: n/a) */
	uint64_t rest_len; /* stream source: bytes left unread */
};
/* A TCP peer that reads 128 KiB then closes: in_fd (t_fill(seed) content)
 * sent whole with method m, again and again, must end in -EPIPE or
 * -ECONNRESET, never SIGPIPE, the peer's bytes an exact prefix. */
void t_peer_closed(int in_fd, uint64_t seed, enum zc_method m);
/* Whether the pair's input is a pipe or socket (no position). */
int t_pair_stream_in(enum t_pair p);
void t_run_init(struct t_run *r, enum t_pair p, enum zc_method m, int variant);
void t_run_xfer(struct t_run *r);
/* "pair method", for messages (static buffer). */
const char *t_run_label(const struct t_run *r);
/* Bytes a complete transfer moves. */
uint64_t t_run_full(const struct t_run *r);
/* The output is exactly `len` source bytes from the start, stats.bytes says
 * so, and the input position (or the unread stream rest) agrees. Counts a
 * failure (printing `what`) otherwise. Frees r->out. Returns 1 if ok. */
int t_run_expect(struct t_run *r, uint64_t len, const char *what);
#endif

#endif /* ZC_TEST_HELPERS_H */
