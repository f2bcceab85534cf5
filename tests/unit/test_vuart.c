/* The emulated 16550A UART (hv/vdev/uart.c), programmed as a guest would:
 * every register access goes through vdev_access on the domain's table. */
#include "unit.h"
#include <string.h>

#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/uart.h"

#define COM1 VUART_COM1_BASE

static struct vdev_table t;
static struct vuart u;

/* What the callbacks saw. */
static bool irq_level;
static unsigned irq_changes;
static char sent[512];
static unsigned nsent;
static const int cookie;

static void irq_cb(void *opaque, bool level)
{
	assert_ptr_equal(opaque, &cookie);
	assert_true(level != irq_level);        /* only changes are reported */
	irq_level = level;
	irq_changes++;
}

static void tx_cb(void *opaque, char c)
{
	assert_ptr_equal(opaque, &cookie);
	assert_true(nsent < sizeof(sent));
	sent[nsent++] = c;
}

static void out(unsigned reg, uint8_t v)
{
	vdev_outb(&t, (uint16_t)(COM1 + reg), v);
}

static uint8_t in(unsigned reg)
{
	return vdev_inb(&t, (uint16_t)(COM1 + reg));
}

static int setup(void **state)
{
	vdev_clear(&t);
	irq_level = false;
	irq_changes = 0;
	nsent = 0;
	memset(sent, 0, sizeof(sent));
	assert_int_equal(vuart_init(&u, &t, COM1, irq_cb, (void *)&cookie, tx_cb), 0);
	return 0;
}

/* ringos-pc's arch_init() then pc_cpu_init()'s interrupt setup. */
static void ringos_init(void)
{
	out(1, 0);
	out(3, 0x80);
	out(0, 1);
	out(1, 0);
	out(3, 3);
	out(2, 7);
	out(1, 0x01);
	out(4, 0x0b);
}

/* ringos's arch_console_write(). */
static void ringos_write(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			ringos_write("\r");
		int spin = 0;
		while (spin < 100000 && !(in(5) & 0x20))
			spin++;
		assert_int_equal(spin, 0);      /* THR is always empty */
		out(0, (uint8_t)*s);
	}
}

static void test_reset_and_registration(void **state)
{
	for (unsigned p = COM1; p < COM1 + 8; p++)
		assert_non_null(vdev_find(&t, VDEV_PIO, p, 1));
	assert_null(vdev_find(&t, VDEV_PIO, COM1 - 1, 1));
	assert_null(vdev_find(&t, VDEV_PIO, COM1 + 8, 1));
	static struct vuart v;
	assert_int_equal(vuart_init(&v, &t, COM1 + 4, NULL, NULL, NULL), -EBUSY);
	assert_int_equal(t.n[VDEV_PIO], 1);
	/* a second port elsewhere, with nobody listening, is fine */
	assert_int_equal(vuart_init(&v, &t, 0x2f8, NULL, NULL, NULL), 0);
	uint32_t val = 'x';
	assert_int_equal(vdev_access(&t, VDEV_PIO, 0x2f8, 1, true, &val), 0);
	assert_int_equal(vuart_rx(&v, 'y'), 0);
	/* reset values */
	assert_int_equal(in(1), 0);
	assert_int_equal(in(2), 0x01);
	assert_int_equal(in(3), 0);
	assert_int_equal(in(4), 0);
	assert_int_equal(in(5), 0x60);
	assert_int_equal(in(6), 0xb0);          /* DCD, DSR, CTS: a terminal */
	out(3, 0x80);
	assert_int_equal(in(0), 12);
	assert_int_equal(in(1), 0);
	assert_int_equal(irq_changes, 0);
	assert_int_equal(nsent, 0);
}

