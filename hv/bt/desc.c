/*
 * The shadows of a bt guest's descriptor tables (docs/bt.md, "Descriptor
 * tables").
 *
 * The CPU runs a bt guest on a GDT of ours, the bt page (SWITCH_BT_GDT):
 * its slots 0-507 are the guest's own descriptors, the hypervisor's three
 * are at the top (cpu.h). A guest descriptor of DPL 0 becomes DPL 1 there,
 * so that the selectors the kernel loads (0x08, 0x10, ...) work in ring 1
 * and the CPU makes their RPL 1; DPL 1-3 stay. System descriptors (TSS,
 * LDT, call and task gates) are left out: their instructions (ltr, lldt,
 * far transfers through gates) trap and are emulated or refused. The
 * accessed bit is set in every copy, since the page is read-only.
 *
 * The real IDT stays the hypervisor's: every exception and interrupt comes
 * here and is delivered through the guest's IDT in software (deliver.c),
 * except the guest's system-call gate, which becomes a real trap gate into
 * ring 1 so that its programs' system calls never enter the hypervisor.
 * The CPU then takes the ring-1 stack from our TSS, which holds the guest
 * TSS's SS0:ESP0.
 *
 * The guest writes these tables with ordinary stores (ringos writes its
 * TSS.ESP0 and its TLS descriptors at every context switch), so their
 * frames are write-protected in the shadow page tables: a write to them is
 * emulated and the shadows are rebuilt before the guest runs again.
 */
#include "bt.h"
#include "domain.h"
#include "string.h"
#include "switch.h"
#include "x86.h"

#define DESC_S          (1ull << 44)
#define DESC_DPL_SHIFT  45
#define DESC_DPL        (3ull << DESC_DPL_SHIFT)
#define DESC_P          (1ull << 47)
#define DESC_ACCESSED   (1ull << 40)

/* Vectors the hypervisor keeps for itself whatever the guest's IDT says. */
static bool vector_reserved(unsigned v)
{
	return v < 32 || (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + NUM_IRQS) ||
	       v == VEC_HYPERCALL || v >= VEC_HV_FIRST;
}

void bt_seg_from_desc(struct bt_seg *s, uint16_t sel, uint64_t desc)
{
	uint32_t lo = (uint32_t)desc, hi = (uint32_t)(desc >> 32);
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
	s->sel = sel;
	s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
	s->attr = (uint16_t)(((hi >> 8) & 0xff) | ((hi >> 12) & 0xf00));
	s->limit = (s->attr & BT_ATTR_G) ? (limit << 12) | 0xfff : limit;
}

int bt_guest_desc(struct domain *d, uint16_t sel, uint64_t *desc)
{
	struct bt_vcpu *v = &d->bt->v;
	struct bt_fault f;
	uint32_t base, limit;
	if (sel & 4) {
		if (!(v->ldtr.attr & BT_ATTR_P))
			return -1;
		base = v->ldtr.base, limit = v->ldtr.limit;
	} else {
		base = v->gdtr.base, limit = v->gdtr.limit;
	}
	if ((uint32_t)(sel & ~7u) + 7 > limit)
		return -1;
	return bt_read(d, base + (sel & ~7u), desc, 8, 0, false, &f) ? -1 : 0;
}

/* The guest frames under [linear, linear + len): tracked. */
static void track_range(struct domain *d, uint32_t linear, uint32_t len)
{
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	for (uint32_t p = linear & PAGE_MASK; p - (linear & PAGE_MASK) < len + (linear & ~PAGE_MASK);
	     p += PAGE_SIZE) {
		struct shadow_fault_out out;
		if (shadow_translate(&b->sh, p, 0, &regs, 0, &out) != SHADOW_TRANSLATED)
			continue;
		uint64_t gfn = out.gpa >> PAGE_SHIFT;
		if (bt_frame_tracked(d, gfn) || b->ntrack == BT_TRACK_MAX)
			continue;
		b->track[b->ntrack++] = gfn;
	}
}

static void build_gdt(struct domain *d)
{
	struct bt_domain *b = d->bt;
	uint32_t n = MIN(((uint32_t)b->v.gdtr.limit + 1) / 8, (uint32_t)GDT_HV_FIRST);
	struct bt_fault f;
	memset(b->gdt, 0, sizeof(b->gdt));
	if (bt_read(d, b->v.gdtr.base, b->gdt, n * 8, 0, false, &f))
		n = 0;                  /* not mapped: no usable selector, as on the CPU */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = b->gdt[i];
		if (!(e & DESC_S)) {
			b->gdt[i] = 0;  /* system descriptors: emulated, never loaded */
			continue;
		}
		if (!(e & DESC_DPL))
			e |= 1ull << DESC_DPL_SHIFT;
		b->gdt[i] = e | DESC_ACCESSED;
	}
	b->gdt[0] = 0;
	b->gdt_count = n;
}

