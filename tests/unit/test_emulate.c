/* The x86 instruction emulator (hv/emul/emulate.c) on a fake guest: flat
 * memory in an array with one absent and one read-only page, an access log
 * and a port log. Expected registers, memory and EFLAGS are worked out by
 * hand from the SDM; the ALU flags are also checked against the host CPU
 * running the same instructions (test_native_flags). */
#include "unit.h"
#include <string.h>

#include "emulate.h"

#define MEM_SIZE        0x40000u
#define CODE            0x1000u         /* where RUN() puts the instruction */
#define DATA            0x8000u
#define NOPAGE          0x30000u        /* absent: every access is a #PF */
#define ROPAGE          0x32000u        /* read-only: a write is a #PF */
#define PF_VEC          14

#define ARITH           EFL_ARITH
#define CF EFL_CF
#define PF EFL_PF
#define AF EFL_AF
#define ZF EFL_ZF
#define SF EFL_SF
#define OF EFL_OF

static uint8_t mem[MEM_SIZE];
static struct emul_ctx c;
static uint32_t fault_addr;

struct access { uint32_t lin; unsigned size; bool write; };
static struct access acc[64];
static unsigned nacc;
static unsigned nfetch;
static uint32_t fetch_end;              /* one past the last byte fetched */

struct port_io { uint16_t port; unsigned size; bool write; uint32_t val; };
static struct port_io pio_log[64];
static unsigned npio;

/* #PF as the caller's page walk would report it (P and W/R bits). */
static int page_check(struct emul_ctx *x, uint32_t lin, unsigned n, bool write)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = lin + i;
		bool absent = a >= MEM_SIZE || (a >= NOPAGE && a < NOPAGE + 0x1000);
		if (absent || (write && a >= ROPAGE && a < ROPAGE + 0x1000)) {
			x->exc_vector = PF_VEC;
			x->exc_has_code = true;
			x->exc_code = (absent ? 0 : 1) | (write ? 2 : 0);
			fault_addr = a;
			return -1;
		}
	}
	return 0;
}

static int g_fetch(struct emul_ctx *x, uint32_t lin, void *buf, unsigned n)
{
	assert_true(n >= 1 && n <= 15);
	nfetch++;
	if (page_check(x, lin, n, false))
		return -1;
	memcpy(buf, mem + lin, n);
	fetch_end = lin + n;
	return 0;
}

static void log_access(uint32_t lin, unsigned size, bool write)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(nacc < 64);
	acc[nacc++] = (struct access){ lin, size, write };
}

static int g_read(struct emul_ctx *x, uint32_t lin, void *buf, unsigned size)
{
	log_access(lin, size, false);
	if (page_check(x, lin, size, false))
		return -1;
	memcpy(buf, mem + lin, size);
	return 0;
}

static int g_write(struct emul_ctx *x, uint32_t lin, const void *buf, unsigned size)
{
	log_access(lin, size, true);
	if (page_check(x, lin, size, true))
		return -1;
	memcpy(mem + lin, buf, size);
	return 0;
}

/* A port reads as 0xa5a5 above its number; port 0xdead faults (#GP). */
static int g_pio(struct emul_ctx *x, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	assert_true(npio < 64);
	if (port == 0xdead) {
		x->exc_vector = 13;
		x->exc_has_code = true;
		x->exc_code = 0;
		return -1;
	}
	if (!write)
		*val = (0xa5a50000u | port) & (size == 4 ? 0xffffffffu : (1u << size * 8) - 1);
	pio_log[npio++] = (struct port_io){ port, size, write, *val };
	return 0;
}

static const struct emul_ops ops = { g_fetch, g_read, g_write, g_pio };
static const struct emul_ops ops_nopio = { g_fetch, g_read, g_write, NULL };

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	memset(&c, 0, sizeof(c));
	c.eflags = 0x2;
	c.def_size = 32;
	c.stack_size = 32;
	c.ops = &ops;
	c.exc_vector = 0xff;
	nacc = npio = nfetch = 0;
	fault_addr = 0;
	return 0;
}

static void put32(uint32_t a, uint32_t v) { memcpy(mem + a, &v, 4); }
static void put16(uint32_t a, uint16_t v) { memcpy(mem + a, &v, 2); }
static uint32_t get32(uint32_t a) { uint32_t v; memcpy(&v, mem + a, 4); return v; }
static uint16_t get16(uint32_t a) { uint16_t v; memcpy(&v, mem + a, 2); return v; }

/* Put the bytes at CODE (CS base 0) and step once. */
static enum emul_result run_at(uint32_t at, const uint8_t *code, size_t n)
{
	memcpy(mem + at, code, n);
	c.eip = at - c.seg_base[EMUL_CS];
	nacc = npio = 0;
	return emul_step(&c);
}
#define BYTES(...)      (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define RUN(...)        run_at(CODE, BYTES(__VA_ARGS__))

/* Run and expect EMUL_DONE with eip past n bytes. */
#define DONE(n, ...) do { \
	assert_int_equal(RUN(__VA_ARGS__), EMUL_DONE); \
	assert_int_equal(c.eip, CODE + (n)); \
} while (0)

#define FLAGS(f)        assert_int_equal(c.eflags & ARITH, (f))

/* Step the bytes at CODE, *before being the context just before. */
static enum emul_result run_snap(const uint8_t *code, size_t n, struct emul_ctx *before)
{
	memcpy(mem + CODE, code, n);
	c.eip = CODE;
	nacc = npio = 0;
	*before = c;
	return emul_step(&c);
}

/* The registers and eip are what they were. */
static void assert_unchanged(const struct emul_ctx *before)
{
	assert_memory_equal(c.gpr, before->gpr, sizeof(c.gpr));
	assert_int_equal(c.eip, before->eip);
	assert_int_equal(c.eflags, before->eflags);
}

/* ---- MOV ---- */

static void test_mov(void **state)
{
	c.gpr[EMUL_EAX] = DATA;
	c.gpr[EMUL_ECX] = 0x11223344;
	DONE(2, 0x89, 0x08);                            /* mov [eax], ecx */
	assert_int_equal(get32(DATA), 0x11223344);
	assert_int_equal(nacc, 1);
	assert_int_equal(acc[0].lin, DATA);
	assert_int_equal(acc[0].size, 4);
	assert_true(acc[0].write);

	DONE(3, 0x66, 0x89, 0x08);                      /* mov [eax], cx */
	assert_int_equal(acc[0].size, 2);

	c.gpr[EMUL_ECX] = 0xaabbccdd;
	DONE(2, 0x88, 0x28);                            /* mov [eax], ch */
	assert_int_equal(mem[DATA], 0xcc);
	assert_int_equal(acc[0].size, 1);

	/* mov eax, [ebx + ecx*4 + 0x10]: a SIB address */
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_ECX] = 3;
	put32(DATA + 0x1c, 0xcafef00d);
	DONE(4, 0x8b, 0x44, 0x8b, 0x10);
	assert_int_equal(c.gpr[EMUL_EAX], 0xcafef00d);
	assert_int_equal(acc[0].lin, DATA + 0x1c);

	/* mov bh, [ebx]: an 8-bit load keeps the rest of EBX */
	mem[DATA] = 0x5a;
	DONE(2, 0x8a, 0x3b);
	assert_int_equal(c.gpr[EMUL_EBX], 0x5a00);       /* BH was 0x80 */

	/* mov dword [0x8100], 0x12345678 (disp32 alone) */
	DONE(10, 0xc7, 0x05, 0x00, 0x81, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
	assert_int_equal(get32(0x8100), 0x12345678);
	/* mov word [0x8200], 0xbeef; mov byte [0x8300], 0xab */
	DONE(9, 0x66, 0xc7, 0x05, 0x00, 0x82, 0x00, 0x00, 0xef, 0xbe);
	assert_int_equal(get32(0x8200), 0xbeef);
	DONE(7, 0xc6, 0x05, 0x00, 0x83, 0x00, 0x00, 0xab);
	assert_int_equal(get32(0x8300), 0xab);
	assert_int_equal(acc[0].size, 1);

	/* moffs: mov eax, [0x8100]; mov [0x8400], al; mov ax, [0x8200] */
	DONE(5, 0xa1, 0x00, 0x81, 0x00, 0x00);
	assert_int_equal(c.gpr[EMUL_EAX], 0x12345678);
	DONE(5, 0xa2, 0x00, 0x84, 0x00, 0x00);
	assert_int_equal(get32(0x8400), 0x78);
	DONE(6, 0x66, 0xa1, 0x00, 0x82, 0x00, 0x00);
	assert_int_equal(c.gpr[EMUL_EAX], 0x1234beef);
	FLAGS(0);
}

