/* SPDX-License-Identifier: MIT */
/*
 * disk.c — the three ways a disk read completes, as far as user
 * space can choose them (zc_read_file): blocking page-cache reads (the task
 * sleeps until the completion interrupt), polled O_DIRECT reads through
 * io_uring IOPOLL, and O_DIRECT reads the device DMAs straight into the
 * user buffer. Always with a cold cache, or the disk would not be read.
 * Where the device has no poll queues the kernel refuses IOPOLL; the
 * polled row then measures what polling costs from user space
 * (ZC_READ_SPIN: the completion queue reaped by spinning on its tail
 * instead of sleeping in io_uring_enter), labelled so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

static enum zb_status read_once(struct zb_results *r, int mode,
				struct zb_cell *c, double t0)
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
	c->spent = zb_now() - t0;
	return ZB_OK;
}

struct disk_job {
	struct zb_results *r;
	int mode; /* the row */
	int how;  /* the zc_read_mode that measures it */
};

static void disk_job(void *arg)
{
	struct disk_job *j = arg;
	struct zb_cell *c = &j->r->disk.mode[j->mode];
	double t0 = zb_now();

	memset(c, 0, sizeof(*c));
	c->verified = true; /* reads: nothing arrives anywhere to check */
	while (!zb_enough(&j->r->cfg, c)) {
		zb_progress("disk, cold cache, %s reads: run %d",
			    zb_read_mode_name(j->mode), c->nruns + 1);
		c->status = read_once(j->r, j->how, c, t0);
		if (c->status != ZB_OK)
			break;
	}
	if (c->status != ZB_OK)
		c->nruns = 0; /* n/a and FAILED are not measured */
	c->settled = c->nruns && zb_spread(c) <= j->r->cfg.settle;
	zb_summarise(c);
}

void zb_run_disk(struct zb_results *r)
{
	static const int order[ZB_READ_MODES] = {
	    ZC_READ_BLOCKING, ZC_READ_POLLED, ZC_READ_DIRECT};

	ssize_t probe;
	char err[96];

	r->disk.run = true;
	/* One small polled read says whether the device takes IOPOLL. */
	probe = zc_read_file(r->src_path, ZC_READ_POLLED, 1 << 16, 0, NULL);
	if (probe == -EOPNOTSUPP) {
		zb_errtext(err, sizeof(err), (int)probe);
		snprintf(r->disk.polled_iopoll, sizeof(r->disk.polled_iopoll),
			 "%s", err);
		r->disk.polled_spin = true;
	}
	for (int i = 0; i < ZB_READ_MODES; i++) {
		struct disk_job j = {r, order[i], order[i]};

		if (order[i] == ZC_READ_POLLED && r->disk.polled_spin)
			j.how = ZC_READ_SPIN;
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
