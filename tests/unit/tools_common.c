/* SPDX-License-Identifier: MIT */
/*
 * tools_common.c — Description: the helpers zcp and zcbench share
 * (tools/common): size parsing with K/M/G suffixes and its overflow
 * limits, human-readable sizes, rates and durations, and the JSON writer's
 * commas, nesting, escaping and non-finite numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "helpers.h"

static void check_size(const char *s, int want_ret, uint64_t want)
{
	uint64_t v = 12345;
	int ret = tc_parse_size(s, &v);

	if (ret != want_ret || (ret == 0 && v != want)) {
		fprintf(stderr,
			"tc_parse_size(\"%s\") = %d, %llu; want %d, %llu\n", s,
			ret, (unsigned long long)v, want_ret,
			(unsigned long long)want);
		t_failures++;
	}
}

static void check_str(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "got \"%s\", want \"%s\"\n", got, want);
		t_failures++;
	}
}

static void test_sizes(void)
{
	char b[TC_HUMAN_LEN];

	check_size("0", 0, 0);
	check_size("4097", 0, 4097);
	check_size("4K", 0, 4096);
	check_size("4k", 0, 4096);
	check_size("1M", 0, 1048576);
	check_size("2G", 0, 2147483648ull);
	check_size("1T", 0, 1ull << 40);
	check_size("3KiB", 0, 3072);
	check_size("3kb", 0, 3072);
	check_size("12B", 0, 12);
	check_size("18446744073709551615", 0, UINT64_MAX);
	check_size("18446744073709551616", -ERANGE, 0);
	check_size("16777216T", -ERANGE, 0);
	check_size("", -EINVAL, 0);
	check_size("K", -EINVAL, 0);
	check_size("-1", -EINVAL, 0);
	check_size("1.5M", -EINVAL, 0);
	check_size("1Q", -EINVAL, 0);
	check_size("1MM", -EINVAL, 0);
	check_size(" 1", -EINVAL, 0);

	check_str(tc_human_size(0, b, sizeof(b)), "0 B");
	check_str(tc_human_size(1023, b, sizeof(b)), "1023 B");
	check_str(tc_human_size(4096, b, sizeof(b)), "4.00 KiB");
	check_str(tc_human_size(1536ull << 20, b, sizeof(b)), "1.50 GiB");
	check_str(tc_human_size(100ull << 20, b, sizeof(b)), "100 MiB");
	check_str(tc_human_rate(0, b, sizeof(b)), "0 B/s");
	check_str(tc_human_rate(NAN, b, sizeof(b)), "0 B/s");
	check_str(tc_human_rate(50.0 * 1048576, b, sizeof(b)), "50.0 MiB/s");
	check_str(tc_human_duration(0.5, b, sizeof(b)), "0.50s");
	check_str(tc_human_duration(42, b, sizeof(b)), "42s");
	check_str(tc_human_duration(185, b, sizeof(b)), "3m05s");
	check_str(tc_human_duration(7500, b, sizeof(b)), "2h05m");
	check_str(tc_human_duration(-1, b, sizeof(b)), "--");
	check_str(tc_human_duration(INFINITY, b, sizeof(b)), "--");
}

static void test_clock(void)
{
	uint64_t a = tc_now_ns(), c = tc_now_ns();

	CHECK(a > 0);
	CHECK(c >= a);
	CHECK(fabs(tc_ns_to_s(1500000000u) - 1.5) < 1e-12);
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tc_json j;

	CHECK(f != NULL);
	if (!f)
		return;
	tc_json_init(&j, f);
	tc_json_begin_object(&j, NULL);
	tc_json_str(&j, "s", "a\"b\\c\n\t\x01");
	tc_json_u64(&j, "u", UINT64_MAX);
	tc_json_i64(&j, "i", -5);
	tc_json_double(&j, "d", 0.25);
	tc_json_double(&j, "nan", NAN);
	tc_json_bool(&j, "t", true);
	tc_json_null(&j, "n");
	tc_json_begin_array(&j, "a");
	tc_json_u64(&j, NULL, 1);
	tc_json_begin_object(&j, NULL);
	tc_json_end_object(&j);
	tc_json_begin_array(&j, NULL);
	tc_json_end_array(&j);
	tc_json_end_array(&j);
	tc_json_end_object(&j);
	CHECK_EQ(tc_json_finish(&j), 0);
	fclose(f);
	check_str(
	    buf,
	    "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"u\":18446744073709551615,"
	    "\"i\":-5,\"d\":0.25,\"nan\":null,\"t\":true,\"n\":null,"
	    "\"a\":[1,{},[]]}\n");
	free(buf);

	/* Unbalanced or too deep documents are reported, not crashed on. */
	f = open_memstream(&buf, &len);
	tc_json_init(&j, f);
	tc_json_end_object(&j);
	CHECK_EQ(tc_json_finish(&j), -EIO);
	for (int i = 0; i < TC_JSON_DEPTH + 3; i++)
		tc_json_begin_array(&j, NULL);
	CHECK(j.error);
	fclose(f);
	free(buf);
}

int main(void)
{
	test_sizes();
	test_clock();
	test_json();
	return t_result();
}
