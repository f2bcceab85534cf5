#!/usr/bin/env bash
# System-call forwarding end to end (docs/io.md, "System-call forwarding"):
# the machine's IDE disk is Domain 0's ext2 (mount=/dev/hda:/disk) holding
# two export directories, a directory outside them with a canary, the
# domains' configs and their initramfs. Domain 0 creates the pv domain
# "f" with fs = "/disk/export1,/host": vm forks the forwarding server,
# ringos mounts /host. In it, files and fd_calls run on the ramfs and on
# /host (outputs must be identical), fwd_escape tries every way out of
# the export ("..", links out, absolute links, links to Domain 0's own
# path, a directory swapped for a link while another process opens
# through it) and new files are written. Then "g", on export2: it sees
# its own export only. After power off the host reads Domain 0's disk
# (debugfs): the canary outside is unchanged and alone, the files f
# wrote are in export1, e2fsck -fn is clean. A second QEMU boot on the
# same disk creates "f2" on export1 read-only: it finds the files, its
# changes are refused (EROFS), /proc/mounts says ro.
. tests/scripts/splitio_lib.sh

# ---- Domain 0's disk
t=$work/tree
mkdir -p "$t/vm" "$t/outside" "$t/export1/sub" "$t/export1/outside" "$t/export1/links" \
	"$t/export1/race/d" "$t/export2"
printf 'CANARY\n' > "$t/outside/canary"
printf 'hello from dom0\n' > "$t/export1/hello.txt"
printf 'DECOY\n' > "$t/export1/outside/canary"
printf 'RACE-SAFE\n' > "$t/export1/race/d/canary"
head -c 300000 /dev/urandom > "$t/export1/big"
ln -s ../../outside/canary "$t/export1/links/rel_up"
ln -s /outside/canary "$t/export1/links/abs"
ln -s / "$t/export1/links/root"
ln -s ../../../../.. "$t/export1/links/dotdots"
ln -s /disk/outside "$t/export1/links/host"
printf 'only in export2\n' > "$t/export2/mine.txt"
cat > "$work/f.sh" <<'EOF'
#!/bin/sh
sleep 5; echo "f.sh: start"
sleep 5; grep ' /host ' /proc/mounts
for p in files fd_calls; do
	mkdir -p /tmp/ram-$p /host/w-$p
	chmod 644 /etc/motd; TEST_DIR=/tmp/ram-$p /bin/$p > /tmp/$p.ram 2>&1
	chmod 644 /etc/motd; TEST_DIR=/host/w-$p /bin/$p > /tmp/$p.fwd 2>&1
	echo "$p on ramfs: $(grep 'TEST RESULT' /tmp/$p.ram)"
	echo "$p on fwd: $(grep 'TEST RESULT' /tmp/$p.fwd)"
	if cmp -s /tmp/$p.ram /tmp/$p.fwd; then echo "SAME $p"; else diff /tmp/$p.ram /tmp/$p.fwd; fi