static void test_movzx_movsx(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	put16(DATA, 0x8081);
	c.gpr[EMUL_EAX] = 0xffffffff;
	DONE(3, 0x0f, 0xb6, 0x03);                      /* movzx eax, byte [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0x81);
	DONE(3, 0x0f, 0xbe, 0x03);                      /* movsx eax, byte [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0xffffff81);
	DONE(3, 0x0f, 0xb7, 0x03);                      /* movzx eax, word [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0x8081);
	assert_int_equal(acc[0].size, 2);
	DONE(3, 0x0f, 0xbf, 0x03);                      /* movsx eax, word [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0xffff8081);
	c.gpr[EMUL_EAX] = 0x12345678;
	DONE(4, 0x66, 0x0f, 0xb6, 0x03);                /* movzx ax, byte [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0x12340081);
	DONE(4, 0x66, 0x0f, 0xbe, 0x03);                /* movsx ax, byte [ebx] */
	assert_int_equal(c.gpr[EMUL_EAX], 0x1234ff81);
}

/* ---- the ALU group ---- */

static void test_add_sub_flags(void **state)
{
	/* 0x7fffffff + 1: signed overflow into the sign, carry out of bit 3,
	 * low byte 0 (even parity), no carry out */
	c.gpr[EMUL_EAX] = 0x7fffffff;
	c.gpr[EMUL_ECX] = 1;
	DONE(2, 0x01, 0xc8);                            /* add eax, ecx */
	assert_int_equal(c.gpr[EMUL_EAX], 0x80000000);
	FLAGS(OF | SF | AF | PF);

	/* 0 - 1: borrow (CF) and a borrow into bit 3 (AF); 0xff has 8 ones */
	c.gpr[EMUL_EAX] = 0;
	DONE(2, 0x29, 0xc8);                            /* sub eax, ecx */
	assert_int_equal(c.gpr[EMUL_EAX], 0xffffffff);
	FLAGS(CF | SF | AF | PF);

	/* 8 bits: 0xff + 1 = 0 with carry; the rest of EAX is kept */
	c.gpr[EMUL_EAX] = 0x123456ff;
	DONE(2, 0x00, 0xc8);                            /* add al, cl */
	assert_int_equal(c.gpr[EMUL_EAX], 0x12345600);
	FLAGS(CF | ZF | AF | PF);

	/* 16 bits: 0x8000 + 0x8000 = 0: carry and signed overflow */
	c.gpr[EMUL_EAX] = 0xabcd8000;
	DONE(4, 0x66, 0x05, 0x00, 0x80);                /* add ax, 0x8000 */
	assert_int_equal(c.gpr[EMUL_EAX], 0xabcd0000);
	FLAGS(CF | OF | ZF | PF);

	/* adc: 0xffffffff + 0 + CF = 0 */
	c.gpr[EMUL_EAX] = 0xffffffff;
	c.gpr[EMUL_ECX] = 0;
	c.eflags = 0x2 | CF;
	DONE(2, 0x11, 0xc8);                            /* adc eax, ecx */
	assert_int_equal(c.gpr[EMUL_EAX], 0);
	FLAGS(CF | ZF | AF | PF);

	/* sbb al, cl: 0x80 - 0 - CF = 0x7f: signed overflow, 7 ones */
	c.gpr[EMUL_EAX] = 0x80;
	c.eflags = 0x2 | CF;
	DONE(2, 0x18, 0xc8);
	assert_int_equal(c.gpr[EMUL_EAX], 0x7f);
	FLAGS(OF | AF);

	/* 83 /0 with ib -1: sign-extended, so [ebx] = 1 + 0xffffffff = 0 */
	c.gpr[EMUL_EBX] = DATA;
	put32(DATA, 1);
	c.eflags = 0x2;
	DONE(3, 0x83, 0x03, 0xff);                      /* add dword [ebx], -1 */
	assert_int_equal(get32(DATA), 0);
	FLAGS(CF | ZF | AF | PF);
	assert_int_equal(nacc, 2);
	assert_false(acc[0].write);
	assert_true(acc[1].write);

	/* 81 /5 id: sub dword [ebx], 0x10 from 0x10 = 0 */
	put32(DATA, 0x10);
	DONE(6, 0x81, 0x2b, 0x10, 0x00, 0x00, 0x00);
	assert_int_equal(get32(DATA), 0);
	FLAGS(ZF | PF);

	/* 80 /0 ib on a byte: 0x7f + 1 = 0x80 */
	mem[DATA] = 0x7f;
	DONE(3, 0x80, 0x03, 0x01);
	assert_int_equal(mem[DATA], 0x80);
	FLAGS(OF | SF | AF);
	assert_int_equal(acc[1].size, 1);

	/* 2D: sub eax, imm32 */
	c.gpr[EMUL_EAX] = 5;
	DONE(5, 0x2d, 0x06, 0x00, 0x00, 0x00);
	assert_int_equal(c.gpr[EMUL_EAX], 0xffffffff);
	FLAGS(CF | SF | AF | PF);
}

static void test_cmp(void **state)
{
	/* cmp eax, [ebx]: 5 - 7 = 0xfffffffe, nothing written */
	c.gpr[EMUL_EAX] = 5;
	c.gpr[EMUL_EBX] = DATA;
	put32(DATA, 7);
	DONE(2, 0x3b, 0x03);
	assert_int_equal(c.gpr[EMUL_EAX], 5);
	FLAGS(CF | SF | AF);
	assert_int_equal(nacc, 1);

	/* cmp [ebx], eax: 7 - 5 = 2 */
	DONE(2, 0x39, 0x03);
	FLAGS(0);
	assert_int_equal(get32(DATA), 7);

	/* cmp byte [ebx], 7 (80 /7): equal */
	DONE(3, 0x80, 0x3b, 0x07);
	FLAGS(ZF | PF);
	assert_int_equal(nacc, 1);

	/* cmp al, 0x80 (3C): 5 - 0x80 = 0x85: CF, SF, OF (pos - neg = neg) */
	DONE(2, 0x3c, 0x80);
	FLAGS(CF | SF | OF);

	/* cmp ax, 5 (66 83 /7 ib) */
	DONE(4, 0x66, 0x83, 0xf8, 0x05);
	FLAGS(ZF | PF);
}

