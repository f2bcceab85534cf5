/* The emulated 8259A pair (hv/vdev/pic.c), programmed as a guest would:
 * every register access goes through vdev_access on the domain's table. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/pic.h"

static struct vdev_table t;
static struct vpic p;

static void out(uint16_t port, uint8_t v)
{
	vdev_outb(&t, port, v);
}

static uint8_t in(uint16_t port)
{
	return vdev_inb(&t, port);
}

static uint8_t read_irr(uint16_t cmd)
{
	out(cmd, 0x0a);
	return in(cmd);
}

static uint8_t read_isr(uint16_t cmd)
{
	out(cmd, 0x0b);
	return in(cmd);
}

/* ringos-pc's lib/pic.c pic_init(base), then pic_unmask() of each line in
 * unmask (the cascade stays open). */
static void ringos_init(uint8_t base, uint16_t unmask)
{
	out(0x20, 0x11);
	out(0xa0, 0x11);
	out(0x21, base);
	out(0xa1, base + 8);
	out(0x21, 1 << 2);
	out(0xa1, 2);
	out(0x21, 0x01);
	out(0xa1, 0x01);
	uint16_t mask = 0xffff & ~(1u << 2) & ~unmask;
	out(0x21, mask & 0xff);
	out(0xa1, mask >> 8);
}

/* The generic EOI of ringos's pic_eoi(). */
static void eoi(unsigned irq)
{
	if (irq >= 8)
		out(0xa0, 0x20);
	out(0x20, 0x20);
}

static int setup(void **state)
{
	vdev_clear(&t);
	assert_int_equal(vpic_init(&p, &t), 0);
	return 0;
}

static void test_reset_and_registration(void **state)
{
	/* both chips' ports, and only those */
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x20, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x21, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, 0xa0, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, 0xa1, 1));
	assert_null(vdev_find(&t, VDEV_PIO, 0x22, 1));
	assert_null(vdev_find(&t, VDEV_PIO, 0xa2, 1));
	/* a second pair on the same table is refused, and claims nothing */
	static struct vpic q;
	assert_int_equal(vpic_init(&q, &t), -EBUSY);
	assert_int_equal(t.n[VDEV_PIO], 2);
	/* as a BIOS leaves it: all masked, nothing to acknowledge */
	assert_int_equal(in(0x21), 0xff);
	assert_int_equal(in(0xa1), 0xff);
	vpic_set_irq(&p, 0, true);
	assert_false(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), -1);
	/* BIOS vectors once unmasked */
	out(0x21, 0xfe);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x08);
}

static void test_ringos_init(void **state)
{
	ringos_init(0x20, 1u << 1 | 1u << 12);
	assert_int_equal(in(0x21), 0xf9);
	assert_int_equal(in(0xa1), 0xef);
	vpic_set_irq(&p, 1, true);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x21);
	vpic_set_irq(&p, 1, false);
	assert_false(vpic_pending(&p));
	assert_int_equal(read_isr(0x20), 0x02);
	eoi(1);
	assert_int_equal(read_isr(0x20), 0);
	/* the slave's line, with pic_eoi's two EOIs */
	vpic_set_irq(&p, 12, true);
	assert_int_equal(vpic_ack(&p), 0x2c);
	vpic_set_irq(&p, 12, false);
	eoi(12);
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(read_isr(0xa0), 0);
	/* a masked line stays quiet */
	vpic_set_irq(&p, 3, true);
	assert_false(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), -1);
}

