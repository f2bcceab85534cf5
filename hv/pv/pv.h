/*
 * The pv machinery (hv/pv/): building pv domains, hypercalls, the virtual
 * IDT and exception bouncing, events and timers. What the generic parts of
 * the hypervisor call into.
 */
#ifndef HV_PV_H
#define HV_PV_H

#include "types.h"
#include "cpu.h"
#include "domconfig.h"
#include <public/hypercall.h>
#include "events.h"
#include "pagetype.h"

struct domain;

/* A pv vCPU's own state (the generic part is struct vcpu). */
struct pv_vcpu {
	uint32_t kernel_ss, kernel_esp; /* ring-1 stack for traps from ring 3 */
	uint32_t trap_eip[NUM_VECTORS]; /* virtual IDT: handler, 0 = none */
	uint8_t trap_flags[NUM_VECTORS];/* RV_TI_* */
	uint32_t event_eip;             /* event upcall entry */
	uint32_t failsafe_eip;          /* called when the hypervisor cannot resume */
	bool fpu_ts;                    /* the guest's virtual CR0.TS */
	uint64_t gdt_slots[RV_GDT_GUEST_SLOTS]; /* TLS descriptors */
	uint32_t base_mfn;              /* its L3 (CR3), holding a type reference */
	/* A hypercall being continued (hypercall.c): the guest is rewound to
	 * its int $0x82 with every register as it made the call, and the work
	 * done so far is kept here. Events wait until the call ends. */
	struct hc_cont {
		bool active;
		uint32_t eip;           /* the guest's eip after its int $0x82 */
		uint32_t nr;            /* the call */
		uint32_t index;         /* multicall: the entry to go on with */
		uint32_t progress;      /* work the call (or that entry) has done */
		bool fresh;             /* multicall: entry index not started yet */
		bool has_result;        /* it ended with result, but releases of */
		int32_t result;         /* page tables are left to finish (mm_defer) */
	} cont;
};

/* A pv domain's own state, hanging off struct domain (d->pv): allocated
 * by pv_build, freed by pv_teardown. */
struct pv_domain {
	struct pv_vcpu vcpu;
	uint32_t virt_base;             /* guest virtual address of pfn 0 */
	uint32_t built_pages;           /* pages it was built with: Domain 0 may not raise its quota past */
	/* Where the builder put the start info and the guest's p2m copy (a
	 * save rewrites the p2m, a restore the start info). */
	uint32_t si_pfn, p2m_pfn, p2m_pages;
	/* Its config as text (domconfig_format), for a save file. */
	char config[DOMCFG_TEXT_MAX];
	uint32_t config_len;
	/* Save and restore (save.c). */
	bool suspended;                 /* stopped itself at Domain 0's request: paused, state kept */
	uint32_t devices;               /* split devices Domain 0 gave it (set_device): not saved */
	bool restoring;                 /* made by restore_begin, not finished: never runs */
	uint32_t *save_rmap;            /* mfn -> pfn + 1, while its save is read */
	uint32_t save_rmap_frames;
	struct rv_save_vcpu *restore_vcpu;      /* one frame, while restoring */
	uint8_t *restore_types;                 /* nr_pages bytes, while restoring */
	uint32_t restore_types_frames;
	uint32_t restore_base_pfn;
	/* Page-table releases interrupted by preemption (pagetype.h): finished
	 * before its hypercall goes on, and before it runs again. */
	struct mm_deferred mm_defer;
	uint32_t mm_refusals[MMR_COUNT];        /* page-table updates refused, by reason */
	/* Its grant table and the grant mappings it holds (grant.c): one
	 * frame, made by its first grant_table_op that needs it. */
	struct gnt_domain *gnt;
};

#define PV_DOMAIN_FRAMES ((sizeof(struct pv_domain) + PAGE_SIZE - 1) / PAGE_SIZE)

/* Build a pv domain from an ELF kernel (and optional initrd) image. On error
 * returns a negative errno with the reason in err; nothing is left allocated. */
int pv_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
	     size_t kernel_size, const void *initrd, size_t initrd_size, char *err, size_t errsize);
/* Free the memory and page tables of a domain built by pv_build. */
void pv_teardown(struct domain *d);

/* Resume d at handler as if the CPU had trapped into ring 1: push the
 * exception frame on its kernel stack. 0, or -EFAULT if that stack is bad. */
int pv_bounce(struct domain *d, struct trap_frame *f, uint32_t handler, bool has_error,
	      uint32_t error_code, bool mask_events);

/* Save and restore (save.c; public/save.h, docs/control.md). */
struct rv_save_vcpu;
int32_t pv_suspend_self(struct domain *d);
/* t's start-info page, or NULL when it gave it back or made it a page table. */
struct rv_start_info *pv_start_info_page(struct domain *t);
int32_t pv_domctl_save(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3);
/* What save.c holds for a domain, given back (teardown, unpause). */
void pv_save_release(struct domain *d);
/* Domain 0 stopped: a restore it began can never be finished (d is
 * destroyed: true); a suspended d will go on where it was (false). */
bool pv_dom0_stopped(struct domain *d);
/* An empty pv domain for a restore: pv state, memory, shared info (build.c). */
int pv_build_empty(struct domain *d, const struct domain_config *cfg, uint32_t virt_base,
		   char *err, size_t errsize);
void *pv_guest_page(struct domain *d, uint32_t pfn);

/* The control hypercall (public/domctl.h): Domain 0's alone. */
int32_t pv_domctl(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3);

/* Install the hypercall gate. */
void pv_init(void);
/* The frame of the hypercall being served, NULL outside one. */
extern struct trap_frame *current_frame;

