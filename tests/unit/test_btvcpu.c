/*
 * hv/bt/vcpu.c: each privileged instruction against a fake guest (64 KiB
 * of memory with a hole that takes #PF, a port log, a few MSRs), with the
 * results the SDM gives: flags and the virtual IF/IOPL at CPL 0 and 3, the
 * sti shadow, CR0/CR4 checks, descriptor loads, rep ins/outs with DF, iret
 * to the same and to an outer ring, and "nothing changed" on every fault
 * and on instructions not emulated here.
 */
#include "unit.h"

#include <string.h>

#include "../../hv/bt/vcpu.h"

/* ---- the fake guest ---- */

#define MEM_SIZE        0x10000
#define HOLE            0x8000          /* [HOLE, HOLE + 0x1000): not present */
#define CODE            0x1000
#define STACK           0x3000
#define GDT             0x4000

static uint8_t mem[MEM_SIZE];
static struct bt_vcpu v;
static struct bt_exit ex;

static bool absent(uint32_t a)
{
	return a >= MEM_SIZE || (a >= HOLE && a < HOLE + 0x1000);
}

/* A #PF on the first absent byte, with the SDM's error code (W bit). */
static int access(uint32_t lin, unsigned n, bool write, struct bt_fault *f)
{
	for (unsigned i = 0; i < n; i++) {
		if (absent(lin + i)) {
			f->vector = BT_VEC_PF;
			f->has_code = true;
			f->code = write ? 2 : 0;
			f->cr2 = lin + i;
			return -1;
		}
	}
	return 0;
}

static int fk_read(void *o, uint32_t lin, void *buf, unsigned n, struct bt_fault *f)
{
	if (access(lin, n, false, f))
		return -1;
	memcpy(buf, &mem[lin], n);
	return 0;
}

static int fk_write(void *o, uint32_t lin, const void *buf, unsigned n, struct bt_fault *f)
{
	if (access(lin, n, true, f))
		return -1;
	memcpy(&mem[lin], buf, n);
	return 0;
}

/* Ports: 0x60 reads a counter, everything written is logged; 0x99 refuses.
 * pio_wait_after k: the first k accesses go through, then every one
 * answers BT_PIO_WAIT (the device is busy) and changes nothing, not even
 * *val (~0u: never). npio counts the calls, the waiting ones too. */
static struct { uint16_t port; unsigned size; uint32_t val; } outlog[64];
static unsigned nout, npio, pio_wait_after = ~0u;
static uint32_t in_next;

static int fk_pio(void *o, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	if (npio++ >= pio_wait_after)
		return BT_PIO_WAIT;
	if (port == 0x99)
		return -1;
	if (write) {
		outlog[nout].port = port;
		outlog[nout].size = size;
		outlog[nout].val = *val;
		nout++;
	} else {
		*val = in_next++ & (size == 4 ? 0xffffffffu : (1u << size * 8) - 1);
	}
	return 0;
}

static uint64_t msr_c0010000;

static int fk_rdmsr(void *o, uint32_t msr, uint64_t *val)
{
	if (msr != 0xc0010000u)
		return -1;
	*val = msr_c0010000;
	return 0;
}

static int fk_wrmsr(void *o, uint32_t msr, uint64_t val)
{
	if (msr == BT_MSR_APIC_BASE)
		return (val & 0xfffff000u) == 0xfee00000u ? 0 : -1;    /* no relocation */
	if (msr != 0xc0010000u)
		return -1;
	msr_c0010000 = val;
	return 0;
}

static void fk_cpuid(void *o, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	out[0] = leaf * 10 + sub;
	out[1] = 0x756e6547;    /* "Genu" */
	out[2] = 0x6c65746e;
	out[3] = 0x49656e69;
}

static uint64_t host_tsc = 1000000;

static uint64_t fk_rdtsc(void *o)
{
	return host_tsc;
}

static uint32_t last_invlpg, cr3_old, cr3_new, pg_cr0, pg_cr4;
static unsigned ninvlpg, ncr3, npaging;

static void fk_invlpg(void *o, uint32_t lin)
{
	last_invlpg = lin;
	ninvlpg++;
}

static void fk_cr3(void *o, uint32_t old, uint32_t new)
{
	cr3_old = old;
	cr3_new = new;
	ncr3++;
}

static void fk_paging(void *o, uint32_t cr0, uint32_t cr4)
{
	pg_cr0 = cr0;
	pg_cr4 = cr4;
	npaging++;
}

static const struct bt_ops ops = {
	.read = fk_read, .write = fk_write, .pio = fk_pio,
	.rdmsr = fk_rdmsr, .wrmsr = fk_wrmsr, .cpuid = fk_cpuid, .rdtsc = fk_rdtsc,
	.invlpg = fk_invlpg, .cr3_write = fk_cr3, .paging_change = fk_paging,
};

/* Flat descriptors (SDM vol. 3 3.4.5): base, limit, type byte, flags nibble. */
static void gdt_set(unsigned sel, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	uint8_t *d = &mem[GDT + (sel & ~7u)];

	d[0] = limit;
	d[1] = limit >> 8;
	d[2] = base;
	d[3] = base >> 8;
	d[4] = base >> 16;
	d[5] = access;
	d[6] = (flags << 4) | (limit >> 16 & 0xf);
	d[7] = base >> 24;
}

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	bt_vcpu_init(&v);
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	v.seg[BT_CS].sel = 0x08;
	v.seg[BT_SS].sel = v.seg[BT_DS].sel = v.seg[BT_ES].sel = 0x10;
	v.gdtr.base = GDT;
	v.gdtr.limit = 0x3f;
	v.vif = true;
	gdt_set(0x08, 0, 0xfffff, 0x9a, 0xc);   /* kernel code */
	gdt_set(0x10, 0, 0xfffff, 0x92, 0xc);   /* kernel data */
	gdt_set(0x18, 0, 0xfffff, 0xfa, 0xc);   /* user code, DPL 3 */
	gdt_set(0x20, 0, 0xfffff, 0xf2, 0xc);   /* user data, DPL 3 */
	gdt_set(0x28, 0x5000, 0x67, 0x89, 0);   /* available 32-bit TSS */
	gdt_set(0x30, 0x6000, 0xff, 0x82, 0);   /* LDT */
	gdt_set(0x38, 0, 0xfffff, 0x92, 0xc);   /* a second data segment */
	nout = npio = 0;
	pio_wait_after = ~0u;
	in_next = 0x11223344;
	ninvlpg = ncr3 = npaging = 0;
	host_tsc = 1000000;
	return 0;
}

/* Run the instruction given as bytes at the current eip. */
static enum bt_emu run_n(const uint8_t *code, unsigned n)
{
	memcpy(&mem[v.seg[BT_CS].base + v.eip], code, n);
	return bt_emulate_privileged(&v, &ops, &ex);
}
#define RUN(...) ({ static const uint8_t c_[] = { __VA_ARGS__ }; run_n(c_, sizeof(c_)); })

/* A fault: the vector and code given, and the vCPU exactly as before. */
#define EXPECT_FAULT(vec, code_, ...) do {                                     \
		struct bt_vcpu before_ = v;                                    \
		assert_int_equal(RUN(__VA_ARGS__), BT_EMU_FAULT);             \
		assert_int_equal(ex.fault.vector, (vec));                     \
		if ((code_) >= 0)                                              \
			assert_int_equal(ex.fault.code, (uint32_t)(code_));   \
		assert_memory_equal(&before_, &v, sizeof(v));                  \
	} while (0)

static uint32_t rd32(uint32_t a) { uint32_t x; memcpy(&x, &mem[a], 4); return x; }
static uint16_t rd16(uint32_t a) { uint16_t x; memcpy(&x, &mem[a], 2); return x; }
static void wr32(uint32_t a, uint32_t x) { memcpy(&mem[a], &x, 4); }
static void wr16(uint32_t a, uint16_t x) { memcpy(&mem[a], &x, 2); }

/* ---- cli, sti, hlt ---- */

static void test_cli_sti_shadow(void **state)
{
	assert_int_equal(RUN(0xfa), BT_EMU_DONE);              /* cli */
	assert_false(v.vif);
	assert_int_equal(v.eip, CODE + 1);
	assert_int_equal(v.eflags & BT_FL_IF, 0);              /* real flags untouched */

	assert_int_equal(RUN(0xfb), BT_EMU_DONE);              /* sti: IF 0 -> 1 */
	assert_true(v.vif);
	assert_true(v.sti_shadow);
	assert_true(ex.events & BT_EV_STI_SHADOW);

	/* The next instruction ends the shadow; an sti with IF already set
	 * starts none (SDM STI: "if IF = 0 prior to STI"). */
	assert_int_equal(RUN(0xfb), BT_EMU_DONE);
	assert_false(v.sti_shadow);
	assert_false(ex.events & BT_EV_STI_SHADOW);

	/* At CPL 3 with IOPL 0: #GP(0), IF unchanged. */
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xfa);
	v.viopl = 3;
	assert_int_equal(RUN(0xfa), BT_EMU_DONE);
	assert_false(v.vif);
}

static void test_hlt(void **state)
{
	assert_int_equal(RUN(0xf4), BT_EMU_HALT);
	assert_int_equal(v.eip, CODE + 1);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xf4);
}

static void test_lock_is_ud(void **state)
{
	EXPECT_FAULT(BT_VEC_UD, -1, 0xf0, 0x0f, 0x01, 0x10);   /* lock lgdt [eax] */
}

/* ---- descriptor tables ---- */

static void test_lgdt_lidt_sgdt_sidt(void **state)
{
	/* 6 bytes at 0x2000: limit 0x1234, base 0xc1234567 */
	static const uint8_t m[6] = { 0x34, 0x12, 0x67, 0x45, 0x23, 0xc1 };

	memcpy(&mem[0x2000], m, 6);
	v.gpr[BT_EAX] = 0x2000;
	assert_int_equal(RUN(0x0f, 0x01, 0x10), BT_EMU_DONE);   /* lgdt [eax] */
	assert_int_equal(v.gdtr.base, 0xc1234567);
	assert_int_equal(v.gdtr.limit, 0x1234);
	assert_int_equal(v.eip, CODE + 3);
	assert_true(ex.events & BT_EV_DESC);

	/* 16-bit operand: a 24-bit base (SDM LGDT). */
	assert_int_equal(RUN(0x66, 0x0f, 0x01, 0x18), BT_EMU_DONE); /* o16 lidt [eax] */
	assert_int_equal(v.idtr.base, 0x234567);
	assert_int_equal(v.idtr.limit, 0x1234);

	/* sgdt [ebx+8], sidt [disp32]: limit then the 32-bit base. */
	v.gpr[BT_EBX] = 0x2100;
	assert_int_equal(RUN(0x0f, 0x01, 0x43, 0x08), BT_EMU_DONE);
	assert_int_equal(rd16(0x2108), 0x1234);
	assert_int_equal(rd32(0x210a), 0xc1234567);
	assert_int_equal(RUN(0x0f, 0x01, 0x0d, 0x00, 0x22, 0x00, 0x00), BT_EMU_DONE);
	assert_int_equal(rd16(0x2200), 0x1234);
	assert_int_equal(rd32(0x2202), 0x234567);
	assert_int_equal(v.eip, CODE + 3 + 4 + 4 + 7);

	/* A DS base counts; a segment override too. */
	v.seg[BT_FS].base = 0x100;
	assert_int_equal(RUN(0x64, 0x0f, 0x01, 0x03), BT_EMU_DONE); /* sgdt fs:[ebx] */
	assert_int_equal(rd16(0x2200), 0x1234);
	assert_int_equal(rd32(0x2202), 0xc1234567);

	/* lgdt at CPL 3: #GP(0); sgdt is not privileged; register form: not ours. */
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x01, 0x10);
	assert_int_equal(RUN(0x0f, 0x01, 0x03), BT_EMU_DONE);
	/* The register forms (vmcall, vmrun, clgi, monitor, swapgs, rdtscp):
	 * none is in a bt guest's CPUID, so #UD whatever the ring. */
	struct bt_vcpu before = v;
	EXPECT_FAULT(BT_VEC_UD, 0, 0x0f, 0x01, 0xc1);                /* vmcall */
	EXPECT_FAULT(BT_VEC_UD, 0, 0x0f, 0x01, 0xd8);                /* vmrun */
	EXPECT_FAULT(BT_VEC_UD, 0, 0x0f, 0x01, 0xdd);                /* clgi */
	assert_memory_equal(&before, &v, sizeof(v));
}