static void test_logic(void **state)
{
	/* or [ebx], eax: an MMIO register's bits set in place; CF OF AF cleared */
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_EAX] = 0x0f000000;
	put32(DATA, 0xf0);
	c.eflags = 0x2 | CF | OF | AF;
	DONE(2, 0x09, 0x03);
	assert_int_equal(get32(DATA), 0x0f0000f0);
	FLAGS(PF);                                      /* 0xf0: four ones */

	/* and [ebx], eax with eax = 0x80000000 */
	c.gpr[EMUL_EAX] = 0x80000000;
	put32(DATA, 0xffffffff);
	DONE(2, 0x21, 0x03);
	assert_int_equal(get32(DATA), 0x80000000);
	FLAGS(SF | PF);

	/* and dword [ebx], ~0x100 (81 /4) */
	put32(DATA, 0x1ff);
	DONE(6, 0x81, 0x23, 0xff, 0xfe, 0xff, 0xff);
	assert_int_equal(get32(DATA), 0xff);
	FLAGS(PF);

	/* or ecx, [ebx] (0B: register destination) */
	c.gpr[EMUL_ECX] = 0x100;
	DONE(2, 0x0b, 0x0b);
	assert_int_equal(c.gpr[EMUL_ECX], 0x1ff);
	FLAGS(PF);                                      /* 0xff: eight ones */
}

static void test_logic_parity(void **state)
{
	/* xor eax, eax: zero, even parity */
	c.gpr[EMUL_EAX] = 0xdeadbeef;
	c.eflags = 0x2 | CF | OF;
	DONE(2, 0x31, 0xc0);
	assert_int_equal(c.gpr[EMUL_EAX], 0);
	FLAGS(ZF | PF);
	/* or al, 0x07: three ones, odd */
	DONE(2, 0x0c, 0x07);
	FLAGS(0);
	/* xor al, 0x01: 0x06, two ones, even */
	DONE(2, 0x34, 0x01);
	FLAGS(PF);
}

static void test_test(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_EAX] = 0x100;
	put32(DATA, 0x100);
	c.eflags = 0x2 | CF | OF;
	DONE(2, 0x85, 0x03);                            /* test [ebx], eax */
	FLAGS(PF);                                      /* 0x100: low byte 0 */
	assert_int_equal(nacc, 1);
	assert_false(acc[0].write);

	put32(DATA, 0x80000001);
	DONE(6, 0xf7, 0x03, 0x00, 0x00, 0x00, 0x80);    /* test dword [ebx], 0x80000000 */
	FLAGS(SF | PF);
	assert_int_equal(nacc, 1);

	DONE(3, 0xf6, 0x03, 0x02);                      /* test byte [ebx], 2 */
	FLAGS(ZF | PF);

	c.gpr[EMUL_EAX] = 0x02;
	DONE(2, 0xa8, 0x01);                            /* test al, 1 */
	FLAGS(ZF | PF);
	DONE(2, 0x84, 0xc0);                            /* test al, al */
	FLAGS(0);
	assert_int_equal(c.gpr[EMUL_EAX], 0x02);
}

static void test_inc_dec(void **state)
{
	/* inc eax (40): as ADD 1 but CF kept */
	c.gpr[EMUL_EAX] = 0x7fffffff;
	c.eflags = 0x2 | CF;
	DONE(1, 0x40);
	assert_int_equal(c.gpr[EMUL_EAX], 0x80000000);
	FLAGS(CF | OF | SF | AF | PF);

	/* dec eax (48) from 0 with CF clear: CF stays clear */
	c.gpr[EMUL_EAX] = 0;
	c.eflags = 0x2;
	DONE(1, 0x48);
	assert_int_equal(c.gpr[EMUL_EAX], 0xffffffff);
	FLAGS(SF | AF | PF);

	/* 66 41: inc cx, 16 bits */
	c.gpr[EMUL_ECX] = 0x1234ffff;
	DONE(2, 0x66, 0x41);
	assert_int_equal(c.gpr[EMUL_ECX], 0x12340000);
	FLAGS(ZF | AF | PF);

	/* dec byte [ebx] (FE /1): 0x80 - 1 = 0x7f, CF kept set */
	c.gpr[EMUL_EBX] = DATA;
	mem[DATA] = 0x80;
	c.eflags = 0x2 | CF;
	DONE(2, 0xfe, 0x0b);
	assert_int_equal(mem[DATA], 0x7f);
	FLAGS(CF | OF | AF);

	/* inc word [ebx] (66 FF /0): 0xffff + 1 = 0 */
	put16(DATA, 0xffff);
	c.eflags = 0x2;
	DONE(3, 0x66, 0xff, 0x03);
	assert_int_equal(get16(DATA), 0);
	FLAGS(ZF | AF | PF);
	assert_int_equal(acc[1].size, 2);
}

static void test_neg_not(void **state)
{
	c.gpr[EMUL_EAX] = 0;
	DONE(2, 0xf7, 0xd8);                            /* neg eax */
	assert_int_equal(c.gpr[EMUL_EAX], 0);
	FLAGS(ZF | PF);                                 /* CF = (src != 0) */

	c.gpr[EMUL_EBX] = DATA;
	put32(DATA, 1);
	DONE(2, 0xf7, 0x1b);                            /* neg dword [ebx] */
	assert_int_equal(get32(DATA), 0xffffffff);
	FLAGS(CF | SF | AF | PF);

	c.gpr[EMUL_EAX] = 0x80000000;
	DONE(2, 0xf7, 0xd8);                            /* neg of the most negative */
	assert_int_equal(c.gpr[EMUL_EAX], 0x80000000);
	FLAGS(CF | OF | SF | PF);

	c.gpr[EMUL_EAX] = 0x01;
	DONE(2, 0xf6, 0xdc);                            /* neg ah: 0 */
	FLAGS(ZF | PF);

	/* not: no flag changes */
	c.gpr[EMUL_EAX] = 0x0f0f0f0f;
	c.eflags = 0x2 | CF | ZF | OF;
	DONE(2, 0xf7, 0xd0);
	assert_int_equal(c.gpr[EMUL_EAX], 0xf0f0f0f0);
	assert_int_equal(c.eflags, 0x2 | CF | ZF | OF);
	put16(DATA, 0x00ff);
	DONE(3, 0x66, 0xf7, 0x13);                      /* not word [ebx] */
	assert_int_equal(get32(DATA), 0xffffff00);
}

/* ---- XCHG, CMPXCHG, XADD ---- */

static void test_xchg(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_EAX] = 0x11111111;
	put32(DATA, 0x22222222);
	DONE(2, 0x87, 0x03);                            /* xchg [ebx], eax */
	assert_int_equal(c.gpr[EMUL_EAX], 0x22222222);
	assert_int_equal(get32(DATA), 0x11111111);

	c.gpr[EMUL_EAX] = 0x0000ab00;
	DONE(2, 0x86, 0x23);                            /* xchg [ebx], ah */
	assert_int_equal(c.gpr[EMUL_EAX], 0x00001100);
	assert_int_equal(get32(DATA), 0x111111ab);

	c.gpr[EMUL_ECX] = 0x1234;
	DONE(2, 0x86, 0xc5);                            /* xchg ch, al */
	assert_int_equal(c.gpr[EMUL_EAX], 0x00001112);
	assert_int_equal(c.gpr[EMUL_ECX], 0x0034);
	FLAGS(0);
}

static void test_cmpxchg(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_EAX] = 5;
	c.gpr[EMUL_ECX] = 9;
	put32(DATA, 5);
	DONE(4, 0xf0, 0x0f, 0xb1, 0x0b);                /* lock cmpxchg [ebx], ecx */
	assert_int_equal(get32(DATA), 9);
	assert_int_equal(c.gpr[EMUL_EAX], 5);
	FLAGS(ZF | PF);

	/* fails: EAX <- [ebx]; the old value is written back (SDM) */
	c.gpr[EMUL_EAX] = 4;
	put32(DATA, 5);
	DONE(3, 0x0f, 0xb1, 0x0b);
	assert_int_equal(get32(DATA), 5);
	assert_int_equal(c.gpr[EMUL_EAX], 5);
	FLAGS(CF | SF | AF | PF);                       /* 4 - 5 */
	assert_int_equal(nacc, 2);
	assert_true(acc[1].write);

	/* byte form with a register destination: cmpxchg cl, dl */
	c.gpr[EMUL_EAX] = 0x77;
	c.gpr[EMUL_ECX] = 0x77;
	c.gpr[EMUL_EDX] = 0x99;
	DONE(3, 0x0f, 0xb0, 0xd1);
	assert_int_equal(c.gpr[EMUL_ECX], 0x99);
	FLAGS(ZF | PF);
}

