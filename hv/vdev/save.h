/*
 * The device models' state in a save file (include/public/save.h, device
 * records; hv/hw/save.c writes and reads them). A record's payload is a
 * model's struct up to its callbacks; restore copies it over a scratch copy
 * of the live model (so the callbacks stay the new domain's) and hands it
 * to the model's check below, which refuses what the model could not run
 * from (an index past its array, a count that divides by zero, an address
 * other than the PC's) and moves its times from the saving machine's clock
 * to this one's. Pure: the host unit tests drive them (test_vsave.c).
 *
 * Times: every instant t in a record is system time of the machine that
 * saved it; restored as t + (now - saved_at), clamped at 0, so a deadline
 * keeps its distance from now. An instant more than an hour after
 * saved_at is refused (no model looks that far ahead).
 */
#ifndef HV_VDEV_SAVE_H
#define HV_VDEV_SAVE_H

#include "types.h"
#include "pic.h"
#include "pit.h"
#include "rtc.h"
#include "uart.h"
#include "kbd.h"
#include "pci.h"
#include "post.h"
#include "lapic.h"
#include "ioapic.h"
#include "acpipm.h"

/* The clocks of a restore: when the record was saved, and now. */
struct vsave_clock {
	uint64_t saved_at, now;
};

/* Each: 0, or -1 with *why naming the field. The model is changed only
 * where it passes (the caller throws a refused copy away). */
int vpic_restore_check(struct vpic *p, const char **why);
int vpit_restore_check(struct vpit *p, const struct vsave_clock *c, const char **why);
int vrtc_restore_check(struct vrtc *r, const struct vsave_clock *c, const char **why);
int vuart_restore_check(struct vuart *u, uint16_t base, const struct vsave_clock *c,
			const char **why);
int vkbd_restore_check(struct vkbd *k, const char **why);
int vlapic_restore_check(struct vlapic *l, const struct vsave_clock *c, const char **why);
int vioapic_restore_check(struct vioapic *io, uint64_t base, const char **why);

/* t moved to this machine's clock (above): 0, or -1 if it is too far ahead. */
int vsave_time(uint64_t *t, const struct vsave_clock *c);

#endif
