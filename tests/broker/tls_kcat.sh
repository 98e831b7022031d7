#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# TLS listeners with real clients. One broker with a PLAINTEXT, an SSL and
# a SASL_SSL listener (certificates from _tls.sh):
#  - kcat (librdkafka) produces ~6 MiB over SSL and consumes it back over
#    SSL and over PLAINTEXT, every byte compared;
#  - one Fetch of the whole partition through a small receive buffer read
#    late (the broker's SSL_write waits and resumes), every record compared;
#  - many requests in as many TLS records sent at once (records OpenSSL
#    read ahead raise no epoll event) are all answered;
#  - Metadata over each listener advertises that listener's port;
#  - kcat and a raw client speaking plaintext to the SSL port are refused
#    with a log line naming the peer and OpenSSL's reason, and the broker
#    serves on;
#  - the SASL_SSL listener carries TLS too (ApiVersions over TLS);
#  - at stop, the fetch accounting: the SSL listener sent its file bytes
#    through SSL_write (this kernel has no TLS ULP, the start line says
#    so) and PLAINTEXT through sendfile, each at least the partition size
#    per consumer that read it.
# timeout: 180
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_tls.sh"
zb_need_broker
zb_need_cmd kcat openssl
zb_need_py ssl

tls_make_pki
# shellcheck disable=SC2046
zb_start "$ZC_TMP/data" $(tls_broker_args) \
	--set listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0
zb_ports
PL=127.0.0.1:${ZB_PORTS[PLAINTEXT]}
SSL=127.0.0.1:${ZB_PORTS[SSL]}
SASL=127.0.0.1:${ZB_PORTS[SASL_SSL]}
ktls_line=$(grep 'listener SSL (SSL): fetches send file bytes' "$ZB_LOG")
[ -n "$ktls_line" ] || zb_fail "no line saying how listener SSL sends fetches"
echo "start: ${ktls_line#*zcbroker: }"

kc() { timeout 60 kcat -q "$@"; }
kssl() { kc -b "$SSL" -X security.protocol=ssl -X "ssl.ca.location=$PKI/ca.pem" "$@"; }

# ~6 MiB of distinct lines (no compression: the probe reads raw batches).
$PY - "$ZC_TMP/lines" <<'EOF'
import hashlib, sys
with open(sys.argv[1], "w") as f:
    for i in range(24000):
        h = hashlib.sha256(str(i).encode()).hexdigest()
        f.write("%07d %s\n" % (i, h * 4))
EOF
kssl -P -t big -z none <"$ZC_TMP/lines" || zb_fail "kcat -P over SSL: exit $?"

kssl -C -t big -o beginning -e >"$ZC_TMP/ssl.got" ||
	zb_fail "kcat -C over SSL: exit $?"
if cmp -s "$ZC_TMP/lines" "$ZC_TMP/ssl.got"; then
	echo "ok: kcat consumed over SSL every byte it produced over SSL"
else
	zb_fail "kcat over SSL: consumed $(wc -c <"$ZC_TMP/ssl.got") bytes, differ"
fi
kc -b "$PL" -C -t big -o beginning -e >"$ZC_TMP/pl.got" ||
	zb_fail "kcat -C over PLAINTEXT: exit $?"
if cmp -s "$ZC_TMP/lines" "$ZC_TMP/pl.got"; then
	echo "ok: the same bytes over PLAINTEXT"
else
	zb_fail "kcat over PLAINTEXT: the bytes differ"
fi

if zb_py tls_probe.py data "$SSL" "$PKI/ca.pem" big "$ZC_TMP/lines"; then
	echo "ok: one large Fetch through a slow reader"
else
	zb_fail "the large Fetch over SSL"
fi
if zb_py tls_probe.py pipeline "$SSL" "$PKI/ca.pem" 200; then
	echo "ok: pipelined requests, one TLS record each"
else
	zb_fail "pipelined requests over SSL"
fi

