/*
 * bt: full virtualization in software (docs/bt.md). An unmodified PC
 * kernel runs deprivileged in ring 1 on the emulated PC of hv/vdev/: its
 * privileged instructions trap and are emulated against a vCPU shadow
 * (vcpu.c), the sensitive ones that do not trap are found by scanning each
 * basic block before it first runs and patched to trap (scan.c, patch.c),
 * and its page tables are shadowed by tables the hypervisor owns
 * (shadow.c). Private to hv/bt/.
 *
 * Memory and devices are those of a hw domain (d->hw: the frames, the PC's
 * guest-physical map, the device models and the loaders, hv/hw/), without
 * the VMCB's hardware: only its save area, where the loaders leave the
 * entry registers. The vCPU lives in struct bt_vcpu; the trap frame the
 * CPU pushed is made from it on every way out (bt_store) and read back on
 * every way in (bt_load).
 */
#ifndef HV_BT_BT_H
#define HV_BT_BT_H

#include "types.h"
#include "cpu.h"
#include "vcpu.h"
#include "shadow.h"
#include "patch.h"

struct domain;
struct domain_config;
struct trap_frame;


/* Guest frames whose writes the hypervisor must see: its GDT's (the copy
 * is rebuilt after each write into it). */
#define BT_TRACK_MAX    8

/* Counters of a bt domain (the `e` key, the end-of-life table, docs/bt.md). */
struct bt_stats {
	uint64_t emulated;              /* privileged instructions emulated after a #GP/#UD */
	uint64_t patched_traps;         /* int3 traps at patched sensitive sites */
	uint64_t end_traps;             /* int3 traps at block ends (indirect, unscanned targets) */
	uint64_t guest_int3;            /* the guest's own int3s, reflected */
	uint64_t reflected[32];         /* exceptions delivered into the guest, by vector */
	uint64_t interrupts;            /* virtual interrupts delivered */
	uint64_t desc_writes;           /* writes to the guest's GDT/IDT/TSS frames */
	uint64_t desc_resyncs;
	uint64_t mmio_emulated;
	uint64_t code_writes;           /* writes that dropped a scanned code page */
	uint64_t scan_failures;         /* blocks the scanner could not decode */
	uint64_t halts;
	uint64_t crossing;              /* instructions across a page end run by us */
	uint64_t direct_pushes;         /* direct-gate ints whose stack push faulted */
	uint64_t win_fills;             /* code-window pages mapped (window.c) */
	uint64_t win_moves;             /* ... times the window moved to other code */
	uint64_t win_copies;            /* code frames copied for patching */
	uint64_t win_copies_freed;
	uint64_t prof[10];              /* TSC cycles by part (bt_prof_names) */
};

#define BT_TLB_SIZE     64
#define BT_UNSCANNABLE  8
struct bt_addr { uint32_t lin; uint64_t gfn; };
struct bt_tlbe {
	uint32_t tag;                   /* linear page | 1, 0 = empty */
	bool user, write, nx;           /* what walks allowed through it */
	uint64_t gpa;
};

/* The code window (window.c): the guest kernel's code runs from copies of
 * its scanned frames, seen at the top MiB of the linear space. */
#define BT_WIN_BASE     0xFFF00000u
#define BT_WIN_SIZE     0x00100000u
#define BT_WIN_PAGES    (BT_WIN_SIZE / PAGE_SIZE)
#define BT_COPIES       BT_PATCH_PAGES
struct bt_copy { uint64_t gfn; paddr_t ma; };   /* ma 0: a free slot */

