# The disks of ringos's ATA driver tests (ata_native.sh, ata_domains.sh),
# made on the host at test time, and what the guest does with them. Source
# it; it sets BUILD, QEMU's settings, a scratch directory $work (removed on
# exit unless ATA_KEEP is set, to look at the images afterwards) and:
#   ata_image FILE NAME SECTORS   a raw disk of SECTORS sectors (sparse): sector
#                                 n of its first and last 2048 reads "NAME sector
#                                 n" blank-padded to 511 bytes and a newline
#                                 (what guest/user/ata_disk.c expects), zeros between
#   ata_script OUT SA [B]         the /ata.sh busybox runs in the guest, for a
#                                 disk A of SA sectors (and, given, B): ata_body
#                                 on /dev/hda (/dev/hdb) plus blockdev and hexdump
#   ata_body                      the part of it the host runs too, on copies of
#                                 the images, for what the guest must print and
#                                 leave on the disks: MD5 lines before and after
#                                 writes of partial sectors, whole sectors, at
#                                 the last sector and (when A is past 2^28
#                                 sectors) across the LBA28/LBA48 boundary
#   ata_cpio OUT SCRIPT           busybox, its applet links, ata_disk as /init
#   ata_expect LOG PREFIX FILE    every line of FILE is in LOG after PREFIX: 0 or 1
#   hw_bt_domains LOG SECONDS CPIO CMDLINE HW BT NAME
#                                 ringos-pc as a hw and a bt domain under one
#                                 hypervisor (NAME-hw, NAME-bt), CPIO their
#                                 initramfs, CMDLINE their command line, the
#                                 images HW and BT their disk = modules;
#                                 QEMU's output in LOG and on standard output:
#                                 1 when the hypervisor did not start both
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
trap '[ -n "${ATA_KEEP:-}" ] || rm -rf "$work"' EXIT
LBA28_LIMIT=268435456                   # 2^28 sectors: where LBA48 begins

ata_image() {
	local file=$1 name=$2 sectors=$3 n=2048 i
	[ "$sectors" -lt $n ] && n=$sectors
	rm -f "$file"
	truncate -s $((sectors * 512)) "$file"
	for ((i = 0; i < n; i++)); do printf '%-511s\n' "$name sector $i"; done |
		dd of="$file" bs=512 conv=notrunc status=none
	[ "$sectors" -le 2048 ] && return
	for ((i = sectors - 2048; i < sectors; i++)); do printf '%-511s\n' "$name sector $i"; done |
		dd of="$file" bs=512 seek=$((sectors - 2048)) conv=notrunc status=none
}

# POSIX sh for busybox's ash and the host's sh alike; A, SA and B set by
# whoever runs it. dd's own messages go to /dev/null: their wording differs.
ata_body() {
	cat <<'EOF'
set -e
md5s() {
	echo "MD5 $1-first $(dd if=$A bs=4096 count=256 2>/dev/null | md5sum)"
	echo "MD5 $1-last $(dd if=$A bs=4096 skip=$(( (SA - 2048) / 8 )) count=256 2>/dev/null | md5sum)"
	if [ "$SA" -gt 268435456 ]; then
		echo "MD5 $1-boundary $(dd if=$A bs=4096 skip=33554176 count=512 2>/dev/null | md5sum)"
	fi
	if [ -n "$B" ]; then
		echo "MD5 $1-hdb $(dd if=$B bs=512 2>/dev/null | md5sum)"
	fi
}
md5s before
printf 'ringos wrote this' | dd of=$A bs=1 seek=1000 conv=notrunc 2>/dev/null
dd if=$A of=$A bs=512 skip=2 seek=$((SA - 1)) count=1 conv=notrunc 2>/dev/null
dd if=$A of=$A bs=100 skip=7 seek=5050 count=3 conv=notrunc 2>/dev/null
dd if=/dev/zero of=$A bs=512 seek=3 count=2 conv=notrunc,fsync 2>/dev/null
if [ "$SA" -gt 268435456 ]; then
	dd if=$A of=$A bs=4096 skip=1 seek=33554431 count=4 conv=notrunc 2>/dev/null
fi
if [ -n "$B" ]; then
	dd if=$A of=$B bs=100 skip=7 seek=50 count=3 conv=notrunc 2>/dev/null
	dd if=/dev/zero of=$B bs=512 seek=8 count=8 conv=notrunc 2>/dev/null
fi
md5s after
EOF
}

ata_script() {
	local out=$1 sa=$2 b=${3:-}
	{
		echo "A=/dev/hda SA=$sa B=$b"
		ata_body
		# What only the guest can say: the ioctls through blockdev, the
		# bytes written at 1000 as hexdump shows them, and the end of
		# the device as md5sum reads it whole.
		echo 'echo "SIZE $(blockdev --getsize64 $A) $(blockdev --getss $A)"'
		echo 'hexdump -C -s 1000 -n 17 $A'
		[ -n "$b" ] && echo 'echo "MD5 whole-hdb $(md5sum < $B)"'
		echo 'sync'
		echo 'echo "ata.sh: done"'
	} > "$out"
}

ata_cpio() {
	local out=$1 script=$2
	"$BUILD/tools/mkcpio" "$out" "$BUILD/busybox/bin/busybox:bin/busybox" \
		"$BUILD/user/ata_disk:init" "$script:ata.sh" \
		$(sed 's|^|-l |; s|$|:/bin/busybox|' "$BUILD/busybox/applets") -d dev -d tmp -d proc
}

ata_expect() {
	local log=$1 prefix=$2 file=$3 line rc=0
	while IFS= read -r line; do
		if ! tr -d '\r' < "$log" | grep -qxF -- "$prefix$line"; then
			echo "FAILED - the guest did not print: $prefix$line"
			rc=1
		fi
	done < "$file"
	return $rc
}

hw_bt_domains() {
	local log=$1 secs=$2 cpio=$3 cmdline=$4 hw=$5 bt=$6 name=$7 rc
	dom() {         # name mode image: the module of a ringos-pc domain with that disk
		echo "$BUILD/ringos-pc.elf name=$1 mode=$2 memory=64M initrd=$cpio disk=$3 cmdline=\"$cmdline\""
	}
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout "$secs" "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 256 -serial stdio \
		-kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
		-initrd "$(dom "$name-hw" hw "$hw"),$(dom "$name-bt" bt "$bt"),$cpio,$hw,$bt" \
		< /dev/null > "$log" 2>&1
	rc=$?
	tr -d '\r' < "$log"
	echo "--- QEMU exit status $rc"
	grep -q '2 domains ready' "$log" || { echo "FAILED - the hypervisor did not start both domains"; return 1; }
}
