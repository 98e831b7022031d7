/* SPDX-License-Identifier: MIT */
/*
 * log_topics.c — topic names (Kafka's rule), create/delete, reload from
 * the directory (names containing '-' and digits), partition logs that
 * keep their data across a reopen, and the offsets directory that is
 * never taken for a topic; large topics made step by step (invisible until
 * complete, deletable and closable half made).
 */
#include "batch_builder.h"

static void test_names(void)
{
	char name[260];

	CHECK(topics_valid_name("a"));
	CHECK(topics_valid_name("my-topic.v1_X"));
	CHECK(topics_valid_name("x-0"));
	memset(name, 'n', 249);
	name[249] = '\0';
	CHECK(topics_valid_name(name));
	name[249] = 'n';
	name[250] = '\0';
	CHECK(!topics_valid_name(name));
	CHECK(!topics_valid_name(""));
	CHECK(!topics_valid_name("."));
	CHECK(!topics_valid_name(".."));
	CHECK(!topics_valid_name("a/b"));
	CHECK(!topics_valid_name("a b"));
	CHECK(!topics_valid_name("é"));
	CHECK(!topics_valid_name("__consumer_offsets"));
	CHECK(!topics_valid_name(NULL));
}

static void on_done(void *arg, int rc)
{
	int *out = arg;

	*out = rc;
}

