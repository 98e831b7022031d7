# SPDX-License-Identifier: MIT
"""tls_probe.py — hand-made TLS clients for the TLS tests, where a client
library would hide what is checked:

  data ADDR CA TOPIC LINES [CERT KEY]
                                 partition 0 of TOPIC (uncompressed, its
                                 values the lines of LINES) fetched in one
                                 Fetch through a small receive buffer read
                                 late (the broker's writes wait and resume);
                                 every value compared
  pipeline ADDR CA N             N ApiVersions requests, each in its own
                                 TLS record, sent before reading: records
                                 OpenSSL read ahead raise no epoll event
  plain ADDR                     a plaintext ApiVersions to the TLS port:
                                 the broker must close, not answer
  stall ADDR CA SECS [CERT KEY]  a half-sent ClientHello is held open while
                                 another client connects over TLS and is
                                 answered; the stalled one must then be
                                 closed by the broker within SECS
  ulp                            exit 0 if setsockopt(TCP_ULP, "tls") works
                                 on a TCP socket here, else print why, 1
"""
import socket
import ssl
import struct
import sys
import time

from _kraw import (batches, connect, fetch_v4, fetch_v4_part, read_frame,
                   request, wait_closed)
from _kt import fail, log

TCP_ULP = 31  # linux/tcp.h


def tls_connect(addr, ca, cert=None, key=None, timeout=10, rcvbuf=0):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    host, port = addr.rsplit(":", 1)
    raw = socket.socket()
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(timeout)
    raw.connect((host, int(port)))
    return ctx.wrap_socket(raw, server_hostname=host)


def api_versions(s, corr=1):
    s.sendall(request(18, 0, corr))
    r = read_frame(s, 10)
    if not isinstance(r, tuple) or r[0] != corr:
        fail("ApiVersions %d: %r" % (corr, r))
    (err,) = struct.unpack(">h", r[1][:2])
    if err:
        fail("ApiVersions: error %d" % err)


def cmd_data(addr, ca, topic, lines, cert=None, key=None):
    want = [ln.rstrip(b"\n") for ln in open(lines, "rb")]
    s = tls_connect(addr, ca, cert, key, rcvbuf=8192)
    api_versions(s)
    log("TLS %s %s; ApiVersions answered" % (s.version(), s.cipher()[0]))
    # Ask for everything, then let the broker's writes stall on a full
    # socket (a small receive buffer) for a moment before reading.
    s.sendall(request(1, 4, 77, fetch_v4(topic, 0, 0, 64 << 20, 0)))
    time.sleep(1.0)
    body = read_big(s)
    if struct.unpack(">i", body[:4])[0] != 77:
        fail("fetch: correlation id %d" % struct.unpack(">i", body[:4]))
    err, hw, recs = fetch_v4_part(bytes(body[4:]), topic)
    if err or hw != len(want):
        fail("fetch: error %d, high watermark %d of %d" % (err, hw, len(want)))
    got = []
    for _, _, raw in batches(recs):
        got.extend(values_of(raw))
    if got != want:
        fail("fetched %d records, %d match" %
             (len(got), sum(a == b for a, b in zip(got, want))))
    log("fetched %d bytes in one Fetch over TLS, all %d records the same" %
        (len(recs), len(got)))
    s.close()


def read_big(s):
    """One response frame into one buffer (recv_into: a large answer is
    not copied again for every piece)."""
    s.settimeout(60)
    head = bytearray(4)
    view = memoryview(head)
    got = 0
    while got < 4:
        k = s.recv_into(view[got:])
        if not k:
            fail("connection closed before the answer")
        got += k
    (n,) = struct.unpack(">i", head)
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:])
        if not k:
            fail("connection closed after %d of %d bytes" % (got, n))
        got += k
    return buf


def values_of(raw):
    """The values of an uncompressed batch made by _kraw.batch."""
    out = []
    p = 61
    while p < len(raw):
        ln, p = varint_at(raw, p)
        end = p + ln
        p += 1  # attributes
        _, p = varint_at(raw, p)  # timestamp delta
        _, p = varint_at(raw, p)  # offset delta
        klen, p = varint_at(raw, p)
        p += max(klen, 0)
        vlen, p = varint_at(raw, p)
        out.append(raw[p:p + vlen])
        p = end
    return out


def varint_at(b, p):
    n = shift = 0
    while True:
        c = b[p]
        p += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return (n >> 1) ^ -(n & 1), p


def cmd_pipeline(addr, ca, n):
    s = tls_connect(addr, ca)
    for i in range(n):
        s.sendall(request(18, 0, 100 + i))  # one record each
    for i in range(n):
        r = read_frame(s, 10)
        if not isinstance(r, tuple) or r[0] != 100 + i:
            fail("pipelined request %d of %d: %r" % (i + 1, n, r))
    log("%d pipelined requests in %d records answered in order" % (n, n))
    s.close()


def cmd_plain(addr):
    s = connect(addr)
    s.sendall(request(18, 0, 5))
    r = read_frame(s, 10)
    if r != "closed":
        fail("plaintext ApiVersions on the TLS port: %r" % (r,))
    log("plaintext request on the TLS port: connection closed")


def cmd_stall(addr, ca, secs, cert=None, key=None):
    stalled = connect(addr)
    # The first bytes of a TLS record holding a ClientHello, and no more.
    stalled.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    time.sleep(0.3)
    t0 = time.time()
    s = tls_connect(addr, ca, cert, key)
    api_versions(s)
    served = time.time() - t0
    s.close()
    stalled.settimeout(0.01)
    try:
        still = stalled.recv(1) != b""
    except socket.timeout:
        still = True
    if not still:
        fail("the stalled handshake was closed before the other client")
    log("another client served in %.3f s while a handshake stalled" % served)
    if served > secs / 2:
        fail("the other client waited %.1f s" % served)
    t1 = time.time()
    if not wait_closed(stalled, secs + 10):
        fail("the stalled handshake was not closed within %d s" % (secs + 10))
    log("the stalled handshake was closed after %.1f s more" %
        (time.time() - t1))


def cmd_ulp():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c = socket.create_connection(ls.getsockname())
    a, _ = ls.accept()
    try:
        a.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
    except OSError as e:
        print("setsockopt TCP_ULP \"tls\": %s" % e.strerror)
        return 1
    finally:
        a.close()
        c.close()
        ls.close()
    return 0


def main():
    a = sys.argv[1:]
    if a[0] == "data":
        cmd_data(*a[1:])
    elif a[0] == "pipeline":
        cmd_pipeline(a[1], a[2], int(a[3]))
    elif a[0] == "plain":
        cmd_plain(a[1])
    elif a[0] == "stall":
        cmd_stall(a[1], a[2], int(a[3]), *a[4:])
    elif a[0] == "ulp":
        sys.exit(cmd_ulp())
    else:
        fail("unknown command %s" % a[0])


if __name__ == "__main__":
    main()
