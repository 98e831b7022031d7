#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# confluent-kafka's AdminClient create_acls / describe_acls / delete_acls
# (confluent-kafka-python 1.9 and later; the library under it, librdkafka,
# is driven directly by rdk_acl.c) against a broker with
# authorizer.enabled=true, the client a super user: bindings created (an
# invalid one refused), listed, deleted. Skipped where the installed
# confluent-kafka has no ACL API. The client side is set as in acl.sh
# (_acl_env.sh).
# timeout: 60
# san: yes
. "$(dirname "$0")/_lib.sh"
zb_need_broker
zb_need_py confluent_kafka
"$PY" -c 'from confluent_kafka.admin import AclBinding' 2>/dev/null ||
	zb_skip "confluent-kafka $("$PY" -c 'import confluent_kafka as c; print(c.version()[0])') has no ACL admin API (1.9 added it)"

. "$(dirname "$0")/_acl_env.sh"

acl_users "$ZC_TMP/data"
zb_start "$ZC_TMP/data" --set authorizer.enabled=true --set "super.users=$WHO" \
	"${BOPTS[@]}"
if zb_py acl_clients.py "$PROPS" "$ZB_ADDR" ck-admin "$WHO"; then :
else zb_fail "confluent-kafka ACL admin calls"; fi
zb_stop
