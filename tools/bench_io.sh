#!/usr/bin/env bash
# ringvisor's I/O benchmark (issue 16, "I/O three ways"; docs/io.md,
# "Measured: the same I/O on each design"): guest/bench/bench_io.c, the
# /init of build/initramfs/bench-io.cpio, run on each design one after the
# other, each run in its own QEMU (TCG) with a timeout. Prints a table
# (time per operation, the ratio against each column's baseline, hypervisor
# entries per operation), writes it as CSV and draws it with gnuplot.
#
#   tools/bench_io.sh [--short] [-o DIR] [-c COL[,COL...] [-k]]
#     --short   short mode (512 KiB file, 30 files, small tree), for CI
#     -o DIR    where bench_io.csv, bench_io.png, the logs and the disk
#               images go (default build/bench-io)
#     -c COLS   run only these columns (the table then has only them)
#     -k        with -c: tabulate the other columns too, from their
#               earlier run's output in DIR (kept as it is)
#
# Run `make bench-io` (or `make bench-io-build`) first: this script builds
# nothing. It never judges a time; it fails (non-zero) when a run failed
# or timed out, when a disk is not clean by e2fsck -fn afterwards, or when
# a cell has no number.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
# shellcheck source=tools/qemu-env.sh
. tools/qemu-env.sh
export PATH=/usr/sbin:/sbin:$PATH       # mkfs.ext2, e2fsck, debugfs

# ------------------------------------------------------------------ the columns
# One line per column, in table order: a boot recipe.
#   name      the column's name (CSV, table, logs: DIR/NAME.log)
#   boot      native: ringos-pc.elf on the bare QEMU PC, the disk a -drive;
#             domain: ringvisor (hv.elf) with one domain "ringos" built from
#             the kernel, the disk a disk = module (hw, bt); pvblk: Domain 0
#             creates the pv domain "ringos" with disk = the image, a file
#             on its own IDE disk, served by its block backend; pvfwd:
#             Domain 0 creates the pv domain "ringos" with fs = a directory
#             of its own IDE disk's ext2 mounted at /data (system-call
#             forwarding)
#   kernel    the guest kernel, in $BUILD
#   mode      the domain's mode = (pv, hw, bt; - natively)
#   disk      ext2: a fresh image made by mkfs.ext2, mounted by the kernel
#             at /data (mount=/dev/hda:/data); -: none
#   dir       where the workload runs (bench_io_dir=)
#   vs        the column its ratio is taken against (-: none)
#   extra     the rest of the line: more words for the domain's config
#             (domain) or QEMU's arguments (native); may be empty
# Adding a column (a new design) is adding a line; a new way to boot is a
# boot_KIND function below (docs/io.md says how).
COLUMNS='
ramfs       native  ringos-pc.elf  -   -     /tmp/bench-io   -
ramfs-pv    domain  ringos-pv.elf  pv  -     /tmp/bench-io   ramfs
native-ide  native  ringos-pc.elf  -   ext2  /data/bench-io  -
hw-ide      domain  ringos-pc.elf  hw  ext2  /data/bench-io  native-ide
bt-ide      domain  ringos-pc.elf  bt  ext2  /data/bench-io  native-ide
pv-blk      pvblk   ringos-pv.elf  pv  ext2  /data/bench-io  native-ide
pv-fwd      pvfwd   ringos-pv.elf  pv  -     /data/bench-io  native-ide
'
PHASES="seq_write seq_read rand_read create stat unlink list"

short=0 out= only= keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	-o) out=${2:?-o needs a directory}; shift ;;
	-c) only=,${2:?-c needs columns},; shift ;;
	-k) keep=1 ;;
	*) sed -n '9,16p' "$0"; exit 2 ;;
	esac
	shift
done
out=${out:-$BUILD/bench-io}
if [ $short = 1 ]; then
	mode=short timeout=300 disk_mb=16
else
	mode=full timeout=3600 disk_mb=48
