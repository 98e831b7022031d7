/* SPDX-License-Identifier: MIT */
/*
 * acls.c — DescribeAcls, CreateAcls and DeleteAcls v1-3 (flexible from
 * v2, KIP-482) over the ACL store (security/acl.h).
 *
 * As Kafka's broker answers them: with no authorizer
 * (authorizer.enabled=false) every creation, every filter and the
 * describe answer carry SECURITY_DISABLED; changing ACLs needs ALTER on
 * the cluster and listing them DESCRIBE on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED otherwise; super users pass). A binding
 * or filter that is not valid gets INVALID_REQUEST with the reason,
 * without failing the others. Results are in request order; DeleteAcls
 * lists under each filter the bindings it removed, and DescribeAcls
 * groups the bindings it found by resource pattern.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"
#include "broker.h"
#include "proto/ks_handler.h"

#define NO_AUTHORIZER "No Authorizer is configured."
#define NOT_ALLOWED   "Cluster authorization failed."
/* Bindings created per store save: bounds the memory one request takes. */
#define CREATE_BATCH 256

/* Whether the request may go on; else err/msg say why for every entry. */
static bool gate(struct ks_call *k, enum acl_op op, enum kerr *err,
		 const char **msg)
{
	*err = KERR_NONE;
	*msg = NULL;
	if (!k->b->cfg.authz.enabled) {
		*err = KERR_SECURITY_DISABLED;
		*msg = NO_AUTHORIZER;
	} else if (!broker_authorized_cluster(k->b, k->c, op)) {
		*err = KERR_CLUSTER_AUTHORIZATION_FAILED;
		*msg = NOT_ALLOWED;
	}
	return *err == KERR_NONE;
}

/* A filter from the request's fields (named as DescribeAcls names them;
 * DeleteAcls uses the same names). Strings point into bufs; false when a
 * string is longer than a binding can hold (nothing can match it, so the
 * filter is refused as invalid). */
struct fbufs {
	char name[ACL_STR_MAX + 1], principal[ACL_STR_MAX + 1],
	    host[ACL_STR_MAX + 1];
};

static bool opt_str(struct kv *v, char *buf, const char **out)
{
	*out = NULL;
	if (v->s.len < 0)
		return true;
	*out = buf;
	return kv_cstr(v, buf, ACL_STR_MAX + 1);
}

static bool read_filter(const struct ks_struct *s, struct kv *e,
			struct acl_filter *f, struct fbufs *fb)
{
	f->res_type = (int)ks_get(s, e, "ResourceTypeFilter")->i;
	f->pattern = (int)ks_get(s, e, "PatternTypeFilter")->i;
	f->op = (int)ks_get(s, e, "Operation")->i;
	f->perm = (int)ks_get(s, e, "PermissionType")->i;
	return opt_str(ks_get(s, e, "ResourceNameFilter"), fb->name,
		       &f->name) &&
	       opt_str(ks_get(s, e, "PrincipalFilter"), fb->principal,
		       &f->principal) &&
	       opt_str(ks_get(s, e, "HostFilter"), fb->host, &f->host);
}

/* ---- CreateAcls --------------------------------------------------------- */

static const char *read_binding(const struct ks_struct *s, struct kv *e,
				struct acl_binding *b)
{
	memset(b, 0, sizeof(*b));
	b->res_type = (uint8_t)ks_get(s, e, "ResourceType")->i;
	b->pattern = (uint8_t)ks_get(s, e, "ResourcePatternType")->i;
	b->op = (uint8_t)ks_get(s, e, "Operation")->i;
	b->perm = (uint8_t)ks_get(s, e, "PermissionType")->i;
	if (!kv_cstr(ks_get(s, e, "ResourceName"), b->name, sizeof(b->name)) ||
	    !kv_cstr(ks_get(s, e, "Principal"), b->principal,
		     sizeof(b->principal)) ||
	    !kv_cstr(ks_get(s, e, "Host"), b->host, sizeof(b->host)))
		return "a name, principal or host longer than 255 bytes";
	return acl_binding_invalid(b);
}

static void set_result(const struct ks_struct *rs, struct kv *o, enum kerr err,
		       const char *msg)
{
	ks_get(rs, o, "ErrorCode")->i = err;
	kv_setstr(ks_get(rs, o, "ErrorMessage"), err ? msg : NULL);
}

