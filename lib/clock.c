/* Counter-to-nanosecond scaling (pure; see clock.h). */
#include "clock.h"
#include <public/errno.h>

int clock_scale_init(struct clock_scale *s, uint64_t hz)
{
	if (hz == 0 || hz > 0xffffffffull)
		return -RV_EINVAL;
	s->hz = hz;
	s->mult = (1000000000ull << 32) / hz;
	return 0;
}

uint64_t clock_scale_apply(const struct clock_scale *s, uint64_t cycles)
{
	uint64_t c_hi = cycles >> 32, c_lo = cycles & 0xffffffffu;
	uint64_t m_hi = s->mult >> 32, m_lo = s->mult & 0xffffffffu;

	/* (c_hi*2^32 + c_lo) * (m_hi*2^32 + m_lo) / 2^32, term by term; every
	 * product is 32x32 bits, so nothing overflows before the result does. */
	return ((c_hi * m_hi) << 32) + c_hi * m_lo + c_lo * m_hi + ((c_lo * m_lo) >> 32);
}
