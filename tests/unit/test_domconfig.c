/* hv/domconfig.c: xl.cfg-style files and module command lines, every refusal, limits, fuzzing. */
#include "unit.h"

#include <string.h>

#include "domconfig.h"
#include "errno.h"

#define ERRSZ 320

static struct domain_config cfg;
static char err[ERRSZ];

/* Parse text from a heap block of exactly strlen(text) bytes, not terminated,
 * so that ASan reports any read past len. */
static int pfile(const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len ? len : 1);

	memcpy(buf, text, len);
	int rc = domconfig_parse_file(buf, len, &cfg, err, sizeof(err));
	free(buf);
	return rc;
}

static int pwords(const char *words)
{
	char *buf = strdup(words);
	int rc = domconfig_parse_words(buf, &cfg, err, sizeof(err));
	free(buf);
	return rc;
}

static int reset(void **state)
{
	memset(&cfg, 0x5a, sizeof(cfg));        /* a refusal must leave this alone */
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return 0;
}

static bool untouched(void)
{
	for (size_t i = 0; i < sizeof(cfg); i++)
		if (((const uint8_t *)&cfg)[i] != 0x5a)
			return false;
	return true;
}

static void test_defaults(void **state)
{
	domconfig_defaults(&cfg);
	assert_string_equal(cfg.name, "");
	assert_string_equal(cfg.kernel, "");
	assert_string_equal(cfg.initrd, "");
	assert_string_equal(cfg.cmdline, "");
	assert_int_equal(cfg.memory_kib, 16 * 1024);
	assert_int_equal(cfg.mode, DOM_MODE_PV);
	assert_int_equal(cfg.weight, 256);
	assert_true(cfg.npt);
	assert_string_equal(dom_mode_name(DOM_MODE_PV), "pv");
	assert_string_equal(dom_mode_name(DOM_MODE_BT), "bt");
	assert_string_equal(dom_mode_name(DOM_MODE_HW), "hw");
	assert_string_equal(dom_mode_name((enum dom_mode)3), "?");
	assert_string_equal(dom_mode_name((enum dom_mode)-1), "?");

	/* Only a kernel: everything else keeps its default, the name stays empty. */
	assert_int_equal(pfile("kernel = k.elf"), 0);
	assert_string_equal(cfg.kernel, "k.elf");
	assert_string_equal(cfg.name, "");
	assert_int_equal(cfg.memory_kib, 16 * 1024);
	assert_int_equal(cfg.weight, 256);
	assert_true(cfg.npt);
	assert_string_equal(err, "");
	reset(NULL);
	assert_int_equal(pwords("k.elf"), 0);
	assert_string_equal(cfg.kernel, "k.elf");
	assert_string_equal(cfg.name, "");
	assert_int_equal(cfg.mode, DOM_MODE_PV);
	assert_string_equal(cfg.initrd, "");
}

static void expect_web(void)
{
	assert_string_equal(cfg.name, "web");
	assert_string_equal(cfg.kernel, "guest.elf");
	assert_string_equal(cfg.initrd, "initrd.cpio");
	assert_string_equal(cfg.cmdline, "console=hvc0 quiet");
	assert_int_equal(cfg.memory_kib, 16 * 1024);
	assert_int_equal(cfg.mode, DOM_MODE_PV);
	assert_int_equal(cfg.weight, 512);
}

static void test_full_example(void **state)
{
	assert_int_equal(pfile("# web server\n"
			       "name = \"web\"\n"
			       "kernel = \"guest.elf\"\n"
			       "memory = 16          # MiB; also accepts 16M, 4096K, 1G\n"
			       "mode = \"pv\"\n"
			       "weight = 512\n"
			       "cmdline = \"console=hvc0 quiet\"\n"
			       "initrd = \"initrd.cpio\"\n"), 0);
	expect_web();
	assert_string_equal(err, "");

	reset(NULL);
	assert_int_equal(pwords("guest.elf name=web memory=16M weight=512 mode=pv "
				"cmdline=\"console=hvc0 quiet\" initrd=initrd.cpio"), 0);
	expect_web();
}

