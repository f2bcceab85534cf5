/*
 * Hypervisor command line: "name=value" words separated by blanks; a value
 * may be double-quoted to hold blanks. Options are declared anywhere with
 * CMDLINE_OPTION() and collected by the linker (like Linux's __setup), so a
 * subsystem, or a test kernel, adds options without touching this parser.
 * An unknown or malformed option is reported by name and ignored.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include "types.h"

struct cmdline_option {
	const char *name;
	/* Parse and apply the value (NULL when the word had no '='). Returns 0,
	 * or -EINVAL when the value is malformed. */
	int (*set)(const char *value);
	const char *expect;     /* what a good value looks like, for messages */
	const char *help;
};

#define CMDLINE_OPTION(ident, optname, setter, expect_, help_)                  \
	static const struct cmdline_option __cmdline_opt_##ident                \
	__used __section(".cmdline_opts") __aligned(4) = {                      \
		.name = optname, .set = setter, .expect = expect_, .help = help_, \
	}

/* Called for each problem found; msg is a complete sentence. */
typedef void (*cmdline_report_fn)(const char *msg);

/*
 * Parse cmdline against opts[0..n). A first word without '=' that is not an
 * option is the image path a boot loader puts there and is skipped.
 * Returns the number of problems reported.
 */
int cmdline_parse(const char *cmdline, const struct cmdline_option *opts, size_t n,
		  cmdline_report_fn report);

/* Split off the next blank-separated word of p into word[size] ("quotes"
 * group blanks and are dropped). Returns a pointer past it, or NULL at the
 * end. *len is the word's full length (it was cut short if >= size);
 * *unterminated is set when a quote was left open. */
const char *cmdline_next_word(const char *p, char *word, size_t size, size_t *len,
			      bool *unterminated);

/* Value parsers for option setters. Return 0 or -EINVAL. */
int parse_string(const char *s, char *buf, size_t size);    /* copy, must fit */
int parse_uint(const char *s, uint32_t *out);          /* decimal or 0x hex */
int parse_size(const char *s, uint64_t *out);          /* with K/M/G suffix */
int parse_bool(const char *s, bool *out);              /* NULL/1/0/on/off/yes/no */

/* The options linked into this image. */
void cmdline_options(const struct cmdline_option **start, size_t *n);

#endif
