#!/usr/bin/env bash
# ringos's ATA driver on QEMU's own IDE controller (the bare PC, the pc
# port): two raw images made here as QEMU -drives, hda of 2^28 + 4096
# sectors (sparse, 128 GiB and 2 MiB: its end is only reached with LBA48)
# and hdb of 128 sectors as the slave. ata_disk (guest/user/ata_disk.c)
# checks the nodes, the ioctls, partial sectors, the ends of the disks and
# the pattern on both sides of sector 2^28; busybox then reads and writes
# them (/ata.sh: dd, md5sum, hexdump, blockdev). The host runs the same
# dd commands on copies of the images: the guest must print the same
# checksums, and the images QEMU leaves must hold what the copies hold.
. tests/scripts/ata_lib.sh
SA=$((LBA28_LIMIT + 4096)) SB=128
fail=0

ata_image "$work/hda.img" hda $SA
ata_image "$work/hdb.img" hdb $SB
cp --sparse=always "$work/hda.img" "$work/want-hda.img"
cp "$work/hdb.img" "$work/want-hdb.img"
ata_script "$work/ata.sh" $SA /dev/hdb
ata_cpio "$work/ata.cpio" "$work/ata.sh" || { echo "FAILED - could not build the initramfs"; exit 1; }
# What the guest must print, from the same commands on the host's copies.
A=$work/want-hda.img SA=$SA B=$work/want-hdb.img sh -c "$(ata_body)" > "$work/want.txt" ||
	{ echo "ERROR - the host could not run the commands itself"; exit 1; }
echo "MD5 whole-hdb $(md5sum < "$work/want-hdb.img")" >> "$work/want.txt"

# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 90 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 128 -serial stdio \
	-kernel "$BUILD/ringos-pc.elf" -append "ATA_HDA=$SA ATA_HDB=$SB" -initrd "$work/ata.cpio" \
	-drive "file=$work/hda.img,format=raw,if=ide,index=0" \
	-drive "file=$work/hdb.img,format=raw,if=ide,index=1" < /dev/null > "$work/log" 2>&1
rc=$?
tr -d '\r' < "$work/log"
echo "--- QEMU exit status $rc"

grep -q '^TEST RESULT: SUCCESS' "$work/log" && [ $rc = 1 ] ||
	{ echo "FAILED - ata_disk did not succeed (exit status $rc, 1 expected)"; fail=1; }
grep -qE "^ata: hda: QEMU HARDDISK, $SA sectors \([0-9]+ MiB\), LBA48, IRQ 14" "$work/log" ||
	{ echo "FAILED - no boot line for hda (LBA48, IRQ 14)"; fail=1; }
grep -qE "^ata: hdb: QEMU HARDDISK, $SB sectors" "$work/log" ||
	{ echo "FAILED - no boot line for hdb"; fail=1; }
ata_expect "$work/log" "" "$work/want.txt" || fail=1
grep -qx "SIZE $((SA * 512)) 512" <(tr -d '\r' < "$work/log") ||
	{ echo "FAILED - blockdev --getsize64/--getss"; fail=1; }
grep -qx '000003e8  72 69 6e 67 6f 73 20 77  72 6f 74 65 20 74 68 69  |ringos wrote thi|' \
	<(tr -d '\r' < "$work/log") || { echo "FAILED - hexdump of the bytes written at 1000"; fail=1; }
grep -qx 'ata.sh: done' <(tr -d '\r' < "$work/log") || { echo "FAILED - /ata.sh did not end"; fail=1; }

# The images themselves: the regions anything was written to, whole
# (the 128 GiB between are zeros nobody wrote; cmp would read them all).
for region in "0 256" "$(( (LBA28_LIMIT - 2048) / 8 )) 512" "$(( (SA - 2048) / 8 )) 256"; do
	set -- $region
	if ! cmp <(dd if="$work/hda.img" bs=4096 skip=$1 count=$2 status=none) \
	       <(dd if="$work/want-hda.img" bs=4096 skip=$1 count=$2 status=none) > /dev/null; then
		echo "FAILED - hda.img differs from the host's copy in 4 KiB blocks $1 + $2"; fail=1
	fi
done
[ "$(stat -c %s "$work/hda.img")" = $((SA * 512)) ] || { echo "FAILED - hda.img changed size"; fail=1; }
cmp "$work/hdb.img" "$work/want-hdb.img" || { echo "FAILED - hdb.img differs from the host's copy"; fail=1; }
[ $fail = 0 ] || { echo "ata_native: FAILED"; exit 1; }
echo "ata_native: the guest read what the host wrote and wrote what the host's dd writes"
