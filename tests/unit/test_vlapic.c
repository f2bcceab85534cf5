/* The emulated local APIC (hv/vdev/lapic.c), programmed as a guest would:
 * every register access is a 32-bit MMIO access through vdev_access on
 * the domain's table. Register offsets and values are the Intel SDM's
 * (vol. 3, chapter 10), written out here rather than taken from lapic.h. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "../../hv/vdev/lapic.h"

#define BASE    0xfee00000u
#define NS_PER_CLOCK    10ull           /* the 100 MHz bus clock */

static struct vdev_table t;
static struct vlapic l;
static const int cookie;

/* The EOI broadcasts seen. */
static uint8_t eois[16];
static unsigned neois;

static void eoi_cb(void *opaque, uint8_t vector)
{
	assert_ptr_equal(opaque, &cookie);
	assert_true(neois < ARRAY_SIZE(eois));
	eois[neois++] = vector;
}

static int setup(void **state)
{
	vdev_clear(&t);
	neois = 0;
	assert_int_equal(vlapic_init(&l, &t, 0, eoi_cb, (void *)&cookie), 0);
	return 0;
}

static void wr(uint32_t off, uint32_t v)
{
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + off, 4, true, &v), 0);
}

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + off, 4, false, &v), 0);
	return v;
}

/* Software-enable, as every OS does first (SVR: enable, spurious 0xff). */
static void enable(void)
{
	wr(0xf0, 0x1ff);
}

/* Is vector v set in the 256-bit register at base (ISR 0x100, TMR 0x180,
 * IRR 0x200: bit v % 32 of the register at base + 0x10 * (v / 32)). */
static bool bit(uint32_t base, unsigned v)
{
	return rd(base + 0x10 * (v / 32)) & (1u << (v % 32));
}

/* Power-up state (SDM 10.12.5.1 and table 10-1). */
static void test_reset_values(void **state)
{
	assert_int_equal(rd(0x20), 0);                  /* ID 0 */
	assert_int_equal(rd(0x30), 0x00050014);         /* version 0x14, 6 LVTs */
	assert_int_equal(rd(0x80), 0);
	assert_int_equal(rd(0xa0), 0);
	assert_int_equal(rd(0xd0), 0);
	assert_int_equal(rd(0xe0), 0xffffffff);
	assert_int_equal(rd(0xf0), 0xff);               /* software-disabled */
	for (uint32_t off = 0x320; off <= 0x370; off += 0x10)
		assert_int_equal(rd(off), 0x00010000);  /* masked */
	for (uint32_t off = 0x100; off < 0x280; off += 0x10)
		assert_int_equal(rd(off), 0);
	assert_int_equal(rd(0x380), 0);
	assert_int_equal(rd(0x390), 0);
	assert_int_equal(rd(0x3e0), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_next_event_ns(&l), UINT64_MAX);
	/* another ID, for another vCPU */
	vdev_clear(&t);
	assert_int_equal(vlapic_init(&l, &t, 3, NULL, NULL), 0);
	assert_int_equal(rd(0x20), 0x03000000);
	/* the page is claimed: a second APIC there is refused */
	struct vlapic other;
	assert_int_equal(vlapic_init(&other, &t, 0, NULL, NULL), -EBUSY);
}

/* Read-only and write-masked bits. */
static void test_register_bits(void **state)
{
	wr(0x30, 0);
	assert_int_equal(rd(0x30), 0x00050014);
	wr(0x80, 0xffffffff);
	assert_int_equal(rd(0x80), 0xff);               /* TPR: bits 7:0 */
	wr(0x80, 0);
	wr(0xd0, 0xffffffff);
	assert_int_equal(rd(0xd0), 0xff000000);         /* LDR: bits 31:24 */
	wr(0xe0, 0x0fffffff);
	assert_int_equal(rd(0xe0), 0x0fffffff);         /* DFR: cluster model */
	wr(0xe0, 0);
	assert_int_equal(rd(0xe0), 0x0fffffff);         /* bits 27:0 read 1 */
	wr(0x20, 0x05ffffff);
	assert_int_equal(rd(0x20), 0x05000000);
	enable();
	wr(0x350, 0xffffffff);                          /* LINT0: no remote IRR, status */
	assert_int_equal(rd(0x350), 0x0001a7ff);
	wr(0x320, 0xffffffff);                          /* timer: no TSC-deadline */
	assert_int_equal(rd(0x320), 0x000300ff);
	wr(0x370, 0xffffffff);
	assert_int_equal(rd(0x370), 0x000100ff);
	wr(0x3e0, 0xffffffff);
	assert_int_equal(rd(0x3e0), 0xb);               /* bits 0, 1, 3 */
	wr(0x300, 0xffffffff & ~0x700u & ~0xc0000u);    /* fixed, no shorthand */
	assert_int_equal(rd(0x300) & (1u << 12), 0);    /* delivery status: idle */
	wr(0x310, 0xffffffff);
	assert_int_equal(rd(0x310), 0xff000000);
	wr(0x390, 1234);                                /* current count: read-only */
	assert_int_equal(rd(0x390), 0);
}

