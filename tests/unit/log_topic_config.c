/* SPDX-License-Identifier: MIT */
/*
 * log_topic_config.c — topic-level overrides (topic_config.c, topics.c):
 * Kafka's value rules; overrides given at creation or later are stored in
 * DIR/__topic_configs/<topic ID> and read back at open; a damaged file
 * leaves the topic on the broker's settings with every record kept; a
 * topic made again under a deleted one's name starts without its
 * overrides; a grown topic's new partitions get them; and the log obeys
 * them: segment.bytes rolls, retention.ms and
 * retention.bytes delete, max.message.bytes is the produce limit.
 */
#include <time.h>

#include "batch_builder.h"

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_rules(void)
{
	char why[256];
	int64_t v;

	CHECK_EQ(tcfg_key("segment.bytes"), TCFG_SEGMENT_BYTES);
	CHECK_EQ(tcfg_key("segment.ms"), -ENOENT);
	CHECK_EQ(tcfg_parse(TCFG_SEGMENT_BYTES, "13", &v, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "at least 14") != NULL);
	CHECK_EQ(tcfg_parse(TCFG_SEGMENT_BYTES, " 14 ", &v, why, sizeof(why)),
		 0);
	CHECK_EQ(v, 14);
	CHECK_EQ(
	    tcfg_parse(TCFG_SEGMENT_BYTES, "2147483648", &v, why, sizeof(why)),
	    -EINVAL);
	CHECK_EQ(tcfg_parse(TCFG_RETENTION_MS, "-1", &v, why, sizeof(why)), 0);
	CHECK_EQ(tcfg_parse(TCFG_RETENTION_MS, "-2", &v, why, sizeof(why)),
		 -EINVAL);
	CHECK_EQ(tcfg_parse(TCFG_RETENTION_BYTES, "-5", &v, why, sizeof(why)),
		 0);
	CHECK_EQ(tcfg_parse(TCFG_MAX_MESSAGE_BYTES, "1k", &v, why, sizeof(why)),
		 -EINVAL);
	CHECK_EQ(
	    tcfg_parse(TCFG_CLEANUP_POLICY, "delete", &v, why, sizeof(why)), 0);
	CHECK_EQ(tcfg_parse(TCFG_CLEANUP_POLICY, "delete,compact", &v, why,
			    sizeof(why)),
		 -ENOTSUP);
	CHECK(strstr(why, "compaction is not supported") != NULL);
	CHECK_EQ(tcfg_parse(TCFG_CLEANUP_POLICY, "", &v, why, sizeof(why)),
		 -EINVAL);
	CHECK_EQ(tcfg_parse(TCFG_CLEANUP_POLICY, "delete,shred", &v, why,
			    sizeof(why)),
		 -EINVAL);
}

static struct topic_cfg ov_of(int key, int64_t v)
{
	struct topic_cfg c = {0};

	c.set = 1u << key;
	c.v[key] = v;
	return c;
}

static void add(struct topic_cfg *c, int key, int64_t v)
{
	c->set |= 1u << key;
	c->v[key] = v;
}

/* Append n batches of one 100-byte record stamped ts. */
static void append(struct plog *l, int n, int64_t ts, int64_t now)
{
	static uint8_t buf[4096];

	for (int i = 0; i < n; i++) {
		size_t len = bb_build(buf, 1, 100, ts, 0, (uint64_t)i);
		struct batch_info bi;

		CHECK_EQ(batch_validate(buf, len, UINT32_MAX, &bi), 0);
		CHECK(plog_append(l, buf, len, &bi, now) >= 0);
	}
}

static size_t nsegs(const char *dir, const char *part)
{
	char p[4096];
	int64_t bases[512];

	snprintf(p, sizeof(p), "%s/%s", dir, part);
	return model_list_segments(p, bases, 512);
}

