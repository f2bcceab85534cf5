/*
 * The emulated PC of a hw domain: the device models of hv/vdev/ registered
 * in the domain's table and wired together as on a PC (the PIT's OUT0 on
 * IRQ 0, COM1 on IRQ 4, the RTC on IRQ 8, all into the 8259A pair), the
 * UART's transmitter onto the domain's console line, and time: the models
 * get the system clock at every exit, and the vCPU timer is armed for the
 * next instant one of them changes an interrupt line.
 */
#include "hw.h"
#include "console.h"
#include "domain.h"
#include "errno.h"
#include "sched.h"
#include "format.h"
#include "string.h"
#include "time.h"
#include "vtimer.h"

static void pic_line(void *opaque, unsigned irq, bool level)
{
	struct domain *d = opaque;
	vpic_set_irq(&d->hw->dev.pic, irq, level);
}

static void irq0(void *opaque, bool level)
{
	pic_line(opaque, 0, level);
}

static void irq4(void *opaque, bool level)
{
	pic_line(opaque, VUART_COM1_IRQ, level);
}

static void irq8(void *opaque, bool level)
{
	pic_line(opaque, 8, level);
}

/* What the guest sends on COM1 is its console output. The port write that
 * would not fit the console's output ring waits (hw/exit.c), so nothing is
 * lost and a guest printing fast is paced by the line like on a real UART. */
static void uart_tx(void *opaque, char c)
{
	struct domain *d = opaque;
	d->stats.console_bytes += console_domain_write_some(d, &c, 1, console_emitted());
}

/* Port 0x80, the POST code port: written by firmware and by Linux as an
 * I/O delay. Remembered; reads give it back. */
static int post_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct domain *d = opaque;
	(void)addr;
	if (size != 1)
		return -EINVAL;
	if (write)
		d->hw->dev.post = (uint8_t)*val;
	else
		*val = d->hw->dev.post;
	return 0;
}

/*
 * Port 0xf4: QEMU's isa-debug-exit, which the PC port of ringos writes
 * to power off (its test results are its exit code). For a hw domain it is
 * that domain's power-off with the value written as exit code, as a pv
 * domain's shutdown hypercall: the machine and the other domains go on.
 */
static int exit_port_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct domain *d = opaque;
	(void)addr, (void)size;
	if (!write) {
		*val = 0xffffffffu;
		return 0;
	}
	domain_shutdown(d, RV_SHUTDOWN_poweroff, *val);
	return 0;
}

int hw_devices_init(struct domain *d, char *err, size_t errlen)
{
	struct hw_devices *dev = &d->hw->dev;
	struct vdev_table *t = d->vdevs;
	int rc = vpic_init(&dev->pic, t);
	if (!rc)
		rc = vpit_init(&dev->pit, t, irq0, d);
	if (!rc)
		rc = vrtc_init(&dev->rtc, t, wallclock_at_boot * 1000000000ull, irq8, d);
	if (!rc)
		rc = vuart_init(&dev->uart, t, VUART_COM1_BASE, irq4, d, uart_tx);
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, 0x80, 1, post_io, d, "post");
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, 0xf4, 4, exit_port_io, d, "debug-exit");
	if (rc)
		snprintf(err, errlen, "emulated devices could not be set up (%d)", rc);
	return rc;
}

/* Typed input waiting for the guest goes into the UART's FIFO as room
 * allows; the rest waits in the domain's input ring. */
static void feed_uart(struct domain *d)
{
	char c;
	while (console_domain_read(d, &c, 1) == 1) {
		if (vuart_rx(&d->hw->dev.uart, c)) {
			console_domain_unread(d, &c, 1);
			break;
		}
	}
}

uint64_t hw_devices_update(struct domain *d, uint64_t now)
{
	struct hw_devices *dev = &d->hw->dev;
	vpit_update(&dev->pit, now);
	vrtc_set_time(&dev->rtc, now);
	feed_uart(d);
	uint64_t next = vpit_next_event_ns(&dev->pit);
	if (next != d->vcpu.timer_deadline)
		vtimer_set(d, next == UINT64_MAX ? 0 : next);
	return next;
}

void hw_devices_console_input(struct domain *d)
{
	feed_uart(d);
	if (vpic_pending(&d->hw->dev.pic) && d->state == DOM_BLOCKED && d->hw->halted)
		sched_wake(d);
}
