#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ACLs for SASL users, one broker run over SASL_PLAINTEXT (SCRAM-SHA-512),
# authorizer on, super.users=User:admin. admin (kafka-python's admin
# client) makes the topics and the bindings:
#   alice  ALLOW READ  topic acl-ro, group acl-g
#   bob    ALLOW WRITE topics prefixed bob-, DENY WRITE topic bob-deny
# then, with kcat as each user:
#   - alice: kcat -L lists acl-ro only; producing to it is refused
#     (TOPIC_AUTHORIZATION_FAILED), consuming returns every record; her
#     group acl-g reads and commits, acl-nog is refused
#     (GROUP_AUTHORIZATION_FAILED); the ACL admin calls are refused;
#   - bob: produces to bob-x (read back by admin, every byte); bob-deny
#     is refused (the DENY beats the prefixed ALLOW), so are acl-ro and
#     reading bob-x;
#   - admin: sees every topic and reads and writes acl-hidden.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py kafka

D=$ZC_TMP/data
N=50
# shellcheck disable=SC2034 # read by _acl_env.sh
ZB_ACL_USERS=$'admin root-pw\nalice alice-pw\nbob bob-pw'
. "$TB/_acl_env.sh"
acl_users "$D"
props() { # USER PASSWORD: $ZC_TMP/USER.props, mode 600
	(umask 077 && printf '%s\n' security.protocol=SASL_PLAINTEXT \
		sasl.mechanism=SCRAM-SHA-512 "sasl.username=$1" \
		"sasl.password=$2" >"$ZC_TMP/$1.props")
}
props admin root-pw
props alice alice-pw
props bob bob-pw
kc() { # USER kcat-args...
	local u=$1
	shift
	timeout 40 kcat -F "$ZC_TMP/$u.props" -b "$ZB_ADDR" "$@"
}
py() { # USER acl_clients.py-args...
	local u=$1
	shift
	zb_py acl_clients.py "$ZC_TMP/$u.props" "$ZB_ADDR" "$@"
}
recs() { for ((i = 0; i < N; i++)); do printf 'acl-%04d %s\n' "$i" "$1"; done; }
# refused USER TOPIC: kcat as USER may not produce to TOPIC.
refused() {
	if echo nope | kc "$1" -P -t "$2" -p 0 >"$ZC_TMP/r.out" 2>&1; then
		zb_fail "$1 produced to $2"
	fi
	if grep -qi 'topic authorization failed' "$ZC_TMP/r.out"; then :
	else zb_fail "$1 -> $2 refused without TOPIC_AUTHORIZATION_FAILED: $(cat "$ZC_TMP/r.out")"; fi
}

zb_start "$D" --set authorizer.enabled=true --set super.users=User:admin \
	--set listeners=SASL_PLAINTEXT://127.0.0.1:0

# ---- admin: topics, bindings, records -------------------------------------
if py admin kp-grant acl-ro,acl-hidden,bob-x,bob-deny \
	User:alice/TOPIC/acl-ro/LITERAL/READ/ALLOW \
	User:alice/GROUP/acl-g/LITERAL/READ/ALLOW \
	User:bob/TOPIC/bob-/PREFIXED/WRITE/ALLOW \
	User:bob/TOPIC/bob-deny/LITERAL/WRITE/DENY; then :
else zb_fail "kafka-python admin as User:admin"; fi
for t in acl-ro acl-hidden; do
	if recs "$t" | kc admin -q -P -t "$t" -p 0 2>"$ZC_TMP/p.err"; then :
	else zb_fail "kcat -P -t $t as admin: $(cat "$ZC_TMP/p.err")"; fi
done

# ---- alice ----------------------------------------------------------------
kc alice -L >"$ZC_TMP/md" 2>&1 || zb_fail "kcat -L as alice: $(cat "$ZC_TMP/md")"
if grep -q 'topic "acl-ro"' "$ZC_TMP/md" &&
	! grep -Eq 'acl-hidden|bob-x|bob-deny' "$ZC_TMP/md"; then :
else zb_fail "kcat -L as alice should list acl-ro only: $(cat "$ZC_TMP/md")"; fi
refused alice acl-ro
kc alice -q -C -t acl-ro -p 0 -o beginning -e >"$ZC_TMP/ro.got" 2>"$ZC_TMP/c.err" ||
	zb_fail "kcat -C -t acl-ro as alice: $(cat "$ZC_TMP/c.err")"
if cmp -s <(recs acl-ro) "$ZC_TMP/ro.got"; then :
else zb_fail "alice read $(wc -l <"$ZC_TMP/ro.got") lines of acl-ro, not the $N produced"; fi
if kc alice -q -C -t acl-hidden -p 0 -o beginning -e >"$ZC_TMP/h.got" 2>&1 &&
	grep -q acl-0000 "$ZC_TMP/h.got"; then
	zb_fail "alice read acl-hidden"
fi
if py alice kp-group acl-g acl-ro "$N"; then :; else zb_fail "alice in group acl-g"; fi
if py alice kp-group acl-nog acl-ro -1; then :; else zb_fail "alice in group acl-nog"; fi
if py alice kp-denied; then :; else zb_fail "alice: admin calls"; fi
echo "alice: READ on acl-ro and acl-g as granted, the rest refused"

# ---- bob ------------------------------------------------------------------
if recs bob-x | kc bob -q -P -t bob-x -p 0 2>"$ZC_TMP/p.err"; then :
else zb_fail "kcat -P -t bob-x as bob (prefixed WRITE): $(cat "$ZC_TMP/p.err")"; fi
kc admin -q -C -t bob-x -p 0 -o beginning -e >"$ZC_TMP/bx.got" 2>"$ZC_TMP/c.err" ||
	zb_fail "kcat -C -t bob-x as admin: $(cat "$ZC_TMP/c.err")"
if cmp -s <(recs bob-x) "$ZC_TMP/bx.got"; then :
else zb_fail "bob-x does not hold bob's $N records"; fi
refused bob bob-deny
refused bob acl-ro
if kc bob -q -C -t bob-x -p 0 -o beginning -e >"$ZC_TMP/b.got" 2>&1 &&
	grep -q acl-0000 "$ZC_TMP/b.got"; then
	zb_fail "bob read bob-x without READ"
fi
echo "bob: WRITE on bob- as granted, DENY on bob-deny wins"

# ---- admin: everything ----------------------------------------------------
kc admin -L >"$ZC_TMP/md" 2>&1 || zb_fail "kcat -L as admin"
for t in acl-ro acl-hidden bob-x bob-deny; do
	if grep -q "topic \"$t\"" "$ZC_TMP/md"; then :
	else zb_fail "kcat -L as admin lacks $t"; fi
done
kc admin -q -C -t acl-hidden -p 0 -o beginning -e >"$ZC_TMP/h.got" 2>"$ZC_TMP/c.err" ||
	zb_fail "kcat -C -t acl-hidden as admin: $(cat "$ZC_TMP/c.err")"
if cmp -s <(recs acl-hidden) "$ZC_TMP/h.got"; then :
else zb_fail "admin read acl-hidden wrong"; fi
zb_stop
echo "PASS: ACLs for SASL users admin, alice, bob over SASL_PLAINTEXT"
