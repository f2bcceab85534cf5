/*
 * The pv test-guest library (XTF-style): a test guest defines
 * guest_main(), checks things with test_check() and ends with test_finish(),
 * which prints one "TEST RESULT:" line on its console and powers the domain
 * off with the result as exit code (docs/testing.md).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <public/ringvisor.h>
#include <public/shared_info.h>
#include <public/start_info.h>
#include "hypercall.h"
#include "report.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif

extern struct rv_start_info *start_info;
extern struct rv_shared_info *shared_info;

void guest_main(void);

int gprintf(const char *fmt, ...) __printf(1, 2);
/* test_check, test_finish, test_error, test_skip: tests/lib/report.h. */

/* Result codes for the shutdown exit code (the hypervisor's exit statuses). */
#define GUEST_SUCCESS 0
#define GUEST_FAILURE 1
#define GUEST_ERROR   2
#define GUEST_SKIP    3

/* ---- traps (trap.S, guest.c) ---- */
/* The frame a ring-1 handler sees, as the guest stubs save it. */
struct guest_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;               /* only when the trap came from ring 3 */
};
typedef void (*guest_trap_fn)(struct guest_frame *f);
/* Route vector to fn (through the shared stub and the trap table). */
int guest_set_trap(unsigned vector, guest_trap_fn fn, unsigned dpl, bool mask_events);
extern const uint32_t guest_trap_stubs[256];

/* ---- events ---- */
typedef void (*guest_event_fn)(unsigned port);
/* Install the event callback; fn runs once per pending port, events masked. */
int guest_events_init(guest_event_fn fn);
static inline void events_enable(void)
{
	shared_info->vcpu.evtchn_upcall_mask = 0;
	__asm__ volatile("" : : : "memory");
	if (shared_info->vcpu.evtchn_upcall_pending)
		hv_version(RV_VERSION_version);         /* any hypercall delivers them */
}
static inline void events_disable(void)
{
	shared_info->vcpu.evtchn_upcall_mask = 1;
	__asm__ volatile("" : : : "memory");
}

/* ---- save and restore (docs/control.md) ---- */
/* Has Domain 0 asked this domain to suspend? True once per request: the
 * control port fired (seen pending, or taken by the event callback) with
 * start_info->control_request RV_CONTROL_suspend, which is then cleared. */
bool guest_suspend_asked(void);
/* Suspend now (sched_op shutdown suspend): 0 when it goes on where it was
 * (Domain 0 let it go), 1 when restored into a new domain (new machine
 * frames: the library's own frame numbers are refreshed from the new p2m),
 * or the hypervisor's error. Call it at a safe point. */
int guest_suspend(void);
/* At a safe point: suspend if asked. -1 when nothing was asked, else what
 * guest_suspend() returned. */
int guest_poll_suspend(void);

/* ---- time ---- */
uint64_t guest_time_ns(void);
/* Yield to the others for ms milliseconds. */
void guest_let_run(uint64_t ms);

/* ---- running code in ring 3 ---- */
/* Run fn(arg) at ring 3 on its own stack; it ends with exit_user(). Returns
 * what exit_user was given. Needs the trap vector 0x81 (installed by
 * guest_user_init). */
uint32_t run_user(uint32_t (*fn)(uint32_t), uint32_t arg);
void guest_user_init(void);

/* freestanding helpers */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
/* Does needle stand in the first n bytes of hay (before its NUL, if sooner)? */
bool guest_contains(const char *hay, size_t n, const char *needle);

/* ---- page tables (mm.c) ---- */
/* Helpers for guests that manage their own PAE page tables through the
 * memory hypercalls. Entries hold machine frame numbers; the guest finds its
 * own tables through the p2m (every table is one of its frames, mapped at
 * virt_base + pfn * 4 KiB, read-only once it is a table). */
#define PG_P            0x001ull
#define PG_RW           0x002ull
#define PG_US           0x004ull
#define PG_A            0x020ull        /* accessed: set by the CPU */
#define PG_D            0x040ull        /* dirty: set by the CPU */
#define PG_PS           0x080ull        /* large page (in a directory entry) */
#define PG_G            0x100ull
#define PG_NX           (1ull << 63)
#define PG_ADDR         0x000ffffffffff000ull
#define MM_NONE         0xffffffffu     /* no such frame / not ours */

