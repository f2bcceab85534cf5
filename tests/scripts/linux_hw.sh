#!/usr/bin/env bash
# Linux in a hw domain (issue 13): Debian's unmodified 686 kernel with the
# busybox initramfs (docs/linux.md) boots under ringvisor beside a pv
# bystander, the keyboard is moved to it with Ctrl-] as the README says, a
# few commands are typed at its shell and their output checked, and
# `poweroff -f` powers the domain off the ACPI way. The bystander must
# finish its checksum meanwhile, and the Linux domain must report the CPU
# as ringvisor offers it (a hypervisor flag, no svm, no lm).
# LINUX_HW_NPT=off runs the same with shadow paging (tests/scripts/linux_hws.sh).
. tests/scripts/session.sh
log=$work/linux.log fifo=$work/in
PROMPT='linux:[^ ]*# '
cmdline="console=ttyS0 quiet cryptomgr.notests noisapnp"

if [ ! -f "$BUILD/linux/vmlinuz" ] || [ ! -f "$BUILD/linux/initramfs.cpio" ]; then
	echo "FAILED - no $BUILD/linux/vmlinuz or initramfs.cpio (make setup; make linux)"; exit 1
fi

mkfifo "$fifo"
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 150 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 320 -serial stdio \
	-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/linux/vmlinuz name=linux mode=hw npt=${LINUX_HW_NPT:-on} memory=160M initrd=$BUILD/linux/initramfs.cpio cmdline=\"$cmdline\",$BUILD/linux/initramfs.cpio,$BUILD/guests/bystander.elf name=bystander memory=8M" \
	< "$fifo" > "$log" 2>&1 &
qpid=$!
exec {fd}> "$fifo"
if ! wait_prompt "$log" 0 90; then
	echo "FAILED - no Linux shell prompt within 90 s"; fail=1
else
	echo "ok - Linux booted to its shell in a hw domain"
	printf '\035' >&$fd             # Ctrl-]: the keyboard to the first domain
	sleep 0.5
	n=0
	while IFS= read -r line; do
		n=$(count_prompts "$log")
		printf '%s\r' "$line" >&$fd
		if ! wait_prompt "$log" "$n" 30; then
			echo "FAILED - no prompt after '$line'"; fail=1; break
		fi
	done <<'CMDS'
echo sum=$((6 * 7))
echo k=$(uname -r)
grep -c '^processor' /proc/cpuinfo
grep -o -w -e hypervisor -e svm -e lm /proc/cpuinfo | sort -u | tr '\n' ' '; echo .
cd /tmp && echo hello > f && cat f | wc -c
CMDS
	printf 'poweroff -f\r' >&$fd
fi
wait "$qpid"
qpid=
out=$work/out
# The domain has the keyboard, so its output comes raw (no "[linux] " tag).
tr -d '\r' < "$log" | sed 's/^\[linux\] //' > "$out"
check() {               # what pattern
	if grep -aqE -- "$2" "$out"; then
		echo "ok - $1"
	else
		echo "FAILED - $1: the Linux console lacks /$2/"; fail=1
	fi
}
check "arithmetic in the shell" '^sum=42$'
check "uname -r is Debian's kernel" "^k=$(cat "$BUILD/linux/version")\$"
check "one CPU" '^1$'
check "CPUID: the hypervisor flag, no svm, no lm" '^hypervisor \.$'
check "a file in tmpfs" '^6$'
if grep -aq 'domain [0-9]* (linux): shut down: poweroff, exit code 0' "$log"; then
	echo "ok - poweroff -f powered the domain off (ACPI S5)"
else
	echo "FAILED - the Linux domain did not power off"; fail=1
fi
if grep -aq '\[bystander\] TEST RESULT: SUCCESS' "$log"; then
	echo "ok - the pv bystander finished its checksum beside it"
else
	echo "FAILED - the bystander did not succeed"; fail=1
fi
if [ $fail != 0 ]; then
	echo "--- log (last 40 lines)"; tr -d '\r' < "$log" | tail -40
	echo "linux_hw: FAILED"
	exit 1
fi
echo "linux_hw: Linux runs unmodified in a hw domain"
