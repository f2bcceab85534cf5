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
 * TLS descriptors and TSS.ESP0 at every context switch). The GDT's frames
 * are write-protected in the shadow page tables: a write into the table is
 * emulated and the copy rebuilt before the guest runs again. The IDT and
 * the TSS are read when they are used instead: the gate at each delivery,
 * the direct gate and ESP0 each time the guest is about to run its
 * programs, the only moment the CPU uses them without us.
 */
#include "bt.h"
#include "domain.h"
#include "string.h"
#include "switch.h"
#include "x86.h"
#include "../hw/hw.h"

#define DESC_S          (1ull << 44)
#define DESC_DPL_SHIFT  45
#define DESC_DPL        (3ull << DESC_DPL_SHIFT)
#define DESC_P          (1ull << 47)
#define DESC_ACCESSED   (1ull << 40)

/* Slots of the bt GDT page the last bt domain switched in filled. */
static unsigned bt_gdt_used = GDT_HV_FIRST;

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

/* The guest frames under [linear, linear + len): tracked, with the bytes
 * of each the table covers (a write next to the table is only a write). */
static void track_range(struct domain *d, uint32_t linear, uint32_t len)
{
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	for (uint32_t p = linear; len; ) {
		uint32_t chunk = MIN(len, PAGE_SIZE - (p & (PAGE_SIZE - 1)));
		struct shadow_fault_out out;
		if (shadow_translate(&b->sh, p, 0, &regs, 0, &out) == SHADOW_TRANSLATED &&
		    b->ntrack < BT_TRACK_MAX) {
			struct bt_track *t = &b->track[b->ntrack++];
			t->gfn = out.gpa >> PAGE_SHIFT;
			t->lo = (uint16_t)(p & (PAGE_SIZE - 1));
			t->hi = (uint16_t)(t->lo + chunk);
		}
		p += chunk, len -= chunk;
	}
}

/* Guest descriptors as the CPU may load them in ring 1: code and data with
 * DPL 0 made 1 and the accessed bit set (the copy is read-only); system
 * descriptors left out (their instructions are emulated). */
static void shadow_descs(uint64_t *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t e = t[i];
		if (!(e & DESC_S)) {
			t[i] = 0;
			continue;
		}
		if (!(e & DESC_DPL))
			e |= 1ull << DESC_DPL_SHIFT;
		t[i] = e | DESC_ACCESSED;
	}
}

static void build_ldt(struct domain *d);
static void load_ldt(struct domain *d);

static bool gdt_in_ram(struct domain *d, uint32_t linear, uint32_t len)
{
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	for (uint32_t p = linear & PAGE_MASK; len; p += PAGE_SIZE) {
		struct shadow_fault_out out;
		uint32_t chunk = MIN(len, PAGE_SIZE - (linear > p ? linear - p : 0));
		if (shadow_translate(&b->sh, p, 0, &regs, 0, &out) != SHADOW_TRANSLATED ||
		    !hw_gpa_to_ma(d, out.gpa))
			return false;
		len -= MIN(len, chunk);
	}
	return true;
}

static void build_gdt(struct domain *d)
{
	struct bt_domain *b = d->bt;
	/* Until the guest loads a GDT of its own it runs on the loader's
	 * flat 0x08 and 0x10, which are in no table it can see (bt_build). */
	if (!b->own_gdt && b->v.gdtr.base == b->boot_gdtr.base &&
	    b->v.gdtr.limit == b->boot_gdtr.limit)
		return;
	b->own_gdt = true;
	uint32_t n = MIN(((uint32_t)b->v.gdtr.limit + 1) / 8, (uint32_t)GDT_BT_SLOTS);
	static uint64_t old[GDT_HV_FIRST];
	memcpy(old, b->gdt, sizeof(old));
	memset(b->gdt, 0, sizeof(b->gdt));
	/* Only what is in its RAM: a GDT in device memory (or unmapped) has
	 * no descriptor a selector load could use. */
	if (!gdt_in_ram(d, b->v.gdtr.base, n * 8) ||
	    bt_read(d, b->v.gdtr.base, b->gdt, n * 8, 0, false, &(struct bt_fault){ 0 })) {
		memset(b->gdt, 0, sizeof(b->gdt));
		n = 0;
	}
	shadow_descs(b->gdt, n);
	b->gdt[0] = 0;
	b->gdt_count = n;
	/* A segment register keeps the descriptor it loaded however the table
	 * changes (its hidden part), but the CPU reloads ours from the table
	 * on every way back into the guest: a loaded selector whose new entry
	 * is unusable keeps its old one until the guest loads it again. */
	for (unsigned k = 0; k < BT_NSEG; k++) {
		uint16_t sel = b->v.seg[k].sel;
		unsigned i = sel >> 3;
		if ((sel & 4) || !i || i >= GDT_HV_FIRST || !(old[i] & DESC_P))
			continue;
		if (!(b->gdt[i] & DESC_P) || !(b->gdt[i] & DESC_S)) {
			b->gdt[i] = old[i];
			b->gdt_count = MAX(b->gdt_count, i + 1);
		}
	}
}

static void find_direct_gate(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_fault f;
	b->direct_vec = 0;
	if (!b->patch)
		return;                 /* see docs/bt.md: the virtual IF needs the iret trap */
	uint32_t n = MIN(((uint32_t)b->v.idtr.limit + 1) / 8, 256u);
	static uint64_t idt_copy[256];
	if (n <= 32 || bt_read(d, b->v.idtr.base, idt_copy, n * 8, 0, false, &f))
		return;
	for (uint32_t v = 32; v < n; v++) {
		uint64_t g = idt_copy[v];
		if (vector_reserved(v))
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
		b->direct_raw = g;
		b->direct_sel = (uint16_t)(sel & ~3u);
		b->direct_eip = (hi & 0xffff0000u) | (lo & 0xffff);
		b->direct_dpl = 3;
		return;
	}
}

