/* The ACPI and MP tables (hv/vdev/pctables.c), found and parsed back as an
 * OS would: the RSDP by scanning 0xe0000-0xfffff on 16-byte boundaries,
 * the MP floating pointer by scanning 0xf0000-0xfffff, then every table
 * from its pointers, each checksum, signature, length and entry checked
 * against the ACPI 1.0b/2.0 and MP 1.4 specifications (the offsets here
 * are the specifications', written out, not taken from pctables.c). */
#include "unit.h"
#include <string.h>

#include "errno.h"
#include "../../hv/vdev/pctables.h"

/* Guest-physical 0xe0000-0xfffff: the BIOS area an OS scans. */
#define LOW     0xe0000u
#define HIGH    0x100000u

static uint8_t mem[HIGH - LOW];
static struct pctables_layout lay;
static const struct pctables_cfg cfg = {
	.mem_mib = 64,
	.cpu_signature = 0x00000f61,    /* family 15, model 6, stepping 1 */
	.cpu_features = 0x0781abfd,
};

static const uint8_t *p(uint32_t addr)
{
	assert_true(addr >= LOW && addr < HIGH);
	return mem + (addr - LOW);
}

static uint8_t r8(uint32_t a) { return *p(a); }
static uint16_t r16(uint32_t a) { return (uint16_t)(r8(a) | r8(a + 1) << 8); }
static uint32_t r32(uint32_t a) { return r16(a) | (uint32_t)r16(a + 2) << 16; }

static uint8_t sum(uint32_t a, uint32_t n)
{
	assert_true(a + n <= HIGH);
	uint8_t s = 0;
	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + r8(a + i));
	return s;
}

static bool sig(uint32_t a, const char *s)
{
	return !memcmp(p(a), s, strlen(s));
}

static int setup(void **state)
{
	memset(mem, 0xa5, sizeof(mem));
	assert_int_equal(pctables_build(mem + (0xf0000 - LOW), 0xf0000, HIGH - 0xf0000, &cfg,
					&lay), 0);
	return 0;
}

/* The one RSDP an OS finds scanning 0xe0000-0xfffff (ACPI 5.2.5.1). */
static uint32_t find_rsdp(void)
{
	uint32_t found = 0;
	unsigned n = 0;
	for (uint32_t a = LOW; a + 20 <= HIGH; a += 16)
		if (sig(a, "RSD PTR ") && sum(a, 20) == 0) {
			found = a;
			n++;
		}
	assert_int_equal(n, 1);
	return found;
}

/* The one MP floating pointer in 0xf0000-0xfffff (MP 1.4, 4). */
static uint32_t find_mpfp(void)
{
	uint32_t found = 0;
	unsigned n = 0;
	for (uint32_t a = 0xf0000; a + 16 <= HIGH; a += 16)
		if (sig(a, "_MP_") && sum(a, 16) == 0) {
			found = a;
			n++;
		}
	assert_int_equal(n, 1);
	return found;
}

/* An ACPI table with the description header: signature, length at least
 * the header's, checksum over the length, and the revision wanted. */
static uint32_t acpi_table(uint32_t a, const char *s, uint8_t rev)
{
	assert_true(sig(a, s));
	uint32_t len = r32(a + 4);
	assert_true(len >= 36);
	assert_int_equal(r8(a + 8), rev);
	assert_int_equal(sum(a, len), 0);
	assert_memory_equal(p(a + 10), "RINGVR", 6);    /* the OEM ID of the RSDP */
	return len;
}

/* The RSDT entry with that signature, 0 if none. */
static uint32_t rsdt_find(uint32_t rsdt, const char *s)
{
	uint32_t len = r32(rsdt + 4);
	for (uint32_t e = rsdt + 36; e < rsdt + len; e += 4)
		if (sig(r32(e), s))
			return r32(e);
	return 0;
}

