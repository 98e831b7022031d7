/* SPDX-License-Identifier: MIT */
/*
 * offstore.c — committed consumer-group offsets, kept as a log of their
 * own in DIR/__consumer_offsets/offsets.log so they survive restarts and
 * crashes. Each commit appends one record and fdatasyncs it:
 *
 *   len u32 | crc u32 (CRC-32C of the payload) | payload of len bytes:
 *   offset i64 | partition i32 | group len u16, group | topic len u16,
 *   topic | metadata len i32 (-1: null), metadata          (big-endian)
 *
 * A deletion (DeleteGroups, OffsetDelete) appends a tombstone: the same
 * record with metadata length -2 and no metadata; replay removes the key.
 *
 * Opening replays the file into a hash table (newest record wins) and
 * cuts a torn or corrupt tail. When the file holds much more than the
 * live records it is rewritten: the live set goes to a new file, which is
 * fdatasync'ed and renamed over the old one.
 *
 * Invariants:
 *  1. The file is a sequence of whole, CRC-valid records: replay truncates
 *     at the first record that is not, and a failed append is cut back.
 *  2. A commit is visible to offstore_fetch only after its record is
 *     durable (written and fdatasync'ed) — or, deferred, once written,
 *     while its committer waits for the group commit's sync.
 *  3. The table holds exactly one entry per (group, topic, partition): the
 *     newest committed one.
 *  4. Compaction never loses a live entry: the new file is complete and
 *     durable before the rename replaces the old one.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_int.h"
#include "sys.h"

#define OS_SUBDIR      "__consumer_offsets"
#define OS_FILE	       "offsets.log"
#define OS_HEAD	       8
#define OS_FIXED       (8 + 4 + 2 + 2 + 4)
#define OS_META_MAX    4096 /* offset.metadata.max.bytes */
#define OS_COMPACT_MIN (4u << 20)
#define OS_TOMB	       0xfffffffeu /* metadata length of a tombstone */

struct ent {
	struct ent *next;
	const char *group; /* interned in groups[] */
	char *topic;
	int32_t part;
	int64_t off;
	char *meta; /* NULL when committed as null */
	uint64_t hash;
};

struct offstore {
	char *dir;  /* DIR/__consumer_offsets */
	char *path; /* .../offsets.log */
	int fd;
	uint64_t file_bytes, live_bytes;
	struct ent **tab;
	size_t nbuckets, count;
	char **groups;
	size_t *gcount; /* live entries per group */
	size_t ngroups, gcap;
	bool deferred; /* the caller syncs offstore_fd (group commit) */
};

static uint64_t key_hash(const char *g, const char *t, int32_t p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *g; g++)
		h = (h ^ (uint8_t)*g) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (; *t; t++)
		h = (h ^ (uint8_t)*t) * 0x100000001b3ULL;
	return (h ^ (uint32_t)p) * 0x100000001b3ULL;
}

static struct ent *lookup(const struct offstore *s, const char *g,
			  const char *t, int32_t p, uint64_t h)
{
	for (struct ent *e = s->tab[h % s->nbuckets]; e; e = e->next)
		if (e->hash == h && e->part == p && !strcmp(e->group, g) &&
		    !strcmp(e->topic, t))
			return e;
	return NULL;
}

static size_t rec_size(const char *g, const char *t, const char *m)
{
	return OS_HEAD + OS_FIXED + strlen(g) + strlen(t) + (m ? strlen(m) : 0);
}

static ssize_t group_index(const struct offstore *s, const char *g)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if (!strcmp(s->groups[i], g))
			return (ssize_t)i;
	return -1;
}

