/* Domain configuration: xl.cfg-style files and module command lines (pure; see domconfig.h). */
#include "domconfig.h"
#include "cmdline.h"
#include "errno.h"
#include "format.h"
#include "string.h"

enum key { K_NAME, K_KERNEL, K_INITRD, K_CMDLINE, K_MEMORY, K_MODE, K_WEIGHT, K_DISK, K_REALMODE,
	   K_PATCH, K_NPT, K_PRIVILEGED, K_FS, K_COUNT };

static const char *const key_names[K_COUNT] = {
	"name", "kernel", "initrd", "cmdline", "memory", "mode", "weight", "disk", "realmode",
	"patch", "npt", "privileged", "fs",
};
#define KNOWN_KEYS      "name, kernel, initrd (or ramdisk), cmdline, memory, mode, weight, disk, " \
			"realmode, patch, npt, privileged, fs"

/* How much of a user's value goes into a message: enough to recognise it. */
#define ECHO            40
#define ECHO_LEN(n)     ((int)MIN((size_t)(n), (size_t)ECHO))

/* Longest word on a module command line: "cmdline=" and its longest value,
 * with room to spare so that "too long" is told apart from "truncated". */
#define WORD_MAX        (DOMCFG_CMDLINE_MAX + 32)

static const char *const mode_names[] = { "pv", "bt", "hw" };

void domconfig_defaults(struct domain_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_kib = DOMCFG_MEMORY_DEFAULT_KIB;
	cfg->mode = DOM_MODE_PV;
	cfg->weight = DOMCFG_WEIGHT_DEFAULT;
	cfg->patch = true;
	cfg->npt = true;
}

const char *dom_mode_name(enum dom_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

static int __printf(3, 4) fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (err && errsize) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int find_key(const char *k, size_t n)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strlen(key_names[i]) == n && !memcmp(key_names[i], k, n))
			return i;
	/* ramdisk: what a PC boot loader calls the initrd (a hw domain's
	 * multiboot module or Linux initrd); the same key. */
	if (n == 7 && !memcmp(k, "ramdisk", 7))
		return K_INITRD;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Decimal digits v[0..n): 0, -EINVAL (not a number) or -ERANGE (above 2^32 - 1). */
static int parse_dec(const char *v, size_t n, uint32_t *out)
{
	uint64_t x = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		if (x <= 0xffffffffull)
			x = x * 10 + (unsigned)(v[i] - '0');
	}
	if (x > 0xffffffffull)
		return -ERANGE;
	*out = (uint32_t)x;
	return 0;
}

