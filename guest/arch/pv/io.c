/*
 * ringos pv port: device registers and interrupt lines (arch.h). A pv
 * domain runs in ring 1 with no I/O privilege, and ringvisor grants no
 * domain a real controller's ports or interrupt lines yet: a privileged
 * Domain 0 will get the IDE channel's ports and IRQ 14 (docs/ata.md), and
 * these hooks will then do the port I/O and bind the line to an event
 * channel. Until then no port is given: a driver's request is refused, so
 * it never probes, and a port read anyway is what an ISA bus with nobody
 * answering reads, all ones.
 */
#include "arch.h"
#include "string.h"
#include "uapi/errno.h"

int arch_io_request(uint16_t base, unsigned count)
{
	(void)base;
	(void)count;
	return -ENODEV;
}

uint8_t arch_inb(uint16_t port)
{
	(void)port;
	return 0xff;
}

void arch_outb(uint16_t port, uint8_t v)
{
	(void)port;
	(void)v;
}

void arch_insw(uint16_t port, void *buf, unsigned count)
{
	(void)port;
	memset(buf, 0xff, (size_t)count * 2);
}

void arch_outsw(uint16_t port, const void *buf, unsigned count)
{
	(void)port;
	(void)buf;
	(void)count;
}

int arch_irq_attach(unsigned irq, void (*fn)(void))
{
	(void)irq;
	(void)fn;
	return -ENODEV;
}
