/*
 * Support for test kernels: a test checks things, then finishes with exactly
 * one result line and exits QEMU through isa-debug-exit (docs/testing.md):
 *
 *   TEST RESULT: SUCCESS            everything held
 *   TEST RESULT: FAILURE (...)      the code under test is wrong
 *   TEST RESULT: ERROR (...)        the test itself could not run properly
 *   TEST RESULT: SKIP (...)         the test does not apply here
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include "types.h"
#include "hv.h"     /* declares test_main() */

/* Record one check; prints "  ok - ..." or "  FAILED - ...". Returns ok. */
bool test_check(bool ok, const char *fmt, ...) __printf(2, 3);
/* Tell the harness the test is ready for console input (tests.cfg input=). */
void test_ready_for_input(void);

void test_finish(void) __noreturn;                              /* SUCCESS or FAILURE */
void test_error(const char *fmt, ...) __printf(1, 2) __noreturn;
void test_skip(const char *fmt, ...) __printf(1, 2) __noreturn;

#define CHECK(cond) test_check((cond), "%s", #cond)

#endif