static void test_lldt_ltr_sldt_str(void **state)
{
	v.gpr[BT_EAX] = 0x30;
	assert_int_equal(RUN(0x0f, 0x00, 0xd0), BT_EMU_DONE);   /* lldt ax */
	assert_int_equal(v.ldtr.sel, 0x30);
	assert_int_equal(v.ldtr.base, 0x6000);
	assert_int_equal(v.ldtr.limit, 0xff);
	assert_int_equal(v.ldtr.attr & 0x9f, 0x82);

	wr16(0x2000, 0x28);
	v.gpr[BT_ESI] = 0x2000;
	assert_int_equal(RUN(0x0f, 0x00, 0x1e), BT_EMU_DONE);   /* ltr [esi] */
	assert_int_equal(v.tr.sel, 0x28);
	assert_int_equal(v.tr.base, 0x5000);
	assert_int_equal(v.tr.limit, 0x67);
	assert_int_equal(v.tr.attr & 0xf, 0xb);                 /* busy */
	assert_int_equal(mem[GDT + 0x28 + 5], 0x8b);            /* busy in the GDT too */

	/* A busy TSS cannot be loaded again; a data segment is not a TSS. */
	EXPECT_FAULT(BT_VEC_GP, 0x28, 0x0f, 0x00, 0x1e);
	v.gpr[BT_EAX] = 0x13;                                   /* 0x10, RPL 3 */
	EXPECT_FAULT(BT_VEC_GP, 0x10, 0x0f, 0x00, 0xd8);        /* ltr ax */
	EXPECT_FAULT(BT_VEC_GP, 0x10, 0x0f, 0x00, 0xd0);        /* lldt ax */
	v.gpr[BT_EAX] = 0x40;                                   /* past the limit */
	EXPECT_FAULT(BT_VEC_GP, 0x40, 0x0f, 0x00, 0xd0);
	v.gpr[BT_EAX] = 0;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x00, 0xd8);           /* ltr null */
	gdt_set(0x38, 0x7000, 0x67, 0x09, 0);                   /* TSS, not present */
	v.gpr[BT_EAX] = 0x38;
	EXPECT_FAULT(BT_VEC_NP, 0x38, 0x0f, 0x00, 0xd8);

	/* sldt/str: r32 zero-extended, r16 keeps the high half, m16. */
	v.gpr[BT_EBX] = 0xdeadbeef;
	assert_int_equal(RUN(0x0f, 0x00, 0xc3), BT_EMU_DONE);   /* sldt ebx */
	assert_int_equal(v.gpr[BT_EBX], 0x30);
	v.gpr[BT_EBX] = 0xdeadbeef;
	assert_int_equal(RUN(0x66, 0x0f, 0x00, 0xcb), BT_EMU_DONE); /* str bx */
	assert_int_equal(v.gpr[BT_EBX], 0xdead0028);
	wr32(0x2300, 0xffffffff);
	v.gpr[BT_EDI] = 0x2300;
	assert_int_equal(RUN(0x0f, 0x00, 0x0f), BT_EMU_DONE);   /* str [edi] */
	assert_int_equal(rd32(0x2300), 0xffff0028);

	/* lldt 0: an unusable LDT */
	v.gpr[BT_EAX] = 0;
	assert_int_equal(RUN(0x0f, 0x00, 0xd0), BT_EMU_DONE);
	assert_int_equal(v.ldtr.sel, 0);
	assert_int_equal(v.ldtr.attr, 0);
}

/* ---- control registers ---- */

static void test_smsw_lmsw_clts(void **state)
{
	v.cr0 = BT_CR0_PG | BT_CR0_WP | BT_CR0_ET | BT_CR0_TS | BT_CR0_PE;
	v.gpr[BT_EAX] = 0xdeadbeef;
	assert_int_equal(RUN(0x0f, 0x01, 0xe0), BT_EMU_DONE);   /* smsw eax */
	assert_int_equal(v.gpr[BT_EAX], v.cr0);
	v.gpr[BT_EAX] = 0xdeadbeef;
	assert_int_equal(RUN(0x66, 0x0f, 0x01, 0xe0), BT_EMU_DONE); /* smsw ax */
	assert_int_equal(v.gpr[BT_EAX], 0xdead0019);

	/* lmsw loads PE MP EM TS only and cannot clear PE. */
	v.gpr[BT_EAX] = 0xfff2;                                 /* MP, no PE, no TS */
	assert_int_equal(RUN(0x0f, 0x01, 0xf0), BT_EMU_DONE);
	assert_int_equal(v.cr0, BT_CR0_PG | BT_CR0_WP | BT_CR0_ET | BT_CR0_MP | BT_CR0_PE);

	v.cr0 |= BT_CR0_TS;
	assert_int_equal(RUN(0x0f, 0x06), BT_EMU_DONE);         /* clts */
	assert_int_equal(v.cr0 & BT_CR0_TS, 0);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x06);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x01, 0xf0);
	assert_int_equal(RUN(0x0f, 0x01, 0xe0), BT_EMU_DONE);   /* smsw: any CPL */
}

static void test_mov_cr(void **state)
{
	/* Paging on: PG|PE, reported once. */
	v.gpr[BT_EAX] = BT_CR0_PG | BT_CR0_PE | BT_CR0_WP;
	assert_int_equal(RUN(0x0f, 0x22, 0xc0), BT_EMU_DONE);   /* mov cr0, eax */
	assert_int_equal(v.cr0, BT_CR0_PG | BT_CR0_PE | BT_CR0_WP | BT_CR0_ET);
	assert_true(ex.events & BT_EV_PAGING);
	assert_int_equal(npaging, 1);
	assert_int_equal(pg_cr0, v.cr0);

	/* TS alone: no paging change */
	v.gpr[BT_EAX] = v.cr0 | BT_CR0_TS;
	assert_int_equal(RUN(0x0f, 0x22, 0xc0), BT_EMU_DONE);
	assert_false(ex.events & BT_EV_PAGING);
	assert_int_equal(npaging, 1);

	/* PG without PE, NW without CD: #GP(0), CR0 unchanged. */
	v.gpr[BT_EAX] = BT_CR0_PG;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x22, 0xc0);
	v.gpr[BT_EAX] = BT_CR0_PE | BT_CR0_NW;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x22, 0xc0);

	/* CR3: reported with old and new values, even when unchanged. */
	v.cr3 = 0x1000;
	v.gpr[BT_EDX] = 0x5000;
	assert_int_equal(RUN(0x0f, 0x22, 0xda), BT_EMU_DONE);   /* mov cr3, edx */
	assert_int_equal(v.cr3, 0x5000);
	assert_true(ex.events & BT_EV_CR3);
	assert_int_equal(cr3_old, 0x1000);
	assert_int_equal(cr3_new, 0x5000);
	assert_int_equal(RUN(0x0f, 0x22, 0xda), BT_EMU_DONE);
	assert_int_equal(ncr3, 2);

	/* CR4: PAE reported; reserved bits (12 LA57, 18 OSXSAVE unless allowed) #GP. */
	v.gpr[BT_ECX] = BT_CR4_PAE | BT_CR4_PGE;
	assert_int_equal(RUN(0x0f, 0x22, 0xe1), BT_EMU_DONE);   /* mov cr4, ecx */
	assert_int_equal(v.cr4, BT_CR4_PAE | BT_CR4_PGE);
	assert_int_equal(npaging, 2);
	assert_int_equal(pg_cr4, BT_CR4_PAE | BT_CR4_PGE);
	v.gpr[BT_ECX] = BT_CR4_PAE | (1u << 12);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x22, 0xe1);
	v.gpr[BT_ECX] = 1u << 18;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x22, 0xe1);
	v.cr4_valid |= 1u << 18;
	assert_int_equal(RUN(0x0f, 0x22, 0xe1), BT_EMU_DONE);
	assert_int_equal(npaging, 3);                           /* PAE, PGE went off */

	/* Reads: mov esi, cr2 / cr4 / cr0. */
	v.cr2 = 0xc0001234;
	assert_int_equal(RUN(0x0f, 0x20, 0xd6), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESI], 0xc0001234);
	assert_int_equal(RUN(0x0f, 0x20, 0xe6), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESI], 1u << 18);
	/* mov eax, cr2 (reg 2 -> cr2, rm 0 -> eax) then cr2 <- ebx */
	v.gpr[BT_EBX] = 0x77;
	assert_int_equal(RUN(0x0f, 0x22, 0xd3), BT_EMU_DONE);
	assert_int_equal(v.cr2, 0x77);

	/* CR1, CR5: #UD; CPL 3: #GP(0). */
	EXPECT_FAULT(BT_VEC_UD, -1, 0x0f, 0x20, 0xc8);
	EXPECT_FAULT(BT_VEC_UD, -1, 0x0f, 0x22, 0xe8);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x20, 0xd8);
}

static void test_mov_dr(void **state)
{
	v.gpr[BT_EAX] = 0xc0100000;
	assert_int_equal(RUN(0x0f, 0x23, 0xc0), BT_EMU_DONE);   /* mov dr0, eax */
	assert_int_equal(v.dr[0], 0xc0100000);
	assert_int_equal(RUN(0x0f, 0x21, 0xc3), BT_EMU_DONE);   /* mov ebx, dr0 */
	assert_int_equal(v.gpr[BT_EBX], 0xc0100000);

	/* DR7: bit 10 reads 1, bits 11, 12, 14, 15 read 0. DR6: 0xffff0ff0 set. */
	v.gpr[BT_EAX] = 0x0000f803;
	assert_int_equal(RUN(0x0f, 0x23, 0xf8), BT_EMU_DONE);   /* mov dr7, eax */
	assert_int_equal(v.dr[7], 0x00002403);
	v.gpr[BT_EAX] = 0;
	assert_int_equal(RUN(0x0f, 0x23, 0xf0), BT_EMU_DONE);   /* mov dr6, eax */
	assert_int_equal(v.dr[6], 0xffff0ff0);

	/* DR4/DR5 alias DR6/DR7 while CR4.DE = 0, #UD with DE. */
	assert_int_equal(RUN(0x0f, 0x21, 0xea), BT_EMU_DONE);   /* mov edx, dr5 */
	assert_int_equal(v.gpr[BT_EDX], 0x00002403);
	v.cr4 = BT_CR4_DE;
	EXPECT_FAULT(BT_VEC_UD, -1, 0x0f, 0x21, 0xea);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x21, 0xc3);
}

static void test_invlpg_wbinvd_invd(void **state)
{
	v.gpr[BT_EAX] = 0xc0000000;
	v.seg[BT_DS].base = 0x10;
	assert_int_equal(RUN(0x0f, 0x01, 0x78, 0x20), BT_EMU_DONE); /* invlpg [eax+0x20] */
	assert_true(ex.events & BT_EV_INVLPG);
	assert_int_equal(ex.linear, 0xc0000030);
	assert_int_equal(last_invlpg, 0xc0000030);
	assert_int_equal(ninvlpg, 1);
	assert_int_equal(v.eip, CODE + 4);

	/* 16-bit addressing: [bp+si] defaults to SS */
	v.seg[BT_SS].base = 0x100000;
	v.gpr[BT_EBP] = 0x1fff0;
	v.gpr[BT_ESI] = 0x20;
	assert_int_equal(RUN(0x67, 0x0f, 0x01, 0x3a), BT_EMU_DONE);
	assert_int_equal(last_invlpg, 0x100010);                /* (0xfff0 + 0x20) & 0xffff */

	assert_int_equal(RUN(0x0f, 0x09), BT_EMU_DONE);         /* wbinvd */
	assert_int_equal(RUN(0x0f, 0x08), BT_EMU_DONE);         /* invd */
	EXPECT_FAULT(BT_VEC_UD, -1, 0xf0, 0x0f, 0x09);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x09);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x01, 0x38);
	assert_int_equal(ninvlpg, 2);
}

/* ---- MSRs, TSC, CPUID ---- */

