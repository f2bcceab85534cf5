/*
 * The terminal model of the console tests (term_model.h): a byte-at-a-time
 * parser of what an xterm-like terminal does with the console's output
 * (C0 controls, ESC and CSI sequences, strings it swallows), on a 24-row
 * screen with the rows scrolled off kept as history.
 */
#include "unit.h"

#include <string.h>

#include "term_model.h"
#include "types.h"              /* MIN, MAX */

struct screen S;

static void blank_row(struct cell *row)
{
	for (int i = 0; i < MAXC; i++)
		row[i] = (struct cell){ ' ', 0 };
}

static void scr_reset(int cols)
{
	assert_true(cols > 0 && cols <= MAXC);
	memset(&S, 0, sizeof(S));
	S.cols = cols;
	for (int r = 0; r < ROWS; r++)
		blank_row(S.grid[r]);
	for (int c = 8; c < MAXC; c += 8)
		S.tabs[c] = true;
	S.autowrap = true;
	S.bot = ROWS - 1;
}

static void scr_linefeed(void)
{
	if (S.r == S.bot) {
		if (S.top == 0) {
			assert_true(S.nhist < HIST);
			memcpy(S.hist[S.nhist++], S.grid[0], sizeof(S.grid[0]));
		}
		memmove(&S.grid[S.top], &S.grid[S.top + 1], (size_t)(S.bot - S.top) * sizeof(S.grid[0]));
		blank_row(S.grid[S.bot]);
	} else if (S.r < ROWS - 1) {
		S.r++;
	}
}

static void scr_print(char ch)
{
	if (S.wrapnext && S.autowrap) {
		S.c = 0;
		scr_linefeed();
		S.autowraps++;
	}
	S.wrapnext = false;
	uint8_t attr = (uint8_t)((S.sgr ? A_SGR : 0) | (S.conceal ? A_CONCEAL : 0) |
				 ((S.shifted ? S.g1_gfx : S.g0_gfx) ? A_GFX : 0));
	S.grid[S.r][S.c] = (struct cell){ ch, (uint8_t)(attr | (S.marknew ? A_NEW : 0)) };
	if (S.c == S.cols - 1)
		S.wrapnext = S.autowrap;
	else
		S.c++;
}

static void scr_c0(unsigned char ch)
{
	switch (ch) {
	case '\r':
		S.c = 0;
		S.wrapnext = false;
		break;
	case '\n':
		scr_linefeed();
		S.wrapnext = false;
		break;
	case '\b':              /* from the last column even with a wrap pending; no reverse wrap */
		S.wrapnext = false;
		if (S.c > 0)
			S.c--;
		break;
	case '\t': {
		int c = S.c + 1;
		while (c < S.cols - 1 && !S.tabs[c])
			c++;
		S.c = c < S.cols - 1 ? c : S.cols - 1;
		S.wrapnext = false;
		break;
	}
	case 0x0e:              /* SO: G1 */
		S.shifted = true;
		break;
	case 0x0f:              /* SI: G0 */
		S.shifted = false;
		break;
	case 0x07:
	case 0x18:
	case 0x1a:
		break;
	default:
		S.unknown++;
	}
}

static void scr_erase(int row, int from, int to)
{
	for (int c = from; c <= to && c < S.cols; c++)
		S.grid[row][c] = (struct cell){ ' ', 0 };
}

