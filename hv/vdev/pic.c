/*
 * The emulated 8259A pair (pic.h), after the Intel 8259A datasheet.
 *
 * Modelled: the ICW1-ICW4 sequence (LTIM, SNGL, IC4; ICW2 vector base;
 * ICW3; ICW4 AEOI), OCW1 (IMR), every OCW2 command (non-specific and
 * specific EOI, the rotations, set priority, rotate in AEOI), OCW3 (read
 * IRR/ISR, poll, special mask mode), fully nested priority with rotation,
 * edge and level triggering, the cascade, spurious IR7.
 * Not modelled (accepted and ignored): ICW1 ADI and the MCS-80 address
 * bits, ICW4 8080 mode (always 8086), special fully nested mode, buffered
 * mode; the PIIX ELCR (ports 0x4d0-0x4d1) is not claimed.
 *
 * Edge triggering: a rising edge latches the IRR bit, which stays until
 * the request is acknowledged (so a device may pulse its line); a level
 * line's IRR bit follows the line. The master's IR2 is the slave's INT,
 * an ordinary input of the master (edge or level as the master is
 * programmed); the slave's INT falls during its acknowledge, so a request
 * still pending on the slave after it gives a new edge.
 */
#include "pic.h"
#include "errno.h"
#include "string.h"

/* Rank of the highest-priority bit of mask: 0 is the highest priority
 * level (lowest + 1), 8 if mask is empty. */
static unsigned rank(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned i = 0; i < 8; i++)
		if (mask & (1u << ((c->lowest + 1 + i) & 7)))
			return i;
	return 8;
}

static unsigned level_of(const struct vpic_chip *c, unsigned r)
{
	return (c->lowest + 1 + r) & 7;
}

/* The level the chip would deliver (its INT), -1 if none: the highest
 * unmasked request, if higher than any in service. */
static int chip_irq(const struct vpic_chip *c)
{
	unsigned r = rank(c, c->irr & ~c->imr);
	if (r == 8)
		return -1;
	uint8_t busy = c->isr;
	if (c->special_mask)
		busy &= ~c->imr;
	if (r >= rank(c, busy))
		return -1;
	return (int)level_of(c, r);
}

static void set_line(struct vpic_chip *c, unsigned irq, bool level)
{
	uint8_t bit = (uint8_t)(1u << irq);
	if (c->ltim) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

static bool cascaded(const struct vpic_chip *master)
{
	return !master->single && (master->icw3 & (1u << VPIC_CASCADE_IRQ));
}

/* The slave's INT drives the master's IR2; the master's INT is the CPU's. */
static void update(struct vpic *p)
{
	set_line(&p->master, VPIC_CASCADE_IRQ, chip_irq(&p->slave) >= 0);
	if (chip_irq(&p->master) >= 0)
		p->intr = true;
}

/* The acknowledge of level irq (an INTA or a poll). */
static void intack(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);
	if (!c->ltim)
		c->irr &= ~bit;
	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)irq;
	} else {
		c->isr |= bit;
	}
}

/* The slave was acknowledged: its INT falls, and rises again from
 * update() if another request can go. */
static void slave_acked(struct vpic *p)
{
	set_line(&p->master, VPIC_CASCADE_IRQ, false);
}

static void chip_reset(struct vpic_chip *c, uint8_t vbase, uint8_t icw3)
{
	memset(c, 0, sizeof(*c));
	c->imr = 0xff;
	c->lowest = 7;
	c->vbase = vbase;
	c->icw3 = icw3;
	c->icw4 = true;
}

static void icw1(struct vpic_chip *c, uint8_t v)
{
	c->ltim = v & 0x08;
	c->single = v & 0x02;
	c->icw4 = v & 0x01;
	if (!c->icw4)
		c->aeoi = false;
	/* the edge sense circuit is reset: an input must rise again */
	c->irr = c->ltim ? c->lines : 0;
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	c->init = 2;
}

