#!/usr/bin/env bash
# zcbench --quick end to end: the JSON holds every method of every scenario
# (measured, or n/a with a reason), its figures are consistent with what
# was asked, the table names every method, and the SVG is well-formed XML
# with one "n/a" label per method that did not run.
# timeout: 240
# san: yes
set -u
bin=${ZC_BUILD:?}/zcbench
tmp=${ZC_TMP:?}
[ -x "$bin" ] || { echo "zcbench not built: $bin"; exit 1; }

"$bin" --quick --dir "$tmp" --json "$tmp/b.json" --svg "$tmp/b.svg" \
	>"$tmp/table.txt" 2>"$tmp/progress.txt"
rc=$?
cat "$tmp/table.txt"
if [ $rc -ne 0 ]; then
	echo "zcbench --quick exited $rc"
	cat "$tmp/progress.txt"
	exit 1
fi

/usr/bin/python3 - "$tmp/b.json" "$tmp/b.svg" "$tmp/table.txt" <<'PY'
import json, sys, xml.dom.minidom

jpath, spath, tpath = sys.argv[1:4]
d = json.load(open(jpath))
errors = []
def bad(msg):
    errors.append(msg)

methods = ["read-write", "mmap", "sendfile", "splice", "copy-file-range",
           "direct", "io-uring", "msg-zerocopy", "io-uring-zc", "auto"]
scenarios = {"file-tcp": ["warm", "cold"], "file-file": ["warm", "cold"],
             "file-pipe": ["warm", "cold"], "tcp-file": ["warm"]}
cfg = d["config"]
size, reps = cfg["size"], cfg["reps"]
GiB = float(1 << 30)
if sorted(cfg["methods"]) != sorted(methods):
    bad("config.methods: %r" % cfg["methods"])
for k in ("kernel", "cpu", "nproc", "fs"):
    if not d["machine"].get(k):
        bad("machine.%s missing" % k)

def check_cell(where, r):
    st = r["status"]
    if st == "n/a":
        if not r.get("reason"):
            bad(where + ": n/a without a reason")
        return False
    if st != "ok":
        bad(where + ": status %s: %s" % (st, r.get("reason")))
        return False
    m = r["metrics"]
    for key, v in m.items():
        if not (v["min"] <= v["median"] <= v["max"]):
            bad("%s: %s min/median/max out of order: %r" % (where, key, v))
        if v["min"] < 0:
            bad("%s: %s negative" % (where, key))
    if len(r["per_run"]) != reps or r["runs"] != reps:
        bad("%s: %d runs, expected %d" % (where, len(r["per_run"]), reps))
    for run in r["per_run"]:
        if run["bytes"] != size:
            bad("%s: a run moved %r bytes, not %d" % (where, run["bytes"], size))
        if not run["throughput_mib_s"] > 0 or not run["wall_s"] > 0:
            bad("%s: throughput/wall not positive" % where)
        if not run["cpu_s_per_gib"] > 0:
            bad("%s: no CPU time measured" % where)
    return True

seen_na = 0
for sc in d["scenarios"]:
    name = sc["name"]
    if name not in scenarios:
        bad("unknown scenario " + name)
        continue
    got = {(r["method"], r["cache"]): r for r in sc["results"]}
    for cache in scenarios[name]:
        for meth in methods:
            r = got.get((meth, cache))
            where = "%s/%s/%s" % (name, cache, meth)
            if r is None:
                bad(where + ": missing")
                continue
            if meth != "auto" and not r.get("seed"):
                bad(where + ": no seed row")
            if not check_cell(where, r):
                seen_na += r["status"] == "n/a"
                if meth == "read-write":
                    bad(where + ": the read+write baseline did not run")
                continue
            for run in r["per_run"]:
                uc = run["user_copy_bytes_per_gib"]
                if meth == "read-write" and abs(uc - 2 * GiB) > 1:
                    bad("%s: user copy %r/GiB, expected 2 GiB" % (where, uc))
                if meth in ("sendfile", "splice") and uc != 0:
                    bad("%s: user copy %r/GiB, expected 0" % (where, uc))
                if meth == "read-write" and run["syscalls_per_gib"] <= 0:
                    bad(where + ": no system calls counted")
    if set(got) - {(m, c) for m in methods for c in scenarios[name]}:
        bad(name + ": unexpected cells")
if sorted(s["name"] for s in d["scenarios"]) != sorted(scenarios):
    bad("scenarios: %r" % [s["name"] for s in d["scenarios"]])

modes = [x["mechanism"] for x in d.get("disk", [])]
if modes != ["blocking", "polled", "direct"]:
    bad("disk mechanisms: %r" % modes)
for x in d.get("disk", []):
    if not check_cell("disk/" + x["mechanism"], x):
        seen_na += x["status"] == "n/a"
cow = d.get("cow")
if cow is None:
    bad("no cow section")
elif cow["view_status"] == 0 and cow["write_minor_faults"] < cow["pages_written"]:
    bad("cow: %d pages written but only %d faults" %
        (cow["pages_written"], cow["write_minor_faults"]))
if not d["verdicts"]:
    bad("no verdicts")
for v in d["verdicts"]:
    if v["outcome"] not in ("held", "did not hold", "inconclusive", "n/a"):
        bad("verdict outcome %r" % v["outcome"])
    if not v["claim"] or not v["measured"]:
        bad("verdict without claim or figures: %r" % v)
if d["failures"] != 0:
    bad("failures: %r" % d["failures"])

doc = xml.dom.minidom.parse(spath)
root = doc.documentElement
if root.tagName != "svg":
    bad("SVG root is " + root.tagName)
texts = [t.firstChild.data for t in doc.getElementsByTagName("text")
         if t.firstChild is not None]
# Two charts per row, each labels a method that did not run "n/a".
if texts.count("n/a") != 2 * seen_na:
    bad("SVG shows %d n/a labels for %d n/a cells" % (texts.count("n/a"), seen_na))
if len(doc.getElementsByTagName("rect")) < 2:
    bad("SVG has no bars")

table = open(tpath).read()
for meth in methods:
    if meth not in table:
        bad("table does not name " + meth)
if "the seed's claims" not in table:
    bad("table has no verdicts")

for e in errors:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
PY
