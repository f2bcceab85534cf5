#!/usr/bin/env bash
# A split disk whose backend dies (docs/io.md, "Split block driver": the
# frontend): Domain 0 creates the pv domain "dead" with a disk, then kills
# its backend process. In the domain, the next read of /dev/xvda fails
# with EIO after blkfront's 30 s timeout (not a hang), the one after it at
# once, a file read on the mount fails too, and the domain still powers
# off (the unmount's writes fail at once). Domain 0 and its disk are
# untouched: it creates a second domain on another image, which works.
. tests/scripts/splitio_lib.sh
log=$work/run.log

mkdir -p "$work/outer/vm"
ext2_tree "$work/t"
mkfs.ext2 -q -F -b 4096 -d "$work/t" "$work/outer/vm/a.img" 8M || { echo "ERROR - mkfs.ext2"; exit 1; }
cp "$work/outer/vm/a.img" "$work/outer/vm/b.img"
cat > "$work/dead.sh" <<'EOF'
#!/bin/sh
echo "dead.sh: $(cat /mnt/host/hello.txt)"
read go         # Domain 0 types a line once the backend is dead
a=$(date +%s)
dd if=/dev/xvda of=/dev/null bs=4096 count=1 skip=1000 2>/dev/null; echo "first read: status $?"
b=$(date +%s)
dd if=/dev/xvda of=/dev/null bs=4096 count=1 skip=1500 2>/dev/null; echo "second read: status $?"
c=$(date +%s)
echo "took $((b - a)) s, then $((c - b)) s"
cat /mnt/host/big > /dev/null 2>&1; echo "file read: status $?"
echo "dead.sh: done"
poweroff -f
EOF
cat > "$work/alive.sh" <<'EOF'
#!/bin/sh
echo "alive.sh: $(cat /mnt/host/hello.txt)"
echo "alive.sh: done"
poweroff -f
EOF
ext2_cpio "$work/outer/vm/d.cpio" "$work/dead.sh:dead.sh" "$work/alive.sh:alive.sh" ||
	{ echo "ERROR - the domain's initramfs"; exit 1; }
for n in dead alive; do
	d=a
	[ $n = alive ] && d=b
	cat > "$work/outer/vm/$n.cfg" <<CFG
name = "$n"
kernel = "/boot/ringos-pv.elf"
initrd = "/disk/vm/d.cpio"
memory = 32
disk = "/disk/vm/$d.img"
cmdline = "hostname=$n init=/bin/sh /$n.sh"
CFG
done
mkfs.ext2 -q -F -b 4096 -d "$work/outer" "$img" 48M >/dev/null || { echo "ERROR - mkfs.ext2 (outer)"; exit 1; }

dom0_boot 900
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
type 'vm create -p /disk/vm/dead.cfg && (sleep 8; vm unpause dead) &'
check '^domain 2: disk xvda is /disk/vm/a.img, served by process [0-9]+' 10 "dead's backend starts"
pid=$(last 'disk xvda is /disk/vm/a.img, served by process [0-9]+' | awk '{print $NF}')
keyboard_to "the hypervisor" || { echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[dead\] dead.sh: hello from the host' 120 "dead reads its disk"
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
[ -n "$pid" ] || { echo "FAILED - no backend process id"; fail=1; }
type "kill -9 $pid; echo killed=\$?"
check '^killed=0' 10 "Domain 0 kills dead's backend"
in_dom dead 'go'
keyboard_to "the hypervisor" || { echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[dead\] first read: status 1' 120 "the first read after the backend's death fails"
check '\[dead\] blkfront: xvda: the backend did not answer in 30 s' 5 \
	"... after blkfront's timeout, said once"
check '\[dead\] second read: status 1' 20 "the next fails too"
check '\[dead\] took [2-9][0-9] s, then [0-2] s' 5 "the first waited out the timeout, the second failed at once"
check '\[dead\] file read: status 1' 20 "a file read on the mount fails"
check 'domain 2 \(dead\): shut down: poweroff' 120 "dead still powers off"
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
type 'vm create -p /disk/vm/alive.cfg && (sleep 8; vm unpause alive) &'
check '^domain [0-9]+: disk xvda is /disk/vm/b.img, served by process [0-9]+' 10 "alive's backend starts"
keyboard_to "the hypervisor" || { echo "FAILED - the keyboard does not reach the hypervisor"; fail=1; }
check '\[alive\] alive.sh: hello from the host' 120 "a new domain's split disk works"
check 'domain [0-9]+ \(alive\): shut down: poweroff' 120 "alive powers off"
keyboard_to "domain 1 \\(dom0\\)" || { echo "FAILED - the keyboard does not reach Domain 0"; fail=1; }
dom0_halt "Domain 0 powers off, the machine stops"
e2fsck -fn "$img" > "$work/fsck.txt" 2>&1 && echo "ok - Domain 0's disk passes e2fsck -fn" ||
	{ echo "FAILED - Domain 0's disk: e2fsck"; tail "$work/fsck.txt"; fail=1; }
verdict splitio_deadback "a dead backend: the domain's requests fail with EIO (one timeout, then at once), it powers off, Domain 0 goes on" 60
