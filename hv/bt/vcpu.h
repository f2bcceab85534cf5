/*
 * The bt vCPU (hv/bt/vcpu.c, vcpu_desc.c, vcpu_branch.c; docs/bt-vcpu.md):
 * a shadow of the privileged CPU state an unmodified guest kernel believes
 * it owns, and the trap-and-emulate of the privileged and sensitive
 * instructions it runs and of the control transfers ending patched blocks.
 *
 * The guest kernel really runs in ring 1. Each #GP or #UD it takes on a
 * privileged instruction (or each patched site, docs/bt-scan.md) reaches
 * bt_emulate_privileged(), which decodes the instruction at the guest's
 * EIP and runs it against struct bt_vcpu as a CPU would at the guest's
 * virtual CPL. Pure: guest memory, ports, MSRs, CPUID and the TSC are
 * reached through struct bt_ops, so host unit tests drive it
 * (tests/unit/test_btvcpu.c). The data instructions that touch MMIO are
 * hv/emul/emulate.c's; only privileged/system instructions are here.
 */
#ifndef HV_BT_VCPU_H
#define HV_BT_VCPU_H

#include "types.h"

/* EFLAGS bits (SDM vol. 1 3.4.3). */
#define BT_FL_CF        (1u << 0)
#define BT_FL_FIXED1    (1u << 1)       /* always reads 1 */
#define BT_FL_PF        (1u << 2)
#define BT_FL_AF        (1u << 4)
#define BT_FL_ZF        (1u << 6)
#define BT_FL_SF        (1u << 7)
#define BT_FL_TF        (1u << 8)
#define BT_FL_IF        (1u << 9)
#define BT_FL_DF        (1u << 10)
#define BT_FL_OF        (1u << 11)
#define BT_FL_IOPL      (3u << 12)
#define BT_FL_IOPL_SHIFT 12
#define BT_FL_NT        (1u << 14)
#define BT_FL_RF        (1u << 16)
#define BT_FL_VM        (1u << 17)
#define BT_FL_AC        (1u << 18)
#define BT_FL_VIF       (1u << 19)
#define BT_FL_VIP       (1u << 20)
#define BT_FL_ID        (1u << 21)

/* CR0 and CR4 bits (SDM vol. 3 2.5). */
#define BT_CR0_PE       (1u << 0)
#define BT_CR0_MP       (1u << 1)
#define BT_CR0_EM       (1u << 2)
#define BT_CR0_TS       (1u << 3)
#define BT_CR0_ET       (1u << 4)       /* hardwired to 1 since the P6 */
#define BT_CR0_NE       (1u << 5)
#define BT_CR0_WP       (1u << 16)
#define BT_CR0_AM       (1u << 18)
#define BT_CR0_NW       (1u << 29)
#define BT_CR0_CD       (1u << 30)
#define BT_CR0_PG       (1u << 31)
#define BT_CR0_DEFINED  (BT_CR0_PE | BT_CR0_MP | BT_CR0_EM | BT_CR0_TS | BT_CR0_ET | \
			 BT_CR0_NE | BT_CR0_WP | BT_CR0_AM | BT_CR0_NW | BT_CR0_CD | BT_CR0_PG)

#define BT_CR4_VME      (1u << 0)
#define BT_CR4_PVI      (1u << 1)
#define BT_CR4_TSD      (1u << 2)       /* RDTSC privileged */
#define BT_CR4_DE       (1u << 3)       /* DR4/DR5 #UD instead of aliasing DR6/DR7 */
#define BT_CR4_PSE      (1u << 4)
#define BT_CR4_PAE      (1u << 5)
#define BT_CR4_MCE      (1u << 6)
#define BT_CR4_PGE      (1u << 7)
#define BT_CR4_PCE      (1u << 8)
#define BT_CR4_OSFXSR   (1u << 9)
#define BT_CR4_OSXMMEXCPT (1u << 10)
/* What a 32-bit guest may set by default; bt_vcpu.cr4_valid narrows or
 * widens it (CPUID filtering decides). Any other bit: #GP(0). */
#define BT_CR4_DEFAULT_VALID (BT_CR4_VME | BT_CR4_PVI | BT_CR4_TSD | BT_CR4_DE | \
			      BT_CR4_PSE | BT_CR4_PAE | BT_CR4_MCE | BT_CR4_PGE | \
			      BT_CR4_PCE | BT_CR4_OSFXSR | BT_CR4_OSXMMEXCPT)
