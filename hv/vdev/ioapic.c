/*
 * The emulated I/O APIC (ioapic.h), after the Intel 82093AA datasheet.
 *
 * A pin is asserted when its electrical level matches the polarity of its
 * redirection entry. Edge-triggered: becoming asserted sends one message
 * (if unmasked). Level-triggered: the pin sends while asserted and
 * unmasked, once, then Remote IRR is set until the local APIC's EOI for
 * that vector, after which a pin still asserted sends again. Unmasking or
 * reprogramming an asserted level pin sends too. Messages are accepted at
 * once, so delivery status always reads 0 (idle).
 */
#include "ioapic.h"
#include "errno.h"
#include "string.h"

/* Writable bits of an entry: vector, delivery mode, destination mode,
 * polarity, trigger, mask (low); destination (high). */
#define RTE_WRITABLE    0xff0000000001afffull

static bool asserted(const struct vioapic *io, unsigned pin)
{
	bool high = io->lines & (1u << pin);
	return (io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW) ? !high : high;
}

static void send(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	struct vioapic_msg m = {
		.vector = (uint8_t)e,
		.dest = (uint8_t)(e >> 56),
		.logical = e & IOAPIC_RTE_DEST_LOGICAL,
		.mode = (uint8_t)((e >> 8) & 7),
		.level = e & IOAPIC_RTE_LEVEL,
	};
	if (!io->deliver || !io->deliver(io->opaque, &m)) {
		io->dropped++;
		return;
	}
	if (m.level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/* A level pin: send if it should be sending now. */
static void service_level(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	if ((e & IOAPIC_RTE_LEVEL) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    asserted(io, pin))
		send(io, pin);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	if (pin >= VIOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	uint64_t e = io->rte[pin];
	if (e & IOAPIC_RTE_LEVEL)
		service_level(io, pin);
	else if (!was && asserted(io, pin) && !(e & IOAPIC_RTE_MASKED))
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		if ((uint8_t)e != vector || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
		service_level(io, pin);
	}
}

static uint32_t read_reg(const struct vioapic *io, uint8_t reg)
{
	switch (reg) {
	case IOAPIC_ID:  return (uint32_t)io->id << 24;
	case IOAPIC_VER: return VIOAPIC_VERSION;
	/* the arbitration ID is loaded from the ID (82093AA 3.2.3) */
	case IOAPIC_ARB: return (uint32_t)io->id << 24;
	}
	if (reg < IOAPIC_REDTBL || reg >= IOAPIC_REDTBL + 2 * VIOAPIC_PINS)
		return 0;
	uint64_t e = io->rte[(reg - IOAPIC_REDTBL) / 2];
	return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
}

static void write_reg(struct vioapic *io, uint8_t reg, uint32_t v)
{
	if (reg == IOAPIC_ID) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REDTBL || reg >= IOAPIC_REDTBL + 2 * VIOAPIC_PINS)
		return;                 /* version, arbitration: read-only */
	unsigned pin = (reg - IOAPIC_REDTBL) / 2;
	uint64_t e = io->rte[pin], w = (reg & 1) ? (uint64_t)v << 32 : v;
	uint64_t half = (reg & 1) ? 0xffffffff00000000ull : 0xffffffffull;
	e = (e & ~(half & RTE_WRITABLE)) | (w & half & RTE_WRITABLE);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;  /* meaningless for edge */
	io->rte[pin] = e;
	/* an asserted level pin just unmasked (or made level) sends now;
	 * an edge pin waits for its next edge */
	service_level(io, pin);
}

static int ioapic_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vioapic *io = opaque;
	uint64_t off = addr - io->base;
	if (size != 4 || (off != IOAPIC_REGSEL && off != IOAPIC_WIN)) {
		io->bad_accesses++;
		if (!write)
			*val = 0;
		return 0;
	}
	if (off == IOAPIC_REGSEL) {
		if (write)
			io->regsel = (uint8_t)*val;
		else
			*val = io->regsel;
	} else if (write) {
		write_reg(io, io->regsel, *val);
	} else {
		*val = read_reg(io, io->regsel);
	}
	return 0;
}

int vioapic_init(struct vioapic *io, struct vdev_table *t, uint64_t base, uint8_t id,
		 bool (*deliver)(void *opaque, const struct vioapic_msg *m), void *opaque)
{
	memset(io, 0, sizeof(*io));
	io->base = base;
	io->id = id & 0xf;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
	io->deliver = deliver;
	io->opaque = opaque;
	return vdev_register(t, VDEV_MMIO, base, VIOAPIC_SIZE, ioapic_io, io, "ioapic");
}
