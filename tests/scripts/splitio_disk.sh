#!/usr/bin/env bash
# The split block driver end to end (docs/io.md, "Split block driver"):
# the machine's IDE disk is Domain 0's ext2 (mount=/dev/hda:/disk),
# holding a domain's config, initramfs and its disk: an inner ext2 image
# made here by mkfs.ext2 -d. Domain 0 creates the pv domain "blk" with
# disk = that image: vm forks the block backend, ringos's blkfront finds
# /dev/xvda (202:0) and the kernel mounts it at /mnt. In it, files and
# fd_calls run on the ramfs and on /mnt (outputs must be identical), a
# file of the host's is read back whole, and new files are written; the
# domain powers off (the kernel unmounts and flushes), its backend stops.
# The host then takes the inner image out of Domain 0's disk (debugfs
# dump): e2fsck -fn clean, the written files there. A second QEMU boot on
# the same disk creates "blk2" on the same image, read-only: it finds
# the data, its writes are refused (EROFS), /proc/mounts says ro.
. tests/scripts/splitio_lib.sh

# ---- the images
ext2_tree "$work/inner"
mkfs.ext2 -q -F -b 4096 -d "$work/inner" "$work/inner.img" 24M || { echo "ERROR - mkfs.ext2 (inner)"; exit 1; }
cat > "$work/blk.sh" <<'EOF'
#!/bin/sh
echo "blk.sh: start"
grep ' /mnt ' /proc/mounts
ls -l /dev/xvda
echo "MD5 host-big $(md5sum < /mnt/host/big)"
for p in files fd_calls; do
	mkdir -p /tmp/ram-$p /mnt/w-$p
	chmod 644 /etc/motd; TEST_DIR=/tmp/ram-$p /bin/$p > /tmp/$p.ram 2>&1
	chmod 644 /etc/motd; TEST_DIR=/mnt/w-$p /bin/$p > /tmp/$p.xvda 2>&1
	echo "$p on ramfs: $(grep 'TEST RESULT' /tmp/$p.ram)"
	echo "$p on xvda: $(grep 'TEST RESULT' /tmp/$p.xvda)"
	if cmp -s /tmp/$p.ram /tmp/$p.xvda; then echo "SAME $p"; else diff /tmp/$p.ram /tmp/$p.xvda; fi
done
mkdir -p /mnt/persist
echo "written by the blk domain" > /mnt/persist/note.txt
cp /mnt/host/big /mnt/persist/big-copy
cp /bin/busybox /mnt/persist/busybox
echo "MD5 big-copy $(md5sum < /mnt/persist/big-copy)"
echo "blk.sh: done"
poweroff -f
EOF
cat > "$work/check.sh" <<'EOF'
#!/bin/sh
echo "check.sh: start"
grep ' /mnt ' /proc/mounts
cat /mnt/persist/note.txt
echo "MD5 big-copy $(md5sum < /mnt/persist/big-copy)"
touch /mnt/persist/new 2>/dev/null || echo "touch refused"
dd if=/dev/zero of=/dev/xvda bs=512 count=1 2>/dev/null || echo "raw write refused"
/mnt/persist/busybox echo "busybox from the split disk runs"
echo "check.sh: done"
poweroff -f
EOF
mkdir -p "$work/outer/vm"
ext2_cpio "$work/outer/vm/blk.cpio" "$BUILD/user/files:bin/files" "$BUILD/user/fd_calls:bin/fd_calls" \
	"$work/blk.sh:blk.sh" "$work/check.sh:check.sh" || { echo "ERROR - the domain's initramfs"; exit 1; }
cp "$work/inner.img" "$work/outer/vm/inner.img"
for n in blk blk2; do
	mode=w script=blk.sh
	[ $n = blk2 ] && mode=r script=check.sh
	cat > "$work/outer/vm/$n.cfg" <<CFG
name = "$n"
kernel = "/boot/ringos-pv.elf"
initrd = "/disk/vm/blk.cpio"
memory = 48
disk = "/disk/vm/inner.img,xvda,$mode"
cmdline = "hostname=$n init=/bin/sh /$script"
CFG
done
mkfs.ext2 -q -F -b 4096 -d "$work/outer" "$img" 128M >/dev/null || { echo "ERROR - mkfs.ext2 (outer)"; exit 1; }

