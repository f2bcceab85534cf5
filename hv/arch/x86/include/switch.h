/*
 * The switch region: the top 4 MiB of every address space (BRIEF.md).
 *
 *   0xFFC00000  GDT                           1 page   read-only
 *   0xFFC01000  IDT                           1 page   read-only
 *   0xFFC02000  TSS + I/O bitmap              3 pages  read-only
 *   0xFFC05000  guard (unmapped)
 *   0xFFC06000  entry/exit stubs + their data 4 pages  read-only (stubs executable)
 *   0xFFC0A000  guard (unmapped)
 *   0xFFC0B000  entry stack, CPU 0            1 page   read-write, NX
 *   0xFFC0C000  guard (unmapped)
 *   0xFFC0D000  the GDT of the running bt domain  1 page   read-only
 *   0xFFC0E000  the LDT of the running bt domain  1 page   read-only
 *   0xFFC0F000  ... up to 0xFFDFFFFF: room for more CPUs and per-domain
 *               read-only pages
 *   0xFFE00000  second 2 MiB: unused for now
 *
 * All of it is supervisor-only and global. Mind that ring 1 is "supervisor"
 * for paging: a pv guest kernel can read the whole region and write the
 * entry stack. So nothing secret may stay on the entry stack (the stubs copy
 * the frame to a private stack at once) and everything the CPU trusts (GDT,
 * IDT, TSS, stubs, the hypervisor's CR3) is read-only with CR0.WP set.
 */
#ifndef HV_SWITCH_H
#define HV_SWITCH_H

#include <public/ringvisor.h>

#define SWITCH_BASE             RV_SWITCH_BASE
#define SWITCH_GDT              (SWITCH_BASE + 0x0000)
#define SWITCH_IDT              (SWITCH_BASE + 0x1000)
#define SWITCH_TSS              (SWITCH_BASE + 0x2000)
#define SWITCH_TSS_PAGES        3
#define SWITCH_STUBS            (SWITCH_BASE + 0x6000)
#define SWITCH_STUBS_MAX_PAGES  4
#define SWITCH_ENTRY_STACK      (SWITCH_BASE + 0xB000)
#define SWITCH_ENTRY_STACK_TOP  (SWITCH_ENTRY_STACK + 0x1000)
#define SWITCH_BT_GDT           (SWITCH_BASE + 0xD000)  /* the running bt domain's GDT */
#define SWITCH_BT_LDT           (SWITCH_BASE + 0xE000)  /* ... and its LDT */

#ifndef __ASSEMBLER__
#include "types.h"
#include "pagetable.h"
#include "cpu.h"

/* Read by the stubs while still in a guest's address space: read-only there. */
struct switch_data {
	uint32_t hv_cr3;                /* the hypervisor's address space */
	uint32_t trap_stack_top;        /* private per-CPU stack for traps from guests */
};
extern struct switch_data switch_data;  /* linked into the stub pages */

/* The page table (level 1) mapping the first 2 MiB of the region. Every
 * address space installs this same table (pt_install_l1). */
extern paddr_t switch_l1;

/* Allocate the region's tables and pages and map them. */
void switch_region_init(const struct pt_env *env);
/* Install the region into an address space. */
int switch_region_install(const struct pt_env *env, struct pae_space *space);

/* Low (1:1) aliases through which the hypervisor writes the tables. */
extern struct seg_desc *gdt;
extern struct seg_desc *bt_gdt;         /* SWITCH_BT_GDT's low alias */
extern struct seg_desc *bt_ldt;         /* SWITCH_BT_LDT's low alias */
extern struct gate_desc *idt;
extern struct tss32 *tss;

/*
 * Enter a guest context: copy *f onto the entry stack, load cr3 and iret.
 * Traps from the guest come back through dispatch_trap() on the private
 * trap stack. Does not return.
 */
void switch_to_guest(const struct trap_frame *f, uint32_t cr3) __noreturn;

/* Tell the stubs which CR3 is the hypervisor's. */
void switch_set_hv_cr3(uint32_t cr3);

/* The CR3 a trap from a guest returns to. */
extern uint32_t switch_guest_cr3;
#endif

#endif