static void test_linux_probe(void **state)
{
	/* drivers/tty/serial/8250/8250_port.c autoconfig(): IER scratch test */
	uint8_t save = in(1);
	out(1, 0);
	assert_int_equal(in(1) & 0x0f, 0);
	out(1, 0x0f);
	assert_int_equal(in(1) & 0x0f, 0x0f);
	out(1, 0xff);
	assert_int_equal(in(1), 0x0f);          /* bits 4-7 read 0 */
	out(1, save);
	/* the loopback test */
	uint8_t save_mcr = in(4), save_lcr = in(3);
	out(4, 0x10 | 0x0a);
	assert_int_equal(in(6) & 0xf0, 0x90);
	out(4, save_mcr);
	/* EFR probe (no EFR on a 16550A), then FIFO detection */
	out(3, 0xbf);
	out(2, 0);
	out(3, 0);
	out(2, 0x01);
	assert_int_equal(in(2) >> 6, 3);        /* a 16550A */
	/* autoconfig_16550a: not a 16750 (IIR bit 5 never set) */
	out(3, 0);
	out(2, 0x21);
	assert_int_equal(in(2) >> 5, 6);
	out(2, 0x01);
	out(3, 0x80);
	out(2, 0x21);
	assert_int_equal(in(2) >> 5, 6);
	out(3, save_lcr);
	/* the scratch register (serial8250_config_port's SCR checks) */
	out(7, 0xa5);
	assert_int_equal(in(7), 0xa5);
	out(7, 0x5a);
	assert_int_equal(in(7), 0x5a);
	/* serial8250_do_startup(): clear FIFOs, drain, not an empty bus */
	out(2, 0x01);
	out(2, 0x07);
	out(2, 0);
	assert_int_not_equal(in(5), 0xff);
	in(0);
	in(2);
	in(6);
	/* the THRE test: IER.THRI makes IIR show an interrupt, each time */
	out(3, 0x03);
	out(1, 0x02);
	assert_int_equal(in(2) & 0x01, 0);
	out(1, 0);
	out(1, 0x02);
	assert_int_equal(in(2) & 0x01, 0);
	out(1, 0);
	assert_true(in(5) & 0x40);              /* TEMT */
	/* interrupts on, OUT2 set (the PC's IRQ gate): a line on IRQ 4 */
	out(4, 0x0b);
	out(1, 0x05);
	assert_false(irq_level);
	assert_int_equal(vuart_rx(&u, 'k'), 0);
	assert_true(irq_level);
	assert_int_equal(in(0), 'k');
	assert_false(irq_level);
}

static void test_ringos_init(void **state)
{
	ringos_init();
	/* 115200 8N1, FIFOs on with trigger 1 */
	assert_int_equal(in(3), 0x03);
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(in(1), 0x01);
	assert_int_equal(in(4), 0x0b);
	out(3, 0x83);
	assert_int_equal(in(0), 1);
	assert_int_equal(in(1), 0);
	out(3, 0x03);
	ringos_write("hi\nyo");
	assert_int_equal(nsent, 6);
	assert_memory_equal(sent, "hi\r\nyo", 6);
	assert_false(irq_level);                /* THRE not enabled */
	/* a key: IRQ 4, then the handler's loop while LSR.DR */
	assert_int_equal(vuart_rx(&u, 'l'), 0);
	assert_int_equal(vuart_rx(&u, 's'), 0);
	assert_true(irq_level);
	assert_int_equal(in(2), 0xc4);
	char got[4];
	unsigned n = 0;
	while (in(5) & 1)
		got[n++] = (char)in(0);
	assert_int_equal(n, 2);
	assert_memory_equal(got, "ls", 2);
	assert_false(irq_level);
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(irq_changes, 2);
}

static void test_transmit(void **state)
{
	out(3, 0x03);
	for (unsigned i = 0; i < 300; i++)
		out(0, (uint8_t)(i * 7));
	assert_int_equal(nsent, 300);
	for (unsigned i = 0; i < 300; i++)
		assert_int_equal((uint8_t)sent[i], (uint8_t)(i * 7));
	assert_int_equal(in(5), 0x60);          /* sent at once */
	/* bytes are cut to the word length: 7 bits, then 5 */
	nsent = 0;
	out(3, 0x02);
	out(0, 0xff);
	out(3, 0x00);
	out(0, 0xff);
	assert_int_equal(nsent, 2);
	assert_int_equal((uint8_t)sent[0], 0x7f);
	assert_int_equal((uint8_t)sent[1], 0x1f);
	/* nothing is sent with DLAB set (that is DLL) */
	out(3, 0x83);
	out(0, 'z');
	assert_int_equal(nsent, 2);
}

