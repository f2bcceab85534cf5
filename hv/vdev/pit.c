/*
 * The emulated 8254 PIT (pit.h). No state ticks: a channel remembers its
 * count and the nanosecond it started counting, and everything (the count
 * read back, OUT, the next edge) is computed from the clock ticks elapsed
 * since then, d = floor((t - load_ns) * VPIT_HZ / 1e9). Tick n is reached at
 * the first whole nanosecond t with ticks(t) >= n, ceil(n * 1e9 / VPIT_HZ).
 *
 * Per mode, with N the count (modes 2 and 3: at least 2) and d the ticks:
 *   0  count N - d (wrapping past 0), OUT low until d = N, then high;
 *   2  count N - d % N, OUT low while d % N = N - 1 (one clock before the
 *      reload): the rising edge, the interrupt, at every multiple of N;
 *   3  count decreasing by 2 twice a period, OUT high for the first
 *      (N + 1) / 2 clocks of each period, low for the rest;
 *   4  count N - d, OUT low for the one clock d = N;
 *   1, 5  as 0 and 4, from a rising edge of the gate (the trigger); until
 *      the first one OUT is high and the count reads as written.
 * Only channel 2's gate moves (port 0x61 bit 0); 0 and 1 are wired high.
 * A low gate stops modes 0, 2, 3 and 4: the ticks counted so far are kept
 * in base_ticks and the channel is frozen (modes 2 and 3 also force OUT
 * high); the rising edge resumes 0 and 4 where they were, and restarts 2
 * and 3 from a full count, as the 8254 datasheet says.
 */
#include "pit.h"
#include "errno.h"
#include "string.h"

#define NS_PER_S        1000000000ull
#define PIT_CMD         3               /* port offset of the control word */
#define PORT_B          0x61
#define PB_GATE2        0x01
#define PB_WRITABLE     0x0f            /* gate, speaker data, parity/IOCHK enables */
#define PB_REFRESH      0x10
#define PB_OUT2         0x20
#define REFRESH_NS      15085           /* the DRAM refresh request period */

/* Ticks in ns nanoseconds, exactly, without 64-bit overflow. */
static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / NS_PER_S * VPIT_HZ + ns % NS_PER_S * VPIT_HZ / NS_PER_S;
}

/* The first nanosecond at which n ticks have passed. */
static uint64_t ticks_to_ns(uint64_t n)
{
	uint64_t r = n % VPIT_HZ;
	return n / VPIT_HZ * NS_PER_S + (r * NS_PER_S + VPIT_HZ - 1) / VPIT_HZ;
}

static unsigned mode_of(const struct vpit_channel *c)
{
	return c->mode > 5 ? c->mode - 4u : c->mode;
}

/* The count of a periodic mode (count 1 is illegal there: it counts as 2). */
static uint64_t period_of(const struct vpit_channel *c)
{
	return c->count < 2 ? 2 : c->count;
}

static uint64_t ticks_at(uint64_t t, uint64_t load)
{
	return t > load ? ns_to_ticks(t - load) : 0;
}

static bool one_shot(unsigned m)
{
	return m == 1 || m == 5;
}

/* The count, start and ticks counted that hold at time t (a pending count
 * may have begun; a frozen channel counts nothing more). */
static void segment_at(const struct vpit_channel *c, uint64_t t, uint64_t *n, uint64_t *load,
		       uint64_t *d)
{
	if (c->pending && !c->frozen && t >= c->next_ns) {
		*n = c->next_count;
		*load = c->next_ns;
		*d = ticks_at(t, *load);
	} else {
		*n = c->count;
		*load = c->load_ns;
		*d = c->base_ticks + (c->frozen ? 0 : ticks_at(t, *load));
	}
}

/* Counting has not begun: a one-shot mode waiting for its trigger. */
static bool waiting(const struct vpit_channel *c)
{
	return one_shot(mode_of(c)) && !c->triggered;
}

