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
 * The serial line itself, the output ring and the writers who wait for
 * room are in console_uart.c.
 */
#include "console.h"
#include "console_line.h"
#include "console_uart.h"
#include "domain.h"
#include "mode.h"
#include "string.h"
#include "cmdline.h"
#include "dispatch.h"
#include "format.h"
#include "errno.h"
#include <public/save.h>
#include "printk.h"
#include "sched.h"
#include "serial.h"
#include "time.h"
#include "x86.h"

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
	console_count_emitted((uint32_t)n);
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

static struct con_term term = { .put = console_put, .cols = CON_COLS };

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
	term.put = focus ? hold : console_put;
}

static void release_held(void)
{
	console_put(held, held_len);
	if (held_dropped) {
		/* The held stream was cut: its last line and attributes are ours
		 * to end. */
		term.dirty = true;
		term.open = NULL;
		console_put("\x1b[0m\n", 5);
		term.dirty = false;
		char msg[96];
		int m = snprintf(msg, sizeof(msg), "(rv) console: %u bytes of output dropped while "
				 "a domain had the keyboard\n", held_dropped);
		console_put(msg, (size_t)m);
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
	term.put = console_put;
	if (d)
		con_line_release(&term, &d->con);
	release_held();
}

void console_write_hv(const char *s, size_t n)
{
	route(NULL);
	con_term_write(&term, s, n);
	term.put = console_put;
	console_kick();
}

void console_panic(void)
{
	console_go_sync();
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

static void domain_input(struct domain *d, char c);

/* Domain 0 reads a domain's output from here (domctl console_read). */
static void remember(struct domain *d, const char *buf, size_t n)
{
	if (!d->con_hist)
		return;
	for (size_t i = 0; i < n; i++)
		d->con_hist[(d->con_hist_pos + i) % RV_CONSOLE_HISTORY] = (uint8_t)buf[i];
	d->con_hist_pos += n;
}

size_t console_domain_history(const struct domain *d, uint64_t pos, char *buf, size_t n,
			      uint64_t *lost)
{
	uint64_t oldest = d->con_hist_pos > RV_CONSOLE_HISTORY ?
			  d->con_hist_pos - RV_CONSOLE_HISTORY : 0;
	*lost = pos < oldest ? oldest - pos : 0;
	if (pos < oldest)
		pos = oldest;
	if (!d->con_hist)
		return 0;
	size_t got = 0;
	while (got < n && pos + got < d->con_hist_pos) {
		buf[got] = (char)d->con_hist[(pos + got) % RV_CONSOLE_HISTORY];
		got++;
	}
	return got;
}

void console_history_out(const struct domain *d, struct rv_save_console *c)
{
	memset(c, 0, sizeof(*c));
	c->pos = d->con_hist_pos;
	if (!d->con_hist)
		return;
	uint64_t n = MIN(d->con_hist_pos, (uint64_t)RV_CONSOLE_HISTORY);
	c->hist_len = (uint32_t)n;
	for (uint64_t i = 0; i < n; i++)
		c->hist[i] = d->con_hist[(d->con_hist_pos - n + i) % RV_CONSOLE_HISTORY];
}

int console_history_check(const struct rv_save_console *c, const char **why)
{
	if (c->hist_len > RV_SAVE_CONSOLE_HIST || c->hist_len > c->pos) {
		*why = "history longer than 8 KiB or than the output it ends";
		return -1;
	}
	if (c->pos > (1ull << 48)) {
		*why = "output position beyond 2^48 bytes";
		return -1;
	}
	return 0;
}

int console_history_in(struct domain *d, const struct rv_save_console *c, const char **why)
{
	if (console_history_check(c, why))
		return -1;
	d->con_hist_pos = c->pos;
	if (!d->con_hist)
		return 0;
	memset(d->con_hist, 0, RV_CONSOLE_HISTORY);
	for (uint32_t i = 0; i < c->hist_len; i++)
		d->con_hist[(c->pos - c->hist_len + i) % RV_CONSOLE_HISTORY] = c->hist[i];
	return 0;
}

bool console_domain_type(struct domain *d, char c)
{
	if (d->in_head - d->in_tail >= sizeof(d->in_ring))
		return false;
	domain_input(d, c);
	return true;
}

static void domain_write(struct domain *d, const char *buf, size_t n)
{
	struct con_line *l = line_of(d);
	remember(d, buf, n);
	if (focus && focus == d->id) {
		term.put = console_put;
		con_line_write_raw(&term, l, buf, n);
	} else {
		route(d);
		con_line_write(&term, l, buf, n);
		term.put = console_put;
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
		uint32_t spent = console_emitted() - since;
		if (spent >= CONSOLE_IO_MAX)
			break;
		if (buf[took - 1] == '\n' &&
		    (spent >= CONSOLE_IO_BUDGET || !console_domain_may_write(d)))
			break;          /* at a line's end: the next call goes on */
	}
	console_kick();
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
	term.put = console_put;
	console_kick();
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

void console_input(char c)
{
	if (c == SWITCH_KEY) {
		in_state = IN_KEY;
		switch_focus();
		console_kick();
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

