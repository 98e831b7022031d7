/* SPDX-License-Identifier: MIT */
/*
 * recovery.c — making a partition trustworthy again after an unclean stop.
 *
 * Two small files in the partition directory say what can be trusted:
 *   .zcbroker_cleanshutdown   written by plog_close after everything was
 *                             flushed; removed (durably) when the log is
 *                             opened, so its presence means a clean stop.
 *   .zcbroker_recovery_point  an offset: every segment wholly below it was
 *                             fdatasync'ed (written after a roll's flush).
 * Without the marker, the segment holding the recovery point and every
 * later one go through seg_recover(); earlier segments are only checked
 * (index sanity, a header walk from the last index entry) and recovered
 * too if that fails.
 *
 * Invariants:
 *  1. Recovery truncates a segment to its last valid batch: a batch is
 *     valid when its header parses, it lies wholly in the file, its CRC
 *     matches, its base offset is exactly the previous batch's last + 1
 *     (or the segment's base), and it fits the i32 relative offsets.
 *  2. The indexes of a recovered segment are rebuilt from scratch with the
 *     same rule as appends (seg_note_batch), so they equal what a clean
 *     run would have written.
 *  3. The marker is removed before any append can happen, and that removal
 *     is made durable (directory fsync'ed).
 *  4. Marker and recovery point are replaced atomically (write a temporary
 *     file, fdatasync, rename, fsync the directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_int.h"
#include "sys.h"

int64_t seg_recover(struct seg *s, const struct log_config *cfg)
{
	struct batch_info bi, vi;
	const uint8_t *whole;
	struct bscan b;
	struct stat st;
	uint64_t pos = 0;
	int fd, ret;

	fd = ret = seg_fd(s);
	if (ret >= 0)
		ret = lsys_fstat(fd, &st);
	if (ret < 0)
		return ret;
	s->oi.n = s->ti.n = 0;
	ret = seg_activate(s, cfg); /* full-size indexes to rebuild into */
	if (ret < 0)
		return ret;
	s->size = 0;
	s->next = s->base;
	s->max_ts = -1;
	s->max_ts_off = s->base;
	s->since_index = 0;
	bscan_init(&b, fd, 0, (uint64_t)st.st_size);
	while ((ret = bscan_next(&b, &bi, &whole)) > 0) {
		if (batch_validate(whole, bi.size, UINT32_MAX, &vi) < 0)
			break;
		/* Our appends leave no gaps: anything else is damage (the
		 * BaseOffset field lies outside the CRC). The offsets must
		 * fit the i32 relative range and leave an i64 next offset. */
		if (bi.base_offset != s->next ||
		    bi.last_offset_delta > INT32_MAX - (s->next - s->base) ||
		    bi.last_offset_delta > INT64_MAX - 1 - s->next)
			break;
		seg_note_batch(s, pos, &bi, cfg->index_interval_bytes);
		pos += bi.size;
	}
	bscan_free(&b);
	if (ret < 0 && ret != -EBADMSG)
		return ret;
	if (pos < (uint64_t)st.st_size) {
		ret = lsys_ftruncate(fd, (off_t)pos);
		if (!ret)
			ret = lsys_fdatasync(fd);
		if (ret < 0)
			return ret;
	}
	return (int64_t)((uint64_t)st.st_size - pos);
}

int log_dir_sync(const char *dir)
{
	int fd = lsys_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	int ret;

	if (fd < 0)
		return fd;
	ret = lsys_fsync(fd);
	lsys_close(fd);
	return ret;
}

static int path_in(char *buf, size_t n, const char *dir, const char *name)
{
	int len = snprintf(buf, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* See log_int.h. */
int log_write_atomic(const char *dir, const char *name, const char *text)
{
	char p[4096], tmp[4200];
	size_t len = strlen(text);
	int fd, ret;

	ret = path_in(p, sizeof(p), dir, name);
	if (ret < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	fd = lsys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fd;
	ret = lsys_pwrite_all(fd, text, len, -1);
	if (!ret)
		ret = lsys_fdatasync(fd);
	lsys_close(fd);
	if (!ret)
		ret = lsys_rename(tmp, p);
	if (ret < 0) {
		(void)lsys_unlink(tmp);
		return ret;
	}
	return log_dir_sync(dir);
}

int recovery_take_marker(const char *dir, bool *clean)
{
	char p[4096];
	int ret = path_in(p, sizeof(p), dir, CLEAN_MARKER);

	if (ret < 0)
		return ret;
	ret = lsys_unlink(p);
	if (ret == 0) {
		*clean = true;
		return log_dir_sync(dir);
	}
	if (ret != -ENOENT)
		return ret;
	*clean = false;
	return 0;
}

int recovery_put_marker(const char *dir)
{
	return log_write_atomic(dir, CLEAN_MARKER, "clean\n");
}

int64_t recovery_point_read(const char *dir)
{
	return offset_file_read(dir, RECOVERY_FILE);
}

int64_t offset_file_read(const char *dir, const char *name)
{
	char p[4096], text[32];
	int64_t off = 0;
	ssize_t n;
	int fd;

	if (path_in(p, sizeof(p), dir, name) < 0)
		return 0;
	fd = lsys_open(p, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	n = lsys_read(fd, text, sizeof(text) - 1);
	lsys_close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%" SCNd64, &off) != 1 || off < 0)
		return 0; /* unreadable: trust nothing */
	return off;
}

int recovery_point_write(const char *dir, int64_t offset)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRId64 "\n", offset);
	return log_write_atomic(dir, RECOVERY_FILE, text);
}
