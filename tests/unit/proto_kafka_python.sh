#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The codec's tables against kafka-python's own schemas of the pre-flexible
# versions: a message of every request and response class it defines
# (vectors/kafka_python_bodies.py) decodes with the tables and encodes back
# byte for byte (build/tests/unit/proto_vectors DIR).
# timeout: 60
# san: yes
set -u
src=${ZC_SRC:-.}
build=${ZC_BUILD:-build}
out=$(mktemp -d "${ZC_TMP:-/tmp}/kp.XXXXXX")
trap 'rm -rf "$out"' EXIT
/usr/bin/python3 "$src/tests/unit/vectors/kafka_python_bodies.py" "$out"
rc=$?
if [ $rc -eq 77 ]; then
	echo "kafka-python is not installed (python3-kafka)"
	exit 77
elif [ $rc -ne 0 ]; then
	echo "FAIL: kafka_python_bodies.py exited $rc"
	exit 1
fi
# Where kafka-python, not Kafka's schema, is wrong (checked against
# clients/src/main/resources/common/message/*.json):
#  - its FindCoordinator v1 response lacks ThrottleTimeMs (added in v1);
#  - its ListOffsets v4 and v5 requests send CurrentLeaderEpoch as int64
#    (an int32 in Kafka's schema);
#  - its DescribeAcls v2 keeps the v1 encoding, but v2 is flexible.
for known in 10-1-resp 2-4-req 2-5-req 29-2-req 29-2-resp; do
	if [ -f "$out/$known.bin" ]; then
		rm "$out/$known.bin"
	else
		echo "FAIL: $known.bin expected from kafka-python (its schemas changed?)"
		exit 1
	fi
done
if "$build/tests/unit/proto_vectors" "$out"; then
	echo "PASS: kafka-python's schemas agree with the tables"
else
	echo "FAIL: kafka-python's schemas and the tables disagree"
	exit 1
fi
