#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# `zcbroker users add|delete|list`: the SCRAM credential store in the data
# directory (broker/security/creds.c). Checks that the stored keys are
# RFC 5802's (recomputed here with Python's hashlib/hmac, an independent
# implementation), that no password reaches the file, that bad mechanisms,
# iteration counts and missing passwords are refused, that a writer killed
# mid-write (file size limit, SIGXFSZ) leaves the previous file whole, and
# that a damaged file is refused rather than emptied.
# timeout: 60
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker

D=$ZC_TMP/data
F=$D/__credentials
mkdir -p "$D"
zu() { "$ZB_BIN" users "$@"; }

if echo 'pencil sharpener' | zu add --data-dir "$D" alice >"$ZC_TMP/o" 2>&1; then :
else zb_fail "users add alice: $(cat "$ZC_TMP/o")"; fi
if echo 'hunter2' | zu add --data-dir "$D" bob --mechanism SCRAM-SHA-256 \
	--iterations 8192 >"$ZC_TMP/o" 2>&1; then :
else zb_fail "users add bob: $(cat "$ZC_TMP/o")"; fi
zu list --data-dir "$D" >"$ZC_TMP/list" || zb_fail "users list"
if grep -qx 'alice SCRAM-SHA-512 iterations=4096' "$ZC_TMP/list" &&
	grep -qx 'bob SCRAM-SHA-256 iterations=8192' "$ZC_TMP/list" &&
	[ "$(wc -l <"$ZC_TMP/list")" -eq 2 ]; then :
else zb_fail "list: $(cat "$ZC_TMP/list")"; fi
if grep -q -e pencil -e hunter2 "$F"; then zb_fail "a password in $F"; fi
if [ "$(stat -c %a "$F")" = 600 ]; then :
else zb_fail "$F mode $(stat -c %a "$F"), expected 600"; fi

# The keys are SCRAM's, and the checksum covers the file.
if $PY - "$F" <<'PY'; then :; else zb_fail "stored keys or checksum wrong"; fi
import base64, hashlib, hmac, sys
raw = open(sys.argv[1], "rb").read()
body, last = raw[:-1].rsplit(b"\n", 1)
assert last == b"sha256 " + hashlib.sha256(body + b"\n").hexdigest().encode()
pw = {"alice": b"pencil sharpener", "bob": b"hunter2"}
seen = 0
for line in body.decode().split("\n")[1:]:
    _, user, mech, it, salt, stored, server = line.split(" ")
    h = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}[mech]
    sp = hashlib.pbkdf2_hmac(h, pw[user], base64.b64decode(salt), int(it))
    ck = hmac.new(sp, b"Client Key", h).digest()
    assert hashlib.new(h, ck).digest() == base64.b64decode(stored), user
    assert hmac.new(sp, b"Server Key", h).digest() == base64.b64decode(server)
    seen += 1
assert seen == 2
PY

refused() { # refused EXPECTED_STATUS ARGS... (stdin: a password)
	local want=$1 rc
	shift
	sum=$(sha256sum "$F")
	echo 'pw' | zu "$@" >"$ZC_TMP/o" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		zb_fail "users $*: status $rc, expected $want: $(cat "$ZC_TMP/o")"
	fi
	if [ "$(sha256sum "$F")" != "$sum" ]; then zb_fail "users $*: file changed"; fi
}
refused 2 add --data-dir "$D" carol --mechanism SCRAM-SHA-1
refused 2 add --data-dir "$D" carol --mechanism PLAIN
refused 2 add --data-dir "$D" carol --iterations 4095
refused 2 add --data-dir "$D" carol --iterations 16385
refused 2 add --data-dir "$D" carol --iterations 5000x
refused 2 add --data-dir "$D" carol secretpassword # no password argument
refused 2 add carol                               # no data dir
refused 1 add --data-dir "$D/missing" carol
refused 1 delete --data-dir "$D" nobody
refused 1 delete --data-dir "$D" bob --mechanism SCRAM-SHA-512
if zu add --data-dir "$D" carol </dev/null >"$ZC_TMP/o" 2>&1; then
	zb_fail "add without a password succeeded"
fi

# delete one mechanism, then the user.
echo 'x' | zu add --data-dir "$D" bob --mechanism SCRAM-SHA-512 ||
	zb_fail "add bob 512"
zu delete --data-dir "$D" bob --mechanism SCRAM-SHA-256 || zb_fail "delete 256"
zu list --data-dir "$D" >"$ZC_TMP/list"
if grep -q 'bob SCRAM-SHA-512' "$ZC_TMP/list" &&
	! grep -q 'bob SCRAM-SHA-256' "$ZC_TMP/list"; then :
else zb_fail "after delete 256: $(cat "$ZC_TMP/list")"; fi
zu delete --data-dir "$D" bob || zb_fail "delete bob"
zu list --data-dir "$D" >"$ZC_TMP/list"
if grep -q bob "$ZC_TMP/list"; then zb_fail "bob still listed"; fi

# A writer killed mid-write leaves the old file: grow the file past 1 KiB,
# then add under a 1 KiB file size limit (SIGXFSZ kills at the limit).
for u in u1 u2 u3 u4 u5 u6; do
	echo "pw-$u" | zu add --data-dir "$D" "$u" || zb_fail "add $u"
done
[ "$(stat -c %s "$F")" -gt 1024 ] || zb_fail "file not past 1 KiB"
sum=$(sha256sum "$F")
(ulimit -f 1; echo pw | exec "$ZB_BIN" users add --data-dir "$D" u7) \
	>"$ZC_TMP/o" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then zb_fail "add under a 1 KiB limit succeeded"; fi
if [ "$(sha256sum "$F")" != "$sum" ]; then zb_fail "file changed by a failed write"; fi
zu list --data-dir "$D" >"$ZC_TMP/list" || zb_fail "list after the failed write"
if [ "$(wc -l <"$ZC_TMP/list")" -eq 7 ] && ! grep -q u7 "$ZC_TMP/list"; then :
else zb_fail "after the failed write: $(cat "$ZC_TMP/list")"; fi
# The next add replaces the leftover temporary file.
echo pw | zu add --data-dir "$D" u7 || zb_fail "add u7 after the failure"
if [ -e "$F.tmp" ]; then zb_fail "temporary file left behind"; fi

# A damaged file is refused, and left as it is.
$PY - "$F" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[40] ^= 1
open(p, "wb").write(b)
PY
sum=$(sha256sum "$F")
if zu list --data-dir "$D" >"$ZC_TMP/o" 2>&1; then zb_fail "damaged file listed"; fi
if grep -q damaged "$ZC_TMP/o"; then :; else zb_fail "no clear error: $(cat "$ZC_TMP/o")"; fi
refused 1 add --data-dir "$D" carol
echo "users: add/list/delete, keys, refusals, atomic replace, damage: ok"
exit 0