static int set_string(char *dst, size_t size, const char *v, size_t n, char *msg, size_t msz)
{
	if (n >= size)
		return fail(msg, msz, "value is %zu characters long, the limit is %zu", n, size - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int domconfig_check_name(const char *v, size_t n, char *msg, size_t msz)
{
	if (n == 0 || n >= DOMCFG_NAME_MAX)
		return fail(msg, msz, "a name has 1 to %u characters, not %zu", DOMCFG_NAME_MAX - 1, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = v[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-')
			continue;
		if (ch >= ' ' && ch < 0x7f)
			return fail(msg, msz, "'%.*s' has '%c': use only letters, digits, '_', '.' and '-'",
				    ECHO_LEN(n), v, ch);
		return fail(msg, msz, "'%.*s' has byte 0x%02x: use only letters, digits, '_', '.' and '-'",
			    ECHO_LEN(n), v, ch);
	}
	return 0;
}

static int set_name(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	int rc = domconfig_check_name(v, n, msg, msz);
	return rc ? rc : set_string(c->name, sizeof(c->name), v, n, msg, msz);
}

/* MiB, or a number with K, M or G; whole pages between the limits. */
static int set_memory(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	unsigned shift = 10;            /* KiB per unit, as a shift: MiB by default */
	size_t full = n;
	uint32_t num = 0;

	if (n) {
		switch (v[n - 1]) {
		case 'k': case 'K': shift = 0; n--; break;
		case 'm': case 'M': shift = 10; n--; break;
		case 'g': case 'G': shift = 20; n--; break;
		}
	}
	int rc = parse_dec(v, n, &num);
	uint64_t kib = (uint64_t)num << shift;

	if (rc == -EINVAL)
		return fail(msg, msz, "'%.*s' is not a size: give MiB, or a number with K, M or G",
			    ECHO_LEN(full), v);
	if (rc || kib < DOMCFG_MEMORY_MIN_KIB || kib > DOMCFG_MEMORY_MAX_KIB)
		return fail(msg, msz, "'%.*s' is out of range: 128K to 1G", ECHO_LEN(full), v);
	if (kib % (PAGE_SIZE / KiB))
		return fail(msg, msz, "'%.*s' is not a whole number of 4K pages", ECHO_LEN(full), v);
	c->memory_kib = (uint32_t)kib;
	return 0;
}

static int set_mode(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	for (unsigned m = 0; m < ARRAY_SIZE(mode_names); m++) {
		if (n == 2 && !memcmp(v, mode_names[m], 2)) {
			c->mode = (enum dom_mode)m;
			return 0;
		}
	}
	return fail(msg, msz, "unknown mode '%.*s': expected pv, bt or hw", ECHO_LEN(n), v);
}

/* realmode = ADDR: where a raw image is loaded and started in real mode,
 * as a BIOS starts a boot sector at 0x7c00: in conventional memory, above
 * the interrupt table and BIOS data (0x500), below the EBDA (0x9fc00). */
static int set_realmode(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	char buf[16];
	uint32_t a;
	if (n == 0 || n >= sizeof(buf))
		return fail(msg, msz, "'%.*s' is not an address", ECHO_LEN(n), v);
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (parse_uint(buf, &a))
		return fail(msg, msz, "'%.*s' is not an address", ECHO_LEN(n), v);
	if (a < 0x500 || a >= 0x9fc00)
		return fail(msg, msz, "%#x is outside conventional memory (0x500 to 0x9fbff)", a);
	c->realmode = a;
	return 0;
}

/* An on | off value into *flag. */
static int set_onoff(bool *flag, const char *v, size_t n, char *msg, size_t msz)
{
	if (n == 2 && !memcmp(v, "on", 2))
		*flag = true;
	else if (n == 3 && !memcmp(v, "off", 3))
		*flag = false;
	else
		return fail(msg, msz, "'%.*s': expected on or off", ECHO_LEN(n), v);
	return 0;
}

/* npt is a hw domain's alone (nested paging, or shadow paging with off):
 * checked once the whole config is read, since mode may come after it. */
static int check_npt(const struct domain_config *c, char *msg, size_t msz)
{
	if (c->mode == DOM_MODE_HW)
		return 0;
	return fail(msg, msz, "only a hw domain has nested paging to turn on or off (this one is %s)",
		    dom_mode_name(c->mode));
}

/* privileged = 1 makes Domain 0: a pv domain (its control hypercalls are
 * pv's), checked once the whole config is read. 1/0 or on/off. */
static int set_privileged(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	if (n == 1 && (v[0] == '0' || v[0] == '1')) {
		c->privileged = v[0] == '1';
		return 0;
	}
	if (set_onoff(&c->privileged, v, n, msg, msz))
		return fail(msg, msz, "'%.*s': expected 1 or 0", ECHO_LEN(n), v);
	return 0;
}

static int check_privileged(const struct domain_config *c, char *msg, size_t msz)
{
	if (!c->privileged || c->mode == DOM_MODE_PV)
		return 0;
	return fail(msg, msz, "only a pv domain can be Domain 0 (this one is %s)",
		    dom_mode_name(c->mode));
}

static int set_weight(struct domain_config *c, const char *v, size_t n, char *msg, size_t msz)
{
	uint32_t w = 0;
	int rc = parse_dec(v, n, &w);

	if (rc == -EINVAL)
		return fail(msg, msz, "'%.*s' is not a number", ECHO_LEN(n), v);
	if (rc || w < 1 || w > DOMCFG_WEIGHT_MAX)
		return fail(msg, msz, "%.*s is out of range: 1 to %u", ECHO_LEN(n), v,
			    DOMCFG_WEIGHT_MAX);
	c->weight = w;
	return 0;
}

/* Check value v[0..n) of key and store it in c; a reason in msg if bad. */
static int apply(struct domain_config *c, int key, const char *v, size_t n, char *msg, size_t msz)
{
	switch (key) {
	case K_NAME:
		return set_name(c, v, n, msg, msz);
	case K_KERNEL:
		if (n == 0)
			return fail(msg, msz, "empty path");
		return set_string(c->kernel, sizeof(c->kernel), v, n, msg, msz);
	case K_INITRD:
		return set_string(c->initrd, sizeof(c->initrd), v, n, msg, msz);
	case K_CMDLINE:
		return set_string(c->cmdline, sizeof(c->cmdline), v, n, msg, msz);
	case K_MEMORY:
		return set_memory(c, v, n, msg, msz);
	case K_MODE:
		return set_mode(c, v, n, msg, msz);
	case K_REALMODE:
		return set_realmode(c, v, n, msg, msz);
	case K_PATCH:
		return set_onoff(&c->patch, v, n, msg, msz);
	case K_NPT:
		return set_onoff(&c->npt, v, n, msg, msz);
	case K_PRIVILEGED:
		return set_privileged(c, v, n, msg, msz);
	case K_DISK:
		if (n == 0)
			return fail(msg, msz, "empty path");
		return set_string(c->disk, sizeof(c->disk), v, n, msg, msz);
	case K_FS:
		if (n == 0)
			return fail(msg, msz, "empty path");
		return set_string(c->fs, sizeof(c->fs), v, n, msg, msz);
	default:
		return set_weight(c, v, n, msg, msz);
	}
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]))
		i++;
	return i;
}

