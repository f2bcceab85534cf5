/*
 * The emulated MC146818 RTC (rtc.h). No state ticks: the clock is
 * wall0_ns + now_ns + offset_ns, and every time field, UIP and the update
 * flag are computed from it when asked. A guest's write to a time field
 * sets the offset so that the clock reads what was written from then on.
 * The civil date of a day count is Howard Hinnant's civil_from_days, the
 * inverse of lib/rtc.c's rtc_days_from_civil (which is used for writes).
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
};

#define A_UIP   0x80
#define B_SET   0x80
#define B_UIE   0x10
#define B_DM    0x04            /* binary */
#define B_24H   0x02
#define C_IRQF  0x80
#define C_UF    0x10
#define D_VRT   0x80

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

/* Note an update (second boundary) since the flags were last judged. */
static void refresh(struct vrtc *r)
{
	if (r->b & B_SET)
		return;                 /* no updates while SET */
	uint64_t s = clock_ns(r) / NS_PER_S;
	if (s != r->seen_s) {
		r->seen_s = s;
		r->c |= C_UF;
	}
	if ((r->c & C_UF) && (r->b & B_UIE))
		r->c |= C_IRQF;
	set_irq(r, r->c & C_IRQF);
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

void vrtc_set_time(struct vrtc *r, uint64_t now_ns)
{
	if (now_ns > r->now_ns)
		r->now_ns = now_ns;
	refresh(r);
}