static void test_xadd(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_ECX] = 0x10;
	put32(DATA, 0xfffffff0);
	DONE(4, 0xf0, 0x0f, 0xc1, 0x0b);                /* lock xadd [ebx], ecx */
	assert_int_equal(get32(DATA), 0);
	assert_int_equal(c.gpr[EMUL_ECX], 0xfffffff0);
	FLAGS(CF | ZF | PF);

	c.gpr[EMUL_EAX] = 3;
	DONE(3, 0x0f, 0xc0, 0xc0);                      /* xadd al, al: the sum wins */
	assert_int_equal(c.gpr[EMUL_EAX], 6);
	FLAGS(PF);
}

/* CMPXCHG8B: one 8-byte access; only ZF changes */
static void test_cmpxchg8b(void **state)
{
	struct emul_ctx before;
	c.gpr[EMUL_ESI] = DATA;
	put32(DATA, 0x22222222);
	put32(DATA + 4, 0x11111111);
	c.gpr[EMUL_EAX] = 0x22222222;
	c.gpr[EMUL_EDX] = 0x11111111;
	c.gpr[EMUL_EBX] = 0x44444444;
	c.gpr[EMUL_ECX] = 0x33333333;
	c.eflags = 0x2 | CF | SF;
	DONE(4, 0xf0, 0x0f, 0xc7, 0x0e);                /* lock cmpxchg8b [esi] */
	assert_int_equal(get32(DATA), 0x44444444);
	assert_int_equal(get32(DATA + 4), 0x33333333);
	assert_int_equal(c.eflags, 0x2 | CF | SF | ZF);
	assert_int_equal(nacc, 2);
	assert_int_equal(acc[0].size, 8);
	assert_int_equal(acc[1].size, 8);

	/* fails: EDX:EAX <- m64, m64 written back as it was */
	DONE(3, 0x0f, 0xc7, 0x0e);
	assert_int_equal(c.gpr[EMUL_EAX], 0x44444444);
	assert_int_equal(c.gpr[EMUL_EDX], 0x33333333);
	assert_int_equal(get32(DATA), 0x44444444);
	assert_int_equal(get32(DATA + 4), 0x33333333);
	assert_int_equal(c.eflags, 0x2 | CF | SF);
	assert_true(acc[1].write);

	/* a write fault changes nothing */
	c.gpr[EMUL_ESI] = ROPAGE;
	assert_int_equal(run_snap(BYTES(0x0f, 0xc7, 0x0e), &before), EMUL_EXCEPTION);
	assert_unchanged(&before);
	/* RDRAND (0F C7 /6) is not ours */
	assert_int_equal(run_snap(BYTES(0x0f, 0xc7, 0xf0), &before), EMUL_UNHANDLED);
	assert_unchanged(&before);
}

/* ---- BT, BTS, BTR, BTC ---- */

static void test_bt(void **state)
{
	uint32_t other = ZF | SF | OF | PF | AF;

	/* bt eax, ecx: a register takes the offset modulo 32 */
	c.gpr[EMUL_EAX] = 0x8;
	c.gpr[EMUL_ECX] = 35;
	c.eflags = 0x2 | other;
	DONE(3, 0x0f, 0xa3, 0xc8);
	FLAGS(other | CF);                              /* only CF changes */

	/* bts [ebx], ecx with 35: the dword at +4, bit 3 */
	c.gpr[EMUL_EBX] = DATA;
	DONE(3, 0x0f, 0xab, 0x0b);
	assert_int_equal(get32(DATA + 4), 0x8);
	assert_int_equal(get32(DATA), 0);
	FLAGS(other);
	assert_int_equal(nacc, 2);
	assert_int_equal(acc[0].lin, DATA + 4);
	assert_int_equal(acc[0].size, 4);
	assert_int_equal(acc[1].lin, DATA + 4);

	/* btr [ebx], ecx with -1: the dword at -4, bit 31 */
	c.gpr[EMUL_ECX] = 0xffffffff;
	put32(DATA - 4, 0x80000001);
	DONE(3, 0x0f, 0xb3, 0x0b);
	assert_int_equal(get32(DATA - 4), 1);
	FLAGS(other | CF);

	/* btc word [ebx], cx with cx = -17: the word at -4, bit 15 */
	c.gpr[EMUL_ECX] = 0xffffffef;
	put32(DATA - 4, 0);
	DONE(4, 0x66, 0x0f, 0xbb, 0x0b);
	assert_int_equal(get32(DATA - 4), 0x8000);
	assert_int_equal(acc[0].lin, DATA - 4);
	assert_int_equal(acc[0].size, 2);
	FLAGS(other);

	/* bt dword [ebx], 35 (0F BA /4 ib): an immediate is modulo 32 */
	put32(DATA, 0x8);
	DONE(4, 0x0f, 0xba, 0x23, 35);
	FLAGS(other | CF);
	assert_int_equal(acc[0].lin, DATA);
	assert_int_equal(nacc, 1);

	/* bts dword [ebx], 1; btr; btc */
	DONE(4, 0x0f, 0xba, 0x2b, 1);
	assert_int_equal(get32(DATA), 0xa);
	FLAGS(other);
	DONE(4, 0x0f, 0xba, 0x33, 3);
	assert_int_equal(get32(DATA), 0x2);
	FLAGS(other | CF);
	DONE(4, 0x0f, 0xba, 0x3b, 1);
	assert_int_equal(get32(DATA), 0x0);
	FLAGS(other | CF);

	/* bt with a register offset below 2^31 and a big displacement */
	c.gpr[EMUL_ECX] = 0x100 * 8 + 5;
	put32(DATA + 0x100, 0x20);
	c.eflags = 0x2;
	DONE(3, 0x0f, 0xa3, 0x0b);
	FLAGS(CF);
}

/* ---- strings ---- */

static void test_rep_movs(void **state)
{
	for (int i = 0; i < 16; i++)
		mem[0x5000 + i] = (uint8_t)(0x40 + i);
	c.gpr[EMUL_ESI] = 0x5000;
	c.gpr[EMUL_EDI] = 0x6000;
	c.gpr[EMUL_ECX] = 5;
	DONE(2, 0xf3, 0xa4);                            /* rep movsb */
	assert_memory_equal(mem + 0x6000, mem + 0x5000, 5);
	assert_int_equal(mem[0x6005], 0);
	assert_int_equal(c.gpr[EMUL_ESI], 0x5005);
	assert_int_equal(c.gpr[EMUL_EDI], 0x6005);
	assert_int_equal(c.gpr[EMUL_ECX], 0);

	/* DF = 1: rep movsd from the top down */
	c.eflags = 0x2 | EFL_DF;
	c.gpr[EMUL_ESI] = 0x500c;
	c.gpr[EMUL_EDI] = 0x700c;
	c.gpr[EMUL_ECX] = 4;
	DONE(2, 0xf3, 0xa5);
	assert_memory_equal(mem + 0x7000, mem + 0x5000, 16);
	assert_int_equal(c.gpr[EMUL_ESI], 0x4ffc);
	assert_int_equal(c.gpr[EMUL_EDI], 0x6ffc);
	assert_int_equal(c.gpr[EMUL_ECX], 0);
	assert_int_equal(nacc, 8);
	assert_int_equal(acc[0].lin, 0x500c);
	assert_int_equal(acc[6].lin, 0x5000);
	FLAGS(0);

	/* count 0: nothing is accessed */
	DONE(2, 0xf3, 0xa5);
	assert_int_equal(nacc, 0);

	/* no REP: one; the ES base applies to EDI, an FS override to ESI */
	c.eflags = 0x2;
	c.seg_base[EMUL_ES] = 0x1000;
	c.seg_base[EMUL_FS] = 0x2000;
	c.gpr[EMUL_ESI] = 0x3000;                       /* linear 0x5000 */
	c.gpr[EMUL_EDI] = 0x7000;                       /* linear 0x8000 */
	c.gpr[EMUL_ECX] = 7;
	DONE(3, 0x64, 0x66, 0xa5);                      /* movsw fs:[esi] */
	assert_int_equal(get16(0x8000), 0x4140);
	assert_int_equal(acc[0].lin, 0x5000);
	assert_int_equal(acc[1].lin, 0x8000);
	assert_int_equal(c.gpr[EMUL_ECX], 7);
	assert_int_equal(c.gpr[EMUL_ESI], 0x3002);
}

