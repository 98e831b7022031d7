/* SPDX-License-Identifier: MIT */
/*
 * main.c — zcp: copy bytes from SRC to DST with the fewest copies.
 *
 *   zcp [OPTIONS] SRC DST
 *   zcp [OPTIONS] SRC... DIR
 *
 * Parses the command line, opens both ends (endpoint.c), picks the way to
 * move the bytes like an expert would (a reflink clone for a whole regular
 * file, then libzcio's AUTO choice, or exactly the method named with -m),
 * and commits the destination only when every byte arrived. Trees and
 * several SRCs go to tree.c, --tee to tee.c, --resume to resume.c. Exit
 * status: 0 success, 1 failure (a "zcp: WHAT: REASON" line on stderr for
 * each), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "zcp.h"

/* With --progress, chunks small enough for a lively display and a prompt
 * reaction to Ctrl-C, big enough to cost nothing. */
#define PROGRESS_CHUNK (8u << 20)
#define PIPE_SIZE      (1 << 20)

struct zcp_args {
	enum zc_method method;
	bool explicit_method;
	uint64_t offset;
	uint64_t length;
	bool length_set;
	bool progress, stats, json, fsync;
	bool recursive, archive, resume;
	unsigned jobs;
	const char *tee; /* --tee DST2 */
	char **ops;	 /* operands: SRC... DST */
	int nops;
	const char *src, *dst;
};

struct zcp_run {
	struct zcp_args a;
	struct zcp_end src, dst, dst2;
	struct zcp_progress prog;
	struct zcp_report rep;
	off_t off; /* input position when SRC is seekable */
	bool seekable;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: zcp [OPTIONS] SRC DST\n"
	    "       zcp [OPTIONS] SRC... DIR   (into an existing directory)\n"
	    "Copy bytes from SRC to DST with the fewest copies (libzcio).\n"
	    "\n"
	    "  SRC, DST   PATH | - (stdin / stdout)\n"
	    "             tcp:HOST:PORT           connect (SRC: read to the end;\n"
	    "                                     DST: send)\n"
	    "             tcp-listen:[HOST:]PORT  accept one connection (port 0:\n"
	    "                                     prints the port it got)\n"
	    "             unix:PATH               connect to a unix socket\n"
	    "             unix-listen:PATH        create the socket, accept one\n"
	    "                                     connection, remove PATH\n"
	    "             HOST may be a name, an IPv4 address or [IPv6].\n"
	    "\n"
	    "  -r, --recursive     copy directories: symlinks as links, special\n"
	    "                      files recreated\n"
	    "  -a, --archive       -r, and keep modes, owners (root), times (ns),\n"
	    "                      extended attributes and hard links\n"
	    "  -j, --jobs N        threads copying files of a tree (default: the\n"
	    "                      CPUs, at most 4; 1: none)\n"
	    "      --resume        DST holds the start of SRC: check those bytes,\n"
	    "                      append the rest (see below)\n"
	    "      --tee DST2      copy to DST and DST2 at once (tee(2) + splice)\n"
	    "  -m, --method NAME   auto (default) or one of: read-write, mmap, sendfile,\n"
	    "                      splice, copy-file-range, direct, io-uring, msg-zerocopy,\n"
	    "                      io-uring-zc\n"
	    "      --offset N      start of the range of SRC (K, M, G suffixes)\n"
	    "      --length N      length of the range (default: to the end)\n"
	    "  -p, --progress      progress on stderr: bytes, rate, percent and ETA\n"
	    "      --stats         after the transfer, one line of accounting on stderr\n"
	    "      --json          the same as one JSON object on stderr\n"
	    "      --fsync         fsync a file DST before renaming it into place\n"
	    "  -h, --help          this text\n"
	    "      --version       the version\n"
	    "\n"
	    "A file DST is written to a temporary file beside it and renamed into\n"
	    "place only when complete; on failure the old DST is left untouched.\n"
	    "In a tree each file lands that way; a failed file is reported and the\n"
	    "others are copied.\n"
	    "\n"
	    "--resume: when the file DST exists, its bytes must equal the start of\n"
	    "SRC (checked, like rsync's append-verify); only the rest is appended, in\n"
	    "place. A mismatch or a DST longer than SRC is an error that changes\n"
	    "nothing. Over a socket both zcp need --resume: the receiver sends\n"
	    "\"ZCPR\" u32 1, u64 bytes held, u64 checksum of them; the sender answers\n"
	    "\"ZCPS\" u32 status (0 ok, 1 differs, 2 longer), u64 first byte sent,\n"
	    "then the data (big-endian integers).\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 bad usage.\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	exit(tc_usage_verror("zcp", fmt, ap));
}

