/* SPDX-License-Identifier: MIT */
/*
 * sasl_int.h — what the SASL requests (sasl_api.c) and PLAIN's worker
 * thread (sasl_plain.c) share.
 */
#ifndef ZC_BROKER_SASL_INT_H
#define ZC_BROKER_SASL_INT_H

#include <stdbool.h>

#include "security/sasl.h"

struct broker;
struct conn;
struct preply;

/* What a connection's exchange holds between requests. */
struct sasl_conn {
	struct conn *c;
	struct sasl_session *s; /* after an accepted handshake */
	enum sasl_mech mech;
	bool shaken;	       /* a handshake was answered */
	struct plain_job *job; /* a PLAIN check on the worker */
	struct preply *p;      /* a failure's answer, waiting for the delay */
	uint64_t timer;	       /* the delay's */
	char msg[160];	       /* the failure's ErrorMessage */
};

/* One PLAIN exchange handed to the worker. */
struct plain_job {
	struct plain_job *next;
	struct sasl_conn *sc; /* NULL once the connection went */
	struct preply *p;     /* the answer's place */
	bool raw;	      /* a bare token (SaslHandshake v0) */
	struct sasl_session *s;
	uint8_t *tok;
	size_t len;
	char user[SCRAM_NAME_MAX + 1];
	struct scram_cred cred[SCRAM_MECHS];
	int have[SCRAM_MECHS];
	enum sasl_result res;
	struct sasl_out out;
};

/* A job for session s (which it owns from now on) and token tok, with
 * the user's keys looked up now; NULL on no memory. */
struct plain_job *plain_job_new(struct broker *b, struct sasl_session *s,
				const uint8_t *tok, size_t len);
void plain_job_free(struct plain_job *j);
/* Queue j to the worker (started on first use); 0 or -errno. */
int sasl_plain_submit(struct broker *b, struct plain_job *j);
/* On the loop: a job came back with its result (j->sc set). Frees j. */
void sasl_plain_done(struct broker *b, struct plain_job *j);

#endif /* ZC_BROKER_SASL_INT_H */
