/*
 * The emulated 16550A UART of a PC serial port (hv/vdev/uart.c): eight
 * ports from a base (COM1: 0x3f8-0x3ff, IRQ 4). Pure: no hardware is
 * touched; what the guest transmits goes to a tx callback, what is typed
 * for it comes in through vuart_rx(), and the IRQ line is reported through
 * an irq callback whenever its level changes. Time comes in as nanoseconds
 * (vuart_set_time), for the character timeout interrupt only. The host
 * unit tests drive it
 * through a vdev_table (tests/unit/test_vuart.c).
 * Private to hv/vdev/.
 */
#ifndef HV_VDEV_UART_H
#define HV_VDEV_UART_H

#include "types.h"
#include "vdev.h"

#define VUART_COM1_BASE 0x3f8
#define VUART_COM1_IRQ  4
#define VUART_PORTS     8
#define VUART_FIFO      16

struct vuart {
	uint16_t base;
	uint8_t ier, lcr, mcr, scr;
	uint8_t dll, dlm;               /* the divisor latch */
	uint8_t fcr;                    /* FIFO enable (bit 0) and trigger (bits 6-7) */
	uint8_t lsr_oe;                 /* OE, until LSR is read */
	uint8_t msr;                    /* status (bits 4-7) and deltas (bits 0-3) */
	bool thr_ipending;              /* the THRE interrupt is owed */
	bool level;                     /* the IRQ line as last reported */
	uint8_t rx[VUART_FIFO];         /* the receive FIFO, a ring */
	unsigned rx_head, rx_count;
	uint64_t now_ns;                /* the time accesses are judged at */
	uint64_t rx_last_ns;            /* a byte last went into or out of the FIFO */
	void (*irq)(void *opaque, bool level);
	void (*tx)(void *opaque, char c);
	void *opaque;
};

/* Reset the UART (divisor 12, 8 data bits off: LCR 0, FIFOs off, no
 * interrupt enabled, modem inputs DCD, DSR and CTS asserted: a terminal
 * is attached) and claim base..base + 7 in t: 0, or what vdev_register
 * refused with. irq and tx may be NULL (nobody listening); both are called
 * with opaque. */
int vuart_init(struct vuart *u, struct vdev_table *t, uint16_t base,
	       void (*irq)(void *opaque, bool level), void *opaque,
	       void (*tx)(void *opaque, char c));
/* A byte typed for the guest: 0 once it is in the receive FIFO (16 bytes,
 * 1 with the FIFOs off); -EAGAIN when that is full: the byte is lost to
 * the guest, which sees an overrun (LSR OE), and the caller may keep it
 * and offer it again. In loopback mode the receiver is cut off from the
 * line: the byte is dropped, 0. */
int vuart_rx(struct vuart *u, char c);
/* The time the next accesses and bytes are judged at (never goes back);
 * the IRQ line follows a character timeout that has come by then. */
void vuart_set_time(struct vuart *u, uint64_t now_ns);
/* The first whole nanosecond at which the character timeout interrupt
 * will fire (IIR 0x0c), for the hypervisor to arm a timer; UINT64_MAX if
 * it will not (FIFOs off, no data below the trigger level, IER's RX bit
 * off) or already shows. Ask again after every access and vuart_rx. */
uint64_t vuart_next_event_ns(const struct vuart *u);

#endif
