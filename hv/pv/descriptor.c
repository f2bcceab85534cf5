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
 * A data segment register may still name a slot the guest has cleared; the
 * return to the guest would then fault inside the hypervisor. So before
 * resuming, such a selector is replaced by the null selector and the guest's
 * failsafe callback (set_callbacks) is told.
 */
#include "pv.h"
#include "domain.h"
#include "errno.h"

#define DESC_ACCESSED   (1ull << 40)
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
	d->vcpu.gdt_slots[slot - RV_GDT_FIRST_GUEST_SLOT] = desc;
	if (d == current)
		gdt_set_guest_slots(d->vcpu.gdt_slots);
	return 0;
}

void pv_sanitize_frame(struct domain *d, struct trap_frame *f)
{
	uint32_t *segs[] = { &f->ds, &f->es, &f->fs, &f->gs };
	uint32_t orig[4];
	bool changed = false;

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		orig[i] = *segs[i] & 0xffff;
		uint32_t idx = orig[i] >> 3;
		if (slot_in_range(idx) && !d->vcpu.gdt_slots[idx - RV_GDT_FIRST_GUEST_SLOT]) {
			*segs[i] = 0;   /* the null selector always loads */
			changed = true;
		}
	}
	if (!changed || !d->vcpu.failsafe_eip)
		return;
	/*
	 * Tell the guest, as Xen does: resume at its failsafe callback with the
	 * selectors it had, ds at the lowest address, above them the usual
	 * exception frame of where it was:
	 *   [ds, es, fs, gs, eip, cs, eflags, (esp, ss)]
	 */
	uint32_t saved_esp = f->esp, saved_ss = f->ss, saved_eip = f->eip, saved_cs = f->cs;
	if (pv_bounce(d, f, d->vcpu.failsafe_eip, false, 0, true) == 0 &&
	    copy_to_guest(d, f->esp - sizeof(orig), orig, sizeof(orig)) == 0) {
		f->esp -= sizeof(orig);
		return;
	}
	/* The guest stack cannot take it: undo, and let the null selectors be. */
	f->esp = saved_esp;
	f->ss = saved_ss;
	f->eip = saved_eip;
	f->cs = saved_cs;
}