/* vCPU one-shot timers (vtimer.c). */
#ifndef HV_VTIMER_H
#define HV_VTIMER_H

#include "types.h"

struct domain;

/* From the timer tick: tell the technique of every domain whose deadline
 * has passed. */
void vtimers_fire(uint64_t now);
/* Set d's deadline (ns of system time; 0 = none). One already past fires
 * at once. */
void vtimer_set(struct domain *d, uint64_t deadline);

#endif
