/* SPDX-License-Identifier: MIT */
/*
 * fault_sweep.c — every wrapped call of every engine, failed in turn.
 *
 * For each pair and method that works, a clean run counts the calls made
 * per kind (read, mmap, fcntl, pipe2, io_uring_enter...). Then each kind
 * that was called fails with EIO and with EINVAL, on its first call, on a
 * middle one, on its last one and on all of them. Whatever happens, the
 * transfer either completes with every byte, or fails with exactly
 * stats.bytes delivered as a true prefix (and the input position in step
 * for a file); and it leaves no descriptor behind. Under ASan this also
 * walks every error path for leaks and bad frees.
 *
 * A clean run that does not move everything is a failure, except where the
 * method cannot serve the pair: it must then refuse before moving a byte,
 * and either zc_method_check() predicts that very refusal for descriptors
 * of the same kinds (the method does not serve such a pair), or the error
 * says this machine lacks the call (-ENOSYS, -EOPNOTSUPP, -EPERM). Each is
 * printed with its reason. The read-write baseline and AUTO serve every
 * pair, always.
 */
#include "fault.h"
#include "helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Open descriptors of the process. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own */
}

static unsigned runs, completed, failed, swept, refused;

/* What zc_method_check() says of m for descriptors of the pair's kinds. */
static int predicted(enum t_pair p, enum zc_method m)
{
	int file = t_open_dst("predict"), sv[2] = {-1, -1}, in, out, ret;
	int e = p == T_FILE_TCP ? t_tcp_pair(sv)
		: p == T_FILE_PIPE
		    ? pipe2(sv, O_CLOEXEC)
		    : socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);

	if (e < 0)
		t_fatal("stream pair");
	in = t_pair_stream_in(p) ? sv[0] : file;
	out = p == T_FILE_FILE ? file : p == T_FILE_PIPE ? sv[1] : sv[0];
	if (p == T_FILE_FILE) {
		out = t_open_dst("predict.out");
		ret = zc_method_check(out, in, m);
		close(out);
	} else {
		ret = zc_method_check(out, in, m);
	}
	close(file);
	close(sv[0]);
	close(sv[1]);
	return ret;
}

/*
 * A clean run of m on p that did not move everything: a named refusal
 * (returns 1: not swept), or a failure (counted; returns 0).
 */
static int not_served(struct t_run *b, enum t_pair p, enum zc_method m)
{
	int want = predicted(p, m);
	const char *why = NULL;

	if (b->ret < 0 && b->st.bytes == 0 && b->out_len == 0 &&
	    m != ZC_READ_WRITE && m != ZC_AUTO) {
		if (want < 0 && want == b->ret)
			why = "the method does not serve such a pair "
			      "(zc_method_check agrees)";
		else if (b->ret == -ENOSYS || b->ret == -EOPNOTSUPP ||
			 b->ret == -EPERM)
			why = "this machine cannot serve it";
	}
	if (why) {
		printf("not swept: %s: %s: %s\n", t_run_label(b),
		       strerror((int)-b->ret), why);
		refused++;
		return 1;
	}
	fprintf(stderr,
		"%s: clean run returned %zd after %llu bytes (%zu out; "
		"zc_method_check says %d)\n",
		t_run_label(b), b->ret, (unsigned long long)b->st.bytes,
		b->out_len, want);
	t_failures++;
	return 0;
}

static void one(enum t_pair p, enum zc_method m, enum zc_sys_id id,
		uint64_t nth, uint64_t every, int err)
{
	struct t_faults tf;
	struct t_run r;
	char what[96];
	int before, after;

	zc__reset_caches(); /* no latch from the last run; pool emptied */
	before = count_fds();
	t_run_init(&r, p, m, (int)nth);
	r.size = t_pair_stream_in(p) ? 50001 : 70001;
	r.chunk = 16384;
	t_faults_install(&tf);
	t_fault_add(&tf, (int)id, nth, every, (struct zc_fault){.err = err});
	t_run_xfer(&r);
	zc__reset_caches();
	after = count_fds();
	runs++;
	snprintf(what, sizeof(what), "%s on %s #%llu%s", strerror(err),
		 zc__sys_name(id), (unsigned long long)nth,
		 every ? " and after" : "");
	if (r.ret >= 0) {
		completed++;
		CHECK_EQ(r.ret, t_run_full(&r));
		t_run_expect(&r, t_run_full(&r), what);
	} else if (t_pair_stream_in(p) || id == ZC_SYS_LSEEK) {
		/* A stream's bytes in flight are lost with the error, and a
		 * failed lseek cannot store the position: the output alone
		 * must still be an exact prefix. */
		failed++;
		if (r.out_len != r.st.bytes ||
		    !t_check_buf(r.out, r.out_len, r.seed, (uint64_t)r.start)) {
			fprintf(stderr,
				"%s [%s]: ret %zd, output %zu, bytes %llu\n",
				t_run_label(&r), what, r.ret, r.out_len,
				(unsigned long long)r.st.bytes);
			t_failures++;
		}
		free(r.out);
	} else {
		failed++;
		t_run_expect(&r, r.st.bytes, what);
	}
	/* an injected close failure keeps the descriptor by design */
	if (id != ZC_SYS_CLOSE && after != before) {
		fprintf(stderr, "%s [%s]: %d descriptors before, %d after\n",
			t_run_label(&r), what, before, after);
		t_failures++;
	}
}

int main(void)
{
	static const enum t_pair pairs[] = {
	    T_FILE_FILE, T_FILE_SOCK, T_SOCK_FILE, T_FILE_PIPE, T_FILE_TCP};
	static const int errs[] = {EIO, EINVAL};

	alarm(240);
	for (unsigned pi = 0; pi < sizeof(pairs) / sizeof(pairs[0]); pi++) {
		for (int m = 0; m < ZC_METHOD_COUNT; m++) {
			enum t_pair p = pairs[pi];
			struct t_faults tf;
			struct t_run base;
			uint64_t calls[ZC_SYS__COUNT];

			if (p == T_FILE_TCP && m != ZC_MSG_ZEROCOPY)
				continue; /* TCP only for what needs it */
			zc__reset_caches();
			t_run_init(&base, p, (enum zc_method)m, 0);
			base.size = t_pair_stream_in(p) ? 50001 : 70001;
			base.chunk = 16384;
			t_faults_install(&tf);
			t_run_xfer(&base);
			memcpy(calls, tf.calls, sizeof(calls));
			if (base.ret != (ssize_t)t_run_full(&base)) {
				not_served(&base, p, (enum zc_method)m);
				free(base.out);
				continue;
			}
			t_run_expect(&base, t_run_full(&base), "clean run");
			swept++;
			for (int id = 0; id < ZC_SYS__COUNT; id++) {
				uint64_t n = calls[id];
				uint64_t at[3] = {0, n / 2, n - 1};

				if (n == 0)
					continue;
				for (int e = 0; e < 2; e++) {
					for (int k = 0; k < 3; k++)
						if (k == 0 ||
						    at[k] != at[k - 1])
							one(p,
							    (enum zc_method)m,
							    (enum zc_sys_id)id,
							    at[k], 0, errs[e]);
					one(p, (enum zc_method)m,
					    (enum zc_sys_id)id, 0, 1, errs[e]);
				}
			}
		}
	}
	printf("%u pairs swept, %u not served (named above); %u faulted runs: "
	       "%u completed anyway, %u failed cleanly\n",
	       swept, refused, runs, completed, failed);
	return t_result();
}