static void test_msr(void **state)
{
	v.gpr[BT_ECX] = BT_MSR_SYSENTER_EIP;
	v.gpr[BT_EAX] = 0xc0101234;
	v.gpr[BT_EDX] = 0;
	assert_int_equal(RUN(0x0f, 0x30), BT_EMU_DONE);         /* wrmsr */
	assert_int_equal(v.sysenter_eip, 0xc0101234);
	v.gpr[BT_EAX] = v.gpr[BT_EDX] = 0x5a5a5a5a;
	assert_int_equal(RUN(0x0f, 0x32), BT_EMU_DONE);         /* rdmsr */
	assert_int_equal(v.gpr[BT_EAX], 0xc0101234);
	assert_int_equal(v.gpr[BT_EDX], 0);

	/* PAT: reset value; type 2 is reserved (#GP). */
	v.gpr[BT_ECX] = BT_MSR_PAT;
	assert_int_equal(RUN(0x0f, 0x32), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_EAX], 0x00070406);
	assert_int_equal(v.gpr[BT_EDX], 0x00070406);
	v.gpr[BT_EAX] = 0x00070402;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x30);

	/* EFER: NXE (a paging change) and SCE; LME #GP. */
	v.gpr[BT_ECX] = BT_MSR_EFER;
	v.gpr[BT_EAX] = 1u << 11;
	v.gpr[BT_EDX] = 0;
	assert_int_equal(RUN(0x0f, 0x30), BT_EMU_DONE);
	assert_int_equal(v.efer, 1u << 11);
	assert_true(ex.events & BT_EV_PAGING);
	v.gpr[BT_EAX] = 1u << 8;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x30);
	/* SCE is kept (no paging change). */
	v.gpr[BT_EAX] = (1u << 11) | 1;
	assert_int_equal(RUN(0x0f, 0x30), BT_EMU_DONE);
	assert_int_equal(v.efer, (1u << 11) | 1);
	assert_false(ex.events & BT_EV_PAGING);

	/* APIC base: the APIC model refuses a move. */
	v.gpr[BT_ECX] = BT_MSR_APIC_BASE;
	v.gpr[BT_EAX] = 0xfec00900;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x30);
	assert_int_equal(RUN(0x0f, 0x32), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_EAX], 0xfee00900);

	/* Others: the callback; refused ones #GP(0). */
	v.gpr[BT_ECX] = 0xc0010000;
	v.gpr[BT_EAX] = 0x1;
	v.gpr[BT_EDX] = 0x2;
	assert_int_equal(RUN(0x0f, 0x30), BT_EMU_DONE);
	assert_int_equal(msr_c0010000, 0x200000001ull);
	v.gpr[BT_ECX] = 0xc0010001;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x32);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x30);
	v.gpr[BT_ECX] = BT_MSR_SYSENTER_CS;
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x32);
}

static void test_tsc(void **state)
{
	/* wrmsr TSC sets the offset: the guest then reads its own count on. */
	v.gpr[BT_ECX] = BT_MSR_TSC;
	v.gpr[BT_EAX] = 0;
	v.gpr[BT_EDX] = 1;                                      /* 0x100000000 */
	assert_int_equal(RUN(0x0f, 0x30), BT_EMU_DONE);
	host_tsc += 500;
	assert_int_equal(RUN(0x0f, 0x31), BT_EMU_DONE);         /* rdtsc */
	assert_int_equal(v.gpr[BT_EAX], 500);
	assert_int_equal(v.gpr[BT_EDX], 1);

	/* CR4.TSD: #GP at CPL 3 only */
	v.cr4 = BT_CR4_TSD;
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x31);
	v.cr4 = 0;
	assert_int_equal(RUN(0x0f, 0x31), BT_EMU_DONE);
}

static void test_cpuid(void **state)
{
	v.gpr[BT_EAX] = 4;
	v.gpr[BT_ECX] = 2;
	assert_int_equal(RUN(0x0f, 0xa2), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_EAX], 42);
	assert_int_equal(v.gpr[BT_EBX], 0x756e6547);
	assert_int_equal(v.gpr[BT_ECX], 0x6c65746e);
	assert_int_equal(v.gpr[BT_EDX], 0x49656e69);
	assert_int_equal(v.eip, CODE + 2);
}

/* ---- ports ---- */

static void test_in_out(void **state)
{
	v.gpr[BT_EAX] = 0xaabbccdd;
	v.gpr[BT_EDX] = 0x3f8;
	assert_int_equal(RUN(0xee), BT_EMU_DONE);               /* out dx, al */
	assert_int_equal(RUN(0x66, 0xef), BT_EMU_DONE);         /* out dx, ax */
	assert_int_equal(RUN(0xe7, 0x80), BT_EMU_DONE);         /* out 0x80, eax */
	assert_int_equal(nout, 3);
	assert_int_equal(outlog[0].port, 0x3f8);
	assert_int_equal(outlog[0].size, 1);
	assert_int_equal(outlog[0].val, 0xdd);
	assert_int_equal(outlog[1].size, 2);
	assert_int_equal(outlog[1].val, 0xccdd);
	assert_int_equal(outlog[2].port, 0x80);
	assert_int_equal(outlog[2].size, 4);
	assert_int_equal(outlog[2].val, 0xaabbccdd);

	in_next = 0x11223344;
	assert_int_equal(RUN(0xe4, 0x60), BT_EMU_DONE);         /* in al, 0x60 */
	assert_int_equal(v.gpr[BT_EAX], 0xaabbcc44);
	assert_int_equal(RUN(0x66, 0xed), BT_EMU_DONE);         /* in ax, dx */
	assert_int_equal(v.gpr[BT_EAX], 0xaabb3345);
	assert_int_equal(RUN(0xed), BT_EMU_DONE);               /* in eax, dx */
	assert_int_equal(v.gpr[BT_EAX], 0x11223346);
	assert_int_equal(v.eip, CODE + 1 + 2 + 2 + 2 + 2 + 1);

	/* A refusing port, and CPL 3 above IOPL: #GP(0). */
	v.gpr[BT_EDX] = 0x99;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xec);
	v.gpr[BT_EDX] = 0x3f8;
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xee);
	v.viopl = 3;
	assert_int_equal(RUN(0xee), BT_EMU_DONE);
}

static void test_rep_outsb_df(void **state)
{
	/* std; rep outsb from 0x2004 down: bytes 5 4 3 2 1 (SDM OUTS, DF = 1). */
	for (unsigned i = 0; i < 5; i++)
		mem[0x2000 + i] = i + 1;
	v.eflags |= BT_FL_DF;
	v.gpr[BT_ESI] = 0x2004;
	v.gpr[BT_ECX] = 5;
	v.gpr[BT_EDX] = 0xe9;
	assert_int_equal(RUN(0xf3, 0x6e), BT_EMU_DONE);
	assert_int_equal(nout, 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(outlog[i].port, 0xe9);
		assert_int_equal(outlog[i].val, 5 - i);
	}
	assert_int_equal(v.gpr[BT_ESI], 0x1fff);
	assert_int_equal(v.gpr[BT_ECX], 0);
	assert_int_equal(v.eip, CODE + 2);

	/* ECX = 0: nothing at all. */
	assert_int_equal(RUN(0xf3, 0x6e), BT_EMU_DONE);
	assert_int_equal(nout, 5);

	/* cld; outsw without rep, 16-bit address: SI wraps, CX untouched. */
	v.eflags &= ~BT_FL_DF;
	v.gpr[BT_ESI] = 0xabcd0010;
	v.gpr[BT_ECX] = 7;
	wr16(0x10, 0xbeef);
	assert_int_equal(RUN(0x66, 0x67, 0x6f), BT_EMU_DONE);
	assert_int_equal(outlog[5].size, 2);
	assert_int_equal(outlog[5].val, 0xbeef);
	assert_int_equal(v.gpr[BT_ESI], 0xabcd0012);
	assert_int_equal(v.gpr[BT_ECX], 7);
}

/* BT_PIO_WAIT: in and out are not done, EIP and registers as they were,
 * and run again once the device takes it. */
static void test_in_out_wait(void **state)
{
	v.gpr[BT_EAX] = 0xaabbccdd;
	v.gpr[BT_EDX] = 0x3f8;
	pio_wait_after = 0;

	static const struct { unsigned len; uint8_t b[2]; } waits[] = {
		{ 1, { 0xee } },                /* out dx, al */
		{ 2, { 0x66, 0xef } },          /* out dx, ax */
		{ 2, { 0xe6, 0xe9 } },          /* out 0xe9, al */
		{ 1, { 0xec } },                /* in al, dx */
		{ 2, { 0x66, 0xed } },          /* in ax, dx */
		{ 2, { 0xe5, 0x60 } },          /* in eax, 0x60 */
	};
	for (unsigned i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		struct bt_vcpu before = v;

		npio = 0;
		assert_int_equal(run_n(waits[i].b, waits[i].len), BT_EMU_CONTINUE);
		assert_int_equal(npio, 1);              /* it was asked, and said wait */
		assert_memory_equal(&before, &v, sizeof(v));
		assert_int_equal(ex.events, 0);
	}
	assert_int_equal(nout, 0);
	assert_int_equal(in_next, 0x11223344);

	/* The device ready again: the same out and in complete. */
	pio_wait_after = ~0u;
	assert_int_equal(RUN(0xee), BT_EMU_DONE);
	assert_int_equal(nout, 1);
	assert_int_equal(outlog[0].val, 0xdd);
	assert_int_equal(v.eip, CODE + 1);
	assert_int_equal(RUN(0xec), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_EAX], 0xaabbcc44);
	assert_int_equal(v.eip, CODE + 2);

	/* The privilege check comes first: CPL 3 above IOPL is #GP(0), the
	 * device is not asked. */
	pio_wait_after = 0;
	npio = 0;
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xee);
	assert_int_equal(npio, 0);
}

/* A rep outsb the device stops after k bytes: BT_EMU_CONTINUE with ECX
 * and ESI counting the k done only, EIP on the instruction; run again, it
 * goes on from there. */
static void test_rep_outsb_wait(void **state)
{
	for (unsigned i = 0; i < 8; i++)
		mem[0x2000 + i] = 0x41 + i;
	v.gpr[BT_ESI] = 0x2000;
	v.gpr[BT_ECX] = 8;
	v.gpr[BT_EDX] = 0x3f8;
	v.gpr[BT_EAX] = 0x12345678;
	v.gpr[BT_EDI] = 0x4444;

	/* 3 go out, the 4th waits. */
	pio_wait_after = 3;
	struct bt_vcpu before = v;
	assert_int_equal(RUN(0xf3, 0x6e), BT_EMU_CONTINUE);
	assert_int_equal(nout, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(outlog[i].port, 0x3f8);
		assert_int_equal(outlog[i].size, 1);
		assert_int_equal(outlog[i].val, 0x41 + i);
	}
	assert_int_equal(v.gpr[BT_ESI], 0x2003);
	assert_int_equal(v.gpr[BT_ECX], 5);
	assert_int_equal(v.eip, CODE);
	/* nothing else moved */
	before.gpr[BT_ESI] = v.gpr[BT_ESI];
	before.gpr[BT_ECX] = v.gpr[BT_ECX];
	assert_memory_equal(&before, &v, sizeof(v));

	/* Still busy: the very first iteration waits, nothing at all changes. */
	npio = 0;
	pio_wait_after = 0;
	before = v;
	assert_int_equal(RUN(0xf3, 0x6e), BT_EMU_CONTINUE);
	assert_int_equal(nout, 3);
	assert_memory_equal(&before, &v, sizeof(v));

	/* Ready: the other 5 complete, in order, and EIP moves on. */
	pio_wait_after = ~0u;
	assert_int_equal(RUN(0xf3, 0x6e), BT_EMU_DONE);
	assert_int_equal(nout, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(outlog[i].val, 0x41 + i);
	assert_int_equal(v.gpr[BT_ESI], 0x2008);
	assert_int_equal(v.gpr[BT_ECX], 0);
	assert_int_equal(v.eip, CODE + 2);

	/* With DF and a 16-bit address size (CX/SI): 2 of 4 go, the high
	 * halves of ECX and ESI untouched. */
	v.eip = CODE;
	v.eflags |= BT_FL_DF;
	v.gpr[BT_ESI] = 0xabcd2007;
	v.gpr[BT_ECX] = 0x55550004;
	npio = 0;
	pio_wait_after = 2;
	assert_int_equal(RUN(0x67, 0xf3, 0x6e), BT_EMU_CONTINUE);
	assert_int_equal(nout, 10);
	assert_int_equal(outlog[8].val, 0x48);
	assert_int_equal(outlog[9].val, 0x47);
	assert_int_equal(v.gpr[BT_ESI], 0xabcd2005);
	assert_int_equal(v.gpr[BT_ECX], 0x55550002);
	assert_int_equal(v.eip, CODE);

	/* outsb without rep waiting: nothing done, ESI as it was. */
	v.eflags &= ~BT_FL_DF;
	v.gpr[BT_ESI] = 0x2000;
	npio = 0;
	pio_wait_after = 0;
	before = v;
	assert_int_equal(RUN(0x6e), BT_EMU_CONTINUE);
	assert_int_equal(npio, 1);
	assert_memory_equal(&before, &v, sizeof(v));
	assert_int_equal(nout, 10);
}

static void test_rep_insd_fault(void **state)
{
	/* rep insd into the page before the hole: two dwords fit, the third
	 * takes #PF with the iterations done kept (as on hardware). */
	v.gpr[BT_EDI] = HOLE - 8;
	v.gpr[BT_ECX] = 4;
	v.gpr[BT_EDX] = 0x1f0;
	in_next = 100;
	assert_int_equal(RUN(0xf3, 0x6d), BT_EMU_FAULT);
	assert_int_equal(ex.fault.vector, BT_VEC_PF);
	assert_int_equal(ex.fault.code, 2);
	assert_int_equal(ex.fault.cr2, HOLE);
	assert_int_equal(rd32(HOLE - 8), 100);
	assert_int_equal(rd32(HOLE - 4), 101);
	assert_int_equal(v.gpr[BT_EDI], HOLE);
	assert_int_equal(v.gpr[BT_ECX], 2);
	assert_int_equal(v.eip, CODE);                          /* to be restarted */
}

/* ---- flags ---- */

static void test_pushf_virtual_flags(void **state)
{
	/* The real flags have IF clear and IOPL 0: pushf shows the virtual ones. */
	v.eflags = BT_FL_FIXED1 | BT_FL_CF | BT_FL_ZF | BT_FL_RF;
	v.vif = true;
	v.viopl = 2;
	assert_int_equal(RUN(0x9c), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);
	/* CF ZF IF IOPL=2 and bit 1; RF never in the image */
	assert_int_equal(rd32(STACK - 4), 0x2243);
	assert_int_equal(v.eflags & BT_FL_RF, 0);

	/* 16-bit pushf: two bytes */
	wr32(STACK - 8, 0xffffffff);
	v.vif = false;
	assert_int_equal(RUN(0x66, 0x9c), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESP], STACK - 6);
	assert_int_equal(rd16(STACK - 6), 0x2043);
	assert_int_equal(rd16(STACK - 4), 0x2243);              /* untouched above */
}

