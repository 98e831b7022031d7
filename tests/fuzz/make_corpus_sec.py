#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# make_corpus_sec.py — writes the seed corpora of fuzz_scram and fuzz_acl
# under tests/fuzz/corpus/{scram,acl}/: whole valid SASL exchanges (RFC
# 7677's SCRAM-SHA-256 example, PLAIN) and broken ones, and ACL store
# bodies. Deterministic; inputs found by fuzzing (crash-*/regress-*) are
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
for target, seeds in (("scram", scram), ("acl", acl)):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)