static void ocw2(struct vpic_chip *c, uint8_t v)
{
	unsigned l = v & 7, r;
	switch (v >> 5) {
	case 0: /* clear rotate in automatic EOI */
		c->rotate_aeoi = false;
		break;
	case 4: /* set rotate in automatic EOI */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		r = rank(c, c->isr);
		if (r == 8)
			break;
		l = level_of(c, r);
		c->isr &= ~(1u << l);
		if (v >> 5 == 5)
			c->lowest = (uint8_t)l;
		break;
	case 3: /* specific EOI */
		c->isr &= ~(1u << l);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << l);
		c->lowest = (uint8_t)l;
		break;
	case 6: /* set priority */
		c->lowest = (uint8_t)l;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void ocw3(struct vpic_chip *c, uint8_t v)
{
	if (v & 0x04)
		c->poll = true;
	if (v & 0x02)
		c->read_isr = v & 0x01;
	if (v & 0x40)
		c->special_mask = v & 0x20;
}

static void data_write(struct vpic_chip *c, uint8_t v)
{
	switch (c->init) {
	case 2:
		c->vbase = v & 0xf8;
		c->init = c->single ? (c->icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = v;
		c->init = c->icw4 ? 4 : 0;
		break;
	case 4:
		/* uPM, SFNM, BUF and M/S are not modelled: 8086 mode, fully nested */
		c->aeoi = v & 0x02;
		c->init = 0;
		break;
	default:
		c->imr = v;
		break;
	}
}

static uint8_t poll_read(struct vpic *p, struct vpic_chip *c)
{
	int irq = chip_irq(c);
	if (irq < 0)
		return 0;
	intack(c, (unsigned)irq);
	if (c == &p->slave)
		slave_acked(p);
	p->intr = false;
	return (uint8_t)(0x80 | irq);
}

static uint8_t port_read(struct vpic *p, struct vpic_chip *c, bool cmd)
{
	if (c->poll) {
		c->poll = false;
		return poll_read(p, c);
	}
	if (!cmd)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void port_write(struct vpic_chip *c, bool cmd, uint8_t v)
{
	if (!cmd)
		data_write(c, v);
	else if (v & 0x10)
		icw1(c, v);
	else if (v & 0x08)
		ocw3(c, v);
	else
		ocw2(c, v);
}

/* A 2-byte access at the command port reaches both ports, as on the bus. */
static int chip_io(struct vpic *p, struct vpic_chip *c, uint16_t base, uint64_t addr,
		   unsigned size, bool write, uint32_t *val)
{
	uint32_t out = 0;
	for (unsigned i = 0; i < size; i++) {
		bool cmd = addr + i == base;
		if (write)
			port_write(c, cmd, (uint8_t)(*val >> (8 * i)));
		else
			out |= (uint32_t)port_read(p, c, cmd) << (8 * i);
		update(p);
	}
	if (!write)
		*val = out;
	return 0;
}

static int master_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vpic *p = opaque;
	return chip_io(p, &p->master, VPIC_MASTER_BASE, addr, size, write, val);
}

static int slave_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vpic *p = opaque;
	return chip_io(p, &p->slave, VPIC_SLAVE_BASE, addr, size, write, val);
}

int vpic_init(struct vpic *p, struct vdev_table *t)
{
	memset(p, 0, sizeof(*p));
	chip_reset(&p->master, 0x08, 1u << VPIC_CASCADE_IRQ);
	chip_reset(&p->slave, 0x70, VPIC_CASCADE_IRQ);
	int rc = vdev_register(t, VDEV_PIO, VPIC_MASTER_BASE, 2, master_io, p, "pic master");
	if (rc)
		return rc;
	rc = vdev_register(t, VDEV_PIO, VPIC_SLAVE_BASE, 2, slave_io, p, "pic slave");
	if (rc)
		vdev_unregister(t, VDEV_PIO, VPIC_MASTER_BASE);
	return rc;
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq >= 16 || irq == VPIC_CASCADE_IRQ)
		return;
	if (irq < 8)
		set_line(&p->master, irq, level);
	else
		set_line(&p->slave, irq - 8, level);
	update(p);
}

bool vpic_pending(const struct vpic *p)
{
	return chip_irq(&p->master) >= 0;
}

int vpic_ack(struct vpic *p)
{
	int m = chip_irq(&p->master), vec;
	if (m < 0) {
		if (!p->intr)
			return -1;
		p->intr = false;
		return p->master.vbase + 7;     /* spurious: nothing goes in service */
	}
	p->intr = false;
	intack(&p->master, (unsigned)m);
	if (m == VPIC_CASCADE_IRQ && cascaded(&p->master)) {
		int s = chip_irq(&p->slave);
		if (s < 0) {
			vec = p->slave.vbase + 7;       /* spurious on the slave */
		} else {
			intack(&p->slave, (unsigned)s);
			vec = p->slave.vbase + s;
		}
		slave_acked(p);
	} else {
		vec = p->master.vbase + m;
	}
	update(p);
	return vec;
}
