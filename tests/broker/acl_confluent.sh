#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# confluent-kafka's AdminClient create_acls / describe_acls / delete_acls
# (confluent-kafka-python 1.9 and later; the library under it, librdkafka,
# is driven directly by rdk_acl.c) against a broker with
# authorizer.enabled=true, the client a super user: bindings created (an
# invalid one refused), listed, deleted. Skipped where the installed
# confluent-kafka has no ACL API. The client side is set as in acl.sh
# (ZB_ACL_PRINCIPAL, ZB_ACL_CLIENT_PROPS, ZB_ACL_BROKER_OPTS).
# timeout: 60
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka
"$PY" -c 'from confluent_kafka.admin import AclBinding' 2>/dev/null ||
	zb_skip "confluent-kafka $("$PY" -c 'import confluent_kafka as c; print(c.version()[0])') has no ACL admin API (1.9 added it)"

WHO=${ZB_ACL_PRINCIPAL:-User:ANONYMOUS}
PROPS=$ZC_TMP/client.properties
(umask 077 && printf '%s\n' "${ZB_ACL_CLIENT_PROPS:-security.protocol=PLAINTEXT}" >"$PROPS")
# shellcheck disable=SC2206 # options are words on purpose
BOPTS=(${ZB_ACL_BROKER_OPTS:-})

zb_start "$ZC_TMP/data" --set authorizer.enabled=true --set "super.users=$WHO" \
	"${BOPTS[@]}"
if zb_py acl_clients.py "$PROPS" "$ZB_ADDR" ck-admin "$WHO"; then :
else zb_fail "confluent-kafka ACL admin calls"; fi
zb_stop
