/*
 * The demo domain `make run` boots (configs/alpha.cfg, configs/beta.cfg):
 * it prints a heartbeat from its timer events and answers lines typed on
 * its console (Ctrl-] gives it the keyboard). "quit" powers it
 * off. Command line: interval=SECONDS (default 5), ready (tells the test
 * harness it may type).
 */
#include "guest.h"

static uint64_t interval_ns = 5000000000ull, next_beat;
static uint32_t beats;
static char line[80];
static unsigned len;
static bool quit;

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = s; *p; p++)
		if ((p == s || p[-1] == ' ') && !memcmp(p, w, n) && (p[n] == ' ' || p[n] == '=' || !p[n]))
			return true;
	return false;
}

static void on_event(unsigned port)
{
	if (port == start_info->timer_port) {
		beats++;
		gprintf("%s: heartbeat %u, up %llu s\n", start_info->name, beats,
			(unsigned long long)(guest_time_ns() / 1000000000ull));
		next_beat += interval_ns;
		hv_set_timer(next_beat);
	} else if (port == start_info->console_port) {
		char buf[32];
		int32_t n;
		while ((n = hv_console_read(buf, sizeof(buf))) > 0) {
			for (int32_t i = 0; i < n; i++) {
				char c = buf[i];
				if (c == '\r' || c == '\n') {
					line[len] = '\0';
					if (len)
						gprintf("%s got: %s\n", start_info->name, line);
					if (!strcmp(line, "quit"))
						quit = true;
					len = 0;
				} else if (len + 1 < sizeof(line)) {
					line[len++] = c;
				}
			}
		}
	}
}

void guest_main(void)
{
	const char *cmd = start_info->cmdline;
	const char *iv = cmd;
	while (*iv && !(iv[0] == 'i' && !memcmp(iv, "interval=", 9)))
		iv++;
	if (*iv) {
		uint64_t s = 0;
		for (iv += 9; *iv >= '0' && *iv <= '9'; iv++)
			s = s * 10 + (uint64_t)(*iv - '0');
		if (s)
			interval_ns = s * 1000000000ull;
	}
	gprintf("%s (domain %u, %u KiB) up. Ctrl-] gives me the keyboard; "
		"'quit' stops me\n", start_info->name, start_info->domid, start_info->nr_pages * 4);
	if (has_word(cmd, "ready"))
		gprintf("TEST READY FOR INPUT\n");
	guest_events_init(on_event);
	next_beat = guest_time_ns() + interval_ns;
	hv_set_timer(next_beat);
	while (!quit)
		hv_block();
	gprintf("%s: bye after %u heartbeats\n", start_info->name, beats);
	hv_shutdown(RV_SHUTDOWN_poweroff, 0);
}