static void test_popf_cpl0(void **state)
{
	/* At CPL 0 popf loads IF and IOPL; VM and VIF/VIP stay. */
	wr32(STACK, BT_FL_IF | (3u << 12) | BT_FL_DF | BT_FL_VM | BT_FL_VIF | BT_FL_AC | BT_FL_CF);
	v.vif = false;
	v.viopl = 0;
	assert_int_equal(RUN(0x9d), BT_EMU_DONE);
	assert_true(v.vif);
	assert_int_equal(v.viopl, 3);
	assert_int_equal(v.eflags, BT_FL_FIXED1 | BT_FL_DF | BT_FL_AC | BT_FL_CF);
	assert_int_equal(v.gpr[BT_ESP], STACK + 4);
	assert_int_equal(bt_vcpu_flags(&v), 0x43603);

	/* 16-bit: the low half only, AC kept, IF and IOPL from it. */
	wr16(STACK + 4, 0x0001 << 6);                           /* ZF only */
	assert_int_equal(RUN(0x66, 0x9d), BT_EMU_DONE);
	assert_false(v.vif);
	assert_int_equal(v.viopl, 0);
	assert_int_equal(v.eflags, BT_FL_FIXED1 | BT_FL_ZF | BT_FL_AC);
	assert_int_equal(v.gpr[BT_ESP], STACK + 6);
}

static void test_popf_cpl3(void **state)
{
	/* CPL 3, IOPL 0: IF and IOPL silently kept (no fault), the rest loads. */
	v.cpl = 3;
	v.vif = true;
	v.viopl = 0;
	wr32(STACK, BT_FL_CF | (3u << 12));                     /* IF 0, IOPL 3 */
	assert_int_equal(RUN(0x9d), BT_EMU_DONE);
	assert_true(v.vif);
	assert_int_equal(v.viopl, 0);
	assert_int_equal(v.eflags & BT_FL_CF, BT_FL_CF);

	/* CPL 3, IOPL 3: IF changes, IOPL still not. */
	v.viopl = 3;
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0);
	assert_int_equal(RUN(0x9d), BT_EMU_DONE);
	assert_false(v.vif);
	assert_int_equal(v.viopl, 3);
	assert_int_equal(v.eflags & BT_FL_CF, 0);
}

/* ---- iret ---- */

static void test_iret_same_ring(void **state)
{
	/* The frame an interrupt in the guest kernel pushed: eip, cs, eflags. */
	wr32(STACK, 0xc0105678);
	wr32(STACK + 4, 0x08);
	wr32(STACK + 8, BT_FL_IF | BT_FL_FIXED1 | BT_FL_SF);
	v.vif = false;
	assert_int_equal(RUN(0xcf), BT_EMU_DONE);
	assert_int_equal(v.eip, 0xc0105678);
	assert_true(v.vif);                                     /* restored */
	assert_int_equal(v.eflags, BT_FL_FIXED1 | BT_FL_SF);
	assert_int_equal(v.gpr[BT_ESP], STACK + 12);
	assert_int_equal(v.cpl, 0);

	/* 16-bit iret: 2-byte slots; eip zero-extended. */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	wr16(STACK, 0x1234);
	wr16(STACK + 2, 0x08);
	wr16(STACK + 4, BT_FL_FIXED1);
	assert_int_equal(RUN(0x66, 0xcf), BT_EMU_DONE);
	assert_int_equal(v.eip, 0x1234);
	assert_false(v.vif);
	assert_int_equal(v.gpr[BT_ESP], STACK + 6);

	/* A different kernel CS is loaded from the GDT; a data selector: #GP(sel). */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0x2000);
	wr32(STACK + 4, 0x10);
	wr32(STACK + 8, BT_FL_FIXED1);
	EXPECT_FAULT(BT_VEC_GP, 0x10, 0xcf);
	/* NT set: a task return, not emulated */
	v.eflags |= BT_FL_NT;
	struct bt_vcpu before = v;
	assert_int_equal(RUN(0xcf), BT_EMU_UNHANDLED);
	assert_memory_equal(&before, &v, sizeof(v));
}

static void test_iret_to_ring3(void **state)
{
	/* eip, cs 0x1b, eflags, esp, ss 0x23 (SDM IRET, return to outer level) */
	wr32(STACK, 0x08048000);
	wr32(STACK + 4, 0x1b);
	wr32(STACK + 8, BT_FL_IF | BT_FL_FIXED1);
	wr32(STACK + 12, 0xbffff000);
	wr32(STACK + 16, 0x23);
	v.vif = false;
	v.seg[BT_FS].sel = 0x38;                                /* DPL 0 data: nulled */
	v.seg[BT_FS].base = 0x1000;
	v.seg[BT_GS].sel = 0x23;                                /* DPL 3: kept */
	v.seg[BT_GS].attr = 0xf3 | BT_ATTR_DB | BT_ATTR_G;
	assert_int_equal(RUN(0xcf), BT_EMU_PRIV);
	assert_int_equal(ex.priv.cpl, 3);
	assert_int_equal(ex.priv.cs, 0x1b);
	assert_int_equal(ex.priv.eip, 0x08048000);
	assert_int_equal(ex.priv.ss, 0x23);
	assert_int_equal(ex.priv.esp, 0xbffff000);
	assert_int_equal(v.cpl, 3);
	assert_int_equal(v.eip, 0x08048000);
	assert_int_equal(v.gpr[BT_ESP], 0xbffff000);
	assert_int_equal(v.seg[BT_CS].sel, 0x1b);
	assert_int_equal((v.seg[BT_CS].attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT, 3);
	assert_int_equal(v.seg[BT_SS].sel, 0x23);
	assert_true(v.seg[BT_SS].attr & BT_ATTR_DB);
	assert_true(v.vif);
	assert_int_equal(v.seg[BT_FS].sel, 0);
	assert_int_equal(v.seg[BT_FS].attr, 0);
	assert_int_equal(v.seg[BT_GS].sel, 0x23);
	assert_int_equal(v.seg[BT_DS].sel, 0);                  /* kernel DS nulled too */

	/* Back to ring 0 by iret: #GP(sel) (RPL < CPL). */
	v.gpr[BT_ESP] = STACK;
	v.eip = CODE;
	wr32(STACK + 4, 0x08);
	EXPECT_FAULT(BT_VEC_GP, 0x08, 0xcf);
}

static void test_iret_bad_ss(void **state)
{
	/* An SS with RPL 3 but DPL 0: #GP(ss), nothing changed. */
	wr32(STACK, 0x08048000);
	wr32(STACK + 4, 0x1b);
	wr32(STACK + 8, BT_FL_FIXED1);
	wr32(STACK + 12, 0xbffff000);
	wr32(STACK + 16, 0x13);
	EXPECT_FAULT(BT_VEC_GP, 0x10, 0xcf);
	/* The frame's ss slot in the hole: #PF, nothing changed. */
	v.gpr[BT_ESP] = HOLE - 16;
	wr32(HOLE - 16, 0x08048000);
	wr32(HOLE - 12, 0x1b);
	wr32(HOLE - 8, BT_FL_FIXED1);
	wr32(HOLE - 4, 0xbffff000);
	EXPECT_FAULT(BT_VEC_PF, 0, 0xcf);
	assert_int_equal(ex.fault.cr2, HOLE);
}

/* ---- int, segment reads ---- */

static void test_int(void **state)
{
	assert_int_equal(RUN(0xcd, 0x80), BT_EMU_INT);
	assert_int_equal(ex.vector, 0x80);
	assert_int_equal(v.eip, CODE + 2);                      /* the return address */
	assert_int_equal(RUN(0xcc), BT_EMU_INT);
	assert_int_equal(ex.vector, BT_VEC_BP);
	assert_int_equal(v.eip, CODE + 3);
}

static void test_segment_reads_rpl0(void **state)
{
	v.gpr[BT_EAX] = 0xffffffff;
	assert_int_equal(RUN(0x8c, 0xc8), BT_EMU_DONE);         /* mov eax, cs */
	assert_int_equal(v.gpr[BT_EAX], 0x08);                  /* RPL 0, zero-extended */
	v.gpr[BT_EBX] = 0xffffffff;
	assert_int_equal(RUN(0x66, 0x8c, 0xd3), BT_EMU_DONE);   /* mov bx, ss */
	assert_int_equal(v.gpr[BT_EBX], 0xffff0010);
	wr32(0x2000, 0xffffffff);
	assert_int_equal(RUN(0x8c, 0x15, 0x00, 0x20, 0x00, 0x00), BT_EMU_DONE); /* mov [0x2000], ss */
	assert_int_equal(rd32(0x2000), 0xffff0010);

	/* push cs (32-bit: ESP - 4, the selector in the low half), push ss (16-bit). */
	wr32(STACK - 4, 0xffffffff);
	assert_int_equal(RUN(0x0e), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);
	assert_int_equal(rd16(STACK - 4), 0x08);
	assert_int_equal(RUN(0x66, 0x16), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ESP], STACK - 6);
	assert_int_equal(rd16(STACK - 6), 0x10);

	/* Other segment registers are not ours. */
	struct bt_vcpu before = v;
	assert_int_equal(RUN(0x8c, 0xd8), BT_EMU_UNHANDLED);    /* mov eax, ds */
	assert_memory_equal(&before, &v, sizeof(v));
}

/* ---- faults and the unknown ---- */

