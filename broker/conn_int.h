/* SPDX-License-Identifier: MIT */
/*
 * conn_int.h — what conn.c (one connection's input and output) and
 * connset.c (accepting, limits, idle, the loop hook) share.
 */
#ifndef BROKER_CONN_INT_H
#define BROKER_CONN_INT_H

#include "conn.h"

/* Seal r as the answer held by slot p (ready already), or send it
 * straight out when p is NULL; either way r is consumed. */
void conn_answer(struct conn *c, struct preply *p, struct resp *r);
/* Bytes moved: the connection is not idle. */
void conn_touch(struct conn *c);
/* Take buffered requests soon, from the loop (never recursively). */
void conn_queue(struct conn *c);
/* Turn the connection's interest in input (EV_READ) or in the socket
 * taking output (EV_WRITE) on or off; the transport maps it to epoll. */
void conn_want(struct conn *c, unsigned bit, bool on);
/* The transport's wants changed: set the epoll mask again. */
void conn_mask_apply(struct conn *c);
/* Stop reading until request bytes queued drop below the budget. */
void conn_mem_wait(struct conn *c);

/* Whether queued.max.request.bytes is reached. */
bool connset_over_budget(const struct connset *cs);

void conn_process(struct conn *c);
void conn_on_read(struct conn *c);
void conn_on_event(struct ev_loop *ev, int fd, unsigned events, void *arg);
void conn_cancel_replies(struct conn *c);
void conn_free(struct conn *c);

#endif /* BROKER_CONN_INT_H */
