/* The TEST RESULT reporter (see report.h). */
#include "report.h"
#include "format.h"

static unsigned checks, failures;

static void __printf(1, 2) line(const char *fmt, ...)
{
	char buf[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report_line(buf);
}

bool test_check(bool ok, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	checks++;
	if (!ok)
		failures++;
	line("  %s - %s\n", ok ? "ok" : "FAILED", msg);
	return ok;
}

void test_finish(void)
{
	if (failures) {
		line("TEST RESULT: FAILURE (%u of %u checks failed)\n", failures, checks);
		report_end(TEST_FAILURE);
	}
	if (checks == 0)
		test_error("the test made no checks");
	line("TEST RESULT: SUCCESS (%u checks)\n", checks);
	report_end(TEST_SUCCESS);
}

static void __noreturn end_with(const char *word, enum test_outcome outcome, const char *fmt,
				va_list ap)
{
	char msg[300];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	line("TEST RESULT: %s (%s)\n", word, msg);
	report_end(outcome);
}

void test_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with("ERROR", TEST_ERROR, fmt, ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_with("SKIP", TEST_SKIP, fmt, ap);
}
