# SPDX-License-Identifier: MIT
"""_clients.py — the two Python Kafka clients behind one small interface,
so one test flow (group_flow.py) runs unchanged on both:

  create_topic(topic, partitions)
  produce(topic, msgs, compression, acks) -> [(partition, offset, key, value)]
  consume(group, topic, n, commit, settle) -> records in arrival order
  committed(group, topic, partitions) -> {partition: offset}

confluent-kafka-python wraps librdkafka (the same code as kcat);
kafka-python is pure Python with its own protocol code and version probe.

Over TLS when ZC_SSL_CA names the CA file (ZC_SSL_CERT and ZC_SSL_KEY: a
client certificate and its key, for ssl.client.auth).
"""
import os
import time

from _kt import fail, log

TIMEOUT = 30  # seconds for any one client operation to make progress


def _dec(b):
    return None if b is None else b.decode()


def _collect(name, n, settle, poll):
    """Poll until n records arrived (then `settle` more seconds, in which
    nothing more may arrive); fail on too few or too many. poll(room)
    returns a list of (partition, offset, key, value), at most room."""
    got = []
    end = time.time() + TIMEOUT
    limit = n
    while time.time() < end:
        if len(got) >= limit:
            if settle <= 0 or limit > n:
                break
            # keep polling a little: nothing more may arrive
            limit = n + 1
            end = time.time() + settle
        got.extend(poll(limit - len(got)))
    if len(got) < n:
        fail("%s consumer got %d of %d records in %ds" %
             (name, len(got), n, TIMEOUT))
    if len(got) > n:
        fail("%s consumer got %d records, expected %d (duplicates?)" %
             (name, len(got), n))
    return got


def _next_offsets(got):
    """{partition: offset to commit} after the records in got."""
    return {p: o + 1 for p, o, _, _ in got}


def _tls():
    """(CA, certificate, key) from the environment, or None."""
    ca = os.environ.get("ZC_SSL_CA")
    if not ca:
        return None
    return ca, os.environ.get("ZC_SSL_CERT"), os.environ.get("ZC_SSL_KEY")


class Confluent:
    name = "confluent-kafka"

    def __init__(self, addr, extra=None):
        import confluent_kafka as ck
        self.ck = ck
        self.addr = addr
        self.sec = {}
        t = _tls()
        if t:
            self.sec = {"security.protocol": "ssl", "ssl.ca.location": t[0]}
            if t[1]:
                self.sec["ssl.certificate.location"] = t[1]
                self.sec["ssl.key.location"] = t[2]
        self.sec.update(extra or {})  # more settings (SASL)

    def _conf(self, **kv):
        """A client configuration: bootstrap.servers, TLS, then kv
        (names with dots given with underscores)."""
        c = {"bootstrap.servers": self.addr}
        c.update(self.sec)
        c.update({k.replace("_", "."): v for k, v in kv.items()})
        return c

    def create_topic(self, topic, partitions):
        from confluent_kafka.admin import AdminClient, NewTopic
        a = AdminClient(self._conf())
        fs = a.create_topics([NewTopic(topic, partitions, 1)],
                             operation_timeout=10, request_timeout=15)
        try:
            fs[topic].result(timeout=TIMEOUT)
        except Exception as e:
            fail("AdminClient.create_topics(%s): %s" % (topic, e))
        md = a.list_topics(topic, timeout=10)
        t = md.topics.get(topic)
        if t is None or t.error is not None or \
                len(t.partitions) != partitions:
            fail("metadata after create: %s" % (t and (t.error,
                                                       len(t.partitions))))

    def produce(self, topic, msgs, compression="none", acks="all"):
        p = self.ck.Producer(self._conf(
            acks=acks, linger_ms=5, compression_type=compression or "none",
            message_timeout_ms=TIMEOUT * 1000))
        out = [None] * len(msgs)
        errs = []

        def report(i):
            def cb(err, m):
                if err is not None:
                    errs.append(str(err))
                else:
                    out[i] = (m.partition(), m.offset(), _dec(m.key()),
                              _dec(m.value()))
            return cb

        for i, (k, v) in enumerate(msgs):
            while True:
                try:
                    p.produce(topic, key=k.encode(), value=v.encode(),
                              on_delivery=report(i))
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
        left = p.flush(TIMEOUT)
        if errs or left:
            fail("%s produce: %d undelivered, errors %s" %
                 (self.name, left, errs[:3]))
        return out

    def _consumer(self, group):
        return self.ck.Consumer(self._conf(
            group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=6000,
            heartbeat_interval_ms=500))

    def consume(self, group, topic, n, commit=True, settle=0):
        c = self._consumer(group)
        c.subscribe([topic])

        def poll(room):
            m = c.poll(0.2)
            if m is None:
                return []
            if m.error():
                fail("%s consumer: %s" % (self.name, m.error()))
            return [(m.partition(), m.offset(), _dec(m.key()),
                     _dec(m.value()))]

        got = _collect(self.name, n, settle, poll)
        if commit:
            tps = [self.ck.TopicPartition(topic, p, o)
                   for p, o in sorted(_next_offsets(got).items())]
            if tps:
                res = c.commit(offsets=tps, asynchronous=False)
                for tp in res or []:
                    if tp.error is not None:
                        fail("commit %d: %s" % (tp.partition, tp.error))
        c.close()
        return got

    def committed(self, group, topic, partitions):
        c = self._consumer(group)
        tps = [self.ck.TopicPartition(topic, p) for p in range(partitions)]
        res = c.committed(tps, timeout=TIMEOUT)
        c.close()
        return {tp.partition: tp.offset for tp in res if tp.offset >= 0}