# Metadata advertises the listener the client came in on.
for l in PLAINTEXT SSL; do
	if [ $l = SSL ]; then
		md=$(kssl -L -t big) || zb_fail "kcat -L over SSL: exit $?"
	else
		md=$(kc -b "$PL" -L -t big) || zb_fail "kcat -L: exit $?"
	fi
	if grep -q "broker 1 at 127.0.0.1:${ZB_PORTS[$l]}" <<<"$md"; then
		echo "ok: Metadata over $l advertises port ${ZB_PORTS[$l]}"
	else
		zb_fail "Metadata over $l: $md"
	fi
done

# Plaintext to the TLS port: refused, logged, the broker serves on.
before=$(grep -c 'TLS handshake failed' "$ZB_LOG")
if timeout 30 kcat -q -b "$SSL" -L -m 3 >/dev/null 2>&1; then
	zb_fail "kcat in plaintext got metadata from the SSL port"
fi
if zb_py tls_probe.py plain "$SSL"; then
	echo "ok: a plaintext request on the SSL port is not answered"
else
	zb_fail "plaintext on the SSL port"
fi
sleep 0.3
n=$(grep -c 'TLS handshake failed on listener SSL: .*wrong version number' "$ZB_LOG")
if [ $((n - before)) -ge 2 ] &&
	grep -q '127.0.0.1:[0-9]*: TLS handshake failed on listener SSL' "$ZB_LOG"; then
	echo "ok: $((n - before)) plaintext clients logged with peer and reason"
else
	zb_fail "expected log lines for the plaintext clients, found $((n - before))"
fi
kssl -L -t big >/dev/null || zb_fail "kcat over SSL after the refusals: exit $?"

# SASL_SSL: the TLS transport works (SASL itself is not this test's).
if zb_py tls_probe.py pipeline "$SASL" "$PKI/ca.pem" 3; then
	echo "ok: ApiVersions over TLS on the SASL_SSL listener"
else
	zb_fail "TLS on the SASL_SSL listener"
fi

zb_alive || zb_fail "zcbroker died"
zb_stop
size=$(stat -c %s "$ZC_TMP"/data/big-0/*.log | awk '{ s += $1 } END { print s }')
# shellcheck disable=SC2207
ssl=($(sed -n 's/.*listener SSL (SSL): fetch bytes sendfile \([0-9]*\), kTLS-sendfile \([0-9]*\), SSL_write \([0-9]*\)$/\1 \2 \3/p' "$ZB_LOG"))
# shellcheck disable=SC2207
pl=($(sed -n 's/.*listener PLAINTEXT (PLAINTEXT): fetch bytes sendfile \([0-9]*\), kTLS-sendfile \([0-9]*\), SSL_write \([0-9]*\)$/\1 \2 \3/p' "$ZB_LOG"))
[ ${#ssl[@]} = 3 ] && [ ${#pl[@]} = 3 ] ||
	zb_fail "no fetch accounting lines at stop"
echo "fetch bytes: partition $size; SSL: sendfile ${ssl[0]} kTLS ${ssl[1]} SSL_write ${ssl[2]}; PLAINTEXT: sendfile ${pl[0]} SSL_write ${pl[2]}"
if [ "${pl[0]}" -ge "$size" ] && [ "${pl[1]}" = 0 ] && [ "${pl[2]}" = 0 ]; then
	echo "ok: PLAINTEXT fetches went through sendfile"
else
	zb_fail "PLAINTEXT accounting ${pl[*]} (partition $size bytes)"
fi
if grep -q 'through SSL_write' <<<"$ktls_line"; then
	# kcat and the probe each read the whole partition.
	if [ "${ssl[0]}" = 0 ] && [ "${ssl[1]}" = 0 ] &&
		[ "${ssl[2]}" -ge $((2 * size)) ]; then
		echo "ok: SSL fetches went through SSL_write, as the start line said"
	else
		zb_fail "SSL accounting ${ssl[*]} (partition $size bytes)"
	fi
else
	if [ "${ssl[0]}" = 0 ] && [ $((ssl[1] + ssl[2])) -ge $((2 * size)) ]; then
		echo "ok: SSL fetches: kTLS ${ssl[1]}, SSL_write ${ssl[2]}"
	else
		zb_fail "SSL accounting ${ssl[*]} (partition $size bytes)"
	fi
fi
echo "PASS: kcat over SSL and PLAINTEXT, large and pipelined TLS, metadata per listener, plaintext refused, SASL_SSL transport, fetch accounting"
