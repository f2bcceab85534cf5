/*
 * Timer and clock: ticks arrive from the PIT, the nanosecond clock never goes
 * backwards, and the two agree on how fast time passes. The agreement bound
 * is deliberately loose (a factor of 4): it catches a wrong calibration or a
 * wrong PIT divisor, not a slow or busy host.
 */
#include "testlib.h"
#include "dispatch.h"
#include "time.h"

void test_main(void)
{
	test_check(timer_hz == 250, "timer_hz=250 from the command line (got %u)", timer_hz);
	test_check(time_tsc_hz() > 10000000, "TSC calibrated (%llu Hz)",
		   (unsigned long long)time_tsc_hz());

	uint64_t t0 = time_now_ns(), prev = t0, backwards = 0;
	for (int i = 0; i < 200000; i++) {
		uint64_t now = time_now_ns();
		if (now < prev)
			backwards++;
		prev = now;
	}
	test_check(backwards == 0, "time_now_ns() monotonic over 200000 reads (%llu went back)",
		   (unsigned long long)backwards);
	test_check(prev > t0, "time advances while spinning");

	uint64_t ticks0 = timer_ticks, irq0 = dispatch_count(0x20);
	uint64_t ns0 = time_now_ns();
	time_wait_ticks(50);
	uint64_t ns1 = time_now_ns(), ticks = timer_ticks - ticks0;
	test_check(ticks >= 50, "50 ticks arrive while halted (%llu)", (unsigned long long)ticks);
	test_check(dispatch_count(0x20) - irq0 >= 50, "the dispatcher counted the timer interrupts");

	uint64_t expect = 50ull * 1000000000ull / timer_hz, got = ns1 - ns0;
	test_check(got > expect / 4 && got < expect * 4,
		   "50 ticks at %u Hz took %llu us by the TSC clock (expected about %llu us)",
		   timer_hz, (unsigned long long)(got / 1000), (unsigned long long)(expect / 1000));
	test_finish();
}
