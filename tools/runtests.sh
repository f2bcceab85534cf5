#!/usr/bin/env bash
# ringvisor test harness: runs the host unit tests, then every test listed in
# tests/tests.cfg, and ends with the line "N passed, N failed, N skipped".
# Exit status: 0 when nothing failed. See docs/testing.md.
#
#   tools/runtests.sh [-c CFG] [-g GROUP] [-k NAME] [-j JOBS] [-v]
#     -c CFG     the test list (default tests/tests.cfg); skips the unit tests
#     -g GROUP   only tests of this group ("unit" for the host unit tests)
#     -k NAME    only the test called NAME (repeatable)
#     -j JOBS    QEMU tests run in parallel (default: number of CPUs)
#     -v         print every log, not only the logs of failures
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
. tools/qemu-env.sh
CFG=tests/tests.cfg
LOGDIR=$BUILD/test-logs${LOGDIR_SUFFIX:+-$LOGDIR_SUFFIX}
GROUP= ; NAMES=() ; VERBOSE=0 ; JOBS=$(nproc 2>/dev/null || echo 2) ; UNIT=1

while getopts "c:g:k:j:v" opt; do
	case $opt in
	c) CFG=$OPTARG UNIT=0 ;;
	g) GROUP=$OPTARG ;;
	k) NAMES+=("$OPTARG") ;;
	j) JOBS=$OPTARG ;;
	v) VERBOSE=1 ;;
	*) sed -n '5,11p' "$0"; exit 2 ;;
	esac
done

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
passed=0 failed=0 skipped=0
failed_names=()

# Exit statuses: isa-debug-exit turns a code c into (c << 1) | 1.
RC_SUCCESS=1 RC_FAILURE=3 RC_ERROR=5 RC_SKIP=7 RC_PANIC=65 RC_TIMEOUT=124