/* SDM 10.4.7.2: software-disabled, every LVT is masked and stays so;
 * held requests stay, new fixed interrupts are not taken. */
static void test_software_disable(void **state)
{
	wr(0x350, 0x700);
	assert_int_equal(rd(0x350), 0x10700);           /* the mask stays */
	assert_false(vlapic_extint(&l));
	vlapic_accept(&l, 0x40, false);
	assert_false(bit(0x200, 0x40));
	assert_int_equal(l.irqs_dropped, 1);
	enable();
	wr(0x350, 0x700);
	assert_int_equal(rd(0x350), 0x700);
	assert_true(vlapic_extint(&l));
	wr(0x320, 0x30);
	vlapic_accept(&l, 0x40, false);
	assert_int_equal(vlapic_pending(&l), 0x40);
	wr(0xf0, 0xff);                                 /* disable again */
	assert_int_equal(rd(0x350), 0x10700);
	assert_int_equal(rd(0x320), 0x10030);
	assert_int_equal(vlapic_pending(&l), 0x40);     /* held */
	vlapic_accept(&l, 0x50, false);
	assert_false(bit(0x200, 0x50));
	enable();                                       /* LVTs stay masked */
	assert_int_equal(rd(0x320), 0x10030);
	/* what a BIOS leaves: enabled, LINT0 ExtINT, LINT1 NMI */
	setup(state);
	vlapic_virtual_wire(&l);
	assert_int_equal(rd(0xf0) & 0x100, 0x100);
	assert_int_equal(rd(0x350), 0x700);
	assert_int_equal(rd(0x360), 0x400);
	assert_true(vlapic_extint(&l));
}

/* The divide configuration (SDM figure 10-10): bits 3, 1, 0. */
static const struct { uint32_t tdcr, div; } dividers[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
};

/* One-shot with each divider: the count falls every div bus clocks and
 * the interrupt comes when it reaches 0, never again. */
static void test_timer_oneshot_dividers(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(dividers); i++) {
		setup(state);
		enable();
		uint64_t tick = dividers[i].div * NS_PER_CLOCK;
		wr(0x3e0, dividers[i].tdcr);
		wr(0x320, 0x40);                        /* one-shot, vector 0x40 */
		vlapic_set_time(&l, 1000);
		wr(0x380, 1000);                        /* starts at 1000 ns */
		assert_int_equal(rd(0x380), 1000);
		assert_int_equal(rd(0x390), 1000);
		vlapic_update(&l, 1000 + 250 * tick);
		assert_int_equal(rd(0x390), 750);
		vlapic_update(&l, 1000 + 250 * tick + tick - 1);
		assert_int_equal(rd(0x390), 750);       /* not yet a whole count */
		uint64_t at = 1000 + 1000 * tick;
		assert_int_equal(vlapic_next_event_ns(&l), at);
		vlapic_update(&l, at - 1);
		assert_int_equal(rd(0x390), 1);
		assert_int_equal(vlapic_pending(&l), -1);
		vlapic_update(&l, at);
		assert_int_equal(rd(0x390), 0);
		assert_int_equal(vlapic_pending(&l), 0x40);
		assert_false(bit(0x180, 0x40));         /* edge: TMR clear */
		assert_int_equal(vlapic_ack(&l, 0x40), 0);
		wr(0xb0, 0);
		assert_int_equal(neois, 0);             /* no broadcast for edge */
		assert_int_equal(vlapic_next_event_ns(&l), UINT64_MAX);
		vlapic_update(&l, at + 1000 * tick * 10);
		assert_int_equal(rd(0x390), 0);
		assert_int_equal(vlapic_pending(&l), -1);
	}
}

