/*
 * Support for test kernels: a test checks things, then finishes with exactly
 * one result line (tests/lib/report.h) and exits QEMU through isa-debug-exit
 * (docs/testing.md):
 *
 *   TEST RESULT: SUCCESS            everything held
 *   TEST RESULT: FAILURE (...)      the code under test is wrong
 *   TEST RESULT: ERROR (...)        the test itself could not run properly
 *   TEST RESULT: SKIP (...)         the test does not apply here
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include "report.h"  /* test_check, test_finish, CHECK, ... */
#include "types.h"
#include "hv.h"     /* declares test_main() */

/* Tell the harness the test is ready for console input (tests.cfg input=). */
void test_ready_for_input(void);

#endif
