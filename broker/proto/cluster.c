/* SPDX-License-Identifier: MIT */
/*
 * cluster.c — DescribeCluster v0-2 (KIP-700): the cluster ID kept in
 * DIR/meta.properties (log_cluster_id), this broker as the controller and
 * the only broker, at its advertised address, never fenced (KIP-1073's
 * IncludeFencedBrokers changes nothing on one node). EndpointType (v1+)
 * 1 asks for brokers; 2, controllers, is answered
 * MISMATCHED_ENDPOINT_TYPE as a Kafka broker's listener answers it, any
 * other value UNSUPPORTED_ENDPOINT_TYPE. Authorized operations (KIP-430)
 * keep Kafka's "not asked" value, -2^31, unless asked; asked, they are
 * what a Kafka broker without an authorizer answers: every operation the
 * CLUSTER resource has (AclEntry.supportedOperations), as the listeners
 * here check no ACLs.
 */
#include <errno.h>

#include "broker.h"
#include "proto/ks_handler.h"

/* AclOperation codes as bits: CREATE 5, ALTER 7, DESCRIBE 8,
 * CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
 * IDEMPOTENT_WRITE 12. */
#define CLUSTER_OPS                                                            \
	(1 << 5 | 1 << 7 | 1 << 8 | 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12)

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
		KR(k, "ClusterAuthorizedOperations")->i = CLUSTER_OPS;
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
