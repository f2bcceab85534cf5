/*
 * The ACPI and MP tables of the emulated PC (pctables.h), after the ACPI
 * 1.0b/2.0 specifications (RSDP, the 36-byte description header, FADT
 * revision 1, FACS, MADT) and the Intel MultiProcessor Specification 1.4
 * (chapter 4). Every multi-byte field is little-endian and unaligned, so
 * the tables are written byte by byte, at offsets from the specifications.
 *
 * Interrupt routing, the same in both: ISA IRQ n is I/O APIC pin n, except
 * IRQ 0 (the PIT), on pin 2, and IRQ 2 (the 8259A cascade), which has no
 * pin: pin 0 is the 8259A's INTR (ExtINT). IRQ 9 is the ACPI SCI, level
 * triggered and active high. The local APIC's LINT0 takes the 8259A's
 * INTR (ExtINT), LINT1 NMI: virtual wire mode, no IMCR.
 */
#include "pctables.h"
#include "lapic.h"
#include "ioapic.h"
#include "errno.h"
#include "string.h"

#define ACPI_HDR_LEN    36
#define RSDP_LEN        20
#define FADT_LEN        116             /* revision 1 (ACPI 1.0) */
#define FACS_LEN        64
#define MPFP_LEN        16

/* MADT: header, local APIC address and flags, then the entries. */
#define MADT_LEN        (ACPI_HDR_LEN + 8 + 8 + 12 + 2 * 10 + 6)
#define MADT_PCAT_COMPAT        1

/* MP configuration table: header, processor, bus, I/O APIC, 16 I/O
 * interrupt entries (ExtINT and IRQs 0-15 but 2), 2 local ones. */
#define MP_IO_INTS      16
#define MP_ENTRIES      (3 + MP_IO_INTS + 2)
#define MPCT_LEN        (44 + 20 + 8 + 8 + MP_IO_INTS * 8 + 2 * 8)

/* ISA interrupt flags (MADT and MP alike): polarity bits 1:0, trigger
 * bits 3:2; 01 = active high / edge, 11 = active low / level. */
#define INTI_HIGH_EDGE  0x5
#define INTI_HIGH_LEVEL 0xd

/* MP interrupt types. */
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

static const char oem_id[6] = { 'R', 'I', 'N', 'G', 'V', 'R' };
static const char oem_table_id[8] = { 'R', 'V', 'P', 'C', ' ', ' ', ' ', ' ' };

struct out {
	uint8_t *mem;
	uint32_t base;
};

static uint8_t *at(const struct out *o, uint32_t addr)
{
	return o->mem + (addr - o->base);
}

static void put8(const struct out *o, uint32_t addr, uint8_t v)
{
	*at(o, addr) = v;
}

static void put16(const struct out *o, uint32_t addr, uint16_t v)
{
	put8(o, addr, (uint8_t)v);
	put8(o, addr + 1, (uint8_t)(v >> 8));
}

static void put32(const struct out *o, uint32_t addr, uint32_t v)
{
	put16(o, addr, (uint16_t)v);
	put16(o, addr + 2, (uint16_t)(v >> 16));
}

static void put_bytes(const struct out *o, uint32_t addr, const void *s, uint32_t n)
{
	memcpy(at(o, addr), s, n);
}

/* Set the byte at sum_at so that the n bytes from addr add up to 0. */
static void checksum(const struct out *o, uint32_t addr, uint32_t n, uint32_t sum_at)
{
	uint8_t s = 0;
	put8(o, sum_at, 0);
	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + *at(o, addr + i));
	put8(o, sum_at, (uint8_t)-s);
}

/* The description header every ACPI table but the RSDP and FACS starts
 * with; the checksum (offset 9) is set once the body is written. */
static void acpi_header(const struct out *o, uint32_t addr, const char *sig, uint32_t len,
			uint8_t rev)
{
	put_bytes(o, addr, sig, 4);
	put32(o, addr + 4, len);
	put8(o, addr + 8, rev);
	put_bytes(o, addr + 10, oem_id, 6);
	put_bytes(o, addr + 16, oem_table_id, 8);
	put32(o, addr + 24, 1);                 /* OEM revision */
	put_bytes(o, addr + 28, "RVHV", 4);     /* creator ID */
	put32(o, addr + 32, 1);                 /* creator revision */
}

static void acpi_done(const struct out *o, uint32_t addr, uint32_t len)
{
	checksum(o, addr, len, addr + 9);
}

static void build_rsdp(const struct out *o, const struct pctables_layout *l)
{
	put_bytes(o, l->rsdp, "RSD PTR ", 8);
	put_bytes(o, l->rsdp + 9, oem_id, 6);
	put8(o, l->rsdp + 15, 0);               /* revision 0: ACPI 1.0, no XSDT */
	put32(o, l->rsdp + 16, l->rsdt);
	checksum(o, l->rsdp, RSDP_LEN, l->rsdp + 8);
}

