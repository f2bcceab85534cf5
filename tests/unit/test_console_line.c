/*
 * hv/console_line.c: what a domain's console bytes become on the shared
 * terminal. Byte-exact checks of what reaches con_term.put (line ends,
 * partial lines, controls dropped or shown, colours, cursor moves), the
 * row width, and the raw mode a domain has with the keyboard and its
 * release; the terminal model (term_model.c) renders the bytes where what
 * the rows show matters. The forgery tests are in test_console_forgery.c.
 */
#define _GNU_SOURCE             /* memmem */
#include "unit.h"

#include <string.h>

#include "console_line_fixture.h"

/* ---------------------------------------------------------------- bytes */

static void test_plain_line(void **state)
{
	setup_term(80);
	W(&vm1, "hello\n");
	EXPECT(0, "[vm1] hello\n");
	W(&other, "a\nb\n");
	EXPECT(0, "[vm1] hello\n[other] a\n[other] b\n");
}

static void test_partial_line_shown_at_once(void **state)
{
	setup_term(80);
	W(&vm1, "vm1:~# ");
	EXPECT(0, "[vm1] vm1:~# ");
	W(&vm1, "ls");
	EXPECT(0, "[vm1] vm1:~# ls");
	W(&vm1, "\n");
	EXPECT(0, "[vm1] vm1:~# ls\n");
}

static void test_other_writer_ends_open_line(void **state)
{
	setup_term(80);
	W(&vm1, "vm1:~# ");
	HV("(rv) hypervisor\n");
	EXPECT(0, "[vm1] vm1:~# \n(rv) hypervisor\n");
	/* the prompt goes on: the whole line again, tagged, on a row of its own */
	size_t mark = out_len;
	W(&vm1, "ls\n");
	EXPECT(mark, "[vm1] vm1:~# ls\n");

	/* another domain's partial line is ended the same way */
	mark = out_len;
	W(&vm1, "abc");
	W(&other, "x\n");
	EXPECT(mark, "[vm1] abc\n[other] x\n");

	/* con_term_settle ends the open line only once */
	mark = out_len;
	W(&other, "y");
	con_term_settle(&term);
	con_term_settle(&term);
	EXPECT(mark, "[other] y\n");
	check_screen();
}

static void test_crlf_is_one_line_end(void **state)
{
	setup_term(80);
	W(&vm1, "a\r\nb\r\n");
	EXPECT(0, "[vm1] a\n[vm1] b\n");
	size_t mark = out_len;
	W(&vm1, "c\r");             /* split between writes */
	W(&vm1, "\nd\n");
	EXPECT(mark, "[vm1] c\n[vm1] d\n");
	mark = out_len;
	W(&vm1, "\r\r\n");          /* an empty line: its tag alone */
	EXPECT(mark, "[vm1] \n");
	mark = out_len;
	W(&vm1, "\rx\n");           /* a CR at a line's start changes nothing */
	EXPECT(mark, "[vm1] x\n");
}

static void test_cr_rewrites_tag(void **state)
{
	setup_term(80);
	W(&vm1, "12345\rab\n");
	EXPECT(0, "[vm1] 12345\r[vm1] ab\n");
	render();
	expect_row(0, "[vm1] ab345");
	check_screen();
}

static void test_status_query_dropped(void **state)
{
	setup_term(80);
	W(&vm1, "a\x1b[6nb\x1b[5n\x1b[nc\n");
	EXPECT(0, "[vm1] abc\n");
	check_screen();
}

static void test_other_controls_shown(void **state)
{
	setup_term(80);
	W(&vm1, "a\x1b[2Jb\x1b[1;1Hc\x1b]0;title\a" "d\x1b[Ae\x1b[?25lf\n");
	EXPECT(0, "[vm1] a?b?c?]0;title?d?e?f\n");
	size_t mark = out_len;
	W(&vm1, "a\x1b[1Kb\x1b[2Kc\x1b[Kd\x1b[0Ke\n");
	EXPECT(mark, "[vm1] a?b?c\x1b[Kd\x1b[0Ke\n");
	mark = out_len;
	W(&vm1, "\x1b" "7x\x0e\x7f\x9b" "2J\n");  /* ESC 7, SO, DEL, an 8-bit CSI */
	EXPECT(mark, "[vm1] ?7x???2J\n");
	check_screen();
}

