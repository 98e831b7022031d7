/* SPDX-License-Identifier: MIT */
/*
 * topic_answer.h — what a CreateTopics or CreatePartitions answer says of
 * each topic, kept apart from the request: the answer of a large topic is
 * built when its partitions are made (create_wait.c), after the request
 * is gone. Both answers are a list of (name, error, message), and
 * CreateTopics v5+ adds what the topic is made of (topics_admin.c).
 */
#ifndef ZC_BROKER_TOPIC_ANSWER_H
#define ZC_BROKER_TOPIC_ANSWER_H

#include <stdint.h>

struct broker;
struct resp;

struct ct_topic {
	char *name; /* NULL: the request named none */
	int16_t err;
	const char *msg; /* NULL: the error's usual text */
	int32_t parts;
	char text[160]; /* room for a message made for this topic */
};

struct ct_answer {
	struct broker *b;
	int16_t key; /* API_CREATE_TOPICS or API_CREATE_PARTITIONS */
	int16_t ver;
	int32_t n;
	struct ct_topic t[];
};

struct ks_call;
struct create_wait;

/* An answer of n topics for the request of k (calloc'ed), or NULL. */
struct ct_answer *ct_new(struct ks_call *k, int32_t n);
/* Answer now, or once cw's queued topics are made (ans is then the
 * wait's): what the handler returns. */
int ct_finish(struct ks_call *k, struct create_wait *cw, struct ct_answer *ans);
/* The answer built into r at its version; freed (create_wait_end's
 * build and drop). */
void ct_build(void *state, struct resp *r);
void ct_drop(void *state);

#endif /* ZC_BROKER_TOPIC_ANSWER_H */
