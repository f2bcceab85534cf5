/* The host local APIC's one-shot timer for vCPU deadlines (apic_timer.c). */
#ifndef HV_APIC_TIMER_H
#define HV_APIC_TIMER_H

#include "types.h"

/* Find, map and set up the local APIC (virtual wire) and measure its
 * timer; without one, deadlines wait for the periodic tick. */
void apic_timer_init(void);
/* Interrupt at (or just after) deadline, in ns of system time, instead of
 * whatever was armed; vtimers_fire() runs then. */
void apic_timer_arm(uint64_t deadline);
/* How many times it fired. */
uint64_t apic_timer_fired(void);

#endif