/* The interned name of g with one more live entry counted. */
static const char *intern_group(struct offstore *s, const char *g)
{
	ssize_t i = group_index(s, g);

	if (i >= 0) {
		s->gcount[i]++;
		return s->groups[i];
	}
	if (s->ngroups == s->gcap) {
		size_t cap = s->gcap ? s->gcap * 2 : 16;
		char **n = realloc(s->groups, cap * sizeof(*n));
		size_t *c;

		if (!n)
			return NULL;
		s->groups = n;
		c = realloc(s->gcount, cap * sizeof(*c));
		if (!c)
			return NULL;
		s->gcount = c;
		s->gcap = cap;
	}
	s->groups[s->ngroups] = strdup(g);
	if (!s->groups[s->ngroups])
		return NULL;
	s->gcount[s->ngroups] = 1;
	return s->groups[s->ngroups++];
}

/* One live entry of the interned group g fewer; a group with none left
 * is forgotten (no entry points at its name any more). */
static void release_group(struct offstore *s, const char *g)
{
	ssize_t i = group_index(s, g);

	if (i < 0 || --s->gcount[i])
		return;
	free(s->groups[i]);
	s->groups[i] = s->groups[s->ngroups - 1];
	s->gcount[i] = s->gcount[s->ngroups - 1];
	s->ngroups--;
}

static int grow(struct offstore *s)
{
	size_t nb = s->nbuckets * 2;
	struct ent **tab = calloc(nb, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct ent *e = s->tab[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = tab[e->hash % nb];
			tab[e->hash % nb] = e;
		}
	}
	free(s->tab);
	s->tab = tab;
	s->nbuckets = nb;
	return 0;
}

/* Make (g, t, p) -> (off, m) the current value in the table. */
static int apply(struct offstore *s, const char *g, const char *t, int32_t p,
		 int64_t off, const char *m)
{
	uint64_t h = key_hash(g, t, p);
	struct ent *e = lookup(s, g, t, p, h);
	char *meta = NULL;

	if (m && !(meta = strdup(m)))
		return -ENOMEM;
	if (e) {
		s->live_bytes -= rec_size(e->group, e->topic, e->meta);
		free(e->meta);
		e->meta = meta;
		e->off = off;
		s->live_bytes += rec_size(g, t, m);
		return 0;
	}
	if (s->count >= s->nbuckets && grow(s) < 0)
		goto nomem;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	e->topic = strdup(t);
	e->group = e->topic ? intern_group(s, g) : NULL;
	if (!e->group || !e->topic) {
		free(e->topic);
		free(e);
		goto nomem;
	}
	e->part = p;
	e->off = off;
	e->meta = meta;
	e->hash = h;
	e->next = s->tab[h % s->nbuckets];
	s->tab[h % s->nbuckets] = e;
	s->count++;
	s->live_bytes += rec_size(g, t, m);
	return 0;
nomem:
	free(meta);
	return -ENOMEM;
}

/* Remove (g, t, p) from the table, if there. */
static void unapply(struct offstore *s, const char *g, const char *t, int32_t p)
{
	uint64_t h = key_hash(g, t, p);
	struct ent **pp = &s->tab[h % s->nbuckets], *e;

	for (; (e = *pp); pp = &e->next) {
		if (e->hash != h || e->part != p || strcmp(e->group, g) ||
		    strcmp(e->topic, t))
			continue;
		*pp = e->next;
		s->live_bytes -= rec_size(e->group, e->topic, e->meta);
		s->count--;
		release_group(s, e->group);
		free(e->topic);
		free(e->meta);
		free(e);
		return;
	}
}

/* Encode one record into buf (rec_size bytes); a tombstone when m is
 * OS_TOMB_META. */
static const char tomb_meta[1];
#define OS_TOMB_META tomb_meta

static void encode(uint8_t *buf, const char *g, const char *t, int32_t p,
		   int64_t off, const char *m)
{
	size_t gl = strlen(g), tl = strlen(t), ml = m ? strlen(m) : 0;
	uint8_t *q = buf + OS_HEAD;

	put_be64(q, (uint64_t)off);
	put_be32(q + 8, (uint32_t)p);
	q += 12;
	q[0] = gl >> 8;
	q[1] = gl & 0xff;
	memcpy(q + 2, g, gl);
	q += 2 + gl;
	q[0] = tl >> 8;
	q[1] = tl & 0xff;
	memcpy(q + 2, t, tl);
	q += 2 + tl;
	if (m == OS_TOMB_META)
		ml = 0;
	put_be32(q, m == OS_TOMB_META ? OS_TOMB
		    : m		      ? (uint32_t)ml
				      : UINT32_MAX);
	memcpy(q + 4, m ? m : "", ml);
	q += 4 + ml;
	put_be32(buf, (uint32_t)(q - buf - OS_HEAD));
	put_be32(buf + 4,
		 crc32c(0, buf + OS_HEAD, (size_t)(q - buf - OS_HEAD)));
}

