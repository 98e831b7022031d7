/* SPDX-License-Identifier: MIT */
/*
 * topics.c — the topics of a log directory: every DIR/<topic>-<n>/ is
 * partition n of <topic> (the name may itself contain '-', so the number
 * after the LAST '-' is the partition). The set is kept as an array
 * sorted by name; each topic owns one struct plog per partition.
 *
 * Invariants:
 *  1. v[] is sorted by strcmp and names are unique and valid.
 *  2. A topic with nparts partitions has logs[0..nparts-1] all open.
 *  3. Names starting with "__" never become topics: they are the
 *     broker's own (DIR/__consumer_offsets holds committed offsets).
 *  4. Every topic has an ID, written in each of its partition directories
 *     before it is served; a topic found without one (made by an older
 *     release) is given one at startup.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "log_int.h"
#include "sys.h"

#define TOPIC_NAME_MAX 249
#define PARTITIONS_MAX 100000

struct topic {
	char *name;
	int32_t nparts;
	struct plog **logs;
	uint8_t id[16]; /* KIP-516, in every partition dir (topic_id.c) */
};

struct topics {
	char *dir;
	struct log_config cfg;
	struct topic *v;
	size_t n, cap;
	int64_t nparts; /* over all topics, those being created included */
	struct creating *head, **tail; /* topics being created, in order */
};

/* A topic whose partition directories are being made a few at a time
 * (topics_create_start); not in v[] until complete. A topic that grows
 * (topics_grow_start) is one too, from its `from` existing partitions:
 * the existing ones stay served from v[], the new ones join at the end. */
struct creating {
	struct creating *next;
	struct topic tp;
	int32_t from; /* partitions the topic had (0: a new topic) */
	int32_t made;
	topics_done_fn done;
	void *arg;
};

bool topics_valid_name(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len < 1 || len > TOPIC_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, "..") || !strncmp(name, "__", 2))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

