/*
 * A guest that goes wrong in the way its command line says, to show that
 * only it stops (tests.cfg "containment"):
 *   nohandler   divide by zero with no #DE handler
 *   badstack    a fault whose delivery needs an unmapped kernel stack
 *   wildjump    jump to an unmapped address (a #PF with no handler)
 *   selfcrash   shut down with reason crash
 *   spin        loop forever with events masked (the scheduler must still
 *               preempt it); never ends on its own
 */
#include "guest.h"

static void on_pf(struct guest_frame *f)
{
	test_error("the #PF handler was reached, but delivery should have failed");
}

void guest_main(void)
{
	const char *mode = start_info->cmdline;
	gprintf("crasher: %s\n", mode);
	if (!strcmp(mode, "nohandler")) {
		volatile uint32_t zero = 0, x = 7;
		x /= zero;
	} else if (!strcmp(mode, "badstack")) {
		guest_set_trap(14, on_pf, 1, false);
		/* Move esp somewhere unmapped, then fault: the hypervisor cannot
		 * push the exception frame, the analogue of a triple fault. */
		__asm__ volatile("movl $0x20000000, %%esp\n\tmovl 0x10000000, %%eax" : : : "eax", "memory");
	} else if (!strcmp(mode, "wildjump")) {
		((void (*)(void))0x10000000)();
	} else if (!strcmp(mode, "selfcrash")) {
		hv_shutdown(RV_SHUTDOWN_crash, 9);
	} else if (!strcmp(mode, "spin")) {
		for (;;)
			__asm__ volatile("" : : : "memory");
	}
	test_error("still alive after '%s'", mode);
}
