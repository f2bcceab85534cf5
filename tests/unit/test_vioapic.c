/* The emulated I/O APIC (hv/vdev/ioapic.c), programmed as a guest would
 * through IOREGSEL and IOWIN (32-bit MMIO through vdev_access), its pins
 * driven as devices would. Messages go either to a recorder or, wired as
 * in a hw domain, to the local APIC of hv/vdev/lapic.c, whose EOI comes
 * back. Values are the 82093AA datasheet's. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "../../hv/vdev/ioapic.h"
#include "../../hv/vdev/lapic.h"

#define BASE    0xfec00000u

static struct vdev_table t;
static struct vioapic io;
static struct vlapic lapic;

/* The recorder: every message, and whether to accept them. */
static struct vioapic_msg msgs[64];
static unsigned nmsgs;
static bool accept_all;

static bool record(void *opaque, const struct vioapic_msg *m)
{
	assert_ptr_equal(opaque, &msgs);
	assert_true(nmsgs < ARRAY_SIZE(msgs));
	msgs[nmsgs++] = *m;
	return accept_all;
}

static int setup(void **state)
{
	vdev_clear(&t);
	nmsgs = 0;
	accept_all = true;
	assert_int_equal(vioapic_init(&io, &t, BASE, 1, record, msgs), 0);
	return 0;
}

/* Wired as in a hw domain: the I/O APIC's messages to the vCPU's local
 * APIC (ID 0), its EOI broadcasts back. */
static bool to_lapic(void *opaque, const struct vioapic_msg *m)
{
	return vlapic_deliver(opaque, m->dest, m->logical, m->mode, m->vector, m->level);
}

static void lapic_eoi(void *opaque, uint8_t vector)
{
	vioapic_eoi(opaque, vector);
}

static int setup_wired(void **state)
{
	vdev_clear(&t);
	assert_int_equal(vioapic_init(&io, &t, BASE, 1, to_lapic, &lapic), 0);
	assert_int_equal(vlapic_init(&lapic, &t, 0, lapic_eoi, &io), 0);
	uint32_t v = 0x1ff;                             /* software-enable */
	assert_int_equal(vdev_access(&t, VDEV_MMIO, 0xfee000f0, 4, true, &v), 0);
	return 0;
}

static void mmio_wr(uint32_t addr, uint32_t v)
{
	assert_int_equal(vdev_access(&t, VDEV_MMIO, addr, 4, true, &v), 0);
}

static uint32_t mmio_rd(uint32_t addr)
{
	uint32_t v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, addr, 4, false, &v), 0);
	return v;
}

static void wr(uint8_t reg, uint32_t v)
{
	mmio_wr(BASE, reg);
	mmio_wr(BASE + 0x10, v);
}

static uint32_t rd(uint8_t reg)
{
	mmio_wr(BASE, reg);
	return mmio_rd(BASE + 0x10);
}

/* Program pin's redirection entry: high half first, as Linux does. */
static void route(unsigned pin, uint32_t low, uint8_t dest)
{
	wr((uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
	wr((uint8_t)(0x10 + 2 * pin), low);
}

static void test_reset_and_ids(void **state)
{
	assert_int_equal(rd(0x00), 0x01000000);         /* ID 1 */
	assert_int_equal(rd(0x01), 0x00170011);         /* 24 pins, version 0x11 */
	assert_int_equal(rd(0x02), 0x01000000);         /* arbitration ID */
	for (unsigned pin = 0; pin < 24; pin++) {
		assert_int_equal(rd((uint8_t)(0x10 + 2 * pin)), 0x00010000);   /* masked */
		assert_int_equal(rd((uint8_t)(0x11 + 2 * pin)), 0);
	}
	assert_int_equal(rd(0x40), 0);                  /* past the table */
	assert_int_equal(rd(0x03), 0);
	mmio_wr(BASE, 0x2a);
	assert_int_equal(mmio_rd(BASE), 0x2a);          /* IOREGSEL reads back */
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000);         /* ID: bits 27:24 */
	assert_int_equal(rd(0x02), 0x0f000000);         /* loaded with it */
	wr(0x01, 0);
	assert_int_equal(rd(0x01), 0x00170011);
	/* nothing is sent by a masked chip, whatever the pins do */
	for (unsigned pin = 0; pin < 24; pin++) {
		vioapic_set_irq(&io, pin, true);
		vioapic_set_irq(&io, pin, false);
	}
	vioapic_set_irq(&io, 24, true);                 /* no such pin */
	assert_int_equal(nmsgs, 0);
}

/* Read-only bits: delivery status (12), Remote IRR (14), reserved. */
static void test_rte_bits(void **state)
{
	wr(0x10 + 2 * 5, 0xffffffff);
	assert_int_equal(rd(0x10 + 2 * 5), 0x0001afff);
	wr(0x11 + 2 * 5, 0xffffffff);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);
	/* the halves are independent */
	wr(0x10 + 2 * 5, 0x00010000);
	assert_int_equal(rd(0x11 + 2 * 5), 0xff000000);
	assert_int_equal(rd(0x10 + 2 * 5), 0x00010000);
}