static void test_rsdp_found_by_scan(void **state)
{
	uint32_t rsdp = find_rsdp();
	assert_int_equal(rsdp, lay.rsdp);
	assert_int_equal(rsdp % 16, 0);
	assert_int_equal(r8(rsdp + 15), 0);             /* revision 0: ACPI 1.0 */
	assert_memory_equal(p(rsdp + 9), "RINGVR", 6);
	assert_int_equal(r32(rsdp + 16), lay.rsdt);
	/* the builder touched nothing outside its tables */
	for (uint32_t a = LOW; a < lay.mpfp; a++)
		assert_int_equal(r8(a), 0xa5);
	for (uint32_t a = lay.end; a < HIGH; a++)
		assert_int_equal(r8(a), 0xa5);
}

static void test_rsdt_fadt_dsdt_facs(void **state)
{
	uint32_t rsdt = r32(find_rsdp() + 16);
	uint32_t len = acpi_table(rsdt, "RSDT", 1);
	assert_int_equal(len, 36 + 2 * 4);              /* FADT and MADT */
	uint32_t fadt = rsdt_find(rsdt, "FACP");
	assert_int_equal(fadt, lay.fadt);
	assert_int_equal(acpi_table(fadt, "FACP", 1), 116);     /* ACPI 1.0 FADT */
	uint32_t facs = r32(fadt + 36), dsdt = r32(fadt + 40);
	assert_int_equal(facs % 64, 0);
	assert_true(sig(facs, "FACS"));
	assert_int_equal(r32(facs + 4), 64);
	assert_int_equal(acpi_table(dsdt, "DSDT", 1), 36 + 14);        /* _S5 only */
	/* Name (_S5, Package () { 5, 5, 0, 0 }), as ACPI 5.4 encodes it */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	for (unsigned i = 0; i < sizeof(s5); i++)
		assert_int_equal(r8(dsdt + 36 + i), s5[i]);
	assert_int_equal(r8(fadt + 44), 1);             /* INT_MODEL: APIC */
	assert_int_equal(r16(fadt + 46), 9);            /* SCI_INT */
	assert_int_equal(r32(fadt + 48), 0);            /* SMI_CMD: none */
	assert_int_equal(r32(fadt + 56), 0xb000);       /* PM1a_EVT_BLK */
	assert_int_equal(r32(fadt + 60), 0);
	assert_int_equal(r32(fadt + 64), 0xb004);       /* PM1a_CNT_BLK */
	assert_int_equal(r32(fadt + 68), 0);
	assert_int_equal(r32(fadt + 76), 0);            /* PM_TMR_BLK: none */
	assert_int_equal(r8(fadt + 88), 4);             /* PM1_EVT_LEN */
	assert_int_equal(r8(fadt + 89), 2);             /* PM1_CNT_LEN */
	assert_int_equal(r8(fadt + 91), 0);             /* PM_TMR_LEN */
	assert_true(r16(fadt + 96) > 100);              /* no C2 */
	assert_true(r16(fadt + 98) > 1000);             /* no C3 */
	assert_int_equal(r8(fadt + 108), 0x32);         /* CENTURY */
	assert_int_equal(r32(fadt + 112) & 1, 1);       /* WBINVD */
	/* nothing else in the RSDT; no table is a DSDT or FACS there */
	assert_int_equal(rsdt_find(rsdt, "DSDT"), 0);
	assert_int_equal(rsdt_find(rsdt, "FACS"), 0);
}