selected() {        # name group
	[ -n "$GROUP" ] && [ "$GROUP" != "$2" ] && return 1
	[ ${#NAMES[@]} -eq 0 ] && return 0
	local n
	for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

show_log() {        # file
	echo "    --- last lines of $1 ---"
	tail -n 40 "$1" | sed 's/^/    | /'
}

# ---------------------------------------------------------------- unit tests
run_unit_tests() {
	local bin name log out ok notok rc
	for bin in "$BUILD"/unit/test_*; do
		[ -x "$bin" ] || continue
		name=unit/${bin##*/test_}
		selected "$name" unit || continue
		log=$LOGDIR/${name//\//_}.log
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$bin" > "$log" 2>&1
		rc=$?
		ok=$(grep -c '^ok ' "$log")
		notok=$(grep -c '^not ok ' "$log")
		passed=$((passed + ok))
		failed=$((failed + notok))
		if [ $rc -ne 0 ] || [ "$notok" -ne 0 ] || [ "$ok" -eq 0 ]; then
			[ "$notok" -eq 0 ] && failed=$((failed + 1))   # crashed or ran nothing
			failed_names+=("$name")
			echo "FAIL  $name: $ok passed, $notok failed, exit status $rc"
			grep -E '^not ok|ERROR|Assert|Sanitizer' "$log" | head -20 | sed 's/^/    | /'
		else
			echo "PASS  $name ($ok cases)"
			[ $VERBOSE = 1 ] && sed 's/^/    | /' "$log"
		fi
	done
}

# ----------------------------------------------------------- environments
# Where a test can run (docs/testing.md). The techniques still to come have
# their names already, so tests can be written for them: a test that names
# only those is skipped, not failed, until they are built.
ENVS_BUILT="hv pv native ringos-pv hw hwshadow bt hwguest hwsguest btguest"
ENVS_PLANNED=""

# The environment a kernel test runs in; or, when it names only planned
# ones, the reason it is skipped, and status 1.
run_env() {         # index
	local env built= planned=()
	for env in ${T_ENVS[$1]}; do
		if [[ " $ENVS_BUILT " == *" $env "* ]]; then
			built=$env
		else
			planned+=("mode $env not built yet")
		fi
	done
	if [ -n "$built" ]; then
		echo "$built"
		return 0
	fi
	local IFS=';'
	echo "${planned[*]}" | sed 's/;/; /g'
	return 1
}

# ------------------------------------------------------------ tests.cfg parse
# Produces one record per test in the arrays below, indexed alike.
T_NAME=() T_KERNEL=() T_TYPE=() T_FILE=() T_ENVS=() T_GROUP=() T_TIMEOUT=()
T_APPEND=() T_MODULES=() T_INPUT=() T_EXIT=() T_EXPECT=() T_DOMAIN=() T_MEM=() T_INSTANCES=()
parse_cfg() {
	local line key val i=-1 lineno=0
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		case $line in ''|'#'*) continue ;; esac
		if [[ $line =~ ^\[([A-Za-z0-9_.-]+)\]$ ]]; then
			i=$((i + 1))
			T_NAME[i]=${BASH_REMATCH[1]}; T_KERNEL[i]=${BASH_REMATCH[1]}
			T_TYPE[i]=kernel T_FILE[i]= T_ENVS[i]=hv T_GROUP[i]=default T_TIMEOUT[i]=60
			T_APPEND[i]= T_MODULES[i]= T_INPUT[i]= T_EXIT[i]=success T_EXPECT[i]=
			T_DOMAIN[i]= T_MEM[i]=$QEMU_MEM T_INSTANCES[i]=1
			continue
		fi
		if ! [[ $line =~ ^([a-z_]+)[[:space:]]*=[[:space:]]?(.*)$ ]] || [ $i -lt 0 ]; then
			echo "error: $CFG:$lineno: cannot parse '$line'" >&2
			exit 2
		fi
		key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		case $key in
		kernel) T_KERNEL[i]=$val ;;
		type) T_TYPE[i]=$val ;;
		file) T_FILE[i]=$val ;;
		envs) T_ENVS[i]=$val ;;
		group) T_GROUP[i]=$val ;;
		timeout) T_TIMEOUT[i]=$val ;;
		append) T_APPEND[i]=$val ;;
		modules) T_MODULES[i]=$val ;;
		input) T_INPUT[i]=$val ;;
		exit) T_EXIT[i]=$val ;;
		expect) T_EXPECT[i]+="$val"$'\n' ;;
		domain) T_DOMAIN[i]=$val ;;
		memory) T_MEM[i]=$val ;;
		instances) T_INSTANCES[i]=$val ;;
		*) echo "error: $CFG:$lineno: unknown key '$key'" >&2; exit 2 ;;
		esac
		if [ "$key" = envs ]; then
			local env nbuilt=0
			for env in $val; do
				[[ " $ENVS_BUILT " == *" $env "* ]] && nbuilt=$((nbuilt + 1)) && continue
				[[ " $ENVS_PLANNED " == *" $env "* ]] && continue
				echo "error: $CFG:$lineno: unknown environment '$env' (known: $ENVS_BUILT $ENVS_PLANNED)" >&2
				exit 2
			done
			if [ $nbuilt -gt 1 ] || [ -z "$val" ]; then
				echo "error: $CFG:$lineno: envs must name one of $ENVS_BUILT (and may add $ENVS_PLANNED)" >&2
				exit 2
			fi
		fi
	done < "$CFG"
}

# ------------------------------------------------------------- one QEMU test
# Writes "PASS|FAIL|SKIP<US>reason<US>seconds" to $LOGDIR/NAME.result
# (US, the ASCII unit separator, because a reason may contain anything else).
# no_image FILE WHAT DIR: when the image FILE of test $i is missing, its
# result says so (FAIL) and this returns 0 (run_kernel_test's variables).
no_image() {
	[ -f "$1" ] && return 1
	printf 'FAIL\037no %s %s (is there a %s/%s/?)\n' "$2" "$1" "$3" "${T_KERNEL[i]}" > "$res.tmp"
	mv "$res.tmp" "$res"
}

