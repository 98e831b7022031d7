/* SPDX-License-Identifier: MIT */
/*
 * cluster.c — DescribeCluster v0-2 (KIP-700): the cluster ID kept in
 * DIR/meta.properties (log_cluster_id), this broker as the controller and
 * the only broker, at its advertised address, never fenced (KIP-1073's
 * IncludeFencedBrokers changes nothing on one node). EndpointType (v1+)
 * 1 asks for brokers; 2, controllers, is answered
 * MISMATCHED_ENDPOINT_TYPE as a Kafka broker's listener answers it, any
 * other value UNSUPPORTED_ENDPOINT_TYPE. The call itself needs no ACL
 * (Kafka's handleDescribeCluster). Authorized operations (KIP-430) keep
 * Kafka's "not asked" value, -2^31, unless asked; asked, they are 0
 * without DESCRIBE on the cluster, else the operations of the CLUSTER
 * resource (AclEntry.supportedOperations) the principal is allowed: all
 * of them with authorizer.enabled=false, as a Kafka broker without an
 * authorizer answers.
 */
#include <errno.h>

#include "authorize.h"
#include "broker.h"
#include "proto/ks_handler.h"

/* The operations the CLUSTER resource has. */
static const enum acl_op cluster_ops[] = {
    ACL_OP_CREATE,	     ACL_OP_ALTER,
    ACL_OP_DESCRIBE,	     ACL_OP_CLUSTER_ACTION,
    ACL_OP_DESCRIBE_CONFIGS, ACL_OP_ALTER_CONFIGS,
    ACL_OP_IDEMPOTENT_WRITE,
};

/* ClusterAuthorizedOperations: AclOperation codes as bits. */
static int32_t cluster_authorized(struct ks_call *k)
{
	int32_t bits = 0;

	if (!broker_authorized_cluster(k->b, k->c, ACL_OP_DESCRIBE))
		return 0;
	for (size_t i = 0; i < sizeof(cluster_ops) / sizeof(cluster_ops[0]);
	     i++)
		if (broker_authorized_cluster(k->b, k->c, cluster_ops[i]))
			bits |= (int32_t)1 << cluster_ops[i];
	return bits;
}

static int describecluster(struct ks_call *k)
{
	const struct ks_struct *bs = ks_sub(&k->rm->root, "Brokers");
	int8_t type = (int8_t)KQ(k, "EndpointType")->i;
	const char *host;
	int port;
	struct kv *o;

	KR(k, "EndpointType")->i = type;
	if (type != 1) {
		bool ctl = type == 2;

		KR(k, "ErrorCode")->i = ctl ? KERR_MISMATCHED_ENDPOINT_TYPE
					    : KERR_UNSUPPORTED_ENDPOINT_TYPE;
		kv_setstr(KR(k, "ErrorMessage"),
			  ctl ? "The request was sent to a broker, not to a "
				"controller endpoint."
			      : "This endpoint type is not supported.");
		return API_REPLY;
	}
	kv_setstr(KR(k, "ClusterId"), k->b->cluster_id);
	if (KQ(k, "IncludeClusterAuthorizedOperations")->i)
		KR(k, "ClusterAuthorizedOperations")->i = cluster_authorized(k);
	KR(k, "ControllerId")->i = k->b->cfg.node_id;
	if (ks_resize(&k->rm->root, k->resp, "Brokers", 1, &k->a) < 0)
		return -ENOMEM;
	o = &KR(k, "Brokers")->a.v[0];
	broker_advertised(k->b, k->c, &host, &port);
	ks_get(bs, o, "BrokerId")->i = k->b->cfg.node_id;
	kv_setstr(ks_get(bs, o, "Host"), host);
	ks_get(bs, o, "Port")->i = port;
	return API_REPLY;
}

int api_describecluster(struct broker *b, struct conn *c, const struct kreq *q,
			struct kr *in, struct resp *r)
{
	return ks_handle(b, c, q, in, r, 0, describecluster);
}
