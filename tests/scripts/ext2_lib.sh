# What the ext2 tests (ext2_native.sh, ext2_domains.sh) share, over
# ata_lib.sh (BUILD, QEMU's settings, the scratch directory $work, kept
# with ATA_KEEP=1; hw_bt_domains). Source it; it puts e2fsprogs on PATH and
# gives:
#   ext2_tree DIR             the host's files mkfs.ext2 -d copies: host/hello.txt,
#                             host/big (1000000 random bytes), host/link -> hello.txt
#                             (what guest/user/mounts.c expects)
#   ext2_cpio OUT FILE:NAME...  busybox and its applet links, mounts and
#                             exec_target in /bin, /etc/motd, and the files given
. tests/scripts/ata_lib.sh
export PATH=/usr/sbin:/sbin:$PATH

ext2_tree() {
	mkdir -p "$1/host"
	printf 'hello from the host\n' > "$1/host/hello.txt"
	head -c 1000000 /dev/urandom > "$1/host/big"
	ln -s hello.txt "$1/host/link"
}

ext2_cpio() {
	local out=$1
	shift
	"$BUILD/tools/mkcpio" "$out" "$BUILD/busybox/bin/busybox:bin/busybox" \
		$(sed 's|^|-l |; s|$|:/bin/busybox|' "$BUILD/busybox/applets") \
		"$BUILD/user/mounts:bin/mounts" "$BUILD/user/exec_target:bin/exec_target" \
		guest/user/motd.txt:etc/motd "$@" -d dev -d tmp -d proc
}
