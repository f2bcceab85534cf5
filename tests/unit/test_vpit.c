/* The emulated 8254 (hv/vdev/pit.c), driven through the device registry as
 * a guest's IN and OUT would drive it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include "../../hv/vdev/pit.h"          /* lib/include/pit.h is the real one's */
#include "errno.h"
#include "vdev_io.h"

static uint64_t io_step_ns;             /* each IN/OUT of ringos's code takes this */
static uint64_t tsc_hz;                 /* the TSC rdtsc() below runs at */
static void outb(uint16_t port, uint8_t v);
static uint8_t inb(uint16_t port);
static uint64_t rdtsc(void);

/* lib/pit.c as ringos runs it, its port accesses sent to the model. */
#define LIB_X86_H
#include "../../lib/pit.c"

#define F       1193182ull
#define SEC     1000000000ull

static struct vdev_table t;
static struct vpit pit;
static struct { int rises, falls; bool level; } irq;

static void irq0(void *opaque, bool level)
{
	assert_ptr_equal(opaque, &irq);
	assert_true(level != irq.level);        /* only changes are reported */
	irq.level = level;
	if (level)
		irq.rises++;
	else
		irq.falls++;
}

static int setup(void **state)
{
	vdev_clear(&t);
	memset(&irq, 0, sizeof(irq));
	irq.level = true;
	io_step_ns = 0;
	assert_int_equal(vpit_init(&pit, &t, irq0, &irq), 0);
	return 0;
}

/* A trapped access takes io_step_ns of the guest's time (0 unless set). */
static void io_time(void)
{
	if (io_step_ns)
		vpit_set_time(&pit, pit.now_ns + io_step_ns);
}

static void outb(uint16_t port, uint8_t v)
{
	vdev_outb(&t, port, v);
	io_time();
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = vdev_inb(&t, port);
	io_time();
	return v;
}

static uint64_t rdtsc(void)
{
	return pit.now_ns / SEC * tsc_hz + pit.now_ns % SEC * tsc_hz / SEC;
}

/* A lo/hi pair, read in that order. */
static uint16_t read16(uint16_t port)
{
	uint8_t lo = inb(port);
	return (uint16_t)(lo | inb(port) << 8);
}

/* The first nanosecond at which tick n (counted from 0 ns) has passed. */
static uint64_t tick_ns(uint64_t n)
{
	return (n * SEC + F - 1) / F;
}

/* Channel 0, lobyte/hibyte, the given mode and count, at time 0. */
static void program0(unsigned mode, uint16_t count)
{
	outb(0x43, (uint8_t)(0x30 | mode << 1));
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
}

/* Follow the device's own next events for a simulated second. */
static void run_events_until(uint64_t end)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t next = vpit_next_event_ns(&pit);
		if (next > end)
			break;
		vpit_update(&pit, next);
	}
	vpit_update(&pit, end);
}

/* Linux's PIT clockevent (periodic): mode 2, LATCH = 11932 for HZ=100. */
static void test_linux_mode2_100hz(void **state)
{
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	run_events_until(SEC);
	assert_in_range(irq.rises, 99, 101);
	assert_in_range(irq.falls, 99, 101);
	/* exactly floor(F / 11932) whole periods fit in a second */
	assert_int_equal(irq.rises, (int)(F / 11932));
}

/* ringos (lib/pit.c pit_start_periodic(100)): the same bytes; and the same
 * channel in mode 3, updated by a coarse 1 ms timer instead. */
static void test_ringos_periodic(void **state)
{
	uint32_t hz = 100, div = (1193182 + hz / 2) / hz;
	assert_int_equal(div, 11932);
	outb(0x43, 0x34);
	outb(0x40, div & 0xff);
	outb(0x40, div >> 8);
	run_events_until(SEC);
	assert_in_range(irq.rises, 99, 101);

	setup(state);
	outb(0x43, 0x36);               /* mode 3, square wave */
	outb(0x40, div & 0xff);
	outb(0x40, div >> 8);
	for (uint64_t ms = 1; ms <= 1000; ms++)
		vpit_update(&pit, ms * 1000000);
	assert_in_range(irq.rises, 99, 101);
	assert_in_range(irq.falls, 99, 101);
}