static void test_steps(const struct log_config *c0)
{
	struct log_config c = *c0;
	struct topics *t;
	char dir[2048], p[4096];
	int done = 1, other = 1;

	c.max_partitions = 1000;
	snprintf(dir, sizeof(dir), "%s/log_topics_steps", t_tmpdir());
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	/* Small: at once, no callback. */
	CHECK_EQ(topics_create_start(t, "s", TOPICS_STEP, on_done, &done), 0);
	CHECK_EQ(done, 1);
	CHECK_EQ(topics_create_start(t, "big", 300, on_done, &done), 1);
	/* The name and the partitions are taken, nothing is visible. */
	CHECK_EQ(topics_create(t, "big", 1), -EEXIST);
	CHECK_EQ(topics_create_start(t, "big", 300, on_done, &other), -EEXIST);
	CHECK_EQ(topics_create(t, "x", 1000 - 300 - TOPICS_STEP + 1), -EDQUOT);
	CHECK_EQ(topics_partitions(t, "big"), -ENOENT);
	CHECK(topics_step(t, 100));
	CHECK_EQ(topics_partitions(t, "big"), -ENOENT);
	CHECK(topics_log(t, "big", 0) == NULL);
	CHECK_EQ(topics_count(t), 1);
	snprintf(p, sizeof(p), "%s/big-99", dir);
	CHECK_EQ(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/big-100", dir);
	CHECK(access(p, F_OK) < 0);
	CHECK(!topics_step(t, 1000));
	CHECK_EQ(done, 0);
	CHECK_EQ(topics_partitions(t, "big"), 300);
	CHECK(topics_log(t, "big", 299) != NULL);

	/* Deleted half made: ended with -ENOENT, its directories gone. */
	CHECK_EQ(topics_create_start(t, "gone", 200, on_done, &done), 1);
	CHECK_EQ(topics_create_start(t, "later", 100, on_done, &other), 1);
	CHECK(topics_step(t, 50));
	CHECK_EQ(topics_delete(t, "gone"), 0);
	CHECK_EQ(done, -ENOENT);
	snprintf(p, sizeof(p), "%s/gone-0", dir);
	CHECK(access(p, F_OK) < 0);
	CHECK(!topics_step(t, 1000));
	CHECK_EQ(other, 0);
	CHECK_EQ(topics_partitions(t, "later"), 100);

	/* Failing half way (a file where a directory goes): rolled back. */
	snprintf(p, sizeof(p), "%s/bad-150", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	CHECK_EQ(topics_create_start(t, "bad", 200, on_done, &done), 1);
	CHECK(!topics_step(t, 1000));
	CHECK(done < 0);
	snprintf(p, sizeof(p), "%s/bad-0", dir);
	CHECK(access(p, F_OK) < 0);
	snprintf(p, sizeof(p), "%s/bad-150", dir);
	unlink(p);

	/* Closed half made: rolled back, ended with -ECANCELED. */
	CHECK_EQ(topics_create_start(t, "cut", 200, on_done, &done), 1);
	CHECK(topics_step(t, 10));
	topics_close(t);
	CHECK_EQ(done, -ECANCELED);
	snprintf(p, sizeof(p), "%s/cut-0", dir);
	CHECK(access(p, F_OK) < 0);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_count(t), 3); /* s, big, later */
	topics_close(t);
	bb_rm_rf(dir);
}

int main(void)
{
	struct log_config c;
	struct topics *t;
	struct offstore *os;
	struct plog *l;
	struct plog_slice s;
	struct batch_info bi;
	uint8_t b[1024], copy[1024];
	char dir[2048], p[4096];
	size_t len;

	test_names();
	log_config_defaults(&c);
	c.index_max_bytes = 4096; /* keep the test's files small */
	test_steps(&c);
	snprintf(dir, sizeof(dir), "%s/log_topics", t_tmpdir());
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(offstore_open(&os, dir), 0);
	CHECK_EQ(offstore_commit(os, "g", "orders", 0, 1, NULL), 0);
	CHECK_EQ(topics_count(t), 0);
	CHECK_EQ(topics_create(t, "orders", 3), 0);
	CHECK_EQ(topics_create(t, "orders", 3), -EEXIST);
	CHECK_EQ(topics_create(t, "bad name", 1), -EINVAL);
	CHECK_EQ(topics_create(t, "__x", 1), -EINVAL);
	CHECK_EQ(topics_create(t, "zero", 0), -EINVAL);
	CHECK_EQ(topics_create(t, "my-topic-2", 2), 0);
	CHECK_EQ(topics_create(t, "b", 1), 0);
	CHECK_EQ(topics_count(t), 3);
	CHECK(!strcmp(topics_name(t, 0), "b"));
	CHECK(!strcmp(topics_name(t, 1), "my-topic-2"));
	CHECK(!strcmp(topics_name(t, 2), "orders"));
	CHECK(topics_name(t, 3) == NULL);
	CHECK_EQ(topics_partitions(t, "orders"), 3);
	CHECK_EQ(topics_partitions(t, "my-topic-2"), 2);
	CHECK_EQ(topics_partitions(t, "nope"), -ENOENT);
	CHECK(topics_log(t, "orders", 2) != NULL);
	CHECK(topics_log(t, "orders", 3) == NULL);
	CHECK(topics_log(t, "orders", -1) == NULL);
	CHECK(topics_log(t, "nope", 0) == NULL);
	snprintf(p, sizeof(p), "%s/my-topic-2-1", dir);
	CHECK(access(p, F_OK) == 0);

	/* One batch into orders-1, read back after a reopen. */
	l = topics_log(t, "orders", 1);
	len = bb_build(b, 3, 50, 1234, 1, 9);
	CHECK_EQ(batch_validate(b, len, c.max_message_bytes, &bi), 0);
	CHECK_EQ(plog_append(l, b, len, &bi, 0), 0);
	memcpy(copy, b, len);
	topics_maintain(t, 1234);
	topics_close(t);
	offstore_close(os);

	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_count(t), 3);
	CHECK_EQ(topics_partitions(t, "my-topic-2"), 2);
	CHECK_EQ(topics_partitions(t, "orders"), 3);
	l = topics_log(t, "orders", 1);
	CHECK(l && plog_end_offset(l) == 3);
	if (l && plog_read(l, 1, 1000, &s) == 0) {
		uint8_t got[1024];

		CHECK_EQ(s.len, len);
		CHECK(pread(s.fd, got, len, s.pos) == (ssize_t)len &&
		      !memcmp(got, copy, len));
		plog_slice_release(&s);
	}
	CHECK_EQ(plog_end_offset(topics_log(t, "orders", 0)), 0);

	CHECK_EQ(topics_delete(t, "orders"), 0);
	CHECK_EQ(topics_delete(t, "orders"), -ENOENT);
	snprintf(p, sizeof(p), "%s/orders-1", dir);
	CHECK(access(p, F_OK) < 0);
	CHECK_EQ(topics_count(t), 2);
	/* Re-created empty. */
	CHECK_EQ(topics_create(t, "orders", 1), 0);
	CHECK_EQ(plog_end_offset(topics_log(t, "orders", 0)), 0);
	topics_close(t);

	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_count(t), 3);
	CHECK_EQ(topics_partitions(t, "orders"), 1);
	topics_close(t);
	bb_rm_rf(dir);
	return t_result();
}
