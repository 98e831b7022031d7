#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# make_corpus.py — writes the seed corpora of the fuzz targets under
# tests/fuzz/corpus/<target>/: small, valid inputs (Kafka request frames,
# record batches, partition directories, offset-store files) from which the
# fuzzers mutate. Deterministic: running it again gives the same files.
# Inputs found by fuzzing are kept next to them as crash-*/regress-* files;
# this script leaves those alone.
#
#   /usr/bin/python3 tests/fuzz/make_corpus.py [OUTDIR]
import os
import struct
import sys

# ---- encodings -------------------------------------------------------------

_T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _T.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def s(v):
    """int16-length string, None = null"""
    if v is None:
        return i16(-1)
    b = v.encode()
    return i16(len(b)) + b


def by(v):
    """int32-length bytes, None = null"""
    if v is None:
        return i32(-1)
    return i32(len(v)) + v


def arr(items):
    return i32(len(items)) + b"".join(items)


def uvar(v):
    out = b""
    while v >= 0x80:
        out += bytes([v & 0x7F | 0x80])
        v >>= 7
    return out + bytes([v])


def var(v):
    return uvar((v << 1) ^ (v >> 63))


def cstr(v):
    b = v.encode()
    return uvar(len(b) + 1) + b


def record(i, ts_delta, value):
    body = i8(0) + var(ts_delta) + var(i) + var(-1) + var(len(value)) + value
    body += uvar(0)  # no headers
    return var(len(body)) + body


def batch(count=1, base_ts=1_700_000_000_000, step=1, value=b"v",
          attrs=0, pid=-1, base_offset=0):
    recs = b"".join(record(i, i * step, value) for i in range(count))
    after_crc = (i16(attrs) + i32(count - 1) + i64(base_ts) +
                 i64(base_ts + (count - 1) * step) + i64(pid) +
                 i16(-1 if pid < 0 else 0) +
                 i32(-1 if pid < 0 else 0) + i32(count) + recs)
    length = 4 + 1 + 4 + len(after_crc)  # leader epoch, magic, crc, rest
    return (i64(base_offset) + i32(length) + i32(-1) + i8(2) +
            struct.pack(">I", crc32c(after_crc)) + after_crc)


# ---- Kafka requests (one frame: header + body, no size prefix) ------------

def hdr(key, ver, corr=1, client="fuzz"):
    h = i16(key) + i16(ver) + i32(corr) + s(client)
    if key == 18 and ver >= 3:
        h += uvar(0)
    return h


def produce(ver, acks=1, topic="t", part=0, recs=None):
    recs = batch(2) if recs is None else recs
    return hdr(0, ver) + s(None) + i16(acks) + i32(1000) + arr(
        [s(topic) + arr([i32(part) + by(recs)])])


def fetch(ver, offset=0, topic="t", part=0, wait=0):
    b = i32(-1) + i32(wait) + i32(1) + i32(1 << 20) + i8(0)
    if ver >= 7:
        b += i32(0) + i32(-1)
    p = i32(part)
    if ver >= 9:
        p += i32(-1)
    p += i64(offset)
    if ver >= 5:
        p += i64(-1)
    p += i32(1 << 20)
    b += arr([s(topic) + arr([p])])
    if ver >= 7:
        b += arr([])
    if ver >= 11:
        b += s("")
    return hdr(1, ver) + b


def listoffsets(ver, ts=-1, topic="t"):
    b = i32(-1)
    if ver >= 2:
        b += i8(0)
    return hdr(2, ver) + b + arr([s(topic) + arr([i32(0) + i64(ts)])])


def metadata(ver, topics=("t",)):
    b = i32(-1) if topics is None else arr([s(t) for t in topics])
    if ver >= 4:
        b += i8(1)
    return hdr(3, ver) + b