static void test_receive(void **state)
{
	out(3, 0x03);
	assert_int_equal(in(5) & 0x01, 0);
	assert_int_equal(in(0), 0);             /* empty: harmless */
	/* FIFOs off: one byte of holding register, the next overruns */
	assert_int_equal(vuart_rx(&u, 'a'), 0);
	assert_int_equal(in(5), 0x61);
	assert_int_equal(vuart_rx(&u, 'b'), -EAGAIN);
	assert_int_equal(in(5), 0x63);          /* DR, OE */
	assert_int_equal(in(5), 0x61);          /* OE cleared by reading LSR */
	assert_int_equal(in(0), 'a');
	assert_int_equal(in(5), 0x60);
	/* FIFOs on: 16 bytes in order, the 17th overruns */
	out(2, 0x01);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vuart_rx(&u, (char)('A' + i)), 0);
	assert_int_equal(vuart_rx(&u, '!'), -EAGAIN);
	assert_int_equal(in(5), 0x63);
	assert_int_equal(in(5), 0x61);
	for (int i = 0; i < 16; i++) {
		assert_true(in(5) & 0x01);
		assert_int_equal(in(0), 'A' + i);
	}
	assert_int_equal(in(5), 0x60);
	/* room again, and the ring wraps in order */
	for (int r = 0; r < 5; r++) {
		for (int i = 0; i < 11; i++)
			assert_int_equal(vuart_rx(&u, (char)(r * 11 + i)), 0);
		for (int i = 0; i < 11; i++)
			assert_int_equal(in(0), r * 11 + i);
	}
	/* FCR clears the receive FIFO; so does turning the FIFOs off */
	vuart_rx(&u, 'x');
	out(2, 0x03);
	assert_int_equal(in(5), 0x60);
	vuart_rx(&u, 'y');
	out(2, 0x00);
	assert_int_equal(in(5), 0x60);
	assert_int_equal(in(2), 0x01);          /* no FIFO bits */
}

static void test_loopback(void **state)
{
	out(3, 0x03);
	out(4, 0x10);
	assert_int_equal(in(6), 0x0b);          /* CTS, DSR, DCD fell */
	assert_int_equal(in(6), 0x00);          /* deltas cleared by reading */
	/* MCR outputs read back as MSR inputs */
	out(4, 0x11);
	assert_int_equal(in(6), 0x22);          /* DTR -> DSR */
	out(4, 0x12);
	assert_int_equal(in(6), 0x13);          /* RTS -> CTS */
	out(4, 0x14);
	assert_int_equal(in(6), 0x41);          /* OUT1 -> RI (leading edge: no TERI) */
	out(4, 0x18);
	assert_int_equal(in(6), 0x8c);          /* OUT2 -> DCD, RI trailing edge */
	out(4, 0x1f);
	assert_int_equal(in(6), 0xf3);
	/* what is sent comes back, not out */
	out(2, 0x01);
	out(0, 'p');
	out(0, 'q');
	assert_int_equal(nsent, 0);
	assert_int_equal(in(5), 0x61);
	assert_int_equal(in(0), 'p');
	assert_int_equal(in(0), 'q');
	/* the line is cut off from the receiver */
	assert_int_equal(vuart_rx(&u, 'z'), 0);
	assert_int_equal(in(5), 0x60);
	/* an overrun of the loop */
	for (int i = 0; i < 17; i++)
		out(0, (uint8_t)i);
	assert_int_equal(in(5), 0x63);
	/* the IRQ pin is cut off in loopback though IIR shows the source */
	out(1, 0x01);
	assert_int_equal(in(2), 0xc4);
	assert_false(irq_level);
	out(4, 0x08);                           /* back to the line, OUT2 on */
	assert_true(irq_level);
	assert_int_equal(in(6) & 0xf0, 0xb0);
	out(2, 0x03);
	assert_false(irq_level);
	out(0, 'o');
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0], 'o');
}

static void test_priorities(void **state)
{
	out(3, 0x03);
	out(2, 0x01);                           /* FIFO, trigger 1 */
	/* a modem status change: into loopback and out again */
	out(4, 0x18);
	out(4, 0x08);
	/* received data and an overrun */
	for (int i = 0; i < 17; i++)
		vuart_rx(&u, (char)i);
	assert_false(irq_level);                /* nothing enabled */
	assert_int_equal(in(2), 0xc1);
	out(1, 0x0f);
	assert_true(irq_level);
	assert_int_equal(in(2), 0xc6);          /* line status */
	assert_int_equal(in(2), 0xc6);          /* IIR does not clear it */
	assert_int_equal(in(5) & 0x02, 0x02);
	assert_int_equal(in(2), 0xc4);          /* received data */
	for (int i = 0; i < 16; i++)
		in(0);
	assert_true(irq_level);
	assert_int_equal(in(2), 0xc2);          /* THRE, paid by this read */
	assert_int_equal(in(2), 0xc0);          /* modem status */
	assert_true(irq_level);
	assert_int_equal(in(6) & 0x0f, 0x03);  /* DCTS, DDSR */
	assert_int_equal(in(2), 0xc1);
	assert_false(irq_level);
	/* each source only with its IER bit */
	vuart_rx(&u, 'a');
	out(1, 0x0e);
	assert_int_equal(in(2), 0xc1);          /* RX masked; THRE stayed on, paid */
	out(1, 0x00);
	assert_int_equal(in(2), 0xc1);
	out(1, 0x01);
	assert_int_equal(in(2), 0xc4);
	/* without OUT2 the PC's IRQ line stays low */
	out(4, 0x00);
	assert_false(irq_level);
	out(4, 0x08);
	assert_true(irq_level);
}

