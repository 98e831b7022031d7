/* SPDX-License-Identifier: MIT */
/*
 * disk.h — test hook of zc_read_file (disk.c). Not installed.
 *
 * zc_read_file discards what it reads. A test that wants to know the bytes
 * were the file's points zc__read_hash at a seed (t_hash_init) before the
 * call: every byte counted as read is then folded into it with FNV-1a 64,
 * the same function as the tests' t_hash(). Per thread; NULL (the
 * default) costs nothing.
 */
#ifndef ZC_DISK_H
#define ZC_DISK_H

#include <stdint.h>

extern _Thread_local uint64_t *zc__read_hash;

#endif /* ZC_DISK_H */
