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
	assert_int_equal(rd(0x0c), 0x50);                       /* UF, and PF: A's 1024 Hz */
	assert_int_equal(rd(0x0c), 0x00);                       /* cleared by the read */
	assert_int_equal(irq.rises, 0);
	wr(0x0b, 0x12);                                         /* UIE */
	assert_int_equal(irq.rises, 0);
	at(SEC + SEC / 2);
	assert_int_equal(irq.rises, 0);
	at(2 * SEC);
	assert_int_equal(irq.rises, 1);
	assert_true(irq.level);
	assert_int_equal(rd(0x0c), 0xd0);                       /* IRQF by UF, PF set too */
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

/* Take every interrupt the device announces until end, reading C at each
 * as an interrupt handler does; how many there were. */
static int run_irqs_until(uint64_t end)
{
	int n = 0;
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t next = vrtc_next_event_ns(&rtc);
		if (next > end)
			break;
		at(next);
		assert_true(irq.level);
		assert_true(rd(0x0c) & 0x80);
		n++;
	}
	at(end);
	return n;
}

/* The periodic rates of the MC146818 table for a 32.768 kHz time base,
 * in 1/16 ns: the first edge after 0 is at that period, rounded up. */
static void test_periodic_rates(void **state)
{
	(void)state;
	static const uint64_t period16[16] = {
		0, 3906250ull * 16, 7812500ull * 16, 1953125, 3906250, 7812500, 15625000,
		1953125ull * 16, 3906250ull * 16, 7812500ull * 16, 15625000ull * 16,
		31250000ull * 16, 62500000ull * 16, 125000000ull * 16, 250000000ull * 16,
		500000000ull * 16,
	};
	for (unsigned rs = 0; rs < 16; rs++) {
		start(2026, 1, 1, 0, 0, 0);
		wr(0x0a, (uint8_t)(0x20 | rs));
		wr(0x0b, 0x42);                                 /* PIE */
		uint64_t next = vrtc_next_event_ns(&rtc);
		if (!rs) {
			assert_int_equal(next, UINT64_MAX);
			continue;
		}
		assert_int_equal(next, (period16[rs] + 15) / 16);
		at(next - 1);
		assert_false(irq.level);
		at(next);
		assert_true(irq.level);
		assert_int_equal(rd(0x0c), 0xc0);               /* IRQF, PF */
	}
}

/* 1024 Hz (A = 0x26, what a BIOS leaves): 1024 interrupts a second when
 * each is acknowledged by reading C; PF alone without PIE; nothing with
 * the divider held in reset. */
static void test_periodic_1024hz(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	wr(0x0b, 0x42);
	assert_int_equal(run_irqs_until(SEC), 1024);
	wr(0x0b, 0x02);                                 /* PIE off */
	at(SEC + SEC / 100);
	assert_int_equal(rd(0x0c), 0x40);               /* PF, no IRQF */
	assert_int_equal(vrtc_next_event_ns(&rtc), UINT64_MAX);
	wr(0x0a, 0x76);                                 /* divider reset */
	wr(0x0b, 0x42);
	(void)rd(0x0c);
	at(2 * SEC);
	assert_int_equal(rd(0x0c) & 0x40, 0);
	/* missed edges come out as one flag, one interrupt */
	start(2026, 1, 1, 0, 0, 0);
	wr(0x0b, 0x42);
	at(SEC / 2);
	assert_int_equal(irq.rises, 1);
	assert_int_equal(rd(0x0c), 0xc0);
}

/* Alarm with exact values, every minute (don't-care hour and minute), a
 * 12-hour PM alarm, and one that can never match. */
