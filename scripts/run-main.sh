#!/usr/bin/env bash
# Runs zcbench's default suite (what `make run` does after the build):
# every libzcio method side by side, warm and cold cache, loopback and (as
# root) a veth pair, the disk read mechanisms and copy-on-write, a few
# minutes on 2 cores. Each figure is verified once, then timed against a
# far end that costs as little as the kernel allows.
# The table goes to stdout; every figure to BUILD/zcbench.json and a chart
# to BUILD/zcbench.svg.
#
#   scripts/run-main.sh [zcbench options...]     (BUILD=dir, default build)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build=$here/$build ;; esac
bin=$build/zcbench
if [ ! -x "$bin" ]; then
	echo "run-main: $bin is missing: run 'make' first" >&2
	exit 1
fi
json=$build/zcbench.json
svg=$build/zcbench.svg
"$bin" --json "$json" --svg "$svg" "$@"
rc=$?
echo
if [ -s "$json" ] && [ -s "$svg" ]; then
	echo "zcbench: figures in $json"
	echo "zcbench: chart in $svg (open it in a browser)"
fi
[ $rc -eq 0 ] || echo "zcbench: exited with status $rc" >&2
exit $rc
