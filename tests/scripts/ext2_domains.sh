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
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
export PATH=/usr/sbin:/sbin:$PATH       # e2fsprogs
work=$(mktemp -d)
trap '[ -n "${EXT2_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
fail=0

mkdir -p "$work/tree/host"
printf 'hello from the host\n' > "$work/tree/host/hello.txt"
head -c 1000000 /dev/urandom > "$work/tree/host/big"
ln -s hello.txt "$work/tree/host/link"
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
"$BUILD/tools/mkcpio" "$work/dom.cpio" "$BUILD/busybox/bin/busybox:bin/busybox" \
	$(sed 's|^|-l |; s|$|:/bin/busybox|' "$BUILD/busybox/applets") \
	$(for p in mounts exec_target; do echo "$BUILD/user/$p:bin/$p"; done) \
	guest/user/motd.txt:etc/motd "$work/dom.sh:dom.sh" -d dev -d tmp -d proc ||
	{ echo "ERROR - could not build the initramfs"; exit 1; }
# The pattern mounts writes (byte i = i * 7 + i / 251), for its checksum.
pattern_md5=$(LC_ALL=C awk 'BEGIN { for (i = 0; i < 100000; i++) printf "%c", (i * 7 + int(i / 251)) % 256 }' |
	md5sum)

dom() {         # name mode image: the module of a ringos-pc domain with that disk
	echo "$BUILD/ringos-pc.elf name=$1 mode=$2 memory=64M initrd=$work/dom.cpio disk=$3 cmdline=\"mount=/dev/hda:/data init=/bin/sh /dom.sh\""
}
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 840 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 256 -serial stdio \
	-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$(dom ext2-hw hw "$work/hw.img"),$(dom ext2-bt bt "$work/bt.img"),$work/dom.cpio,$work/hw.img,$work/bt.img" \
	< /dev/null > "$work/log" 2>&1
rc=$?
tr -d '\r' < "$work/log"
echo "--- QEMU exit status $rc"
grep -q '2 domains ready' "$work/log" || { echo "FAILED - the hypervisor did not start both domains"; fail=1; }

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