/* The counter-latch command freezes what is read; time moves on. */
static void test_latch_freezes(void **state)
{
	program0(2, 0x1000);
	vpit_set_time(&pit, 1000000);           /* 1 ms: 1193 ticks */
	outb(0x43, 0x00);                       /* latch channel 0 */
	uint16_t want = (uint16_t)(0x1000 - 1193);
	vpit_set_time(&pit, 2000000);
	outb(0x43, 0x00);                       /* a second latch is ignored */
	uint8_t lo = inb(0x40);
	vpit_set_time(&pit, 3000000);
	uint8_t hi = inb(0x40);
	assert_int_equal(lo | hi << 8, want);
	/* the latch is released: live again (3 ms = 3579 ticks) */
	lo = inb(0x40);
	hi = inb(0x40);
	assert_int_equal(lo | hi << 8, 0x1000 - 3579);
}

/* lobyte then hibyte in order; lobyte-only and hibyte-only channels. */
static void test_read_order(void **state)
{
	program0(0, 0x1234);
	assert_int_equal(inb(0x40), 0x34);
	assert_int_equal(inb(0x40), 0x12);
	assert_int_equal(inb(0x40), 0x34);
	outb(0x61, 0x01);                       /* channel 2's gate high: it counts */
	outb(0x43, 0xa0);                       /* channel 2, hibyte only, mode 0 */
	outb(0x42, 0x56);
	assert_int_equal(inb(0x42), 0x56);
	assert_int_equal(inb(0x42), 0x56);
	outb(0x43, 0x50);                       /* channel 1, lobyte only */
	outb(0x41, 0x78);
	assert_int_equal(inb(0x41), 0x78);
	vpit_set_time(&pit, tick_ns(8));
	assert_int_equal(inb(0x41), 0x70);
	assert_int_equal(inb(0x42), 0x55);      /* 0x5600 - 8 */
}

/* Read-back: status (OUT, null count, access, mode) before the count. */
static void test_readback_status(void **state)
{
	outb(0x43, 0x30);                       /* ch0 lo/hi mode 0 */
	outb(0x43, 0xe2);                       /* read-back status of ch0 */
	assert_int_equal(inb(0x40), 0x70);      /* OUT low, null count, rw 3, mode 0 */
	outb(0x40, 100);
	outb(0x40, 0);
	outb(0x43, 0xe2);
	assert_int_equal(inb(0x40), 0x30);      /* loaded */
	vpit_set_time(&pit, tick_ns(100));
	outb(0x43, 0xc2);                       /* status and count */
	assert_int_equal(inb(0x40), 0xb0);      /* OUT high now */
	assert_int_equal(inb(0x40), 0);
	assert_int_equal(inb(0x40), 0);
	outb(0x43, 0xb6);                       /* ch2 lo/hi mode 3 */
	outb(0x43, 0xc8 | 0x20);                /* status of ch2 only */
	assert_int_equal(inb(0x42), 0xf6);      /* OUT high, null, rw 3, mode 3 */
	outb(0x43, 0x5c);                       /* ch1 lobyte, mode 6 (= 2) */
	outb(0x43, 0xe4);
	assert_int_equal(inb(0x41), 0xdc);      /* the mode as written */
}

