/* Command-line tokenizer and option dispatch (pure: host unit tests use it). */
#include "cmdline.h"
#include "errno.h"
#include "format.h"
#include "string.h"

#define MAX_WORD 256

int parse_uint(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		v = v * base + d;
		if (v > 0xffffffffull)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int parse_string(const char *s, char *buf, size_t size)
{
	size_t n = s ? strlen(s) : 0;
	if (!s || n >= size)
		return -EINVAL;
	memcpy(buf, s, n + 1);
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t len = s ? strlen(s) : 0;
	unsigned shift = 0;

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	}
	if (shift)
		num[len - 1] = '\0';
	uint32_t v;
	if (parse_uint(num, &v))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	if (!s || !strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static const struct cmdline_option *find(const struct cmdline_option *opts, size_t n,
					 const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

const char *cmdline_next_word(const char *p, char *word, size_t size, size_t *len,
			      bool *unterminated)
{
	size_t n = 0;
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p)
		return NULL;
	for (; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			break;
		if (n + 1 < size)
			word[n] = *p;
		n++;
	}
	word[MIN(n, size - 1)] = '\0';
	*len = n;
	*unterminated = quoted;
	return p;
}

int cmdline_parse(const char *cmdline, const struct cmdline_option *opts, size_t n,
		  cmdline_report_fn report)
{
	char word[MAX_WORD], msg[MAX_WORD + 160];
	bool unterminated, first = true;
	size_t len;
	int problems = 0;

	if (!cmdline)
		return 0;
	for (const char *p = cmdline; (p = cmdline_next_word(p, word, sizeof(word), &len, &unterminated));
	     first = false) {
		bool too_long = len >= sizeof(word);
		char *eq = strchr(word, '=');
		const char *value = NULL;
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}
		const struct cmdline_option *opt = find(opts, n, word);

		if (!opt && first && !eq)
			continue;       /* the boot loader's image path */
		if (too_long || unterminated) {
			snprintf(msg, sizeof(msg), "cmdline: option '%s': %s, ignored", word,
				 too_long ? "word too long" : "unterminated quote");
			report(msg);
			problems++;
		} else if (!opt) {
			snprintf(msg, sizeof(msg), "cmdline: unknown option '%s', ignored", word);
			report(msg);
			problems++;
		} else if (opt->set(value) != 0) {
			snprintf(msg, sizeof(msg),
				 "cmdline: option '%s': bad value '%s' (expected %s), ignored",
				 word, value ? value : "", opt->expect ? opt->expect : "no value");
			report(msg);
			problems++;
		}
	}
	return problems;
}