/* ramdisk is initrd's other name (a hw domain's boot loader words): the
 * same key, so giving both is a duplicate. */
static void test_ramdisk_alias(void **state)
{
	(void)state;
	assert_int_equal(pfile("kernel = \"ringos-pc.elf\"\nmode = \"hw\"\nramdisk = \"box.cpio\"\n"), 0);
	assert_string_equal(cfg.initrd, "box.cpio");
	assert_int_equal(cfg.mode, DOM_MODE_HW);
	reset(NULL);
	assert_int_equal(pwords("vmlinuz mode=hw ramdisk=rd.cpio"), 0);
	assert_string_equal(cfg.initrd, "rd.cpio");
	reset(NULL);
	assert_int_not_equal(pfile("kernel = k\ninitrd = a\nramdisk = b\n"), 0);
	assert_non_null(strstr(err, "duplicate key 'initrd'"));
}

/* realmode = ADDR: a raw image started in real mode there, in conventional
 * memory only. */
static void test_realmode(void **state)
{
	(void)state;
	assert_int_equal(pfile("kernel = boot.bin\nmode = hw\nrealmode = 0x7c00\n"), 0);
	assert_int_equal(cfg.realmode, 0x7c00);
	reset(NULL);
	assert_int_equal(pwords("boot.bin mode=hw realmode=31744"), 0);
	assert_int_equal(cfg.realmode, 0x7c00);
	static const char *const bad[][2] = {
		{ "0x100", "0x100 is outside conventional memory (0x500 to 0x9fbff)" },
		{ "0xa0000", "0xa0000 is outside conventional memory (0x500 to 0x9fbff)" },
		{ "7c00h", "'7c00h' is not an address" },
	};
	for (unsigned i = 0; i < 3; i++) {
		char text[64];
		reset(NULL);
		snprintf(text, sizeof(text), "kernel = k\nrealmode = %s\n", bad[i][0]);
		assert_int_not_equal(pfile(text), 0);
		assert_non_null(strstr(err, bad[i][1]));
	}
}

/* patch = on | off (a bt domain's scan-and-patch): on by default. */
static void test_patch(void **state)
{
	(void)state;
	assert_int_equal(pfile("kernel = k\nmode = bt\n"), 0);
	assert_true(cfg.patch);
	reset(NULL);
	assert_int_equal(pfile("kernel = k\nmode = bt\npatch = off\n"), 0);
	assert_false(cfg.patch);
	reset(NULL);
	assert_int_equal(pwords("k.elf mode=bt patch=on"), 0);
	assert_true(cfg.patch);
	reset(NULL);
	assert_int_equal(pwords("k.elf mode=bt patch=off"), 0);
	assert_false(cfg.patch);
	static const char *const bad[] = { "yes", "ON", "1", "" };
	for (unsigned i = 0; i < 4; i++) {
		char text[64];
		reset(NULL);
		snprintf(text, sizeof(text), "kernel = k\npatch = \"%s\"\n", bad[i]);
		assert_int_not_equal(pfile(text), 0);
		assert_non_null(strstr(err, "expected on or off"));
	}
}

/* npt = on | off (a hw domain's nested paging; off: shadow paging): on by
 * default, refused for the other modes wherever mode is given. */
