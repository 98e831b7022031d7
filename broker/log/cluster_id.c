/* SPDX-License-Identifier: MIT */
/*
 * cluster_id.c — the cluster's ID, kept where Kafka keeps it: the
 * `cluster.id` line of DIR/meta.properties, a random UUID in Kafka's text
 * form (22 characters of URL-safe base64). Made at the first start and
 * read at every later one, so Metadata and DescribeCluster name the same
 * cluster across restarts. A file without a valid ID is kept aside as
 * meta.properties.damaged (nothing is thrown away) and a new ID written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "log_int.h"
#include "sys.h"

#define META_FILE "meta.properties"

/* The ID of the file's cluster.id line into out, or -EINVAL. */
static int parse_meta(char *text, char out[23])
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint8_t id[16];

		if (strncmp(line, "cluster.id=", 11))
			continue;
		line += 11;
		if (tid_from_text(line, id) < 0)
			return -EINVAL;
		memcpy(out, line, 22);
		out[22] = '\0';
		return 0;
	}
	return -EINVAL;
}

int log_cluster_id(const char *dir, char out[23])
{
	char p[4096], buf[4096], text[128];
	uint8_t id[16];
	ssize_t n;
	int fd, ret;

	if (snprintf(p, sizeof(p), "%s/%s", dir, META_FILE) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	fd = lsys_open(p, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		n = lsys_read(fd, buf, sizeof(buf) - 1);
		lsys_close(fd);
		if (n < 0)
			return (int)n;
		buf[n] = '\0';
		if (parse_meta(buf, out) == 0)
			return 0;
		char aside[4200];

		snprintf(aside, sizeof(aside), "%s.damaged", p);
		fprintf(stderr,
			"zcbroker: %s holds no valid cluster.id: kept as %s, "
			"a new cluster ID is written\n",
			p, aside);
		ret = lsys_rename(p, aside);
		if (ret < 0)
			return ret;
	} else if (fd != -ENOENT) {
		return fd;
	}
	ret = tid_new(id);
	if (ret < 0)
		return ret;
	tid_to_text(id, out);
	snprintf(text, sizeof(text), "#zcbroker\nversion=1\ncluster.id=%s\n",
		 out);
	return log_write_atomic(dir, META_FILE, text);
}