static void test_rep_stos_continue(void **state)
{
	c.max_reps = 3;
	c.gpr[EMUL_EAX] = 0xdeadbeef;
	c.gpr[EMUL_EDI] = DATA;
	c.gpr[EMUL_ECX] = 10;
	assert_int_equal(RUN(0xf3, 0xab), EMUL_CONTINUE);      /* rep stosd */
	assert_int_equal(c.eip, CODE);
	assert_int_equal(c.gpr[EMUL_ECX], 7);
	assert_int_equal(c.gpr[EMUL_EDI], DATA + 12);
	for (int round = 0; round < 2; round++)
		assert_int_equal(emul_step(&c), EMUL_CONTINUE);
	assert_int_equal(c.gpr[EMUL_ECX], 1);
	assert_int_equal(c.eip, CODE);
	assert_int_equal(emul_step(&c), EMUL_DONE);
	assert_int_equal(c.eip, CODE + 2);
	assert_int_equal(c.gpr[EMUL_ECX], 0);
	assert_int_equal(c.gpr[EMUL_EDI], DATA + 40);
	for (int i = 0; i < 10; i++)
		assert_int_equal(get32(DATA + 4 * i), 0xdeadbeef);
	assert_int_equal(get32(DATA + 40), 0);

	/* exactly max_reps left: done, not continue */
	c.gpr[EMUL_ECX] = 3;
	DONE(2, 0xf3, 0xaa);
	assert_int_equal(c.gpr[EMUL_ECX], 0);
}

static void test_cmps_scas_lods(void **state)
{
	memcpy(mem + 0x5000, "abcdXefgh", 9);
	memcpy(mem + 0x6000, "abcdYefgh", 9);
	c.gpr[EMUL_ESI] = 0x5000;
	c.gpr[EMUL_EDI] = 0x6000;
	c.gpr[EMUL_ECX] = 9;
	DONE(2, 0xf3, 0xa6);                            /* repe cmpsb */
	assert_int_equal(c.gpr[EMUL_ECX], 4);
	assert_int_equal(c.gpr[EMUL_ESI], 0x5005);
	assert_int_equal(c.gpr[EMUL_EDI], 0x6005);
	FLAGS(CF | SF | AF | PF);                       /* 'X' - 'Y' = 0xff */

	/* repe cmpsb running out of count on equal strings: ZF set */
	c.gpr[EMUL_ESI] = 0x5000;
	c.gpr[EMUL_EDI] = 0x6000;
	c.gpr[EMUL_ECX] = 4;
	DONE(2, 0xf3, 0xa6);
	assert_int_equal(c.gpr[EMUL_ECX], 0);
	FLAGS(ZF | PF);

	/* repne scasb: find the NUL of "hello" */
	memcpy(mem + 0x7000, "hello", 6);
	c.gpr[EMUL_EAX] = 0xffffff00;
	c.gpr[EMUL_EDI] = 0x7000;
	c.gpr[EMUL_ECX] = 100;
	DONE(2, 0xf2, 0xae);
	assert_int_equal(c.gpr[EMUL_EDI], 0x7006);
	assert_int_equal(c.gpr[EMUL_ECX], 94);
	FLAGS(ZF | PF);

	/* lodsw, DF = 1 */
	c.eflags = 0x2 | EFL_DF;
	c.gpr[EMUL_ESI] = 0x5002;
	DONE(2, 0x66, 0xad);
	assert_int_equal(c.gpr[EMUL_EAX], 0xffff6463);     /* "cd" */
	assert_int_equal(c.gpr[EMUL_ESI], 0x5000);

	/* scasd without REP, not equal: 0x64636261 - 0x00000000 */
	c.eflags = 0x2;
	c.gpr[EMUL_EAX] = 0;
	c.gpr[EMUL_EDI] = 0x5000;
	DONE(1, 0xaf);
	FLAGS(CF | SF | AF | PF);                       /* 0 - 0x64636261 = 0x9b9c9d9f */
	assert_int_equal(c.gpr[EMUL_EDI], 0x5004);
}

/* 67: SI, DI and CX at 16 bits, wrapping at 64 KiB, upper halves kept */
static void test_string_addr16(void **state)
{
	mem[0xfffe] = 1;
	mem[0xffff] = 2;
	mem[0x0000] = 3;
	mem[0x0001] = 4;
	c.gpr[EMUL_ESI] = 0x1234fffe;
	c.gpr[EMUL_EDI] = 0x77772000;
	c.gpr[EMUL_ECX] = 0x55550004;
	DONE(3, 0x67, 0xf3, 0xa4);
	assert_int_equal(c.gpr[EMUL_ESI], 0x12340002);
	assert_int_equal(c.gpr[EMUL_EDI], 0x77772004);
	assert_int_equal(c.gpr[EMUL_ECX], 0x55550000);
	assert_memory_equal(mem + 0x2000, ((const uint8_t[]){ 1, 2, 3, 4 }), 4);
	assert_int_equal(acc[4].lin, 0);

	/* 16-bit code: rep movsw by CX without a prefix, 66 for dwords;
	 * F2 on MOVS is a plain REP */
	c.def_size = 16;
	c.seg_base[EMUL_DS] = 0x4000;
	c.seg_base[EMUL_ES] = 0x5000;
	c.gpr[EMUL_ESI] = 0xabcd0010;
	c.gpr[EMUL_EDI] = 0x00000020;
	c.gpr[EMUL_ECX] = 0x00010002;
	put32(0x4010, 0x44332211);
	put32(0x4014, 0x88776655);
	DONE(2, 0xf3, 0xa5);
	assert_int_equal(get32(0x5020), 0x44332211);
	assert_int_equal(get16(0x5024), 0);
	assert_int_equal(acc[0].size, 2);
	assert_int_equal(c.gpr[EMUL_ESI], 0xabcd0014);
	assert_int_equal(c.gpr[EMUL_EDI], 0x24);
	assert_int_equal(c.gpr[EMUL_ECX], 0x00010000);
	c.gpr[EMUL_ECX] = 1;
	DONE(3, 0xf2, 0x66, 0xa5);
	assert_int_equal(get32(0x5024), 0x88776655);
	assert_int_equal(acc[0].size, 4);
	assert_int_equal(c.gpr[EMUL_ECX], 0);
}

