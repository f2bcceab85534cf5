#!/usr/bin/env bash
# Domain 0's toolstack as a person uses it (docs/control.md): ringvisor boots
# Domain 0 (configs/dom0.cfg: ringos with /bin/vm, images in /boot, configs
# in /etc/vm) beside vm1; the keyboard moves to Domain 0 (Ctrl-]) and there
# `vm` lists the domains, creates one from a config on Domain 0's
# filesystem, pauses and unpauses it, attaches to its console (a command
# typed there runs there; Ctrl-\ detaches), changes its weight, shows
# `vm top`, destroys it, and refuses bad requests with the reason. vm1 and
# Domain 0 then power off.
. tests/scripts/session.sh
. tests/scripts/dom0_lib.sh
PROMPT='dom0:[^ ]*# '
TYPE_WAIT=60
machine 240 256 "$BUILD/ringos-pv.elf,$BUILD/initramfs/dom0.cpio,configs/dom0.cfg,$BUILD/initramfs/busybox.cpio,configs/vm1.cfg"

check '\[dom0\] dom0:~# ' 120 "Domain 0 is at its prompt"
check '\[vm1\] vm1:~# ' 60 "vm1 is at its prompt"
check 'domain 1 \(dom0\): pv, ' 1 "Domain 0 is built first (domain 1)"
printf '\035' >&$fd
check 'console input now goes to domain 1 \(dom0\)' 10 "Ctrl-] gives Domain 0 the keyboard"
type 'vm list'
check '^dom0 +1 pv +128 +512 .*\(Domain 0\)' 1 "vm list: Domain 0"
check '^vm1 +2 pv +64 +256 ' 1 "vm list: vm1"
type 'vm create /etc/vm/web.cfg'
check '^domain 3 \(web\) created from /etc/vm/web.cfg: pv, 32 MiB' 5 "vm create: web from /etc/vm/web.cfg"
type 'vm pause web; vm list | grep ^web'
check '^web +3 pv +32 +256 paused ' 5 "vm pause: web is paused"
type 'vm unpause web && vm weight web 1024 && vm list | grep ^web'
check '^web +3 pv +32 +1024 (running|blocked) ' 5 "vm unpause, vm weight: web runs with weight 1024"
n=$(count_prompts "$log")
printf 'vm console web\r' >&$fd
check 'vm: attached to web \(domain 3\)' 10 "vm console web attaches"
sleep 1
printf 'echo typed-in-$(hostname)\r' >&$fd
check '^typed-in-web' 20 "a command typed through vm console runs in web"
printf '\034' >&$fd
check 'vm: detached from web' 10 "Ctrl-\\ detaches"
wait_prompt "$log" "$n" 20 || { echo "FAILED - no Domain 0 prompt after detaching"; fail=1; }
type 'vm top -n 1 | grep -c "^web "'
check '^1$' 5 "vm top shows web"
type 'vm destroy web; vm list | grep -c ^web'
check '^0$' 5 "vm list no longer shows web"
type 'vm create /etc/vm/nonesuch.cfg; echo status=$?'
check "^vm: config '/etc/vm/nonesuch.cfg': No such file or directory" 5 "a missing config: named, with the reason"
check '^status=1$' 1 "... and exit status 1"
type 'printf "name = \"vm1\"\nkernel = \"/boot/ringos-pv.elf\"\n" > /tmp/dup.cfg; vm create /tmp/dup.cfg'
check "^vm: create /tmp/dup.cfg: name 'vm1' is taken by domain 2" 5 "a name in use is refused with the reason"
type 'printf "kernel = \"/boot/ringos-pv.elf\"\nmemory = lots\n" > /tmp/bad.cfg; vm create /tmp/bad.cfg'
check "^vm: create /tmp/bad.cfg: config: line 2: memory: 'lots' is not a size" 5 "a bad config line is refused with its line"
type 'vm pause dom0'
check "^vm: pause dom0 \(domain 1\): Domain 0 cannot do that to itself" 5 "Domain 0 cannot pause itself"
type 'vm pause nosuch'
check "^vm: domain 'nosuch': no such domain" 5 "an unknown domain is named"
type 'ls -l /dev/rvctl'
check '^crw------- .* 10, +240 .*/dev/rvctl' 5 "/dev/rvctl is root's alone"
printf '\035' >&$fd
check 'console input now goes to domain 2 \(vm1\)' 10 "Ctrl-] gives vm1 the keyboard"
# The hypervisor's messages waited while Domain 0 had the keyboard.
check 'domain 3 \(web\): created by Domain 0 \(dom0\), paused' 1 "the log tells web's creation"
check 'domain 3 \(web\): shut down: destroyed by Domain 0' 1 "the log tells web's destruction"
printf 'ls /dev/rvctl; echo vm1-status=$?\r' >&$fd
check '^vm1-status=1' 10 "vm1 (not Domain 0) has no /dev/rvctl"
power_off
verdict dom0_toolstack "Domain 0 created, paused, attached to and destroyed a domain with vm" 40
