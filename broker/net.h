/* SPDX-License-Identifier: MIT */
/*
 * net.h — socket boilerplate for the broker: parse HOST:PORT, listen,
 * accept non-blocking sockets with TCP_NODELAY.
 */
#ifndef BROKER_NET_H
#define BROKER_NET_H

#include <stddef.h>

/* Split "HOST:PORT" (IPv6 as "[::1]:9092"); an empty host is 0.0.0.0.
 * Returns 0 or -EINVAL. */
int net_parse_hostport(const char *s, char *host, size_t hostcap, int *port);

/* A non-blocking listening TCP socket; *port gets the bound port (useful
 * with port 0). Returns the fd or -errno. */
int net_listen(const char *host, int *port, int backlog);

/* Accept one connection (non-blocking, close-on-exec, TCP_NODELAY);
 * peer gets "ip:port". Returns the fd, -EAGAIN when none is waiting, or
 * another -errno. */
int net_accept(int lfd, char *peer, size_t peercap);

/* The local address of connected socket fd, as text (no port). 0 or
 * -errno. */
int net_local_addr(int fd, char *host, size_t cap);

#endif /* BROKER_NET_H */
