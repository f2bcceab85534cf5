#!/usr/bin/env bash
# memattack's shared_info scenario (frames.c), booted until one boot is
# conclusive. The attack (pin the shared-info page as an L1, then let the
# hypervisor's own writes turn it into a mapping of its image) can only be
# tried when the page's time fields validate, which depends on the TSC
# calibration of the boot (tsc_mul even: about one boot in two). Passes when
# a boot refused the pin although the page's contents were valid; fails when
# the page became a page table; skips if 16 boots were all inconclusive.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mods="$BUILD/guests/memattack.elf name=attacker memory=8M cmdline=shared_info"
mods+=",$BUILD/guests/bystander.elf name=bystander memory=8M"
for boot in $(seq 16); do
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout 60 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m "$QEMU_MEM" -serial stdio \
		-kernel "$BUILD/hv/hv.elf" -append "on_empty=exit" -initrd "$mods" \
		< /dev/null > "$log" 2>&1
	echo "boot $boot:"
	grep -aE '^\[(attacker|bystander)\]|PANIC|crashed' "$log"
	if grep -aq 'PANIC' "$log" || ! grep -aq '\[bystander\] TEST RESULT: SUCCESS' "$log"; then
		echo "the hypervisor panicked or the bystander failed"
		exit 1
	fi
	grep -aq 'inconclusive this boot' "$log" && continue
	if grep -aq '\[attacker\] TEST RESULT: SUCCESS' "$log"; then
		echo "the shared-info page was refused as a page table"
		exit 0
	fi
	echo "the shared-info page became a page table: the attacker read the hypervisor's image"
	exit 1
done
echo "inconclusive: in 16 boots the shared-info page never held valid L1 contents"
exit 77
