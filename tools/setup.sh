#!/usr/bin/env bash
# Install what building and testing ringvisor needs, from Debian's packages.
# Run by `make run`, `make test` and `make setup`; quiet when all is there.
# As root it installs with apt-get; otherwise it prints the command to run.
set -u

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
}

check_all
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "setup: run as root:  apt-get update && apt-get install -y ${missing[*]}"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An unrelated broken index must not stop us: check the result instead.
apt-get update -q || echo "setup: apt-get update reported errors; trying the install anyway"
apt-get install -y -q "${missing[@]}" || true
check_all
if [ ${#missing[@]} -ne 0 ]; then
	echo "setup: still missing after apt-get install: ${missing[*]}"
	echo "setup: try by hand:  apt-get update && apt-get install -y ${missing[*]}"
	exit 1
fi
echo "setup: installed what was missing"
