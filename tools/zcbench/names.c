/* SPDX-License-Identifier: MIT */
/*
 * names.c — the names zcbench prints and parses: scenarios, cache states,
 * read mechanisms, metric keys and error codes.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

const struct zb_metric_info zb_metrics[ZB_METRIC_COUNT] = {
    [ZB_M_MIBS] = {"throughput_mib_s", "MiB/s"},
    [ZB_M_WALL] = {"wall_s", "s"},
    [ZB_M_USER] = {"cpu_user_s_per_gib", "s/GiB"},
    [ZB_M_SYS] = {"cpu_sys_s_per_gib", "s/GiB"},
    [ZB_M_CPU] = {"cpu_s_per_gib", "s/GiB"},
    [ZB_M_SIDE] = {"sender_side_cpu_s_per_gib", "s/GiB"},
    [ZB_M_SYSCALLS] = {"syscalls_per_gib", "1/GiB"},
    [ZB_M_VCSW] = {"vol_ctxsw_per_gib", "1/GiB"},
    [ZB_M_IVCSW] = {"invol_ctxsw_per_gib", "1/GiB"},
    [ZB_M_MINFLT] = {"minor_faults_per_gib", "1/GiB"},
    [ZB_M_MAJFLT] = {"major_faults_per_gib", "1/GiB"},
    [ZB_M_UCOPY] = {"user_copy_bytes_per_gib", "B/GiB"},
    [ZB_M_KCOPY] = {"zc_copied_bytes_per_gib", "B/GiB"},
    [ZB_M_BYTES] = {"bytes", "B"},
};

const enum zc_method zb_method_order[ZC_METHOD_COUNT] = {
    ZC_READ_WRITE,	ZC_MMAP_WRITE, ZC_SENDFILE, ZC_SPLICE,
    ZC_COPY_FILE_RANGE, ZC_DIRECT_IO,  ZC_IO_URING, ZC_MSG_ZEROCOPY,
    ZC_IO_URING_ZC,	ZC_AUTO,
};

static const char *const scen_names[ZB_SCENARIO_COUNT] = {
    [ZB_FILE_TCP] = "file-tcp",
    [ZB_FILE_FILE] = "file-file",
    [ZB_FILE_PIPE] = "file-pipe",
    [ZB_TCP_FILE] = "tcp-file",
};

static const char *const scen_titles[ZB_SCENARIO_COUNT] = {
    [ZB_FILE_TCP] = "file -> TCP socket (loopback, receiver thread)",
    [ZB_FILE_FILE] = "file -> file (same filesystem)",
    [ZB_FILE_PIPE] = "file -> pipe (reader thread)",
    [ZB_TCP_FILE] = "TCP socket (loopback, sender thread) -> file",
};

const char *zb_scenario_name(enum zb_scenario s)
{
	return s < ZB_SCENARIO_COUNT ? scen_names[s] : "unknown";
}

const char *zb_scenario_title(enum zb_scenario s)
{
	return s < ZB_SCENARIO_COUNT ? scen_titles[s] : "unknown";
}

int zb_scenario_from_name(const char *name)
{
	for (int i = 0; i < ZB_SCENARIO_COUNT; i++)
		if (strcmp(name, scen_names[i]) == 0)
			return i;
	return -1;
}

const char *zb_cache_name(enum zb_cache c)
{
	return c == ZB_WARM ? "warm" : "cold";
}

const char *zb_read_mode_name(int mode)
{
	switch (mode) {
	case ZC_READ_BLOCKING:
		return "blocking";
	case ZC_READ_POLLED:
		return "polled";
	case ZC_READ_DIRECT:
		return "direct";
	}
	return "unknown";
}

void zb_errtext(char *buf, size_t len, int neg_errno)
{
	int e = -neg_errno;
	const char *name = strerrorname_np(e);

	snprintf(buf, len, "-%s: %s", name ? name : "E?", strerror(e));
}
