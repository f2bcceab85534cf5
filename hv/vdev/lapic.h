/*
 * The emulated local APIC of one vCPU (hv/vdev/lapic.c) for hw domains:
 * 4 KiB of MMIO at 0xfee00000 (guest-physical), a Pentium 4 / Xeon style
 * xAPIC (version 0x14, six LVT entries). Pure: no hardware is touched;
 * time comes in as nanoseconds of the domain's clock, the timer counts a
 * bus clock of VLAPIC_BUS_HZ, interrupts come in with vlapic_accept() (from
 * the I/O APIC, the timer, self IPIs) and leave through queries: the
 * technique asks vlapic_pending() for the vector the vCPU should take and
 * runs the acknowledge with vlapic_ack(). An EOI of a level-triggered
 * vector is broadcast through the eoi callback (to vioapic_eoi()).
 * The host unit tests drive it through a vdev_table
 * (tests/unit/test_vlapic.c). What is modelled and left out: docs/apic.md.
 * Private to hv/vdev/.
 */
#ifndef HV_VDEV_LAPIC_H
#define HV_VDEV_LAPIC_H

#include "types.h"
#include "vdev.h"

#define VLAPIC_BASE     0xfee00000u
#define VLAPIC_SIZE     0x1000u
/* The bus clock the timer divides (before the divide configuration).
 * Guests measure it against the PIT; 100 MHz makes one tick 10 ns. */
#define VLAPIC_BUS_HZ   100000000u
#define VLAPIC_VERSION  0x00050014u     /* max LVT entry 5, version 0x14 */

/* Register offsets (Intel SDM vol. 3, table 10-1). */
#define APIC_ID         0x020
#define APIC_LVR        0x030
#define APIC_TPR        0x080
#define APIC_APR        0x090
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_RRD        0x0c0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100           /* 8 registers, 0x10 apart */
#define APIC_TMR        0x180
#define APIC_IRR        0x200
#define APIC_ESR        0x280
#define APIC_ICR_LO     0x300
#define APIC_ICR_HI     0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_THERM  0x330
#define APIC_LVT_PERF   0x340
#define APIC_LVT_LINT0  0x350
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERROR  0x370
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0

#define APIC_SVR_ENABLE         (1u << 8)
#define APIC_LVT_MASKED         (1u << 16)
#define APIC_LVT_PERIODIC       (1u << 17)      /* timer mode bits 18:17 = 01 */
#define APIC_ESR_SEND_VECTOR    (1u << 5)       /* send illegal vector */
#define APIC_ESR_RECV_VECTOR    (1u << 6)       /* receive illegal vector */
#define APIC_ESR_REGISTER       (1u << 7)       /* illegal register address */

/* Delivery modes (ICR, LVT and I/O APIC redirection entries, bits 10:8). */
enum apic_dm {
	APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
	APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* The LVT entries in register order, 0x320 + 0x10 * i. */
enum { VLAPIC_LVT_TIMER, VLAPIC_LVT_THERM, VLAPIC_LVT_PERF, VLAPIC_LVT_LINT0,
       VLAPIC_LVT_LINT1, VLAPIC_LVT_ERROR, VLAPIC_LVTS };

struct vlapic {
	uint32_t id;                    /* APIC ID register (ID in bits 31:24) */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t irr[8], isr[8], tmr[8];        /* bit v % 32 of word v / 32 */
	uint32_t esr;                   /* what the last ESR write latched */
	uint32_t esr_pending;           /* errors since then */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[VLAPIC_LVTS];

	/* The timer: the current count is computed from the time. At
	 * base_ns it was base_count; it falls by one every divide bus clocks;
	 * on reaching 0 it stops (one-shot) or reloads tmict (periodic). */
	uint32_t tmict, tdcr;
	uint32_t base_count;            /* 0: not running */
	uint64_t base_ns;
	uint64_t expired;               /* times it reached 0 so far, as delivered */

	uint64_t now_ns;                /* the clock accesses are judged at */

	void (*eoi)(void *opaque, uint8_t vector);
	void *opaque;

	/* Counted, for the debug keys and the tests. */
	uint64_t bad_accesses;          /* not 4 bytes, or not 4-byte aligned */
	uint64_t ipis_ignored;          /* INIT, SIPI, NMI, SMI: not modelled */
	uint64_t ipis_dropped;          /* fixed IPIs for another CPU */
	uint64_t irqs_dropped;          /* fixed interrupts while software-disabled */
};

/* Reset the local APIC as at power-up (SDM 10.12.5.1: ID apic_id,
 * everything 0 but DFR all ones, SVR 0xff: software-disabled, every LVT
 * masked) and claim VLAPIC_BASE..+4 KiB of t's MMIO: vdev_register's
 * errors. eoi may be NULL; it is called with opaque. */
int vlapic_init(struct vlapic *l, struct vdev_table *t, uint8_t apic_id,
		void (*eoi)(void *opaque, uint8_t vector), void *opaque);
/* What a PC BIOS leaves for the OS (MP spec 3.6.2.2, virtual wire mode):
 * software-enabled, LINT0 ExtINT (the 8259A's INTR), LINT1 NMI. */
void vlapic_virtual_wire(struct vlapic *l);
/* LINT0 is an unmasked ExtINT input: the 8259A's INTR reaches the vCPU
 * (the technique then takes vectors from vpic_ack()). */
bool vlapic_extint(const struct vlapic *l);

/* The time the next accesses are judged at (never goes back). */
void vlapic_set_time(struct vlapic *l, uint64_t now_ns);
/* Advance to now_ns: a timer that reached 0 since the last update raises
 * its interrupt (several periods missed come out as one). */
void vlapic_update(struct vlapic *l, uint64_t now_ns);
/* The first whole nanosecond at which the timer next reaches 0, after
 * the current time: the hypervisor arms a timer for it. UINT64_MAX when it
 * will not interrupt (stopped, expired one-shot, masked). */
uint64_t vlapic_next_event_ns(const struct vlapic *l);

/* An interrupt arrives with this vector, level or edge triggered (sets
 * IRR, and TMR for level). Vectors 0-15 are illegal: refused with the
 * receive-illegal-vector error. A software-disabled APIC drops it. */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level);
/* A bus message for destination dest (physical: an APIC ID, 0xff for all;
 * logical: matched against LDR under DFR's flat or cluster model) with a
 * delivery mode: fixed and lowest priority are accepted, the others (NMI,
 * INIT, SIPI, SMI, ExtINT) counted and ignored. True if the vector went
 * into IRR (not for an illegal vector or a software-disabled APIC). For
 * the I/O APIC's delivery callback. */
bool vlapic_deliver(struct vlapic *l, uint8_t dest, bool logical, unsigned mode, uint8_t vector,
		    bool level);
/* Is this APIC one of the destinations of dest? */
bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical);
/* The processor priority (PPR) from TPR and the highest vector in service. */
uint8_t vlapic_ppr(const struct vlapic *l);
/* The vector the vCPU should take next: the highest requested, if its
 * priority class (bits 7:4) is above PPR's. -1 if none. */
int vlapic_pending(const struct vlapic *l);
/* The vCPU takes vector (from vlapic_pending): IRR to ISR. -ENOENT if the
 * vector was not requested. */
int vlapic_ack(struct vlapic *l, uint8_t vector);

#endif