static void build_rsdt(const struct out *o, const struct pctables_layout *l)
{
	acpi_header(o, l->rsdt, "RSDT", ACPI_HDR_LEN + 8, 1);
	put32(o, l->rsdt + 36, l->fadt);        /* the DSDT hangs off the FADT */
	put32(o, l->rsdt + 40, l->madt);
	acpi_done(o, l->rsdt, ACPI_HDR_LEN + 8);
}

static void build_fadt(const struct out *o, const struct pctables_layout *l)
{
	uint32_t a = l->fadt;
	acpi_header(o, a, "FACP", FADT_LEN, 1);
	put32(o, a + 36, l->facs);
	put32(o, a + 40, l->dsdt);
	put8(o, a + 44, 1);                     /* INT_MODEL: multiple APIC */
	put16(o, a + 46, PCTABLES_SCI_IRQ);
	/* SMI_CMD 0: no SMI mode to leave, the machine is in ACPI mode */
	put32(o, a + 56, PCTABLES_PM1A_EVT);
	put32(o, a + 64, PCTABLES_PM1A_CNT);
	/* PM2, PM timer and GPE blocks: none (0), their lengths 0 */
	put8(o, a + 88, 4);                     /* PM1_EVT_LEN */
	put8(o, a + 89, 2);                     /* PM1_CNT_LEN */
	put16(o, a + 96, 101);                  /* P_LVL2_LAT > 100: no C2 */
	put16(o, a + 98, 1001);                 /* P_LVL3_LAT > 1000: no C3 */
	put8(o, a + 108, 0x32);                 /* CENTURY: CMOS index (hv/vdev/rtc.c) */
	/* WBINVD works, C1 (HLT) on every processor, no fixed power or
	 * sleep button */
	put32(o, a + 112, 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5);
	acpi_done(o, a, FADT_LEN);
}

static void build_facs(const struct out *o, const struct pctables_layout *l)
{
	/* no checksum; hardware signature, waking vector, lock, flags all 0 */
	put_bytes(o, l->facs, "FACS", 4);
	put32(o, l->facs + 4, FACS_LEN);
}

/*
 * The DSDT's only AML: Name (_S5, Package () { 5, 5, 0, 0 }), the sleep
 * type values an OS writes to PM1a/PM1b control with SLP_EN to power the
 * machine off (ACPI 7.4.2). ACPI 5.4: NameOp, the name, PackageOp,
 * PkgLength (8: itself and the 7 bytes after it), NumElements 4, two
 * BytePrefix 5, two ZeroOp.
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, PCTABLES_SLP_TYP_S5,
	0x0a, PCTABLES_SLP_TYP_S5, 0x00, 0x00,
};

static void build_dsdt(const struct out *o, const struct pctables_layout *l)
{
	acpi_header(o, l->dsdt, "DSDT", ACPI_HDR_LEN + sizeof(dsdt_aml), 1);
	put_bytes(o, l->dsdt + ACPI_HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	acpi_done(o, l->dsdt, ACPI_HDR_LEN + sizeof(dsdt_aml));
}

static uint32_t madt_override(const struct out *o, uint32_t a, uint8_t irq, uint32_t gsi,
			      uint16_t flags)
{
	put8(o, a, 2);                          /* interrupt source override */
	put8(o, a + 1, 10);
	put8(o, a + 2, 0);                      /* bus: ISA */
	put8(o, a + 3, irq);
	put32(o, a + 4, gsi);
	put16(o, a + 8, flags);
	return a + 10;
}

static void build_madt(const struct out *o, const struct pctables_layout *l)
{
	uint32_t a = l->madt + ACPI_HDR_LEN;
	acpi_header(o, l->madt, "APIC", MADT_LEN, 1);
	put32(o, a, VLAPIC_BASE);
	put32(o, a + 4, MADT_PCAT_COMPAT);      /* the 8259As are there too */
	a += 8;
	put8(o, a, 0);                          /* processor local APIC */
	put8(o, a + 1, 8);
	put8(o, a + 2, 0);                      /* ACPI processor ID */
	put8(o, a + 3, 0);                      /* APIC ID */
	put32(o, a + 4, 1);                     /* enabled */
	a += 8;
	put8(o, a, 1);                          /* I/O APIC */
	put8(o, a + 1, 12);
	put8(o, a + 2, PCTABLES_IOAPIC_ID);
	put32(o, a + 4, VIOAPIC_BASE);
	put32(o, a + 8, 0);                     /* GSI base */
	a += 12;
	a = madt_override(o, a, 0, 2, INTI_HIGH_EDGE);
	a = madt_override(o, a, PCTABLES_SCI_IRQ, PCTABLES_SCI_IRQ, INTI_HIGH_LEVEL);
	put8(o, a, 4);                          /* local APIC NMI */
	put8(o, a + 1, 6);
	put8(o, a + 2, 0xff);                   /* every processor */
	put16(o, a + 3, 0);                     /* flags: as the bus says */
	put8(o, a + 5, 1);                      /* LINT1 */
	acpi_done(o, l->madt, MADT_LEN);
}

