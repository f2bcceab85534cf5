/*
 * Backend channels of /dev/rvctl (uapi/rvctl.h; docs/io.md, "Channels"):
 * a Domain 0 program serves a split device of another domain one 128-byte
 * record at a time, while the kernel keeps the ring and the event port.
 *
 * A channel is opened for a frontend domain and the grant reference its
 * ring will have (CHAN_OPEN: an unbound port for it, which the toolstack
 * writes into the domain's device table). The frontend grants its ring,
 * binds the port and sends one event; at that first event the next GET
 * or PUT maps the ring and checks its indices. From then on everything in
 * the ring is the frontend's to change at any time: requests are counted
 * with unconsumed_requests (a req_prod that claims more than the ring
 * holds breaks the channel: -EPIPE, one log line) and copied out once.
 *
 * Channels belong to the open file (struct rvback, f->rvb): fork shares
 * them, and the file's last close (also at exit) closes them: the ring is
 * unmapped (a dead frontend's page stays valid until then: the hypervisor
 * keeps it for our mapping) and the port closed.
 *
 * The port's handler (interrupt context) only counts the event and wakes
 * the channel's sleepers; mapping and ring work happen in the calling
 * program's system call.
 */
#include "rvback.h"
#include "arch.h"
#include "evtchn.h"
#include "gnttab.h"
#include "kernel.h"
#include "proc.h"
#include "uapi/errno.h"
#include "uapi/rvctl.h"
#include <public/io/channel.h>

#define RING_REF_FIRST  8               /* start_info.h: a device ring's ref is 8..15 */
#define RING_REF_LAST   15

struct rvback_chan {
	bool open;
	bool broken;                    /* the frontend broke the ring: -EPIPE until CLOSE */
	bool mapped;
	uint16_t domid;
	uint32_t ring_ref;
	uint32_t port;                  /* 0 when closed */
	uint32_t gen;                   /* changes at every close: a sleeper's channel went */
	volatile uint32_t events;       /* events seen on port */
	void *va;                       /* the mapped ring */
	uint32_t handle;
	struct rv_chan_back ring;
};

struct rvback {
	struct rvback_chan ch[RVCTL_CHANS];
};

static void event(void *arg)
{
	struct rvback_chan *c = arg;
	c->events++;
	wake_up(c);
}

/* Let go of the ring and the port (the channel stays allocated). */
static void disconnect(struct rvback_chan *c)
{
	int32_t rc;

	if (c->mapped && (rc = gnttab_unmap(c->va, c->handle)))
		kprintf("rvback: domain %u: unmapping ring ref %u failed (%d)\n", c->domid,
			c->ring_ref, rc);
	c->mapped = false;
	c->va = NULL;
	if (c->port)
		evtchn_close(c->port);
	c->port = 0;
}

/* The frontend broke the channel: say why once, and close it. */
static long broken(struct rvback_chan *c, const char *why)
{
	kprintf("rvback: domain %u, ring ref %u: %s: channel closed\n", c->domid, c->ring_ref, why);
	disconnect(c);
	c->broken = true;
	return -EPIPE;
}

/* After the frontend's first event: map its ring and check it. */
static long connect(struct rvback_chan *c)
{
	char why[96];
	void *va;
	uint32_t handle;
	int32_t rc = gnttab_map(c->domid, c->ring_ref, false, &va, &handle);
	if (rc) {
		snprintf(why, sizeof(why), "its ring could not be mapped (error %d)", rc);
		return broken(c, why);
	}
	c->va = va;
	c->handle = handle;
	c->mapped = true;
	struct rv_chan_sring *s = va;
	if (rv_chan_back_init(&c->ring, s)) {
		snprintf(why, sizeof(why), "its ring's indices are not a ring's (req_prod %u, rsp_prod %u)",
			 rv_ring_read(s->req_prod), rv_ring_read(s->rsp_prod));
		return broken(c, why);
	}
	return 0;
}

static struct rvback_chan *chan_of(struct rvback *b, uint32_t n)
{
	return b && n < RVCTL_CHANS && b->ch[n].open ? &b->ch[n] : NULL;
}