struct bt_domain {
	struct bt_vcpu v;
	bool patch;                     /* cfg patch = on */
	bool window;                    /* patches go into copies run from the window */
	uint32_t win_lo;                /* the guest linear address the window starts at */
	uint32_t win_last_move;         /* the page the window last moved to */
	unsigned win_same_moves;        /* ... times in a row (a loop that moving cannot end) */
	uint64_t win_drops_seen;        /* pc.stats.pages_dropped at the last reconcile */
	struct bt_copy copy[BT_COPIES];
	bool shadow_step;               /* TF set by us to end an STI shadow */
	bool guest_tf;                  /* ... and the guest's own TF then */
	bool step_taken;                /* this trap ended such a step */
	uint32_t insn_eip;              /* where the instruction being emulated starts */
	bool native_step;               /* an unscannable instruction runs stepped */
	bool step_pending;              /* ... and has not run yet */
	bool step_site;                 /* ... at one of our sites (its int3 goes back) */
	bool rescan;                    /* ... done: scan where the guest is now */
	uint64_t step_gpa;              /* its site's byte, to re-arm */
	uint32_t step_lin;
	struct trap_frame last_frame;   /* as bt_store left it (bt_load skips it) */
	bool desc_dirty;                /* GDTR/IDTR/TR/CR3 changed: resync all */
	bool gdt_dirty;                 /* a write into the GDT: rebuild its copy */
	bool devices_due;               /* bring the device models to now */
	bool timer_fired;               /* its vCPU timer fired (bt_halt looks again) */
	struct shadow_ctx sh;
	struct shadow_ops sh_ops;
	struct bt_patch_ops patch_ops;
	struct bt_ops ops;
	/* The guest's GDT as the CPU sees it (DPL 0 made 1, system
	 * descriptors left out), copied into the bt GDT page at switch-in. */
	uint64_t gdt[GDT_HV_FIRST];
	uint32_t gdt_count;             /* entries within the guest's limit */
	bool own_gdt;                   /* the guest has loaded a GDTR of its own */
#define BT_LDT_MAX      512             /* LDT entries shadowed (one page) */
	uint64_t ldt[BT_LDT_MAX];       /* its LDT as the CPU sees it, or empty */
	uint32_t ldt_count;
	struct bt_dtr boot_gdtr;        /* the one it starts with (not a table) */
	/* The direct system-call gate: vector, target, or vector 0 = none. */
	uint8_t  direct_vec;
	uint16_t direct_sel;
	uint32_t direct_eip;
	uint8_t  direct_dpl;
	uint64_t direct_raw;            /* the guest's gate it was made from */
	/* The ring-1 stack the CPU loads on a ring 3 -> 1 direct gate: the
	 * guest TSS's SS0:ESP0. */
	uint32_t tss_esp0;
	uint16_t tss_ss0;
	/* Tracked guest frames and the bytes of each that hold a table. */
	struct bt_track { uint64_t gfn; uint16_t lo, hi; } track[BT_TRACK_MAX];
	unsigned ntrack;
	struct bt_stats stats;
	struct bt_tlbe tlb[BT_TLB_SIZE];
	struct bt_addr unscannable[BT_UNSCANNABLE];     /* scans that failed */
	unsigned next_unscannable;
	struct shadow_cache shc;        /* the kept shadow roots (bt_shadow=cache) */
	uint32_t sh_frames;             /* shadow tables held (at most BT_SHADOW_MAX_FRAMES) */
	struct bt_patch_ctx pc;         /* large: last */
};

#define BT_DOMAIN_FRAMES ((sizeof(struct bt_domain) + PAGE_SIZE - 1) / PAGE_SIZE)
#define BT_SHADOW_MAX_FRAMES    1024u   /* 4 MiB of shadow tables per domain */

/* guest.c: the guest's memory, as its own paging shows it */
void bt_guest_ops_init(struct domain *d);
/* The domain the shadow's frame allocator counts against from now on. */
void bt_shadow_owner(struct domain *d);
struct shadow_regs bt_paging_regs(const struct bt_vcpu *v);
/* Copy n bytes at a guest linear address as an access at cpl would (fetch:
 * an instruction fetch; reads of scanned code see the original bytes).
 * 0, or nonzero with *f the fault to deliver. */
int bt_read(struct domain *d, uint32_t linear, void *buf, unsigned n, unsigned cpl, bool fetch,
	    struct bt_fault *f);
int bt_write(struct domain *d, uint32_t linear, const void *buf, unsigned n, unsigned cpl,
	     struct bt_fault *f);
