/*
 * Console: one serial line shared by the hypervisor and every domain.
 *
 * The keyboard belongs to one place at a time, the hypervisor's key
 * handlers or one domain; Ctrl-] moves it on (hypervisor, then each domain
 * in turn, then back), as `xl console` and `virsh console` use Ctrl-] to
 * leave a guest. Ctrl-a is left to QEMU (Ctrl-a x quits it).
 *
 * While the hypervisor has the keyboard, every line is tagged: "(rv) " for
 * the hypervisor, "[name] " for a domain, filtered by console_line.c. While
 * a domain has it, that domain has the terminal to itself (its bytes pass
 * untouched, so vi and top draw), and everyone else's output, the
 * hypervisor's included, is held and shown when the keyboard moves on.
 *
 * Output goes through a ring (console_ring.h) that the UART's transmit
 * interrupt drains a FIFO's worth at a time, as do the idle loop and the
 * timer tick: no writer waits for the wire. A domain writes only while the
 * ring is less than a quarter full, and each console_io call stops at a
 * line's end once it has made the hypervisor emit CONSOLE_IO_BUDGET bytes
 * (console.h); a domain that finds no room waits, blocked, until the line
 * has taken the ring down to an eighth. Before interrupts are on, and for
 * a panic or the machine's exit, the ring is drained at once by polling.
 */
#include "console.h"
#include "console_line.h"
#include "console_ring.h"
#include "domain.h"
#include "mode.h"
#include "string.h"
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
static void tx_kick(void)
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

static void put_raw(const char *s, size_t n)
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

/* ---- output held while a domain has the keyboard ---- */

#define HELD_MAX        16384   /* all held output */
#define HELD_HV_MAX     4096    /* of it, the hypervisor's */
#define HELD_DOM_MAX    2048    /* of it, any one domain's */

static char held[HELD_MAX];
static uint32_t held_len, held_dropped;
static struct domain *held_writer;      /* whose bytes are being held (NULL: ours) */
static uint32_t held_hv;

static void hold(const char *s, size_t n)
{
	emitted += (uint32_t)n;
	uint32_t *mine = held_writer ? &held_writer->con_held : &held_hv;
	uint32_t cap = held_writer ? HELD_DOM_MAX : HELD_HV_MAX;
	size_t room = MIN((size_t)(HELD_MAX - held_len), (size_t)(cap - MIN(*mine, cap)));
	size_t take = MIN(n, room);
	memcpy(held + held_len, s, take);
	held_len += (uint32_t)take;
	*mine += (uint32_t)take;
	held_dropped += (uint32_t)(n - take);
}

/* Input focus: 0 = the hypervisor, else a domain id. */
static uint32_t focus;

static struct con_term term = { .put = put_raw, .cols = CON_COLS };

static int set_cols(const char *v)
{
	uint32_t cols;
	if (parse_uint(v, &cols) || cols < 40 || cols > 1000)
		return -EINVAL;
	term.cols = cols;
	return 0;
}
CMDLINE_OPTION(console_cols, "console_cols", set_cols, "a width from 40 to 1000",
	       "the terminal's width: a domain's tagged lines wrap before it (default 80)");

static bool alive(const struct domain *d)
{
	return d && (d->state == DOM_RUNNABLE || d->state == DOM_BLOCKED);
}

static struct domain *focused(void)
{
	return focus ? domains[focus] : NULL;
}

/* Everything but the focused domain's own output goes here. */
static void route(struct domain *writer)
{
	held_writer = writer;
	term.put = focus ? hold : put_raw;
}

static void release_held(void)
{
	put_raw(held, held_len);
	if (held_dropped) {
		/* The held stream was cut: its last line and attributes are ours
		 * to end. */
		term.dirty = true;
		term.open = NULL;
		put_raw("\x1b[0m\n", 5);
		term.dirty = false;
		char msg[96];
		int m = snprintf(msg, sizeof(msg), "(rv) console: %u bytes of output dropped while "
				 "a domain had the keyboard\n", held_dropped);
		put_raw(msg, (size_t)m);
	}
	held_len = held_dropped = held_hv = 0;
	for (uint32_t id = 1; id < MAX_DOMAINS; id++)
		if (domains[id])
			domains[id]->con_held = 0;
}

/* The keyboard leaves the focused domain: the terminal is reset and what
 * was held is shown. */
static void unfocus(void)
{
	struct domain *d = focused();
	focus = 0;
	term.put = put_raw;
	if (d)
		con_line_release(&term, &d->con);
	release_held();
}

void console_write_hv(const char *s, size_t n)
{
	route(NULL);
	con_term_write(&term, s, n);
	term.put = put_raw;
	tx_kick();
}

void console_panic(void)
{
	/* From here on every line goes out before the next is written. */
	tx_async = false;
	console_flush();
	if (focus)
		unfocus();
}

/* ---- domains' consoles ---- */

static struct con_line *line_of(struct domain *d)
{
	if (!d->con.tag_len)
		con_line_init(&d->con, d->name);
	return &d->con;
}

