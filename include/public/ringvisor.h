/*
 * ringvisor public ABI: the base header of include/public/, the interface the
 * hypervisor and its guests share.
 *
 * Everything here is a contract with guests: fixed-width types only, every
 * value documented, layouts checked with static asserts. This file holds the
 * revision, the address-space split and the segment selectors; hypercall.h,
 * start_info.h and shared_info.h include it, errno.h stands alone. The prose
 * reference is docs/abi.md.
 */
#ifndef RINGVISOR_PUBLIC_H
#define RINGVISOR_PUBLIC_H

#ifndef __ASSEMBLER__
#include <stdint.h>
/* Layout checks usable from C and C++ alike. */
#ifdef __cplusplus
#define RV_BUILD_ASSERT(c, m) static_assert(c, m)
#else
#define RV_BUILD_ASSERT(c, m) _Static_assert(c, m)
#endif
#endif

/* ABI revision; bumped on any incompatible change to this directory. */
#define RV_ABI_MAJOR            0
#define RV_ABI_MINOR            5

/*
 * The switch region: the top 4 MiB of every address space, guest and
 * hypervisor alike. It holds the descriptor tables, the trap entry/exit stubs
 * (all read-only) and the per-CPU entry stacks. A guest may never map
 * anything here; the hypervisor refuses such page-table updates.
 */
#define RV_SWITCH_BASE          0xFFC00000u
#define RV_SWITCH_SIZE          0x00400000u

/* Highest guest-usable virtual address + 1. */
#define RV_GUEST_VIRT_END       RV_SWITCH_BASE

/* Privilege levels of the three worlds. */
#define RV_RING_HYPERVISOR      0
#define RV_RING_GUEST_KERNEL    1
#define RV_RING_GUEST_USER      3



/*
 * Flat segment selectors in the hypervisor's GDT, identical in every address
 * space. The hypervisor's own are at the top of the GDT's page, as Xen's
 * are, so that the slots an unmodified PC kernel uses (a bt domain's,
 * which gets a GDT of its own) stay free. A pv guest kernel runs on RV_GUEST_KERNEL_CS/DS (ring 1) and its
 * programs on RV_GUEST_USER_CS/DS (ring 3). Slots from RV_GDT_FIRST_GUEST_SLOT
 * on are reserved for per-vCPU guest descriptors (TLS).
 */
#define RV_HV_CS                0xfe0u  /* ring 0 code: GDT slot 508 */
#define RV_HV_DS                0xfe8u  /* ring 0 data: GDT slot 509 */
#define RV_GUEST_KERNEL_CS      0x19u   /* ring 1 code: GDT slot 3, RPL 1 */
#define RV_GUEST_KERNEL_DS      0x21u   /* ring 1 data: GDT slot 4, RPL 1 */
#define RV_GUEST_USER_CS        0x2bu   /* ring 3 code: GDT slot 5, RPL 3 */
#define RV_GUEST_USER_DS        0x33u   /* ring 3 data: GDT slot 6, RPL 3 */
#define RV_GDT_FIRST_GUEST_SLOT 16

#endif /* RINGVISOR_PUBLIC_H */
