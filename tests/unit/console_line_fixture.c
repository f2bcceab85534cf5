/*
 * The console_line tests' fixture (console_line_fixture.h): the recording
 * terminal and the checks of its bytes and of the rows the terminal model
 * renders from them.
 */
#include "unit.h"

#include <string.h>

#include "console_line_fixture.h"

/* ---------------------------------------------------------------- sink */

char out[1 << 16];
size_t out_len;
size_t render_from;

static void sink(const char *s, size_t n)
{
	assert_true(n < sizeof(out) - out_len);
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
}

void print_escaped(const char *what, const char *s, size_t n)
{
	static char buf[8192];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 8 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			buf[k++] = (char)c;
		else
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "\\x%02x", c);
	}
	buf[k] = 0;
	print_error("%s \"%s\"\n", what, buf);
}

void expect_bytes(size_t mark, const char *want, size_t n)
{
	if (out_len - mark != n || memcmp(out + mark, want, n)) {
		print_escaped("expected:", want, n);
		print_escaped("actual:  ", out + mark, out_len - mark);
		fail_msg("console output differs");
	}
}

struct con_term term;
struct con_line vm1, other;

void setup_term(uint32_t cols)
{
	memset(&term, 0, sizeof(term));
	term.put = sink;
	term.cols = cols;
	con_line_init(&vm1, "vm1");
	con_line_init(&other, "other");
	out_len = render_from = 0;
}

void write_str(struct con_line *l, const char *s)
{
	con_line_write(&term, l, s, strlen(s));
}

/* s must have room for the copies and a NUL. */
char *repeat(char *s, const char *unit, int n)
{
	size_t u = strlen(unit);
	for (int i = 0; i < n; i++)
		memcpy(s + (size_t)i * u, unit, u);
	s[(size_t)n * u] = 0;
	return s;
}

/* ---------------------------------------------------------------- screen checks */

/* Everything the sink got, through the model; see term_render(). */
void render(void)
{
	term_render(out, out_len, render_from, (int)term.cols);
}

bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * The rows' own say: every row with text starts with the hypervisor's
 * "(rv) " or a domain's tag, and none with what vm1 tried to forge; the
 * terminal never wrapped a line by itself and got no control the tagged
 * line discipline should have stopped.
 */
void check_screen(void)
{
	static const char *const legit[] = { "(rv) ", "[vm1] ", "[vm1]+", "[other] " };
	char t[MAXC + 1];
	render();
	for (int i = 0; i < nrows(); i++) {
		if (!*row_text(i, t))
			continue;
		row_chars(i, t, false);
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(legit); k++)
			ok |= starts(t, legit[k]);
		if (starts(t, "(rv) forged") || starts(t, "[other] forged"))
			ok = false;
		if (!ok) {
			dump_screen();
			fail_msg("row %d does not start with its writer's tag: \"%s\"", i, row_text(i, t));
		}
	}
	if (S.autowraps || S.unknown || S.queries) {
		dump_screen();
		fail_msg("the terminal wrapped %d time(s) by itself, got %d unknown control(s), %d queries",
			 S.autowraps, S.unknown, S.queries);
	}
}

/* The (last) row that starts with prefix, after render(). */
int find_row(const char *prefix)
{
	char t[MAXC + 1];
	int found = -1;
	for (int i = 0; i < nrows(); i++)
		if (*row_text(i, t) && starts(row_chars(i, t, false), prefix))
			found = i;
	if (found < 0) {
		dump_screen();
		fail_msg("no row starts with \"%s\"", prefix);
	}
	return found;
}

/* The row starting with text was printed with no attribute in force. */
void expect_plain(const char *text)
{
	int i = find_row(text);
	const struct cell *row = row_cells(i);
	for (size_t c = 0; c < strlen(text); c++)
		if (row[c].attr & A_ATTRS) {
			dump_screen();
			fail_msg("\"%s\": column %zu printed with attributes 0x%x in force", text, c,
				 row[c].attr);
		}
}

void expect_row(int i, const char *want)
{
	char t[MAXC + 1];
	if (strcmp(row_text(i, t), want)) {
		dump_screen();
		fail_msg("row %d: expected \"%s\", got \"%s\"", i, want, t);
	}
}
