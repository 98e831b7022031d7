# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# _acl_env.sh — the client side of the ACL scenarios (acl.sh,
# acl_confluent.sh) in a few variables, so the same scenarios run over
# PLAINTEXT (the defaults) or SASL:
#   ZB_ACL_PRINCIPAL     who the clients are (default User:ANONYMOUS)
#   ZB_ACL_CLIENT_PROPS  librdkafka client properties, one NAME=VALUE a line
#                        (kcat -F; acl_clients.py maps them for kafka-python)
#   ZB_ACL_BROKER_OPTS   broker options for the listener (word-split), e.g.
#                        --set listeners=SASL_PLAINTEXT://127.0.0.1:0
#   ZB_ACL_USERS         SCRAM users to add to the data directory first,
#                        "NAME PASSWORD" a line (given to `zcbroker users
#                        add` on stdin, never as an argument)
# Sets WHO, PROPS (the properties file, mode 600) and BOPTS; acl_users DIR
# adds the users.

WHO=${ZB_ACL_PRINCIPAL:-User:ANONYMOUS}
PROPS=$ZC_TMP/client.properties
(umask 077 && printf '%s\n' "${ZB_ACL_CLIENT_PROPS:-security.protocol=PLAINTEXT}" >"$PROPS")
# shellcheck disable=SC2206 # options are words on purpose
BOPTS=(${ZB_ACL_BROKER_OPTS:-})

acl_users()
{
	local u pw
	mkdir -p "$1"
	while read -r u pw; do
		[ -n "$u" ] || continue
		printf '%s\n' "$pw" | "$ZB_BIN" users add --data-dir "$1" "$u" \
			>/dev/null || zb_fail "zcbroker users add $u"
	done <<<"${ZB_ACL_USERS:-}"
}
