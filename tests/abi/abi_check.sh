#!/usr/bin/env bash
# make abi-check: the exported ABI of the built libzcio.so against the
# stored baseline abi/libzcio.abi (abidiff); SKIP without abigail-tools.
set -u
cd "$ZC_SRC" || exit 1
if ! command -v abidiff >/dev/null; then
	echo "abidiff is not installed (Debian package abigail-tools)"
	exit 77
fi
scripts/abi-check.sh "$ZC_BUILD/libzcio.so" abi/libzcio.abi