static void test_linux_init(void **state)
{
	/* arch/x86/kernel/i8259.c init_8259A(0): mask, ICWs, restore masks */
	out(0x21, 0xff);
	out(0xa1, 0xff);
	assert_int_equal(in(0x21), 0xff);       /* the probe reads back its mask */
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 1 << 2);
	out(0x21, 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x38);
	out(0xa1, 2);
	out(0xa1, 0x01);
	out(0x21, 0xfa);        /* timer and cascade */
	out(0xa1, 0xff & ~(1 << 6));   /* IRQ 14 */
	assert_int_equal(in(0x21), 0xfa);
	assert_int_equal(in(0xa1), 0xbf);
	vpic_set_irq(&p, 0, true);
	vpic_set_irq(&p, 0, false);
	assert_int_equal(vpic_ack(&p), 0x30);
	out(0x20, 0x60);                /* mask_and_ack_8259A: specific EOI */
	assert_int_equal(read_isr(0x20), 0);
	vpic_set_irq(&p, 14, true);
	assert_int_equal(vpic_ack(&p), 0x3e);
	vpic_set_irq(&p, 14, false);
	out(0xa0, 0x60 + 6);
	assert_int_equal(read_isr(0x20), 0x04);
	out(0x20, 0x60 + 2);
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(read_isr(0xa0), 0);
	/* with auto-EOI (ICW4 0x03 on the master) */
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 1 << 2);
	out(0x21, 0x03);
	out(0x21, 0xfe);
	vpic_set_irq(&p, 0, true);
	assert_int_equal(vpic_ack(&p), 0x30);
	assert_int_equal(read_isr(0x20), 0);
}

static void test_masking(void **state)
{
	ringos_init(0x20, 0);
	for (unsigned v = 0; v < 256; v += 37) {
		out(0x21, (uint8_t)v);
		assert_int_equal(in(0x21), v);
	}
	out(0x21, 0xfb);
	vpic_set_irq(&p, 5, true);
	assert_false(vpic_pending(&p));
	assert_int_equal(read_irr(0x20), 0x20);  /* requested, only masked */
	out(0x21, 0xdb);                         /* unmask 5 */
	assert_true(vpic_pending(&p));
	out(0x21, 0xfb);
	assert_false(vpic_pending(&p));
	out(0x21, 0xdb);
	assert_int_equal(vpic_ack(&p), 0x25);
	assert_int_equal(read_irr(0x20), 0);
	/* a masked slave line keeps the master's IR2 quiet */
	vpic_set_irq(&p, 9, true);
	assert_false(vpic_pending(&p));
	assert_int_equal(read_irr(0xa0), 0x02);
	assert_int_equal(read_irr(0x20) & 0x04, 0);
}

static void test_priority_and_nesting(void **state)
{
	ringos_init(0x20, 0xfffb);
	/* simultaneous: the lowest number first */
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_ack(&p), 0x21);
	/* 4 waits while 1 is in service */
	assert_false(vpic_pending(&p));
	eoi(1);
	assert_int_equal(vpic_ack(&p), 0x24);
	/* a higher one interrupts 4, a lower one waits */
	vpic_set_irq(&p, 6, true);
	assert_false(vpic_pending(&p));
	vpic_set_irq(&p, 3, true);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x23);
	assert_int_equal(read_isr(0x20), 0x18);
	/* the same level again does not nest */
	vpic_set_irq(&p, 3, false);
	vpic_set_irq(&p, 3, true);
	assert_false(vpic_pending(&p));
	/* non-specific EOI ends the highest (3); 4 still blocks 6 and 3 */
	out(0x20, 0x20);
	assert_int_equal(read_isr(0x20), 0x10);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x23);  /* the new edge of 3 */
	out(0x20, 0x20);
	assert_false(vpic_pending(&p));
	out(0x20, 0x20);                        /* ends 4: 6 goes */
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(vpic_ack(&p), 0x26);
	/* a specific EOI ends exactly its level */
	vpic_set_irq(&p, 0, true);
	assert_int_equal(vpic_ack(&p), 0x20);
	out(0x20, 0x66);
	assert_int_equal(read_isr(0x20), 0x01);
}