run_kernel_test() {     # index env
	local i=$1 env=$2 name=${T_NAME[$1]}
	local log=$LOGDIR/$name.log res=$LOGDIR/$name.result
	local elf=$BUILD/tests/${T_KERNEL[i]}.elf append=${T_APPEND[i]} modules=${T_MODULES[i]}
	local status reason rc start end

	if [ "$env" = native ]; then
		# ringos on the bare PC; its initramfs has the test program
		# (guest/user/NAME.c) as /init and every program in /bin.
		local prog=$BUILD/initramfs/${T_KERNEL[i]}.cpio
		if [ ! -f "$prog" ]; then
			printf 'FAIL\037no program %s (is there a guest/user/%s.c?)\n' "$prog" "${T_KERNEL[i]}" > "$res.tmp"
			mv "$res.tmp" "$res"
			return
		fi
		elf=$BUILD/ringos-pc.elf
		modules="$prog${modules:+,$modules}"
	fi
	if [ "$env" = ringos-pv ] || [ "$env" = hw ] || [ "$env" = hwshadow ] || [ "$env" = bt ]; then
		# ringos as a domain of the stock hypervisor, with the same
		# initramfs as the native run: its pv port as a pv domain, or the
		# very ringos-pc.elf of the native run, unmodified, as a hw (SVM)
		# domain.
		local cpio=$BUILD/initramfs/${T_KERNEL[i]}.cpio
		local kernel="$BUILD/ringos-pv.elf name=ringos"
		[ "$env" = hw ] && kernel="$BUILD/ringos-pc.elf name=ringos mode=hw"
		[ "$env" = hwshadow ] && kernel="$BUILD/ringos-pc.elf name=ringos mode=hw npt=off"
		[ "$env" = bt ] && kernel="$BUILD/ringos-pc.elf name=ringos mode=bt"
		elf=$BUILD/hv/hv.elf
		append="on_empty=exit $append"
		modules="$kernel memory=96M initrd=$cpio,$cpio${modules:+,$modules}"
	fi
	local hwname=
	if [ "$env" = hwguest ] || [ "$env" = hwsguest ] || [ "$env" = btguest ]; then
		# A hw test guest (tests/hwguests/NAME/, docs/hw-tests.md): a
		# multiboot kernel as a hw (SVM) domain of the stock hypervisor,
		# 16 MiB unless domain says otherwise, the other modules (a
		# bystander) beside it. Only its own result line counts; the
		# others are checked with expect lines.
		local guest=$BUILD/hwguests/${T_KERNEL[i]}.elf
		no_image "$guest" "hw guest image" "tests/hwguests" && return
		elf=$BUILD/hv/hv.elf
		append="on_empty=exit $append"
		hwname=${T_KERNEL[i]}
		[[ " ${T_DOMAIN[i]}" =~ \ name=([^ ]+) ]] && hwname=${BASH_REMATCH[1]}
		local gmode=hw
		[ "$env" = btguest ] && gmode=bt
		[ "$env" = hwsguest ] && gmode="hw npt=off"
		local opts="name=$hwname mode=$gmode"
		[[ " ${T_DOMAIN[i]}" == *" name="* ]] && opts="mode=$gmode"
		[[ " ${T_DOMAIN[i]}" == *" memory="* ]] || opts+=" memory=16M"
		modules="$guest $opts${T_DOMAIN[i]:+ ${T_DOMAIN[i]}}${modules:+,$modules}"
	fi
	if [ "$env" = pv ]; then
		# The stock hypervisor with the test guest as its first module; it
		# exits when the last domain has stopped, with the worst status.
		local guest=$BUILD/guests/${T_KERNEL[i]}.elf
		no_image "$guest" "guest image" "tests/guests" && return
		elf=$BUILD/hv/hv.elf
		append="on_empty=exit $append"
		local name="name=${T_KERNEL[i]} " n
		[[ " ${T_DOMAIN[i]}" == *" name="* ]] && name=
		local guests="$guest $name${T_DOMAIN[i]}"
		for n in $(seq 2 "${T_INSTANCES[i]}"); do
			guests+=",$guest ${name:+name=${T_KERNEL[i]}$n }${T_DOMAIN[i]}"
		done
		modules="$guests${modules:+,$modules}"
	fi
	if [ ! -f "$elf" ]; then
		printf 'FAIL\037no image %s (is there a tests/kernels/%s/?)\n' "$elf" "${T_KERNEL[i]}" > "$res.tmp"
		mv "$res.tmp" "$res"
		return
	fi
	# shellcheck disable=SC2206 # QEMU_MACHINE is a list of words
	local args=($QEMU_MACHINE -cpu "$QEMU_CPU" -m "${T_MEM[i]}" -serial stdio
		    -kernel "$elf" -append "$append")
	[ -n "$modules" ] && args+=(-initrd "$modules")

	start=$(date +%s.%N)
	if [ -n "${T_INPUT[i]}" ]; then
		# Console input is typed only once the test says it is ready, so
		# nothing is lost while the UART is being set up.
		local fifo=$LOGDIR/$name.stdin
		rm -f "$fifo"; mkfifo "$fifo"
		exec {fd}<>"$fifo"
		( for _ in $(seq $((T_TIMEOUT[i] * 10))); do
			grep -q 'TEST READY FOR INPUT' "$log" 2>/dev/null && break
			sleep 0.1
		  done
		  # "{pause}" in the input waits a second and a half, as a person would.
		  local rest=${T_INPUT[i]} part
		  while [[ $rest == *'{pause}'* ]]; do
			part=${rest%%'{pause}'*} rest=${rest#*'{pause}'}
			printf '%b' "$part" >&$fd
			sleep 1.5
		  done
		  printf '%b' "$rest" >&$fd ) &
		local typer=$!
		timeout "${T_TIMEOUT[i]}" "$QEMU" "${args[@]}" <&$fd > "$log" 2>&1
		rc=$?
		kill $typer 2>/dev/null; wait $typer 2>/dev/null
		exec {fd}<&-
		rm -f "$fifo"
	else
		timeout "${T_TIMEOUT[i]}" "$QEMU" "${args[@]}" < /dev/null > "$log" 2>&1
		rc=$?
	fi
	end=$(date +%s.%N)

	local results nres word
	# Whose result lines count: the test kernel's own "(rv) ..." lines in
	# the hv environment, the guests' "[name] ..." lines in pv.
	local tag='^\(rv\) TEST RESULT: '
	[ "$env" = pv ] || [ "$env" = ringos-pv ] || [ "$env" = hw ] || [ "$env" = hwshadow ] ||
		[ "$env" = bt ] &&
		tag='^\[[^]]*\] TEST RESULT: '
	[ "$env" = native ] && tag='^TEST RESULT: '
	[ "$env" = hwguest ] || [ "$env" = hwsguest ] || [ "$env" = btguest ] && tag="^\\[$hwname\\] TEST RESULT: "
	results=$(tr -d '\r' < "$log" | grep -aE "$tag")
	nres=$(printf '%s' "$results" | grep -c 'TEST RESULT: ')
	word=$(printf '%s' "$results" | sed -n 's/.*TEST RESULT: \([A-Z]*\).*/\1/p' | head -1)
	local all_results=$results
	results=$(printf '%s\n' "$results" | tail -n 1)  # the line that decides, when all agree
	status=PASS reason=
	if [ $rc -eq $RC_TIMEOUT ]; then
		status=FAIL reason="timed out after ${T_TIMEOUT[i]}s"
	elif [ "${T_EXIT[i]}" = panic ]; then
		[ $rc -ne $RC_PANIC ] && status=FAIL reason="expected a panic (exit status $RC_PANIC), got $rc"
	elif [[ "${T_EXIT[i]}" =~ ^[0-9]+$ ]]; then
		# A scenario with its own exit status; its expect lines judge the rest.
		[ $rc -ne "${T_EXIT[i]}" ] && status=FAIL reason="expected exit status ${T_EXIT[i]}, got $rc"
	elif [ "$nres" -ne "${T_INSTANCES[i]}" ]; then
		# One result line per test guest (instances = N runs N of them).
		local want=${T_INSTANCES[i]}
		[ "$want" = 1 ] && want="exactly one"
		status=FAIL reason="expected $want TEST RESULT line$([ "$want" = "exactly one" ] || echo s), got $nres (exit status $rc)"
	elif [ "${T_INSTANCES[i]}" -gt 1 ] && printf '%s\n' "$all_results" | grep -qv 'TEST RESULT: SUCCESS'; then
		status=FAIL reason="not every instance succeeded: $(printf '%s\n' "$all_results" | grep -v 'TEST RESULT: SUCCESS' | head -1 | sed 's/.*TEST RESULT: //')"
	else
		case "$word:$rc" in
		SUCCESS:$RC_SUCCESS) ;;
		SKIP:$RC_SKIP) status=SKIP reason=$(printf '%s' "$results" | sed 's/.*TEST RESULT: //') ;;
		*) status=FAIL reason=$(printf '%s' "$results" | sed 's/.*TEST RESULT: //')" (exit status $rc)" ;;
		esac
	fi
	if [ "$status" != FAIL ]; then
		local pat
		while IFS= read -r pat; do
			[ -z "$pat" ] && continue
			if [ "${pat:0:1}" = '!' ]; then
				if grep -aEq -- "${pat:1}" "$log"; then
					status=FAIL reason="log matches forbidden /${pat:1}/"; break
				fi
			elif ! grep -aEq -- "$pat" "$log"; then
				status=FAIL reason="log lacks /$pat/"; break
			fi
		done <<< "${T_EXPECT[i]}"
	fi
	printf '%s\037%s\037%ss\n' "$status" "$reason" "$(awk "BEGIN { printf \"%.1f\", $end - $start }")" > "$res.tmp"
	mv "$res.tmp" "$res"
}