boot() {                # name: a machine on the image, its log $work/NAME.log
	log=$work/$1.log
	dom0_boot 900 "$1"
	keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - $1: the keyboard does not reach Domain 0"; fail=1; }
}
# Create domain NAME paused, move the keyboard on to the hypervisor (while
# a domain has it, the others' output is held and its own is untagged),
# let Domain 0 unpause it meanwhile, wait for its power-off, give Domain 0
# the keyboard again.
run_domain() {
	type "vm create -p /disk/vm/$1.cfg && (sleep 8; vm unpause $1) &"
	check "^domain 2: disk xvda is /disk/vm/inner.img$2, served by process [0-9]+" 10 \
		"$1: vm create starts the block backend"
	keyboard_to "the hypervisor" || { echo "FAILED - $1: the keyboard does not reach the hypervisor"; fail=1; }
	check "domain 2 \\($1\\): shut down: poweroff" 600 "$1 powers off"
	keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - $1: the keyboard does not reach Domain 0"; fail=1; }
	check "vm-back\\[$1 xvda\\]: done: [0-9]+ requests served, 0 refused" 20 "$1: its backend stops, nothing refused"
}
halt() {
	type 'sync'
	dom0_halt "$1: the machine stops"
}
inner_out() {           # the inner image as Domain 0's disk now holds it
	rm -f "$work/inner.out"
	debugfs -R "dump /vm/inner.img $work/inner.out" "$img" 2>/dev/null
	[ -s "$work/inner.out" ] || { echo "FAILED - debugfs cannot dump /vm/inner.img"; fail=1; }
}
on_inner() { debugfs -R "cat $1" "$work/inner.out" 2>/dev/null; }

# ---- first machine: blk writes
boot first
run_domain blk ""
halt first
out=$work/blk.out
tools/domain-output.sh blk "$log" > "$out"
has() {                 # FILE LINE: the domain printed LINE
	grep -qxF -- "$2" "$1" && return
	echo "FAILED - no line '$2'; its output has:"
	grep -aF -- "${2:0:12}" "$1" | head -5 | sed 's/^/    | /'
	echo "    and the machine's log:"
	text | grep -aF -- "${2:0:12}" | head -5 | cat -v | sed 's/^/    | /'
	fail=1
}
has "$out" "blkfront: xvda (202:0): 49152 sectors (24 MiB), backend domain 1"
has "$out" "ringos: mounted /dev/xvda on /mnt (ext2)"
has "$out" "/dev/xvda /mnt ext2 rw 0 0"
has "$out" "MD5 host-big $(md5sum < "$work/inner/host/big")"
for p in files fd_calls; do
	has "$out" "SAME $p"
	grep -q "^$p on xvda: TEST RESULT: SUCCESS" "$out" || { echo "FAILED - $p on xvda did not succeed"; fail=1; }
done
has "$out" "MD5 big-copy $(md5sum < "$work/inner/host/big")"
has "$out" "blk.sh: done"
grep -qE 'domain 2 \(blk\): shut down: poweroff, exit code 0' "$log" || { echo "FAILED - blk's exit code"; fail=1; }
[ $fail = 0 ] && echo "ok - blk: files and fd_calls on the split disk print what they print on the ramfs"
e2fsck -fn "$img" > "$work/fsck.txt" 2>&1 || { echo "FAILED - Domain 0's disk: e2fsck"; tail "$work/fsck.txt"; fail=1; }
inner_out
if e2fsck -fn "$work/inner.out" > "$work/fsck.txt" 2>&1; then
	echo "ok - the domain's image, taken from Domain 0's disk, passes e2fsck -fn"
else
	echo "FAILED - the domain's image: e2fsck -fn"; sed 's/^/    | /' "$work/fsck.txt" | tail -15; fail=1
fi
[ "$(on_inner /persist/note.txt)" = "written by the blk domain" ] &&
	echo "ok - debugfs finds the note the domain wrote" || { echo "FAILED - /persist/note.txt"; fail=1; }
on_inner /persist/big-copy | cmp -s - "$work/inner/host/big" &&
	echo "ok - the 1 MB copy is whole" || { echo "FAILED - /persist/big-copy"; fail=1; }
on_inner /persist/busybox | cmp -s - "$BUILD/busybox/bin/busybox" &&
	echo "ok - busybox copied whole" || { echo "FAILED - /persist/busybox"; fail=1; }
cp "$work/inner.out" "$work/inner1.out"

# ---- second machine: blk2 reads it, read-only
boot second
run_domain blk2 " \\(read-only\\)"
halt second
out=$work/blk2.out
tools/domain-output.sh blk2 "$log" > "$out"
has "$out" "blkfront: xvda (202:0): 49152 sectors (24 MiB), read-only, backend domain 1"
has "$out" "ringos: mounted /dev/xvda on /mnt (ext2, read-only)"
has "$out" "/dev/xvda /mnt ext2 ro 0 0"
has "$out" "written by the blk domain"
has "$out" "MD5 big-copy $(md5sum < "$work/inner/host/big")"
has "$out" "touch refused"
has "$out" "raw write refused"
has "$out" "busybox from the split disk runs"
has "$out" "check.sh: done"
inner_out
cmp -s "$work/inner.out" "$work/inner1.out" || { echo "FAILED - the read-only domain changed its image"; fail=1; }
[ $fail = 0 ] && echo "ok - blk2: after a restart the data is there, and a read-only disk stays unwritten"
verdict splitio_disk "a pv domain's ext2 on the split block driver: the file tests equal the ramfs's, the data on Domain 0's disk after shutdown and after a restart" 40
