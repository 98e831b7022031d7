/* SPDX-License-Identifier: MIT */
/*
 * proto_configs.c — DescribeConfigs v1-4, AlterConfigs v0-2,
 * IncrementalAlterConfigs v0-1 and DescribeCluster v0-2 driven through
 * broker_dispatch() at every version, for what the real clients of
 * tests/broker/topic_configs.sh do not reach: key filters, synonyms and
 * documentation only when asked, another broker's id, other resource
 * types, null values, unknown operations, validate_only, endpoint types;
 * then every request is cut and has bytes changed (never a crash).
 */
#include "batch_builder.h"
#include "blog.h"
#include "proto/ks_handler.h"
#include "proto_harness.h"

static struct tconn T;
static struct ks_arena A;
#define MAXREQ 64
static struct kw kept[MAXREQ];
static int nkept;

#define Q(key, v, name) ks_get(&ks_req(key)->root, (v), (name))
#define R(key, v, name) ks_get(&ks_resp(key)->root, (v), (name))

/* Send req (API key at ver) and decode its answer, or NULL. */
static struct kv *ask(int key, int ver, struct kv *req)
{
	static int32_t corr = 7000;
	const struct ks_msg *hm = ks_req_header(), *qm = ks_req(key);
	struct kv *h = ks_new(hm, &A), *out = ks_alloc(&A, sizeof(*out));
	struct kw w;
	struct kr r;
	size_t len;
	const uint8_t *p;

	ks_get(&hm->root, h, "RequestApiKey")->i = key;
	ks_get(&hm->root, h, "RequestApiVersion")->i = ver;
	ks_get(&hm->root, h, "CorrelationId")->i = ++corr;
	kv_setstr(ks_get(&hm->root, h, "ClientId"), "cfg");
	kw_init(&w);
	CHECK_EQ(ks_encode(hm, ks_req_header_ver(qm, ver), h, &w), 0);
	CHECK_EQ(ks_encode(qm, ver, req, &w), 0);
	if (nkept < MAXREQ) {
		kw_init(&kept[nkept]);
		kw_raw(&kept[nkept++], w.buf, w.len);
	}
	p = th_call(&T, &w, corr, &len);
	kw_free(&w);
	if (!p) {
		CHECK(!"no answer");
		return NULL;
	}
	kr_init(&r, p, len);
	if (ks_resp_header_ver(ks_resp(key), ver) >= 1)
		kr_tags(&r);
	if (ks_decode(ks_resp(key), ver, &r, &A, out) < 0) {
		CHECK(!"answer does not decode");
		return NULL;
	}
	return out;
}

/* A DescribeConfigs request for one resource; keys: NULL for all. */
static struct kv *dc_req(int8_t type, const char *name, const char *key,
			 bool synonyms, bool docs)
{
	const struct ks_struct *rs = ks_sub(&ks_req(32)->root, "Resources");
	struct kv *q = ks_new(ks_req(32), &A), *e;

	CHECK_EQ(ks_resize(&ks_req(32)->root, q, "Resources", 1, &A), 0);
	e = &Q(32, q, "Resources")->a.v[0];
	ks_get(rs, e, "ResourceType")->i = type;
	kv_setstr(ks_get(rs, e, "ResourceName"), name);
	CHECK_EQ(ks_resize(rs, e, "ConfigurationKeys", key ? 2 : -1, &A), 0);
	if (key) {
		kv_setstr(&ks_get(rs, e, "ConfigurationKeys")->a.v[0], key);
		kv_setstr(&ks_get(rs, e, "ConfigurationKeys")->a.v[1], "nope");
	}
	Q(32, q, "IncludeSynonyms")->i = synonyms;
	Q(32, q, "IncludeDocumentation")->i = docs;
	return q;
}

/* The one result of a DescribeConfigs answer. */
static struct kv *dc_result(struct kv *a)
{
	struct kv *res = a ? R(32, a, "Results") : NULL;

	if (!res || res->a.n != 1) {
		CHECK(!"one result");
		return NULL;
	}
	return &res->a.v[0];
}

static void broker_settings(void);

