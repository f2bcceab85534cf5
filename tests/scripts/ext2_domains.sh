#!/usr/bin/env bash
# ringos's ext2 on ringvisor's emulated IDE channel (docs/vfs.md,
# docs/ide.md): the very ringos-pc.elf of ext2_native, unmodified, as a hw
# and as a bt domain under one hypervisor, each with a disk = module made
# here by mkfs.ext2 -d. The kernel mounts it from the domain's command
# line (mount=/dev/hda:/data); then mounts "write" runs its ext2 checks
# (every file call, execve from the disk, a read-only mount) and leaves its
# files, busybox adds one, and mounts "check" finds them all again after
# an unmount and a mount: the hypervisor keeps the disk in memory, so what
# was written is judged by what comes back through the emulated channel.
. tests/scripts/ext2_lib.sh
fail=0

ext2_tree "$work/tree"
for d in hw bt; do
	mkfs.ext2 -q -F -d "$work/tree" "$work/$d.img" 16M || { echo "ERROR - mkfs.ext2 -d"; exit 1; }
done
cat > "$work/dom.sh" <<'EOF'
#!/bin/sh
grep ' /data ' /proc/mounts
echo "MD5 host-big $(md5sum < /data/host/big)"
umount /data && echo "boot mount unmounted"
/bin/mounts write
mount -t ext2 /dev/hda /mnt
echo "busybox wrote this" > /mnt/persist/busybox.txt
umount /mnt && mount -t ext2 /dev/hda /mnt && /bin/mounts check
echo "MD5 pattern $(md5sum < /mnt/persist/pattern)"
echo "dom.sh: done"
poweroff -f
EOF
ext2_cpio "$work/dom.cpio" "$work/dom.sh:dom.sh" || { echo "ERROR - could not build the initramfs"; exit 1; }
# The pattern mounts writes (byte i = i * 7 + i / 251), for its checksum.
pattern_md5=$(LC_ALL=C awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%c", (i * 7 + int(i / 251)) % 256 }' |
	md5sum)

hw_bt_domains "$work/log" 840 "$work/dom.cpio" "mount=/dev/hda:/data init=/bin/sh /dom.sh" \
	"$work/hw.img" "$work/bt.img" ext2 || fail=1

for dom in ext2-hw ext2-bt; do
	out=$work/$dom.out
	tools/domain-output.sh "$dom" "$work/log" > "$out"
	has() { grep -qxF -- "$1" "$out" || { echo "FAILED - $dom: no line '$1'"; fail=1; }; }
	has "ringos: mounted /dev/hda on /data (ext2)"
	has "/dev/hda /data ext2 rw 0 0"
	has "MD5 host-big $(md5sum < "$work/tree/host/big")"
	has "boot mount unmounted"
	[ "$(grep -c '^TEST RESULT: SUCCESS' "$out")" = 2 ] ||
		{ echo "FAILED - $dom: mounts write and check did not both succeed"; fail=1; }
	grep -q '^not ok' "$out" && { echo "FAILED - $dom: a check failed"; fail=1; }
	has "MD5 pattern $pattern_md5"
	has "dom.sh: done"
	grep -qE "domain [0-9]+ \\($dom\\): shut down: poweroff, exit code 0" "$work/log" ||
		{ echo "FAILED - $dom did not power off with exit code 0"; fail=1; }
done
[ $fail = 0 ] || { echo "ext2_domains: FAILED"; exit 1; }
echo "ext2_domains: the hw and the bt domain mounted, wrote and read back ext2 on the emulated disk"