static void test_cascade(void **state)
{
	ringos_init(0x20, 0xfffb);
	vpic_set_irq(&p, 10, true);
	assert_true(vpic_pending(&p));
	assert_int_equal(read_irr(0x20), 0x04);  /* the slave's INT on IR2 */
	assert_int_equal(vpic_ack(&p), 0x2a);
	vpic_set_irq(&p, 10, false);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_int_equal(read_isr(0xa0), 0x04);
	/* master 1 nests over it, master 3 and slave 11 wait */
	vpic_set_irq(&p, 3, true);
	vpic_set_irq(&p, 11, true);
	assert_false(vpic_pending(&p));
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_ack(&p), 0x21);
	eoi(1);
	assert_false(vpic_pending(&p));
	/* the EOI on the slave alone is not enough: IR2 is still in service */
	out(0xa0, 0x20);
	assert_int_equal(read_isr(0xa0), 0);
	assert_false(vpic_pending(&p));
	out(0x20, 0x20);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x2b);   /* 11 ranks above master 3 */
	eoi(11);
	assert_int_equal(vpic_ack(&p), 0x23);
	eoi(3);
	assert_false(vpic_pending(&p));
	/* a slave request arriving during service of a lower slave one
	 * nests on the slave but waits for the master's IR2 */
	vpic_set_irq(&p, 14, true);
	assert_int_equal(vpic_ack(&p), 0x2e);
	vpic_set_irq(&p, 9, true);
	assert_false(vpic_pending(&p));
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x29);
	assert_int_equal(read_isr(0xa0), 0x42);
	/* with the master single (no ICW3), IR2 is an ordinary input */
	vdev_clear(&t);
	assert_int_equal(vpic_init(&p, &t), 0);
	out(0x20, 0x13);
	out(0x21, 0x40);
	out(0x21, 0x01);
	out(0x21, 0x00);
	ringos_init(0x20, 0);   /* the slave as before; then make the master single again */
	out(0x20, 0x13);
	out(0x21, 0x40);
	out(0x21, 0x01);
	out(0x21, 0x00);
	vpic_set_irq(&p, 8, true);
	out(0xa1, 0xfe);
	assert_int_equal(vpic_ack(&p), 0x42);
}

static void test_edge_and_level(void **state)
{
	ringos_init(0x20, 0xfffb);
	/* edge: a pulse latches */
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 4, false);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x24);
	eoi(4);
	assert_false(vpic_pending(&p));
	/* a line held high gives one interrupt, not one per EOI */
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x24);
	eoi(4);
	assert_false(vpic_pending(&p));
	vpic_set_irq(&p, 4, true);      /* no edge */
	assert_false(vpic_pending(&p));
	vpic_set_irq(&p, 4, false);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x24);
	eoi(4);
	vpic_set_irq(&p, 4, false);
	/* level (ICW1 LTIM): the request follows the line */
	out(0x20, 0x19);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x01);
	out(0x21, 0xef);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x24);
	assert_int_equal(read_irr(0x20), 0x10);  /* still requested */
	eoi(4);
	assert_true(vpic_pending(&p));            /* again, as the line is high */
	assert_int_equal(vpic_ack(&p), 0x24);
	eoi(4);
	vpic_set_irq(&p, 4, false);
	assert_false(vpic_pending(&p));
	assert_int_equal(read_irr(0x20), 0);
	/* a pulse shorter than the acknowledge is lost */
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 4, false);
	assert_false(vpic_pending(&p));
}

static void test_auto_eoi(void **state)
{
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x03);        /* AEOI */
	out(0x21, 0x00);
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	assert_int_equal(read_isr(0x20), 0);
	/* nothing in service: a lower request goes at once */
	vpic_set_irq(&p, 6, true);
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x26);
	/* rotate in AEOI: the acknowledged level becomes the lowest */
	out(0x20, 0x80);
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_ack(&p), 0x21);
	vpic_set_irq(&p, 0, true);
	vpic_set_irq(&p, 3, true);
	assert_int_equal(vpic_ack(&p), 0x23);   /* 1 lowest: 2..7 then 0 */
	assert_int_equal(vpic_ack(&p), 0x20);
	out(0x20, 0x00);
	/* without an ICW4, no AEOI */
	out(0x20, 0x10);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x00);
	vpic_set_irq(&p, 3, false);
	vpic_set_irq(&p, 3, true);
	assert_int_equal(vpic_ack(&p), 0x23);
	assert_int_equal(read_isr(0x20), 0x08);
}