static void test_store_and_act(const char *dir)
{
	struct log_config c;
	struct topics *t;
	struct topic_cfg ov = ov_of(TCFG_SEGMENT_BYTES, 400);
	int64_t now = wall_ms();
	uint8_t id[16], buf[4096];
	char p[4096], text[23];
	struct batch_info bi;
	size_t len;

	log_config_defaults(&c);
	c.index_max_bytes = 4096;
	add(&ov, TCFG_MAX_MESSAGE_BYTES, 300);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create_cfg(t, "small", 2, &ov), 0);
	CHECK_EQ(topics_create(t, "plain", 1), 0);
	CHECK_EQ(topics_config(t, "small")->set, ov.set);
	CHECK_EQ(topics_config(t, "plain")->set, 0u);
	CHECK(topics_config(t, "none") == NULL);
	memcpy(id, topics_id(t, "small"), 16);
	tid_to_text(id, text);
	snprintf(p, sizeof(p), "%s/__topic_configs/%s", dir, text);
	CHECK(access(p, F_OK) == 0);

	/* segment.bytes=400: ~170-byte batches, two per segment. */
	append(topics_log(t, "small", 1), 10, now, now);
	append(topics_log(t, "plain", 0), 10, now, now);
	CHECK_EQ(nsegs(dir, "small-1"), 5);
	CHECK_EQ(nsegs(dir, "plain-0"), 1);
	/* max.message.bytes=300 is what produce checks batches against. */
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "small", 0)), 300);
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "plain", 0)),
		 c.max_message_bytes);
	len = bb_build(buf, 1, 400, now, 0, 1);
	CHECK_EQ(batch_validate(
		     buf, len,
		     plog_max_message_bytes(topics_log(t, "small", 0)), &bi),
		 -EMSGSIZE);
	CHECK_EQ(batch_validate(
		     buf, len,
		     plog_max_message_bytes(topics_log(t, "plain", 0)), &bi),
		 0);

	/* retention.bytes=400 on "small" later: maintenance keeps the newest
	 * ~400 bytes; "plain" keeps everything. */
	add(&ov, TCFG_RETENTION_BYTES, 400);
	CHECK_EQ(topics_set_config(t, "small", &ov), 0);
	topics_maintain(t, now);
	CHECK(plog_start_offset(topics_log(t, "small", 1)) >= 6);
	CHECK_EQ(plog_start_offset(topics_log(t, "plain", 0)), 0);
	CHECK_EQ(topics_set_config(t, "none", &ov), -ENOENT);
	topics_close(t);

	/* Reopened: the overrides are read back and used again. */
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_config(t, "small")->set, ov.set);
	CHECK_EQ(topics_config(t, "small")->v[TCFG_RETENTION_BYTES], 400);
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "small", 0)), 300);
	append(topics_log(t, "small", 0), 4, now, now);
	CHECK_EQ(nsegs(dir, "small-0"), 2);

	/* retention.ms on records 10 s old: the closed segments go, only
	 * for the topic that has the override. */
	struct topic_cfg rt = ov_of(TCFG_RETENTION_MS, 5000);
	add(&rt, TCFG_SEGMENT_BYTES, 400);
	CHECK_EQ(topics_create_cfg(t, "aged", 1, &rt), 0);
	append(topics_log(t, "aged", 0), 6, now - 10000, now);
	append(topics_log(t, "plain", 0), 6, now - 10000, now);
	topics_maintain(t, now);
	CHECK_EQ(plog_start_offset(topics_log(t, "aged", 0)), 6);
	CHECK_EQ(plog_start_offset(topics_log(t, "plain", 0)), 0);

	/* DELETE of every override: the file goes, the defaults apply. */
	struct topic_cfg none = {0};
	CHECK_EQ(topics_set_config(t, "aged", &none), 0);
	tid_to_text(topics_id(t, "aged"), text);
	snprintf(p, sizeof(p), "%s/__topic_configs/%s", dir, text);
	CHECK(access(p, F_OK) != 0);
	CHECK_EQ(topics_config(t, "aged")->set, 0u);

	/* A topic deleted and made again starts without the overrides. */
	CHECK_EQ(topics_delete(t, "small"), 0);
	tid_to_text(id, text);
	snprintf(p, sizeof(p), "%s/__topic_configs/%s", dir, text);
	CHECK(access(p, F_OK) != 0);
	CHECK_EQ(topics_create(t, "small", 1), 0);
	CHECK_EQ(topics_config(t, "small")->set, 0u);
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "small", 0)),
		 c.max_message_bytes);
	topics_close(t);
}

/* Damage the file of "dmg": the topic opens on the broker's settings
 * with every record, and a new alter writes a good file again. */
static void test_damaged(const char *dir)
{
	static const char *const bad[] = {
	    "garbage\n",
	    "version: 0\ntopic: dmg\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n"
	    "segment.bytes=400\n",
	    "version: 0\ntopic: dmg\ntopic_id: %s\nsegment.bytes=4\n",
	    "version: 0\ntopic: dmg\ntopic_id: %s\nsegment.ms=400\n",
	    "version: 7\ntopic: dmg\ntopic_id: %s\nsegment.bytes=400\n",
	};
	struct log_config c;
	struct topics *t;
	struct topic_cfg ov = ov_of(TCFG_SEGMENT_BYTES, 400);
	char p[4096], text[23], body[512];
	int64_t now = wall_ms(), end;

	log_config_defaults(&c);
	c.index_max_bytes = 4096;
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create_cfg(t, "dmg", 1, &ov), 0);
	append(topics_log(t, "dmg", 0), 5, now, now);
	end = plog_end_offset(topics_log(t, "dmg", 0));
	tid_to_text(topics_id(t, "dmg"), text);
	topics_close(t);
	snprintf(p, sizeof(p), "%s/__topic_configs/%s", dir, text);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(p, "w");

		CHECK(f != NULL);
		if (!f)
			return;
		snprintf(body, sizeof(body), bad[i], text);
		fputs(body, f);
		fclose(f);
		CHECK_EQ(topics_open(&t, dir, &c), 0);
		CHECK_EQ(topics_config(t, "dmg")->set, 0u);
		CHECK_EQ(plog_end_offset(topics_log(t, "dmg", 0)), end);
		topics_close(t);
	}
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_set_config(t, "dmg", &ov), 0);
	topics_close(t);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_config(t, "dmg")->v[TCFG_SEGMENT_BYTES], 400);
	topics_close(t);
}