/* int $0x82 from ring 1. */
void pv_hypercall(struct trap_frame *f);
/* A hypercall's name, NULL for an unknown number. */
const char *pv_hypercall_name(unsigned nr);

/*
 * Continuations: a call with more work than a time slice stops, returning
 * hc_continue(d, work done so far); the guest is then rewound to its
 * int $0x82, every register as it was, and others run. When the CPU comes
 * back the same call starts again and hc_progress(d) says how far it got
 * (0 on a fresh call). Inside a multicall the entry is continued, not the
 * multicall's frame. HC_RESTART is never seen by a guest.
 */
#define HC_RESTART      (-1000)
uint32_t hc_progress(const struct domain *d);
int32_t hc_continue(struct domain *d, uint32_t progress);
/* The call has run a time slice since start: time to continue. */
bool hc_overran(uint64_t start);
/* When this round of the current call began (a call continued after a
 * slice may first finish page-table releases: docs/paging.md). */
extern uint64_t hc_round_start;
/* int $n from a guest that reached the hypervisor: bounce it to its handler. */
void pv_software_interrupt(struct domain *d, struct trap_frame *f);
/* An exception from a guest: deliver it to the guest's handler or crash it. */
void pv_exception(struct domain *d, struct trap_frame *f, uint32_t cr2);

/* Make d's context the CPU's: ring-1 stack, direct gates, TLS, FPU. */
void pv_switch_in(struct domain *d);
/* Deliver pending events to d by an upcall, if its events are unmasked. */
void pv_deliver_events(struct domain *d, struct trap_frame *f);
/* Fire the vCPU timers that are due. */
void pv_timers_fire(uint64_t now);
/* Refresh d's time fields in shared info. */
void pv_update_time(struct domain *d);

/* Hypercall back ends (pv/traps.c, events.c, fpu.c). */
int pv_set_trap_table(struct domain *d, const struct rv_trap_info *t, uint32_t count);
int pv_set_timer(struct domain *d, uint64_t deadline);
void pv_fpu_switch_in(struct domain *d);
bool pv_fpu_trap(struct domain *d);     /* #NM: true if it was the hypervisor's */
void pv_fpu_taskswitch(struct domain *d, bool set);
void pv_fpu_release(struct domain *d);
int pv_update_descriptor(struct domain *d, uint32_t slot, uint64_t desc);
/* Just before resuming d with f (its descriptors loaded): every selector in f
 * must be one the exit stub can load, or the return would fault inside the
 * hypervisor. Bad data selectors become null (failsafe callback told); bad
 * cs/ss crash the domain. */
void pv_prepare_resume(struct domain *d, struct trap_frame *f);
/* A fault in the exit stub itself (entry.S): crash the running domain. */
void exit_path_fault(const struct trap_frame *f) __noreturn;

/* Validated direct paging (pv/mm.c, rules in pagetype.c). */
void pv_mm_init(uint32_t ram_top_pfn);
void pv_mm_frame_allocated(pfn_t pfn);
void pv_mm_frame_freed(pfn_t pfn);
void pv_mm_assign(struct domain *d, uint32_t mfn, uint8_t flags);
void pv_mm_reclaim(uint32_t mfn);
int pv_mm_activate(struct domain *d, uint32_t l3_mfn);
/* A hypercall round of d: page-table work is preemptible inside it (and
 * only there), interrupted releases are recorded in d->mm_defer. */
void pv_mm_round_begin(struct domain *d);
void pv_mm_round_end(void);
/* Domain 0 builds a domain inside its hypercall (domctl create): the
 * builder's validation runs in one go, as at boot, not preempted as the
 * caller's own page-table work would be. Returns what resume puts back. */
bool pv_mm_round_suspend(void);
void pv_mm_round_resume(bool was);
/* Finish d's interrupted releases: true when none is left. */
bool pv_mm_settle(struct domain *d);
bool pv_mm_unsettled(const struct domain *d);
uint32_t pv_mm_frames_owned(uint32_t domid);
int32_t pv_mmu_update(struct domain *d, uint32_t reqs, uint32_t count, uint32_t done_va);
int32_t pv_mmuext_op(struct domain *d, uint32_t ops, uint32_t count, uint32_t done_va);
int32_t pv_update_va_mapping(struct domain *d, uint32_t va, uint64_t val, uint32_t flags);
int32_t pv_memory_op(struct domain *d, uint32_t cmd, uint32_t arg);
extern struct mm_ctx pv_mm;

/* Grant tables (grant.c, public/grant_table.h). */
int32_t pv_grant_table_op(struct domain *d, uint32_t cmd, uint32_t ops, uint32_t count);
/* d is being destroyed: its mappings of others' frames are undone, its
 * own frames that others map become OWNER_GRANTED (pv_grant_held: not to be
 * freed with it), its table goes. */
void pv_grant_teardown(struct domain *d);
bool pv_grant_held(uint32_t mfn);
void pv_grant_dump(const struct domain *d);

/* Guest memory, through the guest's own page tables: 0 or -EFAULT. A range
 * is refused if any page is unmapped, in the switch region, or (for writes)
 * read-only; nothing is copied then. */
int guest_check_range(struct domain *d, uint32_t va, uint32_t len, bool write);
int copy_from_guest(struct domain *d, void *dst, uint32_t src_va, uint32_t len);
int copy_to_guest(struct domain *d, uint32_t dst_va, const void *src, uint32_t len);

/* Fixed event ports (start_info.console_port / timer_port). */
#define PV_PORT_TIMER   EVTCHN_PORT_TIMER
#define PV_PORT_CONSOLE EVTCHN_PORT_CONSOLE
#define PV_PORT_CONTROL EVTCHN_PORT_CONTROL

#endif
