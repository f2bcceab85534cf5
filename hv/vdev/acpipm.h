/*
 * The ACPI PM1a event and control blocks of the emulated PC
 * (hv/vdev/acpipm.c), at the ports the FADT names (hv/vdev/pctables.h):
 * enough ACPI fixed hardware for an OS to power the machine off the ACPI
 * way, writing the DSDT's _S5 sleep type with SLP_EN (ACPI 4.8.3.2.1).
 * Pure; the host unit test drives it (tests/unit/test_vacpipm.c).
 *
 * PM1a_STS (2 bytes): no event ever happens, reads 0; writes of 1 clear
 * (nothing). PM1a_EN (2 bytes): read-write, no effect (no SCI is ever
 * raised). PM1a_CNT (2 bytes): SCI_EN reads 1 (the machine is always in
 * ACPI mode: the FADT has no SMI_CMD), SLP_TYP is kept, SLP_EN is
 * write-only: with SLP_TYP = the _S5 value it calls poweroff; other
 * sleep states are not offered (the DSDT names none) and are ignored.
 */
#ifndef HV_VDEV_ACPIPM_H
#define HV_VDEV_ACPIPM_H

#include "types.h"
#include "vdev.h"

#define ACPIPM_SCI_EN           (1u << 0)
#define ACPIPM_SLP_TYP_SHIFT    10
#define ACPIPM_SLP_EN           (1u << 13)

struct vacpipm {
	uint16_t en;                    /* PM1a_EN as written */
	uint16_t cnt;                   /* PM1a_CNT as written (SCI_EN always set) */
	void (*poweroff)(void *opaque);
	void *opaque;
};

/* Reset and claim the event block (evt, 4 ports) and the control block
 * (cnt, 2 ports) in t: vdev_register's errors. poweroff may be NULL. */
int vacpipm_init(struct vacpipm *p, struct vdev_table *t, uint16_t evt, uint16_t cnt,
		 void (*poweroff)(void *opaque), void *opaque);

#endif
