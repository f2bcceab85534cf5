/*
 * apic: the local APIC and I/O APIC of a hw guest, reached through nested
 * page faults and the instruction emulator (hv/hw/emulate.c, hv/vdev/
 * lapic.c, ioapic.c), and the firmware tables a PC OS looks for
 * (hv/vdev/pctables.c), against the Intel SDM vol. 3 ch. 10, the 82093AA
 * I/O APIC datasheet, ACPI 6.x ch. 5 and the MultiProcessor Spec 1.4.
 *
 *   local APIC at 0xfee00000: ID 0 (one CPU), version register of an
 *   integrated APIC (0x10-0x15) with six LVT entries (max LVT 5)
 *   its timer: one-shot fires once, periodic at the programmed rate, the
 *   current count falls, a masked LVT is silent, an interrupt in service
 *   (ISR) without EOI holds back the next one of its vector
 *   I/O APIC at 0xfec00000: version register 0x00170011 (24 pins, 0x11)
 *   ACPI: the RSDP on a 16-byte boundary in 0xe0000-0xfffff, its checksum
 *   and the RSDT's 0; a MADT ("APIC") naming the local APIC at 0xfee00000,
 *   one processor and the I/O APIC at 0xfec00000
 *   MP: the floating pointer "_MP_" with checksum 0 and its "PCMP" table
 */
#include "hwg.h"
#include "pic.h"
#include "pit.h"
#include "string.h"

#define LAPIC           0xfee00000u
#define APIC_ID         0x020
#define APIC_LVR        0x030
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ISR        0x100
#define APIC_LVT_TIMER  0x320
#define APIC_TMICT      0x380
#define APIC_TMCCT      0x390
#define APIC_TDCR       0x3e0
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define SVR_ENABLE      (1u << 8)
#define IOAPIC          0xfec00000u
#define IOAPIC_IOWIN    0x10
#define VEC_TIMER       0x40
#define VEC_SPURIOUS    0xff

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(LAPIC + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC + reg, v);
}

static volatile uint32_t timer_irqs, spurious;
static volatile bool timer_eoi = true;

static void timer_irq(struct hwg_frame *f)
{
	(void)f;
	timer_irqs++;
	if (timer_eoi)
		lapic_write(APIC_EOI, 0);
}

static void spurious_irq(struct hwg_frame *f)
{
	(void)f;
	spurious++;                     /* no EOI for the spurious vector */
}

/* The PIT at 100 Hz through the PIC and LINT0 (virtual wire): what wakes
 * HLT while the APIC timer is quiet, as a real PC would need too. */
static volatile uint32_t pit_ticks;

static void pit_irq(struct hwg_frame *f)
{
	(void)f;
	pit_ticks++;
	pic_eoi(0);
}

/* Halt for ms milliseconds of TSC time, taking interrupts. */
static void halt_ms(uint32_t ms)
{
	uint64_t t0 = rdtsc(), span = hwg_tsc_hz() * ms / 1000;
	while (rdtsc() - t0 < span)
		__asm__ volatile("sti; hlt; nop; cli" ::: "memory");
}

