/*
 * Console: one serial line shared by the hypervisor and every domain. Output
 * is tagged per line: "(rv) " for the hypervisor, "[name] " for a domain.
 * Input goes to one place at a time, the hypervisor's key handlers or one
 * domain; Ctrl-a pressed three times moves it on (hypervisor, then each
 * domain in turn, then back), as on Xen's console.
 */
#include "console.h"
#include "domain.h"
#include "pv.h"
#include "string.h"
#include "cmdline.h"
#include "dispatch.h"
#include "format.h"
#include "errno.h"
#include "printk.h"
#include "serial.h"

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
	port = next;
	pr_info("console: on UART %#x at %u baud (moved from %#x)\n", port.base, port.baud, old.base);
}

static void put_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc(&port, '\r');
		serial_putc(&port, s[i]);
	}
}

/*
 * A domain's partial line (a shell prompt, what its line editor echoes) is
 * shown at once, so that a user sees the prompt before typing; the serial
 * line is then "open" for that domain. Anyone else's output first ends the
 * open line, and the domain's next bytes start a new tagged line.
 */
static struct domain *open_owner;

static void close_open_line(void)
{
	if (open_owner) {
		put_raw("\n", 1);
		open_owner->out_shown = open_owner->out_len;
		open_owner = NULL;
	}
}

void console_write_hv(const char *s, size_t n)
{
	close_open_line();
	put_raw(s, n);
}

/* ---- domains' consoles ---- */

static void put_tag(const struct domain *d)
{
	char tag[DOMCFG_NAME_MAX + 4];
	int t = snprintf(tag, sizeof(tag), "[%s] ", d->name);
	put_raw(tag, (size_t)t);
}

/* Show what of d's current line is not on the serial line yet; with the
 * line's end when done. */
static void show(struct domain *d, bool done)
{
	if (open_owner != d) {
		close_open_line();
		put_tag(d);
		put_raw(d->out_line, d->out_len);
	} else {
		put_raw(d->out_line + d->out_shown, d->out_len - d->out_shown);
	}
	if (done) {
		put_raw("\n", 1);
		open_owner = NULL;
		d->out_len = d->out_shown = 0;
	} else {
		open_owner = d;
		d->out_shown = d->out_len;
	}
}

static void append(struct domain *d, const char *s, size_t n)
{
	if (d->out_len + n > sizeof(d->out_line))
		show(d, true);          /* an over-long line is cut, tag and all */
	memcpy(d->out_line + d->out_len, s, n);
	d->out_len += (uint32_t)n;
}

/*
 * The terminal controls a domain may send: backspace, tab, and CSI
 * sequences that stay within the current line (cursor left/right, erase in
 * line, colours, the cursor-position query). A carriage return starts the
 * line again with the domain's tag. Anything else (other escapes, cursor
 * up/down, clear screen, other control bytes) is shown as '?': a guest must
 * not be able to drive the terminal beyond its line or forge another
 * domain's tag.
 */
static bool csi_allowed(const char *seq, size_t len)
{
	char final = seq[len - 1];
	for (size_t i = 2; i + 1 < len; i++)
		if (!((seq[i] >= '0' && seq[i] <= '9') || seq[i] == ';'))
			return false;
	return final == 'C' || final == 'D' || final == 'K' || final == 'm' || final == 'n';
}

void console_domain_write(struct domain *d, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (d->cr_pending && c != '\n' && c != '\r') {
			/* back to the line's start: the tag is written again */
			show(d, false);
			put_raw("\r", 1);
			put_tag(d);
			d->out_len = d->out_shown = 0;
		}
		if (c != '\r')
			d->cr_pending = false;
		if (d->esc_len) {
			d->esc_seq[d->esc_len++] = c;
			bool final = d->esc_len > 2 && c >= 0x40 && c <= 0x7e;
			if (d->esc_len == 2 && c != '[') {
				d->esc_len = 0;
				append(d, "?", 1);      /* not a CSI: shown, not obeyed */
				i--;
				continue;
			}
			if (final) {
				if (csi_allowed(d->esc_seq, d->esc_len))
					append(d, d->esc_seq, d->esc_len);
				else
					append(d, "?", 1);
				d->esc_len = 0;
			} else if (d->esc_len == sizeof(d->esc_seq)) {
				append(d, "?", 1);
				d->esc_len = 0;
			}
			continue;
		}
		switch (c) {
		case '\n':
			show(d, true);
			continue;
		case '\r':
			d->cr_pending = d->out_len != 0;        /* "\r\n" is just a line end */
			continue;
		case 0x1b:
			d->esc_seq[0] = c;
			d->esc_len = 1;
			continue;
		case '\b': case '\t':
			break;
		default:
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				c = '?';
		}
		append(d, &c, 1);
	}
	if (d->out_len > d->out_shown || (open_owner != d && d->out_len))
		show(d, false);
}

void console_domain_flush(struct domain *d)
{
	if (d->out_len)
		show(d, true);
	else if (open_owner == d)
		close_open_line();
	d->esc_len = 0;
	d->cr_pending = false;
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
	pv_raise_event(d, PV_PORT_CONSOLE);
}

/* Input focus: 0 = the hypervisor, else a domain id. */
static uint32_t focus;
static unsigned ctrl_a_run;

static bool alive(const struct domain *d)
{
	return d && (d->state == DOM_RUNNABLE || d->state == DOM_BLOCKED);
}

static void switch_focus(void)
{
	uint32_t id = focus;
	for (unsigned n = 0; n < MAX_DOMAINS; n++) {
		id = (id + 1) % MAX_DOMAINS;
		if (id == 0 || alive(domains[id]))
			break;
	}
	focus = id;
	if (focus)
		printk("console input now goes to domain %u (%s); Ctrl-a three times to switch\n",
		       focus, domains[focus]->name);
	else
		printk("console input now goes to the hypervisor ('h' for help); Ctrl-a three times to switch\n");
}

static void console_input(char c)
{
	if (c == 0x01) {
		if (++ctrl_a_run == 3) {
			ctrl_a_run = 0;
			switch_focus();
		}
		return;
	}
	/* Ctrl-a pressed once or twice and then something else: pass them on. */
	while (ctrl_a_run) {
		ctrl_a_run--;
		if (focus && alive(domains[focus]))
			domain_input(domains[focus], 0x01);
	}
	if (focus && !alive(domains[focus]))
		focus = 0;              /* the domain went away: back to us */
	if (focus)
		domain_input(domains[focus], c);
	else
		keyhandler_handle(c);
}

static void console_interrupt(unsigned irq)
{
	int c;
	/* Drain the FIFO: one interrupt may stand for several bytes. */
	while ((c = serial_getc(&port)) >= 0)
		console_input((char)c);
}

void console_enable_input(void)
{
	irq_register(port.irq, console_interrupt, "console (UART receive)");
	serial_enable_rx_irq(&port);
}
