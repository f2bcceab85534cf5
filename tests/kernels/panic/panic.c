/* panic() prints its reason with file and line and exits with HV_EXIT_PANIC. */
#include "testlib.h"
#include "panic.h"

void test_main(void)
{
	panic("deliberate panic for the test harness: code %d", 42);
}
