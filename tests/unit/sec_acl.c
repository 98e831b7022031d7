/* SPDX-License-Identifier: MIT */
/*
 * sec_acl.c — ACLs (broker/security/acl*.c, authz.c): Kafka's wire codes,
 * each authorizer rule (disabled, super users, no ACL found, DENY wins,
 * implied operations, prefixed and wildcard patterns, principal and host
 * wildcards, resource types kept apart), DescribeAcls/DeleteAcls filter
 * semantics (ANY, MATCH, exact), validation, and the durable store.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "security/acl.h"

static struct acl_binding B(int rt, int pat, const char *name,
			    const char *principal, const char *host, int op,
			    int perm) {
	struct acl_binding b = {.res_type = (uint8_t)rt,
				.pattern = (uint8_t)pat,
				.op = (uint8_t)op,
				.perm = (uint8_t)perm};

	snprintf(b.name, sizeof(b.name), "%s", name);
	snprintf(b.principal, sizeof(b.principal), "%s", principal);
	snprintf(b.host, sizeof(b.host), "%s", host);
	return b;
}

static void
add(struct acl_store *s, struct acl_binding b)
{
	int r;

	if (acl_store_create(s, &b, 1, &r) || r)
		t_fatal("cannot add a binding (%d)", r);
}

static void codes(void)
{
	/* Kafka's codes (ResourceType, PatternType, AclOperation,
	 * AclPermissionType). */
	CHECK_EQ(ACL_RES_TOPIC, 2);
	CHECK_EQ(ACL_RES_GROUP, 3);
	CHECK_EQ(ACL_RES_CLUSTER, 4);
	CHECK_EQ(ACL_RES_TRANSACTIONAL_ID, 5);
	CHECK_EQ(ACL_PAT_MATCH, 2);
	CHECK_EQ(ACL_PAT_LITERAL, 3);
	CHECK_EQ(ACL_PAT_PREFIXED, 4);
	CHECK_EQ(ACL_OP_ALL, 2);
	CHECK_EQ(ACL_OP_DESCRIBE, 8);
	CHECK_EQ(ACL_OP_IDEMPOTENT_WRITE, 12);
	CHECK_EQ(ACL_PERM_DENY, 2);
	CHECK_EQ(ACL_PERM_ALLOW, 3);
	CHECK_EQ(acl_op_parse("describe_configs"), ACL_OP_DESCRIBE_CONFIGS);
	CHECK(!strcmp(acl_op_name(ACL_OP_CLUSTER_ACTION), "CLUSTER_ACTION"));
	CHECK_EQ(acl_res_parse("transactional_id"), ACL_RES_TRANSACTIONAL_ID);
	CHECK_EQ(acl_op_parse("BOGUS"), -1);
}

#define CAN(p, op, rt, name) authz_check(&cfg, s, p, "10.0.0.1", op, rt, name)

