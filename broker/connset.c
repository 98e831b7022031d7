/* SPDX-License-Identifier: MIT */
/*
 * connset.c — the set of connections (see conn.h): the one constructor,
 * accepting with max.connections and max.connections.per.ip, the
 * least-recently-active order that finds idle connections in O(1) per
 * check, the broker-wide budget of queued request bytes, the ready list
 * run before every sleep, and closing.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blog.h"
#include "broker.h"
#include "conn_int.h"
#include "net.h"

#define ACCEPT_PAUSE_MS	  100
#define IDLE_CHECK_MAX_MS 1000

/* How many connections come from one address. */
struct ipcount {
	struct ipcount *next;
	uint32_t n;
	char ip[64];
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* The address part of "host:port" or "[v6]:port". */
static void peer_ip(const char *peer, char *ip, size_t cap)
{
	snprintf(ip, cap, "%s", peer);
	char *colon = strrchr(ip, ':');
	if (colon && colon != ip)
		*colon = 0;
}

static struct ipcount **ip_slot(struct connset *cs, const char *ip)
{
	struct ipcount **pp = &cs->ips[hash_str(ip) % cs->nips_buckets];
	while (*pp && strcmp((*pp)->ip, ip))
		pp = &(*pp)->next;
	return pp;
}

static void ip_put(struct connset *cs, struct ipcount *ic)
{
	if (!ic || --ic->n)
		return;
	struct ipcount **pp = ip_slot(cs, ic->ip);
	*pp = ic->next;
	free(ic);
}

void connset_init(struct connset *cs, struct broker *b, struct ev_loop *ev)
{
	memset(cs, 0, sizeof(*cs));
	cs->b = b;
	cs->ev = ev;
}

static void idle_check(struct ev_loop *ev, uint64_t id, void *arg);

static void arm_idle(struct connset *cs)
{
	int64_t idle = cs->b->cfg.conn_max_idle_ms;
	if (cs->idle_timer)
		return;
	int64_t every = idle < 0 ? IDLE_CHECK_MAX_MS : idle / 4;
	if (every > IDLE_CHECK_MAX_MS)
		every = IDLE_CHECK_MAX_MS;
	if (every < 10)
		every = 10;
	cs->idle_timer = ev_timer(cs->ev, every, idle_check, cs);
}

struct conn *conn_new(struct connset *cs, int fd, const char *peer)
{
	const struct bconfig *cfg = &cs->b->cfg;
	if (!cs->ips) {
		cs->nips_buckets = 256;
		cs->ips = calloc(cs->nips_buckets, sizeof(*cs->ips));
		if (!cs->ips) {
			close(fd);
			return NULL;
		}
	}
	char ip[64];
	peer_ip(peer, ip, sizeof(ip));
	struct ipcount **pp = ip_slot(cs, ip);
	if (*pp && (*pp)->n >= (uint32_t)cfg->max_connections_per_ip) {
		blog("%s: too many connections from %s (max.connections.per.ip "
		     "%d), closing",
		     peer, ip, cfg->max_connections_per_ip);
		close(fd);
		return NULL;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!*pp && (*pp = calloc(1, sizeof(**pp))))
		snprintf((*pp)->ip, sizeof((*pp)->ip), "%s", ip);
	if (!c || !*pp || ev_set(cs->ev, fd, EV_READ, conn_on_event, c)) {
		blog("%s: cannot take the connection", peer);
		free(c);
		if (*pp && !(*pp)->n) {
			struct ipcount *ic = *pp;
			*pp = ic->next;
			free(ic);
		}
		close(fd);
		return NULL;
	}
	c->ip = *pp;
	c->ip->n++;
	c->cs = cs;
	c->b = cs->b;
	c->fd = fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->principal, sizeof(c->principal), "%s", CONN_ANONYMOUS);
	c->authed = true;
	c->out_tail = &c->out;
	c->replies_tail = &c->replies;
	c->last_active = ev_now_ms();
	c->prev = cs->tail;
	if (cs->tail)
		cs->tail->next = c;
	else
		cs->head = c;
	cs->tail = c;
	cs->n++;
	arm_idle(cs);
	blog_debug("%s: connected", peer);
	return c;
}

