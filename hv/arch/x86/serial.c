/*
 * 16550 UART. Transmit is polled (the log must work from any context, even
 * inside an exception handler); receive raises the UART's ISA interrupt so
 * the idle hypervisor can sleep in hlt and still see console keys.
 */
#include "serial.h"
#include "errno.h"
#include "string.h"
#include "x86.h"

#define UART_RBR        0       /* receive buffer (read, DLAB=0) */
#define UART_THR        0       /* transmit holding (write, DLAB=0) */
#define UART_DLL        0       /* divisor latch low (DLAB=1) */
#define UART_IER        1       /* interrupt enable (DLAB=0) */
#define UART_DLM        1       /* divisor latch high (DLAB=1) */
#define UART_FCR        2       /* FIFO control */
#define UART_LCR        3       /* line control */
#define UART_MCR        4       /* modem control */
#define UART_LSR        5       /* line status */
#define UART_SCR        7       /* scratch */

#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define LSR_DR          0x01    /* data ready */
#define LSR_THRE        0x20    /* transmit holding register empty */
#define MCR_DTR_RTS     0x03
#define MCR_OUT2        0x08    /* gates the UART interrupt onto the ISA bus */
#define IER_RDI         0x01    /* received data available interrupt */

static const struct { const char *name; uint16_t base; uint8_t irq; } known_ports[] = {
	{ "com1", 0x3f8, 4 }, { "com2", 0x2f8, 3 }, { "com3", 0x3e8, 4 }, { "com4", 0x2e8, 3 },
};

int serial_port_parse(const char *s, struct serial_port *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(known_ports); i++) {
		if (!strcmp(s, known_ports[i].name)) {
			out->base = known_ports[i].base;
			out->irq = known_ports[i].irq;
			return 0;
		}
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		uint32_t v = 0;
		for (const char *p = s + 2; *p; p++) {
			int d = (*p >= '0' && *p <= '9') ? *p - '0' :
				(*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
				(*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
			if (d < 0 || v > 0xfff)
				return -EINVAL;
			v = v * 16 + d;
		}
		if (v == 0 || v > 0xfff8)
			return -EINVAL;
		out->base = (uint16_t)v;
		/* The usual ISA wiring: 0x3xx ports on IRQ 4, 0x2xx ports on IRQ 3. */
		out->irq = (v & 0x100) ? 4 : 3;
		return 0;
	}
	return -EINVAL;
}

int serial_init(struct serial_port *port)
{
	uint16_t b = port->base;

	/* A missing UART reads back 0xff; check the scratch register first. */
	outb(b + UART_SCR, 0x5a);
	if (inb(b + UART_SCR) != 0x5a) {
		port->base = 0;
		return -EIO;
	}
	if (port->baud == 0 || port->baud > 115200)
		port->baud = 115200;
	uint16_t div = (uint16_t)(115200 / port->baud);
	outb(b + UART_IER, 0);
	outb(b + UART_LCR, LCR_DLAB);
	outb(b + UART_DLL, div & 0xff);
	outb(b + UART_DLM, div >> 8);
	outb(b + UART_LCR, LCR_8N1);
	outb(b + UART_FCR, 0x07);       /* enable and clear both FIFOs */
	outb(b + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	return 0;
}

void serial_putc(const struct serial_port *port, char c)
{
	if (!port->base)
		return;
	/* Bounded wait: a wedged UART must not hang the hypervisor forever. */
	for (int spin = 0; spin < 100000; spin++) {
		if (inb(port->base + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(port->base + UART_THR, (uint8_t)c);
}

int serial_getc(const struct serial_port *port)
{
	if (!port->base || !(inb(port->base + UART_LSR) & LSR_DR))
		return -1;
	return inb(port->base + UART_RBR);
}

void serial_enable_rx_irq(const struct serial_port *port)
{
	if (port->base)
		outb(port->base + UART_IER, IER_RDI);
}
