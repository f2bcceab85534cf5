/*
 * The console's serial line: the 16550 (options serial=, baud=), and the
 * output ring every writer fills (console_ring.h), which the UART's
 * transmit interrupt drains a FIFO's worth at a time, as do the idle loop
 * and the timer tick: no writer waits for the wire. A domain writes only
 * while the ring is less than a quarter full, and each console_io call
 * stops at a line's end once it has made the hypervisor emit
 * CONSOLE_IO_BUDGET bytes (console.h); a domain that finds no room waits,
 * blocked, until the line has taken the ring down to an eighth. Before
 * interrupts are on, and for a panic or the machine's exit, the ring is
 * drained at once by polling. Typed bytes go to console.c.
 */
#include "console.h"
#include "console_ring.h"
#include "console_uart.h"
#include "domain.h"
#include "cmdline.h"
#include "dispatch.h"
#include "format.h"
#include "errno.h"
#include "printk.h"
#include "sched.h"
#include "serial.h"
#include "time.h"
#include "x86.h"

static struct serial_port port = { .base = 0x3f8, .irq = 4, .baud = 115200 };
static struct serial_port wanted = { .base = 0x3f8, .irq = 4, .baud = 115200 };

static int set_serial(const char *v)
{
	if (!v)
		return -EINVAL;
	return serial_port_parse(v, &wanted);
}
CMDLINE_OPTION(serial, "serial", set_serial, "com1..com4 or an I/O port such as 0x3f8",
	       "UART for the console (default com1)");

static int set_baud(const char *v)
{
	uint32_t baud;
	if (parse_uint(v, &baud) || baud == 0 || baud > 115200 || 115200 % baud)
		return -EINVAL;
	wanted.baud = baud;
	return 0;
}
CMDLINE_OPTION(baud, "baud", set_baud, "a divisor of 115200 such as 9600 or 115200",
	       "console speed (default 115200)");

/* ---- output: the ring and the UART's transmitter ---- */

#define RING_SIZE       (64 * KiB)
#define RING_DOMAINS    (16 * KiB)      /* domains write only while less than this waits */
#define RING_WAKE       (8 * KiB)       /* ... and those that found no room run again below this */

static char ring_buf[RING_SIZE];
static struct con_ring ring = { ring_buf, RING_SIZE, 0, 0 };
/* Interrupts are on and the transmit interrupt drains the ring; until
 * then (early boot) and from a panic on, every write drains it by polling. */
static bool tx_async;
static uint32_t emitted;                /* bytes ever emitted, to the ring or held */
static uint32_t polled_full;            /* bytes sent by polling because the ring was full */
static uint32_t tx_stalled_ticks;       /* ticks the transmitter has not taken anything */
static struct domain *waiters;          /* domains waiting for room (console_domain_wait) */

/* console_baud_sim=: the ring drains no faster than a UART at this speed
 * would send (10 bits a byte), so that QEMU's instantaneous UART shows what
 * a real line does. Only for tests. */
static uint32_t sim_bytes_per_s;
static uint32_t sim_credit, sim_frac;

static int set_baud_sim(const char *v)
{
	uint32_t baud;
	if (parse_uint(v, &baud) || baud < 300 || baud > 10000000)
		return -EINVAL;
	sim_bytes_per_s = baud / 10;
	return 0;
}
CMDLINE_OPTION(console_baud_sim, "console_baud_sim", set_baud_sim, "a speed from 300 to 10000000",
	       "tests: the output ring drains no faster than a UART at this speed (default: off)");

void console_early_init(void)
{
	serial_init(&port);
}

void console_apply_options(void)
{
	if (wanted.base == port.base && wanted.baud == port.baud)
		return;
	struct serial_port old = port, next = wanted;
	if (serial_init(&next)) {
		pr_err("console: no UART at %#x, staying on %#x\n", wanted.base, old.base);
		return;
	}
	pr_info("console: moving to UART %#x at %u baud\n", next.base, next.baud);
	console_flush();
	port = next;
	pr_info("console: on UART %#x at %u baud (moved from %#x)\n", port.base, port.baud, old.base);
}

/* Domains that found the ring too full run again once it has drained. */
static void wake_writers(void)
{
	if (!waiters || con_ring_used(&ring) > RING_WAKE)
		return;
	while (waiters) {
		struct domain *d = waiters;
		waiters = d->con_wait_next;
		d->con_wait_next = NULL;
		d->con_waiting = false;
		if (d->state == DOM_BLOCKED)
			sched_wake(d);
	}
}

/* What the transmitter takes at once (its FIFO), from the ring, if it is
 * empty: never waits. */
static void tx_fill(void)
{
	char b[SERIAL_FIFO_SIZE];
	uint32_t n = MIN(con_ring_used(&ring), (uint32_t)port.tx_fifo);
	if (sim_bytes_per_s)
		n = MIN(n, sim_credit);
	if (n && serial_tx_empty(&port)) {
		n = (uint32_t)con_ring_get(&ring, b, n);
		for (uint32_t i = 0; i < n; i++)
			serial_tx_byte(&port, b[i]);
		if (sim_bytes_per_s)
			sim_credit -= n;
		tx_stalled_ticks = 0;
	}
	wake_writers();
}