static void lapic_registers(void)
{
	uint32_t id = lapic_read(APIC_ID), ver = lapic_read(APIC_LVR);
	test_check(id >> 24 == 0, "local APIC ID is 0 (ID register %#x)", id);
	test_check((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15,
		   "local APIC version %#x is an integrated APIC's (0x10-0x15)", ver & 0xff);
	test_check(((ver >> 16) & 0xff) == 5, "max LVT entry is 5, six LVTs (version reg %#x)", ver);
	lapic_write(APIC_TPR, 0x20);
	test_check(lapic_read(APIC_TPR) == 0x20, "TPR keeps what is written (%#x)",
		   lapic_read(APIC_TPR));
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	test_check((lapic_read(APIC_SVR) & 0x1ff) == (SVR_ENABLE | VEC_SPURIOUS),
		   "SVR: software-enabled, spurious vector 0xff (%#x)", lapic_read(APIC_SVR));
}

/* Timer counts per second at divide by 16, timed by the TSC. */
static uint64_t timer_rate(void)
{
	lapic_write(APIC_TDCR, 0x3);                    /* divide by 16 */
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(APIC_TMICT, 0xffffffffu);
	uint64_t t0 = rdtsc();
	uint32_t c0 = lapic_read(APIC_TMCCT);
	hwg_udelay(20000);
	uint32_t c1 = lapic_read(APIC_TMCCT);
	uint64_t t1 = rdtsc();
	lapic_write(APIC_TMICT, 0);
	test_check(c1 < c0, "the timer's current count falls (%u -> %u)", c0, c1);
	return (uint64_t)(c0 - c1) * hwg_tsc_hz() / (t1 - t0);
}

static void lapic_timer(void)
{
	hwg_set_handler(VEC_TIMER, timer_irq);
	hwg_set_handler(VEC_SPURIOUS, spurious_irq);
	uint64_t rate = timer_rate();
	test_check(rate >= 100000, "timer rate at divide 16: %llu Hz", (unsigned long long)rate);
	if (rate < 100000)
		return;

	/* One-shot, 10 ms: once, and the count ends at 0. */
	timer_irqs = 0;
	lapic_write(APIC_LVT_TIMER, VEC_TIMER);
	lapic_write(APIC_TMICT, (uint32_t)(rate / 100));
	halt_ms(150);
	test_check(timer_irqs == 1, "one-shot timer fired once in 150 ms (%u)", timer_irqs);
	test_check(lapic_read(APIC_TMCCT) == 0, "one-shot count ended at 0 (%u)",
		   lapic_read(APIC_TMCCT));

	/* Periodic, 20 ms: 25 in 0.5 s. */
	timer_irqs = 0;
	lapic_write(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(APIC_TMICT, (uint32_t)(rate / 50));
	halt_ms(500);
	uint32_t n = timer_irqs;
	test_check(n >= 25 * 7 / 10 && n <= 25 * 13 / 10,
		   "periodic timer at 50 Hz: %u interrupts in 0.5 s (want 25 +- 30%%)", n);

	/* Masked: silent. A tick the APIC accepted into IRR just before the
	 * mask is still delivered (SDM 10.5.1: the mask stops new ones), so
	 * it is let in before counting. */
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | VEC_TIMER);
	halt_ms(5);
	timer_irqs = 0;
	halt_ms(100);
	test_check(timer_irqs == 0, "masked timer LVT: no interrupts in 100 ms (%u)", timer_irqs);

	/* Without EOI: in service, and the next one waits. */
	timer_eoi = false;
	timer_irqs = 0;
	lapic_write(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	halt_ms(100);
	uint32_t isr = lapic_read(APIC_ISR + (VEC_TIMER / 32) * 0x10);
	test_check(timer_irqs == 1, "without EOI only one timer interrupt in 100 ms (%u)",
		   timer_irqs);
	test_check(isr & (1u << (VEC_TIMER % 32)), "vector 0x40 is in service (ISR %#x)", isr);
	timer_eoi = true;
	lapic_write(APIC_EOI, 0);
	halt_ms(100);
	test_check(timer_irqs >= 3, "after the EOI they come again (%u)", timer_irqs);
	isr = lapic_read(APIC_ISR + (VEC_TIMER / 32) * 0x10);
	lapic_write(APIC_TMICT, 0);
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	test_check(spurious == 0, "no spurious interrupts (%u)", spurious);
}

static void ioapic(void)
{
	mmio_write32(IOAPIC, 0x01);
	uint32_t ver = mmio_read32(IOAPIC + IOAPIC_IOWIN);
	test_check(ver == 0x00170011u, "I/O APIC version register %#x (want 0x00170011)", ver);
	/* Redirection entry 0 comes out of reset masked (bit 16). */
	mmio_write32(IOAPIC, 0x10);
	uint32_t lo = mmio_read32(IOAPIC + IOAPIC_IOWIN);
	test_check(lo & (1u << 16), "redirection entry 0 is masked at reset (%#x)", lo);
}

static uint8_t sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s += *b++;
	return s;
}

static const uint8_t *scan(uint32_t from, uint32_t to, const char *sig, unsigned len)
{
	for (uint32_t a = from; a < to; a += 16)
		if (!memcmp((const void *)(uintptr_t)a, sig, len))
			return (const uint8_t *)(uintptr_t)a;
	return NULL;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void acpi(void)
{
	const uint8_t *rsdp = scan(0xe0000, 0x100000, "RSD PTR ", 8);
	if (!test_check(rsdp != NULL, "ACPI RSDP found in 0xe0000-0xfffff (at %#x)",
			(uint32_t)(uintptr_t)rsdp))
		return;
	test_check(sum(rsdp, 20) == 0, "RSDP checksum over its first 20 bytes is 0");
	if (rsdp[15] >= 2)
		test_check(sum(rsdp, rd32(rsdp + 20)) == 0, "RSDP extended checksum is 0");
	const uint8_t *rsdt = (const uint8_t *)(uintptr_t)rd32(rsdp + 16);
	if (!test_check(rd32(rsdp + 16) < 0x100000 + hwg_ram_bytes() && !memcmp(rsdt, "RSDT", 4),
			"RSDP points to an RSDT (at %#x)", rd32(rsdp + 16)))
		return;
	uint32_t len = rd32(rsdt + 4);
	test_check(len >= 36 && sum(rsdt, len) == 0, "RSDT checksum is 0 (length %u)", len);
	const uint8_t *madt = NULL;
	for (uint32_t off = 36; off + 4 <= len; off += 4) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)rd32(rsdt + off);
		if (!memcmp(t, "APIC", 4))
			madt = t;
	}
	if (!test_check(madt != NULL, "the RSDT lists a MADT (\"APIC\")"))
		return;
	len = rd32(madt + 4);
	test_check(sum(madt, len) == 0, "MADT checksum is 0 (length %u)", len);
	test_check(rd32(madt + 36) == LAPIC, "MADT: local APIC at %#x", rd32(madt + 36));
	unsigned cpus = 0, ioapics = 0;
	uint32_t ioapic_addr = 0;
	for (uint32_t off = 44; off + 2 <= len && madt[off + 1] >= 2; off += madt[off + 1]) {
		if (madt[off] == 0 && (rd32(madt + off + 4) & 1))
			cpus++;
		if (madt[off] == 1) {
			ioapics++;
			ioapic_addr = rd32(madt + off + 4);
		}
	}
	test_check(cpus == 1, "MADT: one enabled processor local APIC (%u)", cpus);
	test_check(ioapics == 1 && ioapic_addr == IOAPIC, "MADT: one I/O APIC at %#x (%u)",
		   ioapic_addr, ioapics);
}

