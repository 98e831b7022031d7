# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# _lib.sh — what the end-to-end scripts of zcbroker share: starting a broker
# on a free port with its data under $ZC_TMP, waiting for its "listening on"
# line, stopping it cleanly (SIGTERM, exit 0 checked) or brutally (SIGKILL),
# and skipping when a client the test needs is missing.
#
# Source it from a test script:  . "$(dirname "$0")/_lib.sh"
# After zb_start: ZB_PID, ZB_PORT, ZB_ADDR (127.0.0.1:PORT), ZB_LOG; with
# several listeners (--set listeners=...) zb_ports fills ZB_PORTS[NAME].

set -u

ZC_SRC=${ZC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ZC_BUILD=${ZC_BUILD:-$ZC_SRC/build}
if [ -z "${ZC_TMP:-}" ]; then
	ZC_TMP=$(mktemp -d /tmp/zcbroker-test.XXXXXX)
fi
ZC_SAN=${ZC_SAN:-}
# Debian's interpreter: python3-kafka and python3-confluent-kafka live there.
PY=/usr/bin/python3
TB=$ZC_SRC/tests/broker
ZB_BIN=$ZC_BUILD/zcbroker
ZB_PID=
ZB_PORT=
ZB_ADDR=
ZB_LOG=
ZB_RUNS=0
# Sanitizer builds start and answer slower.
ZB_WAIT=10
[ -n "$ZC_SAN" ] && ZB_WAIT=30
export PYTHONPATH=$TB${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1

zb_skip()
{
	echo "$*"
	exit 77
}

# Print the end of the broker's log, then the reason, and fail.
zb_fail()
{
	if [ -n "$ZB_LOG" ] && [ -f "$ZB_LOG" ]; then
		echo "---- last lines of $ZB_LOG"
		tail -n 15 "$ZB_LOG"
		echo "----"
	fi
	echo "FAIL: $*"
	exit 1
}

zb_need_broker()
{
	[ -x "$ZB_BIN" ] || zb_skip "no zcbroker in $ZC_BUILD (not built)"
}

zb_need_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			zb_skip "$c is not installed (scripts/setup.sh test)"
	done
}

# zb_need_py MODULE...: Debian's python3 can import every MODULE.
zb_need_py()
{
	local m
	[ -x "$PY" ] || zb_skip "$PY is not installed"
	for m in "$@"; do
		"$PY" -c "import $m" >/dev/null 2>&1 ||
			zb_skip "python module $m is missing (scripts/setup.sh test)"
	done
}

zb_need_kafkajs()
{
	zb_need_cmd node
	[ -d "$TB/node_modules/kafkajs" ] ||
		zb_skip "kafkajs is not installed (npm ci in tests/broker)"
}

# Sanitizer reports end up in the broker's log; any of them fails the test.
zb_check_log()
{
	[ -f "$ZB_LOG" ] || return 0
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ZB_LOG"; then
		grep -m 5 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ZB_LOG"
		zb_fail "sanitizer report in the broker's log"
	fi
}

# zb_start DATA_DIR [broker options...]: start a broker on 127.0.0.1:0 (or
# on $ZB_LISTEN) and wait until it says which port it got.
zb_start()
{
	local dir=$1 i port
	shift
	mkdir -p "$dir"
	ZB_RUNS=$((ZB_RUNS + 1))
	ZB_LOG=$ZC_TMP/broker.$ZB_RUNS.log
	: >"$ZB_LOG"
	"$ZB_BIN" --listen "${ZB_LISTEN:-127.0.0.1:0}" --data-dir "$dir" "$@" >"$ZB_LOG" 2>&1 &
	ZB_PID=$!
	for ((i = 0; i < ZB_WAIT * 20; i++)); do
		port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' \
			"$ZB_LOG" | head -n 1)
		if [ -n "$port" ]; then
			ZB_PORT=$port
			ZB_ADDR=127.0.0.1:$port
			return 0
		fi
		if ! kill -0 "$ZB_PID" 2>/dev/null; then
			wait "$ZB_PID"
			local rc=$?
			ZB_PID=
			zb_fail "zcbroker $* exited with status $rc before listening"
		fi
		sleep 0.05
	done
	zb_fail "zcbroker printed no 'listening on' line within ${ZB_WAIT}s"
}

# zb_ports: the port of each listener of the broker zb_start started, from
# its "listening on HOST:PORT (listener NAME, PROTO, ...)" lines, once it
# says it is serving: ZB_PORTS[NAME]=PORT.
declare -gA ZB_PORTS=()
zb_ports()
{
	local i name port
	for ((i = 0; i < ZB_WAIT * 20; i++)); do
		grep -q 'serving data' "$ZB_LOG" && break
		zb_alive || zb_fail "zcbroker exited before serving"
		sleep 0.05
	done
	grep -q 'serving data' "$ZB_LOG" ||
		zb_fail "zcbroker did not start serving within ${ZB_WAIT}s"
	ZB_PORTS=()
	while read -r port name; do
		ZB_PORTS[$name]=$port
	done < <(sed -n 's/.*listening on .*:\([0-9][0-9]*\) (listener \([^,]*\),.*/\1 \2/p' \
		"$ZB_LOG")
}

# Whether the broker we started is still running.
zb_alive()
{
	[ -n "$ZB_PID" ] && kill -0 "$ZB_PID" 2>/dev/null
}

# Wait for pid $1 up to $2 seconds; SIGKILL it after that. Sets ZB_RC.
zb_wait_pid()
{
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ZB_RC=timeout
		return 1
	fi
	wait "$pid"
	ZB_RC=$?
	return 0
}

# Stop with SIGTERM: the broker must flush, close and exit 0.
zb_stop()
{
	[ -n "$ZB_PID" ] || return 0
	zb_alive || {
		wait "$ZB_PID"
		local rc=$?
		ZB_PID=
		zb_fail "zcbroker had died before it was stopped (status $rc)"
	}
	kill -TERM "$ZB_PID"
	zb_wait_pid "$ZB_PID" "$ZB_WAIT" ||
		{ ZB_PID=; zb_fail "zcbroker ignored SIGTERM for ${ZB_WAIT}s"; }
	ZB_PID=
	zb_check_log
	[ "$ZB_RC" = 0 ] || zb_fail "zcbroker exited with status $ZB_RC on SIGTERM"
}

# Kill with SIGKILL (a crash): nothing is flushed or closed.
zb_kill()
{
	[ -n "$ZB_PID" ] || return 0
	kill -9 "$ZB_PID" 2>/dev/null
	wait "$ZB_PID" 2>/dev/null
	ZB_PID=
}

zb_cleanup()
{
	if [ -n "$ZB_PID" ]; then
		kill -9 "$ZB_PID" 2>/dev/null
		wait "$ZB_PID" 2>/dev/null
	fi
	local j
	for j in $(jobs -p); do
		kill -9 "$j" 2>/dev/null
	done
}
trap zb_cleanup EXIT

# zb_py SCRIPT ARGS...: run one of the Python halves of a test.
zb_py()
{
	local s=$1
	shift
	"$PY" "$TB/$s" "$@"
}
