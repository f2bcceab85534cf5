/*
 * Hypercalls: how a pv guest kernel (ring 1) asks the hypervisor for what it
 * may not do itself. docs/abi.md describes every call in prose.
 *
 * Convention: `int $0x82` from ring 1 (from ring 3 it raises #GP). The call
 * number is in eax, up to five arguments in ebx, ecx, edx, esi, edi; the
 * result comes back in eax: 0 (or a count, where said) on success, or a
 * negative error number from errno.h. Every other register is preserved.
 * An unknown number returns -RV_ENOSYS. Pending events are delivered on the
 * way back from any hypercall.
 */
#ifndef RINGVISOR_PUBLIC_HYPERCALL_H
#define RINGVISOR_PUBLIC_HYPERCALL_H

#include "ringvisor.h"

#define RV_HYPERCALL_VECTOR     0x82

/* ---- call numbers ---- */
#define RV_HC_console_io        0       /* (cmd, count, buffer) */
#define RV_HC_set_trap_table    1       /* (const struct rv_trap_info *, count) */
#define RV_HC_stack_switch      2       /* (ss, esp) */
#define RV_HC_set_callbacks     3       /* (event_eip, failsafe_eip) */
#define RV_HC_set_timer         4       /* (deadline_lo, deadline_hi) */
#define RV_HC_sched_op          5       /* (cmd, arg1, arg2) */
#define RV_HC_fpu_taskswitch    6       /* (set) */
#define RV_HC_update_descriptor 7       /* (slot, low word, high word) */
#define RV_HC_version           8       /* (cmd) */
#define RV_HC_multicall         9       /* (struct rv_multicall_entry *, count) */
#define RV_HC_event_channel_op  10      /* (cmd, arg1, arg2) */
#define RV_HC_mmu_update        11      /* (struct rv_mmu_update *, count, uint32_t *done) */
#define RV_HC_mmuext_op         12      /* (struct rv_mmuext_op *, count, uint32_t *done) */
#define RV_HC_update_va_mapping 13      /* (va, pte low, pte high, flags) */
#define RV_HC_memory_op         14      /* (cmd, struct rv_memory_reservation *) */
#define RV_HC_domain_stats      15      /* (struct rv_domain_stats *, size) */
#define RV_HC_domctl            16      /* (cmd, arg1, arg2, arg3): Domain 0 only (domctl.h) */
#define RV_HC_grant_table_op    17      /* (cmd, ops, count): grant_table.h */
#define RV_HC_count             18

/* The calls' names, indexed by number: an initializer for a
 * `const char *const names[RV_HC_count]` (exit tables, /proc/hypervisor). */
#define RV_HC_NAMES {                                                           \
	[RV_HC_console_io] = "console_io", [RV_HC_set_trap_table] = "set_trap_table", \
	[RV_HC_stack_switch] = "stack_switch", [RV_HC_set_callbacks] = "set_callbacks", \
	[RV_HC_set_timer] = "set_timer", [RV_HC_sched_op] = "sched_op",         \
	[RV_HC_fpu_taskswitch] = "fpu_taskswitch",                              \
	[RV_HC_update_descriptor] = "update_descriptor", [RV_HC_version] = "version", \
	[RV_HC_multicall] = "multicall", [RV_HC_event_channel_op] = "event_channel_op", \
	[RV_HC_mmu_update] = "mmu_update", [RV_HC_mmuext_op] = "mmuext_op",     \
	[RV_HC_update_va_mapping] = "update_va_mapping", [RV_HC_memory_op] = "memory_op", \
	[RV_HC_domain_stats] = "domain_stats", [RV_HC_domctl] = "domctl",       \
	[RV_HC_grant_table_op] = "grant_table_op",                              \
}

/* ---- console_io ---- */
#define RV_CONSOLEIO_write      0       /* write count bytes from buffer; returns count */
#define RV_CONSOLEIO_read       1       /* read up to count bytes; returns bytes read (0: none) */
#define RV_CONSOLEIO_MAX        4096    /* largest count per call */

