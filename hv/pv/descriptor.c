/*
 * Guest descriptors in the hypervisor's GDT (update_descriptor): each vCPU
 * owns RV_GDT_GUEST_SLOTS slots from RV_GDT_FIRST_GUEST_SLOT on, written into
 * the GDT when it is scheduled in. Typical use: a TLS segment for %gs.
 *
 * Only present code or data segments with DPL 1 or 3 are accepted: a system
 * descriptor (TSS, LDT) or a gate could give a guest a way into ring 0. The
 * accessed bit is forced on because the GDT is read-only where the CPU sees
 * it (a CPU setting that bit would fault, shared/probes p6).
 *
 * A data segment register may still name a descriptor that changed under it
 * (cleared, DPL lowered below the selector's RPL, made execute-only); the
 * return to the guest would then fault inside the hypervisor. So before every
 * resume each selector is checked against the GDT as the CPU will: one that
 * would not load is replaced by the null selector and the guest's failsafe
 * callback (set_callbacks) is told. A fault on the way out anyway (a case
 * missed here) lands in exit_path_fault(), which crashes only the domain.
 */
#include "pv.h"
#include "dispatch.h"
#include "domain.h"
#include "errno.h"
#include "panic.h"
#include "sched.h"
#include "string.h"
#include "switch.h"
#include "x86.h"

#define DESC_ACCESSED   (1ull << 40)
#define DESC_WRITABLE   (1ull << 41)    /* data: writable */
#define DESC_READABLE   (1ull << 41)    /* code: readable */
#define DESC_CONFORMING (1ull << 42)    /* code: conforming */
#define DESC_CODE       (1ull << 43)
#define DESC_S          (1ull << 44)    /* code/data (not system) */
#define DESC_DPL(d)     ((unsigned)((d) >> 45) & 3)
#define DESC_P          (1ull << 47)

static bool slot_in_range(uint32_t slot)
{
	return slot >= RV_GDT_FIRST_GUEST_SLOT && slot < RV_GDT_FIRST_GUEST_SLOT + RV_GDT_GUEST_SLOTS;
}

int pv_update_descriptor(struct domain *d, uint32_t slot, uint64_t desc)
{
	if (!slot_in_range(slot))
		return -EINVAL;
	if (desc) {
		if (!(desc & DESC_P))
			return -EINVAL;
		if (!(desc & DESC_S))
			return -EPERM;          /* system segment or gate */
		if (DESC_DPL(desc) != 1 && DESC_DPL(desc) != 3)
			return -EPERM;
		desc |= DESC_ACCESSED;
	}
	/* CS or SS naming this slot would make the return to the guest fault. */
	const struct trap_frame *f = &d->vcpu.regs;
	if (d == current && current_frame)
		f = current_frame;
	if ((f->cs >> 3) == slot || (f->ss >> 3) == slot)
		return -EBUSY;
	d->pv->vcpu.gdt_slots[slot - RV_GDT_FIRST_GUEST_SLOT] = desc;
	if (d == current)
		gdt_set_guest_slots(d->pv->vcpu.gdt_slots);
	return 0;
}

/* The descriptor a selector names in the GDT as it is now, 0 for none. */
static uint64_t gdt_entry(uint32_t sel)
{
	uint64_t d;
	if ((sel & 4) || (sel >> 3) >= GDT_ENTRIES)
		return 0;               /* an LDT selector (there is no LDT) or beyond */
	memcpy(&d, &gdt[sel >> 3], sizeof(d));
	return d;
}

/* Can the exit stub load sel into a data segment register (at CPL 0)? */
static bool data_selector_loads(uint32_t sel)
{
	if ((sel & ~3u) == 0)
		return true;            /* a null selector always loads */
	uint64_t d = gdt_entry(sel);
	if (!(d & DESC_P) || !(d & DESC_S))
		return false;
	bool code = d & DESC_CODE, conforming = code && (d & DESC_CONFORMING);
	if (code && !(d & DESC_READABLE))
		return false;           /* execute-only code cannot be a data segment */
	return conforming || DESC_DPL(d) >= (sel & 3);
}

/* Can iret return to cs:eip, ss:esp with these selectors? */
static bool stack_code_ok(uint32_t cs, uint32_t ss)
{
	uint64_t c = gdt_entry(cs), s = gdt_entry(ss);
	unsigned rpl = cs & 3;
	return rpl != 0 && (c & DESC_P) && (c & DESC_S) && (c & DESC_CODE) &&
	       ((c & DESC_CONFORMING) ? DESC_DPL(c) <= rpl : DESC_DPL(c) == rpl) &&
	       (s & DESC_P) && (s & DESC_S) && !(s & DESC_CODE) && (s & DESC_WRITABLE) &&
	       (ss & 3) == rpl && DESC_DPL(s) == rpl;
}

void pv_prepare_resume(struct domain *d, struct trap_frame *f)
{
	uint32_t *segs[] = { &f->ds, &f->es, &f->fs, &f->gs };
	uint32_t orig[4];
	bool changed = false;

	if (!stack_code_ok(f->cs, f->ss)) {
		domain_crash(d, f, "cannot resume it: cs %#x / ss %#x no longer valid", f->cs, f->ss);
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		orig[i] = *segs[i] & 0xffff;
		if (!data_selector_loads(orig[i])) {
			*segs[i] = 0;
			changed = true;
		}
	}
	if (!changed || !d->pv->vcpu.failsafe_eip)
		return;
	/*
	 * Tell the guest, as Xen does: resume at its failsafe callback with the
	 * selectors it had, ds at the lowest address, above them the usual
	 * exception frame of where it was:
	 *   [ds, es, fs, gs, eip, cs, eflags, (esp, ss)]
	 */
	struct trap_frame saved = *f;
	if (pv_bounce(d, f, d->pv->vcpu.failsafe_eip, false, 0, true) == 0 &&
	    copy_to_guest(d, f->esp - sizeof(orig), orig, sizeof(orig)) == 0) {
		f->esp -= sizeof(orig);
		return;
	}
	*f = saved;     /* the stack cannot take it: resume with the null selectors */
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		if (!data_selector_loads(*segs[i]))
			*segs[i] = 0;
}

void exit_path_fault(const struct trap_frame *f)
{
	struct domain *d = current;

	if (!d) {
		trap_report(f, read_cr2());
		panic("fault on the way back to a guest context, with no guest");
	}
	domain_crash(d, NULL, "%s %s while resuming it (eip %#x): its state cannot be restored",
		     exception_mnemonic(f->vector), exception_name(f->vector), f->eip);
	sched_abandon_current();
}
