/* 8254 programmable interval timer. */
#ifndef LIB_PIT_H
#define LIB_PIT_H

#include "types.h"

#define PIT_HZ 1193182u

/* Channel 0, periodic at hz (IRQ 0). Returns the exact rate obtained. */
uint32_t pit_start_periodic(uint32_t hz);
/* The TSC's frequency in Hz, timed against channel 2 (polled, interrupts
 * not needed) over ms milliseconds in five windows, the least rate kept (a
 * window stretched by the host taking the CPU away only reads too high);
 * 0 without a PIT. */
uint64_t pit_calibrate_tsc(uint32_t ms);

#endif