/* ---- set_trap_table ---- */
/*
 * One entry of the virtual IDT. cs must be RV_GUEST_KERNEL_CS; address is the
 * handler in the guest kernel. For vectors the CPU can deliver straight to
 * ring 1 (the system-call vector, and #DE #DB #BP #OF #BR #UD #MF #AC #XM) the
 * hypervisor installs a real ring-1 gate; the others (#GP, #PF, #NM, #TS,
 * #NP, #SS) pass through the hypervisor, which builds the same frame on the
 * guest kernel stack. An address of 0 removes the vector's handler.
 */
struct rv_trap_info {
	uint8_t vector;         /* 0-31, or a software interrupt vector 0x20-0xff except 0x82 */
	uint8_t flags;          /* RV_TI_* below */
	uint16_t cs;            /* RV_GUEST_KERNEL_CS */
	uint32_t address;       /* handler entry point */
};
#define RV_TI_DPL_MASK          0x03    /* lowest ring allowed to `int n` it: 1 or 3 */
#define RV_TI_MASK_EVENTS       0x04    /* mask events on entry (an "interrupt gate") */
#define RV_TRAP_TABLE_MAX       256     /* entries per call */

/* ---- sched_op ---- */
#define RV_SCHEDOP_yield        0       /* give up the rest of the time slice */
#define RV_SCHEDOP_block        1       /* sleep until an event is pending; unmasks events */
#define RV_SCHEDOP_shutdown     2       /* arg1 = RV_SHUTDOWN_*, arg2 = exit code */
#define RV_SHUTDOWN_poweroff    0
#define RV_SHUTDOWN_reboot      1
#define RV_SHUTDOWN_crash       2
/* suspend (Domain 0 asked, start_info.control_request): the domain stops
 * here, paused, its state kept for a save. The call returns 0 when the
 * domain goes on where it was (the save was a snapshot, or cancelled), 1
 * when it was restored from a save file: a new domain, with new machine
 * frames (reread the p2m, rebuild anything made of machine frame numbers),
 * perhaps on another machine. -ENODEV when there is no Domain 0. */
#define RV_SHUTDOWN_suspend     3

/* ---- version ---- */
#define RV_VERSION_version      0       /* returns (RV_ABI_MAJOR << 16) | RV_ABI_MINOR */
#define RV_VERSION_features     1       /* returns RV_FEATURE_* bits */
#define RV_FEATURE_DIRECT_SYSCALL (1u << 0)     /* syscall vector reaches ring 1 directly */
#define RV_FEATURE_TIME_IN_SHARED (1u << 1)     /* system time readable from shared info */

/* ---- multicall ---- */
struct rv_multicall_entry {
	uint32_t op;            /* call number (not RV_HC_multicall) */
	uint32_t args[5];       /* ebx, ecx, edx, esi, edi */
	int32_t result;         /* filled in: the call's eax */
	uint32_t pad;
};
#define RV_MULTICALL_MAX        64      /* entries per call */

/* ---- update_descriptor ---- */
/* Slots RV_GDT_FIRST_GUEST_SLOT .. + RV_GDT_GUEST_SLOTS - 1 of the GDT belong
 * to the calling vCPU (TLS). The descriptor must be a present code or data
 * segment with DPL 1 or 3; system segments and gates are refused. A zero
 * descriptor clears the slot. */
#define RV_GDT_GUEST_SLOTS      3

/* ---- event_channel_op ---- */
#define RV_EVTCHNOP_send        0       /* arg1 = local port */
#define RV_EVTCHNOP_alloc_unbound 1     /* arg1 = remote domid; returns the new port */
#define RV_EVTCHNOP_bind_interdomain 2  /* arg1 = remote domid, arg2 = remote port; returns local port */
#define RV_EVTCHNOP_close       3       /* arg1 = local port */

/* ---- mmu_update: write page-table entries by machine address ---- */
/*
 * Each request writes one 8-byte entry of a frame the domain uses as a page
 * table (an L1, L2 or L3 in use: pinned or reachable from a base table).
 * ptr = machine address of the entry | RV_MMU_NORMAL_PT_UPDATE; val = the new
 * entry. The new entry is validated before it is written (docs/paging.md);
 * a batch stops at the first refused request, and *done (if not NULL) gets
 * the number of requests that were carried out.
 */