static void test_ins_outs(void **state)
{
	c.gpr[EMUL_EDX] = 0x1f0;
	c.gpr[EMUL_EDI] = DATA;
	c.gpr[EMUL_ECX] = 3;
	DONE(3, 0xf3, 0x66, 0x6d);                      /* rep insw */
	assert_int_equal(npio, 3);
	assert_int_equal(pio_log[2].port, 0x1f0);
	assert_int_equal(pio_log[2].size, 2);
	assert_false(pio_log[2].write);
	for (int i = 0; i < 3; i++)
		assert_int_equal(get16(DATA + 2 * i), 0x01f0);
	assert_int_equal(c.gpr[EMUL_EDI], DATA + 6);

	c.gpr[EMUL_ESI] = DATA;
	put32(DATA, 0x04030201);
	c.gpr[EMUL_ECX] = 2;
	DONE(2, 0xf3, 0x6e);                            /* rep outsb */
	assert_int_equal(npio, 2);
	assert_true(pio_log[0].write);
	assert_int_equal(pio_log[0].val, 0x01);
	assert_int_equal(pio_log[1].val, 0x02);
	assert_int_equal(c.gpr[EMUL_ESI], DATA + 2);

	c.ops = &ops_nopio;
	c.gpr[EMUL_ECX] = 2;
	assert_int_equal(RUN(0xf3, 0x6e), EMUL_UNHANDLED);
	assert_int_equal(c.gpr[EMUL_ECX], 2);
}

static void test_in_out(void **state)
{
	c.gpr[EMUL_EAX] = 0x11223344;
	DONE(2, 0xe4, 0x60);                            /* in al, 0x60 */
	assert_int_equal(c.gpr[EMUL_EAX], 0x11223360);
	assert_int_equal(pio_log[0].size, 1);
	DONE(3, 0x66, 0xe5, 0x71);                      /* in ax, 0x71 */
	assert_int_equal(c.gpr[EMUL_EAX], 0x11220071);
	c.gpr[EMUL_EDX] = 0xcf8;
	DONE(1, 0xed);                                  /* in eax, dx */
	assert_int_equal(c.gpr[EMUL_EAX], 0xa5a50cf8);
	assert_int_equal(pio_log[0].port, 0xcf8);
	assert_int_equal(pio_log[0].size, 4);

	c.gpr[EMUL_EAX] = 0x80001234;
	DONE(1, 0xef);                                  /* out dx, eax */
	assert_true(pio_log[0].write);
	assert_int_equal(pio_log[0].val, 0x80001234);
	DONE(2, 0x66, 0xef);                            /* out dx, ax */
	assert_int_equal(pio_log[0].val, 0x1234);
	assert_int_equal(pio_log[0].size, 2);
	DONE(2, 0xe6, 0x80);                            /* out 0x80, al */
	assert_int_equal(pio_log[0].port, 0x80);
	assert_int_equal(pio_log[0].val, 0x34);

	/* a fault from the port op: nothing changes */
	c.gpr[EMUL_EDX] = 0xdead;
	assert_int_equal(RUN(0xec), EMUL_EXCEPTION);
	assert_int_equal(c.exc_vector, 13);
	assert_int_equal(c.eip, CODE);
	assert_int_equal(c.gpr[EMUL_EAX], 0x80001234);

	c.ops = &ops_nopio;
	assert_int_equal(RUN(0xe4, 0x60), EMUL_UNHANDLED);
	assert_int_equal(c.gpr[EMUL_EAX], 0x80001234);
}

/* ---- addressing: segments, 16-bit forms ---- */

static void test_segments(void **state)
{
	c.seg_base[EMUL_DS] = 0x1000;
	c.seg_base[EMUL_SS] = 0x2000;
	c.seg_base[EMUL_FS] = 0x3000;
	c.seg_base[EMUL_ES] = 0x4000;
	c.gpr[EMUL_EBX] = 0x100;
	c.gpr[EMUL_EBP] = 0x200;
	c.gpr[EMUL_ESP] = 0x300;
	put32(0x3100, 0xf5f5f5f5);

	DONE(3, 0x64, 0x8b, 0x03);                      /* mov eax, fs:[ebx] */
	assert_int_equal(acc[0].lin, 0x3100);
	assert_int_equal(c.gpr[EMUL_EAX], 0xf5f5f5f5);
	DONE(2, 0x8b, 0x03);                            /* ds:[ebx] */
	assert_int_equal(acc[0].lin, 0x1100);
	DONE(3, 0x8b, 0x45, 0x08);                      /* [ebp+8]: SS */
	assert_int_equal(acc[0].lin, 0x2208);
	DONE(3, 0x8b, 0x04, 0x24);                      /* [esp]: SS */
	assert_int_equal(acc[0].lin, 0x2300);
	DONE(4, 0x3e, 0x8b, 0x45, 0x08);                /* ds:[ebp+8] */
	assert_int_equal(acc[0].lin, 0x1208);
	DONE(3, 0x8b, 0x04, 0x2b);                      /* mov eax, [ebx+ebp]: base EBX, DS */
	assert_int_equal(acc[0].lin, 0x1300);
	/* SIB 0x5d: index EBX*2, base 5 with mod 0: disp32 instead of EBP, DS */
	DONE(7, 0x8b, 0x04, 0x5d, 0x10, 0x00, 0x00, 0x00);      /* [ebx*2+0x10] */
	assert_int_equal(acc[0].lin, 0x1000 + 0x210);
	DONE(3, 0x26, 0x8b, 0x03);                      /* es:[ebx] */
	assert_int_equal(acc[0].lin, 0x4100);
	/* CS override on a data access */
	c.seg_base[EMUL_CS] = 0;
	DONE(3, 0x2e, 0x8b, 0x03);
	assert_int_equal(acc[0].lin, 0x100);
	/* moffs with an override */
	DONE(6, 0x64, 0xa1, 0x10, 0x00, 0x00, 0x00);
	assert_int_equal(acc[0].lin, 0x3010);
}

static void test_addr16(void **state)
{
	c.def_size = 16;
	c.seg_base[EMUL_DS] = 0x2000;
	c.seg_base[EMUL_SS] = 0x4000;
	c.gpr[EMUL_EBX] = 0xffff0100;                   /* upper halves are ignored */
	c.gpr[EMUL_ESI] = 0x20;
	c.gpr[EMUL_EDI] = 0x40;
	c.gpr[EMUL_EBP] = 0x600;
	c.gpr[EMUL_EAX] = 0xabcd0000;
	put16(0x2125, 0x1357);

	DONE(3, 0x8b, 0x40, 0x05);                      /* mov ax, [bx+si+5] */
	assert_int_equal(acc[0].lin, 0x2125);
	assert_int_equal(acc[0].size, 2);
	assert_int_equal(c.gpr[EMUL_EAX], 0xabcd1357);
	DONE(2, 0x8b, 0x03);                            /* [bp+di]: SS */
	assert_int_equal(acc[0].lin, 0x4640);
	DONE(3, 0x8b, 0x46, 0xfe);                      /* [bp-2]: SS */
	assert_int_equal(acc[0].lin, 0x45fe);
	DONE(4, 0x8b, 0x06, 0x34, 0x12);                /* [0x1234]: DS */
	assert_int_equal(acc[0].lin, 0x3234);
	DONE(2, 0x8b, 0x05);                            /* [di] */
	assert_int_equal(acc[0].lin, 0x2040);
	DONE(3, 0x66, 0x8b, 0x07);                      /* mov eax, [bx] (66: 32 bits) */
	assert_int_equal(acc[0].size, 4);
	assert_int_equal(acc[0].lin, 0x2100);
	/* bx + si wraps at 64 KiB */
	c.gpr[EMUL_EBX] = 0xfff0;
	DONE(2, 0x8b, 0x00);
	assert_int_equal(acc[0].lin, 0x2010);
	/* 67 in 16-bit code: 32-bit addressing */
	DONE(3, 0x67, 0x8b, 0x03);                      /* mov ax, [ebx] */
	assert_int_equal(acc[0].lin, 0x2000 + 0xfff0);
	/* IP wraps at 64 KiB */
	c.seg_base[EMUL_CS] = 0x10000;
	mem[0x1ffff] = 0x40;                            /* inc ax at ip 0xffff */
	c.eip = 0xffff;
	assert_int_equal(emul_step(&c), EMUL_DONE);
	assert_int_equal(c.eip, 0);

	/* 67 in 32-bit code: 16-bit addressing */
	c.def_size = 32;
	c.seg_base[EMUL_CS] = 0;
	c.gpr[EMUL_EBX] = 0x10100;
	DONE(3, 0x67, 0x8b, 0x07);                      /* mov eax, [bx] */
	assert_int_equal(acc[0].lin, 0x2100);
}