run_script_test() {     # index
	local i=$1 name=${T_NAME[$1]}
	local log=$LOGDIR/$name.log res=$LOGDIR/$name.result rc
	BUILD=$BUILD QEMU=$QEMU QEMU_CPU=$QEMU_CPU QEMU_CPU_I386=$QEMU_CPU_I386 QEMU_MEM=$QEMU_MEM QEMU_MACHINE=$QEMU_MACHINE \
		timeout "${T_TIMEOUT[i]}" bash "${T_FILE[i]}" > "$log" 2>&1 < /dev/null
	rc=$?
	case $rc in
	0) printf 'PASS\037\037\n' > "$res.tmp" ;;
	77) printf 'SKIP\037%s\037\n' "$(tail -n 1 "$log")" > "$res.tmp" ;;
	124) printf 'FAIL\037timed out after %ss\037\n' "${T_TIMEOUT[i]}" > "$res.tmp" ;;
	*) printf 'FAIL\037%s (exit status %s)\037\n' "$(tail -n 1 "$log")" "$rc" > "$res.tmp" ;;
	esac
	mv "$res.tmp" "$res"
}

report() {              # index
	local name=${T_NAME[$1]} status reason secs
	IFS=$'\037' read -r status reason secs < "$LOGDIR/$name.result"
	case $status in
	PASS) passed=$((passed + 1)); echo "PASS  $name ${secs:+($secs)}"
	      [ $VERBOSE = 1 ] && show_log "$LOGDIR/$name.log" ;;
	SKIP) skipped=$((skipped + 1)); echo "SKIP  $name: $reason" ;;
	*)    failed=$((failed + 1)); failed_names+=("$name")
	      echo "FAIL  $name: $reason"; show_log "$LOGDIR/$name.log" ;;
	esac
}

