#!/usr/bin/env bash
# Domain 0 owns the machine's IDE disk (docs/control.md): QEMU gets a real
# -drive; the hypervisor opens the channel's ports to Domain 0 alone and
# turns IRQ 14 into its event; ringos's ATA driver (docs/ata.md) finds the
# disk as /dev/hda and reads and writes it, and the host sees what it
# wrote. Beside it, a bt domain (its kernel in ring 1 on the same CPU, with
# the TSS's I/O bitmap) and a pv domain: the bt domain's in/out reach its
# own emulated disk, never the real one, and the pv domain has no disk.
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
log=$work/run.log
img=$work/real.img
emu=$work/emulated.img
dd if=/dev/zero of="$img" bs=1M count=8 2>/dev/null
printf 'REAL-DISK-OF-DOMAIN-0' | dd of="$img" conv=notrunc 2>/dev/null
dd if=/dev/zero of="$emu" bs=1M count=2 2>/dev/null
printf 'EMULATED-DISK-OF-BT-' | dd of="$emu" conv=notrunc 2>/dev/null
cat > "$work/bt.cfg" <<CFG
name = "bt1"
kernel = "ringos-pc.elf"
initrd = "busybox.cpio"
memory = 48
mode = "bt"
disk = "emulated.img"
cmdline = "hostname=bt1"
CFG
mkfifo "$work/in"
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 280 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 384 -serial stdio -kernel "$BUILD/hv/hv.elf" \
	-drive "file=$img,format=raw,if=ide,index=0" -append "on_empty=exit" \
	-initrd "$BUILD/ringos-pv.elf,$BUILD/ringos-pc.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg,$BUILD/initramfs/busybox.cpio,configs/vm1.cfg,$emu,$work/bt.cfg" \
	< "$work/in" > "$log" 2>&1 &
qpid=$!
exec {fd}> "$work/in"

check 'domain 1 \(dom0\): the IDE channel \(ports 0x1f0-0x1f7, 0x3f6, IRQ 14\) is its own' 60 \
	"the hypervisor gives Domain 0 the IDE channel"
check '\[dom0\] ata: hda: QEMU HARDDISK, 16384 sectors \(8 MiB\).*IRQ 14' 60 "Domain 0's ATA driver finds the real disk"
check '\[dom0\] dom0:~# ' 60 "Domain 0 is at its prompt"
check '\[vm1\] vm1:~# ' 60 "vm1 is at its prompt"
check '\[bt1\] bt1:~# ' 120 "bt1 is at its prompt"
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard"
printf 'dd if=/dev/hda bs=512 count=1 2>/dev/null | head -c 21; echo; echo WRITTEN-BY-DOMAIN-0 | dd of=/dev/hda bs=512 seek=9 conv=sync 2>/dev/null; sync; echo wrote=$?\r' >&$fd
check '^REAL-DISK-OF-DOMAIN-0' 20 "Domain 0 reads the real disk"
check '^wrote=0' 20 "Domain 0 writes it"
# Its disk is a boot module of this machine: it cannot follow bt1 into a file.
printf 'vm save bt1 /tmp/bt1.save; echo save-status=$? files=$(ls /tmp | grep -c bt1)\r' >&$fd
check "^vm: bt1 \(domain [0-9]+\) cannot be saved: its disk is a boot module of this machine, which cannot go into a save file" 20 \
	"a bt domain with a disk is refused a save, with the reason"
check '^save-status=1 files=0' 5 "... vm save fails and leaves no file"
printf '\035' >&$fd
check 'console input now goes to domain 2 \(vm1\)' 10 "Ctrl-] gives vm1 the keyboard"
printf 'ls /dev/hda; echo vm1-status=$?\r' >&$fd
check '^vm1-status=1' 10 "vm1 (pv, not Domain 0) has no disk"
printf 'poweroff\r' >&$fd
check 'domain 2 \(vm1\): shut down: poweroff' 30 "vm1 powers off"
printf '\035' >&$fd             # the keyboard went back to the hypervisor: dom0, then bt1
sleep 1
printf '\035' >&$fd
check 'console input now goes to domain [0-9]+ \(bt1\)' 10 "Ctrl-] gives bt1 the keyboard"
printf 'dd if=/dev/hda bs=512 count=1 2>/dev/null | head -c 20; echo\r' >&$fd
check '^EMULATED-DISK-OF-BT-' 30 "bt1's in/out reach its own emulated disk, not the real one"
printf 'poweroff\r' >&$fd
check 'domain [0-9]+ \(bt1\): shut down: poweroff' 60 "bt1 powers off"
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard again"
printf 'poweroff\r' >&$fd
check 'domain 1 \(dom0\): shut down: poweroff' 30 "Domain 0 powers off"
wait "$qpid"
qpid=
if [ "$(dd if="$img" bs=512 skip=9 count=1 2>/dev/null | head -c 19)" = WRITTEN-BY-DOMAIN-0 ]; then
	echo "ok - the host finds what Domain 0 wrote in the image"
else
	echo "FAILED - sector 9 of the image does not hold what Domain 0 wrote"; fail=1
fi
if [ "$(head -c 20 "$emu")" = EMULATED-DISK-OF-BT- ] &&
	[ "$(head -c 21 "$img")" = REAL-DISK-OF-DOMAIN-0 ]; then
	echo "ok - neither disk was overwritten by the other's domain"
else
	echo "FAILED - a disk's first sector changed"; fail=1
fi
if seen 'PANIC'; then echo "FAILED - the hypervisor panicked"; fail=1; fi
if [ $fail = 0 ]; then
	echo "dom0_disk: Domain 0 alone reaches the real disk"
	exit 0
fi
echo "--- log (last 40 lines)"; tr -d '\r' < "$log" | tail -40
echo "dom0_disk: FAILED"
exit 1
