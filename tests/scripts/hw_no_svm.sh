#!/usr/bin/env bash
# Where the CPU cannot do hw (no SVM; SVM without nested paging), the boot
# log says what is missing, a hw domain is refused with that reason, and a
# pv domain beside it boots and finishes its checksum (issue 13: "a clear
# refusal ... the message names what is missing, the other domains
# unharmed"). QEMU's CPU model with the feature taken away stands for such
# a machine. With SVM but no nested paging, a hw domain with npt = off
# (shadow paging, hv/hw/shadow.c) runs all the same, and the refusal of one
# with nested paging suggests it.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bystander="$BUILD/guests/bystander.elf name=bystander memory=8M"
for case in "svm:the CPU has no SVM" "npt:the CPU has SVM but no nested paging"; do
	flag=${case%%:*} why=${case#*:}
	log=$work/$flag.log
	modules="$BUILD/hwguests/cpuid.elf name=hwg mode=hw memory=16M,$bystander"
	# Without nested paging, a second hw domain with npt = off: the paging
	# test guest, which must boot and pass.
	[ "$flag" = npt ] &&
		modules+=",$BUILD/hwguests/paging.elf name=shadowed mode=hw npt=off memory=16M"
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout 60 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU,-$flag" -m 128 -serial stdio \
		-kernel "$BUILD/hv/hv.elf" -append on_empty=exit -initrd "$modules" \
		< /dev/null > "$log" 2>&1
	if [ "$flag" = svm ]; then
		wants=("hw: not available: $why"
		       "domain 'hwg' \\(module 0\\): hardware virtualization is not available: $why: refused"
		       'all domains have stopped: exiting \(status 0\)')
	else
		wants=("hw: nested paging not available: $why; hw domains run with npt = off"
		       "domain 'hwg' \\(module 0\\): nested paging is not available: $why \\(npt = off runs the domain with shadow paging\\): refused"
		       '\[shadowed\] TEST RESULT: SUCCESS'
		       'domain [0-9]+ \(shadowed\): shut down: poweroff, exit code 0'
		       'hw shadow paging \(npt = off\): [1-9][0-9]* hidden faults'
		       'all domains have stopped: exiting \(status 0\)')
	fi
	wants+=('\[bystander\] TEST RESULT: SUCCESS')
	for want in "${wants[@]}"; do
		if grep -aqE "$want" "$log"; then
			echo "ok - -cpu ...,-$flag: /$want/"
		else
			echo "FAILED - -cpu ...,-$flag: the log lacks /$want/"; fail=1
		fi
	done
	if grep -aq PANIC "$log"; then
		echo "FAILED - -cpu ...,-$flag: the hypervisor panicked"; fail=1
	fi
	[ $fail = 0 ] || { echo "--- $flag log (last 20 lines)"; tr -d '\r' < "$log" | tail -20; }
done
[ $fail = 0 ] || { echo "hw_no_svm: FAILED"; exit 1; }
echo "hw_no_svm: refused with the reason, the pv domain unharmed, npt = off runs without nested paging"
