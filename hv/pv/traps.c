/*
 * The pv guest's virtual IDT (set_trap_table) and the delivery of
 * exceptions to it.
 *
 * Vectors the CPU can deliver straight to ring 1 get a real trap gate with
 * the guest's handler while that guest runs: the system-call vector and the
 * exceptions that need no hypervisor help. A system call from the guest's
 * ring 3 then reaches its ring-1 kernel without entering the hypervisor.
 * Trap gates, not interrupt gates: an interrupt gate into ring 1 clears IF,
 * and the guest's iret (CPL 1 > IOPL 0) cannot set it back (shared/probes
 * p5). The other exceptions come to the hypervisor (a #PF because only ring
 * 0 can read CR2), which "bounces" them: it builds on the guest's kernel
 * stack the frame the CPU would have pushed and resumes at the handler.
 */
#include "pv.h"
#include "domain.h"
#include "dispatch.h"
#include "errno.h"
#include "printk.h"
#include "string.h"
#include "switch.h"
#include "x86.h"

/* Exceptions owned by the hypervisor: never the guest's to handle. */
static bool vector_reserved(unsigned v)
{
	return v == VEC_NMI || v == VEC_DF || v == 9 || v == 15 || v == VEC_MC ||
	       (v >= 20 && v < NUM_EXCEPTIONS) ||
	       (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + NUM_IRQS) || v == VEC_HYPERCALL ||
	       v >= VEC_HV_FIRST;
}

/* Can the CPU deliver this vector to ring 1 without the hypervisor? */
static bool vector_direct(unsigned v)
{
	switch (v) {
	case VEC_DE: case VEC_DB: case VEC_BP: case 4: case 5: case VEC_UD:
	case 16: case 17: case 19:
		return true;
	default:
		return v >= NUM_EXCEPTIONS && !vector_reserved(v);
	}
}

int pv_set_trap_table(struct domain *d, const struct rv_trap_info *t, uint32_t count)
{
	/* Check every entry before changing anything. */
	for (uint32_t i = 0; i < count; i++) {
		if (vector_reserved(t[i].vector))
			return -EPERM;
		if (t[i].address == 0)
			continue;       /* removal */
		if (t[i].cs != RV_GUEST_KERNEL_CS)
			return -EPERM;  /* ring 0, or any other selector */
		if (t[i].address >= RV_GUEST_VIRT_END)
			return -EFAULT;
		unsigned dpl = t[i].flags & RV_TI_DPL_MASK;
		if ((t[i].flags & ~(RV_TI_DPL_MASK | RV_TI_MASK_EVENTS)) || (dpl != 1 && dpl != 3))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < count; i++) {
		d->pv->vcpu.trap_eip[t[i].vector] = t[i].address;
		d->pv->vcpu.trap_flags[t[i].vector] = t[i].flags;
	}
	if (d == current)
		pv_switch_in(d);
	return 0;
}

void pv_switch_in(struct domain *d)
{
	gdt_use(false);
	cpu_trap_rdtsc(false);
	cpu_smep(false);
	tss_set_ring1_stack(d->pv->vcpu.kernel_ss, d->pv->vcpu.kernel_esp);
	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		bool handled = d->pv->vcpu.trap_eip[v] != 0;
		bool masks = d->pv->vcpu.trap_flags[v] & RV_TI_MASK_EVENTS;
		unsigned dpl = d->pv->vcpu.trap_flags[v] & RV_TI_DPL_MASK;
		if (handled && vector_direct(v) && !masks) {
			idt_set_guest_gate(v, d->pv->vcpu.trap_eip[v], dpl);
		} else if (handled && masks && v >= NUM_EXCEPTIONS) {
			/* A software interrupt that must mask events: through our
			 * stub (opened to the entry's DPL), then bounced. */
			idt_open_stub(v, dpl);
		} else if (idt_gate_is_guest(v)) {
			idt_restore_gate(v);
		}
	}
	gdt_set_guest_slots(d->pv->vcpu.gdt_slots);
	pv_fpu_switch_in(d);
	pv_update_time(d);
}

/* Push the frame the CPU would have pushed for a trap into ring 1, and
 * resume at handler. Returns 0, or -EFAULT if the guest stack is unusable. */
int pv_bounce(struct domain *d, struct trap_frame *f, uint32_t handler, bool has_error,
	      uint32_t error_code, bool mask_events)
{
	uint32_t frame[6], n = 0, esp, ss;
	bool from_user = (f->cs & 3) == 3;
	uint32_t eflags = f->eflags & ~EFLAGS_IF;

	if (!domain_alive(d))
		return -EFAULT;

	/* The saved IF shows the virtual interrupt flag, as the guest sees it. */
	if (!d->shared->vcpu.evtchn_upcall_mask)
		eflags |= EFLAGS_IF;
	if (from_user) {
		esp = d->pv->vcpu.kernel_esp;
		ss = d->pv->vcpu.kernel_ss;
	} else {
		esp = f->esp;
		ss = f->ss;
	}
	if (has_error)
		frame[n++] = error_code;
	frame[n++] = f->eip;
	frame[n++] = f->cs;
	frame[n++] = eflags;
	if (from_user) {
		frame[n++] = f->esp;
		frame[n++] = f->ss;
	}
	esp -= n * 4;
	if (copy_to_guest(d, esp, frame, n * 4))
		return -EFAULT;
	f->esp = esp;
	f->ss = ss;
	f->cs = RV_GUEST_KERNEL_CS;
	f->eip = handler;
	f->eflags &= ~(EFLAGS_NT | EFLAGS_RF | EFLAGS_VM | (1u << 8) /* TF */);
	if (mask_events)
		d->shared->vcpu.evtchn_upcall_mask = 1;
	return 0;
}

void pv_software_interrupt(struct domain *d, struct trap_frame *f)
{
	unsigned v = f->vector;

	if (!domain_alive(d))
		return;
	if (vector_reserved(v) || !d->pv->vcpu.trap_eip[v]) {
		domain_crash(d, f, "int $%#x with no handler", v);
		return;
	}
	if (pv_bounce(d, f, d->pv->vcpu.trap_eip[v], false, 0,
		      d->pv->vcpu.trap_flags[v] & RV_TI_MASK_EVENTS))
		domain_crash(d, f, "fault while delivering int $%#x: kernel stack not writable", v);
}

void pv_exception(struct domain *d, struct trap_frame *f, uint32_t cr2)
{
	unsigned v = f->vector;

	if (!domain_alive(d))
		return;                 /* stopping: it will not run again */
	if (v == VEC_NM && pv_fpu_trap(d))
		return;                 /* lazy FPU switch, invisible to the guest */
	if (v == VEC_PF)
		d->shared->vcpu.fault_addr = cr2;
	if (vector_reserved(v)) {
		domain_crash(d, f, "%s %s in the guest", exception_mnemonic(v), exception_name(v));
		return;
	}
	uint32_t handler = d->pv->vcpu.trap_eip[v];
	if (!handler) {
		domain_crash(d, f, "%s %s with no handler in its trap table", exception_mnemonic(v),
			     exception_name(v));
		return;
	}
	d->stats.bounces[v]++;
	if (pv_bounce(d, f, handler, exception_has_error_code(v), f->error_code,
		      d->pv->vcpu.trap_flags[v] & RV_TI_MASK_EVENTS))
		domain_crash(d, f, "fault while delivering %s: kernel stack %#x:%#x not writable",
			     exception_mnemonic(v), (f->cs & 3) == 3 ? d->pv->vcpu.kernel_ss : f->ss,
			     (f->cs & 3) == 3 ? d->pv->vcpu.kernel_esp : f->esp);
}