/* The CR0/CR4 bits whose change changes how addresses translate. */
#define BT_CR0_PAGING   (BT_CR0_PE | BT_CR0_WP | BT_CR0_PG)
#define BT_CR4_PAGING   (BT_CR4_PSE | BT_CR4_PAE | BT_CR4_PGE)

/* MSRs the vCPU keeps itself (SDM vol. 4). Others go to ops->rdmsr/wrmsr. */
#define BT_MSR_TSC              0x10
#define BT_MSR_APIC_BASE        0x1b
#define BT_MSR_SYSENTER_CS      0x174
#define BT_MSR_SYSENTER_ESP     0x175
#define BT_MSR_SYSENTER_EIP     0x176
#define BT_MSR_PAT              0x277
#define BT_MSR_EFER             0xc0000080u
#define BT_EFER_NXE             (1ull << 11)    /* execute-disable */
#define BT_EFER_SCE             (1ull << 0)     /* syscall enable: kept, no effect */
#define BT_PAT_RESET            0x0007040600070406ull

/* Exception vectors (SDM vol. 3 6.3.1). */
#define BT_VEC_BP       3
#define BT_VEC_UD       6
#define BT_VEC_NP       11
#define BT_VEC_SS       12
#define BT_VEC_GP       13
#define BT_VEC_PF       14

/* Register numbers (x86 encoding) and segment numbers (ModRM sreg). */
enum bt_reg { BT_EAX, BT_ECX, BT_EDX, BT_EBX, BT_ESP, BT_EBP, BT_ESI, BT_EDI };
enum bt_sreg { BT_ES, BT_CS, BT_SS, BT_DS, BT_FS, BT_GS, BT_NSEG };

/*
 * Segment attributes, packed as in the AMD VMCB (12 bits): descriptor byte
 * 5 (type, S, DPL, P) in bits 0-7, byte 6's high nibble (AVL, L, D/B, G)
 * in bits 8-11.
 */
#define BT_ATTR_TYPE    0x00fu
#define BT_ATTR_S       0x010u          /* code/data (not system) */
#define BT_ATTR_DPL_SHIFT 5
#define BT_ATTR_DPL     0x060u
#define BT_ATTR_P       0x080u
#define BT_ATTR_DB      0x400u          /* 32-bit code / 32-bit stack */
#define BT_ATTR_G       0x800u

/*
 * A segment register, LDTR or TR: the selector the guest sees and the
 * hidden part loaded from its descriptor. For CS and SS the selector keeps
 * the RPL the guest believes (0 for its kernel): the real one, RPL 1, is
 * the caller's business. attr 0 means unusable (a null selector loaded).
 */
struct bt_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t base;
	uint32_t limit;         /* byte granular (G already applied) */
};

/* GDTR / IDTR. */
struct bt_dtr {
	uint32_t base;
	uint16_t limit;
};

struct bt_vcpu {
	uint32_t gpr[8];        /* enum bt_reg */
	uint32_t eip;
	/*
	 * The flags the guest runs with, except IF and IOPL: those are the
	 * guest's view, kept apart in vif and viopl (the real IF is always 1
	 * and the real IOPL is the caller's choice). bt_vcpu_flags() joins
	 * them into what the guest would read.
	 */
	uint32_t eflags;
	bool     vif;
	uint8_t  viopl;
	uint8_t  cpl;           /* the CPL the guest believes: 0 kernel, 3 user */
	bool     sti_shadow;    /* an STI just set IF: no interrupt before the next insn */

	uint32_t cr0, cr2, cr3, cr4;
	uint32_t cr4_valid;     /* CR4 bits the guest may set (BT_CR4_DEFAULT_VALID) */
	struct bt_dtr gdtr, idtr;
	struct bt_seg ldtr, tr;
	struct bt_seg seg[BT_NSEG];     /* enum bt_sreg */
	uint32_t dr[8];         /* DR0-DR3, DR6, DR7 (4 and 5 unused) */

	/* MSRs */
	uint64_t tsc_offset;    /* guest TSC = ops->rdtsc() + tsc_offset */
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t apic_base;
	uint64_t pat;
	uint64_t efer;
};

/* An exception the guest takes: from an op (a #PF with its code and CR2)
 * or raised by the emulation itself. */
struct bt_fault {
	uint8_t  vector;
	bool     has_code;
	uint32_t code;
	uint32_t cr2;           /* #PF: the faulting linear address */
};

struct bt_vcpu;

/*
 * The caller's side. Every op gets ops->opaque. Memory is by linear
 * address (the caller walks the guest's page tables); an access may cross
 * a page and is passed whole. read and write return 0, or nonzero after
 * filling *f with the exception (a #PF, a #GP) to deliver.
 */
