/* SPDX-License-Identifier: MIT */
/*
 * bench.h — what the files of zcbench share: the configuration, the metrics
 * one run yields, the result of a (scenario, method, cache) cell, and the
 * entry points of each part (scenarios, disk mechanisms, copy-on-write,
 * verdicts, and the three outputs: table, JSON, SVG).
 */
#ifndef ZCBENCH_H
#define ZCBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "zcio.h"

#define ZB_MAX_REPS 50 /* timed runs of one figure, at most */
#define ZB_REASON   256
#define ZB_GIB	    (1024.0 * 1024.0 * 1024.0)

/* The transfer scenarios, in table order. */
enum zb_scenario {
	ZB_FILE_TCP,  /* file -> loopback TCP socket */
	ZB_FILE_VETH, /* file -> TCP across a veth pair (root) */
	ZB_FILE_FILE, /* file -> file on the same filesystem */
	ZB_FILE_PIPE, /* file -> pipe */
	ZB_TCP_FILE,  /* loopback TCP socket -> file */
	ZB_SCENARIO_COUNT
};

enum zb_cache { ZB_WARM, ZB_COLD, ZB_CACHE_COUNT };

/*
 * Everything measured in one run, normalised per GiB moved where it says
 * so. Order matters: JSON keys and table columns follow it.
 */
enum zb_metric {
	ZB_M_MIBS,     /* throughput, MiB/s */
	ZB_M_WALL,     /* seconds for the run */
	ZB_M_USER,     /* sender user CPU, s/GiB */
	ZB_M_SYS,      /* sender system CPU, s/GiB */
	ZB_M_CPU,      /* thread CPU clock (exact), s/GiB */
	ZB_M_SIDE,     /* process CPU minus the peer thread, s/GiB */
	ZB_M_SYSCALLS, /* system calls / GiB */
	ZB_M_VCSW,     /* voluntary context switches / GiB */
	ZB_M_IVCSW,    /* involuntary context switches / GiB */
	ZB_M_MINFLT,   /* minor page faults / GiB */
	ZB_M_MAJFLT,   /* major page faults / GiB */
	ZB_M_UCOPY,    /* user copy bytes / GiB */
	ZB_M_KCOPY,    /* MSG_ZEROCOPY bytes the kernel copied / GiB */
	ZB_M_BYTES,    /* bytes moved by the run */
	ZB_METRIC_COUNT
};

struct zb_metric_info {
	const char *key;  /* JSON key */
	const char *unit; /* for docs and JSON */
};
extern const struct zb_metric_info zb_metrics[ZB_METRIC_COUNT];

enum zb_status {
	ZB_NOT_RUN = 0, /* not selected */
	ZB_OK,		/* verified once, then measured */
	ZB_NA,		/* the method cannot serve this pair here: reason */
	ZB_FAILED,	/* data did not verify or the run broke: reason */
};

/* lo..hi: the range a comparison uses: the middle half of the runs
 * (quartiles) from ZB_IQR_RUNS runs on, so that one run slowed by a
 * neighbour on a shared machine does not decide; min..max below that. */
#define ZB_IQR_RUNS 5
struct zb_summary {
	double min, med, max;
	double lo, hi;
};

/* One cell: a method in a scenario with a cache state. */
struct zb_cell {
	enum zb_status status;
	char reason[ZB_REASON];
	enum zc_method used; /* what the library says moved the data */
	double resident; /* cold: largest share of the source still cached */
	bool verified;	 /* the verified run checked every byte */
	bool settled;	 /* the last runs agreed within cfg.settle */
	double spent;	 /* seconds the timed runs took */
	int nruns;	 /* timed runs */
	double runs[ZB_MAX_REPS][ZB_METRIC_COUNT];
	struct zb_summary sum[ZB_METRIC_COUNT];
};

/* The disk read mechanisms (zc_read_file), cold cache: blocking, polled,
 * direct. Where the device refuses IOPOLL, the polled row is measured with
 * ZC_READ_SPIN and labelled so. */
