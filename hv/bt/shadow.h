/*
 * Shadow page tables: the pure core (issue 14).
 *
 * A guest kernel in ring 1 keeps its own page tables in guest-physical
 * memory: 32-bit 2-level paging (4 KiB pages, 4 MiB pages with CR4.PSE and
 * PSE-36 high address bits) or PAE (4 KiB and 2 MiB pages, NX with
 * EFER.NXE). The CPU cannot use them: they hold guest frame numbers. The
 * hypervisor instead loads PAE tables of its own (the shadow) that map
 * guest-virtual addresses to machine frames through the domain's p2m, and
 * fills them lazily on page faults.
 *
 * Nothing here touches hardware: guest memory, the p2m and the shadow
 * frames are reached through struct shadow_ops, so host unit tests drive it
 * with arrays. See docs/shadow-paging.md for the design and sync policy.
 */
#ifndef HV_BT_SHADOW_H
#define HV_BT_SHADOW_H

#include "types.h"
#include "pagetable.h"

/* Guest control-register bits the walk looks at (SDM vol. 3 ch. 2, 4). */
#define SH_CR0_WP       (1u << 16)      /* supervisor writes obey R/W */
#define SH_CR0_PG       (1u << 31)      /* paging on */
#define SH_CR4_PSE      (1u << 4)       /* 4 MiB pages in 32-bit paging */
#define SH_CR4_PAE      (1u << 5)
#define SH_EFER_NXE     (1ull << 11)    /* XD bit in PAE entries */

/* Page-fault error code (SDM vol. 3 6.15, "Interrupt 14"). */
#define PFEC_P          (1u << 0)       /* 0: not present, 1: protection */
#define PFEC_W          (1u << 1)       /* the access was a write */
#define PFEC_U          (1u << 2)       /* the access was at CPL 3 */
#define PFEC_RSVD       (1u << 3)       /* a reserved bit set in an entry */
#define PFEC_I          (1u << 4)       /* an instruction fetch (PAE+NXE only) */

/*
 * How the core reaches the world. Every function gets opaque. Guest
 * physical addresses (gpa) and frame numbers (gfn) are 64-bit: PSE-36 and
 * PAE entries reach above 4 GiB.
 */
struct shadow_ops {
	void *opaque;
	/* Read/write a word of guest RAM (a guest table entry). 0, or
	 * negative when gpa is not the guest's RAM (a device, a hole). The
	 * writes only set accessed and dirty bits. */
	int (*read32)(void *opaque, uint64_t gpa, uint32_t *val);
	int (*read64)(void *opaque, uint64_t gpa, uint64_t *val);
	int (*write32)(void *opaque, uint64_t gpa, uint32_t val);
	int (*write64)(void *opaque, uint64_t gpa, uint64_t val);
	/* gfn -> machine frame; 0: not the guest's RAM (MMIO or nothing). */
	uint64_t (*translate)(void *opaque, uint64_t gfn);
	/* Give back a shadow page table that the core allocated through
	 * env->alloc. */
	void (*free)(void *opaque, paddr_t frame);
	/* Optional: true when the caller write-protects this guest frame (it
	 * is a guest page table, or scanned code): shadow entries map it
	 * read-only and a guest write to it is handed back to the caller
	 * (SHADOW_WRITE_PROTECTED) to emulate. NULL: none is. */
	bool (*write_protected)(void *opaque, uint64_t gfn);
	/* Optional: called with each guest frame a walk used as a page table
	 * for a translation it put in the shadow: what the caller would
	 * write-protect to keep shadows across CR3 switches. */
	void (*table_used)(void *opaque, uint64_t gfn);
	/* The shadow tables (machine addresses). env->nx: the host runs with
	 * EFER.NXE, so guest NX can be enforced. */
	const struct pt_env *env;
};

/* The guest's paging registers: what the walk depends on. */
struct shadow_regs {
	uint32_t cr0;
	uint32_t cr3;
	uint32_t cr4;
	uint64_t efer;
};

struct shadow_stats {
	uint64_t hidden;        /* shadow misses filled (the guest never sees them) */
	uint64_t guest_pf;      /* faults reflected to the guest */
	uint64_t mmio;          /* accesses to guest frames that are not RAM */
	uint64_t wprot;         /* writes to write-protected guest frames */
	uint64_t flushes;       /* whole shadows dropped (CR3 / mode change) */
	uint64_t invlpgs;
};

