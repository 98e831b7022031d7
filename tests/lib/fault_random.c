/* SPDX-License-Identifier: MIT */
/*
 * fault_random.c — random mixes of faults, reproducible from a seed.
 *
 * fault_sweep.c fails one kind of call at a time; here each run draws one
 * to three rules (EINTR, EAGAIN, short counts, a 0 return, EIO, EINVAL) on
 * random call kinds and call numbers, over random pairs and methods. The
 * invariants do not depend on the draw: a run with only harmless faults
 * (EINTR, EAGAIN, short counts) delivers everything; any run delivers an
 * exact prefix whose length stats.bytes reports, and for a file input the
 * position agrees. Set ZC_FAULT_SEED to replay a failing seed.
 */
#include "fault.h"
#include "helpers.h"

#include <string.h>
#include <unistd.h>

#define RUNS 600

static uint64_t rng;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t below(uint32_t n)
{
	return n ? next() % n : 0;
}

/* Calls that may block or move bytes: EINTR and EAGAIN are normal there. */
static const enum zc_sys_id soft_ids[] = {
    ZC_SYS_READ,     ZC_SYS_WRITE,   ZC_SYS_PREAD,	     ZC_SYS_PWRITE,
    ZC_SYS_SENDFILE, ZC_SYS_SPLICE,  ZC_SYS_COPY_FILE_RANGE, ZC_SYS_SEND,
    ZC_SYS_POLL,     ZC_SYS_RECVMSG, ZC_SYS_IO_URING_ENTER,
};
#define NSOFT (sizeof(soft_ids) / sizeof(soft_ids[0]))

static int is_data(enum zc_sys_id id)
{
	return id <= ZC_SYS_COPY_FILE_RANGE || id == ZC_SYS_SEND;
}

static void one_run(unsigned i)
{
	static const enum t_pair pairs[] = {T_FILE_FILE, T_FILE_SOCK,
					    T_SOCK_FILE, T_FILE_PIPE,
					    T_PIPE_FILE, T_FILE_TCP};
	enum t_pair p = pairs[below(6)];
	enum zc_method m = (enum zc_method)below(ZC_METHOD_COUNT);
	int harmless = 1, nrules = 1 + (int)below(3);
	uint32_t soft_used = 0; /* ids with an EINTR/EAGAIN rule */
	struct t_faults tf;
	struct t_run r;
	char what[160] = "";

	if (p == T_FILE_TCP)
		m = below(2) ? ZC_MSG_ZEROCOPY : ZC_AUTO;
	zc__reset_caches();
	t_run_init(&r, p, m, (int)below(4));
	/* file inputs start past `start`: keep some bytes after it */
	r.size = (uint64_t)r.start + 1 +
		 below(t_pair_stream_in(p) ? 120000 : 300000);
	r.chunk = below(2) ? 0 : 4096 + below(65536);
	t_faults_install(&tf);
	for (int k = 0; k < nrules; k++) {
		enum zc_sys_id id = soft_ids[below(NSOFT)];
		struct zc_fault f = {0};
		uint64_t nth = below(6), every = below(4);
		char one[48];

		switch (below(6)) {
		case 0:
			f.err = EINTR;
			break;
		case 1:
			/* "would block" where a descriptor can be
			 * non-blocking; elsewhere (pread of a file, poll) it
			 * is a plain error */
			f.err = EAGAIN;
			if (id == ZC_SYS_PREAD || id == ZC_SYS_PWRITE ||
			    id == ZC_SYS_COPY_FILE_RANGE || id == ZC_SYS_POLL)
				harmless = 0;
			break;
		case 2:
			f.max_len = 1 + below(8192);
			break;
		case 3:
			if (!is_data(id))
				continue;
			f.ret_zero = 1;
			harmless = 0;
			every = 0;
			break;
		case 4:
			f.err = EIO;
			harmless = 0;
			break;
		default:
			f.err = EINVAL;
			harmless = 0;
			break;
		}
		/* EINTR/EAGAIN must leave some calls of a kind through: one
		 * such rule per kind, never on every call (two rules could
		 * cover them all, and "always EAGAIN while poll says ready"
		 * exists on no real descriptor) */
		if (f.err == EINTR || f.err == EAGAIN) {
			if (soft_used & 1u << id)
				continue;
			soft_used |= 1u << id;
			if (every == 1)
				every = 2;
		}
		t_fault_add(&tf, (int)id, nth, every, f);
		snprintf(one, sizeof(one), " %s#%llu/%llu:%s", zc__sys_name(id),
			 (unsigned long long)nth, (unsigned long long)every,
			 f.err	     ? strerror(f.err)
			 : f.max_len ? "short"
				     : "zero");
		strncat(what, one, sizeof(what) - strlen(what) - 1);
	}
	t_run_xfer(&r);
	if (r.ret >= 0 && (uint64_t)r.ret == t_run_full(&r)) {
		t_run_expect(&r, t_run_full(&r), what);
	} else if (harmless && r.ret != -EINVAL && r.ret != -EOPNOTSUPP) {
		/* only EINTR/EAGAIN/short counts: nothing may fail (a method
		 * that refuses the pair outright is no fault of ours) */
		fprintf(stderr, "run %u %s [%s]: ret %zd after %llu bytes\n", i,
			t_run_label(&r), what, r.ret,
			(unsigned long long)r.st.bytes);
		t_failures++;
		free(r.out);
	} else if (r.out_len != r.st.bytes ||
		   (r.ret >= 0 && (uint64_t)r.ret != r.st.bytes) ||
		   !t_check_buf(r.out, r.out_len, r.seed, (uint64_t)r.start) ||
		   (!t_pair_stream_in(p) &&
		    r.in_pos != (long long)((uint64_t)r.start + r.st.bytes))) {
		fprintf(stderr,
			"run %u %s [%s]: ret %zd, output %zu, bytes %llu, "
			"in_pos %lld (start %lld)\n",
			i, t_run_label(&r), what, r.ret, r.out_len,
			(unsigned long long)r.st.bytes, r.in_pos,
			(long long)r.start);
		t_failures++;
		free(r.out);
	} else {
		free(r.out);
	}
}

int main(void)
{
	const char *env = getenv("ZC_FAULT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eedf00dULL;

	alarm(240);
	printf("seed %#llx (replay with ZC_FAULT_SEED)\n",
	       (unsigned long long)seed);
	fflush(stdout);
	rng = seed ? seed : 1;
	for (unsigned i = 0; i < RUNS; i++)
		one_run(i);
	zc__reset_caches();
	return t_result();
}
