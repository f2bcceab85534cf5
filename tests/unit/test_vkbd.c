/* The emulated 8042 and keyboard (hv/vdev/kbd.c), driven through a device
 * table as a guest's IN and OUT drive it: Linux's i8042 and atkbd probes,
 * its A20 code (arch/x86/boot/a20.c), the reset paths, injected keys. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/kbd.h"

static struct vdev_table t;
static struct vkbd kbd;
static struct {
	bool irq1, irq12, a20;
	int rises1, rises12, a20_changes, resets;
} seen;

static void irq_cb(void *opaque, unsigned line, bool level)
{
	assert_ptr_equal(opaque, &seen);
	assert_true(line == 1 || line == 12);
	bool *l = line == 1 ? &seen.irq1 : &seen.irq12;
	assert_true(level != *l);               /* only changes are reported */
	*l = level;
	if (level)
		(*(line == 1 ? &seen.rises1 : &seen.rises12))++;
}

static void a20_cb(void *opaque, bool open)
{
	assert_ptr_equal(opaque, &seen);
	assert_true(open != seen.a20);
	seen.a20 = open;
	seen.a20_changes++;
}

static void reset_cb(void *opaque)
{
	assert_ptr_equal(opaque, &seen);
	seen.resets++;
}

static const struct vkbd_ops ops = { irq_cb, a20_cb, reset_cb, &seen };

static int setup(void **state)
{
	(void)state;
	vdev_clear(&t);
	memset(&seen, 0, sizeof(seen));
	seen.a20 = true;                        /* open at reset, not reported */
	assert_int_equal(vkbd_init(&kbd, &t, &ops), 0);
	return 0;
}

static uint8_t status(void)
{
	return vdev_inb(&t, 0x64);
}

static void cmd(uint8_t c)
{
	vdev_outb(&t, 0x64, c);
}

static void data(uint8_t v)
{
	vdev_outb(&t, 0x60, v);
}

/* Linux's i8042_wait_read + read: there must be a byte. */
static uint8_t rd(void)
{
	assert_true(status() & 0x01);
	return vdev_inb(&t, 0x60);
}

static void assert_empty(void)
{
	assert_int_equal(status() & 0x01, 0);
}

static int other_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	(void)opaque, (void)addr, (void)size, (void)write, (void)val;
	return 0;
}

/* Power-on state as a BIOS leaves it; three ports claimed. */
static void test_reset_state(void **state)
{
	(void)state;
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x60, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x64, 1));
	assert_non_null(vdev_find(&t, VDEV_PIO, 0x92, 1));
	assert_null(vdev_find(&t, VDEV_PIO, 0x61, 1));  /* the PIT's */
	assert_int_equal(status(), 0x14);               /* SYS, not inhibited */
	cmd(0x20);
	assert_int_equal(status(), 0x1d);               /* OBF, SYS, A2, unlocked */
	assert_int_equal(rd(), 0x45);                   /* IRQ1, SYS, XLATE */
	assert_int_equal(status(), 0x1c);
	assert_true(vkbd_a20(&kbd));
	assert_int_equal(vdev_inb(&t, 0x92), 0x00);
	assert_int_equal(seen.resets, 0);
	assert_int_equal(seen.a20_changes, 0);
	/* someone else has 0x92: refused */
	static struct vkbd other;
	vdev_clear(&t);
	assert_int_equal(vdev_register(&t, VDEV_PIO, 0x92, 1, other_io, NULL, "x"), 0);
	assert_int_equal(vkbd_init(&other, &t, NULL), -EBUSY);
}

/* Linux drivers/input/serio/i8042.c: flush, self-test, read/write the
 * control register (CTR), interface test, then the keyboard port on. */
static void test_linux_i8042_init(void **state)
{
	(void)state;
	for (int i = 0; i < 16 && (status() & 0x01); i++)
		(void)vdev_inb(&t, 0x60);               /* i8042_flush */
	assert_empty();
	cmd(0xaa);                                      /* I8042_CMD_CTL_TEST */
	assert_int_equal(rd(), 0x55);
	cmd(0x20);                                      /* I8042_CMD_CTL_RCTR */
	uint8_t ctr = rd();
	ctr &= (uint8_t)~(0x01 | 0x02);                 /* interrupts off */
	ctr |= 0x10 | 0x20;                             /* both ports off */
	cmd(0x60);                                      /* I8042_CMD_CTL_WCTR */
	assert_int_equal(status() & 0x0a, 0x08);        /* IBF clear, A2: a command */
	data(ctr);
	assert_int_equal(status() & 0x0a, 0x00);        /* A2 clear: data */
	cmd(0x20);
	assert_int_equal(rd(), 0x74);
	assert_int_equal(seen.rises1, 2);               /* 0xaa's and RCTR's replies only */
	cmd(0xab);                                      /* I8042_CMD_KBD_TEST */
	assert_int_equal(rd(), 0x00);
	cmd(0xa9);                                      /* I8042_CMD_AUX_TEST */
	assert_int_equal(rd(), 0x00);
	cmd(0xa8);                                      /* aux on: CTR bit 5 clear */
	cmd(0x20);
	assert_int_equal(rd(), 0x54);
	cmd(0xa7);
	cmd(0x20);
	assert_int_equal(rd(), 0x74);
	cmd(0xae);                                      /* keyboard on */
	cmd(0x60);
	data(0x65);                                     /* + IRQ1 */
	cmd(0x20);
	assert_int_equal(rd(), 0x65);
	assert_int_equal(seen.rises1, 3);
	assert_false(seen.irq1);                        /* the read dropped it */
	/* controller RAM beyond the command byte */
	cmd(0x7f);
	data(0x99);
	cmd(0x3f);
	assert_int_equal(rd(), 0x99);
	cmd(0x21);
	assert_int_equal(rd(), 0x00);
}

