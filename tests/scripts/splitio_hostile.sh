#!/usr/bin/env bash
# Domain 0's block backend against a hostile frontend (docs/io.md, "Split
# block driver"): Domain 0 (its disk an ext2 image made here) creates a
# bystander "by", a ringos pv domain copying a file on its own split disk,
# and "hostile" (tests/guests/blkhostile), which speaks blkif over the raw
# ring to its own backend: references never granted, past the table,
# granted to another domain or read-only; sectors past the end and
# wrapping; 0, 12 and 255 segments; first_sect > last_sect; unknown ops;
# each must get its documented errno while honest requests go on being
# served; then it lies about req_prod: its backend lets go of the ring,
# says so in one line and exits. "hostile-ro" then gets EROFS for writes
# on the same image read-only, and reads what hostile wrote. The
# bystander finishes its copies correctly, and its image and Domain 0's
# disk pass e2fsck.
. tests/scripts/splitio_lib.sh
log=$work/run.log

mkdir -p "$work/outer/vm"
ext2_tree "$work/by"
mkfs.ext2 -q -F -b 4096 -d "$work/by" "$work/outer/vm/by.img" 16M || { echo "ERROR - mkfs.ext2 (by)"; exit 1; }
ata_image "$work/outer/vm/h.img" hostile-disk 8192
cat > "$work/by.sh" <<'EOF'
#!/bin/sh
want=$(head -c 100000 /mnt/host/big | md5sum)
bad=0
for i in 1 2 3 4; do
	head -c 100000 /mnt/host/big > /mnt/c$i
	sync
	[ "$(md5sum < /mnt/c$i)" = "$want" ] || bad=$((bad + 1))
done
rm /mnt/c1 /mnt/c3
echo "by.sh: 4 copies, $bad bad"
poweroff -f
EOF
ext2_cpio "$work/outer/vm/by.cpio" "$work/by.sh:by.sh" || { echo "ERROR - the bystander's initramfs"; exit 1; }
cp "$BUILD/guests/blkhostile.elf" "$work/outer/vm/" || { echo "ERROR - no blkhostile.elf (make test-build)"; exit 1; }
cat > "$work/outer/vm/by.cfg" <<'CFG'
name = "by"
kernel = "/boot/ringos-pv.elf"
initrd = "/disk/vm/by.cpio"
memory = 32
disk = "/disk/vm/by.img"
cmdline = "hostname=by init=/bin/sh /by.sh"
CFG
for n in hostile hostile-ro; do
	mode=w role=rw
	[ $n = hostile-ro ] && mode=r role=ro
	cat > "$work/outer/vm/$n.cfg" <<CFG
name = "$n"
kernel = "/disk/vm/blkhostile.elf"
memory = 8
disk = "/disk/vm/h.img,xvda,$mode"
cmdline = "$role"
CFG
done
mkfs.ext2 -q -F -b 4096 -d "$work/outer" "$img" 64M >/dev/null || { echo "ERROR - mkfs.ext2 (outer)"; exit 1; }

dom0_boot 900
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard"
# Paused until the hypervisor has the keyboard: a domain's output while
# the keyboard passes it is untagged.
type 'vm create -p /disk/vm/by.cfg && vm create -p /disk/vm/hostile.cfg && (sleep 8; vm unpause by; vm unpause hostile) &'
check '^domain 2: disk xvda is /disk/vm/by.img, served by process' 10 "the bystander's backend starts"
check '^domain 3: disk xvda is /disk/vm/h.img, served by process' 10 "hostile's backend starts"
keyboard_to "the hypervisor" && echo "ok - the hypervisor has the keyboard: every domain's output flows" ||
	{ echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[hostile\] TEST RESULT: SUCCESS' 120 "hostile: every request answered as documented"
check 'domain 3 \(hostile\): shut down: poweroff' 60 "hostile powers off"
check '\[by\] by.sh: 4 copies, 0 bad' 600 "the bystander's copies on its split disk are whole"
check 'domain 2 \(by\): shut down: poweroff, exit code 0' 60 "the bystander powers off"
keyboard_to "domain 1 \\(dom0\\)" && echo "ok - Domain 0 has the keyboard again" ||
	{ echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
check 'vm-back\[hostile xvda\]: the frontend broke the ring: Broken pipe; stopping' 20 \
	"hostile's backend says in one line that the ring lied, and stops"
check 'vm-back\[hostile xvda\]: done: [0-9]+ requests served, 21 refused' 20 "... having refused the 21 bad requests"
check 'vm-back\[by xvda\]: done: [0-9]+ requests served, 0 refused' 20 "the bystander's backend stops, nothing refused"
type 'vm create -p /disk/vm/hostile-ro.cfg && (sleep 8; vm unpause hostile-ro) &'
check '^domain [0-9]+: disk xvda is /disk/vm/h.img \(read-only\), served by process' 10 "hostile-ro's backend starts"
keyboard_to "the hypervisor" || { echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[hostile-ro\] TEST RESULT: SUCCESS' 120 "hostile-ro: writes EROFS, reads served"
check 'domain [0-9]+ \(hostile-ro\): shut down: poweroff' 60 "hostile-ro powers off"
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
check 'vm-back\[hostile-ro xvda\]: done: [0-9]+ requests served, 2 refused' 20 "hostile-ro's backend stops"
type 'vm list; ps | grep -c "[v]m create"'
dom0_halt "Domain 0 powers off, the machine stops"
for f in hostile hostile-ro by; do
	tools/domain-output.sh "$f" "$log" | grep -E '^(  |not ok|TEST)' | sed "s/^/    $f: /"
done
e2fsck -fn "$img" > "$work/fsck.txt" 2>&1 && echo "ok - Domain 0's disk passes e2fsck -fn" ||
	{ echo "FAILED - Domain 0's disk: e2fsck"; tail "$work/fsck.txt"; fail=1; }
debugfs -R "dump /vm/by.img $work/by.out" "$img" 2>/dev/null
e2fsck -fn "$work/by.out" > "$work/fsck.txt" 2>&1 && echo "ok - the bystander's image passes e2fsck -fn" ||
	{ echo "FAILED - the bystander's image: e2fsck"; tail "$work/fsck.txt"; fail=1; }
debugfs -R "dump /vm/h.img $work/h.out" "$img" 2>/dev/null
[ "$(dd if="$work/h.out" bs=512 skip=40 count=1 status=none | head -c 31)" = "WRITTEN BY THE HOSTILE FRONTEND" ] &&
	echo "ok - hostile's honest write is on Domain 0's disk" || { echo "FAILED - sector 40 of h.img"; fail=1; }
cmp -s <(dd if="$work/h.out" bs=512 count=40 status=none) <(dd if="$work/outer/vm/h.img" bs=512 count=40 status=none) &&
	cmp -s <(dd if="$work/h.out" bs=512 skip=48 status=none) <(dd if="$work/outer/vm/h.img" bs=512 skip=48 status=none) &&
	echo "ok - nothing else of h.img changed" || { echo "FAILED - h.img changed outside sectors 40..47"; fail=1; }
verdict splitio_hostile "the block backend answers a hostile frontend with the documented errnos and survives it; the bystander finishes" 60