done
# proc_fs makes its files in $TEST_DIR/pfs; numbers (pids, times) may differ
mkdir -p /tmp/ram-proc_fs /host/w-proc_fs
TEST_DIR=/tmp/ram-proc_fs /bin/proc_fs 2>&1 | sed 's/[0-9]//g' > /tmp/proc_fs.ram
TEST_DIR=/host/w-proc_fs /bin/proc_fs 2>&1 | sed 's/[0-9]//g' > /tmp/proc_fs.fwd
# One check differs by design: proc_fs's link /etc/motd is absolute, and
# on the forwarded mount an absolute link starts at the export's top.
echo "proc_fs on fwd: $(grep -c '^not ok' /tmp/proc_fs.fwd) not ok: $(grep '^not ok' /tmp/proc_fs.fwd)"
grep -v 'lstat sees the link, stat the file it names\|^TEST RESULT' /tmp/proc_fs.ram > /tmp/p.ram
grep -v 'lstat sees the link, stat the file it names\|^TEST RESULT' /tmp/proc_fs.fwd > /tmp/p.fwd
if cmp -s /tmp/p.ram /tmp/p.fwd; then echo "SAME proc_fs"; else diff /tmp/p.ram /tmp/p.fwd; fi
/bin/fwd_escape /host
cd /host/sub && echo "CWD $(pwd)" && cd /
echo "UP $(ls /host/.. | grep -c '^host$')"
mkdir -p /host/persist
echo "written by the f domain" > /host/persist/note.txt
cp /host/big /host/persist/big-copy
cp /bin/busybox /host/persist/busybox
echo "MD5 big-copy $(md5sum < /host/persist/big-copy)"
/host/persist/busybox echo "busybox from the forwarded mount runs" 2>&1
echo "f.sh: done"
poweroff -f
EOF
cat > "$work/g.sh" <<'EOF'
#!/bin/sh
sleep 5; echo "g.sh: start"
echo "G-LS $(ls /host | tr '\n' ' ')"
cat /host/mine.txt
cat /host/hello.txt 2>/dev/null || echo "G-NO-HELLO"
cat /host/a/../../../export1/hello.txt 2>/dev/null || echo "G-NO-EXPORT1"
ln -s /disk/export1 /host/l && ls /host/l/ 2>/dev/null || echo "G-NO-LINK-WAY"
echo "g was here" > /host/g.txt
echo "g.sh: done"
poweroff -f
EOF
cat > "$work/f2.sh" <<'EOF'
#!/bin/sh
sleep 5; grep ' /host ' /proc/mounts
cat /host/persist/note.txt
echo "MD5 big-copy $(md5sum < /host/persist/big-copy)"
touch /host/persist/new 2>&1 | grep -q 'Read-only' && echo "touch refused: EROFS"
mkdir /host/newdir 2>&1 | grep -q 'Read-only' && echo "mkdir refused: EROFS"
rm -f /host/persist/note.txt 2>&1 | grep -q 'Read-only' && echo "rm refused: EROFS"
echo "f2.sh: done"
poweroff -f
EOF
ext2_cpio "$t/vm/fwd.cpio" "$BUILD/user/files:bin/files" "$BUILD/user/fd_calls:bin/fd_calls" \
	"$BUILD/user/fwd_escape:bin/fwd_escape" "$BUILD/user/proc_fs:bin/proc_fs" \
	"$BUILD/user/show_args:bin/show_args" "$work/f.sh:f.sh" "$work/g.sh:g.sh" "$work/f2.sh:f2.sh" ||
	{ echo "ERROR - the domains' initramfs"; exit 1; }
mkcfg() {       # name export mode script
	cat > "$t/vm/$1.cfg" <<CFG
name = "$1"
kernel = "/boot/ringos-pv.elf"
initrd = "/disk/vm/fwd.cpio"
memory = 48
fs = "/disk/$2,/host,$3"
cmdline = "hostname=$1 init=/bin/sh /$4"
CFG
}
mkcfg f export1 w f.sh
mkcfg g export2 w g.sh
mkcfg f2 export1 r f2.sh
mkfs.ext2 -q -F -b 4096 -d "$t" "$img" 128M >/dev/null || { echo "ERROR - mkfs.ext2"; exit 1; }
dstat() { debugfs -R "stat $1" "$img" 2>/dev/null | grep -E '^(Inode|Links|Size|.*time)' | grep -v atime; }
# shellcheck disable=SC2034 # read by an ok_or (eval) below
canary_before=$(dstat /outside/canary)

boot() {                # name: a machine on the image, its log $work/NAME.log
	log=$work/$1.log
	dom0_boot 1200 "$1"
	keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - $1: the keyboard does not reach Domain 0"; fail=1; }
}
run_domain() {          # name export mode-text
	type "vm create /disk/vm/$1.cfg"
	check "^domain [0-9]+: fs /host is /disk/$2$3, served by process [0-9]+" 10 \
		"$1: vm create starts the forwarding server"
	keyboard_to "the hypervisor" || { echo "FAILED - $1: the keyboard does not reach the hypervisor"; fail=1; }
	check "domain [0-9]+ \\($1\\): shut down: poweroff" 900 "$1 powers off"
	keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - $1: the keyboard does not reach Domain 0"; fail=1; }
	check "vm-back\\[$1 /host\\]: done: [0-9]+ requests served, 0 refused as malformed" 30 \
		"$1's server stops when $1 is gone, nothing refused"
}
halt() {
	type 'sync'
	dom0_halt "$1: the machine stops"
}
has() {                 # FILE LINE: the domain printed LINE
	grep -qxF -- "$2" "$1" && return
	echo "FAILED - no line '$2'; the domain printed:"
	sed 's/^/    | /' "$1" | tail -60
	fail=1
}
ok_or() { if eval "$1"; then echo "ok - $2"; else echo "FAILED - $2"; fail=1; fi; }

