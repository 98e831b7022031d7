#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-load.sh — produce and consume throughput of zcbroker through
# librdkafka (bench/kafka-load.c), against a fresh broker whose data lives
# in a new directory on the root file system, for 100-byte and 1 KiB
# records. Client and broker share this machine.
#
#   bench/kafka-load.sh [--build DIR] [--n100 RECORDS] [--n1k RECORDS]
#                       [--partitions N] [-- BROKER OPTIONS...]
#
# Needs `make bench-bin` (BUILD/bench/kafka-load) and BUILD/zcbroker.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
n100=5000000
n1k=1000000
parts=3
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--n100) n100=$2; shift 2 ;;
	--n1k) n1k=$2; shift 2 ;;
	--partitions) parts=$2; shift 2 ;;
	--) shift; break ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
. "$here/bench/kafka-common.sh"
kb_setup kafka-load
echo "broker:  $ZB_BIN $*"
zb_start "$ZC_TMP/data" "$@"
echo "commands: $load -b $ZB_ADDR -t load100 -s 100 -n $n100 -p $parts"
echo "          $load -b $ZB_ADDR -t load1k -s 1024 -n $n1k -p $parts"
"$load" -b "$ZB_ADDR" -t load100 -s 100 -n "$n100" -p "$parts" |
	tee "$ZC_TMP/r100"
[ "${PIPESTATUS[0]}" -eq 0 ] || zb_fail "kafka-load, 100-byte records"
"$load" -b "$ZB_ADDR" -t load1k -s 1024 -n "$n1k" -p "$parts" ||
	zb_fail "kafka-load, 1 KiB records"
zb_stop
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
# Kafka's published single-producer / single-consumer figures (100-byte
# records, 6-core servers, 2014): 821,557 and 940,521 records/s.
awk '/^produce:/ { printf "100 B produce: %.2fx Kafka'"'"'s 821,557 rec/s (target >= 800,000 rec/s: %s)\n", $10 / 821557, ($10 >= 800000 ? "met" : "not met") }
     /^consume:/ { printf "100 B consume: %.2fx Kafka'"'"'s 940,521 rec/s (target >= 1,000,000 rec/s: %s)\n", $10 / 940521, ($10 >= 1000000 ? "met" : "not met") }' \
	"$ZC_TMP/r100"
