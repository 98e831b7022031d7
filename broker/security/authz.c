/* SPDX-License-Identifier: MIT */
/*
 * authz.c — the authorizer: Kafka's decision rules over the ACL store
 * (see acl.h). Linear in the number of bindings; an index by resource is
 * the next step if stores grow large.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "security/acl.h"
#include "security/secfile.h"

void authz_defaults(struct authz_config *c)
{
	memset(c, 0, sizeof(*c));
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

int authz_set(struct authz_config *c, const char *name, const char *value)
{
	if (!strcmp(name, "authorizer.enabled"))
		return parse_bool(value, &c->enabled);
	if (!strcmp(name, "allow.everyone.if.no.acl.found"))
		return parse_bool(value, &c->allow_if_no_acl);
	if (!strcmp(name, "super.users")) {
		/* "User:a;User:b": each entry a User principal. */
		const char *p = value;
		char item[AUTHZ_SUPER_MAX];
		int r;
		if (strlen(value) >= sizeof(c->super_users))
			return -EINVAL;
		while ((r = sec_list_next(&p, ';', item, sizeof(item))) == 1)
			if (strncmp(item, "User:", 5) || !item[5])
				return -EINVAL;
		snprintf(c->super_users, sizeof(c->super_users), "%s", value);
		return 0;
	}
	return -ENOENT;
}

bool authz_is_super(const struct authz_config *c, const char *principal)
{
	const char *p = c->super_users;
	char item[AUTHZ_SUPER_MAX];

	while (sec_list_next(&p, ';', item, sizeof(item)) == 1)
		if (!strcmp(item, principal))
			return true;
	return false;
}

static bool who_matches(const struct acl_binding *b, const char *principal,
			const char *host)
{
	return (!strcmp(b->principal, principal) ||
		(!strcmp(b->principal, ACL_ANY_USER) &&
		 !strncmp(principal, "User:", 5))) &&
	       (!strcmp(b->host, ACL_WILDCARD) || !strcmp(b->host, host));
}

/* Whether an ALLOW for granted also allows op (Kafka's implied
 * operations). */
static bool allows(int granted, enum acl_op op)
{
	if (granted == (int)op || granted == ACL_OP_ALL)
		return true;
	if (op == ACL_OP_DESCRIBE)
		return granted == ACL_OP_READ || granted == ACL_OP_WRITE ||
		       granted == ACL_OP_DELETE || granted == ACL_OP_ALTER;
	if (op == ACL_OP_DESCRIBE_CONFIGS)
		return granted == ACL_OP_ALTER_CONFIGS;
	return false;
}

bool authz_check(const struct authz_config *c, const struct acl_store *s,
		 const char *principal, const char *host, enum acl_op op,
		 enum acl_resource rt, const char *name)
{
	bool any = false, allowed = false;

	if (!c->enabled)
		return true;
	if (op <= ACL_OP_ALL || op > ACL_OP_IDEMPOTENT_WRITE)
		return false; /* not an operation a request performs */
	if (authz_is_super(c, principal))
		return true;
	for (size_t i = 0; i < acl_store_count(s); i++) {
		const struct acl_binding *b = acl_store_get(s, i);
		if (!acl_applies(b, rt, name))
			continue;
		any = true;
		if (!who_matches(b, principal, host))
			continue;
		if (b->perm == ACL_PERM_DENY &&
		    (b->op == op || b->op == ACL_OP_ALL))
			return false; /* DENY wins */
		if (b->perm == ACL_PERM_ALLOW && allows(b->op, op))
			allowed = true;
	}
	if (!any && c->allow_if_no_acl)
		return true;
	return allowed;
}

/* Whether a DENY binding of pattern (pat, name) covers every resource an
 * ALLOW for (apat, aname) covers: a literal of the same name, or a prefix
 * of the allowed name. */
static bool deny_covers(const struct acl_binding *d, int apat,
			const char *aname)
{
	if (d->pattern == ACL_PAT_LITERAL)
		return apat == ACL_PAT_LITERAL && !strcmp(d->name, aname);
	return d->pattern == ACL_PAT_PREFIXED &&
	       !strncmp(aname, d->name, strlen(d->name));
}

/* Whether binding b is a perm entry of type rt for the principal and
 * host that covers op (op itself or ALL). */
static bool entry_for(const struct acl_binding *b, int rt, int perm,
		      const char *principal, const char *host, enum acl_op op)
{
	return b->res_type == rt && b->perm == perm &&
	       who_matches(b, principal, host) &&
	       (b->op == (int)op || b->op == ACL_OP_ALL);
}

bool authz_check_any(const struct authz_config *c, const struct acl_store *s,
		     const char *principal, const char *host, enum acl_op op,
		     enum acl_resource rt)
{
	size_t n = acl_store_count(s);

	if (!c->enabled)
		return true;
	/* A name no binding is likely to name: super users, and
	 * allow.everyone.if.no.acl.found, pass here (as Kafka's
	 * Authorizer.authorizeByResourceType checks a hard-coded name). */
	if (authz_check(c, s, principal, host, op, rt, "hardcode"))
		return true;
	for (size_t i = 0; i < n; i++) {
		const struct acl_binding *b = acl_store_get(s, i);
		if (entry_for(b, rt, ACL_PERM_DENY, principal, host, op) &&
		    b->pattern == ACL_PAT_LITERAL &&
		    !strcmp(b->name, ACL_WILDCARD))
			return false; /* denied on every resource */
	}
	/* Allowed when some ALLOW for op is not covered by a DENY. */
	for (size_t i = 0; i < n; i++) {
		const struct acl_binding *a = acl_store_get(s, i);
		bool covered = false;
		if (!entry_for(a, rt, ACL_PERM_ALLOW, principal, host, op))
			continue;
		if (a->pattern == ACL_PAT_LITERAL &&
		    !strcmp(a->name, ACL_WILDCARD))
			return true;
		for (size_t j = 0; j < n && !covered; j++) {
			const struct acl_binding *d = acl_store_get(s, j);
			covered = entry_for(d, rt, ACL_PERM_DENY, principal,
					    host, op) &&
				  deny_covers(d, a->pattern, a->name);
		}
		if (!covered)
			return true;
	}
	return false;
}