static void test_colours_pass_and_end_with_line(void **state)
{
	setup_term(80);
	W(&vm1, "\x1b[1;31mred\x1b[0m plain\n");
	EXPECT(0, "[vm1] \x1b[1;31mred\x1b[0m plain\x1b[0m\n");
	size_t mark = out_len;
	W(&vm1, "no colour\n");
	EXPECT(mark, "[vm1] no colour\n");
}

static void test_csi_split_across_writes(void **state)
{
	setup_term(80);
	W(&vm1, "a\x1b");
	W(&vm1, "[3");
	W(&vm1, "1mb\n");
	EXPECT(0, "[vm1] a\x1b[31mb\x1b[0m\n");
	size_t mark = out_len;
	W(&vm1, "c\x1b[");
	W(&vm1, "6nd\n");
	EXPECT(mark, "[vm1] cd\n");
	mark = out_len;
	W(&vm1, "e\x1b");
	W(&vm1, "]x\n");            /* not a CSI: the ESC shows, the ']' is text */
	EXPECT(mark, "[vm1] e?]x\n");
}

static void test_overlong_csi(void **state)
{
	setup_term(80);
	W(&vm1, "\x1b[1;2;3;4;5;6;7;8;9m\n");
	EXPECT(0, "[vm1] ?8;9m\n");
	check_screen();
}

static void test_moves_clamped(void **state)
{
	setup_term(80);
	W(&vm1, "ab\x1b[40Dc\n");
	EXPECT(0, "[vm1] ab\x1b[2Dc\n");
	size_t mark = out_len;
	W(&vm1, "ab\x1b[Dc\x1b[20Cd\n");
	EXPECT(mark, "[vm1] ab\x1b[1Dc\x1b[20Cd\n");
	mark = out_len;
	W(&vm1, "x\x1b[200C");       /* right up to the row's end, not past it */
	unsigned right = 0;
	char fin = 0;
	assert_int_equal(sscanf(out + mark, "[vm1] x\x1b[%u%c", &right, &fin), 2);
	assert_int_equal(fin, 'C');
	assert_true(right >= 72 && right <= 73);
	W(&vm1, "y\n");
	mark = out_len;
	W(&vm1, "\x1b[9D\b\b\x1b[0Dx\n");   /* at the tag: nothing moves */
	EXPECT(mark, "[vm1] x\n");
	check_screen();
}

/* ---------------------------------------------------------------- width */

static void test_width_80(void **state)
{
	char s[256], want[256];
	setup_term(80);
	write_str(&vm1, repeat(s, "x", 200));
	W(&vm1, "\n");
	check_screen();
	expect_row(0, strcat(strcpy(want, "[vm1] "), repeat(s, "x", 74)));
	expect_row(1, strcat(strcpy(want, "[vm1]+"), repeat(s, "x", 74)));
	expect_row(2, strcat(strcpy(want, "[vm1]+"), repeat(s, "x", 52)));
	expect_row(3, "");
	/* exactly a row: no empty continuation */
	setup_term(80);
	write_str(&vm1, repeat(s, "y", 74));
	W(&vm1, "\n");
	expect_bytes(0, strcat(strcat(strcpy(want, "[vm1] "), repeat(s, "y", 74)), "\n"), 81);
	/* a longer name leaves fewer columns */
	setup_term(80);
	con_line_init(&vm1, "a-much-longer-name");
	write_str(&vm1, repeat(s, "w", 100));
	W(&vm1, "\n");
	render();
	expect_row(0, strcat(strcpy(want, "[a-much-longer-name] "), repeat(s, "w", 59)));
	assert_int_equal(S.autowraps, 0);
}

static void test_width_132(void **state)
{
	char s[256], want[256];
	setup_term(132);
	write_str(&vm1, repeat(s, "x", 100));
	W(&vm1, "\n");
	expect_bytes(0, strcat(strcat(strcpy(want, "[vm1] "), repeat(s, "x", 100)), "\n"), 107);
	check_screen();
	write_str(&vm1, repeat(s, "y", 127));
	W(&vm1, "\n");
	check_screen();
	render();
	expect_row(2, strcat(strcpy(want, "[vm1]+"), "y"));
}