def offsetcommit(ver, group="g", gen=-1, member="", off=1):
    b = s(group) + i32(gen) + s(member)
    if ver <= 4:
        b += i64(-1)
    return hdr(8, ver) + b + arr([s("t") + arr([i32(0) + i64(off) + s("m")])])


def offsetfetch(ver, group="g", topics=True):
    t = arr([s("t") + arr([i32(0)])]) if topics else i32(-1)
    return hdr(9, ver) + s(group) + t


def findcoordinator(ver, key="g"):
    return hdr(10, ver) + s(key) + (i8(0) if ver >= 1 else b"")


def joingroup(ver, group="g", member=""):
    b = s(group) + i32(10000)
    if ver >= 1:
        b += i32(10000)
    b += s(member)
    if ver >= 5:
        b += s(None)
    meta = i16(0) + arr([s("t")]) + by(b"")
    return hdr(11, ver) + b + s("consumer") + arr([s("range") + by(meta)])


def heartbeat(ver, group="g", gen=1, member="m"):
    b = s(group) + i32(gen) + s(member)
    if ver >= 3:
        b += s(None)
    return hdr(12, ver) + b


def leavegroup(ver, group="g", member="m"):
    return hdr(13, ver) + s(group) + s(member)


def syncgroup(ver, group="g", gen=1, member="m"):
    b = s(group) + i32(gen) + s(member)
    if ver >= 3:
        b += s(None)
    assign = i16(0) + arr([s("t") + arr([i32(0)])]) + by(b"")
    return hdr(14, ver) + b + arr([s(member) + by(assign)])


def describegroups(ver):
    return hdr(15, ver) + arr([s("g")])


def listgroups(ver):
    return hdr(16, ver)


def apiversions(ver):
    b = cstr("fuzz") + cstr("1") + uvar(0) if ver >= 3 else b""
    return hdr(18, ver) + b


def createtopics(ver, name="n", parts=2):
    t = s(name) + i32(parts) + i16(1) + arr([]) + arr([s("x") + s("y")])
    b = arr([t]) + i32(1000)
    if ver >= 1:
        b += i8(0)
    return hdr(19, ver) + b


def deletetopics(ver, name="t"):
    return hdr(20, ver) + arr([s(name)]) + i32(1000)


def initproducerid(ver, txn=None):
    return hdr(22, ver) + s(txn) + i32(60000)


def flexhdr(key, ver):
    """request header v2: header v1 and an empty tag section"""
    return hdr(key, ver) + uvar(0)


def nstr(v, flex):
    if not flex:
        return s(v)
    return uvar(0) if v is None else cstr(v)


def acl_fields(flex, rt, name, pat, who, host, op, perm):
    return (i8(rt) + nstr(name, flex) + i8(pat) + nstr(who, flex) +
            nstr(host, flex) + i8(op) + i8(perm))


def acl_list(key, ver, entries):
    """CreateAcls (30) or DeleteAcls (31): an array of bindings or
    filters"""
    flex = ver >= 2
    items = [acl_fields(flex, *e) + (uvar(0) if flex else b"")
             for e in entries]
    if not flex:
        return hdr(key, ver) + arr(items)
    return flexhdr(key, ver) + uvar(len(items) + 1) + b"".join(items) + \
        uvar(0)


def createacls(ver, bindings):
    return acl_list(30, ver, bindings)


def describeacls(ver, flt):
    flex = ver >= 2
    body = acl_fields(flex, *flt)
    return (flexhdr(29, ver) + body + uvar(0)) if flex else \
        hdr(29, ver) + body


def deleteacls(ver, filters):
    return acl_list(31, ver, filters)


# (resource type, name, pattern type, principal, host, operation,
# permission): Kafka's codes (acl.h)
ACL_READ_T = (2, "t", 3, "User:a", "*", 3, 3)
ACL_DENY_PFX = (2, "p", 4, "User:*", "10.0.0.1", 4, 2)
ACL_BAD = (4, "x", 3, "a", "", 7, 3)
ACL_ANY = (1, None, 1, None, None, 1, 1)
ACL_MATCH_T = (2, "t", 2, "User:a", None, 1, 1)


