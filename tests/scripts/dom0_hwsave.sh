#!/usr/bin/env bash
# Save and restore of hw and bt domains from Domain 0's shell
# (docs/control.md): the unmodified ringos-pc.elf counts in a shell loop in a
# hw domain; `vm save` stops it into a file with no help from its kernel,
# `vm restore` brings it back (the memory checksum is the same, the count
# goes on from where it was, `vm console` still shows what it printed before
# the save); files with one device record, or its vCPU, broken are each
# refused by the hypervisor with the reason, leaving no domain behind; a
# snapshot is rolled back to and a clone runs beside it; then the same round
# trip of a bt domain, and of a hw domain on shadow paging (npt = off). vm1
# (pv) runs beside them all along.
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
TYPE_WAIT=150
# Domain 0 with room in its ramfs for a save file and a copy of it.
sed 's/^memory = 128 /memory = 224 /' configs/dom0.cfg > "$work/dom0.cfg"
grep -q '^memory = 224 ' "$work/dom0.cfg" || { echo "FAILED - configs/dom0.cfg's memory line moved"; exit 1; }
machine 1100 512 "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,$work/dom0.cfg,$BUILD/initramfs/busybox.cpio,configs/vm1.cfg"

check '\[dom0\] dom0:~# ' 150 "Domain 0 is at its prompt"
check '\[vm1\] vm1:~# ' 90 "vm1 is at its prompt"
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard"

# A PC of 16 MiB: the unmodified kernel a bare PC boots, as a hw domain.
pc_cfg() { # NAME MODE [EXTRA-LINE]
	printf 'printf "name = \\"%s\\"\\nkernel = \\"/boot/ringos-pc.elf\\"\\ninitrd = \\"/boot/busybox.cpio\\"\\nmemory = 16\\nmode = \\"%s\\"\\ncmdline = \\"hostname=%s\\"\\n%s\\n" > /tmp/%s.cfg; vm create /tmp/%s.cfg' \
		"$1" "$2" "$1" "${3:-}" "$1" "$1"
}
# Until NAME answers at its shell (its output waits in its history while
# Domain 0 has the keyboard: each attach shows it).
wait_dom() { # NAME TRIES
	local k
	in_dom "$1" "echo $1-is-up-\$((20+22))"
	for ((k = 0; k < $2; k++)); do
		seen "^$1-is-up-42" && { echo "ok - $1 answers at its shell"; return 0; }
		in_dom "$1" ""
	done
	echo "FAILED - $1 does not answer at its shell"; fail=1
}
count_loop='i=1000; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done & sleep 2'
# Until NAME's output (its history, replayed at each attach) has PATTERN.
dom_says() { # NAME PATTERN TRIES
	local k
	for ((k = 0; k < $3; k++)); do
		seen "$2" && return 0
		in_dom "$1" ""
	done
	seen "$2"
}

# The round trip of domain NAME (hw or bt): save, restore, checksum, count.
round_trip() { # NAME
	local n=$1 sum_saved sum_restored before after later marks
	in_dom "$n" "$count_loop; echo $n-before=\$(cat /tmp/count); echo mark-\$((6*7))-$n-before-save"
	dom_says "$n" "^mark-42-$n-before-save" 10
	before=$(last "^$n-before=[0-9]+" | cut -d= -f2)
	[ -n "$before" ] && echo "ok - $n counts ($before)" || { echo "FAILED - $n does not count"; fail=1; }
	check "^mark-42-$n-before-save" 1 "$n printed its marker"

	type "vm save $n /tmp/$n.save; echo saved=\$?; vm list | grep -c '^$n '"
	check "^$n \(domain [0-9]+\) saved to /tmp/$n.save: 16 MiB, memory checksum [0-9a-f]{16}" 90 "vm save writes $n's file"
	sum_saved=$(last "saved to /tmp/$n.save: 16 MiB, memory checksum [0-9a-f]{16}" | awk '{print $NF}')
	check '^saved=0' 1 "... with exit status 0"
	marks=$(text | grep -ac "^mark-42-$n-before-save")

	type "vm restore /tmp/$n.save; echo restored=\$?"
	check "^domain [0-9]+ \($n\) restored from /tmp/$n.save: 16 MiB, memory checksum [0-9a-f]{16}" 90 "vm restore brings $n back"
	sum_restored=$(last "restored from /tmp/$n.save: 16 MiB, memory checksum [0-9a-f]{16}" | awk '{print $NF}')
	if [ -n "$sum_saved" ] && [ "$sum_saved" = "$sum_restored" ]; then
		echo "ok - $n's memory checksum is the same after the round trip ($sum_saved)"
	else
		echo "FAILED - $n's memory checksum $sum_saved saved, $sum_restored restored"; fail=1
	fi
	in_dom "$n" "echo $n-after=\$(cat /tmp/count); sleep 3; echo $n-later=\$(cat /tmp/count)"
	dom_says "$n" "^$n-later=[0-9]+" 10
	after=$(last "^$n-after=[0-9]+" | cut -d= -f2)
	later=$(last "^$n-later=[0-9]+" | cut -d= -f2)
	if [ -n "$before" ] && [ -n "$after" ] && [ -n "$later" ] && [ "$after" -ge "$before" ] &&
		[ "$after" -lt $((before + 40)) ] && [ "$later" -gt "$after" ]; then
		echo "ok - $n's count goes on from where it was ($before before, $after after, then $later)"
	else
		echo "FAILED - $n's count: $before before, $after after, $later later"; fail=1
	fi
	# Attaching to the restored domain replayed its history: the marker
	# from before the save is in the log once more.
	if [ "$(text | grep -ac "^mark-42-$n-before-save")" -gt "$marks" ]; then
		echo "ok - vm console shows $n's output from before the save"
	else
		echo "FAILED - $n's console history after the restore"; fail=1
	fi
}

