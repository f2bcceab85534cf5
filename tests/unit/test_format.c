/* lib/format.c: our snprintf/vsnprintf checked against the host libc as oracle. */
#include "unit.h"

#include <limits.h>
#include <string.h>
#include <sys/types.h>

/* format.c is compiled with -Dsnprintf=rv_snprintf -Dvsnprintf=rv_vsnprintf. */
int rv_snprintf(char *buf, size_t size, const char *fmt, ...);
int rv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#define BIG 512

/*
 * Format with ours and with libc into buffers of exactly `size` bytes (heap,
 * so ASan catches any write past the end) and require the same return value
 * and the same bytes, including what lies after the terminating NUL.
 * Returns libc's result.
 */
static int compare_v(const char *file, int line, size_t size, const char *fmt, va_list ap)
{
	va_list a1, a2;
	char *ours = size ? malloc(size) : NULL, *libc = size ? malloc(size) : NULL;

	if (size) {
		memset(ours, 0xaa, size);
		memset(libc, 0xaa, size);
	}
	va_copy(a1, ap);
	va_copy(a2, ap);
	int n_ours = rv_vsnprintf(ours, size, fmt, a1);
	int n_libc = vsnprintf(libc, size, fmt, a2);
	va_end(a1);
	va_end(a2);

	if (n_ours != n_libc || (size && memcmp(ours, libc, size) != 0)) {
		print_error("%s:%d: format \"%s\" size %zu: ours %d \"%.*s\", libc %d \"%.*s\"\n",
			    file, line, fmt, size, n_ours, (int)(size ? size - 1 : 0),
			    ours ? ours : "", n_libc, (int)(size ? size - 1 : 0), libc ? libc : "");
		free(ours);
		free(libc);
		_fail(file, line);
	}
	free(ours);
	free(libc);
	return n_libc;
}

/* Compare at a comfortable buffer size. Literal formats are checked by gcc. */
__attribute__((format(printf, 3, 4)))
static void check_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = compare_v(file, line, BIG, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < BIG);
}
#define CHECK(...) check_at(__FILE__, __LINE__, __VA_ARGS__)

/* Compare at one buffer size. */
static void check_size(const char *file, int line, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	compare_v(file, line, size, fmt, ap);
	va_end(ap);
}

static void test_int_table(void **state)
{
	static const char *const fmts[] = {
		"%d", "%i", "%1d", "%12d", "%-12d|", "%012d", "%+d", "% d", "%+ d", "% +d",
		"%.0d", "%.1d", "%.5d", "%.12d", "%8.3d", "%-8.3d|", "%08.3d", "%+012d",
		"% 012d", "%-012d|", "%-+12d|", "%5.0d", "%+.0d", "% .0d", "%+12.5i",
	};
	static const int vals[] = { 0, 1, -1, 7, -7, 42, -42, 99999, -100000, INT_MAX, INT_MIN };

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
			CHECK(fmts[f], vals[v]);
}

static void test_unsigned_table(void **state)
{
	static const char *const fmts[] = {
		"%u", "%x", "%X", "%o", "%#x", "%#X", "%#o", "%10u", "%-10x|", "%010X",
		"%#010x", "%#10x", "%-#10x|", "%#08o", "%.0u", "%.0x", "%#.0x", "%#.0o",
		"%.8x", "%#.8x", "%#.3o", "%#.2o", "%12.6o", "%+u", "% x", "%+#X", "%#5.0o",
	};
	static const unsigned vals[] = { 0, 1, 7, 8, 9, 15, 16, 255, 4096, 0x7fffffff,
					 0x80000000u, 0xdeadbeefu, UINT_MAX };

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
			CHECK(fmts[f], vals[v]);
}