static void mp(void)
{
	const uint8_t *fp = scan(0xf0000, 0x100000, "_MP_", 4);
	if (!fp)
		fp = scan(0x9fc00, 0xa0000, "_MP_", 4);
	if (!test_check(fp != NULL, "MP floating pointer found (at %#x)", (uint32_t)(uintptr_t)fp))
		return;
	test_check(fp[8] == 1 && sum(fp, 16) == 0, "MP floating pointer: 16 bytes, checksum 0");
	test_check(fp[9] == 1 || fp[9] == 4, "MP spec revision 1.%u", fp[9]);
	const uint8_t *ct = (const uint8_t *)(uintptr_t)rd32(fp + 4);
	if (!rd32(fp + 4)) {
		test_check(fp[11] != 0, "no config table, so a default configuration (%u)", fp[11]);
		return;
	}
	uint16_t len = (uint16_t)(ct[4] | ct[5] << 8);
	test_check(!memcmp(ct, "PCMP", 4) && sum(ct, len) == 0,
		   "MP configuration table \"PCMP\" with checksum 0 (length %u)", len);
	test_check(rd32(ct + 36) == LAPIC, "MP table: local APIC at %#x", rd32(ct + 36));
}

void guest_main(void)
{
	pic_init(0x20);
	hwg_set_handler(0x20, pit_irq);
	pit_start_periodic(100);
	pic_unmask(0);
	lapic_registers();
	lapic_timer();
	ioapic();
	acpi();
	mp();
	test_check(pit_ticks > 0 && hwg_unexpected_irqs == 0,
		   "the PIT woke us through LINT0 (%u ticks); no unexpected interrupts (%u)",
		   pit_ticks, hwg_unexpected_irqs);
}
