#!/usr/bin/env bash
# Domain 0's forwarding server against a hostile client (docs/io.md,
# "System-call forwarding"): Domain 0 (its disk an ext2 image made here)
# creates a bystander "by", a ringos pv domain copying files on its own
# forwarded export, and "hostile" (tests/guests/fwdhostile), which speaks
# fsif over the raw ring to its own server: calls before attach, a wrong
# version, segments never granted, past the table, granted to another
# domain or read-only, past their page; counts past the segments; five
# and 65535 data segments; handles out of range and closed; opcodes 0, 99,
# 0xffff; flags fsif does not carry; empty, overlong, NUL-holding paths
# and ways out; each must get its documented errno while honest calls go
# on being answered; then it lies about req_prod: its server lets go of
# the ring, says so in one line and exits. The bystander finishes its
# copies correctly; Domain 0's disk passes e2fsck and the canary beside
# the exports is unchanged.
. tests/scripts/splitio_lib.sh
log=$work/run.log

t=$work/outer
mkdir -p "$t/vm" "$t/hexport" "$t/byexport" "$t/outside"
printf 'hello from dom0\n' > "$t/hexport/hello.txt"
printf 'CANARY\n' > "$t/outside/canary"
head -c 100000 /dev/urandom > "$t/byexport/big"
cat > "$work/by.sh" <<'EOF'
#!/bin/sh
sleep 5; want=$(md5sum < /host/big)
bad=0
for i in 1 2 3 4; do
	cp /host/big /host/c$i
	[ "$(md5sum < /host/c$i)" = "$want" ] || bad=$((bad + 1))
done
rm /host/c1 /host/c3
echo "by.sh: 4 copies, $bad bad"
poweroff -f
EOF
ext2_cpio "$t/vm/by.cpio" "$work/by.sh:by.sh" || { echo "ERROR - the bystander's initramfs"; exit 1; }
cp "$BUILD/guests/fwdhostile.elf" "$t/vm/" || { echo "ERROR - no fwdhostile.elf (make test-build)"; exit 1; }
cat > "$t/vm/by.cfg" <<'CFG'
name = "by"
kernel = "/boot/ringos-pv.elf"
initrd = "/disk/vm/by.cpio"
memory = 32
fs = "/disk/byexport"
cmdline = "hostname=by init=/bin/sh /by.sh"
CFG
cat > "$t/vm/hostile.cfg" <<'CFG'
name = "hostile"
kernel = "/disk/vm/fwdhostile.elf"
memory = 8
fs = "/disk/hexport,/host"
CFG
mkfs.ext2 -q -F -b 4096 -d "$t" "$img" 64M >/dev/null || { echo "ERROR - mkfs.ext2"; exit 1; }
PATH=/usr/sbin:/sbin:$PATH

dom0_boot 900
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
type 'vm create /disk/vm/by.cfg && vm create /disk/vm/hostile.cfg'
check '^domain 2: fs /host is /disk/byexport, served by process' 10 "the bystander's server starts"
check '^domain 3: fs /host is /disk/hexport, served by process' 10 "hostile's server starts"
keyboard_to "the hypervisor" && echo "ok - the hypervisor has the keyboard: every domain's output flows" ||
	{ echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[hostile\] TEST RESULT: SUCCESS' 180 "hostile: every request answered as documented"
check 'domain 3 \(hostile\): shut down: poweroff' 60 "hostile powers off"
check '\[by\] by.sh: 4 copies, 0 bad' 600 "the bystander's copies on its forwarded mount are whole"
check 'domain 2 \(by\): shut down: poweroff, exit code 0' 60 "the bystander powers off"
keyboard_to "domain 1 \\(dom0\\)" && echo "ok - Domain 0 has the keyboard again" ||
	{ echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
check 'vm-back\[hostile /host\]: the domain broke its ring \(indices that lie\): no longer serving /disk/hexport' 20 \
	"hostile's server says in one line that the ring lied, and stops"
check 'vm-back\[hostile /host\]: done: [0-9]+ requests served, [1-9][0-9]* refused as malformed' 20 \
	"... having refused the malformed requests"
check 'vm-back\[by /host\]: done: [0-9]+ requests served, 0 refused as malformed' 30 \
	"the bystander's server stops, nothing refused"
type 'vm list'
dom0_halt "Domain 0 powers off, the machine stops"
text | grep -a 'vm-back\[' | sed 's/^/    /'
for f in hostile by; do
	tools/domain-output.sh "$f" "$log" | grep -E '^(  |not ok|TEST|ok)' | sed "s/^/    $f: /"
done
e2fsck -fn "$img" > "$work/fsck.txt" 2>&1 && echo "ok - Domain 0's disk passes e2fsck -fn" ||
	{ echo "FAILED - Domain 0's disk: e2fsck"; tail "$work/fsck.txt"; fail=1; }
[ "$(debugfs -R 'cat /outside/canary' "$img" 2>/dev/null)" = CANARY ] && echo "ok - the canary is unchanged" ||
	{ echo "FAILED - the canary changed"; fail=1; }
debugfs -R 'cat /byexport/c2' "$img" 2>/dev/null | cmp -s - "$t/byexport/big" &&
	echo "ok - the bystander's copy is on Domain 0's disk" || { echo "FAILED - /byexport/c2"; fail=1; }
verdict fwdio_hostile "the forwarding server answers a hostile client with the documented errnos and survives it; the bystander finishes" 60