static void test_pf_leaves_state(void **state)
{
	/* sgdt into the hole: #PF, W, CR2 the address; nothing changed. */
	v.gpr[BT_EAX] = HOLE - 2;
	EXPECT_FAULT(BT_VEC_PF, 2, 0x0f, 0x01, 0x00);
	assert_int_equal(ex.fault.cr2, HOLE);                   /* its first absent byte */
	/* lgdt from the hole: read, code 0 */
	v.gpr[BT_EAX] = HOLE + 0x10;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x01, 0x10);
	/* pushf, push cs and popf with the stack in the hole */
	v.gpr[BT_ESP] = HOLE + 0x100;
	EXPECT_FAULT(BT_VEC_PF, 2, 0x9c);
	EXPECT_FAULT(BT_VEC_PF, 2, 0x0e);
	EXPECT_FAULT(BT_VEC_PF, 0, 0x9d);
	/* ltr: the descriptor table in the hole */
	v.gdtr.base = HOLE;
	v.gpr[BT_EAX] = 0x28;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x00, 0xd8);
	/* rep outsb from the hole: #PF before any output */
	v.gpr[BT_ESI] = HOLE;
	v.gpr[BT_ECX] = 3;
	EXPECT_FAULT(BT_VEC_PF, 0, 0xf3, 0x6e);
	assert_int_equal(nout, 0);
}

static void test_fetch_at_page_end(void **state)
{
	/* cli as the last byte before the hole: fetched without the hole. */
	v.eip = HOLE - 1;
	assert_int_equal(RUN(0xfa), BT_EMU_DONE);
	assert_int_equal(v.eip, HOLE);
	/* mov cr0, eax cut by the hole: the fetch's #PF at the hole. */
	v.eip = HOLE - 2;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x22);
	assert_int_equal(ex.fault.cr2, HOLE);
	/* eip in the hole */
	v.eip = HOLE + 4;
	struct bt_vcpu before = v;
	assert_int_equal(bt_emulate_privileged(&v, &ops, &ex), BT_EMU_FAULT);
	assert_int_equal(ex.fault.vector, BT_VEC_PF);
	assert_int_equal(ex.fault.cr2, HOLE + 4);
	assert_memory_equal(&before, &v, sizeof(v));
}

static void test_unknown_untouched(void **state)
{
	static const uint8_t unknown[][4] = {
		{ 0x90 },                       /* nop */
		{ 0x01, 0xc0 },                 /* add eax, eax */
		{ 0xff, 0xc0 },                 /* inc eax (FF /0) */
		{ 0xff, 0x30 },                 /* push [eax] (FF /6) */
		{ 0x8e, 0xd8 },                 /* mov ds, ax */
		{ 0x0f, 0x34 },                 /* sysenter */
	};

	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct bt_vcpu before;

		setup(NULL);
		memcpy(&mem[CODE], unknown[i], 4);
		before = v;
		assert_int_equal(bt_emulate_privileged(&v, &ops, &ex), BT_EMU_UNHANDLED);
		assert_memory_equal(&before, &v, sizeof(v));
	}
}

static void test_16bit_code(void **state)
{
	/* A 16-bit code segment: operands default to 16 bits, eip wraps at 64 KiB. */
	v.seg[BT_CS].attr &= ~BT_ATTR_DB;
	v.eflags = BT_FL_FIXED1;
	v.vif = true;
	assert_int_equal(RUN(0x9c), BT_EMU_DONE);               /* pushf: 2 bytes */
	assert_int_equal(v.gpr[BT_ESP], STACK - 2);
	assert_int_equal(rd16(STACK - 2), 0x0202);
	assert_int_equal(RUN(0x66, 0x9c), BT_EMU_DONE);         /* o32 pushfd */
	assert_int_equal(v.gpr[BT_ESP], STACK - 6);
	v.eip = 0xffff;
	mem[0xffff] = 0xfa;
	assert_int_equal(bt_emulate_privileged(&v, &ops, &ex), BT_EMU_DONE);
	assert_int_equal(v.eip, 0);
	assert_false(v.vif);
}

/* ---- control transfers (vcpu_branch.c) ---- */

/* More descriptors for the far transfers and lar/lsl/verr/verw. */
#define SEL_CODE_SMALL  0x40    /* code DPL 0, base 0x100, limit 0xfff, 32-bit */
#define SEL_CONF0       0x48    /* conforming code DPL 0, readable */
#define SEL_CONF3       0x50    /* conforming code DPL 3 */
#define SEL_CODE_NP     0x58    /* code DPL 0, not present */
#define SEL_CALLGATE    0x60    /* 32-bit call gate */
#define SEL_TASKGATE    0x68
#define SEL_BUSYTSS     0x70
#define SEL_CODE16      0x78    /* 16-bit code DPL 0, limit 0xffff */
#define SEL_DATA_RO     0x80    /* read-only data DPL 0 */
#define SEL_CODE_XO     0x88    /* execute-only code DPL 0 */
#define SEL_DATA_NP     0x90    /* data DPL 0, not present */
#define SEL_UDATA_NP    0x98    /* user data DPL 3, not present */
#define SEL_SCRATCH     0xa0

static void more_gdt(void)
{
	v.gdtr.limit = 0xff;
	gdt_set(SEL_CODE_SMALL, 0x100, 0xfff, 0x9a, 0x4);
	gdt_set(SEL_CONF0, 0, 0xfffff, 0x9e, 0xc);
	gdt_set(SEL_CONF3, 0, 0xfffff, 0xfe, 0xc);
	gdt_set(SEL_CODE_NP, 0, 0xfffff, 0x1a, 0xc);
	gdt_set(SEL_CALLGATE, 0x00081000, 0x0000, 0x8c, 0x0);  /* fields unused here */
	gdt_set(SEL_TASKGATE, 0x00280000, 0, 0x85, 0);
	gdt_set(SEL_BUSYTSS, 0x5000, 0x67, 0x8b, 0);
	gdt_set(SEL_CODE16, 0x20000, 0xffff, 0x9a, 0x0);
	gdt_set(SEL_DATA_RO, 0, 0xfffff, 0x90, 0xc);
	gdt_set(SEL_CODE_XO, 0, 0xfffff, 0x98, 0xc);
	gdt_set(SEL_DATA_NP, 0, 0xfffff, 0x12, 0xc);
	gdt_set(SEL_UDATA_NP, 0, 0xfffff, 0x72, 0xc);
}

/* A branch: BT_EMU_DONE at target with BT_EV_BRANCH. */
#define EXPECT_BRANCH(target, ...) do {                                        \
		assert_int_equal(RUN(__VA_ARGS__), BT_EMU_DONE);               \
		assert_int_equal(v.eip, (uint32_t)(target));                  \
		assert_true(ex.events & BT_EV_BRANCH);                        \
	} while (0)

static void test_jmp_call_rel(void **state)
{
	EXPECT_BRANCH(CODE + 2 + 0x10, 0xeb, 0x10);             /* jmp rel8 */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2 - 0x10, 0xeb, 0xf0);             /* backwards */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 5 + 0x12345, 0xe9, 0x45, 0x23, 0x01, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK);

	/* call rel32: the return address pushed, 4 bytes. */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 5 + 0x100, 0xe8, 0x00, 0x01, 0x00, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);
	assert_int_equal(rd32(STACK - 4), CODE + 5);

	/* o16 call rel16 in 32-bit code: IP pushed (2 bytes), the target cut
	 * to 16 bits (SDM CALL: tempEIP AND 0000FFFFH). */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	wr32(STACK - 4, 0xaaaaaaaa);
	EXPECT_BRANCH((CODE + 4 + 0xf000) & 0xffff, 0x66, 0xe8, 0x00, 0xf0);
	assert_int_equal(v.gpr[BT_ESP], STACK - 2);
	assert_int_equal(rd16(STACK - 2), CODE + 4);
	assert_int_equal(rd16(STACK - 4), 0xaaaa);

	/* Past the CS limit: #GP(0), no push, nothing changed. */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	v.seg[BT_CS].limit = 0x1fff;
	wr32(STACK - 4, 0);
	EXPECT_FAULT(BT_VEC_GP, 0, 0xe9, 0x00, 0x10, 0x00, 0x00);  /* to 0x2005 */
	EXPECT_FAULT(BT_VEC_GP, 0, 0xe8, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(rd32(STACK - 4), 0);
	EXPECT_BRANCH(0x1fff, 0xe9, 0xfa, 0x0f, 0x00, 0x00);     /* the limit itself */

	/* The push faults (stack in the hole): #PF, nothing changed. */
	v.eip = CODE;
	v.gpr[BT_ESP] = HOLE + 0x100;
	EXPECT_FAULT(BT_VEC_PF, 2, 0xe8, 0x00, 0x01, 0x00, 0x00);
}

/* Jcc's conditions, said the way the SDM's table says them. */
static bool jcc_expected(unsigned cc, uint32_t f)
{
	bool cf = f & BT_FL_CF, zf = f & BT_FL_ZF, sf = f & BT_FL_SF;
	bool of = f & BT_FL_OF, pf = f & BT_FL_PF;

	switch (cc) {
	case 0x0: return of;                    /* jo */
	case 0x1: return !of;                   /* jno */
	case 0x2: return cf;                    /* jb/jc/jnae */
	case 0x3: return !cf;                   /* jae/jnb/jnc */
	case 0x4: return zf;                    /* je/jz */
	case 0x5: return !zf;                   /* jne/jnz */
	case 0x6: return cf || zf;              /* jbe/jna */
	case 0x7: return !cf && !zf;            /* ja/jnbe */
	case 0x8: return sf;                    /* js */
	case 0x9: return !sf;                   /* jns */
	case 0xa: return pf;                    /* jp/jpe */
	case 0xb: return !pf;                   /* jnp/jpo */
	case 0xc: return sf != of;              /* jl/jnge */
	case 0xd: return sf == of;              /* jge/jnl */
	case 0xe: return zf || sf != of;        /* jle/jng */
	default:  return !zf && sf == of;       /* jg/jnle */
	}
}

static void test_jcc(void **state)
{
	static const uint32_t flags[] = {
		0, BT_FL_CF, BT_FL_ZF, BT_FL_SF, BT_FL_OF, BT_FL_PF,
		BT_FL_SF | BT_FL_OF, BT_FL_ZF | BT_FL_CF, BT_FL_ZF | BT_FL_SF,
	};

	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		for (unsigned cc = 0; cc < 16; cc++) {
			bool t = jcc_expected(cc, flags[i]);

			v.eflags = BT_FL_FIXED1 | flags[i];
			uint8_t j8[2] = { 0x70 + cc, 0x20 };                    /* +0x20 */
			uint8_t j32[6] = { 0x0f, 0x80 + cc, 0x00, 0xff, 0xff, 0xff }; /* -0x100 */

			v.eip = CODE;
			assert_int_equal(run_n(j8, 2), BT_EMU_DONE);
			assert_int_equal(v.eip, t ? CODE + 2 + 0x20 : CODE + 2);
			assert_true(ex.events & BT_EV_BRANCH);
			v.eip = CODE;
			assert_int_equal(run_n(j32, 6), BT_EMU_DONE);
			assert_int_equal(v.eip, t ? CODE + 6 - 0x100 : CODE + 6);
			assert_true(ex.events & BT_EV_BRANCH);
			assert_int_equal(v.eflags, BT_FL_FIXED1 | flags[i]);
		}
	}
	/* o16 jcc rel16: the target cut to 16 bits. */
	v.eflags = BT_FL_FIXED1 | BT_FL_ZF;
	v.eip = CODE;
	EXPECT_BRANCH((CODE + 5 - 0x2000) & 0xffff, 0x66, 0x0f, 0x84, 0x00, 0xe0);
	/* Taken past the limit: #GP(0); not taken: no check. */
	v.eip = CODE;
	v.seg[BT_CS].limit = CODE + 0x40;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x74, 0x7f);                 /* je +0x7f */
	EXPECT_FAULT(BT_VEC_GP, 0, 0x0f, 0x84, 0x00, 0x10, 0x00, 0x00);
	EXPECT_BRANCH(CODE + 6, 0x0f, 0x85, 0x00, 0x10, 0x00, 0x00);
}

