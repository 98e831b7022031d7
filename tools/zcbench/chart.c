/* SPDX-License-Identifier: MIT */
/*
 * chart.c — the SVG chart: one row per scenario and cache state, each with
 * two bar charts side by side, throughput (MiB/s) and the sending side's
 * CPU seconds per GiB (the calling thread below, the rest of the process
 * but the peer, i.e. io_uring workers, on top), one bar per method with a
 * min-max whisker; methods that did not run say "n/a" or "FAILED". The
 * disk read mechanisms get a row of their own. Plain SVG 1.1, no script,
 * so any browser or rsvg-convert shows it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "bench.h"
#include "common.h"

#define W	1040
#define PANEL_H 262
#define CHART_W 470
#define CHART_H 150
#define TOP	70

static const char *const colours[ZC_METHOD_COUNT] = {
    [ZC_READ_WRITE] = "#d62728",      [ZC_MMAP_WRITE] = "#ff7f0e",
    [ZC_SENDFILE] = "#2ca02c",	      [ZC_SPLICE] = "#1f77b4",
    [ZC_COPY_FILE_RANGE] = "#9467bd", [ZC_DIRECT_IO] = "#8c564b",
    [ZC_IO_URING] = "#e377c2",	      [ZC_MSG_ZEROCOPY] = "#17becf",
    [ZC_IO_URING_ZC] = "#bcbd22",     [ZC_AUTO] = "#7f7f7f",
};

/* A bar: label, colour, value split in two stacked parts, whisker. */
struct bar {
	const char *label;
	const char *colour;
	const char *status; /* NULL: measured, else "n/a"/"FAILED" */
	double lo, hi;	    /* lower part (sys) and upper part (user) */
	double min, max;    /* whisker of the total */
};

/* 1, 2 or 5 times a power of ten at or above v/4: four grid steps. */
static double nice_step(double v)
{
	double raw = v / 4, p;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	if (raw <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void text(FILE *f, double x, double y, const char *anchor, int size,
		 const char *fill, const char *s)
{
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
		"font-size=\"%d\" fill=\"%s\">",
		x, y, anchor, size, fill);
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
	fputs("</text>\n", f);
}

static void chart(FILE *f, double x0, double y0, const char *title,
		  const struct bar *b, int n, bool stacked)
{
	double top = 0, step, scale, slot = CHART_W / (n ? n : 1);
	char buf[64];

	for (int i = 0; i < n; i++)
		if (!b[i].status)
			top = fmax(top, fmax(b[i].max, b[i].lo + b[i].hi));
	top *= 1.1; /* room for the value labels */
	step = nice_step(top);
	top = step * ceil(top / step);
	if (!(top > 0))
		top = step * 4;
	scale = CHART_H / top;
	text(f, x0, y0 - 8, "start", 13, "#222", title);
	for (double v = 0; v <= top + step / 2; v += step) {
		double y = y0 + CHART_H - v * scale;

		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x0, y, x0 + CHART_W, y);
		snprintf(buf, sizeof(buf), "%g", v);
		text(f, x0 - 4, y + 4, "end", 10, "#555", buf);
	}
	for (int i = 0; i < n; i++) {
		double cx = x0 + slot * (i + 0.5), w = slot * 0.6;
		double base = y0 + CHART_H, hl = b[i].lo * scale;
		double hh = b[i].hi * scale;

		if (b[i].status) {
			text(f, cx, base - 4, "middle", 10, "#999",
			     b[i].status);
		} else {
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"/>\n",
				cx - w / 2, base - hl, w, hl, b[i].colour);
			if (stacked)
				fprintf(f,
					"<rect x=\"%.1f\" y=\"%.1f\" "
					"width=\"%.1f\" height=\"%.1f\" "
					"fill=\"%s\" fill-opacity=\"0.4\"/>\n",
					cx - w / 2, base - hl - hh, w, hh,
					b[i].colour);
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#000\"/>\n",
				cx, base - b[i].min * scale, cx,
				base - b[i].max * scale);
			zb_num(b[i].lo + b[i].hi, buf, sizeof(buf));
			text(f, cx, base - fmax(hl + hh, b[i].max * scale) - 3,
			     "middle", 9, "#222", buf);
		}
		fprintf(f,
			"<text transform=\"translate(%.1f,%.1f) "
			"rotate(-35)\" text-anchor=\"end\" font-size=\"10\" "
			"fill=\"#222\">%s</text>\n",
			cx + 3, base + 12, b[i].label);
	}
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#444\"/>\n",
		x0, y0 + CHART_H, x0 + CHART_W, y0 + CHART_H);
}

