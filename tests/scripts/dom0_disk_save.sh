#!/usr/bin/env bash
# VMs handled like files on Domain 0's disk (docs/control.md): the machine's
# IDE disk is an ext2 image made here by mkfs.ext2 -d holding a config;
# Domain 0 mounts it at boot (mount=/dev/hda:/disk in configs/dom0.cfg).
# It creates a domain from that config, saves it to the disk, restores it
# (the count goes on), snapshots it (to /disk/snapshots), rolls it back,
# clones and destroys, saves it once more, and powers the machine off. The
# image passes e2fsck. A second QEMU on the same image restores the saved
# file: the domain goes on counting from where it stopped.
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
TYPE_WAIT=180
PATH=$PATH:/usr/sbin:/sbin
img=$work/disk.img
mkdir -p "$work/tree/vm"
cat > "$work/tree/vm/s.cfg" <<'CFG'
name = "s"
kernel = "/boot/ringos-pv.elf"
initrd = "/boot/busybox.cpio"
memory = 16
cmdline = "hostname=s"
CFG
mkfs.ext2 -q -F -b 4096 -d "$work/tree" "$img" 160M >/dev/null || { echo "FAILED - mkfs.ext2"; exit 1; }

boot() {                # name: a machine on the image, its log $work/NAME.log
	log=$work/$1.log
	: > "$log"
	rm -f "$work/in"
	mkfifo "$work/in"
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout 900 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 320 -serial stdio \
		-drive "file=$img,format=raw,if=ide,index=0" -kernel "$BUILD/hv/hv.elf" \
		-append "on_empty=exit" \
		-initrd "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg,$BUILD/initramfs/busybox.cpio" \
		< "$work/in" > "$log" 2>&1 &
	qpid=$!
	exec {fd}> "$work/in"
	check '\[dom0\] ringos: mounted /dev/hda on /disk \(ext2\)' 120 "$1: Domain 0 mounts its disk at /disk"
	check '\[dom0\] dom0:~# ' 60 "$1: Domain 0 is at its prompt"
	printf '\035' >&$fd
	check 'console input now goes to domain 1 \(dom0\)' 10 "$1: Ctrl-] gives Domain 0 the keyboard"
}

boot first
type 'vm create /disk/vm/s.cfg'
check '^domain [0-9]+ \(s\) created from /disk/vm/s.cfg: pv, 16 MiB' 10 "s is created from the config on the disk"
sleep 8
in_dom s 'i=2000; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done & sleep 2; echo before=$(cat /tmp/count)'
check '^before=20[0-9][0-9]' 10 "s counts"
type 'vm save s /disk/s.save'
check '^s \(domain [0-9]+\) saved to /disk/s.save: 16 MiB, memory checksum [0-9a-f]{16}' 240 "vm save writes to the disk"
sum1=$(last 'saved to /disk/s.save: 16 MiB, memory checksum [0-9a-f]{16}' | awk '{print $NF}')
type 'vm restore /disk/s.save'
check '^domain [0-9]+ \(s\) restored from /disk/s.save: 16 MiB, memory checksum [0-9a-f]{16}' 240 "vm restore from the disk"
sum2=$(last 'restored from /disk/s.save: 16 MiB, memory checksum [0-9a-f]{16}' | awk '{print $NF}')
[ -n "$sum1" ] && [ "$sum1" = "$sum2" ] && echo "ok - equal memory checksums ($sum1)" ||
	{ echo "FAILED - checksums $sum1 / $sum2"; fail=1; }
type 'vm snapshot s t1'
check '^s \(domain [0-9]+\) snapshotted to /disk/snapshots/s/t1.save: 16 MiB' 240 "vm snapshot keeps it on the disk"
type 'vm rollback s t1'
check "^s rolled back to snapshot 't1': now domain [0-9]+" 240 "vm rollback"
type 'vm clone s s2 && vm destroy s2 && rm /disk/s.save'
check '^s cloned as s2 \(domain [0-9]+\)' 240 "vm clone, then destroy the clone"
in_dom s 'echo atsave=$(cat /tmp/count)'
atsave=$(last 'atsave=[0-9]+' | cut -d= -f2)
type 'vm save s /disk/keep.save; ls -l /disk; sync'
check '^s \(domain [0-9]+\) saved to /disk/keep.save: 16 MiB' 240 "s saved to the disk for the next boot"
printf 'poweroff\r' >&$fd
# (Not "domain 1 (dom0): shut down": the hypervisor's messages wait while
# Domain 0 has the keyboard, 4 KiB at most, and this session's outlast that.)
check 'all domains have stopped: exiting \(status 0\)' 240 "first: Domain 0 powers off, the machine stops"
wait "$qpid"
qpid=
exec {fd}>&-
if e2fsck -fn "$img" > "$work/fsck.txt" 2>&1; then
	echo "ok - the image passes e2fsck -fn after the first machine"
else
	echo "FAILED - e2fsck -fn:"; sed 's/^/    | /' "$work/fsck.txt" | tail -15; fail=1
fi

boot second
type 'ls /disk /disk/snapshots/s; vm restore /disk/keep.save'
check '^domain [0-9]+ \(s\) restored from /disk/keep.save: 16 MiB' 240 "second: the saved file restores after a restart"
in_dom s 'echo after=$(cat /tmp/count); sleep 2; echo later=$(cat /tmp/count)'
after=$(last 'after=[0-9]+' | cut -d= -f2)
later=$(last 'later=[0-9]+' | cut -d= -f2)
if [ -n "$atsave" ] && [ -n "$after" ] && [ "$after" -ge "$atsave" ] && [ "$after" -lt $((atsave + 40)) ] &&
	[ -n "$later" ] && [ "$later" -gt "$after" ]; then
	echo "ok - s goes on counting after the restart ($atsave before the save, $after, $later after)"
else
	echo "FAILED - the count: $atsave before, $after then $later after"; fail=1
fi
type 'vm destroy s; rm /disk/keep.save; sync'
printf 'poweroff\r' >&$fd
check 'all domains have stopped: exiting \(status 0\)' 240 "second: Domain 0 powers off, the machine stops"
wait "$qpid"
qpid=
if e2fsck -fn "$img" > "$work/fsck.txt" 2>&1; then
	echo "ok - the image passes e2fsck -fn after the second machine"
else
	echo "FAILED - e2fsck -fn after the second machine"; fail=1
fi
if grep -aq PANIC "$work/first.log" "$work/second.log"; then echo "FAILED - a panic"; fail=1; fi
if [ $fail = 0 ]; then
	echo "dom0_disk_save: a domain saved, restored, snapshotted, rolled back and cloned on Domain 0's disk, and restored after a restart"
	exit 0
fi
echo "--- last machine's log (last 30 lines)"; text | tail -30
echo "dom0_disk_save: FAILED"
exit 1