/* Decode a payload of n bytes; 0 or -EBADMSG. Strings are copied into
 * the caller's buffers (each at least n + 1 bytes). */
static int decode(const uint8_t *q, size_t n, char *g, char *t, char *m,
		  int32_t *p, int64_t *off, bool *has_meta, bool *tomb)
{
	size_t gl, tl;
	uint32_t ml;

	if (n < OS_FIXED)
		return -EBADMSG;
	*off = (int64_t)get_be64(q);
	*p = (int32_t)get_be32(q + 8);
	gl = (size_t)q[12] << 8 | q[13];
	if (14 + gl + 2 > n)
		return -EBADMSG;
	memcpy(g, q + 14, gl);
	g[gl] = '\0';
	tl = (size_t)q[14 + gl] << 8 | q[15 + gl];
	if (16 + gl + tl + 4 > n)
		return -EBADMSG;
	memcpy(t, q + 16 + gl, tl);
	t[tl] = '\0';
	ml = get_be32(q + 16 + gl + tl);
	*has_meta = ml != UINT32_MAX && ml != OS_TOMB;
	*tomb = ml == OS_TOMB;
	if (!*has_meta)
		ml = 0;
	if (20 + gl + tl + ml != n || memchr(g, 0, gl) || memchr(t, 0, tl))
		return -EBADMSG;
	memcpy(m, q + 20 + gl + tl, ml);
	m[ml] = '\0';
	return 0;
}

/* Replay the whole file; cut whatever follows the last good record. */
static int replay(struct offstore *s)
{
	struct stat st;
	uint8_t *buf = NULL;
	char *str = NULL;
	size_t pos = 0, size;
	int ret = 0;

	ret = lsys_fstat(s->fd, &st);
	if (ret < 0)
		return ret;
	size = (size_t)st.st_size;
	buf = malloc(size ? size : 1);
	str = malloc(3 * (size + 1));
	if (!buf || !str) {
		ret = -ENOMEM;
		goto out;
	}
	if (size) {
		ret = lsys_pread_all(s->fd, buf, size, 0);
		if (ret < 0)
			goto out;
	}
	while (size - pos >= OS_HEAD) {
		uint32_t len = get_be32(buf + pos);
		char *g = str, *t = str + size + 1, *m = str + 2 * (size + 1);
		int64_t off;
		int32_t p;
		bool has_meta, tomb;

		if (len > size - pos - OS_HEAD ||
		    crc32c(0, buf + pos + OS_HEAD, len) !=
			get_be32(buf + pos + 4) ||
		    decode(buf + pos + OS_HEAD, len, g, t, m, &p, &off,
			   &has_meta, &tomb) < 0)
			break;
		if (tomb)
			unapply(s, g, t, p);
		else
			ret = apply(s, g, t, p, off, has_meta ? m : NULL);
		if (ret < 0)
			goto out;
		pos += OS_HEAD + len;
	}
	if (pos < size) {
		fprintf(stderr, "zcbroker: %s: cut %zu bytes of torn tail\n",
			s->path, size - pos);
		ret = lsys_ftruncate(s->fd, (off_t)pos);
		if (!ret)
			ret = lsys_fdatasync(s->fd);
		if (ret < 0)
			goto out;
	}
	s->file_bytes = pos;
out:
	free(buf);
	free(str);
	return ret;
}