static void t_describe(void)
{
	const struct ks_struct *rs = ks_sub(&ks_resp(32)->root, "Results");
	const struct ks_struct *cs = ks_sub(rs, "Configs");
	struct topic_cfg ov = {.set = 1u << TCFG_RETENTION_MS};

	ov.v[TCFG_RETENTION_MS] = 1234;
	CHECK_EQ(topics_create_cfg(th_b.topics, "dc", 1, &ov), 0);
	for (int v = 1; v <= 4; v++) {
		struct kv *o =
		    dc_result(ask(32, v, dc_req(2, "dc", NULL, 0, 0)));
		struct kv *cf;

		if (!o)
			return;
		CHECK_EQ(ks_get(rs, o, "ErrorCode")->i, 0);
		cf = ks_get(rs, o, "Configs");
		CHECK_EQ(cf->a.n, TCFG_NKEYS);
		for (int32_t i = 0; i < cf->a.n; i++) {
			struct kv *e = &cf->a.v[i];

			CHECK_EQ(ks_get(cs, e, "Synonyms")->a.n, 0);
			if (v >= 3) /* null unless asked */
				CHECK_EQ(ks_get(cs, e, "Documentation")->s.len,
					 -1);
			CHECK_EQ(ks_get(cs, e, "ReadOnly")->i, 0);
		}
		/* Only the keys asked for; unknown ones left out. */
		o = dc_result(
		    ask(32, v, dc_req(2, "dc", "retention.ms", 1, v >= 3)));
		if (!o)
			return;
		cf = ks_get(rs, o, "Configs");
		CHECK_EQ(cf->a.n, 1);
		if (cf->a.n != 1)
			continue;
		CHECK(kstr_eq(ks_get(cs, cf->a.v, "Value")->s, "1234"));
		CHECK_EQ(ks_get(cs, cf->a.v, "ConfigSource")->i, 1);
		CHECK_EQ(ks_get(cs, cf->a.v, "ConfigType")->i, v >= 3 ? 5 : 0);
		CHECK_EQ(ks_get(cs, cf->a.v, "Synonyms")->a.n, 2);
		if (v >= 3)
			CHECK(ks_get(cs, cf->a.v, "Documentation")->s.len > 0);
		/* The broker: read-only, under its id or "". */
		o = dc_result(ask(32, v, dc_req(4, "1", NULL, 1, 0)));
		if (!o)
			return;
		cf = ks_get(rs, o, "Configs");
		CHECK_EQ(ks_get(rs, o, "ErrorCode")->i, 0);
		CHECK(cf->a.n > 20);
		for (int32_t i = 0; i < cf->a.n; i++)
			CHECK_EQ(ks_get(cs, &cf->a.v[i], "ReadOnly")->i, 1);
		o = dc_result(ask(32, v, dc_req(4, "", "log.dirs", 0, 0)));
		CHECK(o && ks_get(rs, o, "Configs")->a.n == 1);
		/* Errors: another broker, another type, an unknown topic. */
		o = dc_result(ask(32, v, dc_req(4, "7", NULL, 0, 0)));
		CHECK(o &&
		      ks_get(rs, o, "ErrorCode")->i == KERR_INVALID_REQUEST);
		CHECK(o && ks_get(rs, o, "ErrorMessage")->s.len > 0);
		o = dc_result(ask(32, v, dc_req(8, "1", NULL, 0, 0)));
		CHECK(o &&
		      ks_get(rs, o, "ErrorCode")->i == KERR_INVALID_REQUEST);
		o = dc_result(ask(32, v, dc_req(2, "gone", NULL, 0, 0)));
		CHECK(o && ks_get(rs, o, "ErrorCode")->i == KERR_UNKNOWN_TOPIC);
	}
	CHECK(config_sensitive("ssl.keystore.password"));
	CHECK(config_sensitive("ssl.key.password"));
	CHECK(config_sensitive("ssl.keystore.key"));
	CHECK(!config_sensitive("ssl.keystore.location"));
	CHECK(!config_sensitive("log.dirs"));
	broker_settings();
}

/* Settings kept by the listener, TLS and authorizer modules are listed
 * and count as given too; secrets are listed without their value. */
