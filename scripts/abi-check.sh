#!/usr/bin/env bash
# Compares the ABI of a built libzcio.so with the stored baseline (abidiff,
# Debian's abigail-tools). Added functions pass; anything else fails: a
# removed function or symbol, and any change to a function or variable,
# directly or through the types it reaches (a structure changed in place,
# a parameter added). Known-harmless changes are suppressed in
# abi/libzcio.suppr. After a deliberate change, `make abi-baseline`.
#
#   scripts/abi-check.sh LIB BASELINE      (make abi-check)
#
# abidiff's exit status is a bit field (abidiff(1)): 1 error, 2 usage
# error, 4 ABI change, 8 incompatible ABI change. Bit 4 covers both added
# functions and changed types, so the summary lines decide.
set -u
lib=$1 base=$2
here=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v abidiff >/dev/null; then
	echo "abidiff is not installed (Debian package abigail-tools)" >&2
	exit 77
fi
if [ ! -f "$base" ]; then
	echo "abi-check: no baseline $base (make abi-baseline writes it)" >&2
	exit 1
fi
out=$(abidiff --suppressions "$here/abi/libzcio.suppr" \
	--headers-dir2 "$here/include" "$base" "$lib" 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out"
if [ $((rc & 1)) -ne 0 ] || [ $((rc & 2)) -ne 0 ]; then
	echo "abi-check: abidiff failed (exit $rc)" >&2
	exit 1
fi
# "Functions changes summary: R Removed, C Changed (F filtered out), A
# Added" and the same for variables; "Function symbols changes summary:
# R Removed, A Added ..." for symbols without debug information.
bad=0
while read -r r c; do
	if [ "${r:-0}" -gt 0 ] || [ "${c:-0}" -gt 0 ]; then
		bad=1
	fi
done < <(printf '%s\n' "$out" |
	sed -n 's/^[A-Za-z ]* changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\1 \2/p;
		s/^[A-Za-z ]* symbols changes summary: \([0-9]*\) Removed.*/\1 0/p')
if [ $((rc & 8)) -ne 0 ] || [ $bad -ne 0 ]; then
	echo "abi-check: INCOMPATIBLE change against $base" >&2
	exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
	echo "abi-check: functions added only (make abi-baseline to record them)"
else
	echo "abi-check: no change against $base"
fi
exit 0
