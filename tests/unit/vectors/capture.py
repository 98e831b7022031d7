#!/usr/bin/python3
"""Capture the first requests real Kafka clients send, as test vectors.

A tiny listener on 127.0.0.1 answers ApiVersions with the ranges below (the
highest versions of the codec's tables), so each client then sends its
Metadata request at the highest version both sides know; every request
frame (header and body, without the size prefix) is saved as
OUTDIR/CLIENT-API-vN.bin, and the connection is closed after Metadata.
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
APIS = [(0, 3, 13), (1, 4, 18), (2, 1, 10), (3, 0, 13), (8, 2, 10),
        (9, 1, 10), (10, 0, 6), (11, 0, 9), (12, 0, 4), (13, 0, 5),
        (14, 0, 5), (15, 0, 6), (16, 0, 5), (17, 0, 1), (18, 0, 4),
        (19, 0, 7), (20, 0, 6), (21, 0, 2), (22, 0, 6), (23, 0, 4),
        (29, 1, 3), (30, 1, 3), (31, 1, 3), (32, 1, 4), (36, 0, 2),
        (37, 0, 3), (42, 0, 2), (44, 0, 1), (47, 0, 0), (50, 0, 0),
        (51, 0, 0), (60, 0, 2)]
NAMES = {0: "Produce", 1: "Fetch", 3: "Metadata", 18: "ApiVersions"}


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


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def serve(sock, outdir, client, saved):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
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
    t = threading.Thread(target=serve, args=(sock, outdir, client, saved),
                         daemon=True)
    t.start()
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    try:
        subprocess.run(cmd, timeout=20, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pass
    sock.close()
    print("%s: %s" % (client, " ".join(saved) or "nothing captured"))


if __name__ == "__main__":
    main()