type "$(pc_cfg pc hw)"
check '^domain [0-9]+ \(pc\) created from /tmp/pc.cfg: hw, 16 MiB' 30 "pc (hw) is created"
wait_dom pc 20
round_trip pc

# ---- files broken by hand, each refused by the hypervisor with its reason
type 'vm save pc /tmp/pc.save; vm list | grep -c "^pc "'
check '^pc \(domain [0-9]+\) saved to /tmp/pc.save' 90 "pc saved again for the broken files"
# The device records start at 24576 (header 4 KiB, config, vCPU, console:
# include/public/save.h); each is type (16 bits), version, length (32).
type 'rec() { o=24576; while :; do t=$(od -An -tu2 -j $o -N 2 /tmp/pc.save | tr -d " "); [ -z "$t" ] && return 1; [ "$t" = "$1" ] && { echo $((o + 8)); return 0; }; l=$(od -An -tu4 -j $((o + 4)) -N 4 /tmp/pc.save | tr -d " "); o=$((o + 8 + (l + 7) / 8 * 8)); done; }'
type 'poke() { rm -f /tmp/b.save; cp /tmp/pc.save /tmp/b.save && printf "$3" | dd of=/tmp/b.save bs=1 seek=$(( $(rec $1) + $2 )) conv=notrunc 2>/dev/null; }'
type 'pokeh() { rm -f /tmp/b.save; cp /tmp/pc.save /tmp/b.save && printf "$2" | dd of=/tmp/b.save bs=1 seek=$1 conv=notrunc 2>/dev/null; }'
broken() { # WHAT POKE-COMMAND MESSAGE
	type "$2; vm restore -u /tmp/b.save; echo status=\$? left=\$(vm list | grep -c '^pc ')"
	if wait_for "vm: restore '/tmp/b.save': $3" 60; then
		echo "ok - $1: refused ($3)"
	else
		echo "FAILED - $1: no /$3/"; fail=1
	fi
	[ "$(last 'status=[0-9]+ left=[0-9]+')" = "status=1 left=0" ] ||
		{ echo "FAILED - $1: $(last 'status=[0-9]+ left=[0-9]+') (a domain left behind?)"; fail=1; }
}
# The machine's free memory (vm list's first line; MiB) before the refusals:
# each half-made domain gives back all it took.
type 'vm list | grep "^memory:" | sed "s/^/before-refusals /"'
mem_before=$(last '^before-refusals memory: [0-9]+ MiB in all, [0-9]+ MiB free')
broken "PC record: tx_len" 'poke 1 0 "\377\377"' 'device record PC: console output or input longer than its buffer'
broken "PIC record: ICW step" 'poke 2 7 "\001"' 'device record PIC: an initialization step or rotation level out of range'
broken "PIT record: a count" 'poke 3 2 "\377"' 'device record PIT: a count above 65536'
broken "RTC record: index" 'poke 4 48 "\377"' 'device record RTC: register index above 0x7f'
broken "UART record: base" 'poke 5 0 "\370\002"' "device record UART: not at COM1's ports"
broken "keyboard record: FIFO index" 'poke 6 60 "\143"' 'device record keyboard controller: a FIFO index or count past its 20 bytes'
broken "PCI record: version" 'poke 7 -6 "\011"' 'device record PCI: of another version'
broken "POST record: length" 'poke 8 -4 "\077"' "device record POST: its length is not this build's"
broken "local APIC record: divide configuration" 'poke 9 160 "\377"' 'device record local APIC: reserved bits in the divide configuration'
broken "I/O APIC record: address" 'poke 10 3 "\001"' "device record I/O APIC: not at the PC's address"
broken "ACPI PM record: unknown type" 'poke 11 -8 "\143"' 'device record of unknown type'
broken "console record: history" 'pokeh $((12288 + 8)) "\377\377\377"' 'console: history longer than 8 KiB'
broken "vCPU: CR0 NW without CD" 'pokeh $((8192 + 203)) "\040"' 'vCPU: CR0 0x2[0-9a-f]+ is not a state the CPU runs in'
broken "vCPU: EFER long mode" 'pokeh $((8192 + 241)) "\001"' 'vCPU: EFER 0x1[0-9a-f]* \(a guest here sets only SCE and NXE\)'
broken "vCPU: event injection" 'pokeh $((8192 + 323)) "\200"; printf "\007" | dd of=/tmp/b.save bs=1 seek=$((8192 + 321)) conv=notrunc 2>/dev/null' 'vCPU: the event being injected'
type 'rm /tmp/b.save; vm list | grep "^memory:" | sed "s/^/after-refusals /"'
mem_after=$(last '^after-refusals memory: [0-9]+ MiB in all, [0-9]+ MiB free')
if [ -n "$mem_before" ] && [ "${mem_before#before-refusals }" = "${mem_after#after-refusals }" ]; then
	echo "ok - the refusals gave back every frame (${mem_after#after-refusals })"
