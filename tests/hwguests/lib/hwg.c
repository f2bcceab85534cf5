/*
 * The hw test guest library (hwg.h): console on COM1 by polling, the IDT
 * and its dispatcher, fault catching, and the end of a test through port
 * 0xf4.
 */
#include "hwg.h"
#include "format.h"
#include "pit.h"
#include "string.h"

#define COM1            0x3f8
#define COM1_LSR        (COM1 + 5)
#define LSR_THRE        0x20
#define EXIT_PORT       0xf4
#define MB_MAGIC_EAX    0x2badb002u
#define MBI_CMDLINE     (1u << 2)

const struct hwg_mbi *hwg_mbi;
const char *hwg_cmdline = "";
volatile uint32_t hwg_unexpected_irqs;
volatile uint32_t hwg_fault_error;

static hwg_handler_t handlers[256];
static volatile int catch_len;          /* > 0: a fault is expected */
static volatile int caught_vector = -1;

struct __packed idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};
static struct idt_gate idt[256] __aligned(8);
extern char hwg_stubs[];

/* ---- console */

/* 115200 8N1, FIFOs on, no interrupts: a 16550 resets to 5-bit words. */
static void serial_init(void)
{
	outb(COM1 + 1, 0x00);           /* IER: none */
	outb(COM1 + 3, 0x80);           /* LCR: DLAB, to reach the divisor */
	outb(COM1 + 0, 0x01);           /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);           /* LCR: 8 bits, no parity, 1 stop bit */
	outb(COM1 + 2, 0xc7);           /* FCR: enable and clear the FIFOs */
	outb(COM1 + 4, 0x03);           /* MCR: DTR, RTS */
}

static void serial_putc(char c)
{
	/* Bounded: a UART that never gets ready must not hang the test. */
	for (unsigned i = 0; i < 1000000 && !(inb(COM1_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

static void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

void hwg_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_puts(buf);
}

void report_line(const char *line)
{
	serial_puts(line);
}

/* The outcome as this domain's exit code: 0 success, 1 failure, 2 error,
 * 3 skip, as the hypervisor reads it (HV_EXIT_*). */
void report_end(enum test_outcome outcome)
{
	for (;;) {
		outl(EXIT_PORT, outcome);
		irq_disable();
		halt();
	}
}

/* ---- command line and memory */

bool hwg_cmdline_has(const char *word)
{
	size_t n = strlen(word);
	const char *p = hwg_cmdline;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == '=' || p[n] == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

uint32_t hwg_ram_bytes(void)
{
	return hwg_mbi ? (1u << 20) + hwg_mbi->mem_upper * 1024u : 0;
}

/* ---- interrupts and exceptions */

void hwg_set_handler(unsigned vector, hwg_handler_t fn)
{
	handlers[vector & 0xff] = fn;
}

void hwg_set_gate(unsigned vec, void (*fn)(void), uint8_t type)
{
	struct desc_ptr idtr;
	sidt(&idtr);
	uint8_t *g = (uint8_t *)(uintptr_t)idtr.base + 8 * vec;
	uint32_t off = (uint32_t)(uintptr_t)fn;
	g[0] = off & 0xff;
	g[1] = (off >> 8) & 0xff;
	g[2] = 0x08;
	g[3] = 0;
	g[4] = 0;
	g[5] = type;
	g[6] = (off >> 16) & 0xff;
	g[7] = off >> 24;
}

uint64_t hwg_seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

void hwg_catch_arm(unsigned len)
{
	caught_vector = -1;
	hwg_fault_error = 0;
	catch_len = (int)len;
}

int hwg_catch_result(void)
{
	catch_len = 0;
	return caught_vector;
}

void hwg_trap(struct hwg_frame *f);
void hwg_trap(struct hwg_frame *f)
{
	if (f->vector < 32) {
		if (catch_len > 0) {
			caught_vector = (int)f->vector;
			hwg_fault_error = f->error;
			f->eip += (uint32_t)catch_len;
			catch_len = 0;
			return;
		}
		test_error("unexpected exception %u (error %#x) at eip %#x", f->vector, f->error,
			   f->eip);
	}
	if (handlers[f->vector])
		handlers[f->vector](f);
	else
		hwg_unexpected_irqs++;
}

static void idt_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint32_t off = (uint32_t)(uintptr_t)(hwg_stubs + 16 * i);
		idt[i] = (struct idt_gate){ (uint16_t)off, 0x08, 0, 0x8e, (uint16_t)(off >> 16) };
	}
	struct desc_ptr p = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	lidt(&p);
}

/* ---- time */

uint64_t hwg_tsc_hz(void)
{
	static uint64_t hz;
	if (!hz)
		hz = pit_calibrate_tsc(50);
	return hz;
}

void hwg_udelay(uint32_t us)
{
	uint64_t end = rdtsc() + hwg_tsc_hz() * us / 1000000u;
	while (rdtsc() < end)
		cpu_relax();
}

/* ---- start */

void hwg_start(uint32_t magic, const struct hwg_mbi *mbi);
void hwg_start(uint32_t magic, const struct hwg_mbi *mbi)
{
	idt_init();
	serial_init();
	if (magic != MB_MAGIC_EAX)
		test_error("entered with EAX %#x, not the multiboot magic 0x2badb002", magic);
	hwg_mbi = mbi;
	if (mbi->flags & MBI_CMDLINE)
		hwg_cmdline = (const char *)(uintptr_t)mbi->cmdline;
	hwg_printf("hw test guest: cmdline \"%s\", %u KiB of RAM\n", hwg_cmdline,
		   hwg_ram_bytes() >> 10);
	guest_main();
	test_finish();
}
