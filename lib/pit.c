/* 8254 PIT: channel 0 drives the periodic tick, channel 2 times the TSC
 * calibration (the classic method; it needs no interrupt). */
#include "pit.h"
#include "x86.h"

#define PIT_CH0         0x40
#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PORT_B          0x61            /* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 out */

uint32_t pit_start_periodic(uint32_t hz)
{
	uint32_t div = (PIT_HZ + hz / 2) / hz;
	if (div > 0xffff)
		div = 0xffff;
	if (div < 2)
		div = 2;
	outb(PIT_CMD, 0x34);            /* channel 0, lobyte/hibyte, mode 2 (rate generator) */
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, div >> 8);
	return (PIT_HZ + div / 2) / div;
}

/* One measurement: TSC cycles per second over ms milliseconds of channel 2. */
static uint64_t measure(uint32_t ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	if (count > 0xffff)
		count = 0xffff;
	/* Gate on, speaker off; channel 2 in mode 0 (interrupt on terminal count). */
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	uint64_t t0 = rdtsc();
	uint64_t spins = 0;
	while (!(inb(PORT_B) & 0x20)) {
		if (++spins > 100000000ull)     /* no PIT: give up */
			return 0;
	}
	uint64_t t1 = rdtsc();
	/* cycles / (count / PIT_HZ) seconds */
	return (t1 - t0) * PIT_HZ / count;
}

/*
 * Under an emulator on a busy host the CPU may be taken away in the middle
 * of a window while the TSC (host time) runs on: a window can only come out
 * too long, never too short. So the interval is measured as five windows
 * and the smallest rate is kept.
 */
uint64_t pit_calibrate_tsc(uint32_t ms)
{
	uint64_t best = 0;
	uint32_t part = ms / 5 ? ms / 5 : 1;
	for (int i = 0; i < 5; i++) {
		uint64_t hz = measure(part);
		if (hz && (!best || hz < best))
			best = hz;
	}
	return best;
}
