#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# SASL against real clients (proto/sasl_api.c), users made by `zcbroker
# users add` (password on stdin). Over $ZC_SASL_PROTO (SASL_PLAINTEXT; for
# SASL_SSL also $ZC_TLS_CA, and the broker's TLS settings as --set
# arguments in $ZC_TLS_SETS):
#   - kcat (librdkafka 2.0.2) with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN:
#     every record produced read back;
#   - kafka-python 2.0.2 (bare tokens after SaslHandshake v0) with
#     SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, confluent-kafka and kafkajs
#     with SCRAM-SHA-512: produce, consume in a group, commit;
#   - refused with the right error: a wrong password, an unknown user, a
#     mechanism the listener does not enable (UNSUPPORTED_SASL_MECHANISM),
#     requests before authentication (raw frames); the failure answered
#     no sooner than connection.failed.authentication.delay.ms while
#     another client logs in meanwhile;
#   - confluent AdminClient describe/alter_user_scram_credentials as a
#     super user, refused to another user; the altered password logs in,
#     the old one no longer does.
# timeout: 240
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_cmd kcat
zb_need_py confluent_kafka
zb_need_py kafka

PROTO=${ZC_SASL_PROTO:-SASL_PLAINTEXT}
if [ "$PROTO" = SASL_SSL ] && { [ -z "${ZC_TLS_CA:-}" ] || [ -z "${ZC_TLS_SETS:-}" ]; }; then
	zb_skip "SASL_SSL needs ZC_TLS_CA and ZC_TLS_SETS"
fi
DELAY=400
D=$ZC_TMP/data
mkdir -p "$D"
# Passwords travel in the environment, never in arguments.
export PW_ALICE='alice pencil 1' PW_ADMIN='root-of-trust' PW_BOB='bob old'
export PW_BOB_NEW='bob new' PW_WRONG='not-the-password'
adduser() { # NAME PASSWORD MECHANISM
	printf '%s\n' "$2" | "$ZB_BIN" users add --data-dir "$D" "$1" \
		--mechanism "$3" >"$ZC_TMP/o" 2>&1 || zb_fail "users add $1 $3: $(cat "$ZC_TMP/o")"
}
adduser alice "$PW_ALICE" SCRAM-SHA-512
adduser alice "$PW_ALICE" SCRAM-SHA-256
adduser admin "$PW_ADMIN" SCRAM-SHA-512
adduser bob "$PW_BOB" SCRAM-SHA-512

# Two listeners: MAIN with every mechanism, ONLY512 with SCRAM-SHA-512.
# shellcheck disable=SC2086
zb_start "$D" --set num.partitions=3 \
	--set "listeners=MAIN://127.0.0.1:0,ONLY512://127.0.0.1:0" \
	--set "listener.security.protocol.map=MAIN:$PROTO,ONLY512:$PROTO" \
	--set "listener.name.only512.sasl.enabled.mechanisms=SCRAM-SHA-512" \
	--set super.users=User:admin \
	--set connection.failed.authentication.delay.ms=$DELAY ${ZC_TLS_SETS:-}
