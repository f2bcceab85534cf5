/*
 * The console_line tests' fixture: a terminal (struct con_term) whose put
 * records every byte in out[], two domains' lines (vm1, other), byte-exact
 * checks of what was put, and checks of what the terminal model
 * (term_model.h) shows after rendering out[].
 */
#ifndef CONSOLE_LINE_FIXTURE_H
#define CONSOLE_LINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console_line.h"
#include "term_model.h"

/* Every byte put through con_term.put, as console_line.c hands it over
 * ("\n" still bare: console.c's put_raw adds the "\r"). */
extern char out[1 << 16];
extern size_t out_len;
extern size_t render_from;      /* where render() starts counting (0: everything) */

extern struct con_term term;
extern struct con_line vm1, other;

/* A fresh terminal of cols columns, vm1 and other fresh, out[] empty. */
void setup_term(uint32_t cols);

#define W(l, lit)       con_line_write(&term, (l), (lit), sizeof(lit) - 1)
#define RAW(l, lit)     con_line_write_raw(&term, (l), (lit), sizeof(lit) - 1)
#define HV(lit)         con_term_write(&term, (lit), sizeof(lit) - 1)

void write_str(struct con_line *l, const char *s);
char *repeat(char *s, const char *unit, int n);         /* n copies of unit */
bool starts(const char *s, const char *prefix);
void print_escaped(const char *what, const char *s, size_t n);

/* The sink's bytes since mark are exactly want[0..n). */
void expect_bytes(size_t mark, const char *want, size_t n);
#define EXPECT(mark, lit)       expect_bytes((mark), (lit), sizeof(lit) - 1)

void render(void);                      /* out[] into the model's screen S */
void check_screen(void);                /* every row its writer's tag; no wrap, query or unknown */
int find_row(const char *prefix);       /* the last row starting with prefix */
void expect_plain(const char *text);    /* the row starting with text has no attribute */
void expect_row(int i, const char *want);

#endif