static void rules(void)
{
	struct authz_config cfg;
	struct acl_store *s;

	acl_store_open(&s, NULL);
	authz_defaults(&cfg);
	/* Disabled: today's behaviour, everything allowed. */
	CHECK(CAN("User:bob", ACL_OP_DELETE, ACL_RES_TOPIC, "t"));
	CHECK_EQ(authz_set(&cfg, "authorizer.enabled", "true"), 0);
	CHECK_EQ(authz_set(&cfg, "authorizer.enabled", "yes"), -EINVAL);
	CHECK_EQ(authz_set(&cfg, "no.such", "1"), -ENOENT);
	/* No ACL at all: denied unless allow.everyone.if.no.acl.found. */
	CHECK(!CAN("User:bob", ACL_OP_READ, ACL_RES_TOPIC, "t"));
	CHECK_EQ(authz_set(&cfg, "allow.everyone.if.no.acl.found", "true"), 0);
	CHECK(CAN("User:bob", ACL_OP_READ, ACL_RES_TOPIC, "t"));

	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "User:alice", "*",
		 ACL_OP_READ, ACL_PERM_ALLOW));
	/* An ACL on the resource: no longer "no ACL found" for anyone. */
	CHECK(!CAN("User:bob", ACL_OP_READ, ACL_RES_TOPIC, "t"));
	CHECK(CAN("User:bob", ACL_OP_READ, ACL_RES_TOPIC, "other"));
	CHECK_EQ(authz_set(&cfg, "allow.everyone.if.no.acl.found", "false"), 0);
	CHECK(CAN("User:alice", ACL_OP_READ, ACL_RES_TOPIC, "t"));
	CHECK(!CAN("User:alice", ACL_OP_WRITE, ACL_RES_TOPIC, "t"));
	/* READ implies DESCRIBE; not DESCRIBE_CONFIGS. */
	CHECK(CAN("User:alice", ACL_OP_DESCRIBE, ACL_RES_TOPIC, "t"));
	CHECK(!CAN("User:alice", ACL_OP_DESCRIBE_CONFIGS, ACL_RES_TOPIC, "t"));
	/* Resource types are apart: a group named t is another resource. */
	CHECK(!CAN("User:alice", ACL_OP_READ, ACL_RES_GROUP, "t"));
	/* Requests never ask for ANY or ALL. */
	CHECK(!CAN("User:alice", ACL_OP_ALL, ACL_RES_TOPIC, "t"));

	/* ALTER_CONFIGS implies DESCRIBE_CONFIGS, not the other way. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "User:carol", "*",
		 ACL_OP_ALTER_CONFIGS, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "User:dave", "*",
		 ACL_OP_DESCRIBE_CONFIGS, ACL_PERM_ALLOW));
	CHECK(CAN("User:carol", ACL_OP_DESCRIBE_CONFIGS, ACL_RES_TOPIC, "t"));
	CHECK(!CAN("User:dave", ACL_OP_ALTER_CONFIGS, ACL_RES_TOPIC, "t"));
	CHECK(!CAN("User:carol", ACL_OP_DESCRIBE, ACL_RES_TOPIC, "t"));
	/* WRITE, DELETE, ALTER imply DESCRIBE too; DESCRIBE implies none. */
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "g", "User:w", "*",
		 ACL_OP_WRITE, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "g", "User:d", "*",
		 ACL_OP_DELETE, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "g", "User:a", "*",
		 ACL_OP_ALTER, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "g", "User:r", "*",
		 ACL_OP_DESCRIBE, ACL_PERM_ALLOW));
	CHECK(CAN("User:w", ACL_OP_DESCRIBE, ACL_RES_GROUP, "g"));
	CHECK(CAN("User:d", ACL_OP_DESCRIBE, ACL_RES_GROUP, "g"));
	CHECK(CAN("User:a", ACL_OP_DESCRIBE, ACL_RES_GROUP, "g"));
	CHECK(!CAN("User:r", ACL_OP_READ, ACL_RES_GROUP, "g"));
	CHECK(!CAN("User:w", ACL_OP_CREATE, ACL_RES_GROUP, "g"));

	/* DENY wins over ALLOW ALL; ALL grants every operation. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "x", "User:eve", "*",
		 ACL_OP_ALL, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "x", "User:eve", "*",
		 ACL_OP_WRITE, ACL_PERM_DENY));
	CHECK(CAN("User:eve", ACL_OP_READ, ACL_RES_TOPIC, "x"));
	CHECK(CAN("User:eve", ACL_OP_ALTER_CONFIGS, ACL_RES_TOPIC, "x"));
	CHECK(!CAN("User:eve", ACL_OP_WRITE, ACL_RES_TOPIC, "x"));
	/* A DENY READ does not deny DESCRIBE (implication is for ALLOW). */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "x", "User:eve", "*",
		 ACL_OP_READ, ACL_PERM_DENY));
	CHECK(CAN("User:eve", ACL_OP_DESCRIBE, ACL_RES_TOPIC, "x"));
	/* DENY ALL for User:* beats everyone's ALLOW ... */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "secret-", "User:*", "*",
		 ACL_OP_ALL, ACL_PERM_DENY));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "secret-a", "User:alice", "*",
		 ACL_OP_READ, ACL_PERM_ALLOW));
	CHECK(!CAN("User:alice", ACL_OP_READ, ACL_RES_TOPIC, "secret-a"));
	/* ... except a super user's. */
	CHECK_EQ(authz_set(&cfg, "super.users", "User:root; User:ops"), 0);
	CHECK(CAN("User:ops", ACL_OP_READ, ACL_RES_TOPIC, "secret-a"));
	CHECK(CAN("User:root", ACL_OP_CLUSTER_ACTION, ACL_RES_CLUSTER,
		  ACL_CLUSTER_NAME));
	CHECK(!CAN("User:roo", ACL_OP_READ, ACL_RES_TOPIC, "secret-a"));
	CHECK(!CAN("User:root2", ACL_OP_READ, ACL_RES_TOPIC, "secret-a"));
	CHECK_EQ(authz_set(&cfg, "super.users", "root"), -EINVAL);

	/* Prefixed ALLOW, the wildcard literal name, host restriction. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "app-", "User:frank", "*",
		 ACL_OP_WRITE, ACL_PERM_ALLOW));
	CHECK(CAN("User:frank", ACL_OP_WRITE, ACL_RES_TOPIC, "app-1"));
	CHECK(CAN("User:frank", ACL_OP_WRITE, ACL_RES_TOPIC, "app-"));
	CHECK(!CAN("User:frank", ACL_OP_WRITE, ACL_RES_TOPIC, "app"));
	CHECK(!CAN("User:frank", ACL_OP_WRITE, ACL_RES_TOPIC, "xapp-1"));
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "*", "User:*", "10.0.0.1",
		 ACL_OP_READ, ACL_PERM_ALLOW));
	CHECK(CAN("User:anyone", ACL_OP_READ, ACL_RES_GROUP, "whatever"));
	CHECK(!authz_check(&cfg, s, "User:anyone", "10.0.0.2", ACL_OP_READ,
			   ACL_RES_GROUP, "whatever"));
	/* Cluster-level CREATE. */
	add(s, B(ACL_RES_CLUSTER, ACL_PAT_LITERAL, ACL_CLUSTER_NAME,
		 "User:admin", "*", ACL_OP_CREATE, ACL_PERM_ALLOW));
	CHECK(CAN("User:admin", ACL_OP_CREATE, ACL_RES_CLUSTER,
		  ACL_CLUSTER_NAME));
	CHECK(!CAN("User:admin", ACL_OP_ALTER, ACL_RES_CLUSTER,
		   ACL_CLUSTER_NAME));
	acl_store_free(s);
}

