#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# confluent-kafka-python and kafka-python over mutual TLS
# (ssl.client.auth=required, the CA's client certificate): the first half
# of group_flow.py for each, on a broker of its own with one SSL listener:
# an admin client creates a 4-partition topic, keyed records are produced
# plain and gzip-compressed, a consumer group reads part of them and
# commits, and the commits read back; then the broker restarts and the
# second half resumes the group after its commits (every record checked).
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd openssl
zb_need_py confluent_kafka kafka

tls_make_pki
export ZC_SSL_CA=$PKI/ca.pem ZC_SSL_CERT=$PKI/client.pem ZC_SSL_KEY=$PKI/client.key

# half CLIENT before|after: a broker on the client's data, one half.
half()
{
	# shellcheck disable=SC2046
	zb_start "$ZC_TMP/data-$1" $(tls_broker_args) \
		--set listeners=SSL://127.0.0.1:0 --set ssl.client.auth=required
	if zb_py group_flow.py "$1" "$ZB_ADDR" "$ZC_TMP/$1.json" "$2"; then
		echo "ok: $1 over mutual TLS, $2 the restart"
	else
		zb_fail "$1 over mutual TLS, $2 the restart"
	fi
	zb_stop
}

for cl in confluent kafka-python; do
	half "$cl" before
	if grep -q 'listener SSL (SSL): fetch bytes sendfile 0, kTLS-sendfile [0-9]*, SSL_write [1-9]' "$ZB_LOG" ||
		grep -q 'listener SSL (SSL): fetch bytes sendfile 0, kTLS-sendfile [1-9]' "$ZB_LOG"; then
		echo "ok: $cl fetched over TLS: $(grep 'fetch bytes' "$ZB_LOG" | sed 's/^zcbroker: //')"
	else
		zb_fail "$cl: no fetch bytes through TLS at stop"
	fi
	half "$cl" after
done
echo "PASS: confluent-kafka and kafka-python over mutual TLS"
