# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# _tls.sh — certificates for the TLS tests, made with the openssl CLI in
# $ZC_TMP/pki (EC P-256 keys: fast):
#   ca.pem                 the test CA (the broker's truststore, the
#                          clients' ssl.ca.location)
#   server.pem             the broker's keystore: key, certificate (SAN
#                          127.0.0.1 and localhost) and the CA, in one file
#   client.pem client.key  a client certificate of the CA (CN=client,O=zc)
#   expired.pem            a keystore whose certificate expired in 2020
#   old.pem old.key        a client certificate of the CA that expired
#   long.pem long.key      a client certificate of the CA whose subject
#                          is longer than a principal may be
#   other-ca.pem           another CA, and other.pem/other.key: a client
#                          certificate it signed (untrusted by the broker)
#
# Source it after _lib.sh, then call tls_make_pki.

PKI=$ZC_TMP/pki

_tls_key()
{
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
}

# _tls_ca NAME SUBJECT: a self-signed CA NAME.pem / NAME.key
_tls_ca()
{
	_tls_key "$PKI/$1.key" &&
		openssl req -x509 -new -key "$PKI/$1.key" -subj "$2" -days 30 \
			-addext basicConstraints=critical,CA:true \
			-addext keyUsage=critical,keyCertSign,cRLSign \
			-out "$PKI/$1.pem" 2>/dev/null
}

# _tls_cert CA NAME SUBJECT EXT START END: NAME.pem / NAME.key signed by CA,
# valid from START to END (YYYYMMDDHHMMSSZ), through `openssl ca`, the one
# command of openssl 3.0 that takes any validity dates.
_tls_cert()
{
	local ca=$1 name=$2 subj=$3 ext=$4 start=$5 end=$6 db=$PKI/db.$1
	mkdir -p "$db"
	[ -f "$db/index.txt" ] || : >"$db/index.txt"
	[ -f "$db/serial" ] || echo 1000 >"$db/serial"
	cat >"$PKI/$name.cnf" <<EOF
[ca]
default_ca = c
[c]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = p
copy_extensions = none
unique_subject = no
[p]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ext]
$ext
EOF
	_tls_key "$PKI/$name.key" &&
		openssl req -new -key "$PKI/$name.key" -subj "$subj" \
			-out "$PKI/$name.csr" 2>/dev/null &&
		openssl ca -batch -config "$PKI/$name.cnf" -cert "$PKI/$ca.pem" \
			-keyfile "$PKI/$ca.key" -in "$PKI/$name.csr" \
			-startdate "$start" -enddate "$end" -extensions ext \
			-notext -out "$PKI/$name.crt" >/dev/null 2>&1
}

tls_make_pki()
{
	local now soon srv
	mkdir -p "$PKI"
	now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
	soon=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
	srv='subjectAltName = IP:127.0.0.1, DNS:localhost
extendedKeyUsage = serverAuth'
	_tls_ca ca "/CN=zc test CA" &&
		_tls_ca other-ca "/CN=another CA" &&
		_tls_cert ca server "/CN=localhost" "$srv" "$now" "$soon" &&
		_tls_cert ca client "/O=zc/CN=client" \
			"extendedKeyUsage = clientAuth" "$now" "$soon" &&
		_tls_cert ca expired "/CN=localhost" "$srv" \
			20200101000000Z 20200201000000Z &&
		_tls_cert ca old "/CN=old" "extendedKeyUsage = clientAuth" \
			20200101000000Z 20200201000000Z &&
		_tls_cert ca long "/O=zc$(printf '/OU=%060d' 1 2 3 4 5)/CN=long" \
			"extendedKeyUsage = clientAuth" "$now" "$soon" &&
		_tls_cert other-ca other "/CN=intruder" \
			"extendedKeyUsage = clientAuth" "$now" "$soon" ||
		zb_fail "openssl could not make the test certificates"
	cat "$PKI/server.key" "$PKI/server.crt" "$PKI/ca.pem" >"$PKI/server.pem"
	cat "$PKI/expired.key" "$PKI/expired.crt" "$PKI/ca.pem" >"$PKI/expired.pem"
	cp "$PKI/client.crt" "$PKI/client.pem"
	cp "$PKI/other.crt" "$PKI/other.pem"
	cp "$PKI/old.crt" "$PKI/old.pem"
	cp "$PKI/long.crt" "$PKI/long.pem"
}

# The broker settings of a TLS listener with this PKI (add more --set).
tls_broker_args()
{
	echo --set "ssl.keystore.location=$PKI/server.pem" \
		--set "ssl.truststore.location=$PKI/ca.pem"
}
