/* CPU identification and the hypervisor's GDT, IDT and TSS. */
#include "cpu.h"
#include <public/hypercall.h>
#include "switch.h"
#include "printk.h"
#include "string.h"
#include "x86.h"

struct cpu_features cpu_features;
extern const uint32_t trap_stub_table[NUM_VECTORS];

void cpu_detect(void)
{
	struct cpu_features *f = &cpu_features;
	uint32_t a, b, c, d, max, maxext;

	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(f->vendor + 0, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = '\0';
	if (max >= 1) {
		cpuid(1, 0, &a, &b, &c, &d);
		f->stepping = a & 0xf;
		f->model = (a >> 4) & 0xf;
		f->family = (a >> 8) & 0xf;
		if (f->family == 0xf)
			f->family += (a >> 20) & 0xff;
		if (f->family >= 6)
			f->model |= ((a >> 16) & 0xf) << 4;
		f->tsc = d & (1u << 4);
		f->pae = d & (1u << 6);
		f->apic = d & (1u << 9);
		f->pge = d & (1u << 13);
		f->fxsr = d & (1u << 24);
		f->sse = d & (1u << 25);
	}
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->smep = b & (1u << 7);
	}
	cpuid(0x80000000, 0, &maxext, &b, &c, &d);
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1u << 20);
		f->svm = c & (1u << 2);
	}
	if (maxext >= 0x80000004) {
		uint32_t *brand = (uint32_t *)f->brand;
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1],
			      &brand[4 * i + 2], &brand[4 * i + 3]);
		f->brand[48] = '\0';
	}
	if (maxext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & (1u << 8);
	}
	/* Without leaf 0x80000008 a PAE CPU has 36 address bits (Intel SDM
	 * 4.1.4); the leaf's width is believed only within PAE's 52.
	 *
	 * AMD's FXSAVE stores, and its FXRSTOR loads, the x87 last-instruction
	 * pointer, last-data pointer and opcode (FIP, FDP, FOP) only while an
	 * x87 exception is pending; otherwise the previous FPU owner's values
	 * stay in the FPU for the next one to read (CVE-2006-1056). CPUs that
	 * always save and restore them say so with XSaveErPtr (CPUID
	 * 0x80000008 EBX bit 2, from Zen 2 on). Hygon's Dhyana is AMD's Zen 1.
	 */
	bool amd = !strcmp(f->vendor, "AuthenticAMD") || !strcmp(f->vendor, "HygonGenuine");
	bool xsave_err_ptr = false;
	f->phys_bits = 36;
	if (maxext >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		if ((a & 0xff) >= 32 && (a & 0xff) <= 52)
			f->phys_bits = a & 0xff;
		xsave_err_ptr = b & (1u << 2);
	}
	f->fxsave_leak = amd && !xsave_err_ptr;
	if (f->svm && maxext >= 0x8000000A) {
		cpuid(0x8000000A, 0, &a, &b, &c, &d);
		f->svm_rev = a & 0xff;
		f->svm_asids = b;
		f->svm_npt = d & (1u << 0);
		f->svm_nrips = d & (1u << 3);
		f->svm_vmcb_clean = d & (1u << 5);
		f->svm_decode_assists = d & (1u << 7);
	}
}

static void set_seg_in(struct seg_desc *table, unsigned slot, uint32_t base, uint32_t limit,
		       uint8_t access, uint8_t flags)
{
	struct seg_desc *s = &table[slot];
	s->limit_lo = limit & 0xffff;
	s->base_lo = base & 0xffff;
	s->base_mid = (base >> 16) & 0xff;
	s->access = access;
	s->limit_hi_flags = (uint8_t)(flags | ((limit >> 16) & 0xf));
	s->base_hi = (uint8_t)(base >> 24);
}

static void set_seg(unsigned slot, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	set_seg_in(gdt, slot, base, limit, access, flags);
}

#define GATE_INTERRUPT  0x8e    /* 32-bit interrupt gate: clears IF */
#define GATE_TRAP       0x8f    /* 32-bit trap gate: leaves IF alone */

static void set_gate(unsigned vec, uint32_t offset, uint16_t sel, unsigned dpl, uint8_t type)
{
	struct gate_desc *g = &idt[vec];
	g->offset_lo = offset & 0xffff;
	g->offset_hi = offset >> 16;
	g->selector = sel;
	g->zero = 0;
	g->type_attr = (uint8_t)(type | (dpl << 5));
}

/* The DPL each hypervisor gate has when no guest gate replaces it, and
 * which gates are a guest's now. */
static uint8_t hv_gate_dpl[NUM_VECTORS];
static bool gate_guest[NUM_VECTORS];

void idt_set_dpl(unsigned vec, unsigned dpl)
{
	hv_gate_dpl[vec] = (uint8_t)dpl;
	set_gate(vec, trap_stub_table[vec], HV_CS, dpl, GATE_INTERRUPT);
}

void idt_set_guest_gate(unsigned vec, uint32_t eip, unsigned dpl)
{
	/* A trap gate straight into the guest kernel in ring 1 (see pv/traps.c). */
	idt_set_guest_gate_sel(vec, eip, RV_GUEST_KERNEL_CS & ~3u, dpl);
}

void idt_set_guest_gate_sel(unsigned vec, uint32_t eip, uint16_t sel, unsigned dpl)
{
	set_gate(vec, eip, sel, dpl, GATE_TRAP);
	gate_guest[vec] = true;
}

void idt_restore_gate(unsigned vec)
{
	set_gate(vec, trap_stub_table[vec], HV_CS, hv_gate_dpl[vec], GATE_INTERRUPT);
	gate_guest[vec] = false;
}

