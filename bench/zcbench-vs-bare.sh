#!/usr/bin/env bash
# Does zcbench measure the kernel's paths, or its own harness? In one run,
# alternating, ROUNDS times:
#   - zcbench's file -> TCP loopback figures (warm cache) for sendfile and
#     read-write: their timed runs, against zcbench's own far end;
#   - bare-loops: a bare sendfile(2) loop and a bare read(2)+write(2) loop
#     into the same kind of far end (a process of its own on another CPU
#     that drops the bytes with recv(MSG_TRUNC)).
# Prints both sendfile / read-write throughput ratios (medians over the
# rounds) and requires zcbench's to be at least 0.8x the bare loops'.
#   bench/zcbench-vs-bare.sh [SIZE]     SIZE default 256M
# Knobs: BUILD (default build), BENCH_DIR (default /var/tmp/zcbench-bench),
# ROUNDS (default 3), RUNS (timed runs per method and round, default 5).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
size=${1:-256M}
rounds=${ROUNDS:-3}
runs=${RUNS:-5}
dir=${BENCH_DIR:-/var/tmp/zcbench-bench}
zcbench=$build/zcbench
bare=$build/bench/bare-loops
py=/usr/bin/python3
[ -x "$zcbench" ] || { echo "zcbench not built: $zcbench (make)"; exit 1; }
[ -x "$bare" ] || { echo "bare-loops not built: $bare (make $bare)"; exit 1; }
mkdir -p "$dir"
bytes=$(numfmt --from=iec "$size")
src=$dir/bare-src
[ -f "$src" ] && [ "$(stat -c %s "$src")" -eq "$bytes" ] ||
	head -c "$bytes" /dev/urandom >"$src"
trap 'rm -f "$src" "$dir"/zb.*.json "$dir"/bare.*.txt' EXIT

echo "machine: $(nproc) CPUs, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $size per run, $rounds rounds of $runs timed runs per method"
for i in $(seq 1 "$rounds"); do
	"$zcbench" --scenarios file-tcp --methods read-write,sendfile \
		--cache warm --size "$size" --reps "$runs" --max-runs "$runs" \
		--dir "$dir" --json "$dir/zb.$i.json" >/dev/null 2>&1 ||
		{ echo "FAIL: zcbench round $i failed"; exit 1; }
	"$bare" "$src" "$runs" >"$dir/bare.$i.txt" ||
		{ echo "FAIL: bare-loops round $i failed"; exit 1; }
done
sed -n 's/^placement: /bare loops: /p' "$dir/bare.1.txt"
"$py" - "$dir" "$rounds" <<'PY'
import json, statistics, sys

d, rounds = sys.argv[1], int(sys.argv[2])
zb = {"sendfile": [], "read-write": []}
bare = {"sendfile": [], "read-write": []}
for i in range(1, rounds + 1):
    j = json.load(open("%s/zb.%d.json" % (d, i)))
    sc = j["scenarios"][0]
    if i == 1:
        print("zcbench: far end of the timed runs:", sc["receiver"])
    for r in sc["results"]:
        if r["status"] != "ok":
            sys.exit("FAIL: zcbench %s: %s" % (r["method"], r.get("reason")))
        zb[r["method"]].append(r["metrics"]["throughput_mib_s"]["median"])
    for line in open("%s/bare.%d.txt" % (d, i)):
        w = line.split()
        if w and w[0] in bare and w[2] == "MiB/s":
            bare[w[0]].append(float(w[1]))
med = {k: statistics.median(v) for k, v in zb.items()}
bmed = {k: statistics.median(v) for k, v in bare.items()}
zr = med["sendfile"] / med["read-write"]
br = bmed["sendfile"] / bmed["read-write"]
print("zcbench:    sendfile %.0f MiB/s, read-write %.0f MiB/s: ratio %.2fx"
      % (med["sendfile"], med["read-write"], zr))
print("bare loops: sendfile %.0f MiB/s, read-write %.0f MiB/s: ratio %.2fx"
      % (bmed["sendfile"], bmed["read-write"], br))
print("zcbench's ratio / bare ratio = %.2f (target >= 0.80)" % (zr / br))
print("per round zcbench", [round(a / b, 2) for a, b in zip(zb["sendfile"], zb["read-write"])],
      "bare", [round(a / b, 2) for a, b in zip(bare["sendfile"], bare["read-write"])])
if zr < 0.8 * br:
    print("FAIL: zcbench's sendfile/read-write ratio is below 0.8x the bare loops'")
    sys.exit(1)
print("ok")
PY
