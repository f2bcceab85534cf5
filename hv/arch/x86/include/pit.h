/* 8254 programmable interval timer. */
#ifndef HV_PIT_H
#define HV_PIT_H

#include "types.h"

#define PIT_HZ 1193182u

/* Channel 0, periodic at hz (IRQ 0). Returns the exact rate obtained. */
uint32_t pit_start_periodic(uint32_t hz);
/* Count TSC cycles over a PIT-timed interval of ms milliseconds (channel 2,
 * polled, interrupts not needed). Returns the TSC frequency in Hz. */
uint64_t pit_calibrate_tsc(uint32_t ms);

#endif