class KafkaPython:
    name = "kafka-python"

    def __init__(self, addr, extra=None):
        import kafka
        self.kafka = kafka
        self.addr = addr
        self.sec = {}
        t = _tls()
        if t:
            self.sec = {"security_protocol": "SSL", "ssl_cafile": t[0],
                        "ssl_certfile": t[1], "ssl_keyfile": t[2]}
        self.sec.update(extra or {})  # more settings (SASL)
        self.extra = {}

    def create_topic(self, topic, partitions):
        from kafka.admin import KafkaAdminClient, NewTopic
        a = KafkaAdminClient(bootstrap_servers=self.addr,
                             request_timeout_ms=TIMEOUT * 1000, **self.sec)
        try:
            r = a.create_topics([NewTopic(topic, partitions, 1)],
                                timeout_ms=10000)
        except Exception as e:
            fail("KafkaAdminClient.create_topics(%s): %r" % (topic, e))
        for t, code, *_ in getattr(r, "topic_errors", []):
            if code != 0:
                fail("create_topics(%s): error %d" % (t, code))
        a.close()
        c = self.kafka.KafkaConsumer(bootstrap_servers=self.addr, **self.sec)
        parts = c.partitions_for_topic(topic)
        c.close()
        if parts != set(range(partitions)):
            fail("metadata after create: partitions %s" % parts)

    def produce(self, topic, msgs, compression=None, acks="all"):
        acks = {"all": "all", "-1": "all", "1": 1, "0": 0}[str(acks)]
        p = self.kafka.KafkaProducer(bootstrap_servers=self.addr, **self.extra,
                                     acks=acks, linger_ms=5,
                                     compression_type=compression,
                                     request_timeout_ms=TIMEOUT * 1000,
                                     **self.sec)
        futs = [p.send(topic, key=k.encode(), value=v.encode())
                for k, v in msgs]
        p.flush(TIMEOUT)
        out = []
        for (k, v), f in zip(msgs, futs):
            try:
                md = f.get(timeout=TIMEOUT)
            except Exception as e:
                fail("%s produce: %r" % (self.name, e))
            out.append((md.partition, md.offset, k, v))
        p.close()
        return out

    def _consumer(self, group):
        return self.kafka.KafkaConsumer(bootstrap_servers=self.addr, **self.extra,
                                        group_id=group,
                                        enable_auto_commit=False,
                                        auto_offset_reset="earliest",
                                        session_timeout_ms=6000,
                                        heartbeat_interval_ms=500,
                                        **self.sec)

    def consume(self, group, topic, n, commit=True, settle=0):
        from kafka.structs import OffsetAndMetadata, TopicPartition
        c = self._consumer(group)
        c.subscribe([topic])

        def poll(room):
            batch = c.poll(timeout_ms=200, max_records=room)
            return [(m.partition, m.offset, _dec(m.key), _dec(m.value))
                    for tp in sorted(batch) for m in batch[tp]]

        got = _collect(self.name, n, settle, poll)
        if commit:
            offs = {TopicPartition(topic, p): OffsetAndMetadata(o, "")
                    for p, o in _next_offsets(got).items()}
            if offs:
                c.commit(offs)
        c.close(autocommit=False)
        return got

    def committed(self, group, topic, partitions):
        from kafka.structs import TopicPartition
        c = self._consumer(group)
        out = {}
        for p in range(partitions):
            o = c.committed(TopicPartition(topic, p))
            if o is not None and o >= 0:
                out[p] = o
        c.close(autocommit=False)
        return out


CLIENTS = {"confluent": Confluent, "kafka-python": KafkaPython}


def client(name, addr, extra=None):
    c = CLIENTS[name](addr, extra)
    log("client %s against %s" % (c.name, addr))
    return c
