/*
 * hwstress: hostile hw guests found in the adversarial review of the hw
 * technique, one way per command-line mode. Each should be contained: the
 * hypervisor paces or refuses it and the pv bystander beside it finishes
 * its share (tests.cfg sections hw_stress_*).
 *
 *   rep_flood  console output through REP OUTSB to COM1 (256 KiB of
 *              lines). A plain OUT to COM1 waits when the console ring is
 *              full (hv/hw/exit.c do_ioio); the string form goes through
 *              the emulator and must be paced the same way, never fill the
 *              ring past the domains' share.
 *   out_flood  the same output with one OUT per byte: the paced control.
 *   halt_storm the PIT at its fastest (count 2, mode 2) with IRQ 0 masked
 *              at the 8259A, then STI; HLT for 5 s, woken by a local APIC
 *              one-shot. Nothing the PIT does can wake the guest, so it
 *              must not make the hypervisor wake it (and preempt the
 *              bystander) at the PIT's rate. Found: the halted vCPU never
 *              blocks (the PIT's next event is always already due, so
 *              vtimer_set() calls timer_due at once and hw_loop goes round
 *              with interrupts off, no tick, no reschedule): one 4979 ms
 *              run, the bystander waits it out; with CLI; HLT it would be
 *              for ever.
 */
#include "hwg.h"
#include "pic.h"
#include "string.h"

#define COM1            0x3f8
#define FLOOD_BYTES     (256u * 1024)
#define LINE            64

static char flood_buf[4096];

static void fill_lines(void)
{
	for (unsigned i = 0; i < sizeof(flood_buf); i++)
		flood_buf[i] = (i % LINE) == LINE - 1 ? '\n' : (char)('a' + i % 26);
}

static void rep_flood(void)
{
	fill_lines();
	hwg_printf("rep_flood: %u bytes through rep outsb to COM1\n", FLOOD_BYTES);
	for (unsigned done = 0; done < FLOOD_BYTES; done += sizeof(flood_buf)) {
		const char *p = flood_buf;
		uint32_t n = sizeof(flood_buf);
		__asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(COM1) : "memory");
	}
	hwg_printf("rep_flood: done\n");
	test_check(true, "rep_flood: all of it written");
}

static void out_flood(void)
{
	fill_lines();
	hwg_printf("out_flood: %u bytes through outb to COM1\n", FLOOD_BYTES);
	for (unsigned done = 0; done < FLOOD_BYTES; done += sizeof(flood_buf))
		for (unsigned i = 0; i < sizeof(flood_buf); i++)
			outb(COM1, (uint8_t)flood_buf[i]);
	hwg_printf("out_flood: done\n");
	test_check(true, "out_flood: all of it written");
}

#define LAPIC           0xfee00000u
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TMICT     0x380
#define LAPIC_TDCR      0x3e0
#define VEC_WAKE        0x40

static volatile uint32_t wakes;

static void wake_irq(struct hwg_frame *f)
{
	(void)f;
	wakes++;
	mmio_write32(LAPIC + LAPIC_EOI, 0);
}

static void halt_storm(void)
{
	pic_init(0x20);                 /* every line masked */
	hwg_set_handler(VEC_WAKE, wake_irq);
	outb(0x43, 0x34);               /* channel 0, lo/hi, rate generator */
	outb(0x40, 2);                  /* count 2: OUT changes every 838 ns */
	outb(0x40, 0);
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff);
	mmio_write32(LAPIC + LAPIC_TDCR, 0xa);          /* divide by 128 */
	mmio_write32(LAPIC + LAPIC_LVT_TIMER, VEC_WAKE); /* one-shot */
	/* 5 s at 100 MHz / 128 */
	mmio_write32(LAPIC + LAPIC_TMICT, 5u * 100000000u / 128u);
	hwg_printf("halt_storm: PIT count 2 with IRQ 0 masked, halted for 5 s\n");
	uint32_t halts = 0;
	while (!wakes) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		halts++;
	}
	outb(0x43, 0x30);               /* channel 0 stopped (mode 0, no count) */
	hwg_printf("halt_storm: woken after %u halts\n", halts);
	test_check(wakes == 1, "halt_storm: the one-shot woke us once");
}

void guest_main(void)
{
	if (hwg_cmdline_has("rep_flood"))
		rep_flood();
	else if (hwg_cmdline_has("out_flood"))
		out_flood();
	else if (hwg_cmdline_has("halt_storm"))
		halt_storm();
	else
		test_error("no mode on the command line (rep_flood out_flood halt_storm)");
}
