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
