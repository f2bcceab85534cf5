/*
 * The result reporter of test kernels (tests/kernels/lib) and pv test guests
 * (tests/guests/lib): a test checks things, then finishes with exactly one
 * result line (docs/testing.md; tools/runtests.sh parses it):
 *
 *   TEST RESULT: SUCCESS (n checks)  everything held
 *   TEST RESULT: FAILURE (...)       the code under test is wrong
 *   TEST RESULT: ERROR (...)         the test itself could not run properly
 *   TEST RESULT: SKIP (...)          the test does not apply here
 *
 * Each environment supplies where the lines go and how the test ends.
 */
#ifndef TESTS_REPORT_H
#define TESTS_REPORT_H

#include "types.h"

/* Record one check; prints "  ok - ..." or "  FAILED - ...". Returns ok. */
bool test_check(bool ok, const char *fmt, ...) __printf(2, 3);
void test_finish(void) __noreturn;                              /* SUCCESS or FAILURE */
void test_error(const char *fmt, ...) __printf(1, 2) __noreturn;
void test_skip(const char *fmt, ...) __printf(1, 2) __noreturn;

#define CHECK(cond) test_check((cond), "%s", #cond)

/* The outcome, numbered as the exit statuses (HV_EXIT_*, GUEST_*). */
enum test_outcome {
	TEST_SUCCESS = 0,
	TEST_FAILURE = 1,
	TEST_ERROR = 2,
	TEST_SKIP = 3,
};

/* Supplied by the environment: print one whole line (it ends in "\n"), and
 * end the test with an outcome. */
void report_line(const char *line);
void report_end(enum test_outcome outcome) __noreturn;

#endif
