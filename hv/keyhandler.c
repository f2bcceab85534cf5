/*
 * Hypervisor console keys (Xen's "debug keys"): one key, one report. The
 * console switch (Ctrl-]) decides whether keys reach these handlers or a
 * guest; console.c drops terminal escape sequences before they get here.
 */
#include "console.h"
#include "dispatch.h"
#include "domain.h"
#include "frame.h"
#include "hv.h"
#include "printk.h"
#include "time.h"



volatile uint32_t keyhandler_keys_handled;

static const struct {
	char key;
	void (*fn)(void);
	const char *help;
} keys[] = {
	{ 'h', keyhandler_help, "this help" },
	{ 'c', console_dump, "console output: bytes waiting for the line, sent by polling" },
	{ 'd', dispatch_dump, "dispatcher counters: hypervisor entries by cause" },
	{ 'e', domains_dump, "every domain: state, CPU time, exits by cause and hypercall" },
	{ 'm', memory_dump, "physical memory: free, used and reserved frames" },
	{ 't', time_dump, "time since boot, timer ticks and TSC frequency" },
};

void keyhandler_help(void)
{
	printk("console keys:\n");
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++)
		printk("  %c  %s\n", keys[i].key, keys[i].help);
	printk("  Ctrl-]  moves the keyboard to the next domain (and back here)\n");
}

void keyhandler_handle(char key)
{
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].key == key) {
			keys[i].fn();
			keyhandler_keys_handled++;
			return;
		}
	}
	if (key == '\r' || key == '\n' || key == ' ')
		return;
	/* One short line, and one for a burst of keys (a paste, a mistyped
	 * word), not one each. */
	static uint64_t last_ns;
	uint64_t now = time_now_ns();
	if (last_ns && now - last_ns < 1000000000ull) {
		last_ns = now;
		return;
	}
	last_ns = now;
	if (key > 0x20 && key < 0x7f)
		printk("key '%c': none such ('h' lists the keys, Ctrl-] moves the keyboard)\n", key);
	else
		printk("key %#x: none such ('h' lists the keys, Ctrl-] moves the keyboard)\n",
		       (unsigned char)key);
}