def requests():
    out = {
        "createacls_v1": createacls(1, [ACL_READ_T, ACL_BAD]),
        "createacls_v2": createacls(2, [ACL_READ_T, ACL_DENY_PFX]),
        "describeacls_v1": describeacls(1, ACL_ANY),
        "describeacls_v3": describeacls(3, ACL_MATCH_T),
        "deleteacls_v1": deleteacls(1, [ACL_ANY]),
        "deleteacls_v3": deleteacls(3, [ACL_MATCH_T, (0,) + ACL_ANY[1:]]),
        "apiversions_v0": apiversions(0),
        "apiversions_v3": apiversions(3),
        "apiversions_v9": apiversions(9),
        "metadata_v0": metadata(0),
        "metadata_v4_all": metadata(4, None),
        "metadata_v4_new": metadata(4, ("auto",)),
        "produce_v3": produce(3),
        "produce_v7": produce(7, recs=batch(3, value=b"hello")),
        "produce_v7_acks0": produce(7, acks=0),
        "produce_v5_newtopic": produce(5, topic="p"),
        "fetch_v4": fetch(4),
        "fetch_v11": fetch(11, offset=1),
        "fetch_v11_wait": fetch(11, offset=99, wait=500),
        "listoffsets_v1": listoffsets(1, -2),
        "listoffsets_v2_ts": listoffsets(2, 1_700_000_000_001),
        "offsetcommit_v2": offsetcommit(2),
        "offsetcommit_v5": offsetcommit(5),
        "offsetfetch_v1": offsetfetch(1),
        "offsetfetch_v5_all": offsetfetch(5, topics=False),
        "findcoordinator_v0": findcoordinator(0),
        "findcoordinator_v2": findcoordinator(2),
        "joingroup_v0": joingroup(0),
        "joingroup_v5": joingroup(5),
        "heartbeat_v3": heartbeat(3),
        "leavegroup_v1": leavegroup(1),
        "syncgroup_v3": syncgroup(3),
        "describegroups_v2": describegroups(2),
        "listgroups_v2": listgroups(2),
        "createtopics_v0": createtopics(0),
        "createtopics_v4": createtopics(4, parts=3),
        "deletetopics_v3": deletetopics(3),
        "initproducerid_v1": initproducerid(1),
        "initproducerid_v0_txn": initproducerid(0, "tx"),
        "produce_v7_idempotent": produce(7, recs=batch(2, pid=1000)),
    }
    return out


def framed(*frames):
    return b"".join(i32(len(f)) + f for f in frames)


def sessions():
    """Streams of size-prefixed frames for the connection target: the
    first connection's stream (its length first, u16), then the second's.
    """
    jg = joingroup(5, member="")
    one = {
        "produce_fetch": framed(produce(7), fetch(11, offset=3),
                                listoffsets(2, -1)),
        "group": framed(findcoordinator(2), jg, syncgroup(3),
                        heartbeat(3), offsetcommit(5), offsetfetch(5),
                        leavegroup(1), describegroups(2), listgroups(2)),
        "acls": framed(createacls(2, [ACL_READ_T, ACL_DENY_PFX]),
                       describeacls(3, ACL_ANY), produce(7, topic="deny-1"),
                       deleteacls(3, [ACL_MATCH_T]),
                       describeacls(1, ACL_ANY)),
        "admin": framed(apiversions(3), createtopics(4, "n", 2),
                        metadata(4, None), produce(7, topic="n", part=1),
                        deletetopics(3, "n"), metadata(1)),
        "acks0_then_bad": framed(produce(7, acks=0), metadata(0),
                                 b"\x00\x63\x00\x00\x00\x00\x00\x01\xff\xff"),
        "apiversions_only": framed(apiversions(0), apiversions(9)),
        "idempotent": framed(initproducerid(1),
                             produce(7, recs=batch(2, pid=1000)),
                             produce(7, recs=batch(2, pid=1000)),
                             produce(7, recs=batch(1, pid=1000))),
    }
    out = {k: struct.pack(">H", len(v)) + v for k, v in one.items()}
    # Two clients: a long-poll fetch at the end offset woken by the other's
    # produce; a second member joining a group.
    a = framed(fetch(11, offset=6, wait=5000), metadata(1))
    out["two_fetch_woken"] = struct.pack(">H", len(a)) + a + framed(produce(7))
    a = framed(joingroup(5), heartbeat(3))
    out["two_join"] = struct.pack(">H", len(a)) + a + framed(joingroup(5),
                                                               listgroups(2))
    return out