struct shadow_ctx {
	const struct shadow_ops *ops;
	struct pae_space root;  /* the shadow PDPT (what the host CR3 holds) */
	/* Guest linear addresses at or above hv_base are the hypervisor's:
	 * never filled, never dropped (0: no such range). 2 MiB aligned. */
	uint32_t hv_base;
	unsigned maxphyaddr;    /* the guest's MAXPHYADDR (CPUID 0x80000008) */
	/* The paging registers the shadow was built for. */
	struct shadow_regs regs;
	bool loaded;
	/* PAE: the four PDPTEs, loaded at CR3 load as the CPU does (SDM
	 * 4.4.1): later guest writes to the PDPT count only after a reload. */
	uint64_t pdpte[4];
	struct shadow_stats stats;
};

/* What a fault turned out to be. */
enum shadow_result {
	SHADOW_FILLED,          /* hidden fault: the shadow maps it now; resume */
	SHADOW_GUEST_PF,        /* inject #PF(out->error_code), CR2 = out->cr2 */
	SHADOW_MMIO,            /* gpa is not RAM: emulate the access at out->gpa */
	SHADOW_WRITE_PROTECTED, /* a write to a protected frame: emulate at out->gpa */
	SHADOW_BAD_TABLE,       /* the guest's tables lie outside its RAM */
	SHADOW_TRANSLATED,      /* shadow_translate: out->gpa is the address */
};

struct shadow_fault_out {
	uint32_t error_code;    /* SHADOW_GUEST_PF */
	uint32_t cr2;           /* SHADOW_GUEST_PF: the faulting linear address */
	uint64_t gpa;           /* MMIO / WRITE_PROTECTED / BAD_TABLE */
};

/* Bits of the software-available field (9-11) of a shadow PDE. */
#define SH_PDE_LARGE    (1ull << 9)     /* holds pieces of a guest large page */

/*
 * Make the shadow root (PDPT and four directories). 0 or -RV_ENOMEM.
 * maxphyaddr: the guest's (36 is PSE-36 and the P6 family's PAE).
 */
int shadow_init(struct shadow_ctx *ctx, const struct shadow_ops *ops, unsigned maxphyaddr,
		uint32_t hv_base);
/* Free every shadow frame, the root included. */
void shadow_destroy(struct shadow_ctx *ctx);

/*
 * A #PF taken while the guest ran on the shadow. error_code: the hardware's
 * (only W and I are used: what the access was); cpl: the guest's privilege
 * (ring 1 is supervisor for paging, 3 is user). Returns a shadow_result
 * with *out filled, or -RV_ENOMEM (no frame for a shadow table: free some
 * and retry), -RV_EINVAL / -RV_EFAULT (the PAE PDPTEs cannot be loaded: see
 * shadow_flush), -RV_EFAULT (linear is at or above hv_base). Registers that differ from those of the last flush reload
 * the shadow first.
 */
int shadow_fault(struct shadow_ctx *ctx, uint32_t linear, uint32_t error_code,
		 const struct shadow_regs *regs, unsigned cpl, struct shadow_fault_out *out);

/*
 * The guest's own translation of linear for an access (PFEC_W, PFEC_I) at
 * cpl, as the CPU's walk would do it, A and D set, nothing put in the
 * shadow: for the hypervisor's accesses on the guest's behalf (emulated
 * instructions, exception delivery). SHADOW_TRANSLATED with out->gpa,
 * SHADOW_GUEST_PF (error code and CR2 in *out), SHADOW_BAD_TABLE, or
 * shadow_flush's errors.
 */
int shadow_translate(struct shadow_ctx *ctx, uint32_t linear, uint32_t access,
		     const struct shadow_regs *regs, unsigned cpl, struct shadow_fault_out *out);

/*
 * The guest wrote CR3 (or changed CR0.PG/WP, CR4.PSE/PAE/PGE, EFER.NXE):
 * drop the whole shadow and, in PAE, load the four PDPTEs. 0; -RV_EINVAL
 * when a present PDPTE has reserved bits set (the guest's MOV to CR3 takes
 * #GP(0), SDM 4.4.1); -RV_EFAULT when the PDPT is not the guest's RAM.
 */
int shadow_flush(struct shadow_ctx *ctx, const struct shadow_regs *regs);

/* The caller now write-protects machine frame mfn: every shadow entry that
 * maps it writable becomes read-only (the next guest write there faults
 * with SHADOW_WRITE_PROTECTED). Returns how many entries changed. Cheaper
 * than a flush: nothing else has to be refilled. The caller reloads CR3
 * (or flushes the TLB) before the guest runs again. */
unsigned shadow_write_protect(struct shadow_ctx *ctx, uint64_t mfn);

/* The guest ran INVLPG linear: drop the shadow of the page holding it (all
 * of a guest large page). */
void shadow_invlpg(struct shadow_ctx *ctx, uint32_t linear);

#endif