/*
 * console.c's console_cols= takes widths from 40 up, but width() counts at
 * least CON_TAG_MAX + 8 = 44 columns: on a 40-column terminal "[vm1] " and
 * 38 characters make a 44-column row, and the terminal's own wrap puts the
 * last 4 at column 0 of the next row ("(rv)").
 */
static void test_width_smallest_console_cols(void **state)
{
	char s[256];
	setup_term(40);
	write_str(&vm1, repeat(s, "x", 34));
	W(&vm1, "(rv)\n");
	check_screen();
}

/* ---------------------------------------------------------------- raw */

static void test_take_redraws_prompt(void **state)
{
	setup_term(80);
	W(&vm1, "vm1:~# ");
	size_t mark = out_len;
	con_line_take(&term, &vm1);
	EXPECT(mark, "\nvm1:~# ");
	mark = out_len;
	RAW(&vm1, "ls\n");
	EXPECT(mark, "ls\n");
}

static void test_raw_passes_untouched(void **state)
{
	static const char bytes[] = "\x1b[2J\x1b[H\x1b[6n\x1b]0;t\a\b\b\t\x0e\x9b\x1b[?1049h\nxy";
	setup_term(80);
	con_line_take(&term, &vm1);
	EXPECT(0, "");
	RAW(&vm1, "\x1b[2J\x1b[H\x1b[6n\x1b]0;t\a\b\b\t\x0e\x9b\x1b[?1049h\nxy");
	expect_bytes(0, bytes, sizeof(bytes) - 1);
}

static bool has(const char *s, size_t n, const char *what)
{
	return memmem(s, n, what, strlen(what)) != NULL;
}

/*
 * What con_line_release sent since mark: first (what ends the sequence
 * left open, if any) at once, then a reset of the terminal that ends
 * attributes, shows the cursor, turns autowrap on and G0 to ASCII, and
 * end ("\r\n" to leave a partial line, "\r" at a line's start, then
 * ESC[J: what the domain drew below the cursor goes).
 */
static void expect_release(size_t mark, const char *first, const char *end)
{
	const char *s = out + mark;
	size_t n = out_len - mark, f = strlen(first), e = strlen(end);
	if (n < f + e + 1 || memcmp(s, first, f) || s[f] != 0x1b || memcmp(s + n - e, end, e) ||
	    has(s + f, n - f - e, "\x18") || !has(s, n, "\x1b[0m") || !has(s, n, "\x1b[?25h") ||
	    !has(s, n, "\x1b[?7h") || !has(s, n, "\x1b(B")) {
		print_escaped("first:", first, f);
		print_escaped("end:  ", end, e);
		print_escaped("actual:", s, n);
		fail_msg("release output");
	}
}

