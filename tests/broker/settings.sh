#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Broker settings seen through a client (settings.py): message.max.bytes
# refuses an oversized batch, auto.create.topics.enable=false leaves unknown
# topics unknown (and creates no directory), ListOffsets by time, and
# log.retention.ms deletes closed segments of old records. The settings come
# from a Kafka-style properties file (--config), with comments and settings
# that do not apply here; bad values on the command line are refused.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka

for bad in zc.fetch.method=bogus num.partitions=abc log.segment.bytes=-5 \
	no.such.setting=1; do
	"$ZB_BIN" --listen 127.0.0.1:0 --data-dir "$ZC_TMP/bad" --set "$bad" \
		>"$ZC_TMP/bad.out" 2>&1 </dev/null &
	zb_wait_pid $! "$ZB_WAIT" || zb_fail "--set $bad: still running"
	[ "$ZB_RC" -ne 0 ] && grep -q "${bad%%=*}" "$ZC_TMP/bad.out" ||
		zb_fail "--set $bad: exit $ZB_RC, message: $(head -n 1 "$ZC_TMP/bad.out")"
done

data=$ZC_TMP/data
cat >"$ZC_TMP/server.properties" <<'PROPS'
# as in a Kafka server.properties
broker.id=0
message.max.bytes=50000
! a comment of the other kind
auto.create.topics.enable=false
log.segment.bytes=8192
log.retention.ms=3600000
zookeeper.connect=localhost:2181
PROPS
zb_start "$data" --config "$ZC_TMP/server.properties"
zb_py settings.py "$ZB_ADDR" || zb_fail "settings.py"
[ -e "$data/nope-0" ] && zb_fail "auto.create.topics.enable=false, yet $data/nope-0 exists"
zb_stop
echo "PASS: message.max.bytes, auto.create.topics.enable, log.retention.ms"
