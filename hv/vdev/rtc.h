/*
 * The emulated MC146818 CMOS real-time clock (hv/vdev/rtc.c) for hw and bt
 * domains: the index at port 0x70 (bit 7, the chipset's NMI-disable bit,
 * is kept in nmi_disabled but does not select a register), the data at
 * 0x71. Pure: no hardware is touched; time comes in as nanoseconds of
 * system time and the clock is the wall clock at system time 0 plus that,
 * plus an offset the guest sets.
 *
 * Modelled: the time registers 0x00, 0x02, 0x04, 0x06-0x09 and the century
 * 0x32, computed from the wall clock at the instant of the read, in BCD or
 * binary (register B bit 2) and 24- or 12-hour (bit 1; PM in bit 7 of the
 * hours); writes to them change the clock (while SET, B bit 7, is set they
 * go to a held copy that the clock starts from when SET is cleared, its
 * second boundaries then counted from that instant; without SET a write
 * takes effect at once). Register A: UIP (bit 7) is computed, set during
 * the last 244 us before each second boundary and clear while SET is set;
 * the divider and rate bits are stored. Register B stored. Register C,
 * cleared by reading: PF (bit 6) set at every edge of the periodic rate
 * (A bits 3-0: 3.90625 ms, 7.8125 ms, then 122.070 us doubling up to
 * 500 ms for rates 3-15, off for 0 or a divider other than 010); AF (bit
 * 5) when an update lands on a second matching the alarm registers 0x01,
 * 0x03, 0x05 (compared as encoded, BCD or binary, 12- or 24-hour; a value
 * 0xc0-0xff matches anything); UF (bit 4) at every update (a second
 * boundary). The flags are set whatever B says; IRQF (bit 7) is set when
 * one of them is and its enable in B (PIE 6, AIE 5, UIE 4) is too. irq8
 * (IRQ 8) is told level high when IRQF is set (at vrtc_set_time or an
 * access) and low when C is read; vrtc_next_event_ns says when to look
 * next. Register D reads 0x80 (VRT). The alarm registers and the 114 bytes
 * of RAM 0x0e-0x7f (0x32 excepted) are stored and read back.
 *
 * Left out: the divider's other effects (the clock runs whatever register
 * A's bits 6-4 say; only the periodic interrupt stops), the square-wave
 * output (B bit 3), the daylight-saving bit (B bit 0, stored, no effect).
 * The periodic edges count from system time 0, not from the last divider
 * reset. Register D and the flags of C ignore writes. Port 0x70 is
 * write-only: reads give 0xff.
 * Accesses wider than a byte: -EINVAL (reads 0xff). Every 7-bit index
 * names a byte, so no index reads as unknown.
 * At init the RAM is zeroed: neither ringos (lib/rtc.c reads A, B, the
 * time and 0x32) nor Linux's RTC driver reads any BIOS byte of it;
 * vrtc_set_memory() fills in the memory sizes a BIOS would leave.
 * A = 0x26 (32.768 kHz divider, 1024 Hz rate), B = 0x02 (BCD, 24-hour),
 * as a BIOS leaves them.
 */
#ifndef HV_VDEV_RTC_H
#define HV_VDEV_RTC_H

#include "types.h"
#include "vdev.h"

#define VRTC_PORT       0x70            /* 0x70 index, 0x71 data */
#define VRTC_UIP_NS     244000u         /* UIP before each second boundary */

/* The clock's fields, binary, hour 0-23, wday 1 (Sunday)-7, year 0-99. */
struct vrtc_time {
	uint8_t sec, min, hour, wday, day, mon, year, century;
};

struct vrtc {
	uint64_t wall0_ns;              /* Unix time in ns at system time 0 */
	int64_t offset_ns;              /* what the guest's writes added */
	uint64_t now_ns;                /* system time accesses are judged at */
	uint64_t seen_s;                /* the clock's second when UF and AF were last judged */
	uint64_t pf_seen_ns;            /* the system time PF was last judged at */
	struct vrtc_time held;          /* the fields frozen while SET */
	uint8_t index;                  /* 0x00-0x7f */
	bool nmi_disabled;              /* bit 7 of the last index written */
	uint8_t a, b, c;                /* A's divider and rate bits; B; C's flags */
	bool irq_level;                 /* what irq8 was last told */
	uint8_t ram[128];               /* alarms and 0x0e-0x7f */
	void (*irq8)(void *opaque, bool level);
	void *opaque;
};

/* Reset the device (time 0; A, B, RAM as above) and claim ports 0x70-0x71
 * of t: vdev_register's errors. irq8 may be NULL. */
int vrtc_init(struct vrtc *r, struct vdev_table *t, uint64_t wallclock_ns_at_zero,
	      void (*irq8)(void *opaque, bool level), void *opaque);
/* The system time the next accesses are judged at (never goes back); an
 * update since the last call sets UF, and IRQF and irq8 if UIE is set. */
void vrtc_set_time(struct vrtc *r, uint64_t now_ns);
/* The clock's fields at the current time (held ones while SET). */
void vrtc_time(const struct vrtc *r, struct vrtc_time *tm);
/* The first whole nanosecond of system time at which IRQF will be set (a
 * periodic edge with PIE, an update with UIE, an alarm with AIE), for the
 * hypervisor to arm a timer; UINT64_MAX if none will, or if IRQF is set
 * already (the line stays high until the guest reads C: ask again after
 * every access). */
uint64_t vrtc_next_event_ns(const struct vrtc *r);
/* Fill the NVRAM bytes in which a BIOS leaves the memory size, for ram_bytes
 * of RAM from address 0: 0x15-0x16 base memory in KiB (640), 0x17-0x18 and
 * 0x30-0x31 memory from 1 MiB in KiB (at most 0xffff: 65 MiB), 0x34-0x35
 * memory from 16 MiB in 64 KiB units; and the checksum of 0x10-0x2d at
 * 0x2e (high byte) and 0x2f. Words are little-endian, low byte first. */
void vrtc_set_memory(struct vrtc *r, uint64_t ram_bytes);

#endif
