/* SPDX-License-Identifier: MIT */
/*
 * acl_store.c — the ACL bindings of the broker, in memory and in
 * DATA/__acls (secfile.h: atomic replace, checksummed). Body lines:
 *
 *   acl RESOURCE_TYPE PATTERN_TYPE NAME PRINCIPAL HOST OPERATION PERMISSION
 *
 * with Kafka's enum names and the strings escaped (secbuf_escaped).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/acl.h"
#include "security/secfile.h"

#define ACL_VERSION 1

struct acl_store {
	char path[PATH_MAX]; /* empty: memory only */
	struct acl_binding *b;
	size_t n, cap;
};

size_t acl_store_count(const struct acl_store *s)
{
	return s->n;
}

const struct acl_binding *acl_store_get(const struct acl_store *s, size_t i)
{
	return i < s->n ? &s->b[i] : NULL;
}

static bool same(const struct acl_binding *a, const struct acl_binding *b)
{
	return a->res_type == b->res_type && a->pattern == b->pattern &&
	       a->op == b->op && a->perm == b->perm &&
	       !strcmp(a->name, b->name) &&
	       !strcmp(a->principal, b->principal) && !strcmp(a->host, b->host);
}

static bool contains(const struct acl_store *s, const struct acl_binding *b)
{
	for (size_t i = 0; i < s->n; i++)
		if (same(&s->b[i], b))
			return true;
	return false;
}

static int push(struct acl_store *s, const struct acl_binding *b)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct acl_binding *p = realloc(s->b, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->b = p;
		s->cap = cap;
	}
	s->b[s->n++] = *b;
	return 0;
}

static int copy_str(char *dst, const char *src)
{
	if (sec_unescape((char *)src) || strlen(src) > ACL_STR_MAX)
		return -EBADMSG;
	strcpy(dst, src);
	return 0;
}

int acl_store_parse(struct acl_store *s, char *body)
{
	char *line, *save = NULL, *f[10];
	int rc = 0;

	for (line = strtok_r(body, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		struct acl_binding b = {0};
		int rt, pt, op, pe;
		if (sec_fields(line, f, 10) != 9 || strcmp(f[0], "acl") ||
		    (rt = acl_res_parse(f[1])) < 0 ||
		    (pt = acl_pat_parse(f[2])) < 0 ||
		    (op = acl_op_parse(f[6])) < 0 ||
		    (pe = acl_perm_parse(f[7])) < 0 || copy_str(b.name, f[3]) ||
		    copy_str(b.principal, f[4]) || copy_str(b.host, f[5])) {
			rc = -EBADMSG;
			break;
		}
		/* Field 8 is reserved for future attributes: must be "-". */
		if (strcmp(f[8], "-")) {
			rc = -EBADMSG;
			break;
		}
		b.res_type = (uint8_t)rt;
		b.pattern = (uint8_t)pt;
		b.op = (uint8_t)op;
		b.perm = (uint8_t)pe;
		if (acl_binding_invalid(&b))
			rc = -EBADMSG;
		else if (!contains(s, &b))
			rc = push(s, &b);
	}
	return rc;
}

int acl_store_format(const struct acl_store *s, char **body, size_t *len)
{
	struct secbuf b = {0};

	for (size_t i = 0; i < s->n; i++) {
		const struct acl_binding *a = &s->b[i];
		secbuf_printf(&b, "acl %s %s ", acl_res_name(a->res_type),
			      acl_pat_name(a->pattern));
		secbuf_escaped(&b, a->name);
		secbuf_add(&b, " ", 1);
		secbuf_escaped(&b, a->principal);
		secbuf_add(&b, " ", 1);
		secbuf_escaped(&b, a->host);
		secbuf_printf(&b, " %s %s -\n", acl_op_name(a->op),
			      acl_perm_name(a->perm));
	}
	secbuf_add(&b, "", 0);
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	*body = b.p;
	*len = b.len;
	return 0;
}

static int save(struct acl_store *s)
{
	char *body;
	size_t len;
	int rc;

	if (!s->path[0])
		return 0;
	rc = acl_store_format(s, &body, &len);
	if (rc)
		return rc;
	rc = secfile_save(s->path, "acls", ACL_VERSION, body, len);
	free(body);
	return rc;
}

int acl_store_open(struct acl_store **out, const char *data_dir)
{
	struct acl_store *s = calloc(1, sizeof(*s));
	char *body;
	size_t len;
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (data_dir && snprintf(s->path, sizeof(s->path), "%s/%s", data_dir,
				 ACL_FILE) >= (int)sizeof(s->path)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if (data_dir) {
		rc = secfile_load(s->path, "acls", ACL_VERSION, &body, &len);
		if (!rc) {
			rc = acl_store_parse(s, body);
			free(body);
		}
		if (rc && rc != -ENOENT) {
			acl_store_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

void acl_store_free(struct acl_store *s)
{
	if (!s)
		return;
	free(s->b);
	free(s);
}

int acl_store_create(struct acl_store *s, const struct acl_binding *b, size_t n,
		     int *results)
{
	size_t before = s->n;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		results[i] = acl_binding_invalid(&b[i]) ? -EINVAL : 0;
		if (!results[i] && !contains(s, &b[i]))
			results[i] = push(s, &b[i]);
	}
	if (s->n != before)
		rc = save(s);
	if (rc) {
		/* Not durable, so not added. */
		s->n = before;
		for (size_t i = 0; i < n; i++)
			if (!results[i])
				results[i] = rc;
	}
	return rc;
}

static bool any_match(const struct acl_filter *f, size_t nf,
		      const struct acl_binding *b)
{
	for (size_t i = 0; i < nf; i++)
		if (acl_filter_matches(&f[i], b))
			return true;
	return false;
}

int acl_store_delete(struct acl_store *s, const struct acl_filter *f, size_t nf,
		     void (*fn)(size_t fi, const struct acl_binding *b,
				void *arg),
		     void *arg)
{
	struct acl_binding *gone;
	size_t ng = 0, keep = 0;
	int rc;

	gone = malloc((s->n ? s->n : 1) * sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		if (any_match(f, nf, &s->b[i]))
			gone[ng++] = s->b[i];
		else
			s->b[keep++] = s->b[i];
	}
	if (!ng) {
		free(gone);
		return 0;
	}
	s->n = keep;
	rc = save(s);
	if (rc) {
		/* Put them back: nothing was removed on disk. */
		for (size_t i = 0; i < ng; i++)
			push(s, &gone[i]);
		free(gone);
		return rc;
	}
	for (size_t fi = 0; fn && fi < nf; fi++)
		for (size_t i = 0; i < ng; i++)
			if (acl_filter_matches(&f[fi], &gone[i]))
				fn(fi, &gone[i], arg);
	free(gone);
	return 0;
}

size_t acl_store_describe(const struct acl_store *s, const struct acl_filter *f,
			  void (*fn)(const struct acl_binding *b, void *arg),
			  void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!acl_filter_matches(f, &s->b[i]))
			continue;
		if (fn)
			fn(&s->b[i], arg);
		n++;
	}
	return n;
}
