#!/usr/bin/env bash
# libzcio.so exports exactly the functions zcio.h declares (ZC_API), each
# with a symbol version from lib/libzcio.map, and nothing else: no internal
# zc__ helper, no libc symbol.
set -u
cd "$ZC_SRC" || exit 1
t=$ZC_TMP
lib=$ZC_BUILD/libzcio.so
# Functions of the header: the identifier before "(" on ZC_API lines, and
# the symbols ZC_SYMBOL(...) gives some of them (the names stay exported,
# for programs built against the header that introduced them).
{
	sed -n 's/^ZC_API[^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' include/zcio.h
	sed -n 's/.*ZC_SYMBOL(\([a-z_0-9]*\));.*/\1/p' include/zcio.h
} | sort -u >"$t/header"
# Defined dynamic symbols, without the version definitions (type A).
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' >"$t/versioned"
sed 's/@.*//' "$t/versioned" | sort -u >"$t/exported"
ok=1
if [ -s "$t/header" ]; then :; else echo "FAIL: no ZC_API function found in zcio.h"; ok=0; fi
if diff -u "$t/header" "$t/exported"; then :; else
	echo "FAIL: exported functions differ from zcio.h (- header, + .so)"; ok=0; fi
if grep -v '@' "$t/versioned"; then
	echo "FAIL: the symbols above carry no version"; ok=0; fi
if [ $ok = 1 ]; then
	echo "$(wc -l <"$t/exported") functions exported, all versioned, as zcio.h declares:"
	tr '\n' ' ' <"$t/versioned"; echo
	exit 0
fi
exit 1
