/* SPDX-License-Identifier: MIT */
/*
 * disk.c — the seed's three ways a disk read completes, as far as user
 * space can choose them (zc_read_file): blocking page-cache reads (the task
 * sleeps until the completion interrupt), polled O_DIRECT reads through
 * io_uring IOPOLL, and O_DIRECT reads the device DMAs straight into the
 * user buffer. Always with a cold cache, or the disk would not be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

static enum zb_status read_once(struct zb_results *r, int mode,
				struct zb_cell *c)
{
	struct zc_stats st = {0};
	struct zb_span sp;
	char err[96];
	double res;
	ssize_t ret;
	int fd = open(r->src_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		zb_errtext(err, sizeof(err), -errno);
		snprintf(c->reason, sizeof(c->reason), "open: %s", err);
		return ZB_FAILED;
	}
	res = zb_drop_cache(fd, r->src_size);
	close(fd);
	if (res > c->resident)
		c->resident = res;
	zb_watchdog(r->src_size);
	zb_span_begin(&sp);
	ret = zc_read_file(r->src_path, (enum zc_read_mode)mode,
			   (size_t)r->src_size, 0, &st);
	zb_span_end(&sp);
	zb_watchdog(0);
	if (ret >= 0 && st.bytes == 0)
		st.bytes = (uint64_t)ret;
	if (ret == -EOPNOTSUPP && mode == ZC_READ_POLLED) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason),
			 "not available here: %s (polled I/O needs a device "
			 "with poll queues)",
			 err);
		return ZB_NA;
	}
	if (ret < 0) {
		zb_errtext(err, sizeof(err), (int)ret);
		snprintf(c->reason, sizeof(c->reason), "%s%s",
			 st.bytes ? "failed part-way: " : "", err);
		return st.bytes ? ZB_FAILED : ZB_NA;
	}
	if ((uint64_t)ret != r->src_size) {
		snprintf(c->reason, sizeof(c->reason),
			 "read %lld of %llu bytes", (long long)ret,
			 (unsigned long long)r->src_size);
		return ZB_FAILED;
	}
	zb_record(c, &st, &sp, zb_process_cpu() - sp.p0);
	return ZB_OK;
}

struct disk_job {
	struct zb_results *r;
	int mode;
};

static void disk_job(void *arg)
{
	struct disk_job *j = arg;
	struct zb_cell *c = &j->r->disk.mode[j->mode];

	memset(c, 0, sizeof(*c));
	for (int k = 0; k < j->r->cfg.reps; k++) {
		zb_progress("disk, cold cache, %s reads: run %d of %d",
			    zb_read_mode_name(j->mode), k + 1, j->r->cfg.reps);
		c->status = read_once(j->r, j->mode, c);
		if (c->status != ZB_OK)
			break;
	}
	if (c->status != ZB_OK)
		c->nruns = 0; /* n/a and FAILED are not measured */
	zb_summarise(c);
}

void zb_run_disk(struct zb_results *r)
{
	static const int order[ZB_READ_MODES] = {
	    ZC_READ_BLOCKING, ZC_READ_POLLED, ZC_READ_DIRECT};

	r->disk.run = true;
	for (int i = 0; i < ZB_READ_MODES; i++) {
		struct disk_job j = {r, order[i]};
		struct zb_cell *c = &r->disk.mode[order[i]];
		char why[ZB_REASON];

		/* A crash or a hang fails this mechanism only. */
		if (zb_isolated(disk_job, &j, c, sizeof(*c), why, sizeof(why)) <
		    0) {
			memset(c, 0, sizeof(*c));
			c->status = ZB_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s", why);
		}
		r->failures += c->status == ZB_FAILED;
	}
}
