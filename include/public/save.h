/*
 * The save file: everything a pv domain is, as Domain 0 writes it to a file
 * (docs/control.md, "Save, restore, snapshot, clone"). The hypervisor makes
 * the stream (domctl save) and takes it back (domctl restore_*); the
 * toolstack only moves its bytes and adds the trailer's checksum. Every
 * field is checked again on restore: a file is untrusted input.
 *
 *   offset 0                   struct rv_save_header (RV_SAVE_HEADER_SIZE)
 *   header.config_off          the domain's config text (config_len bytes)
 *   header.vcpu_off            struct rv_save_vcpu
 *   header.types_off           one byte per pfn: RV_SAVE_PT_* | RV_SAVE_PINNED
 *   header.pages_off           nr_pages pages of 4096 bytes, in pfn order
 *   header.pages_off + ...     struct rv_save_trailer (added by the toolstack)
 *
 * Machine frame numbers never appear: page-table entries hold the domain's
 * own frame numbers (pfns) and the guest's p2m array holds pfn i at index i
 * (canonical), as Xen's save does; restore turns them into the new frames.
 * An entry that maps the shared-info page holds RV_SAVE_PFN_SHARED.
 */
#ifndef RINGVISOR_PUBLIC_SAVE_H
#define RINGVISOR_PUBLIC_SAVE_H

#include "ringvisor.h"

#define RV_SAVE_MAGIC           0x45564153564552ull     /* "RVSAVE\0" little-endian */
#define RV_SAVE_VERSION         1
#define RV_SAVE_HEADER_SIZE     4096
#define RV_SAVE_TRAILER_MAGIC   0x444e455653565252ull   /* "RRVSVEND" */
#define RV_SAVE_PFN_SHARED      0xffffeu                /* in a PTE: the shared-info page */

#define RV_SAVE_PT_NONE         0
#define RV_SAVE_PT_L1           1
#define RV_SAVE_PT_L2           2
#define RV_SAVE_PT_L3           3
#define RV_SAVE_PT_L2_HIGH      4               /* the directory under PDPT slot 3 */
#define RV_SAVE_PINNED          0x80

struct rv_save_header {
	uint64_t magic;                 /* RV_SAVE_MAGIC */
	uint32_t version;               /* RV_SAVE_VERSION */
	uint32_t header_size;           /* RV_SAVE_HEADER_SIZE */
	uint32_t mode;                  /* RV_DOMMODE_pv (the only one saved yet) */
	uint32_t nr_pages;              /* guest memory, pages (pfns 0..nr_pages-1) */
	uint32_t built_pages;           /* what it was built with: nr_pages (never ballooned) */
	uint32_t weight;
	uint32_t config_off, config_len;
	uint32_t vcpu_off, vcpu_len;    /* sizeof(struct rv_save_vcpu) */
	uint32_t types_off;             /* nr_pages bytes */
	uint32_t pages_off;             /* page-aligned */
	uint64_t total_len;             /* pages_off + nr_pages * 4096 (trailer excluded) */
	uint32_t virt_base;             /* where pfn 0 is mapped */
	uint32_t si_pfn;                /* the start-info page */
	uint32_t p2m_pfn, p2m_pages;    /* the guest's copy of the p2m */
	uint32_t base_pfn;              /* its current L3 (CR3) */
	uint32_t pad;
	uint64_t saved_at_ns;           /* system time when saved (timers are kept relative) */
	char name[32];                  /* the domain's name when saved */
};
RV_BUILD_ASSERT(sizeof(struct rv_save_header) == 128, "save header layout");

/* The vCPU and the domain's small state. */
struct rv_save_vcpu {
	/* registers, as the trap frame holds them */
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags;
	uint32_t cs, ss, ds, es, fs, gs;
	uint32_t kernel_ss, kernel_esp;
	uint32_t event_eip, failsafe_eip;
	uint32_t fpu_ts, fpu_used;
	uint64_t gdt_slots[3];
	uint32_t trap_eip[256];
	uint8_t trap_flags[256];
	uint8_t fpu_area[512];          /* fxsave image */
	uint64_t timer_left_ns;         /* its one-shot timer: ns left when saved, 0 = none */
	uint8_t upcall_pending, upcall_mask, pad0[2];
	uint32_t evtchn_pending[8];
	uint32_t evtchn_mask[8];
	uint32_t console_in_len;        /* console input not yet read */
	uint8_t console_in[256];
};
RV_BUILD_ASSERT(sizeof(struct rv_save_vcpu) == 2240, "save vcpu layout");

struct rv_save_trailer {
	uint64_t magic;                 /* RV_SAVE_TRAILER_MAGIC */
	uint64_t checksum;              /* FNV-1a 64 of every byte before the trailer */
};

#endif
