/*
 * A bt domain's part of save and restore (hv/hw/save.c has the rest: its
 * PC is a hw domain's). The vCPU shadow goes into the file as the guest
 * sees it (its IF and IOPL joined into EFLAGS, its TSC as it read it); its
 * pages as the guest would read them, the traps patched into its code
 * replaced by the original bytes. Nothing of the scan cache, the shadow
 * page tables or the descriptor-table copies is saved: a restored domain
 * starts with them empty, and builds them as it runs (its GDT copy, its
 * direct gate and its ring-1 stack at the first entry, desc_dirty; its
 * code scanned before it runs, rescan).
 */
#include "bt.h"
#include "domain.h"
#include "errno.h"
#include "format.h"
#include "fpu.h"
#include "mm.h"
#include "string.h"
#include "x86.h"
#include "../hw/hw.h"
#include <public/save.h>

void bt_save_prepare(struct domain *d)
{
	/* The frame it was stopped with into the vCPU (a host interrupt may
	 * have taken it while its code ran), and back: both say the same. */
	bt_load(d, &d->vcpu.regs);
	bt_store(d, &d->vcpu.regs);
}

static void seg_out(struct rv_save_seg *s, const struct bt_seg *b)
{
	*s = (struct rv_save_seg){ .sel = b->sel, .attrib = b->attr, .limit = b->limit,
				   .base = b->base };
}

static void seg_in(struct bt_seg *b, const struct rv_save_seg *s)
{
	*b = (struct bt_seg){ .sel = s->sel, .attr = s->attrib, .base = s->base,
			      .limit = s->limit };
}

void bt_save_vcpu(struct domain *d, struct rv_save_bt_vcpu *s, uint64_t host_tsc)
{
	const struct bt_domain *b = d->bt;
	const struct bt_vcpu *v = &b->v;
	memset(s, 0, sizeof(*s));
	memcpy(s->gpr, v->gpr, sizeof(s->gpr));
	s->eip = v->eip;
	s->eflags = bt_vcpu_flags(v);
	s->cpl = v->cpl, s->sti_shadow = v->sti_shadow;
	s->cr0 = v->cr0, s->cr2 = v->cr2, s->cr3 = v->cr3, s->cr4 = v->cr4;
	s->gdtr_base = v->gdtr.base, s->gdtr_limit = v->gdtr.limit;
	s->idtr_base = v->idtr.base, s->idtr_limit = v->idtr.limit;
	seg_out(&s->ldtr, &v->ldtr);
	seg_out(&s->tr, &v->tr);
	for (unsigned i = 0; i < BT_NSEG; i++)
		seg_out(&s->seg[i], &v->seg[i]);
	memcpy(s->dr, v->dr, sizeof(s->dr));
	s->guest_tsc = host_tsc + v->tsc_offset;
	s->sysenter_cs = v->sysenter_cs, s->sysenter_esp = v->sysenter_esp;
	s->sysenter_eip = v->sysenter_eip, s->own_gdt = b->own_gdt;
	s->apic_base = v->apic_base, s->pat = v->pat, s->efer = v->efer;
	s->boot_gdtr_base = b->boot_gdtr.base, s->boot_gdtr_limit = b->boot_gdtr.limit;
	s->halted = d->hw->halted;
	fpu_put(d);
	s->fpu_used = d->fpu_used;
	memcpy(s->fpu_area, d->fpu_area, sizeof(s->fpu_area));
}

int bt_save_read_page(struct domain *d, uint32_t pfn, void *page)
{
	memcpy(page, phys_to_virt((paddr_t)d->p2m[pfn] << PAGE_SHIFT), PAGE_SIZE);
	/* Scanned code holds our traps: the guest's own bytes instead. */
	if (bt_patch_is_code(&d->bt->pc, pfn) &&
	    bt_patch_read(&d->bt->pc, (uint64_t)pfn << PAGE_SHIFT, page, PAGE_SIZE))
		return -EIO;
	return 0;
}

/* EFLAGS bits a guest holds: reserved ones, and VM (bt runs no
 * virtual-8086 mode), refused. */
#define EFLAGS_OK       (0x003f7fd7u & ~BT_FL_VM)