/* Periodic: the count reloads; one interrupt per period, each taken. */
static void test_timer_periodic(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(dividers); i++) {
		setup(state);
		enable();
		uint64_t tick = dividers[i].div * NS_PER_CLOCK, period = 100 * tick;
		wr(0x3e0, dividers[i].tdcr);
		wr(0x320, 0x20050);                     /* periodic, vector 0x50 */
		wr(0x380, 100);
		unsigned taken = 0;
		uint64_t end = 10 * period + period / 2;
		for (int guard = 0; guard < 1000; guard++) {
			uint64_t next = vlapic_next_event_ns(&l);
			if (next > end)
				break;
			assert_int_equal(next, (taken + 1) * period);
			vlapic_update(&l, next);
			assert_int_equal(vlapic_pending(&l), 0x50);
			assert_int_equal(vlapic_ack(&l, 0x50), 0);
			wr(0xb0, 0);
			taken++;
		}
		assert_int_equal(taken, 10);
		vlapic_update(&l, end);
		assert_int_equal(rd(0x390), 50);        /* half a period in */
	}
	/* late: several periods missed are one request (one IRR bit) */
	setup(state);
	enable();
	wr(0x3e0, 0xb);
	wr(0x320, 0x20050);
	wr(0x380, 100);
	vlapic_update(&l, 5550 * NS_PER_CLOCK);
	assert_int_equal(vlapic_pending(&l), 0x50);
	assert_int_equal(vlapic_ack(&l, 0x50), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(0x390), 50);
	assert_int_equal(vlapic_next_event_ns(&l), 5600 * NS_PER_CLOCK);
	/* writing 0 stops it */
	wr(0x380, 0);
	assert_int_equal(vlapic_next_event_ns(&l), UINT64_MAX);
	vlapic_update(&l, 100000 * NS_PER_CLOCK);
	assert_false(bit(0x200, 0x50));
	assert_int_equal(rd(0x390), 0);
}

/* Linux's calibration: divide by 16, initial count 0xffffffff, count
 * what is left after 100 ms (measured against the PIT): 100 MHz. */
static void test_timer_calibration(void **state)
{
	enable();
	wr(0x3e0, 0x3);
	wr(0x320, 0x10000 | 0x20000 | 0xef);            /* masked, periodic */
	wr(0x380, 0xffffffff);
	vlapic_set_time(&l, 100000000);                 /* 100 ms */
	uint32_t left = rd(0x390);
	assert_int_equal(0xffffffffu - left, 100000000u / 10 / 16);
	assert_int_equal(vlapic_next_event_ns(&l), UINT64_MAX);        /* masked */
}

/* A masked timer counts, reaches 0, and requests nothing; a new initial
 * count restarts from the time of the write. */
