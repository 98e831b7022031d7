# SPDX-License-Identifier: MIT
"""metadata_amp.py ADDR — Metadata amplification. One 1,000-partition
topic named 20,000 times in one ~100 KB request is answered once: a small
answer (under 64 KB), quickly (under 2 s, generous: the answer used to be
about 500 MB and take seconds). With zc.metadata.max.response.bytes set
low (4096 in metadata_amp.sh), asking for the big topic is refused (the
connection closes) while a small one is still answered.
"""
import struct
import sys
import time

from _kraw import connect, metadata_v1, read_frame, request, string
from _kt import fail, log

ADDR = sys.argv[1]
MODE = sys.argv[2]


def create_topic(name, parts):
    body = (struct.pack(">i", 1) + string(name) +
            struct.pack(">ih", parts, 1) + struct.pack(">ii", 0, 0) +
            struct.pack(">ib", 30000, 0))
    s = connect(ADDR)
    s.sendall(request(19, 1, 7, body))
    r = read_frame(s, timeout=60)
    s.close()
    if not isinstance(r, tuple):
        fail("CreateTopics %s: %r" % (name, r))


def topics_in(body):
    """Names and partition counts in a Metadata v1 answer."""
    off = 0
    (nb,) = struct.unpack_from(">i", body, off)
    off += 4
    for _ in range(nb):
        off += 4
        (hl,) = struct.unpack_from(">h", body, off)
        off += 2 + hl + 4
        (rl,) = struct.unpack_from(">h", body, off)
        off += 2 + max(rl, 0)
    off += 4  # controller
    (nt,) = struct.unpack_from(">i", body, off)
    off += 4
    out = []
    for _ in range(nt):
        err, nl = struct.unpack_from(">hh", body, off)
        off += 4
        name = body[off:off + nl].decode()
        off += nl + 1
        (np,) = struct.unpack_from(">i", body, off)
        off += 4
        for _ in range(np):
            off += 2 + 4 + 4
            (nr,) = struct.unpack_from(">i", body, off)
            off += 4 + 4 * nr
            (ni,) = struct.unpack_from(">i", body, off)
            off += 4 + 4 * ni
        out.append((name, err, np))
    return out


create_topic("wide", 1000 if MODE == "dups" else 300)
create_topic("small", 1)
if MODE == "dups":
    req = request(3, 1, 11, metadata_v1(["wide"] * 20000))
    log("request of %d bytes" % len(req))
    s = connect(ADDR)
    t0 = time.time()
    s.sendall(req)
    r = read_frame(s, timeout=30)
    took = time.time() - t0
    if not isinstance(r, tuple) or r[0] != 11:
        fail("20,000 duplicates: %r" % (r,))
    size = len(r[1]) + 8
    got = topics_in(r[1])
    log("answer of %d bytes in %.3f s: %r" % (size, took, got))
    if got != [("wide", 0, 1000)]:
        fail("duplicates not collapsed: %d entries" % len(got))
    if size > 64 * 1024:
        fail("answer of %d bytes" % size)
    if took > 2.0:
        fail("answer took %.2f s" % took)
    # Names in their first order, each once.
    s.sendall(request(3, 1, 12, metadata_v1(["small", "wide", "small"])))
    r = read_frame(s)
    names = [t[0] for t in topics_in(r[1])]
    if names != ["small", "wide"]:
        fail("mixed duplicates answered as %r" % names)
    s.close()
else:
    s = connect(ADDR)
    s.sendall(request(3, 1, 13, metadata_v1(["small"])))
    r = read_frame(s)
    if not isinstance(r, tuple) or topics_in(r[1])[0][:2] != ("small", 0):
        fail("small topic under the bound: %r" % (r,))
    s.sendall(request(3, 1, 14, metadata_v1(["wide"])))
    r = read_frame(s)
    if r != "closed":
        fail("over the bound: expected the connection closed, got %r"
             % (r if not isinstance(r, tuple) else len(r[1]),))
    s.close()
log("ok")