static void test_ocw3_reads(void **state)
{
	ringos_init(0x20, 0xfffb);
	out(0x21, 0xff);
	vpic_set_irq(&p, 6, true);
	vpic_set_irq(&p, 0, true);
	/* IRR by default after ICW1 */
	assert_int_equal(in(0x20), 0x41);
	out(0x21, 0xfe);
	assert_int_equal(vpic_ack(&p), 0x20);
	assert_int_equal(read_isr(0x20), 0x01);
	assert_int_equal(in(0x20), 0x01);       /* the choice holds */
	assert_int_equal(in(0x21), 0xfe);       /* the data port: IMR */
	out(0x20, 0x08);                         /* OCW3 without RR: no change */
	assert_int_equal(in(0x20), 0x01);
	assert_int_equal(read_irr(0x20), 0x40);
	assert_int_equal(in(0x20), 0x40);
	/* the slave's registers */
	out(0xa1, 0xff);
	vpic_set_irq(&p, 13, true);
	assert_int_equal(read_irr(0xa0), 0x20);
	assert_int_equal(read_isr(0xa0), 0);
	/* a 2-byte read at 0x20 reads both ports, a 4-byte one nothing */
	uint32_t v;
	out(0x20, 0x0a);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x20, 2, false, &v), 0);
	assert_int_equal(v, 0xfe40);    /* IRR: 0 acknowledged, 6 waiting */
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x20, 4, false, &v), -ENODEV);
}

static void test_poll(void **state)
{
	ringos_init(0x20, 0xffff);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x00);       /* nothing */
	vpic_set_irq(&p, 5, true);
	vpic_set_irq(&p, 7, true);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x85);
	assert_int_equal(read_isr(0x20), 0x20); /* the poll acknowledged it */
	assert_int_equal(read_irr(0x20), 0x80);
	/* the poll word only once: the next read is a register again */
	out(0x20, 0x0c);
	assert_int_equal(in(0x21), 0x00);       /* 7 is below 5: nothing */
	assert_int_equal(in(0x21), 0x00);       /* IMR */
	out(0x20, 0x20);
	out(0x20, 0x0c);
	assert_int_equal(in(0x21), 0x87);       /* on the data port too */
	out(0x20, 0x20);
	/* the slave: the master says 2, the slave says which */
	vpic_set_irq(&p, 11, true);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x82);
	out(0xa0, 0x0c);
	assert_int_equal(in(0xa0), 0x83);
	assert_int_equal(read_isr(0xa0), 0x08);
}

static void test_spurious(void **state)
{
	/* level: the line drops between INT and the acknowledge */
	out(0x20, 0x19);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, 0x01);
	out(0x21, 0x00);
	vpic_set_irq(&p, 3, true);
	assert_true(vpic_pending(&p));
	vpic_set_irq(&p, 3, false);
	assert_false(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x27);
	assert_int_equal(read_isr(0x20), 0);    /* IR7 not in service */
	assert_int_equal(vpic_ack(&p), -1);     /* once only */
	/* edge: masked after INT went up */
	ringos_init(0x20, 0xfffb);
	vpic_set_irq(&p, 5, true);
	out(0x21, 0xff);
	assert_int_equal(vpic_ack(&p), 0x27);
	assert_int_equal(read_isr(0x20), 0);
	/* a real IRQ 7 is in service, and lib/pic.c tells them apart */
	out(0x21, 0x00);
	assert_int_equal(vpic_ack(&p), 0x25);
	eoi(5);
	vpic_set_irq(&p, 7, true);
	assert_int_equal(vpic_ack(&p), 0x27);
	assert_int_equal(read_isr(0x20), 0x80);
	eoi(7);
	/* 15: a level request on the slave gone before the acknowledge; the
	 * master's IR2 latched the slave's INT and goes in service */
	out(0xa0, 0x19);
	out(0xa1, 0x28);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
	out(0xa1, 0x00);
	vpic_set_irq(&p, 11, true);
	assert_true(vpic_pending(&p));
	vpic_set_irq(&p, 11, false);
	assert_int_equal(vpic_ack(&p), 0x2f);
	assert_int_equal(read_isr(0xa0), 0);
	assert_int_equal(read_isr(0x20), 0x04); /* hence the EOI on the master */
	out(0x20, 0x20);
	assert_int_equal(read_isr(0x20), 0);
	assert_false(vpic_pending(&p));
}

