#!/usr/bin/env bash
# serial: yes
# SPDX-License-Identifier: MIT
#
# Mutual TLS (ssl.client.auth=required) with kcat, and what a TLS listener
# refuses. One broker, one SSL listener:
#  - kcat with the CA's client certificate produces and consumes, every
#    byte compared; the connection's principal is User:CN=client,O=zc
#    (Kafka's name for the certificate's subject);
#  - kcat without a certificate, with one from another CA and with an
#    expired one is refused: each costs its connection and a log line with
#    the peer and OpenSSL's reason; so is a certificate whose subject is
#    longer than a principal may be;
#  - a client that stops half way through its ClientHello does not hold
#    up another, and is closed after zc.ssl.handshake.timeout.ms with a
#    log line.
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd kcat openssl
zb_need_py ssl

tls_make_pki
# shellcheck disable=SC2046
ZCBROKER_DEBUG=1 zb_start "$ZC_TMP/data" $(tls_broker_args) \
	--set listeners=SSL://127.0.0.1:0 --set ssl.client.auth=required \
	--set zc.ssl.handshake.timeout.ms=3000
SSL=$ZB_ADDR

# kmtls CERT KEY kcat-args...: kcat over SSL with that client certificate.
kmtls()
{
	local cert=$1 key=$2
	shift 2
	timeout 60 kcat -q -b "$SSL" -X security.protocol=ssl \
		-X "ssl.ca.location=$PKI/ca.pem" ${cert:+-X ssl.certificate.location=$cert} \
		${key:+-X ssl.key.location=$key} "$@"
}

seq -f 'mtls record %.0f' 1 5000 >"$ZC_TMP/lines"
kmtls "$PKI/client.pem" "$PKI/client.key" -P -t m <"$ZC_TMP/lines" ||
	zb_fail "kcat -P with a client certificate: exit $?"
kmtls "$PKI/client.pem" "$PKI/client.key" -C -t m -o beginning -e \
	>"$ZC_TMP/got" || zb_fail "kcat -C with a client certificate: exit $?"
if cmp -s "$ZC_TMP/lines" "$ZC_TMP/got"; then
	echo "ok: mutual TLS: kcat produced and consumed every byte"
else
	zb_fail "mutual TLS: consumed bytes differ"
fi
# The subject as openssl prints it in RFC 2253 form (the oracle), and as
# Kafka would name it.
dn=$(openssl x509 -in "$PKI/client.pem" -noout -subject -nameopt RFC2253)
dn=${dn#subject=}
[ "$dn" = "CN=client,O=zc" ] || zb_fail "openssl names the client $dn"
if grep -q "TLSv1.3 [^,]*, User:$dn, fetch via" "$ZB_LOG"; then
	echo "ok: the principal is User:$dn"
else
	zb_fail "no connection with principal User:$dn in the log"
fi

# refused WHAT PATTERN kcat-cert-args: kcat gets nothing, the log says why.
refused()
{
	local what=$1 pat=$2 before n
	shift 2
	before=$(grep -c "TLS handshake failed on listener SSL: .*$pat" "$ZB_LOG")
	if kmtls "$@" -L -m 3 >/dev/null 2>&1; then
		zb_fail "kcat $what got metadata"
	fi
	sleep 0.3
	n=$(grep -c "TLS handshake failed on listener SSL: .*$pat" "$ZB_LOG")
	if [ "$n" -gt "$before" ]; then
		echo "ok: kcat $what refused: $(grep -m 1 "TLS handshake failed on listener SSL: .*$pat" "$ZB_LOG" | sed 's/^zcbroker: //')"
	else
		zb_fail "kcat $what: no log line matching '$pat'"
	fi
}
refused "without a certificate" "peer did not return a certificate" "" ""
refused "with another CA's certificate" \
	"certificate verify failed (client certificate: unable to get local issuer certificate)" \
	"$PKI/other.pem" "$PKI/other.key"
refused "with an expired certificate" \
	"certificate verify failed (client certificate: certificate has expired)" \
	"$PKI/old.pem" "$PKI/old.key"

# A subject too long for a principal is refused, never cut short.
before=$(grep -c "subject is longer than a principal may be" "$ZB_LOG")
if kmtls "$PKI/long.pem" "$PKI/long.key" -L -m 3 >/dev/null 2>&1; then
	zb_fail "kcat with a 300-byte subject got metadata"
fi
sleep 0.3
if [ "$(grep -c "subject is longer than a principal may be" "$ZB_LOG")" -gt "$before" ]; then
	echo "ok: a client certificate whose subject is too long is refused"
else
	zb_fail "no log line for the too long subject"
fi

if zb_py tls_probe.py stall "$SSL" "$PKI/ca.pem" 3 "$PKI/client.pem" "$PKI/client.key"; then
	echo "ok: a stalled handshake held up nobody and was closed"
else
	zb_fail "stalled handshake"
fi
if grep -q '127.0.0.1:[0-9]*: TLS handshake not finished within 3000 ms (zc.ssl.handshake.timeout.ms), closing' "$ZB_LOG"; then
	echo "ok: the stalled handshake was logged"
else
	zb_fail "no log line for the stalled handshake"
fi
kmtls "$PKI/client.pem" "$PKI/client.key" -L >/dev/null ||
	zb_fail "kcat after the refusals: exit $?"
zb_alive || zb_fail "zcbroker died"
zb_stop
echo "PASS: mutual TLS with kcat; missing, untrusted, expired certificates and a stalled handshake refused and logged"
