#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# An idempotent producer (confluent-kafka, enable.idempotence=true, retries
# on) outlives a broker crash: the broker is killed with SIGKILL under load
# and comes back on the same port and data while the producer retries what
# was in flight. Every record must end up acknowledged and stored exactly
# once (durability.py idem-produce / idem-verify): like Kafka, the broker
# rebuilds each producer's last sequence numbers from the log tail when it
# starts (producers_rebuild in broker/proto/producers.c).
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

data=$ZC_TMP/data
opts=(--set num.partitions=2 --set log.flush.interval.messages=1
	--set log.segment.bytes=262144)
zb_start "$data" "${opts[@]}"
port=$ZB_PORT
acks=$ZC_TMP/acks.idem
: >"$acks"
zb_py durability.py idem-produce "$ZB_ADDR" idem "$acks" \
	>"$ZC_TMP/producer.log" 2>&1 &
prod=$!
for ((i = 0; i < 300; i++)); do
	[ "$(wc -l <"$acks")" -ge 2000 ] && break
	sleep 0.05
done
zb_kill
sleep 0.5
ZB_LISTEN=127.0.0.1:$port zb_start "$data" "${opts[@]}"
wait $prod || {
	tail -n 5 "$ZC_TMP/producer.log"
	zb_fail "the idempotent producer did not get every record acknowledged"
}
if ! zb_py durability.py idem-verify "$ZB_ADDR" idem "$acks" >"$ZC_TMP/verify.log"; then
	cat "$ZC_TMP/verify.log"
	zb_fail "idempotent producer across a crash: records lost or stored twice"
fi
cat "$ZC_TMP/verify.log"
zb_stop
echo "PASS: idempotent producer across a crash: every record once"
