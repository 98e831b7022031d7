/* SPDX-License-Identifier: MIT */
/*
 * schema_load.c — the compiler of the schema language and the registry of
 * compiled messages.
 *
 * A message is a header line at column 0 and one line per field below it:
 *
 *	Metadata 3 req 0-13 9+
 *	  Topics []{} 0+ n1+
 *	    TopicId uuid 10+
 *	    Name str 0+ n10+
 *	  AllowAutoTopicCreation bool 4+ =true
 *
 * header:  NAME KEY req|resp VALID-VERSIONS FLEXIBLE-VERSIONS
 * field:   NAME TYPE VERSIONS [nNULLABLE] [tTAG] [=DEFAULT] [fFLEXIBLE]
 * types:   bool i8 i16 u16 i32 u32 i64 varint varlong uvarint f64 uuid str
 *          bytes rec {} and []T
 * ranges:  N+  N-M  N  none
 * A struct's fields are the lines below it indented deeper. A tagged field
 * is tagged in every version it exists in (as in every Kafka schema of the
 * APIs covered). fnone marks a field that never uses compact forms (the
 * request header's ClientId). The tables are trusted text compiled once;
 * a mistake in them is reported by ks_compile and is fatal at first use.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/schema.h"
#include "proto/schema_src.h"

#define KS_MAX_DEPTH 8
#define KS_VER_MAX   0x7fff

struct line {
	int indent;
	const char *p; /* the line's text after the indent */
	size_t len;
};

struct cc {
	struct line *l;
	int n;
	char *err;
	size_t errlen;
};

static bool fail(struct cc *c, int ln, const char *what)
{
	snprintf(c->err, c->errlen, "line %d: %s", ln + 1, what);
	return false;
}

static bool parse_range(const char *s, struct ks_range *r)
{
	char *end;
	long lo, hi;

	if (!strcmp(s, "none")) {
		r->lo = 1;
		r->hi = 0;
		return true;
	}
	lo = strtol(s, &end, 10);
	if (end == s || lo < 0 || lo > KS_VER_MAX)
		return false;
	if (!strcmp(end, "+")) {
		hi = KS_VER_MAX;
	} else if (*end == '-') {
		const char *h = end + 1;
		hi = strtol(h, &end, 10);
		if (end == h || *end || hi < lo || hi > KS_VER_MAX)
			return false;
	} else if (!*end) {
		hi = lo;
	} else {
		return false;
	}
	r->lo = (int16_t)lo;
	r->hi = (int16_t)hi;
	return true;
}

static const char *const type_names[] = {
    [KS_BOOL] = "bool",	      [KS_I8] = "i8",	      [KS_I16] = "i16",
    [KS_U16] = "u16",	      [KS_I32] = "i32",	      [KS_U32] = "u32",
    [KS_I64] = "i64",	      [KS_VARINT] = "varint", [KS_VARLONG] = "varlong",
    [KS_UVARINT] = "uvarint", [KS_F64] = "f64",	      [KS_UUID] = "uuid",
    [KS_STR] = "str",	      [KS_BYTES] = "bytes",   [KS_RECORDS] = "rec",
    [KS_STRUCT] = "{}",
};

static int parse_type(const char *s)
{
	for (int t = 0; t <= KS_STRUCT; t++)
		if (!strcmp(s, type_names[t]))
			return t;
	return -1;
}

/* Split one line into at most `max` space-separated words in buf. */
static int words(const struct line *l, char *buf, size_t cap, char **w, int max)
{
	int n = 0;

	if (l->len >= cap)
		return -1;
	memcpy(buf, l->p, l->len);
	buf[l->len] = 0;
	for (char *s = strtok(buf, " "); s; s = strtok(NULL, " ")) {
		if (n == max)
			return -1;
		w[n++] = s;
	}
	return n;
}

static bool is_nullable_type(const struct ks_field *f)
{
	return f->type == KS_STR || f->type == KS_BYTES ||
	       f->type == KS_RECORDS || f->type == KS_ARRAY ||
	       f->type == KS_STRUCT;
}

static bool parse_field(struct cc *c, int ln, struct ks_field *f,
			struct ks_range msg_flex)
{
	char buf[256], *w[8];
	int n = words(&c->l[ln], buf, sizeof(buf), w, 8);
	const char *t;

