#!/usr/bin/env bash
# Equivalence (Popek and Goldberg): the ringos test suite (guest/user/suite.c
# as init, every program of guest/user/ as its child) prints the same
# results natively on the bare PC, as a pv domain, as a hw domain (with nested
# paging, and with npt = off: shadow paging under SVM) and as a bt domain
# under ringvisor. Keeps
# the programs' own lines (TAP, nested, and the result) and diffs them.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
# Natively, and at once under one hypervisor in two pv domains, a hw domain
# and a bt domain (both the very ringos-pc.elf of the native run); each
# domain's output, its "[name] " prefix taken off, must be the native one
# line for line.
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
keep() { grep -aE '^ *(ok |not ok |1\.\.|# /bin/|TEST RESULT)'; }
cpio=$BUILD/initramfs/suite.cpio
timeout 120 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 128 -serial stdio \
	-kernel "$BUILD/ringos-pc.elf" -initrd "$cpio" < /dev/null 2>&1 | tr -d '\r' | keep > "$work/native.out"
timeout 240 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 512 -serial stdio \
	-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pv.elf name=suite-a memory=96M initrd=$cpio,$BUILD/ringos-pv.elf name=suite-b memory=96M initrd=$cpio,$BUILD/ringos-pc.elf name=suite-hw mode=hw memory=96M initrd=$cpio,$BUILD/ringos-pc.elf name=suite-bt mode=bt memory=96M initrd=$cpio,$cpio" \
	< /dev/null > "$work/two.log" 2>&1
# The hw domain with npt = off in a run of its own, so the four-domain run
# stays as it was (more domains at once, more lines cut by the console's
# time-out flush on a loaded machine).
timeout 180 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 256 -serial stdio \
	-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=suite-hws mode=hw npt=off memory=96M initrd=$cpio,$cpio" \
	< /dev/null > "$work/hws.log" 2>&1
if ! grep -q '^TEST RESULT: SUCCESS' "$work/native.out"; then
	echo "FAILED - suite: no successful native run"; fail=1
else
	for dom in suite-a suite-b suite-hw suite-bt suite-hws; do
		log=$work/two.log how="four at once"
		[ "$dom" = suite-hws ] && log=$work/hws.log how="npt = off, alone"
		tools/domain-output.sh "$dom" "$log" | keep > "$work/$dom.out"
		if diff -u "$work/native.out" "$work/$dom.out" > "$work/diff"; then
			echo "ok - suite in domain $dom ($how): $(wc -l < "$work/native.out") lines identical to native"
		else
			echo "FAILED - suite in domain $dom differs:"; sed 's/^/    /' "$work/diff" | head -40; fail=1
		fi
	done
	if ! grep -q '4 domains ready' "$work/two.log"; then
		echo "FAILED - the hypervisor did not start all four domains"; fail=1
	fi
fi
[ $fail = 0 ] || { echo "equivalence: outputs differ"; exit 1; }
echo "equivalence: all programs behave the same natively, in pv, in hw (nested and shadow paging) and in bt"
