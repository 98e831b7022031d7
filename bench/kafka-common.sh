# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourced by bench/kafka-*.sh that drive zcbroker through kafka-load (not a
# benchmark itself). kb_scratch NAME: a scratch directory /var/tmp/NAME.XXXXXX
# (the root disk, not tmpfs) removed on exit, tests/broker/_lib.sh for
# zb_start and friends. kb_setup NAME: that, plus $load checked and the
# machine line printed. Needs
# $here (the tree) and $build set by the caller.

kb_scratch()
{
	export ZC_SRC=$here ZC_BUILD=$build
	ZC_TMP=$(mktemp -d "/var/tmp/$1.XXXXXX")
	export ZC_TMP
	. "$here/tests/broker/_lib.sh"
	trap 'zb_cleanup; rm -rf "$ZC_TMP"' EXIT
	zb_need_broker
}

kb_setup()
{
	kb_scratch "$1"
	load=$build/bench/kafka-load
	[ -x "$load" ] || zb_skip "no $load: run make BUILD=$build bench-bin"
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(uname -r)"
}

# An awk function for the scripts' summaries: median(a, n) of a[1..n]
# (sorts a in place). Use as: awk "$KB_MEDIAN_AWK"'...program...'
KB_MEDIAN_AWK='
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
