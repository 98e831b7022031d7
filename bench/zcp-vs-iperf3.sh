#!/usr/bin/env bash
# File -> TCP over loopback: zcp (auto: sendfile) vs iperf3 -Z -F FILE
# (sendfile) vs zcp -m read-write. The receiver always copies into a user
# buffer and discards (iperf3 -s for iperf3, zcp -m read-write ... /dev/null
# for zcp). Reports sender throughput (each tool's own transfer time) and
# sender CPU per GiB (user+sys of the sender process from getrusage via
# /usr/bin/time), medians of RUNS; targets: zcp >= 0.95x iperf3 -Z
# throughput and <= 0.5x the CPU/GiB of zcp -m read-write.
#
# On loopback the sender's CPU also pays for the receive side of the TCP
# stack (softirq work runs in the sending context), and how much depends on
# whether sender and receiver share a CPU. So every tool runs pinned with
# taskset in two placements: "shared" (both on CPU 0) and "split" (sender
# on CPU 0, receiver on CPU 1; needs 2 CPUs), reported separately.
#
# Note on the peer: with -F, iperf3 read()s each block of the file into its
# send buffer and -Z then sendfile()s that buffer's backing file, so
# "iperf3 -F -Z" pays one user copy per byte. "iperf3-nF" (-Z -n SIZE,
# no -F: sendfile of the same buffer over and over, no file read) is shown
# as the pure-sendfile reference.
#   bench/zcp-vs-iperf3.sh [SIZE]      SIZE default 1G
. "$(dirname "$0")/zcp-common.sh"
size=${1:-1G}
bytes=$(numfmt --from=iec "$size")
src=$BENCH_DIR/net-src
py=/usr/bin/python3
machine
command -v iperf3 >/dev/null || { echo "iperf3 is not installed"; exit 1; }
mkdata "$src" "$bytes"
cat "$src" >/dev/null
free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
jget() { # jget FILE EXPR: a value out of a JSON document
	"$py" -c 'import json, sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
command -v taskset >/dev/null || { echo "taskset (util-linux) is missing"; exit 1; }
echo "commands (each prefixed with taskset -c CPU, see placements):"
echo "  iperf3:   iperf3 -s -1 -p PORT  |  iperf3 -c 127.0.0.1 -p PORT -F $src -Z -J"
echo "  iperf3-nF: iperf3 -s -1 -p PORT  |  iperf3 -c 127.0.0.1 -p PORT -Z -n $bytes -J"
echo "  zcp:      $ZCP -m read-write tcp-listen:127.0.0.1:0 /dev/null  |  $ZCP --json $src tcp:127.0.0.1:PORT"
echo "  zcp-rw:   (same receiver)  |  $ZCP -m read-write --json $src tcp:127.0.0.1:PORT"
echo "data: $size ($bytes bytes), $RUNS runs each, medians; sender CPU from /usr/bin/time"

run_iperf3() { # run_iperf3 KEY CLIENT-OPTIONS...
	local k=$1 port j=$BENCH_DIR/iperf.json t=$BENCH_DIR/time
	shift
	port=$(free_port)
	taskset -c "$rcpu" iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
	local spid=$!
	# Wait until the server listens (without connecting to it).
	for _ in $(seq 1 100); do
		ss -ltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.02
	done
	/usr/bin/time -f '%U %S' -o "$t" taskset -c "$scpu" iperf3 -c 127.0.0.1 -p "$port" "$@" -J >"$j" ||
		{ echo "iperf3 failed"; exit 1; }
	wait $spid
	local b s
	b=$(jget "$j" 'o["end"]["sum_sent"]["bytes"]')
	s=$(jget "$j" 'o["end"]["sum_sent"]["seconds"]')
	echo "$b $s $(tail -n 1 "$t")" >>"$BENCH_DIR/r.$k"
}

run_zcp() { # run_zcp KEY [ZCP OPTIONS]
	local k=$1 j=$BENCH_DIR/zcp.json t=$BENCH_DIR/time lerr=$BENCH_DIR/lerr port
	shift
	rm -f "$lerr"
	taskset -c "$rcpu" "$ZCP" -m read-write tcp-listen:127.0.0.1:0 /dev/null 2>"$lerr" &
	local lpid=$!
	for _ in $(seq 1 200); do
		port=$(sed -n 's/^zcp: listening on .*:\([0-9]*\)$/\1/p' "$lerr")
		[ -n "$port" ] && break
		sleep 0.01
	done
	/usr/bin/time -f '%U %S' -o "$t" taskset -c "$scpu" "$ZCP" "$@" --json "$src" tcp:127.0.0.1:$port 2>"$j" ||
		{ echo "zcp $* failed: $(cat "$j")"; exit 1; }
	wait $lpid || { echo "receiver failed: $(cat "$lerr")"; exit 1; }
	local b s
	b=$(jget "$j" 'o["bytes"]')
	s=$(jget "$j" 'o["seconds"]')
	echo "$b $s $(tail -n 1 "$t") $(jget "$j" 'o["method"]')" >>"$BENCH_DIR/r.$k"
}

# Every byte arrives: one verified run of each zcp sender into a file.
for m in auto read-write; do
	rm -f "$BENCH_DIR/lerr"
	"$ZCP" -m read-write tcp-listen:127.0.0.1:0 "$BENCH_DIR/net-recv" 2>"$BENCH_DIR/lerr" &
	lpid=$!
	for _ in $(seq 1 200); do
		port=$(sed -n 's/^zcp: listening on .*:\([0-9]*\)$/\1/p' "$BENCH_DIR/lerr")
		[ -n "$port" ] && break
		sleep 0.01
	done
	"$ZCP" -m $m "$src" tcp:127.0.0.1:$port && wait $lpid &&
		cmp -s "$src" "$BENCH_DIR/net-recv" || { echo "zcp -m $m: bytes differ"; exit 1; }
	rm -f "$BENCH_DIR/net-recv"
done

placements="shared:0:0"
[ "$(nproc)" -ge 2 ] && placements="$placements split:0:1"
for pl in $placements; do
	IFS=: read -r name scpu rcpu <<<"$pl"
	echo "placement $name: sender on CPU $scpu, receiver on CPU $rcpu"
	for k in iperf3 iperf3-nF zcp zcp-rw; do : >"$BENCH_DIR/r.$k"; done
	for i in $(seq 1 "$RUNS"); do
		run_iperf3 iperf3 -F "$src" -Z
		run_iperf3 iperf3-nF -Z -n "$bytes"
		run_zcp zcp
		run_zcp zcp-rw -m read-write
	done
	gib=$(awk -v b="$bytes" 'BEGIN { print b / 1073741824 }')
	declare -A rate cpu
	for k in iperf3 iperf3-nF zcp zcp-rw; do
		f=$BENCH_DIR/r.$k
		rate[$k]=$(awk '{ print $1 / $2 / 1048576 }' "$f" | median)
		cpu[$k]=$(awk -v g="$gib" '{ print ($3 + $4) / g }' "$f" | median)
		m=$(awk 'NR == 1 { print $5 }' "$f")
		printf '  %-9s median %8.1f MiB/s  sender cpu %.3f s/GiB %s\n' "$k" \
			"${rate[$k]}" "${cpu[$k]}" "${m:+(method $m)}"
	done
	echo "  ratio ($name): zcp throughput vs iperf3 -Z = $(ratio "${rate[zcp]}" "${rate[iperf3]}")x (target >= 0.95)"
	echo "  ratio ($name): zcp sender CPU/GiB vs zcp -m read-write = $(ratio "${cpu[zcp]}" "${cpu[zcp-rw]}")x (target <= 0.5)"
	echo "  ratio ($name): zcp sender CPU/GiB vs iperf3 -F -Z = $(ratio "${cpu[zcp]}" "${cpu[iperf3]}")x," \
		"vs iperf3 -Z without -F = $(ratio "${cpu[zcp]}" "${cpu[iperf3-nF]}")x;" \
		"throughput vs iperf3 -Z without -F = $(ratio "${rate[zcp]}" "${rate[iperf3-nF]}")x"
done
rm -f "$src" "$BENCH_DIR"/r.* "$BENCH_DIR"/*.json "$BENCH_DIR/time" "$BENCH_DIR/lerr"
