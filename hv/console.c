/* Console: the serial line shared by the hypervisor and (later) its guests. */
#include "console.h"
#include "cmdline.h"
#include "dispatch.h"
#include "errno.h"
#include "printk.h"
#include "serial.h"

static struct serial_port port = { .base = 0x3f8, .irq = 4, .baud = 115200 };
static struct serial_port wanted = { .base = 0x3f8, .irq = 4, .baud = 115200 };

static int set_serial(const char *v)
{
	if (!v)
		return -EINVAL;
	return serial_port_parse(v, &wanted);
}
CMDLINE_OPTION(serial, "serial", set_serial, "com1..com4 or an I/O port such as 0x3f8",
	       "UART for the console (default com1)");

static int set_baud(const char *v)
{
	uint32_t baud;
	if (parse_uint(v, &baud) || baud == 0 || baud > 115200 || 115200 % baud)
		return -EINVAL;
	wanted.baud = baud;
	return 0;
}
CMDLINE_OPTION(baud, "baud", set_baud, "a divisor of 115200 such as 9600 or 115200",
	       "console speed (default 115200)");

void console_early_init(void)
{
	serial_init(&port);
}

void console_apply_options(void)
{
	if (wanted.base == port.base && wanted.baud == port.baud)
		return;
	struct serial_port old = port, next = wanted;
	if (serial_init(&next)) {
		pr_err("console: no UART at %#x, staying on %#x\n", wanted.base, old.base);
		return;
	}
	pr_info("console: moving to UART %#x at %u baud\n", next.base, next.baud);
	port = next;
	pr_info("console: on UART %#x at %u baud (moved from %#x)\n", port.base, port.baud, old.base);
}

void console_write_hv(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc(&port, '\r');
		serial_putc(&port, s[i]);
	}
}

static void console_interrupt(unsigned irq)
{
	int c;
	/* Drain the FIFO: one interrupt may stand for several bytes. */
	while ((c = serial_getc(&port)) >= 0)
		keyhandler_handle((char)c);
}

void console_enable_input(void)
{
	irq_register(port.irq, console_interrupt, "console (UART receive)");
	serial_enable_rx_irq(&port);
}
