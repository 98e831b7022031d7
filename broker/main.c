/* SPDX-License-Identifier: MIT */
/*
 * main.c — zcbroker: a single-node Kafka-compatible broker.
 *
 *   zcbroker [--listen HOST:PORT] [--data-dir DIR] [--config FILE]
 *            [--set NAME=VALUE ...] [-h]
 *   zcbroker users add|delete|list --data-dir DIR ...   (users_cmd.c)
 *
 * Settings apply in command-line order, so a --set after --config wins.
 * Exit 0 after SIGTERM/SIGINT (logs closed cleanly), 1 on a runtime
 * failure, 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "blog.h"
#include "broker.h"
#include "net.h"
#include "security/users_cmd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zcbroker [--listen HOST:PORT] [--data-dir DIR] "
		"[--config FILE] [--set NAME=VALUE ...] [-h]\n"
		"  --listen HOST:PORT   address to serve (default "
		"127.0.0.1:9092; port 0 picks a free one)\n"
		"  --data-dir DIR       where topics and offsets live (default "
		"./data)\n"
		"  --config FILE        Kafka-style properties file\n"
		"  --set NAME=VALUE     one setting, e.g. num.partitions=3, "
		"zc.fetch.method=splice\n");
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "zcbroker: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static struct broker b;
	if (argc > 1 && !strcmp(argv[1], "users"))
		return users_main(argc - 1, argv + 1);
	config_defaults(&b.cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc)
			return usage_err("%s: missing value or unknown option",
					 a);
		const char *v = argv[++i];
		if (!strcmp(a, "--listen")) {
			/* The short form of listeners=PLAINTEXT://HOST:PORT. */
			char host[256], one[300];
			int port;
			if (net_parse_hostport(v, host, sizeof(host), &port) ||
			    snprintf(one, sizeof(one), "PLAINTEXT://%s", v) >=
				(int)sizeof(one) ||
			    config_set(&b.cfg, "listeners", one))
				return usage_err("--listen %s: expected "
						 "HOST:PORT",
						 v);
			config_mark_given(&b.cfg, "listeners");
		} else if (!strcmp(a, "--data-dir")) {
			if (!*v || strlen(v) >= sizeof(b.cfg.data_dir))
				return usage_err("--data-dir %s: bad path", v);
			snprintf(b.cfg.data_dir, sizeof(b.cfg.data_dir), "%s",
				 v);
			config_mark_given(&b.cfg, "log.dirs");
		} else if (!strcmp(a, "--config")) {
			char err[512];
			int rc = config_load(&b.cfg, v, err, sizeof(err));
			if (rc)
				return usage_err("%s", err);
		} else if (!strcmp(a, "--set")) {
			char name[256];
			const char *eq = strchr(v, '=');
			if (!eq || eq == v || (size_t)(eq - v) >= sizeof(name))
				return usage_err(
				    "--set %s: expected NAME=VALUE", v);
			memcpy(name, v, eq - v);
			name[eq - v] = 0;
			int rc = config_set(&b.cfg, name, eq + 1);
			if (rc == -ENOENT)
				return usage_err("--set %s: unknown setting",
						 v);
			if (rc)
				return usage_err("--set %s: bad value", v);
		} else {
			i--;
			return usage_err("%s: unknown option", a);
		}
	}
	if (b.cfg.group_min_session_ms > b.cfg.group_max_session_ms)
		return usage_err("%s", "group.min.session.timeout.ms exceeds "
				       "group.max.session.timeout.ms");
	/* Many clients, several descriptors each: use the hard limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	blog("starting (zcio %s, pid %d)", zc_version(), (int)getpid());
	int rc = broker_open(&b);
	if (rc == 0)
		rc = broker_listen(&b);
	if (rc == 0)
		rc = broker_run(&b);
	broker_close(&b);
	if (rc) {
		blog("stopped: %s", strerror(-rc));
		return 1;
	}
	blog("stopped cleanly");
	return 0;
}