/* ---- faults, refusals ---- */

static void test_faults(void **state)
{
	struct emul_ctx before;

	/* a fetch fault */
	c.eip = NOPAGE + 0x10;
	before = c;
	assert_int_equal(emul_step(&c), EMUL_EXCEPTION);
	assert_int_equal(c.exc_vector, PF_VEC);
	assert_true(c.exc_has_code);
	assert_unchanged(&before);

	/* an instruction ending at the page's end does not touch the next */
	c.gpr[EMUL_EBX] = DATA;
	nfetch = 0;
	assert_int_equal(run_at(NOPAGE - 2, BYTES(0x8b, 0x03)), EMUL_DONE);
	assert_int_equal(c.eip, NOPAGE);
	assert_int_equal(fetch_end, NOPAGE);
	/* ... but one that goes on into it faults there */
	memcpy(mem + NOPAGE - 1, BYTES(0x8b));
	c.eip = NOPAGE - 1;
	before = c;
	assert_int_equal(emul_step(&c), EMUL_EXCEPTION);
	assert_int_equal(fault_addr, NOPAGE);
	assert_unchanged(&before);

	/* ... and one that crosses into a present page is fetched whole */
	memcpy(mem + ROPAGE - 1, BYTES(0x8b, 0x03));
	c.eip = ROPAGE - 1;
	assert_int_equal(emul_step(&c), EMUL_DONE);
	assert_int_equal(c.eip, ROPAGE + 1);

	/* a read fault */
	c.gpr[EMUL_EBX] = NOPAGE;
	memcpy(mem + CODE, BYTES(0x8b, 0x03));
	c.eip = CODE;
	before = c;
	assert_int_equal(emul_step(&c), EMUL_EXCEPTION);
	assert_int_equal(c.exc_code, 0);
	assert_unchanged(&before);

	/* an access crossing into the absent page: passed whole, faults */
	c.gpr[EMUL_EBX] = NOPAGE - 2;
	before = c;
	assert_int_equal(emul_step(&c), EMUL_EXCEPTION);
	assert_int_equal(acc[nacc - 1].lin, NOPAGE - 2);
	assert_int_equal(acc[nacc - 1].size, 4);
	assert_unchanged(&before);
}

/* A read-modify-write whose write faults changes nothing, flags included. */
static void test_write_fault_rmw(void **state)
{
	struct emul_ctx before;
	c.gpr[EMUL_EBX] = ROPAGE;
	c.gpr[EMUL_EAX] = 0xffffffff;
	c.gpr[EMUL_ECX] = 0x1234;
	put32(ROPAGE, 1);

	static const uint8_t forms[][4] = {
		{ 0x01, 0x03 },                 /* add [ebx], eax */
		{ 0x87, 0x03 },                 /* xchg [ebx], eax */
		{ 0x0f, 0xc1, 0x03 },           /* xadd [ebx], eax */
		{ 0x0f, 0xb1, 0x0b },           /* cmpxchg [ebx], ecx (fails: writes back) */
		{ 0x0f, 0xab, 0x0b },           /* bts [ebx], ecx */
		{ 0xf7, 0x1b },                 /* neg [ebx] */
		{ 0xff, 0x03 },                 /* inc [ebx] */
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(run_snap(forms[i], 4, &before), EMUL_EXCEPTION);
		assert_unchanged(&before);
		assert_int_equal(c.exc_code, 3);
		assert_int_equal(get32(ROPAGE), 1);
	}

	/* rep movsb faulting at its third byte keeps the first two */
	c.gpr[EMUL_ESI] = 0x5000;
	c.gpr[EMUL_EDI] = ROPAGE - 2;
	c.gpr[EMUL_ECX] = 5;
	mem[0x5000] = 0x11;
	mem[0x5001] = 0x22;
	assert_int_equal(RUN(0xf3, 0xa4), EMUL_EXCEPTION);
	assert_int_equal(c.eip, CODE);
	assert_int_equal(c.gpr[EMUL_ECX], 3);
	assert_int_equal(c.gpr[EMUL_ESI], 0x5002);
	assert_int_equal(c.gpr[EMUL_EDI], ROPAGE);
	assert_int_equal(mem[ROPAGE - 2], 0x11);
	assert_int_equal(mem[ROPAGE - 1], 0x22);
}

static void test_unhandled(void **state)
{
	static const uint8_t forms[][4] = {
		{ 0x0f, 0x0b },                 /* ud2 */
		{ 0xf7, 0xf1 },                 /* div ecx */
		{ 0xf7, 0x23 },                 /* mul dword [ebx] */
		{ 0xff, 0xd0 },                 /* call eax */
		{ 0xff, 0x33 },                 /* push dword [ebx] */
		{ 0x8e, 0xd8 },                 /* mov ds, ax */
		{ 0x9c },                       /* pushf */
		{ 0xd3, 0x23 },                 /* shl dword [ebx], cl */
		{ 0x0f, 0x04 },                 /* undefined: the decoder refuses */
		{ 0x8d, 0x03 },                 /* lea eax, [ebx] */
		{ 0x0f, 0x22, 0xd8 },           /* mov cr3, eax */
	};
	c.gpr[EMUL_EBX] = DATA;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct emul_ctx before;
		assert_int_equal(run_snap(forms[i], 4, &before), EMUL_UNHANDLED);
		assert_unchanged(&before);
		assert_int_equal(nacc, 0);
		assert_int_equal(c.exc_vector, 0xff);
	}
}

static void test_lock(void **state)
{
	c.gpr[EMUL_EBX] = DATA;
	c.gpr[EMUL_ECX] = 2;
	put32(DATA, 1);
	DONE(3, 0xf0, 0x01, 0x0b);                      /* lock add [ebx], ecx */
	assert_int_equal(get32(DATA), 3);
	DONE(4, 0xf0, 0x0f, 0xab, 0x0b);                /* lock bts [ebx], ecx */
	assert_int_equal(get32(DATA), 7);
	DONE(3, 0xf0, 0x87, 0x0b);                      /* lock xchg [ebx], ecx */
	assert_int_equal(get32(DATA), 2);

	static const uint8_t ud[][5] = {
		{ 0xf0, 0x01, 0xc8 },                   /* lock add eax, ecx */
		{ 0xf0, 0x89, 0x0b },                   /* lock mov [ebx], ecx */
		{ 0xf0, 0x39, 0x0b },                   /* lock cmp [ebx], ecx */
		{ 0xf0, 0x03, 0x0b },                   /* lock add ecx, [ebx] */
		{ 0xf0, 0x0f, 0xa3, 0x0b },             /* lock bt [ebx], ecx */
		{ 0xf0, 0x85, 0x0b },                   /* lock test [ebx], ecx */
		{ 0xf0, 0xa5 },                         /* lock movsd */
		{ 0xf0, 0x40 },                         /* lock inc eax */
	};
	for (size_t i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		struct emul_ctx before;
		assert_int_equal(run_snap(ud[i], 5, &before), EMUL_EXCEPTION);
		assert_int_equal(c.exc_vector, EMUL_VEC_UD);
		assert_false(c.exc_has_code);
		assert_unchanged(&before);
		assert_int_equal(nacc, 0);
	}
}

