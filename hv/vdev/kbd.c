/*
 * The emulated 8042 and its keyboard (kbd.h). The controller has one
 * output buffer; three sources wait to fill it, in this order: the
 * controller's own replies (to 0x20, 0xaa, 0xd0, 0xd2, ...), the
 * keyboard's bytes (its ACKs and the keys typed) while the keyboard
 * interface is enabled, and aux bytes (0xd3) while the aux interface is.
 * A byte moves into the output buffer when it empties (a read of 0x60) or
 * when a byte arrives at an empty one. Nothing waits on time: a command's
 * reply is there by the time the guest next reads the status.
 */
#include "kbd.h"
#include "errno.h"
#include "string.h"

#define ST_OBF          0x01
#define ST_SYS          0x04
#define ST_A2           0x08
#define ST_UNLOCKED     0x10            /* the keylock does not inhibit the keyboard */
#define ST_AUX          0x20

#define CB_IRQ1         0x01
#define CB_IRQ12        0x02
#define CB_SYS          0x04
#define CB_KBD_OFF      0x10
#define CB_AUX_OFF      0x20
#define CB_XLATE        0x40

#define OP_RESET        0x01            /* 0: the CPU is held in reset */
#define OP_A20          0x02
#define OP_OBF          0x10            /* read back: IRQ 1's buffer-full line */
#define OP_AUX_OBF      0x20            /* ... IRQ 12's */

#define PA_RESET        0x01
#define PA_A20          0x02

#define KB_ACK          0xfa
#define KB_RESEND       0xfe
#define KB_BAT_OK       0xaa
#define KB_TYPEMATIC    0x2b            /* 10.9 cps, 500 ms: the power-on default */

static void fifo_clear(struct vkbd_fifo *f)
{
	f->head = f->count = 0;
}

static void fifo_put(struct vkbd_fifo *f, uint8_t b)
{
	if (f->count == VKBD_FIFO)
		return;                 /* cannot happen for replies: room is kept */
	f->b[(f->head + f->count++) % VKBD_FIFO] = b;
}

static uint8_t fifo_get(struct vkbd_fifo *f)
{
	uint8_t b = f->b[f->head];
	f->head = (f->head + 1) % VKBD_FIFO;
	f->count--;
	return b;
}

bool vkbd_a20(const struct vkbd *k)
{
	return (k->outport & OP_A20) || (k->port_a & PA_A20);
}

static void report(struct vkbd *k)
{
	uint8_t cb = k->ram[0];
	bool irq1 = k->obf && !k->obf_aux && (cb & CB_IRQ1);
	bool irq12 = k->obf && k->obf_aux && (cb & CB_IRQ12);
	bool a20 = vkbd_a20(k);
	if (irq1 != k->irq1) {
		k->irq1 = irq1;
		if (k->ops.irq)
			k->ops.irq(k->ops.opaque, 1, irq1);
	}
	if (irq12 != k->irq12) {
		k->irq12 = irq12;
		if (k->ops.irq)
			k->ops.irq(k->ops.opaque, 12, irq12);
	}
	if (a20 != k->a20) {
		k->a20 = a20;
		if (k->ops.a20)
			k->ops.a20(k->ops.opaque, a20);
	}
}

/* Move the first waiting byte into an empty output buffer. */
static void refill(struct vkbd *k)
{
	if (k->obf)
		return;
	struct vkbd_fifo *from = NULL;
	if (k->ctrl.count)
		from = &k->ctrl;
	else if (k->kbd.count && !(k->ram[0] & CB_KBD_OFF))
		from = &k->kbd;
	else if (k->aux.count && !(k->ram[0] & CB_AUX_OFF))
		from = &k->aux;
	if (!from)
		return;
	k->out = fifo_get(from);
	k->obf = true;
	k->obf_aux = from == &k->aux;
}

static void pulse_reset(struct vkbd *k)
{
	if (k->ops.reset)
		k->ops.reset(k->ops.opaque);
}

static void keyboard_defaults(struct vkbd *k)
{
	k->typematic = KB_TYPEMATIC;
	k->leds = 0;
	k->set = 2;
	k->kbd_pending = 0;
}

static void kbd_reply(struct vkbd *k, uint8_t b)
{
	fifo_put(&k->kbd, b);
}

/* A byte for the keyboard (0x60 with no controller command waiting). */
static void keyboard_write(struct vkbd *k, uint8_t v)
{
	if (k->kbd_pending) {
		uint8_t cmd = k->kbd_pending;
		k->kbd_pending = 0;
		switch (cmd) {
		case 0xed: k->leds = v & 7; break;
		case 0xf3: k->typematic = v & 0x7f; break;
		case 0xf0:
			if (v > 3) {
				kbd_reply(k, KB_RESEND);
				return;
			}
			kbd_reply(k, KB_ACK);
			if (v == 0)
				kbd_reply(k, k->set);
			else
				k->set = v;
			return;
		}
		kbd_reply(k, KB_ACK);
		return;
	}
	switch (v) {
	case 0xff:                      /* reset: ACK, then the self-test result */
		fifo_clear(&k->kbd);
		keyboard_defaults(k);
		k->scanning = true;
		kbd_reply(k, KB_ACK);
		kbd_reply(k, KB_BAT_OK);
		return;
	case 0xf2:                      /* identify: an MF2 keyboard */
		kbd_reply(k, KB_ACK);
		kbd_reply(k, 0xab);
		kbd_reply(k, k->ram[0] & CB_XLATE ? 0x41 : 0x83);
		return;
	case 0xf4:
	case 0xf5:
	case 0xf6:                      /* each empties the keyboard's buffer */
		fifo_clear(&k->kbd);
		if (v != 0xf4)
			keyboard_defaults(k);
		if (v != 0xf6)
			k->scanning = v == 0xf4;
		kbd_reply(k, KB_ACK);
		return;
	case 0xee:
		kbd_reply(k, 0xee);     /* echo: no ACK */
		return;
	case 0xed:
	case 0xf3:
	case 0xf0:
		k->kbd_pending = v;
		kbd_reply(k, KB_ACK);
		return;
	default:
		kbd_reply(k, KB_RESEND);
	}
}

