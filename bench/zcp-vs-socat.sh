#!/usr/bin/env bash
# File -> TCP loopback -> file: zcp at both ends (the sender listens with
# tcp-listen: as DST, the receiver connects with tcp: as SRC) vs socat
# doing the same (TCP-LISTEN sender, TCP client receiver), with socat's
# default 8 KiB buffer and with -b 1 MiB. Runs alternate; every received
# file is compared with cmp. Reports the median throughput (bytes over the
# wall time from the receiver's start to both ends' exit) and the median
# CPU of both processes together per GiB (getrusage via /usr/bin/time);
# goal: zcp >= 1.0x socat's throughput at less CPU.
#   bench/zcp-vs-socat.sh [SIZE]      SIZE default 1G
# The received file goes to OUT_DIR (default /dev/shm) so the disk's
# writeback does not decide the figures.
. "$(dirname "$0")/zcp-common.sh"
size=${1:-1G}
bytes=$(numfmt --from=iec "$size")
src=$BENCH_DIR/net-src
OUT_DIR=${OUT_DIR:-/dev/shm}
out=$OUT_DIR/zcp-socat-out.$$
py=/usr/bin/python3
machine
command -v socat >/dev/null || { echo "socat is not installed"; exit 1; }
mkdata "$src" "$bytes"
cat "$src" >/dev/null
trap 'rm -f "$out"' EXIT
free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sender and receiver command lines; PORT and OUT are filled in per run.
send_cmd() { # send_cmd KEY PORT
	case $1 in
	zcp) echo "$ZCP $src tcp-listen:127.0.0.1:$2" ;;
	socat) echo "socat -u FILE:$src TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr" ;;
	socat-b1M) echo "socat -b 1048576 -u FILE:$src TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr" ;;
	esac
}
recv_cmd() { # recv_cmd KEY PORT
	case $1 in
	zcp) echo "$ZCP tcp:127.0.0.1:$2 $out" ;;
	socat) echo "socat -u TCP:127.0.0.1:$2 CREATE:$out" ;;
	socat-b1M) echo "socat -b 1048576 -u TCP:127.0.0.1:$2 CREATE:$out" ;;
	esac
}

# one KEY: a run; appends "wall_s cpu_s" to $BENCH_DIR/net.KEY.
one() {
	local k=$1 port spid t0 t1 ts=$BENCH_DIR/time.s tr=$BENCH_DIR/time.r
	port=$(free_port)
	rm -f "$out"
	/usr/bin/time -f '%U %S' -o "$ts" $(send_cmd "$k" "$port") 2>/dev/null &
	spid=$!
	for _ in $(seq 1 250); do
		ss -ltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.02
	done
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$tr" $(recv_cmd "$k" "$port") ||
		{ echo "$k: receiver failed"; exit 1; }
	wait $spid || { echo "$k: sender failed"; exit 1; }
	t1=$(date +%s%N)
	cmp -s "$src" "$out" || { echo "$k: received bytes differ"; exit 1; }
	awk -v n=$((t1 - t0)) -v s="$(tail -n 1 "$ts")" -v r="$(tail -n 1 "$tr")" 'BEGIN {
		split(s, a, " "); split(r, b, " ")
		printf "%.6f %.3f\n", n / 1e9, a[1] + a[2] + b[1] + b[2] }' >>"$BENCH_DIR/net.$k"
}

names=(zcp socat socat-b1M)
for k in "${names[@]}"; do
	echo "command ($k): $(send_cmd "$k" PORT)  |  $(recv_cmd "$k" PORT)"
	: >"$BENCH_DIR/net.$k"
done
echo "data: $size ($bytes bytes) over 127.0.0.1, received into $OUT_DIR; $RUNS runs each, order rotated, medians"
for i in $(seq 0 $((RUNS - 1))); do
	for j in 0 1 2; do
		one "${names[$(((i + j) % 3))]}"
	done
done
gib=$(awk -v b="$bytes" 'BEGIN { print b / 1073741824 }')
for k in "${names[@]}"; do
	w=$(col "$BENCH_DIR/net.$k" 1)
	printf '%-10s median %7.3f s  %8.1f MiB/s  cpu (both ends) %.3f s/GiB\n' "$k" "$w" \
		"$(awk -v b="$bytes" -v w="$w" 'BEGIN { print b / w / 1048576 }')" \
		"$(awk -v c="$(col "$BENCH_DIR/net.$k" 2)" -v g="$gib" 'BEGIN { print c / g }')"
done
zw=$(col "$BENCH_DIR/net.zcp" 1) zc=$(col "$BENCH_DIR/net.zcp" 2)
for k in socat socat-b1M; do
	echo "zcp vs $k: throughput $(ratio "$(col "$BENCH_DIR/net.$k" 1)" "$zw")x (goal >= 1.0)," \
		"CPU $(ratio "$zc" "$(col "$BENCH_DIR/net.$k" 2)")x (goal < 1.0)"
done
echo "every received file compared with cmp"
