#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# ACLs with real clients (authorizer.enabled=true). First as a super user:
# kafka-python's admin client makes topics and ACLs and checks
# create_acls / describe_acls / delete_acls against each other, kcat
# produces. Then the broker restarts without super.users, so the same
# principal has only what the ACLs (kept in DATA/__acls) grant: kcat -L
# lists the topics it may DESCRIBE and not the other one; kcat produce to a
# READ-only topic is refused (TOPIC_AUTHORIZATION_FAILED) and consuming it
# returns every record; a topic with ALL takes records; a kafka-python
# consumer group with READ on the group reads and commits, one without is
# refused (GROUP_AUTHORIZATION_FAILED); the admin calls are refused.
#
# The client side is a few variables (_acl_env.sh: principal, client
# properties, listener options, SCRAM users), so it runs over SASL too.
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py kafka

. "$(dirname "$0")/_acl_env.sh"
D=$ZC_TMP/data
N=50
kc() { timeout 40 kcat -F "$PROPS" -b "$ZB_ADDR" "$@"; }
py() { zb_py acl_clients.py "$PROPS" "$ZB_ADDR" "$@"; }
recs() { for ((i = 0; i < N; i++)); do printf 'acl-%04d %s\n' "$i" "$1"; done; }

# ---- as a super user ------------------------------------------------------
acl_users "$D"
zb_start "$D" --set authorizer.enabled=true --set "super.users=$WHO" \
	"${BOPTS[@]}"
if py kp-setup "$WHO"; then :; else zb_fail "kafka-python admin (super user)"; fi
for t in acl-ro acl-hidden; do
	if recs "$t" | kc -q -P -t "$t" -p 0 2>"$ZC_TMP/p.err"; then :
	else zb_fail "kcat -P -t $t as a super user: $(cat "$ZC_TMP/p.err")"; fi
done
zb_stop

# ---- the same principal, no longer a super user ---------------------------
zb_start "$D" --set authorizer.enabled=true "${BOPTS[@]}"
if grep -q 'authorizer on: 3 ACLs' "$ZB_LOG"; then :
else zb_fail "the ACLs did not survive the restart"; fi

kc -L >"$ZC_TMP/md" 2>&1 || zb_fail "kcat -L: $(cat "$ZC_TMP/md")"
if grep -q 'topic "acl-ro"' "$ZC_TMP/md" && grep -q 'topic "acl-open"' "$ZC_TMP/md" &&
	! grep -q 'acl-hidden' "$ZC_TMP/md"; then :
else zb_fail "kcat -L should list acl-ro and acl-open, not acl-hidden: $(cat "$ZC_TMP/md")"; fi

# READ only: producing is refused, with Kafka's error.
if echo nope | kc -P -t acl-ro -p 0 >"$ZC_TMP/p.out" 2>&1; then
	zb_fail "kcat produced to a READ-only topic"
fi
if grep -qi 'topic authorization failed' "$ZC_TMP/p.out"; then :
else zb_fail "kcat -P refused without TOPIC_AUTHORIZATION_FAILED: $(cat "$ZC_TMP/p.out")"; fi
# ... and consuming returns every record.
kc -q -C -t acl-ro -p 0 -o beginning -e >"$ZC_TMP/ro.got" 2>"$ZC_TMP/c.err" ||
	zb_fail "kcat -C -t acl-ro: $(cat "$ZC_TMP/c.err")"
if cmp -s <(recs acl-ro) "$ZC_TMP/ro.got"; then :
else zb_fail "kcat -C -t acl-ro: $(wc -l <"$ZC_TMP/ro.got") lines, not the $N produced"; fi
# Not even DESCRIBE: consuming is refused.
if kc -q -C -t acl-hidden -p 0 -o beginning -e >"$ZC_TMP/h.got" 2>&1 &&
	[ -s "$ZC_TMP/h.got" ] && grep -q acl-0000 "$ZC_TMP/h.got"; then
	zb_fail "kcat read acl-hidden"
fi
# ALL on acl-open: produce and read back.
if recs acl-open | kc -q -P -t acl-open -p 0 2>"$ZC_TMP/p.err"; then :
else zb_fail "kcat -P -t acl-open (ALL granted): $(cat "$ZC_TMP/p.err")"; fi
kc -q -C -t acl-open -p 0 -o beginning -e >"$ZC_TMP/open.got" 2>"$ZC_TMP/c.err"
if cmp -s <(recs acl-open) "$ZC_TMP/open.got"; then :
else zb_fail "kcat -C -t acl-open: wrong records"; fi

# Groups: READ on acl-g; nothing on acl-nog.
if py kp-group acl-g acl-ro "$N"; then :; else zb_fail "group acl-g"; fi
if py kp-group acl-nog acl-ro -1; then :; else zb_fail "group acl-nog"; fi
if py kp-denied; then :; else zb_fail "admin calls without the rights"; fi
zb_stop
echo "ACLs: allowed and refused as granted, across a restart"