static void broker_settings(void)
{
	struct bconfig *c = malloc(sizeof(*c));
	struct config_item *it = malloc(sizeof(*it));
	bool seen_listeners = false, seen_key = false, seen_authz = false;

	CHECK(c && it);
	if (!c || !it)
		goto out;
	config_defaults(c);
	CHECK(!config_given(c, "listeners"));
	for (size_t i = 0; config_item(c, i, it) == 0; i++)
		if (!strcmp(it->name, "listeners"))
			CHECK(!strcmp(it->value, "PLAINTEXT://127.0.0.1:9092"));
	CHECK_EQ(config_set(c, "listeners", "PLAINTEXT://:19092"), 0);
	CHECK_EQ(config_set(c, "advertised.listeners",
			    "PLAINTEXT://kafka.example:19092"),
		 0);
	CHECK_EQ(config_set(c, "ssl.keystore.key", "PEM-SECRET"), 0);
	CHECK_EQ(config_set(c, "authorizer.enabled", "true"), 0);
	CHECK(config_given(c, "listeners"));
	CHECK(config_given(c, "ssl.keystore.key"));
	CHECK(!config_given(c, "ssl.key.password"));
	for (size_t i = 0; config_item(c, i, it) == 0; i++) {
		if (!strcmp(it->name, "listeners")) {
			seen_listeners = true;
			CHECK(it->given);
			CHECK(!strcmp(it->value, "PLAINTEXT://:19092"));
		} else if (!strcmp(it->name, "advertised.listeners")) {
			CHECK(!strcmp(it->value,
				      "PLAINTEXT://kafka.example:19092"));
		} else if (!strcmp(it->name, "ssl.keystore.key")) {
			seen_key = true;
			CHECK(it->given && it->sensitive);
			CHECK(!strstr(it->value, "SECRET"));
		} else if (!strcmp(it->name, "authorizer.enabled")) {
			seen_authz = true;
			CHECK(it->given && !strcmp(it->value, "true"));
		}
	}
	CHECK(seen_listeners && seen_key && seen_authz);
	config_free(c);
out:
	free(c);
	free(it);
}

/* An (Incremental)AlterConfigs request of one TOPIC or BROKER resource
 * and one config; op < 0: the legacy API. */
static int16_t alter(int key, int ver, int8_t type, const char *res,
		     const char *name, const char *value, int op, bool only)
{
	const struct ks_struct *rs = ks_sub(&ks_req(key)->root, "Resources");
	const struct ks_struct *cs = ks_sub(rs, "Configs");
	struct kv *q = ks_new(ks_req(key), &A), *e, *c, *a;

	CHECK_EQ(ks_resize(&ks_req(key)->root, q, "Resources", 1, &A), 0);
	e = &Q(key, q, "Resources")->a.v[0];
	ks_get(rs, e, "ResourceType")->i = type;
	kv_setstr(ks_get(rs, e, "ResourceName"), res);
	CHECK_EQ(ks_resize(rs, e, "Configs", 1, &A), 0);
	c = ks_get(rs, e, "Configs")->a.v;
	kv_setstr(ks_get(cs, c, "Name"), name);
	kv_setstr(ks_get(cs, c, "Value"), value);
	if (op >= 0)
		ks_get(cs, c, "ConfigOperation")->i = op;
	Q(key, q, "ValidateOnly")->i = only;
	a = ask(key, ver, q);
	if (!a || R(key, a, "Responses")->a.n != 1)
		return -999;
	e = R(key, a, "Responses")->a.v;
	return (int16_t)ks_get(ks_sub(&ks_resp(key)->root, "Responses"), e,
			       "ErrorCode")
	    ->i;
}

static int64_t seg_bytes(void)
{
	const struct topic_cfg *c = topics_config(th_b.topics, "dc");

	return c->set & 1u << TCFG_SEGMENT_BYTES ? c->v[TCFG_SEGMENT_BYTES]
						 : -1;
}

