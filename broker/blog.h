/* SPDX-License-Identifier: MIT */
/*
 * blog.h — the broker's log lines on stderr: one line per notable event
 * (start, listen address, topic created, connection errors), prefixed
 * "zcbroker: ". Debug lines appear only with ZCBROKER_DEBUG set.
 */
#ifndef BROKER_BLOG_H
#define BROKER_BLOG_H

void blog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void blog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Drop ordinary lines too (tests that feed thousands of bad requests). */
void blog_quiet(int on);

#endif /* BROKER_BLOG_H */