#define ZB_READ_MODES 3
struct zb_disk {
	bool run;
	bool polled_spin;	       /* polled row: user-space CQ spin */
	char polled_iopoll[ZB_REASON]; /* why IOPOLL was refused */
	struct zb_cell mode[ZB_READ_MODES];
};
#define ZB_SPIN_LABEL "polled (user-space CQ spin; device has no poll queues)"

/* The veth scenario's namespaces (net.c). */
struct zb_net {
	bool up;
	int fd_a, fd_b;	     /* /run/netns/... of the sender's and receiver's */
	char why[ZB_REASON]; /* why it is not up */
};

/* Copy-on-write figures. */
struct zb_cow {
	bool run;
	int view_status; /* 0, or -errno from zc_view_open */
	char view_note[ZB_REASON];
	uint64_t view_bytes, pages_read, pages_written;
	uint64_t read_minflt, write_minflt;
	int64_t read_anon_kb, write_anon_kb; /* private memory grown */
	double read_s, write_s;
	bool view_ok; /* the view read the pattern, the file never changed */
	int clone_status; /* 0, or -errno from zc_clone */
	char clone_fs[32];
	char clone_note[ZB_REASON];
	uint64_t clone_bytes;
	double clone_s, copy_s; /* clone vs a read+write copy of the same */
	bool copy_measured;
	bool clone_verified;
};

struct zb_verdict {
	char claim[256];
	char measured[400];
	const char *outcome; /* "held", "did not hold", "inconclusive", "n/a" */
};
#define ZB_MAX_VERDICTS 24

struct zb_config {
	uint64_t size;
	bool size_given;
	int reps;	   /* timed runs per figure, at least */
	int max_runs;	   /* and at most */
	double settle;	   /* stop when the last runs spread less */
	double fig_budget; /* or when a figure took this many seconds */
	double budget; /* seconds the default suite aims at; 0: no scaling */
	bool quick;
	bool xfs;
	bool scen[ZB_SCENARIO_COUNT];
	bool cache[ZB_CACHE_COUNT];
	bool method[ZC_METHOD_COUNT];
	bool disk, cow;
	const char *dir;
	const char *json_path;
	const char *svg_path;
};

struct zb_machine {
	char kernel[160];
	char cpu[128];
	long nproc;
	char fs[32];
	char dir[512];
};

struct zb_results {
	struct zb_config cfg;
	struct zb_machine mach;
	char workdir[512];
	char src_path[600];
	uint64_t src_size;
	char note[ZB_REASON]; /* e.g. why the size was scaled */
	/* The far end of the timed runs of each scenario, and where the two
	 * ends ran ("recv(MSG_TRUNC), own process; sender CPU 0, peer 1"). */
	char far[ZB_SCENARIO_COUNT][160];
	struct zb_net net;
	struct zb_cell cell[ZB_SCENARIO_COUNT][ZC_METHOD_COUNT][ZB_CACHE_COUNT];
	struct zb_disk disk;
	struct zb_cow cow;
	struct zb_verdict verdict[ZB_MAX_VERDICTS];
	int nverdicts;
	double elapsed;
	int failures;
};

/* names.c */
const char *zb_scenario_name(enum zb_scenario s);  /* "file-tcp" */
const char *zb_scenario_title(enum zb_scenario s); /* "file -> TCP ..." */
int zb_scenario_from_name(const char *name);
const char *zb_cache_name(enum zb_cache c);
const char *zb_read_mode_name(int mode);
/* The library's methods in table order: the read-write baseline first,
 * then the rest as the library numbers them, AUTO last. i < ZC_METHOD_COUNT. */
enum zc_method zb_method_at(int i);
/* "read-write, mmap, ..., auto": every method name, for the usage text. */
const char *zb_method_list(void);

/* pattern.c: the deterministic content every scenario moves and checks. */
void zb_fill(void *buf, size_t len, uint64_t pos);
/* Whether buf holds the pattern at stream position pos. */
bool zb_check(const void *buf, size_t len, uint64_t pos);
/* Create `path` with `size` bytes of pattern, fsync'd. 0 or -errno. */
int zb_make_file(const char *path, uint64_t size);
/* Whether the file at fd holds exactly `size` bytes of pattern. 0, -EIO
 * on mismatch, or -errno. */
