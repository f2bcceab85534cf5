/*
 * ringos pc port: device registers and interrupt lines for the kernel's
 * drivers (arch.h). In ring 0 every I/O port is ours, so a request only
 * checks its range; an ISA line a driver attaches to is unmasked at the
 * 8259 and its interrupts come here from arch_irq (cpu.c).
 */
#include "arch.h"
#include "x86.h"
#include "pic.h"
#include "uapi/errno.h"

/* Lines the port keeps: the tick, the cascade to the second 8259, COM1. */
#define PC_OWN_IRQS     ((1u << 0) | (1u << 2) | (1u << 4))

static void (*handlers[16])(void);

int arch_io_request(uint16_t base, unsigned count)
{
	return count && base + count <= 0x10000u ? 0 : -ENODEV;
}

uint8_t arch_inb(uint16_t port)
{
	return inb(port);
}

void arch_outb(uint16_t port, uint8_t v)
{
	outb(port, v);
}

void arch_insw(uint16_t port, void *buf, unsigned count)
{
	insw(port, buf, count);
}

void arch_outsw(uint16_t port, const void *buf, unsigned count)
{
	outsw(port, buf, count);
}

int arch_irq_attach(unsigned irq, void (*fn)(void))
{
	if (irq >= 16 || (PC_OWN_IRQS & (1u << irq)) || handlers[irq])
		return -EBUSY;
	handlers[irq] = fn;
	pic_unmask(irq);
	return 0;
}

/* An interrupt on line irq, acknowledged at the 8259 (arch_irq). */
void pc_irq_dispatch(unsigned irq);
void pc_irq_dispatch(unsigned irq)
{
	if (irq < 16 && handlers[irq])
		handlers[irq]();
}