/* Create bindings [from, from + n) of the request, valid ones in one save. */
static void create_batch(struct ks_call *k, struct acl_binding *bs,
			 int32_t from, int32_t n)
{
	const struct ks_struct *qs = ks_sub(&k->qm->root, "Creations");
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Results");
	struct kv *ask = KQ(k, "Creations"), *out = KR(k, "Results");
	int32_t at[CREATE_BATCH];
	int res[CREATE_BATCH];
	size_t nv = 0;

	for (int32_t i = from; i < from + n; i++) {
		const char *why = read_binding(qs, &ask->a.v[i], &bs[nv]);
		if (why) {
			set_result(rs, &out->a.v[i], KERR_INVALID_REQUEST, why);
			continue;
		}
		at[nv++] = i;
	}
	if (!nv)
		return;
	int rc = acl_store_create(k->b->acls, bs, nv, res);
	if (rc)
		blog("CreateAcls: cannot save the ACL store: %s",
		     strerror(-rc));
	for (size_t j = 0; j < nv; j++) {
		struct kv *o = &out->a.v[at[j]];
		if (res[j])
			set_result(rs, o, KERR_UNKNOWN,
				   "The ACL store could not be saved.");
		else
			blog("ACL created: %s %s %s %s from %s: %s %s",
			     acl_res_name(bs[j].res_type),
			     acl_pat_name(bs[j].pattern), bs[j].name,
			     bs[j].principal, bs[j].host,
			     acl_perm_name(bs[j].perm), acl_op_name(bs[j].op));
	}
}

static int createacls(struct ks_call *k)
{
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Results");
	struct kv *ask = KQ(k, "Creations");
	enum kerr err;
	const char *msg;
	int32_t n = ask->a.n < 0 ? 0 : ask->a.n;

	if (ks_resize(&k->rm->root, k->resp, "Results", n, &k->a) < 0)
		return -ENOMEM;
	if (!gate(k, ACL_OP_ALTER, &err, &msg)) {
		for (int32_t i = 0; i < n; i++)
			set_result(rs, &KR(k, "Results")->a.v[i], err, msg);
		return API_REPLY;
	}
	struct acl_binding *bs = malloc(CREATE_BATCH * sizeof(*bs));
	if (!bs)
		return -ENOMEM;
	for (int32_t i = 0; i < n; i += CREATE_BATCH)
		create_batch(k, bs, i,
			     n - i < CREATE_BATCH ? n - i : CREATE_BATCH);
	free(bs);
	return API_REPLY;
}

int api_createacls(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, createacls);
}

/* ---- DescribeAcls ------------------------------------------------------- */

struct found {
	const struct acl_binding **v;
	size_t n, cap;
	bool failed;
};

