/*
 * The emulated 16550A UART (uart.h), after the National PC16550D datasheet.
 *
 * Registers (offset from the base; DLAB is LCR bit 7):
 *   0  RBR (read) / THR (write); DLL with DLAB set
 *   1  IER (bits 0-3: RX data, THRE, line status, modem status); DLM with DLAB
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4  MCR   5  LSR   6  MSR   7  SCR
 *
 * Transmission is instant: a byte written to THR reaches the tx callback
 * (or, in loopback mode, the receive FIFO) at once, so THR and the
 * transmitter are always empty (LSR THRE and TEMT always set) and the TX
 * FIFO never holds anything. Bytes are masked to the word length of LCR.
 *
 * Interrupts, by the 16550's priority: line status (an overrun, until LSR
 * is read) > received data (DR with the FIFOs off; at least the trigger
 * level 1/4/8/14 in the FIFO with them on) or, at the same level, the
 * character timeout (IIR 0x0c: FIFOs on, data in the FIFO below the
 * trigger level, and nothing put in or taken out for four character
 * times) > THRE > modem status (a delta bit of MSR, until MSR is read).
 * IIR bits 6-7 read 0xc0 with the FIFOs on. A character time is what the
 * line would take for one character at the divisor's rate (115200 /
 * divisor baud): start bit, the data bits, parity, and 1, 1.5 (5-bit
 * words) or 2 stop bits, as LCR says. Only the timeout needs it; it is
 * judged at the time vuart_set_time gave. The THRE interrupt is owed when THR empties (after every THR write
 * and a TX FIFO clear) and when IER's THRE bit goes from 0 to 1; it is
 * paid by reading IIR while it is the source shown, or by writing THR.
 * The PC's wiring is part of the model: the IRQ line is the chip's INTR
 * gated by MCR OUT2, and cut off in loopback mode (OUT2 is then internal).
 *
 * Not modelled: parity, framing errors and break (PE, FE, BI and LSR bit
 * 7 read 0; LCR's break bit is kept but sends nothing); FCR's DMA mode
 * bit; the baud rate of transmission (bytes go out at once) and of
 * reception (bytes arrive as fast as vuart_rx is called); a divisor of 0
 * (no timeout then). Writes to IIR's port other than FCR bits, to
 * LSR and MSR are ignored; accesses other than one byte are refused.
 */
#include "uart.h"
#include "errno.h"
#include "string.h"

enum {
	RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7,
};

#define IER_RDI         0x01
#define IER_THRI        0x02
#define IER_RLSI        0x04
#define IER_MSI         0x08

#define IIR_NONE        0x01
#define IIR_MSI         0x00
#define IIR_THRI        0x02
#define IIR_RDI         0x04
#define IIR_RLSI        0x06
#define IIR_CTI         0x0c            /* character timeout */
#define IIR_FIFO        0xc0

#define FCR_ENABLE      0x01
#define FCR_CLEAR_RX    0x02
#define FCR_CLEAR_TX    0x04
#define FCR_TRIGGER     0xc0

#define LCR_STOP2       0x04
#define LCR_PARITY      0x08
#define LCR_DLAB        0x80

#define NS_PER_S        1000000000ull
#define UART_CLOCK_BAUD 115200u         /* 1.8432 MHz / 16: divisor 1 */

#define MCR_DTR         0x01
#define MCR_RTS         0x02
#define MCR_OUT1        0x04
#define MCR_OUT2        0x08
#define MCR_LOOP        0x10

#define LSR_DR          0x01
#define LSR_OE          0x02
#define LSR_THRE        0x20
#define LSR_TEMT        0x40

#define MSR_DCTS        0x01
#define MSR_DDSR        0x02
#define MSR_TERI        0x04
#define MSR_DDCD        0x08
#define MSR_CTS         0x10
#define MSR_DSR         0x20
#define MSR_RI          0x40
#define MSR_DCD         0x80

/* What the line presents when not in loopback: a terminal is attached. */
#define MSR_LINE        (MSR_DCD | MSR_DSR | MSR_CTS)

static bool fifo_on(const struct vuart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? VUART_FIFO : 1;
}

static unsigned rx_trigger(const struct vuart *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };
	return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* Four character times at the current divisor and word format, rounded up
 * to a whole nanosecond; 0 for a divisor of 0. */
static uint64_t timeout_ns(const struct vuart *u)
{
	unsigned data = 5 + (u->lcr & 3);
	unsigned half_bits = 2 * (1 + data + !!(u->lcr & LCR_PARITY));
	half_bits += !(u->lcr & LCR_STOP2) ? 2 : data == 5 ? 3 : 4;
	uint64_t div = u->dll | (unsigned)u->dlm << 8;
	uint64_t den = 2ull * UART_CLOCK_BAUD;
	return (4 * half_bits * div * NS_PER_S + den - 1) / den;
}

/* When the character timeout fires for what is in the FIFO now, UINT64_MAX
 * if it cannot (FIFOs off, nothing in them, at or above the trigger level:
 * that is an RDI already). */
static uint64_t timeout_at(const struct vuart *u)
{
	uint64_t n = timeout_ns(u);
	if (!fifo_on(u) || !u->rx_count || u->rx_count >= rx_trigger(u) || !n)
		return UINT64_MAX;
	return u->rx_last_ns + n;
}

