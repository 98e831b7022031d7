/* SPDX-License-Identifier: MIT */
/*
 * json.c — a tiny streaming JSON writer for machine-readable tool output.
 * It tracks only "is a comma due" per nesting level; strings are escaped
 * per RFC 8259 (control characters as \u00XX), bytes >= 0x80 pass through.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "common.h"

void tc_json_init(struct tc_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->error = false;
	j->need_comma[0] = false;
}

static void put_string(struct tc_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', j->f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\r':
			fputs("\\r", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		default:
			if (*p < 0x20)
				fprintf(j->f, "\\u%04x", *p);
			else
				fputc(*p, j->f);
		}
	}
	fputc('"', j->f);
}

/* Comma and key before a value at the current level. */
static void prefix(struct tc_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j, key);
		fputc(':', j->f);
	}
}

static void open_level(struct tc_json *j, const char *key, char c)
{
	if (j->depth >= TC_JSON_DEPTH) {
		j->error = true;
		return;
	}
	prefix(j, key);
	fputc(c, j->f);
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_level(struct tc_json *j, char c)
{
	if (j->depth <= 0) {
		j->error = true;
		return;
	}
	j->depth--;
	fputc(c, j->f);
}

void tc_json_begin_object(struct tc_json *j, const char *key)
{
	open_level(j, key, '{');
}

void tc_json_end_object(struct tc_json *j)
{
	close_level(j, '}');
}

void tc_json_begin_array(struct tc_json *j, const char *key)
{
	open_level(j, key, '[');
}

void tc_json_end_array(struct tc_json *j)
{
	close_level(j, ']');
}

void tc_json_str(struct tc_json *j, const char *key, const char *val)
{
	prefix(j, key);
	put_string(j, val);
}

void tc_json_u64(struct tc_json *j, const char *key, uint64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void tc_json_i64(struct tc_json *j, const char *key, int64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%" PRId64, val);
}

void tc_json_double(struct tc_json *j, const char *key, double val)
{
	prefix(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.9g", val);
	else
		fputs("null", j->f);
}

void tc_json_bool(struct tc_json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

void tc_json_null(struct tc_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

int tc_json_finish(struct tc_json *j)
{
	if (j->depth != 0)
		j->error = true;
	fputc('\n', j->f);
	if (fflush(j->f) != 0 || ferror(j->f))
		j->error = true;
	return j->error ? -EIO : 0;
}
