/* The emulated MC146818 (hv/vdev/rtc.c), driven through the device registry
 * as a guest's IN and OUT would drive it; ringos's own reader (lib/rtc.c,
 * compiled in here with its port accesses sent to the model) reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "../../hv/vdev/rtc.h"          /* lib/include/rtc.h is the real one's */
#include "errno.h"
#include "vdev_io.h"

#define SEC     1000000000ull

static struct vdev_table t;
static struct vrtc rtc;
static uint64_t now;                    /* system time in ns */
static uint64_t step_ns;                /* added after every port access */
static struct { int rises, falls; bool level; } irq;

static void outb(uint16_t port, uint8_t v);
static uint8_t inb(uint16_t port);

/* lib/rtc.c as ringos runs it, its outb/inb those below. */
#define LIB_X86_H
#include "../../lib/rtc.c"

static void tick(void)
{
	if (step_ns) {
		now += step_ns;
		vrtc_set_time(&rtc, now);
	}
}

static void outb(uint16_t port, uint8_t v)
{
	vdev_outb(&t, port, v);
	tick();
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = vdev_inb(&t, port);
	tick();
	return v;
}

static uint8_t rd(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void wr(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

static void irq8(void *opaque, bool level)
{
	assert_ptr_equal(opaque, &irq);
	assert_true(level != irq.level);
	irq.level = level;
	if (level)
		irq.rises++;
	else
		irq.falls++;
}

static uint64_t epoch(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	return (uint64_t)rtc_days_from_civil(y, mo, d) * 86400 + h * 3600u + mi * 60u + s;
}

/* A fresh device whose clock reads the given time at system time 0. */
static void start(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s)
{
	vdev_clear(&t);
	memset(&irq, 0, sizeof(irq));
	now = step_ns = 0;
	assert_int_equal(vrtc_init(&rtc, &t, epoch(y, mo, d, h, mi, s) * SEC, irq8, &irq), 0);
}

static void at(uint64_t ns)
{
	now = ns;
	vrtc_set_time(&rtc, ns);
}

/* sec, min, hour, wday, day, mon, year, century as the registers read. */
static void expect(uint8_t s, uint8_t mi, uint8_t h, uint8_t wd, uint8_t d, uint8_t mo,
		   uint8_t y, uint8_t c)
{
	assert_int_equal(rd(0x00), s);
	assert_int_equal(rd(0x02), mi);
	assert_int_equal(rd(0x04), h);
	assert_int_equal(rd(0x06), wd);
	assert_int_equal(rd(0x07), d);
	assert_int_equal(rd(0x08), mo);
	assert_int_equal(rd(0x09), y);
	assert_int_equal(rd(0x32), c);
}

static void test_bcd_24h_and_the_millennium(void **state)
{
	(void)state;
	start(1999, 12, 31, 23, 59, 59);
	assert_int_equal(rd(0x0b), 0x02);                       /* BCD, 24-hour */
	expect(0x59, 0x59, 0x23, 6, 0x31, 0x12, 0x99, 0x19);    /* a Friday */
	at(SEC - 1);
	assert_int_equal(rd(0x00), 0x59);
	at(SEC);
	expect(0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20);    /* Saturday 2000-01-01 */
}

static void test_binary_leap_day(void **state)
{
	(void)state;
	start(2024, 2, 29, 13, 45, 7);
	wr(0x0b, 0x06);                                         /* binary, 24-hour */
	expect(7, 45, 13, 5, 29, 2, 24, 20);                    /* a Thursday */
	at(epoch(2024, 3, 1, 0, 0, 0) * SEC - epoch(2024, 2, 29, 13, 45, 7) * SEC);
	expect(0, 0, 0, 6, 1, 3, 24, 20);
	start(2100, 2, 28, 23, 59, 59);                         /* 2100 is not leap */
	wr(0x0b, 0x06);
	at(SEC);
	expect(0, 0, 0, 2, 1, 3, 0, 21);
}

static void test_12h_pm(void **state)
{
	(void)state;
	start(2026, 7, 4, 13, 45, 0);
	wr(0x0b, 0x00);                                         /* BCD, 12-hour */
	assert_int_equal(rd(0x04), 0x81);                       /* 1 PM */
	wr(0x0b, 0x04);                                         /* binary, 12-hour */
	assert_int_equal(rd(0x04), 0x81);
	at((23 - 13) * 3600 * SEC);
	assert_int_equal(rd(0x04), 0x8b);                       /* 11 PM */
	at((24 - 13) * 3600 * SEC);
	assert_int_equal(rd(0x04), 12);                         /* 12 AM */
	at((24 + 12 - 13) * 3600 * SEC);
	wr(0x0b, 0x00);
	assert_int_equal(rd(0x04), 0x92);                       /* 12 PM, BCD */
	wr(0x0b, 0x02);
	assert_int_equal(rd(0x04), 0x12);                       /* noon, 24-hour */
}

static void test_uip_edges(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	assert_int_equal(rd(0x0a), 0x26);
	at(SEC - VRTC_UIP_NS - 1);
	assert_int_equal(rd(0x0a), 0x26);
	at(SEC - VRTC_UIP_NS);
	assert_int_equal(rd(0x0a), 0xa6);
	assert_int_equal(rd(0x00), 0x00);                       /* not yet updated */
	at(SEC - 1);
	assert_int_equal(rd(0x0a), 0xa6);
	at(SEC);
	assert_int_equal(rd(0x0a), 0x26);
	assert_int_equal(rd(0x00), 0x01);
	wr(0x0a, 0xa3);                                         /* UIP cannot be written */
	assert_int_equal(rd(0x0a), 0x23);
	at(2 * SEC - 1);
	assert_int_equal(rd(0x0a), 0xa3);
	wr(0x0b, 0x82);                                         /* SET clears UIP */
	assert_int_equal(rd(0x0a), 0x23);
}

static void test_time_moves_between_reads(void **state)
{
	(void)state;
	start(2026, 5, 17, 10, 20, 30);
	expect(0x30, 0x20, 0x10, 1, 0x17, 0x05, 0x26, 0x20);    /* a Sunday */
	at(SEC / 2 * 3);
	assert_int_equal(rd(0x00), 0x31);
	at(61 * SEC);
	assert_int_equal(rd(0x00), 0x31);
	assert_int_equal(rd(0x02), 0x21);
	vrtc_set_time(&rtc, SEC);                               /* time never goes back */
	assert_int_equal(rd(0x02), 0x21);
}

static void test_set_time(void **state)
{
	(void)state;
	start(2026, 5, 17, 10, 20, 30);
	at(5 * SEC + 300000000);
	wr(0x0b, 0x82);                                         /* SET, BCD, 24-hour */
	wr(0x00, 0x58);
	wr(0x02, 0x59);
	wr(0x04, 0x23);
	wr(0x07, 0x28);
	wr(0x08, 0x02);
	wr(0x09, 0x01);
	wr(0x32, 0x20);
	at(9 * SEC);                                            /* frozen while SET */
	expect(0x58, 0x59, 0x23, 1, 0x28, 0x02, 0x01, 0x20);
	wr(0x0b, 0x02);                                         /* run from here */
	at(9 * SEC + 999999999);
	assert_int_equal(rd(0x00), 0x58);
	at(12 * SEC + 500000000);
	expect(0x01, 0x00, 0x00, 5, 0x01, 0x03, 0x01, 0x20);    /* Thursday 2001-03-01 */
	/* a write without SET takes effect at once; binary 12-hour PM */
	wr(0x0b, 0x04);
	wr(0x04, 0x80 | 11);
	assert_int_equal(rd(0x04), 0x80 | 11);
	wr(0x0b, 0x06);
	assert_int_equal(rd(0x04), 23);
	assert_int_equal(rd(0x07), 1);
}

static void test_register_c(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	assert_int_equal(rd(0x0c), 0x00);
	at(SEC);
	assert_int_equal(rd(0x0c), 0x10);                       /* UF */
	assert_int_equal(rd(0x0c), 0x00);                       /* cleared by the read */
	assert_int_equal(irq.rises, 0);
	wr(0x0b, 0x12);                                         /* UIE */
	assert_int_equal(irq.rises, 0);
	at(SEC + SEC / 2);
	assert_int_equal(irq.rises, 0);
	at(2 * SEC);
	assert_int_equal(irq.rises, 1);
	assert_true(irq.level);
	assert_int_equal(rd(0x0c), 0x90);
	assert_false(irq.level);
	assert_int_equal(rd(0x0c), 0x00);
	wr(0x0c, 0xff);                                         /* read-only */
	assert_int_equal(rd(0x0c), 0x00);
	assert_int_equal(rd(0x0d), 0x80);                       /* VRT */
	wr(0x0d, 0x00);
	assert_int_equal(rd(0x0d), 0x80);
}

static void test_cmos_ram(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			assert_int_equal(rd((uint8_t)i), 0);    /* zeroed */
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			wr((uint8_t)(i | (i & 1) << 7), (uint8_t)(i * 7 + 3));  /* NMI bit on odd ones */
	assert_true(rtc.nmi_disabled);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			assert_int_equal(rd((uint8_t)i), (uint8_t)(i * 7 + 3));
	assert_false(rtc.nmi_disabled);
	wr(0x01, 0x45);                                         /* alarm seconds */
	assert_int_equal(rd(0x01), 0x45);
	assert_int_equal(rd(0x00), 0x00);
	uint32_t x = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x70, 1, false, &x), 0);
	assert_int_equal(x, 0xff);                              /* index write-only */
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x70, 2, false, &x), -EINVAL);
	assert_int_equal(x, 0xffff);
}

