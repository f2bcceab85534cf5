/*
 * timer_irq: the 8254 and 8259A of a hw guest and the delivery of their
 * interrupt (hv/hw/devices.c, hv/hw/exit.c hw_inject_events).
 *
 *   PIT channel 2 gated by port 0x61 times the TSC (bit 5 of 0x61 is its
 *   OUT), so RDTSC becomes a clock
 *   channel 0 at 100 Hz on IRQ 0, remapped by the PIC to vector 0x20:
 *   about 50 interrupts in 0.5 s (within 30%), HLT waking at each
 *   while IF = 0 the tick stays pending, and STI delivers it after exactly
 *   one more instruction (the STI shadow, Intel SDM vol. 2 STI)
 *   a masked IRQ (OCW1) is not delivered; an IRQ in service without EOI
 *   blocks the next one (the ISR bit, 8259A datasheet)
 */
#include "hwg.h"
#include "pic.h"
#include "pit.h"

#define VEC_IRQ0        0x20
#define HZ              100

static volatile uint32_t ticks;
static volatile bool eoi_on = true;

static void tick(struct hwg_frame *f)
{
	(void)f;
	ticks++;
	if (eoi_on)
		pic_eoi(0);
}

/* Busy-wait ms milliseconds by the TSC with interrupts as they are. */
static void spin_ms(uint32_t ms)
{
	hwg_udelay(ms * 1000);
}

void guest_main(void)
{
	uint64_t hz = hwg_tsc_hz();
	test_check(hz >= 50000000ull && hz <= 20000000000ull,
		   "TSC timed against PIT channel 2 via port 0x61: %llu kHz",
		   (unsigned long long)(hz / 1000));
	if (!hz)
		test_error("PIT channel 2 never reached its terminal count");

	pic_init(VEC_IRQ0);
	hwg_set_handler(VEC_IRQ0, tick);
	uint32_t rate = pit_start_periodic(HZ);
	pic_unmask(0);

	/* IF = 0: the tick stays pending, however long we wait. */
	irq_disable();
	spin_ms(50);
	test_check(ticks == 0, "no interrupt taken with IF = 0 over 50 ms (%u)", ticks);

	/* STI: the instruction after it runs before the interrupt, the one
	 * after that runs after it. */
	uint32_t in_shadow, after;
	__asm__ volatile("sti\n\t"
			 "movl %2, %0\n\t"
			 "movl %2, %1"
			 : "=&r"(in_shadow), "=&r"(after) : "m"(ticks) : "memory");
	irq_disable();
	test_check(in_shadow == 0, "the instruction after STI runs before the pending tick "
		   "(saw %u ticks)", in_shadow);
	test_check(after >= 1, "the pending tick arrives right after it (saw %u ticks)", after);

	/* HLT wakes on the interrupt, which is taken before the instruction
	 * after HLT: HLT itself was the one instruction of the STI shadow
	 * (the idle loop of many kernels is "sti; hlt; cli"). The hypervisor
	 * completes HLT for the guest, so it must end the shadow too. */
	uint32_t before = ticks;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	test_check(ticks > before, "sti; hlt; cli: the tick that ends HLT is taken before the cli "
		   "(%u -> %u)", before, ticks);

	/* 0.5 s of halting: count the ticks and the wake-ups. */
	uint64_t span = hz / 2;
	uint32_t halts = 0;
	ticks = 0;
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < span) {
		/* (the nop keeps this count apart from the shadow check above) */
		__asm__ volatile("sti; hlt; nop; cli" ::: "memory");
		halts++;
	}
	uint32_t n = ticks, want = rate / 2;
	test_check(n >= want * 7 / 10 && n <= want * 13 / 10,
		   "%u ticks in 0.5 s at %u Hz (want %u +- 30%%)", n, rate, want);
	test_check(halts <= n + 1 && halts >= n / 2,
		   "HLT woke %u times for %u ticks (each wake-up is a tick)", halts, n);

	/* OCW1: masked, nothing arrives even with IF = 1. */
	pic_mask(0);
	irq_enable();
	ticks = 0;
	spin_ms(50);
	irq_disable();
	test_check(ticks == 0, "IRQ 0 masked in the PIC: no ticks in 50 ms (%u)", ticks);

	/* Unmasked again; without EOI the IRQ stays in service and blocks
	 * itself: one tick, then nothing until the EOI. */
	eoi_on = false;
	ticks = 0;
	pic_unmask(0);
	irq_enable();
	spin_ms(60);
	irq_disable();
	uint32_t no_eoi = ticks;
	test_check(no_eoi == 1, "without EOI exactly one tick is taken in 60 ms (%u)", no_eoi);
	eoi_on = true;
	pic_eoi(0);
	irq_enable();
	spin_ms(60);
	irq_disable();
	test_check(ticks >= no_eoi + 3, "after the EOI ticks flow again (%u in 60 ms)",
		   ticks - no_eoi);

	pic_mask(0);
	test_check(hwg_unexpected_irqs == 0, "no unexpected interrupts (%u)", hwg_unexpected_irqs);
}