/* Whether dir already names the offsets directory itself. */
static bool in_subdir(const char *dir)
{
	const char *end = dir + strlen(dir), *b;

	while (end > dir && end[-1] == '/')
		end--;
	for (b = end; b > dir && b[-1] != '/'; b--)
		;
	return (size_t)(end - b) == strlen(OS_SUBDIR) &&
	       !strncmp(b, OS_SUBDIR, strlen(OS_SUBDIR));
}

int offstore_open(struct offstore **out, const char *dir)
{
	struct offstore *s = calloc(1, sizeof(*s));
	int ret = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->nbuckets = 64;
	s->tab = calloc(s->nbuckets, sizeof(*s->tab));
	if (!s->tab ||
	    asprintf(&s->dir, "%s%s", dir,
		     in_subdir(dir) ? "" : "/" OS_SUBDIR) < 0 ||
	    asprintf(&s->path, "%s/" OS_FILE, s->dir) < 0)
		goto err;
	ret = log_mkdir_p(s->dir);
	if (ret < 0)
		goto err;
	ret = lsys_open(s->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (ret < 0)
		goto err;
	s->fd = ret;
	ret = replay(s);
	if (ret < 0)
		goto err;
	*out = s;
	return 0;
err:
	offstore_close(s);
	return ret;
}

void offstore_close(struct offstore *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->tab && i < s->nbuckets; i++) {
		struct ent *e = s->tab[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e->topic);
			free(e->meta);
			free(e);
		}
	}
	for (size_t i = 0; i < s->ngroups; i++)
		free(s->groups[i]);
	free(s->groups);
	free(s->gcount);
	free(s->tab);
	if (s->fd >= 0)
		lsys_close(s->fd);
	free(s->dir);
	free(s->path);
	free(s);
}

int offstore_compact(struct offstore *s)
{
	char tmp[4200];
	uint8_t *buf, *q;
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.compact", s->path);
	buf = malloc(s->live_bytes ? s->live_bytes : 1);
	if (!buf)
		return -ENOMEM;
	q = buf;
	for (size_t i = 0; i < s->nbuckets; i++) {
		for (struct ent *e = s->tab[i]; e; e = e->next) {
			encode(q, e->group, e->topic, e->part, e->off, e->meta);
			q += rec_size(e->group, e->topic, e->meta);
		}
	}
	assert((size_t)(q - buf) == s->live_bytes);
	fd = lsys_open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		       0644);
	if (fd < 0) {
		free(buf);
		return fd;
	}
	ret = lsys_pwrite_all(fd, buf, s->live_bytes, -1);
	free(buf);
	if (!ret)
		ret = lsys_fdatasync(fd);
	if (!ret)
		ret = lsys_rename(tmp, s->path);
	if (ret < 0) {
		lsys_close(fd);
		(void)lsys_unlink(tmp);
		return ret;
	}
	lsys_close(s->fd);
	s->fd = fd;
	s->file_bytes = s->live_bytes;
	return log_dir_sync(s->dir);
}

/* Append n bytes of records, synced unless deferred; on error cut back
 * (invariant 1: no partial record stays behind). */
static int append(struct offstore *s, const uint8_t *buf, size_t n)
{
	int ret = lsys_pwrite_all(s->fd, buf, n, -1);

	if (!ret && !s->deferred)
		ret = lsys_fdatasync(s->fd);
	if (ret < 0) {
		int r2 = lsys_ftruncate(s->fd, (off_t)s->file_bytes);

		if (r2 < 0)
			fprintf(stderr, "zcbroker: %s: %s\n", s->path,
				strerror(-r2));
		return ret;
	}
	s->file_bytes += n;
	return 0;
}

