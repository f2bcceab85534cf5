#!/usr/bin/env bash
# ringos's VFS and ext2 on a real disk (docs/vfs.md): ringos-pc on QEMU
# with a raw image made here by mkfs.ext2 -d from a host directory, booted
# three times.
#  1. /ext2.sh as init: guest/user/mounts.c ("write": tmpfs and ext2
#     through every file call, mount's rules, programs run from the disk),
#     then a busybox session on the disk (mount, ls, cat, cp, mkdir, mv
#     within and across filesystems, rm, ln, dd, df, stat, sync, umount),
#     then files and fd_calls run in a directory on ext2 and in one on the
#     ramfs: their outputs must be the same. Power off.
#     The host then runs e2fsck -fn (clean) and reads with debugfs what the
#     guest wrote: the files, busybox itself, checksums the guest printed.
#  2. The kernel mounts the disk itself (mount=/dev/hda:/mnt); mounts
#     "check" finds the first boot's files and writes one more; e2fsck and
#     debugfs again.
#  3. mount=/dev/hda:/data:ro: the files read, writes refused, and the
#     image not changed by one byte.
. tests/scripts/ext2_lib.sh
fail=0
failed() { echo "FAILED - $*"; fail=1; }

ext2_tree "$work/tree"
mkfs.ext2 -q -F -d "$work/tree" "$work/disk.img" 32M ||
	{ echo "ERROR - mkfs.ext2 -d failed"; exit 1; }

# ---- what the guest runs
cat > "$work/ext2.sh" <<'EOF'
#!/bin/sh
echo "ext2.sh: start"
/bin/mounts write
echo "--- busybox"
mount -t ext2 /dev/hda /mnt && echo "mounted"
mount | grep hda
ls -l /mnt/host
echo "MD5 host-big $(md5sum < /mnt/host/big)"
echo "busybox wrote this" > /mnt/persist/busybox.txt
echo "MD5 pattern $(md5sum < /mnt/persist/pattern)"
mkdir -p /mnt/bb/a/b
cp /mnt/host/big /mnt/bb/a/b/copy
echo "MD5 copy $(md5sum < /mnt/bb/a/b/copy)"
cp /bin/busybox /mnt/bb/busybox
/mnt/bb/busybox echo "busybox from ext2 runs"
dd if=/mnt/host/big of=/mnt/bb/part bs=1000 skip=10 count=20 2>/dev/null
dd if=/dev/zero of=/mnt/bb/zeros bs=512 count=100 conv=fsync 2>/dev/null
ln -s /mnt/persist/busybox.txt /mnt/bb/sym && cat /mnt/bb/sym
mv /mnt/bb/zeros /mnt/bb/a/zeros && ls /mnt/bb/a
mv /mnt/bb/part /tmp/part && mv /tmp/part /mnt/bb/part-back && echo "moved across and back"
rm -r /mnt/bb/a && ls /mnt/bb
echo "STAT $(stat -c '%d %i' /mnt) $(stat -c '%d' /)"
df /mnt | tail -1 | tr -s ' ' | cut -d' ' -f1,6
sync
echo "--- files and fd_calls: on the ramfs, then on ext2"
for p in files fd_calls; do
	mkdir -p /tmp/ram-$p /mnt/w-$p
	# (files makes /etc/motd executable: each run starts from 0644)
	chmod 644 /etc/motd; TEST_DIR=/tmp/ram-$p /bin/$p > /tmp/$p.ram 2>&1
	chmod 644 /etc/motd; TEST_DIR=/mnt/w-$p /bin/$p > /tmp/$p.ext2 2>&1
	echo "$p on ramfs: $(grep 'TEST RESULT' /tmp/$p.ram)"
	echo "$p on ext2: $(grep 'TEST RESULT' /tmp/$p.ext2)"
	if cmp -s /tmp/$p.ram /tmp/$p.ext2; then echo "SAME $p"; else diff /tmp/$p.ram /tmp/$p.ext2; fi
done
cd /
umount /mnt && echo "unmounted"
echo "ext2.sh: done"
poweroff -f
EOF
cat > "$work/check.sh" <<'EOF'
#!/bin/sh
/bin/mounts check
ls /mnt/bb
echo "check.sh: done"
poweroff -f
EOF
cat > "$work/ro.sh" <<'EOF'
#!/bin/sh
grep data /proc/mounts
cat /data/persist/second.txt
touch /data/persist/new 2>&1 || echo "touch refused"
echo "ro.sh: done"
poweroff -f
EOF
ext2_cpio "$work/ext2.cpio" "$BUILD/user/files:bin/files" "$BUILD/user/fd_calls:bin/fd_calls" \
	"$work/ext2.sh:ext2.sh" "$work/check.sh:check.sh" "$work/ro.sh:ro.sh" ||
	{ echo "ERROR - could not build the initramfs"; exit 1; }