/* Mode 0: OUT low on the control word, high at terminal count, stays. */
static void test_mode0_terminal_count(void **state)
{
	program0(0, 1000);
	assert_false(irq.level);
	assert_int_equal(irq.falls, 1);
	uint64_t at = tick_ns(1000);
	assert_int_equal(vpit_next_event_ns(&pit), at);
	vpit_update(&pit, at - 1);
	assert_false(irq.level);
	vpit_update(&pit, at);
	assert_true(irq.level);
	assert_int_equal(irq.rises, 1);
	assert_int_equal(vpit_next_event_ns(&pit), UINT64_MAX);
	/* the counter wraps on past 0 */
	vpit_set_time(&pit, tick_ns(1001));
	outb(0x43, 0x00);
	assert_int_equal(read16(0x40), 0xffff);
	vpit_update(&pit, 10 * SEC);
	assert_int_equal(irq.rises, 1);
	assert_true(irq.level);
}

/* Mode 3: high for (N + 1) / 2 clocks, low for N / 2. */
static void test_mode3_duty(void **state)
{
	const uint16_t ns[] = { 1000, 1001, 2 };
	for (unsigned i = 0; i < 3; i++) {
		setup(state);
		uint16_t n = ns[i];
		program0(3, n);
		assert_true(vpit_out(&pit, 0));
		uint64_t fall = vpit_next_event_ns(&pit);
		assert_int_equal(fall, tick_ns((n + 1) / 2));
		vpit_update(&pit, fall - 1);
		assert_true(vpit_out(&pit, 0));
		vpit_update(&pit, fall);
		assert_false(vpit_out(&pit, 0));
		uint64_t rise = vpit_next_event_ns(&pit);
		assert_int_equal(rise, tick_ns(n));
		vpit_update(&pit, rise);
		assert_true(vpit_out(&pit, 0));
		assert_int_equal(irq.rises, 1);
		assert_int_equal(vpit_next_event_ns(&pit), tick_ns(n + (n + 1) / 2));
	}
	/* the count goes down by two */
	setup(state);
	program0(3, 1000);
	vpit_set_time(&pit, tick_ns(10));
	assert_int_equal(read16(0x40), 980);
	vpit_set_time(&pit, tick_ns(510));
	assert_int_equal(read16(0x40), 980);     /* second half */
}

/* A count of 0 is 65536. */
static void test_reload_zero(void **state)
{
	program0(2, 0);
	assert_int_equal(read16(0x40), 0);
	assert_int_equal(vpit_next_event_ns(&pit), tick_ns(65535));
	vpit_set_time(&pit, tick_ns(1));
	assert_int_equal(read16(0x40), 65535);
	run_events_until(SEC);
	assert_int_equal(irq.rises, (int)(F / 65536));     /* 18.2 Hz */
}

/* next_event_ns is the first nanosecond at which the edge has happened. */
static void test_next_event_exact(void **state)
{
	program0(2, 11932);
	for (int k = 1; k <= 5; k++) {
		uint64_t fall = vpit_next_event_ns(&pit);
		assert_int_equal(fall, tick_ns((uint64_t)k * 11932 - 1));
		vpit_update(&pit, fall - 1);
		assert_true(irq.level);
		vpit_update(&pit, fall);
		assert_false(irq.level);
		uint64_t rise = vpit_next_event_ns(&pit);
		assert_int_equal(rise, tick_ns((uint64_t)k * 11932));
		vpit_update(&pit, rise - 1);
		assert_false(irq.level);
		vpit_update(&pit, rise);
		assert_true(irq.level);
		assert_int_equal(irq.rises, k);
	}
	/* late updates coalesce missed periods into one interrupt */
	vpit_update(&pit, tick_ns(20 * 11932 + 5));
	assert_int_equal(irq.rises, 6);
	/* hours in: no overflow, still exact */
	uint64_t late = 5 * 3600 * SEC;
	vpit_update(&pit, late);
	uint64_t d = late / SEC * F + late % SEC * F / SEC;
	uint64_t k = d / 11932 + 1;
	uint64_t want = d % 11932 < 11931 ? k * 11932 - 1 : k * 11932;
	uint64_t r = want % F;
	assert_int_equal(vpit_next_event_ns(&pit), want / F * SEC + (r * SEC + F - 1) / F);
}

