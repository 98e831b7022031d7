/* SPDX-License-Identifier: MIT */
/*
 * zcp.h — what the files of the zcp tool share: the two ends of a copy
 * (endpoint.c), TCP addresses (net.c), the stop-on-signal machinery
 * (signals.c), the progress display (progress.c) and the --stats/--json
 * report (report.c). main.c ties them together.
 */
#ifndef ZCP_H
#define ZCP_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "zcio.h"

/* ---- landing a file atomically (land.c) --------------------------------- */

/* The umask, read once at start (umask(2) cannot be read without being
 * set, which would race with the copying threads). */
extern mode_t zcp_umask;
/* Running as root (euid 0): owners and trusted.* attributes are kept. */
extern bool zcp_root;

/*
 * A file written beside its final path and moved into place only when
 * complete: O_TMPFILE (nameless, nothing left behind even by SIGKILL)
 * where the file system has it, else a ".NAME.zcp-XXXXXX" file.
 */
struct zcp_land {
	int fd;			 /* -1 until opened */
	bool anon;		 /* O_TMPFILE: nameless until committed */
	bool replace;		 /* the final path exists: rename over it */
	bool track;		 /* forced exit unlinks the named temporary */
	char path[PATH_MAX];	 /* the final path */
	char tmp_path[PATH_MAX]; /* named temporary, "" when none */
};

/* Create the temporary beside l->path (set by the caller with replace and
 * track) with the given mode. 0 or -errno. */
int zcp_land_open(struct zcp_land *l, mode_t mode);
/* Give the temporary its final name (fsync first when asked). 0/-errno. */
int zcp_land_commit(struct zcp_land *l, bool do_fsync);
/* Unlink a named temporary, close the fd. */
void zcp_land_discard(struct zcp_land *l);
/* Make `path` the name of what make(tmp, arg) creates at a fresh temporary
 * name beside it (a link, a symlink), replacing whatever was there by
 * rename(2): readers see the old entry or the new one. 0 or -errno. */
int zcp_replace_entry(const char *path, int (*make)(const char *tmp, void *arg),
		      void *arg);
/* Split path into its directory ("." when none) and last component. */
int zcp_split_path(const char *path, char *dir, size_t dlen, const char **base);

/* ---- endpoints (endpoint.c) ------------------------------------------- */

enum zcp_kind {
	ZCP_PATH,	 /* a file system path */
	ZCP_STDIO,	 /* "-": stdin for SRC, stdout for DST */
	ZCP_TCP,	 /* tcp:HOST:PORT: connect */
	ZCP_TCP_LISTEN,	 /* tcp-listen:[HOST:]PORT: accept one connection */
	ZCP_UNIX,	 /* unix:PATH: connect */
	ZCP_UNIX_LISTEN, /* unix-listen:PATH: accept one connection */
};

#define ZCP_HOST_MAX 256
#define ZCP_PORT_MAX 8

struct zcp_end {
	const char *spec; /* as given on the command line */
	enum zcp_kind kind;
	const char *sock_path; /* unix: and unix-listen: */
	char host[ZCP_HOST_MAX], port[ZCP_PORT_MAX];
	int fd;		/* -1 until opened */
	struct stat st; /* fstat of fd once opened */
	/* DST written through a temporary file (a regular-file path): */
	bool temp;
	bool existed;	      /* the final path existed before */
	struct zcp_land land; /* the temporary, when temp */
	const char *step;     /* the step that failed, for messages */
};

/* Classify a command-line operand. Returns 0 or -EINVAL (bad syntax). */
int zcp_end_parse(struct zcp_end *e, const char *spec);
/* A socket of any kind (tcp:, tcp-listen:, unix:, unix-listen:). */
bool zcp_end_is_socket(const struct zcp_end *e);

/* Open SRC for reading (accepting the connection for the listen kinds).
 * Returns 0 or -errno, or one of the ZCP_E* codes below. */
int zcp_src_open(struct zcp_end *src);

