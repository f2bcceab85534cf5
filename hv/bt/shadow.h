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
	/* Optional: install the caller's own tables (at and above hv_base)
	 * in a root the core just made (0, or negative: no root then), and
	 * take them out before the core frees a root. NULL: the core frees
	 * every table it finds in a root, above hv_base too. */
	int (*root_init)(void *opaque, struct pae_space *root);
	void (*root_fini)(void *opaque, struct pae_space *root);
	/* Optional: the shadow of [linear, linear + len) in root was just
	 * dropped (len 0: everything below hv_base), for a caller that keeps
	 * mappings of its own derived from those entries (bt's code window). */
	void (*dropped)(void *opaque, const struct pae_space *root, uint32_t linear,
			uint32_t len);
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
	/* The cache of shadow roots (shadow_cache_enable). */
	uint64_t root_hits;     /* CR3 loads that found their shadow kept */
	uint64_t root_misses;   /* ... that had to start an empty one */
	uint64_t root_resets;   /* kept roots dropped: their PAE PDPTEs changed */
	uint64_t tables;        /* guest frames that became write-protected tables */
	uint64_t table_writes;  /* guest writes into them, emulated and synced */
	uint64_t unsyncs;       /* tables let go after a flood of writes */
	uint64_t evictions;     /* tables or uses dropped to make room */
	uint64_t rmap_drops;    /* writable entries made read-only for rmap room */
	uint64_t reclaims;      /* fills that had to free kept shadows for frames */
	uint64_t self_maps;     /* tables let go that a fill through themselves
				 * mapped writable: their root resyncs at its next load */
};

/*
 * The cache of shadow roots and the guest page tables that are kept in sync
 * by write protection (docs/shadow-paging.md, "Sync policies"). The caller
 * owns the memory (about 40 KiB); see shadow_cache_enable.
 */
#ifndef SHADOW_LIMITS_SMALL
#define SHADOW_ROOTS    8       /* address spaces whose shadows are kept */
#define SHADOW_TABLES   256     /* guest page tables and directories tracked */
#define SHADOW_USES     16      /* shadow places one guest table feeds */
#define SHADOW_RMAP     2048    /* writable shadow entries remembered */
#else                           /* a host unit test that wants every eviction */
#define SHADOW_ROOTS    4
#define SHADOW_TABLES   8
#define SHADOW_USES     3
#define SHADOW_RMAP     16
#endif
#define SHADOW_RMAP_WAYS 4
#define SHADOW_FLOOD    8       /* writes in a row, no walk between: let go */

struct shadow_root {
	struct pae_space space; /* pdpt 0: a free slot */
	struct shadow_regs regs;
	uint64_t pdpte[4];
	uint64_t stamp;         /* last CR3 load (LRU) */
	bool unsynced;          /* holds entries made from an untracked table:
				 * emptied at its next CR3 load (flush policy) */
};

/* A guest frame some shadow was filled from: each use names the root and
 * the place there that depends on it (sh_use_* in shadow_sync.c). */
struct shadow_table {
	uint64_t gfn;
	uint16_t next;          /* hash chain: index + 1, 0 = end */
	uint8_t nuse;           /* 0: a free record */
	uint8_t writes;         /* writes since a walk last used it */
	uint32_t use[SHADOW_USES];
};

/* A shadow entry that maps a machine frame writable, for finding it again
 * when the frame becomes a table (mfn 0 = empty). */
struct shadow_rmap {
	uint32_t mfn;
	uint32_t where;         /* root << 20 | linear page number */
};

struct shadow_cache {
	struct shadow_root roots[SHADOW_ROOTS];
	unsigned cur;           /* the root in ctx->root */
	uint64_t clock;
	struct shadow_table tables[SHADOW_TABLES];
	uint16_t hash[SHADOW_TABLES];   /* by gfn: index + 1 */
	unsigned victim;        /* next table record to reuse when full */
	struct shadow_rmap rmap[SHADOW_RMAP];
	uint8_t rmap_next[SHADOW_RMAP / SHADOW_RMAP_WAYS];
	uint64_t forgotten;     /* the frame shadow_forget let go last, + 1 (0: none) */
};

struct shadow_ctx {
	const struct shadow_ops *ops;
	/* The shadow PDPT (what the host CR3 holds). With the cache on, CR3
	 * loads switch it between kept roots: read it after every call. */
	struct pae_space root;
	struct shadow_cache *cache;     /* NULL: one root, dropped at each CR3 load */
	/* Guest linear addresses at or above hv_base are the hypervisor's:
	 * never filled, never dropped (0: no such range). 2 MiB aligned. */
	uint32_t hv_base;
	/* Supervisor pages are never executable in the shadow (NX, when the
	 * host has it): the caller runs the guest kernel's code from copies
	 * elsewhere (bt's code window, docs/bt.md). User pages stay as the
	 * guest says; the host's SMEP keeps ring 1 from running them. */
	bool sup_nx;
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

/*
 * Keep shadows across CR3 loads (the "cache" sync policy): up to
 * SHADOW_ROOTS roots are kept, each guest frame a fill walks through as a
 * page table or directory is write-protected in every root, and the caller
 * reports each write into one (shadow_written) after emulating it. mem:
 * sizeof(struct shadow_cache) bytes the caller keeps until
 * shadow_destroy. Call once, right after shadow_init. 0 or -RV_EINVAL.
 */
int shadow_cache_enable(struct shadow_ctx *ctx, struct shadow_cache *mem);

/* "cache" -> true, "flush" -> false (a command-line option's value): 0, or
 * -RV_EINVAL for anything else. */
int shadow_parse_policy(const char *v, bool *cache);

/* One line of the cache's counters for a domain's dump ("N CR3 loads found
 * theirs, ..."), into buf. */
void shadow_cache_describe(const struct shadow_stats *s, char *buf, size_t n);

/* True when gfn is a guest page table the cache write-protects: a write
 * there comes back as SHADOW_WRITE_PROTECTED; emulate it, then call
 * shadow_written. */
bool shadow_is_table(const struct shadow_ctx *ctx, uint64_t gfn);

/* The guest (or the hypervisor for it) wrote n bytes at gpa: drop every
 * shadow entry, in every kept root, made from the entries written. A table
 * written SHADOW_FLOOD times with no walk between stops being tracked.
 * Nothing when gpa is no tracked table. */
void shadow_written(struct shadow_ctx *ctx, uint64_t gpa, unsigned n);

/* Stop tracking gfn as a table (a write there the caller cannot emulate):
 * the shadows made from it are dropped, and the frame is writable again. */
void shadow_forget(struct shadow_ctx *ctx, uint64_t gfn);

/* Check every entry of the current root against the guest's walk through
 * its tables as they are now (a debugging aid: slow). 0, or the kind of
 * the first entry found wrong with its linear address in *bad. */
int shadow_audit(struct shadow_ctx *ctx, uint32_t *bad);

/* The guest ran INVLPG linear: drop the shadow of the page holding it (all
 * of a guest large page). */
void shadow_invlpg(struct shadow_ctx *ctx, uint32_t linear);

#endif