fi
cpio=$BUILD/initramfs/bench-io.cpio
for f in "$cpio" "$BUILD/ringos-pc.elf" "$BUILD/ringos-pv.elf" "$BUILD/hv/hv.elf"; do
	[ -f "$f" ] || { echo "bench-io: $f is missing: run make bench-io-build"; exit 2; }
done
for c in "$QEMU" gnuplot mkfs.ext2 e2fsck debugfs; do
	command -v "$c" > /dev/null || { echo "bench-io: $c not found (make setup)"; exit 2; }
done
declare -A boot_of kernel_of mode_of disk_of dir_of vs_of extra_of
cols=() runs=()         # the columns in the table; those run now
while read -r name boot kernel dmode disk dir vs extra; do
	[ -n "$name" ] || continue
	if [ -z "$only" ] || [[ $only == *",$name,"* ]]; then
		runs+=("$name")
	elif [ $keep = 0 ]; then
		continue
	fi
	cols+=("$name")
	boot_of[$name]=$boot kernel_of[$name]=$kernel mode_of[$name]=$dmode disk_of[$name]=$disk
	dir_of[$name]=$dir vs_of[$name]=$vs extra_of[$name]=$extra
done <<< "$COLUMNS"
[ ${#runs[@]} -gt 0 ] || { echo "bench-io: no column chosen"; exit 2; }
mkdir -p "$out"
for c in "${runs[@]}"; do
	rm -f "$out/$c.log" "$out/$c.out" "$out/$c.img" "$out/$c.fsck" "$out/$c.monitor.log"
done
rm -f "$out/bench_io.csv" "$out/bench_io.png" "$out/bench_io.gp"

fail=0
failed() { echo "bench-io: FAILED: $*"; fail=1; }

# ------------------------------------------------------------------ booting
# boot_KIND NAME CMDLINE: runs column NAME, the guest's command line
# CMDLINE; its serial log in $out/NAME.log, the program's own lines in
# $out/NAME.out, and the disk as the guest left it in $out/NAME.img (a
# disk column). Returns nonzero when the run failed.

qemu_base() {
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	echo $QEMU_MACHINE -cpu "$QEMU_CPU" -m 256 -serial stdio
}

boot_native() {
	local name=$1 cmdline=$2 log=$out/$1.log rc drive=()
	[ "${disk_of[$name]}" = - ] || drive=(-drive "file=$out/$name.img,format=raw,if=ide,index=0")
	# shellcheck disable=SC2046,SC2086 # word lists
	timeout "$timeout" "$QEMU" $(qemu_base) -kernel "$BUILD/${kernel_of[$name]}" -append "$cmdline" \
		-initrd "$cpio" "${drive[@]}" ${extra_of[$name]} < /dev/null > "$log" 2>&1
	rc=$?
	tr -d '\r' < "$log" > "$out/$name.out"
	# exit status 1: code 0 through isa-debug-exit (ringos powered off)
	[ $rc = 124 ] && { failed "$name: timed out after ${timeout}s (log: $log)"; return 1; }
	[ $rc = 1 ] || { failed "$name: QEMU exit status $rc, 1 expected (log: $log)"; return 1; }
}

# A domain's disk lives in the hypervisor's memory (a boot module: docs/ide.md),
# so what the guest wrote never reaches the image file. For a disk column the
# hypervisor idles when the domain has stopped (on_empty=idle), and QEMU's
# monitor (a pipe) saves the module's bytes with pmemsave before quitting:
# the image e2fsck then checks is the disk as the guest left it.
boot_domain() {
	local name=$1 cmdline=$2 log=$out/$1.log mon=$out/$1.monitor rc disk=${disk_of[$1]} modules
	local img=$out/$name.img base=$out/$name.disk-before.img
	local dom="$BUILD/${kernel_of[$name]} name=ringos mode=${mode_of[$name]} memory=96M initrd=$cpio"
	[ "$disk" = - ] || dom+=" disk=$base"
	dom+=" cmdline=\"$cmdline\" ${extra_of[$name]}"
	modules="$dom,$cpio"
	if [ "$disk" = - ]; then
		# shellcheck disable=SC2046 # a word list
		timeout "$timeout" "$QEMU" $(qemu_base) -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
			-initrd "$modules" < /dev/null > "$log" 2>&1
		rc=$?
		tools/domain-output.sh ringos "$log" > "$out/$name.out"
		[ $rc = 124 ] && { failed "$name: timed out after ${timeout}s (log: $log)"; return 1; }
		[ $rc = 1 ] || { failed "$name: QEMU exit status $rc, 1 expected (log: $log)"; return 1; }
		return 0
	fi
	mv "$img" "$base"       # QEMU loads the module from here; the guest's disk comes back as $img
	rm -f "$mon.in" "$mon.out"
	: > "$log"
	mkfifo "$mon.in" "$mon.out" || { failed "$name: mkfifo"; return 1; }
	# shellcheck disable=SC2046 # a word list
	"$QEMU" $(qemu_base) -kernel "$BUILD/hv/hv.elf" -append on_empty=idle \
		-initrd "$modules,$base" \
		-chardev "pipe,id=mon0,path=$mon" -mon chardev=mon0,mode=readline < /dev/null > "$log" 2>&1 &
	local qpid=$! deadline=$((SECONDS + timeout)) stopped=0
	cat "$mon.out" > "$mon.log" &
	local cpid=$!
	while kill -0 $qpid 2> /dev/null; do
		if grep -aqE 'domain [0-9]+ \(ringos\)(: shut down:| crashed)' "$log"; then
			stopped=1
			break
		fi
		[ $SECONDS -lt $deadline ] || break
		sleep 1
	done
	if [ $stopped = 1 ]; then
		# "  module 2: [0x01234000-0x02234000) 33554432 bytes, cmdline 'PATH'"
		local range
		range=$(tr -d '\r' < "$log" | sed -n "s/^.*module [0-9]*: \[\(0x[0-9a-f]*\)-0x[0-9a-f]*) \([0-9]*\) bytes, cmdline '${base//\//\\/}'.*$/\1 \2/p" | head -1)
		if [ -n "$range" ]; then
			printf 'pmemsave %s %s "%s"\n' ${range% *} ${range#* } "$img" > "$mon.in"
		else
			failed "$name: the hypervisor's log does not say where the disk module is"
		fi
		printf 'quit\n' > "$mon.in"
	fi
	# quit, or the end of the timeout
	local waited=0
	while kill -0 $qpid 2> /dev/null && [ $waited -lt 60 ] && { [ $stopped = 1 ] || [ $SECONDS -lt $deadline ]; }; do
		sleep 1
		waited=$((waited + stopped))
	done
	kill $qpid 2> /dev/null
	wait $qpid
	rc=$?
	kill $cpid 2> /dev/null
	wait $cpid 2> /dev/null
	rm -f "$mon.in" "$mon.out"
	tools/domain-output.sh ringos "$log" > "$out/$name.out"
	[ $stopped = 1 ] || { failed "$name: the domain did not stop within ${timeout}s (log: $log)"; return 1; }
	grep -aqE 'domain [0-9]+ \(ringos\): shut down: poweroff, exit code 0' "$log" ||
		{ failed "$name: the domain did not power off with exit code 0 (log: $log)"; return 1; }
	[ $rc = 0 ] || { failed "$name: QEMU exit status $rc after quit, 0 expected (log: $log)"; return 1; }
	[ -s "$img" ] || { failed "$name: pmemsave wrote no disk image (monitor: $mon.log)"; return 1; }
	rm -f "$base"
}

# Domain 0's run for the pv columns (boot_pvblk, boot_pvfwd): into its
# disk's tree $3 (made by the caller, with what the column needs) go
# bench-io.cpio, the pv domain's config (device line $5: its disk = or
# fs =), the init script and Domain 0's config; the tree becomes an ext2 of
# 4 KiB blocks at $4 (disk_mb + 32 MiB), Domain 0 boots on it under QEMU
# and the domain's output goes to $out/NAME.out; the tree is removed.
# Returns 1 (failed) if mkfs.ext2 does; else sets the caller's rc to
# QEMU's exit status, for dom0_checks.
dom0_run() {
	local name=$1 cmdline=$2 tree=$3 outer=$4 device=$5 log=$out/$1.log
	cp "$cpio" "$tree/bench-io.cpio"
	cat > "$tree/bench.cfg" <<-CFG
	name = "ringos"
	kernel = "/boot/${kernel_of[$name]}"
	initrd = "/disk/bench-io.cpio"
	memory = 96
	mode = "${mode_of[$name]}"
	$device
	cmdline = "$cmdline"
	CFG
	cat > "$tree/go.sh" <<-'EOF'
	#!/bin/sh
	vm create /disk/bench.cfg
	while vm list | grep -qE '^ringos +[0-9]+ .* (running|blocked|paused) '; do sleep 1; done
	while ps | grep -q '[v]m create'; do sleep 1; done
	sync
	poweroff -f
	EOF
	cat > "$tree/dom0.cfg" <<-CFG
	name = "dom0"
	kernel = "ringos-pv.elf"
	initrd = "dom0.cpio"
	memory = 64
	privileged = 1
	cmdline = "hostname=dom0 mount=/dev/hda:/disk init=/bin/sh /disk/go.sh"
	CFG
	mkfs.ext2 -q -F -b 4096 -d "$tree" "$outer" $((disk_mb + 32))M > "$out/$name.mkfs" 2>&1 ||
		{ failed "$name: mkfs.ext2 of Domain 0's disk (log: $out/$name.mkfs)"; return 1; }
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout "$timeout" "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 320 -serial stdio \
		-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
		-initrd "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,$tree/dom0.cfg" \
		-drive "file=$outer,format=raw,if=ide,index=0" < /dev/null > "$log" 2>&1
	rc=$?
	tools/domain-output.sh ringos "$log" > "$out/$name.out"
	rm -rf "$tree"
}

# After dom0_run: QEMU's exit status $2 (1: Domain 0 powered off) and the
# pv domain's poweroff with exit code 0 in the log.
dom0_checks() {
	local name=$1 rc=$2 log=$out/$1.log
	[ "$rc" = 124 ] && { failed "$name: timed out after ${timeout}s (log: $log)"; return 1; }
	[ "$rc" = 1 ] || { failed "$name: QEMU exit status $rc, 1 expected (log: $log)"; return 1; }
	grep -aqE 'domain [0-9]+ \(ringos\): shut down: poweroff, exit code 0' "$log" ||
		{ failed "$name: the domain did not power off with exit code 0 (log: $log)"; return 1; }
}

# The split block driver (docs/io.md): Domain 0 (64 MiB, its initramfs
# dom0.cpio) owns the QEMU PC's IDE disk, an ext2 made here that holds the
# column's image as a file, bench-io.cpio and a config; its init is a
# script there that creates the pv domain "ringos" (96 MiB) with disk =
# that file (mounted by the domain's kernel at /data from /dev/xvda), waits
# until it and its backend are gone and powers off. The image comes back
# out of Domain 0's disk with debugfs.
boot_pvblk() {
	local name=$1 cmdline=${2//\/dev\/hda/\/dev\/xvda} rc
	local tree=$out/$name.dom0 outer=$out/$name.dom0.img
	rm -rf "$tree"
	mkdir -p "$tree"
	mv "$out/$name.img" "$tree/bench.img"
	dom0_run "$name" "$cmdline" "$tree" "$outer" 'disk = "/disk/bench.img"' || return 1
	debugfs -R "dump /bench.img $out/$name.img" "$outer" > /dev/null 2>&1
	rm -rf "$outer"
	dom0_checks "$name" "$rc" || return 1
	[ -s "$out/$name.img" ] || { failed "$name: no disk image came out of Domain 0's disk"; return 1; }
}

# System-call forwarding (docs/io.md): Domain 0 (64 MiB, dom0.cpio) owns
# the QEMU PC's IDE disk, an ext2 made here holding an empty export
# directory, bench-io.cpio and a config; its init is a script there that
# creates the pv domain "ringos" (96 MiB) with fs = "/disk/export,/data"
# (its file calls under /data go to Domain 0's forwarding server, which
# performs them on Domain 0's ext2), waits until it and its server are
# gone and powers off. Domain 0's disk is the column's image ($out/NAME.img):
# e2fsck -fn must find it clean, and the program's file must be in the
# export.
boot_pvfwd() {
	local name=$1 cmdline=$2 rc
	local tree=$out/$name.dom0 outer=$out/$name.img
	rm -rf "$tree"
	mkdir -p "$tree/export"
	dom0_run "$name" "$cmdline" "$tree" "$outer" 'fs = "/disk/export,/data"' || return 1
	dom0_checks "$name" "$rc" || return 1
	if e2fsck -fn "$outer" > "$out/$name.fsck" 2>&1; then
		echo "bench-io: $name: e2fsck -fn of Domain 0's disk: clean"
	else
		failed "$name: e2fsck -fn finds Domain 0's disk not clean:"
		sed 's/^/    /' "$out/$name.fsck" | head -10
	fi
	local size want=$((8 * 1048576))
	[ $short = 1 ] && want=524288
	size=$(debugfs -R "stat /export/${dir_of[$name]#/data/}/big" "$outer" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)
	[ "${size:-0}" = "$want" ] || failed "$name: Domain 0's export has no ${dir_of[$name]#/data/}/big of $want bytes (debugfs: ${size:-none})"
}

for c in "${runs[@]}"; do
	cmdline="bench_io_mode=$mode bench_io_dir=${dir_of[$c]}"
	case ${disk_of[$c]} in
	-) ;;
	ext2)
		# An empty ext2 of 4 KiB blocks (the block rand_read reads).
		mkfs.ext2 -q -F -b 4096 "$out/$c.img" "${disk_mb}M" > "$out/$c.mkfs" 2>&1 ||
			{ failed "$c: mkfs.ext2 (log: $out/$c.mkfs)"; continue; }
		cmdline="mount=/dev/hda:/data $cmdline"
		;;
	*) failed "$c: unknown disk '${disk_of[$c]}'"; continue ;;
	esac
	type "boot_${boot_of[$c]}" > /dev/null 2>&1 || { failed "$c: no boot_${boot_of[$c]}"; continue; }
	echo "bench-io: $c run ($mode; ${boot_of[$c]}, ${kernel_of[$c]}, mode ${mode_of[$c]}, disk ${disk_of[$c]}, in ${dir_of[$c]}), up to ${timeout}s ..."
	start=$SECONDS
	"boot_${boot_of[$c]}" "$c" "$cmdline"
	echo "bench-io: $c run took $((SECONDS - start)) s"
	grep -q '^TEST RESULT: SUCCESS' "$out/$c.out" || {
		failed "$c: the program did not end with TEST RESULT: SUCCESS:"
		grep -ahE '^BENCHIO-FAIL|^TEST RESULT|PANIC|panic|crashed' "$out/$c.out" "$out/$c.log" | head -5 | sed 's/^/    /'
	}
	if [ "${disk_of[$c]}" != - ] && [ -s "$out/$c.img" ]; then
		if e2fsck -fn "$out/$c.img" > "$out/$c.fsck" 2>&1; then
			echo "bench-io: $c: e2fsck -fn: clean"
		else
			failed "$c: e2fsck -fn finds the disk not clean:"
			sed 's/^/    /' "$out/$c.fsck" | head -10
		fi
		# The image checked is the one the guest wrote: its file is there, whole.
		size=$(debugfs -R "stat /${dir_of[$c]#/data/}/big" "$out/$c.img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -1)
		want=$((8 * 1048576)); [ $short = 1 ] && want=524288     # bench_io.c's modes
		[ "${size:-0}" = "$want" ] || failed "$c: the disk has no /${dir_of[$c]#/data/}/big of $want bytes (debugfs: ${size:-none})"
	fi
done

# ------------------------------------------------------------------ the table
# field COL PHASE K: value K of PHASE's BENCHIO line (1 ns/op, 2 entries/op, 3 ops, 4 rounds)
field() { awk -v n="$2" -v f="$3" '$1 == "BENCHIO" && $2 == n { v = $(f + 2) } END { print v }' "$out/$1.out" 2>/dev/null; }
isnum() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
human() {
	isnum "$1" || { echo "-"; return; }
	awk -v t="$1" 'BEGIN {
		if (t < 1000) printf "%.0f ns", t; else if (t < 1e6) printf "%.1f us", t / 1e3;
		else if (t < 1e9) printf "%.2f ms", t / 1e6; else printf "%.2f s", t / 1e9 }'
}
ratio_of() { isnum "$1" && isnum "$2" && awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a }'; }
declare -A ns ent ops rounds
for c in "${cols[@]}"; do
	for p in $PHASES; do
		ns[$c.$p]=$(field "$c" "$p" 1) ent[$c.$p]=$(field "$c" "$p" 2)
		ops[$c.$p]=$(field "$c" "$p" 3) rounds[$c.$p]=$(field "$c" "$p" 4)
		if ! isnum "${ns[$c.$p]}"; then
			failed "no number for $p in the $c run"
			grep -h "^BENCHIO-FAIL $p " "$out/$c.out" 2>/dev/null | sed 's/^/    /'
		fi
		# a domain must have counted its entries (natively there are none)
		if [ "${boot_of[$c]}" != native ] && ! isnum "${ent[$c.$p]}"; then
			failed "no hypervisor entries for $p in the $c run"
		fi
	done
done
ratio_cols=()
for c in "${cols[@]}"; do
	[ "${vs_of[$c]}" != - ] && [ -n "${boot_of[${vs_of[$c]}]:-}" ] && ratio_cols+=("$c")
done
row() { printf '%-10s' "$1"; shift; printf ' %12s' "$@"; echo; }

echo
echo "time per operation ($mode run):"
row phase "${cols[@]}"
for p in $PHASES; do
	vals=()
	for c in "${cols[@]}"; do vals+=("$(human "${ns[$c.$p]}")"); done
	row "$p" "${vals[@]}"
done
if [ ${#ratio_cols[@]} -gt 0 ]; then
	echo
	echo "ratio against the baseline (time / the baseline's time):"
	hdr=()
	for c in "${ratio_cols[@]}"; do hdr+=("$c/${vs_of[$c]}"); done
	printf '%-10s' phase; printf ' %22s' "${hdr[@]}"; echo
	for p in $PHASES; do
		vals=()
		for c in "${ratio_cols[@]}"; do
			r=$(ratio_of "${ns[${vs_of[$c]}.$p]}" "${ns[$c.$p]}")
			vals+=("${r:--}")
		done
		printf '%-10s' "$p"; printf ' %22s' "${vals[@]}"; echo
	done
fi
echo
echo "hypervisor entries per operation (- natively: no hypervisor):"
row phase "${cols[@]}"
for p in $PHASES; do
	vals=()
	for c in "${cols[@]}"; do vals+=("${ent[$c.$p]:--}"); done
	row "$p" "${vals[@]}"
done
echo
echo "sequential throughput (MiB/s, 64 KiB per operation):"
row phase "${cols[@]}"
for p in seq_write seq_read; do
	vals=()
	for c in "${cols[@]}"; do
		if isnum "${ns[$c.$p]}"; then
			vals+=("$(awk -v t="${ns[$c.$p]}" 'BEGIN { if (t > 0) printf "%.2f", 65536 / 1048576 / (t / 1e9); else print "-" }')")
		else
			vals+=(-)
		fi
	done
	row "$p" "${vals[@]}"
done
for c in "${cols[@]}"; do
	if grep -q '^BENCHIO-HV ' "$out/$c.out" 2>/dev/null; then
		echo
		echo "$c: hypervisor work per operation by kind (0.01 or more):"
		awk '$1 == "BENCHIO-HV" && $4 + 0 >= 0.01 { printf "  %-10s %-9s %12s\n", $2, $3, $4 }' "$out/$c.out"
	fi
done

csv=$out/bench_io.csv
{
	printf 'phase'
	for c in "${cols[@]}"; do
		printf ',%s_ns_per_op,%s_entries_per_op,%s_ratio_vs_baseline,%s_ops,%s_rounds' "$c" "$c" "$c" "$c" "$c"
	done
	echo
	for p in $PHASES; do
		printf '%s' "$p"
		for c in "${cols[@]}"; do
			r=
			[ "${vs_of[$c]}" != - ] && [ -n "${boot_of[${vs_of[$c]}]:-}" ] && r=$(ratio_of "${ns[${vs_of[$c]}.$p]}" "${ns[$c.$p]}")
			e=${ent[$c.$p]}; isnum "$e" || e=
			printf ',%s,%s,%s,%s,%s' "${ns[$c.$p]}" "$e" "$r" "${ops[$c.$p]}" "${rounds[$c.$p]}"
		done
		echo
	done
} > "$csv"
echo
echo "bench-io: $csv"
for c in "${cols[@]}"; do
	grep -h '^BENCHIO-CLOCK' "$out/$c.out" 2>/dev/null | sed "s/^BENCHIO-CLOCK /bench-io: $c clock step /"
done

# ------------------------------------------------------------------ the chart
gp=$out/bench_io.gp
{
	echo "set terminal png size 1100,900 font \",10\" noenhanced"
	echo "set output '$out/bench_io.png'"
	echo 'set datafile separator ","'
	echo 'set datafile missing ""'
	echo 'set key autotitle columnhead'     # the first line is the header
	echo 'set style data histograms'
	echo 'set style histogram clustered gap 1'
	echo 'set style fill solid 0.85 border -1'
	echo 'set boxwidth 0.9'
	echo 'set grid ytics'
	echo 'set key outside top center horizontal'
	echo "set multiplot layout 2,1 title \"ringvisor: the same I/O on each design ($mode run, QEMU TCG)\""
	echo 'set title "time per operation (log scale)"'
	echo 'set ylabel "microseconds"'
	echo 'set logscale y'
	# Each column keeps its colour (lt) in both charts.
	plot= i=0
	for c in "${cols[@]}"; do
		plot+="${plot:+, }'$csv' using (\$$((2 + i * 5))/1000):xtic(1) title \"$c\" lt $((i + 1))"
		i=$((i + 1))
	done
	echo "plot $plot"
	echo 'set title "hypervisor entries per operation (log scale; the native columns have none)"'
	echo 'set ylabel "entries (0 drawn as 0.001)"'
	echo 'set yrange [0.001:*]'
	# only the columns with a hypervisor (gnuplot refuses a series without a point)
	plot= i=0
	for c in "${cols[@]}"; do
		[ "${boot_of[$c]}" = native ] ||
			plot+="${plot:+, }'$csv' using (\$$((3 + i * 5)) < 0.001 ? 0.001 : \$$((3 + i * 5))):xtic(1) title \"$c\" lt $((i + 1))"
		i=$((i + 1))
	done
	[ -n "$plot" ] && echo "plot $plot"
	echo 'unset multiplot'
} > "$gp"
if ! gnuplot "$gp" > "$out/gnuplot.log" 2>&1 || [ ! -s "$out/bench_io.png" ]; then
	failed "gnuplot did not draw $out/bench_io.png:"
	sed 's/^/    /' "$out/gnuplot.log" | head -10
else
	echo "bench-io: $out/bench_io.png"
fi
if [ $fail != 0 ]; then
	echo "bench-io: FAILED (logs: $out/*.log)"
	exit 1
fi
echo "bench-io: done ($mode run)"
