#!/usr/bin/env bash
# The default experience: what `make run` boots (the Makefile's RUN_MODULES:
# ringos-pv.elf, ringos-pc.elf, busybox.cpio, dom0.cpio, configs/dom0.cfg,
# vm1.cfg, vm2.cfg, vm3.cfg: Domain 0, and ringos as pv, hw and bt domains)
# must give four busybox prompts, one per domain, each named by its config;
# Domain 0 is domain 1; the keyboard moves to each in turn (Ctrl-]), `vm
# list` in Domain 0 lists all four, and `poweroff` shuts each down.
# on_empty=exit makes the hypervisor leave once both are gone.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
trap '[ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
log=$work/run.log
modules=$(make -s --no-print-directory print-run-modules)
mkfifo "$work/in"
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
timeout 180 "$QEMU" $QEMU_MACHINE -cpu "$QEMU_CPU" -m 512 -serial stdio -kernel "$BUILD/hv/hv.elf" \
	-append "loglevel=info on_empty=exit" -initrd "$modules" < "$work/in" > "$log" 2>&1 &
qpid=$!
exec {fd}> "$work/in"

seen() { tr -d '\r' < "$log" | grep -aEq -- "$1"; }
wait_for() {            # pattern seconds
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		seen "$1" && return 0
		sleep 0.1
	done
	return 1
}

fail=0
for vm in dom0 vm1 vm2 vm3; do
	if wait_for "\[$vm\] $vm:~# " 120; then
		echo "ok - $vm is at its busybox prompt"
	else
		echo "FAILED - $vm: no prompt"; fail=1
	fi
done
names=(dom0 vm1 vm2 vm3)
for n in 1 2 3 4; do
	vm=${names[n - 1]}
	printf '\035' >&$fd
	if ! wait_for "console input now goes to domain $n \($vm\)" 10; then
		echo "FAILED - the keyboard did not move to $vm"; fail=1
	fi
	if [ $vm = dom0 ]; then
		printf 'vm list | grep -c "^vm[123] "\r' >&$fd
		if wait_for '^3\r?$' 20; then
			echo "ok - vm list in Domain 0 shows vm1, vm2 and vm3"
		else
			echo "FAILED - vm list in Domain 0"; fail=1
		fi
	fi
	printf 'poweroff\r' >&$fd
	if wait_for "domain $n \($vm\): shut down: poweroff" 30; then
		echo "ok - poweroff in $vm shut it down"
	else
		echo "FAILED - $vm did not shut down"; fail=1
	fi
done
wait "$qpid"
qpid=
if [ $fail = 0 ] && seen 'all domains have stopped'; then
	echo "make_run: Domain 0 and three busybox VMs (pv, hw, bt) came up and powered off"
	exit 0
fi
echo "--- log (last 30 lines)"; tr -d '\r' < "$log" | tail -30
echo "make_run: FAILED"
exit 1