static uint64_t size_arg(const char *opt, const char *val)
{
	uint64_t v;
	int ret = tc_parse_size(val, &v);

	if (ret)
		bad_usage("%s: invalid size '%s': %s", opt, val,
			  ret == -ERANGE ? "too large" : "expected N[K|M|G|T]");
	if (v > (uint64_t)INT64_MAX)
		bad_usage("%s: invalid size '%s': too large", opt, val);
	return v;
}

static void method_arg(struct zcp_args *a, const char *name)
{
	int m = zc_method_from_name(name);

	if (m < 0) {
		fprintf(stderr, "zcp: unknown method '%s' (one of:", name);
		for (int i = 0; i < ZC_METHOD_COUNT; i++)
			fprintf(stderr, " %s",
				zc_method_name((enum zc_method)i));
		fputs(")\n", stderr);
		exit(TC_EXIT_USAGE);
	}
	a->method = (enum zc_method)m;
	a->explicit_method = m != ZC_AUTO;
}

enum {
	OPT_OFFSET = 256,
	OPT_LENGTH,
	OPT_STATS,
	OPT_JSON,
	OPT_FSYNC,
	OPT_VERSION,
	OPT_RESUME,
	OPT_TEE,
};

#define JOBS_MAX 16

static void parse_args(struct zcp_args *a, int argc, char **argv)
{
	static const struct option longs[] = {
	    {"method", required_argument, NULL, 'm'},
	    {"offset", required_argument, NULL, OPT_OFFSET},
	    {"length", required_argument, NULL, OPT_LENGTH},
	    {"progress", no_argument, NULL, 'p'},
	    {"stats", no_argument, NULL, OPT_STATS},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"fsync", no_argument, NULL, OPT_FSYNC},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"recursive", no_argument, NULL, 'r'},
	    {"archive", no_argument, NULL, 'a'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"resume", no_argument, NULL, OPT_RESUME},
	    {"tee", required_argument, NULL, OPT_TEE},
	    {NULL, 0, NULL, 0},
	};
	int c;

	uint64_t v;
	long cpus;

	memset(a, 0, sizeof(*a));
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	a->jobs = cpus < 1 ? 1 : cpus > 4 ? 4 : (unsigned)cpus;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:phraj:", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			a->recursive = true;
			break;
		case 'a':
			a->archive = a->recursive = true;
			break;
		case 'j':
			v = size_arg("--jobs", optarg);
			if (v < 1 || v > JOBS_MAX)
				bad_usage("--jobs: expected 1 to %d, got '%s'",
					  JOBS_MAX, optarg);
			a->jobs = (unsigned)v;
			break;
		case OPT_RESUME:
			a->resume = true;
			break;
		case OPT_TEE:
			a->tee = optarg;
			break;
		case 'm':
			method_arg(a, optarg);
			break;
		case OPT_OFFSET:
			a->offset = size_arg("--offset", optarg);
			break;
		case OPT_LENGTH:
			a->length = size_arg("--length", optarg);
			a->length_set = true;
			break;
		case 'p':
			a->progress = true;
			break;
		case OPT_STATS:
			a->stats = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_FSYNC:
			a->fsync = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("zcp (zcio) %s\n", zc_version());
			exit(0);
		case ':':
			bad_usage("%s: missing argument", argv[optind - 1]);
		default:
			if (optopt)
				bad_usage("-%c: unknown option", optopt);
			bad_usage("%s: unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		bad_usage("expected SRC and DST, got %d operand%s",
			  argc - optind, argc - optind == 1 ? "" : "s");
	a->ops = argv + optind;
	a->nops = argc - optind;
	a->src = argv[optind];
	a->dst = argv[argc - 1];
}

