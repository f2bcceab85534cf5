/*
 * The firmware tables of the emulated PC (hv/vdev/pctables.c): what a PC
 * BIOS leaves in memory so that an OS finds the interrupt hardware of a
 * hw domain without probing it. ACPI (RSDP revision 0, RSDT, FADT revision
 * 1 with its FACS and an empty DSDT, MADT) and the MultiProcessor
 * Specification 1.4 tables (floating pointer, configuration table), both
 * describing one CPU (APIC ID 0), its local APIC at VLAPIC_BASE, I/O APIC
 * PCTABLES_IOAPIC_ID at VIOAPIC_BASE (GSI base 0) and the 8259A pair.
 * Pure: written into a buffer that stands for guest-physical memory; the
 * host unit tests parse them back (tests/unit/test_pctables.c). The
 * layout and every value chosen: docs/apic.md.
 */
#ifndef HV_VDEV_PCTABLES_H
#define HV_VDEV_PCTABLES_H

#include "types.h"

/* Where an OS looks: the RSDP on a 16-byte boundary in 0xe0000-0xfffff
 * (ACPI 5.2.5.1), the MP floating pointer in 0xf0000-0xfffff (MP spec
 * 4); both go in the latter. */
#define PCTABLES_SCAN_START     0xf0000u
#define PCTABLES_SCAN_END       0x100000u

#define PCTABLES_IOAPIC_ID      1
#define PCTABLES_SCI_IRQ        9       /* ISA IRQ 9, level, active high */
#define PCTABLES_PM1A_EVT       0xb000  /* PM1a status + enable, 4 ports */
#define PCTABLES_PM1A_CNT       0xb004  /* PM1a control, 2 ports */
#define PCTABLES_SLP_TYP_S5     5       /* the DSDT's _S5: PM1a_CNT SLP_TYP for power off */

struct pctables_cfg {
	uint32_t mem_mib;               /* RAM: the tables must lie below its end */
	uint32_t cpu_signature;         /* CPUID 1 EAX (MP processor entry) */
	uint32_t cpu_features;          /* CPUID 1 EDX (MP processor entry) */
};

/* Where each table went (guest-physical addresses). */
struct pctables_layout {
	uint32_t mpfp;                  /* MP floating pointer, 16 bytes */
	uint32_t rsdp;                  /* ACPI RSDP, 20 bytes */
	uint32_t mpct;                  /* MP configuration table */
	uint32_t rsdt, fadt, facs, dsdt, madt;
	uint32_t end;                   /* the first byte after the last table */
};

/* Write the tables into mem, which stands for guest-physical
 * [base, base + len). The two pointers go at the first 16-byte boundary
 * at or above max(base, 0xf0000), the tables after them, packed; nothing
 * else of mem is touched. 0 with *out filled (out may be NULL); -EINVAL
 * if the buffer leaves no room for the pointers in 0xf0000-0xfffff or
 * passes the end of RAM; -ENOSPC if the tables do not fit in it. */
int pctables_build(uint8_t *mem, uint32_t base, uint32_t len, const struct pctables_cfg *cfg,
		   struct pctables_layout *out);

#endif