void idt_open_stub(unsigned vec, unsigned dpl)
{
	set_gate(vec, trap_stub_table[vec], HV_CS, dpl, GATE_INTERRUPT);
	gate_guest[vec] = true;
}

bool idt_gate_is_guest(unsigned vec)
{
	return gate_guest[vec];
}

void idt_restore_guest_gates(void)
{
	for (unsigned v = 0; v < NUM_VECTORS; v++)
		if (gate_guest[v])
			idt_restore_gate(v);
}

static bool rdtsc_traps;

void cpu_trap_rdtsc(bool on)
{
	if (on == rdtsc_traps)
		return;
	write_cr4(on ? read_cr4() | CR4_TSD : read_cr4() & ~CR4_TSD);
	rdtsc_traps = on;
}

static bool smep_on;

void cpu_smep(bool on)
{
	on = on && cpu_features.smep;
	if (on == smep_on)
		return;
	write_cr4(on ? read_cr4() | CR4_SMEP : read_cr4() & ~CR4_SMEP);
	smep_on = on;
}

static bool gdt_is_bt;

static unsigned ldt_entries;

void ldt_use(unsigned n)
{
	if (n == ldt_entries)
		return;
	if (n) {
		/* An LDT descriptor (type 2) in the bt page, read-only like the
		 * rest: its accessed bit does not exist, so nothing is written. */
		set_seg_in(bt_gdt, GDT_BT_LDT, SWITCH_BT_LDT, n * 8 - 1, 0x82, 0x00);
		lldt(GDT_BT_LDT << 3);
	} else {
		lldt(0);
		memset(&bt_gdt[GDT_BT_LDT], 0, sizeof(bt_gdt[0]));
	}
	ldt_entries = n;
}

void gdt_use(bool bt)
{
	if (!bt)
		ldt_use(0);
	if (bt == gdt_is_bt)
		return;
	struct desc_ptr gp = { GDT_ENTRIES * 8 - 1, bt ? SWITCH_BT_GDT : SWITCH_GDT };
	lgdt(&gp);
	gdt_is_bt = bt;
}

void gdt_set_guest_slots(const uint64_t *slots)
{
	for (unsigned i = 0; i < RV_GDT_GUEST_SLOTS; i++)
		memcpy(&gdt[RV_GDT_FIRST_GUEST_SLOT + i], &slots[i], sizeof(slots[i]));
}

void cpu_enable_fpu(void)
{
	/* FPU and SSE for guests (the hypervisor itself never touches them:
	 * it is built with -mgeneral-regs-only). NE: native x87 errors. */
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
	if (cpu_features.fxsr) {
		uint32_t cr4 = read_cr4() | CR4_OSFXSR;
		if (cpu_features.sse)
			cr4 |= CR4_OSXMMEXCPT;
		write_cr4(cr4);
	}
}

void tss_set_ring1_stack(uint32_t ss1, uint32_t esp1)
{
	tss->ss1 = ss1;
	tss->esp1 = esp1;
}

void cpu_load_tables(void)
{
	/*
	 * Access bytes have the accessed bit (bit 0) preset: the GDT is mapped
	 * read-only, and a CPU that had to set it would fault (probe p6).
	 * 0x9b/0x93 ring 0, 0xbb/0xb3 ring 1, 0xfb/0xf3 ring 3; 0xcf = 4 KiB
	 * granularity, 32-bit, limit 0xfffff (flat 4 GiB).
	 */
	memset(gdt, 0, PAGE_SIZE);
	set_seg(GDT_HV_CS, 0, 0xfffff, 0x9b, 0xc0);
	set_seg(GDT_HV_DS, 0, 0xfffff, 0x93, 0xc0);
	set_seg(GDT_GUEST_KCS, 0, 0xfffff, 0xbb, 0xc0);
	set_seg(GDT_GUEST_KDS, 0, 0xfffff, 0xb3, 0xc0);
	set_seg(GDT_GUEST_UCS, 0, 0xfffff, 0xfb, 0xc0);
	set_seg(GDT_GUEST_UDS, 0, 0xfffff, 0xf3, 0xc0);
	/* The TSS descriptor points at the switch-region (high) address. */
	set_seg(GDT_TSS, SWITCH_TSS, sizeof(struct tss32) - 1, 0x89, 0x00);

	memset(tss, 0, sizeof(*tss));
	tss->ss0 = HV_DS;
	tss->esp0 = SWITCH_ENTRY_STACK_TOP;
	tss->iomap_base = __builtin_offsetof(struct tss32, iomap);
	memset(tss->iomap, 0xff, sizeof(tss->iomap));   /* every port denied */

	for (unsigned v = 0; v < NUM_VECTORS; v++)
		idt_set_dpl(v, 0);

	/*
	 * ltr marks the TSS descriptor busy, a write to the GDT: do it while
	 * GDTR still points at the writable low alias, then move GDTR to the
	 * read-only switch-region copy.
	 */
	struct desc_ptr gp = { GDT_ENTRIES * 8 - 1, (uint32_t)(uintptr_t)gdt };
	lgdt(&gp);
	load_segments(HV_CS, HV_DS);
	ltr(TSS_SEL);
	gp.base = SWITCH_GDT;
	lgdt(&gp);
	load_segments(HV_CS, HV_DS);
	/* The bt page has the same hypervisor slots (the TSS's already busy). */
	memcpy(&bt_gdt[GDT_HV_FIRST], &gdt[GDT_HV_FIRST],
	       (GDT_ENTRIES - GDT_HV_FIRST) * sizeof(*gdt));
	struct desc_ptr ip = { NUM_VECTORS * 8 - 1, SWITCH_IDT };
	lidt(&ip);
}
