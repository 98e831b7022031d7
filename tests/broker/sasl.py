# SPDX-License-Identifier: MIT
"""sasl.py — the Python halves of sasl.sh. Every client takes the security
protocol as an argument (SASL_PLAINTEXT or SASL_SSL; for SASL_SSL the CA
file in $ZC_TLS_CA), so the same flows run over either.

Passwords come from the environment: PW names a variable (ps(1) would
show a password given as an argument).

  flow CLIENT ADDR PROTO MECH USER PW TOPIC
      CLIENT (confluent | kafka-python) logs in, produces keyed records,
      reads them back in a consumer group and commits; every record checked.
  refused CLIENT ADDR PROTO MECH USER PW EXPECT
      the login fails; the client's error names EXPECT.
  admin ADDR PROTO MECH USER PW TARGET NEWPW
      confluent AdminClient as USER: describe_user_scram_credentials,
      then alter TARGET's SCRAM-SHA-512 password to NEWPW; with NEWPW "-",
      both must be refused (CLUSTER_AUTHORIZATION_FAILED). confluent-kafka
      before 2.2 has no such API: the same requests are then made by hand
      (the salted password computed with hashlib).
  raw ADDR USER PW DELAY_MS
      hand-made frames: requests before authentication close the
      connection; SaslAuthenticate before SaslHandshake is refused; a
      failed login is answered no sooner than DELAY_MS while another
      connection logs in and is served meanwhile.
"""
import os
import struct
import sys
import threading
import time

import _clients
import _kraw
from _kt import check_consumed, check_produced, fail, log, messages

TIMEOUT = 30
N = 200


def ck_conf(addr, proto, mech, user, pw):
    c = {"bootstrap.servers": addr, "security.protocol": proto,
         "sasl.mechanism": mech, "sasl.username": user,
         "sasl.password": pw}
    if proto == "SASL_SSL":
        c["ssl.ca.location"] = os.environ["ZC_TLS_CA"]
    return c


def kp_conf(addr, proto, mech, user, pw):
    c = {"bootstrap_servers": addr, "security_protocol": proto,
         "sasl_mechanism": mech, "sasl_plain_username": user,
         "sasl_plain_password": pw}
    if proto == "SASL_SSL":
        c["ssl_cafile"] = os.environ["ZC_TLS_CA"]
    return c


def flow(client, addr, conf, topic, tag):
    """Produce N keyed records, read them back in a group, commit."""
    c = _clients.client(client, addr, conf)
    msgs = messages(tag, 0, N)
    acked = c.produce(topic, msgs)
    check_produced(msgs, acked)
    group = tag + "-group"
    got = c.consume(group, topic, N, commit=True)
    check_consumed(acked, got)
    want = {}
    for p, o, _, _ in acked:
        want[p] = max(want.get(p, 0), o + 1)
    done = c.committed(group, topic, 3)
    if done != want:
        fail("%s committed %s, expected %s" % (client, done, want))


def refused(client, conf, expect):
    """The login must fail with an error that names `expect`."""
    t0 = time.time()
    if client == "confluent":
        import confluent_kafka as ck
        from confluent_kafka.admin import AdminClient
        errs = []
        conf = dict(conf, error_cb=lambda e: errs.append(str(e)))
        a = AdminClient(conf)
        try:
            a.list_topics(timeout=2)
            fail("confluent: metadata served to a failed login")
        except ck.KafkaException as e:
            errs.append(str(e))
        # error_cb is served from poll.
        end = time.time() + 5
        while time.time() < end and not any(expect in e for e in errs):
            a.poll(0.2)
        text = " | ".join(errs)
    else:
        import kafka
        import kafka.errors as ke
        try:
            kafka.KafkaProducer(**conf).close()
            fail("kafka-python: a producer connected with a failed login")
        except (ke.KafkaError, Exception) as e:
            text = repr(e)
    if expect not in text:
        fail("%s: error %r does not name %s" % (client, text[:400], expect))
    log("%s refused in %.0f ms: %s" % (client, (time.time() - t0) * 1000,
                                       text[:160]))


# ---- KIP-554 by hand (confluent-kafka before 2.2 has no SCRAM admin API) --

