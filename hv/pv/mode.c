/*
 * pv as a technique (mode.h): the operations through which generic code
 * reaches a paravirtualized domain. Each is a small adapter onto the pv
 * machinery in this folder.
 */
#include "mode.h"
#include "domain.h"
#include "hv.h"
#include "pv.h"
#include "printk.h"

static void pv_mode_init(uint32_t ram_top_pfn)
{
	pv_mm_init(ram_top_pfn);
	memory_observe(pv_mm_frame_allocated, pv_mm_frame_freed);
	pv_init();
}

static void pv_destroy(struct domain *d)
{
	pv_teardown(d);
	pv_fpu_release(d);
}

static void pv_timer_due(struct domain *d)
{
	evtchn_raise(d, EVTCHN_PORT_TIMER);
}

static void pv_console_input(struct domain *d)
{
	evtchn_raise(d, EVTCHN_PORT_CONSOLE);
}

static void pv_dump(const struct domain *d)
{
	if (!d->pv)
		return;
	for (unsigned r = 0; r < MMR_COUNT; r++)
		if (d->pv->mm_refusals[r])
			printk("    page-table updates refused: %-19s %7u\n", mm_refusal_name(r),
			       d->pv->mm_refusals[r]);
	pv_grant_dump(d);
}

static const struct mode_ops pv_ops = {
	.mode = DOM_MODE_PV,
	.name = "pv",
	.init = pv_mode_init,
	.build = pv_build,
	.teardown = pv_destroy,
	.dom0_stopped = pv_dom0_stopped,
	.switch_in = pv_switch_in,
	.deliver_events = pv_deliver_events,
	.prepare_resume = pv_prepare_resume,
	.exception = pv_exception,
	.software_interrupt = pv_software_interrupt,
	.timer_due = pv_timer_due,
	.console_input = pv_console_input,
	.dump = pv_dump,
	.hypercall_name = pv_hypercall_name,
};
MODE_REGISTER(pv_ops);
