#!/usr/bin/env bash
# Smoke test of zcbroker with kcat: start on a free port with a fresh data
# directory, produce 1000 messages, consume them back from the beginning,
# compare, and check that SIGTERM stops the broker with exit status 0.
# san: yes
# timeout: 120
set -u
build=${ZC_BUILD:-build}
tmp=${ZC_TMP:-$(mktemp -d)}
broker=$build/zcbroker
command -v kcat >/dev/null || { echo "kcat is not installed"; exit 77; }
[ -x "$broker" ] || { echo "no $broker"; exit 1; }

log=$tmp/broker.log
"$broker" --listen 127.0.0.1:0 --data-dir "$tmp/data" 2>"$log" &
pid=$!
cleanup() { kill -9 "$pid" 2>/dev/null; }
trap cleanup EXIT

port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	echo "broker did not start:"; cat "$log"; exit 1
fi
bs=127.0.0.1:$port

seq -f "message %g of the smoke test" 1 1000 >"$tmp/in.txt"
if ! timeout 30 kcat -P -b "$bs" -t smoke <"$tmp/in.txt"; then
	echo "kcat produce failed"; cat "$log"; exit 1
fi
timeout 30 kcat -C -b "$bs" -t smoke -e -o beginning -q >"$tmp/out.txt"
if ! cmp -s "$tmp/in.txt" "$tmp/out.txt"; then
	echo "consumed data differs: $(wc -l <"$tmp/out.txt") lines back"
	diff "$tmp/in.txt" "$tmp/out.txt" | head -5
	cat "$log"; exit 1
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
trap - EXIT
if [ "$rc" -ne 0 ]; then
	echo "broker exited $rc after SIGTERM"; cat "$log"; exit 1
fi
grep -q "stopped cleanly" "$log" || { echo "no clean stop line"; cat "$log"; exit 1; }
echo "1000 messages round-tripped; clean exit on SIGTERM"
exit 0