static void test_madt(void **state)
{
	uint32_t rsdt = r32(find_rsdp() + 16);
	uint32_t madt = rsdt_find(rsdt, "APIC");
	assert_int_equal(madt, lay.madt);
	uint32_t len = acpi_table(madt, "APIC", 1);
	assert_int_equal(r32(madt + 36), 0xfee00000);
	assert_int_equal(r32(madt + 40), 1);            /* PCAT_COMPAT */
	unsigned lapics = 0, ioapics = 0, nmis = 0, overrides = 0;
	uint32_t e = madt + 44;
	while (e < madt + len) {
		uint8_t type = r8(e), elen = r8(e + 1);
		assert_true(elen >= 2);
		assert_true(e + elen <= madt + len);
		switch (type) {
		case 0:
			assert_int_equal(elen, 8);
			assert_int_equal(r8(e + 3), 0);         /* APIC ID 0 */
			assert_int_equal(r32(e + 4) & 1, 1);    /* enabled */
			lapics++;
			break;
		case 1:
			assert_int_equal(elen, 12);
			assert_int_equal(r8(e + 2), 1);         /* I/O APIC ID */
			assert_int_equal(r32(e + 4), 0xfec00000);
			assert_int_equal(r32(e + 8), 0);        /* GSI base */
			ioapics++;
			break;
		case 2:
			assert_int_equal(elen, 10);
			assert_int_equal(r8(e + 2), 0);         /* ISA */
			if (r8(e + 3) == 0) {
				assert_int_equal(r32(e + 4), 2);        /* IRQ 0 -> GSI 2 */
				assert_int_equal(r16(e + 8) & 0xc, 0x4);        /* edge */
			} else {
				assert_int_equal(r8(e + 3), 9);         /* the SCI */
				assert_int_equal(r32(e + 4), 9);
				assert_int_equal(r16(e + 8), 0xd);      /* level, high */
			}
			overrides++;
			break;
		case 4:
			assert_int_equal(elen, 6);
			assert_int_equal(r8(e + 5), 1);         /* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("MADT entry type %u", type);
		}
		e += elen;
	}
	assert_int_equal(e, madt + len);
	assert_int_equal(lapics, 1);
	assert_int_equal(ioapics, 1);
	assert_int_equal(overrides, 2);
	assert_int_equal(nmis, 1);
}

static void test_mp_tables(void **state)
{
	uint32_t fp = find_mpfp();
	assert_int_equal(fp, lay.mpfp);
	assert_int_equal(r8(fp + 8), 1);                /* 16 bytes */
	assert_int_equal(r8(fp + 9), 4);                /* version 1.4 */
	assert_int_equal(r8(fp + 11), 0);               /* a table is present */
	assert_int_equal(r8(fp + 12), 0);               /* no IMCR: virtual wire */
	uint32_t ct = r32(fp + 4);
	assert_int_equal(ct, lay.mpct);
	assert_true(sig(ct, "PCMP"));
	uint16_t len = r16(ct + 4);
	assert_int_equal(r8(ct + 6), 4);
	assert_int_equal(sum(ct, len), 0);
	assert_int_equal(r32(ct + 36), 0xfee00000);
	assert_int_equal(r16(ct + 40), 0);              /* no extended table */
	uint16_t count = r16(ct + 34);
	assert_int_equal(count, 1 + 1 + 1 + 16 + 2);

	unsigned n[5] = { 0 };
	int pin_of_irq[16];
	for (int i = 0; i < 16; i++)
		pin_of_irq[i] = -1;
	int extint_pin = -1, lint_extint = -1, lint_nmi = -1;
	uint8_t last_type = 0;
	uint32_t e = ct + 44;
	for (unsigned i = 0; i < count; i++) {
		uint8_t type = r8(e);
		assert_true(type <= 4);
		assert_true(type >= last_type);         /* sorted by type */
		last_type = type;
		n[type]++;
		switch (type) {
		case 0:
			assert_int_equal(r8(e + 1), 0);         /* APIC ID */
			assert_int_equal(r8(e + 2), 0x14);      /* its version */
			assert_int_equal(r8(e + 3), 3);         /* enabled, BSP */
			assert_int_equal(r32(e + 4), cfg.cpu_signature);
			assert_int_equal(r32(e + 8), cfg.cpu_features);
			e += 20;
			continue;
		case 1:
			assert_int_equal(r8(e + 1), 0);
			assert_memory_equal(p(e + 2), "ISA   ", 6);
			break;
		case 2:
			assert_int_equal(r8(e + 1), 1);
			assert_int_equal(r8(e + 2), 0x11);
			assert_int_equal(r8(e + 3) & 1, 1);
			assert_int_equal(r32(e + 4), 0xfec00000);
			break;
		case 3:
			assert_int_equal(r8(e + 4), 0);         /* bus ISA */
			assert_int_equal(r8(e + 6), 1);         /* I/O APIC 1 */
			if (r8(e + 1) == 3) {
				extint_pin = r8(e + 7);
			} else {
				assert_int_equal(r8(e + 1), 0);         /* INT */
				uint8_t irq = r8(e + 5);
				assert_true(irq < 16);
				assert_int_equal(pin_of_irq[irq], -1);  /* once */
				pin_of_irq[irq] = r8(e + 7);
				assert_int_equal(r16(e + 2), irq == 9 ? 0xd : 0);
			}
			break;
		case 4:
			assert_int_equal(r8(e + 6), 0xff);      /* every local APIC */
			if (r8(e + 1) == 3)
				lint_extint = r8(e + 7);
			else if (r8(e + 1) == 1)
				lint_nmi = r8(e + 7);
			break;
		}
		e += 8;
	}
	assert_int_equal(e, ct + len);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);
	assert_int_equal(n[2], 1);
	assert_int_equal(n[3], 16);
	assert_int_equal(n[4], 2);
	assert_int_equal(extint_pin, 0);
	assert_int_equal(pin_of_irq[0], 2);
	assert_int_equal(pin_of_irq[2], -1);            /* the cascade */
	for (int irq = 1; irq < 16; irq++)
		if (irq != 2)
			assert_int_equal(pin_of_irq[irq], irq);
	assert_int_equal(lint_extint, 0);
	assert_int_equal(lint_nmi, 1);
}

/* Every table inside the buffer, none overlapping another. */
static void test_layout(void **state)
{
	const struct { uint32_t a, len; } t[] = {
		{ lay.mpfp, 16 }, { lay.rsdp, 20 }, { lay.mpct, r16(lay.mpct + 4) },
		{ lay.rsdt, r32(lay.rsdt + 4) }, { lay.fadt, r32(lay.fadt + 4) },
		{ lay.facs, r32(lay.facs + 4) }, { lay.dsdt, r32(lay.dsdt + 4) },
		{ lay.madt, r32(lay.madt + 4) },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		assert_true(t[i].a >= 0xf0000 && t[i].a + t[i].len <= lay.end);
		for (unsigned j = 0; j < i; j++)
			assert_true(t[i].a >= t[j].a + t[j].len || t[j].a >= t[i].a + t[i].len);
	}
	assert_true(lay.end <= HIGH);
}

/* Other buffers: anywhere covering part of the scan area; refused when
 * too small, outside the scan area or past RAM. */
static void test_buffers(void **state)
{
	struct pctables_layout l2;
	/* from 0 to 1 MiB: the pointers at 0xf0000 */
	static uint8_t big[HIGH];
	assert_int_equal(pctables_build(big, 0, HIGH, &cfg, &l2), 0);
	assert_int_equal(l2.mpfp, 0xf0000);
	/* an unaligned start in the scan area: the next 16-byte boundary */
	memset(mem, 0, sizeof(mem));
	assert_int_equal(pctables_build(mem + 0x18003, 0xf8003, HIGH - 0xf8003, &cfg, &l2), 0);
	assert_int_equal(l2.mpfp, 0xf8010);
	assert_int_equal(find_mpfp(), 0xf8010);
	assert_int_equal(find_rsdp(), l2.rsdp);
	/* too small */
	assert_int_equal(pctables_build(mem + 0x10000, 0xf0000, 0x100, &cfg, &l2), -ENOSPC);
	assert_int_equal(pctables_build(mem + 0x10000, 0xf0000, (uint32_t)(lay.end - 0xf0000 - 1),
					&cfg, &l2), -ENOSPC);
	assert_int_equal(pctables_build(mem + 0x10000, 0xf0000, lay.end - 0xf0000, &cfg, &l2), 0);
	/* not reaching the scan area, or starting too near its end */
	assert_int_equal(pctables_build(mem, 0xe0000, 0x10000, &cfg, &l2), -EINVAL);
	assert_int_equal(pctables_build(mem + 0x1ffe0, 0xfffe0, 0x20, &cfg, &l2), -EINVAL);
	/* past the end of RAM */
	struct pctables_cfg small = cfg;
	small.mem_mib = 0;
	assert_int_equal(pctables_build(mem, LOW, HIGH - LOW, &small, &l2), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rsdp_found_by_scan, setup),
		cmocka_unit_test_setup(test_rsdt_fadt_dsdt_facs, setup),
		cmocka_unit_test_setup(test_madt, setup),
		cmocka_unit_test_setup(test_mp_tables, setup),
		cmocka_unit_test_setup(test_layout, setup),
		cmocka_unit_test_setup(test_buffers, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