static bool out_at(const struct vpit_channel *c, uint64_t t)
{
	unsigned m = mode_of(c);
	if (!c->counting)
		return m != 0;
	if (waiting(c) || ((m == 2 || m == 3) && c->frozen))
		return true;            /* a low gate forces OUT high in 2 and 3 */
	uint64_t n, load, d;
	segment_at(c, t, &n, &load, &d);
	uint64_t per = n < 2 ? 2 : n;
	switch (m) {
	case 0:
	case 1: return d >= n;
	case 2: return d % per != per - 1;
	case 3: return d % per < (per + 1) / 2;
	default: return d != n; /* 4 and 5 */
	}
}

static uint16_t count_at(const struct vpit_channel *c, uint64_t t)
{
	unsigned m = mode_of(c);
	if (!c->counting || waiting(c))
		return (uint16_t)c->count;
	uint64_t n, load, d;
	segment_at(c, t, &n, &load, &d);
	uint64_t per = n < 2 ? 2 : n, h = (per + 1) / 2, q;
	switch (m) {
	case 2: return (uint16_t)(per - d % per);
	case 3:
		q = d % per;
		if (q >= h)
			q -= h;
		return (uint16_t)((per - 2 * q) & 0xfffe);
	default: return (uint16_t)(n - d);      /* modes 0, 1, 4, 5 wrap past 0 */
	}
}

/* The first tick after d at which OUT changes, UINT64_MAX if none. */
static uint64_t next_change(unsigned m, uint64_t n, uint64_t d)
{
	uint64_t per = n < 2 ? 2 : n, base = d / per * per;
	switch (m) {
	case 0:
	case 1: return d < n ? n : UINT64_MAX;
	case 4:
	case 5: return d < n ? n : d == n ? n + 1 : UINT64_MAX;
	case 2: return d < base + per - 1 ? base + per - 1 : base + per;
	case 3: return d < base + (per + 1) / 2 ? base + (per + 1) / 2 : base + per;
	default: return UINT64_MAX;
	}
}

/* Did OUT rise in ticks (da, db] of one segment? */
static bool rose(unsigned m, uint64_t n, uint64_t da, uint64_t db)
{
	uint64_t per = n < 2 ? 2 : n;
	switch (m) {
	case 0:
	case 1: return da < n && n <= db;
	case 4:
	case 5: return da < n + 1 && n + 1 <= db;
	case 2:
	case 3: return db / per > da / per;
	default: return false;
	}
}

/* Make a pending count current once its period has ended. */
static void settle(struct vpit_channel *c, uint64_t t)
{
	if (c->pending && !c->frozen && t >= c->next_ns) {
		c->count = c->next_count;
		c->load_ns = c->next_ns;
		c->pending = false;
		c->null_count = false;
	}
}

static void set_irq(struct vpit *p, bool level)
{
	if (level == p->irq_level)
		return;
	p->irq_level = level;
	if (p->irq0)
		p->irq0(p->opaque, level);
}

/* Tell irq0 what channel 0 did from seen_ns to t (within one segment). */
static void account(struct vpit *p, uint64_t t)
{
	struct vpit_channel *c = &p->ch[0];
	if (t <= p->seen_ns)
		return;
	/* channel 0's gate is wired high: never frozen, never waiting */
	if (c->counting && !waiting(c) &&
	    rose(mode_of(c), c->count, ticks_at(p->seen_ns, c->load_ns), ticks_at(t, c->load_ns))) {
		set_irq(p, false);
		set_irq(p, true);
	}
	set_irq(p, out_at(c, t));
	p->seen_ns = t;
}

void vpit_update(struct vpit *p, uint64_t now_ns)
{
	if (now_ns < p->now_ns)
		now_ns = p->now_ns;
	struct vpit_channel *c = &p->ch[0];
	if (c->pending && c->next_ns <= now_ns) {
		account(p, c->next_ns);
		settle(c, c->next_ns);
	}
	account(p, now_ns);
	p->now_ns = now_ns;
	for (unsigned i = 1; i < 3; i++)
		settle(&p->ch[i], now_ns);
}

