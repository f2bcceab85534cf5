/*
 * The shared-info page: written by the hypervisor, read (and in part written)
 * by the guest, mapped read-write at start_info.shared_info. It carries the
 * virtual interrupt flag, pending events and the time, so none of them needs
 * a hypercall.
 *
 * Events: evtchn_pending has one bit per port. The hypervisor sets a bit and,
 * if it is not masked in evtchn_mask, sets vcpu.evtchn_upcall_pending; when
 * evtchn_upcall_mask is 0 it then calls the guest's event callback on its
 * kernel stack with upcall_mask set to 1 (the callback's "interrupt gate").
 * The guest clears the bits it handled (atomically: lock btr), and re-enables
 * by writing upcall_mask = 0; if upcall_pending is set at that point it must
 * make any hypercall (RV_HC_version is cheap) to have the events delivered.
 *
 * Time: system time in ns since the hypervisor booted is
 *   system_time + ((rdtsc() - tsc_timestamp) * tsc_mul) >> 32
 * read as a consistent snapshot: re-read while version is odd or changed.
 */
#ifndef RINGVISOR_PUBLIC_SHARED_INFO_H
#define RINGVISOR_PUBLIC_SHARED_INFO_H

#include "ringvisor.h"

#define RV_SHARED_INFO_MAGIC    0x48535652u     /* "RVSH" */
#define RV_NR_EVENT_PORTS       256

struct rv_vcpu_time {
	uint32_t version;               /* odd while being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp;         /* TSC when system_time was taken */
	uint64_t system_time;           /* ns since boot at tsc_timestamp */
	uint64_t tsc_mul;               /* ns per TSC cycle, 32.32 fixed point */
};

struct rv_vcpu_info {
	uint8_t evtchn_upcall_pending;  /* an unmasked event is pending */
	uint8_t evtchn_upcall_mask;     /* the virtual interrupt flag: 1 = events off */
	uint16_t pad0;
	uint32_t fault_addr;            /* the faulting address (CR2) of the last #PF */
	struct rv_vcpu_time time;
};

struct rv_shared_info {
	uint32_t magic;                 /* RV_SHARED_INFO_MAGIC */
	uint32_t revision;              /* (RV_ABI_MAJOR << 16) | RV_ABI_MINOR */
	struct rv_vcpu_info vcpu;       /* one vCPU per domain for now */
	uint32_t evtchn_pending[RV_NR_EVENT_PORTS / 32];
	uint32_t evtchn_mask[RV_NR_EVENT_PORTS / 32];
	uint32_t wc_version;            /* wall clock at system time 0: odd while updated */
	uint32_t wc_sec;                /* seconds since 1970 */
	uint32_t wc_nsec;
	uint32_t pad1;
};

RV_BUILD_ASSERT(sizeof(struct rv_vcpu_time) == 32, "vcpu time layout");
RV_BUILD_ASSERT(sizeof(struct rv_vcpu_info) == 40, "vcpu info layout");
RV_BUILD_ASSERT(sizeof(struct rv_shared_info) == 8 + 40 + 64 + 16, "shared info layout");

#endif
