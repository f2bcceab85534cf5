# Watching one machine's console log and typing at Domain 0's shell, for the
# control scenarios (dom0_toolstack.sh, dom0_save.sh, dom0_hwsave.sh, dom0_disk.sh,
# dom0_disk_save.sh). Source it after session.sh; the script sets $log (the
# machine's serial output), $fd (its input) and PROMPT (Domain 0's), and
# TYPE_WAIT (seconds a typed line may take, default 120).
#   text                 the log without carriage returns
#   seen PATTERN         the log has a line matching PATTERN (grep -E)
#   wait_for PATTERN S   until it has, S seconds at most: 0, or 1
#   check PATTERN S WHAT prints ok or FAILED (and sets fail=1)
#   type LINE            types LINE at the shell and waits for its next prompt
#   in_dom NAME LINE     types LINE in domain NAME through vm console, detaches
#   last PATTERN         the last match of PATTERN in the log
#   machine S MiB MODULES [QEMU ARGS]  boots ringvisor with those modules in
#                        QEMU (S seconds at most), log in $log, input on $fd
#   dom0_boot S [WHAT]   machine (S seconds) with Domain 0 (configs/dom0.cfg) on
#                        the IDE disk $img; checks it mounts the disk at /disk
#                        and reaches its prompt (WHAT: a prefix for the checks)
#   dom0_halt WHAT       types poweroff at Domain 0's shell; checks the machine
#                        stops (WHAT: the check's text); waits for QEMU, closes $fd
#   power_off            from vm1's keyboard: vm1 powers off, then Domain 0;
#                        waits for QEMU
#   keyboard_to WHAT     Ctrl-] until the keyboard is WHAT's ("the hypervisor":
#                        then every domain's output flows; "domain 1 \(dom0\)"):
#                        0, or 1 after 8 tries
#   verdict NAME WHAT N  exits: 0 with "NAME: WHAT", or 1 with the log's last N
#                        lines (a hypervisor PANIC fails it)
text() { tr -d '\r' < "$log"; }
seen() { text | grep -aEq -- "$1"; }
wait_for() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		seen "$1" && return 0
		sleep 0.1
	done
	return 1
}
check() {
	if wait_for "$1" "$2"; then echo "ok - $3"; else echo "FAILED - $3 (no /$1/)"; fail=1; fi
}
type() {
	local n
	n=$(count_prompts "$log")
	printf '%s\r' "$1" >&$fd
	wait_prompt "$log" "$n" "${TYPE_WAIT:-120}" || { echo "FAILED - no prompt after '$1'"; fail=1; }
}
in_dom() {
	local n
	n=$(count_prompts "$log")
	printf 'vm console %s\r' "$1" >&$fd
	wait_for "vm: attached to $1" 10 || { echo "FAILED - vm console $1"; fail=1; }
	sleep 1
	printf '%s\r' "$2" >&$fd
	sleep 3
	printf '\034' >&$fd             # Ctrl-\ detaches
	wait_prompt "$log" "$n" 20 || { echo "FAILED - no prompt after detaching from $1"; fail=1; }
}
last() { text | grep -aEo -- "$1" | tail -1; }
machine() {
	local secs=$1 mem=$2 modules=$3
	shift 3
	log=${log:-$work/run.log}
	: > "$log"
	rm -f "$work/in"
	mkfifo "$work/in"
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout "$secs" "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m "$mem" -serial stdio "$@" \
		-kernel "$BUILD/hv/hv.elf" -append "on_empty=exit" -initrd "$modules" \
		< "$work/in" > "$log" 2>&1 &
	qpid=$!
	exec {fd}> "$work/in"
}
dom0_boot() {
	local what=${2:+$2: }
	machine "$1" 320 "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg" \
		-drive "file=$img,format=raw,if=ide,index=0"
	check '\[dom0\] ringos: mounted /dev/hda on /disk \(ext2\)' 120 "${what}Domain 0 mounts its disk at /disk"
	check '\[dom0\] dom0:~# ' 60 "${what}Domain 0 is at its prompt"
}
dom0_halt() {
	printf 'poweroff\r' >&$fd
	check 'all domains have stopped: exiting \(status 0\)' 120 "$1"
	wait "$qpid"
	qpid=
	exec {fd}>&-
}
power_off() {
	printf 'poweroff\r' >&$fd
	check 'domain 2 \(vm1\): shut down: poweroff' 30 "vm1 powers off"
	printf '\035' >&$fd
	check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard again"
	printf 'poweroff\r' >&$fd
	check 'domain 1 \(dom0\): shut down: poweroff' 30 "Domain 0 powers off"
	wait "$qpid"
	qpid=
}
kb_moves() { text | grep -ac 'console input now goes to'; }
keyboard_to() {
	local i j n
	text | grep -a 'console input now goes to' | tail -1 | grep -qE "goes to $1" && return 0
	for ((i = 0; i < 8; i++)); do
		n=$(kb_moves)
		printf '\035' >&$fd
		for ((j = 0; j < 50 && $(kb_moves) == n; j++)); do sleep 0.1; done
		text | grep -a 'console input now goes to' | tail -1 | grep -qE "goes to $1" && return 0
	done
	return 1
}
verdict() {
	if seen 'PANIC'; then echo "FAILED - the hypervisor panicked"; fail=1; fi
	if [ "$fail" = 0 ]; then
		echo "$1: $2"
		exit 0
	fi
	echo "--- log (last $3 lines)"; text | tail -"$3"
	echo "$1: FAILED"
	exit 1
}