/* The output port as 0xd0 reads it. */
static uint8_t outport_read(const struct vkbd *k)
{
	uint8_t v = k->outport & (uint8_t)~(OP_OBF | OP_AUX_OBF);
	if (k->obf)
		v |= k->obf_aux ? OP_AUX_OBF : OP_OBF;
	return v;
}

static void outport_write(struct vkbd *k, uint8_t v)
{
	k->outport = v;
	report(k);                      /* A20 first: the reset may restart all */
	if (!(v & OP_RESET))
		pulse_reset(k);
}

static void data_write(struct vkbd *k, uint8_t v)
{
	uint8_t cmd = k->pending;
	k->a2 = false;
	k->pending = 0;
	if (!cmd) {
		keyboard_write(k, v);
		return;
	}
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = v;
		return;
	}
	switch (cmd) {
	case 0xd1: outport_write(k, v); break;
	case 0xd2: fifo_put(&k->ctrl, v); break;
	case 0xd3: fifo_put(&k->aux, v); break;
	default: break;                 /* 0xd4: no aux device to take it */
	}
}

static void command_write(struct vkbd *k, uint8_t cmd)
{
	k->a2 = true;
	k->pending = 0;                 /* a command cancels one waiting for data */
	if (cmd >= 0x20 && cmd <= 0x3f) {
		fifo_put(&k->ctrl, k->ram[cmd & 0x1f]);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->pending = cmd;
		return;
	}
	if (cmd >= 0xf0) {              /* pulse the output port's low bits */
		if (!(cmd & OP_RESET))
			pulse_reset(k);
		return;
	}
	switch (cmd) {
	case 0xa7: k->ram[0] |= CB_AUX_OFF; break;
	case 0xa8: k->ram[0] &= (uint8_t)~CB_AUX_OFF; break;
	case 0xa9:
	case 0xab: fifo_put(&k->ctrl, 0x00); break;
	case 0xaa: fifo_put(&k->ctrl, 0x55); break;
	case 0xad: k->ram[0] |= CB_KBD_OFF; break;
	case 0xae: k->ram[0] &= (uint8_t)~CB_KBD_OFF; break;
	case 0xd0: fifo_put(&k->ctrl, outport_read(k)); break;
	case 0xdd: k->outport &= (uint8_t)~OP_A20; break;
	case 0xdf: k->outport |= OP_A20; break;
	default: break;                 /* unknown: ignored */
	}
}

static uint8_t status(const struct vkbd *k)
{
	return (uint8_t)((k->obf ? ST_OBF : 0) | (k->ram[0] & CB_SYS ? ST_SYS : 0) |
			 (k->a2 ? ST_A2 : 0) | ST_UNLOCKED | (k->obf && k->obf_aux ? ST_AUX : 0));
}

static uint8_t data_read(struct vkbd *k)
{
	k->obf = k->obf_aux = false;    /* with nothing new, the old byte again */
	return k->out;
}

static int kbd_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vkbd *k = opaque;
	if (size != 1) {
		if (!write)
			*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -EINVAL;
	}
	uint8_t v = (uint8_t)*val;
	bool reset = false;
	switch (addr) {
	case VKBD_DATA:
		if (write) {
			data_write(k, v);
			break;
		}
		*val = data_read(k);
		/* The line drops before the next byte raises it again: the
		 * PIC sees one edge per byte, as it does on a PC, where the
		 * next byte takes a while to come over the wire. */
		report(k);
		break;
	case VKBD_CMD:
		if (write)
			command_write(k, v);
		else
			*val = status(k);
		break;
	default:                        /* 0x92 */
		if (!write) {
			*val = k->port_a;
			break;
		}
		reset = (v & PA_RESET) && !(k->port_a & PA_RESET);
		k->port_a = v & (PA_RESET | PA_A20);
		break;
	}
	refill(k);
	report(k);
	if (reset)
		pulse_reset(k);
	return 0;
}

int vkbd_init(struct vkbd *k, struct vdev_table *t, const struct vkbd_ops *ops)
{
	memset(k, 0, sizeof(*k));
	if (ops)
		k->ops = *ops;
	k->ram[0] = CB_IRQ1 | CB_SYS | CB_XLATE;
	k->outport = 0xcf;              /* not in reset, A20 open, lines idle high */
	k->a20 = true;
	k->scanning = true;
	keyboard_defaults(k);
	int rc = vdev_register(t, VDEV_PIO, VKBD_DATA, 1, kbd_io, k, "kbd data");
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, VKBD_CMD, 1, kbd_io, k, "kbd status/command");
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, VKBD_PORT_A, 1, kbd_io, k, "port92");
	return rc;
}

int vkbd_key(struct vkbd *k, uint8_t code)
{
	if (!k->scanning)
		return -EBUSY;
	if (k->kbd.count >= VKBD_QUEUE)
		return -EAGAIN;
	fifo_put(&k->kbd, code);
	refill(k);
	report(k);
	return 0;
}