static void test_loop_jcxz(void **state)
{
	v.gpr[BT_ECX] = 2;
	EXPECT_BRANCH(CODE + 2 - 0x10, 0xe2, 0xf0);             /* loop: ECX 1, taken */
	assert_int_equal(v.gpr[BT_ECX], 1);
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2, 0xe2, 0xf0);                    /* ECX 0: falls through */
	assert_int_equal(v.gpr[BT_ECX], 0);
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2 - 0x10, 0xe2, 0xf0);             /* 0 - 1: taken */
	assert_int_equal(v.gpr[BT_ECX], 0xffffffff);

	/* loope / loopne on ZF; the flags are not touched. */
	v.gpr[BT_ECX] = 5;
	v.eflags = BT_FL_FIXED1 | BT_FL_ZF;
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2 + 8, 0xe1, 0x08);                /* loope, ZF: taken */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2, 0xe0, 0x08);                    /* loopne, ZF: not */
	assert_int_equal(v.gpr[BT_ECX], 3);
	v.eflags = BT_FL_FIXED1;
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2, 0xe1, 0x08);                    /* loope, no ZF */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2 + 8, 0xe0, 0x08);                /* loopne, no ZF */
	assert_int_equal(v.gpr[BT_ECX], 1);
	assert_int_equal(v.eflags, BT_FL_FIXED1);

	/* jecxz: taken at 0, ECX never changes. */
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2, 0xe3, 0x08);
	assert_int_equal(v.gpr[BT_ECX], 1);
	v.gpr[BT_ECX] = 0;
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 2 + 8, 0xe3, 0x08);

	/* a16 (67): CX only. ECX 0x10000: CX 0, so jcxz is taken and loop
	 * makes CX 0xffff, keeping the upper half. */
	v.gpr[BT_ECX] = 0x10000;
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 3 + 8, 0x67, 0xe3, 0x08);
	v.eip = CODE;
	EXPECT_BRANCH(CODE + 3 + 8, 0x67, 0xe2, 0x08);
	assert_int_equal(v.gpr[BT_ECX], 0x1ffff);

	/* Taken past the limit: #GP(0), ECX unchanged. */
	v.eip = CODE;
	v.seg[BT_CS].limit = CODE + 4;
	v.gpr[BT_ECX] = 7;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xe2, 0x08);
}

static void test_ret(void **state)
{
	wr32(STACK, 0x2345);
	EXPECT_BRANCH(0x2345, 0xc3);
	assert_int_equal(v.gpr[BT_ESP], STACK + 4);

	/* ret imm16: the return address and 8 bytes of arguments released. */
	v.gpr[BT_ESP] = STACK;
	EXPECT_BRANCH(0x2345, 0xc2, 0x08, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK + 12);

	/* o16 ret: 2 bytes, IP zero-extended. */
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0xffff1234);
	EXPECT_BRANCH(0x1234, 0x66, 0xc3);
	assert_int_equal(v.gpr[BT_ESP], STACK + 2);

	/* A 16-bit stack (SS.B clear): SP wraps, ESP's upper half stays. */
	v.seg[BT_SS].attr &= ~BT_ATTR_DB;
	v.gpr[BT_ESP] = 0x1234fffe;
	wr16(0xfffe, 0x0777);
	EXPECT_BRANCH(0x0777, 0x66, 0xc2, 0x04, 0x00);
	assert_int_equal(v.gpr[BT_ESP], 0x12340004);
	v.seg[BT_SS].attr |= BT_ATTR_DB;

	/* Past the CS limit: #GP(0); the stack in the hole: #PF. */
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0x20000);
	v.seg[BT_CS].limit = 0x1ffff;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xc3);
	v.gpr[BT_ESP] = HOLE;
	EXPECT_FAULT(BT_VEC_PF, 0, 0xc3);
	assert_int_equal(ex.fault.cr2, HOLE);
}

static void test_jmp_call_indirect(void **state)
{
	v.gpr[BT_EAX] = 0x3456;
	EXPECT_BRANCH(0x3456, 0xff, 0xe0);                      /* jmp eax */
	wr32(0x2000, 0x4567);
	v.gpr[BT_EBX] = 0x2000;
	EXPECT_BRANCH(0x4567, 0xff, 0x23);                      /* jmp [ebx] */
	assert_int_equal(v.gpr[BT_ESP], STACK);

	v.eip = CODE;
	EXPECT_BRANCH(0x3456, 0xff, 0xd0);                      /* call eax */
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);
	assert_int_equal(rd32(STACK - 4), CODE + 2);

	/* call [esp]: the operand is read before the push (SDM CALL). */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0x5678);
	EXPECT_BRANCH(0x5678, 0xff, 0x14, 0x24);
	assert_int_equal(rd32(STACK - 4), CODE + 3);
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);

	/* o16 call ax: 16-bit target and push. */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	v.gpr[BT_EAX] = 0x12343456;
	EXPECT_BRANCH(0x3456, 0x66, 0xff, 0xd0);
	assert_int_equal(v.gpr[BT_ESP], STACK - 2);
	assert_int_equal(rd16(STACK - 2), CODE + 3);
	v.eip = CODE;
	EXPECT_BRANCH(0x3456, 0x66, 0xff, 0xe0);                /* o16 jmp ax */

	/* The operand in the hole: #PF; past the limit: #GP(0). */
	v.eip = CODE;
	v.gpr[BT_ESP] = STACK;
	v.gpr[BT_EBX] = HOLE;
	EXPECT_FAULT(BT_VEC_PF, 0, 0xff, 0x13);                 /* call [ebx] */
	v.seg[BT_CS].limit = 0x3455;
	EXPECT_FAULT(BT_VEC_GP, 0, 0xff, 0xd0);                 /* call eax */
	EXPECT_FAULT(BT_VEC_GP, 0, 0xff, 0xe0);
	assert_int_equal(rd16(STACK - 2), CODE + 3);            /* no push */
}

static void test_16bit_branches(void **state)
{
	/* A 16-bit code segment: IP wraps at 64 KiB. */
	v.seg[BT_CS].attr &= ~BT_ATTR_DB;
	v.eip = 0xfff0;
	EXPECT_BRANCH(0x0012, 0xeb, 0x20);                      /* jmp short */
	v.eip = 0x100;
	EXPECT_BRANCH(0xf103, 0xe9, 0x00, 0xf0);                /* jmp rel16 back */
	v.eip = 0x100;
	EXPECT_BRANCH(0x1103, 0xe8, 0x00, 0x10);                /* call rel16: 2 bytes */
	assert_int_equal(v.gpr[BT_ESP], STACK - 2);
	assert_int_equal(rd16(STACK - 2), 0x103);
	/* o32 jmp rel32 in 16-bit code: not cut (the limit allows it). */
	v.eip = 0x100;
	EXPECT_BRANCH(0x12406, 0x66, 0xe9, 0x00, 0x23, 0x01, 0x00);
	/* ret in 16-bit code pops 2 bytes */
	v.eip = 0x100;
	EXPECT_BRANCH(0x103, 0xc3);
	assert_int_equal(v.gpr[BT_ESP], STACK);
	/* With a 64 KiB limit, an o32 jump beyond it: #GP(0). */
	v.seg[BT_CS].limit = 0xffff;
	v.eip = 0x100;
	EXPECT_FAULT(BT_VEC_GP, 0, 0x66, 0xe9, 0x00, 0x23, 0x01, 0x00);
}

/* A call gate at sel to target:off (32-bit; access byte: P, DPL, type C). */
static void gate_set(unsigned sel, uint16_t target, uint32_t off, uint8_t access)
{
	uint8_t *d = &mem[GDT + (sel & ~7u)];
	d[0] = off, d[1] = off >> 8, d[2] = target, d[3] = target >> 8;
	d[4] = 0, d[5] = access, d[6] = off >> 16, d[7] = off >> 24;
}

static void test_call_gate(void **state)
{
	(void)state;
	more_gdt();
	/* lcall through a DPL-0 gate to 0x40:0x300 at CPL 0: the gate's
	 * target and offset (the pointer's offset ignored), CS:EIP pushed. */
	gate_set(SEL_CALLGATE, SEL_CODE_SMALL, 0x300, 0x8c);
	EXPECT_BRANCH(0x300, 0x9a, 0x78, 0x56, 0x34, 0x12, SEL_CALLGATE, 0x00);
	assert_int_equal(v.seg[BT_CS].sel, SEL_CODE_SMALL);
	assert_int_equal(v.gpr[BT_ESP], STACK - 8);
	assert_int_equal(rd32(STACK - 4), 0x08);
	assert_int_equal(rd32(STACK - 8), CODE + 7);
	/* ljmp through it: nothing pushed. */
	setup(NULL);
	more_gdt();
	gate_set(SEL_CALLGATE, SEL_CODE_SMALL, 0x300, 0x8c);
	EXPECT_BRANCH(0x300, 0xea, 0, 0, 0, 0, SEL_CALLGATE, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK);
	/* A null target: #GP(0); not present: #NP(gate); a DPL-0 gate at
	 * CPL 3: #GP(gate); nothing changed each time. */
	gate_set(SEL_CALLGATE, 0, 0x300, 0x8c);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x9a, 0, 0, 0, 0, SEL_CALLGATE, 0x00);
	gate_set(SEL_CALLGATE, SEL_CODE_SMALL, 0x300, 0x0c);
	EXPECT_FAULT(BT_VEC_NP, SEL_CALLGATE, 0x9a, 0, 0, 0, 0, SEL_CALLGATE, 0x00);
	gate_set(SEL_CALLGATE, SEL_CODE_SMALL, 0x300, 0x8c);
	v.cpl = 3;
	EXPECT_FAULT(BT_VEC_GP, SEL_CALLGATE, 0x9a, 0, 0, 0, 0, SEL_CALLGATE, 0x00);
	/* A DPL-3 gate from CPL 3 into DPL-0 code: an inner ring, left to the
	 * caller; jmp that way is #GP(target). */
	gate_set(SEL_CALLGATE, SEL_CODE_SMALL, 0x300, 0xec);
	struct bt_vcpu before = v;
	uint8_t code[7] = { 0x9a, 0, 0, 0, 0, SEL_CALLGATE, 0 };
	assert_int_equal(run_n(code, 7), BT_EMU_UNHANDLED);
	assert_memory_equal(&before, &v, sizeof(v));
	EXPECT_FAULT(BT_VEC_GP, SEL_CODE_SMALL, 0xea, 0, 0, 0, 0, SEL_CALLGATE, 0x00);
}