/* ---- the host CPU as the oracle for the flags ---- */

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_NATIVE 1

/*
 * Run one operation natively: SAHF loads SF ZF AF PF CF from AH, LAHF and
 * SETO read them back (no PUSHF: the stack below RSP may be the red zone).
 */
#define NATIVE_BIN(sfx, mod, insn) \
	asm volatile("sahf\n\t" insn sfx " %" mod "[b], %" mod "[a]\n\tlahf\n\tseto %[of]" \
		     : [a] "+r"(a), "+a"(ax), [of] "=r"(of) : [b] "r"(b) : "cc")
#define NATIVE_UN(sfx, mod, insn) \
	asm volatile("sahf\n\t" insn sfx " %" mod "[a]\n\tlahf\n\tseto %[of]" \
		     : [a] "+r"(a), "+a"(ax), [of] "=r"(of) : : "cc")
#define NATIVE_SIZES(M, insn) do { \
	switch (size) { \
	case 1: M("b", "b", insn); break; \
	case 2: M("w", "w", insn); break; \
	default: M("l", "k", insn); break; \
	} } while (0)

enum nat_op { N_ADD, N_OR, N_ADC, N_SBB, N_AND, N_SUB, N_XOR, N_CMP, N_TEST, N_INC, N_DEC, N_NEG, N_OPS };

static uint32_t native(unsigned op, unsigned size, uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)
{
	unsigned long ax = (fin & 0xff) << 8;
	uint8_t of = 0;

	switch (op) {
	case N_ADD: NATIVE_SIZES(NATIVE_BIN, "add"); break;
	case N_OR:  NATIVE_SIZES(NATIVE_BIN, "or"); break;
	case N_ADC: NATIVE_SIZES(NATIVE_BIN, "adc"); break;
	case N_SBB: NATIVE_SIZES(NATIVE_BIN, "sbb"); break;
	case N_AND: NATIVE_SIZES(NATIVE_BIN, "and"); break;
	case N_SUB: NATIVE_SIZES(NATIVE_BIN, "sub"); break;
	case N_XOR: NATIVE_SIZES(NATIVE_BIN, "xor"); break;
	case N_CMP: NATIVE_SIZES(NATIVE_BIN, "cmp"); break;
	case N_TEST: NATIVE_SIZES(NATIVE_BIN, "test"); break;
	case N_INC: NATIVE_SIZES(NATIVE_UN, "inc"); break;
	case N_DEC: NATIVE_SIZES(NATIVE_UN, "dec"); break;
	case N_NEG: NATIVE_SIZES(NATIVE_UN, "neg"); break;
	}
	*fout = ((ax >> 8) & (CF | PF | AF | ZF | SF)) | (of ? OF : 0);
	return a;
}

/* The same operation through the emulator: op r/m(EAX), reg(ECX) with a
 * register ModRM, so the whole decode-and-run path is in the loop. */
static uint32_t emulated(unsigned op, unsigned size, uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)
{
	static const uint8_t opc[N_OPS][2] = {
		[N_ADD] = { 0x00, 0xc8 }, [N_OR] = { 0x08, 0xc8 }, [N_ADC] = { 0x10, 0xc8 },
		[N_SBB] = { 0x18, 0xc8 }, [N_AND] = { 0x20, 0xc8 }, [N_SUB] = { 0x28, 0xc8 },
		[N_XOR] = { 0x30, 0xc8 }, [N_CMP] = { 0x38, 0xc8 }, [N_TEST] = { 0x84, 0xc8 },
		[N_INC] = { 0xfe, 0xc0 }, [N_DEC] = { 0xfe, 0xc8 }, [N_NEG] = { 0xf6, 0xd8 },
	};
	uint8_t code[3];
	unsigned n = 0;

	if (size == 2)
		code[n++] = 0x66;
	code[n++] = opc[op][0] | (size > 1);
	code[n++] = opc[op][1];
	c.gpr[EMUL_EAX] = a;
	c.gpr[EMUL_ECX] = b;
	c.eflags = 0x2 | (fin & ARITH);
	assert_int_equal(run_at(CODE, code, n), EMUL_DONE);
	*fout = c.eflags & ARITH;
	return c.gpr[EMUL_EAX];
}

static uint32_t interesting(uint64_t *rng)
{
	static const uint32_t edges[] = {
		0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
	};
	uint64_t r = unit_rand(rng);
	if (r % 4 == 0)
		return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
	return (uint32_t)(r >> 16);
}

static void test_native_flags(void **state)
{
	static const char *const names[N_OPS] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test", "inc", "dec", "neg",
	};
	uint64_t rng = unit_seed("native_flags");
	unsigned long checked = 0;

	for (unsigned op = 0; op < N_OPS; op++) {
		bool logic = op == N_OR || op == N_AND || op == N_XOR || op == N_TEST;
		/* AF is undefined after the logical ops: not compared */
		uint32_t cmp_mask = logic ? ARITH & ~AF : ARITH;
		for (unsigned size = 1; size <= 4; size *= 2) {
			uint32_t m = size == 4 ? 0xffffffffu : (1u << size * 8) - 1;
			for (int i = 0; i < 20000; i++) {
				uint32_t a = interesting(&rng), b = interesting(&rng);
				uint32_t fin = (uint32_t)unit_rand(&rng) & (CF | PF | AF | ZF | SF);
				uint32_t fn, fe;
				uint32_t rn = native(op, size, a, b, fin, &fn);
				uint32_t re = emulated(op, size, a, b, fin, &fe);
				if ((rn & m) != (re & m) || (re & ~m) != (a & ~m) ||
				    (fn & cmp_mask) != (fe & cmp_mask))
					fail_msg("%s/%u: a=%#x b=%#x fin=%#x: native %#x fl %#x, emulated %#x fl %#x",
						 names[op], size * 8, a, b, fin, rn & m, fn, re, fe);
				checked++;
			}
		}
	}
	print_message("# native_flags: %lu operations agree with the host CPU\n", checked);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mov, setup),
		cmocka_unit_test_setup(test_movzx_movsx, setup),
		cmocka_unit_test_setup(test_add_sub_flags, setup),
		cmocka_unit_test_setup(test_cmp, setup),
		cmocka_unit_test_setup(test_logic, setup),
		cmocka_unit_test_setup(test_logic_parity, setup),
		cmocka_unit_test_setup(test_test, setup),
		cmocka_unit_test_setup(test_inc_dec, setup),
		cmocka_unit_test_setup(test_neg_not, setup),
		cmocka_unit_test_setup(test_xchg, setup),
		cmocka_unit_test_setup(test_cmpxchg, setup),
		cmocka_unit_test_setup(test_xadd, setup),
		cmocka_unit_test_setup(test_cmpxchg8b, setup),
		cmocka_unit_test_setup(test_bt, setup),
		cmocka_unit_test_setup(test_rep_movs, setup),
		cmocka_unit_test_setup(test_rep_stos_continue, setup),
		cmocka_unit_test_setup(test_cmps_scas_lods, setup),
		cmocka_unit_test_setup(test_string_addr16, setup),
		cmocka_unit_test_setup(test_ins_outs, setup),
		cmocka_unit_test_setup(test_in_out, setup),
		cmocka_unit_test_setup(test_segments, setup),
		cmocka_unit_test_setup(test_addr16, setup),
		cmocka_unit_test_setup(test_faults, setup),
		cmocka_unit_test_setup(test_write_fault_rmw, setup),
		cmocka_unit_test_setup(test_unhandled, setup),
		cmocka_unit_test_setup(test_lock, setup),
#ifdef HAVE_NATIVE
		cmocka_unit_test_setup(test_native_flags, setup),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