static void test_ringos_reader(void **state)
{
	(void)state;
	start(2026, 11, 21, 17, 3, 9);
	assert_int_equal(rtc_read_epoch(), epoch(2026, 11, 21, 17, 3, 9));
	start(1999, 12, 31, 23, 59, 59);
	step_ns = 1000;                                         /* 1 us per port access */
	at(SEC - VRTC_UIP_NS - 3000);                           /* an update in the middle */
	assert_int_equal(rtc_read_epoch(), epoch(2000, 1, 1, 0, 0, 0));
	start(2024, 2, 29, 0, 30, 0);
	wr(0x0b, 0x04);                                         /* binary, 12-hour */
	assert_int_equal(rtc_read_epoch(), epoch(2024, 2, 29, 0, 30, 0));
	start(2024, 2, 29, 12, 30, 0);
	wr(0x0b, 0x00);                                         /* BCD, 12-hour */
	assert_int_equal(rtc_read_epoch(), epoch(2024, 2, 29, 12, 30, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_24h_and_the_millennium),
		cmocka_unit_test(test_binary_leap_day),
		cmocka_unit_test(test_12h_pm),
		cmocka_unit_test(test_uip_edges),
		cmocka_unit_test(test_time_moves_between_reads),
		cmocka_unit_test(test_set_time),
		cmocka_unit_test(test_register_c),
		cmocka_unit_test(test_cmos_ram),
		cmocka_unit_test(test_ringos_reader),
	};
	return cmocka_run_group_tests_name("vrtc", tests, NULL, NULL);
}
