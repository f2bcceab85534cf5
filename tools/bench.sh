#!/usr/bin/env bash
# ringvisor benchmarks (docs/performance.md): runs the lmbench-style programs
# of guest/bench/ three times, one run after the other: natively (ringos on
# the bare PC, build/ringos-pc.elf), as a pv domain (build/hv/hv.elf with
# on_empty=exit and build/ringos-pv.elf, as tools/runtests.sh's ringos-pv
# environment boots it), as a hw domain (the same ringos-pc.elf as the
# native run, with AMD SVM and nested paging), as a bt domain (the same
# ringos-pc.elf again, in ring 1: trap-and-emulate, scan-and-patch, shadow
# page tables) and as a hw domain with npt = off (hws: SVM with shadow
# paging instead of nested paging, hv/hw/shadow.c). Prints one table (time
# per operation natively and under ringvisor, the ratios, hypervisor
# entries and hypercalls per operation, #VMEXITs and bt hypervisor entries
# per operation), writes it as CSV and draws it with gnuplot.
#
#   tools/bench.sh [--short] [-o DIR]
#     --short   build/initramfs/bench-short.cpio: short trials, for CI
#     -o DIR    where bench.csv, bench.png and the two logs go (default build/bench)
#
# Run `make bench` (or `make bench-build`) first: this script builds nothing.
# It never judges a time; it fails (non-zero) when a run failed or did not
# give a number for every benchmark.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
# shellcheck source=tools/qemu-env.sh
. tools/qemu-env.sh

short=0 out=
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	-o) out=${2:?-o needs a directory}; shift ;;
	*) sed -n '15,18p' "$0"; exit 2 ;;
	esac
	shift
done
out=${out:-$BUILD/bench}
if [ $short = 1 ]; then
	cpio=$BUILD/initramfs/bench-short.cpio timeout=60 mode=short
else
	cpio=$BUILD/initramfs/bench.cpio timeout=1200 mode=full
fi
for f in "$cpio" "$BUILD/ringos-pc.elf" "$BUILD/ringos-pv.elf" "$BUILD/hv/hv.elf"; do
	[ -f "$f" ] || { echo "bench: $f is missing: run make bench-build"; exit 2; }
done
command -v "$QEMU" > /dev/null || { echo "bench: $QEMU not found (make setup)"; exit 2; }
mkdir -p "$out"
rm -f "$out/bench.csv" "$out/bench.png" "$out/native.log" "$out/pv.log" "$out/hw.log" "$out/bt.log" \
	"$out/hws.log" \
	"$out/bench.gp"

# ------------------------------------------------------------------ the runs
fail=0
# run NAME: boots one QEMU with the arguments that follow, log in $out/NAME.log
run() {
	local name=$1 log=$out/$1.log rc start end
	shift
	echo "bench: $name run ($mode), up to ${timeout}s ..."
	start=$(date +%s.%N)
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout "$timeout" "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m "$QEMU_MEM" -serial stdio \
		"$@" < /dev/null > "$log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	echo "bench: $name run took $(awk "BEGIN { printf \"%.1f\", $end - $start }") s (QEMU exit status $rc)"
	# Success: exit status 1 (code 0 through isa-debug-exit, or the
	# hypervisor's status when its last domain stopped with 0).
	if [ $rc -eq 124 ]; then
		echo "bench: FAILED: the $name run timed out after ${timeout}s (log: $log)"; fail=1
	elif [ $rc -ne 1 ]; then
		echo "bench: FAILED: the $name run ended with QEMU exit status $rc (log: $log)"; fail=1
	fi
}

run native -kernel "$BUILD/ringos-pc.elf" -initrd "$cpio"
run pv -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pv.elf name=ringos memory=96M initrd=$cpio,$cpio"
run hw -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=ringos mode=hw memory=96M initrd=$cpio,$cpio"
run bt -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=ringos mode=bt memory=96M initrd=$cpio,$cpio"
run hws -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=ringos mode=hw npt=off memory=96M initrd=$cpio,$cpio"

# The program's own lines: as they are natively, "[ringos] " taken off on pv
# (and lines the console wrapped joined again).
tr -d '\r' < "$out/native.log" > "$out/native.out"
tools/domain-output.sh ringos "$out/pv.log" > "$out/pv.out"
tools/domain-output.sh ringos "$out/hw.log" > "$out/hw.out"
tools/domain-output.sh ringos "$out/bt.log" > "$out/bt.out"
tools/domain-output.sh ringos "$out/hws.log" > "$out/hws.out"
for r in native pv hw bt hws; do
	if ! grep -q '^TEST RESULT: SUCCESS' "$out/$r.out"; then
		echo "bench: FAILED: the $r run did not end with TEST RESULT: SUCCESS:"
		grep -aE '^BENCH-FAIL|^TEST RESULT|PANIC|panic' "$out/$r.out" "$out/$r.log" | head -5 | sed 's/^/    /'
		fail=1
	fi