/*
 * domain_stats: the calling domain's own counters, as the console's `e` key
 * shows them, for a guest to measure what its work costs in hypervisor
 * entries. size must be sizeof(struct rv_domain_stats) (-EINVAL otherwise);
 * -EFAULT for a bad buffer. Counts start at the domain's creation.
 */
#define RV_STATS_HYPERCALLS     32
struct rv_domain_stats {
	uint64_t entries;               /* entries into the hypervisor from the domain: every cause */
	uint64_t hypercalls;            /* int $0x82 */
	uint64_t exceptions;            /* CPU exceptions (vectors 0-31), bounced ones included */
	uint64_t interrupts;            /* device and timer interrupts that came while it ran */
	uint64_t other;                 /* other software interrupts (e.g. int $0x80 from ring 3 without a direct gate) */
	uint64_t bounces;               /* exceptions reflected to its handlers */
	uint64_t upcalls;               /* event upcalls delivered */
	uint64_t switches_in;           /* times it was scheduled */
	uint64_t runtime_ns;            /* CPU time it used */
	uint64_t by_hypercall[RV_STATS_HYPERCALLS];     /* hypercalls by number (multicall entries too) */
};
RV_BUILD_ASSERT(sizeof(struct rv_domain_stats) == 9 * 8 + RV_STATS_HYPERCALLS * 8, "stats layout");

struct rv_mmu_update {
	uint64_t ptr;           /* entry's machine address | command (low 2 bits) */
	uint64_t val;           /* the new entry */
};
#define RV_MMU_NORMAL_PT_UPDATE 0
#define RV_MMU_UPDATE_MAX       4096    /* requests per call */

/* ---- mmuext_op: pin, unpin, base table, TLB ---- */
struct rv_mmuext_op {
	uint32_t cmd;           /* RV_MMUEXT_* */
	uint32_t arg1;          /* a machine frame number, or a virtual address */
	uint32_t arg2;          /* unused, 0 */
	uint32_t pad;
};
#define RV_MMUEXT_PIN_L1_TABLE  0       /* arg1 = mfn: validate as L1 and keep it so */
#define RV_MMUEXT_PIN_L2_TABLE  1       /* arg1 = mfn: ... as L2 */
#define RV_MMUEXT_PIN_L3_TABLE  2       /* arg1 = mfn: ... as L3 (PDPT) */
#define RV_MMUEXT_UNPIN_TABLE   3       /* arg1 = mfn */
#define RV_MMUEXT_NEW_BASEPTR   4       /* arg1 = mfn of an L3: the vCPU's address space (CR3) */
#define RV_MMUEXT_TLB_FLUSH_LOCAL 5     /* flush this vCPU's TLB */
#define RV_MMUEXT_INVLPG_LOCAL  6       /* arg1 = virtual address */
#define RV_MMUEXT_MAX           1024    /* operations per call */

/* ---- update_va_mapping: one PTE, found by virtual address ---- */
#define RV_UVMF_NONE            0
#define RV_UVMF_INVLPG          1       /* and flush that address */
#define RV_UVMF_TLB_FLUSH       2       /* and flush the whole TLB */

/* ---- memory_op: give back and take frames within the quota (balloon) ---- */
struct rv_memory_reservation {
	uint32_t pfns;          /* virtual address of a uint32_t array of pfns */
	uint32_t count;         /* how many */
	uint32_t mfns;          /* increase: where the new mfns are written (may be 0) */
	uint32_t pad;
};
#define RV_MEMOP_increase_reservation 0 /* give the listed (empty) pfns a frame each */
#define RV_MEMOP_decrease_reservation 1 /* give back the listed pfns' frames */
#define RV_MEMOP_current_reservation  2 /* returns the pages the domain has now */
#define RV_MEMOP_maximum_reservation  3 /* returns its quota, in pages */

#endif