boot() {        # log, kernel command line: QEMU's exit status
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout 300 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 128 -serial stdio \
		-kernel "$BUILD/ringos-pc.elf" -append "$2" -initrd "$work/ext2.cpio" \
		-drive "file=$work/disk.img,format=raw,if=ide,index=0" < /dev/null 2>&1 |
		tr -d '\r' > "$work/$1"
	local rc=${PIPESTATUS[0]}
	cat "$work/$1"
	echo "--- QEMU exit status $rc"
	[ "$rc" = 1 ] || failed "$1: QEMU exit status $rc, 1 expected (power off)"
}
has() { grep -qxF -- "$2" "$work/$1" || failed "$1: no line '$2'"; }
fsck_clean() {
	e2fsck -fn "$work/disk.img" > "$work/fsck.out" 2>&1 ||
		{ cat "$work/fsck.out"; failed "e2fsck -fn after $1"; }
}
on_disk() {     # path: its contents, as debugfs reads them from the image
	debugfs -R "cat $1" "$work/disk.img" 2>/dev/null
}

# ---- first boot
boot boot1.log "init=/bin/sh /ext2.sh"
grep -q '^TEST RESULT: SUCCESS' "$work/boot1.log" || failed "mounts write did not succeed"
has boot1.log "ext2.sh: done"
has boot1.log "mounted"
has boot1.log "/dev/hda on /mnt type ext2 (rw)"
has boot1.log "MD5 host-big $(md5sum < "$work/tree/host/big")"
has boot1.log "MD5 copy $(md5sum < "$work/tree/host/big")"
has boot1.log "busybox from ext2 runs"
has boot1.log "busybox wrote this"
has boot1.log "moved across and back"
has boot1.log "STAT 768 2 1"
has boot1.log "/dev/hda /mnt"
has boot1.log "unmounted"
for p in files fd_calls; do
	has boot1.log "SAME $p"
	grep -q "^$p on ext2: TEST RESULT: SUCCESS" "$work/boot1.log" || failed "$p on ext2 did not succeed"
done
fsck_clean "the first boot"
[ "$(on_disk /persist/from-c.txt)" = "written by mounts on the first boot" ] ||
	failed "debugfs: /persist/from-c.txt"
[ "$(on_disk /persist/busybox.txt)" = "busybox wrote this" ] || failed "debugfs: /persist/busybox.txt"
on_disk /bb/busybox | cmp -s - "$BUILD/busybox/bin/busybox" || failed "debugfs: /bb/busybox is not busybox"
has boot1.log "MD5 pattern $(on_disk /persist/pattern | md5sum)"
cmp -s <(on_disk /bb/part-back) <(dd if="$work/tree/host/big" bs=1000 skip=10 count=20 status=none) ||
	failed "debugfs: /bb/part-back is not what dd copied"
[ "$(debugfs -R 'ls /persist/many' "$work/disk.img" 2>/dev/null | grep -o 'file[0-9]*' | sort -u | wc -l)" = 200 ] ||
	failed "debugfs: /persist/many does not list 200 files"
debugfs -R 'ls /bb' "$work/disk.img" 2>/dev/null | grep -q ' a ' && failed "debugfs: /bb/a was not removed"

# ---- second boot: the kernel mounts the disk
boot boot2.log "mount=/dev/hda:/mnt init=/bin/sh /check.sh"
has boot2.log "ringos: mounted /dev/hda on /mnt (ext2)"
grep -q '^TEST RESULT: SUCCESS' "$work/boot2.log" || failed "mounts check did not succeed"
has boot2.log "check.sh: done"
fsck_clean "the second boot"
[ "$(on_disk /persist/second.txt)" = "the second boot was here" ] || failed "debugfs: /persist/second.txt"

# ---- third boot: read-only, at a directory the initramfs lacks
cp "$work/disk.img" "$work/before.img"
boot boot3.log "mount=/dev/hda:/data:ro init=/bin/sh /ro.sh"
has boot3.log "ringos: mounted /dev/hda on /data (ext2, read-only)"
has boot3.log "/dev/hda /data ext2 ro 0 0"
has boot3.log "the second boot was here"
has boot3.log "touch refused"
cmp -s "$work/disk.img" "$work/before.img" || failed "the read-only boot changed the image"

[ $fail = 0 ] || { echo "ext2_native: FAILED"; exit 1; }
echo "ext2_native: what the guest wrote is on the disk, e2fsck finds it clean, and the next boot finds it"