static void t_alter(void)
{
	struct topic_cfg none = {0}, c900 = {.set = 1u << TCFG_SEGMENT_BYTES};

	c900.v[TCFG_SEGMENT_BYTES] = 900;
	for (int v = 0; v <= 2; v++) {
		CHECK_EQ(topics_set_config(th_b.topics, "dc", &none), 0);
		CHECK_EQ(alter(33, v, 2, "dc", "segment.bytes", NULL, -1, 0),
			 KERR_INVALID_REQUEST);
		CHECK_EQ(alter(33, v, 2, "dc", "segment.bytes", "900", -1, 1),
			 0);
		CHECK_EQ(seg_bytes(), -1); /* validate_only */
		CHECK_EQ(
		    alter(33, v, 4, "1", "log.segment.bytes", "900", -1, 0),
		    KERR_INVALID_REQUEST);
		CHECK_EQ(alter(33, v, 2, "dc", "segment.bytes", "900", -1, 0),
			 0);
		CHECK_EQ(seg_bytes(), 900);
		/* Full replacement: retention.ms (set at creation) is gone. */
		CHECK_EQ(topics_config(th_b.topics, "dc")->set,
			 1u << TCFG_SEGMENT_BYTES);
		CHECK_EQ(alter(33, v, 2, "dc", "segment.bytes", "-1", -1, 0),
			 KERR_INVALID_CONFIG);
		CHECK_EQ(seg_bytes(), 900); /* all or nothing */
	}
	for (int v = 0; v <= 1; v++) {
		CHECK_EQ(topics_set_config(th_b.topics, "dc", &c900), 0);
		CHECK_EQ(alter(44, v, 2, "dc", "segment.bytes", "1", 9, 0),
			 KERR_INVALID_REQUEST);
		CHECK_EQ(alter(44, v, 2, "dc", "segment.bytes", NULL, 0, 0),
			 KERR_INVALID_REQUEST);
		CHECK_EQ(alter(44, v, 2, "dc", "segment.bytes", "700", 0, 1),
			 0);
		CHECK_EQ(seg_bytes(), 900);
		CHECK_EQ(alter(44, v, 2, "dc", "segment.bytes", "700", 0, 0),
			 0);
		CHECK_EQ(seg_bytes(), 700);
		CHECK_EQ(alter(44, v, 2, "dc", "segment.bytes", NULL, 1, 0), 0);
		CHECK_EQ(seg_bytes(), -1);
		CHECK_EQ(alter(44, v, 5, "x", "a", "b", 0, 0),
			 KERR_INVALID_REQUEST);
		CHECK_EQ(alter(44, v, 2, "gone", "segment.bytes", "700", 0, 0),
			 KERR_UNKNOWN_TOPIC);
	}
}

static void t_cluster(void)
{
	const struct ks_struct *bs = ks_sub(&ks_resp(60)->root, "Brokers");

	for (int v = 0; v <= 2; v++) {
		struct kv *q = ks_new(ks_req(60), &A);
		struct kv *a = ask(60, v, q), *b;

		if (!a)
			return;
		CHECK_EQ(R(60, a, "ErrorCode")->i, 0);
		CHECK(kstr_eq(R(60, a, "ClusterId")->s, th_b.cluster_id));
		CHECK_EQ(strlen(th_b.cluster_id), 22);
		CHECK_EQ(R(60, a, "ControllerId")->i, th_b.cfg.node_id);
		CHECK_EQ(R(60, a, "ClusterAuthorizedOperations")->i, INT32_MIN);
		CHECK_EQ(R(60, a, "Brokers")->a.n, 1);
		b = R(60, a, "Brokers")->a.v;
		CHECK_EQ(ks_get(bs, b, "BrokerId")->i, th_b.cfg.node_id);
		CHECK(kstr_eq(ks_get(bs, b, "Host")->s, th_b.adv_host));
		CHECK_EQ(ks_get(bs, b, "Port")->i, th_b.adv_port);
		Q(60, q, "IncludeClusterAuthorizedOperations")->i = 1;
		a = ask(60, v, q);
		CHECK(a && R(60, a, "ClusterAuthorizedOperations")->i == 8096);
		if (v == 0)
			continue;
		Q(60, q, "EndpointType")->i = 2;
		a = ask(60, v, q);
		CHECK(a && R(60, a, "ErrorCode")->i ==
			       KERR_MISMATCHED_ENDPOINT_TYPE);
		Q(60, q, "EndpointType")->i = 3;
		a = ask(60, v, q);
		CHECK(a && R(60, a, "ErrorCode")->i ==
			       KERR_UNSUPPORTED_ENDPOINT_TYPE);
	}
}

int main(void)
{
	th_setup();
	th_conn(&T);
	ks_arena_init(&A, 1u << 28);
	t_describe();
	t_alter();
	t_cluster();
	blog_quiet(1);
	th_mutate(&T, kept, nkept);
	blog_quiet(0);
	ks_arena_free(&A);
	th_teardown();
	for (int i = 0; i < nkept; i++)
		kw_free(&kept[i]);
	return t_result();
}
