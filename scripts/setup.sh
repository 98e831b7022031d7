#!/usr/bin/env bash
# Installs what zcio needs on a Debian machine, and only what is missing.
#
#   scripts/setup.sh run    what `make run` needs (compiler, make)
#   scripts/setup.sh test   what `make test` needs (adds the Kafka clients,
#                           xfsprogs for the reflink tests, iperf3/pv for bench,
#                           mandoc and bash-completion for the manual's tests,
#                           abigail-tools for make abi-check)
#   scripts/setup.sh fuzz   what `make fuzz` needs (clang and its fuzzer runtime)
#
# As root it installs the missing Debian packages with apt-get; otherwise it
# names exactly what is missing and exits 1. The Node clients of
# tests/broker/package.json come from the npm registry into
# tests/broker/node_modules (pinned by package-lock.json).
set -eu
want=${1:-test}
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs_run="gcc make libc6-dev libssl-dev openssl zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev"
pkgs_test="$pkgs_run kcat librdkafka-dev python3 python3-kafka python3-confluent-kafka \
xfsprogs util-linux e2fsprogs iproute2 procps nodejs npm iperf3 pv strace \
mandoc bash-completion abigail-tools fuse3 libfuse3-dev pkg-config"
pkgs_fuzz="$pkgs_run clang libclang-rt-14-dev"
case "$want" in
run) pkgs=$pkgs_run ;;
fuzz) pkgs=$pkgs_fuzz ;;
test|bench) pkgs=$pkgs_test ;;
*) echo "usage: scripts/setup.sh run|test|fuzz" >&2; exit 2 ;;
esac

missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
# npm may come with the nodejs binary itself (NodeSource builds).
if [[ " ${missing[*]-} " == *" npm "* ]] && command -v npm >/dev/null; then
	missing=("${missing[@]/npm/}")
fi
if [[ " ${missing[*]-} " == *" nodejs "* ]] && command -v node >/dev/null; then
	missing=("${missing[@]/nodejs/}")
fi
read -r -a missing <<<"${missing[*]-}"

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing Debian packages: ${missing[*]}" >&2
		echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null ||
		{ echo "setup: apt-get update failed" >&2; exit 1; }
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		{ echo "setup: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

if [ "$want" = test ] && [ -f "$here/tests/broker/package.json" ]; then
	# Again whenever the lock file changed since the last install.
	nm="$here/tests/broker/node_modules/.package-lock.json"
	if [ ! -f "$nm" ] || [ "$here/tests/broker/package-lock.json" -nt "$nm" ]; then
		echo "setup: installing the Node clients (npm ci)"
		(cd "$here/tests/broker" && npm ci --silent --no-audit --no-fund) ||
			{ echo "setup: npm ci in tests/broker failed" >&2; exit 1; }
	fi
fi
exit 0
