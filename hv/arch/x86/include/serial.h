/* 16550 UART driver: interrupt-driven receive and transmit, and a polled
 * transmit for what must reach the line at once. */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

#include "types.h"

struct serial_port {
	uint16_t base;          /* I/O base, 0 if absent */
	uint8_t irq;            /* ISA IRQ line */
	uint32_t baud;
	uint8_t tx_fifo;        /* bytes the transmitter takes at once: 16, or 1 without FIFO */
};

#define SERIAL_FIFO_SIZE        16

/* Why the UART interrupts (serial_irq_cause). */
enum { SERIAL_IRQ_NONE, SERIAL_IRQ_RX, SERIAL_IRQ_TX, SERIAL_IRQ_OTHER };

/* Program the UART (8N1, FIFOs on). Returns -EIO if no UART answers there. */
int serial_init(struct serial_port *port);
/* Polled: waits (boundedly: a wedged UART cannot hang us) for room, then
 * sends c. */
void serial_putc(const struct serial_port *port, char c);
/* The transmitter has room for tx_fifo bytes (its FIFO is empty). */
bool serial_tx_empty(const struct serial_port *port);
/* Sends c without waiting: only after serial_tx_empty, tx_fifo at most. */
void serial_tx_byte(const struct serial_port *port, char c);
/* Waits (boundedly) until the last byte has left the shift register. */
void serial_wait_sent(const struct serial_port *port);
/* The highest-priority pending cause, SERIAL_IRQ_NONE when there is none;
 * reading it acknowledges a transmit or status cause (receive ones end when
 * the data is read). */
int serial_irq_cause(const struct serial_port *port);
/* Returns a received byte, or -1 if none is waiting. */
int serial_getc(const struct serial_port *port);
/* Receive and transmit interrupts on. */
void serial_enable_irqs(const struct serial_port *port);

/* "com1".."com4" or a hexadecimal I/O base ("0x3f8"). */
int serial_port_parse(const char *s, struct serial_port *out);

#endif
