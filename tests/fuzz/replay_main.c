/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c — the main() that turns a fuzz target into a regression
 * test: it feeds LLVMFuzzerTestOneInput every file of the target's corpus
 * (seeds and every input a fuzzer once crashed on), in name order, and
 * passes when none crashes (a crash, a sanitizer report or a violated
 * property aborts the program).
 *
 *   fuzz_NAME [FILE|DIR...]   default: $ZC_SRC/tests/fuzz/corpus/NAME
 *                             (ZC_SRC defaults to the current directory)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "helpers.h"

static int replay_file(const char *path)
{
	size_t len;
	uint8_t *buf = t_read_path(path, &len);

	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 1;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
	struct dirent *e;
	char **names = NULL, p[4096];
	size_t n = 0, cap = 0;
	int count = 0;
	DIR *d = opendir(dir);

	if (!d)
		t_fatal("%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				t_fatal("out of memory");
		}
		if (!(names[n++] = strdup(e->d_name)))
			t_fatal("out of memory");
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		count += replay_file(p);
		free(names[i]);
	}
	free(names);
	return count;
}

static int replay(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		t_fatal("%s: %s", path, strerror(errno));
	return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path);
}

int main(int argc, char **argv)
{
	int count = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			count += replay(argv[i]);
	} else {
		const char *src = getenv("ZC_SRC");
		const char *name = strrchr(argv[0], '/');
		char dir[4096];

		name = name ? name + 1 : argv[0];
		if (!strncmp(name, "fuzz_", 5))
			name += 5;
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
			 src && *src ? src : ".", name);
		count = replay(dir);
	}
	/* An empty corpus would make this test pass without testing. */
	if (!count)
		t_fatal("no inputs to replay");
	printf("replayed %d inputs\n", count);
	return 0;
}
