#!/usr/bin/env bash
# A user's session at busybox's shell on ringos's console, typed key by key
# like a person at the terminal: natively on the bare PC, then logged into a
# pv domain, a hw domain and a bt domain (the same ringos-pc.elf as native) under
# ringvisor (the keyboard moved to it with Ctrl-], as the README says). The
# session (below) uses files, pipes, redirection, job control (a background
# job, Ctrl-Z, bg, kill, wait) and Ctrl-C. Each run's transcript must hold
# the expected results, and the four transcripts must be identical
# (equivalence). Each ends with poweroff: the machine powers off natively,
# the domain shuts down under the hypervisor.
. tests/scripts/session.sh
PROMPT='box:[^ ]*# '             # PS1 is '\h:\w\$ ' and the host is named box

# The session: "type TEXT" types a line and waits for the next prompt; "start
# TEXT" types a line whose command keeps running; "key X" sends a control key
# (^C, ^Z) to it and waits for the prompt.
# ("[/]init": grep's own command line does not match it, so the count does
# not depend on whether ps or grep ran first, which no two machines agree on.)
session() {
	cat <<'EOF'
type echo scenario start
type cd /tmp && echo hello > a.txt && echo world >> a.txt && cat a.txt | wc -l
type mkdir -p d/e && cp a.txt d/b.txt && mv d/b.txt d/e/c.txt && ls -R d | tr '\n' ' '; echo
type grep -c o d/e/c.txt; head -n 1 a.txt; tail -n 1 a.txt; rm -r d; ls
type printf 'pear\napple\nfig\n' | sort | head -n 2 | tr '\n' ,; echo
type echo sum=$((6 * 7)) $(echo nested | tr a-z A-Z) "$(uname -s)"
type (exit 3); echo sub=$?; false || echo or=$?
type cat /proc/1/cmdline | tr '\0' ' '; echo; ps | grep -c '[/]init'
type test -d /proc/self && echo proc-ok; readlink /proc/self/exe
type sleep 1 & wait; echo waited=$?
start sleep 30
key ^C
type echo interrupted=$?
start sleep 30
key ^Z
type jobs
type bg %1 >/dev/null; kill %1; wait %1; echo killed=$?
type echo scenario end
EOF
}

# What the native transcript must show (and so, by the diff, the pv one).
expected=(
	'^2$'
	'^d: e +d/e: c.txt $'
	'^2$'
	'^hello$'
	'^world$'
	'^a.txt$'
	'^apple,fig,$'
	'^sum=42 NESTED ringos$'
	'^sub=3$'
	'^or=1$'
	'^/init $'
	'^proc-ok$'
	'^/bin/busybox$'
	'^waited=0$'
	'^interrupted=130$'
	'Stopped +sleep 30'
	'^killed=143$'
)

# run NAME: boots, types the session, leaves $work/NAME.log; 0 or 1.
run() {
	local name=$1 log=$work/$1.log fifo=$work/$1.in n line what
	shift
	mkfifo "$fifo"
	# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
	timeout 200 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -serial stdio "$@" < "$fifo" > "$log" 2>&1 &
	qpid=$!
	exec {fd}> "$fifo"
	if ! wait_prompt "$log" 0 90; then
		echo "FAILED - $name: no shell prompt within 90 s"; return 1
	fi
	if [ "$name" != native ]; then
		printf '\035' >&$fd
		sleep 0.5
	fi
	while IFS= read -r line; do
		what=${line%% *} line=${line#* }
		n=$(count_prompts "$log")
		case $what in
		type) printf '%s\r' "$line" >&$fd ;;
		start) printf '%s\r' "$line" >&$fd; sleep 3; continue ;;
		key) case $line in ^C) printf '\003' >&$fd ;; ^Z) printf '\032' >&$fd ;; esac ;;
		esac
		if ! wait_prompt "$log" "$n" 30; then
			echo "FAILED - $name: no prompt after '$line'"; return 1
		fi
	done < <(session)
	printf 'poweroff\r' >&$fd
	wait "$qpid"
	qpid=
	exec {fd}>&-
	return 0
}

# The lines between the markers, as the user saw them: without the
# hypervisor's "[box] " tag, carriage returns, and the cursor-position
# query busybox's line editor sends (ESC [6n; the hypervisor shows ESC as ?).
transcript() {
	tr -d '\r' < "$1" | sed -e 's/^\[box\] //' -e 's/\x1b\[6n//g' -e 's/?\[6n//g' |
		sed -n '/^scenario start$/,/^scenario end$/p'
}

check_run() {           # name, and what shows the power-off
	local name=$1 off=$2 out=$work/$1.out pat
	transcript "$work/$name.log" > "$out"
	for pat in "${expected[@]}"; do
		if ! grep -qE -- "$pat" "$out"; then
			echo "FAILED - $name: the transcript lacks /$pat/"; fail=1
		fi
	done
	if grep -q "$off" "$work/$name.log"; then
		echo "ok - $name: poweroff ended it ($off)"
	else
		echo "FAILED - $name: no '$off' after poweroff"; fail=1
	fi
}

if run native -m 128 -kernel "$BUILD/ringos-pc.elf" -append "hostname=box" \
	-initrd "$BUILD/initramfs/busybox.cpio"; then
	check_run native 'ringos: power off'
else
	fail=1
fi
if run pv -m 128 -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pv.elf name=box memory=64M initrd=$BUILD/initramfs/busybox.cpio cmdline=\"hostname=box\",$BUILD/initramfs/busybox.cpio"; then
	check_run pv 'domain 1 (box): shut down: poweroff'
	if grep -aq 'vector 0x80' "$work/pv.log"; then
		echo "FAILED - pv: system calls entered the hypervisor (vector 0x80 in its exit table)"; fail=1
	fi
else
	fail=1
fi
# The very ringos-pc.elf of the native run, unmodified, as a hw (SVM) domain.
if run hw -m 128 -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=box mode=hw memory=64M initrd=$BUILD/initramfs/busybox.cpio cmdline=\"hostname=box\",$BUILD/initramfs/busybox.cpio"; then
	check_run hw 'domain 1 (box): shut down: poweroff'
else
	fail=1
fi
# The same again with no hardware help: trap-and-emulate, scan-and-patch,
# shadow page tables (docs/bt.md).
if run bt -m 128 -kernel "$BUILD/hv/hv.elf" -append on_empty=exit \
	-initrd "$BUILD/ringos-pc.elf name=box mode=bt memory=64M initrd=$BUILD/initramfs/busybox.cpio cmdline=\"hostname=box\",$BUILD/initramfs/busybox.cpio"; then
	check_run bt 'domain 1 (box): shut down: poweroff'
else
	fail=1
fi
for r in pv hw bt; do
	[ -s "$work/native.out" ] && [ -s "$work/$r.out" ] || continue
	if diff -u "$work/native.out" "$work/$r.out" > "$work/diff"; then
		echo "ok - the session's transcript is identical natively and in the $r domain ($(wc -l < "$work/native.out") lines)"
	else
		echo "FAILED - the $r transcript differs from native:"; sed 's/^/    /' "$work/diff" | head -40; fail=1
	fi
done
if [ $fail != 0 ]; then
	for r in native pv hw bt; do
		[ -f "$work/$r.log" ] && { echo "--- $r log (last 30 lines)"; tr -d '\r' < "$work/$r.log" | tail -30; }
	done
	echo "busybox_shell: FAILED"
	exit 1
fi
echo "busybox_shell: the session behaves the same natively and under ringvisor"