# ---- first machine: f, then g
boot first
run_domain f export1 ""
run_domain g export2 ""
halt first
tools/domain-output.sh f "$log" > "$work/f.out"
tools/domain-output.sh g "$log" > "$work/g.out"
has "$work/f.out" "f.sh: done"
grep -qE '^domain1 /host fsif rw 0 0$' "$work/f.out" && echo "ok - /proc/mounts lists /host" ||
	{ echo "FAILED - /proc/mounts does not list /host"; fail=1; }
for p in files fd_calls; do
	has "$work/f.out" "SAME $p"
	grep -q "^$p on fwd: TEST RESULT: SUCCESS" "$work/f.out" && echo "ok - $p on the forwarded mount" ||
		{ echo "FAILED - $p on the forwarded mount"; fail=1; }
done
has "$work/f.out" "SAME proc_fs"
has "$work/f.out" "proc_fs on fwd: 1 not ok: not ok  - lstat sees the link, stat the file it names"
grep -q '^TEST RESULT: SUCCESS' "$work/f.out" && echo "ok - fwd_escape: every way out stays inside" ||
	{ echo "FAILED - fwd_escape"; grep -a '^not ok\|^race' "$work/f.out"; fail=1; }
grep -a '^race:' "$work/f.out"
has "$work/f.out" "CWD /host/sub"
has "$work/f.out" "UP 1"
has "$work/f.out" "MD5 big-copy $(md5sum < "$t/export1/big")"
has "$work/f.out" "busybox from the forwarded mount runs"
has "$work/g.out" "g.sh: done"
has "$work/g.out" "G-LS mine.txt "
has "$work/g.out" "only in export2"
has "$work/g.out" "G-NO-HELLO"
has "$work/g.out" "G-NO-EXPORT1"
has "$work/g.out" "G-NO-LINK-WAY"
text | grep -aE 'vm-back\[(f|g) /host\]' | sed 's/^/    /'

# ---- the host reads Domain 0's disk
PATH=/usr/sbin:/sbin:$PATH
e2fsck -fn "$img" > "$work/fsck.out" 2>&1 && echo "ok - e2fsck -fn of Domain 0's disk is clean" ||
	{ echo "FAILED - e2fsck -fn"; cat "$work/fsck.out"; fail=1; }
on_disk() { debugfs -R "cat $1" "$img" 2>/dev/null; }
ok_or '[ "$(on_disk /outside/canary)" = CANARY ]' "the canary outside the exports is unchanged"
ok_or '[ "$(dstat /outside/canary)" = "$canary_before" ]' "... its inode too (size, links, times)"
ok_or '[ "$(debugfs -R "ls /outside" "$img" 2>/dev/null | grep -oE "[^ ]+" | grep -vE "^\(|^[0-9]+$|^\.\.?$" | sort | tr "\n" " ")" = "canary " ]' \
	"nothing new beside the canary"
ok_or '[ "$(on_disk /export1/persist/note.txt)" = "written by the f domain" ]' "f's note is in export1"
ok_or 'on_disk /export1/persist/big-copy | cmp -s - "$t/export1/big"' "f's copy of big is in export1"
ok_or 'on_disk /export1/persist/busybox | cmp -s - "$BUILD/busybox/bin/busybox"' "f's copy of busybox is in export1"
ok_or '[ "$(on_disk /export1/outside/new-rel)" = MADE ]' "what f made through a link out is in export1/outside"
ok_or '[ "$(on_disk /export2/g.txt)" = "g was here" ]' "g's file is in export2"
ok_or '! debugfs -R "ls /export1" "$img" 2>/dev/null | grep -q "g.txt"' "g's file is not in export1"

# ---- second machine: f2 on export1, read-only
boot second
run_domain f2 export1 " \\(read-only\\)"
halt second
tools/domain-output.sh f2 "$log" > "$work/f2.out"
grep -qE '^domain1 /host fsif ro 0 0$' "$work/f2.out" && echo "ok - f2: /proc/mounts says ro" ||
	{ echo "FAILED - f2: /proc/mounts"; fail=1; }
has "$work/f2.out" "written by the f domain"
has "$work/f2.out" "MD5 big-copy $(md5sum < "$t/export1/big")"
has "$work/f2.out" "touch refused: EROFS"
has "$work/f2.out" "mkdir refused: EROFS"
has "$work/f2.out" "rm refused: EROFS"
has "$work/f2.out" "f2.sh: done"
e2fsck -fn "$img" > "$work/fsck.out" 2>&1 && echo "ok - e2fsck -fn clean after the second machine" ||
	{ echo "FAILED - e2fsck -fn after the second machine"; fail=1; }
verdict fwdio_disk "a domain's file calls forwarded to Domain 0, confined to its export, kept on the disk" 60
