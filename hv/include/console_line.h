/*
 * A domain's console output on the shared terminal: the line discipline
 * between what a guest writes and what reaches the serial line. Pure logic
 * (console.c owns the UART, the keyboard focus and the held output), so the
 * host unit tests drive it directly (tests/unit/test_console_line.c).
 *
 * Two ways to show a domain's bytes:
 * - tagged (the domain does not have the keyboard): every line starts with
 *   "[name] ", and only controls that stay on the domain's own line and to
 *   the right of its tag pass; attributes are reset before anything that is
 *   not the domain's. A line wraps before the terminal's width, going on
 *   after "[name]+" (the terminal's own wrap would start a row with the
 *   domain's text, which could then look like anyone's). No domain can forge another's line or the
 *   hypervisor's, hide them, or make the terminal type into anyone.
 * - raw (the domain has the keyboard): the terminal is the domain's, as a
 *   bare PC's serial console would be; full-screen programs draw. When the
 *   keyboard moves away the terminal is reset and tagging resumes.
 */
#ifndef HV_CONSOLE_LINE_H
#define HV_CONSOLE_LINE_H

#include "types.h"

#define CON_COLS        80      /* columns assumed for the terminal (console_cols=) */
#define CON_TAG_MAX     36      /* "[" name "] " with a 31-character name, NUL */
#define CON_LINE_MAX    160     /* bytes of one tagged line held before it is shown */

struct con_line {
	char tag[CON_TAG_MAX];
	uint8_t tag_len;
	char line[CON_LINE_MAX];        /* the current line, as filtered (tagged) or as written (raw) */
	uint32_t len;
	uint32_t shown;                 /* of line[], already on the terminal */
	uint32_t col;                   /* tagged: cursor column right of the tag */
	char esc[16];                   /* tagged: a control sequence being checked */
	uint8_t esc_len;
	uint8_t raw_esc;                /* raw: where the domain is in a control sequence */
	bool raw_lost;                  /* raw: the current line outgrew line[] */
	bool cr_pending;                /* a carriage return, unless a newline follows */
	bool sgr;                       /* the line set attributes (colours) */
	bool cont;                      /* this row goes on from a wrapped one: "[name]+", also
					 * when it is drawn again after another domain's output */
};

/* The terminal every line shares: where bytes go, whose line is open (a
 * partial line such as a prompt, shown at once) and whether a domain's
 * attributes are still in force. */
struct con_term {
	void (*put)(const char *s, size_t n);
	uint32_t cols;                  /* the terminal's width: tagged lines wrap before it */
	struct con_line *open;
	bool dirty;
};

void con_line_init(struct con_line *l, const char *name);

/* Tagged output. */
void con_line_write(struct con_term *t, struct con_line *l, const char *buf, size_t n);
/* The domain stops: end its partial line. */
void con_line_flush(struct con_term *t, struct con_line *l);

/* Raw output, while the domain has the keyboard. */
void con_line_write_raw(struct con_term *t, struct con_line *l, const char *buf, size_t n);
/* The keyboard comes to the domain: its partial line (a prompt) is drawn
 * again, untagged, where the cursor is. */
void con_line_take(struct con_term *t, struct con_line *l);
/* The keyboard leaves: end any control sequence the domain left open,
 * reset the terminal's modes, go to a new line; tagging resumes. */
void con_line_release(struct con_term *t, struct con_line *l);

/* Anyone else's text (the hypervisor's): ends the open line and any
 * attributes first. */
void con_term_write(struct con_term *t, const char *s, size_t n);
/* End the open line, if any, and reset attributes. */
void con_term_settle(struct con_term *t);

#endif
