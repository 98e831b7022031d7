/* SPDX-License-Identifier: MIT */
/*
 * fuzz_acl.c — the ACL store loader and filters (broker/security/
 * acl_store.c, acl.c, authz.c). The input is a store body (the lines
 * after the file's header), parsed as the loader does; the same bytes are
 * also written as a whole __acls file and opened.
 *
 * Properties: nothing crashes; a body that parses formats to a body that
 * parses to the same bindings and formats identically; for filters made
 * from the loaded bindings, DescribeAcls counts what DeleteAcls reports,
 * and nothing matches afterwards; a super user is always allowed; a DENY
 * ALL for User:* on every topic denies everyone else.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "security/acl.h"

static void count_deleted(size_t fi, const struct acl_binding *b, void *arg)
{
	size_t *n = arg;

	(void)b;
	n[fi]++;
}

static void filters(struct acl_store *s)
{
	struct acl_filter f[3] = {
	    {ACL_RES_ANY, ACL_PAT_MATCH, ACL_OP_ANY, ACL_PERM_ANY, NULL, NULL,
	     NULL},
	};
	struct acl_binding first = *acl_store_get(s, 0);
	size_t want[3], got[3] = {0, 0, 0};

	/* MATCH on the first binding's name; exact on its entry. */
	f[0].name = first.name;
	f[1] = (struct acl_filter){
	    first.res_type, first.pattern,   first.op,	first.perm,
	    first.name,	    first.principal, first.host};
	f[2] = (struct acl_filter){ACL_RES_ANY,	  ACL_PAT_ANY, ACL_OP_ANY,
				   ACL_PERM_DENY, NULL,	       NULL,
				   NULL};
	for (int i = 0; i < 3; i++) {
		FZ_ASSERT(!acl_filter_invalid(&f[i]));
		want[i] = acl_store_describe(s, &f[i], NULL, NULL);
	}
	FZ_ASSERT(want[1] == 1); /* the binding itself */
	FZ_ASSERT(acl_store_delete(s, f, 3, count_deleted, got) == 0);
	for (int i = 0; i < 3; i++) {
		FZ_ASSERT(got[i] == want[i]);
		FZ_ASSERT(acl_store_describe(s, &f[i], NULL, NULL) == 0);
	}
}

static void rules(struct acl_store *s)
{
	struct authz_config c;
	struct acl_binding deny = {
	    ACL_RES_TOPIC, ACL_PAT_LITERAL, ACL_OP_ALL, ACL_PERM_DENY,
	    "*",	   "User:*",	    "*"};
	int r;

	authz_defaults(&c);
	FZ_ASSERT(authz_set(&c, "authorizer.enabled", "true") == 0);
	FZ_ASSERT(authz_set(&c, "super.users", "User:root") == 0);
	for (size_t i = 0; i < acl_store_count(s) && i < 8; i++) {
		const struct acl_binding *b = acl_store_get(s, i);
		FZ_ASSERT(authz_check(&c, s, "User:root", b->host, ACL_OP_READ,
				      b->res_type, b->name));
	}
	FZ_ASSERT(acl_store_create(s, &deny, 1, &r) == 0 && r == 0);
	for (size_t i = 0; i < acl_store_count(s) && i < 8; i++) {
		const struct acl_binding *b = acl_store_get(s, i);
		const char *who =
		    strcmp(b->principal, "User:*") ? b->principal : "User:x";
		if (!strcmp(who, "User:root"))
			continue;
		FZ_ASSERT(!authz_check(&c, s, who, b->host, ACL_OP_WRITE,
				       ACL_RES_TOPIC, b->name));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1), *again, *third;
	struct acl_store *s, *t;
	size_t len, len2;
	char path[4200];

	FZ_ASSERT(body);
	memcpy(body, data, size);
	body[size] = 0;
	FZ_ASSERT(acl_store_open(&s, NULL) == 0);
	if (acl_store_parse(s, body) == 0) {
		FZ_ASSERT(acl_store_format(s, &again, &len) == 0);
		FZ_ASSERT(acl_store_open(&t, NULL) == 0);
		FZ_ASSERT(acl_store_parse(t, again) == 0);
		FZ_ASSERT(acl_store_count(t) == acl_store_count(s));
		for (size_t i = 0; i < acl_store_count(s); i++)
			FZ_ASSERT(!memcmp(acl_store_get(s, i),
					  acl_store_get(t, i),
					  sizeof(struct acl_binding)));
		FZ_ASSERT(acl_store_format(t, &third, &len2) == 0);
		free(again);
		FZ_ASSERT(acl_store_format(s, &again, &len) == 0);
		FZ_ASSERT(len == len2 && !memcmp(again, third, len));
		free(again);
		free(third);
		acl_store_free(t);
		if (acl_store_count(s)) {
			rules(s);
			filters(s);
		}
	}
	acl_store_free(s);
	free(body);

	/* The same bytes as a whole file: damaged files are refused. */
	fz_path(path, sizeof(path), ACL_FILE);
	FZ_ASSERT(fz_write(path, data, size) == 0);
	int rc = acl_store_open(&s, fz_dir());
	FZ_ASSERT(rc == 0 || rc == -EBADMSG || rc == -ENOMEM);
	if (!rc)
		acl_store_free(s);
	unlink(path);
	return 0;
}
