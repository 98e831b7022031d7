#!/usr/bin/env bash
# zcp beyond 4 GiB: a 5 GiB sparse file with data at 0, 2 GiB+1 and
# 4.5 GiB copied whole (auto, read-write, mmap: holes kept, data identical),
# and ranges past 4 GiB read with --offset through several methods. The
# copies are checked by walking both files' data/hole maps (SEEK_DATA) and
# comparing every data byte; holes read as zeros by definition.
# san: yes
# timeout: 120
. "$(dirname "$0")/_zcp_lib.sh"
d=$tmp/large
mkdir -p "$d"
py=/usr/bin/python3
sp=$d/sparse
truncate -s 5G "$sp" || { echo "cannot create a 5 GiB sparse file"; exit 77; }
mkdata "$d/chunk" 100000
for at in 0 $((2 * 1024 * 1024 * 1024 + 1)) $((4608 * 1024 * 1024)); do
	dd if="$d/chunk" of="$sp" oflag=seek_bytes seek=$at conv=notrunc status=none
done
[ "$(du -k "$sp" | cut -f1)" -lt 10240 ] ||
	{ echo "the file system here does not keep holes"; exit 77; }

# Compare two files as data extents: same size, every byte outside both
# files' holes equal (a region that is a hole in one must be zeros in the
# other), and report the data bytes of b.
compare_sparse() {
	"$py" - "$1" "$2" <<'PY'
import os, sys
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
size = os.fstat(a).st_size
if os.fstat(b).st_size != size:
    sys.exit("size %d != %d" % (os.fstat(b).st_size, size))
def extents(fd):
    out, pos = [], 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            break
        end = os.lseek(fd, start, os.SEEK_HOLE)
        out.append((start, end))
        pos = end
    return out
regions = sorted(extents(a) + extents(b))
checked = 0
for start, end in regions:
    pos = start
    while pos < end:
        n = min(1 << 20, end - pos)
        if os.pread(a, n, pos) != os.pread(b, n, pos):
            sys.exit("bytes differ near offset %d" % pos)
        pos += n
        checked += n
print("same size %d, %d data bytes compared, %d data bytes in copy"
      % (size, checked, sum(e - s for s, e in extents(b))))
PY
}

for m in auto read-write mmap; do
	rm -f "$d/copy"
	"$zcp" -m $m --stats "$sp" "$d/copy" 2>"$d/err" ||
		{ bad "5 GiB sparse -m $m exited $?: $(cat "$d/err")"; continue; }
	if res=$(compare_sparse "$sp" "$d/copy"); then
		ok "5 GiB sparse -m $m: $res"
	else
		bad "5 GiB sparse -m $m: $res"
	fi
	kb=$(du -k "$d/copy" | cut -f1)
	[ "$kb" -lt 10240 ] && ok "5 GiB sparse -m $m stays sparse (${kb} KiB)" ||
		bad "5 GiB sparse -m $m: ${kb} KiB on disk"
	grep -q 'bytes=5368709120 ' "$d/err" && ok "--stats counts 5368709120 bytes" ||
		bad "--stats: $(cat "$d/err")"
done

# Ranges past 4 GiB through the byte-moving methods.
for m in auto read-write mmap sendfile splice; do
	"$zcp" -m $m --offset 4608M --length 100000 "$sp" - 2>"$d/err" >"$d/r" ||
		{ bad "--offset 4608M -m $m exited $?: $(cat "$d/err")"; continue; }
	same "$d/chunk" "$d/r" "--offset 4608M --length 100000 -m $m"
done
"$zcp" --offset $((2 * 1024 * 1024 * 1024 + 1)) --length 100000 - "$d/r2" <"$sp" &&
	same "$d/chunk" "$d/r2" "--offset 2 GiB+1 on stdin redirected from the file"
finish
