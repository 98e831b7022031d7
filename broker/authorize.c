/* SPDX-License-Identifier: MIT */
/*
 * authorize.c — the broker's authorizer: the ACL store opened with the
 * broker, and the check handlers make, with the connection's principal
 * and the address it came from (Kafka matches ACL hosts against the
 * client's IP address, without the port).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authorize.h"
#include "blog.h"

int authorize_open(struct broker *b)
{
	int rc;

	if (!b->cfg.authz.enabled)
		return 0;
	rc = acl_store_open(&b->acls, b->cfg.data_dir);
	if (rc == -EBADMSG) {
		blog("the ACL store %s/%s is damaged: refusing to start "
		     "(restore it from a backup, or remove it to start with "
		     "no ACLs)",
		     b->cfg.data_dir, ACL_FILE);
		return rc;
	}
	if (rc) {
		blog("cannot open the ACL store %s/%s: %s", b->cfg.data_dir,
		     ACL_FILE, strerror(-rc));
		return rc;
	}
	blog("authorizer on: %zu ACL%s, super users: %s%s",
	     acl_store_count(b->acls), acl_store_count(b->acls) == 1 ? "" : "s",
	     b->cfg.authz.super_users[0] ? b->cfg.authz.super_users : "none",
	     b->cfg.authz.allow_if_no_acl
		 ? ", allow.everyone.if.no.acl.found=true"
		 : "");
	return 0;
}

void authorize_close(struct broker *b)
{
	acl_store_free(b->acls);
	b->acls = NULL;
}

/* The client's address: the peer's "ip:port" without the port. */
static void peer_host(const struct conn *c, char *host, size_t cap)
{
	snprintf(host, cap, "%s", c->peer);
	char *colon = strrchr(host, ':');
	if (colon && colon != host)
		*colon = 0;
}

static bool checked(const struct conn *c, bool ok, enum acl_op op,
		    enum acl_resource rt, const char *name)
{
	if (!ok)
		blog_debug("%s: %s denied %s on %s %s", c->peer, c->principal,
			   acl_op_name(op), acl_res_name(rt), name);
	return ok;
}

bool authorize_acl(struct broker *b, const struct conn *c, enum acl_op op,
		   enum acl_resource rt, const char *name)
{
	char host[sizeof(c->peer)];

	peer_host(c, host, sizeof(host));
	return checked(c,
		       authz_check(&b->cfg.authz, b->acls, c->principal, host,
				   op, rt, name),
		       op, rt, name);
}

bool broker_authorized_any(struct broker *b, const struct conn *c,
			   enum acl_op op, enum acl_resource rt)
{
	char host[sizeof(c->peer)];

	if (!b->cfg.authz.enabled)
		return true;
	peer_host(c, host, sizeof(host));
	return checked(
	    c,
	    authz_check_any(&b->cfg.authz, b->acls, c->principal, host, op, rt),
	    op, rt, "(any)");
}
