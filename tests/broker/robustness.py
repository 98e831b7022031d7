# SPDX-License-Identifier: MIT
"""robustness.py ADDR — bad input on raw sockets. Each case gets its own
connection; the broker must close it or answer it with a well-formed frame
carrying the request's correlation id, never hang on it, never crash, and
keep serving other connections meanwhile. Ends with a produce and a fetch
over raw frames whose bytes are compared.
"""
import random
import socket
import struct
import sys
import time

from _kraw import (batch, connect, fetch_v4, join_group_v2, metadata_v1,
                   produce_v3, read_frame, request, string, wait_closed)
from _kt import fail, log

ADDR = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"


def api_versions_ok(what):
    """A fresh connection still gets a correct ApiVersions v0 answer."""
    s = connect(ADDR)
    s.sendall(request(18, 0, 4242))
    r = read_frame(s)
    s.close()
    if not isinstance(r, tuple) or r[0] != 4242:
        fail("after %s: ApiVersions v0 answered %r" % (what, r))
    err, n = struct.unpack(">hi", r[1][:6])
    if err != 0 or n < 5:
        fail("after %s: ApiVersions error %d, %d keys" % (what, err, n))


def must_close(what, data, shut=False):
    s = connect(ADDR)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (ConnectionResetError, BrokenPipeError):
        pass  # closed already: fine
    if not wait_closed(s):
        fail("%s: connection neither closed nor answered in 5 s" % what)
    s.close()
    api_versions_ok(what)


def close_or_answer(what, corr, data, silent_ok=False, timeout=5):
    """Either a frame with our correlation id, or the connection closes.
    silent_ok: a request that may legitimately get no answer in time
    (a long-poll Fetch, a JoinGroup waiting for a rebalance, acks=0)."""
    s = connect(ADDR)
    try:
        s.sendall(data)
    except (ConnectionResetError, BrokenPipeError):
        s.close()
        api_versions_ok(what)
        return "closed"
    r = read_frame(s, timeout)
    s.close()
    if r == "silent" and not silent_ok:
        fail("%s: no answer and no close in %d s" % (what, timeout))
    if isinstance(r, tuple) and r[0] != corr:
        fail("%s: answer carries correlation id %d, sent %d" % (what, r[0],
                                                               corr))
    api_versions_ok(what)
    return r


