/* The PC's CMOS real-time clock (MC146818), read once at boot. */
#ifndef LIB_RTC_H
#define LIB_RTC_H

#include "types.h"

/* Seconds since 1970-01-01 00:00 UTC (the RTC is taken to hold UTC, as
 * QEMU's does by default), or 0 if the clock reads as nonsense. */
uint64_t rtc_read_epoch(void);
/* Days since 1970 of a civil date (pure; the unit tests check it). */
int64_t rtc_days_from_civil(int y, unsigned m, unsigned d);

#endif
