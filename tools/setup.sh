#!/usr/bin/env bash
# Install what building and testing ringvisor needs, from Debian's packages,
# and fetch Debian's busybox-static for i386 (ringos's shell and utilities)
# into $BUILD/busybox. Run by `make run`, `make test`, `make bench` and
# `make setup`; quiet when all is there. As root it installs with apt-get;
# otherwise it prints the commands to run.
#
# Each requirement is checked by doing what the build needs it for (link a
# 32-bit program, run the tool), never by the presence of a file that may be
# there for another reason: without gcc-multilib, `gcc -m32
# -print-libgcc-file-name` still prints a path that exists (the 64-bit one).
set -u
BUILD=${BUILD:-build}
BUSYBOX=$BUILD/busybox/bin/busybox
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

missing=()
need() {        # package, then a command that succeeds when it is installed
	local pkg=$1
	shift
	if ! "$@" >"$TMP/log-$pkg" 2>&1; then
		case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
	fi
}

# The hypervisor and ringos link 32-bit libgcc (64-bit division is
# __udivdi3 there); ringos's programs are `gcc -m32 -static` against glibc.
links_m32() {
	cat >"$TMP/div.c" <<-'EOF'
	#include <stdio.h>
	unsigned long long volatile n = 1ULL << 40, d = 3;
	int main(void) { printf("%llu\n", n / d); return 0; }
	EOF
	gcc -m32 -static -o "$TMP/div" "$TMP/div.c" &&
	    file_is_i386 "$TMP/div"
}
# ELF class 1 (32-bit), machine 3 (i386): read from the header, not run.
file_is_i386() {
	[ "$(od -An -tx1 -j4 -N1 "$1" | tr -d ' ')" = 01 ] &&
	    [ "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' ')" = 0300 ]
}
links_cmocka() {
	cat >"$TMP/cm.c" <<-'EOF'
	#include <stdarg.h>
	#include <stddef.h>
	#include <stdint.h>
	#include <setjmp.h>
	#include <cmocka.h>
	static void t(void **s) { (void)s; assert_int_equal(1, 1); }
	int main(void) { const struct CMUnitTest ts[] = { cmocka_unit_test(t) }; return cmocka_run_group_tests(ts, NULL, NULL); }
	EOF
	gcc -o "$TMP/cm" "$TMP/cm.c" -lcmocka && "$TMP/cm"
}
# The decoder's unit test (tests/unit/test_decode.c) takes capstone as its oracle.
links_capstone() {
	cat >"$TMP/cs.c" <<-'EOF'
	#include <capstone/capstone.h>
	int main(void)
	{
		csh h; cs_insn *i; const unsigned char nop[] = { 0x90 };
		if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) return 1;
		size_t n = cs_disasm(h, nop, 1, 0, 1, &i);
		if (n != 1) return 1;
		cs_free(i, n); cs_close(&h); return 0;
	}
	EOF
	gcc -o "$TMP/cs" "$TMP/cs.c" -lcapstone && "$TMP/cs"
}
# qemu-i386 (user mode) runs a guest program on the host where the build
# needs what only the program knows (busybox's applet list): the host
# kernel cannot execute i386 programs itself. docs/testing.md says why.
runs_i386() {
	links_m32 && [ "$(qemu-i386 "$TMP/div")" = 366503875925 ]
}

check_all() {
	missing=()
	need make make --version
	need gcc gcc --version
	need gcc-multilib links_m32
	need qemu-system-x86 qemu-system-x86_64 --version
	need qemu-system-x86 qemu-system-i386 --version
	need qemu-user runs_i386
	need libcmocka-dev links_cmocka
	need libcapstone-dev links_capstone
	need gdb gdb --version
	need gnuplot-nox gnuplot --version
	need tmux tmux -V
}

# busybox-static:i386, unpacked from its .deb into $BUILD/busybox (not
# installed on the host: it is a guest program).
fetch_busybox() {
	[ -f "$BUSYBOX" ] && file_is_i386 "$BUSYBOX" && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: busybox for ringos is missing; as root run:"
		echo "    dpkg --add-architecture i386 && apt-get update && (cd $BUILD/busybox && apt-get download busybox-static:i386 && dpkg-deb -x busybox-static_*.deb .)"
		return 1
	fi
	local dir=$BUILD/busybox
	mkdir -p "$dir"
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		dpkg --add-architecture i386
		apt-get update -q || echo "setup: apt-get update reported errors; trying the download anyway"
	fi
	rm -f "$dir"/busybox-static_*.deb
	if ! (cd "$dir" && apt-get download -q busybox-static:i386); then
		apt-get update -q || echo "setup: apt-get update reported errors; trying the download anyway"
		(cd "$dir" && apt-get download -q busybox-static:i386) || true
	fi
	local deb
	deb=$(ls "$dir"/busybox-static_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$dir" || ! file_is_i386 "$BUSYBOX"; then
		echo "setup: could not fetch busybox-static:i386 into $dir"
		return 1
	fi
	echo "setup: busybox-static:i386 unpacked into $dir ($(basename "$deb"))"
}

check_all
if [ ${#missing[@]} -eq 0 ]; then
	fetch_busybox
	exit
fi

echo "setup: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An unrelated broken index must not stop us: check the result instead.
# No recommends: qemu-user would bring qemu-user-binfmt, which lets the host
# kernel run i386 programs behind our back and hides a missing emulator.
apt-get update -q || echo "setup: apt-get update reported errors; trying the install anyway"
apt-get install -y -q --no-install-recommends "${missing[@]}" || true
check_all
if [ ${#missing[@]} -ne 0 ]; then
	echo "setup: still missing after apt-get install: ${missing[*]}"
	for pkg in "${missing[@]}"; do
		echo "setup: the check for $pkg said:"
		tail -5 "$TMP/log-$pkg" | sed 's/^/    /'
	done
	echo "setup: try by hand:  apt-get update && apt-get install -y ${missing[*]}"
	exit 1
fi
echo "setup: installed what was missing"
fetch_busybox
