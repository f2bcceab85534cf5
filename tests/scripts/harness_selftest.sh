#!/usr/bin/env bash
# The harness itself can fail: a private test list runs tests/kernels/harness_probe
# in every way a test can go wrong, and each must be reported as it should.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cfg=$work/tests.cfg
entry() {       # name mode [extra lines...]
	local name=$1 mode=$2
	shift 2
	printf '[%s]\nkernel = harness_probe\ngroup = probe\ntimeout = %s\nappend = probe=%s\n' \
		"$name" "${TIMEOUT:-20}" "$mode" >> "$cfg"
	for l in "$@"; do printf '%s\n' "$l" >> "$cfg"; done
}
entry pass pass
entry fail fail
entry nochecks nochecks
entry skip skip
entry twice twice
entry liar liar
TIMEOUT=3 entry hang hang
entry triple triple
entry panic_unexpected panic
entry panic_expected panic "exit = panic"
entry expect_missing pass "expect = this text is never printed"
entry expect_forbidden pass "expect = !a check that holds"
entry expect_ok pass "expect = a check that holds"

BUILD=${BUILD:-build} LOGDIR_SUFFIX=selftest bash tools/runtests.sh -c "$cfg" -g probe \
	> "$work/out" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP) |passed' "$work/out"

fail=0
want() {        # regex, what
	if grep -Eq -- "$1" "$work/out"; then echo "ok - $2"; else echo "FAILED - $2"; fail=1; fi
}
want '^PASS  pass ' "a passing test passes"
want '^FAIL  fail: FAILURE \(1 of 1 checks failed\)' "a failed check fails the test"
want '^FAIL  nochecks: ERROR \(the test made no checks\)' "a test without checks is an error"
want '^SKIP  skip: SKIP \(skipping on request\)' "a skip is a skip"
want '^FAIL  twice: expected exactly one TEST RESULT line, got 2' "two result lines fail"
want '^FAIL  liar: SUCCESS \(lying\) \(exit status 3\)' "result line and exit status must agree"
want '^FAIL  hang: timed out after 3s' "a hang is a timeout failure"
want '^FAIL  triple: expected exactly one TEST RESULT line, got 0 \(exit status 0\)' "a triple fault fails"
want '^FAIL  panic_unexpected: expected exactly one TEST RESULT line, got 0 \(exit status 65\)' "an unexpected panic fails"
want '^PASS  panic_expected ' "an expected panic passes"
want '^FAIL  expect_missing: log lacks /this text is never printed/' "a missing expect fails"
want '^FAIL  expect_forbidden: log matches forbidden /a check that holds/' "a forbidden expect fails"
want '^PASS  expect_ok ' "a present expect passes"
want '^3 passed, 9 failed, 1 skipped$' "the summary counts them"
[ $rc -ne 0 ] && echo "ok - non-zero exit status on failures" || { echo "FAILED - exit status 0 despite failures"; fail=1; }
[ $fail = 0 ] || { echo "harness_selftest: the harness misjudged a test"; exit 1; }
echo "harness_selftest: all checks passed"
