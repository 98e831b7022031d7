/* SPDX-License-Identifier: MIT */
/*
 * reply.c — responses being built and pending replies (see reply.h).
 * What an answer costs is counted as what it holds: malloc_usable_size(3)
 * of its buffers plus their bookkeeping, and the file bytes of its slices,
 * so that many small answers are charged for their real memory.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "conn_int.h"

/* glibc's per-chunk header, not in malloc_usable_size. */
#define CHUNK_OVERHEAD 16

void obuf_free(struct obuf *o)
{
	if (o->mem)
		free(o->mem);
	else
		plog_slice_release(&o->slice);
	free(o);
}

void resp_begin_raw(struct resp *r)
{
	kw_init(&r->w);
	r->head = NULL;
	r->tail = &r->head;
	r->file_bytes = 0;
	kw_hole32(&r->w);
}

void resp_begin(struct resp *r, int32_t corr, bool flex)
{
	resp_begin_raw(r);
	kw_i32(&r->w, corr);
	if (flex)
		kw_tags0(&r->w);
}

/* Move what the writer holds into a memory obuf, giving back the room the
 * writer reserved beyond it. */
static int flush_mem(struct resp *r)
{
	if (r->w.err)
		return -ENOMEM;
	if (!r->w.len)
		return 0;
	struct obuf *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->mem = kw_take(&r->w, &o->len);
	uint8_t *fit = realloc(o->mem, o->len);
	if (fit)
		o->mem = fit;
	o->cost = malloc_usable_size(o->mem) + sizeof(*o) + 2 * CHUNK_OVERHEAD;
	*r->tail = o;
	r->tail = &o->next;
	return 0;
}

int resp_slice(struct resp *r, struct plog_slice *s)
{
	struct obuf *o = NULL;
	if (flush_mem(r) || !(o = calloc(1, sizeof(*o)))) {
		plog_slice_release(s);
		r->w.err = true;
		return -ENOMEM;
	}
	o->slice = *s;
	o->pos = s->pos;
	o->left = s->len;
	o->cost = s->len + sizeof(*o) + CHUNK_OVERHEAD;
	r->file_bytes += s->len;
	*r->tail = o;
	r->tail = &o->next;
	return 0;
}

size_t resp_size(const struct resp *r)
{
	size_t n = r->w.len + r->file_bytes;
	for (struct obuf *o = r->head; o; o = o->next)
		if (o->mem)
			n += o->len;
	return n;
}

void resp_abort(struct resp *r)
{
	while (r->head) {
		struct obuf *o = r->head;
		r->head = o->next;
		obuf_free(o);
	}
	r->tail = &r->head;
	kw_free(&r->w);
}

size_t resp_seal(struct resp *r)
{
	if (flush_mem(r) || !r->head) {
		resp_abort(r);
		return 0;
	}
	size_t total = 0, cost = 0;
	for (struct obuf *o = r->head; o; o = o->next) {
		total += o->mem ? o->len : o->left;
		cost += o->cost;
	}
	/* resp_begin put the size hole first, so head is memory. */
	uint8_t *h = r->head->mem;
	uint32_t sz = (uint32_t)(total - 4);
	h[0] = sz >> 24;
	h[1] = sz >> 16;
	h[2] = sz >> 8;
	h[3] = sz;
	return cost;
}

/* ---- pending replies ------------------------------------------------- */

struct preply *preply_open(struct conn *c, const struct kreq *q)
{
	struct preply *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c = c;
	p->corr = q->corr;
	p->key = q->key;
	p->ver = q->ver;
	/* ApiVersions answers with response header v0 even when flexible. */
	p->flex = q->flex && q->key != API_API_VERSIONS;
	p->tail = &p->head;
	*c->replies_tail = p;
	c->replies_tail = &p->next;
	c->pending++;
	return p;
}

void preply_on_cancel(struct preply *p, preply_cancel_fn fn, void *arg)
{
	p->cancel = fn;
	p->cancel_arg = arg;
}

void preply_begin(const struct preply *p, struct resp *r)
{
	resp_begin(r, p->corr, p->flex);
}

void preply_finish(struct preply *p, struct resp *r)
{
	struct conn *c = p->c;
	if (p->ready || p->cancelled) {
		resp_abort(r);
		return;
	}
	p->ready = true;
	c->pending--;
	conn_answer(c, p, r);
}

void preply_answer(struct preply *p, preply_encode_fn encode, const void *state)
{
	struct resp r;
	preply_begin(p, &r);
	encode(&r, p->ver, state);
	preply_finish(p, &r);
}

const char *preply_peer(const struct preply *p)
{
	return p->c->peer;
}
