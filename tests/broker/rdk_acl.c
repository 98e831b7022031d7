/* SPDX-License-Identifier: MIT */
/*
 * rdk_acl.c — librdkafka's admin ACL calls (rd_kafka_CreateAcls,
 * rd_kafka_DescribeAcls, rd_kafka_DeleteAcls: the library confluent-kafka's
 * AdminClient wraps) against zcbroker with the authorizer on, the client
 * a super user:
 *
 *   rdk_acl                                   its own broker (a child
 *                                             process), PLAINTEXT, as
 *                                             User:ANONYMOUS
 *   rdk_acl BOOTSTRAP PROPERTIES-FILE PRINCIPAL   a running broker, with
 *                                             the client settings of the
 *                                             file (SASL, say)
 *
 * Two valid bindings and an invalid one (a CLUSTER binding not named
 * kafka-cluster: INVALID_REQUEST for it alone) are created, listed by a
 * match-anything filter, deleted by it (the answer lists both) and then
 * gone. Exit 0 when all of it holds, 1 with a reason otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "broker.h"
#include "helpers.h"

static int fails;

/* A broker in a child process (forked before any client thread): the
 * authorizer on, User:ANONYMOUS a super user. Returns its port. */
static int start_broker(pid_t *pid)
{
	int p[2], port = 0;

	if (pipe(p))
		t_fatal("pipe: %s", strerror(errno));
	*pid = fork();
	if (*pid < 0)
		t_fatal("fork: %s", strerror(errno));
	if (*pid == 0) {
		static struct broker b;
		close(p[0]);
		config_defaults(&b.cfg);
		snprintf(b.cfg.data_dir, sizeof(b.cfg.data_dir), "%s/data",
			 t_tmpdir());
		if (config_set(&b.cfg, "listeners",
			       "PLAINTEXT://127.0.0.1:0") ||
		    config_set(&b.cfg, "authorizer.enabled", "true") ||
		    config_set(&b.cfg, "super.users", "User:ANONYMOUS") ||
		    broker_open(&b) || broker_listen(&b))
			_exit(1);
		port = b.lst[0].l.port;
		if (write(p[1], &port, sizeof(port)) != (ssize_t)sizeof(port))
			_exit(1);
		close(p[1]);
		int rc = broker_run(&b);
		broker_close(&b);
		_exit(rc ? 1 : 0);
	}
	close(p[1]);
	if (read(p[0], &port, sizeof(port)) != (ssize_t)sizeof(port))
		t_fatal("the broker did not start");
	close(p[0]);
	return port;
}

#define EXPECT(c, ...)                                                         \
	do {                                                                   \
		if (!(c)) {                                                    \
			printf("FAIL: " __VA_ARGS__);                          \
			printf("\n");                                          \
			fails++;                                               \
		}                                                              \
	} while (0)

static rd_kafka_t *client(const char *bootstrap, const char *props)
{
	char err[512], line[1024];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	FILE *f = fopen(props, "r");

	if (!f) {
		perror(props);
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		line[strcspn(line, "\r\n")] = 0;
		if (!eq || line[0] == '#')
			continue;
		*eq = 0;
		if (rd_kafka_conf_set(conf, line, eq + 1, err, sizeof(err))) {
			printf("FAIL: %s: %s\n", line, err);
			exit(1);
		}
	}
	fclose(f);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err,
			      sizeof(err))) {
		printf("FAIL: %s\n", err);
		exit(1);
	}
	rd_kafka_t *rk =
	    rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		printf("FAIL: rd_kafka_new: %s\n", err);
		exit(1);
	}
	return rk;
}

/* The next admin result of type want on q (NULL on timeout). */
static rd_kafka_event_t *result(rd_kafka_queue_t *q, rd_kafka_event_type_t want)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);

	if (!ev || rd_kafka_event_type(ev) != want) {
		printf("FAIL: no admin result (%s)\n",
		       ev ? rd_kafka_event_name(ev) : "timeout");
		exit(1);
	}
	if (rd_kafka_event_error(ev))
		printf("FAIL: request: %s\n", rd_kafka_event_error_string(ev));
	return ev;
}

static rd_kafka_AclBindingFilter_t *match_all(void)
{
	char err[256];
	rd_kafka_AclBindingFilter_t *f = rd_kafka_AclBindingFilter_new(
	    RD_KAFKA_RESOURCE_ANY, NULL, RD_KAFKA_RESOURCE_PATTERN_ANY, NULL,
	    NULL, RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
	    err, sizeof(err));
	if (!f) {
		printf("FAIL: filter: %s\n", err);
		exit(1);
	}
	return f;
}

/* DescribeAcls with a match-anything filter: how many bindings, and
 * whether name is one of them. */
static size_t describe(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *name,
		       int *has)
{
	rd_kafka_AclBindingFilter_t *f = match_all();
	size_t n = 0;

	rd_kafka_DescribeAcls(rk, f, NULL, q);
	rd_kafka_event_t *ev = result(q, RD_KAFKA_EVENT_DESCRIBEACLS_RESULT);
	const rd_kafka_AclBinding_t **acls = rd_kafka_DescribeAcls_result_acls(
	    rd_kafka_event_DescribeAcls_result(ev), &n);
	*has = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rd_kafka_AclBinding_name(acls[i]), name))
			*has = 1;
	rd_kafka_event_destroy(ev);
	rd_kafka_AclBinding_destroy(f);
	return n;
}

