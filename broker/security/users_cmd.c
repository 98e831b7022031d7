/* SPDX-License-Identifier: MIT */
/*
 * users_cmd.c — `zcbroker users`:
 *
 *   zcbroker users add    --data-dir DIR NAME [--mechanism M] [--iterations N]
 *   zcbroker users delete --data-dir DIR NAME [--mechanism M]
 *   zcbroker users list   --data-dir DIR
 *
 * add reads the password from stdin (one line; echo off on a terminal),
 * never from the command line, where ps(1) would show it. M is
 * SCRAM-SHA-256 or SCRAM-SHA-512 (add: default SCRAM-SHA-512; delete:
 * default both); N is 4096..16384 (default 4096, as kafka-configs).
 * The broker reads the store when it starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "security/creds.h"
#include "security/users_cmd.h"

#define PASSWORD_MAX 1024

static int usage(void)
{
	fprintf(stderr,
		"usage: zcbroker users add --data-dir DIR NAME "
		"[--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations N]\n"
		"       zcbroker users delete --data-dir DIR NAME "
		"[--mechanism M]\n"
		"       zcbroker users list --data-dir DIR\n"
		"add reads the password from stdin.\n");
	return 2;
}

/* One line from stdin without its newline; echo off on a terminal. */
static int read_password(char *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = 0;

	if (tty) {
		fprintf(stderr, "password: ");
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		} else {
			tty = 0;
		}
	}
	if (!fgets(buf, (int)cap, stdin))
		rc = -EINVAL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (rc)
		return rc;
	*len = strlen(buf);
	if (*len && buf[*len - 1] == '\n')
		buf[--*len] = 0;
	else if (*len == cap - 1)
		return -E2BIG; /* no newline within the limit */
	if (*len && buf[*len - 1] == '\r')
		buf[--*len] = 0;
	return *len ? 0 : -EINVAL;
}

static void print_one(const char *user, enum scram_mech m,
		      const struct scram_cred *cred, void *arg)
{
	(void)arg;
	printf("%s %s iterations=%d\n", user, scram_mech_name(m),
	       cred->iterations);
}

int users_main(int argc, char **argv)
{
	const char *cmd, *dir = NULL, *name = NULL;
	int mech = -1, iterations = SCRAM_MIN_ITERATIONS, rc;
	struct creds *c;
	struct stat st;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--data-dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(a, "--mechanism") && i + 1 < argc) {
			mech = scram_mech_parse(argv[++i]);
			if (mech < 0) {
				fprintf(stderr,
					"zcbroker users: %s: unknown mechanism "
					"(SCRAM-SHA-256 or SCRAM-SHA-512)\n",
					argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--iterations") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || !*argv[i] || v < SCRAM_MIN_ITERATIONS ||
			    v > SCRAM_MAX_ITERATIONS) {
				fprintf(stderr,
					"zcbroker users: --iterations %s: must "
					"be %d..%d\n",
					argv[i], SCRAM_MIN_ITERATIONS,
					SCRAM_MAX_ITERATIONS);
				return 2;
			}
			iterations = (int)v;
		} else if (a[0] != '-' && !name) {
			name = a;
		} else {
			fprintf(stderr, "zcbroker users: %s: unexpected\n", a);
			return usage();
		}
	}
	if (!dir || (strcmp(cmd, "list") && !name) ||
	    (!strcmp(cmd, "list") && name))
		return usage();
	if (strcmp(cmd, "add") && strcmp(cmd, "delete") && strcmp(cmd, "list"))
		return usage();
	if (name && (!*name || strlen(name) > SCRAM_NAME_MAX)) {
		fprintf(stderr,
			"zcbroker users: the name must be 1..%d bytes\n",
			SCRAM_NAME_MAX);
		return 2;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "zcbroker users: %s: not a directory\n", dir);
		return 1;
	}
	rc = creds_open(&c, dir);
	if (rc) {
		fprintf(stderr, "zcbroker users: %s/%s: %s\n", dir, CREDS_FILE,
			rc == -EBADMSG ? "damaged (checksum or format); "
					 "refusing to change it"
				       : strerror(-rc));
		return 1;
	}
	if (!strcmp(cmd, "list")) {
		creds_each(c, print_one, NULL);
		creds_free(c);
		return 0;
	}
	if (!strcmp(cmd, "add")) {
		char pw[PASSWORD_MAX + 2];
		size_t len = 0;
		rc = read_password(pw, sizeof(pw), &len);
		if (rc) {
			fprintf(stderr,
				"zcbroker users: no password on stdin (one "
				"line, 1..%d bytes)\n",
				PASSWORD_MAX);
			OPENSSL_cleanse(pw, sizeof(pw));
			creds_free(c);
			return 1;
		}
		rc = creds_set_password(
		    c, name, mech < 0 ? SCRAM_SHA_512 : (enum scram_mech)mech,
		    pw, len, iterations);
		OPENSSL_cleanse(pw, sizeof(pw));
	} else {
		rc = creds_delete(c, name, mech);
		if (rc == -ENOENT) {
			fprintf(stderr, "zcbroker users: %s: no such user%s\n",
				name, mech < 0 ? "" : " for that mechanism");
			creds_free(c);
			return 1;
		}
	}
	if (!rc)
		rc = creds_save(c);
	creds_free(c);
	if (rc) {
		fprintf(stderr, "zcbroker users: %s: %s\n", cmd, strerror(-rc));
		return 1;
	}
	return 0;
}
