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

#define IDE_BASE        0x1f0
#define IDE_CTL         0x3f6
#define IDE_IRQ         14

static struct domain *opened;           /* whose ranges the bitmap lets through */
static struct domain *ide_owner;
static bool ide_enabled = true;
static uint64_t ide_irqs, ide_irqs_lost;

static int set_dom0_ide(const char *v)
{
	if (!strcmp(v, "on"))
		ide_enabled = true;
	else if (!strcmp(v, "off"))
		ide_enabled = false;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_OPTION(dom0_ide, "dom0_ide", set_dom0_ide, "on or off",
	       "give Domain 0 the machine's primary IDE channel (default on)");

bool ioports_ide_enabled(void)
{
	return ide_enabled;
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
	if (ide_owner == d)
		ide_owner = NULL;
	d->nr_io = 0;
}

static void ide_interrupt(unsigned irq)
{
	(void)irq;
	ide_irqs++;
	if (ide_owner && domain_alive(ide_owner))
		evtchn_raise(ide_owner, EVTCHN_PORT_IDE);
	else
		ide_irqs_lost++;
}

void ioports_give_ide(struct domain *d)
{
	static bool registered;
	if (!ide_enabled || ide_owner)
		return;
	if (ioports_grant(d, IDE_BASE, 8) || ioports_grant(d, IDE_CTL, 1)) {
		d->nr_io = 0;
		return;
	}
	ide_owner = d;
	if (!registered) {
		irq_register(IDE_IRQ, ide_interrupt, "IDE (Domain 0's)");
		registered = true;
	}
	pr_info("domain %u (%s): the IDE channel's ports 0x1f0-0x1f7, 0x3f6 and IRQ 14 are its own\n",
		d->id, d->name);
}
