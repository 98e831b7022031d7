#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# confluent-kafka-python (librdkafka 2.0.2) against zcbroker: AdminClient
# creates a 4-partition topic, keyed produce plain and gzip, a consumer group
# commits part of it, the broker restarts, the group resumes after its
# commits; every record checked (see group_flow.py).
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_group_flow.sh"
zb_need_broker
zb_need_py confluent_kafka
zb_group_flow confluent
