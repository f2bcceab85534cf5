/*
 * Fixed-point conversion of a counter (the TSC) to nanoseconds without
 * 128-bit arithmetic: ns = cycles * mult / 2^32, with mult = 1e9 * 2^32 / hz
 * held in 64 bits. Pure, so the host unit tests check it against exact math.
 */
#ifndef LIB_CLOCK_H
#define LIB_CLOCK_H

#include "types.h"

struct clock_scale {
	uint64_t hz;            /* counter frequency */
	uint64_t mult;          /* ns per cycle, 32.32 fixed point */
};

/* 0, or -RV_EINVAL if hz is 0 or 2^32 or more. */
int clock_scale_init(struct clock_scale *s, uint64_t hz);
uint64_t clock_scale_apply(const struct clock_scale *s, uint64_t cycles);

#endif
