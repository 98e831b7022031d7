/* SPDX-License-Identifier: MIT */
/*
 * acl.c — ACL names, validation and matching (Kafka's ResourcePattern,
 * ResourcePatternFilter, AccessControlEntryFilter semantics).
 */
#include <strings.h>
#include <string.h>

#include "security/acl.h"

static const char *const res_names[] = {
    "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID"};
static const char *const pat_names[] = {"UNKNOWN", "ANY", "MATCH", "LITERAL",
					"PREFIXED"};
static const char *const op_names[] = {"UNKNOWN",
				       "ANY",
				       "ALL",
				       "READ",
				       "WRITE",
				       "CREATE",
				       "DELETE",
				       "ALTER",
				       "DESCRIBE",
				       "CLUSTER_ACTION",
				       "DESCRIBE_CONFIGS",
				       "ALTER_CONFIGS",
				       "IDEMPOTENT_WRITE"};
static const char *const perm_names[] = {"UNKNOWN", "ANY", "DENY", "ALLOW"};

#define N(a) ((int)(sizeof(a) / sizeof(*(a))))

static const char *name_of(const char *const *t, int n, int v)
{
	return v >= 0 && v < n ? t[v] : "UNKNOWN";
}

static int parse_in(const char *const *t, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcasecmp(t[i], s))
			return i;
	return -1;
}

const char *acl_res_name(int v)
{
	return name_of(res_names, N(res_names), v);
}
const char *acl_pat_name(int v)
{
	return name_of(pat_names, N(pat_names), v);
}
const char *acl_op_name(int v)
{
	return name_of(op_names, N(op_names), v);
}
const char *acl_perm_name(int v)
{
	return name_of(perm_names, N(perm_names), v);
}
int acl_res_parse(const char *s)
{
	return parse_in(res_names, N(res_names), s);
}
int acl_pat_parse(const char *s)
{
	return parse_in(pat_names, N(pat_names), s);
}
int acl_op_parse(const char *s)
{
	return parse_in(op_names, N(op_names), s);
}
int acl_perm_parse(const char *s)
{
	return parse_in(perm_names, N(perm_names), s);
}

const char *acl_binding_invalid(const struct acl_binding *b)
{
	if (b->res_type < ACL_RES_TOPIC ||
	    b->res_type > ACL_RES_TRANSACTIONAL_ID)
		return "invalid resource type";
	if (b->pattern != ACL_PAT_LITERAL && b->pattern != ACL_PAT_PREFIXED)
		return "invalid pattern type (LITERAL or PREFIXED)";
	if (b->op < ACL_OP_ALL || b->op > ACL_OP_IDEMPOTENT_WRITE)
		return "invalid operation";
	if (b->perm != ACL_PERM_ALLOW && b->perm != ACL_PERM_DENY)
		return "invalid permission type (ALLOW or DENY)";
	if (!b->name[0])
		return "resource name must not be empty";
	if (b->res_type == ACL_RES_CLUSTER &&
	    (b->pattern != ACL_PAT_LITERAL ||
	     strcmp(b->name, ACL_CLUSTER_NAME)))
		return "the only valid name for the CLUSTER resource is "
		       "kafka-cluster (LITERAL)";
	if (strncmp(b->principal, "User:", 5) || !b->principal[5])
		return "principal must be User:NAME or User:*";
	if (!b->host[0])
		return "host must not be empty (* for any)";
	return NULL;
}

const char *acl_filter_invalid(const struct acl_filter *f)
{
	if (f->res_type <= ACL_RES_UNKNOWN ||
	    f->res_type > ACL_RES_TRANSACTIONAL_ID)
		return "invalid resource type";
	if (f->pattern <= ACL_PAT_UNKNOWN || f->pattern > ACL_PAT_PREFIXED)
		return "invalid pattern type";
	if (f->op <= ACL_OP_UNKNOWN || f->op > ACL_OP_IDEMPOTENT_WRITE)
		return "invalid operation";
	if (f->perm <= ACL_PERM_UNKNOWN || f->perm > ACL_PERM_ALLOW)
		return "invalid permission type";
	return NULL;
}

/* ResourcePatternFilter.matches */
static bool pattern_matches(const struct acl_filter *f,
			    const struct acl_binding *b)
{
	if (f->res_type != ACL_RES_ANY && f->res_type != b->res_type)
		return false;
	if (f->pattern != ACL_PAT_ANY && f->pattern != ACL_PAT_MATCH &&
	    f->pattern != b->pattern)
		return false;
	if (!f->name)
		return true;
	if (f->pattern == ACL_PAT_ANY || f->pattern == b->pattern)
		return !strcmp(f->name, b->name);
	/* MATCH: every pattern that would apply to a resource named so. */
	if (b->pattern == ACL_PAT_LITERAL)
		return !strcmp(f->name, b->name) ||
		       !strcmp(b->name, ACL_WILDCARD);
	return b->pattern == ACL_PAT_PREFIXED &&
	       !strncmp(f->name, b->name, strlen(b->name));
}

/* AccessControlEntryFilter.matches: exact strings, no wildcard expansion
 * (a filter for User:* finds the User:* bindings only). */
static bool entry_matches(const struct acl_filter *f,
			  const struct acl_binding *b)
{
	return (!f->principal || !strcmp(f->principal, b->principal)) &&
	       (!f->host || !strcmp(f->host, b->host)) &&
	       (f->op == ACL_OP_ANY || f->op == b->op) &&
	       (f->perm == ACL_PERM_ANY || f->perm == b->perm);
}

bool acl_filter_matches(const struct acl_filter *f, const struct acl_binding *b)
{
	return pattern_matches(f, b) && entry_matches(f, b);
}

bool acl_applies(const struct acl_binding *b, int rt, const char *name)
{
	if (b->res_type != rt)
		return false;
	if (b->pattern == ACL_PAT_LITERAL)
		return !strcmp(b->name, name) || !strcmp(b->name, ACL_WILDCARD);
	return b->pattern == ACL_PAT_PREFIXED &&
	       !strncmp(name, b->name, strlen(b->name));
}
