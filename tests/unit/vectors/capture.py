#!/usr/bin/python3
"""Capture the first requests real Kafka clients send, as test vectors.

A tiny listener on 127.0.0.1 answers ApiVersions with the ranges below (the
highest versions of the codec's tables), so each client then sends its
Metadata request at the highest version both sides know; every request
frame (header and body, without the size prefix) is saved as
OUTDIR/CLIENT-API-vN.bin (the first of each API and version). Flexible
Metadata (v9+), FindCoordinator (v4+), InitProducerId (v2+) and ListOffsets
(v6+) are answered too, naming this
listener as the only broker, the leader of every partition and the
coordinator of every group, so that admin, producer and consumer calls
reach their own requests; every other request is saved and its connection
closed.
tests/unit/proto_vectors.c decodes and re-encodes each file byte for byte.

    capture.py OUTDIR CLIENT -- COMMAND...   (COMMAND gets {port})
"""
import os
import socket
import struct
import subprocess
import sys
import threading

# (key, min, max) advertised: what the codec's tables hold.
APIS = [(0, 3, 13), (1, 4, 18), (2, 1, 11), (3, 0, 13), (8, 2, 10),
        (9, 1, 10), (10, 0, 6), (11, 0, 9), (12, 0, 4), (13, 0, 5),
        (14, 0, 5), (15, 0, 6), (16, 0, 5), (17, 0, 1), (18, 0, 4),
        (19, 0, 7), (20, 0, 6), (21, 0, 2), (22, 0, 6), (23, 0, 4),
        (29, 1, 3), (30, 1, 3), (31, 1, 3), (32, 1, 4), (36, 0, 2),
        (37, 0, 3), (42, 0, 2), (44, 0, 1), (47, 0, 0), (50, 0, 0),
        (51, 0, 0), (60, 0, 2)]
NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata",
         8: "OffsetCommit", 9: "OffsetFetch", 10: "FindCoordinator",
         11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup",
         15: "DescribeGroups", 16: "ListGroups", 17: "SaslHandshake",
         18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics",
         21: "DeleteRecords", 22: "InitProducerId",
         23: "OffsetForLeaderEpoch", 29: "DescribeAcls", 30: "CreateAcls",
         31: "DeleteAcls", 32: "DescribeConfigs", 36: "SaslAuthenticate",
         37: "CreatePartitions", 42: "DeleteGroups",
         44: "IncrementalAlterConfigs", 47: "OffsetDelete",
         50: "DescribeUserScramCredentials",
         51: "AlterUserScramCredentials", 60: "DescribeCluster"}


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7f) | 0x80])
        n >>= 7
    return out + bytes([n])


def apiversions_answer(corr, ver):
    """ApiVersions response (header v0 at every version, KIP-511)."""
    body = struct.pack(">h", 0)
    if ver >= 3:
        body += uvarint(len(APIS) + 1)
        for k, lo, hi in APIS:
            body += struct.pack(">hhh", k, lo, hi) + b"\0"
    else:
        body += struct.pack(">i", len(APIS))
        for k, lo, hi in APIS:
            body += struct.pack(">hhh", k, lo, hi)
    if ver >= 1:
        body += struct.pack(">i", 0)
    if ver >= 3:
        body += b"\0"
    msg = struct.pack(">i", corr) + body
    return struct.pack(">i", len(msg)) + msg


def cstr(s):
    if s is None:
        return b"\0"
    b = s.encode()
    return uvarint(len(b) + 1) + b


def frame(corr, body, flexible_header):
    msg = struct.pack(">i", corr) + (b"\0" if flexible_header else b"")
    msg += body
    return struct.pack(">i", len(msg)) + msg


def metadata_answer(corr, ver, req, port):
    """Metadata v9+: one broker (this listener), each topic asked for (or
    "t1") with one partition led by it."""
    # Request body after header v2: compact array of (id, name, tags).
    names, off = [], 0
    n = req[off] - 1 if req else 0
    off += 1
    for _ in range(max(n, 0)):
        off += 16 if ver >= 10 else 0
        ln = req[off] - 1
        off += 1
        names.append(req[off:off + ln].decode() if ln >= 0 else "t1")
        off += max(ln, 0) + 1
    names = names or ["t1"]
    body = struct.pack(">i", 0)
    body += uvarint(2) + struct.pack(">i", 1) + cstr("127.0.0.1")
    body += struct.pack(">i", port) + cstr(None) + b"\0"
    body += cstr("zcio-capture") + struct.pack(">i", 1)
    body += uvarint(len(names) + 1)
    for i, t in enumerate(names):
        body += struct.pack(">h", 0) + cstr(t)
        if ver >= 10:
            body += bytes([i + 1] * 16)
        body += b"\0"  # not internal
        body += uvarint(2) + struct.pack(">hiii", 0, 0, 1, 0)
        body += uvarint(2) + struct.pack(">i", 1)
        body += uvarint(2) + struct.pack(">i", 1) + uvarint(1) + b"\0"
        body += struct.pack(">i", -2147483648) + b"\0"
    if ver <= 10:
        body += struct.pack(">i", -2147483648)
    if ver >= 13:
        body += struct.pack(">h", 0)
    body += b"\0"
    return frame(corr, body, True)