static void test_length_modifiers(void **state)
{
	static const long long sv[] = { 0, 1, -1, 127, 128, -128, -129, 255, 256, 32767,
					32768, -32769, 65535, 65536, INT_MAX, INT_MIN,
					(long long)INT_MAX + 1, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1 };

	for (size_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
		long long v = sv[i];
		unsigned long long u = (unsigned long long)v;
		/* hh and h: promoted int argument, narrowed by the conversion. */
		CHECK("[%hhd|%hhi|%hhu|%hhx|%hhX|%hho]", (int)v, (int)v, (unsigned)u, (unsigned)u,
		      (unsigned)u, (unsigned)u);
		CHECK("[%hd|%hi|%hu|%hx|%#hX|%#ho|%+06hd]", (int)v, (int)v, (unsigned)u,
		      (unsigned)u, (unsigned)u, (unsigned)u, (int)v);
		CHECK("[%ld|%li|%lu|%lx|%#lX|%lo|%-+22ld|%.21ld]", (long)v, (long)v,
		      (unsigned long)u, (unsigned long)u, (unsigned long)u, (unsigned long)u,
		      (long)v, (long)v);
		CHECK("[%lld|%lli|%llu|%llx|%#llX|%#llo|%025lld|% lld|%+.22lli]", v, v, u, u, u,
		      u, v, v, v);
		CHECK("[%zu|%zx|%zX|%zo|%zd|%#22zx]", (size_t)u, (size_t)u, (size_t)u, (size_t)u,
		      (ssize_t)v, (size_t)u);
	}
	CHECK("%llu %llx %llo", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	CHECK("%zu %zd", SIZE_MAX, (ssize_t)-1);
}

static void test_star_width_precision(void **state)
{
	static const int widths[] = { 0, 1, 5, 20, -1, -5, -20 };
	static const int precs[] = { -1, -7, 0, 1, 3, 12 };

	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
			int W = widths[w], P = precs[p];
			CHECK("[%*d]", W, -1234);
			CHECK("[%0*d]", W, 1234);          /* negative width: '-' wins over '0' */
			CHECK("[%.*d]", P, 56);
			CHECK("[%*.*x]", W, P, 0xbeefu);
			CHECK("[%#*.*o]", W, P, 8u);
			CHECK("[%#0*o]", W, 8u);
			CHECK("[%-*.*s]", W, P, "abcdef");
			CHECK("[%*c]", W, 'z');
			CHECK("[%*.*lld]", W, P, LLONG_MIN);
		}
	}
}

static void test_chars_strings_percent(void **state)
{
	CHECK("%c%c%c", 'a', ' ', '~');
	CHECK("[%5c][%-5c][%1c]", 'x', 'y', 'z');
	CHECK("[%s][%10s][%-10s][%.2s][%10.3s][%-10.0s][%.20s]", "hello", "hello", "hello",
	      "hello", "hello", "hello", "hello");
	CHECK("[%s][%5s][%-5s][%.0s]", "", "", "", "");
	CHECK("100%% done, %d%%", 50);
	CHECK("%%%%%%");
	CHECK("plain text, no conversions");
	CHECK("%s=%d (%#x) at %s:%u%c", "rc", -22, 255u, "file.c", 123u, '!');

	/* A NUL produced by %c counts and is stored (compare_v compares bytes). */
	CHECK("a%cb", 0);

	/* An empty format gives an empty string. */
	char buf[32] = "junk";
	assert_int_equal(rv_snprintf(buf, sizeof(buf), ""), 0);
	assert_string_equal(buf, "");

	/* NULL strings print "(null)" whatever the precision (glibc differs). */
	assert_int_equal(rv_snprintf(buf, sizeof(buf), "[%s]", (char *)NULL), 8);
	assert_string_equal(buf, "[(null)]");
}

static void test_pointer(void **state)
{
	int object;
	void *ptrs[] = { &object, (void *)1, (void *)0xdeadbeefull, (void *)UINTPTR_MAX,
			 (void *)0xabcdef0123456789ull };
	char ours[64], want[64];

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		assert_int_equal(rv_snprintf(ours, sizeof(ours), "%p", ptrs[i]),
				 snprintf(want, sizeof(want), "0x%lx", (unsigned long)ptrs[i]));
		assert_string_equal(ours, want);
		/* Width and '-' apply as to any conversion. */
		CHECK("[%20p][%-20p]", ptrs[i], ptrs[i]);
	}
	/* Intended difference: NULL prints "0", not glibc's "(nil)". */
	assert_int_equal(rv_snprintf(ours, sizeof(ours), "%p", (void *)NULL), 1);
	assert_string_equal(ours, "0");
}