/* Modes 2 and 3: a new count waits for the end of the period. */
static void test_reload_midperiod(void **state)
{
	program0(2, 1000);
	vpit_set_time(&pit, tick_ns(300));
	outb(0x40, 500 & 0xff);
	outb(0x40, 500 >> 8);
	outb(0x43, 0xe2);
	assert_int_equal(inb(0x40) & 0x40, 0x40);       /* null count until then */
	vpit_update(&pit, tick_ns(999));
	assert_false(irq.level);
	vpit_update(&pit, tick_ns(1000));
	assert_true(irq.level);
	/* the new count starts at the rounded-up nanosecond: 1 ns late at most */
	assert_in_range(vpit_next_event_ns(&pit), tick_ns(1499), tick_ns(1499) + 1);
	vpit_update(&pit, tick_ns(1500) + 1);
	assert_int_equal(irq.rises, 2);
	outb(0x43, 0xe2);
	assert_int_equal(inb(0x40) & 0x40, 0);
}

/* Odd accesses: write-only 0x43, BCD refused, wide accesses, garbage. */
static void test_refused_and_ignored(void **state)
{
	assert_int_equal(inb(0x43), 0xff);
	program0(2, 1000);
	uint32_t x = 0x35;                      /* ch0 lo/hi mode 2 BCD */
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x43, 1, true, &x), -EINVAL);
	outb(0x43, 0xe2);
	assert_int_equal(inb(0x40), 0xb4);      /* unchanged: mode 2, binary */
	x = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x40, 2, false, &x), -EINVAL);
	assert_int_equal(x, 0xffff);
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x40, 4, true, &x), -EINVAL);
	outb(0x43, 0xc1);                       /* read-back with the reserved bit */
	outb(0x43, 0x12);                       /* mode 1 lobyte: never triggers */
	outb(0x40, 5);
	assert_true(vpit_out(&pit, 0));
	assert_int_equal(vpit_next_event_ns(&pit), UINT64_MAX);
	for (unsigned v = 0; v < 256; v++)
		for (uint16_t port = 0x40; port < 0x44; port++) {
			x = v;
			(void)vdev_access(&t, VDEV_PIO, port, 1, true, &x);
			(void)inb(port);
			vpit_update(&pit, pit.now_ns + 12345);
			(void)vpit_next_event_ns(&pit);
		}
}

/* ringos's pit_calibrate_tsc (lib/pit.c), run against the model: gate on
 * through 0x61, channel 2 in mode 0, poll 0x61 bit 5. Every access costs
 * 1 us of guest time, so each window overshoots by at most that. */
static void test_ringos_tsc_calibration(void **state)
{
	tsc_hz = 2500000000ull;
	io_step_ns = 1000;
	uint64_t hz = pit_calibrate_tsc(50);
	/* 10 ms windows, up to 2 us late: within 0.03% above, never below */
	assert_true(hz >= tsc_hz - tsc_hz / 100000);
	assert_true(hz <= tsc_hz + tsc_hz * 3 / 10000);
	assert_int_equal(pit.port_b & 3, 1);            /* gate on, speaker off */
	assert_int_equal(irq.rises + irq.falls, 0);     /* channel 0 untouched */
}

/* The same sequence step by step, as Linux's pit_calibrate_tsc writes it:
 * OUT (bit 5) is low from the control word until tick N exactly. */
static void test_port61_out2_mode0(void **state)
{
	assert_int_equal(inb(0x61) & 0xef, 0x20);       /* gate off; OUT of unprogrammed ch2 high */
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	assert_int_equal(inb(0x61) & 0x2f, 0x21);       /* OUT of an unprogrammed mode 3: high */
	outb(0x43, 0xb0);                               /* ch2, lo/hi, mode 0 */
	assert_int_equal(inb(0x61) & 0x20, 0);          /* mode 0: OUT low at once */
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	vpit_set_time(&pit, tick_ns(11932) - 1);
	assert_int_equal(inb(0x61) & 0x20, 0);
	vpit_set_time(&pit, tick_ns(11932));
	assert_int_equal(inb(0x61) & 0x20, 0x20);
	vpit_set_time(&pit, 10 * SEC);
	assert_int_equal(inb(0x61) & 0x20, 0x20);       /* stays high */
	/* writable bits 0-3 kept, 4-7 are status: not written */
	outb(0x61, 0xff);
	assert_int_equal(inb(0x61) & 0xcf, 0x0f);
	assert_true(vpit_out(&pit, 2));
}

