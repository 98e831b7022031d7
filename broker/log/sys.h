/* SPDX-License-Identifier: MIT */
/*
 * sys.h — the storage's system-call layer: every call broker/log makes on
 * files, directories and mappings goes through one of these wrappers.
 * Each returns -errno instead of setting errno, and first asks a
 * process-wide fault hook whether to fail the call or shorten its length,
 * so tests can make fdatasync, rename, ftruncate, fallocate or mmap fail at
 * any point of an append, a roll, a recovery or a compaction (the same
 * scheme as libzcio's lib/fault.h, with the storage's own calls).
 */
#ifndef BROKER_LOG_SYS_H
#define BROKER_LOG_SYS_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum lsys_id {
	LSYS_OPEN,
	LSYS_CLOSE,
	LSYS_READ,
	LSYS_PREAD,
	LSYS_WRITE,
	LSYS_PWRITE,
	LSYS_FDATASYNC,
	LSYS_FSYNC,
	LSYS_RENAME,
	LSYS_UNLINK,
	LSYS_FTRUNCATE,
	LSYS_FALLOCATE,
	LSYS_MMAP,
	LSYS_MUNMAP,
	LSYS_MKDIR,
	LSYS_RMDIR,
	LSYS_OPENDIR,
	LSYS_FSTAT,
	LSYS_STAT,
	LSYS_SYNC_FILE_RANGE,
	LSYS__COUNT
};

/* What the hook decides for one call; zeroed = make the call. */
struct lsys_fault {
	int err;	/* > 0: fail with -err without making the call */
	size_t max_len; /* > 0: cap a read/write length (a short transfer) */
};

/* nth: calls of this id the hook saw before this one, from 0. */
typedef void (*lsys_fault_fn)(enum lsys_id id, uint64_t nth,
			      struct lsys_fault *f, void *arg);

/* Install (NULL: remove) the hook; resets the per-id counts. Tests only;
 * not thread-safe against calls made while it changes. */
void lsys_fault_set(lsys_fault_fn fn, void *arg);
/* Calls of id made since the last lsys_fault_set (counted with a hook). */
uint64_t lsys_calls(enum lsys_id id);
const char *lsys_name(enum lsys_id id);

int lsys_open(const char *path, int flags, unsigned mode);
int lsys_close(int fd);
ssize_t lsys_read(int fd, void *buf, size_t len);
ssize_t lsys_pread(int fd, void *buf, size_t len, off_t off);
ssize_t lsys_write(int fd, const void *buf, size_t len);
ssize_t lsys_pwrite(int fd, const void *buf, size_t len, off_t off);
int lsys_fdatasync(int fd);
int lsys_fsync(int fd);
int lsys_rename(const char *from, const char *to);
int lsys_unlink(const char *path);
int lsys_ftruncate(int fd, off_t len);
int lsys_fallocate(int fd, int mode, off_t off, off_t len);
/* *addr: the hint in, the mapping out. */
int lsys_mmap(void **addr, size_t len, int prot, int flags, int fd, off_t off);
int lsys_munmap(void *addr, size_t len);
int lsys_mkdir(const char *path, unsigned mode);
int lsys_rmdir(const char *path);
/* *out set on success; close with closedir(3). */
int lsys_opendir(const char *path, DIR **out);
int lsys_fstat(int fd, struct stat *st);
int lsys_stat(const char *path, struct stat *st);
int lsys_sync_file_range(int fd, off_t off, off_t len, unsigned flags);

/* Loops over short transfers and EINTR: 0 once all of buf is at off (or
 * appended, off < 0), -errno (-EIO for a write that made no progress). */
int lsys_pwrite_all(int fd, const void *buf, size_t len, off_t off);
/* Reads exactly len bytes at off: 0, -EBADMSG when the file ends first,
 * or -errno. */
int lsys_pread_all(int fd, void *buf, size_t len, off_t off);

#endif /* BROKER_LOG_SYS_H */
