/* SPDX-License-Identifier: MIT */
/*
 * acl.h — Kafka's ACL model: bindings (resource pattern + entry), the
 * filters of DescribeAcls/DeleteAcls, the durable store (DATA/__acls) and
 * the authorizer. Enum values are Kafka's wire codes (ResourceType,
 * PatternType, AclOperation, AclPermissionType in
 * org.apache.kafka.common.{resource,acl}).
 */
#ifndef ZC_ACL_H
#define ZC_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum acl_resource {
	ACL_RES_UNKNOWN = 0,
	ACL_RES_ANY = 1, /* filters only */
	ACL_RES_TOPIC = 2,
	ACL_RES_GROUP = 3,
	ACL_RES_CLUSTER = 4,
	ACL_RES_TRANSACTIONAL_ID = 5,
};

enum acl_pattern {
	ACL_PAT_UNKNOWN = 0,
	ACL_PAT_ANY = 1,   /* filters: any pattern type, exact name */
	ACL_PAT_MATCH = 2, /* filters: every pattern that applies to name */
	ACL_PAT_LITERAL = 3,
	ACL_PAT_PREFIXED = 4,
};

enum acl_op {
	ACL_OP_UNKNOWN = 0,
	ACL_OP_ANY = 1, /* filters only */
	ACL_OP_ALL = 2,
	ACL_OP_READ = 3,
	ACL_OP_WRITE = 4,
	ACL_OP_CREATE = 5,
	ACL_OP_DELETE = 6,
	ACL_OP_ALTER = 7,
	ACL_OP_DESCRIBE = 8,
	ACL_OP_CLUSTER_ACTION = 9,
	ACL_OP_DESCRIBE_CONFIGS = 10,
	ACL_OP_ALTER_CONFIGS = 11,
	ACL_OP_IDEMPOTENT_WRITE = 12,
};

enum acl_perm {
	ACL_PERM_UNKNOWN = 0,
	ACL_PERM_ANY = 1, /* filters only */
	ACL_PERM_DENY = 2,
	ACL_PERM_ALLOW = 3,
};

#define ACL_STR_MAX	 255
#define ACL_WILDCARD	 "*"	  /* literal resource name, host */
#define ACL_ANY_USER	 "User:*" /* principal */
#define ACL_CLUSTER_NAME "kafka-cluster"

struct acl_binding {
	uint8_t res_type, pattern, op, perm;
	char name[ACL_STR_MAX + 1];
	char principal[ACL_STR_MAX + 1];
	char host[ACL_STR_MAX + 1];
};

/* A NULL string matches any value (Kafka's null in a filter). */
struct acl_filter {
	int res_type, pattern, op, perm;
	const char *name, *principal, *host;
};

/* Names as Kafka prints them ("TOPIC", "PREFIXED", "DESCRIBE_CONFIGS",
 * "ALLOW"); parse is case-insensitive and returns -1 if unknown. */
const char *acl_res_name(int v);
const char *acl_pat_name(int v);
const char *acl_op_name(int v);
const char *acl_perm_name(int v);
int acl_res_parse(const char *s);
int acl_pat_parse(const char *s);
int acl_op_parse(const char *s);
int acl_perm_parse(const char *s);

/* Why a binding cannot be created (CreateAcls: INVALID_REQUEST), or NULL
 * when it is valid. */
const char *acl_binding_invalid(const struct acl_binding *b);
/* Why a filter is refused (an UNKNOWN field), or NULL. */
const char *acl_filter_invalid(const struct acl_filter *f);
/* Kafka's AclBindingFilter.matches. */
bool acl_filter_matches(const struct acl_filter *f,
			const struct acl_binding *b);
/* Whether b's resource pattern covers resource (rt, name): literal equal,
 * literal "*", or prefixed. */
bool acl_applies(const struct acl_binding *b, int rt, const char *name);

/* ---- the store --------------------------------------------------------- */

#define ACL_FILE "__acls"

struct acl_store;

/* Load data_dir/__acls (missing: empty). 0, -EBADMSG (damaged: refused),
 * other -errno. data_dir NULL: a store in memory only (tests, fuzzing). */
int acl_store_open(struct acl_store **out, const char *data_dir);
void acl_store_free(struct acl_store *s);
/* Parse a store body (what follows the file's header line) into s,
 * which must be empty; 0 or -EBADMSG. */
int acl_store_parse(struct acl_store *s, char *body);
/* The body for the store's bindings (malloc'ed, NUL-terminated; *len).
 * 0 or -ENOMEM. */
int acl_store_format(const struct acl_store *s, char **body, size_t *len);
size_t acl_store_count(const struct acl_store *s);
const struct acl_binding *acl_store_get(const struct acl_store *s, size_t i);

/* CreateAcls: add n bindings (duplicates are kept once) and save once.
 * results[i] = 0, -EINVAL (acl_binding_invalid), or the save's -errno,
 * in which case none was added. Returns 0 or the save's -errno. */
int acl_store_create(struct acl_store *s, const struct acl_binding *b, size_t n,
		     int *results);
/* DeleteAcls: remove every binding that any filter matches, save once,
 * then call fn(filter index, binding) for each removed one under each
 * filter that matched it. 0, or the save's -errno (nothing removed). */
int acl_store_delete(struct acl_store *s, const struct acl_filter *f, size_t nf,
		     void (*fn)(size_t fi, const struct acl_binding *b,
				void *arg),
		     void *arg);
/* DescribeAcls: fn for every binding f matches; returns how many. */
size_t acl_store_describe(const struct acl_store *s, const struct acl_filter *f,
			  void (*fn)(const struct acl_binding *b, void *arg),
			  void *arg);

/* ---- the authorizer ---------------------------------------------------- */

#define AUTHZ_SUPER_MAX 4096

/* Kafka's settings: authorizer.enabled (zcbroker's switch; Kafka names a
 * class in authorizer.class.name), super.users, and
 * allow.everyone.if.no.acl.found. */
struct authz_config {
	bool enabled;
	bool allow_if_no_acl;
	char super_users[AUTHZ_SUPER_MAX]; /* "User:a;User:b" */
};

void authz_defaults(struct authz_config *c);
/* Apply one setting: 0, -EINVAL (bad value), -ENOENT (not ours). */
int authz_set(struct authz_config *c, const char *name, const char *value);

/* Whether principal is one of super.users. */
bool authz_is_super(const struct authz_config *c, const char *principal);

/* Kafka's rules (AclAuthorizer / StandardAuthorizer): disabled or a super
 * user: allowed. No binding applies to the resource at all and
 * allow.everyone.if.no.acl.found: allowed. A DENY for the principal (or
 * User:*), host (or *) and op (or ALL): denied. An ALLOW for op, ALL, or
 * an operation that implies op (READ, WRITE, DELETE, ALTER imply
 * DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS): allowed. Otherwise
 * denied. */
bool authz_check(const struct authz_config *c, const struct acl_store *s,
		 const char *principal, const char *host, enum acl_op op,
		 enum acl_resource rt, const char *name);

/* Whether principal may perform op on some resource of type rt (Kafka's
 * Authorizer.authorizeByResourceType, KIP-679: InitProducerId without a
 * transactional id asks for WRITE on any topic): a super user, an ALLOW
 * for op (or ALL) on literal "*", or an ALLOW that no DENY for the same
 * principal covers (a literal of the same name, a prefix of its name);
 * a DENY on literal "*" denies. */
bool authz_check_any(const struct authz_config *c, const struct acl_store *s,
		     const char *principal, const char *host, enum acl_op op,
		     enum acl_resource rt);

#endif /* ZC_ACL_H */
