/* hv/cmdline.c: tokenizer, option dispatch, error reports and the value parsers. */
#include "unit.h"

#include <string.h>

#include "cmdline.h"
#include "errno.h"

/* What the setters saw. */
static struct {
	bool debug;
	uint32_t count;
	uint64_t mem;
	char name[512];
	int calls;              /* setter invocations, good or bad */
} got;

/* Messages given to the report callback. */
static char reports[8][512];
static int nreports;

static void report(const char *msg)
{
	assert_true(nreports < 8);
	assert_true(strlen(msg) < sizeof(reports[0]));
	strcpy(reports[nreports++], msg);
}

static int set_debug(const char *v) { got.calls++; return parse_bool(v, &got.debug); }
static int set_count(const char *v) { got.calls++; return parse_uint(v, &got.count); }
static int set_mem(const char *v) { got.calls++; return parse_size(v, &got.mem); }

static int set_name(const char *v)
{
	got.calls++;
	if (!v)
		return -EINVAL;
	assert_true(strlen(v) < sizeof(got.name));
	strcpy(got.name, v);
	return 0;
}

/* An option that takes no value. */
static int set_flag(const char *v)
{
	got.calls++;
	return v ? -EINVAL : 0;
}

static const struct cmdline_option opts[] = {
	{ "debug", set_debug, "on/off", "debug output" },
	{ "count", set_count, "a number", "a count" },
	{ "mem", set_mem, "a size", "memory size" },
	{ "name", set_name, "a string", "a name" },
	{ "flag", set_flag, NULL, "a flag" },
};

static int parse(const char *cmdline)
{
	return cmdline_parse(cmdline, opts, sizeof(opts) / sizeof(opts[0]), report);
}

static int reset(void **state)
{
	memset(&got, 0, sizeof(got));
	memset(reports, 0, sizeof(reports));
	nreports = 0;
	return 0;
}

static void test_options_applied(void **state)
{
	assert_int_equal(parse("/boot/ringvisor.elf debug count=0x10 mem=16M name=abc flag"), 0);
	assert_int_equal(nreports, 0);
	assert_true(got.debug);
	assert_int_equal(got.count, 16);
	assert_int_equal(got.mem, 16ull << 20);
	assert_string_equal(got.name, "abc");
	assert_int_equal(got.calls, 5);

	/* Later words override earlier ones; "=" with nothing gives "". */
	assert_int_equal(parse("debug=off count=1 count=2 name="), 0);
	assert_false(got.debug);
	assert_int_equal(got.count, 2);
	assert_string_equal(got.name, "");
}

static void test_blanks_and_quotes(void **state)
{
	assert_int_equal(parse("  \tcount=3\n\nname=\"a b\t c\"\r\nmem=4K  "), 0);
	assert_int_equal(got.count, 3);
	assert_string_equal(got.name, "a b\t c");
	assert_int_equal(got.mem, 4096);

	/* Quotes group wherever they are and are removed. */
	assert_int_equal(parse("x \"name=x y\""), 0);
	assert_string_equal(got.name, "x y");
	assert_int_equal(parse("x name=\"\""), 0);
	assert_string_equal(got.name, "");
	assert_int_equal(parse("x name=pre\"  \"post count=\"7\""), 0);
	assert_string_equal(got.name, "pre  post");
	assert_int_equal(got.count, 7);
}

/* The first word is the image path unless it is an option or has '='. */
static void test_first_word(void **state)
{
	assert_int_equal(parse("kernel.elf"), 0);
	assert_int_equal(got.calls, 0);

	assert_int_equal(parse("debug count=1"), 0);
	assert_true(got.debug);
	assert_int_equal(got.calls, 2);

	assert_int_equal(parse("bogus=1 count=5"), 1);
	assert_string_equal(reports[0], "cmdline: unknown option 'bogus', ignored");
	assert_int_equal(got.count, 5);

	/* Only the first word: a second bare word is an unknown option. */
	assert_int_equal(parse("kernel.elf other.elf"), 1);
	assert_string_equal(reports[1], "cmdline: unknown option 'other.elf', ignored");
}

static void test_unknown_and_bad_values(void **state)
{
	assert_int_equal(parse("hv nosuch count=12x debug=maybe flag=1 name mem=4T"), 6);
	assert_int_equal(nreports, 6);
	assert_string_equal(reports[0], "cmdline: unknown option 'nosuch', ignored");
	assert_string_equal(reports[1],
			    "cmdline: option 'count': bad value '12x' (expected a number), ignored");
	assert_string_equal(reports[2],
			    "cmdline: option 'debug': bad value 'maybe' (expected on/off), ignored");
	assert_string_equal(reports[3],
			    "cmdline: option 'flag': bad value '1' (expected no value), ignored");
	assert_string_equal(reports[4],
			    "cmdline: option 'name': bad value '' (expected a string), ignored");
	assert_string_equal(reports[5],
			    "cmdline: option 'mem': bad value '4T' (expected a size), ignored");
	assert_int_equal(got.calls, 5);        /* every known option was tried */
}

/* Errors do not stop the parser, and a rejected value is not applied. */
static void test_keeps_going(void **state)
{
	assert_int_equal(parse("hv count=9 count=zz junk mem=\"8 M\" name=ok mem=2G count=11"), 3);
	assert_int_equal(nreports, 3);
	assert_int_equal(got.count, 11);
	assert_int_equal(got.mem, 2ull << 30);
	assert_string_equal(got.name, "ok");
}