/* i8042_check_aux(): the AUX loopback (0xd3) answers as aux data with
 * status bit 5, on IRQ 12 when CTR bit 1 allows it. */
static void test_aux_loop(void **state)
{
	(void)state;
	cmd(0xa8);
	cmd(0xd3);
	data(0x5a);
	assert_int_equal(status(), 0x35);               /* OBF, SYS, unlocked, AUX */
	assert_int_equal(seen.rises12, 0);              /* CTR bit 1 clear */
	assert_false(seen.irq1);                        /* aux data is not IRQ 1's */
	assert_int_equal(rd(), 0x5a);
	assert_int_equal(status() & 0x21, 0);
	cmd(0x60);
	data(0x47);                                     /* IRQ1 + IRQ12 */
	cmd(0xd3);
	data(0xa5);
	assert_true(seen.irq12);
	assert_int_equal(rd(), 0xa5);
	assert_false(seen.irq12);
	cmd(0xd2);                                      /* as keyboard data */
	data(0x1e);
	assert_int_equal(status() & 0x21, 0x01);
	assert_true(seen.irq1);
	assert_int_equal(rd(), 0x1e);
	/* aux off: 0xd3's byte waits for it */
	cmd(0xa7);
	cmd(0xd3);
	data(0x11);
	assert_empty();
	cmd(0xa8);
	assert_int_equal(rd(), 0x11);
	cmd(0xd4);                                      /* to the mouse: nobody there */
	data(0xff);
	assert_empty();
}

/* atkbd's probe and the keyboard's commands, each answered in the output
 * buffer with its ACK (0xfa) first. */
static void test_keyboard_commands(void **state)
{
	(void)state;
	data(0xf2);                                     /* identify, translated */
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(rd(), 0xab);
	assert_int_equal(rd(), 0x41);
	assert_empty();
	cmd(0x60);
	data(0x05);                                     /* translation off */
	data(0xf2);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(rd(), 0xab);
	assert_int_equal(rd(), 0x83);
	data(0xff);                                     /* reset: ACK, BAT passed */
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(rd(), 0xaa);
	data(0xed);                                     /* LEDs + byte */
	assert_int_equal(rd(), 0xfa);
	data(0x07);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(kbd.leds, 7);
	data(0xf3);                                     /* typematic + byte */
	assert_int_equal(rd(), 0xfa);
	data(0x00);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(kbd.typematic, 0);
	data(0xf0);                                     /* get scancode set */
	assert_int_equal(rd(), 0xfa);
	data(0x00);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(rd(), 0x02);
	data(0xee);                                     /* echo: no ACK */
	assert_int_equal(rd(), 0xee);
	assert_empty();
	data(0x01);                                     /* not a command */
	assert_int_equal(rd(), 0xfe);
	data(0xf5);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(kbd.typematic, 0x2b);          /* defaults restored */
	assert_int_equal(vkbd_key(&kbd, 0x1e), -EBUSY);
	data(0xf4);
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(vkbd_key(&kbd, 0x1e), 0);
	assert_int_equal(rd(), 0x1e);
	assert_int_equal(vdev_inb(&t, 0x60), 0x1e);     /* empty: the last byte again */
	assert_empty();
}