/* Position of name in v (found) or where it would go. */
static size_t find(const struct topics *t, const char *name, bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void topic_close(struct topic *tp, bool destroy)
{
	for (int32_t i = 0; i < tp->nparts; i++) {
		if (!tp->logs[i])
			continue;
		if (destroy)
			plog_destroy(tp->logs[i]);
		else
			plog_close(tp->logs[i]);
	}
	free(tp->logs);
	free(tp->name);
}

static bool creating_named(const struct topics *t, const char *name)
{
	for (const struct creating *c = t->head; c; c = c->next)
		if (!strcmp(c->tp.name, name))
			return true;
	return false;
}

/* A creation of name's partitions from..nparts-1 (not yet linked), with
 * the topic's ID (a new one when id is NULL); they count from now on. */
static int reserve(struct topics *t, const char *name, int32_t nparts,
		   int32_t from, const uint8_t *id, struct creating **out)
{
	struct creating *c = calloc(1, sizeof(*c));
	int ret = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->tp.nparts = nparts;
	c->tp.name = strdup(name);
	c->tp.logs = calloc((size_t)nparts, sizeof(*c->tp.logs));
	if (c->tp.name && c->tp.logs)
		ret = id ? 0 : tid_new(c->tp.id);
	if (ret < 0) {
		free(c->tp.logs);
		free(c->tp.name);
		free(c);
		return ret;
	}
	if (id)
		memcpy(c->tp.id, id, 16);
	c->from = c->made = from;
	t->nparts += nparts - from;
	*out = c;
	return 0;
}

/* Check name and quota and reserve the partitions (not yet linked). */
static int begin(struct topics *t, const char *name, int32_t nparts,
		 struct creating **out)
{
	bool found;

	if (!topics_valid_name(name) || nparts < 1 || nparts > PARTITIONS_MAX)
		return -EINVAL;
	find(t, name, &found);
	if (found || creating_named(t, name))
		return -EEXIST;
	if (t->nparts + nparts > t->cfg.max_partitions)
		return -EDQUOT;
	return reserve(t, name, nparts, 0, NULL, out);
}

/* Check a growth of name to nparts and reserve the new partitions. */
static int begin_grow(struct topics *t, const char *name, int32_t nparts,
		      struct creating **out)
{
	bool found;
	size_t pos = find(t, name, &found);
	int32_t from;

	if (!found)
		return -ENOENT;
	if (creating_named(t, name))
		return -EBUSY; /* already growing */
	from = t->v[pos].nparts;
	if (nparts <= from)
		return -EINVAL;
	if (nparts > PARTITIONS_MAX ||
	    t->nparts + (nparts - from) > t->cfg.max_partitions)
		return -EDQUOT;
	return reserve(t, name, nparts, from, t->v[pos].id, out);
}

/* Open (creating) up to n more partition directories of c. */
static int grow(struct topics *t, struct creating *c, int32_t n)
{
	for (; n > 0 && c->made < c->tp.nparts; n--, c->made++) {
		char p[4096];
		int ret;

		if (snprintf(p, sizeof(p), "%s/%s-%" PRId32, t->dir, c->tp.name,
			     c->made) >= (int)sizeof(p))
			return -ENAMETOOLONG;
		ret = plog_open(&c->tp.logs[c->made], p, &t->cfg);
		if (ret < 0) {
			fprintf(stderr, "zcbroker: %s: %s\n", p,
				strerror(-ret));
			(void)lsys_rmdir(p); /* if it got made */
			return ret;
		}
		ret = tid_store(p, c->tp.id);
		if (ret < 0) {
			c->made++; /* discarded with its file */
			return ret;
		}
	}
	return 0;
}

/* Remove every partition c made and give its reservation back. */
static void discard(struct topics *t, struct creating *c)
{
	for (int32_t i = c->from; i < c->made; i++)
		plog_destroy(c->tp.logs[i]);
	t->nparts -= c->tp.nparts - c->from;
	free(c->tp.logs);
	free(c->tp.name);
	free(c);
}

/* A grown topic's new partitions join its existing ones (the names are
 * durable: ret is the directory sync's result). */
static int publish_growth(struct topics *t, struct creating *c, int ret)
{
	bool found;
	size_t pos = find(t, c->tp.name, &found);

	if (!found) /* deleting the topic cancels its growth: cannot be */
		ret = -ENOENT;
	if (ret < 0) {
		discard(t, c);
		return ret;
	}
	memcpy(c->tp.logs, t->v[pos].logs,
	       (size_t)c->from * sizeof(*c->tp.logs));
	free(t->v[pos].logs);
	t->v[pos].logs = c->tp.logs;
	t->v[pos].nparts = c->tp.nparts;
	free(c->tp.name);
	free(c);
	return 0;
}

/* All partitions made: make the names durable, then visible. Frees c
 * (its topic moves into v[]) or discards it. */
static int publish(struct topics *t, struct creating *c)
{
	bool found;
	size_t pos;
	/* The new directories' names reach the disk with the parent's. */
	int ret = log_dir_sync(t->dir);

	if (c->from > 0)
		return publish_growth(t, c, ret);
	if (!ret && t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct topic *nv = realloc(t->v, cap * sizeof(*nv));

		if (nv) {
			t->v = nv;
			t->cap = cap;
		} else {
			ret = -ENOMEM;
		}
	}
	if (ret < 0) {
		discard(t, c);
		return ret;
	}
	pos = find(t, c->tp.name, &found);
	memmove(t->v + pos + 1, t->v + pos, (t->n - pos) * sizeof(*t->v));
	t->v[pos] = c->tp;
	t->n++;
	free(c);
	return 0;
}

/* "<topic>-<n>" -> topic name in buf and n, or -1. */
static int32_t parse_dir(const char *d, char *buf, size_t n)
{
	const char *dash = strrchr(d, '-');
	char *end;
	long v;

	if (!dash || dash == d || !isdigit((unsigned char)dash[1]) ||
	    (size_t)(dash - d) >= n)
		return -1;
	v = strtol(dash + 1, &end, 10);
	if (*end || v < 0 || v >= PARTITIONS_MAX)
		return -1;
	memcpy(buf, d, (size_t)(dash - d));
	buf[dash - d] = '\0';
	return topics_valid_name(buf) ? (int32_t)v : -1;
}

/* The topic's ID from the first partition that has one (a new one when
 * none has), then written to every partition lacking it. */
static int load_id(struct topics *t, struct topic *tp)
{
	bool have = false;
	char p[4096];
	int ret = 0;

	for (int32_t k = 0; k < tp->nparts && !have; k++) {
		snprintf(p, sizeof(p), "%s/%s-%" PRId32, t->dir, tp->name, k);
		have = tid_load(p, tp->id) == 0;
	}
	if (!have && (ret = tid_new(tp->id)) < 0)
		return ret;
	for (int32_t k = 0; k < tp->nparts && !ret; k++) {
		uint8_t id[16];

		snprintf(p, sizeof(p), "%s/%s-%" PRId32, t->dir, tp->name, k);
		if (tid_load(p, id) == 0 && !memcmp(id, tp->id, 16))
			continue;
		ret = tid_store(p, tp->id);
		if (ret < 0)
			fprintf(stderr, "zcbroker: %s: writing %s: %s\n", p,
				PARTITION_META, strerror(-ret));
	}
	return ret;
}

static int load(struct topics *t)
{
	struct dirent *e;
	DIR *d;
	int ret = lsys_opendir(t->dir, &d);

	if (ret < 0)
		return ret;
	/* First pass: the partition count of each topic, kept in v[] with
	 * no logs open yet; second pass opens them. */
	while ((e = readdir(d))) {
		char name[TOPIC_NAME_MAX + 1], p[4096];
		struct stat st;
		int32_t part = parse_dir(e->d_name, name, sizeof(name));
		bool found;
		size_t pos;

		if (part < 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", t->dir, e->d_name);
		if (lsys_stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		pos = find(t, name, &found);
		if (found) {
			if (part >= t->v[pos].nparts)
				t->v[pos].nparts = part + 1;
			continue;
		}
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			struct topic *nv = realloc(t->v, cap * sizeof(*nv));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			t->v = nv;
			t->cap = cap;
		}
		memmove(t->v + pos + 1, t->v + pos,
			(t->n - pos) * sizeof(*t->v));
		t->v[pos] =
		    (struct topic){.name = strdup(name), .nparts = part + 1};
		t->n++;
		if (!t->v[pos].name) {
			ret = -ENOMEM;
			break;
		}
	}
	closedir(d);
	for (size_t i = 0; i < t->n && !ret; i++) {
		struct topic *tp = &t->v[i];

		tp->logs = calloc((size_t)tp->nparts, sizeof(*tp->logs));
		if (!tp->logs) {
			ret = -ENOMEM;
			break;
		}
		for (int32_t k = 0; k < tp->nparts && !ret; k++) {
			char p[4096];

			snprintf(p, sizeof(p), "%s/%s-%" PRId32, t->dir,
				 tp->name, k);
			ret = plog_open(&tp->logs[k], p, &t->cfg);
			if (ret < 0)
				fprintf(stderr, "zcbroker: %s: %s\n", p,
					strerror(-ret));
		}
		t->nparts += tp->nparts;
		if (!ret)
			ret = load_id(t, tp);
	}
	return ret;
}

int topics_open(struct topics **out, const char *dir,
		const struct log_config *cfg)
{
	struct topics *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->tail = &t->head;
	fdcache_set_max(cfg->max_open_files);
	t->dir = strdup(dir);
	ret = t->dir ? log_mkdir_p(dir) : -ENOMEM;
	if (!ret)
		ret = load(t);
	if (ret < 0) {
		topics_close(t);
		return ret;
	}
	*out = t;
	return 0;
}

void topics_close(struct topics *t)
{
	/* Creations never completed are rolled back, as after a failure. */
	while (t->head) {
		struct creating *c = t->head;

		t->head = c->next;
		if (c->done)
			c->done(c->arg, -ECANCELED);
		discard(t, c);
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].logs)
			topic_close(&t->v[i], false);
		else
			free(t->v[i].name);
	free(t->v);
	free(t->dir);
	free(t);
}

/* Checks and reserves a creation (begin) or a growth (begin_grow). */
typedef int (*begin_fn)(struct topics *t, const char *name, int32_t nparts,
			struct creating **out);

/* Begun and made at once: published, or undone. */
static int make_now(struct topics *t, begin_fn begin_it, const char *name,
		    int32_t partitions)
{
	struct creating *c;
	int ret = begin_it(t, name, partitions, &c);

	if (ret < 0)
		return ret;
	ret = grow(t, c, c->tp.nparts);
	if (ret < 0) {
		discard(t, c);
		return ret;
	}
	return publish(t, c);
}

/* Begun and queued for topics_step: 1. */
static int make_later(struct topics *t, begin_fn begin_it, const char *name,
		      int32_t partitions, topics_done_fn done, void *arg)
{
	struct creating *c;
	int ret = begin_it(t, name, partitions, &c);

	if (ret < 0)
		return ret;
	c->done = done;
	c->arg = arg;
	*t->tail = c;
	t->tail = &c->next;
	return 1;
}

int topics_create(struct topics *t, const char *name, int32_t partitions)
{
	return make_now(t, begin, name, partitions);
}

int topics_create_start(struct topics *t, const char *name, int32_t partitions,
			topics_done_fn done, void *arg)
{
	if (partitions <= TOPICS_STEP)
		return make_now(t, begin, name, partitions);
	return make_later(t, begin, name, partitions, done, arg);
}

int topics_grow(struct topics *t, const char *name, int32_t partitions)
{
	return make_now(t, begin_grow, name, partitions);
}

int topics_grow_start(struct topics *t, const char *name, int32_t partitions,
		      topics_done_fn done, void *arg)
{
	int32_t now = topics_partitions(t, name);

	if (now >= 0 && partitions > now && partitions - now <= TOPICS_STEP)
		return make_now(t, begin_grow, name, partitions);
	return make_later(t, begin_grow, name, partitions, done, arg);
}

/* Unlink the first creation in the queue. */
static struct creating *pop(struct topics *t)
{
	struct creating *c = t->head;

	t->head = c->next;
	if (!t->head)
		t->tail = &t->head;
	return c;
}

bool topics_step(struct topics *t, int32_t budget)
{
	while (t->head && budget > 0) {
		struct creating *c = t->head;
		int32_t n = c->tp.nparts - c->made;
		topics_done_fn done = c->done;
		void *arg = c->arg;
		int ret;

		if (n > budget)
			n = budget;
		budget -= n;
		ret = grow(t, c, n);
		if (!ret && c->made < c->tp.nparts)
			break;
		pop(t);
		if (ret < 0)
			discard(t, c);
		else
			ret = publish(t, c);
		done(arg, ret);
	}
	return t->head != NULL;
}

/* Stop and undo the creation or growth of name, if one is queued. */
static bool cancel_named(struct topics *t, const char *name)
{
	for (struct creating **pc = &t->head; *pc; pc = &(*pc)->next) {
		struct creating *c = *pc;

		if (strcmp(c->tp.name, name))
			continue;
		*pc = c->next;
		if (!c->next)
			t->tail = pc;
		c->done(c->arg, -ENOENT);
		discard(t, c);
		return true;
	}
	return false;
}

int topics_delete(struct topics *t, const char *name)
{
	bool found;
	size_t pos = find(t, name, &found);

	/* A topic being created, or growing: that stops and is undone. */
	if (cancel_named(t, name) && !found)
		return 0;
	if (!found)
		return -ENOENT;
	t->nparts -= t->v[pos].nparts;
	topic_close(&t->v[pos], true);
	memmove(t->v + pos, t->v + pos + 1, (t->n - pos - 1) * sizeof(*t->v));
	t->n--;
	return 0;
}

int32_t topics_partitions(const struct topics *t, const char *name)
{
	bool found;
	size_t pos = find(t, name, &found);

	return found ? t->v[pos].nparts : -ENOENT;
}

struct plog *topics_log(struct topics *t, const char *name, int32_t part)
{
	bool found;
	size_t pos = find(t, name, &found);

	if (!found || part < 0 || part >= t->v[pos].nparts)
		return NULL;
	return t->v[pos].logs[part];
}

const uint8_t *topics_id(const struct topics *t, const char *name)
{
	bool found;
	size_t pos = find(t, name, &found);

	return found ? t->v[pos].id : NULL;
}

const char *topics_by_id(const struct topics *t, const uint8_t id[16])
{
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->v[i].id, id, 16))
			return t->v[i].name;
	return NULL;
}

const char *topics_name(const struct topics *t, size_t i)
{
	return i < t->n ? t->v[i].name : NULL;
}

size_t topics_count(const struct topics *t)
{
	return t->n;
}

int64_t topics_total_partitions(const struct topics *t)
{
	return t->nparts;
}

void topics_maintain(struct topics *t, int64_t now_ms)
{
	for (size_t i = 0; i < t->n; i++) {
		for (int32_t k = 0; k < t->v[i].nparts; k++) {
			int ret = plog_maintain(t->v[i].logs[k], now_ms);

			if (ret < 0)
				fprintf(stderr,
					"zcbroker: %s-%d: maintain: %s\n",
					t->v[i].name, k, strerror(-ret));
		}
	}
}