/* Unknown and cut-off conversions are copied through and consume nothing. */
static void test_unknown_conversions(void **state)
{
	static const struct { const char *fmt, *want; } cases[] = {
		{ "%q", "%q" },
		{ "a%qb", "a%qb" },
		{ "%-08.3q|", "%-08.3q|" },
		{ "%", "%" },
		{ "100%", "100%" },
		{ "x%-", "x%-" },
		{ "x%5", "x%5" },
		{ "x%.", "x%." },
		{ "x%l", "x%l" },
		{ "x%ll", "x%ll" },
		{ "x%hh", "x%hh" },
		{ "x%z", "x%z" },
		{ "%y%w%", "%y%w%" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 0x55, sizeof(buf));
		int n = rv_snprintf(buf, sizeof(buf), cases[i].fmt);
		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	/* The argument is still there for the next, valid, conversion. */
	assert_int_equal(rv_snprintf(buf, sizeof(buf), "%q %d", 7), 4);
	assert_string_equal(buf, "%q 7");
	/* Truncation applies to copied-through text as well. */
	assert_int_equal(rv_snprintf(buf, 3, "ab%q"), 4);
	assert_string_equal(buf, "ab");
}

/* Small buffers: the return value is the full length and the buffer ends in NUL. */
static void test_truncation(void **state)
{
	int n = snprintf(NULL, 0, "%s|%-6d|%#x", "truncate", -42, 0xabcu);

	for (size_t size = 0; size <= (size_t)n + 2; size++)
		check_size(__FILE__, __LINE__, size, "%s|%-6d|%#x", "truncate", -42, 0xabcu);
	for (size_t size = 0; size < 24; size++) {
		check_size(__FILE__, __LINE__, size, "%lld", LLONG_MIN);
		check_size(__FILE__, __LINE__, size, "%020d", INT_MIN);
		check_size(__FILE__, __LINE__, size, "%-10s!", "ab");
	}

	/* size 0: nothing written, not even the NUL; NULL is fine. */
	char buf[8] = "XXXXXXX";
	assert_int_equal(rv_snprintf(buf, 0, "%d", 12345), 5);
	assert_string_equal(buf, "XXXXXXX");
	assert_int_equal(rv_snprintf(NULL, 0, "%s%s", "abc", "def"), 6);
	/* size 1: only the NUL. */
	assert_int_equal(rv_snprintf(buf, 1, "%d", 12345), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');
	/* Exactly fitting and one short. */
	assert_int_equal(rv_snprintf(buf, 6, "%d", 12345), 5);
	assert_string_equal(buf, "12345");
	assert_int_equal(rv_snprintf(buf, 5, "%d", 12345), 5);
	assert_string_equal(buf, "1234");
}

/* Random conversion specifications, values and buffer sizes against libc. */
static void test_random_vs_libc(void **state)
{
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z" };
	static const char *const strs[] = { "", "a", "hello", "hello, world", "tab\there" };
	static const char convs[] = "diuxXocs";
	uint64_t rng = unit_seed("format random");

	for (int iter = 0; iter < 30000; iter++) {
		char conv = convs[unit_below(&rng, sizeof(convs) - 1)];
		bool integer = conv != 'c' && conv != 's';
		const char *len = integer ? lens[unit_below(&rng, 6)] : "";
		char fmt[64], *f = fmt;
		int w = (int)unit_below(&rng, 61) - 30, p = (int)unit_below(&rng, 36) - 5;
		bool sw = false, sp = false;

		if (unit_below(&rng, 4) == 0)
			*f++ = '<';
		*f++ = '%';
		/* Only the flag combinations C defines for each conversion. */
		const char *flags = conv == 'c' || conv == 's' ? "-" :
				    conv == 'd' || conv == 'i' || conv == 'u' ? "-+ 0" : "-+ #0";
		for (const char *fl = flags; *fl; fl++)
			if (unit_below(&rng, 3) == 0)
				*f++ = *fl;
		switch (unit_below(&rng, 3)) {
		case 0: break;
		case 1: f += sprintf(f, "%d", (int)unit_below(&rng, 30)); break;
		default: *f++ = '*'; sw = true; break;
		}
		if (conv != 'c') {
			switch (unit_below(&rng, 3)) {
			case 0: break;
			case 1: f += sprintf(f, ".%d", (int)unit_below(&rng, 25)); break;
			default: f += sprintf(f, ".*"); sp = true; break;
			}
		}
		f += sprintf(f, "%s%c", len, conv);
		if (unit_below(&rng, 4) == 0)
			*f++ = '>';
		*f = '\0';

		/* Values biased towards edges: small, all-ones, sign bit. */
		uint64_t r = unit_rand(&rng);
		switch (unit_below(&rng, 4)) {
		case 0: r &= 0xff; break;
		case 1: r = -(r & 0xff); break;
		case 2: r = (1ull << unit_below(&rng, 64)) + (r & 3) - 2; break;
		}
		size_t size = unit_below(&rng, 3) ? BIG : (size_t)unit_below(&rng, 40);

#define RUN(v) do {                                                                   \
	if (sw && sp) check_size(__FILE__, __LINE__, size, fmt, w, p, v);            \
	else if (sw) check_size(__FILE__, __LINE__, size, fmt, w, v);                \
	else if (sp) check_size(__FILE__, __LINE__, size, fmt, p, v);                \
	else check_size(__FILE__, __LINE__, size, fmt, v);                           \
} while (0)
		bool sign = conv == 'd' || conv == 'i';
		if (conv == 's')
			RUN(strs[r % 5]);
		else if (conv == 'c')
			RUN((int)(r & 0xff));
		else if (!strcmp(len, "l") && sign)
			RUN((long)r);
		else if (!strcmp(len, "l"))
			RUN((unsigned long)r);
		else if (!strcmp(len, "ll") && sign)
			RUN((long long)r);
		else if (!strcmp(len, "ll"))
			RUN((unsigned long long)r);
		else if (!strcmp(len, "z") && sign)
			RUN((ssize_t)r);
		else if (!strcmp(len, "z"))
			RUN((size_t)r);
		else if (sign)
			RUN((int)r);
		else
			RUN((unsigned)r);
#undef RUN
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_table),
		cmocka_unit_test(test_unsigned_table),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_star_width_precision),
		cmocka_unit_test(test_chars_strings_percent),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_random_vs_libc),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