static const char *status_text(enum zb_status s)
{
	return s == ZB_OK ? NULL : s == ZB_FAILED ? "FAILED" : "n/a";
}

/* Both charts of one row from n cells. */
static void row(FILE *f, double y, const char *title,
		const struct zb_cell *const *cells, const char *const *labels,
		const char *const *cols, int n)
{
	struct bar tp[ZC_METHOD_COUNT], cpu[ZC_METHOD_COUNT];
	char t[200];

	for (int i = 0; i < n; i++) {
		const struct zb_summary *s = cells[i]->sum;
		const char *st = status_text(cells[i]->status);

		tp[i] = (struct bar){
		    labels[i],	      cols[i],	       st, s[ZB_M_MIBS].med, 0,
		    s[ZB_M_MIBS].min, s[ZB_M_MIBS].max};
		cpu[i] =
		    (struct bar){labels[i],
				 cols[i],
				 st,
				 s[ZB_M_CPU].med,
				 fmax(0, s[ZB_M_SIDE].med - s[ZB_M_CPU].med),
				 s[ZB_M_SIDE].min,
				 s[ZB_M_SIDE].max};
	}
	text(f, 20, y + 4, "start", 15, "#000", title);
	snprintf(t, sizeof(t), "throughput, MiB/s (median, min-max)");
	chart(f, 60, y + 46, t, tp, n, false);
	snprintf(t, sizeof(t),
		 "sender CPU s/GiB: calling thread (solid) + "
		 "its io_uring workers (light)");
	chart(f, 60 + CHART_W + 50, y + 46, t, cpu, n, true);
}

int zb_write_svg(const char *path, const struct zb_results *r)
{
	const struct zb_cell *cells[ZC_METHOD_COUNT];
	const char *labels[ZC_METHOD_COUNT], *cols[ZC_METHOD_COUNT];
	char title[512], h[TC_HUMAN_LEN];
	int rows = r->disk.run ? 1 : 0, n;
	double y = TOP;
	FILE *f;

	for (int s = 0; s < ZB_SCENARIO_COUNT; s++)
		for (int k = 0; k < ZB_CACHE_COUNT; k++)
			rows += r->cfg.scen[s] && r->cfg.cache[k] &&
				zb_cache_applies(s, k);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		W, TOP + rows * PANEL_H + 10, W, TOP + rows * PANEL_H + 10);
	snprintf(title, sizeof(title),
		 "zcbench: %s per run, %d+ timed runs per figure; %s, %s, "
		 "%ld CPUs, %s",
		 tc_human_size(r->src_size, h, sizeof(h)), r->cfg.reps,
		 r->mach.kernel, r->mach.cpu, r->mach.nproc, r->mach.fs);
	text(f, 20, 28, "start", 17, "#000", title);
	text(
	    f, 20, 50, "start", 12, "#555",
	    "Bars: medians; whiskers: min-max over the timed runs (far end: a discarding process). "
	    "n/a: the method cannot serve the pair here (see the table).");
	for (int s = 0; s < ZB_SCENARIO_COUNT; s++)
		for (int k = 0; k < ZB_CACHE_COUNT; k++) {
			if (!r->cfg.scen[s] || !r->cfg.cache[k] ||
			    !zb_cache_applies(s, k))
				continue;
			n = 0;
			for (int i = 0; i < ZC_METHOD_COUNT; i++) {
				enum zc_method m = zb_method_at(i);

				if (!r->cfg.method[m])
					continue;
				cells[n] = &r->cell[s][m][k];
				labels[n] = zc_method_name(m);
				cols[n++] = colours[m] ? colours[m] : "#7f7f7f";
			}
			snprintf(title, sizeof(title), "%s, %s cache",
				 zb_scenario_title(s), zb_cache_name(k));
			row(f, y, title, cells, labels, cols, n);
			y += PANEL_H;
		}
	if (r->disk.run) {
		static const char *const dcol[ZB_READ_MODES] = {
		    "#d62728", "#ff7f0e", "#8c564b"};

		for (n = 0; n < ZB_READ_MODES; n++) {
			cells[n] = &r->disk.mode[n];
			labels[n] = zb_read_mode_name(n);
			cols[n] = dcol[n];
		}
		row(f, y, "disk read mechanisms (zc_read_file), cold cache",
		    cells, labels, cols, n);
	}
	fputs("</svg>\n", f);
	if (fclose(f) != 0)
		return -EIO;
	return 0;
}
