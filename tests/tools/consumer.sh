#!/usr/bin/env bash
# A program that includes only <zcio.h> links against build/libzcio.a and
# nothing else, and moves data with every method (each byte checked). Then
# `make install` into a temporary prefix, and the same program builds with
# pkg-config against the installed static and shared libraries.
set -eu
cd "$ZC_SRC"
t=$ZC_TMP
src=tests/tools/consumer/consumer.c

cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I include -o "$t/c-static" \
	"$src" "$ZC_BUILD/libzcio.a" -pthread
mkdir -p "$t/run1"
"$t/c-static" "$t/run1"

make --no-print-directory -s BUILD="$ZC_BUILD" PREFIX="$t/prefix" install >/dev/null
export PKG_CONFIG_PATH=$t/prefix/lib/pkgconfig
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -o "$t/c-shared" "$src" $(pkg-config --cflags --libs zcio)
mkdir -p "$t/run2"
LD_LIBRARY_PATH=$t/prefix/lib "$t/c-shared" "$t/run2" >/dev/null
# The shared build really used the installed .so.
LD_LIBRARY_PATH=$t/prefix/lib ldd "$t/c-shared" | grep -q "$t/prefix/lib/libzcio.so"
echo "static and pkg-config builds moved data with every method"