	if (n < 3)
		return fail(c, ln, "want NAME TYPE VERSIONS");
	memset(f, 0, sizeof(*f));
	if (!(f->name = strdup(w[0])))
		return fail(c, ln, "out of memory");
	t = w[1];
	if (!strncmp(t, "[]", 2)) {
		int e = parse_type(t + 2);
		if (e < 0)
			return fail(c, ln, "unknown element type");
		f->type = KS_ARRAY;
		f->elem = (uint8_t)e;
	} else {
		int e = parse_type(t);
		if (e < 0)
			return fail(c, ln, "unknown type");
		f->type = (uint8_t)e;
	}
	if (!parse_range(w[2], &f->ver))
		return fail(c, ln, "bad versions");
	f->null = (struct ks_range){1, 0};
	f->flex = msg_flex;
	f->tag = -1;
	for (int i = 3; i < n; i++) {
		const char *a = w[i];
		char *end;
		if (a[0] == 'n') {
			if (!parse_range(a + 1, &f->null) ||
			    !is_nullable_type(f))
				return fail(c, ln, "bad nullable versions");
		} else if (a[0] == 'f') {
			if (!parse_range(a + 1, &f->flex))
				return fail(c, ln, "bad flexible versions");
		} else if (a[0] == 't') {
			long tag = strtol(a + 1, &end, 10);
			if (end == a + 1 || *end || tag < 0 || tag > INT32_MAX)
				return fail(c, ln, "bad tag");
			f->tag = (int32_t)tag;
		} else if (a[0] == '=') {
			if (!strcmp(a + 1, "null")) {
				f->def_null = true;
			} else if (!strcmp(a + 1, "true")) {
				f->def = 1;
			} else if (!strcmp(a + 1, "false")) {
				f->def = 0;
			} else {
				f->def = strtoll(a + 1, &end, 0);
				if (end == a + 1 || *end)
					return fail(c, ln, "bad default");
			}
		} else {
			return fail(c, ln, "unknown attribute");
		}
	}
	return true;
}

/* The fields of the struct whose lines start at *i with indent `indent`. */
static bool build(struct cc *c, int *i, int indent, int depth,
		  struct ks_range flex, struct ks_struct *out, const char *name)
{
	int first = *i, nf = 0;
	struct ks_field *f;

	if (depth > KS_MAX_DEPTH)
		return fail(c, *i, "nested too deep");
	for (int j = first; j < c->n && c->l[j].indent >= indent; j++)
		if (c->l[j].indent == indent)
			nf++;
	f = calloc(nf ? nf : 1, sizeof(*f));
	if (!f)
		return fail(c, *i, "out of memory");
	out->name = name;
	out->nf = nf;
	out->f = f;
	for (int k = 0; k < nf; k++) {
		int ln = *i;
		if (c->l[ln].indent != indent)
			return fail(c, ln, "bad indent");
		if (!parse_field(c, ln, &f[k], flex))
			return false;
		for (int j = 0; j < k; j++)
			if (!strcmp(f[j].name, f[k].name) ||
			    (f[k].tag >= 0 && f[j].tag == f[k].tag))
				return fail(c, ln, "duplicate name or tag");
		(*i)++;
		bool has_sub =
		    f[k].type == KS_STRUCT ||
		    (f[k].type == KS_ARRAY && f[k].elem == KS_STRUCT);
		bool deeper = *i < c->n && c->l[*i].indent > indent;
		if (has_sub != deeper)
			return fail(c, ln,
				    has_sub ? "struct without fields"
					    : "fields under a non-struct");
		if (has_sub) {
			struct ks_struct *s = calloc(1, sizeof(*s));
			if (!s)
				return fail(c, ln, "out of memory");
			f[k].sub = s; /* first, so a failure frees it too */
			if (!build(c, i, c->l[*i].indent, depth + 1, flex, s,
				   f[k].name))
				return false;
		}
	}
	return true;
}

static void free_struct(const struct ks_struct *s)
{
	for (int i = 0; s->f && i < s->nf; i++) {
		free((char *)s->f[i].name);
		if (s->f[i].sub) {
			free_struct(s->f[i].sub);
			free((struct ks_struct *)s->f[i].sub);
		}
	}
	free((struct ks_field *)s->f);
}

void ks_free_msg(struct ks_msg *m)
{
	if (!m)
		return;
	free_struct(&m->root);
	free((char *)m->name);
	free(m);
}

struct ks_msg *ks_compile(const char *text, char *err, size_t errlen)
{
	struct cc c = {.err = err, .errlen = errlen};
	struct ks_msg *m = NULL;
	char buf[256], *w[8];
	int cap = 0, i = 1;

