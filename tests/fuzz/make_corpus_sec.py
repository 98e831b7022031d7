#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# make_corpus_sec.py — writes the seed corpora of fuzz_scram, fuzz_acl and
# fuzz_sasl under tests/fuzz/corpus/{scram,acl,sasl}/: whole valid SASL
# exchanges (RFC 7677's SCRAM-SHA-256 example, PLAIN) and broken ones, ACL
# store bodies, and request sequences on a SASL connection. Deterministic; inputs found by fuzzing (crash-*/regress-*) are
# left alone.
#
#   /usr/bin/python3 tests/fuzz/make_corpus_sec.py [OUTDIR]
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")

PLAIN, S256, S512, RFC_NONCE = 0, 1, 2, 4
RFC_FINAL = (b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
             b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
scram = {
    "rfc7677": bytes([S256 | RFC_NONCE]) + b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO\n"
    + RFC_FINAL + b"\nn,,n=user,r=again",
    "sha512-first": bytes([S512]) + b"n,,n=user,r=abcdef,x=ext\n" + RFC_FINAL,
    "escaped-name": bytes([S256]) + b"y,a=a=2Cb,n=a=2Cb=3Dc,r=nonce",
    "mext": bytes([S256]) + b"n,,m=mandatory,n=user,r=abc",
    "cbind": bytes([S512]) + b"p=tls-server-end-point,,n=user,r=abc",
    "tokenauth": bytes([S512]) + b"n,,n=user,r=abc,tokenauth=true",
    "plain-ok": bytes([PLAIN]) + b"\0user\0pencil",
    "plain-authzid": bytes([PLAIN]) + b"user\0user\0pencil\n\0user\0pencil",
    "plain-bad": bytes([PLAIN]) + b"admin\0user\0wrong",
}
acl = {
    "one": b"acl TOPIC LITERAL orders User:alice * READ ALLOW -\n",
    "mixed": b"acl TOPIC PREFIXED app- User:* 10.0.0.1 WRITE DENY -\n"
             b"acl GROUP LITERAL * User:bob * DESCRIBE ALLOW -\n"
             b"acl CLUSTER LITERAL kafka-cluster User:admin * ALL ALLOW -\n"
             b"acl TRANSACTIONAL_ID LITERAL tx%201 User:a%25b * "
             b"IDEMPOTENT_WRITE ALLOW -\n",
    "file": b"zcio-acls 1\nacl TOPIC LITERAL t User:a * READ ALLOW -\n"
            b"sha256 0000000000000000000000000000000000000000000000000000000000000000\n",
    "bad-escape": b"acl TOPIC LITERAL a%0 User:a * READ ALLOW -\n",
    "bad-cluster": b"acl CLUSTER LITERAL other User:a * ALTER ALLOW -\n",
}


def rec(kind, data):
    """One fuzz_sasl record: kind, u16 length, bytes."""
    return bytes([kind]) + len(data).to_bytes(2, "big") + data


def kreq(key, ver, body, flex=False):
    """A request frame's bytes (header v1, or v2 when flex)."""
    h = key.to_bytes(2, "big") + ver.to_bytes(2, "big") + \
        (9).to_bytes(4, "big") + (4).to_bytes(2, "big") + b"fuzz"
    return h + (b"\0" if flex else b"") + body


HS0, HS1, AUTH1, AUTH2, BARE, REQ = 0, 4, 5, 9, 2, 3
PLAIN_OK = b"\0user\0pencil"
DESCRIBE_ALL = kreq(50, 0, b"\0\0", flex=True)
ALTER_DEL = kreq(51, 0, b"\x02\x05user\x01\0\x01\0", flex=True)
METADATA = kreq(3, 1, b"\0\0\0\0")
sasl = {
    "plain-v1": b"\0" + rec(HS1, b"PLAIN") + rec(AUTH1, PLAIN_OK) +
    rec(REQ, DESCRIBE_ALL) + rec(REQ, ALTER_DEL) + rec(HS1, b"PLAIN"),
    "plain-v2": b"\0" + rec(HS1, b"PLAIN") + rec(AUTH2, PLAIN_OK) +
    rec(REQ, METADATA),
    "plain-bare": b"\0" + rec(HS0, b"PLAIN") + rec(BARE, PLAIN_OK) +
    rec(REQ, METADATA),
    "plain-bad": b"\0" + rec(HS1, b"PLAIN") + rec(AUTH1, b"\0user\0x"),
    "bare-bad": b"\0" + rec(HS0, b"PLAIN") + rec(BARE, b"u\0user\0x"),
    "scram-first": b"\0" + rec(HS1, b"SCRAM-SHA-256") +
    rec(AUTH1, b"n,,n=user,r=abcdef") + rec(AUTH1, b"c=biws,r=abcdefX,p=AA=="),
    "scram-bare": b"\0" + rec(HS0, b"SCRAM-SHA-512") +
    rec(BARE, b"n,,n=nobody,r=abc"),
    "not-enabled": b"\4" + rec(HS1, b"PLAIN"),
    "gate": b"\0" + rec(REQ, METADATA),
    "auth-first": b"\0" + rec(AUTH1, PLAIN_OK),
    "two-handshakes": b"\0" + rec(HS1, b"PLAIN") + rec(HS0, b"PLAIN"),
}
for target, seeds in (("scram", scram), ("acl", acl), ("sasl", sasl)):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
