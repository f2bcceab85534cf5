/*
 * A domain's console output on the shared terminal (console_line.h says
 * what the two ways of showing it are). This is where the guest's bytes are
 * judged: a tagged line may colour itself, move within itself and erase to
 * its end, and nothing else. The cursor never moves left of the tag or past
 * the terminal's width (so no line can be made to start anywhere but at a
 * tag), attributes are reset before every tag and every line of anyone
 * else, and queries that make the terminal answer (its replies arrive as
 * typed input) never reach it.
 */
#include "console_line.h"
#include "string.h"

static void put(struct con_term *t, const char *s, size_t n)
{
	if (n)
		t->put(s, n);
}

static void put_str(struct con_term *t, const char *s)
{
	put(t, s, strlen(s));
}

/* Attributes a domain set (colours, conceal) end before anyone else's text. */
static void clean(struct con_term *t)
{
	if (t->dirty) {
		put_str(t, "\x1b[0m");
		t->dirty = false;
	}
}

void con_term_settle(struct con_term *t)
{
	clean(t);
	if (t->open) {
		put_str(t, "\n");
		t->open->shown = t->open->len;
		t->open = NULL;
	}
}

void con_term_write(struct con_term *t, const char *s, size_t n)
{
	con_term_settle(t);
	put(t, s, n);
}

void con_line_init(struct con_line *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	size_t n = MIN(strlen(name), (size_t)CON_TAG_MAX - 4);
	l->tag[0] = '[';
	memcpy(l->tag + 1, name, n);
	memcpy(l->tag + 1 + n, "] ", 3);
	l->tag_len = (uint8_t)(n + 3);
}

/* Columns for the domain's text right of its tag. l->col runs from 0 to
 * width: at width the last column is written and the terminal's cursor
 * waits on it (the next printable byte would wrap). */
static uint32_t width(const struct con_term *t, const struct con_line *l)
{
	return MAX(t->cols, l->tag_len + 1u) - l->tag_len;
}

/* After the last column is written the cursor waits on it, and terminals
 * differ on where a move goes from there (xterm: one left of it for a
 * backspace; tmux: onto it). So a move made then is sent as an absolute
 * column (CHA), which puts every terminal at the same place. */
static bool pending_wrap(const struct con_term *t, const struct con_line *l)
{
	return l->col >= width(t, l);
}

static void put_tag(struct con_term *t, struct con_line *l)
{
	clean(t);
	put(t, l->tag, l->tag_len - 1u);
	put(t, l->cont ? "+" : " ", 1);
}

/* Show what of l's current line is not on the terminal yet; with the line's
 * end when done. */
static void show(struct con_term *t, struct con_line *l, bool done)
{
	if (t->open != l) {
		con_term_settle(t);
		put_tag(t, l);
		put(t, l->line, l->len);
	} else {
		put(t, l->line + l->shown, l->len - l->shown);
	}
	if (l->sgr)
		t->dirty = true;
	if (done) {
		clean(t);
		put_str(t, "\n");
		t->open = NULL;
		l->len = l->shown = l->col = 0;
		l->sgr = false;
		l->cont = false;        /* (wrap sets it again for the row that follows) */
	} else {
		t->open = l;
		l->shown = l->len;
	}
}

/* The line is full (wrapped at the terminal's width, or its bytes): it
 * ends and goes on on the next. */
static void wrap(struct con_term *t, struct con_line *l)
{
	show(t, l, true);
	l->cont = true;
}

/* Room for n more bytes on the line, or it goes on on the next: checked
 * before an operation works out where the cursor goes. */
static void room(struct con_term *t, struct con_line *l, size_t n)
{
	if (l->len + n > sizeof(l->line))
		wrap(t, l);
}

static void append(struct con_term *t, struct con_line *l, const char *s, size_t n)
{
	room(t, l, n);
	memcpy(l->line + l->len, s, n);
	l->len += (uint32_t)n;
}

/* One visible character: a line that reaches the terminal's width goes on
 * on a new tagged line (the terminal's own wrap would start a line with
 * the domain's text, not its tag). */
static void append_char(struct con_term *t, struct con_line *l, char c)
{
	room(t, l, 1);
	if (l->col >= width(t, l))
		wrap(t, l);
	append(t, l, &c, 1);
	l->col++;
}

/* Parameters of a CSI sequence: digits and ';' only (no private modes).
 * Returns the number of parameters, -1 if malformed; values cap at 9999. */
static int csi_params(const char *seq, size_t len, uint32_t *p, int max)
{
	int np = 0;
	uint32_t v = 0;
	bool any = false;
	for (size_t i = 2; i + 1 < len; i++) {
		char c = seq[i];
		if (c >= '0' && c <= '9') {
			v = MIN(v * 10 + (uint32_t)(c - '0'), 9999u);
			any = true;
		} else if (c == ';') {
			if (np < max)
				p[np] = v;
			np++;
			v = 0;
		} else {
			return -1;
		}
	}
	if (any || np) {
		if (np < max)
			p[np] = v;
		np++;
	}
	return np;
}