int main(int argc, char **argv)
{
	char err[256];
	int has;

	char addr[64], props[4200];
	pid_t pid = 0;
	const char *who = "User:ANONYMOUS";

	if (argc != 1 && argc != 4) {
		fprintf(stderr,
			"usage: rdk_acl [BOOTSTRAP PROPERTIES PRINCIPAL]\n");
		return 2;
	}
	if (argc == 1) {
		snprintf(addr, sizeof(addr), "127.0.0.1:%d",
			 start_broker(&pid));
		snprintf(props, sizeof(props), "%s/client.properties",
			 t_tmpdir());
		FILE *f = fopen(props, "w");
		if (!f || fputs("security.protocol=plaintext\n", f) < 0 ||
		    fclose(f))
			t_fatal("cannot write %s", props);
	} else {
		snprintf(addr, sizeof(addr), "%s", argv[1]);
		snprintf(props, sizeof(props), "%s", argv[2]);
		who = argv[3];
	}
	rd_kafka_t *rk = client(addr, props);
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AclBinding_t *b[3] = {
	    rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_TOPIC, "rk-t",
				    RD_KAFKA_RESOURCE_PATTERN_LITERAL, who, "*",
				    RD_KAFKA_ACL_OPERATION_READ,
				    RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, err,
				    sizeof(err)),
	    /* BROKER is wire code 4, Kafka's CLUSTER resource type. */
	    rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_BROKER, "not-the-cluster",
				    RD_KAFKA_RESOURCE_PATTERN_LITERAL, who, "*",
				    RD_KAFKA_ACL_OPERATION_ALTER,
				    RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, err,
				    sizeof(err)),
	    rd_kafka_AclBinding_new(RD_KAFKA_RESOURCE_GROUP, "rk-",
				    RD_KAFKA_RESOURCE_PATTERN_PREFIXED, who,
				    "*", RD_KAFKA_ACL_OPERATION_READ,
				    RD_KAFKA_ACL_PERMISSION_TYPE_DENY, err,
				    sizeof(err)),
	};
	for (int i = 0; i < 3; i++)
		if (!b[i]) {
			printf("FAIL: binding %d: %s\n", i, err);
			return 1;
		}

	rd_kafka_CreateAcls(rk, b, 3, NULL, q);
	rd_kafka_event_t *ev = result(q, RD_KAFKA_EVENT_CREATEACLS_RESULT);
	size_t n = 0;
	const rd_kafka_acl_result_t **res = rd_kafka_CreateAcls_result_acls(
	    rd_kafka_event_CreateAcls_result(ev), &n);
	EXPECT(n == 3, "CreateAcls: %zu results for 3 bindings", n);
	for (size_t i = 0; i < n && i < 3; i++) {
		const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[i]);
		rd_kafka_resp_err_t code = e ? rd_kafka_error_code(e) : 0;
		if (i == 1)
			EXPECT(code == RD_KAFKA_RESP_ERR_INVALID_REQUEST,
			       "CreateAcls: the bad binding got %s",
			       rd_kafka_err2name(code));
		else
			EXPECT(!code, "CreateAcls: binding %zu got %s", i,
			       rd_kafka_err2name(code));
	}
	rd_kafka_event_destroy(ev);

	EXPECT(describe(rk, q, "rk-t", &has) == 2 && has,
	       "DescribeAcls: expected the two bindings");

	rd_kafka_AclBindingFilter_t *f = match_all();
	rd_kafka_DeleteAcls(rk, &f, 1, NULL, q);
	ev = result(q, RD_KAFKA_EVENT_DELETEACLS_RESULT);
	const rd_kafka_DeleteAcls_result_response_t **dr =
	    rd_kafka_DeleteAcls_result_responses(
		rd_kafka_event_DeleteAcls_result(ev), &n);
	EXPECT(n == 1, "DeleteAcls: %zu responses for 1 filter", n);
	if (n == 1) {
		size_t m = 0;
		EXPECT(!rd_kafka_DeleteAcls_result_response_error(dr[0]),
		       "DeleteAcls: the filter failed");
		rd_kafka_DeleteAcls_result_response_matching_acls(dr[0], &m);
		EXPECT(m == 2, "DeleteAcls: %zu bindings removed, not 2", m);
	}
	rd_kafka_event_destroy(ev);
	rd_kafka_AclBinding_destroy(f);
	EXPECT(describe(rk, q, "rk-t", &has) == 0,
	       "DescribeAcls after DeleteAcls: bindings left");

	for (int i = 0; i < 3; i++)
		rd_kafka_AclBinding_destroy(b[i]);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	if (pid > 0) {
		int st = 0;
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "the broker stopped with status %d", st);
	}
	if (!fails)
		printf(
		    "librdkafka: CreateAcls, DescribeAcls, DeleteAcls agree\n");
	return fails ? 1 : 0;
}
