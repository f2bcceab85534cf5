/* ringos: the kernel's log and panic, on the port's console. */
#include "kernel.h"
#include "arch.h"

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	arch_console_write(buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("ringos: PANIC: %s\n", buf);
	arch_poweroff(0x20);
}