static void find_direct_gate(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_fault f;
	b->direct_vec = 0;
	if (!b->patch)
		return;                 /* see docs/bt.md: the virtual IF needs the iret trap */
	uint32_t n = MIN(((uint32_t)b->v.idtr.limit + 1) / 8, 256u);
	for (uint32_t v = 32; v < n; v++) {
		uint64_t g;
		if (vector_reserved(v) || bt_read(d, b->v.idtr.base + v * 8, &g, 8, 0, false, &f))
			continue;
		uint32_t lo = (uint32_t)g, hi = (uint32_t)(g >> 32);
		unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
		/* A present 32-bit trap gate user programs may use, into a
		 * present non-conforming code segment of DPL 0. */
		if (!(hi & (1u << 15)) || type != 0x0f || dpl != 3)
			continue;
		uint16_t sel = (uint16_t)(lo >> 16);
		uint64_t cs;
		if (!(sel & ~3u) || bt_guest_desc(d, sel, &cs))
			continue;
		uint32_t chi = (uint32_t)(cs >> 32);
		if ((chi & 0x9e00) != 0x9a00 && (chi & 0x9e00) != 0x9800)
			continue;       /* not present, not code, or conforming */
		if ((chi >> 13) & 3)
			continue;
		if (sel & 4)
			continue;       /* LDT code: not in our GDT */
		b->direct_vec = (uint8_t)v;
		b->direct_sel = (uint16_t)(sel & ~3u);
		b->direct_eip = (hi & 0xffff0000u) | (lo & 0xffff);
		b->direct_dpl = 3;
		return;
	}
}

void bt_desc_resync(struct domain *d)
{
	struct bt_domain *b = d->bt;
	uint64_t old[BT_TRACK_MAX];
	unsigned nold = b->ntrack;
	struct bt_fault f;
	memcpy(old, b->track, sizeof(old));

	b->desc_dirty = false;
	b->stats.desc_resyncs++;
	b->ntrack = 0;
	track_range(d, b->v.gdtr.base, (uint32_t)b->v.gdtr.limit + 1);
	track_range(d, b->v.idtr.base, (uint32_t)b->v.idtr.limit + 1);
	if (b->v.tr.attr & BT_ATTR_P)
		track_range(d, b->v.tr.base, 104);
	build_gdt(d);
	find_direct_gate(d);
	b->tss_esp0 = 0;
	b->tss_ss0 = 0;
	if (b->v.tr.attr & BT_ATTR_P) {
		uint32_t ss[2];
		if (!bt_read(d, b->v.tr.base + 4, ss, 8, 0, false, &f)) {
			b->tss_esp0 = ss[0];
			b->tss_ss0 = (uint16_t)ss[1];
		}
	}
	/* A frame newly tracked may still be mapped writable in the shadow:
	 * start it afresh. */
	bool same = nold == b->ntrack && !memcmp(old, b->track, nold * sizeof(old[0]));
	if (!same) {
		struct shadow_regs regs = bt_paging_regs(&b->v);
		shadow_flush(&b->sh, &regs);
	}
	if (d == current)
		bt_desc_switch_in(d);
}

void bt_desc_switch_in(struct domain *d)
{
	struct bt_domain *b = d->bt;
	memcpy(bt_gdt, b->gdt, sizeof(b->gdt));
	gdt_use(true);
	idt_restore_guest_gates();
	/* int $0x82 is a pv guest's hypercall: from a bt guest it is its own
	 * software interrupt, which must come to us as a #GP. */
	idt_open_stub(VEC_HYPERCALL, 0);
	if (b->direct_vec)
		idt_set_guest_gate_sel(b->direct_vec, b->direct_eip, b->direct_sel, b->direct_dpl);
	/* The ring-1 stack of a direct gate: the guest kernel's, its RPL
	 * made 1 (the real SS of ring 1 must have RPL 1). */
	uint16_t ss1 = b->tss_ss0 ? (uint16_t)((b->tss_ss0 & ~3u) | 1) : 0;
	tss_set_ring1_stack(ss1, b->tss_esp0);
}
