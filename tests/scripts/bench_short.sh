#!/usr/bin/env bash
# The benchmarks work (docs/performance.md): tools/bench.sh in short mode
# runs guest/bench/ natively, as a pv, a hw, a bt and a hw domain with
# npt = off (hws), and every
# benchmark gives a number in each run, and the CSV and the chart get written. No time is
# judged: this machine is shared and QEMU's CPU is software.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
out=$BUILD/bench-test
rm -rf "$out"
fail=0
bash tools/bench.sh --short -o "$out"
rc=$?
[ $rc -eq 0 ] || { echo "FAILED - tools/bench.sh --short exited with status $rc"; fail=1; }

# Every benchmark the program lists has a number in each run.
names=$(sed -n 's/^BENCH-LIST //p' "$out/native.out" 2>/dev/null | head -1)
if [ -z "$names" ]; then
	echo "FAILED - the native run listed no benchmarks"; fail=1
fi
num='[0-9]+(\.[0-9]+)?'
for n in $names; do
	for r in native pv hw bt hws; do
		if grep -qE "^BENCH $n $num " "$out/$r.out" 2>/dev/null; then
			echo "ok - $n: a number in the $r run"
		else
			echo "FAILED - $n: no number in the $r run"; fail=1
		fi
	done
	if grep -qE "^$n,$num,$num,([^,]*,){6}$num,$num,([^,]*,){2}$num,$num,([^,]*,){2}$num,$num," "$out/bench.csv" 2>/dev/null; then
		echo "ok - $n: a row of bench.csv with the native, pv, hw, bt and hws numbers"
	else
		echo "FAILED - $n: no complete row in bench.csv"; fail=1
	fi
done
if [ -s "$out/bench.png" ] && [ "$(head -c 8 "$out/bench.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	echo "ok - bench.png is a PNG image"
else
	echo "FAILED - no PNG image at $out/bench.png"; fail=1
fi
[ $fail = 0 ] || { echo "bench_short: failed"; exit 1; }
echo "bench_short: every benchmark measured natively and under ringvisor"