/* Errors of our own beside -errno; zcp_strerror() describes all. */
#define ZCP_ESAME   (-10000) /* DST is the same file as SRC */
#define ZCP_ENONAME (-10001) /* a host name that does not resolve */
#define ZCP_EDIFFER (-10002) /* --resume: DST's bytes differ from SRC's */
#define ZCP_ELONGER (-10003) /* --resume: DST is longer than SRC */
#define ZCP_EPROTO  (-10004) /* --resume: the peer's header is not ours */
#define ZCP_EINTO   (-10005) /* a directory copied into itself */
#define ZCP_ENOTDIR (-10006) /* a directory over a non-directory */
const char *zcp_strerror(int err);

/* Open DST: a temporary file beside a regular-file path, or the path /
 * stdout / socket itself. 0, -errno or a ZCP_E* code. */
int zcp_dst_open(struct zcp_end *dst, const struct zcp_end *src);

/* Make a temporary DST the real one (fsync first when asked). 0/-errno. */
int zcp_dst_commit(struct zcp_end *dst, bool do_fsync);

/* Drop a temporary DST (nothing visible is left behind) and close fds. */
void zcp_end_close(struct zcp_end *e, bool discard);

/* ---- sockets (net.c) ------------------------------------------------- */

/* Split "HOST:PORT", "[V6]:PORT" or (allow_no_host) "PORT". host may come
 * back "" when absent. Returns 0 or -EINVAL. */
int zcp_split_hostport(const char *s, bool allow_no_host, char *host,
		       size_t hlen, char *port, size_t plen);

/* Connect to host:port (every address in turn). fd or -errno. */
int zcp_tcp_connect(const char *host, const char *port);

/* Listen on [host]:port (SO_REUSEADDR) and accept one connection. With
 * port "0", prints "zcp: listening on HOST:PORT" on stderr. fd or -errno;
 * -EINTR when a stop signal arrived while waiting. */
int zcp_tcp_accept_one(const char *host, const char *port);

/* Connect to the AF_UNIX stream socket at path. fd or -errno. */
int zcp_unix_connect(const char *path);

/* Create the AF_UNIX socket path (already listening when it appears; a
 * stale socket nobody listens on is replaced), accept one connection and
 * remove the path. fd or -errno (-EINTR as above). */
int zcp_unix_accept_one(const char *path);

/* ---- metadata (meta.c) ------------------------------------------------ */

/* Give dfd the owner, mode, extended attributes and times of st / sfd
 * (see meta.c for what needs root). 0 or -errno. */
int zcp_meta_fd(int dfd, int sfd, const struct stat *st);
/* The same by path, not following a final symbolic link. */
int zcp_meta_path(const char *src, const char *dst, const struct stat *st);

/* ---- worker threads (pool.c) ------------------------------------------ */

#define ZCP_POOL_MAX 16

struct zcp_job {
	struct zcp_job *next;
	char *src, *dst;
	struct stat st;	     /* lstat of src during the walk */
	bool fresh;	     /* dst's directory was created by us: no entry */
	struct zcp_ino *ino; /* first of a set of hard links, or NULL */
};

struct zcp_pool {
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct zcp_job *head, *tail;
	unsigned queued;
	bool closing;
	void (*run)(struct zcp_job *, void *);
	void *ctx;
	unsigned nthreads;
	pthread_t tids[ZCP_POOL_MAX];
};

/* Start `threads` workers running run(job, ctx); with 0 or 1 the caller's
 * thread runs each job in zcp_pool_submit(). 0 or -errno. */
int zcp_pool_start(struct zcp_pool *p, unsigned threads,
		   void (*run)(struct zcp_job *, void *), void *ctx);
void zcp_pool_submit(struct zcp_pool *p, struct zcp_job *j);
/* Run what is queued, then stop and join the workers. */
void zcp_pool_finish(struct zcp_pool *p);

/* ---- trees and several SRCs (tree.c) ---------------------------------- */

struct zcp_tree_opts {
	bool recursive; /* -r: directories, symlinks as links */
	bool archive;	/* -a: -r plus metadata and hard links */
	enum zc_method method;
	bool explicit_method;
	unsigned jobs; /* copying threads; 1: none */
	bool progress, stats, json, fsync;
};

