/* x86 CPU state the hypervisor owns: descriptor tables, trap frames, features. */
#ifndef HV_CPU_H
#define HV_CPU_H

#include "types.h"
#include <public/ringvisor.h>

/* Slots 0-507 are guests' (a pv guest's fixed ones below, a bt guest's own
 * GDT in the bt GDT page); the hypervisor's are at the top, the same in
 * every GDT the CPU may use (RV_HV_CS, RV_HV_DS). */
#define GDT_NULL        0
#define GDT_HV_CS       508
#define GDT_HV_DS       509
#define GDT_TSS         510
#define GDT_HV_FIRST    508             /* slots a guest GDT may not use */
#define GDT_BT_LDT      507             /* bt page: the running bt guest's LDT */
#define GDT_BT_SLOTS    507             /* bt page: slots a bt guest's GDT fills */
#define GDT_GUEST_KCS   3
#define GDT_GUEST_KDS   4
#define GDT_GUEST_UCS   5
#define GDT_GUEST_UDS   6
#define GDT_ENTRIES     512             /* one page */

#define HV_CS           RV_HV_CS
#define HV_DS           RV_HV_DS
#define TSS_SEL         (GDT_TSS << 3)

/* Vectors. The 8259 PICs are remapped to 0x20-0x2f. */
#define VEC_DE          0
#define VEC_DB          1
#define VEC_NMI         2
#define VEC_BP          3
#define VEC_UD          6
#define VEC_NM          7
#define VEC_DF          8
#define VEC_TS          10
#define VEC_NP          11
#define VEC_SS          12
#define VEC_GP          13
#define VEC_PF          14
#define VEC_MC          18
#define NUM_EXCEPTIONS  32
#define VEC_IRQ_BASE    0x20
#define NUM_IRQS        16
#define VEC_HYPERCALL   0x82            /* int $0x82 from ring 1 (BRIEF.md) */
/* 0xf0-0xff: the hypervisor's own interrupts, never a guest's gate. */
#define VEC_HV_FIRST    0xf0
#define VEC_LAPIC_TIMER 0xf0            /* the local APIC's one-shot timer (lapic.c) */
#define VEC_LAPIC_SPURIOUS 0xff
#define NUM_VECTORS     256

/*
 * What every entry stub saves, lowest address first: the pushal block, the
 * data segment registers, the vector and error code pushed by the stub, and
 * the frame the CPU pushed. esp/ss exist only when the trap came from ring
 * 1 or 3 (cs & 3 != 0). Offsets reach assembly through asm-offsets.c.
 */
struct trap_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t gs, fs, es, ds;
	uint32_t vector;
	uint32_t error_code;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;
};

static inline bool trap_from_guest(const struct trap_frame *f)
{
	return (f->cs & 3) != 0;
}

/* A segment or gate descriptor. */
struct __packed seg_desc {
	uint16_t limit_lo, base_lo;
	uint8_t base_mid, access, limit_hi_flags, base_hi;
};
struct __packed gate_desc {
	uint16_t offset_lo, selector;
	uint8_t zero, type_attr;
	uint16_t offset_hi;
};
BUILD_ASSERT(sizeof(struct seg_desc) == 8, "descriptor size");
BUILD_ASSERT(sizeof(struct gate_desc) == 8, "gate size");

/* 32-bit TSS followed by the I/O permission bitmap (all ports denied). */
struct __packed tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
	uint8_t iomap[8192 + 1];        /* 65536 ports, then the 0xff terminator */
};
BUILD_ASSERT(__builtin_offsetof(struct tss32, iomap) == 104, "TSS layout");

/* CPU features the hypervisor checks before using (CPUID). */
struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	uint32_t phys_bits;             /* physical address width (CPUID 0x80000008; 36 without it) */
	/* SVM (CPUID 0x8000000A), for the hw technique: revision, ASIDs, and
	 * what QEMU's model lacks (probe 7: no NRIP save, no decode assists,
	 * no clean bits; nested paging only with PAE on both sides). */
	uint32_t svm_rev, svm_asids;
	bool svm_npt, svm_nrips, svm_vmcb_clean, svm_decode_assists;
	bool tsc, pae, pge, nx, smep, svm, apic, invariant_tsc, fxsr, sse;
	/* FXSAVE/FXRSTOR skip the x87 FIP, FDP and FOP unless an exception is
	 * pending (AMD without XSaveErPtr): hv/pv/fpu.c scrubs them. */
	bool fxsave_leak;
};
extern struct cpu_features cpu_features;

void cpu_detect(void);
/* Build GDT, IDT and TSS in the switch region and load them. */
void cpu_load_tables(void);
/* Point IDT vector vec at its stub with gate DPL dpl (0 = hypervisor only). */
void idt_set_dpl(unsigned vec, unsigned dpl);
/* Point vec straight at a guest kernel handler (ring-1 trap gate), or back
 * at the hypervisor's stub. */
void idt_set_guest_gate(unsigned vec, uint32_t eip, unsigned dpl);
void idt_restore_gate(unsigned vec);
/* The same with the guest code selector given (a bt domain's own). */
void idt_set_guest_gate_sel(unsigned vec, uint32_t eip, uint16_t sel, unsigned dpl);
/* Let `int vec` from ring dpl reach the hypervisor's stub (until restored). */
void idt_open_stub(unsigned vec, unsigned dpl);
/* Is vec's gate a guest's (set by idt_set_guest_gate or idt_open_stub)? */
bool idt_gate_is_guest(unsigned vec);
/* Every guest gate back to the hypervisor's stub: a new domain's own gates
 * start from a clean IDT. */
void idt_restore_guest_gates(void);
/* Which GDT the CPU uses: the hypervisor's (pv and hw domains, idle) or
 * the bt page (SWITCH_BT_GDT), whose slots below GDT_HV_FIRST the running
 * bt domain fills. Both hold the hypervisor's slots. */
void gdt_use(bool bt);
/* The bt page's LDT (n descriptors at SWITCH_BT_LDT), 0: none. */
void ldt_use(unsigned n);
/* CR4.TSD: RDTSC outside ring 0 raises #GP (a bt guest that moved its
 * TSC, or set its own TSD); off for every other guest. */
void cpu_trap_rdtsc(bool on);
/* CR4.SMEP (if the CPU has it): ring 0-2 cannot run user pages. On while a
 * bt domain with a code window runs (docs/bt.md), off for the others. */
void cpu_smep(bool on);
/* Write a vCPU's descriptors into the guest slots of the GDT. */
void gdt_set_guest_slots(const uint64_t *slots);
/* Let guests use the x87 FPU and SSE (CR0.MP/NE, CR4.OSFXSR when present). */
void cpu_enable_fpu(void);
/* Set the ring-1 stack the CPU loads on a ring 3 -> ring 1 transition. */
void tss_set_ring1_stack(uint32_t ss1, uint32_t esp1);

#endif