static void test_timer_masked_and_restart(void **state)
{
	enable();
	wr(0x3e0, 0xb);
	wr(0x320, 0x10041);
	wr(0x380, 50);
	vlapic_update(&l, 1000 * NS_PER_CLOCK);
	assert_int_equal(rd(0x390), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(0x320, 0x41);                                /* unmasking later: nothing */
	vlapic_update(&l, 2000 * NS_PER_CLOCK);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(0x380, 50);                                  /* restart, at 2000 clocks */
	assert_int_equal(vlapic_next_event_ns(&l), 2050 * NS_PER_CLOCK);
	vlapic_update(&l, 2030 * NS_PER_CLOCK);
	assert_int_equal(rd(0x390), 20);
	wr(0x380, 50);                                  /* again, before it ran out */
	assert_int_equal(vlapic_next_event_ns(&l), 2080 * NS_PER_CLOCK);
	vlapic_update(&l, 2080 * NS_PER_CLOCK);
	assert_int_equal(vlapic_pending(&l), 0x41);
	/* a divider change keeps the count, the rate changes from then on */
	setup(state);
	enable();
	wr(0x3e0, 0xb);
	wr(0x320, 0x42);
	wr(0x380, 100);
	vlapic_set_time(&l, 40 * NS_PER_CLOCK);
	wr(0x3e0, 0x0);                                 /* divide by 2 */
	assert_int_equal(rd(0x390), 60);
	assert_int_equal(vlapic_next_event_ns(&l), (40 + 120) * NS_PER_CLOCK);
}

/* Priorities (SDM 10.8.3): classes, TPR, PPR, nesting, EOI order. */
static void test_priority(void **state)
{
	enable();
	vlapic_accept(&l, 0x31, false);
	vlapic_accept(&l, 0x45, false);
	vlapic_accept(&l, 0x52, false);
	assert_true(bit(0x200, 0x31) && bit(0x200, 0x45) && bit(0x200, 0x52));
	assert_int_equal(vlapic_pending(&l), 0x52);
	wr(0x80, 0x50);
	assert_int_equal(rd(0xa0), 0x50);
	assert_int_equal(vlapic_pending(&l), -1);       /* class 5 is not above 5 */
	wr(0x80, 0x4f);
	assert_int_equal(vlapic_pending(&l), 0x52);
	wr(0x80, 0);
	assert_int_equal(vlapic_ack(&l, 0x52), 0);
	assert_false(bit(0x200, 0x52));
	assert_true(bit(0x100, 0x52));
	assert_int_equal(rd(0xa0), 0x50);               /* PPR: the class in service */
	wr(0x80, 0x53);
	assert_int_equal(rd(0xa0), 0x53);               /* same class: PPR = TPR */
	wr(0x80, 0);
	assert_int_equal(vlapic_pending(&l), -1);       /* 0x45 is below */
	vlapic_accept(&l, 0x5f, false);
	assert_int_equal(vlapic_pending(&l), -1);       /* same class: waits */
	vlapic_accept(&l, 0x61, false);
	assert_int_equal(vlapic_pending(&l), 0x61);     /* higher class nests */
	assert_int_equal(vlapic_ack(&l, 0x61), 0);
	assert_int_equal(rd(0xa0), 0x60);
	wr(0x80, 0x72);
	assert_int_equal(rd(0xa0), 0x72);               /* TPR above: PPR = TPR */
	wr(0x80, 0x32);
	assert_int_equal(rd(0xa0), 0x60);
	wr(0xb0, 0);                                    /* EOI: the highest, 0x61 */
	assert_false(bit(0x100, 0x61));
	assert_true(bit(0x100, 0x52));
	assert_int_equal(vlapic_pending(&l), -1);
	wr(0xb0, 0);                                    /* 0x52 */
	assert_int_equal(rd(0x100 + 0x20), 0);
	assert_int_equal(rd(0xa0), 0x32);
	assert_int_equal(vlapic_pending(&l), 0x5f);
	assert_int_equal(vlapic_ack(&l, 0x5f), 0);
	wr(0xb0, 0);
	assert_int_equal(vlapic_pending(&l), 0x45);
	assert_int_equal(vlapic_ack(&l, 0x45), 0);
	wr(0xb0, 0);
	assert_int_equal(vlapic_pending(&l), -1);       /* 0x31: class 3 under TPR 0x32 */
	wr(0x80, 0x20);
	assert_int_equal(vlapic_pending(&l), 0x31);
	/* acknowledging what was not requested */
	assert_int_equal(vlapic_ack(&l, 0x99), -ENOENT);
	/* an EOI with nothing in service does nothing */
	assert_int_equal(vlapic_ack(&l, 0x31), 0);
	wr(0xb0, 0);
	wr(0xb0, 0);
	assert_int_equal(neois, 0);
}

/* Level-triggered vectors set TMR; their EOI is broadcast. */
static void test_level_eoi_broadcast(void **state)
{
	enable();
	vlapic_accept(&l, 0x41, true);
	assert_int_equal(rd(0x220), 1u << 1);           /* IRR word 2, bit 1 */
	assert_int_equal(rd(0x1a0), 1u << 1);           /* TMR */
	vlapic_accept(&l, 0x30, false);
	assert_int_equal(vlapic_ack(&l, 0x41), 0);
	assert_int_equal(rd(0x220), 0);
	assert_int_equal(rd(0x120), 1u << 1);           /* ISR */
	wr(0xb0, 0);
	assert_int_equal(neois, 1);
	assert_int_equal(eois[0], 0x41);
	assert_int_equal(vlapic_ack(&l, 0x30), 0);
	wr(0xb0, 0);
	assert_int_equal(neois, 1);                     /* edge: none */
	/* the same vector edge-triggered later clears its TMR bit */
	vlapic_accept(&l, 0x41, false);
	assert_int_equal(rd(0x1a0), 0);
}

/* IPIs: fixed to self by shorthand or by destination; the rest counted. */
static void test_self_ipi(void **state)
{
	enable();
	wr(0x300, 0x40000 | 0x66);                      /* shorthand self */
	assert_int_equal(vlapic_pending(&l), 0x66);
	assert_int_equal(rd(0x300), 0x40066);           /* delivery status 0 */
	assert_int_equal(vlapic_ack(&l, 0x66), 0);
	wr(0xb0, 0);
	wr(0x310, 0);                                   /* physical destination 0: us */
	wr(0x300, 0x67);
	assert_int_equal(vlapic_pending(&l), 0x67);
	vlapic_ack(&l, 0x67);
	wr(0xb0, 0);
	wr(0x310, 0x01000000);                          /* APIC 1: nobody */
	wr(0x300, 0x68);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(l.ipis_dropped, 1);
	wr(0x300, 0xc0000 | 0x68);                      /* all excluding self */
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(l.ipis_dropped, 2);
	wr(0x300, 0x80000 | 0x69);                      /* all including self */
	assert_int_equal(vlapic_pending(&l), 0x69);
	vlapic_ack(&l, 0x69);
	wr(0xb0, 0);
	wr(0x310, 0xff000000);                          /* broadcast */
	wr(0x300, 0x6a);
	assert_int_equal(vlapic_pending(&l), 0x6a);
	vlapic_ack(&l, 0x6a);
	wr(0xb0, 0);
	/* logical, flat model: LDR bit 0 */
	wr(0xd0, 0x01000000);
	wr(0x310, 0x03000000);
	wr(0x300, 0x800 | 0x6b);
	assert_int_equal(vlapic_pending(&l), 0x6b);
	vlapic_ack(&l, 0x6b);
	wr(0xb0, 0);
	wr(0x310, 0x02000000);
	wr(0x300, 0x800 | 0x6c);
	assert_int_equal(vlapic_pending(&l), -1);
	/* logical, cluster model: cluster 2, member bit 0 */
	wr(0xe0, 0x0fffffff);
	wr(0xd0, 0x21000000);
	wr(0x310, 0x13000000);                          /* cluster 1 */
	wr(0x300, 0x800 | 0x6d);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(0x310, 0x23000000);
	wr(0x300, 0x800 | 0x6d);
	assert_int_equal(vlapic_pending(&l), 0x6d);
	/* INIT, SIPI, NMI, SMI: counted, not modelled */
	uint64_t dropped = l.ipis_dropped;
	wr(0x300, 0xc0000 | 0x500);
	wr(0x300, 0xc0000 | 0x600 | 0x10);
	wr(0x300, 0x40000 | 0x400);
	wr(0x300, 0x40000 | 0x200);
	assert_int_equal(l.ipis_ignored, 4);
	assert_int_equal(l.ipis_dropped, dropped);
}

/* ESR (SDM 10.5.3): errors accumulate; a write latches them. */
static void test_esr(void **state)
{
	enable();
	wr(0x300, 0x40000 | 0x03);                      /* send illegal vector */
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(0x280), 0);                 /* not latched yet */
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x20);
	vlapic_accept(&l, 0x05, false);                 /* receive illegal vector */
	assert_int_equal(rd(0x280), 0x20);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x40);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0);
	/* a reserved register: illegal register address */
	assert_int_equal(rd(0x40), 0);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x80);
	/* with the error LVT unmasked, an error raises its vector */
	wr(0x370, 0xee);
	vlapic_accept(&l, 0x0f, false);
	assert_int_equal(vlapic_pending(&l), 0xee);
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x40);
	/* a timer vector below 16 is a receive error, never a request */
	wr(0x370, 0x10000);
	wr(0x320, 0x08);
	wr(0x3e0, 0xb);
	wr(0x380, 10);
	vlapic_update(&l, 1000);
	assert_false(bit(0x200, 0x08));
	wr(0x280, 0);
	assert_int_equal(rd(0x280), 0x40);
}

