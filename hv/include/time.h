/*
 * Time: a periodic tick from the hardware timer (scheduling, timeouts) and
 * a monotonic nanosecond clock from the TSC calibrated against the PIT.
 */
#ifndef HV_TIME_H
#define HV_TIME_H

#include "types.h"

#define TIMER_HZ_DEFAULT 100
#define TIMER_HZ_MIN     19             /* the PIT cannot go slower */
#define TIMER_HZ_MAX     10000

extern uint32_t timer_hz;               /* ticks per second (cmdline timer_hz=) */
extern volatile uint64_t timer_ticks;   /* ticks since the timer started */
/* The wall clock (from the CMOS RTC) at time 0, seconds since 1970; 0 if unknown. */
extern uint64_t wallclock_at_boot;

/* Remember the TSC at boot as the clock's origin (needs cpu_detect()). */
void time_mark_boot(void);
/* Calibrate the TSC and start the periodic tick. */
void time_init(void);
/* Nanoseconds since time_mark_boot() (or time_init()); monotonic. */
uint64_t time_now_ns(void);
uint64_t time_tsc_hz(void);
/* ns per TSC cycle, 32.32 fixed point (what shared info publishes). */
uint64_t time_tsc_mul(void);
void time_dump(void);
/* Wait (halting the CPU) until `ticks` more timer ticks have passed. */
void time_wait_ticks(uint32_t ticks);

#endif