void bt_desc_resync(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_track old[BT_TRACK_MAX];
	unsigned nold = b->ntrack;
	memcpy(old, b->track, sizeof(old));

	b->desc_dirty = false;
	b->gdt_dirty = false;
	b->stats.desc_resyncs++;
	b->ntrack = 0;
	track_range(d, b->v.gdtr.base, (uint32_t)b->v.gdtr.limit + 1);
	if (b->v.ldtr.attr & BT_ATTR_P)
		track_range(d, b->v.ldtr.base, MIN(b->v.ldtr.limit + 1, BT_LDT_MAX * 8u));
	build_gdt(d);
	build_ldt(d);
	find_direct_gate(d);
	bt_desc_read_tss(d);
	/* A frame newly tracked may still be mapped writable in the shadow. */
	for (unsigned i = 0; i < b->ntrack; i++) {
		bool known = false;
		for (unsigned j = 0; j < nold; j++)
			known |= old[j].gfn == b->track[i].gfn;
		paddr_t ma = known ? 0 : hw_gpa_to_ma(d, b->track[i].gfn << PAGE_SHIFT);
		if (ma)
			shadow_write_protect(&b->sh, ma >> PAGE_SHIFT);
	}
	if (d == current)
		bt_desc_switch_in(d);
}

/*
 * The ring-1 stack of the direct gate: the guest TSS's SS0:ESP0. Its TSS is
 * not write-protected (a kernel rewrites ESP0 at every context switch): it
 * is read whenever the guest is about to run its programs, which is the
 * only time the CPU can use it without us (bt prepare_resume).
 */
void bt_desc_read_tss(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_fault f;
	uint32_t ss[2];
	uint32_t esp0 = 0;
	uint16_t ss0 = 0;
	if ((b->v.tr.attr & BT_ATTR_P) && !bt_read(d, b->v.tr.base + 4, ss, 8, 0, false, &f)) {
		esp0 = ss[0];
		ss0 = (uint16_t)ss[1];
	}
	if (esp0 == b->tss_esp0 && ss0 == b->tss_ss0)
		return;
	b->tss_esp0 = esp0;
	b->tss_ss0 = ss0;
	if (d == current)
		tss_set_ring1_stack(ss0 ? (uint16_t)((ss0 & ~3u) | 1) : 0, esp0);
}

/* The guest's LDT (lldt), shadowed as its GDT is, into the bt LDT page. */
static void build_ldt(struct domain *d)
{
	struct bt_domain *b = d->bt;
	uint32_t n = 0;
	if (b->v.ldtr.attr & BT_ATTR_P)
		n = MIN((b->v.ldtr.limit + 1) / 8, (uint32_t)BT_LDT_MAX);
	memset(b->ldt, 0, sizeof(b->ldt));
	if (n && (!gdt_in_ram(d, b->v.ldtr.base, n * 8) ||
		  bt_read(d, b->v.ldtr.base, b->ldt, n * 8, 0, false, &(struct bt_fault){ 0 })))
		n = 0;
	shadow_descs(b->ldt, n);
	b->ldt_count = n;
}

/* Copy descriptors into a table the CPU uses: code segments moved into the
 * code window when the domain has one (window.c). */
static void copy_out(const struct bt_domain *b, struct seg_desc *dst, const uint64_t *src,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = bt_win_desc(b, src[i]);
		memcpy(&dst[i], &e, sizeof(e));
	}
}

static void load_ldt(struct domain *d)
{
	struct bt_domain *b = d->bt;
	copy_out(b, bt_ldt, b->ldt, b->ldt_count);
	ldt_use(b->ldt_count);
}

/* The guest's GDT copy into the bt GDT page, and zeroes up to the most any
 * guest left there (the hypervisor's slots are never touched). */
static void load_gdt(struct domain *d)
{
	struct bt_domain *b = d->bt;
	unsigned n = MAX(b->gdt_count, 3u);
	copy_out(b, bt_gdt, b->gdt, n);
	if (bt_gdt_used > n)
		memset(&bt_gdt[n], 0, (bt_gdt_used - n) * sizeof(b->gdt[0]));
	bt_gdt_used = n;
}

void bt_desc_reload(struct domain *d)
{
	if (d != current)
		return;
	load_gdt(d);
	load_ldt(d);
}

void bt_gdt_resync(struct domain *d)
{
	struct bt_domain *b = d->bt;
	b->gdt_dirty = false;
	b->stats.desc_resyncs++;
	build_gdt(d);
	build_ldt(d);
	if (d == current) {
		load_ldt(d);
		load_gdt(d);
	}
}

/*
 * The guest's IDT is not write-protected (it shares its page with busy
 * data in ringos): every delivery reads the gate afresh, and the one gate
 * the CPU uses without us is checked before the guest's programs run.
 */
void bt_desc_check_gate(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_fault f;
	uint64_t g;
	if (!b->direct_vec)
		return;
	if (b->direct_vec * 8u + 7 <= b->v.idtr.limit &&
	    !bt_read(d, b->v.idtr.base + b->direct_vec * 8u, &g, 8, 0, false, &f) &&
	    g == b->direct_raw)
		return;
	find_direct_gate(d);
	if (d == current)
		bt_desc_switch_in(d);
}

void bt_desc_switch_in(struct domain *d)
{
	struct bt_domain *b = d->bt;
	load_gdt(d);
	gdt_use(true);
	load_ldt(d);
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