int offstore_commit(struct offstore *s, const char *group, const char *topic,
		    int32_t partition, int64_t offset, const char *metadata)
{
	size_t n, gl, tl;
	uint8_t *buf;
	int ret;

	if (!group || !topic)
		return -EINVAL;
	gl = strlen(group);
	tl = strlen(topic);
	if (gl > UINT16_MAX || tl > UINT16_MAX)
		return -EINVAL;
	if (metadata && strlen(metadata) > OS_META_MAX)
		return -EMSGSIZE;
	n = rec_size(group, topic, metadata);
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	encode(buf, group, topic, partition, offset, metadata);
	ret = append(s, buf, n);
	free(buf);
	if (ret < 0)
		return ret;
	ret = apply(s, group, topic, partition, offset, metadata);
	if (ret < 0)
		return ret;
	if (s->file_bytes > OS_COMPACT_MIN && s->file_bytes > 2 * s->live_bytes)
		offstore_compact(s); /* best effort: the log stays valid */
	return 0;
}

int offstore_fetch(struct offstore *s, const char *group, const char *topic,
		   int32_t partition, int64_t *offset, const char **metadata)
{
	struct ent *e = lookup(s, group, topic, partition,
			       key_hash(group, topic, partition));

	if (!e)
		return -ENOENT;
	*offset = e->off;
	if (metadata)
		*metadata = e->meta ? e->meta : "";
	return 0;
}

void offstore_each(struct offstore *s, const char *group,
		   void (*fn)(const char *topic, int32_t partition,
			      int64_t offset, const char *metadata, void *arg),
		   void *arg)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct ent *e = s->tab[i]; e; e = e->next)
			if (!strcmp(e->group, group))
				fn(e->topic, e->part, e->off,
				   e->meta ? e->meta : "", arg);
}

int offstore_delete(struct offstore *s, const char *group, const char *topic,
		    int32_t partition)
{
	uint8_t *buf;
	size_t n;
	int ret;

	if (!lookup(s, group, topic, partition,
		    key_hash(group, topic, partition)))
		return 0;
	n = rec_size(group, topic, NULL);
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	encode(buf, group, topic, partition, -1, OS_TOMB_META);
	ret = append(s, buf, n);
	free(buf);
	if (ret < 0)
		return ret;
	unapply(s, group, topic, partition);
	return 1;
}

int offstore_delete_group(struct offstore *s, const char *name)
{
	size_t n = 0, cnt = 0, done = 0;
	uint8_t *buf, *q;
	char *group = strdup(name); /* name may be the interned copy */
	int ret;

	if (!group)
		return -ENOMEM;
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct ent *e = s->tab[i]; e; e = e->next)
			if (!strcmp(e->group, group)) {
				n += rec_size(e->group, e->topic, NULL);
				cnt++;
			}
	if (!cnt) {
		free(group);
		return 0;
	}
	buf = malloc(n);
	if (!buf) {
		free(group);
		return -ENOMEM;
	}
	q = buf;
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct ent *e = s->tab[i]; e; e = e->next)
			if (!strcmp(e->group, group)) {
				encode(q, e->group, e->topic, e->part, -1,
				       OS_TOMB_META);
				q += rec_size(e->group, e->topic, NULL);
			}
	/* One write, one sync: all the group's tombstones or none. */
	ret = append(s, buf, n);
	free(buf);
	if (ret < 0) {
		free(group);
		return ret;
	}
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct ent **pp = &s->tab[i], *e;

		while ((e = *pp)) {
			if (strcmp(e->group, group)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			s->live_bytes -= rec_size(e->group, e->topic, e->meta);
			s->count--;
			done++;
			release_group(s, e->group); /* may free the name */
			free(e->topic);
			free(e->meta);
			free(e);
		}
	}
	free(group);
	return (int)done;
}

bool offstore_has_group(const struct offstore *s, const char *group)
{
	return group_index(s, group) >= 0;
}

size_t offstore_groups(struct offstore *s, const char **names, size_t max)
{
	size_t n = s->ngroups < max ? s->ngroups : max;

	for (size_t i = 0; i < n; i++)
		names[i] = s->groups[i];
	return n;
}

uint64_t offstore_file_bytes(const struct offstore *s)
{
	return s->file_bytes;
}

void offstore_defer_sync(struct offstore *s, bool deferred)
{
	s->deferred = deferred;
}

int offstore_fd(const struct offstore *s)
{
	return s->fd;
}
