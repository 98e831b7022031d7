/* SPDX-License-Identifier: MIT */
/*
 * authorize.h — the one question handlers ask before they act: may this
 * connection's principal, from its host, perform an operation on a
 * resource (security/acl.h: Kafka's rules over the ACL store)?
 *
 * With authorizer.enabled=false (the default) the answer is yes without a
 * lookup: the inline test below is all a request pays. Which operation
 * each API needs is listed in docs/security.md.
 */
#ifndef BROKER_AUTHORIZE_H
#define BROKER_AUTHORIZE_H

#include <stdbool.h>

#include "broker.h"
#include "security/acl.h"

/* Open the ACL store (DATA/__acls) when the authorizer is on; a damaged
 * store is refused (logged): the broker must not start without its ACLs.
 * 0 or -errno. */
int authorize_open(struct broker *b);
void authorize_close(struct broker *b);

/* The lookup behind broker_authorized (denials logged at debug level). */
bool authorize_acl(struct broker *b, const struct conn *c, enum acl_op op,
		   enum acl_resource rt, const char *name);

static inline bool broker_authorized(struct broker *b, const struct conn *c,
				     enum acl_op op, enum acl_resource rt,
				     const char *name)
{
	return !b->cfg.authz.enabled || authorize_acl(b, c, op, rt, name);
}

/* op on the cluster resource ("kafka-cluster"). */
static inline bool broker_authorized_cluster(struct broker *b,
					     const struct conn *c,
					     enum acl_op op)
{
	return broker_authorized(b, c, op, ACL_RES_CLUSTER, ACL_CLUSTER_NAME);
}

/* Creating topic name: CREATE on the cluster or on the topic (Kafka's
 * CreateTopics, and Metadata's auto-creation). */
static inline bool broker_may_create_topic(struct broker *b,
					   const struct conn *c,
					   const char *name)
{
	return broker_authorized_cluster(b, c, ACL_OP_CREATE) ||
	       broker_authorized(b, c, ACL_OP_CREATE, ACL_RES_TOPIC, name);
}

/* op on some resource of type rt (authz_check_any). */
bool broker_authorized_any(struct broker *b, const struct conn *c,
			   enum acl_op op, enum acl_resource rt);

#endif /* BROKER_AUTHORIZE_H */