static long chan_open(struct rvback *b, uint32_t uarg)
{
	struct rvctl_chan_open o;
	struct rvback_chan *c = NULL;
	uint32_t n;

	if (copy_from_user(&o, uarg, sizeof(o)) || user_range_ready(uarg, sizeof(o), true))
		return -EFAULT;
	if (o.ring_ref < RING_REF_FIRST || o.ring_ref > RING_REF_LAST || o.domid > 0xffff)
		return -EINVAL;
	for (n = 0; n < RVCTL_CHANS && !c; n++)
		if (!b->ch[n].open)
			c = &b->ch[n];
	if (!c)
		return -ENOSPC;
	n--;
	int32_t port = evtchn_alloc_unbound((uint16_t)o.domid);
	if (port < 0)
		return port;
	uint32_t gen = c->gen;
	*c = (struct rvback_chan){ .open = true, .domid = (uint16_t)o.domid,
				   .ring_ref = o.ring_ref, .port = (uint32_t)port, .gen = gen };
	long rc = evtchn_handle(c->port, event, c);
	if (rc) {
		disconnect(c);
		c->open = false;
		return rc;
	}
	o.port = c->port;
	o.chan = n;
	if (copy_to_user(uarg, &o, sizeof(o))) {
		disconnect(c);
		c->open = false;
		return -EFAULT;
	}
	return 0;
}

static void chan_close(struct rvback_chan *c)
{
	disconnect(c);
	c->open = false;
	c->broken = false;
	c->gen++;
	wake_up(c);                     /* a GET asleep on it returns -EBADF */
}

/* What GET sleeps for: an event, or its channel closed. */
struct get_wait {
	struct rvback_chan *c;
	uint32_t events, gen;
};

static bool get_over(const void *arg)
{
	const struct get_wait *w = arg;
	return w->c->events != w->events || w->c->gen != w->gen;
}

static long chan_get(struct rvback *b, uint32_t uarg)
{
	struct rvctl_chan_get g;
	struct rv_chan_slot req;

	/* Writable checked before a request is consumed: one is never lost
	 * to a bad buffer. */
	if (copy_from_user(&g, uarg, sizeof(g)) || user_range_ready(uarg, sizeof(g), true))
		return -EFAULT;
	struct rvback_chan *c = chan_of(b, g.chan);
	if (!c)
		return -EBADF;
	uint64_t deadline = g.timeout_ms ? arch_time_ns() + g.timeout_ms * 1000000ull : 0;
	for (;;) {
		struct get_wait w = { c, c->events, c->gen };
		if (c->broken)
			return -EPIPE;
		if (w.events && !c->mapped) {
			long rc = connect(c);
			if (rc)
				return rc;
		}
		if (c->mapped) {
			int32_t n = rv_chan_final_check_requests(&c->ring);
			if (n < 0) {
				char why[96];
				snprintf(why, sizeof(why), "req_prod %u claims more than the ring "
					 "holds past the %u requests taken",
					 rv_ring_read(c->ring.sring->req_prod), c->ring.req_cons);
				return broken(c, why);
			}
			if (n > 0) {
				rv_chan_read_request(&c->ring, &req);
				memcpy(g.req, req.b, sizeof(g.req));
				return copy_to_user(uarg, &g, sizeof(g)) ? -EFAULT : 0;
			}
		}
		if (!g.timeout_ms || arch_time_ns() >= deadline)
			return -ETIMEDOUT;
		if (sleep_on_cond(c, deadline, get_over, &w, true))
			return -EINTR;
		if (c->gen != w.gen || !c->open)
			return -EBADF;  /* closed meanwhile (another process sharing the file) */
	}
}

static long chan_put(struct rvback *b, uint32_t uarg)
{
	struct rvctl_chan_put p;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	struct rvback_chan *c = chan_of(b, p.chan);
	if (!c)
		return -EBADF;
	if (!c->broken && c->events && !c->mapped) {
		long rc = connect(c);
		if (rc)
			return rc;
	}
	if (c->broken || !c->mapped)
		return -EPIPE;
	if (c->ring.rsp_prod_pvt == c->ring.req_cons)
		return -ENOSPC;         /* every request taken is answered */
	memcpy(rv_chan_next_response(&c->ring), p.rsp, sizeof(p.rsp));
	if (rv_chan_push_responses(&c->ring)) {
		int32_t rc = evtchn_send(c->port);
		if (rc) {
			char why[64];
			snprintf(why, sizeof(why), "its port is gone (send: error %d)", rc);
			return broken(c, why);
		}
	}
	return 0;
}

/*
 * GNT_COPY: each op's buffer is checked to be the program's (writable for
 * a copy into it) and faulted in, then named to the hypervisor by machine
 * frame, never by the program's address: a buffer that crosses a page is
 * two hypervisor operations. The buffers are static: the kernel is not
 * preempted and nothing here sleeps.
 */
