/*
 * ringos's side of split devices (rvio.h; docs/io.md, "Channels"). Each
 * device slot of start_info gets at most one channel: a zeroed page of
 * ours, the ring, granted to the backend under the reference the
 * toolstack chose; our end of the event port the backend offered; and
 * the call table (lib/chan_front.c), which matches responses to callers.
 *
 * Responses are taken in the port's interrupt handler (events off), and
 * by each caller before it sleeps, so one lost or late event delays
 * nobody for ever. A caller sleeps uninterruptibly on its channel: a
 * disk or a forwarded file call under way cannot be cut short by a
 * signal (the VFS lock may be held; nothing the response path needs
 * takes it). Every wake-up makes each waiter on the channel look at its
 * own call; there are at most 16 calls.
 */
#include "rvio.h"
#include "arch.h"
#include "evtchn.h"
#include "gnttab.h"
#include "kernel.h"
#include "proc.h"
#include "chan_front.h"
#include "pv_io.h"
#include "uapi/errno.h"
#include <public/start_info.h>

struct rvio {
	unsigned slot;
	struct rv_device dev;           /* the entry, copied at connect */
	uint32_t port;                  /* our end */
	paddr_t ring_pa;
	bool connected;
	bool told;                      /* the channel's death was logged */
	uint32_t slot_waits;            /* sleeps of calls that found every slot taken */
	struct chan_front f;
};

static struct rvio chans[RV_DEVICES_MAX];

const struct rv_device *rvio_device(unsigned slot)
{
	const struct rv_start_info *si = pv_start_info();
	if (slot >= RV_DEVICES_MAX || si->revision < ((0u << 16) | 5) ||
	    si->devices[slot].type == RV_DEV_none)
		return NULL;
	return &si->devices[slot];
}

uint16_t rvio_backend(const struct rvio *c)
{
	return c->dev.backend;
}

uint32_t rvio_slot_waits(const struct rvio *c)
{
	return c->slot_waits;
}

/* The channel died (events off): say why, once. */
static void tell_death(struct rvio *c)
{
	if (!c->f.dead || c->told)
		return;
	c->told = true;
	if (c->f.dead == CHAN_DEAD_RSP_PROD)
		kprintf("rvio: %s (device %u, backend domain %u): rsp_prod %u claims more than "
			"the requests outstanding: channel dead, calls fail with EIO\n",
			c->dev.name, c->slot, c->dev.backend, c->f.bad_value);
	else
		kprintf("rvio: %s (device %u, backend domain %u): a response with id %#x, which "
			"no call waits for: channel dead, calls fail with EIO\n",
			c->dev.name, c->slot, c->dev.backend, c->f.bad_value);
}

static void collect(struct rvio *c)
{
	if (chan_front_collect(&c->f) < 0)
		tell_death(c);
}

/* The backend pushed responses (interrupt context, events off). */
static void event(void *arg)
{
	struct rvio *c = arg;
	collect(c);
	wake_up(c);
}

int rvio_connect(unsigned slot, struct rvio **out)
{
	const struct rv_device *d = rvio_device(slot);
	int32_t rc;

	if (!d)
		return -ENODEV;
	struct rvio *c = &chans[slot];
	if (c->connected)
		return -EBUSY;
	c->slot = slot;
	c->dev = *d;
	c->dev.name[sizeof(c->dev.name) - 1] = '\0';
	c->ring_pa = frame_get();
	if (!c->ring_pa)
		return -ENOMEM;
	chan_front_init(&c->f, phys_to_virt(c->ring_pa));
	rc = grant_access_ref(c->dev.ring_ref, c->dev.backend, c->ring_pa, false);
	if (rc < 0)
		goto out_frame;
	rc = evtchn_bind_interdomain(c->dev.backend, c->dev.port);
	if (rc < 0)
		goto out_grant;
	c->port = (uint32_t)rc;
	if ((rc = evtchn_handle(c->port, event, c)) < 0)
		goto out_port;
	c->connected = true;
	/* The first event tells the backend the ring is there to map. */
	evtchn_send(c->port);
	*out = c;
	return 0;
out_port:
	evtchn_close(c->port);
out_grant:
	grant_end(c->dev.ring_ref);     /* not mapped yet: the backend waits for our event */
out_frame:
	frame_put(c->ring_pa);
	c->ring_pa = 0;
	return rc;
}

/* What a waiter waits for, asked with events off by sleep_on_cond. */
struct waiting {
	struct rvio *c;
	int slot;                       /* the call, or -1: a free slot */
};

static bool over(const void *arg)
{
	const struct waiting *w = arg;
	collect(w->c);
	if (w->c->f.dead)
		return true;
	return w->slot < 0 ? chan_front_can_start(&w->c->f) :
			     w->c->f.call[w->slot].state != CHAN_CALL_WAITING;
}

/* Sleep until over() or the deadline; before the first process runs,
 * there is nobody to put to sleep: wait for the next event (the tick
 * comes every 10 ms). */
static void wait(struct waiting *w, uint64_t deadline)
{
	if (sleep_on_cond(w->c, deadline, over, w, false) == -EAGAIN)
		arch_idle();
}

static bool passed(uint64_t deadline)
{
	return deadline && arch_time_ns() >= deadline;
}

int rvio_call(struct rvio *c, const void *req, void *rsp, uint32_t timeout_ms)
{
	uint64_t deadline = timeout_ms ? arch_time_ns() + timeout_ms * 1000000ull : 0;
	struct waiting w = { c, -1 };
	bool notify = false;
	uint32_t fl;

	if (!c || !c->connected)
		return -EINVAL;
	for (;;) {
		fl = arch_irq_save();
		collect(c);
		w.slot = chan_front_start(&c->f, req, &notify);
		arch_irq_restore(fl);
		if (w.slot >= 0)
			break;
		if (w.slot == -2)
			return -EIO;
		if (passed(deadline))
			return -ETIMEDOUT;
		c->slot_waits++;
		wait(&w, deadline);
	}
	if (notify)
		evtchn_send(c->port);
	for (;;) {
		fl = arch_irq_save();
		collect(c);
		uint8_t st = c->f.call[w.slot].state;
		if (st == CHAN_CALL_DONE) {
			chan_front_finish(&c->f, w.slot, rsp);
			arch_irq_restore(fl);
			return 0;
		}
		if (c->f.dead || passed(deadline)) {
			/* A late response to this call is dropped, not taken for
			 * someone else's (the id names the call). */
			chan_front_abandon(&c->f, w.slot);
			arch_irq_restore(fl);
			wake_up(c);     /* the slot may be free now */
			return c->f.dead ? -EIO : -ETIMEDOUT;
		}
		arch_irq_restore(fl);
		wait(&w, deadline);
	}
}
