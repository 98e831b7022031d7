/* SPDX-License-Identifier: MIT */
/*
 * main.c — zcbench's command line: options, the working directory and its
 * source file, then the parts in order (transfer scenarios, disk read
 * mechanisms, copy-on-write), the verdicts and the three outputs.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "common.h"

#define DEFAULT_SIZE (256ull << 20)
#define QUICK_SIZE   (8ull << 20)

static const char usage_text[] =
    "usage: zcbench [options]\n"
    "Measures every libzcio method side by side and sets the seed's model\n"
    "(switches, CPU copies, DMA copies) beside what this machine does.\n"
    "With no options: the default suite (~1 minute, no root needed).\n"
    "\n"
    "  -s, --size SIZE        bytes per run (K/M/G suffixes; default 256M,\n"
    "                         scaled down to fit --budget unless given)\n"
    "  -r, --reps N           runs per measurement (default 3, 1..50)\n"
    "      --scenarios LIST   comma list of file-tcp, file-file, file-pipe,\n"
    "                         tcp-file, disk, cow, or all (default all)\n"
    "  -m, --methods LIST     comma list of method names (read-write, mmap,\n"
    "                         sendfile, splice, copy-file-range, direct,\n"
    "                         io-uring, msg-zerocopy, io-uring-zc, auto) or all\n"
    "      --cache LIST       warm, cold or warm,cold (default both)\n"
    "  -d, --dir DIR          where the test files go (default $TMPDIR or\n"
    "                         /var/tmp; tmpfs makes cold runs meaningless)\n"
    "      --budget SECONDS   time the default size aims at (default 60;\n"
    "                         0: never scale)\n"
    "      --quick            a tiny run for tests (8M, no scaling)\n"
    "      --xfs              as root, demonstrate reflink clones on an\n"
    "                         XFS loop image made for the purpose\n"
    "      --json FILE        write every figure as JSON\n"
    "      --svg FILE         write a bar chart as SVG\n"
    "  -h, --help             this text\n"
    "Exit status: 0 success, 1 a run failed or output could not be\n"
    "written, 2 usage error.\n";

enum {
	OPT_SCEN = 256,
	OPT_CACHE,
	OPT_BUDGET,
	OPT_QUICK,
	OPT_XFS,
	OPT_JSON,
	OPT_SVG
};

static const struct option longopts[] = {
    {"size", required_argument, NULL, 's'},
    {"reps", required_argument, NULL, 'r'},
    {"scenarios", required_argument, NULL, OPT_SCEN},
    {"methods", required_argument, NULL, 'm'},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"dir", required_argument, NULL, 'd'},
    {"budget", required_argument, NULL, OPT_BUDGET},
    {"quick", no_argument, NULL, OPT_QUICK},
    {"xfs", no_argument, NULL, OPT_XFS},
    {"json", required_argument, NULL, OPT_JSON},
    {"svg", required_argument, NULL, OPT_SVG},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/*
 * What zcbench may leave in its working directory, removed on exit, on
 * SIGINT/SIGTERM and by the hang watchdog. The paths are made up front so
 * that a signal handler only calls unlink and rmdir.
 */
static const char *const leftovers[] = {"src",	     "dst",	   "clone-src",
					"clone-dst", "clone-copy", "xfs.img"};
#define NLEFT (sizeof(leftovers) / sizeof(leftovers[0]))
static char g_paths[NLEFT][600], g_workdir[512];

void zb_cleanup(void)
{
	if (!g_workdir[0])
		return;
	for (size_t i = 0; i < NLEFT; i++)
		unlink(g_paths[i]);
	rmdir(g_workdir);
}