def _uv(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def _cstr(b):
    b = b.encode() if isinstance(b, str) else b
    return _uv(len(b) + 1) + b


class _R:
    """A reader of flexible-version fields."""

    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uv(self):
        n = shift = 0
        while True:
            c = self.take(1)[0]
            n |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                return n

    def cstr(self):
        n = self.uv()
        return None if n == 0 else self.take(n - 1).decode()

    def tags(self):
        for _ in range(self.uv()):
            self.uv()
            self.take(self.uv())


def flex_call(s, key, body, corr=91):
    """A v0 flexible request (header v2); the body after header v1."""
    msg = struct.pack(">hhi", key, 0, corr) + _kraw.string("zc-test") + \
        b"\0" + body
    s.sendall(struct.pack(">i", len(msg)) + msg)
    r = _kraw.read_frame(s, timeout=30)
    if not isinstance(r, tuple) or r[0] != corr:
        raise RuntimeError("no answer: %r" % (r,))
    rd = _R(r[1])
    rd.tags()
    return rd


def raw_connect(addr, proto):
    """A raw connection, inside TLS for SASL_SSL (the test CA trusted)."""
    s = _kraw.connect(addr)
    if proto != "SASL_SSL":
        return s
    import ssl
    ctx = ssl.create_default_context(cafile=os.environ["ZC_TLS_CA"])
    return ctx.wrap_socket(s, server_hostname=addr.rsplit(":", 1)[0])


def admin_raw(addr, proto, user, pw, target, newpw):
    """PLAIN login, DescribeUserScramCredentials of target, then (newpw)
    AlterUserScramCredentials with a salted password made here by
    hashlib (RFC 5802 Hi). Returns the error codes seen."""
    import hashlib
    s = raw_connect(addr, proto)
    if handshake(s, "PLAIN") != 0 or authenticate(
            s, b"\0%s\0%s" % (user.encode(), pw.encode()))[0] != 0:
        fail("PLAIN login as %s" % user)
    rd = flex_call(s, 50, _uv(2) + _cstr(target) + b"\0" + b"\0")
    rd.i32()
    top = rd.i16()
    rd.cstr()
    res = {}
    for _ in range(rd.uv() - 1):
        u, e = rd.cstr(), rd.i16()
        rd.cstr()
        infos = [(rd.i8(), rd.i32(), rd.tags())[:2]
                 for _ in range(rd.uv() - 1)]
        rd.tags()
        res[u] = (e, infos)
    salt = os.urandom(24)
    sp = hashlib.pbkdf2_hmac("sha512", newpw.encode(), salt, 8192)
    body = _uv(1) + _uv(2) + _cstr(target) + struct.pack(">bi", 2, 8192) + \
        _cstr(salt) + _cstr(sp) + b"\0" + b"\0"
    rd = flex_call(s, 51, body, corr=92)
    rd.i32()
    alt = {}
    for _ in range(rd.uv() - 1):
        u, e = rd.cstr(), rd.i16()
        rd.cstr()
        rd.tags()
        alt[u] = e
    return top, res, alt


def admin(conf, target, newpw):
    import confluent_kafka.admin as cka
    if not hasattr(cka, "ScramMechanism"):
        addr, user, pw = conf["bootstrap.servers"], conf["sasl.username"], \
            conf["sasl.password"]
        top, res, alt = admin_raw(addr, conf["security.protocol"], user, pw,
                                  target,
                                  newpw if newpw != "-" else "whatever")
        log("confluent-kafka %s has no SCRAM admin API: by hand: describe "
            "%s, %s; alter %s" % (getattr(__import__("confluent_kafka"),
                                          "__version__", "?"), top, res, alt))
        if newpw == "-":
            if top != 31 or res.get(target, (0,))[0] != 31 or \
                    alt.get(target) != 31:
                fail("not refused to %s: %s %s %s" % (user, top, res, alt))
        elif top != 0 or res.get(target, (1,))[0] != 0 or \
                (2, 4096) not in res[target][1] or alt.get(target) != 0:
            fail("describe/alter as %s: %s %s %s" % (user, top, res, alt))
        return
    import confluent_kafka as ck
    from confluent_kafka.admin import (AdminClient, ScramMechanism,
                                       ScramCredentialInfo,
                                       UserScramCredentialUpsertion)
    a = AdminClient(conf)
    fs = a.describe_user_scram_credentials([target], request_timeout=15)
    try:
        desc = fs.result() if hasattr(fs, "result") else \
            {u: f.result() for u, f in fs.items()}
        if newpw == "-":
            fail("describe served to a user not in super.users: %s" % desc)
    except ck.KafkaException as e:
        if newpw == "-":
            if "CLUSTER_AUTHORIZATION_FAILED" not in str(e) and \
                    "authoriz" not in str(e).lower():
                fail("describe refused with %s" % e)
        else:
            fail("describe: %s" % e)
    if newpw != "-":
        d = desc[target]
        mechs = sorted(ci.mechanism for ci in d.scram_credential_infos)
        if ScramMechanism.SCRAM_SHA_512 not in mechs:
            fail("describe %s: %s" % (target, d))
        log("describe %s: %s" % (target, [(str(ci.mechanism), ci.iterations)
                                          for ci in
                                          d.scram_credential_infos]))
    up = UserScramCredentialUpsertion(
        target, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
        (newpw if newpw != "-" else "whatever").encode())
    fs = a.alter_user_scram_credentials([up], request_timeout=15)
    try:
        fs[target].result()
        if newpw == "-":
            fail("alter served to a user not in super.users")
    except ck.KafkaException as e:
        if newpw != "-":
            fail("alter: %s" % e)
        if "CLUSTER_AUTHORIZATION_FAILED" not in str(e) and \
                "authoriz" not in str(e).lower():
            fail("alter refused with %s" % e)
    log("admin as %s: %s" % (conf["sasl.username"],
                             "refused" if newpw == "-" else "altered"))


# ---- hand-made frames -------------------------------------------------------

def call(s, key, ver, body, corr=77):
    """One request, its response body (a correlation id of our own: two
    threads use this)."""
    s.sendall(_kraw.request(key, ver, corr, body))
    r = _kraw.read_frame(s, timeout=30)
    if not isinstance(r, tuple) or r[0] != corr:
        raise RuntimeError("no answer to request %d: %r" % (corr, r))
    return r[1]


def handshake(s, mech, ver=1):
    body = call(s, 17, ver, _kraw.string(mech))
    (err,) = struct.unpack(">h", body[:2])
    return err


def authenticate(s, token):
    """SaslAuthenticate v1: (error, message)."""
    body = call(s, 36, 1, struct.pack(">i", len(token)) + token)
    (err,) = struct.unpack(">h", body[:2])
    (ml,) = struct.unpack(">h", body[2:4])
    return err, body[4:4 + ml].decode() if ml > 0 else None


def raw(addr, user, pw, delay_ms):
    # Metadata before authentication: closed, no answer.
    s = _kraw.connect(addr)
    s.sendall(_kraw.request(3, 1, 7, _kraw.metadata_v1([])))
    if _kraw.read_frame(s) != "closed":
        fail("Metadata before authentication was not closed")
    # ApiVersions is served, then Produce closes.
    s = _kraw.connect(addr)
    call(s, 18, 0, b"")
    s.sendall(_kraw.request(0, 3, 8, _kraw.produce_v3("t", 0, _kraw.batch([b"x"]))))
    if _kraw.read_frame(s) != "closed":
        fail("Produce before authentication was not closed")
    # SaslAuthenticate first: ILLEGAL_SASL_STATE, then closed.
    s = _kraw.connect(addr)
    err, msg = authenticate(s, b"\0%s\0%s" % (user.encode(), pw.encode()))
    if err != 34 or not _kraw.wait_closed(s):
        fail("SaslAuthenticate before SaslHandshake: error %d" % err)
    # A second handshake: ILLEGAL_SASL_STATE.
    s = _kraw.connect(addr)
    if handshake(s, "PLAIN") != 0 or handshake(s, "PLAIN") != 34:
        fail("a second SaslHandshake was not ILLEGAL_SASL_STATE")
    # The delay, without stalling another connection.
    bad = _kraw.connect(addr)
    if handshake(bad, "PLAIN") != 0:
        fail("handshake PLAIN")
    tok = b"\0%s\0wrong-password" % user.encode()
    other = {}

    def login_meanwhile():
        time.sleep(0.005)
        t = time.time()
        s = _kraw.connect(addr)
        ok = handshake(s, "PLAIN") == 0 and authenticate(
            s, b"\0%s\0%s" % (user.encode(), pw.encode()))[0] == 0
        call(s, 3, 1, _kraw.metadata_v1([]))
        other["ok"] = ok
        other["ms"] = (time.time() - t) * 1000
        other["done"] = time.time()

    th = threading.Thread(target=login_meanwhile)
    t0 = time.time()
    th.start()
    err, msg = authenticate(bad, tok)
    took = (time.time() - t0) * 1000
    th.join()
    if err != 58 or not msg:
        fail("wrong password: error %d message %r" % (err, msg))
    if took < delay_ms:
        fail("failed login answered after %.0f ms < %d ms" % (took, delay_ms))
    if not _kraw.wait_closed(bad):
        fail("the connection stayed open after a failed login")
    if not other.get("ok") or other["done"] > t0 + took / 1000:
        fail("the other connection was stalled: %s (failure after %.0f ms)"
             % (other, took))
    log("failed login answered after %.0f ms (delay %d ms, message %r); "
        "another login + Metadata took %.0f ms meanwhile"
        % (took, delay_ms, msg, other["ms"]))


def main(a):
    cmd = a[0]
    if cmd == "flow":
        client, addr, proto, mech, user, pw, topic = a[1:8]
        pw = os.environ[pw]
        tag = "%s-%s-%s" % (client, mech.lower(), user)
        conf = (ck_conf if client == "confluent" else kp_conf)(
            addr, proto, mech, user, pw)
        conf.pop("bootstrap.servers", None)
        conf.pop("bootstrap_servers", None)
        flow(client, addr, conf, topic, tag)
        log("%s %s: %d records produced, consumed in a group, committed"
            % (client, mech, N))
    elif cmd == "refused":
        client, addr, proto, mech, user, pw, expect = a[1:8]
        pw = os.environ[pw]
        conf = (ck_conf if client == "confluent" else kp_conf)(
            addr, proto, mech, user, pw)
        refused(client, conf, expect)
    elif cmd == "admin":
        addr, proto, mech, user, pw, target, newpw = a[1:8]
        pw = os.environ[pw]
        newpw = os.environ.get(newpw, "-")
        admin(ck_conf(addr, proto, mech, user, pw), target, newpw)
    elif cmd == "raw":
        raw(a[1], a[2], os.environ[a[3]], int(a[4]))
    else:
        fail("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