	snprintf(err, errlen, "ok");
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int ind = 0;
		while ((size_t)ind < len && p[ind] == ' ')
			ind++;
		if ((size_t)ind < len) {
			if (c.n == cap) {
				cap = cap ? 2 * cap : 64;
				void *nl = realloc(c.l, cap * sizeof(*c.l));
				if (!nl)
					goto out;
				c.l = nl;
			}
			c.l[c.n++] = (struct line){ind, p + ind, len - ind};
		}
		p += len + (e ? 1 : 0);
	}
	if (!c.n || c.l[0].indent) {
		fail(&c, 0, "no message header");
		goto out;
	}
	if (words(&c.l[0], buf, sizeof(buf), w, 8) != 5) {
		fail(&c, 0, "want NAME KEY req|resp VALID FLEXIBLE");
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->name = strdup(w[0])))
		goto fail_free;
	m->key = (int16_t)atoi(w[1]);
	m->resp = !strcmp(w[2], "resp");
	if ((!m->resp && strcmp(w[2], "req")) ||
	    !parse_range(w[3], &m->valid) || !parse_range(w[4], &m->flex)) {
		fail(&c, 0, "bad message header");
		goto fail_free;
	}
	if (c.n > 1 && c.l[1].indent == 0) {
		fail(&c, 1, "field without indent");
		goto fail_free;
	}
	if (c.n > 1
		? !build(&c, &i, c.l[1].indent, 0, m->flex, &m->root, m->name)
		: !build(&c, &i, 1, 0, m->flex, &m->root, m->name))
		goto fail_free;
	if (i != c.n) {
		fail(&c, i, "bad indent");
		goto fail_free;
	}
	goto out;
fail_free:
	ks_free_msg(m);
	m = NULL;
out:
	free(c.l);
	return m;
}

/* ---- registry ---------------------------------------------------------- */

#define KS_MAX_KEY 128

static struct {
	const struct ks_msg *req[KS_MAX_KEY], *resp[KS_MAX_KEY];
	const struct ks_msg *req_hdr, *resp_hdr;
	const struct ks_msg **all;
	int nall;
} reg;

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

/* Compile every message of every table; a broken table is a bug of the
 * program, not of its input: abort with the message's name. */
static void reg_load(void)
{
	int cap = 0;

	for (const char *const *t = ks_tables; *t; t++) {
		const char *p = *t;
		while (*p) {
			/* One message runs to the next line at column 0. */
			const char *e = p;
			do {
				e = strchr(e, '\n');
				e = e ? e + 1 : p + strlen(p);
			} while (*e && (*e == ' ' || *e == '\n'));
			char *text = strndup(p, (size_t)(e - p)), err[128];
			struct ks_msg *m =
			    text ? ks_compile(text, err, sizeof(err)) : NULL;
			if (!m) {
				fprintf(stderr, "schema table: %.40s: %s\n", p,
					text ? err : "out of memory");
				abort();
			}
			free(text);
			if (reg.nall == cap) {
				cap = cap ? 2 * cap : 64;
				reg.all =
				    realloc(reg.all, cap * sizeof(*reg.all));
				if (!reg.all)
					abort();
			}
			reg.all[reg.nall++] = m;
			if (m->key < 0) {
				if (m->resp)
					reg.resp_hdr = m;
				else
					reg.req_hdr = m;
			} else if (m->key < KS_MAX_KEY) {
				if (m->resp)
					reg.resp[m->key] = m;
				else
					reg.req[m->key] = m;
			}
			p = e;
		}
	}
}

static void reg_init(void)
{
	pthread_once(&reg_once, reg_load);
}

const struct ks_msg *ks_req(int key)
{
	reg_init();
	return key >= 0 && key < KS_MAX_KEY ? reg.req[key] : NULL;
}

const struct ks_msg *ks_resp(int key)
{
	reg_init();
	return key >= 0 && key < KS_MAX_KEY ? reg.resp[key] : NULL;
}

const struct ks_msg *ks_req_header(void)
{
	reg_init();
	return reg.req_hdr;
}

const struct ks_msg *ks_resp_header(void)
{
	reg_init();
	return reg.resp_hdr;
}

const struct ks_msg *const *ks_all(int *n)
{
	reg_init();
	*n = reg.nall;
	return reg.all;
}

int ks_req_header_ver(const struct ks_msg *req, int ver)
{
	return ks_in(req->flex, ver) ? 2 : 1;
}

int ks_resp_header_ver(const struct ks_msg *resp, int ver)
{
	if (resp->key == 18) /* ApiVersions */
		return 0;
	return ks_in(resp->flex, ver) ? 1 : 0;
}

int ks_idx(const struct ks_struct *s, const char *name)
{
	for (int i = 0; i < s->nf; i++)
		if (!strcmp(s->f[i].name, name))
			return i;
	return -1;
}

struct kv *ks_get(const struct ks_struct *s, struct kv *v, const char *name)
{
	int i = ks_idx(s, name);
	return i < 0 ? NULL : &v->a.v[i];
}

const char *const ks_tables[] = {ks_src_core, ks_src_groups, ks_src_admin,
				 ks_src_security, NULL};
