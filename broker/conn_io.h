/* SPDX-License-Identifier: MIT */
/*
 * conn_io.h — how a connection moves its bytes: the transport under
 * conn.c. Plaintext (conn_io.c) reads with recv(2), writes memory with
 * sendmsg(2) and segment slices through a libzcio prepared pair; TLS
 * (conn_tls.c) drives the handshake from the loop and reads and writes
 * through OpenSSL, sending slices with sendfile(2) where the kernel
 * encrypts them (kernel TLS), else through SSL_write.
 *
 * conn.c keeps the logical interest of a connection (EV_READ: it wants
 * input, EV_WRITE: output is stuck) and asks the transport which epoll
 * events stand for it: a TLS read can wait for the socket to become
 * writable (and a write for it to become readable), and a handshake
 * wants what OpenSSL asked for, whatever the connection wants.
 */
#ifndef BROKER_CONN_IO_H
#define BROKER_CONN_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct blisten;
struct conn;
struct obuf;
struct tls_config;

/* How fetched segment bytes left, counted per listener (blisten). */
enum conn_path {
	CONN_PATH_ZC,	     /* libzcio on a plaintext socket (sendfile) */
	CONN_PATH_KTLS,	     /* the same on a kernel TLS socket */
	CONN_PATH_SSL_WRITE, /* read from the file, then SSL_write */
	CONN_PATHS,
};

struct conn_io {
	/* Up to len bytes of input: > 0, 0 at its end, -EAGAIN, -errno
	 * (-EPROTO: refused, logged by the transport). */
	ssize_t (*recv)(struct conn *c, void *buf, size_t len);
	/* Bytes of iov written (> 0), -EAGAIN or -errno. `more`: a file
	 * slice follows (hold a small write back for it). */
	ssize_t (*sendv)(struct conn *c, const struct iovec *iov, int n,
			 bool more);
	/* Up to `want` bytes of slice o from o->pos, which advances by what
	 * was sent: > 0, 0 when the file ended early, -EAGAIN, -errno. */
	ssize_t (*send_slice)(struct conn *c, struct obuf *o, size_t want);
	/* Input the transport holds already (decrypted or read ahead): it
	 * must be read without waiting for an epoll event. */
	bool (*pending)(const struct conn *c);
	/* The epoll mask that stands for the logical interest `want`. */
	unsigned (*events)(const struct conn *c, unsigned want);
	/* The events that fired, as the connection should see them; 0 when
	 * the transport used them itself (a handshake step). */
	unsigned (*on_event)(struct conn *c, unsigned events);
	void (*close)(struct conn *c);
};

extern const struct conn_io conn_io_plain;

/* A slice through the connection's prepared pair (libzcio, the method
 * of zc.fetch.method): the plaintext path, and kernel TLS's. */
ssize_t conn_io_send_zc(struct conn *c, struct obuf *o, size_t want);
/* Count fetched bytes of a listener's path (c->lst may be NULL). */
void conn_io_count(struct conn *c, enum conn_path path, size_t n);
const char *conn_path_name(enum conn_path p);

/* TLS (conn_tls.c). The listener's context from the ssl.* settings,
 * and one log line saying how its fetches send file bytes, and why.
 * 0, or -EINVAL (logged: the reason OpenSSL or the settings give). */
int conn_tls_listener(struct blisten *l, const struct tls_config *cfg);
void conn_tls_listener_free(struct blisten *l);
/* Serve c (just accepted on a TLS listener) through TLS: 0 or -ENOMEM. */
int conn_tls_start(struct conn *c);
/* One line per listener: fetched bytes per path (at stop). */
void conn_io_report(struct blisten *ls, int n);

#endif /* BROKER_CONN_IO_H */