static void test_npt(void **state)
{
	(void)state;
	assert_int_equal(pfile("kernel = k\nmode = hw\n"), 0);
	assert_true(cfg.npt);
	reset(NULL);
	assert_int_equal(pfile("kernel = k\nnpt = off\nmode = hw\n"), 0);
	assert_false(cfg.npt);
	reset(NULL);
	assert_int_equal(pwords("k.elf mode=hw npt=on"), 0);
	assert_true(cfg.npt);
	reset(NULL);
	assert_int_equal(pwords("k.elf npt=off mode=hw"), 0);
	assert_false(cfg.npt);
	reset(NULL);
	assert_int_not_equal(pfile("kernel = k\nnpt = yes\nmode = hw\n"), 0);
	assert_string_equal(err, "line 2: npt: 'yes': expected on or off");
	assert_true(untouched());
	reset(NULL);
	assert_int_not_equal(pfile("kernel = k\nnpt = off\nmode = bt\n"), 0);
	assert_string_equal(err, "line 2: npt: only a hw domain has nested paging to turn on or off "
			    "(this one is bt)");
	assert_true(untouched());
	reset(NULL);
	assert_int_not_equal(pfile("kernel = k\nnpt = on\n"), 0);
	assert_string_equal(err, "line 2: npt: only a hw domain has nested paging to turn on or off "
			    "(this one is pv)");
	reset(NULL);
	assert_int_not_equal(pwords("k.elf npt=off"), 0);
	assert_string_equal(err, "option 'npt': only a hw domain has nested paging to turn on or off "
			    "(this one is pv)");
	assert_true(untouched());
	reset(NULL);
	assert_int_not_equal(pwords("k.elf mode=bt npt=off"), 0);
	assert_string_equal(err, "option 'npt': only a hw domain has nested paging to turn on or off "
			    "(this one is bt)");
	reset(NULL);
	assert_int_not_equal(pwords("k.elf mode=hw npt=off npt=on"), 0);
	assert_string_equal(err, "option 'npt': given twice");
}

/* privileged = 1 | 0 (or on/off): Domain 0, a pv domain only; off by default. */
static void test_privileged(void **state)
{
	(void)state;
	reset(NULL);
	assert_int_equal(pfile("kernel = k\n"), 0);
	assert_false(cfg.privileged);
	assert_int_equal(pfile("kernel = k\nprivileged = 1\n"), 0);
	assert_true(cfg.privileged);
	assert_int_equal(pfile("kernel = k\nprivileged = off\n"), 0);
	assert_false(cfg.privileged);
	assert_int_equal(pwords("k.elf privileged=1 memory=32M"), 0);
	assert_true(cfg.privileged);
	reset(NULL);
	assert_int_not_equal(pfile("kernel = k\nprivileged = 2\n"), 0);
	assert_string_equal(err, "line 2: privileged: '2': expected 1 or 0");
	reset(NULL);
	assert_int_not_equal(pfile("privileged = 1\nkernel = k\nmode = hw\n"), 0);
	assert_string_equal(err, "line 1: privileged: only a pv domain can be Domain 0 (this one is hw)");
	reset(NULL);
	assert_int_not_equal(pwords("k.elf mode=bt privileged=1"), 0);
	assert_string_equal(err, "option 'privileged': only a pv domain can be Domain 0 (this one is bt)");
	reset(NULL);
	assert_int_equal(pwords("k.elf mode=bt privileged=0"), 0);
	assert_false(cfg.privileged);
}

