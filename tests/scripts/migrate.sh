#!/usr/bin/env bash
# Migration between two ringvisor machines (docs/control.md): two QEMUs on
# this host joined by their second serial ports over a TCP socket on the
# loopback (COM2, given to each Domain 0 with its IRQ). Machine B's Domain 0
# runs `vm receive`; on machine A a domain s counts in a shell loop and
# `vm migrate s ttyS1` moves it: it is gone from A and goes on counting on B.
# Then a migration to a machine that does not answer fails and leaves the
# domain running where it was.
. tests/scripts/session.sh
PROMPT='dom0:[^ ]*# '
port=$((20000 + $$ % 20000))
logA=$work/a.log logB=$work/b.log
mkfifo "$work/a.in" "$work/b.in"
mods="$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg,$BUILD/initramfs/busybox.cpio"
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 420 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 320 -serial stdio \
	-serial "tcp:127.0.0.1:$port,server=on,wait=off" -kernel "$BUILD/hv/hv.elf" \
	-append "on_empty=exit" -initrd "$mods" < "$work/a.in" > "$logA" 2>&1 &
qpid=$!
exec {fa}> "$work/a.in"
sleep 2
# shellcheck disable=SC2086
timeout 420 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 320 -serial stdio \
	-serial "tcp:127.0.0.1:$port,reconnect=1" -kernel "$BUILD/hv/hv.elf" \
	-append "on_empty=exit" -initrd "$mods" < "$work/b.in" > "$logB" 2>&1 &
qpidB=$!
exec {fb}> "$work/b.in"
trap 'kill $qpid $qpidB 2>/dev/null; rm -rf "$work"' EXIT

text() { tr -d '\r' < "$1"; }
wait_in() {             # log pattern seconds
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		text "$1" | grep -aEq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
check() {               # log pattern seconds what
	if wait_in "$1" "$2" "$3"; then echo "ok - $4"; else echo "FAILED - $4 (no /$2/)"; fail=1; fi
}
last() { text "$1" | grep -aEo -- "$2" | tail -1; }

check "$logA" '\[dom0\] dom0:~# ' 120 "machine A: Domain 0 is at its prompt"
check "$logB" '\[dom0\] dom0:~# ' 120 "machine B: Domain 0 is at its prompt"
check "$logA" 'COM2 \(ports 0x2f8-0x2ff, IRQ 3\) is its own' 1 "machine A gives Domain 0 its second serial port"
check "$logA" '\[dom0\] serial: ttyS1' 1 "machine A's Domain 0 has /dev/ttyS1"
printf '\035' >&$fb
check "$logB" 'console input now goes to domain 1 \(dom0\)' 10 "machine B: the keyboard to Domain 0"
printf 'vm receive ttyS1 -1\r' >&$fb
check "$logB" '^vm: waiting for domains on ttyS1' 10 "machine B waits for a domain"
printf '\035' >&$fa
check "$logA" 'console input now goes to domain 1 \(dom0\)' 10 "machine A: the keyboard to Domain 0"
printf 'printf "name = \\"s\\"\\nkernel = \\"/boot/ringos-pv.elf\\"\\ninitrd = \\"/boot/busybox.cpio\\"\\nmemory = 8\\ncmdline = \\"hostname=s\\"\\n" > /tmp/s.cfg; vm create /tmp/s.cfg\r' >&$fa
check "$logA" '^domain 2 \(s\) created' 20 "machine A creates s"
sleep 8
printf 'vm console s\r' >&$fa
check "$logA" 'vm: attached to s' 10 "machine A: attached to s"
sleep 1
printf 'i=500; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done & sleep 2; echo before=$(cat /tmp/count)\r' >&$fa
check "$logA" '^before=5[0-9][0-9]' 20 "s counts on machine A"
before=$(last "$logA" 'before=[0-9]+' | cut -d= -f2)
printf '\034' >&$fa
sleep 2
printf 'vm migrate s ttyS1; echo migrate=$?\r' >&$fa
check "$logA" '^s migrated to ttyS1: 8 MiB in [0-9.]+ s, stopped for [0-9.]+ s' 300 "vm migrate moves s"
check "$logA" '^migrate=0' 5 "... with exit status 0"
check "$logB" '^domain [0-9]+ \(s\) received: 8 MiB' 30 "machine B received s"
line=$(last "$logA" 's migrated to ttyS1: .*')
echo "# $line"
printf 'vm list | grep -c "^s "\r' >&$fa
check "$logA" '^0$' 10 "s is gone from machine A"
printf 'vm console s\r' >&$fb
check "$logB" 'vm: attached to s' 10 "machine B: attached to s"
sleep 1
printf 'echo after=$(cat /tmp/count); sleep 2; echo later=$(cat /tmp/count)\r' >&$fb
check "$logB" '^later=[0-9]+' 20 "s answers on machine B"
after=$(last "$logB" 'after=[0-9]+' | cut -d= -f2)
later=$(last "$logB" 'later=[0-9]+' | cut -d= -f2)
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -ge "$before" ] && [ "$later" -gt "$after" ]; then
	echo "ok - s goes on counting on machine B ($before on A, then $after, $later on B)"
else
	echo "FAILED - the count: $before on A, $after then $later on B"; fail=1
fi
printf '\034' >&$fb
# B no longer receives: a migration to it fails and leaves the domain on A.
printf 'vm create /tmp/s.cfg >/dev/null; sleep 8; vm migrate s ttyS1; echo failed=$?; vm list | grep -c "^s "\r' >&$fa
check "$logA" "^vm: migrate s to ttyS1: the other side stopped answering; s goes on here" 90 \
	"a migration nobody takes fails with the reason"
check "$logA" '^failed=1' 5 "... exit status 1"
check "$logA" '^1$' 10 "... and s still runs on machine A"
for m in A B; do
	log=$logA; fd=$fa
	[ $m = B ] && log=$logB fd=$fb
	printf 'poweroff\r' >&$fd
done
wait_in "$logA" 'domain 1 \(dom0\): shut down: poweroff' 30 || true
if text "$logA" | grep -aq PANIC || text "$logB" | grep -aq PANIC; then
	echo "FAILED - a hypervisor panicked"; fail=1
fi
if [ $fail = 0 ]; then
	echo "migrate: s moved from machine A to machine B and went on; a failed migration left it on A"
	exit 0
fi
echo "--- machine A (last 25 lines)"; text "$logA" | tail -25
echo "--- machine B (last 25 lines)"; text "$logB" | tail -25
echo "migrate: FAILED"
exit 1