done

# ------------------------------------------------------------------ the table
# Every benchmark either run says it has (BENCH-LIST), in its order.
names=$(cat "$out/native.out" "$out/pv.out" "$out/hw.out" "$out/bt.out" "$out/hws.out" | sed -n 's/^BENCH-LIST //p' | tr ' ' '\n' | awk 'NF && !seen[$0]++')
if [ -z "$names" ]; then
	echo "bench: FAILED: neither run listed its benchmarks (logs: $out/native.log, $out/pv.log)"
	exit 1
fi
# field NAME FILE K: value K of NAME's BENCH line (1 ns/op, 2 entries/op, 3 hypercalls/op, 4 N)
field() { awk -v n="$1" -v f="$3" '$1 == "BENCH" && $2 == n { v = $(f + 2) } END { print v }' "$2"; }
isnum() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
# The ratio Xen/native of the Xen paper (SOSP 2003, lmbench), where it has one.
xen_ratio() {
	case $1 in
	null_call) echo 1.02 ;; fork_exit) echo 1.80 ;; fork_exec) echo 1.45 ;;
	page_fault) echo 1.92 ;; ctx_switch) echo 2.56 ;; *) echo ;;
	esac
}
# A time in ns, readable: 812 ns, 23.4 us, 1.85 ms
human() {
	isnum "$1" || { echo "-"; return; }
	awk -v t="$1" 'BEGIN {
		if (t < 1000) printf "%.0f ns", t; else if (t < 1e6) printf "%.2f us", t / 1e3;
		else printf "%.2f ms", t / 1e6 }'
}

csv=$out/bench.csv
echo "benchmark,native_ns_per_op,pv_ns_per_op,ratio_pv_native,hv_entries_per_op,hypercalls_per_op,native_iterations,pv_iterations,xen2003_ratio,hw_ns_per_op,ratio_hw_native,hw_exits_per_op,hw_iterations,bt_ns_per_op,ratio_bt_native,bt_entries_per_op,bt_iterations,hws_ns_per_op,ratio_hws_native,hws_exits_per_op,hws_iterations" > "$csv"
printf '\n%-12s %10s %10s %9s %10s %9s %10s %9s %10s %9s %10s %9s %10s %10s %11s %10s\n' benchmark native pv pv/native \
	hw hw/native bt bt/native hws hws/native "pv entr/op" "hcalls/op" "hw exit/op" "bt entr/op" "hws exit/op" \
	"Xen (2003)"
runname() { case $1 in nat) echo native ;; hs) echo hws ;; *) echo "$1" ;; esac; }
ratio_of() { isnum "$1" && isnum "$2" && awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a }'; }
for n in $names; do
	nat=$(field "$n" "$out/native.out" 1) pv=$(field "$n" "$out/pv.out" 1) hw=$(field "$n" "$out/hw.out" 1)
	bt=$(field "$n" "$out/bt.out" 1) btx=$(field "$n" "$out/bt.out" 2) bit=$(field "$n" "$out/bt.out" 4)
	ent=$(field "$n" "$out/pv.out" 2) hc=$(field "$n" "$out/pv.out" 3) hwx=$(field "$n" "$out/hw.out" 2)
	nit=$(field "$n" "$out/native.out" 4) pit=$(field "$n" "$out/pv.out" 4) hit=$(field "$n" "$out/hw.out" 4)
	hs=$(field "$n" "$out/hws.out" 1) hsx=$(field "$n" "$out/hws.out" 2) hsit=$(field "$n" "$out/hws.out" 4)
	for v in nat pv hw bt hs; do
		if ! isnum "${!v}"; then
			echo "bench: FAILED: no number for $n in the $(runname $v) run"
			grep -h "^BENCH-FAIL $n " "$out/$(runname $v).out" | sed 's/^/    /'
			fail=1
		fi
	done
	ratio=$(ratio_of "$nat" "$pv") hwratio=$(ratio_of "$nat" "$hw") btratio=$(ratio_of "$nat" "$bt")
	hsratio=$(ratio_of "$nat" "$hs")
	isnum "$ent" || ent= ; isnum "$hc" || hc= ; isnum "$hwx" || hwx= ; isnum "$btx" || btx=
	isnum "$hsx" || hsx=
	xen=$(xen_ratio "$n")
	printf '%-12s %10s %10s %9s %10s %9s %10s %9s %10s %9s %10s %9s %10s %10s %11s %10s\n' "$n" \
		"$(human "$nat")" "$(human "$pv")" "${ratio:--}" "$(human "$hw")" "${hwratio:--}" \
		"$(human "$bt")" "${btratio:--}" "$(human "$hs")" "${hsratio:--}" "${ent:--}" "${hc:--}" \
		"${hwx:--}" "${btx:--}" "${hsx:--}" "${xen:--}"
	echo "$n,$nat,$pv,$ratio,$ent,$hc,$nit,$pit,$xen,$hw,$hwratio,$hwx,$hit,$bt,$btratio,$btx,$bit,$hs,$hsratio,$hsx,$hsit" >> "$csv"
