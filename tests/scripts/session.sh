# A person at a console, for the scenario scripts that type at a guest's
# shell through QEMU's serial line (busybox_shell.sh, linux_hw.sh). Source
# it; it sets BUILD, QEMU's settings, a scratch directory $work removed on
# exit (with the QEMU of $qpid killed and the fifo on $fd closed), and:
#   count_prompts LOG          how many times PROMPT (a regex) appears in LOG
#   wait_prompt LOG N SECONDS  until LOG has more than N prompts: 0, or 1
set -u
BUILD=${BUILD:-build}
. tools/qemu-env.sh
work=$(mktemp -d)
cleanup() {
	[ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null
	exec {fd}>&- 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail=0

count_prompts() { tr -d '\r' < "$1" | grep -ao "$PROMPT" | wc -l; }

wait_prompt() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(count_prompts "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
