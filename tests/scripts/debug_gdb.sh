#!/usr/bin/env bash
# `make debug` works: QEMU waits for gdb, and gdb with tools/gdbinit stops at
# the entry point with the hypervisor's symbols, then at hv_start with its
# arguments readable, and can continue to the idle loop.
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
command -v gdb >/dev/null || { echo "gdb is not installed (apt-get install gdb)"; exit 1; }
port=$((20000 + $$ % 20000))
work=$(mktemp -d)
trap 'kill $qemu 2>/dev/null; rm -rf "$work"' EXIT

# The same QEMU command line as `make debug`, on a private port.
# shellcheck disable=SC2086 # QEMU_MACHINE is a list of words
qemu-system-i386 $QEMU_MACHINE -cpu "$QEMU_CPU_I386" -m "$QEMU_MEM" -serial "file:$work/serial.log" \
	-kernel "$BUILD/hv/hv.elf" -gdb "tcp:127.0.0.1:$port" -S 2>"$work/qemu.err" &
qemu=$!
sed "s/localhost:1234/127.0.0.1:$port/; s|build/hv/hv.elf|$BUILD/hv/hv.elf|" tools/gdbinit > "$work/gdbinit"
for _ in $(seq 50); do
	(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
	sleep 0.1
done
timeout 50 gdb -nx -batch -x "$work/gdbinit" \
	-ex 'bt' -ex 'continue' -ex 'bt' -ex 'print/x mbi->flags' \
	-ex 'break idle_loop' -ex 'continue' -ex 'print boot_info.nregions > 0' \
	> "$work/gdb.log" 2>&1
cat "$work/gdb.log"
fail=0
check() {
	if grep -Eq -- "$1" "$work/gdb.log"; then echo "ok - $2"; else echo "FAILED - $2"; fail=1; fi
}
check 'Breakpoint 1, _start \(\) at hv/arch/x86/boot.S' "stops at the entry point _start with source"
check 'Breakpoint 2, hv_start \(magic=732803074, mbi=0x9500\)' "stops at hv_start with readable arguments"
check '#1 +0x[0-9a-f]+ in _start \(\)' "backtrace from hv_start reaches _start"
check 'Breakpoint 3, idle_loop' "continues to the idle loop"
check '^\$[0-9]+ = 1$' "reads hypervisor data (boot_info)"
[ $fail = 0 ] || { echo "debug_gdb: gdb session did not go as expected"; exit 1; }
echo "debug_gdb: all checks passed"
