#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The codec's response tables against implementations written by other
# people: one response of every API and version, filled by the round-trip
# test (build/tests/unit/proto_schema with ZC_SCHEMA_RESPONSES), must parse
# with the own parsers of @platformatic/kafka and kafka-ts
# (tests/broker/node_modules) for every version each implements, each
# consuming exactly its bytes (see tests/unit/vectors/check_responses.mjs).
# timeout: 120
set -u
src=${ZC_SRC:-.}
build=${ZC_BUILD:-build}
npmdir=$src/tests/broker
if ! command -v node >/dev/null; then
	echo "node is not installed"
	exit 77
fi
for pkg in @platformatic/kafka kafka-ts; do
	if [ ! -d "$npmdir/node_modules/$pkg" ]; then
		echo "$pkg is not installed (scripts/setup.sh runs npm ci in tests/broker)"
		exit 77
	fi
done
out=$(mktemp -d "${ZC_TMP:-/tmp}/responses.XXXXXX")
trap 'rm -rf "$out"' EXIT
if ZC_SCHEMA_RESPONSES=$out "$build/tests/unit/proto_schema" >/dev/null; then
	:
else
	echo "FAIL: proto_schema did not write the responses"
	exit 1
fi
if node "$src/tests/unit/vectors/check_responses.mjs" "$out" "$npmdir"; then
	echo "PASS: response tables agree with @platformatic/kafka and kafka-ts"
else
	echo "FAIL: response tables and the Node clients disagree"
	exit 1
fi
