/* Test kernels: the shared reporter (tests/lib/report.c) prints with printk
 * and ends through isa-debug-exit (see testlib.h). */
#include "testlib.h"
#include "panic.h"
#include "printk.h"

BUILD_ASSERT(TEST_SUCCESS == HV_EXIT_SUCCESS && TEST_FAILURE == HV_EXIT_FAILURE &&
	     TEST_ERROR == HV_EXIT_ERROR && TEST_SKIP == HV_EXIT_SKIP, "exit statuses");

void report_line(const char *line)
{
	printk(LOG_EMERG "%s", line);
}

void report_end(enum test_outcome outcome)
{
	machine_exit(outcome);
}

void test_ready_for_input(void)
{
	printk(LOG_EMERG "TEST READY FOR INPUT\n");
}