/* Copy each SRC path to DST (into DST when it is a directory, as cp(1)).
 * Reports every failure as "zcp: PATH: REASON" and copies the rest.
 * Returns the exit status: 0, or 1 when anything failed. */
int zcp_tree_copy(const struct zcp_tree_opts *o, char *const *srcs, int nsrc,
		  const char *dst);
/* DIR/NAME for a SRC copied into DIR (trailing slashes ignored); NULL when
 * out of memory. Free it. */
char *zcp_path_into(const char *dir, const char *src);

/* ---- signals (signals.c) ---------------------------------------------- */

/* Catch SIGINT/SIGTERM/SIGHUP (no SA_RESTART, so blocking calls return
 * EINTR) and ignore SIGPIPE. */
void zcp_signals_install(void);
/* The signal that asked us to stop, or 0. */
int zcp_stop_signal(void);
/* A named temporary file the forced-exit path must unlink ("" or NULL:
 * none). The graceful path stops through the progress callback; if that
 * takes more than two seconds (a source that sends nothing), or a second
 * signal arrives, the handler unlinks this path and exits at once. */
void zcp_signals_cleanup_path(const char *path);
/* The transfer is over: signals no longer force an exit. */
void zcp_signals_disarm(void);
/* "SIGINT", "SIGTERM", "SIGHUP". */
const char *zcp_sig_name(int sig);

/* ---- progress (progress.c) -------------------------------------------- */

struct zcp_progress {
	bool on;
	bool tty; /* redraw one line in place */
	bool total_known;
	uint64_t total;
	uint64_t start_ns;
	uint64_t last_ns; /* last draw */
	int width;	  /* characters of the last in-place draw */
};

void zcp_progress_init(struct zcp_progress *p, bool on, bool total_known,
		       uint64_t total);
/* Called after every chunk; draws at most 10/s (tty) or 1/s (lines). */
void zcp_progress_update(struct zcp_progress *p, uint64_t moved);
/* Final draw (100% when ok) and newline. */
void zcp_progress_finish(struct zcp_progress *p, uint64_t moved, bool ok);

/* ---- --resume (resume.c) ---------------------------------------------- */

/* Check that the first `have` bytes of src (pread when seekable, else
 * read and consumed) equal those of the file dst. 0, ZCP_EDIFFER,
 * ZCP_ELONGER (src ends first) or -errno. */
int zcp_resume_local(int src, bool seekable, int dst, uint64_t have);
/* Receiver over a socket: send the resume request for the first `have`
 * bytes of dst and read the answer. 0 (the data from `have` follows),
 * ZCP_EDIFFER, ZCP_ELONGER, ZCP_EPROTO or -errno. */
int zcp_resume_ask(int sock, int dst, uint64_t have);
/* Sender over a socket: read the request, check it against src and
 * answer; *start is where the data must begin. Same returns. */
int zcp_resume_answer(int sock, int src, bool seekable, uint64_t *start);

/* ---- --tee (tee.c) ---------------------------------------------------- */

struct zcp_tee {
	int in, out[2];
	off_t *in_off;	/* NULL: the descriptor's position */
	uint64_t count; /* most bytes; UINT64_MAX: to the end */
	int (*progress)(uint64_t moved, void *arg);
	void *arg;
	const char *method; /* "tee" or "read-write", set by the run */
	struct zc_stats st;
};

/* Copy in to both outputs; bytes moved or -errno (-ECANCELED when
 * progress asked to stop). */
ssize_t zcp_tee_run(struct zcp_tee *t);

/* ---- report (report.c) ------------------------------------------------ */

struct zcp_report {
	const char *method; /* "clone" or zc_method_name() */
	const char *src, *dst;
	uint64_t wall_ns; /* whole transfer, as zcp saw it */
	struct zc_stats st;
};

void zcp_report_text(const struct zcp_report *r);
void zcp_report_json(const struct zcp_report *r);

#endif /* ZCP_H */
