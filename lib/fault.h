/* SPDX-License-Identifier: MIT */
/*
 * fault.h — fault injection into libzcio's system-call layer, for tests.
 *
 * Not part of the public interface (it is not installed), but linked into
 * libzcio.a so that test programs can drive it. A hook installed with
 * zc__fault_set() is asked about every wrapped call before it is made and
 * may make it fail, return 0, or move fewer bytes than asked.
 *
 * The hook is process-wide; set it from the test's main thread before the
 * transfer under test and clear it (NULL) afterwards.
 */
#ifndef ZC_FAULT_H
#define ZC_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* What the hook decides for one call; zero-initialised = "make the call". */
struct zc_fault {
	int err;	/* > 0: return -err without making the call */
	int ret_zero;	/* non-zero: return 0 without making the call */
	size_t max_len; /* > 0: cap the length argument (a short transfer) */
};

/* nth: how many calls of this id the hook has seen before, from 0. */
typedef void (*zc_fault_fn)(enum zc_sys_id id, uint64_t nth, struct zc_fault *f,
			    void *arg);

/* Install (or with NULL remove) the hook; resets the per-id call counts. */
void zc__fault_set(zc_fault_fn fn, void *arg);

/* Forget process-wide "unsupported" caches (ENOSYS/EPERM latches), so one
 * test's injected ENOSYS does not change the next test's choice. */
void zc__reset_caches(void);

#endif /* ZC_FAULT_H */
