/*
 * The emulated MC146818 RTC (rtc.h). No state ticks: the clock is
 * wall0_ns + now_ns + offset_ns, and every time field, UIP and the update
 * flag are computed from it when asked. A guest's write to a time field
 * sets the offset so that the clock reads what was written from then on.
 * The civil date of a day count is Howard Hinnant's civil_from_days, the
 * inverse of lib/rtc.c's rtc_days_from_civil (which is used for writes).
 *
 * The periodic interrupt counts the 32.768 kHz time base from system time
 * 0: its edges are at multiples of the period in base ticks. The update
 * (UF) and alarm (AF) flags are judged per second of the clock: when the
 * clock has passed from second seen_s to s, UF is set, and AF if one of
 * the seconds in (seen_s, s] matched the alarm registers. A late look thus
 * sets each flag once, as a guest that did not read C would find them.
 */
#include "rtc.h"
#include "../../lib/include/rtc.h"
#include "errno.h"
#include "string.h"

#define NS_PER_S        1000000000ull

enum {
	REG_SEC = 0x00, REG_MIN = 0x02, REG_HOUR = 0x04, REG_WDAY = 0x06, REG_DAY = 0x07,
	REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
	REG_D = 0x0d, REG_CENTURY = 0x32,
	REG_ALARM_SEC = 0x01, REG_ALARM_MIN = 0x03, REG_ALARM_HOUR = 0x05,
};

#define A_UIP   0x80
#define A_DV    0x70            /* divider bits */
#define A_DV_ON 0x20            /* 32.768 kHz, running */
#define A_RS    0x0f            /* rate select */
#define B_SET   0x80
#define B_PIE   0x40
#define B_AIE   0x20
#define B_UIE   0x10
#define B_DM    0x04            /* binary */
#define B_24H   0x02
#define C_IRQF  0x80
#define C_PF    0x40
#define C_AF    0x20
#define C_UF    0x10
#define D_VRT   0x80
#define BASE_HZ 32768u          /* the time base the periodic rate divides */
#define DONT_CARE(v) (((v) & 0xc0) == 0xc0)

static uint64_t clock_ns(const struct vrtc *r)
{
	return r->wall0_ns + r->now_ns + (uint64_t)r->offset_ns;
}

static void fields_of(uint64_t secs, struct vrtc_time *tm)
{
	uint64_t days = secs / 86400;
	unsigned s = (unsigned)(secs % 86400);
	tm->sec = (uint8_t)(s % 60);
	tm->min = (uint8_t)(s / 60 % 60);
	tm->hour = (uint8_t)(s / 3600);
	tm->wday = (uint8_t)((days + 4) % 7 + 1);       /* 1970-01-01 was a Thursday */
	uint64_t z = days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);
	tm->day = (uint8_t)d;
	tm->mon = (uint8_t)m;
	tm->year = (uint8_t)(y % 100);
	tm->century = (uint8_t)(y / 100 % 100);
}

void vrtc_time(const struct vrtc *r, struct vrtc_time *tm)
{
	if (r->b & B_SET)
		*tm = r->held;
	else
		fields_of(clock_ns(r) / NS_PER_S, tm);
}

/* Start the clock from tm at the current instant. */
static void set_clock(struct vrtc *r, const struct vrtc_time *tm)
{
	int64_t days = rtc_days_from_civil(tm->century * 100 + tm->year, tm->mon ? tm->mon : 1,
					   tm->day ? tm->day : 1);
	if (days < 0)
		days = 0;               /* before 1970: the model cannot count it */
	uint64_t secs = (uint64_t)days * 86400 + tm->hour * 3600u + tm->min * 60u + tm->sec;
	r->offset_ns = (int64_t)(secs * NS_PER_S - r->wall0_ns - r->now_ns);
	r->seen_s = secs;
}

static void set_irq(struct vrtc *r, bool level)
{
	if (level != r->irq_level && r->irq8)
		r->irq8(r->opaque, level);
	r->irq_level = level;
}

static uint8_t to_reg(const struct vrtc *r, unsigned v)
{
	return (uint8_t)(r->b & B_DM ? v : v / 10 << 4 | v % 10);
}

static unsigned from_reg(const struct vrtc *r, uint8_t v)
{
	return r->b & B_DM ? v : (v >> 4) * 10u + (v & 0x0f);
}

