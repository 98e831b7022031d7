#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Zero copy under TLS: where the kernel has the TLS ULP (tls(7)) OpenSSL
# hands the send keys to the kernel and fetches keep sending segment
# slices with sendfile(2), encrypted by the kernel. kcat produces and
# consumes over SSL (every byte compared) and the fetch accounting at stop
# must show the file bytes on the kTLS-sendfile path.
#
# Where setsockopt(TCP_ULP, "tls") fails (no tls module) the test checks
# that the broker's start line gives the same reason for using SSL_write,
# and skips, saying why.
# timeout: 90
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd kcat openssl

tls_make_pki
ulp_err=$(zb_py tls_probe.py ulp)
ulp=$?
# shellcheck disable=SC2046
zb_start "$ZC_TMP/data" $(tls_broker_args) --set listeners=SSL://127.0.0.1:0
line=$(grep 'listener SSL (SSL): fetches send file bytes' "$ZB_LOG" | sed 's/^zcbroker: //')
echo "probe: ${ulp_err:-TCP_ULP tls works}"
echo "broker: $line"
if [ $ulp != 0 ]; then
	if grep -q 'through SSL_write .*the kernel has no TLS ULP' <<<"$line"; then
		zb_stop
		zb_skip "no kernel TLS here ($ulp_err): fetches over TLS use SSL_write, as the broker says"
	fi
	zb_fail "the kernel has no TLS ULP, but the broker says: $line"
fi
grep -q 'kTLS-sendfile' <<<"$line" ||
	zb_fail "the kernel has the TLS ULP, but the broker says: $line"

ks() { timeout 60 kcat -q -b "$ZB_ADDR" -X security.protocol=ssl -X "ssl.ca.location=$PKI/ca.pem" "$@"; }
seq -f 'ktls record %.0f' 1 100000 >"$ZC_TMP/lines"
ks -P -t k -z none <"$ZC_TMP/lines" || zb_fail "kcat -P over SSL: exit $?"
ks -C -t k -o beginning -e >"$ZC_TMP/got" || zb_fail "kcat -C over SSL: exit $?"
cmp -s "$ZC_TMP/lines" "$ZC_TMP/got" || zb_fail "kcat over kernel TLS: bytes differ"
echo "ok: kcat over SSL with kernel TLS: every byte back"
zb_stop
size=$(stat -c %s "$ZC_TMP"/data/k-0/*.log | awk '{ s += $1 } END { print s }')
acc=$(grep 'listener SSL (SSL): fetch bytes' "$ZB_LOG" | sed 's/^zcbroker: //')
echo "$acc (partition $size bytes)"
kt=$(sed -n 's/.*kTLS-sendfile \([0-9]*\),.*/\1/p' <<<"$acc")
if [ "${kt:-0}" -ge "$size" ]; then
	echo "PASS: fetches over TLS sent file bytes with sendfile on kernel TLS"
else
	zb_fail "kTLS-sendfile carried ${kt:-0} of $size bytes"
fi
