/*
 * ringos: COM2 as /dev/ttyS1, a raw byte pipe (serial.h). Received bytes
 * are taken from the UART's FIFO at each interrupt (IRQ 3; on pv an event
 * port of Domain 0's) into a 64 KiB ring that read() drains, blocking
 * until something is there (or not, with O_NONBLOCK); poll() says when.
 * When the ring is full the FIFO is left unread: the UART (QEMU's socket
 * behind it) then holds the sender back, so nothing is lost. Writes go out
 * 16 bytes per FIFO; while the transmitter is still busy (the far side is
 * slow to take them) the writer polls it for TX_SPIN_NS, then sleeps until
 * its interrupt says it is empty, rather than spin on the line status: a spinning guest keeps its
 * host CPU busy, which the far machine, on the same host, needs.
 */
#include "serial.h"
#include "arch.h"
#include "kernel.h"
#include "poll.h"
#include "proc.h"
#include "ramfs.h"
#include "uapi/errno.h"

#define COM2            0x2f8
#define COM2_IRQ        3
#define RBR 0
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DR          0x01
#define LSR_THRE        0x20
#define TX_SPIN_NS      200000ull       /* polled before the writer sleeps */
#define IIR_NONE        0x01            /* no interrupt pending */
#define IER_RX          0x01            /* received data available */
#define IER_TX          0x02            /* transmitter holding register empty */
#define RX_RING         65536u
#define SERIAL_RDEV     ((4u << 8) | 65)        /* Linux's ttyS1 */

static bool present;
static uint8_t rx[RX_RING];
static volatile uint32_t rx_head, rx_tail;      /* head: written by the interrupt */
static char rx_chan;                    /* readers sleep on it */
static char tx_chan;                    /* a writer waiting for the transmitter */
static uint8_t ier;                     /* what the UART may interrupt for */

static void set_ier(uint8_t v)
{
	ier = v;
	arch_outb(COM2 + IER, v);
}

static void drain_fifo(void)
{
	while (rx_head - rx_tail < RX_RING && (arch_inb(COM2 + LSR) & LSR_DR)) {
		rx[rx_head % RX_RING] = arch_inb(COM2 + RBR);
		rx_head++;
	}
	if (rx_head - rx_tail >= RX_RING && (ier & IER_RX))
		set_ier(ier & ~IER_RX);         /* full: take no more until read() makes room */
}

static void serial_interrupt(void)
{
	/* Until the UART has nothing more to say: its line must go low for
	 * the next interrupt to be an edge the PIC sees. */
	for (int i = 0; i < 16 && !(arch_inb(COM2 + IIR) & IIR_NONE); i++) {
		drain_fifo();
		if ((ier & IER_TX) && (arch_inb(COM2 + LSR) & LSR_THRE)) {
			set_ier(ier & ~IER_TX);
			wake_up(&tx_chan);
		}
		if (!(ier & IER_RX))
			break;          /* the ring is full: the data waits for read() */
	}
	wake_up(&rx_chan);
	poll_wake();
}

void serial_init(struct ramfs_node *dev)
{
	if (arch_io_request(COM2, 8))
		return;
	/* A UART answers its scratch register; an empty bus reads all ones. */
	arch_outb(COM2 + 7, 0x5a);
	if (arch_inb(COM2 + 7) != 0x5a)
		return;
	set_ier(0);
	arch_outb(COM2 + LCR, 0x80);            /* divisor latch: 115200 baud */
	arch_outb(COM2 + 0, 1);
	arch_outb(COM2 + 1, 0);
	arch_outb(COM2 + LCR, 0x03);            /* 8N1 */
	arch_outb(COM2 + FCR, 0xc7);            /* FIFOs on and cleared, trigger at 14 */
	arch_outb(COM2 + MCR, 0x0b);            /* DTR, RTS, OUT2 (the ISA interrupt gate) */
	if (arch_irq_attach(COM2_IRQ, serial_interrupt))
		return;
	set_ier(IER_RX);
	struct ramfs_node *n;
	if (ramfs_create(dev, "ttyS1", RAMFS_CHR, &n))
		return;
	n->rdev = SERIAL_RDEV;
	n->mode = 0600;
	present = true;
	kprintf("serial: ttyS1 (COM2, 0x2f8, IRQ 3): a raw line to another machine\n");
}

bool serial_is_rdev(uint32_t rdev)
{
	return present && rdev == SERIAL_RDEV;
}

long serial_read(void *buf, size_t len, bool nonblock)
{
	uint8_t *out = buf;
	while (rx_head == rx_tail) {
		if (nonblock)
			return -EAGAIN;
		uint32_t f = arch_irq_save();
		drain_fifo();                   /* an interrupt may have been missed */
		arch_irq_restore(f);
		if (rx_head != rx_tail)
			break;
		if (sleep_on_timeout(&rx_chan, arch_time_ns() + 20000000ull) && rx_head == rx_tail)
			return -ERESTARTSYS;    /* a signal */
	}
	size_t n = 0;
	uint32_t f = arch_irq_save();
	while (n < len && rx_tail != rx_head)
		out[n++] = rx[rx_tail++ % RX_RING];
	if (!(ier & IER_RX))
		set_ier(ier | IER_RX);          /* room again */
	drain_fifo();
	arch_irq_restore(f);
	return (long)n;
}

/* Until the transmitter is empty: 0, -EIO after 5 s, -ERESTARTSYS. */
static int wait_transmitter(void)
{
	uint64_t start = arch_time_ns(), give_up = start + 5000000000ull;
	for (;;) {
		if (arch_inb(COM2 + LSR) & LSR_THRE)
			return 0;
		uint64_t now = arch_time_ns();
		if (now < start + TX_SPIN_NS)
			continue;               /* a far side that keeps up empties it at once */
		if (now > give_up)
			return -EIO;            /* nobody takes the bytes */
		uint32_t f = arch_irq_save();
		set_ier(ier | IER_TX);          /* interrupts at once if already empty */
		arch_irq_restore(f);
		if (sleep_on_timeout(&tx_chan, MIN(give_up, now + 10000000ull)) &&
		    !(arch_inb(COM2 + LSR) & LSR_THRE))
			return -ERESTARTSYS;    /* a signal */
	}
}

long serial_write(const void *buf, size_t len)
{
	const uint8_t *in = buf;
	size_t n = 0;
	while (n < len) {
		int rc = wait_transmitter();
		if (rc)
			return n ? (long)n : rc;
		for (unsigned k = 0; k < 16 && n < len; k++)
			arch_outb(COM2 + THR, in[n++]);
	}
	return (long)n;
}

unsigned serial_poll(void)
{
	uint32_t f = arch_irq_save();
	drain_fifo();
	arch_irq_restore(f);
	return (rx_head != rx_tail ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}