/* The highest-priority source, as IIR bits 0-3. */
static uint8_t source(const struct vuart *u)
{
	if ((u->ier & IER_RLSI) && u->lsr_oe)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count && u->rx_count >= rx_trigger(u))
		return IIR_RDI;
	if ((u->ier & IER_RDI) && u->now_ns >= timeout_at(u))
		return IIR_CTI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & 0x0f))
		return IIR_MSI;
	return IIR_NONE;
}

static void update(struct vuart *u)
{
	bool level = source(u) != IIR_NONE && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
	if (level == u->level)
		return;
	u->level = level;
	if (u->irq)
		u->irq(u->opaque, level);
}

/* The modem status inputs: the line's, or in loopback the MCR outputs
 * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). Changes set the delta bits
 * (RI: only its trailing edge). */
static void set_modem_inputs(struct vuart *u)
{
	uint8_t in = MSR_LINE;
	if (u->mcr & MCR_LOOP) {
		in = 0;
		if (u->mcr & MCR_RTS)
			in |= MSR_CTS;
		if (u->mcr & MCR_DTR)
			in |= MSR_DSR;
		if (u->mcr & MCR_OUT1)
			in |= MSR_RI;
		if (u->mcr & MCR_OUT2)
			in |= MSR_DCD;
	}
	uint8_t old = u->msr & 0xf0, changed = old ^ in, delta = 0;
	if (changed & MSR_CTS)
		delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(in & MSR_RI))
		delta |= MSR_TERI;
	if (changed & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = (uint8_t)(in | (u->msr & 0x0f) | delta);
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A byte reaches the receiver: into the FIFO, or an overrun. */
static int receive(struct vuart *u, uint8_t c)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_oe = LSR_OE;
		return -EAGAIN;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO] = c;
	u->rx_count++;
	u->rx_last_ns = u->now_ns;      /* the timeout counts from here */
	return 0;
}

static uint8_t word_mask(const struct vuart *u)
{
	return (uint8_t)((1u << (5 + (u->lcr & 3))) - 1);
}

static void write_thr(struct vuart *u, uint8_t v)
{
	u->thr_ipending = false;
	update(u);                      /* writing THR drops the THRE interrupt */
	v &= word_mask(u);
	if (u->mcr & MCR_LOOP)
		receive(u, v);
	else if (u->tx)
		u->tx(u->opaque, (char)v);
	u->thr_ipending = true;         /* sent at once: THR is empty again */
}

static void write_fcr(struct vuart *u, uint8_t v)
{
	/* turning the FIFOs on or off empties them */
	if ((v ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);
	u->fcr = v & (FCR_ENABLE | FCR_TRIGGER);
	if (!fifo_on(u))
		u->fcr = 0;
	if (v & FCR_CLEAR_RX)
		rx_clear(u);
	if (v & FCR_CLEAR_TX)
		u->thr_ipending = true;
}

static void port_write(struct vuart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;
	switch (reg) {
	case RBR:
		if (dlab)
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case IIR:
		write_fcr(u, v);
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		set_modem_inputs(u);
		break;
	case SCR:
		u->scr = v;
		break;
	default:                        /* LSR, MSR: factory test, ignored */
		break;
	}
}

static uint8_t port_read(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;
	switch (reg) {
	case RBR:
		if (dlab)
			return u->dll;
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_FIFO;
		u->rx_count--;
		u->rx_last_ns = u->now_ns;      /* a read restarts the timeout */
		return v;
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR:
		v = source(u);
		if (v == IIR_THRI)
			u->thr_ipending = false;
		return (uint8_t)(v | (fifo_on(u) ? IIR_FIFO : 0));
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = (uint8_t)(LSR_THRE | LSR_TEMT | u->lsr_oe | (u->rx_count ? LSR_DR : 0));
		u->lsr_oe = 0;
		return v;
	case MSR:
		v = u->msr;
		u->msr &= 0xf0;
		return v;
	default:
		return u->scr;
	}
}

static int uart_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vuart *u = opaque;
	if (size != 1) {
		if (!write)
			*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -EINVAL;
	}
	unsigned reg = (unsigned)(addr - u->base) & 7;
	if (write)
		port_write(u, reg, (uint8_t)*val);
	else
		*val = port_read(u, reg);
	update(u);
	return 0;
}

int vuart_init(struct vuart *u, struct vdev_table *t, uint16_t base,
	       void (*irq)(void *opaque, bool level), void *opaque,
	       void (*tx)(void *opaque, char c))
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->irq = irq;
	u->tx = tx;
	u->opaque = opaque;
	u->dll = 12;                    /* 9600 baud, as a BIOS leaves it */
	u->msr = MSR_LINE;
	/* THR is empty, but nothing is owed until IER asks for THRE */
	return vdev_register(t, VDEV_PIO, base, VUART_PORTS, uart_io, u, "uart");
}

int vuart_rx(struct vuart *u, char c)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	int rc = receive(u, (uint8_t)c & word_mask(u));
	update(u);
	return rc;
}

void vuart_set_time(struct vuart *u, uint64_t now_ns)
{
	if (now_ns > u->now_ns)
		u->now_ns = now_ns;
	update(u);
}

uint64_t vuart_next_event_ns(const struct vuart *u)
{
	uint64_t at = timeout_at(u);
	if (!(u->ier & IER_RDI) || at <= u->now_ns)
		return UINT64_MAX;      /* off, or already showing */
	return at;
}