static int __attribute__((format(printf, 2, 3)))
fail(struct zcp_run *r, const char *fmt, ...)
{
	va_list ap;

	zcp_progress_finish(&r->prog, 0, false);
	fputs("zcp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	zcp_end_close(&r->dst2, true);
	zcp_end_close(&r->dst, true);
	zcp_end_close(&r->src, false);
	return 1;
}

/* Skip `n` bytes of a source that cannot seek (stdin pipe, socket). */
static int discard(int fd, uint64_t n)
{
	char buf[65536];

	while (n) {
		ssize_t got = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (got < 0 && errno == EINTR && !zcp_stop_signal())
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		n -= (uint64_t)got;
	}
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Where the range starts and, when it can be known, how long it is. */
static int plan_range(struct zcp_run *r, bool *known, uint64_t *total)
{
	const struct stat *st = &r->src.st;
	off_t base = 0, end = -1;

	*known = false;
	*total = 0;
	r->seekable = S_ISREG(st->st_mode) || S_ISBLK(st->st_mode);
	if (r->seekable) {
		if (r->src.kind == ZCP_STDIO) {
			base = lseek(r->src.fd, 0, SEEK_CUR);
			if (base < 0)
				return -errno;
		}
		r->off = base + (off_t)r->a.offset;
		/* procfs and sysfs files say 0: their size is unknown. */
		if (S_ISREG(st->st_mode) && st->st_size > 0)
			end = st->st_size;
		else if (S_ISBLK(st->st_mode))
			end = lseek(r->src.fd, 0, SEEK_END);
		if (end >= 0) {
			*known = true;
			*total = end > r->off ? (uint64_t)(end - r->off) : 0;
		}
	} else if (r->a.offset) {
		int ret = discard(r->src.fd, r->a.offset);

		if (ret)
			return ret;
	}
	if (r->a.length_set) {
		*total = *known ? min_u64(*total, r->a.length) : r->a.length;
		*known = true;
	}
	return 0;
}

static int on_progress(uint64_t moved, void *arg)
{
	struct zcp_run *r = arg;

	zcp_progress_update(&r->prog, moved);
	return zcp_stop_signal() != 0;
}

/*
 * A reflink clone: the whole of a regular SRC into the new temporary DST.
 * Returns 1 when it worked, 0 when it does not apply, -1 when the file
 * system declined (DST is then still empty for the byte-moving methods).
 */
static int try_clone(struct zcp_run *r)
{
	const struct stat *st = &r->src.st;
	struct zc_stats u0, u1;
	int ret;

	if (r->a.explicit_method || !r->dst.temp || !S_ISREG(st->st_mode) ||
	    st->st_size <= 0 || r->src.kind != ZCP_PATH || r->a.offset ||
	    (r->a.length_set && r->a.length < (uint64_t)st->st_size))
		return 0;
	tc_usage_now(&u0);
	ret = zc_clone(r->dst.fd, r->src.fd);
	if (ret)
		return -1;
	tc_usage_now(&u1);
	tc_usage_diff(&r->rep.st, &u0, &u1);
	r->rep.method = "clone";
	r->rep.st.bytes = (uint64_t)st->st_size;
	r->rep.st.syscalls = 1;
	return 1;
}

/* Keep holes when SRC is a sparse regular file and DST can seek. */
static unsigned transfer_flags(const struct zcp_run *r)
{
	const struct stat *in = &r->src.st;
	int fl = fcntl(r->dst.fd, F_GETFL);

	if (S_ISREG(in->st_mode) && S_ISREG(r->dst.st.st_mode) &&
	    (uint64_t)in->st_blocks * 512 < (uint64_t)in->st_size && fl >= 0 &&
	    !(fl & O_APPEND))
		return ZC_F_SPARSE;
	return 0;
}

/*
 * Pipes default to 64 KiB: every splice then moves 64 KiB and the processes
 * on both ends take turns. A 1 MiB pipe (the default pipe-max-size) cuts the
 * calls and the context switches sixteenfold; failure is harmless.
 */
static void grow_pipe(const struct zcp_end *e)
{
	if (e->fd >= 0 && S_ISFIFO(e->st.st_mode))
		(void)fcntl(e->fd, F_SETPIPE_SZ, PIPE_SIZE);
}

static ssize_t move_bytes(struct zcp_run *r)
{
	struct zc_options o;
	size_t count = ZC_TO_EOF;
	int cloned;
	ssize_t ret;

	memset(&o, 0, sizeof(o));
	o.method = r->a.method;
	o.flags = transfer_flags(r);
	o.chunk_size = r->a.progress ? PROGRESS_CHUNK : 0;
	o.progress = on_progress;
	o.progress_arg = r;
	if (r->a.length_set)
		count = r->a.length < (uint64_t)ZC_TO_EOF ? (size_t)r->a.length
							  : ZC_TO_EOF - 1;
	grow_pipe(&r->src);
	grow_pipe(&r->dst);
	cloned = try_clone(r);
	if (cloned > 0)
		return (ssize_t)r->rep.st.bytes;
	ret =
	    zc_transfer_opts(r->dst.fd, r->src.fd, r->seekable ? &r->off : NULL,
			     count, &o, &r->rep.st);
	r->rep.method = zc_method_name(r->rep.st.method);
	/* The library zeroes its stats: count the declined clone after. */
	if (cloned < 0) {
		r->rep.st.syscalls++;
		r->rep.st.fallbacks++;
	}
	return ret;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* --resume into a file DST that already holds bytes: open it in place.
 * 1 (resuming, *have set), 0 (nothing to resume: a normal copy) or < 0. */
static int open_partial(struct zcp_run *r, uint64_t *have)
{
	struct stat st;
	int fd;

	*have = 0;
	if (r->dst.kind != ZCP_PATH)
		return 0;
	if (stat(r->a.dst, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	if (same_file(&st, &r->src.st))
		return ZCP_ESAME;
	fd = open(r->a.dst, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r->dst.fd = fd;
	if (fstat(fd, &r->dst.st) < 0)
		return -errno;
	*have = (uint64_t)st.st_size;
	return 1;
}

/*
 * Open DST, and with --resume agree where the copy starts: as the sender
 * (a socket DST) by answering the receiver's request, as the receiver by
 * checking the partial file against SRC, or asking the sending zcp.
 * Returns 0 or an error for "DST: REASON"; *start is the first byte.
 */
static int open_dst(struct zcp_run *r, uint64_t *start)
{
	uint64_t have = 0;
	int ret, partial = 0;

	*start = 0;
	if (r->a.resume && r->dst.kind == ZCP_PATH) {
		partial = open_partial(r, &have);
		if (partial < 0)
			return partial;
	}
	if (!partial) {
		ret = zcp_dst_open(&r->dst, &r->src);
		if (ret)
			return ret;
	}
	if (r->a.tee) {
		ret = zcp_dst_open(&r->dst2, &r->src);
		if (ret) {
			r->a.dst = r->a.tee; /* the one to name */
			return ret;
		}
	}
	if (!r->a.resume)
		return 0;
	r->dst.step = NULL;
	if (zcp_end_is_socket(&r->dst))
		return zcp_resume_answer(r->dst.fd, r->src.fd,
					 S_ISREG(r->src.st.st_mode), start);
	if (zcp_end_is_socket(&r->src))
		ret = zcp_resume_ask(r->src.fd, r->dst.fd, have);
	else
		ret = zcp_resume_local(r->src.fd, S_ISREG(r->src.st.st_mode),
				       r->dst.fd, have);
	if (ret)
		return ret;
	*start = have;
	if (partial && lseek(r->dst.fd, (off_t)have, SEEK_SET) < 0)
		return -errno;
	return 0;
}

static ssize_t tee_bytes(struct zcp_run *r)
{
	struct zcp_tee t;

	memset(&t, 0, sizeof(t));
	t.in = r->src.fd;
	t.out[0] = r->dst.fd;
	t.out[1] = r->dst2.fd;
	t.in_off = r->seekable ? &r->off : NULL;
	t.count = r->a.length_set ? r->a.length : UINT64_MAX;
	t.progress = on_progress;
	t.arg = r;
	grow_pipe(&r->src);
	grow_pipe(&r->dst);
	grow_pipe(&r->dst2);
	ssize_t ret = zcp_tee_run(&t);
	r->rep.st = t.st;
	r->rep.method = t.method;
	return ret;
}

/* Hand the end of the data to a socket peer, then make the file land. */
static int finish_dst(struct zcp_run *r, struct zcp_end *e)
{
	if (zcp_end_is_socket(e) && shutdown(e->fd, SHUT_WR) < 0) {
		e->step = NULL;
		return -errno;
	}
	/* A resumed DST is written in place: no rename to wait for. */
	if (r->a.fsync && !e->temp && S_ISREG(e->st.st_mode) &&
	    fsync(e->fd) < 0) {
		e->step = "fsync";
		return -errno;
	}
	return zcp_dst_commit(e, r->a.fsync);
}

static int run(struct zcp_run *r)
{
	uint64_t total, t0, start;
	bool known;
	ssize_t ret;
	int err;

	err = zcp_src_open(&r->src);
	if (err == -EINTR && zcp_stop_signal())
		return fail(r, "%s: interrupted by %s", r->a.src,
			    zcp_sig_name(zcp_stop_signal()));
	if (err)
		return fail(r, "%s: %s%s", r->a.src, zcp_strerror(err),
			    err == -EISDIR ? " (-r copies a tree)" : "");
	err = open_dst(r, &start);
	if (err == -EINTR && zcp_stop_signal())
		return fail(r, "%s: interrupted by %s", r->a.dst,
			    zcp_sig_name(zcp_stop_signal()));
	if (err)
		return fail(r, "%s: %s%s%s", r->a.dst,
			    r->dst.step ? r->dst.step : "",
			    r->dst.step ? ": " : "", zcp_strerror(err));
	err = plan_range(r, &known, &total);
	if (err)
		return fail(r, "%s: %s", r->a.src, strerror(-err));
	if (r->a.resume && r->seekable)
		r->off = (off_t)start;
	if (r->a.resume)
		total = total > start ? total - start : 0;
	zcp_progress_init(&r->prog, r->a.progress, known, total);

	t0 = tc_now_ns();
	ret = r->a.tee ? tee_bytes(r) : move_bytes(r);
	r->rep.wall_ns = tc_now_ns() - t0;
	if (ret < 0 && ret == -ECANCELED && zcp_stop_signal())
		return fail(r, "%s: interrupted by %s after %llu bytes%s",
			    r->a.dst, zcp_sig_name(zcp_stop_signal()),
			    (unsigned long long)r->rep.st.bytes,
			    r->dst.temp ? "; left unchanged" : "");
	if (ret < 0)
		return fail(r, "%s%s%s -> %s: %s",
			    r->a.explicit_method ? zc_method_name(r->a.method)
						 : "",
			    r->a.explicit_method ? " " : "", r->a.src, r->a.dst,
			    strerror((int)-ret));

	zcp_signals_disarm();
	if (r->a.tee && (err = finish_dst(r, &r->dst2)))
		return fail(r, "%s: %s%s%s", r->a.tee,
			    r->dst2.step ? r->dst2.step : "",
			    r->dst2.step ? ": " : "", strerror(-err));
	err = finish_dst(r, &r->dst);
	if (err)
		return fail(r, "%s: %s%s%s", r->a.dst,
			    r->dst.step ? r->dst.step : "",
			    r->dst.step ? ": " : "", strerror(-err));
	zcp_progress_finish(&r->prog, (uint64_t)ret, true);
	zcp_end_close(&r->dst2, false);
	zcp_end_close(&r->dst, false);
	zcp_end_close(&r->src, false);
	r->rep.src = r->a.src;
	r->rep.dst = r->a.dst;
	if (r->a.stats)
		zcp_report_text(&r->rep);
	if (r->a.json)
		zcp_report_json(&r->rep);
	return 0;
}

/* Options that make sense for one byte stream only. */
static void single_only(const struct zcp_args *a)
{
	const char *opt = a->offset	  ? "--offset"
			  : a->length_set ? "--length"
			  : a->resume	  ? "--resume"
			  : a->tee	  ? "--tee"
					  : NULL;

	if (opt)
		bad_usage("%s copies one file: not with -r, -a or several SRCs",
			  opt);
}

static int tree_main(const struct zcp_args *a)
{
	struct zcp_tree_opts o;

	single_only(a);
	for (int i = 0; i < a->nops; i++) {
		struct zcp_end e;

		if (zcp_end_parse(&e, a->ops[i]) || e.kind != ZCP_PATH)
			bad_usage("%s: -r, -a and several SRCs take paths only",
				  a->ops[i]);
	}
	memset(&o, 0, sizeof(o));
	o.recursive = a->recursive;
	o.archive = a->archive;
	o.method = a->method;
	o.explicit_method = a->explicit_method;
	o.jobs = a->jobs;
	o.progress = a->progress;
	o.stats = a->stats;
	o.json = a->json;
	o.fsync = a->fsync;
	zcp_signals_install();
	return zcp_tree_copy(&o, a->ops, a->nops - 1, a->dst);
}

int main(int argc, char **argv)
{
	static struct zcp_run r;
	char *into = NULL;
	struct stat st;
	int ret;

	/* umask(2) can only be read by setting it. */
	zcp_umask = umask(0);
	umask(zcp_umask);
	zcp_root = geteuid() == 0;
	parse_args(&r.a, argc, argv);
	if (r.a.recursive || r.a.nops > 2)
		return tree_main(&r.a);
	if (r.a.resume && r.a.tee)
		bad_usage("--resume and --tee: one at a time");
	if (r.a.resume && (r.a.offset || r.a.length_set))
		bad_usage("--resume copies the whole SRC: not with --offset "
			  "or --length");
	if (zcp_end_parse(&r.src, r.a.src))
		bad_usage(
		    "%s: invalid SRC (PATH, -, tcp:HOST:PORT, "
		    "tcp-listen:[HOST:]PORT, unix:PATH, unix-listen:PATH)",
		    r.a.src);
	if (zcp_end_parse(&r.dst, r.a.dst))
		bad_usage(
		    "%s: invalid DST (PATH, -, tcp:HOST:PORT, "
		    "tcp-listen:[HOST:]PORT, unix:PATH, unix-listen:PATH)",
		    r.a.dst);
	if (r.a.tee && zcp_end_parse(&r.dst2, r.a.tee))
		bad_usage("%s: invalid --tee DST", r.a.tee);
	if (r.a.resume && zcp_end_is_socket(&r.src) &&
	    zcp_end_is_socket(&r.dst))
		bad_usage("--resume needs a file or a stream at one end");
	/* A file into a directory: DIR/NAME, as cp(1). */
	if (r.src.kind == ZCP_PATH && r.dst.kind == ZCP_PATH &&
	    stat(r.a.dst, &st) == 0 && S_ISDIR(st.st_mode) &&
	    !(stat(r.a.src, &st) == 0 && S_ISDIR(st.st_mode))) {
		into = zcp_path_into(r.a.dst, r.a.src);
		if (!into) {
			fprintf(stderr, "zcp: %s: %s\n", r.a.dst,
				strerror(ENOMEM));
			return 1;
		}
		r.a.dst = into;
		zcp_end_parse(&r.dst, into);
	}
	zcp_signals_install();
	ret = run(&r);
	free(into);
	return ret;
}