/* Edge: one message per rising edge, none while masked (lost). */
static void test_edge(void **state)
{
	route(4, 0x34, 0);                              /* fixed, physical, edge, high */
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 1);
	assert_int_equal(msgs[0].vector, 0x34);
	assert_int_equal(msgs[0].dest, 0);
	assert_false(msgs[0].logical);
	assert_int_equal(msgs[0].mode, 0);
	assert_false(msgs[0].level);
	vioapic_set_irq(&io, 4, true);                  /* no edge */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 4, false);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 2);
	assert_int_equal(rd(0x10 + 2 * 4) & (1u << 14), 0);     /* no Remote IRR */
	vioapic_set_irq(&io, 4, false);
	route(4, 0x10034, 0);                           /* masked */
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 2);
	route(4, 0x34, 0);                              /* unmasked while high: lost */
	assert_int_equal(nmsgs, 2);
	vioapic_set_irq(&io, 4, false);
	vioapic_set_irq(&io, 4, true);
	assert_int_equal(nmsgs, 3);
	/* lowest priority, logical destination, as Linux may program */
	route(6, 0x936, 0x01);
	vioapic_set_irq(&io, 6, true);
	assert_int_equal(nmsgs, 4);
	assert_int_equal(msgs[3].mode, 1);
	assert_true(msgs[3].logical);
	assert_int_equal(msgs[3].dest, 1);
	/* an EOI means nothing to an edge pin */
	vioapic_eoi(&io, 0x34);
	assert_int_equal(nmsgs, 4);
}

/* Level: Remote IRR from acceptance to EOI; redelivery while asserted. */
static void test_level_remote_irr(void **state)
{
	route(9, 0x8000 | 0x39, 0);                     /* level, active high */
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 1);
	assert_true(msgs[0].level);
	assert_int_equal(rd(0x10 + 2 * 9), 0x8000 | 0x4000 | 0x39);   /* Remote IRR */
	vioapic_set_irq(&io, 9, true);
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);                  /* Remote IRR holds it */
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x38);                         /* another vector */
	assert_int_equal(nmsgs, 1);
	vioapic_eoi(&io, 0x39);                         /* still asserted: again */
	assert_int_equal(nmsgs, 2);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0x4000);
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, 0x39);                         /* deasserted: done */
	assert_int_equal(nmsgs, 2);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0);
	/* masked while asserted: nothing until unmasked */
	route(9, 0x18000 | 0x39, 0);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 2);
	route(9, 0x8000 | 0x39, 0);
	assert_int_equal(nmsgs, 3);
	/* a message nobody accepts: counted, no Remote IRR, sent again on
	 * the next chance */
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, 0x39);
	accept_all = false;
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nmsgs, 4);
	assert_int_equal(io.dropped, 1);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0);
	/* switching the pin to edge clears Remote IRR */
	accept_all = true;
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0x4000);
	route(9, 0x39, 0);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0);
}

/* Polarity: an active-low pin is asserted while its line is low. */
static void test_active_low(void **state)
{
	vioapic_set_irq(&io, 10, true);                 /* idle high, as PCI is */
	route(10, 0xa000 | 0x3a, 0);                    /* level, active low */
	assert_int_equal(nmsgs, 0);
	vioapic_set_irq(&io, 10, false);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 10, true);
	vioapic_eoi(&io, 0x3a);
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 11, true);                 /* idle high */
	route(11, 0x2000 | 0x3b, 0);                    /* edge, active low */
	assert_int_equal(nmsgs, 1);
	vioapic_set_irq(&io, 11, false);                /* the falling edge */
	assert_int_equal(nmsgs, 2);
	assert_int_equal(msgs[1].vector, 0x3b);
}

