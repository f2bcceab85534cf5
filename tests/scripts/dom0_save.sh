#!/usr/bin/env bash
# Save, restore, snapshot, rollback and clone of a pv domain from Domain 0's
# shell (docs/control.md): a domain s counts in a shell loop; `vm save`
# stops it into a file, `vm restore` brings it back (the count goes on from
# where it was, and the memory checksum in its own frame order is the same
# before and after); a corrupt, a truncated, a foreign-version file and a
# file that is no save at all are each refused with the reason and change
# nothing; a snapshot is rolled back to; a clone runs beside it.
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
TYPE_WAIT=120
machine 400 320 "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg,$BUILD/initramfs/busybox.cpio,configs/vm1.cfg"

check '\[dom0\] dom0:~# ' 120 "Domain 0 is at its prompt"
check '\[vm1\] vm1:~# ' 60 "vm1 is at its prompt"
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard"
type 'printf "name = \"s\"\nkernel = \"/boot/ringos-pv.elf\"\ninitrd = \"/boot/busybox.cpio\"\nmemory = 16\ncmdline = \"hostname=s\"\n" > /tmp/s.cfg; vm create /tmp/s.cfg'
check '^domain 3 \(s\) created from /tmp/s.cfg: pv, 16 MiB' 10 "s is created"
sleep 8
in_dom s 'i=1000; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done & sleep 2; echo before=$(cat /tmp/count)'
before=$(last 'before=[0-9]+' | cut -d= -f2)
[ -n "$before" ] && echo "ok - s counts ($before)" || { echo "FAILED - s does not count"; fail=1; }

type 'vm save s /tmp/s.save; echo saved=$?; vm list | grep -c "^s "'
check '^s \(domain 3\) saved to /tmp/s.save: 16 MiB, memory checksum [0-9a-f]{16}' 60 "vm save writes the file"
sum_saved=$(last 'saved to /tmp/s.save: 16 MiB, memory checksum [0-9a-f]{16}' | awk '{print $NF}')
check '^saved=0' 1 "... with exit status 0"
check '^0$' 1 "... and s is gone"

# Bad files: each refused with its reason, nothing created.
type 'cp /tmp/s.save /tmp/bad.save && printf "\377" | dd of=/tmp/bad.save bs=1 seek=300000 conv=notrunc 2>/dev/null; vm restore /tmp/bad.save; echo status=$?; rm /tmp/bad.save'
check "^vm: '/tmp/bad.save': corrupt: its checksum does not match its contents" 60 "a corrupt file is refused"
type 'head -c 100000 /tmp/s.save > /tmp/t.save; vm restore /tmp/t.save; rm /tmp/t.save'
check "^vm: '/tmp/t.save': truncated: 100000 bytes, its header says [0-9]+" 30 "a truncated file is refused"
type 'cp /tmp/s.save /tmp/v.save && printf "\003" | dd of=/tmp/v.save bs=1 seek=8 conv=notrunc 2>/dev/null; vm restore /tmp/v.save; rm /tmp/v.save'
check "^vm: '/tmp/v.save': save format version 3; this ringvisor reads version 2" 60 "a file of another version is refused"
type 'vm restore /etc/inittab'
check "^vm: '/etc/inittab': not a ringvisor save file" 10 "a file that is no save is refused"
type 'vm list | grep -c "^s "'
check '^0$' 1 "the refusals created no domain"

type 'vm restore /tmp/s.save; echo restored=$?'
check '^domain [0-9]+ \(s\) restored from /tmp/s.save: 16 MiB, memory checksum [0-9a-f]{16}' 60 "vm restore brings s back"
sum_restored=$(last 'restored from /tmp/s.save: 16 MiB, memory checksum [0-9a-f]{16}' | awk '{print $NF}')
if [ -n "$sum_saved" ] && [ "$sum_saved" = "$sum_restored" ]; then
	echo "ok - its memory checksum is the same after the round trip ($sum_saved)"
else
	echo "FAILED - memory checksum $sum_saved saved, $sum_restored restored"; fail=1
fi
in_dom s 'echo after=$(cat /tmp/count); sleep 2; echo later=$(cat /tmp/count)'
check 'ringos: restored from a save as domain [0-9]+ \(s\)' 5 "ringos knows it was restored"
after=$(last 'after=[0-9]+' | cut -d= -f2)
later=$(last 'later=[0-9]+' | cut -d= -f2)
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -ge "$before" ] && [ "$after" -lt $((before + 30)) ] &&
	[ "$later" -gt "$after" ]; then
	echo "ok - the count goes on from where it was ($before before, $after after, then $later)"
else
	echo "FAILED - the count: $before before, $after after, $later later"; fail=1
fi
type 'rm /tmp/s.save'

type 'vm snapshot s t1; echo snap=$?'
check '^s \(domain [0-9]+\) snapshotted to /var/lib/vm/s/t1.save: 16 MiB' 60 "vm snapshot keeps s's state"
in_dom s 'echo gone > /tmp/marker; echo marker=$(cat /tmp/marker)'
check '^marker=gone' 5 "a file written in s after the snapshot"
type 'vm rollback s t1'
check "^s rolled back to snapshot 't1': now domain [0-9]+" 60 "vm rollback returns s to the snapshot"
in_dom s 'test -e /tmp/marker && echo marker-still-there || echo marker-gone-after-rollback'
check '^marker-gone-after-rollback' 10 "what s did after the snapshot is undone"

type 'vm clone s s2; vm list | grep -cE "^s2? "'
check '^s cloned as s2 \(domain [0-9]+\)' 60 "vm clone makes s2"
check '^2$' 5 "s and s2 both run"
type 'vm destroy s2; vm destroy s; vm list | grep -cE "^s2? "'
check '^0$' 10 "both destroyed"

printf '\035' >&$fd
check 'console input now goes to domain 2 \(vm1\)' 10 "Ctrl-] gives vm1 the keyboard"
check 'domain [0-9]+ \(s2\): restored, paused' 1 "the log tells s2 was restored"
power_off
verdict dom0_save "save, restore, refusals, snapshot, rollback and clone of a pv domain" 40
