#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A TLS listener whose settings cannot work stops the start: the broker
# exits 1 before serving, with the reason in its log, and listens on
# nothing. Each case against a good configuration that starts:
#  - an expired server certificate;
#  - a key that does not match the certificate;
#  - an unknown cipher suite;
#  - no keystore at all, and a keystore file that does not exist;
#  - ssl.client.auth=required without a truststore.
# timeout: 60
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd openssl

tls_make_pki
cat "$PKI/client.key" "$PKI/server.crt" >"$PKI/mismatch.pem"

# refuses WHY-PATTERN SETTINGS...: the broker must exit 1 before serving.
refuses()
{
	local pat=$1 log=$ZC_TMP/refused.log rc
	shift
	timeout 30 "$ZB_BIN" --data-dir "$ZC_TMP/data" \
		--set listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0 "$@" \
		>"$log" 2>&1 </dev/null
	rc=$?
	if [ $rc != 1 ]; then
		cat "$log"
		zb_fail "zcbroker $* exited $rc, expected 1"
	fi
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		cat "$log"
		zb_fail "sanitizer report from zcbroker $*"
	fi
	if grep -q 'serving data' "$log"; then
		zb_fail "zcbroker $* served before refusing"
	fi
	if grep -q "listener SSL (SSL): .*$pat" "$log"; then
		echo "ok: refused: $(grep -m 1 "listener SSL (SSL): " "$log" | sed 's/^zcbroker: //')"
	else
		cat "$log"
		zb_fail "zcbroker $*: no line saying '$pat'"
	fi
}

ks="--set ssl.keystore.location=$PKI/server.pem"
# shellcheck disable=SC2086
{
refuses "certificate expired" --set "ssl.keystore.location=$PKI/expired.pem"
refuses "key values mismatch" --set "ssl.keystore.location=$PKI/mismatch.pem"
refuses "ssl.cipher.suites: TLS_NO_SUCH_CIPHER: unknown" $ks \
	--set ssl.cipher.suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_NO_SUCH_CIPHER
refuses "no keystore"
refuses "$PKI/nowhere.pem" --set "ssl.keystore.location=$PKI/nowhere.pem"
refuses "needs ssl.truststore.location" $ks --set ssl.client.auth=required
}

# The same broker with good settings starts and serves both listeners.
# shellcheck disable=SC2046
zb_start "$ZC_TMP/data" $(tls_broker_args) \
	--set listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0 \
	--set ssl.cipher.suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256
zb_ports
if [ -n "${ZB_PORTS[SSL]:-}" ] && [ -n "${ZB_PORTS[PLAINTEXT]:-}" ]; then
	echo "ok: good settings start both listeners"
else
	zb_fail "listeners: ${!ZB_PORTS[*]}"
fi
zb_stop
echo "PASS: bad TLS settings stop the start with the reason"