static void test_far_jmp_call(void **state)
{
	more_gdt();
	/* jmp 0x08:0x2000 (EA, ptr16:32): the same CS, reloaded; the
	 * accessed bit set in the GDT and in the hidden part. */
	EXPECT_BRANCH(0x2000, 0xea, 0x00, 0x20, 0x00, 0x00, 0x08, 0x00);
	assert_int_equal(v.seg[BT_CS].sel, 0x08);
	assert_int_equal(mem[GDT + 0x08 + 5], 0x9b);
	assert_int_equal(v.seg[BT_CS].attr & 0xff, 0x9b);

	/* call 0x40:0x200 (9A): base and limit loaded; CS then EIP pushed,
	 * CS zero-extended in its 4-byte slot. */
	v.eip = CODE;
	wr32(STACK - 4, 0xffffffff);
	EXPECT_BRANCH(0x200, 0x9a, 0x00, 0x02, 0x00, 0x00, SEL_CODE_SMALL, 0x00);
	assert_int_equal(v.seg[BT_CS].sel, SEL_CODE_SMALL);
	assert_int_equal(v.seg[BT_CS].base, 0x100);
	assert_int_equal(v.seg[BT_CS].limit, 0xfff);
	assert_int_equal(v.gpr[BT_ESP], STACK - 8);
	assert_int_equal(rd32(STACK - 4), 0x08);
	assert_int_equal(rd32(STACK - 8), CODE + 7);

	/* retf back: CS 0x08, EIP, ESP restored. */
	v.eip = 0x10;                                           /* linear 0x110 */
	EXPECT_BRANCH(CODE + 7, 0xcb);
	assert_int_equal(v.seg[BT_CS].sel, 0x08);
	assert_int_equal(v.seg[BT_CS].base, 0);
	assert_int_equal(v.gpr[BT_ESP], STACK);

	/* Past the new CS's limit: #GP(0), nothing pushed, no accessed bit. */
	v.eip = CODE;
	gdt_set(SEL_CODE_SMALL, 0x100, 0xfff, 0x9a, 0x4);
	wr32(STACK - 4, 0);
	EXPECT_FAULT(BT_VEC_GP, 0, 0x9a, 0x00, 0x10, 0x00, 0x00, SEL_CODE_SMALL, 0x00);
	assert_int_equal(rd32(STACK - 4), 0);
	assert_int_equal(mem[GDT + SEL_CODE_SMALL + 5], 0x9a);

	/* Selector checks (SDM JMP/CALL far). */
	EXPECT_FAULT(BT_VEC_GP, 0, 0xea, 0, 0, 0, 0, 0x03, 0x00);          /* null */
	EXPECT_FAULT(BT_VEC_GP, 0x100, 0xea, 0, 0, 0, 0, 0x00, 0x01);      /* past the GDT */
	EXPECT_FAULT(BT_VEC_GP, 0x10, 0xea, 0, 0, 0, 0, 0x10, 0x00);       /* data */
	EXPECT_FAULT(BT_VEC_GP, 0x08, 0xea, 0, 0, 0, 0, 0x0b, 0x00);       /* RPL 3 > CPL */
	EXPECT_FAULT(BT_VEC_GP, 0x18, 0xea, 0, 0, 0, 0, 0x18, 0x00);       /* DPL 3 != CPL */
	EXPECT_FAULT(BT_VEC_GP, SEL_CONF3, 0xea, 0, 0, 0, 0, SEL_CONF3, 0x00); /* conf. DPL > CPL */
	EXPECT_FAULT(BT_VEC_NP, SEL_CODE_NP, 0x9a, 0, 0, 0, 0, SEL_CODE_NP, 0x00);
	EXPECT_FAULT(BT_VEC_GP, SEL_BUSYTSS, 0xea, 0, 0, 0, 0, SEL_BUSYTSS, 0x00);
	EXPECT_FAULT(BT_VEC_GP, 0x30, 0xea, 0, 0, 0, 0, 0x30, 0x00);       /* an LDT */

	/* Task gates and an available TSS: left to the caller, nothing changed. */
	static const uint8_t gates[] = { SEL_TASKGATE, 0x28 };
	for (unsigned i = 0; i < sizeof(gates); i++) {
		struct bt_vcpu before = v;
		uint8_t code[7] = { 0x9a, 0, 0, 0, 0, gates[i], 0 };

		assert_int_equal(run_n(code, 7), BT_EMU_UNHANDLED);
		assert_memory_equal(&before, &v, sizeof(v));
		assert_int_equal(rd32(STACK - 4), 0);
	}

	/* The return address's push faults: #PF, nothing changed, no
	 * accessed bit (written last). */
	v.gpr[BT_ESP] = HOLE + 0x1000 + 4;                       /* CS slot ok, EIP slot not */
	EXPECT_FAULT(BT_VEC_PF, 2, 0x9a, 0x00, 0x02, 0x00, 0x00, SEL_CODE_SMALL, 0x00);
	assert_int_equal(mem[GDT + SEL_CODE_SMALL + 5], 0x9a);
	v.gpr[BT_ESP] = STACK;

	/* A conforming DPL 0 segment from CPL 3: allowed, CPL stays 3, CS
	 * gets RPL 3. */
	v.cpl = 3;
	EXPECT_BRANCH(0x5000, 0xea, 0x00, 0x50, 0x00, 0x00, SEL_CONF0, 0x00);
	assert_int_equal(v.cpl, 3);
	assert_int_equal(v.seg[BT_CS].sel, SEL_CONF0 | 3);
	/* At CPL 3, the kernel's code: DPL 0 != CPL 3. */
	v.eip = CODE;
	EXPECT_FAULT(BT_VEC_GP, 0x08, 0xea, 0, 0, 0, 0, 0x08, 0x00);
	/* ... and its own: fine, with RPL 3 or a lower RPL. */
	EXPECT_BRANCH(0x1234, 0xea, 0x34, 0x12, 0x00, 0x00, 0x18, 0x00);
	assert_int_equal(v.seg[BT_CS].sel, 0x1b);
}

static void test_far_16bit_and_memory(void **state)
{
	more_gdt();
	/* o16 call far ptr16:16: 2-byte CS and IP slots. */
	EXPECT_BRANCH(0x1234, 0x66, 0x9a, 0x34, 0x12, SEL_CODE16, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK - 4);
	assert_int_equal(rd16(STACK - 2), 0x08);
	assert_int_equal(rd16(STACK - 4), CODE + 6);
	assert_int_equal(v.seg[BT_CS].base, 0x20000);
	assert_false(v.seg[BT_CS].attr & BT_ATTR_DB);
	/* Now 16-bit code: retf pops 2-byte slots, back to 32-bit code. */
	v.eip = 0x0;
	memcpy(&mem[CODE + 0x100], (uint8_t[]){ 0xcb }, 1);     /* where it is fetched */
	v.seg[BT_CS].base = CODE + 0x100;                       /* (the fake memory is 64 KiB) */
	assert_int_equal(bt_emulate_privileged(&v, &ops, &ex), BT_EMU_DONE);
	assert_int_equal(v.eip, CODE + 6);
	assert_int_equal(v.seg[BT_CS].sel, 0x08);
	assert_true(v.seg[BT_CS].attr & BT_ATTR_DB);
	assert_int_equal(v.gpr[BT_ESP], STACK);

	/* jmp far [eax] (FF /5, m16:32) and o16 call far [ebx] (FF /3, m16:16). */
	v.eip = CODE;
	wr32(0x2000, 0x3000);
	wr16(0x2004, SEL_CONF0);
	v.gpr[BT_EAX] = 0x2000;
	EXPECT_BRANCH(0x3000, 0xff, 0x28);
	assert_int_equal(v.seg[BT_CS].sel, SEL_CONF0);
	assert_int_equal(mem[GDT + SEL_CONF0 + 5], 0x9f);
	v.eip = CODE;
	wr16(0x2010, 0x4321);
	wr16(0x2012, 0x08);
	v.gpr[BT_EBX] = 0x2010;
	EXPECT_BRANCH(0x4321, 0x66, 0xff, 0x1b);
	assert_int_equal(v.seg[BT_CS].sel, 0x08);
	assert_int_equal(rd16(STACK - 2), SEL_CONF0);
	assert_int_equal(rd16(STACK - 4), CODE + 3);
	/* The pointer's selector in the hole: #PF. */
	v.eip = CODE;
	v.gpr[BT_EAX] = HOLE - 4;
	EXPECT_FAULT(BT_VEC_PF, 0, 0xff, 0x28);
	assert_int_equal(ex.fault.cr2, HOLE);

	/* A code segment in the LDT (selector 0x04). */
	memcpy(&mem[0x6000], &mem[GDT + 0x08], 8);
	v.ldtr.sel = 0x30;
	v.ldtr.base = 0x6000;
	v.ldtr.limit = 0xff;
	v.ldtr.attr = 0x82;
	v.eip = CODE;
	EXPECT_BRANCH(0x2222, 0xea, 0x22, 0x22, 0x00, 0x00, 0x04, 0x00);
	assert_int_equal(v.seg[BT_CS].sel, 0x04);
	/* With an unusable LDT: #GP(sel). */
	v.ldtr.attr = 0;
	v.eip = CODE;
	EXPECT_FAULT(BT_VEC_GP, 0x04, 0xea, 0x22, 0x22, 0x00, 0x00, 0x04, 0x00);
}

static void test_retf(void **state)
{
	more_gdt();
	/* Same ring, with imm16. */
	wr32(STACK, 0x2000);
	wr32(STACK + 4, 0x08);
	EXPECT_BRANCH(0x2000, 0xca, 0x08, 0x00);
	assert_int_equal(v.gpr[BT_ESP], STACK + 16);
	assert_int_equal(v.cpl, 0);

	/* Checks on the CS popped. */
	static const struct { uint32_t cs; uint8_t vec; int code; } bad[] = {
		{ 0x0000, BT_VEC_GP, 0 },                       /* null */
		{ 0x0100, BT_VEC_GP, 0x100 },                   /* past the GDT */
		{ 0x0010, BT_VEC_GP, 0x10 },                    /* data */
		{ 0x0018, BT_VEC_GP, 0x18 },                    /* DPL 3 != RPL 0 */
		{ SEL_CONF3, BT_VEC_GP, SEL_CONF3 },            /* conforming, DPL 3 > RPL 0 */
		{ SEL_CODE_NP, BT_VEC_NP, SEL_CODE_NP },
		{ 0x0028, BT_VEC_GP, 0x28 },                    /* a TSS */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v.eip = CODE;
		v.gpr[BT_ESP] = STACK;
		wr32(STACK + 4, bad[i].cs);
		EXPECT_FAULT(bad[i].vec, bad[i].code, 0xcb);
	}
	/* EIP past the CS limit. */
	wr32(STACK, 0x1000);
	wr32(STACK + 4, SEL_CODE_SMALL);
	EXPECT_FAULT(BT_VEC_GP, 0, 0xcb);
	/* The CS slot in the hole. */
	v.gpr[BT_ESP] = HOLE - 4;
	EXPECT_FAULT(BT_VEC_PF, 0, 0xcb);
	/* o16 retf: 2-byte slots. */
	v.gpr[BT_ESP] = STACK;
	wr16(STACK, 0x0345);
	wr16(STACK + 2, SEL_CODE_SMALL);
	EXPECT_BRANCH(0x345, 0x66, 0xcb);
	assert_int_equal(v.gpr[BT_ESP], STACK + 4);
	assert_int_equal(v.seg[BT_CS].base, 0x100);

	/* At CPL 3, a return to ring 0: RPL < CPL, #GP(sel). */
	v.seg[BT_CS].base = 0;
	v.eip = CODE;
	v.cpl = 3;
	v.gpr[BT_ESP] = STACK;
	wr32(STACK, 0x2000);
	wr32(STACK + 4, 0x08);
	EXPECT_FAULT(BT_VEC_GP, 0x08, 0xcb);
}