# ------------------------------------------------------------------- main
command -v "$QEMU" >/dev/null || { echo "error: $QEMU not found: apt-get install qemu-system-x86 (or: make setup)"; exit 2; }

[ $UNIT = 1 ] && run_unit_tests
parse_cfg

todo=()
for i in "${!T_NAME[@]}"; do
	selected "${T_NAME[i]}" "${T_GROUP[i]}" && todo+=("$i")
done

# Run up to JOBS tests at a time; report in list order as they complete.
next_report=0
running=0
for k in "${!todo[@]}"; do
	i=${todo[k]}
	if [ "${T_TYPE[i]}" != script ] && ! env=$(run_env "$i"); then
		printf 'SKIP\037%s\037\n' "$env" > "$LOGDIR/${T_NAME[i]}.result"
	else
		if [ "${T_TYPE[i]}" = script ]; then
			run_script_test "$i" &
		else
			run_kernel_test "$i" "$env" &
		fi
		running=$((running + 1))
		if [ $running -ge "$JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
	fi
	while [ $next_report -lt ${#todo[@]} ] && [ -f "$LOGDIR/${T_NAME[${todo[next_report]}]}.result" ]; do
		report "${todo[next_report]}"
		next_report=$((next_report + 1))
	done
done
wait
while [ $next_report -lt ${#todo[@]} ]; do
	report "${todo[next_report]}"
	next_report=$((next_report + 1))
done

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $LOGDIR/)"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