static void build_mpfp(const struct out *o, const struct pctables_layout *l)
{
	put_bytes(o, l->mpfp, "_MP_", 4);
	put32(o, l->mpfp + 4, l->mpct);
	put8(o, l->mpfp + 8, 1);                /* length in 16-byte units */
	put8(o, l->mpfp + 9, 4);                /* version 1.4 */
	/* feature byte 1: 0, a configuration table is present; byte 2:
	 * IMCRP clear, virtual wire mode */
	checksum(o, l->mpfp, MPFP_LEN, l->mpfp + 10);
}

/* An I/O (type 3) or local (type 4) interrupt assignment entry. */
static uint32_t mp_int(const struct out *o, uint32_t a, uint8_t type, uint8_t irqtype,
		       uint16_t flags, uint8_t src_irq, uint8_t dst, uint8_t dst_pin)
{
	put8(o, a, type);
	put8(o, a + 1, irqtype);
	put16(o, a + 2, flags);
	put8(o, a + 4, 0);                      /* source bus: ISA */
	put8(o, a + 5, src_irq);
	put8(o, a + 6, dst);
	put8(o, a + 7, dst_pin);
	return a + 8;
}

static void build_mpct(const struct out *o, const struct pctables_layout *l,
		       const struct pctables_cfg *cfg)
{
	uint32_t a = l->mpct;
	put_bytes(o, a, "PCMP", 4);
	put16(o, a + 4, MPCT_LEN);
	put8(o, a + 6, 4);                      /* version 1.4 */
	put_bytes(o, a + 8, "RINGVSR ", 8);     /* OEM ID */
	put_bytes(o, a + 16, "RINGVISOR PC", 12);       /* product ID */
	put16(o, a + 34, MP_ENTRIES);
	put32(o, a + 36, VLAPIC_BASE);
	a += 44;

	put8(o, a, 0);                          /* processor */
	put8(o, a + 1, 0);                      /* APIC ID */
	put8(o, a + 2, (uint8_t)VLAPIC_VERSION);
	put8(o, a + 3, 3);                      /* enabled, bootstrap processor */
	put32(o, a + 4, cfg->cpu_signature);
	put32(o, a + 8, cfg->cpu_features);
	a += 20;

	put8(o, a, 1);                          /* bus 0: ISA */
	put8(o, a + 1, 0);
	put_bytes(o, a + 2, "ISA   ", 6);
	a += 8;

	put8(o, a, 2);                          /* I/O APIC */
	put8(o, a + 1, PCTABLES_IOAPIC_ID);
	put8(o, a + 2, (uint8_t)VIOAPIC_VERSION);
	put8(o, a + 3, 1);                      /* usable */
	put32(o, a + 4, VIOAPIC_BASE);
	a += 8;

	a = mp_int(o, a, 3, MP_EXTINT, 0, 0, PCTABLES_IOAPIC_ID, 0);
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;       /* the cascade: no pin */
		uint16_t flags = irq == PCTABLES_SCI_IRQ ? INTI_HIGH_LEVEL : 0;
		a = mp_int(o, a, 3, MP_INT, flags, irq, PCTABLES_IOAPIC_ID, irq ? irq : 2);
	}
	a = mp_int(o, a, 4, MP_EXTINT, 0, 0, 0xff, 0);  /* every local APIC's LINT0 */
	a = mp_int(o, a, 4, MP_NMI, 0, 0, 0xff, 1);     /* ... and LINT1 */
	checksum(o, l->mpct, MPCT_LEN, l->mpct + 7);
}

int pctables_build(uint8_t *mem, uint32_t base, uint32_t len, const struct pctables_cfg *cfg,
		   struct pctables_layout *out)
{
	uint64_t end = (uint64_t)base + len;
	if (end > (uint64_t)cfg->mem_mib * MiB)
		return -EINVAL;
	uint32_t p = ALIGN_UP(MAX(base, PCTABLES_SCAN_START), 16u);
	if (p + MPFP_LEN + 32 > MIN(end, (uint64_t)PCTABLES_SCAN_END))
		return -EINVAL;         /* the pointers must be where an OS looks */
	struct pctables_layout l = { .mpfp = p, .rsdp = p + MPFP_LEN };
	uint32_t a = l.rsdp + 32;
	l.mpct = a;
	a = ALIGN_UP(a + MPCT_LEN, 16u);
	l.rsdt = a;
	a = ALIGN_UP(a + ACPI_HDR_LEN + 8, 16u);
	l.fadt = a;
	a = ALIGN_UP(a + FADT_LEN, 64u);        /* the FACS is 64-byte aligned */
	l.facs = a;
	a += FACS_LEN;
	l.dsdt = a;
	a = ALIGN_UP(a + ACPI_HDR_LEN + (uint32_t)sizeof(dsdt_aml), 16u);
	l.madt = a;
	l.end = a + MADT_LEN;
	if (l.end > end)
		return -ENOSPC;

	struct out o = { .mem = mem, .base = base };
	memset(at(&o, p), 0, l.end - p);
	build_mpfp(&o, &l);
	build_rsdp(&o, &l);
	build_mpct(&o, &l, cfg);
	build_rsdt(&o, &l);
	build_fadt(&o, &l);
	build_facs(&o, &l);
	build_dsdt(&o, &l);
	build_madt(&o, &l);
	if (out)
		*out = l;
	return 0;
}