/* Bit 4 toggles with the refresh period (15.085 us), whatever is written. */
static void test_port61_refresh_toggle(void **state)
{
	int flips = 0;
	uint8_t last = inb(0x61) & 0x10;
	for (uint64_t ns = 0; ns < 1000000; ns += 1000) {
		vpit_set_time(&pit, ns);
		uint8_t b = inb(0x61) & 0x10;
		flips += b != last;
		last = b;
	}
	/* 1 ms / 15.085 us = 66.3 flips */
	assert_in_range(flips, 65, 67);
}

/* Mode 0: a low gate holds the count; the rise goes on where it stopped. */
static void test_gate_holds_mode0(void **state)
{
	outb(0x61, 0x01);
	outb(0x43, 0xb0);
	outb(0x42, 1000 & 0xff);
	outb(0x42, 1000 >> 8);
	vpit_set_time(&pit, tick_ns(100));
	outb(0x61, 0x00);                               /* stop at 900 */
	vpit_set_time(&pit, tick_ns(5000));
	assert_int_equal(read16(0x42), 900);
	assert_false(vpit_out(&pit, 2));
	uint64_t rise = pit.now_ns;
	outb(0x61, 0x01);
	vpit_set_time(&pit, rise + tick_ns(899));
	assert_int_equal(read16(0x42), 1);
	assert_false(vpit_out(&pit, 2));
	vpit_set_time(&pit, rise + tick_ns(900));
	assert_true(vpit_out(&pit, 2));
	/* a count written while the gate is low waits for it */
	outb(0x61, 0x00);
	outb(0x43, 0xb0);
	outb(0x42, 10);
	outb(0x42, 0);
	vpit_set_time(&pit, pit.now_ns + SEC);
	assert_int_equal(read16(0x42), 10);
	assert_false(vpit_out(&pit, 2));
}

/* Mode 1 (hardware one-shot): OUT goes low on the gate's rising edge and
 * high N clocks later; a new edge retriggers; the gate's level after the
 * edge does not matter. Channel 0's gate never moves: no trigger there. */
static void test_gate_mode1_one_shot(void **state)
{
	outb(0x43, 0xb2);                               /* ch2 lo/hi mode 1 */
	outb(0x42, 100);
	outb(0x42, 0);
	vpit_set_time(&pit, 12345);
	assert_true(vpit_out(&pit, 2));
	assert_int_equal(read16(0x42), 100);
	uint64_t t0 = pit.now_ns;
	outb(0x61, 0x01);                               /* trigger */
	assert_false(vpit_out(&pit, 2));
	outb(0x61, 0x00);                               /* level ignored now */
	vpit_set_time(&pit, t0 + tick_ns(50));
	assert_int_equal(read16(0x42), 50);
	uint64_t t1 = pit.now_ns;
	outb(0x61, 0x01);                               /* retrigger: full count again */
	vpit_set_time(&pit, t1 + tick_ns(99));
	assert_false(vpit_out(&pit, 2));
	vpit_set_time(&pit, t1 + tick_ns(100));
	assert_true(vpit_out(&pit, 2));
	outb(0x43, 0xe8);                               /* status of ch2 */
	assert_int_equal(inb(0x42), 0xb2);              /* OUT high, loaded, rw 3, mode 1 */
}

/* Mode 5 (hardware strobe): after the edge, OUT low for the one clock at
 * terminal count. */