static struct rvctl_copy copy_req;
static struct gnttab_copy_req pieces[2 * RVCTL_COPY_MAX];
static int32_t piece_status[2 * RVCTL_COPY_MAX];
static uint8_t piece_op[2 * RVCTL_COPY_MAX];

/* Op's one or two pieces at pieces[*n] on, or a negative errno (none added). */
static long translate(const struct rvctl_copy_op *op, unsigned *n)
{
	unsigned k = 0;

	if (op->len == 0 || op->len > PAGE_SIZE || op->offset > PAGE_SIZE - op->len ||
	    (op->flags & ~RVCTL_COPY_TO_GRANT) || op->domid > 0xffff)
		return -EINVAL;
	bool to = op->flags & RVCTL_COPY_TO_GRANT;
	if (user_range_ready(op->buf, op->len, !to))
		return -EFAULT;
	for (uint32_t done = 0; done < op->len; k++) {
		uint32_t va = op->buf + done;
		uint32_t len = MIN(op->len - done, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		struct pt_walk w;
		if (pt_walk(&arch_pt_env, &curproc->as, va, &w))
			return -EFAULT;         /* (checked just now: cannot happen) */
		pieces[*n + k] = (struct gnttab_copy_req){
			.dom = (uint16_t)op->domid, .to_grant = to, .ref = op->ref,
			.off = op->offset + done, .len = len, .pa = w.pa };
		done += len;
	}
	*n += k;
	return 0;
}

static long gnt_copy(uint32_t uarg)
{
	unsigned n = 0, k;
	long first = 0;

	if (copy_from_user(&copy_req, uarg, sizeof(copy_req)) ||
	    user_range_ready(uarg, sizeof(copy_req), true))
		return -EFAULT;
	if (copy_req.count == 0 || copy_req.count > RVCTL_COPY_MAX)
		return -EINVAL;
	/* In order, as the hypervisor runs a batch: the first op refused
	 * stops it, and those after it are not done (-EAGAIN). */
	for (k = 0; k < copy_req.count; k++) {
		unsigned before = n;
		long rc = translate(&copy_req.ops[k], &n);
		if (rc) {
			copy_req.ops[k].status = (int32_t)rc;
			first = rc;
			break;
		}
		for (unsigned i = before; i < n; i++)
			piece_op[i] = (uint8_t)k;
	}
	for (unsigned i = k + (first ? 1 : 0); i < copy_req.count; i++)
		copy_req.ops[i].status = -EAGAIN;
	for (unsigned i = 0; i < k; i++)
		copy_req.ops[i].status = 0;
	if (n) {
		gnttab_copy_batch(pieces, n, piece_status);
		for (unsigned i = 0; i < n; i++)
			if (piece_status[i] && !copy_req.ops[piece_op[i]].status)
				copy_req.ops[piece_op[i]].status = piece_status[i];
	}
	for (unsigned i = 0; i < copy_req.count; i++)
		if (copy_req.ops[i].status && copy_req.ops[i].status != -EAGAIN) {
			first = copy_req.ops[i].status;
			break;
		}
	if (copy_to_user(uarg, &copy_req, sizeof(copy_req)))
		return -EFAULT;
	return first;
}

long rvback_ioctl(struct rvback **bp, uint32_t req, uint32_t uarg)
{
	if (req == RVCTL_GNT_COPY)
		return gnt_copy(uarg);
	if (!*bp && !(*bp = kmalloc(sizeof(**bp))))
		return -ENOMEM;
	struct rvback *b = *bp;
	switch (req) {
	case RVCTL_CHAN_OPEN:
		return chan_open(b, uarg);
	case RVCTL_CHAN_GET:
		return chan_get(b, uarg);
	case RVCTL_CHAN_PUT:
		return chan_put(b, uarg);
	case RVCTL_CHAN_CLOSE: {
		uint32_t n;
		if (copy_from_user(&n, uarg, sizeof(n)))
			return -EFAULT;
		struct rvback_chan *c = chan_of(b, n);
		if (!c)
			return -EBADF;
		chan_close(c);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

void rvback_release(struct rvback *b)
{
	if (!b)
		return;
	for (unsigned n = 0; n < RVCTL_CHANS; n++)
		if (b->ch[n].open)
			chan_close(&b->ch[n]);
	kfree(b);
}
