#!/usr/bin/env bash
# Equivalence (Popek and Goldberg): each ringos test program prints the same
# results natively on the bare PC and as a pv domain under ringvisor. Runs
# both, keeps the program's own lines (TAP and the result), and diffs them.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
for prog in libc_basics processes files misc_calls signals fd_calls; do
	cpio=$BUILD/initramfs/$prog.cpio
	timeout 60 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 128 -serial stdio \
		-kernel "$BUILD/ringos-pc.elf" -initrd "$cpio" < /dev/null > "$work/native.log" 2>&1
	timeout 60 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 128 -serial stdio \
		-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
		-initrd "$BUILD/ringos-pv.elf name=ringos memory=96M initrd=$cpio,$cpio" \
		< /dev/null > "$work/pv.log" 2>&1
	for run in native pv; do
		tr -d '\r' < "$work/$run.log" | sed 's/^\[ringos\] //' |
			grep -E '^(ok |not ok |1\.\.|TEST RESULT)' > "$work/$run.out"
	done
	if [ ! -s "$work/native.out" ] || ! grep -q 'TEST RESULT: SUCCESS' "$work/native.out"; then
		echo "FAILED - $prog: no successful native run"; fail=1; continue
	fi
	if diff -u "$work/native.out" "$work/pv.out" > "$work/diff"; then
		echo "ok - $prog: $(wc -l < "$work/native.out") lines identical natively and under ringvisor"
	else
		echo "FAILED - $prog differs:"; sed 's/^/    /' "$work/diff"; fail=1
	fi
done
[ $fail = 0 ] || { echo "equivalence: outputs differ"; exit 1; }
echo "equivalence: all programs behave the same on both"