done
# What the hw exits of each benchmark are, by reason (per operation).
if grep -q '^BENCH-HV ' "$out/hw.out"; then
	echo
	echo "hw #VMEXITs per operation by reason:"
	awk '$1 == "BENCH-HV" && $3 != "cpu_ns" && $4 + 0 >= 0.01 { printf "  %-12s %-8s %10s\n", $2, $3, $4 }' "$out/hw.out"
fi
# ... the same with npt = off (shadow paging: #PF, CR and INVLPG exits) ...
if grep -q '^BENCH-HV ' "$out/hws.out"; then
	echo
	echo "hws (hw, npt = off) #VMEXITs per operation by reason:"
	awk '$1 == "BENCH-HV" && $3 != "cpu_ns" && $4 + 0 >= 0.01 { printf "  %-12s %-8s %10s\n", $2, $3, $4 }' "$out/hws.out"
fi
# ... and bt's hypervisor entries by what they were (docs/bt.md).
if grep -q '^BENCH-HV ' "$out/bt.out"; then
	echo
	echo "bt hypervisor work per operation by kind:"
	awk '$1 == "BENCH-HV" && $3 != "cpu_ns" && $4 + 0 >= 0.01 { printf "  %-12s %-8s %10s\n", $2, $3, $4 }' "$out/bt.out"
fi
echo
echo "bench: $csv"
grep -h '^BENCH-CLOCK' "$out/native.out" | sed 's/^BENCH-CLOCK /bench: native clock step /'
grep -h '^BENCH-CLOCK' "$out/pv.out" | sed 's/^BENCH-CLOCK /bench: pv clock step /'
grep -h '^BENCH-CLOCK' "$out/hw.out" | sed 's/^BENCH-CLOCK /bench: hw clock step /'
grep -h '^BENCH-CLOCK' "$out/bt.out" | sed 's/^BENCH-CLOCK /bench: bt clock step /'
grep -h '^BENCH-CLOCK' "$out/hws.out" | sed 's/^BENCH-CLOCK /bench: hws clock step /'

# ------------------------------------------------------------------ the chart
if ! command -v gnuplot > /dev/null; then
	echo "bench: FAILED: no gnuplot (make setup installs gnuplot-nox)"
	exit 1
fi
cat > "$out/bench.gp" <<EOF
set terminal png size 1100,900 font ",10" noenhanced
set output '$out/bench.png'
set datafile separator ","
set datafile missing ""
set key autotitle columnhead
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set grid ytics
set multiplot layout 2,1 title "ringvisor: ringos natively and as pv, hw (NPT and shadow) and bt domains ($mode run, QEMU TCG)"
set title "time per operation (log scale)"
set key top left
set ylabel "microseconds"
set logscale y
plot '$csv' using (\$2/1000):xtic(1) title "native (pc port)", '' using (\$3/1000) title "pv under ringvisor", \
     '' using (\$10/1000) title "hw (SVM + NPT) under ringvisor", \
     '' using (\$14/1000) title "bt (ring 1, patched, shadow paging) under ringvisor", \
     '' using (\$18/1000) title "hws (SVM, npt = off: shadow paging) under ringvisor"
unset logscale y
set title "slowdown against native (1 = no cost)"
set key top right
set ylabel "ratio"
set yrange [0:*]
plot '$csv' using 4:xtic(1) title "ringvisor pv / native (this run)", \
     '' using 11 title "ringvisor hw / native (this run)", \
     '' using 15 title "ringvisor bt / native (this run)", \
     '' using 19 title "ringvisor hws / native (this run)", \
     '' using 9 title "Xen / Linux (SOSP 2003, lmbench)", \
     1 with lines lw 1 lc rgb "black" notitle
unset multiplot
EOF
if ! gnuplot "$out/bench.gp" > "$out/gnuplot.log" 2>&1 || [ ! -s "$out/bench.png" ]; then
	echo "bench: FAILED: gnuplot did not draw $out/bench.png:"
	sed 's/^/    /' "$out/gnuplot.log" | head -10
	exit 1
fi
echo "bench: $out/bench.png"
if [ $fail != 0 ]; then
	echo "bench: FAILED (logs: $out/native.log, $out/pv.log, $out/hw.log, $out/bt.log, $out/hws.log)"
	exit 1
fi
echo "bench: done ($mode run)"
