#!/usr/bin/env bash
# `make run` as a person uses it, in a real terminal: tmux gives it a
# pseudo-terminal (so QEMU's mon:stdio takes Ctrl-a as its escape, as it
# does for a person) and this script presses exactly the keys the README
# documents, reading the screen after each: Ctrl-] moves the keyboard to
# Domain 0, `vm list` there shows the four domains; Ctrl-] to vm1, a
# command runs there; Ctrl-] to vm2, a command runs there, vi opens,
# takes text and quits; Ctrl-] to vm3 (the bt domain), a command runs there;
# Ctrl-] back to the hypervisor, 'e' lists the
# domains; Ctrl-a x quits QEMU. No key may be answered with "none such"
# (the terminal's own replies are never taken for hypervisor keys).
set -u
BUILD=${BUILD:-build}
if ! tmux -V >/dev/null 2>&1; then
	echo "make_run_pty: tmux does not run (make setup installs it)"
	exit 1
fi
case ${TERM:-dumb} in dumb | unknown) export TERM=xterm ;; esac
sock=ringvisor-pty-$$
work=$(mktemp -d)
T() { tmux -L "$sock" "$@"; }
cleanup() {
	T kill-server 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

T -f /dev/null new-session -d -s run -x 100 -y 30 \
	"make --no-print-directory run; echo MAKE-RUN-EXITED \$?; sleep 120"
T pipe-pane -t run -o "cat >> $work/pane.log"

history() { T capture-pane -p -J -t run -S -2000; }      # the screen and what scrolled off
visible() { T capture-pane -p -t run; }                  # the screen now
keys() { T send-keys -t run "$@"; }
wait_for() {            # what (history|visible), pattern, seconds
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		$1 | grep -aEq -- "$2" && return 0
		sleep 0.2
	done
	return 1
}

fail=0
step() {                # what, pattern, seconds, description
	if wait_for "$1" "$2" "$3"; then
		echo "ok - $4"
	else
		echo "FAILED - $4 (the screen lacks /$2/)"; fail=1
	fi
}

step history '^\[dom0\] dom0:~# ' 150 "Domain 0 is at its busybox prompt"
step history '^\[vm1\] vm1:~# ' 60 "vm1 is at its busybox prompt"
step history '^\[vm2\] vm2:~# ' 30 "vm2 is at its busybox prompt"
step history '^\[vm3\] vm3:~# ' 60 "vm3 is at its busybox prompt"
[ $fail = 0 ] || { echo "--- screen"; history | tail -30; exit 1; }

keys C-]
step visible 'console input now goes to domain 1 \(dom0\); Ctrl-\] moves it on' 10 "Ctrl-] gives Domain 0 the keyboard"
keys 'vm list' Enter
step visible '^vm3 +4 bt +64 ' 15 "vm list in Domain 0 shows the bt domain vm3"

keys C-]
step visible 'console input now goes to domain 2 \(vm1\); Ctrl-\] moves it on' 10 "Ctrl-] gives vm1 the keyboard"
step visible '^vm1:~# ?$' 5 "vm1's prompt is drawn again under the message"
keys 'echo hello-$(hostname)' Enter
step visible '^hello-vm1$' 15 "a command typed in vm1 runs there"

keys C-]
step visible 'console input now goes to domain 3 \(vm2\)' 10 "Ctrl-] again gives vm2 the keyboard"
keys 'echo hi-$(hostname)' Enter
step visible '^hi-vm2$' 15 "a command typed in vm2 runs there"

keys 'vi /tmp/note' Enter
if wait_for visible '/tmp/note [0-9]+/[0-9]+' 15 && [ "$(visible | grep -c '^~ *$')" -ge 10 ]; then
	echo "ok - vi draws its screen in vm2 (empty lines marked ~, the file named at the bottom)"
else
	echo "FAILED - vi did not draw its screen in vm2"; fail=1
	visible | sed 's/^/    | /'
fi
keys i 'typed in vi' Escape
sleep 0.5
keys ':wq' Enter
step visible '^vm2:~# ?$' 15 "vi quits back to the shell"
keys 'cat /tmp/note' Enter
step visible '^typed in vi$' 15 "what was typed in vi is in the file"

keys C-]
step visible 'console input now goes to domain 4 \(vm3\)' 10 "Ctrl-] again gives vm3 (bt) the keyboard"
keys 'echo bt-$(hostname) $((6 * 7))' Enter
step visible '^bt-vm3 42$' 20 "a command typed in vm3 runs there"

keys C-]
step visible "console input now goes to the hypervisor \('h' for help\)" 10 "Ctrl-] again gives the keyboard back to the hypervisor"
keys e
# The history, not the screen: vm3's exit table (a bt domain's is long, and
# how long depends on what it met) can push its first line off the screen.
step history 'domain 4 \(vm3\): (runnable|blocked), weight' 10 "'e' lists the domains"

for bad in 'none such' 'no action for key' 'key 0x1b'; do
	if history | grep -aq -- "$bad"; then
		echo "FAILED - the screen shows '$bad':"; history | grep -a -- "$bad" | head -3 | sed 's/^/    | /'; fail=1
	fi
done
[ $fail = 0 ] && echo "ok - no key was answered with 'none such'"

keys C-a x
step history '^MAKE-RUN-EXITED' 20 "Ctrl-a x quits QEMU and make run returns"

if [ $fail != 0 ]; then
	echo "--- the screen with its history (last 40 lines)"
	history | grep -v '^$' | tail -40 | sed 's/^/    | /'
	echo "make_run_pty: FAILED"
	exit 1
fi
echo "make_run_pty: make run's keys work in a real terminal"