static size_t count(struct acl_store *s, struct acl_filter f)
{
	return acl_store_describe(s, &f, NULL, NULL);
}

static void delete_cb(size_t fi, const struct acl_binding *b, void *arg)
{
	size_t *n = arg;

	(void)b;
	n[fi]++;
}

static void filters_and_store(void)
{
	struct acl_binding v[] = {
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "orders", "User:a", "*",
	      ACL_OP_READ, ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", "User:b", "*", ACL_OP_WRITE,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "ord", "User:*", "h 1",
	      ACL_OP_READ, ACL_PERM_DENY),
	    B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "x", "User:a", "*", ACL_OP_READ,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_GROUP, ACL_PAT_LITERAL, "orders", "User:a", "*",
	      ACL_OP_READ, ACL_PERM_ALLOW),
	    /* Invalid ones: refused one by one. */
	    B(ACL_RES_ANY, ACL_PAT_LITERAL, "t", "User:a", "*", ACL_OP_READ,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_MATCH, "t", "User:a", "*", ACL_OP_READ,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "a", "*", ACL_OP_READ,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "User:a", "*", ACL_OP_ANY,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", "User:a", "*", ACL_OP_READ,
	      ACL_PERM_ANY),
	    B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "", "User:a", "*", ACL_OP_READ,
	      ACL_PERM_ALLOW),
	    B(ACL_RES_CLUSTER, ACL_PAT_LITERAL, "c", "User:a", "*",
	      ACL_OP_ALTER, ACL_PERM_ALLOW),
	};
	int res[12];
	struct acl_store *s, *t;
	const char *dir = t_tmpdir();

	CHECK_EQ(acl_store_open(&s, dir), 0);
	CHECK_EQ(acl_store_create(s, v, 12, res), 0);
	for (int i = 0; i < 12; i++)
		CHECK_EQ(res[i], i < 5 ? 0 : -EINVAL);
	CHECK_EQ(acl_store_count(s), 5);
	/* Duplicates are kept once. */
	CHECK_EQ(acl_store_create(s, v, 1, res), 0);
	CHECK_EQ(acl_store_count(s), 5);

	struct acl_filter any = {ACL_RES_ANY,  ACL_PAT_ANY, ACL_OP_ANY,
				 ACL_PERM_ANY, NULL,	    NULL,
				 NULL};
	struct acl_filter f = any;
	CHECK_EQ(count(s, any), 5);
	f.name = "orders"; /* ANY pattern type: exact name only */
	CHECK_EQ(count(s, f), 2);
	f.pattern = ACL_PAT_MATCH; /* literal orders, literal *, prefixed ord */
	f.res_type = ACL_RES_TOPIC;
	CHECK_EQ(count(s, f), 3);
	f.pattern = ACL_PAT_LITERAL;
	CHECK_EQ(count(s, f), 1);
	f.pattern = ACL_PAT_PREFIXED;
	CHECK_EQ(count(s, f), 0);
	f.name = "ord";
	CHECK_EQ(count(s, f), 1);
	f = any;
	f.principal = "User:*"; /* exact principal, no expansion */
	CHECK_EQ(count(s, f), 1);
	f = any;
	f.op = ACL_OP_READ;
	f.perm = ACL_PERM_ALLOW;
	CHECK_EQ(count(s, f), 3);
	f.host = "h 1";
	CHECK_EQ(count(s, f), 0);
	f = any;
	f.pattern = ACL_PAT_MATCH; /* no name: every pattern */
	CHECK_EQ(count(s, f), 5);
	f.res_type = ACL_RES_UNKNOWN;
	CHECK(acl_filter_invalid(&f));
	CHECK(!acl_filter_invalid(&any));

	/* The store survives a reopen, strings with spaces included. */
	CHECK_EQ(acl_store_open(&t, dir), 0);
	CHECK_EQ(acl_store_count(t), 5);
	for (size_t i = 0; i < 5 && acl_store_count(t) == 5; i++)
		CHECK(!memcmp(acl_store_get(s, i), acl_store_get(t, i),
			      sizeof(struct acl_binding)));
	acl_store_free(t);

	/* DeleteAcls: two filters, reported per filter; durable. */
	struct acl_filter del[2] = {any, any};
	size_t n[2] = {0, 0};
	del[0].name = "orders";
	del[0].res_type = ACL_RES_TOPIC;
	del[0].pattern = ACL_PAT_MATCH;
	del[1].principal = "User:a";
	CHECK_EQ(acl_store_delete(s, del, 2, delete_cb, n), 0);
	CHECK_EQ(n[0], 3);
	CHECK_EQ(n[1], 3); /* orders (topic), x, orders (group) */
	CHECK_EQ(acl_store_count(s), 0);
	CHECK_EQ(acl_store_open(&t, dir), 0);
	CHECK_EQ(acl_store_count(t), 0);
	acl_store_free(t);
	acl_store_free(s);

	/* A damaged file is refused, not emptied. */
	char p[4200];
	FILE *fp;
	snprintf(p, sizeof(p), "%s/%s", dir, ACL_FILE);
	CHECK_EQ(acl_store_open(&s, dir), 0);
	CHECK_EQ(acl_store_create(s, v, 2, res), 0);
	acl_store_free(s);
	fp = fopen(p, "r+");
	CHECK(fp && fseek(fp, 30, SEEK_SET) == 0 && fputc('Q', fp) == 'Q');
	if (fp)
		fclose(fp);
	CHECK_EQ(acl_store_open(&s, dir), -EBADMSG);
}