/* A FIFO's worth by polling: waits (boundedly) for the transmitter. */
static uint32_t tx_poll(void)
{
	char b[SERIAL_FIFO_SIZE];
	uint32_t n = (uint32_t)con_ring_get(&ring, b, port.tx_fifo);
	if (n)
		serial_putc(&port, b[0]);       /* waits for the FIFO to be empty */
	for (uint32_t i = 1; i < n; i++)
		serial_tx_byte(&port, b[i]);
	return n;
}

static void ring_put(const char *s, size_t n)
{
	emitted += (uint32_t)n;
	if (!port.base)
		return;
	for (;;) {
		size_t k = con_ring_put(&ring, s, n);
		s += k;
		n -= k;
		if (!n)
			return;
		/* Full: only the hypervisor's own output gets here (domains stop
		 * at RING_DOMAINS), when it says a great deal at once. */
		polled_full += tx_poll();
		wake_writers();
	}
}

/* At the end of every write: start the transmitter if it is idle; before
 * interrupts are on (and after a panic), send everything now. */
void console_kick(void)
{
	if (tx_async)
		tx_fill();
	else
		console_flush();
}

void console_flush(void)
{
	static bool flushing;
	if (flushing)           /* a fault in here, then a panic: do not recurse */
		return;
	flushing = true;
	uint32_t flags = read_eflags();
	irq_disable();
	while (con_ring_used(&ring))
		tx_poll();
	serial_wait_sent(&port);
	wake_writers();
	write_eflags(flags);
	flushing = false;
}

void console_put(const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			ring_put(s + from, i - from);
			ring_put("\r\n", 2);
			from = i + 1;
		}
	}
	ring_put(s + from, n - from);
}

void console_count_emitted(uint32_t n)
{
	emitted += n;
}

void console_go_sync(void)
{
	/* From here on every line goes out before the next is written. */
	tx_async = false;
	console_flush();
}

uint32_t console_emitted(void)
{
	return emitted;
}

bool console_domain_may_write(const struct domain *d)
{
	(void)d;
	return con_ring_used(&ring) < RING_DOMAINS;
}

void console_domain_wait(struct domain *d)
{
	if (!d->con_waiting) {
		d->con_waiting = true;
		d->con_wait_next = waiters;
		waiters = d;
	}
	d->stats.console_waits++;
	sched_block(d);
}

void console_domain_unwait(struct domain *d)
{
	if (!d->con_waiting)
		return;
	for (struct domain **p = &waiters; *p; p = &(*p)->con_wait_next) {
		if (*p == d) {
			*p = d->con_wait_next;
			break;
		}
	}
	d->con_wait_next = NULL;
	d->con_waiting = false;
}

void console_dump(void)
{
	printk("console: %u bytes waiting for the line (ring of %u), %u sent by polling "
	       "(ring full or UART stuck), UART FIFO %u bytes", con_ring_used(&ring), RING_SIZE,
	       polled_full, port.tx_fifo);
	if (sim_bytes_per_s)
		printk(", drained at %u bytes/s (console_baud_sim)", sim_bytes_per_s);
	printk("\n");
}

/*
 * The UART's interrupt: each pending cause in turn until none is left (the
 * PIC sees edges: a cause left pending would keep the line high and no
 * further interrupt would come). Bounded: on QEMU the transmitter empties
 * as soon as it is filled, so the ring could keep us here; the next
 * transmit interrupt, or the tick, goes on.
 */
static void console_service(void)
{
	int c;
	for (int round = 0; round < 32; round++) {
		switch (serial_irq_cause(&port)) {
		case SERIAL_IRQ_NONE:
			return;
		case SERIAL_IRQ_RX:
			/* Drain the FIFO: one interrupt may stand for several bytes. */
			while ((c = serial_getc(&port)) >= 0)
				console_input((char)c);
			tx_fill();      /* what the keys printed */
			break;
		case SERIAL_IRQ_TX:
			tx_fill();
			break;
		default:
			break;
		}
	}
}

static void console_interrupt(unsigned irq)
{
	console_service();
}

void console_tick(void)
{
	if (!tx_async)
		return;
	if (sim_bytes_per_s) {
		/* This tick's share of the simulated line; unused credit does
		 * not pile up (a real line idles at the same speed). */
		sim_frac += sim_bytes_per_s;
		sim_credit = MIN(sim_credit + sim_frac / timer_hz,
				 sim_bytes_per_s / timer_hz + port.tx_fifo);
		sim_frac %= timer_hz;
	}
	/* A lost edge (or a transmitter that waited for credit) must not stall
	 * the console: look at the UART every tick. */
	console_service();
	tx_fill();
	/* A UART that never empties (broken, or absent but answering) would
	 * keep every domain that writes waiting: after a second, go on as the
	 * polled console did, at the cost of bytes it may drop. */
	if (con_ring_used(&ring) && !(sim_bytes_per_s && !sim_credit) &&
	    ++tx_stalled_ticks > timer_hz) {
		polled_full += tx_poll();
		tx_stalled_ticks = 0;
		wake_writers();
	}
}

void console_idle(void)
{
	if (tx_async)
		tx_fill();
}

void console_enable_input(void)
{
	console_flush();
	irq_register(port.irq, console_interrupt, "console (UART receive)");
	serial_enable_irqs(&port);
	tx_async = true;
}

uint16_t console_uart_base(void)
{
	return (uint16_t)port.base;
}