static void test_retf_to_ring3(void **state)
{
	more_gdt();
	/* retf 8 to 0x1b:0x08048000 with SS:ESP 0x23:0xbffff000 after 8
	 * bytes of parameters; 8 more released on the new stack. */
	wr32(STACK, 0x08048000);
	wr32(STACK + 4, 0x1b);
	wr32(STACK + 16, 0xbffff000);
	wr32(STACK + 20, 0x23);
	v.seg[BT_FS].sel = 0x38;                                /* DPL 0 data: nulled */
	v.seg[BT_GS].sel = 0x23;                                /* DPL 3: kept */
	v.seg[BT_GS].attr = 0xf3 | BT_ATTR_DB | BT_ATTR_G;
	v.seg[BT_ES].sel = SEL_CONF0;                           /* conforming code: kept */
	v.seg[BT_ES].attr = 0x9f | BT_ATTR_DB | BT_ATTR_G;
	v.vif = false;
	assert_int_equal(RUN(0xca, 0x08, 0x00), BT_EMU_PRIV);
	assert_true(ex.events & BT_EV_BRANCH);
	assert_int_equal(ex.priv.cpl, 3);
	assert_int_equal(ex.priv.cs, 0x1b);
	assert_int_equal(ex.priv.eip, 0x08048000);
	assert_int_equal(ex.priv.ss, 0x23);
	assert_int_equal(ex.priv.esp, 0xbffff008);
	assert_int_equal(v.cpl, 3);
	assert_int_equal(v.eip, 0x08048000);
	assert_int_equal(v.gpr[BT_ESP], 0xbffff008);
	assert_int_equal(v.seg[BT_CS].sel, 0x1b);
	assert_int_equal(v.seg[BT_SS].sel, 0x23);
	assert_int_equal(v.seg[BT_FS].sel, 0);
	assert_int_equal(v.seg[BT_DS].sel, 0);
	assert_int_equal(v.seg[BT_GS].sel, 0x23);
	assert_int_equal(v.seg[BT_ES].sel, SEL_CONF0);
	assert_false(v.vif);                                    /* flags untouched */
	assert_int_equal(mem[GDT + 0x18 + 5], 0xfb);            /* accessed bits */
	assert_int_equal(mem[GDT + 0x20 + 5], 0xf3);

	/* A bad SS: RPL 3, DPL 0 (#GP), not present (#SS), a DPL 3 SS with
	 * RPL 0 (#GP), null (#GP(0)); the SS slot in the hole (#PF). */
	static const struct { uint32_t ss; uint8_t vec; int code; } bad[] = {
		{ 0x13, BT_VEC_GP, 0x10 },
		{ SEL_UDATA_NP | 3, BT_VEC_SS, SEL_UDATA_NP },
		{ 0x20, BT_VEC_GP, 0x20 },
		{ 0x1b, BT_VEC_GP, 0x18 },                      /* code as a stack */
		{ 0x03, BT_VEC_GP, 0 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		more_gdt();
		wr32(STACK, 0x08048000);
		wr32(STACK + 4, 0x1b);
		wr32(STACK + 8, 0xbffff000);
		wr32(STACK + 12, bad[i].ss);
		EXPECT_FAULT(bad[i].vec, bad[i].code, 0xcb);
		assert_int_equal(mem[GDT + 0x18 + 5], 0xfa);    /* no accessed bit */
	}
	v.gpr[BT_ESP] = HOLE - 12;
	wr32(HOLE - 12, 0x08048000);
	wr32(HOLE - 8, 0x1b);
	wr32(HOLE - 4, 0xbffff000);
	EXPECT_FAULT(BT_VEC_PF, 0, 0xcb);
	assert_int_equal(ex.fault.cr2, HOLE);

	/* o16 retf to ring 3: SP replaced, ESP's upper half kept. */
	setup(NULL);
	more_gdt();
	v.gpr[BT_ESP] = STACK;
	wr16(STACK, 0x1000);
	wr16(STACK + 2, 0x1b);
	wr16(STACK + 4, 0x7000);
	wr16(STACK + 6, 0x23);
	assert_int_equal(RUN(0x66, 0xcb), BT_EMU_PRIV);
	assert_int_equal(v.eip, 0x1000);
	assert_int_equal(v.gpr[BT_ESP], (STACK & 0xffff0000u) | 0x7000);
}

static void test_iret_branch_event(void **state)
{
	wr32(STACK, 0x2000);
	wr32(STACK + 4, 0x08);
	wr32(STACK + 8, BT_FL_FIXED1);
	assert_int_equal(RUN(0xcf), BT_EMU_DONE);
	assert_true(ex.events & BT_EV_BRANCH);
	/* Instructions that do not transfer control do not set it. */
	assert_int_equal(RUN(0xfa), BT_EMU_DONE);
	assert_false(ex.events & BT_EV_BRANCH);
}

/* ---- lar, lsl, verr, verw ---- */

#define ZF_SET()        (v.eflags & BT_FL_ZF)

static void test_lar_lsl(void **state)
{
	more_gdt();
	v.eflags = BT_FL_FIXED1 | BT_FL_CF;
	v.gpr[BT_EBX] = 0x08;
	assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);   /* lar eax, bx */
	assert_true(ZF_SET());
	assert_int_equal(v.gpr[BT_EAX], 0x00c09a00);           /* G, D, P DPL 0 code r */
	assert_true(v.eflags & BT_FL_CF);                       /* only ZF changes */
	assert_int_equal(mem[GDT + 0x08 + 5], 0x9a);            /* no accessed bit */
	assert_int_equal(v.eip, CODE + 3);
	assert_int_equal(RUN(0x0f, 0x03, 0xcb), BT_EMU_DONE);   /* lsl ecx, bx */
	assert_true(ZF_SET());
	assert_int_equal(v.gpr[BT_ECX], 0xffffffff);            /* G applied */

	/* o16: the low halves, the upper halves kept. */
	v.gpr[BT_EAX] = 0x55550000;
	v.gpr[BT_ECX] = 0x55550000;
	v.gpr[BT_EBX] = SEL_CODE_SMALL;
	assert_int_equal(RUN(0x66, 0x0f, 0x02, 0xc3), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_EAX], 0x55559a00);
	assert_int_equal(RUN(0x66, 0x0f, 0x03, 0xcb), BT_EMU_DONE);
	assert_int_equal(v.gpr[BT_ECX], 0x55550fff);
	/* A memory source. */
	wr16(0x2000, 0x20);
	v.gpr[BT_ESI] = 0x2000;
	assert_int_equal(RUN(0x0f, 0x02, 0x06), BT_EMU_DONE);   /* lar eax, [esi] */
	assert_int_equal(v.gpr[BT_EAX], 0x00c0f200);

	/* ZF clear, the destination untouched: null, past the GDT, an
	 * unusable LDT, DPL < CPL, DPL < RPL. */
	static const struct { uint16_t sel; uint8_t cpl; } no[] = {
		{ 0x00, 0 }, { 0x03, 0 }, { 0x100, 0 }, { 0x0c, 0 }, { 0x08, 3 }, { 0x0b, 0 }, { 0x13, 3 },
	};
	for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v.cpl = no[i].cpl;
		v.gpr[BT_EBX] = no[i].sel;
		v.gpr[BT_EAX] = 0x77777777;
		v.eflags |= BT_FL_ZF;
		assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);
		assert_false(ZF_SET());
		assert_int_equal(v.gpr[BT_EAX], 0x77777777);
		v.eflags |= BT_FL_ZF;
		assert_int_equal(RUN(0x0f, 0x03, 0xc3), BT_EMU_DONE);
		assert_false(ZF_SET());
		assert_int_equal(v.gpr[BT_EAX], 0x77777777);
	}
	/* Passing at CPL 3: DPL 3 with RPL 3, and a conforming DPL 0
	 * segment whatever the CPL and RPL. */
	v.cpl = 3;
	v.gpr[BT_EBX] = 0x23;
	assert_int_equal(RUN(0x0f, 0x03, 0xc3), BT_EMU_DONE);
	assert_true(ZF_SET());
	v.gpr[BT_EBX] = SEL_CONF0 | 3;
	assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);
	assert_true(ZF_SET());
	assert_int_equal(v.gpr[BT_EAX], 0x00c09e00);
	v.cpl = 0;

	/* Not present: still answered (P is not checked). */
	v.gpr[BT_EBX] = SEL_CODE_NP;
	assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);
	assert_true(ZF_SET());
	assert_int_equal(v.gpr[BT_EAX], 0x00c01a00);

	/* Each system type (SDM LAR, LSL tables). */
	for (unsigned t = 0; t < 16; t++) {
		bool lar_ok = t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xb || t == 0xc;
		bool lsl_ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 0xb;

		gdt_set(SEL_SCRATCH, 0x1000, 0x67, 0x80 | t, 0);
		v.gpr[BT_EBX] = SEL_SCRATCH;
		assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);
		assert_int_equal(!!ZF_SET(), lar_ok);
		if (lar_ok)
			assert_int_equal(v.gpr[BT_EAX], (0x80u | t) << 8);
		assert_int_equal(RUN(0x0f, 0x03, 0xc3), BT_EMU_DONE);
		assert_int_equal(!!ZF_SET(), lsl_ok);
		if (lsl_ok)
			assert_int_equal(v.gpr[BT_EAX], 0x67);
		/* DPL 0 system descriptors at CPL 3: never. */
		v.cpl = 3;
		assert_int_equal(RUN(0x0f, 0x02, 0xc3), BT_EMU_DONE);
		assert_false(ZF_SET());
		v.cpl = 0;
	}

	/* The selector operand or the GDT in the hole: #PF, nothing changed. */
	v.gpr[BT_ESI] = HOLE - 1;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x02, 0x06);
	v.gdtr.base = HOLE;
	v.gpr[BT_EBX] = 0x08;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x03, 0xc3);
}

static void test_verr_verw(void **state)
{
	static const struct {
		uint16_t sel;
		uint8_t cpl;
		bool r, w;
	} c[] = {
		{ 0x10, 0, true, true },                /* data r/w */
		{ SEL_DATA_RO, 0, true, false },
		{ 0x08, 0, true, false },               /* readable code */
		{ SEL_CODE_XO, 0, false, false },       /* execute-only code */
		{ SEL_DATA_NP, 0, true, true },         /* P not checked */
		{ 0x28, 0, false, false },              /* TSS */
		{ 0x30, 0, false, false },              /* LDT */
		{ 0x00, 0, false, false },              /* null */
		{ 0x100, 0, false, false },             /* past the GDT */
		{ 0x10, 3, false, false },              /* DPL 0 < CPL 3 */
		{ 0x13, 0, false, false },              /* DPL 0 < RPL 3 */
		{ 0x23, 3, true, true },                /* user data */
		{ 0x1b, 3, true, false },               /* user code */
		{ SEL_CONF0 | 3, 3, true, false },      /* conforming: no DPL check */
	};

	more_gdt();
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v.cpl = c[i].cpl;
		v.gpr[BT_EDX] = 0xabcd0000 | c[i].sel;
		v.eflags = BT_FL_FIXED1 | (c[i].r ? 0 : BT_FL_ZF) | BT_FL_OF;
		assert_int_equal(RUN(0x0f, 0x00, 0xe2), BT_EMU_DONE);   /* verr dx */
		assert_int_equal(!!ZF_SET(), c[i].r);
		assert_true(v.eflags & BT_FL_OF);
		v.eflags = BT_FL_FIXED1 | (c[i].w ? 0 : BT_FL_ZF);
		assert_int_equal(RUN(0x0f, 0x00, 0xea), BT_EMU_DONE);   /* verw dx */
		assert_int_equal(!!ZF_SET(), c[i].w);
		assert_int_equal(v.gpr[BT_EDX], 0xabcd0000u | c[i].sel);
	}
	/* A memory operand; in the hole: #PF. */
	v.cpl = 0;
	wr16(0x2000, 0x10);
	v.gpr[BT_EAX] = 0x2000;
	assert_int_equal(RUN(0x0f, 0x00, 0x28), BT_EMU_DONE);           /* verw [eax] */
	assert_true(ZF_SET());
	v.gpr[BT_EAX] = HOLE;
	EXPECT_FAULT(BT_VEC_PF, 0, 0x0f, 0x00, 0x20);                   /* verr [eax] */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cli_sti_shadow, setup),
		cmocka_unit_test_setup(test_hlt, setup),
		cmocka_unit_test_setup(test_lock_is_ud, setup),
		cmocka_unit_test_setup(test_lgdt_lidt_sgdt_sidt, setup),
		cmocka_unit_test_setup(test_lldt_ltr_sldt_str, setup),
		cmocka_unit_test_setup(test_smsw_lmsw_clts, setup),
		cmocka_unit_test_setup(test_mov_cr, setup),
		cmocka_unit_test_setup(test_mov_dr, setup),
		cmocka_unit_test_setup(test_invlpg_wbinvd_invd, setup),
		cmocka_unit_test_setup(test_msr, setup),
		cmocka_unit_test_setup(test_tsc, setup),
		cmocka_unit_test_setup(test_cpuid, setup),
		cmocka_unit_test_setup(test_in_out, setup),
		cmocka_unit_test_setup(test_rep_outsb_df, setup),
		cmocka_unit_test_setup(test_in_out_wait, setup),
		cmocka_unit_test_setup(test_rep_outsb_wait, setup),
		cmocka_unit_test_setup(test_rep_insd_fault, setup),
		cmocka_unit_test_setup(test_pushf_virtual_flags, setup),
		cmocka_unit_test_setup(test_popf_cpl0, setup),
		cmocka_unit_test_setup(test_popf_cpl3, setup),
		cmocka_unit_test_setup(test_iret_same_ring, setup),
		cmocka_unit_test_setup(test_iret_to_ring3, setup),
		cmocka_unit_test_setup(test_iret_bad_ss, setup),
		cmocka_unit_test_setup(test_int, setup),
		cmocka_unit_test_setup(test_segment_reads_rpl0, setup),
		cmocka_unit_test_setup(test_pf_leaves_state, setup),
		cmocka_unit_test_setup(test_fetch_at_page_end, setup),
		cmocka_unit_test_setup(test_unknown_untouched, setup),
		cmocka_unit_test_setup(test_16bit_code, setup),
		cmocka_unit_test_setup(test_jmp_call_rel, setup),
		cmocka_unit_test_setup(test_jcc, setup),
		cmocka_unit_test_setup(test_loop_jcxz, setup),
		cmocka_unit_test_setup(test_ret, setup),
		cmocka_unit_test_setup(test_jmp_call_indirect, setup),
		cmocka_unit_test_setup(test_16bit_branches, setup),
		cmocka_unit_test_setup(test_far_jmp_call, setup),
		cmocka_unit_test_setup(test_call_gate, setup),
		cmocka_unit_test_setup(test_far_16bit_and_memory, setup),
		cmocka_unit_test_setup(test_retf, setup),
		cmocka_unit_test_setup(test_retf_to_ring3, setup),
		cmocka_unit_test_setup(test_iret_branch_event, setup),
		cmocka_unit_test_setup(test_lar_lsl, setup),
		cmocka_unit_test_setup(test_verr_verw, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