MAIN=$ZB_ADDR
P512=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) (listener ONLY512,.*/\1/p' "$ZB_LOG")
[ -n "$P512" ] || zb_fail "no ONLY512 listener in the log"
ONLY512=127.0.0.1:$P512

# kcat reads its settings, the password among them, from a file (-F).
kconf() { # MECH USER PASSWORD
	{
		echo "security.protocol=$PROTO"
		echo "sasl.mechanism=$1"
		echo "sasl.username=$2"
		echo "sasl.password=$3"
		[ "$PROTO" = SASL_SSL ] && echo "ssl.ca.location=$ZC_TLS_CA"
	} >"$ZC_TMP/kcat.conf"
	chmod 600 "$ZC_TMP/kcat.conf"
}
for mech in SCRAM-SHA-512 SCRAM-SHA-256 PLAIN; do
	kconf "$mech" alice "$PW_ALICE"
	t=kcat-$mech
	seq 1 50 | sed "s/^/$mech-record-/" >"$ZC_TMP/$t.in"
	timeout 40 kcat -F "$ZC_TMP/kcat.conf" -b "$MAIN" -q -P -t "$t" \
		<"$ZC_TMP/$t.in" || zb_fail "kcat -P with $mech"
	timeout 40 kcat -F "$ZC_TMP/kcat.conf" -b "$MAIN" -q -C -t "$t" \
		-o beginning -e -f '%s\n' | sort >"$ZC_TMP/$t.out" ||
		zb_fail "kcat -C with $mech"
	if sort "$ZC_TMP/$t.in" | cmp -s - "$ZC_TMP/$t.out"; then :
	else zb_fail "kcat $mech: records read back differ"; fi
done
echo "kcat: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN produce/consume ok"

py() { zb_py sasl.py "$@" || zb_fail "sasl.py $*"; }
for mech in SCRAM-SHA-256 SCRAM-SHA-512 PLAIN; do
	py flow kafka-python "$MAIN" "$PROTO" "$mech" alice PW_ALICE kp-$mech
done
py flow confluent "$MAIN" "$PROTO" SCRAM-SHA-512 alice PW_ALICE ck-512
if [ -d "$TB/node_modules/kafkajs" ] && command -v node >/dev/null; then
	(cd "$TB" && ZC_SASL_PW=$PW_ALICE node sasl_kafkajs.js "$MAIN" "$PROTO" \
		SCRAM-SHA-512 alice) || zb_fail "kafkajs SCRAM-SHA-512"
	(cd "$TB" && ZC_SASL_PW=$PW_WRONG ZC_SASL_EXPECT_FAIL="Authentication failed" \
		node sasl_kafkajs.js "$MAIN" "$PROTO" SCRAM-SHA-512 alice) ||
		zb_fail "kafkajs wrong password"
else
	echo "kafkajs: not installed (tests/broker/node_modules), not run"
fi

# Refused: wrong password, unknown user, a mechanism not enabled.
py refused confluent "$MAIN" "$PROTO" SCRAM-SHA-512 alice PW_WRONG \
	"Authentication failed"
py refused confluent "$MAIN" "$PROTO" PLAIN nobody PW_ALICE \
	"Authentication failed"
# kafka-python sends SaslHandshake v0: bare tokens, a failure can only
# close the connection.
py refused kafka-python "$MAIN" "$PROTO" SCRAM-SHA-256 nobody PW_ALICE \
	"NoBrokersAvailable"
py refused kafka-python "$ONLY512" "$PROTO" PLAIN alice PW_ALICE \
	"NoBrokersAvailable"
py refused confluent "$ONLY512" "$PROTO" SCRAM-SHA-256 alice PW_ALICE \
	"SCRAM-SHA-512"
if grep -q "SASL mechanism PLAIN is not enabled on listener ONLY512" "$ZB_LOG" &&
	grep -q "SASL authentication failed on listener MAIN with SCRAM-SHA-512: invalid proof for user alice" "$ZB_LOG" &&
	grep -q "with PLAIN: unknown user for user nobody" "$ZB_LOG"; then :
else zb_fail "failed logins not logged with user and mechanism"; fi

if [ "$PROTO" = SASL_PLAINTEXT ]; then
	py raw "$MAIN" alice PW_ALICE "$DELAY"
	if grep -q "unexpected Metadata request during SASL handshake" "$ZB_LOG"; then :
	else zb_fail "no log line for a request before authentication"; fi
fi

# The credential APIs: refused to alice, served to admin; bob's new
# password works, the old one does not.
py admin "$MAIN" "$PROTO" SCRAM-SHA-512 alice PW_ALICE bob -
py admin "$MAIN" "$PROTO" SCRAM-SHA-512 admin PW_ADMIN bob PW_BOB_NEW
py flow confluent "$MAIN" "$PROTO" SCRAM-SHA-512 bob PW_BOB_NEW ck-bob
py refused confluent "$MAIN" "$PROTO" SCRAM-SHA-512 bob PW_BOB \
	"Authentication failed"
zb_stop
# The alteration is in the store on disk.
"$ZB_BIN" users list --data-dir "$D" >"$ZC_TMP/list" || zb_fail "users list"
if grep -qx 'bob SCRAM-SHA-512 iterations=8192' "$ZC_TMP/list"; then :
else zb_fail "users list after alter: $(cat "$ZC_TMP/list")"; fi
echo "PASS: SASL ($PROTO): kcat, kafka-python, confluent-kafka, kafkajs; refusals; delay; SCRAM credential APIs"