/* Only aligned 32-bit accesses: others are ignored, read 0, counted. */
static void test_bad_accesses(void **state)
{
	enable();
	wr(0x80, 0x20);
	uint32_t v = 0xffffffff;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x80, 1, true, &v), 0);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x80, 2, true, &v), 0);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x81, 1, true, &v), 0);
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x82, 2, true, &v), 0);
	assert_int_equal(rd(0x80), 0x20);
	v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x30, 1, false, &v), 0);
	assert_int_equal(v, 0);
	v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x32, 2, false, &v), 0);
	assert_int_equal(v, 0);
	v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x31, 4, false, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(l.bad_accesses, 7);
	/* aligned, but inside a register's 16 bytes: reserved, reads 0 */
	assert_int_equal(rd(0x34), 0);
	wr(0x84, 0x77);
	assert_int_equal(rd(0x80), 0x20);
	/* the top of the page is the APIC's too */
	assert_int_equal(rd(0xffc), 0);
	v = 0;
	assert_int_equal(vdev_access(&t, VDEV_MMIO, BASE + 0x1000, 4, false, &v), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_values, setup),
		cmocka_unit_test_setup(test_register_bits, setup),
		cmocka_unit_test_setup(test_software_disable, setup),
		cmocka_unit_test_setup(test_timer_oneshot_dividers, setup),
		cmocka_unit_test_setup(test_timer_periodic, setup),
		cmocka_unit_test_setup(test_timer_calibration, setup),
		cmocka_unit_test_setup(test_timer_masked_and_restart, setup),
		cmocka_unit_test_setup(test_priority, setup),
		cmocka_unit_test_setup(test_level_eoi_broadcast, setup),
		cmocka_unit_test_setup(test_self_ipi, setup),
		cmocka_unit_test_setup(test_esr, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
