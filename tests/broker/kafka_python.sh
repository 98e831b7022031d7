#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kafka-python 2.0.2 (its own protocol code and version probe) against
# zcbroker: KafkaAdminClient creates a 4-partition topic, KafkaProducer sends
# keyed records plain and gzip, a KafkaConsumer group commits part of them,
# the broker restarts, the group resumes; every record checked (see
# group_flow.py).
# timeout: 120
# san: yes
. "$(dirname "$0")/_lib.sh"
. "$TB/_group_flow.sh"
zb_need_broker
zb_need_py kafka
zb_group_flow kafka-python
