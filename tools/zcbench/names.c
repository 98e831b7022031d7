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

/* Built from the library's table, so a method it adds is benchmarked
 * without a change here. */
static enum zc_method order[ZC_METHOD_COUNT];
static bool ordered;

static void make_order(void)
{
	int n = 0;

	order[n++] = ZC_READ_WRITE;
	for (int m = 0; m < ZC_METHOD_COUNT; m++)
		if (m != ZC_READ_WRITE && m != ZC_AUTO)
			order[n++] = (enum zc_method)m;
	order[n] = ZC_AUTO;
	ordered = true;
}

enum zc_method zb_method_at(int i)
{
	if (!ordered)
		make_order();
	return i >= 0 && i < ZC_METHOD_COUNT ? order[i] : ZC_AUTO;
}

const char *zb_method_list(void)
{
	static char list[40 * ZC_METHOD_COUNT];
	size_t len = 0;

	for (int i = 0; i < ZC_METHOD_COUNT && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "",
					zc_method_name(zb_method_at(i)));
	return list;
}

static const char *const scen_names[ZB_SCENARIO_COUNT] = {
    [ZB_FILE_TCP] = "file-tcp",	  [ZB_FILE_VETH] = "file-veth",
    [ZB_FILE_FILE] = "file-file", [ZB_FILE_PIPE] = "file-pipe",
    [ZB_TCP_FILE] = "tcp-file",
};

static const char *const scen_titles[ZB_SCENARIO_COUNT] = {
    [ZB_FILE_TCP] = "file -> TCP socket (loopback)",
    [ZB_FILE_VETH] = "file -> TCP socket across a veth pair (MTU 1500, "
		     "two network namespaces)",
    [ZB_FILE_FILE] = "file -> file (same filesystem)",
    [ZB_FILE_PIPE] = "file -> pipe",
    [ZB_TCP_FILE] = "TCP socket (loopback) -> file",
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