/* One line of a config file, s[0..n) without its line end. */
static int parse_line(struct domain_config *c, unsigned *seen, unsigned line, const char *s,
		      size_t n, char *msg, size_t msz)
{
	size_t i, k0, v0, vn;
	char why[160];
	int key;

	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if ((ch < ' ' && ch != '\t') || ch == 0x7f)
			return fail(msg, msz, "control character 0x%02x (is this a text file?)", ch);
	}
	i = skip_blanks(s, n, 0);
	if (i == n || s[i] == '#')
		return 0;
	for (k0 = i; i < n && !is_blank(s[i]) && s[i] != '=' && s[i] != '#' && s[i] != '"'; i++)
		;
	if (i == k0)
		return fail(msg, msz, "missing key before '%c' (expected key = value)", s[i]);
	size_t kn = i - k0;
	i = skip_blanks(s, n, i);
	if (i == n || s[i] != '=')
		return fail(msg, msz, "missing '=' after '%.*s' (expected key = value)", ECHO_LEN(kn),
			    s + k0);
	key = find_key(s + k0, kn);
	if (key < 0)
		return fail(msg, msz, "unknown key '%.*s' (known: " KNOWN_KEYS ")", ECHO_LEN(kn), s + k0);
	if (seen[key])
		return fail(msg, msz, "duplicate key '%s' (first given on line %u)", key_names[key],
			    seen[key]);
	seen[key] = line;

	i = skip_blanks(s, n, i + 1);
	if (i == n || s[i] == '#')
		return fail(msg, msz, "%s: no value", key_names[key]);
	if (s[i] == '"') {
		for (v0 = ++i; i < n && s[i] != '"'; i++)
			;
		if (i == n)
			return fail(msg, msz, "%s: unterminated quote", key_names[key]);
		vn = i++ - v0;
	} else {
		for (v0 = i; i < n && !is_blank(s[i]) && s[i] != '#' && s[i] != '"'; i++)
			;
		vn = i - v0;
	}
	i = skip_blanks(s, n, i);
	if (i < n && s[i] != '#')
		return fail(msg, msz, "%s: unexpected '%.*s' after the value (quote a value with blanks)",
			    key_names[key], ECHO_LEN(n - i), s + i);
	if (apply(c, key, s + v0, vn, why, sizeof(why)))
		return fail(msg, msz, "%s: %s", key_names[key], why);
	return 0;
}

int domconfig_parse_file(const char *text, size_t len, struct domain_config *cfg,
			 char *err, size_t errsize)
{
	struct domain_config c;
	unsigned seen[K_COUNT] = { 0 };         /* line of each key, 0 = not yet */
	unsigned line = 0;
	size_t pos = 0;
	char msg[240];

	domconfig_defaults(&c);
	if (!text)
		len = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;                        /* a UTF-8 byte-order mark */
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (parse_line(&c, seen, ++line, text + pos, n, msg, sizeof(msg)))
			return fail(err, errsize, "line %u: %s", line, msg);
		pos = end + 1;
	}
	if (!c.kernel[0])
		return fail(err, errsize, "no kernel given: add kernel = \"<module path>\"");
	if (seen[K_NPT] && check_npt(&c, msg, sizeof(msg)))
		return fail(err, errsize, "line %u: npt: %s", seen[K_NPT], msg);
	if (seen[K_PRIVILEGED] && check_privileged(&c, msg, sizeof(msg)))
		return fail(err, errsize, "line %u: privileged: %s", seen[K_PRIVILEGED], msg);
	*cfg = c;
	if (err && errsize)
		err[0] = '\0';
	return 0;
}


