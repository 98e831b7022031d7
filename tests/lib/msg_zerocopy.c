/* SPDX-License-Identifier: MIT */
/*
 * Description: ZC_MSG_ZEROCOPY, file -> TCP over loopback: every byte
 * checked at the reader, the completions accounted (over loopback the
 * kernel copies every byte, so zc_copied_bytes must equal the bytes sent),
 * explicit offsets and small windows, a non-blocking socket with a slow
 * reader, ENOBUFS injected with and without sends in flight (wait and
 * retry; plain send counted as a CPU copy), a closed peer, and the pairs
 * the method refuses before moving data (unix socket, pipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "zcio.h"

#define SEED 0x2c0b
#define SIZE ((9u << 20) + 4321)

static int in_fd;

static void run(const char *what, off_t off, size_t chunk, int nonblock,
		int faults, struct zc_stats *out)
{
	struct zc_options o = {.method = ZC_MSG_ZEROCOPY, .chunk_size = chunk};
	struct t_sink s = {0};
	struct zc_stats st;
	off_t pos = off;
	uint64_t want = SIZE - (uint64_t)off;
	int sk[2];
	ssize_t r;

	t_tcp_sink_pair(sk, &s, nonblock);
	lseek(in_fd, 0, SEEK_SET);
	r = zc_transfer_opts(sk[0], in_fd, off ? &pos : NULL, ZC_TO_EOF, &o,
			     &st);
	if (faults)
		t_faults_clear();
	if (r == -EOPNOTSUPP || r == -ENOSYS)
		t_skip("MSG_ZEROCOPY unavailable: %s", strerror((int)-r));
	close(sk[0]);
	t_sink_join(&s);
	CHECK_EQ(r, want);
	CHECK_EQ(st.bytes, want);
	CHECK_EQ(st.method, ZC_MSG_ZEROCOPY);
	CHECK_EQ(s.len, want);
	CHECK(t_check_buf(s.buf, s.len, SEED, (uint64_t)off));
	/* Loopback: the kernel copied whatever went out zero-copy. */
	CHECK_EQ(st.zc_copied_bytes + st.user_copy_bytes, want);
	if (off)
		CHECK_EQ(pos, SIZE);
	else
		CHECK_EQ(t_fpos(in_fd), SIZE);
	if (nonblock)
		CHECK(st.waits > 0);
	printf("%-18s %zd bytes, zc_copied %llu, plain %llu, %llu syscalls, "
	       "%u waits\n",
	       what, r, (unsigned long long)st.zc_copied_bytes,
	       (unsigned long long)st.user_copy_bytes,
	       (unsigned long long)st.syscalls, st.waits);
	if (out)
		*out = st;
	free(s.buf);
	close(sk[1]);
}

/* ENOBUFS on send number `nth`: with sends in flight the engine waits for
 * their completions and retries; on the first send it sends plainly. */
static void enobufs(uint64_t nth, int plain)
{
	struct t_faults t;
	struct t_rule *rule;
	struct zc_stats st;

	t_faults_install(&t);
	rule = t_fault_add(&t, ZC_SYS_SEND, nth, 0,
			   (struct zc_fault){.err = ENOBUFS});
	/* Non-blocking with a slow reader: sends stay in flight. */
	run(plain ? "enobufs-plain" : "enobufs-retry", 0, 0, !plain, 1, &st);
	CHECK_EQ(rule->hits, 1);
	if (plain)
		CHECK(st.user_copy_bytes > 0);
	else
		CHECK_EQ(st.user_copy_bytes, 0);
}

static void refused(void)
{
	int u[2], p[2];
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) ||
	    pipe2(p, O_CLOEXEC))
		t_fatal("socketpair/pipe");
	lseek(in_fd, 0, SEEK_SET);
	r = zc_transfer(u[0], in_fd, NULL, 4096, ZC_MSG_ZEROCOPY, NULL);
	CHECK_EQ(r, -EOPNOTSUPP);
	r = zc_transfer(p[1], in_fd, NULL, 4096, ZC_MSG_ZEROCOPY, NULL);
	CHECK_EQ(r, -EINVAL);
	CHECK_EQ(t_fpos(in_fd), 0);
	close(u[0]);
	close(u[1]);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const char *path = t_path("in");

	signal(SIGPIPE, SIG_DFL);
	if (t_create_file(path, SIZE, SEED))
		t_fatal("create %s", path);
	in_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0)
		t_fatal("open %s", path);
	run("plain", 0, 0, 0, 0, NULL);
	run("offset+64k-window", 5000, 64u << 10, 0, 0, NULL);
	run("nonblocking", 0, 0, 1, 0, NULL);
	enobufs(20, 0);
	enobufs(0, 1);
	refused();
	t_peer_closed(in_fd, SEED, ZC_MSG_ZEROCOPY);
	close(in_fd);
	return t_result();
}