def framing():
    must_close("HTTP request", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    must_close("oversized length 0x7fffffff",
               struct.pack(">i", 0x7FFFFFFF) + b"\0" * 64)
    must_close("length 200 MiB", struct.pack(">i", 200 << 20) + b"\0" * 64)
    must_close("negative length", struct.pack(">i", -5) + b"\0" * 16)
    must_close("zero length", struct.pack(">i", 0) * 4)
    must_close("header cut short", struct.pack(">i", 3) + b"\0\x12\0")
    must_close("truncated frame then EOF",
               struct.pack(">i", 100) + b"\0\x12\0\0" + b"\0" * 16,
               shut=True)
    # A half-sent frame must not hold up anybody else.
    s = connect(ADDR)
    s.sendall(struct.pack(">i", 100) + b"\0\x12\0\0\0\0")
    api_versions_ok("a half-sent frame on another connection")
    s.close()
    log("framing: closed every bad frame")


def bad_requests():
    r = close_or_answer("unknown API key 999", 7, request(999, 0, 7))
    log("unknown API key: %s" % ("closed" if r == "closed" else "answered"))
    r = close_or_answer("ApiVersions v99", 8, request(18, 99, 8))
    if not isinstance(r, tuple) or struct.unpack(">h", r[1][:2])[0] != 35:
        fail("ApiVersions v99: expected UNSUPPORTED_VERSION (35) in a v0 "
             "body (clients rely on it), got %r" % (r,))
    close_or_answer("client id longer than the frame", 9,
                    struct.pack(">ihhih", 12, 18, 0, 9, 30000) + b"ab")
    close_or_answer("Metadata with 2^31-1 topics", 10,
                    request(3, 1, 10, struct.pack(">i", 0x7FFFFFFF)))
    close_or_answer("Metadata with a topic name longer than the frame", 11,
                    request(3, 1, 11, struct.pack(">ih", 1, 30000) + b"x"))
    close_or_answer("Metadata with negative name length", 12,
                    request(3, 1, 12, struct.pack(">ih", 1, -7)))
    close_or_answer("Produce v3 cut in the middle", 13,
                    request(0, 3, 13, produce_v3("robust", 0,
                                                 batch([b"x"]))[:20]))
    close_or_answer("Fetch v4 with 2^31-1 partitions", 14,
                    request(1, 4, 14, struct.pack(">iiiibi", -1, 0, 1,
                                                  1000, 0, 1) +
                            string("robust") +
                            struct.pack(">i", 0x7FFFFFFF)))
    close_or_answer("JoinGroup with garbage protocols", 15,
                    request(11, 2, 15, string("g") +
                            struct.pack(">ii", 6000, 6000) + string("") +
                            string("consumer") +
                            struct.pack(">i", 0x40000000)))
    # Several requests in one write: answered in order.
    s = connect(ADDR)
    s.sendall(request(18, 0, 21) + request(18, 0, 22) + request(3, 1, 23,
                                                           metadata_v1([])))
    ids = []
    for _ in range(3):
        r = read_frame(s)
        ids.append(r[0] if isinstance(r, tuple) else r)
    s.close()
    if ids != [21, 22, 23]:
        fail("pipelined requests answered as %s, expected [21, 22, 23]"
             % ids)
    # One byte at a time.
    s = connect(ADDR)
    for b in request(18, 0, 31):
        s.send(bytes([b]))
        time.sleep(0.002)
    r = read_frame(s)
    s.close()
    if not isinstance(r, tuple) or r[0] != 31:
        fail("ApiVersions sent byte by byte: %r" % (r,))
    log("bad requests: closed or answered; pipelining and split frames ok")


def fuzz(n=150):
    """Random requests, then valid ones with random bytes changed or cut:
    the second kind gets past the first checks into the parsers."""
    rnd = random.Random(20261128)
    answered = closed = silent = 0
    valid = [(18, 0, b""), (3, 1, metadata_v1(["robust", "x"])),
             (0, 3, produce_v3("fz", 0, batch([b"a", b"bc"]))),
             (1, 4, fetch_v4("robust", 0, 0)),
             (11, 2, join_group_v2("fz-g")),
             (2, 1, struct.pack(">ii", -1, 1) + string("robust") +
              struct.pack(">iiq", 1, 0, -2))]
    for i in range(2 * n):
        if i < n:
            key = rnd.choice([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                              18, 19, 20, 22, rnd.randrange(-5, 100)])
            ver = rnd.randrange(-1, 13)
            body = bytes(rnd.randrange(256)
                         for _ in range(rnd.randrange(64)))
            if rnd.random() < 0.5:  # plausible sizes and counts inside
                body = struct.pack(">i", rnd.choice([0, 1, 2, -1, 65535])) \
                    + body
        else:
            key, ver, body = rnd.choice(valid)
            body = bytearray(body)
            for _ in range(rnd.randrange(1, 4)):
                if body and rnd.random() < 0.8:
                    body[rnd.randrange(len(body))] = rnd.randrange(256)
                elif body:
                    del body[rnd.randrange(len(body)):]
            body = bytes(body)
        r = close_or_answer("fuzz case %d (key %d v%d)" % (i, key, ver),
                            1000 + i, request(key, ver, 1000 + i, body),
                            silent_ok=key in (0, 1, 11, 14), timeout=1)
        if r == "closed":
            closed += 1
        elif r == "silent":
            silent += 1
        else:
            answered += 1
    log("fuzz: %d random and mutated requests, %d answered, %d closed, "
        "%d waiting (long-poll/acks=0)" % (2 * n, answered, closed, silent))


def produce_fetch():
    """A batch made by hand goes in and comes back byte for byte; a batch
    with a broken CRC is refused with an error."""
    vals = [b"robust-%d-" % i + bytes(range(i % 50)) for i in range(20)]
    b = batch(vals)
    s = connect(ADDR)
    # Metadata v1 with the topic asks for auto-creation; retry until ready.
    for attempt in range(50):
        s.sendall(request(3, 1, 40 + attempt, metadata_v1(["robust"])))
        r = read_frame(s)
        if not isinstance(r, tuple):
            fail("Metadata v1: %r" % (r,))
        # skip brokers array to reach topic error code
        body = r[1]
        (nb,) = struct.unpack(">i", body[:4])
        pos = 4
        for _ in range(nb):
            pos += 4
            (hl,) = struct.unpack(">h", body[pos:pos + 2])
            pos += 2 + hl + 4
            (rl,) = struct.unpack(">h", body[pos:pos + 2])
            pos += 2 + max(rl, 0)
        pos += 4  # controller id
        (nt,) = struct.unpack(">i", body[pos:pos + 4])
        terr = struct.unpack(">h", body[pos + 4:pos + 6])[0] if nt else -1
        if terr == 0:
            break
        time.sleep(0.1)
    else:
        fail("topic 'robust' never became available (error %d)" % terr)
    bad = bytearray(b)
    bad[-1] ^= 0x55
    s.sendall(request(0, 3, 60, produce_v3("robust", 0, bytes(bad))))
    r = read_frame(s)
    if not isinstance(r, tuple) or r[0] != 60:
        fail("Produce with a bad CRC: %r" % (r,))
    # topics[1] name, partitions[1]: partition, error
    off = 4 + 2 + len("robust") + 4 + 4
    bad_err = struct.unpack(">h", r[1][off:off + 2])[0]
    if bad_err == 0:
        fail("Produce with a bad CRC was accepted")
    s.sendall(request(0, 3, 61, produce_v3("robust", 0, b)))
    r = read_frame(s)
    err, base = struct.unpack(">hq", r[1][off:off + 10])
    if err != 0:
        fail("Produce of a good batch: error %d" % err)
    s.sendall(request(1, 4, 62, fetch_v4("robust", 0, base)))
    r = read_frame(s)
    if not isinstance(r, tuple) or r[0] != 62:
        fail("Fetch v4: %r" % (r,))
    body = r[1]
    pos = 4 + 4 + 2 + len("robust") + 4  # throttle, topics, name, parts
    part, err, hw, lso = struct.unpack(">ihqq", body[pos:pos + 22])
    pos += 22
    (na,) = struct.unpack(">i", body[pos:pos + 4])
    pos += 4 + max(na, 0) * 16
    (rl,) = struct.unpack(">i", body[pos:pos + 4])
    recs = body[pos + 4:pos + 4 + rl]
    if err != 0 or hw != base + len(vals):
        fail("Fetch v4: error %d, high watermark %d (expected %d)" %
             (err, hw, base + len(vals)))
    want = bytearray(b)
    want[0:8] = struct.pack(">q", base)
    if bytes(recs[:len(want)]) != bytes(want):
        fail("Fetch v4 returned other bytes than were produced")
    s.close()
    log("raw produce/fetch: bad CRC refused (error %d), batch back intact"
        % bad_err)


def abandoned():
    """Clients that go away in the middle: while a large fetch is being
    sent, while a fetch waits (long-poll) for data, while a JoinGroup waits
    for a rebalance. The broker must drop their state, not crash."""
    s = connect(ADDR)
    big = batch([b"%05d" % i + b"z" * 995 for i in range(900)])
    off = 4 + 2 + len("robust") + 4 + 4
    for i in range(3):
        s.sendall(request(0, 3, 70 + i, produce_v3("robust", 0, big)))
        r = read_frame(s)
        if not isinstance(r, tuple):
            fail("producing 900 KB: %r" % (r,))
        err, base = struct.unpack(">hq", r[1][off:off + 10])
        if err:
            fail("producing 900 KB: error %d" % err)
    end = base + 900
    s.close()
    for i in range(20):
        s = connect(ADDR)
        s.sendall(request(1, 4, 80 + i, fetch_v4("robust", 0, 0, 50 << 20)))
        if i % 2:
            s.recv(100)
        s.close()
    api_versions_ok("fetches abandoned mid-send")
    # A long-poll fetch at the end of the log, then the client is gone.
    s = connect(ADDR)
    s.sendall(request(1, 4, 90, fetch_v4("robust", 0, 1 << 40)))
    r = read_frame(s)  # offset far past the end: answered at once
    if not isinstance(r, tuple):
        fail("fetch past the end: %r" % (r,))
    s.sendall(request(1, 4, 91, fetch_v4("robust", 0, end, wait_ms=5000)))
    if read_frame(s, 0.3) != "silent":
        fail("a fetch at the end of the log with MaxWaitMs 5000 was "
             "answered at once")
    s.close()
    p = connect(ADDR)
    p.sendall(request(0, 3, 92, produce_v3("robust", 0, batch([b"wake"]))))
    read_frame(p)
    p.close()
    api_versions_ok("a long-poll fetch abandoned")
    # JoinGroup: A joins; B's join starts a rebalance and waits; B leaves.
    a = connect(ADDR)
    a.sendall(request(11, 2, 93, join_group_v2("robust-g")))
    r = read_frame(a)
    if not isinstance(r, tuple):
        fail("JoinGroup of a lone member: %r" % (r,))
    b = connect(ADDR)
    b.sendall(request(11, 2, 94, join_group_v2("robust-g")))
    time.sleep(0.3)
    b.close()
    a.close()
    time.sleep(3.5)  # the rebalance times out without either
    api_versions_ok("members abandoning a rebalance")
    log("abandoned fetches, long-poll and JoinGroup: broker fine")


if __name__ == "__main__":
    api_versions_ok("start")
    framing()
    bad_requests()
    fuzz()
    produce_fetch()
    abandoned()
    log("robustness: all cases handled")