else
	echo "FAILED - memory before the refusals: '$mem_before', after: '$mem_after'"; fail=1
fi

# ---- snapshot, rollback, clone of the hw domain
type 'vm restore /tmp/pc.save; rm /tmp/pc.save'
check '^domain [0-9]+ \(pc\) restored from /tmp/pc.save' 90 "pc restored once more"
type 'vm snapshot pc t1; echo snap=$?'
check '^pc \(domain [0-9]+\) snapshotted to /var/lib/vm/pc/t1.save: 16 MiB' 90 "vm snapshot keeps pc's state"
in_dom pc 'echo gone > /tmp/marker; echo marker=$(cat /tmp/marker)'
check '^marker=gone' 5 "a file written in pc after the snapshot"
type 'vm rollback pc t1'
check "^pc rolled back to snapshot 't1': now domain [0-9]+" 90 "vm rollback returns pc to the snapshot"
in_dom pc 'test -e /tmp/marker && echo marker-still-there || echo marker-gone-after-rollback'
check '^marker-gone-after-rollback' 10 "what pc did after the snapshot is undone"
type 'vm clone pc pc2; vm list | grep -cE "^pc2? "'
check '^pc cloned as pc2 \(domain [0-9]+\)' 90 "vm clone makes pc2"
check '^2$' 5 "pc and pc2 both run"
in_dom pc2 'echo clone-count=$(cat /tmp/count); uname -n'
check '^clone-count=[0-9]+' 10 "pc2 goes on counting from pc's state"
type 'vm destroy pc2; vm destroy pc; rm -rf /var/lib/vm/pc; vm list | grep -cE "^pc2? "'
check '^0$' 10 "both destroyed"

# ---- a bt domain
type "$(pc_cfg bt1 bt)"
check '^domain [0-9]+ \(bt1\) created from /tmp/bt1.cfg: bt, 16 MiB' 30 "bt1 (bt) is created"
wait_dom bt1 30
round_trip bt1
type 'vm destroy bt1; rm /tmp/bt1.save'

# ---- a hw domain on shadow paging (npt = off): its own CR0, CR3, CR4 saved,
# the shadow rebuilt from them
type "$(pc_cfg sh1 hw 'npt = off')"
check '^domain [0-9]+ \(sh1\) created from /tmp/sh1.cfg: hw, 16 MiB' 30 "sh1 (hw, npt = off) is created"
wait_dom sh1 20
round_trip sh1
type 'vm destroy sh1; rm /tmp/sh1.save'

# ---- vm1 went on all along
printf '\035' >&$fd
check 'console input now goes to domain 2 \(vm1\)' 10 "Ctrl-] gives vm1 the keyboard"
printf 'echo vm1-still-$((40+2))\r' >&$fd
check 'vm1-still-42' 20 "vm1 still answers"
power_off
verdict dom0_hwsave "save, restore, refusals, snapshot, rollback and clone of hw and bt domains" 60