/* authz_check_any: op on some resource of a type (KIP-679's WRITE on any
 * topic for idempotent producers), as Kafka's authorizeByResourceType. */
static void by_type(void)
{
	struct authz_config cfg;
	struct acl_store *s;
	const char *w = "User:w";

	acl_store_open(&s, NULL);
	authz_defaults(&cfg);
#define ANY(p)                                                                 \
	authz_check_any(&cfg, s, p, "10.0.0.1", ACL_OP_WRITE, ACL_RES_TOPIC)
	CHECK(ANY(w)); /* disabled */
	CHECK_EQ(authz_set(&cfg, "authorizer.enabled", "true"), 0);
	CHECK(!ANY(w));
	/* READ somewhere is not WRITE; WRITE on a group is not on a topic. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "t", w, "*", ACL_OP_READ,
		 ACL_PERM_ALLOW));
	add(s, B(ACL_RES_GROUP, ACL_PAT_LITERAL, "g", w, "*", ACL_OP_WRITE,
		 ACL_PERM_ALLOW));
	CHECK(!ANY(w));
	/* A literal ALLOW, then a literal DENY of the same name covers it. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "orders", w, "*", ACL_OP_WRITE,
		 ACL_PERM_ALLOW));
	CHECK(ANY(w));
	CHECK(!ANY("User:other"));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "orders", w, "*", ACL_OP_ALL,
		 ACL_PERM_DENY));
	CHECK(!ANY(w));
	/* A prefixed ALLOW; a DENY on a shorter prefix covers it, one on a
	 * longer prefix does not. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "app-", w, "*", ACL_OP_ALL,
		 ACL_PERM_ALLOW));
	CHECK(ANY(w));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "app-x", w, "*", ACL_OP_WRITE,
		 ACL_PERM_DENY));
	CHECK(ANY(w));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_PREFIXED, "ap", w, "*", ACL_OP_WRITE,
		 ACL_PERM_DENY));
	CHECK(!ANY(w));
	/* An ALLOW on every topic (another host's DENY does not count)... */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", ACL_ANY_USER, "*",
		 ACL_OP_WRITE, ACL_PERM_ALLOW));
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", w, "10.9.9.9",
		 ACL_OP_WRITE, ACL_PERM_DENY));
	CHECK(ANY(w));
	/* ... and a DENY on every topic, which a super user ignores. */
	add(s, B(ACL_RES_TOPIC, ACL_PAT_LITERAL, "*", w, "*", ACL_OP_WRITE,
		 ACL_PERM_DENY));
	CHECK(!ANY(w));
	CHECK_EQ(authz_set(&cfg, "super.users", "User:w"), 0);
	CHECK(ANY(w));
#undef ANY
	acl_store_free(s);
}

int main(void)
{
	codes();
	rules();
	by_type();
	filters_and_store();
	return t_result();
}
