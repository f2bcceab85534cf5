/*
 * rtc: the MC146818 CMOS clock of a hw guest at ports 0x70/0x71
 * (hv/vdev/rtc.c, wired in hv/hw/devices.c), checked against the
 * MC146818A datasheet:
 *
 *   register A: divider 010 (32.768 kHz time base, running), rate 0110
 *   (1024 Hz), as a PC BIOS leaves it; bit 7 (UIP) rises shortly before
 *   each update and falls when the new second is there
 *   register B: 24-hour mode; DM (bit 2) chooses binary or BCD fields
 *   register D: bit 7, valid RAM and time
 *   the time read in BCD and in binary mode is the same time
 *   the seconds advance once per second of TSC time
 *   the periodic interrupt, IRQ 8 (slave PIC line 0), at 64 Hz and at
 *   1024 Hz while the guest halts, acknowledged by reading register C
 *   NVRAM 0x15/0x16 base memory in KiB (640), 0x17/0x18 and 0x30/0x31
 *   extended memory above 1 MiB in KiB: the BIOS's memory sizes
 */
#include "hwg.h"
#include "pic.h"

#define RTC_INDEX       0x70
#define RTC_DATA        0x71
#define NMI_OFF         0x80            /* keep NMIs off while indexing, as PCs do */
#define REG_A           0x0a
#define REG_B           0x0b
#define REG_C           0x0c
#define REG_D           0x0d
#define A_UIP           0x80
#define B_PIE           0x40
#define B_DM            0x04
#define B_24H           0x02
#define C_IRQF          0x80
#define C_PF            0x40
#define VEC_PIC         0x20
#define IRQ_RTC         8

static uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX, NMI_OFF | reg);
	return inb(RTC_DATA);
}

static void cmos_write(uint8_t reg, uint8_t val)
{
	outb(RTC_INDEX, NMI_OFF | reg);
	outb(RTC_DATA, val);
}

struct rtc_tm {
	uint8_t sec, min, hour, day, mon, year;
};

/* The time fields, read outside an update (UIP clear) and twice alike. */
static void read_time(struct rtc_tm *t)
{
	struct rtc_tm u;
	do {
		while (cmos_read(REG_A) & A_UIP)
			cpu_relax();
		t->sec = cmos_read(0x00);
		t->min = cmos_read(0x02);
		t->hour = cmos_read(0x04);
		t->day = cmos_read(0x07);
		t->mon = cmos_read(0x08);
		t->year = cmos_read(0x09);
		u.sec = cmos_read(0x00);
		u.min = cmos_read(0x02);
	} while (u.sec != t->sec || u.min != t->min);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10u + (v & 0x0fu);
}

static bool bcd_ok(uint8_t v, unsigned max)
{
	return (v & 0x0f) <= 9 && (v >> 4) <= 9 && bcd(v) <= max;
}

static void registers(void)
{
	uint8_t a = cmos_read(REG_A) & ~A_UIP, b = cmos_read(REG_B), d = cmos_read(REG_D);
	test_check(a == 0x26, "register A: divider 010, rate 0110 (1024 Hz): %#x (want 0x26)", a);
	test_check((b & B_24H) && !(b & B_DM) && !(b & B_PIE),
		   "register B: 24-hour, BCD, no periodic interrupt: %#x", b);
	test_check(d == 0x80, "register D: valid RAM and time (VRT): %#x (want 0x80)", d);
	cmos_read(REG_C);
	test_check(!(cmos_read(REG_C) & C_IRQF), "register C reads clear once read");
}

static void bcd_and_binary(void)
{
	struct rtc_tm t1, t2, bin;
	uint8_t b = cmos_read(REG_B);
	unsigned tries = 0;
	do {
		read_time(&t1);
		cmos_write(REG_B, b | B_DM);
		read_time(&bin);
		cmos_write(REG_B, b);
		read_time(&t2);
	} while ((t1.sec != t2.sec || t1.min != t2.min) && ++tries < 5);
	test_check(bcd_ok(t1.sec, 59) && bcd_ok(t1.min, 59) && bcd_ok(t1.hour, 23) &&
		   bcd_ok(t1.day, 31) && t1.day && bcd_ok(t1.mon, 12) && t1.mon && bcd_ok(t1.year, 99),
		   "BCD time is valid BCD: 20%02x-%02x-%02x %02x:%02x:%02x", t1.year, t1.mon, t1.day,
		   t1.hour, t1.min, t1.sec);
	test_check(bcd(t1.year) >= 24, "the year is this century's (20%02x)", t1.year);
	test_check(bin.sec == bcd(t1.sec) && bin.min == bcd(t1.min) && bin.hour == bcd(t1.hour) &&
		   bin.day == bcd(t1.day) && bin.mon == bcd(t1.mon) && bin.year == bcd(t1.year),
		   "binary mode reads the same time: %u-%u-%u %u:%u:%u", bin.year, bin.mon, bin.day,
		   bin.hour, bin.min, bin.sec);
}

