/* SPDX-License-Identifier: MIT */
/*
 * zc-send.c — one file sent over TCP again and again with one libzcio
 * method, for bench/zc-send-veth.sh.
 *
 *   zc-send --listen PORT [--cpu N]
 *       accept connections; drain each in the kernel (recv MSG_TRUNC
 *       copies nothing) until it ends. Runs until killed.
 *   zc-send --to HOST:PORT --file PATH --method NAME [--secs S] [--cpu N]
 *       send PATH whole, over and over, for S seconds (default 3) with
 *       zc_transfer(METHOD); print one line:
 *       method=M MiBps=R cpu_s_per_GiB=C syscalls_per_MiB=N zc_copied_pct=P
 *       (CPU: the sending thread; zc_copied: what the kernel reported it
 *       copied after all, for msg-zerocopy and io-uring-zc).
 *   Exit status 77 when the method is not supported here.
 */
#define PROG "zc-send"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "zcio.h"

static void *drain(void *arg)
{
	int fd = (int)(intptr_t)arg;

	while (recv(fd, NULL, 1 << 20, MSG_TRUNC) > 0)
		;
	close(fd);
	return NULL;
}

static int listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	pthread_t th;

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16))
		die("listen :%d: %s", port, strerror(errno));
	printf("listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int s = accept(l, NULL, NULL);

		if (s < 0)
			continue;
		if (pthread_create(&th, NULL, drain, (void *)(intptr_t)s))
			die("pthread_create failed");
		pthread_detach(th);
	}
}

static int send_for(const char *to, const char *path, const char *mname,
		    double secs)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(to, ':');
	int m = zc_method_from_name(mname), in, s;
	uint64_t bytes = 0, calls = 0, copied = 0;
	double t0, t, cpu = 0;
	struct zc_stats st;
	off_t off;
	ssize_t r;

	if (m < 0 || !colon || (size_t)(colon - to) >= sizeof(host))
		die("bad --method or --to");
	snprintf(host, sizeof(host), "%.*s", (int)(colon - to), to);
	a.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("bad host %s", host);
	in = open(path, O_RDONLY | O_CLOEXEC);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (in < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		die("%s / %s: %s", path, to, strerror(errno));
	t0 = now_s();
	do {
		off = 0;
		r = zc_transfer(s, in, &off, ZC_TO_EOF, (enum zc_method)m, &st);
		if (r == -EOPNOTSUPP || r == -ENOSYS || r == -EINVAL) {
			printf("method=%s unsupported: %s\n", mname,
			       strerror((int)-r));
			return 77;
		}
		if (r <= 0)
			die("%s: %s", mname, r ? strerror((int)-r) : "0 bytes");
		bytes += st.bytes;
		calls += st.syscalls;
		copied += st.zc_copied_bytes;
		cpu += (st.cpu_user_ns + st.cpu_sys_ns) / 1e9;
		t = now_s() - t0;
	} while (t < secs);
	printf("method=%s MiBps=%.1f cpu_s_per_GiB=%.4f syscalls_per_MiB=%.2f "
	       "zc_copied_pct=%.1f\n",
	       mname, bytes / 1048576.0 / t, cpu / (bytes / 1073741824.0),
	       calls / (bytes / 1048576.0), 100.0 * copied / bytes);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *to = NULL, *file = NULL, *method = NULL;
	int port = -1, cpu = -1;
	double secs = 3;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--to"))
			to = argv[i + 1];
		else if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
		else if (!strcmp(argv[i], "--method"))
			method = argv[i + 1];
		else if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
		else
			die("unknown option %s", argv[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	pin_cpu(cpu);
	if (port >= 0)
		return listen_on(port);
	if (!to || !file || !method)
		die("usage: zc-send --listen PORT | --to HOST:PORT --file PATH "
		    "--method NAME [--secs S] [--cpu N]");
	return send_for(to, file, method, secs);
}
