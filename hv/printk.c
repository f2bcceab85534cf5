/*
 * The hypervisor log: formats with vsnprintf, filters by level, prefixes each
 * line with "(rv) " so that hypervisor output stands apart from the guests'
 * consoles on the shared serial line, and hands the text to the console.
 */
#include "printk.h"
#include "format.h"
#include "console.h"
#include "string.h"
#include "x86.h"

int printk_loglevel = LOGLEVEL_DEFAULT;

static const char *const level_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

const char *loglevel_name(int level)
{
	return level >= 0 && level < 8 ? level_names[level] : "?";
}

int loglevel_parse(const char *s)
{
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (int i = 0; i < 8; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	if (!strcmp(s, "error"))
		return 3;
	if (!strcmp(s, "warn"))
		return 4;
	return -1;
}

static bool at_line_start = true;

void vprintk(const char *fmt, va_list ap)
{
	static char buf[1024];
	int level = LOGLEVEL_DEFAULT;

	if (fmt[0] == LOG_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	if (level > printk_loglevel)
		return;

	/* One CPU: keeping interrupts off makes a message atomic on the line. */
	uint32_t flags = read_eflags();
	irq_disable();
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	for (int i = 0; i < n; ) {
		if (at_line_start) {
			console_write_hv("(rv) ", 5);
			at_line_start = false;
		}
		int end = i;
		while (end < n && buf[end] != '\n')
			end++;
		if (end < n) {
			end++;
			at_line_start = true;
		}
		console_write_hv(&buf[i], (size_t)(end - i));
		i = end;
	}
	write_eflags(flags);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