/* UIP: seen high, then low with a new second; two changes of the second
 * one second of TSC time apart. */
static void update_cycle(void)
{
	uint64_t hz = hwg_tsc_hz(), t0 = rdtsc();
	uint8_t sec0 = cmos_read(0x00), sec = sec0;
	bool saw_uip = false, fell = false;
	uint64_t first_change = 0, second_change = 0;
	while (rdtsc() - t0 < hz * 3) {
		uint8_t a = cmos_read(REG_A);
		if (a & A_UIP) {
			saw_uip = true;
			continue;
		}
		if (saw_uip)
			fell = true;
		uint8_t s = cmos_read(0x00);
		if (s != sec) {
			sec = s;
			if (!first_change) {
				first_change = rdtsc();
			} else {
				second_change = rdtsc();
				break;
			}
		}
	}
	test_check(saw_uip, "register A's UIP bit was seen set during an update");
	test_check(fell, "and then clear again");
	test_check(second_change != 0, "the seconds advanced twice within 3 s");
	if (second_change) {
		uint64_t ms = (second_change - first_change) * 1000 / hz;
		test_check(ms >= 800 && ms <= 1200, "one second of the RTC is %llu ms of TSC time",
			   (unsigned long long)ms);
	}
}

static volatile uint32_t rtc_irqs, rtc_not_pf;

static void rtc_irq(struct hwg_frame *f)
{
	(void)f;
	uint8_t c = cmos_read(REG_C);   /* acknowledges: IRQ 8 falls */
	if ((c & (C_IRQF | C_PF)) == (C_IRQF | C_PF))
		rtc_irqs++;
	else
		rtc_not_pf++;
	pic_eoi(IRQ_RTC);
}

/* Rate select rs gives 32768 >> (rs - 1) Hz (datasheet table 3). Count the
 * interrupts over ms milliseconds of halting. */
static void periodic(uint8_t rs, uint32_t ms)
{
	uint64_t hz = hwg_tsc_hz();
	uint32_t rate = 32768u >> (rs - 1), want = rate * ms / 1000;
	uint8_t b = cmos_read(REG_B);
	cmos_read(REG_C);
	cmos_write(REG_A, 0x20 | rs);
	cmos_write(REG_B, b | B_PIE);
	pic_unmask(IRQ_RTC);

	rtc_irqs = rtc_not_pf = 0;
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < hz * ms / 1000)
		__asm__ volatile("sti; hlt; nop; cli" ::: "memory");
	uint32_t n = rtc_irqs;
	test_check(n >= want * 7 / 10 && n <= want * 13 / 10,
		   "%u periodic interrupts (IRQ 8) at %u Hz in %u ms while halting (want %u +- 30%%)",
		   n, rate, ms, want);
	test_check(rtc_not_pf == 0, "each had IRQF and PF set in register C (%u had not)",
		   rtc_not_pf);

	cmos_write(REG_B, b);
	cmos_write(REG_A, 0x26);
	cmos_read(REG_C);
	irq_enable();
	n = rtc_irqs;
	hwg_udelay(50000);
	irq_disable();
	test_check(rtc_irqs - n <= 1, "with PIE clear they stop (%u more)", rtc_irqs - n);
	pic_mask(IRQ_RTC);
}

static void nvram(void)
{
	unsigned base = cmos_read(0x15) | cmos_read(0x16) << 8;
	unsigned ext = cmos_read(0x17) | cmos_read(0x18) << 8;
	unsigned ext2 = cmos_read(0x30) | cmos_read(0x31) << 8;
	unsigned want = hwg_mbi->mem_upper > 0xffff ? 0xffff : hwg_mbi->mem_upper;
	test_check(base == 640, "NVRAM 0x15/0x16: 640 KiB of base memory (%u)", base);
	test_check(ext == want, "NVRAM 0x17/0x18: %u KiB above 1 MiB (want %u, as multiboot says)",
		   ext, want);
	test_check(ext2 == want, "NVRAM 0x30/0x31: %u KiB above 1 MiB (want %u)", ext2, want);
	/* A byte of plain NVRAM keeps what is written. */
	cmos_write(0x40, 0x5a);
	uint8_t v = cmos_read(0x40);
	cmos_write(0x40, 0xa5);
	test_check(v == 0x5a && cmos_read(0x40) == 0xa5, "NVRAM byte 0x40 keeps what is written");
}

void guest_main(void)
{
	registers();
	bcd_and_binary();
	update_cycle();
	pic_init(VEC_PIC);
	hwg_set_handler(VEC_PIC + IRQ_RTC, rtc_irq);
	pic_unmask(2);                  /* the cascade */
	periodic(0x0a, 500);            /* 64 Hz */
	periodic(0x06, 250);            /* 1024 Hz, what a BIOS sets up */
	nvram();
	test_check(hwg_unexpected_irqs == 0, "no unexpected interrupts (%u)", hwg_unexpected_irqs);
}
