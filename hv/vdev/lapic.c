/*
 * The emulated local APIC (lapic.h), after the Intel SDM vol. 3 chapter 10
 * (xAPIC mode; x2APIC and TSC-deadline are not advertised).
 *
 * Priorities: a vector's class is bits 7:4. PPR is TPR if TPR's class is
 * at least that of the highest vector in service, else that class (SDM
 * 10.8.3.1). A requested vector is taken only if its class is above PPR's.
 *
 * The timer (SDM 10.5.4): writing the initial count starts it; the current
 * count falls by one every divide bus clocks, computed from the time the
 * count was written, and raises the timer LVT's vector on reaching 0.
 * Nothing ticks: vlapic_update() counts the zeros passed since the last
 * call, like the PIT model.
 */
#include "lapic.h"
#include "errno.h"
#include "string.h"

#define NS_PER_S        1000000000ull

/* Writable bits per LVT (delivery status and remote IRR are read-only;
 * the timer's mode bit 18, TSC-deadline, is reserved: not advertised). */
static const uint32_t lvt_writable[VLAPIC_LVTS] = {
	[VLAPIC_LVT_TIMER] = 0x000300ff,
	[VLAPIC_LVT_THERM] = 0x000107ff,
	[VLAPIC_LVT_PERF]  = 0x000107ff,
	[VLAPIC_LVT_LINT0] = 0x0001a7ff,
	[VLAPIC_LVT_LINT1] = 0x0001a7ff,
	[VLAPIC_LVT_ERROR] = 0x000100ff,
};

/* Bus clocks in ns nanoseconds, exactly, without 64-bit overflow. */
static uint64_t ns_to_clocks(uint64_t ns)
{
	return ns / NS_PER_S * VLAPIC_BUS_HZ + ns % NS_PER_S * VLAPIC_BUS_HZ / NS_PER_S;
}

/* The first nanosecond at which n bus clocks have passed. */
static uint64_t clocks_to_ns(uint64_t n)
{
	uint64_t r = n % VLAPIC_BUS_HZ;
	return n / VLAPIC_BUS_HZ * NS_PER_S + (r * NS_PER_S + VLAPIC_BUS_HZ - 1) / VLAPIC_BUS_HZ;
}

static bool test_bit(const uint32_t *r, unsigned v)
{
	return r[v / 32] & (1u << (v % 32));
}

static void set_bit(uint32_t *r, unsigned v)
{
	r[v / 32] |= 1u << (v % 32);
}

