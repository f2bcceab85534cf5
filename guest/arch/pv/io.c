/*
 * ringos pv port: device registers and interrupt lines (arch.h). A pv
 * domain runs in ring 1 with no I/O privilege. Domain 0 is the exception
 * the hypervisor makes for the machine's disk: with start_info.ide_irq_port
 * set, the primary IDE channel's ports (0x1f0-0x1f7, 0x3f6) are open to
 * this kernel in the TSS's I/O bitmap, so the ATA driver does real in/out
 * as on a bare PC, and IRQ 14 arrives as that event port (docs/control.md).
 * Anything else is refused: a driver's request for it fails, so it never
 * probes, and a port read anyway is what an ISA bus with nobody answering
 * reads, all ones.
 */
#include "arch.h"
#include "string.h"
#include "x86.h"
#include "uapi/errno.h"
#include "pv_io.h"

static bool granted(uint16_t port)
{
	return (pv_has_ide() && ((port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6)) ||
	       (pv_has_serial() && port >= 0x2f8 && port <= 0x2ff);
}

int arch_io_request(uint16_t base, unsigned count)
{
	if (!count)
		return -ENODEV;
	for (unsigned i = 0; i < count; i++)
		if (!granted((uint16_t)(base + i)))
			return -ENODEV;
	return 0;
}

uint8_t arch_inb(uint16_t port)
{
	return granted(port) ? inb(port) : 0xff;
}

void arch_outb(uint16_t port, uint8_t v)
{
	if (granted(port))
		outb(port, v);
}

void arch_insw(uint16_t port, void *buf, unsigned count)
{
	if (granted(port))
		insw(port, buf, count);
	else
		memset(buf, 0xff, (size_t)count * 2);
}

void arch_outsw(uint16_t port, const void *buf, unsigned count)
{
	if (granted(port))
		outsw(port, buf, count);
}

static void (*ide_handler)(void), (*serial_handler)(void);

void pv_ide_interrupt(void)
{
	if (ide_handler)
		ide_handler();
}

void pv_serial_interrupt(void)
{
	if (serial_handler)
		serial_handler();
}

int arch_irq_attach(unsigned irq, void (*fn)(void))
{
	void (**h)(void) = irq == 14 && pv_has_ide() ? &ide_handler :
			   irq == 3 && pv_has_serial() ? &serial_handler : NULL;
	if (!h)
		return -ENODEV;
	if (*h)
		return -EBUSY;
	*h = fn;
	return 0;
}
