#!/usr/bin/env bash
# The bash completions of tools/completion/, installed as `make install`
# installs them and loaded by bash-completion as on first use: each line below
# is split into words the way readline splits it, the completion function
# runs, and what it offers is checked. Method names are checked against the
# library's own list (zcp prints it for an unknown method), setting names
# against every name broker/config.c accepts.
set -u
src=${ZC_SRC:?}
bin=${ZC_BUILD:?}
tmp=${ZC_TMP:?}
bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	echo "bash-completion is not installed ($bc)"
	exit 77
fi
for t in zcp zcbench zcbroker; do
	[ -x "$bin/$t" ] || { echo "$t not built: $bin/$t"; exit 1; }
done
. "$src/tests/tools/_docs_lib.sh"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The commands by their plain names, as completion sees them once installed.
mkdir -p "$tmp/bin" "$tmp/files/sub"
for t in zcp zcbench zcbroker; do ln -sf "$bin/$t" "$tmp/bin/$t"; done
: >"$tmp/files/alpha.bin"
: >"$tmp/files/also.txt"

# Installed where `make install` puts them, then loaded the way
# bash-completion loads a command's completion on its first use.
pre=$tmp/prefix
"$src/scripts/install-docs.sh" install "$pre" >/dev/null ||
	{ echo "install-docs.sh install failed"; exit 1; }
set +u
# shellcheck disable=SC1090
. "$bc"
export BASH_COMPLETION_USER_DIR=$tmp/no-user-dir XDG_DATA_DIRS=$pre/share
for t in zcp zcbench zcbroker; do
	if __load_completion "$t" && complete -p "$t" >/dev/null 2>&1; then
		ok "bash-completion loads the installed completion of $t"
	else
		bad "bash-completion found no completion for $t under $pre/share"
	fi
done
PATH=$tmp/bin:$PATH

# complete LINE: run the completion for the end of LINE; the offers land
# in COMPREPLY. Words are split on blanks, and "=" and ":" become words of
# their own, as readline does with its default COMP_WORDBREAKS.
complete_line() {
	local line=$1 tok fn
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDS=()
	for tok in $line; do
		while [[ $tok =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
			[ -n "${BASH_REMATCH[1]}" ] && COMP_WORDS+=("${BASH_REMATCH[1]}")
			COMP_WORDS+=("${BASH_REMATCH[2]}")
			tok=${BASH_REMATCH[3]}
		done
		[ -n "$tok" ] && COMP_WORDS+=("$tok")
	done
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	fn=$(complete -p "${COMP_WORDS[0]}" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
}

# offers LINE WORD...: every WORD is among the completions of LINE.
offers() {
	local line=$1 w missing=()
	shift
	complete_line "$line"
	for w in "$@"; do
		[[ " ${COMPREPLY[*]} " == *" $w "* ]] || missing+=("$w")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "'$line<TAB>' offers $*"
	else
		bad "'$line<TAB>' lacks ${missing[*]} (offered: ${COMPREPLY[*]})"
	fi
}

# only LINE WORD...: the completions of LINE are exactly these words.
only() {
	local line=$1 want got
	shift
	complete_line "$line"
	want=$(printf '%s\n' "$@" | sort)
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
	if [ "$want" = "$got" ]; then
		ok "'$line<TAB>' offers exactly $*"
	else
		bad "'$line<TAB>' offers [${COMPREPLY[*]}], expected [$*]"
	fi
}

# The library's method names, from zcp's own list.
read -r -a methods <<<"$("$bin/zcp" --method=? 2>&1 |
	sed -n 's/.*(one of: \(.*\))$/\1/p')"
if [ ${#methods[@]} -lt 2 ]; then
	bad "zcp --method=? did not list the methods"
	methods=(sendfile)
fi
read -r -a settings <<<"$(broker_settings "$src" | tr '\n' ' ')"
if [ ${#settings[@]} -lt 10 ]; then
	bad "found only ${#settings[@]} settings in broker/config.c"
fi

# zcp; its built-in list serves when the binary cannot be asked.
read -r -a fallback <<<"$(_zcp_methods "$tmp/no-such-zcp")"
missing=()
for m in "${methods[@]}"; do
	[[ " ${fallback[*]} " == *" $m "* ]] || missing+=("$m")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "zcp's built-in method list has every library method"
else
	bad "zcp's built-in method list lacks ${missing[*]}"
fi
offers "zcp -m " "${methods[@]}"
offers "zcp --method " sendfile splice
only "zcp --method=spl" splice
only "zcp -m send" sendfile
# shellcheck disable=SC2046
offers "zcp -" $(help_options "$bin/zcp")
only "zcp --st" --stats
offers "zcp tcp" tcp: tcp-listen:
only "zcp unix-l" unix-listen:
only "zcp $tmp/files/al" "$tmp/files/alpha.bin" "$tmp/files/also.txt"
only "zcp $tmp/files/alpha.bin $tmp/files/s" "$tmp/files/sub"
# Readline's word starts after the last ":", so that is what is offered.
only "zcp unix:$tmp/files/alp" "$tmp/files/alpha.bin"
only "zcp --tee $tmp/files/alp" "$tmp/files/alpha.bin"
offers "zcp --tee " -
# zcbench
offers "zcbench -m " "${methods[@]}" all
only "zcbench --methods sendfile,rea" sendfile,read-write
only "zcbench --scenarios file-tcp,co" file-tcp,cow
only "zcbench --cache w" warm warm,cold
# shellcheck disable=SC2046
offers "zcbench -" $(help_options "$bin/zcbench")
only "zcbench --qu" --quick
# zcbroker
only "zcbroker --set log.seg" log.segment.bytes=
offers "zcbroker --set " "${settings[@]/%/=}"
only "zcbroker --set zc.fetch.method=sp" splice
only "zcbroker --set auto.create.topics.enable=f" false
# shellcheck disable=SC2046
offers "zcbroker -" $(help_options "$bin/zcbroker") --help
only "zcbroker --se" --set

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all checks passed"