static void test_alarm(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	wr(0x0a, 0x20);                                 /* no periodic noise */
	wr(0x01, 0x30);
	wr(0x03, 0x00);
	wr(0x05, 0x00);
	wr(0x0b, 0x22);                                 /* AIE, BCD, 24-hour */
	assert_int_equal(vrtc_next_event_ns(&rtc), 30 * SEC);
	at(30 * SEC - 1);
	assert_false(irq.level);
	at(30 * SEC);
	assert_true(irq.level);
	assert_int_equal(rd(0x0c), 0xb0);               /* IRQF, AF, UF */
	/* tomorrow, same time */
	assert_int_equal(vrtc_next_event_ns(&rtc), (86400 + 30) * SEC);
	/* every minute at :00 */
	wr(0x01, 0x00);
	wr(0x03, 0xff);
	wr(0x05, 0xc0);
	assert_int_equal(vrtc_next_event_ns(&rtc), 60 * SEC);
	assert_int_equal(run_irqs_until(10 * 60 * SEC + SEC / 2), 10);
	/* 7:30 PM in 12-hour BCD: 19:30:00 */
	wr(0x0b, 0x20);
	wr(0x01, 0x00);
	wr(0x03, 0x30);
	wr(0x05, 0x87);
	assert_int_equal(vrtc_next_event_ns(&rtc), (19 * 3600 + 30 * 60) * SEC);
	/* minute 0x61 does not exist: never; no AF a day later */
	wr(0x0b, 0x22);
	wr(0x03, 0x61);
	wr(0x05, 0xc0);
	assert_int_equal(vrtc_next_event_ns(&rtc), UINT64_MAX);
	(void)rd(0x0c);
	at(2 * 86400 * SEC);
	assert_int_equal(rd(0x0c), 0x10);               /* UF only */
	/* binary mode: the registers hold binary values */
	start(2026, 1, 1, 0, 0, 0);
	wr(0x0a, 0x20);
	wr(0x0b, 0x26);                                 /* AIE, binary, 24-hour */
	wr(0x01, 45);
	wr(0x03, 0xc0);
	wr(0x05, 0xc0);
	assert_int_equal(vrtc_next_event_ns(&rtc), 45 * SEC);
}

/* AF is set by a match even without AIE, and by a match that a late look
 * jumped over; UIE's next event is the next second boundary. */
static void test_alarm_flags(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	wr(0x0a, 0x20);
	wr(0x01, 0x10);
	wr(0x03, 0xc0);
	wr(0x05, 0xc0);
	at(90 * SEC);                                   /* passed 0:00:10 and 0:01:10 */
	assert_int_equal(rd(0x0c), 0x30);               /* AF, UF: no IRQF */
	assert_int_equal(irq.rises, 0);
	at(91 * SEC);
	assert_int_equal(rd(0x0c), 0x10);               /* no match in (90, 91] */
	wr(0x0b, 0x12);                                 /* UIE */
	at(91 * SEC + 250000000);
	assert_int_equal(vrtc_next_event_ns(&rtc), 92 * SEC);
	wr(0x0b, 0x92);                                 /* SET: no updates */
	assert_int_equal(vrtc_next_event_ns(&rtc), UINT64_MAX);
}

/* What a BIOS leaves about memory, read back through the ports. */
static void test_memory_bytes(void **state)
{
	(void)state;
	start(2026, 1, 1, 0, 0, 0);
	vrtc_set_memory(&rtc, 32ull << 20);
	assert_int_equal(rd(0x15) | rd(0x16) << 8, 640);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 31 * 1024);
	assert_int_equal(rd(0x30) | rd(0x31) << 8, 31 * 1024);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 16 * 16);
	/* checksum of 0x10-0x2d: 0x80 + 0x02 + 0x00 + 0x7c, high byte first */
	assert_int_equal(rd(0x2e), 0x00);
	assert_int_equal(rd(0x2f), 0xfe);
	vrtc_set_memory(&rtc, 128ull << 20);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 0xffff);     /* capped at 65 MiB */
	assert_int_equal(rd(0x30) | rd(0x31) << 8, 0xffff);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 112 * 16);
	assert_int_equal(rd(0x2e) << 8 | rd(0x2f), 0x80 + 0x02 + 0xff + 0xff);
	vrtc_set_memory(&rtc, 512 * 1024);
	assert_int_equal(rd(0x15) | rd(0x16) << 8, 512);
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 0);
	assert_int_equal(rd(0x34) | rd(0x35) << 8, 0);
	vrtc_set_memory(&rtc, (64ull << 20) + (1 << 20));      /* exactly 65 MiB */
	assert_int_equal(rd(0x17) | rd(0x18) << 8, 0x10000 - 1);
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
		cmocka_unit_test(test_periodic_rates),
		cmocka_unit_test(test_periodic_1024hz),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_alarm_flags),
		cmocka_unit_test(test_memory_bytes),
	};
	return cmocka_run_group_tests_name("vrtc", tests, NULL, NULL);
}
