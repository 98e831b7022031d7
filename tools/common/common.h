/* SPDX-License-Identifier: MIT */
/*
 * common.h — small helpers shared by the command-line tools (zcp, zcbench):
 * size parsing ("4K", "1M", "2G"), human-readable sizes, rates and
 * durations, usage errors, a monotonic clock, the thread's resource usage,
 * and a
 * streaming JSON writer. Everything is prefixed tc_ and depends only on
 * libc (and, for the resource usage, the public zcio.h's struct zc_stats).
 */
#ifndef TC_COMMON_H
#define TC_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- sizes ------------------------------------------------------------ */

/*
 * Parse a byte count: decimal digits with an optional binary suffix
 * K, M, G, T, P (powers of 1024; lower case, "KB", "KiB" also accepted).
 * Returns 0 and stores *out, -EINVAL for a malformed string, -ERANGE when
 * the value does not fit in 64 bits.
 */
int tc_parse_size(const char *s, uint64_t *out);

/* "0 B", "512 B", "4.0 KiB", "1.50 GiB": buf is returned for convenience.
 * A buffer of TC_HUMAN_LEN bytes is always enough. */
#define TC_HUMAN_LEN 32
const char *tc_human_size(uint64_t bytes, char *buf, size_t len);

/* A rate in bytes per second, as "812 MiB/s". */
const char *tc_human_rate(double bytes_per_sec, char *buf, size_t len);

/* A duration, as "0.42s", "12s", "3m05s", "2h07m"; "--" if negative or
 * not finite (an unknown ETA). */
const char *tc_human_duration(double secs, char *buf, size_t len);

/* ---- clock ------------------------------------------------------------ */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tc_now_ns(void);

/* Nanoseconds as seconds. */
static inline double tc_ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- command lines ---------------------------------------------------- */

/* Exit status for a bad command line (0 success, 1 failure). */
#define TC_EXIT_USAGE 2

/* Print one line "TOOL: WHAT (try 'TOOL --help')" on stderr; returns
 * TC_EXIT_USAGE, for the caller to exit with. */
int tc_usage_error(const char *tool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int tc_usage_verror(const char *tool, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* ---- resource usage --------------------------------------------------- */

struct zc_stats;

/* This thread's usage now, in the struct zc_stats fields it maps to:
 * cpu_user_ns, cpu_sys_ns, vol_ctxsw, invol_ctxsw, minor_faults,
 * major_faults (getrusage(RUSAGE_THREAD)) and wall_ns (tc_now_ns()).
 * Every other field is 0. */
void tc_usage_now(struct zc_stats *st);

/* d = after - before, for the fields tc_usage_now fills; others 0. */
void tc_usage_diff(struct zc_stats *d, const struct zc_stats *before,
		   const struct zc_stats *after);

/* ---- JSON writer ------------------------------------------------------ */

/*
 * A streaming writer that emits one compact JSON value to a FILE. Inside an
 * object every value needs a key; inside an array pass key NULL. Nesting is
 * limited to TC_JSON_DEPTH levels; deeper calls are ignored and flagged in
 * `error` so the caller can notice.
 *
 *	struct tc_json j;
 *	tc_json_init(&j, stderr);
 *	tc_json_begin_object(&j, NULL);
 *	tc_json_str(&j, "method", "sendfile");
 *	tc_json_u64(&j, "bytes", 4096);
 *	tc_json_end_object(&j);
 *	tc_json_finish(&j);	(newline, flush; returns 0 or -EIO)
 */
#define TC_JSON_DEPTH 16
struct tc_json {
	FILE *f;
	int depth;
	bool error;
	bool need_comma[TC_JSON_DEPTH + 1];
};

void tc_json_init(struct tc_json *j, FILE *f);
void tc_json_begin_object(struct tc_json *j, const char *key);
void tc_json_end_object(struct tc_json *j);
void tc_json_begin_array(struct tc_json *j, const char *key);
void tc_json_end_array(struct tc_json *j);
void tc_json_str(struct tc_json *j, const char *key, const char *val);
void tc_json_u64(struct tc_json *j, const char *key, uint64_t val);
void tc_json_i64(struct tc_json *j, const char *key, int64_t val);
/* Non-finite values are written as null (JSON has no NaN/Inf). */
void tc_json_double(struct tc_json *j, const char *key, double val);
void tc_json_bool(struct tc_json *j, const char *key, bool val);
void tc_json_null(struct tc_json *j, const char *key);
/* Ends the document with a newline and flushes; 0, or -EIO if any write or
 * nesting error happened. */
int tc_json_finish(struct tc_json *j);

#endif /* TC_COMMON_H */
