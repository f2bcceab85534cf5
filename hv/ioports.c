/*
 * Domain 0's real I/O ports (ioports.h). x86 checks an in/out from a
 * ring above IOPL against the TSS's I/O permission bitmap: a clear bit
 * lets that port through. The hypervisor's bitmap denies every port; the
 * ranges of the domain about to run are cleared at each switch and set
 * again when another runs, the way Xen's PV I/O bitmap is switched. The
 * interrupt of the IDE channel (IRQ 14) becomes an event on Domain 0's
 * EVTCHN_PORT_IDE.
 */
#include "ioports.h"
#include "cmdline.h"
#include "dispatch.h"
#include "domain.h"
#include "errno.h"
#include "events.h"
#include "printk.h"
#include "string.h"
#include "switch.h"
#include "console_uart.h"

/* The machine's devices Domain 0 gets: each its ports, its ISA line and
 * the event port that line raises (start_info says which). */
struct passthrough {
	const char *name, *option;
	uint16_t base, count, base2, count2;
	unsigned irq, evtchn;
	bool enabled;
	struct domain *owner;
	uint64_t irqs, lost;
};
static struct passthrough devs[] = {
	{ "IDE channel", "dom0_ide", 0x1f0, 8, 0x3f6, 1, 14, EVTCHN_PORT_IDE, true, NULL, 0, 0 },
	{ "COM2", "dom0_com2", 0x2f8, 8, 0, 0, 3, EVTCHN_PORT_SERIAL, true, NULL, 0, 0 },
};

static struct domain *opened;           /* whose ranges the bitmap lets through */

static int set_onoff(bool *b, const char *v)
{
	if (!strcmp(v, "on"))
		*b = true;
	else if (!strcmp(v, "off"))
		*b = false;
	else
		return -EINVAL;
	return 0;
}
static int set_dom0_ide(const char *v)
{
	return set_onoff(&devs[0].enabled, v);
}
static int set_dom0_com2(const char *v)
{
	return set_onoff(&devs[1].enabled, v);
}
CMDLINE_OPTION(dom0_ide, "dom0_ide", set_dom0_ide, "on or off",
	       "give Domain 0 the machine's primary IDE channel (default on)");
CMDLINE_OPTION(dom0_com2, "dom0_com2", set_dom0_com2, "on or off",
	       "give Domain 0 the second serial port, its link to another machine (default on)");

static bool usable(const struct passthrough *p)
{
	return p->enabled && console_uart_base() != p->base;
}

bool ioports_ide_enabled(void)
{
	return usable(&devs[0]);
}

bool ioports_com2_enabled(void)
{
	return usable(&devs[1]);
}

static void set_range(const struct domain *d, bool allow)
{
	for (unsigned r = 0; r < d->nr_io; r++)
		for (uint32_t p = d->io[r].first; p < (uint32_t)d->io[r].first + d->io[r].count; p++) {
			if (allow)
				tss->iomap[p / 8] &= (uint8_t)~(1u << (p % 8));
			else
				tss->iomap[p / 8] |= (uint8_t)(1u << (p % 8));
		}
}

int ioports_grant(struct domain *d, uint16_t first, uint16_t count)
{
	if (d->nr_io >= ARRAY_SIZE(d->io))
		return -ENOSPC;
	if (!count || (uint32_t)first + count > 0x10000)
		return -EINVAL;
	d->io[d->nr_io].first = first;
	d->io[d->nr_io].count = count;
	d->nr_io++;
	if (opened == d)
		set_range(d, true);
	return 0;
}

void ioports_switch(struct domain *next)
{
	if (opened == next)
		return;
	if (opened)
		set_range(opened, false);
	opened = next && next->nr_io ? next : NULL;
	if (opened)
		set_range(opened, true);
}

void ioports_forget(struct domain *d)
{
	if (opened == d) {
		set_range(d, false);
		opened = NULL;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++)
		if (devs[i].owner == d)
			devs[i].owner = NULL;
	d->nr_io = 0;
}

static void device_interrupt(unsigned irq)
{
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
		struct passthrough *p = &devs[i];
		if (p->irq != irq)
			continue;
		p->irqs++;
		if (p->owner && domain_alive(p->owner))
			evtchn_raise(p->owner, p->evtchn);
		else
			p->lost++;
	}
}

void ioports_give_devices(struct domain *d)
{
	static bool registered[ARRAY_SIZE(devs)];
	for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
		struct passthrough *p = &devs[i];
		if (!usable(p) || p->owner)
			continue;
		unsigned had = d->nr_io;
		if (ioports_grant(d, p->base, p->count) ||
		    (p->count2 && ioports_grant(d, p->base2, p->count2))) {
			d->nr_io = had;
			continue;
		}
		p->owner = d;
		if (!registered[i]) {
			irq_register(p->irq, device_interrupt, p->name);
			registered[i] = true;
		}
		pr_info("domain %u (%s): the %s (ports %#x-%#x%s, IRQ %u) is its own\n", d->id, d->name,
			p->name, p->base, p->base + p->count - 1, p->count2 ? ", 0x3f6" : "", p->irq);
	}
}