void vpit_set_time(struct vpit *p, uint64_t now_ns)
{
	if (now_ns > p->now_ns)
		p->now_ns = now_ns;
}

uint64_t vpit_next_event_ns(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];
	if (!c->counting || waiting(c) || c->frozen)
		return UINT64_MAX;
	uint64_t n, load, d;
	segment_at(c, p->now_ns, &n, &load, &d);
	uint64_t k = next_change(mode_of(c), n, d);
	if (k == UINT64_MAX)
		return UINT64_MAX;
	return load + ticks_to_ns(k);
}

bool vpit_out(const struct vpit *p, unsigned c)
{
	return c < 3 && out_at(&p->ch[c], p->now_ns);
}

static uint8_t status_of(const struct vpit_channel *c, uint64_t t)
{
	return (uint8_t)(out_at(c, t) << 7 | c->null_count << 6 | c->rw << 4 | c->mode << 1);
}

static void latch_count(struct vpit_channel *c, uint64_t t)
{
	if (c->latch_left)
		return;                 /* the first latch holds until read */
	c->latch = count_at(c, t);
	c->latch_left = c->rw == 3 ? 2 : 1;
}

static void control_word(struct vpit *p, uint8_t v)
{
	if ((v >> 6) == 3) {            /* read-back */
		if (v & 1)
			return;         /* reserved bit */
		for (unsigned i = 0; i < 3; i++) {
			struct vpit_channel *c = &p->ch[i];
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x10) && !c->status_latched) {
				c->status = status_of(c, p->now_ns);
				c->status_latched = true;
			}
			if (!(v & 0x20))
				latch_count(c, p->now_ns);
		}
		return;
	}
	struct vpit_channel *c = &p->ch[v >> 6];
	uint8_t rw = (v >> 4) & 3;
	if (!rw) {
		latch_count(c, p->now_ns);
		return;
	}
	c->mode = (v >> 1) & 7;
	c->rw = rw;
	c->counting = c->pending = c->triggered = c->frozen = false;
	c->base_ticks = 0;
	c->null_count = true;
	c->wflip = c->rflip = false;
	c->latch_left = 0;
	c->status_latched = false;
}

static void write_count(struct vpit *p, struct vpit_channel *c, uint32_t v)
{
	uint32_t n = v ? v : 0x10000;
	unsigned m = mode_of(c);
	c->init = n;
	if (one_shot(m)) {
		/* loaded by the next trigger; until the first, read as written */
		if (!c->triggered)
			c->count = n;
		c->counting = true;
		c->null_count = true;
		return;
	}
	if ((m == 2 || m == 3) && c->counting && !c->frozen) {
		/* takes effect when the current period ends */
		if (!c->pending) {
			uint64_t per = period_of(c);
			uint64_t d = ticks_at(p->now_ns, c->load_ns);
			c->next_ns = c->load_ns + ticks_to_ns((d / per + 1) * per);
		}
		c->next_count = n;
		c->pending = true;
		c->null_count = true;
		return;
	}
	c->count = n;
	c->load_ns = p->now_ns;
	c->base_ticks = 0;
	c->counting = true;
	c->pending = false;
	c->frozen = !c->gate;           /* a low gate holds it until it rises */
	c->null_count = false;
}

