/*
 * Port 0x80, the POST-code port (hv/vdev/post.c). A BIOS writes its
 * progress codes here for a diagnostic card to show, and Linux and other
 * kernels write to it only to waste about a microsecond of bus time between
 * two accesses to a slow device (io_delay). Without a device on it, every
 * such write would be an unclaimed port; here it is accepted and
 * remembered, so the last code a guest wrote before it hung can be shown.
 * Pure: the host unit test drives it (tests/unit/test_vpost.c).
 *
 * Reads give the last byte written (0xff before any write). PCs differ:
 * QEMU and a chipset that only forwards writes to a POST card answer 0xff
 * (nothing drives the bus); chipsets that keep the code in a readable
 * latch for the card (many Intel ICH/PCH and AMD FCH parts do) give back
 * what was written. The latch is chosen because it is the more useful one
 * for debugging and no known guest depends on either. Accesses wider than
 * a byte are refused (-EINVAL, reads all ones): a POST code is a byte.
 */
#ifndef HV_VDEV_POST_H
#define HV_VDEV_POST_H

#include "types.h"
#include "vdev.h"

#define VPOST_PORT      0x80

struct vpost {
	uint8_t last;                   /* the last code written, 0xff before any */
	uint64_t writes;                /* how many were written */
};

/* Reset (no code yet) and claim port 0x80 of t: vdev_register's errors. */
int vpost_init(struct vpost *p, struct vdev_table *t);

#endif