/* ---- activity order and idle connections ----------------------------- */

static void unlink_conn(struct connset *cs, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		cs->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		cs->tail = c->prev;
	c->next = c->prev = NULL;
}

void conn_touch(struct conn *c)
{
	struct connset *cs = c->cs;
	c->last_active = ev_now_ms();
	if (cs->tail == c)
		return;
	unlink_conn(cs, c);
	c->prev = cs->tail;
	cs->tail->next = c;
	cs->tail = c;
}

static void idle_check(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct connset *cs = arg;
	int64_t idle = cs->b->cfg.conn_max_idle_ms;
	int64_t now = ev_now_ms();
	cs->idle_timer = 0;
	/* Least recently active first: stop at the first one still fresh.
	 * One waiting for our answer is not idle: it moves to the back. */
	size_t budget = idle < 0 ? 0 : cs->n;
	while (cs->head && budget--) {
		struct conn *c = cs->head;
		if (now - c->last_active < idle)
			break;
		if (c->pending) {
			conn_touch(c);
			continue;
		}
		char why[96];
		snprintf(why, sizeof(why),
			 "idle for %lld ms (connections.max.idle.ms), closing",
			 (long long)(now - c->last_active));
		conn_fail(c, why);
	}
	if (cs->trim_due) {
		/* Give freed buffers back to the system (malloc_trim(3)):
		 * glibc keeps the top of the heap otherwise. */
		cs->trim_due = false;
		malloc_trim(0);
	}
	if (cs->n || cs->nlst)
		arm_idle(cs);
}

/* ---- the budget of queued request bytes -------------------------------- */

bool connset_over_budget(const struct connset *cs)
{
	int64_t max = cs->b->cfg.queued_max_request_bytes;
	return max >= 0 && cs->queued_bytes >= (uint64_t)max;
}

void conn_mem_wait(struct conn *c)
{
	if (!c->mem_wait) {
		c->mem_wait = true;
		c->mem_next = c->cs->mem_paused;
		c->cs->mem_paused = c;
	}
	unsigned m = ev_mask(c->cs->ev, c->fd);
	c->rd_block |= CONN_BLK_MEM;
	ev_mod(c->cs->ev, c->fd, m & ~EV_READ);
}

static void mem_resume(struct connset *cs)
{
	if (!cs->mem_paused || connset_over_budget(cs))
		return;
	while (cs->mem_paused) {
		struct conn *c = cs->mem_paused;
		cs->mem_paused = c->mem_next;
		c->mem_wait = false;
		c->rd_block &= ~CONN_BLK_MEM;
		if (!c->rd_block)
			ev_mod(cs->ev, c->fd, ev_mask(cs->ev, c->fd) | EV_READ);
	}
}

/* ---- ready list, failing, freeing -------------------------------------- */

void conn_queue(struct conn *c)
{
	struct connset *cs = c->cs;
	if (c->queued || c->closing)
		return;
	c->queued = true;
	c->ready_next = cs->ready;
	cs->ready = c;
	ev_wake(cs->ev);
}

static void accept_resume(struct ev_loop *ev, uint64_t id, void *arg)
{
	struct connset *cs = arg;
	cs->accept_timer = 0;
	if (cs->nlst && cs->n < (size_t)cs->b->cfg.max_connections) {
		cs->accept_paused = false;
		for (int i = 0; i < cs->nlst; i++)
			ev_mod(ev, cs->lst[i]->fd, EV_READ);
	}
}

void conn_fail(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	struct connset *cs = c->cs;
	if (why)
		blog("%s: %s", c->peer, why);
	c->closing = true;
	blog_debug("%s: closed%s", c->peer,
		   c->pending ? " with answers pending" : "");
	unlink_conn(cs, c);
	cs->n--;
	cs->queued_bytes -= c->rlen - c->rpos;
	ip_put(cs, c->ip);
	c->ip = NULL;
	if (c->mem_wait) {
		struct conn **pp = &cs->mem_paused;
		while (*pp != c)
			pp = &(*pp)->mem_next;
		*pp = c->mem_next;
		c->mem_wait = false;
	}
	ev_del(cs->ev, c->fd);
	c->next = cs->dead;
	cs->dead = c;
	cs->trim_due = true;
	if (cs->accept_paused && !cs->accept_timer &&
	    cs->n < (size_t)cs->b->cfg.max_connections)
		cs->accept_timer = ev_timer(cs->ev, 0, accept_resume, cs);
	ev_wake(cs->ev);
}