static void found_one(const struct acl_binding *b, void *arg)
{
	struct found *f = arg;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		const struct acl_binding **v = realloc(f->v, cap * sizeof(*v));
		if (!v) {
			f->failed = true;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = b;
}

/* Resource pattern order (type, pattern type, name); bindings of one
 * pattern keep their store order. */
static int by_resource(const void *x, const void *y)
{
	const struct acl_binding *a = *(const struct acl_binding *const *)x;
	const struct acl_binding *b = *(const struct acl_binding *const *)y;
	int d = (int)a->res_type - (int)b->res_type;

	if (!d)
		d = (int)a->pattern - (int)b->pattern;
	if (!d)
		d = strcmp(a->name, b->name);
	if (!d)
		d = a < b ? -1 : a > b;
	return d;
}

static bool same_resource(const struct acl_binding *a,
			  const struct acl_binding *b)
{
	return a->res_type == b->res_type && a->pattern == b->pattern &&
	       !strcmp(a->name, b->name);
}

/* The answer's resources, from the sorted bindings of f. */
static int describe_fill(struct ks_call *k, const struct found *f)
{
	const struct ks_struct *rs = ks_sub(&k->rm->root, "Resources");
	const struct ks_struct *as = ks_sub(rs, "Acls");
	struct kv *res = KR(k, "Resources");
	int32_t nres = 0;

	for (size_t i = 0; i < f->n; i++)
		if (!i || !same_resource(f->v[i - 1], f->v[i]))
			nres++;
	if (ks_resize(&k->rm->root, k->resp, "Resources", nres, &k->a) < 0)
		return -ENOMEM;
	for (size_t i = 0, r = 0; i < f->n; r++) {
		const struct acl_binding *b = f->v[i];
		struct kv *o = &res->a.v[r], *acls = ks_get(rs, o, "Acls");
		size_t j = i;

		while (j < f->n && same_resource(b, f->v[j]))
			j++;
		ks_get(rs, o, "ResourceType")->i = b->res_type;
		kv_setstr(ks_get(rs, o, "ResourceName"), b->name);
		ks_get(rs, o, "PatternType")->i = b->pattern;
		if (ks_array(ks_fld(rs, "Acls"), (int32_t)(j - i), &k->a,
			     acls) < 0)
			return -ENOMEM;
		for (size_t e = i; e < j; e++) {
			struct kv *a = &acls->a.v[e - i];
			kv_setstr(ks_get(as, a, "Principal"),
				  f->v[e]->principal);
			kv_setstr(ks_get(as, a, "Host"), f->v[e]->host);
			ks_get(as, a, "Operation")->i = f->v[e]->op;
			ks_get(as, a, "PermissionType")->i = f->v[e]->perm;
		}
		i = j;
	}
	return API_REPLY;
}

static int describeacls(struct ks_call *k)
{
	struct acl_filter flt;
	struct fbufs fb;
	struct found f = {0};
	enum kerr err;
	const char *msg;
	int rc;

	if (!gate(k, ACL_OP_DESCRIBE, &err, &msg)) {
		KR(k, "ErrorCode")->i = err;
		kv_setstr(KR(k, "ErrorMessage"), msg);
		return API_REPLY;
	}
	if (!read_filter(&k->qm->root, &k->req, &flt, &fb))
		msg = "a name, principal or host longer than 255 bytes";
	else
		msg = acl_filter_invalid(&flt);
	if (msg) {
		KR(k, "ErrorCode")->i = KERR_INVALID_REQUEST;
		kv_setstr(KR(k, "ErrorMessage"), msg);
		return API_REPLY;
	}
	acl_store_describe(k->b->acls, &flt, found_one, &f);
	if (f.failed) {
		free(f.v);
		return -ENOMEM;
	}
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), by_resource);
	rc = describe_fill(k, &f);
	free(f.v);
	return rc;
}

/* Answer nodes per binding listed (a few kv each), as a cap. */
static size_t acls_answer(const struct broker *b)
{
	return (b->acls ? acl_store_count(b->acls) : 0) * 1024;
}

int api_describeacls(struct broker *b, struct conn *c, const struct kreq *q,
		     struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, acls_answer(b), describeacls);
}

/* ---- DeleteAcls --------------------------------------------------------- */

/* A removed binding, copied into the answer's arena (the store frees its
 * own): the arena's budget bounds what one request can list. */
struct gone {
	struct gone *next;
	uint8_t res_type, pattern, op, perm;
	const char *name, *principal, *host;
};

struct deleted {
	struct ks_arena *a;
	struct gone **head; /* per filter of the request, newest first */
	int32_t *count;
	const int32_t *req_index; /* filter of the batch -> of the request */
	bool failed;
};

