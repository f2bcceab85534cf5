/*
 * The emulated Intel 8259A pair of a PC (hv/vdev/pic.c): master at ports
 * 0x20-0x21, slave at 0xa0-0xa1, the slave's INT wired to the master's IR2.
 * Pure: no hardware is touched; devices drive the 16 input lines with
 * vpic_set_irq(), the technique asks vpic_pending() (the INTR pin) and
 * runs the CPU's interrupt acknowledge with vpic_ack(). The host unit tests
 * drive it through a vdev_table (tests/unit/test_vpic.c).
 * Private to hv/vdev/.
 */
#ifndef HV_VDEV_PIC_H
#define HV_VDEV_PIC_H

#include "types.h"
#include "vdev.h"

#define VPIC_MASTER_BASE        0x20
#define VPIC_SLAVE_BASE         0xa0
#define VPIC_CASCADE_IRQ        2

/* One 8259A. */
struct vpic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;          /* input levels as last driven (edge detection) */
	uint8_t vbase;          /* ICW2 & 0xf8 */
	uint8_t icw3;           /* master: a bit per slave input; slave: its id */
	uint8_t lowest;         /* the level of lowest priority (rotation) */
	uint8_t init;           /* 0: operating; 2, 3, 4: expecting that ICW */
	bool ltim;              /* ICW1: level triggered */
	bool single;            /* ICW1: no cascade */
	bool icw4;              /* ICW1: an ICW4 follows */
	bool aeoi;              /* ICW4: automatic EOI */
	bool rotate_aeoi;       /* OCW2: rotate in automatic EOI mode */
	bool read_isr;          /* OCW3: the command port reads ISR, else IRR */
	bool poll;              /* OCW3: the next read is the poll word */
	bool special_mask;      /* OCW3: special mask mode */
};

struct vpic {
	struct vpic_chip master, slave;
	bool intr;              /* the master's INT was raised since the last INTA */
};

/* Reset both chips (as a PC BIOS leaves them: vectors 0x08 and 0x70,
 * cascaded on IR2, edge triggered, everything masked) and claim their
 * ports in t: 0, or what vdev_register refused with (nothing claimed). */
int vpic_init(struct vpic *p, struct vdev_table *t);
/* Drive input line irq (0-15) to level. IRQ 2 is the cascade: the master's
 * IR2 is the slave's INT, so driving it is ignored. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* The master's INT: an unmasked request of higher priority than any in
 * service, which the CPU should take. */
bool vpic_pending(const struct vpic *p);
/* The CPU's interrupt acknowledge: the vector, with IRR/ISR updated as
 * the 8259A does. If INT was raised since the last acknowledge but the
 * request went away (line dropped, masked), the spurious IR7 of the chip
 * that lost it: master base + 7 (nothing in service), or slave base + 7
 * with the master's IR2 in service. -1 if INT was never raised: nothing
 * to acknowledge. */
int vpic_ack(struct vpic *p);

#endif