static void append_move(struct con_term *t, struct con_line *l, uint32_t n, char dir);

/* To column `to` of the domain's text (0: right after the tag). */
static void move_to(struct con_term *t, struct con_line *l, uint32_t to)
{
	append_move(t, l, l->tag_len + to + 1, 'G');
	l->col = to;
}

static void append_move(struct con_term *t, struct con_line *l, uint32_t n, char dir)
{
	char seq[12];
	int i = 0;
	seq[i++] = 0x1b;
	seq[i++] = '[';
	char digits[5];
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (nd)
		seq[i++] = digits[--nd];
	seq[i++] = dir;
	append(t, l, seq, (size_t)i);
}

/* A complete CSI sequence from a tagged line: passed, rewritten to stay on
 * the line, dropped (queries) or shown as '?'. */
static void csi(struct con_term *t, struct con_line *l)
{
	uint32_t p[4] = { 0 };
	char final = l->esc[l->esc_len - 1];
	int np = csi_params(l->esc, l->esc_len, p, 4);
	uint32_t n = np > 0 && p[0] ? p[0] : 1;

	if (np < 0) {
		append_char(t, l, '?');
		return;
	}
	room(t, l, MAX((size_t)l->esc_len, sizeof("\x1b[1000G") - 1));
	switch (final) {
	case 'm':                       /* colours and attributes: reset at the line's end */
		append(t, l, l->esc, l->esc_len);
		l->sgr = true;
		return;
	case 'K':                       /* erase to the end of the line only */
		if (np <= 1 && p[0] == 0) {
			append(t, l, l->esc, l->esc_len);
			return;
		}
		break;
	case 'C':                       /* right, up to the terminal's width */
		if (np <= 1) {
			if (pending_wrap(t, l)) {
				move_to(t, l, width(t, l) - 1);
				return;
			}
			n = MIN(n, width(t, l) - 1 - l->col);
			if (n) {
				append_move(t, l, n, 'C');
				l->col += n;
			}
			return;
		}
		break;
	case 'D':                       /* left, never over the tag */
		if (np <= 1) {
			if (pending_wrap(t, l)) {
				move_to(t, l, width(t, l) - 1 - MIN(n, width(t, l) - 1));
				return;
			}
			n = MIN(n, l->col);
			if (n) {
				append_move(t, l, n, 'D');
				l->col -= n;
			}
			return;
		}
		break;
	case 'n':                       /* a status query: the terminal's answer would be typed */
		return;                 /* into whoever has the keyboard, so it is never asked */
	}
	append_char(t, l, '?');
}

/* Back to the line's start after a carriage return: the tag is written
 * again, and the domain's next bytes overwrite its own line. */
static void carriage_return(struct con_term *t, struct con_line *l)
{
	show(t, l, false);
	clean(t);
	put_str(t, "\r");
	put_tag(t, l);
	l->len = l->shown = l->col = 0;
	l->sgr = false;
	l->cont = false;
}

/* To the next tab stop (every 8 columns: con_line_release sets them so),
 * on this line only. */
static void tab(struct con_term *t, struct con_line *l)
{
	room(t, l, 1);
	uint32_t stop = 8 - (l->tag_len + l->col) % 8;
	if (l->col + stop > width(t, l) - 1) {
		wrap(t, l);
		stop = 8 - l->tag_len % 8;
	}
	append(t, l, "\t", 1);
	l->col += stop;
}

static void backspace(struct con_term *t, struct con_line *l)
{
	room(t, l, sizeof("\x1b[1000G") - 1);
	if (pending_wrap(t, l)) {
		move_to(t, l, width(t, l) - MIN(2u, width(t, l)));
		return;
	}
	if (l->col) {           /* never back over the tag */
		append(t, l, "\b", 1);
		l->col--;
	}
}

static void escape_byte(struct con_term *t, struct con_line *l, char c)
{
	l->esc[l->esc_len++] = c;
	if (l->esc_len == 2 && c != '[') {
		l->esc_len = 0;
		append_char(t, l, '?');         /* not a CSI: shown, not obeyed */
		return;
	}
	if (l->esc_len > 2 && c >= 0x40 && c <= 0x7e) {
		csi(t, l);
		l->esc_len = 0;
	} else if (l->esc_len == sizeof(l->esc)) {
		append_char(t, l, '?');         /* longer than any real one */
		l->esc_len = 0;
	}
}