/* Forget the hypervisor's cached translations: of linear, or all. */
void bt_tlb_flush(struct domain *d, uint32_t linear, bool all);
/* A guest-physical write made by anyone for the guest: scanned code on
 * that frame is dropped, a tracked frame marks the shadows dirty. */
void bt_frame_written(struct domain *d, uint64_t gfn);
/* The same for a write of n bytes at gpa: only one into the tables'
 * bytes makes the shadows dirty. */
void bt_bytes_written(struct domain *d, uint64_t gpa, unsigned n);
bool bt_frame_tracked(const struct domain *d, uint64_t gfn);
/* Bring the device models to now (before an access to one). */
void bt_devices_sync(struct domain *d);
/* Is gpa one of the domain's devices (or the PC's hole below 1 MiB)? */
bool bt_gpa_is_device(struct domain *d, uint64_t gpa);
/* Write guest RAM by guest-physical address, nothing else done (the
 * patch cache's own bytes). 0 or -EFAULT. */
int bt_frame_write_raw(struct domain *d, uint64_t gpa, const void *buf, unsigned n);
/* Run the instruction at EIP with hv/emul (MMIO, tracked-frame writes). */
int bt_emulate_data(struct domain *d, struct bt_fault *f);

/* trap.c: the shadow's fill of linear for an access (PFEC_W, PFEC_I) at the
 * vCPU's CPL, emptied and tried again once at the domain's cap of shadow
 * tables: shadow_fault's result. */
int bt_shadow_fill(struct domain *d, uint32_t linear, uint32_t access,
		   struct shadow_fault_out *out);

/* trap.c: a #PF for the guest's access (PFEC_W, PFEC_I) at linear in the
 * hypervisor's 4 MiB at the top, with the error code the PC would give. */
void bt_hv_region_pf(struct domain *d, uint32_t linear, uint32_t access);

/* window.c: the code window (docs/bt.md, "The code window") */
extern bool bt_window_opt;              /* bt_window=on|off */
/* A new shadow root's window table (alloc: the shadow's allocator), and
 * taking it out of a root before it is freed (returned, 0: none). */
int bt_win_root_init(struct domain *d, struct pae_space *root, paddr_t (*alloc)(void));
paddr_t bt_win_root_fini(struct pae_space *root);
/* The shadow dropped [linear, linear + len) of root (len 0: all). */
void bt_win_dropped(struct domain *d, const struct pae_space *root, uint32_t linear,
		    uint32_t len);
/* The patch cache writes its bytes for frame gpa into the frame's copy. */
int bt_win_code_write(struct domain *d, uint64_t gpa, const void *buf, unsigned n);
/* The guest wrote n bytes at gpa (already in its frame): the copy too. */
void bt_win_mirror(struct domain *d, uint64_t gpa, unsigned n);
/* Copies of frames that are no longer scanned code go (and out of every
 * window): after the patch cache dropped pages. */
void bt_win_reconcile(struct domain *d);
void bt_win_free(struct domain *d);
/* A guest code descriptor as the CPU must have it (base moved into the
 * window, limit at its end). */
uint64_t bt_win_desc(const struct bt_domain *b, uint64_t e);
/* A #PF / #GP of the guest that is the window's: handled, true. */
bool bt_win_fault(struct domain *d, uint32_t cr2, uint32_t code);
bool bt_win_gp(struct domain *d, uint32_t code);
/* A trap from the switch region's stubs run in ring 1 (a jump the moved
 * code segment wraps onto them): the domain is stopped, true. */
bool bt_win_ran_stubs(struct domain *d, unsigned vector, uint32_t code);
/* Code bytes the patch cache or a step write: the copy (window) or the
 * frame. */
int bt_code_poke(struct domain *d, uint64_t gpa, const void *buf, unsigned n);

/* CPUID as a bt guest sees it: hw's filter, less what ring 1 cannot give,
 * and leaf 0x40000001 its counters (mode.c). */