static void test_rotation_and_special_mask(void **state)
{
	ringos_init(0x20, 0xfffb);
	/* set priority: 3 lowest, so 4 is highest */
	out(0x20, 0xc3);
	vpic_set_irq(&p, 1, true);
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	assert_false(vpic_pending(&p));         /* 1 is below 5 now */
	/* rotate on non-specific EOI: 5 becomes the lowest, 6 the highest */
	out(0x20, 0xa0);
	assert_int_equal(vpic_ack(&p), 0x21);
	vpic_set_irq(&p, 5, false);
	vpic_set_irq(&p, 5, true);
	assert_false(vpic_pending(&p));
	/* rotate on specific EOI: 1 lowest, then 5 goes before 1 would */
	out(0x20, 0xe1);
	assert_int_equal(read_isr(0x20), 0);
	vpic_set_irq(&p, 1, false);
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_ack(&p), 0x25);
	assert_false(vpic_pending(&p));
	out(0x20, 0x65);
	assert_int_equal(vpic_ack(&p), 0x21);
	out(0x20, 0x61);
	/* back to the fixed order; special mask mode lets a lower request in
	 * past a masked level in service */
	out(0x20, 0xc7);
	vpic_set_irq(&p, 3, false);
	vpic_set_irq(&p, 3, true);
	assert_int_equal(vpic_ack(&p), 0x23);
	vpic_set_irq(&p, 6, true);
	assert_false(vpic_pending(&p));
	out(0x20, 0x68);                        /* set special mask */
	out(0x21, 0x08);                        /* mask 3 only */
	assert_true(vpic_pending(&p));
	assert_int_equal(vpic_ack(&p), 0x26);
	out(0x20, 0x48);                        /* reset special mask */
	out(0x20, 0x66);
	out(0x21, 0xfb);
	vpic_set_irq(&p, 4, true);
	assert_false(vpic_pending(&p));         /* 3 in service again blocks */
}

static void test_icw1_resets(void **state)
{
	ringos_init(0x20, 0xfffb);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x24);
	vpic_set_irq(&p, 6, true);
	out(0x21, 0x5a);
	out(0x20, 0x11);
	/* ISR, IRR and IMR cleared; during the ICWs the data port takes ICWs */
	assert_int_equal(in(0x20), 0);
	assert_int_equal(in(0x21), 0);
	out(0x21, 0x50);
	out(0x21, 0x04);
	out(0x21, 0x01);
	assert_int_equal(in(0x21), 0);
	assert_false(vpic_pending(&p));         /* 4 and 6 high, no new edge */
	vpic_set_irq(&p, 6, false);
	vpic_set_irq(&p, 6, true);
	assert_int_equal(vpic_ack(&p), 0x56);
}

static void test_garbage_is_harmless(void **state)
{
	uint64_t seed = unit_seed("vpic garbage");
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1 };
	for (int i = 0; i < 200000; i++) {
		uint64_t r = unit_rand(&seed);
		uint32_t v = (uint32_t)(r >> 8) & 0xff;
		switch (r & 7) {
		case 0: case 1: case 2:
			out(ports[(r >> 16) & 3], (uint8_t)v);
			break;
		case 3:
			in(ports[(r >> 16) & 3]);
			break;
		case 4: case 5:
			vpic_set_irq(&p, (unsigned)(r >> 16) & 31, (r >> 24) & 1);
			break;
		default: {
			bool pending = vpic_pending(&p);
			int vec = vpic_ack(&p);
			assert_true(vec >= -1 && vec <= 0xff);
			if (pending)
				assert_true(vec >= 0);
			break;
		}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_and_registration, setup),
		cmocka_unit_test_setup(test_ringos_init, setup),
		cmocka_unit_test_setup(test_linux_init, setup),
		cmocka_unit_test_setup(test_masking, setup),
		cmocka_unit_test_setup(test_priority_and_nesting, setup),
		cmocka_unit_test_setup(test_cascade, setup),
		cmocka_unit_test_setup(test_edge_and_level, setup),
		cmocka_unit_test_setup(test_auto_eoi, setup),
		cmocka_unit_test_setup(test_ocw3_reads, setup),
		cmocka_unit_test_setup(test_poll, setup),
		cmocka_unit_test_setup(test_spurious, setup),
		cmocka_unit_test_setup(test_rotation_and_special_mask, setup),
		cmocka_unit_test_setup(test_icw1_resets, setup),
		cmocka_unit_test_setup(test_garbage_is_harmless, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
