/* Result reporting for test kernels (see testlib.h). */
#include "testlib.h"
#include "format.h"
#include "panic.h"
#include "printk.h"

static unsigned checks, failures;

bool test_check(bool ok, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	checks++;
	if (!ok)
		failures++;
	printk(LOG_EMERG "  %s - %s\n", ok ? "ok" : "FAILED", msg);
	return ok;
}

void test_ready_for_input(void)
{
	printk(LOG_EMERG "TEST READY FOR INPUT\n");
}

void test_finish(void)
{
	if (failures) {
		printk(LOG_EMERG "TEST RESULT: FAILURE (%u of %u checks failed)\n", failures, checks);
		machine_exit(HV_EXIT_FAILURE);
	}
	if (checks == 0)
		test_error("the test made no checks");
	printk(LOG_EMERG "TEST RESULT: SUCCESS (%u checks)\n", checks);
	machine_exit(HV_EXIT_SUCCESS);
}

static void __noreturn end_with(const char *word, uint32_t code, const char *fmt, va_list ap)
{
	char msg[200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk(LOG_EMERG "TEST RESULT: %s (%s)\n", word, msg);
	machine_exit(code);
}

void test_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with("ERROR", HV_EXIT_ERROR, fmt, ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with("SKIP", HV_EXIT_SKIP, fmt, ap);
}
