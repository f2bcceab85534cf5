/*
 * The CMOS real-time clock: ports 0x70 (index) and 0x71 (data). A read is
 * taken while no update is in progress and repeated until two agree, since
 * the clock may tick between the fields. Status register B says whether
 * the fields are BCD and whether hours are 12-hour.
 */
#include "rtc.h"
#include "x86.h"

#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, reg);          /* bit 7 clear: NMI stays enabled */
	return inb(CMOS_DATA);
}

static bool updating(void)
{
	return cmos(0x0a) & 0x80;
}

struct rtc_fields {
	uint8_t sec, min, hour, day, mon, year, century;
};

static void read_fields(struct rtc_fields *f)
{
	for (int spin = 0; spin < 100000 && updating(); spin++)
		;
	f->sec = cmos(0x00);
	f->min = cmos(0x02);
	f->hour = cmos(0x04);
	f->day = cmos(0x07);
	f->mon = cmos(0x08);
	f->year = cmos(0x09);
	f->century = cmos(0x32);
}

static unsigned bcd(uint8_t v)
{
	return (v & 0x0f) + (v >> 4) * 10u;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t rtc_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t rtc_read_epoch(void)
{
	struct rtc_fields a, b;
	int tries = 0;

	read_fields(&a);
	do {
		b = a;
		read_fields(&a);
	} while (++tries < 10 && (a.sec != b.sec || a.min != b.min || a.hour != b.hour ||
				  a.day != b.day || a.mon != b.mon || a.year != b.year));
	uint8_t status_b = cmos(0x0b);
	bool pm = a.hour & 0x80;
	unsigned sec = a.sec, min = a.min, hour = a.hour & 0x7f, day = a.day, mon = a.mon;
	unsigned year = a.year, century = a.century;
	if (!(status_b & 0x04)) {       /* BCD */
		sec = bcd((uint8_t)sec);
		min = bcd((uint8_t)min);
		hour = bcd((uint8_t)hour);
		day = bcd((uint8_t)day);
		mon = bcd((uint8_t)mon);
		year = bcd((uint8_t)year);
		century = bcd((uint8_t)century);
	}
	if (!(status_b & 0x02) && pm)   /* 12-hour clock */
		hour = (hour % 12) + 12;
	else if (!(status_b & 0x02))
		hour %= 12;
	if (century < 19 || century > 30)
		century = year < 70 ? 20 : 19;
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return 0;
	int64_t days = rtc_days_from_civil((int)(century * 100 + year), mon, day);
	if (days < 0)
		return 0;
	return (uint64_t)days * 86400 + hour * 3600u + min * 60u + sec;
}