static void scr_csi(void)
{
	char final = S.seq[S.seqlen - 1];
	char priv = 0;
	int i = 0, np = 0, p[16] = { 0 };
	bool inter = false;
	if (S.seqlen > 1 && strchr("<=>?", S.seq[0]))
		priv = S.seq[i++];
	for (; i < S.seqlen - 1; i++) {
		char c = S.seq[i];
		if (c >= '0' && c <= '9') {
			if (np == 0)
				np = 1;
			if (np <= 16)
				p[np - 1] = MIN(p[np - 1] * 10 + (c - '0'), 99999);
		} else if (c == ';') {
			np = np ? np + 1 : 2;
		} else {
			inter = true;
		}
	}
	int p0 = p[0], n = p0 ? p0 : 1;
	if (inter) {
		S.unknown++;
		return;
	}
	if (priv == '?') {
		if (final == 'h' || final == 'l') {
			for (int k = 0; k < MIN(np, 16); k++)
				if (p[k] == 7)
					S.autowrap = final == 'h';
		} else if (final == 'n') {
			S.queries++;
		} else {
			S.unknown++;
		}
		return;
	}
	if (priv) {
		S.unknown++;
		return;
	}
	switch (final) {
	case 'm':
		if (np == 0)
			S.sgr = S.conceal = false;
		for (int k = 0; k < MIN(np, 16); k++) {
			if (p[k] == 0) {
				S.sgr = S.conceal = false;
			} else if (p[k] == 8) {
				S.sgr = S.conceal = true;
			} else if (p[k] == 28) {
				S.conceal = false;
			} else {
				S.sgr = true;
			}
		}
		break;
	case 'K':
		S.wrapnext = false;
		if (p0 == 0)
			scr_erase(S.r, S.c, S.cols - 1);
		else if (p0 == 1)
			scr_erase(S.r, 0, S.c);
		else if (p0 == 2)
			scr_erase(S.r, 0, S.cols - 1);
		else
			S.unknown++;
		break;
	case 'J':
		if (p0 == 0 || p0 == 2 || p0 == 3) {
			scr_erase(S.r, p0 ? 0 : S.c, S.cols - 1);
			for (int r = p0 ? 0 : S.r + 1; r < ROWS; r++)
				if (r != S.r)
					scr_erase(r, 0, S.cols - 1);
		} else {
			S.unknown++;
		}
		break;
	case 'C':
		S.c = MIN(S.c + n, S.cols - 1);
		S.wrapnext = false;
		break;
	case 'D':               /* from the last column even with a wrap pending */
		S.c = MAX(S.c - n, 0);
		S.wrapnext = false;
		break;
	case 'G':               /* CHA: an absolute column */
		S.c = MIN((np > 0 && p[0] ? p[0] : 1) - 1, S.cols - 1);
		S.wrapnext = false;
		break;
	case 'A':
		S.r = MAX(S.r - n, 0);
		S.wrapnext = false;
		break;
	case 'B':
		S.r = MIN(S.r + n, ROWS - 1);
		S.wrapnext = false;
		break;
	case 'H':
	case 'f':
		S.r = MIN((np > 0 && p[0] ? p[0] : 1) - 1, ROWS - 1);
		S.c = MIN((np > 1 && p[1] ? p[1] : 1) - 1, S.cols - 1);
		S.wrapnext = false;
		break;
	case 'r':               /* DECSTBM: the region, and the cursor goes home (VT100, xterm) */
		S.top = MIN((np > 0 && p[0] ? p[0] : 1) - 1, ROWS - 1);
		S.bot = MIN((np > 1 && p[1] ? p[1] : ROWS) - 1, ROWS - 1);
		if (S.bot <= S.top) {
			S.top = 0;
			S.bot = ROWS - 1;
		}
		S.r = S.c = 0;
		S.wrapnext = false;
		break;
	case 'g':
		if (p0 == 0)
			S.tabs[S.c] = false;
		else if (p0 == 3)
			memset(S.tabs, 0, sizeof(S.tabs));
		break;
	case 'h':
	case 'l':               /* ANSI modes (4: insert): not modelled */
		break;
	case 'n':
	case 'c':
		S.queries++;
		break;
	default:
		S.unknown++;
	}
}

