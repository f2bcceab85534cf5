#!/usr/bin/env bash
# ringos's ATA driver on ringvisor's emulated IDE channel (hv/vdev/ide.c,
# docs/ide.md): the very ringos-pc.elf of ata_native, unmodified, as a hw
# domain and as a bt domain under one hypervisor, each with a disk = module
# of 2048 sectors made here (LBA28 only: the model has no LBA48).
# ata_disk checks the disk as natively; then busybox reads and writes it
# (/ata.sh). The hypervisor keeps a disk module in memory, so what the
# guests wrote is judged by what they read back: the checksums busybox
# prints before and after its writes must be those of the same commands
# run on the host on a copy of the image.
. tests/scripts/ata_lib.sh
SA=2048
fail=0

ata_image "$work/hw.img" hda $SA
ata_image "$work/bt.img" hda $SA
cp "$work/hw.img" "$work/want.img"
ata_script "$work/ata.sh" $SA
ata_cpio "$work/ata.cpio" "$work/ata.sh" || { echo "FAILED - could not build the initramfs"; exit 1; }
A=$work/want.img SA=$SA B= sh -c "$(ata_body)" > "$work/want.txt" ||
	{ echo "ERROR - the host could not run the commands itself"; exit 1; }

hw_bt_domains "$work/log" 240 "$work/ata.cpio" "ATA_HDA=$SA" "$work/hw.img" "$work/bt.img" ata || fail=1

for dom in ata-hw ata-bt; do
	tools/domain-output.sh "$dom" "$work/log" > "$work/$dom.out"
	out=$work/$dom.out
	grep -q '^TEST RESULT: SUCCESS' "$out" || { echo "FAILED - $dom: ata_disk did not succeed"; fail=1; }
	grep -qE "^ata: hda: RINGVISOR HARDDISK, $SA sectors \(1 MiB\), LBA28, IRQ 14$" "$out" ||
		{ echo "FAILED - $dom: no boot line for the emulated disk (LBA28, IRQ 14)"; fail=1; }
	ata_expect "$out" "" "$work/want.txt" || { echo "FAILED - $dom: busybox's checksums"; fail=1; }
	grep -qx "SIZE $((SA * 512)) 512" "$out" || { echo "FAILED - $dom: blockdev"; fail=1; }
	grep -qx '000003e8  72 69 6e 67 6f 73 20 77  72 6f 74 65 20 74 68 69  |ringos wrote thi|' "$out" ||
		{ echo "FAILED - $dom: hexdump of the bytes written at 1000"; fail=1; }
	grep -qx 'ata.sh: done' "$out" || { echo "FAILED - $dom: /ata.sh did not end"; fail=1; }
	grep -qE "domain [0-9]+ \\($dom\\): shut down: poweroff, exit code 0" "$work/log" ||
		{ echo "FAILED - $dom did not power off with exit code 0"; fail=1; }
done
[ $fail = 0 ] || { echo "ata_domains: FAILED"; exit 1; }
echo "ata_domains: the hw and the bt domain read the disk made here and wrote what the host's dd writes"
