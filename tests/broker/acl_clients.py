# SPDX-License-Identifier: MIT
"""acl_clients.py — the Python halves of acl.sh and acl_confluent.sh: ACLs
managed with kafka-python's and confluent-kafka's admin clients, and a
kafka-python consumer group allowed or refused.

The client's security settings come from one librdkafka-style properties
file (security.protocol, sasl.mechanism, sasl.username, sasl.password),
the same file kcat reads with -F, so the scenario runs unchanged over
PLAINTEXT or SASL.

  acl_clients.py PROPS ADDR kp-setup PRINCIPAL
  acl_clients.py PROPS ADDR kp-denied
  acl_clients.py PROPS ADDR kp-group GROUP TOPIC N   (N < 0: refused)
  acl_clients.py PROPS ADDR ck-admin PRINCIPAL
  acl_clients.py PROPS ADDR kp-grant TOPICS BINDING...
      TOPICS comma-separated; BINDING PRINCIPAL/TYPE/NAME/PATTERN/OP/PERM,
      e.g. User:bob/TOPIC/bob-/PREFIXED/WRITE/DENY
"""
import sys
import time

from _kt import fail, log


def props(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


# librdkafka property -> kafka-python keyword
KP_NAMES = {
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.mechanisms": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
}


def kp_conf(p, addr):
    conf = {"bootstrap_servers": addr, "request_timeout_ms": 20000}
    for k, v in p.items():
        if k not in KP_NAMES:
            fail("no kafka-python name for client property %s" % k)
        conf[KP_NAMES[k]] = v
    return conf


def kp_admin(p, addr):
    from kafka.admin import KafkaAdminClient
    return KafkaAdminClient(**kp_conf(p, addr))


def kp_acls():
    from kafka.admin import (ACL, ACLOperation, ACLPermissionType,
                             ACLResourcePatternType, ResourcePattern,
                             ResourceType)
    return ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, \
        ResourcePattern, ResourceType


def kp_setup(p, addr, who):
    """As a super user: topics, the ACLs of the second half, and the
    three admin calls checked against each other."""
    from kafka.admin import ACLFilter, NewTopic, ResourcePatternFilter
    ACL, Op, Perm, Pat, RP, RT = kp_acls()
    a = kp_admin(p, addr)
    a.create_topics([NewTopic(t, 1, 1) for t in
                     ("acl-ro", "acl-open", "acl-hidden")])

    def acl(rt, name, op, perm=Perm.ALLOW, pat=Pat.LITERAL):
        return ACL(principal=who, host="*", operation=op,
                   permission_type=perm,
                   resource_pattern=RP(rt, name, pat))
    keep = [acl(RT.TOPIC, "acl-ro", Op.READ),
            acl(RT.TOPIC, "acl-open", Op.ALL),
            acl(RT.GROUP, "acl-g", Op.READ)]
    extra = [acl(RT.TOPIC, "tmp-", Op.WRITE, Perm.DENY, Pat.PREFIXED),
             acl(RT.GROUP, "tmp-g", Op.DESCRIBE)]
    bad = [acl(RT.CLUSTER, "not-the-cluster", Op.ALTER)]
    r = a.create_acls(keep + extra + bad)
    if len(r["succeeded"]) != 5 or len(r["failed"]) != 1:
        fail("create_acls: %r" % (r,))
    everything = ACLFilter(principal=None, host=None, operation=Op.ANY,
                           permission_type=Perm.ANY,
                           resource_pattern=ResourcePatternFilter(
                               RT.ANY, None, Pat.ANY))
    got, err = a.describe_acls(everything)
    if err.errno != 0 or len(got) != 5:
        fail("describe_acls: %d bindings, %r" % (len(got), err))
    names = sorted(b.resource_pattern.resource_name for b in got)
    if names != ["acl-g", "acl-open", "acl-ro", "tmp-", "tmp-g"]:
        fail("describe_acls listed %r" % names)
    # Delete the two extra bindings: one filter each, each listing its own.
    res = a.delete_acls([
        ACLFilter(principal=who, host=None, operation=Op.ANY,
                  permission_type=Perm.ANY,
                  resource_pattern=ResourcePatternFilter(
                      RT.TOPIC, "tmp-", Pat.PREFIXED)),
        ACLFilter(principal=None, host=None, operation=Op.DESCRIBE,
                  permission_type=Perm.ANY,
                  resource_pattern=ResourcePatternFilter(
                      RT.GROUP, None, Pat.ANY))])
    if [len(m) for _, m, e in res] != [1, 1] or \
            any(e.errno for _, _, e in res):
        fail("delete_acls: %r" % (res,))
    got, err = a.describe_acls(everything)
    if sorted(b.resource_pattern.resource_name for b in got) != \
            ["acl-g", "acl-open", "acl-ro"]:
        fail("after delete_acls: %r" % (got,))
    a.close()
    log("kafka-python: create_acls, describe_acls, delete_acls agree")


def kp_grant(p, addr, topics, specs):
    """Make topics and the bindings given, each one created and listed
    back by describe_acls."""
    from kafka.admin import ACLFilter, NewTopic, ResourcePatternFilter
    ACL, Op, Perm, Pat, RP, RT = kp_acls()
    a = kp_admin(p, addr)
    a.create_topics([NewTopic(t, 1, 1) for t in topics.split(",")])
    want = []
    for spec in specs:
        who, rt, name, pat, op, perm = spec.split("/")
        want.append(ACL(principal=who, host="*", operation=Op[op],
                        permission_type=Perm[perm],
                        resource_pattern=RP(RT[rt], name, Pat[pat])))
    r = a.create_acls(want)
    if len(r["succeeded"]) != len(want) or r["failed"]:
        fail("create_acls: %r" % (r,))
    got, err = a.describe_acls(ACLFilter(
        principal=None, host=None, operation=Op.ANY,
        permission_type=Perm.ANY,
        resource_pattern=ResourcePatternFilter(RT.ANY, None, Pat.ANY)))
    key = sorted((b.principal, b.resource_pattern.resource_name, b.operation,
                  b.permission_type) for b in got)
    if err.errno != 0 or key != sorted(
            (b.principal, b.resource_pattern.resource_name, b.operation,
             b.permission_type) for b in want):
        fail("describe_acls: %r %r" % (got, err))
    a.close()
    log("kafka-python: %d topics, %d bindings made and listed back"
        % (len(topics.split(",")), len(want)))


def kp_denied(p, addr):
    """Not a super user: the ACL admin calls are refused."""
    import kafka.errors as ke
    from kafka.admin import ACLFilter, NewTopic, ResourcePatternFilter
    ACL, Op, Perm, Pat, RP, RT = kp_acls()
    a = kp_admin(p, addr)
    b = ACL(principal="User:x", host="*", operation=Op.READ,
            permission_type=Perm.ALLOW,
            resource_pattern=RP(RT.TOPIC, "t", Pat.LITERAL))
    r = a.create_acls([b])
    # kafka-python lists the error's class (or an instance of it)
    e = r["failed"][0][1] if len(r["failed"]) == 1 else None
    e = e if isinstance(e, type) else type(e)
    if r["succeeded"] or not issubclass(e, ke.ClusterAuthorizationFailedError):
        fail("create_acls without ALTER on the cluster: %r" % (r,))
    try:
        a.describe_acls(ACLFilter(principal=None, host=None,
                                  operation=Op.ANY, permission_type=Perm.ANY,
                                  resource_pattern=ResourcePatternFilter(
                                      RT.ANY, None, Pat.ANY)))
        fail("describe_acls without DESCRIBE on the cluster succeeded")
    except ke.ClusterAuthorizationFailedError:
        pass
    try:
        a.create_topics([NewTopic("acl-new", 1, 1)])
        fail("create_topics without CREATE succeeded")
    except ke.TopicAuthorizationFailedError:
        pass
    try:
        a.delete_topics(["acl-ro"])
        fail("delete_topics without DELETE succeeded")
    except ke.TopicAuthorizationFailedError:
        pass
    a.close()
    log("kafka-python: admin calls refused without the rights")


def kp_group(p, addr, group, topic, n):
    """Consume n records of topic in group and commit (n < 0: the group
    must be refused)."""
    import kafka.errors as ke
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(topic, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=15000,
                      **{k: v for k, v in kp_conf(p, addr).items()
                         if k != "request_timeout_ms"})
    got = []
    try:
        end = time.time() + 30
        while time.time() < end and len(got) < max(n, 1):
            for recs in c.poll(timeout_ms=500).values():
                got.extend(r.value.decode() for r in recs)
        if n < 0:
            fail("group %s was not refused" % group)
        if len(got) != n:
            fail("group %s got %d records, expected %d" % (group, len(got),
                                                            n))
        c.commit()
        off = c.committed(TopicPartition(topic, 0))
        if off != n:
            fail("group %s committed %r, expected %d" % (group, off, n))
    except ke.GroupAuthorizationFailedError:
        if n >= 0:
            raise
        log("kafka-python: group %s refused (GROUP_AUTHORIZATION_FAILED)"
            % group)
        return
    finally:
        c.close()
    for i, v in enumerate(got):
        if not v.startswith("acl-%04d " % i):
            fail("record %d is %r" % (i, v[:40]))
    log("kafka-python: group %s read %d records and committed" % (group, n))


def ck_admin(p, addr, who):
    """confluent-kafka's AdminClient (1.9+): the same three calls."""
    import confluent_kafka
    from confluent_kafka.admin import AdminClient
    try:
        from confluent_kafka.admin import (AclBinding, AclBindingFilter,
                                           AclOperation, AclPermissionType,
                                           ResourcePatternType, ResourceType)
    except ImportError:
        print("confluent-kafka %s has no ACL admin API (1.9 added it)" %
              confluent_kafka.version()[0])
        sys.exit(77)
    conf = dict(p)
    conf["bootstrap.servers"] = addr
    a = AdminClient(conf)
    b = [AclBinding(ResourceType.TOPIC, "ck-t", ResourcePatternType.LITERAL,
                    who, "*", AclOperation.READ, AclPermissionType.ALLOW),
         AclBinding(ResourceType.GROUP, "ck-", ResourcePatternType.PREFIXED,
                    who, "*", AclOperation.READ, AclPermissionType.DENY)]
    for f in a.create_acls(b).values():
        f.result(timeout=20)
    bad = AclBinding(ResourceType.CLUSTER, "nope", ResourcePatternType.LITERAL,
                     who, "*", AclOperation.ALTER, AclPermissionType.ALLOW)
    for f in a.create_acls([bad]).values():
        try:
            f.result(timeout=20)
            fail("confluent-kafka: an invalid binding was created")
        except confluent_kafka.KafkaException:
            pass
    flt = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY,
                           None, None, AclOperation.ANY,
                           AclPermissionType.ANY)
    got = a.describe_acls(flt).result(timeout=20)
    if sorted(x.name for x in got) != ["ck-", "ck-t"]:
        fail("confluent-kafka describe_acls: %r" % (got,))
    res = a.delete_acls([flt])
    for f in res.values():
        if len(f.result(timeout=20)) != 2:
            fail("confluent-kafka delete_acls removed %r" % f.result())
    if a.describe_acls(flt).result(timeout=20):
        fail("confluent-kafka: bindings left after delete_acls")
    log("confluent-kafka: create_acls, describe_acls, delete_acls agree")


def main():
    p, addr, cmd = props(sys.argv[1]), sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    if cmd == "kp-setup":
        kp_setup(p, addr, args[0])
    elif cmd == "kp-denied":
        kp_denied(p, addr)
    elif cmd == "kp-group":
        kp_group(p, addr, args[0], args[1], int(args[2]))
    elif cmd == "kp-grant":
        kp_grant(p, addr, args[0], args[1:])
    elif cmd == "ck-admin":
        ck_admin(p, addr, args[0])
    else:
        fail("unknown command %s" % cmd)


if __name__ == "__main__":
    main()