static void test_release_ends_sequences(void **state)
{
	static const struct {
		const char *raw, *first;
	} cases[] = {
		{ "\x1b[3", "\x18" },                  /* half a CSI: CAN */
		{ "\x1b", "\x18" },
		{ "\x1b(", "\x18" },
		{ "\x1b]0;title", "\x1b\\" },          /* an OSC: ST */
		{ "\x1b]0;t\x1b", "\x1b\\" },
		{ "\x1bPq#0", "\x1b\\" },              /* DCS */
		{ "\x1b[31mhi", "" },                  /* ended: nothing to abandon */
		{ "\x1b]0;t\a" "x", "" },
		{ "\x1b]0;t\x1b\\y", "" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setup_term(80);
		con_line_take(&term, &vm1);
		con_line_write_raw(&term, &vm1, cases[i].raw, strlen(cases[i].raw));
		size_t mark = out_len;
		con_line_release(&term, &vm1);
		expect_release(mark, cases[i].first, "\r\n\x1b[J");
	}
	/* a line ended: the cursor is at column 0 already */
	setup_term(80);
	con_line_take(&term, &vm1);
	RAW(&vm1, "done\n");
	size_t mark = out_len;
	con_line_release(&term, &vm1);
	expect_release(mark, "", "\r\x1b[J");
}

static void test_release_then_tagged_on_fresh_line(void **state)
{
	setup_term(80);
	HV("(rv) one\n");
	HV("(rv) two\n");
	HV("(rv) three\n");
	con_line_take(&term, &vm1);
	RAW(&vm1, "\x1b[1;33mhalf a line\x1b[3");
	con_line_release(&term, &vm1);
	size_t mark = out_len;
	W(&vm1, "next\n");
	EXPECT(mark, "[vm1] next\n");
	render();
	/* the rows before are untouched, and the tag starts the row after the
	 * one the domain left */
	expect_row(0, "(rv) one");
	expect_row(1, "(rv) two");
	expect_row(2, "(rv) three");
	expect_row(3, "half a line");
	expect_row(4, "[vm1] next");
	expect_plain("[vm1] next");
	assert_int_equal(S.state, S_GROUND);
	assert_true(S.autowrap);
}

static void test_release_keeps_plain_prompt(void **state)
{
	setup_term(80);
	con_line_take(&term, &vm1);
	RAW(&vm1, "ls\nfile\nvm1:~# ");
	size_t mark = out_len;
	con_line_release(&term, &vm1);
	expect_release(mark, "", "\r\n\x1b[J");
	mark = out_len;
	W(&vm1, "exit\n");
	EXPECT(mark, "[vm1] vm1:~# exit\n");

	/* not plain (attributes) or too long for a row: dropped */
	setup_term(80);
	con_line_take(&term, &vm1);
	RAW(&vm1, "\x1b[1mvm1# ");
	con_line_release(&term, &vm1);
	mark = out_len;
	W(&vm1, "x\n");
	EXPECT(mark, "[vm1] x\n");
	char s[256];
	setup_term(80);
	con_line_take(&term, &vm1);
	con_line_write_raw(&term, &vm1, repeat(s, "p", 75), 75);
	con_line_release(&term, &vm1);
	mark = out_len;
	W(&vm1, "x\n");
	EXPECT(mark, "[vm1] x\n");
}

/*
 * Tab stops the domain changed while it had the keyboard (ESC[3g clears
 * them all) are not restored on release, yet tagged tabs count on one
 * every 8 columns: the tab goes to the last column, X waits there for the
 * terminal's own wrap and "(rv) forged" starts the next row.
 */
static void test_release_restores_tab_stops(void **state)
{
	setup_term(80);
	con_line_take(&term, &vm1);
	RAW(&vm1, "\x1b[3g");
	con_line_release(&term, &vm1);
	W(&vm1, "\tX(rv) forged\n");
	check_screen();
}

/*
 * SO (shift out) with G1 the line-drawing set: release sets G0 to ASCII
 * (ESC(B) but sends no SI, so GL stays G1 and the hypervisor's text after
 * the release is drawn in line-drawing characters. (DECSC/DECRC around
 * ESC[r save and restore the shift state too.)
 */
static void test_release_shifts_in(void **state)
{
	setup_term(80);
	con_line_take(&term, &vm1);
	RAW(&vm1, "\x1b)0\x0e");
	con_line_release(&term, &vm1);
	HV("(rv) hypervisor\n");
	W(&vm1, "x\n");
	check_screen();
	expect_plain("(rv) hypervisor");
	expect_plain("[vm1] x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_line),
		cmocka_unit_test(test_partial_line_shown_at_once),
		cmocka_unit_test(test_other_writer_ends_open_line),
		cmocka_unit_test(test_crlf_is_one_line_end),
		cmocka_unit_test(test_cr_rewrites_tag),
		cmocka_unit_test(test_status_query_dropped),
		cmocka_unit_test(test_other_controls_shown),
		cmocka_unit_test(test_colours_pass_and_end_with_line),
		cmocka_unit_test(test_csi_split_across_writes),
		cmocka_unit_test(test_overlong_csi),
		cmocka_unit_test(test_moves_clamped),
		cmocka_unit_test(test_width_80),
		cmocka_unit_test(test_width_132),
		cmocka_unit_test(test_width_smallest_console_cols),
		cmocka_unit_test(test_take_redraws_prompt),
		cmocka_unit_test(test_raw_passes_untouched),
		cmocka_unit_test(test_release_ends_sequences),
		cmocka_unit_test(test_release_then_tagged_on_fresh_line),
		cmocka_unit_test(test_release_keeps_plain_prompt),
		cmocka_unit_test(test_release_restores_tab_stops),
		cmocka_unit_test(test_release_shifts_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
