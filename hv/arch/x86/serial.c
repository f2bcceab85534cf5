/*
 * 16550 UART. Both directions raise the UART's ISA interrupt: receive so
 * the idle hypervisor can sleep in hlt and still see console keys, transmit
 * (the holding register, or with FIFOs the whole transmit FIFO, is empty)
 * so the console's output ring drains without the CPU waiting for the wire
 * (console.c). The polled serial_putc stays for what must reach the line
 * now: before interrupts are on, and a panic or the machine's exit.
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
#define UART_IIR        2       /* interrupt identification (read) */
#define UART_FCR        2       /* FIFO control (write) */
#define UART_LCR        3       /* line control */
#define UART_MCR        4       /* modem control */
#define UART_LSR        5       /* line status */
#define UART_MSR        6       /* modem status */
#define UART_SCR        7       /* scratch */

#define LCR_8N1         0x03
#define LCR_DLAB        0x80
#define LSR_DR          0x01    /* data ready */
#define LSR_THRE        0x20    /* transmit holding register (FIFO mode: FIFO) empty */
#define LSR_TEMT        0x40    /* transmitter empty: FIFO and shift register */
#define MCR_DTR_RTS     0x03
#define MCR_OUT2        0x08    /* gates the UART interrupt onto the ISA bus */
#define IER_RDI         0x01    /* received data available interrupt */
#define IER_THRI        0x02    /* transmit holding register empty interrupt */
#define IIR_NO_INT      0x01    /* bit 0 set: nothing pending */
#define IIR_ID          0x0e    /* bits 3-1: the highest-priority cause */
#define IIR_FIFOS       0xc0    /* bits 7-6: 11 when the FIFOs work (16550A) */
#define FCR_ENABLE_CLEAR 0x07   /* enable both FIFOs and clear them; receive trigger 1 byte */

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
	outb(b + UART_FCR, FCR_ENABLE_CLEAR);
	/* An 8250 or 16450 has no FIFO and a buggy 16550's does not work:
	 * IIR bits 7-6 read 11 only when the FIFOs are on. Without them the
	 * transmitter takes one byte per interrupt. */
	port->tx_fifo = (inb(b + UART_IIR) & IIR_FIFOS) == IIR_FIFOS ? SERIAL_FIFO_SIZE : 1;
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

bool serial_tx_empty(const struct serial_port *port)
{
	return port->base && (inb(port->base + UART_LSR) & LSR_THRE);
}

void serial_tx_byte(const struct serial_port *port, char c)
{
	if (port->base)
		outb(port->base + UART_THR, (uint8_t)c);
}

void serial_wait_sent(const struct serial_port *port)
{
	if (!port->base)
		return;
	for (int spin = 0; spin < 100000; spin++) {
		if (inb(port->base + UART_LSR) & LSR_TEMT)
			return;
		cpu_relax();
	}
}

int serial_irq_cause(const struct serial_port *port)
{
	if (!port->base)
		return SERIAL_IRQ_NONE;
	uint8_t iir = inb(port->base + UART_IIR);
	if (iir & IIR_NO_INT)
		return SERIAL_IRQ_NONE;
	switch (iir & IIR_ID) {
	case 0x06:
		inb(port->base + UART_LSR);     /* line status (errors, break): reading clears it */
		return SERIAL_IRQ_OTHER;
	case 0x04:
	case 0x0c:                      /* data, or the FIFO's character timeout */
		return SERIAL_IRQ_RX;
	case 0x02:                      /* reading IIR has cleared it */
		return SERIAL_IRQ_TX;
	default:
		inb(port->base + UART_MSR);     /* modem status: reading clears it */
		return SERIAL_IRQ_OTHER;
	}
}

void serial_enable_irqs(const struct serial_port *port)
{
	if (port->base)
		outb(port->base + UART_IER, IER_RDI | IER_THRI);
}
