/* SPDX-License-Identifier: MIT */
/*
 * proto_vectors.c — Description: requests captured from real clients
 * (tests/unit/vectors/CLIENT-API-vN.bin, made by capture.sh there: kcat,
 * kafka-python, confluent-kafka, @platformatic/kafka, kafka-ts) decode with
 * the table-driven codec — the request header at the version the API
 * version implies, then the body — and encode back to the same bytes. The
 * header must name the API and version of the file name and carry the
 * client id the capture gave each client.
 *
 *   proto_vectors [DIR]   with DIR: bodies KEY-VERSION-req|resp.bin made by
 *                         vectors/kafka_python_bodies.py, each decoded and
 *                         encoded back byte for byte (see
 * proto_kafka_python.sh)
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "proto/schema.h"

static void check_vector(const char *dir, const char *name)
{
	char path[2048], client[64], api[64];
	const struct ks_msg *h = ks_req_header(), *m;
	struct ks_arena a;
	struct kv hv, body;
	struct kw w;
	struct kr r;
	size_t len;
	int ver, hver;
	uint8_t *buf;

	/* CLIENT-API-vN.bin; the client's name may hold dashes. */
	const char *v = strrchr(name, 'v');
	const char *dash = v ? v - 1 : NULL;
	const char *api0 = NULL;
	for (const char *p = name; dash && p < dash; p++)
		if (*p == '-')
			api0 = p;
	if (!dash || *dash != '-' || !api0 || sscanf(v, "v%d.bin", &ver) != 1 ||
	    (size_t)(api0 - name) >= sizeof(client) ||
	    (size_t)(dash - api0 - 1) >= sizeof(api))
		t_fatal("%s: not CLIENT-API-vN.bin", name);
	memcpy(client, name, api0 - name);
	client[api0 - name] = 0;
	memcpy(api, api0 + 1, dash - api0 - 1);
	api[dash - api0 - 1] = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = t_read_path(path, &len);
	ks_arena_init(&a, 1 << 20);
	kw_init(&w);
	if (len < 4)
		t_fatal("%s: too short", name);
	m = ks_req((int16_t)(buf[0] << 8 | buf[1]));
	CHECK(m != NULL);
	if (!m)
		goto out;
	CHECK(!strcmp(m->name, api));
	CHECK_EQ((int16_t)(buf[2] << 8 | buf[3]), ver);
	hver = ks_req_header_ver(m, ver);
	kr_init(&r, buf, len);
	CHECK_EQ(ks_read(h, hver, &r, &a, &hv), 0);
	CHECK_EQ(ks_get(&h->root, &hv, "RequestApiVersion")->i, ver);
	struct kv *cid = ks_get(&h->root, &hv, "ClientId");
	CHECK(cid->s.p && cid->s.len == (int32_t)strlen(client) &&
	      !memcmp(cid->s.p, client, cid->s.len));
	int rc = ks_decode(m, ver, &r, &a, &body);
	if (rc) {
		fprintf(stderr, "%s: body does not decode (%d)\n", name, rc);
		t_failures++;
		goto out;
	}
	CHECK_EQ(ks_encode(h, hver, &hv, &w), 0);
	CHECK_EQ(ks_encode(m, ver, &body, &w), 0);
	if (w.len != len || memcmp(w.buf, buf, len)) {
		fprintf(stderr, "%s: re-encoding differs\n", name);
		t_failures++;
	}
	printf("%-40s %s v%d (header v%d), %zu bytes\n", name, m->name, ver,
	       hver, len);
out:
	kw_free(&w);
	ks_arena_free(&a);
	free(buf);
}

/* One body of KEY-VER-req|resp.bin: 1 checked, 0 outside the tables. */
static int check_body(const char *dir, const char *name)
{
	char path[2048], kind[8];
	const struct ks_msg *m;
	struct ks_arena a;
	struct kv v;
	struct kw w;
	struct kr r;
	int key, ver, rc;
	size_t len;
	uint8_t *buf;

	if (sscanf(name, "%d-%d-%4[a-z].bin", &key, &ver, kind) != 3)
		t_fatal("%s: not KEY-VERSION-req|resp.bin", name);
	m = strcmp(kind, "resp") ? ks_req(key) : ks_resp(key);
	if (!m || !ks_in(m->valid, ver))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = t_read_path(path, &len);
	ks_arena_init(&a, 1 << 20);
	kw_init(&w);
	kr_init(&r, buf, len);
	rc = ks_decode(m, ver, &r, &a, &v);
	if (rc) {
		fprintf(stderr, "%s (%s %s v%d): does not decode (%d)\n", name,
			m->name, kind, ver, rc);
		t_failures++;
	} else if (ks_encode(m, ver, &v, &w) || w.len != len ||
		   (len && memcmp(w.buf, buf, len))) {
		fprintf(stderr, "%s (%s %s v%d): re-encoding differs\n", name,
			m->name, kind, ver);
		t_failures++;
	}
	kw_free(&w);
	ks_arena_free(&a);
	free(buf);
	return 1;
}

static int bodies(const char *dir)
{
	struct dirent *e;
	int n = 0, out = 0;
	DIR *d = opendir(dir);

	if (!d)
		t_fatal("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 4 && !strcmp(e->d_name + l - 4, ".bin")) {
			if (check_body(dir, e->d_name))
				n++;
			else
				out++;
		}
	}
	closedir(d);
	CHECK(n > 0);
	printf("%d bodies checked, %d outside the tables' versions\n", n, out);
	return t_result();
}

int main(int argc, char **argv)
{
	const char *src = getenv("ZC_SRC");
	char dir[1024];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (argc > 1)
		return bodies(argv[1]);
	snprintf(dir, sizeof(dir), "%s/tests/unit/vectors",
		 src && *src ? src : ".");
	if (!(d = opendir(dir)))
		t_fatal("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 4 && !strcmp(e->d_name + l - 4, ".bin")) {
			check_vector(dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	/* Five clients, each at least ApiVersions and Metadata. */
	CHECK(n >= 10);
	printf("%d captured requests\n", n);
	return t_result();
}
