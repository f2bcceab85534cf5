/*
 * The emulated 8042 keyboard controller of a PC/AT with a keyboard on its
 * first port (hv/vdev/kbd.c): data at 0x60, status (read) and command
 * (write) at 0x64, and the "system control port A" at 0x92, whose fast A20
 * and fast reset bits are the same story as the 8042's output port. Pure:
 * no hardware is touched; scancodes come in through vkbd_key(), and the
 * IRQ lines (1: keyboard, 12: auxiliary), the A20 gate and a reset request
 * go out through callbacks. The host unit test drives it through a
 * vdev_table (tests/unit/test_vkbd.c).
 *
 * Modelled, controller (commands written to 0x64):
 *   0x20-0x3f  read controller RAM byte n (0x20: the command byte)
 *   0x60-0x7f  write it (the next byte to 0x60); command byte bits:
 *              0 IRQ 1 enable, 1 IRQ 12 enable, 2 SYS flag (status bit 2),
 *              4 keyboard disabled, 5 aux disabled, 6 translation
 *   0xa7/0xa8  aux disable/enable (command byte bit 5)
 *   0xa9 0xab  aux / keyboard interface test: 0x00 (no fault)
 *   0xaa       self-test: 0x55
 *   0xad/0xae  keyboard disable/enable (command byte bit 4)
 *   0xd0/0xd1  read/write the output port: bit 0 reset (0 = reset the
 *              CPU), bit 1 A20, bits 4/5 read as the buffer-full lines
 *   0xd2/0xd3  the next byte to 0x60 comes back as keyboard/aux data
 *   0xdd/0xdf  A20 off/on (a shortcut some controllers have)
 *   0xf0-0xff  pulse output port bits 0-3 low where the command's are 0:
 *              bit 0 (0xfe, 0xf0, ...) is a reset
 * Status (0x64): OBF (0), IBF (1, always 0: a byte written is taken at
 * once), SYS (2), A2 (3: the last write was a command), keyboard not
 * inhibited (4, always 1), AUX data (5). Reading 0x60 empties the output
 * buffer; the next waiting byte then takes its place. IRQ 1 is high while
 * the output buffer holds keyboard data and command byte bit 0 is set (IRQ
 * 12 likewise for aux data and bit 1): the lines are reported through the
 * irq callback on every change. A read of 0x60 drops the line before the
 * next waiting byte raises it again, so an edge-triggered PIC sees one
 * interrupt per byte (Linux's i8042 handler reads one byte per interrupt).
 *
 * Modelled, keyboard (bytes written to 0x60 when no controller command
 * waits for one): 0xff reset (0xfa, then 0xaa: self-test passed; scanning
 * on), 0xf2 identify (0xfa 0xab 0x83, or 0xab 0x41 with translation: the
 * 8042 translates the 0x83), 0xf4 enable / 0xf5 disable scanning, 0xf6
 * defaults, 0xed LEDs + byte, 0xf3 typematic + byte, 0xf0 scancode set +
 * byte (0 asks: 0xfa then 2), 0xee echo (0xee, no ACK); 0xfa for every
 * accepted byte, 0xfe (resend) for an unknown command. Scancodes injected
 * by the hypervisor wait in the keyboard's own 16-byte buffer (replies get
 * 4 more bytes, so a full buffer never loses an ACK) and come out
 * one per read while scanning is on and the keyboard interface is enabled.
 *
 * Port 0x92: bit 1 A20 (the gate is open when this bit or the 8042's
 * output-port bit 1 is set, as the PIIX and later chipsets OR them), bit 0
 * fast reset (a 0-to-1 write requests a reset; it reads back as written).
 *
 * Left out: the aux device (no mouse: 0xd4's byte is dropped, so a driver
 * probing for one times out; 0xd3 still works for Linux's AUX loop test),
 * translation of injected scancodes (the hypervisor injects what the guest
 * should read: set 1 with translation on, as every PC boots); typematic
 * repeat, LEDs and the scancode set have no effect; the input port (0xc0),
 * test inputs (0xe0) and password commands are ignored; parity and timeout
 * errors never happen. Accesses wider than a byte: -EINVAL, all ones.
 * At init, as a BIOS leaves it: command byte 0x45 (IRQ 1 on, SYS, XLATE),
 * A20 open, scanning on, buffers empty.
 */
#ifndef HV_VDEV_KBD_H
#define HV_VDEV_KBD_H

#include "types.h"
#include "vdev.h"

#define VKBD_DATA       0x60
#define VKBD_CMD        0x64            /* status when read */
#define VKBD_PORT_A     0x92
#define VKBD_QUEUE      16              /* keys the keyboard buffers */
#define VKBD_FIFO       20              /* ... plus room for its replies */

/* What the controller tells the hypervisor; any may be NULL. */
struct vkbd_ops {
	void (*irq)(void *opaque, unsigned line, bool level);  /* line 1 or 12 */
	void (*a20)(void *opaque, bool open);                   /* on every change */
	void (*reset)(void *opaque);    /* the guest pulsed the CPU's reset */
	void *opaque;
};

/* A small ring of bytes. */
struct vkbd_fifo {
	uint8_t b[VKBD_FIFO];
	unsigned head, count;
};

struct vkbd {
	uint8_t ram[32];                /* controller RAM; ram[0] = command byte */
	uint8_t outport;                /* output port bits 0-3, 6, 7 as written */
	uint8_t port_a;                 /* port 0x92 */
	uint8_t pending;                /* a controller command waiting for its byte, or 0 */
	uint8_t kbd_pending;            /* a keyboard command waiting for its byte, or 0 */
	bool a2;                        /* the last write went to 0x64 */
	bool obf, obf_aux;              /* the output buffer holds a byte (from aux) */
	uint8_t out;                    /* ... this one */
	struct vkbd_fifo ctrl;          /* the controller's replies, first out */
	struct vkbd_fifo kbd;           /* the keyboard's bytes: replies and keys */
	struct vkbd_fifo aux;           /* 0xd3's bytes */
	bool scanning;                  /* the keyboard sends keys (0xf4/0xf5) */
	uint8_t leds, typematic, set;
	bool irq1, irq12, a20;          /* the lines as last reported */
	struct vkbd_ops ops;
};

/* Reset the controller and keyboard (as above) and claim 0x60, 0x64 and
 * 0x92 of t: vdev_register's errors (some ports may then be claimed). ops
 * may be NULL. The a20 callback is not called for the initial open gate. */
int vkbd_init(struct vkbd *k, struct vdev_table *t, const struct vkbd_ops *ops);
/* A byte of a scancode typed for the guest: 0 when it is in the keyboard's
 * buffer, -EAGAIN when that is full (the key is lost, as on a keyboard),
 * -EBUSY when the guest has turned scanning off (0xf5). */
int vkbd_key(struct vkbd *k, uint8_t code);
/* Whether the A20 gate is open (for the hypervisor's address masking). */
bool vkbd_a20(const struct vkbd *k);

#endif