static void domain_write(struct domain *d, const char *buf, size_t n)
{
	struct con_line *l = line_of(d);
	if (focus && focus == d->id) {
		term.put = put_raw;
		con_line_write_raw(&term, l, buf, n);
	} else {
		route(d);
		con_line_write(&term, l, buf, n);
		term.put = put_raw;
	}
}

size_t console_domain_write_some(struct domain *d, const char *buf, size_t n, uint32_t since)
{
	size_t took = 0;
	while (took < n) {
		/* A run: through the next newline, CONSOLE_IO_RUN bytes at most. */
		size_t run = 0;
		while (took + run < n && run < CONSOLE_IO_RUN)
			if (buf[took + run++] == '\n')
				break;
		domain_write(d, buf + took, run);
		took += run;
		uint32_t spent = emitted - since;
		if (spent >= CONSOLE_IO_MAX)
			break;
		if (buf[took - 1] == '\n' &&
		    (spent >= CONSOLE_IO_BUDGET || con_ring_used(&ring) >= RING_DOMAINS))
			break;          /* at a line's end: the next call goes on */
	}
	tx_kick();
	return took;
}

void console_domain_flush(struct domain *d)
{
	struct con_line *l = line_of(d);
	console_domain_unwait(d);
	if (focus && focus == d->id) {
		unfocus();
		printk("console input now goes to the hypervisor (domain %u stopped); "
		       "Ctrl-] moves it on\n", d->id);
		return;
	}
	route(d);
	con_line_flush(&term, l);
	term.put = put_raw;
	tx_kick();
}

int console_domain_read(struct domain *d, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n && d->in_tail != d->in_head) {
		buf[got++] = (char)d->in_ring[d->in_tail % sizeof(d->in_ring)];
		d->in_tail++;
	}
	return (int)got;
}

void console_domain_unread(struct domain *d, const char *buf, size_t n)
{
	(void)buf;
	d->in_tail -= (uint32_t)n;      /* the bytes are still in the ring */
}

static void domain_input(struct domain *d, char c)
{
	if (d->in_head - d->in_tail >= sizeof(d->in_ring))
		return;                 /* full: drop, as a UART would */
	d->in_ring[d->in_head % sizeof(d->in_ring)] = (uint8_t)c;
	d->in_head++;
	d->ops->console_input(d);
}

/* ---- input ---- */

#define SWITCH_KEY      0x1d    /* Ctrl-] */

static void switch_focus(void)
{
	uint32_t id = focus;
	for (unsigned n = 0; n < MAX_DOMAINS; n++) {
		id = (id + 1) % MAX_DOMAINS;
		if (id == 0 || alive(domains[id]))
			break;
	}
	unfocus();
	if (id) {
		printk("console input now goes to domain %u (%s); Ctrl-] moves it on\n", id,
		       domains[id]->name);
		focus = id;
		con_line_take(&term, line_of(domains[id]));
	} else {
		printk("console input now goes to the hypervisor ('h' for help); Ctrl-] moves it on\n");
	}
}

/*
 * What a terminal sends by itself (the answer to a cursor-position query,
 * focus reports, bracketed-paste marks) and the keys that send escape
 * sequences (arrows, function keys) are never hypervisor keys: while the
 * hypervisor has the keyboard, each sequence is dropped whole. An Esc
 * pressed alone is over when nothing follows within 100 ms.
 */
enum { IN_KEY, IN_ESC, IN_CSI, IN_SS3, IN_STRING, IN_STRING_ESC };
static uint8_t in_state = IN_KEY;
static uint64_t in_esc_ns;
#define ESC_ALONE_NS    100000000ull

static bool in_escape(char c)
{
	if (in_state == IN_ESC && time_now_ns() - in_esc_ns > ESC_ALONE_NS)
		in_state = IN_KEY;
	switch (in_state) {
	case IN_KEY:
		if (c != 0x1b)
			return false;
		in_state = IN_ESC;
		in_esc_ns = time_now_ns();
		return true;
	case IN_ESC:
		in_state = c == '[' ? IN_CSI : c == 'O' ? IN_SS3 :
			   (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') ? IN_STRING :
			   (c >= 0x20 && c <= 0x2f) ? IN_ESC : IN_KEY;
		return true;
	case IN_CSI:
		if (c >= 0x40 && c <= 0x7e)
			in_state = IN_KEY;
		return true;
	case IN_SS3:
		in_state = IN_KEY;
		return true;
	case IN_STRING:
		in_state = c == 0x07 ? IN_KEY : c == 0x1b ? IN_STRING_ESC : IN_STRING;
		return true;
	default:
		in_state = c == '\\' ? IN_KEY : IN_STRING;
		return true;
	}
}

static void console_input(char c)
{
	if (c == SWITCH_KEY) {
		in_state = IN_KEY;
		switch_focus();
		tx_kick();
		return;
	}
	struct domain *d = focused();
	if (d && alive(d)) {
		domain_input(d, c);
		return;
	}
	if (focus)
		unfocus();              /* it went away: back to us */
	if (in_escape(c))
		return;
	keyhandler_handle(c);
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