/* A name alone (restore's new name): the config's rules, nothing else. */
static void test_check_name(void **state)
{
	(void)state;
	assert_int_equal(domconfig_check_name("web-2.a_b", 9, err, sizeof(err)), 0);
	assert_int_equal(domconfig_check_name("abcdefghijklmnopqrstuvwxyz01234", 31, err, sizeof(err)), 0);
	assert_int_equal(domconfig_check_name("abcdefghijklmnopqrstuvwxyz012345", 32, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "a name has 1 to 31 characters, not 32");
	assert_int_equal(domconfig_check_name("", 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(domconfig_check_name("a\" #", 4, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'a\" #' has '\"': use only letters, digits, '_', '.' and '-'");
	assert_int_equal(domconfig_check_name("a\nb", 3, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'a\nb' has byte 0x0a: use only letters, digits, '_', '.' and '-'");
}

/* domconfig_format writes what parse_file reads back unchanged. */
static void test_format_round_trip(void **state)
{
	static const char *const cases[] = {
		"kernel = k\n",
		"name = web\nkernel = \"/boot/ringos-pv.elf\"\ninitrd = b.cpio\nmemory = 32\n"
		"cmdline = \"hostname=web quiet\"\nweight = 1024\nprivileged = 1\n",
		"kernel = k\nmode = bt\npatch = off\nmemory = 4096K\n",
		"kernel = k\nmode = hw\nnpt = off\nmemory = 1G\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct domain_config a, b;
		char text[DOMCFG_TEXT_MAX];
		reset(NULL);
		assert_int_equal(pfile(cases[i]), 0);
		a = cfg;
		int n = domconfig_format(&a, text, sizeof(text));
		assert_true(n > 0 && (size_t)n < sizeof(text));
		assert_int_equal(pfile(text), 0);
		b = cfg;
		assert_string_equal(a.name, b.name);
		assert_string_equal(a.kernel, b.kernel);
		assert_string_equal(a.initrd, b.initrd);
		assert_string_equal(a.cmdline, b.cmdline);
		assert_int_equal(a.memory_kib, b.memory_kib);
		assert_int_equal(a.mode, b.mode);
		assert_int_equal(a.weight, b.weight);
		assert_int_equal(a.patch, b.patch);
		assert_int_equal(a.npt, b.npt);
		assert_int_equal(a.privileged, b.privileged);
		assert_int_equal(domconfig_format(&a, text, 20), -ENOSPC);
	}
}

/* Comments, blanks, CRLF, a byte-order mark, bare and quoted values, no final newline. */
static void test_file_syntax(void **state)
{
	assert_int_equal(pfile("\xef\xbb\xbf# top\r\n\r\n   \t\r\n"
			       "\tname=web   \r\n"
			       "kernel=\"/boot/g#1.elf\" # '#' inside quotes is text\r\n"
			       "  memory\t=\t\"4096K\"\r\n"
			       "weight = \"512\"#no blank needed\n"
			       "mode = bt\n"
			       "cmdline = \"\"\n"
			       "initrd = initrd.cpio"), 0);
	assert_string_equal(cfg.name, "web");
	assert_string_equal(cfg.kernel, "/boot/g#1.elf");
	assert_int_equal(cfg.memory_kib, 4096);
	assert_int_equal(cfg.weight, 512);
	assert_int_equal(cfg.mode, DOM_MODE_BT);
	assert_string_equal(cfg.cmdline, "");
	assert_string_equal(cfg.initrd, "initrd.cpio");

	reset(NULL);
	assert_int_equal(pwords("  \"/boot/my kernel.elf\"\tmode=hw name=\"a\"b cmdline= "), 0);
	assert_string_equal(cfg.kernel, "/boot/my kernel.elf");
	assert_int_equal(cfg.mode, DOM_MODE_HW);
	assert_string_equal(cfg.name, "ab");
	assert_string_equal(cfg.cmdline, "");
}

struct bad { const char *in, *msg; };

static void expect_refusals(const struct bad *t, size_t n, int (*parse)(const char *))
{
	for (size_t i = 0; i < n; i++) {
		reset(NULL);
		int rc = parse(t[i].in);
		if (rc != -EINVAL || strcmp(err, t[i].msg))
			fail_msg("case %zu \"%s\": %d \"%s\"; want -EINVAL \"%s\"", i, t[i].in, rc, err,
				 t[i].msg);
		if (!untouched())
			fail_msg("case %zu: the config was changed by a refused parse", i);
	}
}

static void test_file_refusals(void **state)
{
	static const struct bad t[] = {
		{ "kernel = k\nfoo = 1\n", "line 2: unknown key 'foo' (known: name, kernel, initrd (or ramdisk), cmdline, memory, mode, weight, disk, realmode, patch, npt, privileged, fs)" },
		{ "kernel = k\nName = a\n", "line 2: unknown key 'Name' (known: name, kernel, initrd (or ramdisk), cmdline, memory, mode, weight, disk, realmode, patch, npt, privileged, fs)" },
		{ "kernel = k\nmemory = 8\n\nmemory = 9\n", "line 4: duplicate key 'memory' (first given on line 2)" },
		{ "kernel = k\nmemory 16\n", "line 2: missing '=' after 'memory' (expected key = value)" },
		{ "kernel = k\nmemory\n", "line 2: missing '=' after 'memory' (expected key = value)" },
		{ "# c\n  = 5\n", "line 2: missing key before '=' (expected key = value)" },
		{ "kernel = k\ncmdline = \"quiet\n\"\n", "line 2: cmdline: unterminated quote" },
		{ "kernel = k\nmemory =   # none\n", "line 2: memory: no value" },
		{ "kernel = k\nname = web server\n", "line 2: name: unexpected 'server' after the value (quote a value with blanks)" },
		{ "kernel = k\ncmdline = \"a\"b\n", "line 2: cmdline: unexpected 'b' after the value (quote a value with blanks)" },
		{ "kernel = k\nmemory = 16X\n", "line 2: memory: '16X' is not a size: give MiB, or a number with K, M or G" },
		{ "kernel = k\nmemory = -16\n", "line 2: memory: '-16' is not a size: give MiB, or a number with K, M or G" },
		{ "kernel = k\nmemory = M\n", "line 2: memory: 'M' is not a size: give MiB, or a number with K, M or G" },
		{ "kernel = k\nweight = 0x10\n", "line 2: weight: '0x10' is not a number" },
		{ "kernel = k\nweight = \"\"\n", "line 2: weight: '' is not a number" },
		{ "kernel = k\nname = \"we/b\"\n", "line 2: name: 'we/b' has '/': use only letters, digits, '_', '.' and '-'" },
		{ "kernel = k\nname = w\xc3\xa9\n", "line 2: name: 'w\xc3\xa9' has byte 0xc3: use only letters, digits, '_', '.' and '-'" },
		{ "kernel = k\nname = \"\"\n", "line 2: name: a name has 1 to 31 characters, not 0" },
		{ "kernel = k\nmemory = 2G\n", "line 2: memory: '2G' is out of range: 128K to 1G" },
		{ "kernel = k\nmemory = 0\n", "line 2: memory: '0' is out of range: 128K to 1G" },
		{ "kernel = k\nmemory = 99999999999\n", "line 2: memory: '99999999999' is out of range: 128K to 1G" },
		{ "kernel = k\nmemory = 4097K\n", "line 2: memory: '4097K' is not a whole number of 4K pages" },
		{ "kernel = k\nmode = PV\n", "line 2: mode: unknown mode 'PV': expected pv, bt or hw" },
		{ "kernel = k\nmode = \"pvx\"\n", "line 2: mode: unknown mode 'pvx': expected pv, bt or hw" },
		{ "kernel = k\nweight = 0\n", "line 2: weight: 0 is out of range: 1 to 65535" },
		{ "kernel = k\nweight = 65536\n", "line 2: weight: 65536 is out of range: 1 to 65535" },
		{ "kernel = k\nweight = 4294967296\n", "line 2: weight: 4294967296 is out of range: 1 to 65535" },
		{ "kernel = k\nweight = 18446744073709551617\n", /* 2^64 + 1 */
		  "line 2: weight: 18446744073709551617 is out of range: 1 to 65535" },
		{ "kernel = \"\"\n", "line 1: kernel: empty path" },
		{ "kernel = k\x01\n", "line 1: control character 0x01 (is this a text file?)" },
		{ "kernel = k\n\r\n\rname = a\n", "line 3: control character 0x0d (is this a text file?)" },
		{ "name = web\n", "no kernel given: add kernel = \"<module path>\"" },
		{ "", "no kernel given: add kernel = \"<module path>\"" },
		{ "\n# only comments\n\n", "no kernel given: add kernel = \"<module path>\"" },
	};
	expect_refusals(t, ARRAY_SIZE(t), pfile);
}

static void test_words_refusals(void **state)
{
	static const struct bad t[] = {
		{ "", "no kernel given: the first word must be the kernel's module path" },
		{ "  \t ", "no kernel given: the first word must be the kernel's module path" },
		{ "name=web k.elf", "no kernel given: the first word must be the kernel's module path, not 'name=web'" },
		{ "\"k.elf", "kernel path: unterminated quote" },
		{ "\"\" name=a", "kernel path: empty path" },
		{ "k.elf quiet", "option 'quiet': missing '=' (expected key=value; quote a value with blanks: cmdline=\"a b\")" },
		{ "k.elf foo=1", "option 'foo': unknown (known: name, kernel, initrd (or ramdisk), cmdline, memory, mode, weight, disk, realmode, patch, npt, privileged, fs)" },
		{ "k.elf kernel=other.elf", "option 'kernel': the kernel is the first word, not an option" },
		{ "k.elf weight=1 weight=2", "option 'weight': given twice" },
		{ "k.elf cmdline=\"a b", "option 'cmdline': unterminated quote" },
		{ "k.elf memory=16X", "option 'memory': '16X' is not a size: give MiB, or a number with K, M or G" },
		{ "k.elf memory=", "option 'memory': '' is not a size: give MiB, or a number with K, M or G" },
		{ "k.elf memory=124K", "option 'memory': '124K' is out of range: 128K to 1G" },
		{ "k.elf memory=1025M", "option 'memory': '1025M' is out of range: 128K to 1G" },
		{ "k.elf weight=x", "option 'weight': 'x' is not a number" },
		{ "k.elf weight=70000", "option 'weight': 70000 is out of range: 1 to 65535" },
		{ "k.elf mode=vmx", "option 'mode': unknown mode 'vmx': expected pv, bt or hw" },
		{ "k.elf name=\"a b\"", "option 'name': 'a b' has ' ': use only letters, digits, '_', '.' and '-'" },
		{ "k.elf name=", "option 'name': a name has 1 to 31 characters, not 0" },
	};
	expect_refusals(t, ARRAY_SIZE(t), pwords);
}

static void test_memory(void **state)
{
	static const struct { const char *v; uint32_t kib; } ok[] = {
		{ "16", 16384 }, { "16M", 16384 }, { "16m", 16384 }, { "4096K", 4096 },
		{ "4100k", 4100 }, { "1G", 1048576 }, { "1g", 1048576 }, { "1", 1024 },
		{ "1024K", 1024 }, { "1024", 1048576 }, { "1048576K", 1048576 }, { "007", 7168 },
		{ "128K", 128 }, { "1020K", 1020 },
	};
	static const char *const bad[] = {
		"124K", "1025", "1048580K", "2g", "0M", "0K", "4294967296K", "16MB", "16 M", "1.5G",
		"4097K", "1026k",
		"18446744073709551632",         /* 2^64 + 16: wraps to 16 in 64 bits */
	};
	char text[128];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text), "kernel = k\nmemory = \"%s\"\n", ok[i].v);
		if (pfile(text) || cfg.memory_kib != ok[i].kib)
			fail_msg("file memory=%s: %s, %u KiB", ok[i].v, err, cfg.memory_kib);
		snprintf(text, sizeof(text), "k memory=%s", ok[i].v);
		if (pwords(text) || cfg.memory_kib != ok[i].kib)
			fail_msg("words memory=%s: %s, %u KiB", ok[i].v, err, cfg.memory_kib);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "kernel = k\nmemory = \"%s\"\n", bad[i]);
		if (pfile(text) != -EINVAL || !strstr(err, "line 2: memory: '"))
			fail_msg("file memory=%s accepted or wrong reason: %s", bad[i], err);
		snprintf(text, sizeof(text), "k \"memory=%s\"", bad[i]);
		if (pwords(text) != -EINVAL || !strstr(err, "option 'memory': '"))
			fail_msg("words memory=%s accepted or wrong reason: %s", bad[i], err);
	}
	assert_int_equal(pwords("k weight=1 mode=bt"), 0);
	assert_int_equal(cfg.weight, 1);
	assert_int_equal(pwords("k weight=65535"), 0);
	assert_int_equal(cfg.weight, 65535);
}

static const char *field(const char *key)
{
	return !strcmp(key, "name") ? cfg.name : !strcmp(key, "kernel") ? cfg.kernel :
	       !strcmp(key, "initrd") ? cfg.initrd : cfg.cmdline;
}

/* Each string's longest value is accepted whole; one more character is refused. */
static void test_lengths(void **state)
{
	static const struct { const char *key; size_t max; } t[] = {
		{ "name", DOMCFG_NAME_MAX - 1 }, { "kernel", DOMCFG_PATH_MAX - 1 },
		{ "initrd", DOMCFG_PATH_MAX - 1 }, { "cmdline", DOMCFG_CMDLINE_MAX - 1 },
	};
	char value[600], file[800], words[800], want[200];

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		bool is_kernel = !strcmp(t[i].key, "kernel");
		for (size_t n = t[i].max; n <= t[i].max + 1; n++) {
			memset(value, 'v', n);
			value[n] = '\0';
			snprintf(file, sizeof(file), "%s%s = \"%s\"\n", is_kernel ? "" : "kernel = k\n",
				 t[i].key, value);
			if (is_kernel)
				snprintf(words, sizeof(words), "%s name=a", value);
			else
				snprintf(words, sizeof(words), "k %s=\"%s\"", t[i].key, value);
			if (n == t[i].max) {
				assert_int_equal(pfile(file), 0);
				assert_string_equal(field(t[i].key), value);
				assert_int_equal(pwords(words), 0);
				assert_string_equal(field(t[i].key), value);
				continue;
			}
			if (!strcmp(t[i].key, "name"))
				snprintf(want, sizeof(want), "a name has 1 to 31 characters, not 32");
			else
				snprintf(want, sizeof(want), "value is %zu characters long, the limit is %zu",
					 n, t[i].max);
			assert_int_equal(pfile(file), -EINVAL);
			assert_non_null(strstr(err, want));
			assert_int_equal(pwords(words), -EINVAL);
			assert_non_null(strstr(err, want));
		}
	}
	/* A word far beyond any limit. */
	memset(value, 'c', 500);
	value[500] = '\0';
	snprintf(words, sizeof(words), "k cmdline=%s", value);
	assert_int_equal(pwords(words), -EINVAL);
	assert_string_equal(err, "option 'cmdline': value is 500 characters long, too long");
}

/* len, not a NUL, ends the text: what follows it is never read. */
static void test_not_terminated(void **state)
{
	const char *text = "kernel = k\nmemory = 16\nmemory = 9 and garbage\n";
	size_t len = strlen("kernel = k\nmemory = 16\n");
	char *buf = malloc(len);

	memcpy(buf, text, len);
	assert_int_equal(domconfig_parse_file(buf, len, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.memory_kib, 16384);
	/* Cut inside a value, a quote, a key: the text ends there. */
	assert_int_equal(domconfig_parse_file(buf, len - 2, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.memory_kib, 1024);
	assert_int_equal(domconfig_parse_file(buf, 13, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: missing '=' after 'me' (expected key = value)");
	assert_int_equal(domconfig_parse_file(buf, 8, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: kernel: no value");
	assert_int_equal(domconfig_parse_file(buf, 0, &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(domconfig_parse_file(NULL, 5, &cfg, err, sizeof(err)), -EINVAL);
	free(buf);

	buf = malloc(12);
	memcpy(buf, "kernel = \"ab", 12);
	assert_int_equal(domconfig_parse_file(buf, 12, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: kernel: unterminated quote");
	/* A NUL inside len is a control character, not an end. */
	memcpy(buf, "kernel = a\0b", 12);
	assert_int_equal(domconfig_parse_file(buf, 12, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: control character 0x00 (is this a text file?)");
	/* err may be NULL or tiny. */
	assert_int_equal(domconfig_parse_file(buf, 12, &cfg, NULL, 0), -EINVAL);
	assert_int_equal(domconfig_parse_file(buf, 12, &cfg, err, 5), -EINVAL);
	assert_string_equal(err, "line");
	assert_int_equal(domconfig_parse_words(NULL, &cfg, err, sizeof(err)), -EINVAL);
	free(buf);
}

/* What every accepted configuration satisfies. */
static void check_config(const struct domain_config *c)
{
	size_t n = strnlen(c->name, sizeof(c->name));
	assert_true(n < sizeof(c->name));
	for (size_t i = 0; i < n; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
				       c->name[i]));
	n = strnlen(c->kernel, sizeof(c->kernel));
	assert_true(n > 0 && n < sizeof(c->kernel));
	assert_true(strnlen(c->initrd, sizeof(c->initrd)) < sizeof(c->initrd));
	assert_true(strnlen(c->cmdline, sizeof(c->cmdline)) < sizeof(c->cmdline));
	assert_true(c->memory_kib >= 128 && c->memory_kib <= 1048576 && c->memory_kib % 4 == 0);
	assert_true(c->weight >= 1 && c->weight <= 65535);
	assert_true(c->mode == DOM_MODE_PV || c->mode == DOM_MODE_BT || c->mode == DOM_MODE_HW);
}

static void test_fuzz(void **state)
{
	static const char seed_file[] = "name = \"web\"\nkernel = g.elf\nmemory = 16M # c\n"
					"mode = bt\nweight = 512\ncmdline = \"a=b c\"\ninitrd = i\n";
	static const char seed_words[] = "g.elf name=web memory=16M mode=bt weight=512 cmdline=\"a=b c\" initrd=i";
	static const char alphabet[] = " \t\n\r\"#=kK mMgG0123456789abcdemnorwy.-_/\x00\x01\xff";
	uint64_t rng = unit_seed("domconfig fuzz");
	unsigned accepted = 0, refused = 0;
	char buf[400];

	for (int iter = 0; iter < 20000; iter++) {
		bool words = iter & 1;
		const char *seed = words ? seed_words : seed_file;
		size_t len = strlen(seed);
		memcpy(buf, seed, len);
		if (unit_below(&rng, 10) == 0) {                /* pure noise */
			len = unit_below(&rng, sizeof(buf) - 1);
			for (size_t i = 0; i < len; i++)
				buf[i] = unit_rand(&rng);
		}
		for (int n = unit_below(&rng, 5); n > 0; n--) {
			size_t at = unit_below(&rng, len + 1);
			char ch = alphabet[unit_below(&rng, sizeof(alphabet) - 1)];
			switch (unit_below(&rng, 4)) {
			case 0: if (at < len) buf[at] = ch; break;                      /* replace */
			case 1: if (len < sizeof(buf) - 1) {                            /* insert */
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = ch;
					len++;
				} break;
			case 2: if (at < len) { memmove(buf + at, buf + at + 1, len - at - 1); len--; } break;
			case 3: len = at; break;                                        /* truncate */
			}
		}
		char *in = malloc(len + 1);
		memcpy(in, buf, len);
		in[len] = '\0';
		size_t errsize = unit_below(&rng, 4) ? sizeof(err) : unit_below(&rng, 8);
		int rc = words ? domconfig_parse_words(in, &cfg, err, errsize)
			       : domconfig_parse_file(in, len, &cfg, err, errsize);  /* in[len] never read */
		free(in);
		if (rc == 0) {
			accepted++;
			check_config(&cfg);
		} else {
			refused++;
			assert_int_equal(rc, -EINVAL);
			if (errsize)
				assert_true(strnlen(err, errsize) < errsize);
			if (errsize == sizeof(err) && !words)
				assert_true(!strncmp(err, "line ", 5) || !strncmp(err, "no kernel", 9));
			if (errsize == sizeof(err) && words)
				assert_true(!strncmp(err, "option '", 8) || !strncmp(err, "kernel path", 11) ||
					    !strncmp(err, "no kernel", 9));
		}
	}
	print_message("# domconfig fuzz: %u accepted, %u refused\n", accepted, refused);
	assert_true(accepted > 1000 && refused > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, reset),
		cmocka_unit_test_setup(test_full_example, reset),
		cmocka_unit_test_setup(test_file_syntax, reset),
		cmocka_unit_test_setup(test_ramdisk_alias, reset),
		cmocka_unit_test_setup(test_realmode, reset),
		cmocka_unit_test_setup(test_patch, reset),
		cmocka_unit_test_setup(test_npt, reset),
		cmocka_unit_test_setup(test_privileged, reset),
		cmocka_unit_test_setup(test_check_name, reset),
		cmocka_unit_test_setup(test_format_round_trip, reset),
		cmocka_unit_test_setup(test_file_refusals, reset),
		cmocka_unit_test_setup(test_words_refusals, reset),
		cmocka_unit_test_setup(test_memory, reset),
		cmocka_unit_test_setup(test_lengths, reset),
		cmocka_unit_test_setup(test_not_terminated, reset),
		cmocka_unit_test_setup(test_fuzz, reset),
	};
	return cmocka_run_group_tests_name("domconfig", tests, NULL, NULL);
}
