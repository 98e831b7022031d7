/* SPDX-License-Identifier: MIT */
/*
 * net.c — a NIC-like path for the file -> TCP scenario. Loopback hands
 * each segment from the sender's socket to the receiver's without a
 * device; a veth pair (veth(4)) is a device with an MTU, a queue and the
 * receive path of a real NIC, so the sender's bytes are cut into 1500-byte
 * frames and cross it as they would leave a machine. The two ends live in
 * network namespaces of their own (network_namespaces(7)), made with
 * ip-netns(8) and joined with setns(2) only while a socket is created: a
 * socket stays in the namespace it was made in. The addresses exist inside
 * the namespaces only, so the host's network is untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "peer.h"

#define ADDR_A "10.211.0.1"
#define ADDR_B "10.211.0.2"

/* Made before the namespaces exist, so a signal handler only unlinks. */
static char ns_path[2][64];
static char ns_name[2][32];

void zb_net_down(void)
{
	for (int i = 0; i < 2; i++) {
		if (!ns_path[i][0])
			continue;
		/* What `ip netns delete` does: the bind mount holds the
		 * namespace; with it and every socket gone, so is the veth. */
		umount2(ns_path[i], MNT_DETACH);
		unlink(ns_path[i]);
	}
}

/* Run ip(8) with the given arguments. 0, or -1 with why set. */
static int ip(struct zb_net *n, const char *const *argv)
{
	int r = zb_run_cmd((char *const *)argv);

	if (r == -ENOENT)
		snprintf(n->why, sizeof(n->why), "ip(8) not available");
	else if (r < 0)
		snprintf(n->why, sizeof(n->why), "'ip %s %s %s %s' failed",
			 argv[1], argv[2], argv[3] ? argv[3] : "",
			 argv[3] && argv[4] ? argv[4] : "");
	return r < 0 ? -1 : 0;
}

int zb_net_up(struct zb_net *n)
{
	char va[16], vb[16];
	int pid = (int)getpid();

	n->up = false;
	n->fd_a = n->fd_b = -1;
	if (geteuid() != 0) {
		snprintf(n->why, sizeof(n->why),
			 "needs root (network namespaces and a veth pair)");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(ns_name[i], sizeof(ns_name[i]), "zcbench-%c-%d",
			 'a' + i, pid);
		snprintf(ns_path[i], sizeof(ns_path[i]), "/run/netns/%s",
			 ns_name[i]);
	}
	snprintf(va, sizeof(va), "zcba%d", pid % 10000000);
	snprintf(vb, sizeof(vb), "zcbb%d", pid % 10000000);
	const char *const a = ns_name[0], *const b = ns_name[1];
	const char *const steps[][12] = {
	    {"ip", "netns", "add", a, NULL},
	    {"ip", "netns", "add", b, NULL},
	    {"ip", "-n", a, "link", "add", va, "type", "veth", "peer", "name",
	     vb, NULL},
	    {"ip", "-n", a, "link", "set", vb, "netns", b, NULL},
	    {"ip", "-n", a, "addr", "add", ADDR_A "/30", "dev", va, NULL},
	    {"ip", "-n", b, "addr", "add", ADDR_B "/30", "dev", vb, NULL},
	    {"ip", "-n", a, "link", "set", va, "mtu", "1500", "up", NULL},
	    {"ip", "-n", b, "link", "set", vb, "mtu", "1500", "up", NULL},
	    {"ip", "-n", a, "link", "set", "lo", "up", NULL},
	    {"ip", "-n", b, "link", "set", "lo", "up", NULL},
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (ip(n, steps[i]) < 0)
			goto fail;
	n->fd_a = open(ns_path[0], O_RDONLY | O_CLOEXEC);
	n->fd_b = open(ns_path[1], O_RDONLY | O_CLOEXEC);
	if (n->fd_a < 0 || n->fd_b < 0) {
		snprintf(n->why, sizeof(n->why), "open %s: %s", ns_path[0],
			 strerror(errno));
		goto fail;
	}
	n->up = true;
	return 0;
fail:
	if (n->fd_a >= 0)
		close(n->fd_a);
	if (n->fd_b >= 0)
		close(n->fd_b);
	n->fd_a = n->fd_b = -1;
	zb_net_down();
	return -1;
}

/* A TCP socket made in the namespace `ns`; the thread returns to `home`. */
static int socket_in(int ns, int home)
{
	int s, err;

	if (setns(ns, CLONE_NEWNET) < 0)
		return -errno;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	err = s < 0 ? -errno : 0;
	if (setns(home, CLONE_NEWNET) < 0) {
		/* A thread stuck in the wrong namespace would measure the
		 * wrong path from now on: give up on this run. */
		if (s >= 0)
			close(s);
		return -errno;
	}
	return s < 0 ? err : s;
}

int zb_net_pair(const struct zb_net *n, int fds[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int home, ls = -1, c = -1, s = -1, err = 0;

	if (!n->up)
		return -ENETDOWN;
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	ls = socket_in(n->fd_b, home);
	c = socket_in(n->fd_a, home);
	if (ls < 0 || c < 0) {
		err = ls < 0 ? ls : c;
		goto out;
	}
	inet_pton(AF_INET, ADDR_B, &a.sin_addr);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &alen) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = -errno;
		goto out;
	}
	s = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		err = -errno;
out:
	close(home);
	if (ls >= 0)
		close(ls);
	if (err) {
		if (c >= 0)
			close(c);
		return err;
	}
	fds[0] = c;
	fds[1] = s;
	return 0;
}