static uint8_t hour_reg(const struct vrtc *r, unsigned h)
{
	if (r->b & B_24H)
		return to_reg(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(to_reg(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_of(const struct vrtc *r, uint8_t v)
{
	if (r->b & B_24H)
		return from_reg(r, v);
	return from_reg(r, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* Base ticks in ns nanoseconds, and the first nanosecond of tick n. */
static uint64_t base_ticks(uint64_t ns)
{
	return ns / NS_PER_S * BASE_HZ + ns % NS_PER_S * BASE_HZ / NS_PER_S;
}

static uint64_t base_tick_ns(uint64_t n)
{
	return n / BASE_HZ * NS_PER_S + (n % BASE_HZ * NS_PER_S + BASE_HZ - 1) / BASE_HZ;
}

/* The periodic interrupt's period in base ticks, 0 if it is off. Rates 1
 * and 2 give 3.90625 and 7.8125 ms, the same as 8 and 9, as the MC146818
 * table has them for a 32.768 kHz time base. */
static uint64_t period_ticks(const struct vrtc *r)
{
	unsigned rs = r->a & A_RS;
	if (!rs || (r->a & A_DV) != A_DV_ON)
		return 0;
	return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

/* Whether a register byte can ever equal the clock's encoding of some
 * value below lim (a BCD 0x5a or a minute 0x61 never can). */
static bool matchable(const struct vrtc *r, uint8_t v, bool hour)
{
	if (DONT_CARE(v))
		return true;
	if (hour) {
		unsigned h = hour_of(r, v);
		return h < 24 && hour_reg(r, h) == v;
	}
	unsigned x = from_reg(r, v);
	return x < 60 && to_reg(r, x) == v;
}

/* The first second of the clock after s whose time of day matches the
 * alarm registers, UINT64_MAX if none ever does. A field that does not
 * match makes the search skip to where it might: the value it names or
 * the next unit up. */
static uint64_t next_alarm(const struct vrtc *r, uint64_t s)
{
	uint8_t as = r->ram[REG_ALARM_SEC], am = r->ram[REG_ALARM_MIN], ah = r->ram[REG_ALARM_HOUR];
	if (!matchable(r, as, false) || !matchable(r, am, false) || !matchable(r, ah, true))
		return UINT64_MAX;
	uint64_t a = s + 1;
	for (unsigned guard = 0; guard < 10000; guard++) {
		unsigned tod = (unsigned)(a % 86400), h = tod / 3600, m = tod / 60 % 60, sec = tod % 60;
		if (!DONT_CARE(ah) && hour_reg(r, h) != ah) {
			a += 3600 - tod % 3600;
			continue;
		}
		if (!DONT_CARE(am) && to_reg(r, m) != am) {
			unsigned want = from_reg(r, am);
			a += want > m ? (want - m) * 60u - sec : 3600 - tod % 3600;
			continue;
		}
		if (!DONT_CARE(as) && to_reg(r, sec) != as) {
			unsigned want = from_reg(r, as);
			a += want > sec ? want - sec : 60 - sec;
			continue;
		}
		return a;
	}
	return UINT64_MAX;
}

/* Set the flags for what happened since they were last judged: periodic
 * edges (PF), updates (UF) and alarm matches (AF); IRQF and irq8 follow. */
static void refresh(struct vrtc *r)
{
	uint64_t per = period_ticks(r);
	if (per && base_ticks(r->now_ns) / per > base_ticks(r->pf_seen_ns) / per)
		r->c |= C_PF;
	r->pf_seen_ns = r->now_ns;
	if (!(r->b & B_SET)) {          /* no updates while SET */
		uint64_t s = clock_ns(r) / NS_PER_S;
		if (s != r->seen_s) {
			uint64_t from = s > r->seen_s ? r->seen_s : s - 1;
			r->c |= C_UF;
			if (next_alarm(r, from) <= s)
				r->c |= C_AF;
			r->seen_s = s;
		}
	}
	if ((r->c & r->b & (C_PF | C_AF | C_UF)))       /* B's enables sit under C's flags */
		r->c |= C_IRQF;
	set_irq(r, r->c & C_IRQF);
}

uint64_t vrtc_next_event_ns(const struct vrtc *r)
{
	if (r->c & C_IRQF)
		return UINT64_MAX;      /* the line stays up until C is read */
	uint64_t next = UINT64_MAX, per = period_ticks(r);
	if ((r->b & B_PIE) && per) {
		uint64_t t = base_tick_ns((base_ticks(r->now_ns) / per + 1) * per);
		next = t;
	}
	if (!(r->b & B_SET) && (r->b & (B_UIE | B_AIE))) {
		uint64_t c = clock_ns(r), s = c / NS_PER_S, at = UINT64_MAX;
		if (r->b & B_UIE)
			at = s + 1;
		if (r->b & B_AIE) {
			uint64_t a = next_alarm(r, s);
			if (a < at)
				at = a;
		}
		if (at != UINT64_MAX && r->now_ns + (at * NS_PER_S - c) < next)
			next = r->now_ns + (at * NS_PER_S - c);
	}
	return next;
}

static uint8_t read_reg(struct vrtc *r, uint8_t i)
{
	struct vrtc_time tm;
	uint8_t v;
	switch (i) {
	case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_DAY:
	case REG_MON: case REG_YEAR: case REG_CENTURY:
		vrtc_time(r, &tm);
		switch (i) {
		case REG_SEC: return to_reg(r, tm.sec);
		case REG_MIN: return to_reg(r, tm.min);
		case REG_HOUR: return hour_reg(r, tm.hour);
		case REG_WDAY: return to_reg(r, tm.wday);
		case REG_DAY: return to_reg(r, tm.day);
		case REG_MON: return to_reg(r, tm.mon);
		case REG_YEAR: return to_reg(r, tm.year);
		default: return to_reg(r, tm.century);
		}
	case REG_A:
		v = r->a & 0x7f;
		if (!(r->b & B_SET) && clock_ns(r) % NS_PER_S >= NS_PER_S - VRTC_UIP_NS)
			v |= A_UIP;
		return v;
	case REG_B:
		return r->b;
	case REG_C:
		v = r->c;
		r->c = 0;
		set_irq(r, false);
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->ram[i];
	}
}

static void write_reg(struct vrtc *r, uint8_t i, uint8_t v)
{
	struct vrtc_time tm;
	switch (i) {
	case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_DAY:
	case REG_MON: case REG_YEAR: case REG_CENTURY:
		vrtc_time(r, &tm);
		switch (i) {
		case REG_SEC: tm.sec = (uint8_t)from_reg(r, v); break;
		case REG_MIN: tm.min = (uint8_t)from_reg(r, v); break;
		case REG_HOUR: tm.hour = (uint8_t)hour_of(r, v); break;
		case REG_WDAY: tm.wday = (uint8_t)from_reg(r, v); break;
		case REG_DAY: tm.day = (uint8_t)from_reg(r, v); break;
		case REG_MON: tm.mon = (uint8_t)from_reg(r, v); break;
		case REG_YEAR: tm.year = (uint8_t)from_reg(r, v); break;
		default: tm.century = (uint8_t)from_reg(r, v); break;
		}
		if (r->b & B_SET)
			r->held = tm;
		else
			set_clock(r, &tm);
		return;
	case REG_A:
		r->a = v & 0x7f;        /* UIP is read-only */
		return;
	case REG_B:
		if ((v & B_SET) && !(r->b & B_SET))
			vrtc_time(r, &r->held);         /* freeze the fields */
		else if (!(v & B_SET) && (r->b & B_SET)) {
			r->b = v;
			set_clock(r, &r->held);         /* run from what was written */
		}
		r->b = v;
		refresh(r);
		return;
	case REG_C: case REG_D:
		return;                 /* read-only */
	default:
		r->ram[i] = v;
	}
}

static int rtc_io(void *opaque, uint64_t addr, unsigned size, bool write, uint32_t *val)
{
	struct vrtc *r = opaque;
	unsigned port = (unsigned)(addr - VRTC_PORT);
	if (size != 1 || port > 1) {
		if (!write)
			*val = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return -EINVAL;
	}
	refresh(r);
	if (port == 0) {
		if (write) {
			r->index = *val & 0x7f;
			r->nmi_disabled = *val & 0x80;
		} else {
			*val = 0xff;    /* the index is write-only */
		}
		return 0;
	}
	if (write)
		write_reg(r, r->index, (uint8_t)*val);
	else
		*val = read_reg(r, r->index);
	return 0;
}

int vrtc_init(struct vrtc *r, struct vdev_table *t, uint64_t wallclock_ns_at_zero,
	      void (*irq8)(void *opaque, bool level), void *opaque)
{
	memset(r, 0, sizeof(*r));
	r->wall0_ns = wallclock_ns_at_zero;
	r->a = 0x26;
	r->b = B_24H;
	r->irq8 = irq8;
	r->opaque = opaque;
	r->seen_s = clock_ns(r) / NS_PER_S;
	return vdev_register(t, VDEV_PIO, VRTC_PORT, 2, rtc_io, r, "rtc");
}

void vrtc_set_memory(struct vrtc *r, uint64_t ram_bytes)
{
	uint64_t base = ram_bytes >= 640 * 1024 ? 640 : ram_bytes / 1024;
	uint64_t ext = ram_bytes > 0x100000 ? (ram_bytes - 0x100000) / 1024 : 0;
	uint64_t high = ram_bytes > 0x1000000 ? (ram_bytes - 0x1000000) / 0x10000 : 0;
	if (ext > 0xffff)
		ext = 0xffff;           /* the 16-bit KiB count ends at 65 MiB */
	if (high > 0xffff)
		high = 0xffff;
	r->ram[0x15] = (uint8_t)base;
	r->ram[0x16] = (uint8_t)(base >> 8);
	r->ram[0x17] = r->ram[0x30] = (uint8_t)ext;
	r->ram[0x18] = r->ram[0x31] = (uint8_t)(ext >> 8);
	r->ram[0x34] = (uint8_t)high;
	r->ram[0x35] = (uint8_t)(high >> 8);
	/* the AT checksum over 0x10-0x2d, high byte first, as a BIOS checks it */
	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += r->ram[i];
	r->ram[0x2e] = (uint8_t)(sum >> 8);
	r->ram[0x2f] = (uint8_t)sum;
}

void vrtc_set_time(struct vrtc *r, uint64_t now_ns)
{
	if (now_ns > r->now_ns)
		r->now_ns = now_ns;
	refresh(r);
}