void con_line_write(struct con_term *t, struct con_line *l, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (l->cr_pending && c != '\n' && c != '\r')
			carriage_return(t, l);
		if (c != '\r')
			l->cr_pending = false;
		if (l->esc_len) {
			bool was_intro = l->esc_len == 1;
			escape_byte(t, l, c);
			if (was_intro && c != '[')
				i--;            /* ESC x: the '?' stands for ESC, x is read again */
			continue;
		}
		switch (c) {
		case '\n':
			show(t, l, true);
			continue;
		case '\r':
			l->cr_pending = l->len != 0 || l->col != 0;     /* "\r\n" is just a line end */
			continue;
		case 0x1b:
			l->esc[0] = c;
			l->esc_len = 1;
			continue;
		case '\b':
			backspace(t, l);
			continue;
		case '\t':
			tab(t, l);
			continue;
		default:
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				c = '?';
		}
		append_char(t, l, c);
	}
	if (l->len > l->shown || (t->open != l && l->len))
		show(t, l, false);
}

void con_line_flush(struct con_term *t, struct con_line *l)
{
	if (l->len)
		show(t, l, true);
	else if (t->open == l)
		con_term_settle(t);
	l->esc_len = 0;
	l->cr_pending = false;
	l->col = 0;
}

/* ---- raw: the domain has the keyboard ---- */

enum { RAW_TEXT, RAW_ESC, RAW_CSI, RAW_STRING, RAW_STRING_ESC };

/* Where the domain is in a control sequence, so that one left open when
 * the keyboard moves away can be ended. */
static uint8_t raw_next(uint8_t s, char c)
{
	switch (s) {
	case RAW_TEXT:
		return c == 0x1b ? RAW_ESC : RAW_TEXT;
	case RAW_ESC:
		if (c == '[')
			return RAW_CSI;
		if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X')
			return RAW_STRING;      /* OSC, DCS, APC, PM, SOS: end with ST or BEL */
		return (c >= 0x20 && c <= 0x2f) ? RAW_ESC : RAW_TEXT;
	case RAW_CSI:
		return (c >= 0x40 && c <= 0x7e) || c == 0x18 || c == 0x1a ? RAW_TEXT : RAW_CSI;
	case RAW_STRING:
		return c == 0x07 ? RAW_TEXT : c == 0x1b ? RAW_STRING_ESC : RAW_STRING;
	default:        /* RAW_STRING_ESC */
		return c == '\\' ? RAW_TEXT : RAW_STRING;
	}
}

void con_line_write_raw(struct con_term *t, struct con_line *l, const char *buf, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		l->raw_esc = raw_next(l->raw_esc, c);
		if (c == '\n') {
			l->len = 0;
			l->raw_lost = false;
		} else if (l->len < sizeof(l->line)) {
			l->line[l->len++] = c;
		} else {
			l->raw_lost = true;
		}
		if (c == '\n') {
			put(t, buf + from, i + 1 - from);
			from = i + 1;
		}
	}
	put(t, buf + from, n - from);
}

void con_line_take(struct con_term *t, struct con_line *l)
{
	con_term_settle(t);
	/* The partial line was shown tagged; draw it again for the user to
	 * go on typing after it. It stays the current line. */
	put(t, l->line, l->len);
	l->shown = l->len;
	l->esc_len = 0;
	l->cr_pending = false;
	l->raw_esc = RAW_TEXT;
	l->raw_lost = false;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

void con_line_release(struct con_term *t, struct con_line *l)
{
	if (l->raw_esc == RAW_CSI || l->raw_esc == RAW_ESC)
		put_str(t, "\x18");             /* CAN: abandon the sequence */
	else if (l->raw_esc == RAW_STRING || l->raw_esc == RAW_STRING_ESC)
		put_str(t, "\x1b\\");           /* ST ends a string */
	/* With the cursor saved: the whole scrolling region (setting it homes
	 * the cursor) and a tab stop every 8 columns (tagged lines rely on
	 * them). Then attributes, SI (G0 in use), cursor shown, autowrap, G0
	 * = ASCII, insert mode off, normal cursor and keypad keys. */
	put_str(t, "\x1b" "7\x1b[r\x1b[3g\r");
	for (uint32_t c = 8; c < t->cols; c += 8)
		put_str(t, "\x1b[8C\x1bH");
	put_str(t, "\x1b" "8\x0f\x1b[0m\x1b[?25h\x1b[?7h\x1b(B\x1b[4l\x1b[?1l\x1b>");
	if (l->len || l->raw_lost)
		put_str(t, "\r\n");
	else
		put_str(t, "\r");
	put_str(t, "\x1b[J");                  /* nothing the domain drew below stays */
	t->dirty = false;
	t->open = NULL;
	/* A plain partial line (a prompt) stays the current line, shown again
	 * with the tag when the domain goes on with it; anything else is
	 * dropped. */
	if (l->raw_lost || !printable(l->line, l->len) || l->len > width(t, l))
		l->len = 0;
	l->shown = 0;
	l->col = l->len;
	l->raw_esc = RAW_TEXT;
	l->raw_lost = false;
	l->esc_len = 0;
	l->cr_pending = false;
	l->sgr = false;
	l->cont = false;
}
