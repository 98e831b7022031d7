#!/usr/bin/env bash
# zcp -a vs cp -a vs rsync -a: copy a tree of many small files plus a few
# large ones to a new directory on the same file system. Commands run in
# alternating order (zcp, cp, rsync, then cp, rsync, zcp, ...), the DST
# removed and the file system synced between runs (warm source in the page
# cache). Every copy is verified: diff -r, then type, mode, owner, size,
# mtime to the nanosecond and symlink target of every entry. Prints the
# median wall time and CPU of each and zcp's speed as ratios (goals: >= 1.0x
# cp -a, > 1.0x rsync -a).
#   bench/zcp-tree.sh
# Knobs: FILES (20000 small files, 0-16 KiB), LARGE (1G: size of each
# large file), NLARGE (2), JOBS (zcp -j; default: zcp's own), RUNS (5).
# The tree has no hard links, xattrs or holes, so plain `rsync -a` makes
# the same copy as the two others.
. "$(dirname "$0")/zcp-common.sh"
FILES=${FILES:-20000}
LARGE=${LARGE:-1G}
NLARGE=${NLARGE:-2}
large=$(numfmt --from=iec "$LARGE")
src=$BENCH_DIR/tree-src dst=$BENCH_DIR/tree-dst
stamp="$FILES files, $NLARGE x $LARGE"
machine

# The tree: 100 files per directory, random sizes and bytes, a symlink per
# directory; large files at the top. Rebuilt when the shape changed.
if [ "$(cat "$src/.shape" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	/usr/bin/python3 - "$src" "$FILES" <<'EOF' || exit 1
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(42)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d)
        os.symlink("f%05d" % i, os.path.join(d, "link"))
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(os.urandom(random.randint(0, 16384)))
EOF
	for i in $(seq 1 "$NLARGE"); do
		head -c "$large" /dev/urandom >"$src/large$i" || exit 1
	done
	echo "$stamp" >"$src/.shape"
fi
cat "$src"/large* >/dev/null 2>&1 # warm

# meta DIR: what a faithful copy shares with its source.
meta() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %m %U %G %T@ %l\n' | LC_ALL=C sort
	 cd "$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort)
}
meta "$src" >"$BENCH_DIR/meta.src"
verify() { # verify NAME
	diff -r --no-dereference "$src" "$dst" >/dev/null 2>&1 ||
		{ echo "$1: the copy differs (diff -r)"; return 1; }
	meta "$dst" | cmp -s - "$BENCH_DIR/meta.src" ||
		{ echo "$1: the copy's metadata differs"; return 1; }
}

declare -A cmds=(
	[zcp]="$ZCP -a ${JOBS:+-j $JOBS} $src $dst"
	[cp]="cp -a $src $dst"
	[rsync]="rsync -a $src/ $dst"
)
names=(zcp cp rsync)
for k in "${names[@]}"; do echo "command ($k): ${cmds[$k]}"; : >"$BENCH_DIR/tree.$k"; done
echo "tree: $stamp, $(du -sh "$src" | cut -f1); $RUNS runs each, order rotated"
for i in $(seq 0 $((RUNS - 1))); do
	for j in 0 1 2; do
		k=${names[$(((i + j) % 3))]}
		rm -rf "$dst"
		sync
		sleep 0.5
		timed "$BENCH_DIR/tree.$k" ${cmds[$k]} || exit 1
		verify "$k" || exit 1
	done
done
rm -rf "$dst"
for k in "${names[@]}"; do
	printf '%-6s median %8.3f s  cpu user %.3f s sys %.3f s  (walls: %s)\n' "$k" \
		"$(col "$BENCH_DIR/tree.$k" 1)" "$(col "$BENCH_DIR/tree.$k" 2)" \
		"$(col "$BENCH_DIR/tree.$k" 3)" "$(awk '{ printf "%.2f ", $1 }' "$BENCH_DIR/tree.$k")"
done
z=$(col "$BENCH_DIR/tree.zcp" 1)
echo "zcp -a speed vs cp -a: $(ratio "$(col "$BENCH_DIR/tree.cp" 1)" "$z")x (goal >= 1.0)"
echo "zcp -a speed vs rsync -a: $(ratio "$(col "$BENCH_DIR/tree.rsync" 1)" "$z")x (goal > 1.0)"
echo "every copy verified: diff -r and type/mode/owner/size/mtime(ns)/link of every entry"
