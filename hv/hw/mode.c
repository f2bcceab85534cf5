/*
 * hw as a technique (mode.h), and the loop a hw vCPU runs in.
 *
 * A pv guest is resumed by returning from a trap; a hw guest is entered by
 * VMRUN, an instruction the hypervisor executes, and comes back as a
 * #VMEXIT in the middle of hypervisor code. So a hw vCPU runs in a loop on
 * the hypervisor's hw stack: bring the devices to now, inject what is
 * pending, VMRUN, handle the exit, and ask the scheduler whether to go on
 * (sched_loop_exit). The vCPU's whole state is in its VMCB and struct
 * hw_gprs between two trips, so the stack holds nothing of it: leaving the
 * loop for another domain abandons the stack, as leaving idle does, and
 * entering a hw domain (hw_run) starts the loop afresh, whatever the
 * scheduler was doing.
 */
#include "hw.h"
#include "domain.h"
#include "fpu.h"
#include "frame.h"
#include "mm.h"
#include "mode.h"
#include "hwsave.h"
#include "printk.h"
#include "sched.h"
#include "time.h"
#include "x86.h"

static uint8_t hw_stack[16384] __aligned(16);

static void hw_mode_init(uint32_t ram_top_pfn)
{
	(void)ram_top_pfn;
	hw_svm_init();
}

static void hw_stopped(struct domain *d)
{
	if (d->hw && d->hw->vmcb)
		hw_devices_flush_console(d);    /* its last words */
}

static void hw_teardown(struct domain *d)
{
	fpu_release(d);
	hw_release(d);
}

void hw_release(struct domain *d)
{
	if (!d->hw)
		return;
	hw_save_free(d);
	hw_shadow_destroy(d);
	hw_vmcb_destroy(d);
	hw_npt_destroy(d);
	hw_free_memory(d);
	for (unsigned i = 0; i < HW_DOMAIN_FRAMES; i++)
		free_frame(virt_to_phys(d->hw) + i * PAGE_SIZE);
	d->hw = NULL;
}

static void hw_switch_in(struct domain *d)
{
	/* VMRUN does not switch the FPU: the guest's state is loaded now
	 * (its own CR0.TS, in the VMCB, is its business). Nor DR0-DR3 (only
	 * DR6 and DR7 are in the VMCB): the guest's own go in, so that no
	 * guest reads another's breakpoint addresses; they are read back
	 * after every exit (hw_loop), since the guest writes them freely. */
	fpu_take(d);
	cpu_smep(false);
	for (unsigned i = 0; i < 4; i++)
		write_dr(i, d->hw->dr[i]);
}

/* Halted in HLT: only an interrupt it can take wakes it (a PC's HLT). */
static bool stays_halted(struct domain *d)
{
	if (!d->hw->halted)
		return false;
	if (hw_interrupt_ready(d) || (d->hw->vmcb->eventinj & EVT_VALID)) {
		d->hw->halted = false;
		return false;
	}
	return true;
}

static void __noreturn hw_loop(void)
{
	for (;;) {
		struct domain *d = current;
		if (domain_alive(d) && d->state == DOM_RUNNABLE) {
			d->hw->timer_fired = false;
			hw_devices_update(d, time_now_ns());
			/* A deadline that passed while the devices were being
			 * updated (its timer fired at once, with nobody asleep
			 * to wake) sends us round again rather than to sleep. */
			if (stays_halted(d)) {
				if (!d->hw->timer_fired) {
					hw_devices_flush_console(d);
					sched_block(d);
				}
			} else {
				hw_inject_events(d);
				hw_vmrun(d);
				for (unsigned i = 0; i < 4; i++)
					d->hw->dr[i] = read_dr(i);
				hw_handle_exit(d);
			}
		}
		/* A window for the host's interrupts (its tick, a device), which
		 * otherwise come in only when the guest runs: a loop round that
		 * does not enter the guest must not hold them off. */
		irq_enable();
		irq_disable();
		sched_loop_exit();      /* may leave for another domain, or idle */
	}
}

static void __noreturn hw_run(struct domain *d)
{
	(void)d;                        /* current: sched.c switched it in */
	irq_disable();
	__asm__ volatile("movl %0, %%esp\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 : : "r"(hw_stack + sizeof(hw_stack)), "r"(hw_loop) : "memory");
	__builtin_unreachable();
}

static void hw_timer_due(struct domain *d)
{
	/* A device needs attention: the loop updates them before the next
	 * VMRUN; a halted vCPU looks again whether it may wake. */
	d->hw->timer_fired = true;
	if (d->state == DOM_BLOCKED && d->hw->halted)
		sched_wake(d);
}

static void hw_console_input(struct domain *d)
{
	hw_devices_console_input(d);
}

static void hw_dump(const struct domain *d)
{
	if (!d->hw)
		return;
	printk("    hw: %u MiB guest RAM, %u frames of nested tables, %llu port accesses nobody "
	       "claims, %u interrupt windows\n", d->hw->ram_bytes >> 20, d->hw->npt_frames,
	       (unsigned long long)d->hw->dev.unclaimed_io, d->hw->pending_irq_exits);
	hw_shadow_dump(d);
}

static const char *hw_exit_kind_name(const struct domain *d, enum exit_kind kind, unsigned nr)
{
	if (kind == EXIT_VMEXIT)
		return hw_exit_name(nr);
	const char *dev = hw_device_exit_name(d, kind, nr);
	if (dev)
		return dev;
	if (kind == EXIT_INSN && nr < 2)
		return nr ? "wrmsr refused (#GP)" : "rdmsr refused (#GP)";
	return NULL;
}

static const struct mode_ops hw_ops = {
	.mode = DOM_MODE_HW,
	.name = "hw",
	.init = hw_mode_init,
	.build = hw_build,
	.stopped = hw_stopped,
	.teardown = hw_teardown,
	.dom0_stopped = hw_save_dom0_stopped,
	.switch_in = hw_switch_in,
	.run = hw_run,
	.timer_due = hw_timer_due,
	.console_input = hw_console_input,
	.dump = hw_dump,
	.exit_name = hw_exit_kind_name,
};
MODE_REGISTER(hw_ops);
