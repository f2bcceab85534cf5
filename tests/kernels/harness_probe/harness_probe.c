/*
 * A kernel that misbehaves on request, for tests/scripts/harness_selftest.sh:
 * the harness must call each of these a failure (or a skip), never a pass.
 * It is not listed in tests/tests.cfg itself.
 */
#include "testlib.h"
#include "cmdline.h"
#include "errno.h"
#include "panic.h"
#include "printk.h"
#include "string.h"
#include "x86.h"

static char mode[16];

static int set_mode(const char *v)
{
	return parse_string(v, mode, sizeof(mode));
}
CMDLINE_OPTION(probe_mode, "probe", set_mode, "a mode name", "what to do wrong");

void test_main(void)
{
	if (!strcmp(mode, "pass")) {
		test_check(true, "a check that holds");
	} else if (!strcmp(mode, "fail")) {
		test_check(false, "a check that does not hold");
	} else if (!strcmp(mode, "nochecks")) {
		/* test_finish() with no checks is an ERROR */
	} else if (!strcmp(mode, "skip")) {
		test_skip("skipping on request");
	} else if (!strcmp(mode, "twice")) {
		printk(LOG_EMERG "TEST RESULT: SUCCESS (forged)\n");
		test_check(true, "a check");
	} else if (!strcmp(mode, "liar")) {
		/* A SUCCESS line but a failure exit status. */
		printk(LOG_EMERG "TEST RESULT: SUCCESS (lying)\n");
		machine_exit(HV_EXIT_FAILURE);
	} else if (!strcmp(mode, "hang")) {
		for (;;)
			halt();
	} else if (!strcmp(mode, "triple")) {
		struct desc_ptr none = { 0, 0 };
		lidt(&none);
		__asm__ volatile("int3");
	} else if (!strcmp(mode, "panic")) {
		panic("probe panic");
	}
	test_finish();
}