int domconfig_parse_words(const char *words, struct domain_config *cfg, char *err,
			  size_t errsize)
{
	struct domain_config c;
	bool seen[K_COUNT] = { false };
	char word[WORD_MAX], why[160];
	bool unterminated;
	size_t len;
	const char *p = words ? words : "";

	domconfig_defaults(&c);
	p = cmdline_next_word(p, word, sizeof(word), &len, &unterminated);
	if (!p)
		return fail(err, errsize, "no kernel given: the first word must be the kernel's module path");
	if (strchr(word, '='))
		return fail(err, errsize,
			    "no kernel given: the first word must be the kernel's module path, not '%.*s'",
			    ECHO, word);
	if (unterminated)
		return fail(err, errsize, "kernel path: unterminated quote");
	if (apply(&c, K_KERNEL, word, len, why, sizeof(why)))
		return fail(err, errsize, "kernel path: %s", why);

	while ((p = cmdline_next_word(p, word, sizeof(word), &len, &unterminated))) {
		char *eq = strchr(word, '=');
		if (!eq)
			return fail(err, errsize,
				    "option '%.*s': missing '=' (expected key=value; quote a value with blanks: cmdline=\"a b\")",
				    ECHO, word);
		*eq = '\0';
		int key = find_key(word, strlen(word));
		if (key < 0)
			return fail(err, errsize, "option '%.*s': unknown (known: " KNOWN_KEYS ")",
				    ECHO, word);
		if (key == K_KERNEL)
			return fail(err, errsize, "option 'kernel': the kernel is the first word, not an option");
		if (seen[key])
			return fail(err, errsize, "option '%s': given twice", key_names[key]);
		seen[key] = true;
		if (unterminated)
			return fail(err, errsize, "option '%s': unterminated quote", key_names[key]);
		if (len >= WORD_MAX)
			return fail(err, errsize, "option '%s': value is %zu characters long, too long",
				    key_names[key], len - (size_t)(eq + 1 - word));
		if (apply(&c, key, eq + 1, len - (size_t)(eq + 1 - word), why, sizeof(why)))
			return fail(err, errsize, "option '%s': %s", key_names[key], why);
	}
	if (seen[K_NPT] && check_npt(&c, why, sizeof(why)))
		return fail(err, errsize, "option 'npt': %s", why);
	if (seen[K_PRIVILEGED] && check_privileged(&c, why, sizeof(why)))
		return fail(err, errsize, "option 'privileged': %s", why);
	*cfg = c;
	if (err && errsize)
		err[0] = '\0';
	return 0;
}

int domconfig_format(const struct domain_config *cfg, char *buf, size_t size)
{
	/* Quoted values cannot hold '"', and the parser took none in. */
	int n = snprintf(buf, size,
			 "%s%s%skernel = \"%s\"\n%s%s%s%s%s%smemory = %uK\nmode = \"%s\"\n"
			 "weight = %u\n",
			 cfg->name[0] ? "name = \"" : "", cfg->name, cfg->name[0] ? "\"\n" : "",
			 cfg->kernel, cfg->initrd[0] ? "initrd = \"" : "", cfg->initrd,
			 cfg->initrd[0] ? "\"\n" : "", cfg->cmdline[0] ? "cmdline = \"" : "",
			 cfg->cmdline, cfg->cmdline[0] ? "\"\n" : "", cfg->memory_kib,
			 dom_mode_name(cfg->mode), cfg->weight);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	if (cfg->mode == DOM_MODE_BT && !cfg->patch)
		n += snprintf(buf + n, size - (size_t)n, "patch = off\n");
	if (cfg->mode == DOM_MODE_HW && !cfg->npt)
		n += snprintf(buf + n, size - (size_t)n, "npt = off\n");
	if (cfg->privileged)
		n += snprintf(buf + n, size - (size_t)n, "privileged = 1\n");
	return (size_t)n < size ? n : -ENOSPC;
}
