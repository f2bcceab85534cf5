#!/usr/bin/env bash
# Install what building and testing ringvisor needs, from Debian's packages,
# and fetch Debian's busybox-static for i386 (ringos's shell and utilities)
# into $BUILD/busybox. Run by `make run`, `make test`, `make bench` and
# `make setup`; quiet when all is there. As root it installs with apt-get;
# otherwise it prints the commands to run.
set -u
BUILD=${BUILD:-build}
BUSYBOX=$BUILD/busybox/bin/busybox

missing=()
need() {        # package, then a command that succeeds when it is installed
	local pkg=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
	fi
}

check_all() {
	missing=()
	need make command -v make
	need gcc command -v gcc
	# 32-bit libgcc: the hypervisor is built with gcc -m32 and links it.
	need gcc-multilib test -f "$(gcc -m32 -print-libgcc-file-name 2>/dev/null)"
	need qemu-system-x86 command -v qemu-system-x86_64
	need qemu-system-x86 command -v qemu-system-i386
	need libcmocka-dev test -f /usr/include/cmocka.h
	need gdb command -v gdb
	need gnuplot-nox command -v gnuplot
}

# busybox-static:i386, unpacked from its .deb into $BUILD/busybox (not
# installed on the host: it is a guest program).
fetch_busybox() {
	[ -x "$BUSYBOX" ] && return 0
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
	if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$dir" || [ ! -x "$BUSYBOX" ]; then
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
	echo "setup: run as root:  apt-get update && apt-get install -y ${missing[*]}"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An unrelated broken index must not stop us: check the result instead.
apt-get update -q || echo "setup: apt-get update reported errors; trying the install anyway"
apt-get install -y -q --no-install-recommends "${missing[@]}" || true
check_all
if [ ${#missing[@]} -ne 0 ]; then
	echo "setup: still missing after apt-get install: ${missing[*]}"
	echo "setup: try by hand:  apt-get update && apt-get install -y ${missing[*]}"
	exit 1
fi
echo "setup: installed what was missing"
fetch_busybox
