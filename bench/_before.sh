# SPDX-License-Identifier: MIT
#
# _before.sh — sourced by benchmarks that compare this broker with an
# earlier one: zb_build_before REV builds git revision REV's zcbroker into
# $ZC_TMP/before (from `git archive`, not touching the working tree) and
# sets BEFORE_BIN to it. Needs _lib.sh (zb_fail) and $here.
zb_build_before()
{
	BEFORE_BIN=$ZC_TMP/before/build/zcbroker
	mkdir -p "$ZC_TMP/before/src"
	git -C "$here" archive "$1" | tar -x -C "$ZC_TMP/before/src" ||
		zb_fail "git archive $1"
	make -C "$ZC_TMP/before/src" -j2 BUILD="$ZC_TMP/before/build" \
		"$BEFORE_BIN" >/dev/null || zb_fail "building the broker of $1"
}
