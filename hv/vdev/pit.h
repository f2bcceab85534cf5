/*
 * The emulated Intel 8254 PIT (hv/vdev/pit.c) for hw and bt domains:
 * channels 0-2 at ports 0x40-0x42, the control word at 0x43. Pure: no
 * hardware is touched; time comes in as nanoseconds of the domain's clock
 * and the counters run at VPIT_HZ. Channel 0's output is IRQ 0, reported
 * through the irq0 callback by vpit_update() and after every access.
 *
 * Modelled: control words (channel, latch / lobyte / hibyte / lobyte then
 * hibyte, modes 0-5 with 6 and 7 as 2 and 3), counts (0 = 65536), reads of
 * the current count with the lo/hi flip-flop, the counter-latch command,
 * the read-back command (count and status: OUT, null count, access, mode,
 * BCD), the outputs of modes 0, 2, 3 and 4. A count is loaded at the
 * instant of its write (the datasheet's one-clock delay is not modelled);
 * in modes 2 and 3 a new count written without a control word takes effect
 * at the end of the current period, as on the chip.
 * Port 0x61 (system control port B) is part of this device, since it is
 * channel 2's gate and OUT: bit 0 channel 2's gate, bits 1-3 (speaker
 * data, parity and channel check enables) stored, bit 4 the refresh
 * toggle (flips every 15.085 us of the clock), bit 5 channel 2's OUT; bits
 * 6-7 (parity and IOCHK errors) read 0. The gates follow the datasheet:
 * modes 1 and 5 start (and restart) on a rising gate edge; a low gate
 * holds the count in modes 0 and 4 and resumes it on the rise; in modes 2
 * and 3 it holds the count, forces OUT high, and the rise restarts the
 * period with the full count. Channels 0 and 1 have their gates wired
 * high, as on a PC, so modes 1 and 5 never trigger there. The guests' TSC
 * calibration (gate on, channel 2 mode 0, poll 0x61 bit 5) works.
 * Refused / left out: BCD counting (a control word with bit 0 set is
 * ignored, -EINVAL); accesses wider than a byte (-EINVAL, reads 0xff);
 * the speaker (bit 1 is only stored), NMI sources of 0x61. Count 1 in
 * modes 2 and 3 (illegal on the chip) counts as 2. A count written in mode
 * 1 or 5 waits for the next trigger. Port 0x43 is write-only: reads 0xff.
 */
#ifndef HV_VDEV_PIT_H
#define HV_VDEV_PIT_H

#include "types.h"
#include "vdev.h"

#define VPIT_HZ         1193182u        /* the counters' clock */
#define VPIT_PORT       0x40            /* 0x40-0x42 channels, 0x43 control */

struct vpit_channel {
	uint32_t count;                 /* the count in use, 1..65536 */
	uint64_t load_ns;               /* when it started counting */
	uint32_t next_count;            /* modes 2/3: a count waiting for the period's end */
	uint64_t next_ns;               /* ... which begins then */
	bool pending;                   /* next_count is waiting */
	bool counting;                  /* a count has been loaded */
	bool null_count;                /* written but not yet loaded (status bit 6) */
	uint32_t init;                  /* the count register: what a trigger loads */
	bool gate;                      /* the GATE input (channel 2: port 0x61 bit 0) */
	bool frozen;                    /* gate low stopped counting ... */
	uint64_t base_ticks;            /* ... after this many ticks (added to load_ns's) */
	bool triggered;                 /* modes 1, 5: a gate edge started the count */
	uint8_t mode, rw;               /* 0-5; 1 lobyte, 2 hibyte, 3 lo then hi */
	uint8_t wlow;                   /* the low byte of a lo/hi write */
	bool wflip, rflip;              /* the next write / read is the high byte */
	uint16_t latch;                 /* the latched count */
	uint8_t latch_left;             /* latched bytes still to read (0-2) */
	bool status_latched;
	uint8_t status;
};

struct vpit {
	struct vpit_channel ch[3];
	uint64_t now_ns;                /* the clock accesses are judged at */
	uint64_t seen_ns;               /* irq0 is up to date until then */
	bool irq_level;                 /* what irq0 was last told */
	uint8_t port_b;                 /* port 0x61's writable bits 0-3 */
	void (*irq0)(void *opaque, bool level);
	void *opaque;
};

/* Reset the device (channels unprogrammed, OUT high, time 0, channel 2's
 * gate low) and claim ports 0x40-0x43 and 0x61 of t: vdev_register's
 * errors. irq0 may be NULL. */
int vpit_init(struct vpit *p, struct vdev_table *t, void (*irq0)(void *opaque, bool level),
	      void *opaque);
/* The time the next accesses are judged at (never goes back). */
void vpit_set_time(struct vpit *p, uint64_t now_ns);
/* The first whole nanosecond at or after which channel 0's OUT has changed
 * from what it is at the device's current time (the exact instant rounded
 * up): the hypervisor arms a timer for it. UINT64_MAX if it never will. */
uint64_t vpit_next_event_ns(const struct vpit *p);
/* Advance to now_ns and tell irq0 how channel 0's OUT changed: the new
 * level, and a low-high pulse if a rising edge (an interrupt) happened in
 * between. Several edges missed since the last call come out as one. */
void vpit_update(struct vpit *p, uint64_t now_ns);
/* Channel c's OUT at the current time (for tests and the debug keys). */
bool vpit_out(const struct vpit *p, unsigned c);

#endif
