/* SPDX-License-Identifier: MIT */
/*
 * net.c — the TCP ends of zcp: parsing HOST:PORT, connecting (tcp:) and
 * accepting exactly one connection (tcp-listen:). Names go through
 * getaddrinfo, so IPv4, IPv6 ("[::1]:9000") and host names all work.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
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

int zcp_tcp_accept_one(const char *host, const char *port)
{
	struct addrinfo *res, *ai;
	int ret, lfd = -EADDRNOTAVAIL, fd;

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
