/* SPDX-License-Identifier: MIT */
/*
 * net.c — the socket ends of zcp: parsing HOST:PORT, connecting (tcp:,
 * unix:) and accepting exactly one connection (tcp-listen:, unix-listen:).
 * Names go through getaddrinfo, so IPv4, IPv6 ("[::1]:9000") and host
 * names all work. AF_UNIX paths are described in unix(7).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zcp.h"

static int copy_part(char *dst, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static bool valid_port(const char *p)
{
	unsigned long v = 0;

	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return false;
	}
	return true;
}

int zcp_split_hostport(const char *s, bool allow_no_host, char *host,
		       size_t hlen, char *port, size_t plen)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':' ||
		    copy_part(host, hlen, s + 1, (size_t)(end - s - 1)))
			return -EINVAL;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			if (!allow_no_host)
				return -EINVAL;
			host[0] = '\0';
			colon = s - 1;
		} else if (copy_part(host, hlen, s, (size_t)(colon - s))) {
			return -EINVAL;
		}
		/* A bare IPv6 address needs brackets to carry a port. */
		if (strchr(host, ':'))
			return -EINVAL;
	}
	if (copy_part(port, plen, colon + 1, strlen(colon + 1)) ||
	    !valid_port(port))
		return -EINVAL;
	if (!host[0] && !allow_no_host)
		return -EINVAL;
	return 0;
}

static int resolve(const char *host, const char *port, bool passive,
		   struct addrinfo **res)
{
	struct addrinfo hints;
	int ret;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	ret = getaddrinfo(host && host[0] ? host : NULL, port, &hints, res);
	if (ret == EAI_SYSTEM)
		return -errno;
	if (ret == EAI_NONAME || ret == EAI_NODATA || ret == EAI_FAMILY ||
	    ret == EAI_FAIL || ret == EAI_AGAIN)
		return ZCP_ENONAME;
	return ret ? -EIO : 0;
}

int zcp_tcp_connect(const char *host, const char *port)
{
	struct addrinfo *res, *ai;
	int ret, fd, err = -ECONNREFUSED;

	ret = resolve(host, port, false, &res);
	if (ret)
		return ret;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		while ((ret = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 &&
		       errno == EINTR && !zcp_stop_signal())
			;
		if (ret == 0) {
			freeaddrinfo(res);
			return fd;
		}
		err = -errno;
		close(fd);
		if (zcp_stop_signal())
			break;
	}
	freeaddrinfo(res);
	return err;
}

static void print_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		port = ntohs(in->sin_port);
		fprintf(stderr, "zcp: listening on %s:%u\n", addr, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		port = ntohs(in6->sin6_port);
		fprintf(stderr, "zcp: listening on [%s]:%u\n", addr, port);
	}
	fflush(stderr);
}

static int listen_on(const struct addrinfo *ai)
{
	int one = 1, zero = 0, fd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" without a host should take IPv4 clients as well. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int accept_one(int lfd);

int zcp_tcp_accept_one(const char *host, const char *port)
{
	struct addrinfo *res, *ai;
	int ret, lfd = -EADDRNOTAVAIL;

	ret = resolve(host, port, true, &res);
	if (ret)
		return ret;
	for (ai = res; ai; ai = ai->ai_next) {
		lfd = listen_on(ai);
		if (lfd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (lfd < 0)
		return lfd;
	if (strcmp(port, "0") == 0)
		print_listening(lfd);
	return accept_one(lfd);
}

/* Accept one connection on lfd and close lfd. fd or -errno. */
static int accept_one(int lfd)
{
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		fd = -errno;
		if (zcp_stop_signal()) {
			fd = -EINTR;
			break;
		}
		/* A client that gave up before we took it is not our peer. */
		if (fd != -EINTR && fd != -ECONNABORTED)
			break;
	}
	close(lfd);
	return fd;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

int zcp_unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, ret = unix_addr(path, &sa);

	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while ((ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0 &&
	       errno == EINTR && !zcp_stop_signal())
		;
	if (ret < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* A socket file at path that nobody listens on (left by a killed run). */
static bool stale_socket(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	fd = zcp_unix_connect(path);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return fd == -ECONNREFUSED;
}

/*
 * Bind under a temporary name in the same directory, listen, then rename
 * to the final path: a client that sees the path can connect at once.
 */
static int unix_listen(const char *path)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path)];
	const char *slash = strrchr(path, '/');
	int fd, n, ret;

	ret = unix_addr(path, &sa);
	if (ret)
		return ret;
	n = snprintf(tmp, sizeof(tmp), "%.*s.zcp-sock-%ld",
		     slash ? (int)(slash - path + 1) : 0, path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp) || unix_addr(tmp, &sa))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* link(2) fails on an existing path, where rename(2) would replace a
	 * file somebody else owns. */
	ret = link(tmp, path) < 0 ? -errno : 0;
	if (ret == -EEXIST) {
		ret = -EADDRINUSE;
		if (stale_socket(path))
			ret = rename(tmp, path) < 0 ? -errno : 0;
	}
	unlink(tmp);
	if (ret)
		close(fd);
	return ret ? ret : fd;
}

int zcp_unix_accept_one(const char *path)
{
	int lfd = unix_listen(path), fd;

	if (lfd < 0)
		return lfd;
	zcp_signals_cleanup_path(path);
	fd = accept_one(lfd);
	unlink(path);
	zcp_signals_cleanup_path(NULL);
	return fd;
}