static inline uint32_t pte_mfn(uint64_t e)
{
	return (uint32_t)((e & PG_ADDR) >> 12);
}
static inline uint64_t pte_make(uint32_t mfn, uint64_t flags)
{
	return ((uint64_t)mfn << 12) | flags;
}
/* Machine address of entry idx of table frame table_mfn: mmu_update's ptr. */
static inline uint64_t pte_maddr(uint32_t table_mfn, unsigned idx)
{
	return ((uint64_t)table_mfn << 12) | (idx * 8u);
}

uint32_t pfn_to_mfn(uint32_t pfn);      /* from start_info->p2m (the guest keeps it current) */
uint32_t pfn_of_mfn(uint32_t mfn);      /* scans the p2m; MM_NONE if not ours */
void *pfn_to_virt(uint32_t pfn);        /* its address in the linear map */
void *mfn_to_virt(uint32_t mfn);        /* the same for a machine frame; NULL if not ours */
uint32_t virt_to_pfn(const void *va);   /* an address in the linear map */
uint32_t virt_to_mfn(const void *va);

/* The vCPU's base table (the PDPT, at start_info->pt_base at boot). */
uint32_t mm_base_mfn(void);
int mm_set_base(uint32_t l3_mfn);       /* NEW_BASEPTR; remembered on success */

/* The entry that maps va at level 1 (PTE), 2 (PDE) or 3 (PDPTE), found by
 * walking from the base table: its table's mfn and index, and a pointer to
 * read it through the table's read-only mapping. False if a table on the way
 * is missing (or not ours: the switch region). */
struct pt_loc {
	uint32_t mfn;
	uint32_t index;
	const volatile uint64_t *entry;
};
bool pt_locate(uint32_t va, unsigned level, struct pt_loc *loc);
uint64_t pt_read(uint32_t va, unsigned level);  /* the entry, 0 if missing */
uint64_t pt_maddr(uint32_t va, unsigned level); /* its machine address, 0 if missing */
static inline uint64_t l1e_of(uint32_t va)
{
	return pt_read(va, 1);
}

/* Free memory, handed out from start_info->first_free_pfn upward. */
uint32_t take_free_pfn(void);           /* test_error() when none is left */
/* A zeroed free frame whose linear mapping is made read-only, so it may
 * become a page table (a frame is never a table and writable). Its mfn. */
uint32_t take_table_frame(void);
int mm_make_ro(uint32_t pfn);           /* remap pfn's linear address read-only */
int mm_make_rw(uint32_t pfn);           /* ... read-write again */

int mm_map(uint32_t va, uint64_t pte);  /* update_va_mapping, flushing va */
int mm_update(uint64_t maddr, uint64_t val);    /* one mmu_update */
int mm_pin(unsigned level, uint32_t mfn);       /* level 1, 2 or 3 */
int mm_unpin(uint32_t mfn);
/* Hang a fresh empty L1 under the 2-MiB-aligned va (whose directory entry
 * is empty), so that update_va_mapping can map pages there. Returns the
 * mmu_update result; *l1_mfn (if not NULL) gets the table's mfn. */
int mm_window(uint32_t va, uint32_t *l1_mfn);

/* ---- grants (gnt.c, lib/grant.c) ---- */
#include "grant.h"
/* This domain's grant table: set up (one frame) and mapped at va, which must
 * be 2 MiB-aligned with its directory slot empty (a window is hung there;
 * va + 4 KiB onward are free for grant mappings). 0 or the error. */
extern struct gnt_table guest_gnt;
int guest_grant_setup(uint32_t va);
/* One map / unmap / copy: the hypercall's result (the op's status). */
int32_t guest_gnt_map(uint16_t dom, uint32_t ref, uint32_t va, uint32_t flags, uint32_t *handle);
int32_t guest_gnt_unmap(uint32_t va, uint32_t handle);
int32_t guest_gnt_copy(const struct rv_gnttab_copy_ptr *src, const struct rv_gnttab_copy_ptr *dst,
		       uint16_t len, uint16_t flags);

#endif
