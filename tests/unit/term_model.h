/*
 * A small terminal model for the console tests (xterm-like: autowrap with a
 * pending wrap at the right margin, tab stops, SGR state, character sets,
 * DECSC/DECRC, a scrolling region): term_render() plays bytes into S, the
 * screen, and the row helpers read back what the rows show and with which
 * attributes each character was printed.
 */
#ifndef TERM_MODEL_H
#define TERM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROWS    24
#define HIST    512
#define MAXC    256

enum { A_SGR = 1, A_CONCEAL = 2, A_GFX = 4, A_ATTRS = 7, A_NEW = 8 /* printed after render_from */ };

struct cell {
	char ch;
	uint8_t attr;           /* in force when the character was printed */
};

enum { S_GROUND, S_ESC, S_ESC_INTER, S_CSI, S_STRING, S_STRING_ESC };

struct screen {
	int cols;
	struct cell grid[ROWS][MAXC];
	struct cell hist[HIST][MAXC];   /* rows scrolled off the top */
	int nhist;
	int r, c;
	bool wrapnext;          /* printed at the last column: the next printable wraps first */
	bool autowrap;
	bool sgr, conceal;      /* any attribute set by SGR, conceal (8) */
	bool g0_gfx, g1_gfx, shifted;
	bool tabs[MAXC];
	int top, bot;           /* scrolling region */
	int state;
	char seq[64];
	int seqlen;
	char inter;
	struct saved {          /* DECSC: cursor, attributes, character sets */
		int r, c;
		bool wrapnext, sgr, conceal, g0_gfx, g1_gfx, shifted;
	} saved;
	bool marknew;           /* past render_from: cells printed get A_NEW */
	int autowraps;          /* times the terminal wrapped a line by itself */
	int unknown;            /* controls this model does not know */
	int queries;            /* status queries: the terminal would answer them as typed input */
};

extern struct screen S;

/* Plays bytes[0..n) into S, reset to cols columns, as console.c's put_raw
 * sends them ("\n" as "\r\n"). The counts (autowraps, unknown, queries)
 * start again at from and characters printed from there on are marked
 * A_NEW (from 0: everything counts, nothing is marked). */
void term_render(const char *bytes, size_t n, size_t from, int cols);

int nrows(void);                                /* history and screen rows */
const struct cell *row_cells(int i);
char *row_chars(int i, char *buf, bool trim);   /* buf: MAXC + 1 */
char *row_text(int i, char *buf);               /* trailing blanks cut */
void dump_screen(void);                         /* through print_error */

#endif