static void on_signal(int sig)
{
	zb_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Each comma-separated word of `list` through fn; false on a bad word. */
static bool each_word(const char *list,
		      bool (*fn)(struct zb_config *, const char *),
		      struct zb_config *c, char *bad, size_t len)
{
	char buf[256], *save = NULL, *w;

	if (strlen(list) >= sizeof(buf) || !*list) {
		snprintf(bad, len, "%s", list);
		return false;
	}
	strcpy(buf, list);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (!fn(c, w)) {
			snprintf(bad, len, "%s", w);
			return false;
		}
	return true;
}

static bool add_scenario(struct zb_config *c, const char *w)
{
	int s = zb_scenario_from_name(w);

	if (strcmp(w, "all") == 0) {
		for (int i = 0; i < ZB_SCENARIO_COUNT; i++)
			c->scen[i] = true;
		c->disk = c->cow = true;
	} else if (strcmp(w, "disk") == 0) {
		c->disk = true;
	} else if (strcmp(w, "cow") == 0) {
		c->cow = true;
	} else if (s >= 0) {
		c->scen[s] = true;
	} else {
		return false;
	}
	return true;
}

static bool add_method(struct zb_config *c, const char *w)
{
	int m = zc_method_from_name(w);

	if (strcmp(w, "all") == 0) {
		for (int i = 0; i < ZC_METHOD_COUNT; i++)
			c->method[i] = true;
		return true;
	}
	if (m < 0 || m >= ZC_METHOD_COUNT)
		return false;
	c->method[m] = true;
	return true;
}

static bool add_cache(struct zb_config *c, const char *w)
{
	if (strcmp(w, "warm") == 0)
		c->cache[ZB_WARM] = true;
	else if (strcmp(w, "cold") == 0)
		c->cache[ZB_COLD] = true;
	else
		return false;
	return true;
}

static int parse(int argc, char **argv, struct zb_config *c)
{
	bool scen = false, meth = false, cache = false;
	char bad[256], *end;
	long v;
	double d;
	int o;

	memset(c, 0, sizeof(*c));
	c->size = DEFAULT_SIZE;
	c->reps = 3;
	c->budget = 60;
	while ((o = getopt_long(argc, argv, "s:r:m:d:h", longopts, NULL)) !=
	       -1) {
		switch (o) {
		case 's':
			if (tc_parse_size(optarg, &c->size) < 0 ||
			    c->size == 0 || c->size > (1ull << 40))
				return tc_usage_error(
				    "zcbench", "bad --size: '%s'", optarg);
			c->size_given = true;
			break;
		case 'r':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > ZB_MAX_REPS)
				return tc_usage_error(
				    "zcbench", "bad --reps: '%s' (1..50)",
				    optarg);
			c->reps = (int)v;
			break;
		case OPT_SCEN:
			if (!each_word(optarg, add_scenario, c, bad,
				       sizeof(bad)))
				return tc_usage_error(
				    "zcbench", "unknown scenario '%s'", bad);
			scen = true;
			break;
		case 'm':
			if (!each_word(optarg, add_method, c, bad, sizeof(bad)))
				return tc_usage_error(
				    "zcbench", "unknown method '%s'", bad);
			meth = true;
			break;
		case OPT_CACHE:
			if (!each_word(optarg, add_cache, c, bad, sizeof(bad)))
				return tc_usage_error(
				    "zcbench",
				    "unknown cache state '%s' (warm, cold)",
				    bad);
			cache = true;
			break;
		case 'd':
			c->dir = optarg;
			break;
		case OPT_BUDGET:
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(d >= 0) ||
			    d > 1e6)
				return tc_usage_error(
				    "zcbench", "bad --budget: '%s'", optarg);
			c->budget = d;
			break;
		case OPT_QUICK:
			c->quick = true;
			break;
		case OPT_XFS:
			c->xfs = true;
			break;
		case OPT_JSON:
			c->json_path = optarg;
			break;
		case OPT_SVG:
			c->svg_path = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'zcbench --help'.\n");
			return TC_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return tc_usage_error("zcbench", "unexpected argument '%s'",
				      argv[optind]);
	if (!scen)
		add_scenario(c, "all");
	if (!meth)
		add_method(c, "all");
	if (!cache)
		c->cache[ZB_WARM] = c->cache[ZB_COLD] = true;
	if (c->quick) {
		if (!c->size_given)
			c->size = QUICK_SIZE;
		c->budget = 0;
	}
	if (!c->dir) {
		c->dir = getenv("TMPDIR");
		if (!c->dir || !*c->dir)
			c->dir = "/var/tmp";
	}
	return -1; /* go on */
}

/* The working directory and the source file. 0 or -errno. */
static int prepare(struct zb_results *r)
{
	int ret;

	snprintf(r->workdir, sizeof(r->workdir), "%s/zcbench.XXXXXX",
		 r->cfg.dir);
	if (!mkdtemp(r->workdir))
		return -errno;
	for (size_t i = 0; i < NLEFT; i++)
		snprintf(g_paths[i], sizeof(g_paths[i]), "%s/%s", r->workdir,
			 leftovers[i]);
	snprintf(g_workdir, sizeof(g_workdir), "%s", r->workdir);
	snprintf(r->src_path, sizeof(r->src_path), "%s/src", r->workdir);
	r->src_size = r->cfg.size;
	ret = zb_make_file(r->src_path, r->src_size);
	return ret;
}

static int outputs(struct zb_results *r)
{
	int ret, bad = 0;
	char err[96];

	zb_print_table(stdout, r);
	if (fflush(stdout) != 0)
		bad = 1;
	if (r->cfg.json_path) {
		ret = zb_write_json(r->cfg.json_path, r);
		if (ret < 0) {
			zb_errtext(err, sizeof(err), ret);
			fprintf(stderr, "zcbench: %s: %s\n", r->cfg.json_path,
				err);
			bad = 1;
		}
	}
	if (r->cfg.svg_path) {
		ret = zb_write_svg(r->cfg.svg_path, r);
		if (ret < 0) {
			zb_errtext(err, sizeof(err), ret);
			fprintf(stderr, "zcbench: %s: %s\n", r->cfg.svg_path,
				err);
			bad = 1;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	static struct zb_results r; /* large: keep it off the stack */
	char err[96];
	double t0 = zb_now();
	int ret;

	ret = parse(argc, argv, &r.cfg);
	if (ret >= 0)
		return ret;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	atexit(zb_cleanup);
	ret = prepare(&r);
	if (ret < 0) {
		zb_errtext(err, sizeof(err), ret);
		fprintf(stderr,
			"zcbench: %s: cannot create the test file: %s\n",
			r.cfg.dir, err);
		return 1;
	}
	zb_machine_info(&r.mach, r.workdir);
	zb_progress("timing this machine to fit the budget");
	zb_plan(&r);
	if (r.note[0]) {
		zb_progress_end();
		fprintf(stderr, "zcbench: %s\n", r.note);
	}
	r.failures += zb_run_scenarios(&r);
	if (r.cfg.disk)
		zb_run_disk(&r);
	if (r.cfg.cow)
		zb_run_cow(&r);
	zb_progress_end();
	zb_verdicts(&r);
	r.elapsed = zb_now() - t0;
	ret = outputs(&r);
	return r.failures || ret ? 1 : 0;
}