static void test_thre_rules(void **state)
{
	out(3, 0x03);
	out(4, 0x08);
	out(1, 0x02);                           /* 0 -> 1: raised */
	assert_true(irq_level);
	assert_int_equal(in(2), 0x02);
	assert_false(irq_level);                /* paid by reading IIR */
	assert_int_equal(in(2), 0x01);
	out(1, 0x03);                           /* stays 1: not raised again */
	assert_int_equal(in(2), 0x01);
	out(1, 0x00);
	out(1, 0x02);                           /* 0 -> 1 again */
	assert_int_equal(in(2), 0x02);
	/* a THR write: the byte goes, THR empties, raised again */
	unsigned c = irq_changes;
	out(0, 'a');
	assert_true(irq_level);
	assert_int_equal(irq_changes, c + 1);
	/* written while owed: the line drops and rises (a new edge) */
	out(0, 'b');
	assert_true(irq_level);
	assert_int_equal(irq_changes, c + 3);
	/* IIR showing a higher source does not pay THRE */
	out(1, 0x03);
	vuart_rx(&u, 'r');
	assert_int_equal(in(2), 0x04);
	assert_int_equal(in(0), 'r');
	assert_int_equal(in(2), 0x02);
	assert_int_equal(in(2), 0x01);
	/* masked then unmasked by another bit: still paid */
	out(1, 0x00);
	out(1, 0x01);
	assert_int_equal(in(2), 0x01);
	/* clearing the transmit FIFO empties THR: owed again */
	out(1, 0x02);
	assert_int_equal(in(2), 0x02);
	out(2, 0x05);
	assert_int_equal(in(2), 0xc2);
	assert_int_equal(nsent, 2);
}

static void test_trigger_levels(void **state)
{
	static const struct { uint8_t fcr; unsigned level; } cases[] = {
		{ 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 }, { 0xc7, 14 },
	};
	out(3, 0x03);
	out(4, 0x08);
	out(1, 0x01);
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		out(2, cases[k].fcr | 0x02);
		for (unsigned i = 1; i <= 16; i++) {
			vuart_rx(&u, (char)i);
			assert_int_equal(irq_level, i >= cases[k].level);
			assert_int_equal(in(2), i >= cases[k].level ? 0xc4 : 0xc1);
		}
		/* reading back below the level drops it */
		for (unsigned i = 16; i > 0; i--) {
			in(0);
			assert_int_equal(irq_level, i - 1 >= cases[k].level && i - 1);
		}
	}
	/* FIFOs off: each byte */
	out(2, 0x00);
	vuart_rx(&u, 'x');
	assert_true(irq_level);
	assert_int_equal(in(2), 0x04);
}

static void test_divisor_latch(void **state)
{
	out(1, 0x05);
	out(3, 0x83);
	out(0, 0x34);
	out(1, 0x12);
	assert_int_equal(in(0), 0x34);
	assert_int_equal(in(1), 0x12);
	assert_int_equal(in(3), 0x83);
	out(3, 0x1b);                           /* 8E1, DLAB off */
	assert_int_equal(in(1), 0x05);          /* IER untouched */
	assert_int_equal(in(0), 0);             /* RBR, not DLL */
	assert_int_equal(in(3), 0x1b);
	out(3, 0x9b);
	assert_int_equal(in(0), 0x34);
	assert_int_equal(in(1), 0x12);
	for (unsigned d = 0; d < 0x10000; d += 0x0101) {
		out(0, (uint8_t)d);
		out(1, (uint8_t)(d >> 8));
		assert_int_equal(in(0) | in(1) << 8, d);
	}
	assert_int_equal(nsent, 0);
}