void connset_run(struct connset *cs)
{
	for (int round = 0; cs->ready && round < 1000; round++) {
		struct conn *c = cs->ready;
		cs->ready = c->ready_next;
		c->queued = false;
		if (!c->closing) {
			conn_process(c);
		}
	}
	if (cs->ready)
		ev_wake(cs->ev);
	/* A failed connection may still sit on the ready list. */
	for (struct conn **pp = &cs->ready; *pp;) {
		if ((*pp)->closing) {
			(*pp)->queued = false;
			*pp = (*pp)->ready_next;
		} else {
			pp = &(*pp)->ready_next;
		}
	}
	/* Owners learn of their cancelled replies here, from the loop, not
	 * inside whatever callback found the connection broken. A hook may
	 * close more connections: they join the list and are freed too. */
	while (cs->dead) {
		struct conn *c = cs->dead;
		cs->dead = c->next;
		conn_cancel_replies(c);
		conn_free(c);
	}
	mem_resume(cs);
}

/* ---- accepting ----------------------------------------------------------- */

static void pause_accept(struct connset *cs, int64_t ms)
{
	for (int i = 0; i < cs->nlst; i++)
		ev_mod(cs->ev, cs->lst[i]->fd, 0);
	cs->accept_paused = true;
	if (ms && !cs->accept_timer)
		cs->accept_timer = ev_timer(cs->ev, ms, accept_resume, cs);
}

static void on_accept(struct ev_loop *ev, int fd, unsigned events, void *arg)
{
	struct blisten *l = arg;
	struct connset *cs = l->cs;
	for (int i = 0; i < 64; i++) {
		if (cs->n >= (size_t)cs->b->cfg.max_connections) {
			/* Leave the rest in the listen backlog until some
			 * connection closes, as Kafka does. */
			pause_accept(cs, 0);
			return;
		}
		char peer[64];
		int cfd = net_accept(l->fd, peer, sizeof(peer));
		if (cfd == -EAGAIN)
			return;
		if (cfd < 0) {
			/* Out of descriptors: the listening socket stays
			 * readable, so stop watching it for a moment rather
			 * than spin. */
			blog("accept: %s; pausing accepts for %d ms",
			     strerror(-cfd), ACCEPT_PAUSE_MS);
			pause_accept(cs, ACCEPT_PAUSE_MS);
			return;
		}
		struct conn *c = conn_new(cs, cfd, peer);
		if (c) {
			c->lst = l;
			c->authed = l->l.proto != LP_SASL_PLAINTEXT &&
				    l->l.proto != LP_SASL_SSL;
		}
	}
}

int connset_listen(struct connset *cs, struct blisten *l)
{
	if (cs->nlst == LISTENERS_MAX)
		return -ENOSPC;
	l->cs = cs;
	cs->lst[cs->nlst++] = l;
	ev_set(cs->ev, l->fd, EV_READ, on_accept, l);
	arm_idle(cs);
	return 0;
}

void connset_close_all(struct connset *cs)
{
	for (int i = 0; i < cs->nlst; i++)
		ev_del(cs->ev, cs->lst[i]->fd);
	cs->nlst = 0;
	while (cs->head)
		conn_fail(cs->head, NULL);
	connset_run(cs);
	ev_timer_del(cs->ev, cs->idle_timer);
	ev_timer_del(cs->ev, cs->accept_timer);
	cs->idle_timer = cs->accept_timer = 0;
	for (size_t i = 0; cs->ips && i < cs->nips_buckets; i++)
		while (cs->ips[i]) {
			struct ipcount *ic = cs->ips[i];
			cs->ips[i] = ic->next;
			free(ic);
		}
	free(cs->ips);
	cs->ips = NULL;
}