void bt_cpuid(struct domain *d, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* A HLT: block until an interrupt the vCPU can take. */
void bt_halt(struct domain *d);

/* desc.c: the descriptor-table shadows */
/* Rebuild the GDT copy, the direct gate and the ring-1 stack from the
 * guest's GDTR, IDTR and TR; re-track their frames. */
void bt_desc_resync(struct domain *d);
/* After a write into the guest's GDT: its copy rebuilt (and loaded). */
void bt_gdt_resync(struct domain *d);
/* The direct gate still the guest's? Else rebuilt. */
void bt_desc_check_gate(struct domain *d);
/* Read the guest TSS's SS0:ESP0 for the direct gate's ring-1 stack. */
void bt_desc_read_tss(struct domain *d);
/* Load the running domain's GDT, gate and stack into the CPU. */
void bt_desc_switch_in(struct domain *d);
/* The code window moved: the running domain's GDT and LDT loaded again. */
void bt_desc_reload(struct domain *d);
/* A guest descriptor (8 bytes) by selector from its GDT, unchanged. */
int bt_guest_desc(struct domain *d, uint16_t sel, uint64_t *desc);
/* Fill a vCPU segment's hidden part from the guest's descriptor. */
void bt_seg_from_desc(struct bt_seg *s, uint16_t sel, uint64_t desc);

/* deliver.c: exceptions and interrupts through the guest's IDT */
enum bt_event_kind { BT_EVENT_EXCEPTION, BT_EVENT_SOFT, BT_EVENT_EXTERNAL };
/* Deliver vector into the guest as the CPU would; nested faults become #DF,
 * and a fault delivering #DF a triple fault (the domain stops). */
void bt_deliver(struct domain *d, unsigned vector, enum bt_event_kind kind, bool has_code,
		uint32_t code);
void bt_deliver_fault(struct domain *d, const struct bt_fault *f);

enum { BT_PROF_EMUL, BT_PROF_FLUSH, BT_PROF_SCAN, BT_PROF_DELIVER, BT_PROF_RESYNC,
       BT_PROF_DEVICES, BT_PROF_FILL, BT_PROF_LOOKUP, BT_PROF_SITE, BT_PROF_PRIV };

/* save.c: its part of a save and a restore (hv/hw/save.c) */
struct rv_save_bt_vcpu;
/* Held for a save: its trap frame and vCPU made one. */
void bt_save_prepare(struct domain *d);
void bt_save_vcpu(struct domain *d, struct rv_save_bt_vcpu *s, uint64_t host_tsc);
/* Page pfn as the guest would read it (no patched traps): 0 or -EIO. */
int bt_save_read_page(struct domain *d, uint32_t pfn, void *page);
/* mode.c: an empty bt domain of cfg's size, for a restore. */
int bt_restore_build(struct domain *d, const struct domain_config *cfg, char *err,
		     size_t errlen);
/* Its vCPU from a record, each field checked: 0, or -EINVAL with why. */
int bt_restore_vcpu(struct domain *d, const struct rv_save_bt_vcpu *s, char *why,
		    size_t whylen);

/* trap.c */
extern bool bt_trust_ret;
/* bt_shadow=cache|flush: keep shadows across CR3 loads, the guest's page
 * tables write-protected (default), or drop them at each load. */
extern bool bt_shadow_cache;
uint32_t bt_trace_left(void);               /* bt_ret= (docs/bt.md) */
void bt_load(struct domain *d, const struct trap_frame *f);
void bt_store(struct domain *d, struct trap_frame *f);
void bt_exception(struct domain *d, struct trap_frame *f, uint32_t cr2);
void bt_software_interrupt(struct domain *d, struct trap_frame *f);
/* At an instruction across a page end (no block can hold it): run it
 * here and scan after it, before the guest goes on. */
void bt_run_crossing(struct domain *d);
/* Make sure the code at the vCPU's CS:EIP is scanned before it runs. */
void bt_scan_here(struct domain *d);
/* The same at lin, and as a block start even inside a scanned block (the
 * target of a branch, which the patch cache wants as a block start). */
void bt_scan_at(struct domain *d, uint32_t lin, bool block_start);
void bt_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);

#endif
