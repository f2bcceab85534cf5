/* panic(), machine exit and backtraces. */
#include "panic.h"
#include "printk.h"
#include "console.h"
#include "format.h"
#include "x86.h"

extern char __image_start[], __text_end[];
extern char boot_stack[], boot_stack_top[];

#define QEMU_EXIT_PORT 0xf4

void machine_exit(uint32_t code)
{
	irq_disable();
	/* Everything said so far reaches the line first (the output ring is
	 * otherwise drained by interrupts, which stop here). */
	console_flush();
	/* isa-debug-exit: QEMU terminates with (code << 1) | 1. On a PC
	 * without that device the write goes nowhere and we halt. */
	outl(QEMU_EXIT_PORT, code);
	for (;;)
		halt();
}

static bool is_text(uint32_t a)
{
	return a >= (uint32_t)(uintptr_t)__image_start && a < (uint32_t)(uintptr_t)__text_end;
}

void backtrace_print(uint32_t eip, uint32_t ebp)
{
	printk(LOG_EMERG "backtrace (gdb: info symbol ADDR, or addr2line -e build/hv/hv.elf):\n");
	printk(LOG_EMERG "  %#010x\n", eip);
	/* Follow saved frame pointers while they look like a stack in RAM. */
	for (int depth = 0; depth < 16 && ebp >= 0x1000 && !(ebp & 3); depth++) {
		uint32_t *frame = (uint32_t *)(uintptr_t)ebp;
		uint32_t ret = frame[1], next = frame[0];
		if (!is_text(ret))
			break;
		printk(LOG_EMERG "  %#010x\n", ret);
		if (next <= ebp)
			break;
		ebp = next;
	}
}

static bool in_panic;

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	irq_disable();
	if (in_panic)           /* a panic while panicking: just stop */
		machine_exit(HV_EXIT_PANIC);
	in_panic = true;
	console_panic();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_EMERG "\n");
	printk(LOG_EMERG "PANIC at %s:%d: %s\n", file, line, msg);
	/* Our own frame: [0] = the caller's ebp, [1] = our return address. */
	uint32_t *fp = __builtin_frame_address(0);
	backtrace_print(fp[1], fp[0]);
	printk(LOG_EMERG "system halted (exit status %#x)\n", HV_EXIT_PANIC);
	machine_exit(HV_EXIT_PANIC);
}