static const char *arena_str(struct ks_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = ks_alloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static void deleted_one(size_t fi, const struct acl_binding *b, void *arg)
{
	struct deleted *d = arg;
	struct gone *g = ks_alloc(d->a, sizeof(*g));
	int32_t i = d->req_index[fi];

	if (!g || !(g->name = arena_str(d->a, b->name)) ||
	    !(g->principal = arena_str(d->a, b->principal)) ||
	    !(g->host = arena_str(d->a, b->host))) {
		d->failed = true;
		return;
	}
	g->res_type = b->res_type;
	g->pattern = b->pattern;
	g->op = b->op;
	g->perm = b->perm;
	g->next = d->head[i];
	d->head[i] = g;
	d->count[i]++;
}

static int list_removed(struct ks_call *k, struct kv *o, struct gone *g,
			int32_t n)
{
	const struct ks_struct *fs = ks_sub(&k->rm->root, "FilterResults");
	const struct ks_struct *ms = ks_sub(fs, "MatchingAcls");
	struct kv *mv = ks_get(fs, o, "MatchingAcls");

	if (ks_array(ks_fld(fs, "MatchingAcls"), n, &k->a, mv) < 0)
		return -ENOMEM;
	for (int32_t i = n - 1; g; g = g->next, i--) {
		struct kv *m = &mv->a.v[i];
		ks_get(ms, m, "ResourceType")->i = g->res_type;
		ks_get(ms, m, "PatternType")->i = g->pattern;
		ks_get(ms, m, "Operation")->i = g->op;
		ks_get(ms, m, "PermissionType")->i = g->perm;
		kv_setstr(ks_get(ms, m, "ResourceName"), g->name);
		kv_setstr(ks_get(ms, m, "Principal"), g->principal);
		kv_setstr(ks_get(ms, m, "Host"), g->host);
	}
	return 0;
}

/* Filters at most FILTER_BATCH at a time (one store save each): a
 * binding two filters of one batch match is listed under both, as Kafka
 * lists it; filters of later batches see the store without it. */
#define FILTER_BATCH 256

struct fbatch {
	struct acl_filter flt[FILTER_BATCH];
	struct fbufs fb[FILTER_BATCH];
	int32_t req_index[FILTER_BATCH];
};

static void delete_batch(struct ks_call *k, struct fbatch *fbt, int32_t from,
			 int32_t n, struct deleted *d)
{
	const struct ks_struct *qs = ks_sub(&k->qm->root, "Filters");
	const struct ks_struct *fs = ks_sub(&k->rm->root, "FilterResults");
	struct kv *ask = KQ(k, "Filters"), *out = KR(k, "FilterResults");
	int32_t nv = 0;
	int rc = 0;

	for (int32_t i = from; i < from + n; i++) {
		const char *why;
		if (!read_filter(qs, &ask->a.v[i], &fbt->flt[nv], &fbt->fb[nv]))
			why = "a name, principal or host longer than 255 "
			      "bytes";
		else
			why = acl_filter_invalid(&fbt->flt[nv]);
		if (why) {
			set_result(fs, &out->a.v[i], KERR_INVALID_REQUEST, why);
			continue;
		}
		fbt->req_index[nv++] = i;
	}
	d->req_index = fbt->req_index;
	if (nv)
		rc = acl_store_delete(k->b->acls, fbt->flt, (size_t)nv,
				      deleted_one, d);
	if (rc) {
		blog("DeleteAcls: cannot save the ACL store: %s",
		     strerror(-rc));
		for (int32_t j = 0; j < nv; j++)
			set_result(fs, &out->a.v[fbt->req_index[j]],
				   KERR_UNKNOWN,
				   "The ACL store could not be saved.");
	}
}

static int deleteacls(struct ks_call *k)
{
	const struct ks_struct *fs = ks_sub(&k->rm->root, "FilterResults");
	struct kv *out;
	int32_t n = KQ(k, "Filters")->a.n;
	enum kerr err;
	const char *msg;
	int rc = 0;

	if (n < 0)
		n = 0;
	if (ks_resize(&k->rm->root, k->resp, "FilterResults", n, &k->a) < 0)
		return -ENOMEM;
	out = KR(k, "FilterResults");
	if (!gate(k, ACL_OP_ALTER, &err, &msg)) {
		for (int32_t i = 0; i < n; i++)
			set_result(fs, &out->a.v[i], err, msg);
		return API_REPLY;
	}
	struct deleted d = {.a = &k->a};
	struct fbatch *fbt = malloc(sizeof(*fbt));

	d.head = ks_alloc(&k->a, (n ? (size_t)n : 1) * sizeof(*d.head));
	d.count = ks_alloc(&k->a, (n ? (size_t)n : 1) * sizeof(*d.count));
	if (!fbt || !d.head || !d.count) {
		free(fbt);
		return -ENOMEM;
	}
	for (int32_t i = 0; i < n; i += FILTER_BATCH)
		delete_batch(k, fbt, i,
			     n - i < FILTER_BATCH ? n - i : FILTER_BATCH, &d);
	free(fbt);
	if (d.failed)
		return -ENOMEM; /* removed and saved; the answer is lost */
	for (int32_t i = 0; i < n && !rc; i++)
		if (d.count[i]) {
			blog("ACLs deleted: %d by filter %d of the request",
			     d.count[i], i);
			rc = list_removed(k, &out->a.v[i], d.head[i],
					  d.count[i]);
		}
	return rc < 0 ? rc : API_REPLY;
}

int api_deleteacls(struct broker *b, struct conn *c, const struct kreq *q,
		   struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, acls_answer(b), deleteacls);
}