# ---- batches -----------------------------------------------------------------

def batches():
    return {
        "one": batch(1),
        "three": batch(3, value=b"abc"),
        "pid": batch(2, pid=7),
        "gzip_attr": batch(1, attrs=1),
        "header_only": batch(1)[:61],
    }


# ---- partition directories (fuzz_plog's input format) ----------------------
# byte 0 flags: bit 0 clean-shutdown marker, bit 1 recovery point file
# (then byte 1 = its value); then chunks: kind u8 (0 .log, 1 .index,
# 2 .timeindex, mod 3), segment u8 (index into BASES, mod 5), length u16,
# bytes. A file written twice keeps the concatenation.

BASES = (0, 4, 10, 1000, 2**63 - 1001)


def chunk(kind, seg, data):
    return bytes([kind, seg]) + struct.pack(">H", len(data)) + data


def segment(base, nbatch, per=2, ts=1_700_000_000_000, value=b"xyz"):
    log = b""
    off = base
    for i in range(nbatch):
        log += batch(per, base_ts=ts + 10 * i, value=value,
                     base_offset=off)
        off += per
    return log, off


def partitions():
    out = {}
    log0, end0 = segment(0, 3)
    out["one_segment"] = b"\x00" + chunk(0, 0, log0)
    out["clean_with_index"] = b"\x01" + chunk(0, 0, log0) + chunk(
        1, 0, struct.pack(">ii", 3, len(batch(2, value=b"xyz")))) + chunk(
        2, 0, struct.pack(">qi", 1_700_000_000_021, 5))
    log1, _ = segment(4, 2, value=b"q" * 40)
    out["two_segments_rp"] = b"\x02\x04" + chunk(0, 0, log0[:2 * len(
        batch(2, value=b"xyz"))]) + chunk(0, 1, log1)
    out["torn_tail"] = b"\x00" + chunk(0, 0, log0[:-7])
    out["bad_crc"] = b"\x00" + chunk(0, 0, log0[:30] + b"\xee" + log0[31:])
    out["empty"] = b"\x00"
    top, _ = segment(BASES[4], 2)
    out["huge_base"] = b"\x00" + chunk(0, 4, top)
    return out


# ---- offset-store files -----------------------------------------------------

def osrec(group, topic, part, off, meta):
    g, t = group.encode(), topic.encode()
    m = i32(-1) if meta is None else i32(len(meta)) + meta.encode()
    payload = (i64(off) + i32(part) + struct.pack(">H", len(g)) + g +
               struct.pack(">H", len(t)) + t + m)
    return struct.pack(">II", len(payload), crc32c(payload)) + payload


def offstores():
    a = osrec("g", "t", 0, 5, "m")
    b = osrec("g", "t", 1, 7, None)
    c = osrec("h", "t", 0, 9, "")
    return {
        "one": a,
        "three": a + b + c,
        "overwrite": a + osrec("g", "t", 0, 6, "n"),
        "torn": a + b[:-3],
        "empty": b"",
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    sets = {
        "request": requests(),
        "conn": sessions(),
        "batch": batches(),
        "plog": partitions(),
        "offstore": offstores(),
    }
    for target, files in sets.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
