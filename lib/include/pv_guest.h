/*
 * What every paravirtualized guest of ringvisor needs first, for ringos's pv
 * port and the pv test guests alike: the hypercall stub (the register
 * convention of include/public/hypercall.h) and the reader of the vCPU's
 * time in shared info.
 */
#ifndef LIB_PV_GUEST_H
#define LIB_PV_GUEST_H

#include "types.h"
#include <public/hypercall.h>
#include <public/shared_info.h>

/* Hypercall nr with up to five arguments: the handler's result (a negative
 * RV_E* value on error). */
static inline int32_t hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
				uint32_t a5)
{
	int32_t ret;
	__asm__ volatile("int $0x82"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory");
	return ret;
}

/*
 * Nanoseconds since the hypervisor booted: system_time plus the TSC cycles
 * since tsc_timestamp scaled by tsc_mul (32.32 fixed point), the exact
 * 64x64 >> 32 product (clock_scale_apply), read again while version is odd
 * or changes under us.
 */
uint64_t pv_time_ns(const volatile struct rv_vcpu_time *t);

#endif
