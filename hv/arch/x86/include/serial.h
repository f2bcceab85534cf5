/* 16550 UART driver: polled transmit, interrupt-driven receive. */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include "types.h"

struct serial_port {
	uint16_t base;          /* I/O base, 0 if absent */
	uint8_t irq;            /* ISA IRQ line */
	uint32_t baud;
};

/* Program the UART (8N1, FIFOs on). Returns -EIO if no UART answers there. */
int serial_init(struct serial_port *port);
void serial_putc(const struct serial_port *port, char c);
/* Returns a received byte, or -1 if none is waiting. */
int serial_getc(const struct serial_port *port);
void serial_enable_rx_irq(const struct serial_port *port);

/* "com1".."com4" or a hexadecimal I/O base ("0x3f8"). */
int serial_port_parse(const char *s, struct serial_port *out);

#endif
