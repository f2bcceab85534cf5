#!/usr/bin/env bash
# Install what building and testing ringvisor needs, from Debian's packages,
# and fetch Debian's busybox-static for i386 (ringos's shell and utilities)
# into $BUILD/busybox and Debian's 32-bit Linux kernel (linux-image-686) into
# $BUILD/linux (docs/linux.md). Run by `make run`, `make test`, `make bench` and
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
LINUX_DIR=$BUILD/linux
VMLINUZ=$LINUX_DIR/vmlinuz
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
	#include <errno.h>
	#include <stdio.h>
	unsigned long long volatile n = 1ULL << 40, d = 3;
	int main(void) { printf("%llu\n", n / d); return EINVAL == 22 ? 0 : 1; }
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
# The hw tests' disk image is an ext2 filesystem (mk/hwguests.mk), and the
# ext2 unit tests (tests/unit/test_ext2*.c) make images with mkfs.ext2 and
# judge them with e2fsck and debugfs: an image made, checked clean and
# listed. e2fsprogs lives in sbin, which a user's PATH may lack.
makes_ext2() {
	local PATH=$PATH:/usr/sbin:/sbin
	rm -f "$TMP/e2.img" && mkfs.ext2 -q -F -b 1024 "$TMP/e2.img" 256 &&
	    e2fsck -fn "$TMP/e2.img" && debugfs -R 'ls -l /' "$TMP/e2.img"
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
	need e2fsprogs makes_ext2
}

# Guest programs come from Debian's i386 packages, downloaded (never
# installed on the host): apt must know that architecture.
add_i386() {
	if ! dpkg --print-foreign-architectures | grep -qx i386; then
		dpkg --add-architecture i386
		apt-get update -q || echo "setup: apt-get update reported errors; trying the download anyway"
	fi
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
	add_i386
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

# A bzImage: the boot sector's 0x55 0xAA at 0x1FE and the setup header's
# magic "HdrS" at 0x202 (Linux's Documentation/arch/x86/boot.rst). The
# loader's full check is hv/loader/bzimage.c; this one only tells a kernel
# from a truncated download or an error page.
file_is_bzimage() {
	[ "$(od -An -tx1 -j510 -N2 "$1" 2>/dev/null | tr -d ' ')" = 55aa ] &&
	    [ "$(od -An -c -j514 -N4 "$1" 2>/dev/null | tr -d ' ')" = HdrS ]
}

# Debian's 32-bit kernel for the hw domains' Linux guest: the current
# linux-image-<version>-686 (the one the metapackage linux-image-686 depends
# on), of which only /boot/vmlinuz-<version> is taken, as $VMLINUZ, with
# <version> (its `uname -r`) in $LINUX_DIR/version. The modules stay in the
# .deb, which is deleted: the guest boots from an initramfs of busybox.
fetch_linux() {
	[ -f "$VMLINUZ" ] && file_is_bzimage "$VMLINUZ" && [ -s "$LINUX_DIR/version" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: the Linux guest kernel is missing; as root run make setup (it downloads"
		echo "    linux-image-686:i386's kernel package and keeps its vmlinuz as $VMLINUZ)"
		return 1
	fi
	mkdir -p "$LINUX_DIR"
	add_i386
	local pkg version deb
	pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*-686\)\(:i386\)\{0,1\}$/\1/p' | head -1)
	if [ -z "$pkg" ]; then
		apt-get update -q || echo "setup: apt-get update reported errors; trying anyway"
		pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
		    sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*-686\)\(:i386\)\{0,1\}$/\1/p' | head -1)
	fi
	if [ -z "$pkg" ]; then
		echo "setup: apt-cache finds no linux-image-<version>-686 that linux-image-686:i386 depends on"
		return 1
	fi
	version=${pkg#linux-image-}
	rm -f "$LINUX_DIR"/linux-image-*.deb
	(cd "$LINUX_DIR" && apt-get download -q "$pkg:i386") || true
	deb=$(ls "$LINUX_DIR/${pkg}"_*.deb 2>/dev/null | head -1)
	# Only the kernel leaves the archive: no module tree is unpacked.
	if [ -z "$deb" ] ||
	    ! dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$version" >"$VMLINUZ.tmp" ||
	    ! file_is_bzimage "$VMLINUZ.tmp"; then
		rm -f "$VMLINUZ.tmp" "$LINUX_DIR"/linux-image-*.deb
		echo "setup: could not fetch vmlinuz-$version from $pkg:i386 into $LINUX_DIR"
		return 1
	fi
	mv "$VMLINUZ.tmp" "$VMLINUZ"
	echo "$version" >"$LINUX_DIR/version"
	rm -f "$deb"
	echo "setup: $VMLINUZ is vmlinuz-$version from $(basename "$deb")"
}

fetch_guests() {
	local rc=0
	fetch_busybox || rc=1
	fetch_linux || rc=1
	return $rc
}

check_all
if [ ${#missing[@]} -eq 0 ]; then
	fetch_guests
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
fetch_guests