/* Only 32-bit accesses at IOREGSEL and IOWIN: others ignored, read 0. */
static void test_bad_accesses(void **state)
{
	uint32_t v = 0x01;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE, 1, true, &v), 0);
	mmio_wr(BASE, 0x10);
	v = 0x01;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE, 1, true, &v), 0);
	assert_int_equal(mmio_rd(BASE), 0x10);          /* the byte write was ignored */
	v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x10, 2, false, &v), 0);
	assert_int_equal(v, 0);
	v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x04, 4, false, &v), 0);
	assert_int_equal(v, 0);
	mmio_wr(BASE + 0x20, 0x12345678);
	assert_int_equal(io.bad_accesses, 5);
	assert_int_equal(rd(0x10), 0x00010000);         /* nothing changed */
	/* the chip has the page; the next page is nobody's */
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x1000, 4, false, &v), -ENODEV);
}

/* Wired to the local APIC: a level interrupt is taken, its EOI through
 * the APIC's EOI register clears Remote IRR, and an interrupt still
 * asserted comes back; destinations other than APIC 0 are dropped. */
static void test_wired_to_lapic(void **state)
{
	route(9, 0x8000 | 0x49, 0);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(vlapic_pending(&lapic), 0x49);
	assert_int_equal(vlapic_ack(&lapic, 0x49), 0);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0x4000);
	mmio_wr(0xfee000b0, 0);                         /* EOI */
	/* still asserted: sent again, requested again */
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0x4000);
	assert_int_equal(vlapic_pending(&lapic), 0x49);
	assert_int_equal(vlapic_ack(&lapic, 0x49), 0);
	vioapic_set_irq(&io, 9, false);                 /* the device is served */
	mmio_wr(0xfee000b0, 0);
	assert_int_equal(rd(0x10 + 2 * 9) & 0x4000, 0);
	assert_int_equal(vlapic_pending(&lapic), -1);
	/* the PIT's IRQ 0 on pin 2, edge */
	route(2, 0x30, 0);
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 2, false);
	assert_int_equal(vlapic_pending(&lapic), 0x30);
	/* APIC ID 1 does not exist: dropped and counted */
	route(3, 0x33, 1);
	vioapic_set_irq(&io, 3, true);
	assert_int_equal(io.dropped, 1);
	/* logical destination 0x01 with the APIC's LDR bit 0 (flat) */
	mmio_wr(0xfee000d0, 0x01000000);
	route(5, 0x800 | 0x35, 0x01);
	vioapic_set_irq(&io, 5, true);
	assert_int_equal(io.dropped, 1);
	assert_true(mmio_rd(0xfee00200 + 0x10) & (1u << (0x35 - 0x20)));
	/* NMI, INIT, ExtINT messages are not modelled: not accepted */
	route(7, 0x400, 0);
	vioapic_set_irq(&io, 7, true);
	assert_int_equal(io.dropped, 2);
	assert_int_equal(lapic.ipis_ignored, 1);
	/* a software-disabled APIC takes nothing: no Remote IRR is left set */
	mmio_wr(0xfee000f0, 0xff);
	route(12, 0x8000 | 0x4c, 0);
	vioapic_set_irq(&io, 12, true);
	assert_int_equal(io.dropped, 3);
	assert_int_equal(rd(0x10 + 2 * 12) & 0x4000, 0);
	mmio_wr(0xfee000f0, 0x1ff);
	route(12, 0x8000 | 0x4c, 0);                    /* reprogrammed: sent */
	assert_int_equal(rd(0x10 + 2 * 12) & 0x4000, 0x4000);
	assert_true(mmio_rd(0xfee00200 + 0x20) & (1u << (0x4c - 0x40)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_and_ids, setup),
		cmocka_unit_test_setup(test_rte_bits, setup),
		cmocka_unit_test_setup(test_edge, setup),
		cmocka_unit_test_setup(test_level_remote_irr, setup),
		cmocka_unit_test_setup(test_active_low, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_wired_to_lapic, setup_wired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