static void clear_bit(uint32_t *r, unsigned v)
{
	r[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set in a 256-bit register, -1 if none. */
static int highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static bool sw_enabled(const struct vlapic *l)
{
	return l->svr & APIC_SVR_ENABLE;
}

uint8_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	uint8_t cls = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
	return (l->tpr & 0xf0) >= cls ? (uint8_t)l->tpr : cls;
}

int vlapic_pending(const struct vlapic *l)
{
	int v = highest(l->irr);
	if (v < 0 || (v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

int vlapic_ack(struct vlapic *l, uint8_t vector)
{
	if (!test_bit(l->irr, vector))
		return -ENOENT;
	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
	return 0;
}

static bool accept(struct vlapic *l, uint8_t vector, bool level);

/* An error was detected: accumulate it and raise the error LVT. An error
 * LVT with an illegal vector records that too, but raises nothing more. */
static void error(struct vlapic *l, uint32_t bit)
{
	l->esr_pending |= bit;
	uint32_t lvt = l->lvt[VLAPIC_LVT_ERROR];
	if (lvt & APIC_LVT_MASKED)
		return;
	if ((lvt & 0xff) < 16)
		l->esr_pending |= APIC_ESR_RECV_VECTOR;
	else
		accept(l, (uint8_t)lvt, false);
}

/* Take an interrupt into IRR: false if it was refused. */
static bool accept(struct vlapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		error(l, APIC_ESR_RECV_VECTOR);
		return false;
	}
	if (!sw_enabled(l)) {
		/* held IRR/ISR bits stay, new fixed interrupts are not taken */
		l->irqs_dropped++;
		return false;
	}
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
	return true;
}

void vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
	accept(l, vector, level);
}

bool vlapic_match_dest(const struct vlapic *l, uint8_t dest, bool logical)
{
	if (dest == 0xff)
		return true;            /* broadcast, in both modes */
	if (!logical)
		return dest == l->id >> 24;
	uint8_t ldr = (uint8_t)(l->ldr >> 24);
	if ((l->dfr >> 28) == 0xf)
		return ldr & dest;      /* flat: a bit per APIC */
	/* cluster: the same cluster (high nibble), a common bit below */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

bool vlapic_deliver(struct vlapic *l, uint8_t dest, bool logical, unsigned mode, uint8_t vector,
		    bool level)
{
	if (!vlapic_match_dest(l, dest, logical))
		return false;
	if (mode != APIC_DM_FIXED && mode != APIC_DM_LOWEST) {
		l->ipis_ignored++;
		return false;
	}
	return accept(l, vector, level);
}

/* Writing EOI: the highest vector in service is done. A level-triggered
 * one is broadcast so that the I/O APIC clears its Remote IRR. */
static void eoi(struct vlapic *l)
{
	int v = highest(l->isr);
	if (v < 0)
		return;
	clear_bit(l->isr, (unsigned)v);
	if (test_bit(l->tmr, (unsigned)v) && l->eoi)
		l->eoi(l->opaque, (uint8_t)v);
}

/* Writing ICR low sends an IPI. Only this CPU exists: fixed IPIs to itself
 * are accepted (edge), those for others dropped; the rest is counted. */
static void send_ipi(struct vlapic *l)
{
	uint32_t lo = l->icr_lo;
	uint8_t vector = (uint8_t)lo;
	unsigned mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
	bool self;
	switch (shorthand) {
	case 1:                         /* self */
	case 2:                         /* all including self */
		self = true;
		break;
	case 3:                         /* all excluding self: nobody else */
		self = false;
		break;
	default:
		self = vlapic_match_dest(l, (uint8_t)(l->icr_hi >> 24), lo & (1u << 11));
	}
	if (mode != APIC_DM_FIXED && mode != APIC_DM_LOWEST) {
		l->ipis_ignored++;
		return;
	}
	if (vector < 16) {
		error(l, APIC_ESR_SEND_VECTOR);
		return;
	}
	if (self)
		accept(l, vector, false);
	else
		l->ipis_dropped++;
}

/* The divisor of the divide configuration: bits 3, 1, 0 = 000 divide by
 * 2, ..., 110 by 128, 111 by 1. */
static uint32_t divisor(const struct vlapic *l)
{
	uint32_t e = (l->tdcr & 3) | (l->tdcr >> 1 & 4);
	return e == 7 ? 1 : 2u << e;
}

static bool periodic(const struct vlapic *l)
{
	return l->lvt[VLAPIC_LVT_TIMER] & APIC_LVT_PERIODIC;
}

/* Whole counts the timer has gone through since base_ns, at time t. */
static uint64_t counts_at(const struct vlapic *l, uint64_t t)
{
	return t > l->base_ns ? ns_to_clocks(t - l->base_ns) / divisor(l) : 0;
}

/* How many times the count has reached 0 since base_ns, at time t. */
static uint64_t zeros_at(const struct vlapic *l, uint64_t t)
{
	uint64_t d = counts_at(l, t);
	if (!l->base_count || d < l->base_count)
		return 0;
	if (!periodic(l))
		return 1;
	return 1 + (d - l->base_count) / l->tmict;
}

static uint32_t current_count(const struct vlapic *l)
{
	uint64_t d = counts_at(l, l->now_ns);
	if (!l->base_count)
		return 0;
	if (d < l->base_count)
		return (uint32_t)(l->base_count - d);
	if (!periodic(l))
		return 0;
	return (uint32_t)(l->tmict - (d - l->base_count) % l->tmict);
}

/* Start counting again from the current count (the divider or the time
 * base changes; the fraction of a count under way is lost). */
static void rebase(struct vlapic *l)
{
	l->base_count = current_count(l);       /* 0 once a one-shot is done */
	l->base_ns = l->now_ns;
	l->expired = 0;
}

void vlapic_update(struct vlapic *l, uint64_t now_ns)
{
	if (now_ns < l->now_ns)
		now_ns = l->now_ns;
	l->now_ns = now_ns;
	uint64_t z = zeros_at(l, now_ns);
	if (z <= l->expired)
		return;
	l->expired = z;
	uint32_t lvt = l->lvt[VLAPIC_LVT_TIMER];
	if (!(lvt & APIC_LVT_MASKED))
		accept(l, (uint8_t)lvt, false);
}

void vlapic_set_time(struct vlapic *l, uint64_t now_ns)
{
	if (now_ns > l->now_ns)
		l->now_ns = now_ns;
}

uint64_t vlapic_next_event_ns(const struct vlapic *l)
{
	if (!l->base_count || (l->lvt[VLAPIC_LVT_TIMER] & APIC_LVT_MASKED))
		return UINT64_MAX;
	/* the count at which the next zero falls, after those seen */
	uint64_t z = l->expired, at;
	if (!z)
		at = l->base_count;
	else if (periodic(l))
		at = l->base_count + z * l->tmict;
	else
		return UINT64_MAX;
	return l->base_ns + clocks_to_ns(at * divisor(l));
}

static void write_lvt(struct vlapic *l, unsigned i, uint32_t v)
{
	v &= lvt_writable[i];
	if (!sw_enabled(l))
		v |= APIC_LVT_MASKED;   /* SDM 10.4.7.2: the masks stay set */
	if (i == VLAPIC_LVT_TIMER && ((v ^ l->lvt[i]) & APIC_LVT_PERIODIC)) {
		/* a change of timer mode stops the timer (as KVM does) */
		l->tmict = 0;
		l->base_count = 0;
	}
	l->lvt[i] = (l->lvt[i] & ~lvt_writable[i]) | v;
}

static void write_svr(struct vlapic *l, uint32_t v)
{
	l->svr = v & 0x3ff;             /* vector, enable, focus checking */
	if (!sw_enabled(l))
		for (unsigned i = 0; i < VLAPIC_LVTS; i++)
			l->lvt[i] |= APIC_LVT_MASKED;
}

/* The value of the register at offset off; false for a reserved one. */
static bool read_reg(struct vlapic *l, uint32_t off, uint32_t *val)
{
	if (off >= APIC_ISR && off < APIC_ESR) {
		unsigned w = (off & 0x70) >> 4;
		const uint32_t *r = off < APIC_TMR ? l->isr : off < APIC_IRR ? l->tmr : l->irr;
		*val = r[w];
		return true;
	}
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
		*val = l->lvt[(off - APIC_LVT_TIMER) >> 4];
		return true;
	}
	switch (off) {
	case APIC_ID:     *val = l->id; break;
	case APIC_LVR:    *val = VLAPIC_VERSION; break;
	case APIC_TPR:    *val = l->tpr; break;
	case APIC_APR:    *val = 0; break;              /* arbitration is not modelled */
	case APIC_PPR:    *val = vlapic_ppr(l); break;
	case APIC_EOI:    *val = 0; break;              /* write-only */
	case APIC_RRD:    *val = 0; break;
	case APIC_LDR:    *val = l->ldr; break;
	case APIC_DFR:    *val = l->dfr; break;
	case APIC_SVR:    *val = l->svr; break;
	case APIC_ESR:    *val = l->esr; break;
	case APIC_ICR_LO: *val = l->icr_lo; break;      /* delivery status 0: sent */
	case APIC_ICR_HI: *val = l->icr_hi; break;
	case APIC_TMICT:  *val = l->tmict; break;
	case APIC_TMCCT:  *val = current_count(l); break;
	case APIC_TDCR:   *val = l->tdcr; break;
	default:          return false;
	}
	return true;
}

static bool write_reg(struct vlapic *l, uint32_t off, uint32_t v)
{
	if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
		write_lvt(l, (off - APIC_LVT_TIMER) >> 4, v);
		return true;
	}
	if (off >= APIC_ISR && off < APIC_ESR)
		return true;            /* read-only */
	switch (off) {
	case APIC_ID:     l->id = v & 0xff000000u; break;
	case APIC_TPR:    l->tpr = v & 0xff; break;
	case APIC_EOI:    eoi(l); break;
	case APIC_LDR:    l->ldr = v & 0xff000000u; break;
	case APIC_DFR:    l->dfr = v | 0x0fffffffu; break;
	case APIC_SVR:    write_svr(l, v); break;
	case APIC_ESR:
		/* a write latches the errors since the last one (SDM 10.5.3) */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case APIC_ICR_LO:
		l->icr_lo = v & 0x000ccfffu;     /* not delivery status (bit 12) */
		send_ipi(l);
		break;
	case APIC_ICR_HI: l->icr_hi = v & 0xff000000u; break;
	case APIC_TMICT:
		l->tmict = v;
		l->base_count = v;      /* 0 stops the timer */
		l->base_ns = l->now_ns;
		l->expired = 0;
		break;
	case APIC_TDCR:
		rebase(l);
		l->tdcr = v & 0xb;
		break;
	case APIC_LVR: case APIC_APR: case APIC_PPR: case APIC_RRD: case APIC_TMCCT:
		break;                  /* read-only */
	default:
		return false;
	}
	return true;
}

static int lapic_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vlapic *l = opaque;
	uint32_t off = (uint32_t)(addr - VLAPIC_BASE);
	if (size != 4 || (off & 3)) {
		/* the APIC takes aligned 32-bit accesses only */
		l->bad_accesses++;
		if (!write)
			*val = 0;
		return 0;
	}
	vlapic_update(l, l->now_ns);    /* what the timer did before the access */
	bool known = (off & 0xf) == 0 &&
		     (write ? write_reg(l, off, *val) : read_reg(l, off, val));
	if (!known) {
		if (!write)
			*val = 0;
		error(l, APIC_ESR_REGISTER);
	}
	return 0;
}

void vlapic_virtual_wire(struct vlapic *l)
{
	write_svr(l, APIC_SVR_ENABLE | 0xff);
	write_lvt(l, VLAPIC_LVT_LINT0, APIC_DM_EXTINT << 8);
	write_lvt(l, VLAPIC_LVT_LINT1, APIC_DM_NMI << 8);
}

bool vlapic_extint(const struct vlapic *l)
{
	uint32_t lvt = l->lvt[VLAPIC_LVT_LINT0];
	return !(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) == APIC_DM_EXTINT;
}

int vlapic_init(struct vlapic *l, struct vdev_table *t, uint8_t apic_id,
		void (*eoi_cb)(void *opaque, uint8_t vector), void *opaque)
{
	memset(l, 0, sizeof(*l));
	l->id = (uint32_t)apic_id << 24;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	for (unsigned i = 0; i < VLAPIC_LVTS; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	l->eoi = eoi_cb;
	l->opaque = opaque;
	return vdev_register(t, VDEV_MMIO, VLAPIC_BASE, VLAPIC_SIZE, lapic_io, l, "lapic");
}
