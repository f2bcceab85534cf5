/*
 * The emulated I/O APIC (hv/vdev/ioapic.c) for hw domains: an 82093AA-like
 * chip of 24 pins at 0xfec00000 (guest-physical), IOREGSEL at +0x00 and
 * IOWIN at +0x10. Pure: devices drive the pins with vioapic_set_irq(), an
 * interrupt leaves as a message through the deliver callback (to
 * vlapic_deliver() of the vCPU's local APIC), and the local APIC's EOI of
 * a level-triggered vector comes back with vioapic_eoi(). The host unit
 * tests drive it through a vdev_table (tests/unit/test_vioapic.c).
 * What is modelled and left out: docs/apic.md.
 * Private to hv/vdev/.
 */
#ifndef HV_VDEV_IOAPIC_H
#define HV_VDEV_IOAPIC_H

#include "types.h"
#include "vdev.h"

#define VIOAPIC_BASE    0xfec00000u
#define VIOAPIC_SIZE    0x1000u         /* a page; IOREGSEL and IOWIN in it */
#define VIOAPIC_PINS    24
#define VIOAPIC_VERSION 0x00170011u     /* max redirection entry 23, version 0x11 */

#define IOAPIC_REGSEL   0x00
#define IOAPIC_WIN      0x10

/* Indirect registers (through IOREGSEL). */
#define IOAPIC_ID       0x00
#define IOAPIC_VER      0x01
#define IOAPIC_ARB      0x02
#define IOAPIC_REDTBL   0x10            /* pin n: 0x10 + 2n (low), + 1 (high) */

/* Redirection entry bits. */
#define IOAPIC_RTE_DEST_LOGICAL (1u << 11)
#define IOAPIC_RTE_STATUS       (1u << 12)      /* delivery status (read-only) */
#define IOAPIC_RTE_ACTIVE_LOW   (1u << 13)
#define IOAPIC_RTE_REMOTE_IRR   (1u << 14)      /* read-only */
#define IOAPIC_RTE_LEVEL        (1u << 15)
#define IOAPIC_RTE_MASKED       (1u << 16)

/* An interrupt message, as the chip sends it on the APIC bus. */
struct vioapic_msg {
	uint8_t vector;
	uint8_t dest;           /* an APIC ID, or a logical destination */
	bool logical;           /* destination mode */
	uint8_t mode;           /* delivery mode, enum apic_dm */
	bool level;             /* trigger mode */
};

struct vioapic {
	uint64_t base;                  /* where it was claimed */
	uint8_t id;                     /* bits 27:24 of register 0 */
	uint8_t regsel;
	uint64_t rte[VIOAPIC_PINS];
	uint32_t lines;                 /* pin levels as last driven (electrical) */
	/* true if a local APIC accepted the message */
	bool (*deliver)(void *opaque, const struct vioapic_msg *m);
	void *opaque;

	uint64_t bad_accesses;          /* other than 4 bytes at +0x00 or +0x10 */
	uint64_t dropped;               /* messages no local APIC accepted */
};

/* Reset the chip (ID id, every entry masked, edge, active high) and claim
 * the page at base of t's MMIO: vdev_register's errors. deliver may be
 * NULL (every message is dropped); it is called with opaque. */
int vioapic_init(struct vioapic *io, struct vdev_table *t, uint64_t base, uint8_t id,
		 bool (*deliver)(void *opaque, const struct vioapic_msg *m), void *opaque);
/* Drive pin to an electrical level; an active-low pin is asserted while
 * low. Edge pins send on becoming asserted (lost while masked); level
 * pins send while asserted, unmasked and Remote IRR clear, and set Remote
 * IRR when a local APIC accepts. Pins 24 and up are ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);
/* A local APIC's EOI broadcast for vector: Remote IRR of the level pins
 * with that vector clears, and a pin still asserted sends again. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
