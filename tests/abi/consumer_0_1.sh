#!/usr/bin/env bash
# A program written against zcio 0.1 runs against the current libzcio.so
# and sees every field it knows (consumer-0.1.c checks them, with guard
# bytes around each structure). tests/abi/zcio-0.1.h is the 0.1 header as
# released. The program is linked twice: as it was in 0.1's time (against
# stub-0.1.c, a stand-in for 0.1's unversioned libzcio.so.0), and as it
# would be today (against the current .so, still with the 0.1 header).
# Both run with the current library and must use its ZCIO_0.1 symbols.
set -u
cd "$ZC_SRC" || exit 1
t=$ZC_TMP
mkdir -p "$t/old" "$t/new" "$t/run"
lib=$(cd "$ZC_BUILD" && pwd)/libzcio.so
ln -sf "$lib" "$t/new/libzcio.so.0"
cc -std=c11 -D_GNU_SOURCE -w -shared -fPIC -Wl,-soname,libzcio.so.0 \
	-I tests/abi -o "$t/old/libzcio.so" tests/abi/stub-0.1.c || exit 1
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I tests/abi \
	-o "$t/then" tests/abi/consumer-0.1.c -L "$t/old" -lzcio || exit 1
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I tests/abi \
	-o "$t/now" tests/abi/consumer-0.1.c "$lib" || exit 1
ok=1
for prog in then now; do
	if LD_LIBRARY_PATH=$t/new "$t/$prog" "$t/run"; then :; else
		echo "FAIL: the 0.1 program ($prog) failed"; ok=0; fi
	LD_DEBUG=bindings LD_LIBRARY_PATH=$t/new "$t/$prog" "$t/run" \
		>/dev/null 2>"$t/bindings.$prog"
	# "then" has unversioned references (shown without a version): they
	# find the library's only zc_transfer, the ZCIO_0.1 one (see below).
	for f in zc_transfer zc_transfer_opts zc_read_file; do
		if grep -Eq "file $t/$prog .*to $t/new/libzcio.so.0 .*symbol \`$f'( \[ZCIO_0.1\])?\$" \
			"$t/bindings.$prog"; then :; else
			echo "FAIL: $prog: $f not bound to $f of libzcio"; ok=0; fi
	done
done
for f in zc_transfer zc_transfer_opts zc_read_file; do
	if [ "$(nm -D --defined-only "$lib" | awk -v f="$f" '$3 ~ "^" f "@" { print $3 }')" = "$f@@ZCIO_0.1" ]; then :; else
		echo "FAIL: $f is not exported as $f@@ZCIO_0.1 alone"; ok=0; fi
done
if [ $ok = 1 ]; then
	echo "0.1 programs (linked then and now): ZCIO_0.1 symbols, every field checked"
	exit 0
fi
exit 1
