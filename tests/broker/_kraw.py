# SPDX-License-Identifier: MIT
"""_kraw.py — hand-made Kafka frames for the tests that must step outside
what a client library would send: request framing, a few request bodies
(ApiVersions v0, Metadata v1, Produce v3, Fetch v4), magic-2 record batches
with their CRC-32C, and reading one response frame.
"""
import socket
import struct
import time


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_T = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">h", len(b)) + b


def varint(n):
    n = (n << 1) ^ (n >> 63)  # zig-zag
    out = b""
    while True:
        if n < 0x80:
            return out + bytes([n])
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7


def request(api_key, version, corr, body=b"", client="zc-test"):
    msg = struct.pack(">hhi", api_key, version, corr) + string(client) + body
    return struct.pack(">i", len(msg)) + msg


def batch(values, ts=1700000000000):
    """A magic-2 record batch, uncompressed, base offset 0, no keys."""
    recs = b""
    for i, v in enumerate(values):
        body = (b"\x00" + varint(0) + varint(i) + varint(-1) +
                varint(len(v)) + v + varint(0))
        recs += varint(len(body)) + body
    n = len(values)
    after_crc = struct.pack(">hiqqqhii", 0, n - 1, ts, ts, -1, -1, -1, n)
    after_crc += recs
    head = struct.pack(">iB", 0, 2)  # partition leader epoch, magic
    crc = struct.pack(">I", crc32c(after_crc))
    rest = head + crc + after_crc
    return struct.pack(">qi", 0, len(rest)) + rest


def produce_v3(topic, partition, records, acks=1, timeout_ms=5000):
    return (string(None) + struct.pack(">hii", acks, timeout_ms, 1) +
            string(topic) + struct.pack(">ii", 1, partition) +
            struct.pack(">i", len(records)) + records)


def fetch_v4(topic, partition, offset, max_bytes=1 << 20, wait_ms=100):
    return (struct.pack(">iiiibi", -1, wait_ms, 1, max_bytes, 0, 1) +
            string(topic) + struct.pack(">iiqi", 1, partition, offset,
                                         max_bytes))


def join_group_v2(group, member="", session_ms=6000, rebalance_ms=3000):
    proto = b"\0\0\0\0\0\0"  # opaque member metadata
    return (string(group) + struct.pack(">ii", session_ms, rebalance_ms) +
            string(member) + string("consumer") + struct.pack(">i", 1) +
            string("range") + struct.pack(">i", len(proto)) + proto)


def metadata_v1(topics):
    if topics is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(topics)) + b"".join(string(t)
                                                     for t in topics)


def connect(addr, timeout=5):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except (ConnectionResetError, BrokenPipeError):
            return None
        if not chunk:
            return None
        buf += chunk
    return buf


def read_frame(s, timeout=5):
    """One response: (correlation id, rest) or "closed" or "silent"."""
    s.settimeout(timeout)
    try:
        head = _recv_exact(s, 4)
        if head is None:
            return "closed"
        (n,) = struct.unpack(">i", head)
        if n < 4 or n > 64 << 20:
            raise ValueError("response length %d" % n)
        body = _recv_exact(s, n)
        if body is None:
            return "closed"
        return struct.unpack(">i", body[:4])[0], body[4:]
    except socket.timeout:
        return "silent"


def wait_closed(s, timeout=5):
    """Whether the peer closes (EOF or reset), ignoring any data first."""
    s.settimeout(timeout)
    end = time.time() + timeout
    while time.time() < end:
        try:
            if not s.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
    return False


_corr = [1000]


def call(s, api_key, version, body, timeout=30):
    """Send one request with a fresh correlation id; its response body."""
    _corr[0] += 1
    s.sendall(request(api_key, version, _corr[0], body))
    r = read_frame(s, timeout=timeout)
    if not isinstance(r, tuple) or r[0] != _corr[0]:
        raise RuntimeError("no answer to request %d: %r" % (_corr[0], r))
    return r[1]


def produce_one(s, topic, records, acks=1, partition=0):
    """Produce v3 of one batch: (error, base offset)."""
    r = call(s, 0, 3, produce_v3(topic, partition, records, acks=acks))
    off = 4 + 2 + len(topic) + 4 + 4
    return struct.unpack(">hq", r[off:off + 10])


def fetch_one(s, topic, offset, max_bytes=1 << 20, partition=0):
    """Fetch v4 of one partition: (error, high watermark, record bytes)."""
    r = call(s, 1, 4, fetch_v4(topic, partition, offset, max_bytes,
                               wait_ms=0))
    return fetch_v4_part(r, topic)


def fetch_v4_part(r, topic):
    """The one partition of a Fetch v4 response body (after the
    correlation id): (error, high watermark, record bytes)."""
    pos = 4 + 4 + 2 + len(topic) + 4
    part, err, hw, lso = struct.unpack(">ihqq", r[pos:pos + 22])
    pos += 22
    (na,) = struct.unpack(">i", r[pos:pos + 4])
    pos += 4 + max(na, 0) * 16
    (rl,) = struct.unpack(">i", r[pos:pos + 4])
    return err, hw, r[pos + 4:pos + 4 + max(rl, 0)]


def batches(recs):
    """The whole batches of a record set: [(base, last offset, bytes)]."""
    out, p = [], 0
    while p + 27 <= len(recs):
        base, blen = struct.unpack(">qi", recs[p:p + 12])
        if p + 12 + blen > len(recs):
            break
        lod = struct.unpack(">i", recs[p + 23:p + 27])[0]
        out.append((base, base + lod, recs[p:p + 12 + blen]))
        p += 12 + blen
    return out