int zb_verify_fd(int fd, uint64_t size);

/* measure.c: the readings taken around one measured call, innermost
 * first: wall clock, thread CPU clock, thread rusage, process CPU clock. */
struct zb_span {
	double t0, t1;		/* zb_now() */
	double c0, c1;		/* zb_thread_cpu() */
	double p0;		/* zb_process_cpu() at the start */
	struct zc_stats u0, u1; /* tc_usage_now() */
};
void zb_span_begin(struct zb_span *s);
void zb_span_end(struct zb_span *s);
/* One run into c: the library's stats st (its rusage fields, or the
 * span's own reading when it left them empty), the span's times, and
 * `side`: CPU of the whole process but the peer thread, in seconds. */
void zb_record(struct zb_cell *c, const struct zc_stats *st,
	       const struct zb_span *sp, double side);
/* This thread's CPU time in seconds (CLOCK_THREAD_CPUTIME_ID). */
double zb_thread_cpu(void);
/* The whole process's CPU time (all threads, io_uring workers too). */
double zb_process_cpu(void);
void zb_summarise(struct zb_cell *c);
double zb_now(void);
/* Make the source's pages leave the page cache: fsync + FADV_DONTNEED.
 * Returns the fraction of pages still resident afterwards (mincore), or
 * a negative -errno. */
double zb_drop_cache(int fd, uint64_t size);
/* The fraction of the file's pages in the page cache, or -errno. */
double zb_resident(int fd, uint64_t size);
/* Read the file through the page cache unless it is all resident. */
int zb_warm_cache(int fd, uint64_t size);

/* scenario.c: run every selected cell of every selected scenario; the
 * number of cells that FAILED. */
int zb_run_scenarios(struct zb_results *r);
/* Whether a cache state applies to a scenario (a socket has no cache). */
bool zb_cache_applies(enum zb_scenario s, enum zb_cache c);

/* plan.c: shrink r->src_size so the whole suite fits cfg.budget. */
void zb_plan(struct zb_results *r);

/* disk.c / cow.c */
void zb_run_disk(struct zb_results *r);
void zb_run_cow(struct zb_results *r);

/* cow.c: run argv (argv[0] looked up in PATH) quietly; 0 when it exits
 * 0, -ENOENT when there is no such program, -EIO when it failed. */
int zb_run_cmd(char *const argv[]);

/* sysinfo.c */
void zb_machine_info(struct zb_machine *m, const char *dir);

/* verdict.c */
void zb_verdicts(struct zb_results *r);

/* table.c, json.c, svg.c */
void zb_print_table(FILE *f, const struct zb_results *r);
int zb_write_json(const char *path, const struct zb_results *r);
int zb_write_svg(const char *path, const struct zb_results *r);

/* table.c: a number in a few characters, no exponent for the usual. */
const char *zb_num(double v, char *buf, size_t len);

/* isolate.c: run fn(arg) in a child process that sends back the `len`
 * bytes at `result` (a plain struct fn fills). 0, or -1 with `why` set when
 * the child crashed, hung (exit ZB_HUNG) or could not start. */
#define ZB_HUNG 124
int zb_isolated(void (*fn)(void *arg), void *arg, void *result, size_t len,
		char *why, size_t why_len);
/* Give up on a run moving `bytes` that makes no end (a child exits
 * ZB_HUNG, the parent cleans up and exits 1); 0 cancels. */
void zb_watchdog(uint64_t bytes);

/* stop.c: when a figure has enough runs. */
bool zb_enough(const struct zb_config *cfg, const struct zb_cell *c);
/* The spread of the last runs' throughput relative to their median. */
double zb_spread(const struct zb_cell *c);

/* main.c: remove what zcbench made (async-signal-safe). */
void zb_cleanup(void);

/* progress.c: a status line on a terminal, nothing otherwise. */
void zb_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void zb_progress_end(void);

/* Human-readable "-ENOSYS: Function not implemented". */
void zb_errtext(char *buf, size_t len, int neg_errno);

#endif /* ZCBENCH_H */