def coordinator_answer(corr, req, port):
    """FindCoordinator v4+: this listener for every key asked."""
    off = 1  # KeyType int8 first
    keys = []
    n = req[off] - 1
    off += 1
    for _ in range(max(n, 0)):
        ln = req[off] - 1
        off += 1
        keys.append(req[off:off + ln].decode())
        off += ln
    body = struct.pack(">i", 0) + uvarint(len(keys) + 1)
    for k in keys:
        body += cstr(k) + struct.pack(">i", 1) + cstr("127.0.0.1")
        body += struct.pack(">ih", port, 0) + cstr(None) + b"\0"
    return frame(corr, body + b"\0", True)


def producer_id_answer(corr, ver):
    """InitProducerId v2+: producer id 1000, epoch 0."""
    body = struct.pack(">ihqh", 0, 0, 1000, 0)
    if ver >= 6:
        body += struct.pack(">qh", -1, -1)
    return frame(corr, body + b"\0", True)


def list_offsets_answer(corr, ver):
    """ListOffsets v6+: topic "t1" partition 0 at offset 0."""
    part = struct.pack(">ihqq", 0, 0, -1, 0)
    if ver >= 4:
        part += struct.pack(">i", 0)
    body = struct.pack(">i", 0) + uvarint(2) + cstr("t1")
    body += uvarint(2) + part + b"\0" + b"\0"
    return frame(corr, body + b"\0", True)


def header_len(frame_, flexible):
    """Bytes of a request header v1/v2 (a plain tag section in v2)."""
    n = struct.unpack(">h", frame_[8:10])[0]
    off = 10 + max(n, 0)
    return off + (1 if flexible else 0)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def serve(sock, outdir, client, saved, port):
    """Accept connections, one thread each (clients keep some open)."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=serve_one,
                         args=(conn, outdir, client, saved, port),
                         daemon=True).start()


def serve_one(conn, outdir, client, saved, port):
    conn.settimeout(10)
    try:
        while True:
            size = read_exact(conn, 4)
            if size is None:
                break
            frame = read_exact(conn, struct.unpack(">i", size)[0])
            if frame is None:
                break
            key, ver, corr = struct.unpack(">hhi", frame[:8])
            name = "%s-%s-v%d.bin" % (client, NAMES.get(key, str(key)),
                                      ver)
            if name not in saved:
                with open(os.path.join(outdir, name), "wb") as f:
                    f.write(frame)
                saved.append(name)
            if key == 18 and ver <= 4:
                conn.sendall(apiversions_answer(corr, ver))
            elif key == 3 and ver >= 9:
                body = frame[header_len(frame, True):]
                conn.sendall(metadata_answer(corr, ver, body, port))
            elif key == 10 and ver >= 4:
                body = frame[header_len(frame, True):]
                conn.sendall(coordinator_answer(corr, body, port))
            elif key == 22 and ver >= 2:
                conn.sendall(producer_id_answer(corr, ver))
            elif key == 2 and ver >= 6:
                conn.sendall(list_offsets_answer(corr, ver))
            elif key == 18:
                # Unknown version: answer v0 with UNSUPPORTED_VERSION
                # (35) so the client retries at what we list.
                a = apiversions_answer(corr, 0)
                conn.sendall(a[:8] + struct.pack(">h", 35) + a[10:])
            else:
                break
    except OSError:
        pass
    conn.close()


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    outdir, client, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    port = sock.getsockname()[1]
    saved = []
    t = threading.Thread(target=serve,
                         args=(sock, outdir, client, saved, port),
                         daemon=True)
    t.start()
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    try:
        subprocess.run(cmd, timeout=int(os.environ.get("CAPTURE_TIMEOUT", "90")),
                       stdout=subprocess.DEVNULL,
                       stderr=None if os.environ.get("CAPTURE_DEBUG") else subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pass
    sock.close()
    print("%s: %s" % (client, " ".join(saved) or "nothing captured"))


if __name__ == "__main__":
    main()
