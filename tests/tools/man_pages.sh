#!/usr/bin/env bash
# The manual pages of docs/man/:
#  - each renders with `mandoc -T lint -W warning` without a message;
#  - every function include/zcio.h declares ZC_API is named in the NAME or
#    SYNOPSIS section of some page;
#  - every short and long option that `zcp --help`, `zcbench --help` and
#    `zcbroker --help` print is an item (.It ... Fl NAME) of its page, and
#    every setting broker/config.c accepts an item (.It Cm NAME) of
#    zcbroker(1);
#  - scripts/install-docs.sh installs every page, with a link for each
#    other name a page documents, and removes them all again.
# Every entry that is missing is named.
set -u
src=${ZC_SRC:?}
bin=${ZC_BUILD:?}
tmp=${ZC_TMP:?}
man=$src/docs/man
if ! command -v mandoc >/dev/null; then
	echo "mandoc is not installed (Debian: mandoc)"
	exit 77
fi
. "$src/tests/tools/_docs_lib.sh"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

pages=("$man"/*.[137])
if [ ${#pages[@]} -lt 10 ]; then
	bad "only ${#pages[@]} pages in docs/man"
fi

# 1. lint
for p in "${pages[@]}"; do
	if out=$(mandoc -T lint -W warning "$p" 2>&1) && [ -z "$out" ]; then
		ok "$(basename "$p"): mandoc -T lint clean"
	else
		bad "$(basename "$p"): mandoc -T lint:"
		printf '   | %s\n' "$out"
	fi
done

# 2. every public function has a page entry. The declarations: comments
# and preprocessor lines dropped, then the identifier before "(" that
# follows each ZC_API.
funcs=$(perl -0777 -ne 's{/\*.*?\*/}{}gs; s{^\s*#.*$}{}mg;
	print "$1\n" while /\bZC_API\b[^;(]*?\b(\w+)\s*\(/g' \
	"$src/include/zcio.h" | sort -u)
if [ "$(echo "$funcs" | wc -w)" -lt 10 ]; then
	bad "found only $(echo "$funcs" | wc -w) ZC_API functions in zcio.h"
fi
# NAME: .Nm lines; SYNOPSIS: .Fn and .Fo.
entries=$(awk '/^\.Sh /{ sec = $2 }
	sec == "NAME" && /^\.Nm / { print $2 }
	sec == "SYNOPSIS" && /^\.F[no] / { print $2 }' "${pages[@]}" | sort -u)
for f in $funcs; do
	if grep -qx "$f" <<<"$entries"; then
		ok "$f has a page entry"
	else
		bad "missing: $f (ZC_API in include/zcio.h) in the NAME or SYNOPSIS of any page"
	fi
done

# 3. options of the --help texts
for t in zcp zcbench zcbroker; do
	page=$man/$t.1
	if [ ! -x "$bin/$t" ] || [ ! -f "$page" ]; then
		bad "$t: binary $bin/$t or page docs/man/$t.1 missing"
		continue
	fi
	opts=$(help_options "$bin/$t")
	if [ "$(echo "$opts" | wc -w)" -lt 3 ]; then
		bad "$t --help: found only: $opts"
	fi
	for o in $opts; do
		name=${o#-}
		name=${name#-}
		dash=
		[ "${o#--}" != "$o" ] && dash='\\?-'
		if grep -qE "^\.It .*Fl ${dash}${name}([^A-Za-z0-9-]|$)" "$page"; then
			ok "$t $o has an entry in $t(1)"
		else
			bad "missing: $t $o (in '$t --help') has no .It entry in docs/man/$t.1"
		fi
	done
done

# 4. broker settings
settings=$(broker_settings "$src")
if [ "$(echo "$settings" | wc -w)" -lt 10 ]; then
	bad "found only $(echo "$settings" | wc -w) settings in broker/config.c"
fi
for s in $settings; do
	re=${s//./\\.}
	if grep -qE "^\.It Cm (.*[ ,] )?${re}( |$)" "$man/zcbroker.1"; then
		ok "setting $s has an entry in zcbroker(1)"
	else
		bad "missing: setting $s (broker/config.c) has no .It Cm entry in docs/man/zcbroker.1"
	fi
done

# 5. install and uninstall
pre=$tmp/prefix
if ! "$src/scripts/install-docs.sh" install "$pre" >"$tmp/inst.log" 2>&1; then
	bad "install-docs.sh install failed:"
	sed 's/^/   | /' "$tmp/inst.log"
fi
for p in "${pages[@]}"; do
	n=$(basename "$p")
	if cmp -s "$p" "$pre/share/man/man${n##*.}/$n"; then
		ok "installed $n"
	else
		bad "not installed: share/man/man${n##*.}/$n"
	fi
done
for f in $funcs; do
	if [ -r "$pre/share/man/man3/$f.3" ]; then
		ok "man 3 $f finds its page"
	else
		bad "not installed: share/man/man3/$f.3 (a link to the page that names $f)"
	fi
done
for t in zcp zcbench zcbroker; do
	if cmp -s "$src/tools/completion/$t" "$pre/share/bash-completion/completions/$t"; then
		ok "installed the completion of $t"
	else
		bad "not installed: share/bash-completion/completions/$t"
	fi
done
"$src/scripts/install-docs.sh" uninstall "$pre" >"$tmp/inst.log" 2>&1
left=$(find "$pre" ! -type d)
if [ -z "$left" ]; then
	ok "uninstall removed everything"
else
	bad "uninstall left: $left"
fi

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