static void test_unterminated_quote(void **state)
{
	assert_int_equal(parse("hv count=1 name=\"abc def"), 1);
	assert_string_equal(reports[0], "cmdline: option 'name': unterminated quote, ignored");
	assert_int_equal(got.count, 1);
	assert_int_equal(got.calls, 1);        /* name's setter never ran */
	assert_string_equal(got.name, "");
}

static void test_long_words(void **state)
{
	char line[1024], value[600];

	/* 255 characters is the longest word: accepted whole. */
	memset(value, 'v', 250);
	value[250] = '\0';
	snprintf(line, sizeof(line), "hv name=%s", value);       /* "name=" + 250 = 255 */
	assert_int_equal(parse(line), 0);
	assert_string_equal(got.name, value);

	/* One more is too long: reported, not applied, and parsing goes on. */
	memset(got.name, 0, sizeof(got.name));
	value[250] = 'v';
	value[251] = '\0';
	snprintf(line, sizeof(line), "hv name=%s count=4", value);
	assert_int_equal(parse(line), 1);
	assert_string_equal(reports[0], "cmdline: option 'name': word too long, ignored");
	assert_string_equal(got.name, "");
	assert_int_equal(got.count, 4);

	/* A huge name without '=': the message holds its first 255 characters. */
	memset(value, 'n', 599);
	value[599] = '\0';
	snprintf(line, sizeof(line), "hv %s debug", value);
	assert_int_equal(parse(line), 1);
	char want[512];
	snprintf(want, sizeof(want), "cmdline: option '%.255s': word too long, ignored", value);
	assert_string_equal(reports[1], want);
	assert_true(got.debug);
}

static void test_empty_cmdlines(void **state)
{
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse(" \t\r\n  "), 0);
	assert_int_equal(got.calls, 0);
	assert_int_equal(nreports, 0);
}

static void test_parse_uint(void **state)
{
	static const struct { const char *s; int rc; uint32_t v; } cases[] = {
		{ "0", 0, 0 }, { "7", 0, 7 }, { "007", 0, 7 }, { "42", 0, 42 },
		{ "4294967295", 0, 0xffffffffu }, { "0xffffffff", 0, 0xffffffffu },
		{ "0XAbCdEf", 0, 0xabcdef }, { "0x0", 0, 0 }, { "0x000000000010", 0, 16 },
		{ "4294967296", -EINVAL, 0 }, { "0x100000000", -EINVAL, 0 },
		{ "99999999999999999999999", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
		{ "0X", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 }, { " 1", -EINVAL, 0 }, { "1 ", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 }, { "0x1g", -EINVAL, 0 }, { "x10", -EINVAL, 0 },
		{ "1K", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = 0x5a5a5a5a;
		int rc = parse_uint(cases[i].s, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].v))
			fail_msg("parse_uint(\"%s\") = %d, %#x; want %d, %#x", cases[i].s, rc, v,
				 cases[i].rc, cases[i].v);
	}
	uint32_t v;
	assert_int_equal(parse_uint(NULL, &v), -EINVAL);
}

static void test_parse_size(void **state)
{
	static const struct { const char *s; int rc; uint64_t v; } cases[] = {
		{ "0", 0, 0 }, { "4096", 0, 4096 }, { "4K", 0, 4096 }, { "4k", 0, 4096 },
		{ "16M", 0, 16ull << 20 }, { "16m", 0, 16ull << 20 }, { "2G", 0, 2ull << 30 },
		{ "4g", 0, 4ull << 30 }, { "0x10M", 0, 16ull << 20 },
		{ "4294967295K", 0, 0xffffffffull << 10 }, { "0xffffffffG", 0, 0xffffffffull << 30 },
		{ "", -EINVAL, 0 }, { "K", -EINVAL, 0 }, { "0xK", -EINVAL, 0 },
		{ "4T", -EINVAL, 0 }, { "4KB", -EINVAL, 0 }, { "4 K", -EINVAL, 0 },
		{ "-4K", -EINVAL, 0 }, { "4294967296", -EINVAL, 0 }, { "4294967296K", -EINVAL, 0 },
		{ "11111111111111111111111111111111111111111111111111111111111111111", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0x5a5a5a5a;
		int rc = parse_size(cases[i].s, &v);
		if (rc != cases[i].rc || (rc == 0 && v != cases[i].v))
			fail_msg("parse_size(\"%s\") = %d, %#llx; want %d, %#llx", cases[i].s, rc,
				 (unsigned long long)v, cases[i].rc, (unsigned long long)cases[i].v);
	}
	uint64_t v;
	assert_int_equal(parse_size(NULL, &v), -EINVAL);
}

static void test_parse_bool(void **state)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	static const char *const bad[] = { "", "2", "maybe", "onn", "of", "yes ", "01" };
	bool b;

	b = false;
	assert_int_equal(parse_bool(NULL, &b), 0);      /* a bare "debug" means on */
	assert_true(b);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_bool(bad[i], &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_options_applied, reset),
		cmocka_unit_test_setup(test_blanks_and_quotes, reset),
		cmocka_unit_test_setup(test_first_word, reset),
		cmocka_unit_test_setup(test_unknown_and_bad_values, reset),
		cmocka_unit_test_setup(test_keeps_going, reset),
		cmocka_unit_test_setup(test_unterminated_quote, reset),
		cmocka_unit_test_setup(test_long_words, reset),
		cmocka_unit_test_setup(test_empty_cmdlines, reset),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_bool),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
