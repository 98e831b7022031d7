/* SPDX-License-Identifier: MIT */
/*
 * log_topic_ids.c — topic IDs (KIP-516): every topic gets a random
 * version-4 UUID at creation, written as Kafka writes it (partition.metadata
 * in each partition directory, URL-safe base64); it survives a reopen;
 * a topic found without one gets one at startup, persisted; a deleted
 * topic leaves no directory behind; the text form round-trips.
 */
#include "batch_builder.h"

static void read_meta(const char *dir, const char *part, char *out, size_t n)
{
	char p[4096];
	FILE *f;
	size_t got;

	snprintf(p, sizeof(p), "%s/%s/partition.metadata", dir, part);
	f = fopen(p, "r");
	CHECK(f != NULL);
	if (!f) {
		out[0] = '\0';
		return;
	}
	got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
}

int main(void)
{
	static const uint8_t seq[16] = {0, 1, 2,  3,  4,  5,  6,  7,
					8, 9, 10, 11, 12, 13, 14, 15};
	struct log_config c;
	struct topics *t;
	uint8_t a[16], b[16], back[16];
	char dir[2048], p[4096], text[23], m0[128], m1[128], want[128];

	/* RFC 4648 section 5 of the bytes 0..15, no padding. */
	tid_to_text(seq, text);
	CHECK(!strcmp(text, "AAECAwQFBgcICQoLDA0ODw"));
	CHECK_EQ(tid_from_text(text, back), 0);
	CHECK(!memcmp(back, seq, 16));
	CHECK_EQ(tid_from_text("AAECAwQFBgcICQoLDA0ODx", back), -EINVAL);
	CHECK_EQ(tid_from_text("AAECAwQFBgcICQoLDA0OD", back), -EINVAL);
	CHECK_EQ(tid_from_text("AAECAwQFBgcICQoLDA0OD+", back), -EINVAL);

	log_config_defaults(&c);
	c.index_max_bytes = 4096;
	snprintf(dir, sizeof(dir), "%s/log_topic_ids", t_tmpdir());
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK_EQ(topics_create(t, "one", 2), 0);
	CHECK_EQ(topics_create(t, "two", 1), 0);
	memcpy(a, topics_id(t, "one"), 16);
	memcpy(b, topics_id(t, "two"), 16);
	CHECK(topics_id(t, "three") == NULL);
	CHECK(memcmp(a, b, 16) != 0);
	CHECK_EQ(a[6] >> 4, 4); /* version 4 */
	CHECK_EQ(a[8] >> 6, 2); /* RFC 4122 variant */
	CHECK(!strcmp(topics_by_id(t, a), "one"));
	CHECK(!strcmp(topics_by_id(t, b), "two"));
	CHECK(topics_by_id(t, seq) == NULL);
	/* Both partitions of "one" hold the same file, in Kafka's form. */
	tid_to_text(a, text);
	snprintf(want, sizeof(want), "version: 0\ntopic_id: %s\n", text);
	read_meta(dir, "one-0", m0, sizeof(m0));
	read_meta(dir, "one-1", m1, sizeof(m1));
	CHECK(!strcmp(m0, want));
	CHECK(!strcmp(m1, want));
	topics_close(t);

	/* Reopened: the same IDs. */
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK(!memcmp(topics_id(t, "one"), a, 16));
	CHECK(!memcmp(topics_id(t, "two"), b, 16));
	topics_close(t);

	/* "two" as an older release left it (no file), and one of "one"'s
	 * partitions without its file: "two" gets a new ID, kept across
	 * the next reopen; "one" keeps its own, written back where lost. */
	snprintf(p, sizeof(p), "%s/two-0/partition.metadata", dir);
	CHECK_EQ(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/one-0/partition.metadata", dir);
	CHECK_EQ(unlink(p), 0);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK(!memcmp(topics_id(t, "one"), a, 16));
	read_meta(dir, "one-0", m0, sizeof(m0));
	CHECK(!strcmp(m0, want));
	memcpy(b, topics_id(t, "two"), 16);
	topics_close(t);
	CHECK_EQ(topics_open(&t, dir, &c), 0);
	CHECK(!memcmp(topics_id(t, "two"), b, 16));

	/* Deleted: the directories go, file included. */
	CHECK_EQ(topics_delete(t, "one"), 0);
	CHECK(topics_by_id(t, a) == NULL);
	snprintf(p, sizeof(p), "%s/one-0", dir);
	CHECK(access(p, F_OK) != 0);
	topics_close(t);
	bb_rm_rf(dir);
	return t_result();
}