struct bt_ops {
	void *opaque;
	int  (*read)(void *opaque, uint32_t linear, void *buf, unsigned n, struct bt_fault *f);
	int  (*write)(void *opaque, uint32_t linear, const void *buf, unsigned n, struct bt_fault *f);
	/* IN (write false: fill *val) and OUT, size 1, 2 or 4. BT_PIO_WAIT:
	 * not now (the device cannot take it yet): the instruction is not done
	 * (a rep outs stops after the ones done) and BT_EMU_CONTINUE says run
	 * it again. Other nonzero: #GP(0). NULL: in/out/ins/outs not emulated. */
	int  (*pio)(void *opaque, uint16_t port, unsigned size, bool write, uint32_t *val);
	/* MSRs the vCPU does not keep (and APIC base writes, which the
	 * local APIC model may refuse). Nonzero or NULL: #GP(0). */
	int  (*rdmsr)(void *opaque, uint32_t msr, uint64_t *val);
	int  (*wrmsr)(void *opaque, uint32_t msr, uint64_t val);
	/* CPUID, already filtered; NULL: all zeroes. */
	void (*cpuid)(void *opaque, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* The host TSC (NULL: 0). */
	uint64_t (*rdtsc)(void *opaque);
	/* Notifications, after the change is made (any may be NULL). */
	void (*invlpg)(void *opaque, uint32_t linear);
	void (*cr3_write)(void *opaque, uint32_t old_cr3, uint32_t new_cr3);
	void (*paging_change)(void *opaque, uint32_t cr0, uint32_t cr4);
};

#define BT_PIO_WAIT     2

enum bt_emu {
	BT_EMU_DONE,            /* emulated; eip past the instruction */
	BT_EMU_HALT,            /* hlt: eip past it; run nothing until an interrupt */
	BT_EMU_INT,             /* int n/int3: deliver exit->vector as a software
				 * interrupt; eip is already past the instruction */
	BT_EMU_PRIV,            /* iret/retf to an outer ring: the vCPU is updated
				 * (cpl, cs:eip, ss:esp, flags); exit->priv says where */
	BT_EMU_CONTINUE,        /* a rep ins/outs cut at BT_MAX_REPS: registers
				 * updated for those done, eip unchanged: run again */
	BT_EMU_FAULT,           /* deliver exit->fault; nothing changed (but a rep
				 * string's completed iterations, as on hardware) */
	BT_EMU_UNHANDLED,       /* not an instruction emulated here (or a far
				 * jmp/call to a call gate, task gate or TSS):
				 * nothing changed */
};

/* Events of a BT_EMU_DONE, also told through the ops' notifications. */
#define BT_EV_STI_SHADOW        (1u << 0)       /* sti set IF: interrupt shadow */
#define BT_EV_CR3               (1u << 1)       /* CR3 written (TLB flush) */
#define BT_EV_PAGING            (1u << 2)       /* CR0.PE/WP/PG or CR4.PSE/PAE/PGE changed */
#define BT_EV_INVLPG            (1u << 3)       /* exit->linear */
#define BT_EV_DESC              (1u << 4)       /* GDTR/IDTR/LDTR/TR loaded */
/* The new CS:EIP is a control-flow target (jmp, jcc, loop, call, ret,
 * retf, iret; taken or not): scan it before resuming. Also set with
 * BT_EMU_PRIV (retf, iret to an outer ring). */
#define BT_EV_BRANCH            (1u << 5)

#define BT_MAX_REPS     1024u

struct bt_exit {
	uint32_t events;        /* BT_EV_* */
	uint8_t  vector;        /* BT_EMU_INT */
	struct bt_fault fault;  /* BT_EMU_FAULT */
	uint32_t linear;        /* BT_EV_INVLPG */
	struct {                /* BT_EMU_PRIV */
		uint8_t  cpl;
		uint16_t cs, ss;
		uint32_t eip, esp;
	} priv;
};

/* Reset state (SDM vol. 3 9.1.1, table 9-1) for a guest entered in
 * protected mode at CPL 0 with flat 4 GiB segments; the caller then sets
 * the registers its loader chose. */
void bt_vcpu_init(struct bt_vcpu *v);

/* EFLAGS as the guest reads them (pushf): the virtual IF and IOPL. */
uint32_t bt_vcpu_flags(const struct bt_vcpu *v);

/* Decode and emulate the instruction at v->seg[BT_CS].base + v->eip. */
enum bt_emu bt_emulate_privileged(struct bt_vcpu *v, const struct bt_ops *ops,
				  struct bt_exit *exit);

#endif