/* Channel c's gate goes to g at the current time. */
static void set_gate(struct vpit *p, struct vpit_channel *c, bool g)
{
	uint64_t t = p->now_ns, n, load, d;
	if (g == c->gate)
		return;
	settle(c, t);
	c->gate = g;
	unsigned m = mode_of(c);
	if (!c->counting)
		return;                 /* no count yet: the edge finds nothing to do */
	if (!g) {
		if (one_shot(m))
			return;         /* once triggered, the gate's level is ignored */
		segment_at(c, t, &n, &load, &d);
		c->base_ticks = d;
		c->frozen = true;
		return;
	}
	switch (m) {
	case 1:
	case 5:                         /* trigger (or retrigger) */
		c->count = c->init;
		c->triggered = true;
		c->base_ticks = 0;
		c->null_count = false;
		break;
	case 2:
	case 3:                         /* restart with a full count */
		if (c->pending) {
			c->count = c->next_count;
			c->pending = false;
			c->null_count = false;
		}
		c->base_ticks = 0;
		break;
	default:                        /* 0, 4: go on where they stopped */
		break;
	}
	c->load_ns = t;
	c->frozen = false;
}

static uint8_t port_b_read(const struct vpit *p)
{
	uint8_t v = p->port_b & PB_WRITABLE;
	if (p->now_ns / REFRESH_NS & 1)
		v |= PB_REFRESH;
	if (out_at(&p->ch[2], p->now_ns))
		v |= PB_OUT2;
	return v;
}

static void write_data(struct vpit *p, struct vpit_channel *c, uint8_t v)
{
	switch (c->rw) {
	case 1: write_count(p, c, v); break;
	case 2: write_count(p, c, (uint32_t)v << 8); break;
	default:
		if (!c->wflip) {
			c->wlow = v;
			c->wflip = true;
			if (mode_of(c) == 0)
				c->counting = false;    /* the first byte stops mode 0 */
			return;
		}
		c->wflip = false;
		write_count(p, c, c->wlow | (uint32_t)v << 8);
	}
}

static uint8_t read_data(struct vpit *p, struct vpit_channel *c)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v;
	if (c->latch_left) {
		v = c->latch;
		c->latch_left--;
	} else {
		v = count_at(c, p->now_ns);
	}
	switch (c->rw) {
	case 1: return (uint8_t)v;
	case 2: return (uint8_t)(v >> 8);
	default:
		c->rflip = !c->rflip;
		return (uint8_t)(c->rflip ? v : v >> 8);
	}
}

static int pit_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vpit *p = opaque;
	unsigned port = (unsigned)(addr - VPIT_PORT);
	if (size == 1 && addr == PORT_B) {
		vpit_update(p, p->now_ns);
		if (!write) {
			*val = port_b_read(p);
			return 0;
		}
		p->port_b = *val & PB_WRITABLE;
		set_gate(p, &p->ch[2], *val & PB_GATE2);
		return 0;
	}
	if (size != 1 || port > PIT_CMD) {
		if (!write)
			*val = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -EINVAL;
	}
	vpit_update(p, p->now_ns);      /* what happened before the access */
	if (!write) {
		*val = port == PIT_CMD ? 0xff : read_data(p, &p->ch[port]);
		return 0;
	}
	uint8_t v = (uint8_t)*val;
	if (port == PIT_CMD) {
		if ((v >> 6) != 3 && ((v >> 4) & 3) && (v & 1))
			return -EINVAL;         /* BCD counting is refused */
		control_word(p, v);
	} else {
		write_data(p, &p->ch[port], v);
	}
	set_irq(p, out_at(&p->ch[0], p->now_ns));       /* a write can move OUT */
	return 0;
}

int vpit_init(struct vpit *p, struct vdev_table *t, void (*irq0)(void *opaque, bool level),
	      void *opaque)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].mode = 3;
		p->ch[i].rw = 3;
		p->ch[i].null_count = true;
		p->ch[i].gate = i < 2;  /* 0 and 1 wired high; 2 from port 0x61 */
	}
	p->irq_level = true;            /* OUT of an unprogrammed mode 3 */
	p->irq0 = irq0;
	p->opaque = opaque;
	int rc = vdev_register(t, VDEV_PIO, VPIT_PORT, 4, pit_io, p, "pit");
	if (!rc)
		rc = vdev_register(t, VDEV_PIO, PORT_B, 1, pit_io, p, "port61");
	return rc;
}
