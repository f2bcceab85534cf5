#!/usr/bin/env bash
# The I/O benchmark works (docs/io.md, "Measured: the same I/O on each
# design"): tools/bench_io.sh in short mode runs guest/bench/bench_io.c on
# every column (ramfs natively and in a pv domain, ext2 on the PC's IDE
# disk natively and on the emulated IDE disk of a hw and a bt domain),
# every phase gives a time in each column and a count of hypervisor
# entries in each domain column, the disks are clean by e2fsck -fn (the
# script checks that), and the CSV and the chart get written. No time is
# judged: this machine is shared and QEMU's CPU is software.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
export PATH=/usr/sbin:/sbin:$PATH       # e2fsck
out=$BUILD/bench-io-test
rm -rf "$out"
fail=0
bash tools/bench_io.sh --short -o "$out"
rc=$?
[ $rc -eq 0 ] || { echo "FAILED - tools/bench_io.sh --short exited with status $rc"; fail=1; }

# The columns and phases, as the script and the program name them.
cols=$(sed -n "/^COLUMNS='/,/^'/p" tools/bench_io.sh | awk 'NF > 1 { print $1 }')
phases=$(sed -n 's/^BENCHIO-LIST //p' "$out/ramfs.out" 2>/dev/null | head -1)
[ -n "$cols" ] || { echo "FAILED - no columns in tools/bench_io.sh"; fail=1; }
[ -n "$phases" ] || { echo "FAILED - the ramfs run listed no phases"; fail=1; }
num='[0-9]+(\.[0-9]+)?'
csv=$out/bench_io.csv
header=$(head -1 "$csv" 2>/dev/null)
for c in $cols; do
	native=0
	grep -qE "^$c +native " tools/bench_io.sh && native=1
	# where this column's fields are in the CSV (ns/op, then entries/op)
	k=$(echo "$header" | tr ',' '\n' | grep -nxF "${c}_ns_per_op" | cut -d: -f1)
	[ -n "$k" ] || { echo "FAILED - $c: no column ${c}_ns_per_op in bench_io.csv"; fail=1; continue; }
	for p in $phases; do
		if grep -qE "^BENCHIO $p $num " "$out/$c.out" 2>/dev/null; then
			echo "ok - $p: a time in the $c run"
		else
			echo "FAILED - $p: no time in the $c run"; fail=1
		fi
		row=$(grep "^$p," "$csv" 2>/dev/null)
		v=$(echo "$row" | cut -d, -f"$k") e=$(echo "$row" | cut -d, -f"$((k + 1))")
		[[ $v =~ ^$num$ ]] || { echo "FAILED - $p: no time for $c in bench_io.csv"; fail=1; }
		if [ $native = 0 ]; then
			if [[ $e =~ ^$num$ ]]; then
				echo "ok - $p: hypervisor entries per operation in the $c run ($e)"
			else
				echo "FAILED - $p: no hypervisor entries for $c in bench_io.csv"; fail=1
			fi
		fi
	done
	if grep -qE "^$c +[a-z]+ +[^ ]+ +[^ ]+ +ext2 " tools/bench_io.sh; then
		if e2fsck -fn "$out/$c.img" > /dev/null 2>&1; then
			echo "ok - $c: the disk the guest left is clean by e2fsck -fn"
		else
			echo "FAILED - $c: no clean disk image at $out/$c.img"; fail=1
		fi
	fi
done
if [ -s "$out/bench_io.png" ] && [ "$(head -c 8 "$out/bench_io.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	echo "ok - bench_io.png is a PNG image"
else
	echo "FAILED - no PNG image at $out/bench_io.png"; fail=1
fi
[ $fail = 0 ] || { echo "bench_io_short: failed"; exit 1; }
echo "bench_io_short: every phase measured on every design"
