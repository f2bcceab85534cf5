/* hv/arch/x86/rtc.c: the civil-date arithmetic that turns the CMOS clock's
 * fields into seconds since 1970, against the host C library's timegm(). */
#define _DEFAULT_SOURCE
#include <time.h>
#include "unit.h"

#include "rtc.h"

static int64_t oracle_days(int y, unsigned m, unsigned d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d };
	return (int64_t)timegm(&tm) / 86400;
}

static void test_fixed_dates(void **state)
{
	(void)state;
	assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtc_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(rtc_days_from_civil(2000, 3, 1), 11017);       /* after a 400-year leap day */
	assert_int_equal(rtc_days_from_civil(2026, 11, 21), 20778);
	assert_int_equal(rtc_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rtc_days_from_civil(2100, 3, 1) - rtc_days_from_civil(2100, 2, 28), 1);
}

/* Every day from 1900 to 2199, one after another, as the host counts them. */
static void test_every_day_against_timegm(void **state)
{
	(void)state;
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	for (int y = 1900; y < 2200; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		for (unsigned m = 1; m <= 12; m++)
			for (unsigned d = 1; d <= mdays[m - 1] + (m == 2 && leap); d++)
				if (rtc_days_from_civil(y, m, d) != oracle_days(y, m, d))
					fail_msg("%04d-%02u-%02u: %lld days, timegm says %lld", y, m, d,
						 (long long)rtc_days_from_civil(y, m, d),
						 (long long)oracle_days(y, m, d));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_dates),
		cmocka_unit_test(test_every_day_against_timegm),
	};
	return cmocka_run_group_tests_name("rtc", tests, NULL, NULL);
}
