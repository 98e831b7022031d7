#!/usr/bin/env bash
# serial: yes
# zcbench's veth scenario: as root with ip(8), file -> TCP across a veth
# pair between two network namespaces is measured (every byte verified
# once, then timed against a discarding receiver), the namespaces are gone
# afterwards, and also after a SIGINT in the middle of a run. Without root
# the scenario is n/a with the reason, never measured. Skips without root
# or ip(8) once the n/a has been checked.
# timeout: 120
set -u
bin=${ZC_BUILD:?}/zcbench
tmp=${ZC_TMP:?}
py=/usr/bin/python3
[ -x "$bin" ] || { echo "zcbench not built: $bin"; exit 1; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
leftovers() { # leftovers PID: namespaces or links a run left behind
	ls /run/netns 2>/dev/null | grep -- "-$1\$"
	ip -o link 2>/dev/null | grep "zcb[ab]$1@"
}

# One cell's status and reason from the JSON: status|reason
cell() {
	"$py" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["scenarios"]:
    for r in s["results"]:
        if r["method"] == sys.argv[2]:
            print("%s|%s|%s|%s" % (r["status"], r.get("reason", ""),
                                   r.get("verified"), s.get("receiver")))
PY
}

# Unprivileged: n/a with the reason (setpriv drops to nobody).
if command -v setpriv >/dev/null; then
	# ZC_TMP is private to root: nobody gets a directory of its own.
	d=$(mktemp -d "${TMPDIR:-/tmp}/zcbench-nobody.XXXXXX")
	chmod 777 "$d"
	trap 'rm -rf "$d"' EXIT
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --quick \
		--scenarios file-veth --methods read-write --cache warm \
		--dir "$d" --json "$d/n.json" >"$d/out" 2>&1
	rc=$?
	c=$(cell "$d/n.json" read-write)
	case "$c" in
	"n/a|needs root"*) ok "without root: n/a ($c, exit $rc)" ;;
	*) bad "without root: expected n/a needing root, got '$c' (exit $rc)"; cat "$d/out" ;;
	esac
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "skip: the veth scenario needs root (network namespaces)"
	exit 77
fi
if ! command -v ip >/dev/null; then
	echo "skip: the veth scenario needs ip(8) (iproute2)"
	exit 77
fi

"$bin" --quick --scenarios file-veth --methods read-write,sendfile \
	--cache warm --dir "$tmp" --json "$tmp/v.json" >"$tmp/v.txt" 2>&1
rc=$?
cat "$tmp/v.txt"
if [ $rc -eq 0 ]; then ok "veth run exit 0"; else bad "veth run exited $rc"; fi
for m in read-write sendfile; do
	c=$(cell "$tmp/v.json" $m)
	case "$c" in
	"ok||True|recv(MSG_TRUNC) in its own process"*) ok "veth $m measured: $c" ;;
	*) bad "veth $m: '$c'" ;;
	esac
done
if grep -q "across a veth pair" "$tmp/v.txt"; then
	ok "the table names the veth scenario"
else
	bad "the table does not name the veth scenario"
fi
left=$(ls /run/netns 2>/dev/null | grep -c '^zcbench-')
if [ "$left" -eq 0 ]; then ok "no namespace left"; else bad "$left namespaces left"; fi

# A SIGINT to the process group in the middle of the runs.
set -m
"$bin" --scenarios file-veth --methods read-write --cache warm --size 512M \
	--reps 50 --max-runs 50 --figure-budget 100 --dir "$tmp" \
	>"$tmp/int.txt" 2>&1 &
pid=$!
set +m
for _ in $(seq 1 200); do
	[ -e "/run/netns/zcbench-b-$pid" ] && break
	sleep 0.1
done
if [ -e "/run/netns/zcbench-b-$pid" ]; then
	sleep 0.5
	kill -INT -- -"$pid"
	wait "$pid"
	rc=$?
	l=$(leftovers "$pid")
	if [ -z "$l" ]; then ok "SIGINT (exit $rc): namespaces removed"; else bad "SIGINT left: $l"; fi
	if ls -d "$tmp"/zcbench.* >/dev/null 2>&1; then
		bad "SIGINT left the work directory"
	else
		ok "SIGINT: work directory removed"
	fi
else
	kill -- -"$pid" 2>/dev/null
	wait "$pid"
	bad "the namespaces never appeared"; cat "$tmp/int.txt"
fi
exit $fail
