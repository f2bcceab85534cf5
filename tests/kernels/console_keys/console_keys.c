/*
 * Console keys reach the hypervisor through the UART's receive interrupt
 * and run their reports; the harness types "hdmt" once we are ready and
 * checks the printed reports (tests.cfg).
 */
#include "testlib.h"
#include "console.h"
#include "dispatch.h"
#include "time.h"

void test_main(void)
{
	test_ready_for_input();
	uint64_t start = timer_ticks;
	/* Up to 20 s of guest time for the four keys to arrive. */
	while (keyhandler_keys_handled < 4 && timer_ticks - start < 20ull * timer_hz)
		time_wait_ticks(1);
	test_check(keyhandler_keys_handled == 4, "4 console keys handled (%u)",
		   keyhandler_keys_handled);
	test_check(dispatch_count(0x24) >= 1, "UART receive interrupts counted (%llu)",
		   (unsigned long long)dispatch_count(0x24));
	test_finish();
}