static void test_refused_sizes(void **state)
{
	out(7, 0x11);
	for (unsigned size = 2; size <= 4; size += 2) {
		uint32_t val = 0x2222;
		assert_int_equal(vdev_access(&t, VDEV_PIO, COM1 + 8 - size, size, true, &val), -EINVAL);
		assert_int_equal(vdev_access(&t, VDEV_PIO, COM1, size, true, &val), -EINVAL);
		val = 0;
		assert_int_equal(vdev_access(&t, VDEV_PIO, COM1 + 4, size, false, &val), -EINVAL);
		assert_int_equal(val, size == 4 ? 0xffffffffu : 0xffffu);
	}
	assert_int_equal(in(7), 0x11);
	assert_int_equal(nsent, 0);
}

static void test_write_storm(void **state)
{
	uint64_t seed = unit_seed("vuart storm");
	for (int i = 0; i < 200000; i++) {
		uint64_t r = unit_rand(&seed);
		unsigned reg = (unsigned)(r >> 8) & 7;
		uint8_t v = (uint8_t)(r >> 16);
		switch (r & 7) {
		case 0: case 1: case 2: {
			unsigned before = nsent;
			bool loop = in(4) & 0x10, dlab = in(3) & 0x80;
			if (nsent > 400)
				nsent = before = 0;
			out(reg, v);
			if (reg == 0 && !dlab)
				assert_int_equal(nsent, before + !loop);
			else
				assert_int_equal(nsent, before);
			break;
		}
		case 3: case 4:
			in(reg);
			break;
		case 5: {
			int rc = vuart_rx(&u, (char)v);
			assert_true(rc == 0 || rc == -EAGAIN);
			break;
		}
		default: {
			uint8_t iir = in(2), lsr = in(5);
			assert_int_equal(iir & 0x30, 0);
			uint8_t id = iir & 0x0f;
			assert_true(id == 0x01 || id == 0x00 || id == 0x02 || id == 0x04 || id == 0x06);
			assert_int_equal(lsr & 0x60, 0x60);
			assert_int_equal(lsr & 0x9c, 0);
			uint32_t w = (uint32_t)r;
			vdev_access(&t, VDEV_PIO, COM1 + (reg & 6), 2, (r >> 40) & 1, &w);
			break;
		}
		}
		assert_int_equal(irq_level, u.level);
		assert_true(u.rx_count <= VUART_FIFO);
	}
}

#define SEC 1000000000ull

/* Four character times, in ns rounded up, for bits per character (in
 * halves) at 115200 / div baud. */
static uint64_t four_chars(unsigned half_bits, unsigned div)
{
	return (4ull * half_bits * div * SEC + 230400 - 1) / 230400;
}

/* Linux's 8250 on a 16550A: 115200 8N1, FIFO on with an 8-byte trigger
 * (UART_FCR_R_TRIG_10), RX and line-status interrupts, OUT2. One typed
 * key is below the trigger: only the character timeout reports it, four
 * character times (4 x 10 bits at 115200: 347.2 us) after it came. */
static void test_char_timeout_linux(void **state)
{
	(void)state;
	out(3, 0x80);
	out(0, 1);
	out(1, 0);
	out(3, 0x03);
	out(2, 0x81);
	out(4, 0x0b);
	out(1, 0x05);
	uint64_t t0 = 5000000;
	vuart_set_time(&u, t0);
	assert_int_equal(vuart_rx(&u, 'a'), 0);
	assert_false(irq_level);
	uint64_t due = t0 + four_chars(20, 1);
	assert_int_equal(due, t0 + 347223);
	assert_int_equal(vuart_next_event_ns(&u), due);
	vuart_set_time(&u, due - 1);
	assert_false(irq_level);
	assert_int_equal(in(2), 0xc1);
	vuart_set_time(&u, due);
	assert_true(irq_level);
	assert_int_equal(vuart_next_event_ns(&u), UINT64_MAX);   /* showing */
	/* serial8250_handle_irq: IIR, then LSR and RBR while DR */
	assert_int_equal(in(2), 0xcc);
	assert_int_equal(in(2), 0xcc);                  /* reading IIR keeps it */
	assert_int_equal(in(5) & 0x01, 0x01);
	assert_int_equal(in(0), 'a');
	assert_false(irq_level);
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(in(5) & 0x01, 0);
	assert_int_equal(vuart_next_event_ns(&u), UINT64_MAX);   /* FIFO empty */
}