int bt_restore_vcpu(struct domain *d, const struct rv_save_bt_vcpu *s, char *why, size_t whylen)
{
	struct bt_domain *b = d->bt;
	struct bt_vcpu *v = &b->v;
#define REFUSE(...) do { snprintf(why, whylen, __VA_ARGS__); return -EINVAL; } while (0)
	if (s->cpl != 0 && s->cpl != 3)
		REFUSE("vCPU: CPL %u (a bt guest runs its kernel at 0 and programs at 3)", s->cpl);
	if ((s->eflags & ~EFLAGS_OK) || !(s->eflags & BT_FL_FIXED1))
		REFUSE("vCPU: EFLAGS %#x has reserved bits or VM", s->eflags);
	if ((s->cr0 & ~BT_CR0_DEFINED) || ((s->cr0 & BT_CR0_PG) && !(s->cr0 & BT_CR0_PE)) ||
	    ((s->cr0 & BT_CR0_NW) && !(s->cr0 & BT_CR0_CD)))
		REFUSE("vCPU: CR0 %#x is not one it could load", s->cr0);
	if (s->cr4 & ~v->cr4_valid)
		REFUSE("vCPU: CR4 %#x has bits this vCPU does not offer", s->cr4);
	if (s->efer & ~(BT_EFER_NXE | BT_EFER_SCE))
		REFUSE("vCPU: EFER %#llx (only NXE and SCE)", (unsigned long long)s->efer);
	if (s->gdtr_limit > 0xffff || s->idtr_limit > 0xffff)
		REFUSE("vCPU: a descriptor-table limit above 0xffff");
	const struct rv_save_seg *all[] = { &s->ldtr, &s->tr, &s->seg[0], &s->seg[1], &s->seg[2],
					    &s->seg[3], &s->seg[4], &s->seg[5] };
	for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
		if (all[i]->attrib & 0xf000)
			REFUSE("vCPU: segment %u has attribute bits above 11", i);
	if (s->dr[7] & (1u << 11 | 1u << 12 | 1u << 14 | 1u << 15))
		REFUSE("vCPU: reserved DR7 bits (%#x)", s->dr[7]);
	if (!x86_pat_valid(s->pat))
		REFUSE("vCPU: PAT %#llx holds a reserved memory type", (unsigned long long)s->pat);
	if ((s->apic_base & ~0x900ull) != 0xfee00000u)
		REFUSE("vCPU: the local APIC moved (APIC_BASE %#llx)", (unsigned long long)s->apic_base);
	if (s->sti_shadow > 1 || s->own_gdt > 1 || s->halted > 1 || s->fpu_used > 1)
		REFUSE("vCPU: a flag out of range");
	if (s->boot_gdtr_base != b->boot_gdtr.base || s->boot_gdtr_limit != b->boot_gdtr.limit)
		REFUSE("vCPU: its boot GDTR is not the loader's");
	uint32_t mxcsr;
	memcpy(&mxcsr, s->fpu_area + 24, 4);
	if (mxcsr & ~fpu_mxcsr_mask())
		REFUSE("vCPU: its FPU image has reserved MXCSR bits (%#x)", mxcsr);

	memcpy(v->gpr, s->gpr, sizeof(v->gpr));
	v->eip = s->eip;
	v->vif = s->eflags & BT_FL_IF;
	v->viopl = (uint8_t)((s->eflags & BT_FL_IOPL) >> BT_FL_IOPL_SHIFT);
	v->eflags = (s->eflags & ~(BT_FL_IF | BT_FL_IOPL)) | BT_FL_FIXED1;
	v->cpl = (uint8_t)s->cpl;
	v->sti_shadow = s->sti_shadow;
	v->cr0 = s->cr0 | BT_CR0_ET, v->cr2 = s->cr2, v->cr3 = s->cr3, v->cr4 = s->cr4;
	v->gdtr = (struct bt_dtr){ s->gdtr_base, (uint16_t)s->gdtr_limit };
	v->idtr = (struct bt_dtr){ s->idtr_base, (uint16_t)s->idtr_limit };
	seg_in(&v->ldtr, &s->ldtr);
	seg_in(&v->tr, &s->tr);
	for (unsigned i = 0; i < BT_NSEG; i++)
		seg_in(&v->seg[i], &s->seg[i]);
	memcpy(v->dr, s->dr, sizeof(v->dr));
	v->tsc_offset = s->guest_tsc - rdtsc();
	v->sysenter_cs = s->sysenter_cs, v->sysenter_esp = s->sysenter_esp;
	v->sysenter_eip = s->sysenter_eip;
	v->apic_base = s->apic_base, v->pat = s->pat, v->efer = s->efer;
	b->own_gdt = s->own_gdt;
	d->hw->halted = s->halted;
	memcpy(d->fpu_area, s->fpu_area, sizeof(d->fpu_area));
	d->fpu_used = s->fpu_used;

	/* Its paging as the shadow's root, then everything else built from
	 * its tables when it first runs. */
	bt_shadow_owner(d);
	bt_tlb_flush(d, 0, true);
	struct shadow_regs regs = bt_paging_regs(v);
	if (shadow_flush(&b->sh, &regs))
		REFUSE("vCPU: CR3 %#x: its page tables cannot be loaded", v->cr3);
	d->space = b->sh.root;
#undef REFUSE
	b->desc_dirty = true;
	b->rescan = true;
	b->devices_due = true;  /* its device models brought to now, its timer armed */
	memset(&d->vcpu.regs, 0, sizeof(d->vcpu.regs));
	bt_store(d, &d->vcpu.regs);
	return 0;
}
