/* Checks of device models restored from a save file (hv/vdev/save.h). */
#include "save.h"
#include "string.h"

#define HOUR_NS         3600000000000ull
#define RTC_OFFSET_MAX  (200ull * 366 * 86400 * 1000000000)    /* 200 years */

/* A bool read from a file: any nonzero byte is true (a byte other than 0
 * or 1 in a bool is not a value C knows). */
#define NB(x) do { uint8_t b_; memcpy(&b_, &(x), 1); (x) = b_ != 0; } while (0)
#define BAD(text) do { *why = text; return -1; } while (0)

int vsave_time(uint64_t *t, const struct vsave_clock *c)
{
	if (*t > c->saved_at + HOUR_NS)
		return -1;
	if (c->now >= c->saved_at)
		*t += c->now - c->saved_at;
	else
		*t = *t > c->saved_at - c->now ? *t - (c->saved_at - c->now) : 0;
	return 0;
}

static int chip(struct vpic_chip *h)
{
	NB(h->ltim); NB(h->single); NB(h->icw4); NB(h->aeoi); NB(h->rotate_aeoi);
	NB(h->read_isr); NB(h->poll); NB(h->special_mask);
	return h->lowest > 7 || (h->init != 0 && (h->init < 2 || h->init > 4)) ? -1 : 0;
}

int vpic_restore_check(struct vpic *p, const char **why)
{
	if (chip(&p->master) || chip(&p->slave))
		BAD("PIC: an initialization step or rotation level out of range");
	NB(p->intr);
	return 0;
}

int vpit_restore_check(struct vpit *p, const struct vsave_clock *c, const char **why)
{
	for (unsigned i = 0; i < 3; i++) {
		struct vpit_channel *h = &p->ch[i];
		if (h->mode > 7 || h->rw > 3 || h->latch_left > 2)
			BAD("PIT: a channel's mode, access or latch out of range");
		if (h->count > 65536 || h->next_count > 65536 || h->init > 65536)
			BAD("PIT: a count above 65536");
		if (h->base_ticks > (1ull << 50))
			BAD("PIT: a channel's ticks out of range");
		if (vsave_time(&h->load_ns, c) || vsave_time(&h->next_ns, c))
			BAD("PIT: a channel's time is too far ahead of the save");
		NB(h->pending); NB(h->counting); NB(h->null_count); NB(h->gate);
		NB(h->frozen); NB(h->triggered); NB(h->wflip); NB(h->rflip);
		NB(h->status_latched);
	}
	if (p->port_b > 0x0f)
		BAD("PIT: port 0x61 bits above 3");
	if (vsave_time(&p->now_ns, c) || vsave_time(&p->seen_ns, c))
		BAD("PIT: its clock is too far ahead of the save");
	NB(p->irq_level);
	return 0;
}

int vrtc_restore_check(struct vrtc *r, const struct vsave_clock *c, const char **why)
{
	if (r->index > 0x7f)
		BAD("RTC: register index above 0x7f");
	if (r->offset_ns > (int64_t)RTC_OFFSET_MAX || r->offset_ns < -(int64_t)RTC_OFFSET_MAX)
		BAD("RTC: the guest's clock offset is more than 200 years");
	const struct vrtc_time *t = &r->held;
	if ((r->b & 0x80) && (t->sec > 59 || t->min > 59 || t->hour > 23 || t->wday < 1 ||
			      t->wday > 7 || t->day < 1 || t->day > 31 || t->mon < 1 ||
			      t->mon > 12 || t->year > 99 || t->century > 99))
		BAD("RTC: the held time (SET) is not a date");
	if (vsave_time(&r->now_ns, c) || vsave_time(&r->pf_seen_ns, c))
		BAD("RTC: its clock is too far ahead of the save");
	/* seen_s counts the guest's clock (wall time and its offset), which
	 * is this machine's now: judged from here on. */
	NB(r->nmi_disabled); NB(r->irq_level);
	return 0;
}

int vuart_restore_check(struct vuart *u, uint16_t base, const struct vsave_clock *c,
			const char **why)
{
	if (u->base != base)
		BAD("UART: not at COM1's ports");
	if (u->rx_head >= VUART_FIFO || u->rx_count > VUART_FIFO)
		BAD("UART: receive FIFO index or count past its 16 bytes");
	if (vsave_time(&u->now_ns, c) || vsave_time(&u->rx_last_ns, c))
		BAD("UART: its clock is too far ahead of the save");
	NB(u->thr_ipending); NB(u->level);
	return 0;
}

static int fifo(const struct vkbd_fifo *f)
{
	return f->head >= VKBD_FIFO || f->count > VKBD_FIFO ? -1 : 0;
}

int vkbd_restore_check(struct vkbd *k, const char **why)
{
	if (fifo(&k->ctrl) || fifo(&k->kbd) || fifo(&k->aux))
		BAD("keyboard controller: a FIFO index or count past its 20 bytes");
	NB(k->a2); NB(k->obf); NB(k->obf_aux); NB(k->scanning);
	NB(k->irq1); NB(k->irq12); NB(k->a20);
	return 0;
}

int vlapic_restore_check(struct vlapic *l, const struct vsave_clock *c, const char **why)
{
	/* The count falls from base_count; a periodic timer reloads tmict
	 * (a divisor): a count above it, or none to reload, is no state the
	 * model reaches. */
	if (l->base_count && (!l->tmict || l->base_count > l->tmict))
		BAD("local APIC: the timer's count is above its initial count");
	if (l->tdcr & ~0xbu)
		BAD("local APIC: reserved bits in the divide configuration");
	/* Vectors 0-15 are refused on arrival (vlapic_accept): never requested. */
	if ((l->irr[0] | l->isr[0] | l->tmr[0]) & 0xffffu)
		BAD("local APIC: a vector below 16 requested or in service");
	if (vsave_time(&l->base_ns, c) || vsave_time(&l->now_ns, c))
		BAD("local APIC: its timer is too far ahead of the save");
	return 0;
}

int vioapic_restore_check(struct vioapic *io, uint64_t base, const char **why)
{
	if (io->base != base)
		BAD("I/O APIC: not at the PC's address");
	if (io->id > 15)
		BAD("I/O APIC: ID above 15");
	return 0;
}
