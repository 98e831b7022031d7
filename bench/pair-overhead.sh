#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# pair-overhead.sh — 64 KiB pieces of a file to a TCP socket through a
# prepared pair (zc_pair_transfer) against a bare sendfile(2) loop of the
# same pieces, and zc_transfer per piece for reference, taking turns in one
# run (bench/pair-overhead.c). Prints each turn and the median ratios to
# the bare loop (goal for the pair: >= 0.97x the throughput). The machine
# may be shared: only the ratios mean something.
#
#   bench/pair-overhead.sh [--build DIR] [pair-overhead options]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
if [ "${1:-}" = --build ]; then build=$2; shift 2; fi
make -s -C "$here" BUILD="$build" "$build/bench/pair-overhead" >/dev/null || exit 1
cpus=0,1
[ "$(nproc)" -ge 2 ] || cpus=0,0
echo "machine: $(nproc) CPUs, $(uname -sr)"
exec "$build/bench/pair-overhead" --cpus "$cpus" "$@"