/* The timer restarts with every byte in and every byte read. */
static void test_char_timeout_restarts(void **state)
{
	(void)state;
	out(3, 0x80);
	out(0, 1);
	out(3, 0x03);
	out(2, 0xc1);                                   /* trigger 14 */
	out(4, 0x08);
	out(1, 0x01);
	uint64_t four = four_chars(20, 1);
	vuart_rx(&u, 'x');
	vuart_set_time(&u, four - 10);
	vuart_rx(&u, 'y');                              /* restarts it */
	vuart_set_time(&u, four + 10);
	assert_false(irq_level);
	assert_int_equal(vuart_next_event_ns(&u), four - 10 + four);
	vuart_set_time(&u, 2 * four - 10);
	assert_true(irq_level);
	assert_int_equal(in(0), 'x');                   /* one read: cleared, restarted */
	assert_false(irq_level);
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(vuart_next_event_ns(&u), 3 * four - 10);
	vuart_set_time(&u, 3 * four - 11);
	assert_false(irq_level);
	vuart_set_time(&u, 3 * four - 10);
	assert_true(irq_level);
	assert_int_equal(in(2), 0xcc);
	/* IER's RX bit gates it; OUT2 gates the line, not IIR */
	out(1, 0x00);
	assert_false(irq_level);
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(vuart_next_event_ns(&u), UINT64_MAX);
	out(1, 0x01);
	out(4, 0x00);
	assert_false(irq_level);
	assert_int_equal(in(2), 0xcc);
}

/* The character time follows LCR and the divisor: 7 data bits, even
 * parity, 2 stop bits (11 bits) at 9600 baud; 5 data bits and 1.5 stop
 * bits (7.5 bits) at 300 baud. */
static void test_char_timeout_formats(void **state)
{
	(void)state;
	out(3, 0x80);
	out(0, 12);
	out(3, 0x1e);                                   /* 7E2 */
	out(2, 0x41);                                   /* trigger 4 */
	out(4, 0x08);
	out(1, 0x01);
	vuart_rx(&u, 'q');
	assert_int_equal(vuart_next_event_ns(&u), four_chars(22, 12));
	assert_int_equal(four_chars(22, 12), 4583334);  /* 4 x 11 / 9600 s */
	assert_int_equal(in(0), 'q');
	out(3, 0x80);
	out(0, 0x80);
	out(1, 0x01);                                   /* DLM: 384 = 300 baud */
	out(3, 0x04);                                   /* 5N1.5 */
	out(1, 0x01);
	vuart_set_time(&u, SEC);
	vuart_rx(&u, 1);
	assert_int_equal(vuart_next_event_ns(&u), SEC + four_chars(15, 384));
	assert_int_equal(four_chars(15, 384), 100000000); /* 4 x 7.5 / 300 s */
}

/* No timeout with the FIFOs off (DR interrupts at once), nor at or above
 * the trigger level (that is a received-data interrupt, IIR 0x04). */
static void test_char_timeout_not_without_fifo(void **state)
{
	(void)state;
	out(3, 0x03);
	out(4, 0x08);
	out(1, 0x01);
	vuart_rx(&u, 'z');
	assert_true(irq_level);
	assert_int_equal(in(2), 0x04);
	assert_int_equal(vuart_next_event_ns(&u), UINT64_MAX);
	vuart_set_time(&u, SEC);
	assert_int_equal(in(2), 0x04);
	(void)in(0);
	out(2, 0x41);                                   /* FIFO, trigger 4 */
	for (int i = 0; i < 4; i++)
		vuart_rx(&u, (char)('0' + i));
	assert_int_equal(vuart_next_event_ns(&u), UINT64_MAX);
	vuart_set_time(&u, 2 * SEC);
	assert_int_equal(in(2), 0xc4);
	(void)in(0);                                    /* 3 left, below the trigger */
	assert_int_equal(in(2), 0xc1);
	assert_int_equal(vuart_next_event_ns(&u), 2 * SEC + four_chars(20, 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_and_registration, setup),
		cmocka_unit_test_setup(test_linux_probe, setup),
		cmocka_unit_test_setup(test_ringos_init, setup),
		cmocka_unit_test_setup(test_transmit, setup),
		cmocka_unit_test_setup(test_receive, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_priorities, setup),
		cmocka_unit_test_setup(test_thre_rules, setup),
		cmocka_unit_test_setup(test_trigger_levels, setup),
		cmocka_unit_test_setup(test_divisor_latch, setup),
		cmocka_unit_test_setup(test_refused_sizes, setup),
		cmocka_unit_test_setup(test_write_storm, setup),
		cmocka_unit_test_setup(test_char_timeout_linux, setup),
		cmocka_unit_test_setup(test_char_timeout_restarts, setup),
		cmocka_unit_test_setup(test_char_timeout_formats, setup),
		cmocka_unit_test_setup(test_char_timeout_not_without_fifo, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
