/* SPDX-License-Identifier: MIT */
/*
 * report.c — the --stats line and the --json object printed on stderr after
 * a successful transfer: the method that moved the data, bytes, seconds,
 * rate, system calls, user-space copy bytes, CPU user/system seconds and
 * context switches, all from struct zc_stats.
 */
#include <inttypes.h>
#include <stdio.h>

#include "common.h"
#include "zcp.h"

static double seconds(const struct zcp_report *r)
{
	return tc_ns_to_s(r->wall_ns);
}

static double rate(const struct zcp_report *r)
{
	double s = seconds(r);

	return s > 0 ? (double)r->st.bytes / s : 0;
}

void zcp_report_text(const struct zcp_report *r)
{
	char size[TC_HUMAN_LEN], bps[TC_HUMAN_LEN];
	const struct zc_stats *st = &r->st;

	fprintf(stderr,
		"zcp: stats: method=%s bytes=%" PRIu64 " (%s) seconds=%.6f "
		"rate=%s syscalls=%" PRIu64 " user_copy_bytes=%" PRIu64
		" cpu_user=%.6f cpu_sys=%.6f ctxsw_vol=%" PRIu64
		" ctxsw_invol=%" PRIu64 " fallbacks=%" PRIu32 "\n",
		r->method, st->bytes,
		tc_human_size(st->bytes, size, sizeof(size)), seconds(r),
		tc_human_rate(rate(r), bps, sizeof(bps)), st->syscalls,
		st->user_copy_bytes, tc_ns_to_s(st->cpu_user_ns),
		tc_ns_to_s(st->cpu_sys_ns), st->vol_ctxsw, st->invol_ctxsw,
		st->fallbacks);
	fflush(stderr);
}

void zcp_report_json(const struct zcp_report *r)
{
	const struct zc_stats *st = &r->st;
	struct tc_json j;

	tc_json_init(&j, stderr);
	tc_json_begin_object(&j, NULL);
	tc_json_str(&j, "src", r->src);
	tc_json_str(&j, "dst", r->dst);
	tc_json_str(&j, "method", r->method);
	tc_json_u64(&j, "bytes", st->bytes);
	tc_json_double(&j, "seconds", seconds(r));
	tc_json_double(&j, "rate_bytes_per_s", rate(r));
	tc_json_u64(&j, "syscalls", st->syscalls);
	tc_json_u64(&j, "user_copy_bytes", st->user_copy_bytes);
	tc_json_double(&j, "cpu_user_s", tc_ns_to_s(st->cpu_user_ns));
	tc_json_double(&j, "cpu_sys_s", tc_ns_to_s(st->cpu_sys_ns));
	tc_json_u64(&j, "vol_ctxsw", st->vol_ctxsw);
	tc_json_u64(&j, "invol_ctxsw", st->invol_ctxsw);
	tc_json_u64(&j, "fallbacks", st->fallbacks);
	tc_json_u64(&j, "waits", st->waits);
	tc_json_u64(&j, "minor_faults", st->minor_faults);
	tc_json_u64(&j, "major_faults", st->major_faults);
	tc_json_u64(&j, "zc_copied_bytes", st->zc_copied_bytes);
	tc_json_end_object(&j);
	tc_json_finish(&j);
}
