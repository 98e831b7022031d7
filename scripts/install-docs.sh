#!/usr/bin/env bash
# Installs or removes the manual pages (docs/man/) and the bash completions
# (tools/completion/) under a prefix; `make install` / `make uninstall` call it.
#
#   scripts/install-docs.sh install|uninstall PREFIX
#
# A page goes to PREFIX/share/man/manN/ by its suffix, and every other name
# in its NAME section gets a symlink to it, so that `man zc_transfer_opts`
# opens zc_transfer(3). Completions go to
# PREFIX/share/bash-completion/completions/, where bash-completion loads
# them on first use of the command.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 install|uninstall PREFIX" >&2; exit 2; }
what=$1 prefix=$2
compdir=$prefix/share/bash-completion/completions

# The names a page documents besides its own: .Nm lines of the NAME section.
aliases() {
	awk '/^\.Sh NAME/ { on = 1; next } /^\.(Sh|Nd)/ { on = 0 }
	     on && /^\.Nm / { print $2 }' "$1" | grep -vx "$(basename "${1%.*}")" || true
}

for page in "$here"/docs/man/*.[137]; do
	sec=${page##*.}
	dir=$prefix/share/man/man$sec
	name=$(basename "$page")
	case "$what" in
	install)
		install -d "$dir"
		install -m 644 "$page" "$dir/$name"
		for a in $(aliases "$page"); do ln -sf "$name" "$dir/$a.$sec"; done
		;;
	uninstall)
		rm -f "$dir/$name"
		for a in $(aliases "$page"); do rm -f "$dir/$a.$sec"; done
		;;
	*) echo "usage: $0 install|uninstall PREFIX" >&2; exit 2 ;;
	esac
done

for comp in "$here"/tools/completion/*; do
	if [ "$what" = install ]; then
		install -D -m 644 "$comp" "$compdir/$(basename "$comp")"
	else
		rm -f "$compdir/$(basename "$comp")"
	fi
done