static void scr_esc(unsigned char ch)
{
	S.state = S_GROUND;
	switch (ch) {
	case '[':
		S.state = S_CSI;
		S.seqlen = 0;
		return;
	case ']':
	case 'P':
	case '_':
	case '^':
	case 'X':
		S.state = S_STRING;
		return;
	case 0x1b:
		S.state = S_ESC;
		return;
	case 'H':               /* HTS: a tab stop here */
		S.tabs[S.c] = true;
		return;
	case '7':               /* DECSC */
		S.saved = (struct saved){ S.r, S.c, S.wrapnext, S.sgr, S.conceal,
					  S.g0_gfx, S.g1_gfx, S.shifted };
		return;
	case '8':               /* DECRC */
		S.r = S.saved.r;
		S.c = S.saved.c;
		S.wrapnext = S.saved.wrapnext;
		S.sgr = S.saved.sgr;
		S.conceal = S.saved.conceal;
		S.g0_gfx = S.saved.g0_gfx;
		S.g1_gfx = S.saved.g1_gfx;
		S.shifted = S.saved.shifted;
		return;
	case '=':
	case '>':               /* keypad modes */
	case '\\':              /* ST with no string open */
		return;
	}
	if (ch >= 0x20 && ch <= 0x2f) {
		S.inter = (char)ch;
		S.state = S_ESC_INTER;
		return;
	}
	S.unknown++;
}

static void scr_byte(unsigned char ch)
{
	if ((ch == 0x18 || ch == 0x1a) && S.state != S_GROUND) {
		S.state = S_GROUND;     /* CAN, SUB: the sequence is abandoned */
		return;
	}
	switch (S.state) {
	case S_STRING:
		if (ch == 0x07)
			S.state = S_GROUND;
		else if (ch == 0x1b)
			S.state = S_STRING_ESC;
		return;
	case S_STRING_ESC:
		if (ch == '\\')
			S.state = S_GROUND;
		else
			scr_esc(ch);
		return;
	case S_ESC:
		scr_esc(ch);
		return;
	case S_ESC_INTER:
		S.state = S_GROUND;
		if (S.inter == '(')
			S.g0_gfx = ch == '0';
		else if (S.inter == ')')
			S.g1_gfx = ch == '0';
		else
			S.unknown++;
		return;
	case S_CSI:
		if (ch == 0x1b) {
			S.state = S_ESC;
		} else if (ch < 0x20) {
			scr_c0(ch);
		} else {
			if (S.seqlen < (int)sizeof(S.seq))
				S.seq[S.seqlen++] = (char)ch;
			if (ch >= 0x40 && ch <= 0x7e) {
				S.state = S_GROUND;
				scr_csi();
			}
		}
		return;
	}
	if (ch == 0x1b)
		S.state = S_ESC;
	else if (ch < 0x20 || ch == 0x7f)
		scr_c0(ch);
	else
		scr_print((char)ch);
}

void term_render(const char *bytes, size_t n, size_t from, int cols)
{
	scr_reset(cols);
	for (size_t i = 0; i < n; i++) {
		if (i == from && i) {
			S.autowraps = S.queries = S.unknown = 0;
			S.marknew = true;
		}
		if (bytes[i] == '\n')
			scr_byte('\r');
		scr_byte((unsigned char)bytes[i]);
	}
}


int nrows(void)
{
	return S.nhist + ROWS;
}

const struct cell *row_cells(int i)
{
	return i < S.nhist ? S.hist[i] : S.grid[i - S.nhist];
}

/* Row i's text, trailing blanks cut (or all its columns). */
char *row_chars(int i, char *buf, bool trim)
{
	const struct cell *row = row_cells(i);
	int n = 0;
	for (int c = 0; c < S.cols; c++) {
		buf[c] = row[c].ch;
		if (row[c].ch != ' ' || !trim)
			n = c + 1;
	}
	buf[n] = 0;
	return buf;
}

char *row_text(int i, char *buf)
{
	return row_chars(i, buf, true);
}

void dump_screen(void)
{
	char t[MAXC + 1];
	print_error("screen (%d columns; cursor row %d col %d):\n", S.cols, S.r + S.nhist, S.c);
	for (int i = 0; i < nrows(); i++)
		if (*row_text(i, t))
			print_error("  %3d |%s|\n", i, t);
}