static void on_done(void *arg, int rc)
{
	*(int *)arg = rc;
}

/* A topic large enough to be made over several steps gets its overrides
 * on every partition, also the last ones made. */
static void test_queued(const char *dir)
{
	struct log_config c;
	struct topics *t;
	struct topic_cfg ov = ov_of(TCFG_MAX_MESSAGE_BYTES, 777);
	int done = 1;

	log_config_defaults(&c);
	c.index_max_bytes = 4096;
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create_start_cfg(t, "big", TOPICS_STEP * 2 + 1, &ov,
					 on_done, &done),
		 1);
	while (topics_step(t, 16))
		;
	CHECK_EQ(done, 0);
	for (int32_t k = 0; k < TOPICS_STEP * 2 + 1; k++)
		CHECK_EQ(plog_max_message_bytes(topics_log(t, "big", k)), 777);
	topics_close(t);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "big", TOPICS_STEP * 2)),
		 777);
	topics_close(t);
}

/* A grown topic's new partitions run on its overrides (CreatePartitions):
 * made at once, or over several steps with the overrides changed while
 * it grows; a growth leaves the overrides file in place. */
static void test_grown(const char *dir)
{
	struct log_config c;
	struct topics *t;
	struct topic_cfg ov = ov_of(TCFG_SEGMENT_BYTES, 400);
	struct topic_cfg later = ov_of(TCFG_MAX_MESSAGE_BYTES, 555);
	int64_t now = wall_ms();
	int32_t big = 3 + TOPICS_STEP * 2;
	char p[4096], text[23];
	int done = 1;

	log_config_defaults(&c);
	c.index_max_bytes = 4096;
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create_cfg(t, "g", 1, &ov), 0);
	CHECK_EQ(topics_grow(t, "g", 3), 0);
	/* segment.bytes=400: ~170-byte batches, two per segment. */
	append(topics_log(t, "g", 2), 10, now, now);
	CHECK_EQ(nsegs(dir, "g-2"), 5);
	tid_to_text(topics_id(t, "g"), text);
	snprintf(p, sizeof(p), "%s/__topic_configs/%s", dir, text);
	CHECK(access(p, F_OK) == 0);

	CHECK_EQ(topics_grow_start(t, "g", big, on_done, &done), 1);
	CHECK(topics_step(t, TOPICS_STEP)); /* part made, not yet visible */
	add(&later, TCFG_SEGMENT_BYTES, 400);
	CHECK_EQ(topics_set_config(t, "g", &later), 0);
	while (topics_step(t, 16))
		;
	CHECK_EQ(done, 0);
	CHECK_EQ(topics_partitions(t, "g"), big);
	for (int32_t k = 0; k < big; k++)
		CHECK_EQ(plog_max_message_bytes(topics_log(t, "g", k)), 555);
	append(topics_log(t, "g", big - 1), 10, now, now);
	snprintf(p, sizeof(p), "g-%d", (int)(big - 1));
	CHECK_EQ(nsegs(dir, p), 5);
	topics_close(t);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(plog_max_message_bytes(topics_log(t, "g", big - 1)), 555);
	topics_close(t);
}

static void test_cluster_id(const char *dir)
{
	char a[23], b[23], p[4096];
	FILE *f;

	CHECK_EQ(log_mkdir_p(dir), 0);
	CHECK_EQ(log_cluster_id(dir, a), 0);
	CHECK_EQ(strlen(a), 22);
	CHECK_EQ(log_cluster_id(dir, b), 0);
	CHECK(!strcmp(a, b));
	snprintf(p, sizeof(p), "%s/meta.properties", dir);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("cluster.id=short\n", f);
	fclose(f);
	CHECK_EQ(log_cluster_id(dir, b), 0);
	CHECK(strcmp(a, b) != 0);
	snprintf(p, sizeof(p), "%s/meta.properties.damaged", dir);
	CHECK(access(p, F_OK) == 0);
}

int main(void)
{
	char dir[2048];

	test_rules();
	snprintf(dir, sizeof(dir), "%s/store", t_tmpdir());
	test_store_and_act(dir);
	snprintf(dir, sizeof(dir), "%s/damaged", t_tmpdir());
	test_damaged(dir);
	snprintf(dir, sizeof(dir), "%s/queued", t_tmpdir());
	test_queued(dir);
	snprintf(dir, sizeof(dir), "%s/grown", t_tmpdir());
	test_grown(dir);
	snprintf(dir, sizeof(dir), "%s/cluster", t_tmpdir());
	test_cluster_id(dir);
	return t_result();
}
