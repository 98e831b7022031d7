#!/usr/bin/python3
"""Encode one message of every request and response class kafka-python
defines (its own hand-written schemas of the pre-flexible versions), with
pseudo-random values, as OUTDIR/KEY-VERSION-req.bin or -resp.bin (the body
only). tests/unit/proto_vectors.c OUTDIR decodes each with the codec's
tables and encodes it back byte for byte: the tables checked against a
third implementation, for the old versions the broker still serves.

    kafka_python_bodies.py OUTDIR      (exit 77 without kafka-python)
"""
import inspect
import os
import random
import sys

try:
    import kafka.protocol as kp
    from kafka.protocol import (admin, commit, fetch, group, metadata,
                                offset, produce)
    from kafka.protocol.api import Request, Response
    from kafka.protocol.types import (Array, Boolean, Bytes, Int8, Int16,
                                      Int32, Int64, Schema, String)
except ImportError:
    print("kafka-python is not installed (python3-kafka)")
    sys.exit(77)

rng = random.Random(1)


def value(t, depth):
    if t is Int8 or isinstance(t, Int8):
        return rng.randint(-128, 127)
    if t is Int16 or isinstance(t, Int16):
        return rng.randint(-32768, 32767)
    if t is Int32 or isinstance(t, Int32):
        return rng.randint(-2**31, 2**31 - 1)
    if t is Int64 or isinstance(t, Int64):
        return rng.randint(-2**63, 2**63 - 1)
    if t is Boolean or isinstance(t, Boolean):
        return rng.choice([True, False])
    if t is String or isinstance(t, String):
        return "".join(rng.choice("abcxyz-._0123") for _ in range(rng.randint(0, 9)))
    if t is Bytes or isinstance(t, Bytes):
        return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 9)))
    if isinstance(t, Schema):
        return tuple(value(f, depth + 1) for f in t.fields)
    if isinstance(t, Array):
        n = rng.randint(0, 2 if depth < 3 else 1)
        return [value(t.array_of, depth + 1) for _ in range(n)]
    raise TypeError("unknown type %r" % (t,))


def main():
    out = sys.argv[1]
    n = 0
    for mod in (admin, commit, fetch, group, metadata, offset, produce):
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if not (issubclass(cls, (Request, Response))) or cls in (Request, Response):
                continue
            key = getattr(cls, "API_KEY", None)
            ver = getattr(cls, "API_VERSION", None)
            if not isinstance(key, int) or not isinstance(ver, int):
                continue
            kind = "req" if issubclass(cls, Request) else "resp"
            path = os.path.join(out, "%d-%d-%s.bin" % (key, ver, kind))
            try:
                data = cls.SCHEMA.encode([value(f, 0)
                                          for f in cls.SCHEMA.fields])
            except TypeError:
                continue  # old message sets: not in the tables' range
            with open(path, "wb") as f:
                f.write(data)
            n += 1
    print("%d messages" % n)


if __name__ == "__main__":
    main()