/* Keys come out one per read, each raising IRQ 1; the keyboard holds 16. */
static void test_key_queue(void **state)
{
	(void)state;
	const uint8_t keys[] = { 0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8 };     /* a, up */
	for (unsigned i = 0; i < sizeof(keys); i++)
		assert_int_equal(vkbd_key(&kbd, keys[i]), 0);
	assert_int_equal(seen.rises1, 1);
	for (unsigned i = 0; i < sizeof(keys); i++) {
		assert_true(seen.irq1);
		assert_int_equal(rd(), keys[i]);
		assert_int_equal(seen.rises1, (int)i + 1 + (i + 1 < sizeof(keys)));
	}
	assert_false(seen.irq1);
	assert_empty();
	/* the buffer: one byte in the controller, 16 in the keyboard */
	for (unsigned i = 0; i < 17; i++)
		assert_int_equal(vkbd_key(&kbd, (uint8_t)(i + 1)), 0);
	assert_int_equal(vkbd_key(&kbd, 0x55), -EAGAIN);
	/* a controller reply goes before the keys still in the keyboard,
	 * after the one already in the output buffer */
	assert_int_equal(rd(), 1);
	cmd(0x20);
	assert_int_equal(rd(), 2);
	assert_int_equal(rd(), 0x45);
	assert_int_equal(rd(), 3);
	/* the keyboard interface off: keys wait; on: they come */
	cmd(0xad);
	assert_int_equal(rd(), 4);              /* already in the output buffer */
	assert_empty();
	assert_false(seen.irq1);
	cmd(0xae);
	assert_int_equal(rd(), 5);
	/* IRQ 1 off: the byte is there, no interrupt */
	cmd(0x60);
	data(0x44);
	assert_false(seen.irq1);
	assert_int_equal(rd(), 6);
	assert_false(seen.irq1);
}

/* arch/x86/boot/a20.c: the 8042 way (0xd1, 0xdf, then the null command
 * 0xff that must not reset) and the fast way (port 0x92). */
static void test_a20(void **state)
{
	(void)state;
	cmd(0xd1);
	data(0xdd);                                     /* A20 off, no reset */
	assert_false(seen.a20);
	assert_false(vkbd_a20(&kbd));
	cmd(0xd0);
	assert_int_equal(rd() & 0x03, 0x01);
	/* enable_a20_kbc */
	cmd(0xd1);
	data(0xdf);
	cmd(0xff);
	assert_true(seen.a20);
	assert_int_equal(seen.resets, 0);
	cmd(0xdd);                                      /* the shortcuts */
	assert_false(seen.a20);
	cmd(0xdf);
	assert_true(seen.a20);
	cmd(0xdd);
	/* enable_a20_fast */
	uint8_t port_a = vdev_inb(&t, 0x92);
	port_a |= 0x02;
	port_a &= (uint8_t)~0x01;
	vdev_outb(&t, 0x92, port_a);
	assert_true(seen.a20);
	assert_int_equal(vdev_inb(&t, 0x92), 0x02);
	assert_int_equal(seen.a20_changes, 6);
	assert_int_equal(seen.resets, 0);
	/* either source holds the gate open */
	cmd(0xdf);
	vdev_outb(&t, 0x92, 0x00);
	assert_true(seen.a20);
	cmd(0xdd);
	assert_false(seen.a20);
	/* 0xd0 reports the buffer-full line while a byte waits */
	assert_int_equal(vkbd_key(&kbd, 0x10), 0);
	cmd(0xd0);
	/* the key is in the buffer, 0xd0's reply waits behind it */
	assert_int_equal(rd(), 0x10);
	assert_int_equal(rd(), 0xdd | 0x10);
}

/* Every way a guest resets the machine through these ports. */
static void test_reset_paths(void **state)
{
	(void)state;
	cmd(0xfe);                                      /* Linux reboot=kbd */
	assert_int_equal(seen.resets, 1);
	for (unsigned c = 0xf0; c <= 0xff; c++)
		cmd((uint8_t)c);
	assert_int_equal(seen.resets, 1 + 8);           /* the even ones pulse bit 0 */
	cmd(0xd1);
	data(0xde);                                     /* output port bit 0 low */
	assert_int_equal(seen.resets, 10);
	vdev_outb(&t, 0x92, 0x01);                      /* fast reset: 0 -> 1 */
	assert_int_equal(seen.resets, 11);
	vdev_outb(&t, 0x92, 0x03);                      /* already 1: no edge */
	assert_int_equal(seen.resets, 11);
	assert_int_equal(vdev_inb(&t, 0x92), 0x03);
	vdev_outb(&t, 0x92, 0x02);
	vdev_outb(&t, 0x92, 0x03);
	assert_int_equal(seen.resets, 12);
	/* a command waiting for data is cancelled by a new command */
	cmd(0xd1);
	cmd(0x20);
	assert_int_equal(rd(), 0x45);
	data(0xf2);                                     /* went to the keyboard */
	assert_int_equal(rd(), 0xfa);
	assert_int_equal(seen.resets, 12);
	uint32_t x = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x60, 2, false, &x), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_linux_i8042_init, setup),
		cmocka_unit_test_setup(test_aux_loop, setup),
		cmocka_unit_test_setup(test_keyboard_commands, setup),
		cmocka_unit_test_setup(test_key_queue, setup),
		cmocka_unit_test_setup(test_a20, setup),
		cmocka_unit_test_setup(test_reset_paths, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