static void test_gate_mode5_strobe(void **state)
{
	outb(0x43, 0xba);                               /* ch2 lo/hi mode 5 */
	outb(0x42, 20);
	outb(0x42, 0);
	outb(0x43, 0xe8);
	assert_int_equal(inb(0x42) & 0x40, 0x40);       /* null count: not triggered */
	outb(0x61, 0x01);
	uint64_t t0 = pit.now_ns;
	vpit_set_time(&pit, t0 + tick_ns(20) - 1);
	assert_true(vpit_out(&pit, 2));
	vpit_set_time(&pit, t0 + tick_ns(20));
	assert_false(vpit_out(&pit, 2));
	vpit_set_time(&pit, t0 + tick_ns(21));
	assert_true(vpit_out(&pit, 2));
}

/* Modes 2 and 3: a low gate forces OUT high and stops counting; the rise
 * restarts the period with the full count. */
static void test_gate_modes2_3(void **state)
{
	outb(0x61, 0x01);
	outb(0x43, 0xb4);                               /* ch2 mode 2, 100 */
	outb(0x42, 100);
	outb(0x42, 0);
	vpit_set_time(&pit, tick_ns(99));
	assert_false(vpit_out(&pit, 2));                /* the low clock */
	outb(0x61, 0x00);
	assert_true(vpit_out(&pit, 2));                 /* forced high */
	vpit_set_time(&pit, tick_ns(500));
	assert_true(vpit_out(&pit, 2));
	assert_int_equal(read16(0x42), 1);              /* held */
	uint64_t r = pit.now_ns;
	outb(0x61, 0x01);
	assert_int_equal(read16(0x42), 100);            /* reloaded */
	vpit_set_time(&pit, r + tick_ns(98));
	assert_true(vpit_out(&pit, 2));
	vpit_set_time(&pit, r + tick_ns(99));
	assert_false(vpit_out(&pit, 2));
	/* mode 3: low half, then the gate drops: OUT high at once */
	outb(0x43, 0xb6);
	outb(0x42, 100);
	outb(0x42, 0);
	uint64_t s = pit.now_ns;
	vpit_set_time(&pit, s + tick_ns(60));
	assert_false(vpit_out(&pit, 2));
	outb(0x61, 0x00);
	assert_true(vpit_out(&pit, 2));
	/* a new count written with the gate low is the one the rise starts */
	outb(0x42, 40);
	outb(0x42, 0);
	uint64_t r2 = pit.now_ns + 777;
	vpit_set_time(&pit, r2);
	outb(0x61, 0x01);
	vpit_set_time(&pit, r2 + tick_ns(20) - 1);
	assert_true(vpit_out(&pit, 2));
	vpit_set_time(&pit, r2 + tick_ns(20));
	assert_false(vpit_out(&pit, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_linux_mode2_100hz, setup),
		cmocka_unit_test_setup(test_ringos_periodic, setup),
		cmocka_unit_test_setup(test_latch_freezes, setup),
		cmocka_unit_test_setup(test_read_order, setup),
		cmocka_unit_test_setup(test_readback_status, setup),
		cmocka_unit_test_setup(test_mode0_terminal_count, setup),
		cmocka_unit_test_setup(test_mode3_duty, setup),
		cmocka_unit_test_setup(test_reload_zero, setup),
		cmocka_unit_test_setup(test_next_event_exact, setup),
		cmocka_unit_test_setup(test_reload_midperiod, setup),
		cmocka_unit_test_setup(test_refused_and_ignored, setup),
		cmocka_unit_test_setup(test_ringos_tsc_calibration, setup),
		cmocka_unit_test_setup(test_port61_out2_mode0, setup),
		cmocka_unit_test_setup(test_port61_refresh_toggle, setup),
		cmocka_unit_test_setup(test_gate_holds_mode0, setup),
		cmocka_unit_test_setup(test_gate_mode1_one_shot, setup),
		cmocka_unit_test_setup(test_gate_mode5_strobe, setup),
		cmocka_unit_test_setup(test_gate_modes2_3, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
