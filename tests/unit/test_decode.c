/* lib/decode.c against capstone (the host's libcapstone, 4.x): every
 * one-byte, 0F, 0F38 and 0F3A opcode under a spread of prefixes, ModRM and
 * SIB bytes, and seeded random byte strings, in 32-bit and 16-bit code.
 * Where capstone decodes, our length, ModRM, displacement, immediate and
 * prefixes must agree; where it does not, ours must stay within 15 bytes.
 * The sequences where one decodes and the other refuses are counted by
 * opcode and must stay in the small documented set (docs/decoder.md). */
#include <string.h>
#include <capstone/capstone.h>
#include "unit.h"

#include "decode.h"

struct tally {
	unsigned long total, agree, both_invalid, we_only_lock, we_only, cs_only, cs_quirk;
	unsigned long we_only_op[4][256], cs_only_op[4][256];
};

static csh cs32, cs16;
static unsigned long mismatches;

/* A disagreement: printed (the first 40) and counted; the test fails at its end. */
#define bad(...) do { \
		if (mismatches++ < 40) \
			print_message("# MISMATCH " __VA_ARGS__); \
		return; \
	} while (0)
static cs_insn *csi32, *csi16;

static int setup(void **state)
{
	(void)state;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs32) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_16, &cs16) != CS_ERR_OK)
		return -1;
	cs_option(cs32, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(cs16, CS_OPT_DETAIL, CS_OPT_ON);
	csi32 = cs_malloc(cs32);
	csi16 = cs_malloc(cs16);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_free(csi32, 1);
	cs_free(csi16, 1);
	cs_close(&cs32);
	cs_close(&cs16);
	return 0;
}

static void hex(char *out, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x ", b[i]);
}

/* Map and opcode of a byte string, by skipping legacy prefixes (for the
 * tallies of disagreements, also where our decoder refused). */
static void where(const uint8_t *b, unsigned *map, unsigned *op)
{
	unsigned i = 0;
	while (i < 14 && strchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", b[i]) && b[i])
		i++;
	*map = 0;
	*op = b[i];
	if (b[i] == 0x0f && i + 1 < 15) {
		*map = 1;
		*op = b[i + 1];
		if ((b[i + 1] == 0x38 || b[i + 1] == 0x3a) && i + 2 < 15) {
			*map = b[i + 1] == 0x38 ? 2 : 3;
			*op = b[i + 2];
		}
	}
}

static uint32_t raw(const uint8_t *b, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)b[off + i] << (8 * i);
	return v;
}

static void check(struct tally *t, const uint8_t *b, unsigned mode)
{
	struct dec_insn d;
	const uint8_t *p = b;
	size_t size = 15;
	uint64_t addr = 0;
	cs_insn *ci = mode == 32 ? csi32 : csi16;
	bool cs_ok = cs_disasm_iter(mode == 32 ? cs32 : cs16, &p, &size, &addr, ci);
	int len = x86_decode(b, 15, mode, &d);
	unsigned map, op;
	char h[64];

	t->total++;
	if (len > DEC_MAX_LEN)
		fail_msg("length %d", len);
	if (len > 0 && (d.len != len))
		fail_msg("len field %u, returned %d", d.len, len);
	if (!cs_ok && len <= 0) {
		t->both_invalid++;
		return;
	}
	where(b, &map, &op);
	if (!cs_ok && d.pfx_lock) {
		/* LOCK's validity (a lockable instruction writing memory) is
		 * not checked by the decoder: capstone refuses, we decode. */
		t->we_only_lock++;
		return;
	}
	if (!cs_ok) {
		t->we_only++;
		t->we_only_op[map][op]++;
		if (getenv("DECODE_SHOW") && t->we_only < 60) {
			char hh[64];
			hex(hh, b, 15);
			print_message("# ours only %d-bit [%s] len %d\n", mode, hh, len);
		}
		return;
	}
	if (len <= 0) {
		/* refused on purpose: VEX/EVEX/XOP behind LES/LDS/BOUND/POP,
		 * XABORT/XBEGIN, 3DNow!, SSE4a's EXTRQ/INSERTQ ib,ib, UD1 and UD0 (whose length the vendors disagree
		 * on), 0F A6/A7 (capstone's old CMPXCHG forms) */
		static const uint16_t documented[] = { 0x062, 0x0c4, 0x0c5, 0x0c6, 0x0c7, 0x08f,
						       0x10f, 0x178, 0x1a6, 0x1a7, 0x1b9, 0x1ff };
		bool ok = false;
		for (unsigned i = 0; i < ARRAY_SIZE(documented); i++)
			ok |= documented[i] == (map << 8 | op);
		if (!ok) {
			char hh[64];
			hex(hh, b, 15);
			bad("%d-bit [%s] %s %s: capstone decodes, we refuse (%d)\n", mode, hh,
			    ci->mnemonic, ci->op_str, len);
		}
		t->cs_only++;
		t->cs_only_op[map][op]++;
		return;
	}
	hex(h, b, 15);
	const cs_x86 *x = &ci->detail->x86;
	const cs_x86_encoding *e = &x->encoding;
	/* capstone 4 drops 66 on a CALL/JMP rel that also has F2/F3 (BND);
	 * the processor honours it (rel16): counted, not compared */
	if (d.map == DEC_MAP_1B && (d.opcode == 0xe8 || d.opcode == 0xe9) && d.pfx_opsize &&
	    d.pfx_rep) {
		t->cs_quirk++;
		return;
	}
	if (ci->size != (unsigned)len)
		bad("%d-bit [%s] %s %s: length %u, ours %d\n", mode, h, ci->mnemonic, ci->op_str,
			 ci->size, len);
	if (e->modrm_offset && (!d.has_modrm || d.modrm_off != e->modrm_offset))
		bad("%d-bit [%s] %s %s: modrm at %u, ours %s at %u\n", mode, h, ci->mnemonic,
			 ci->op_str, e->modrm_offset, d.has_modrm ? "" : "none", d.modrm_off);
	if (d.has_modrm && d.modrm != x->modrm)
		bad("%d-bit [%s]: modrm %02x, ours %02x\n", mode, h, x->modrm, d.modrm);
	if (d.has_sib && d.sib != x->sib)
		bad("%d-bit [%s]: sib %02x, ours %02x\n", mode, h, x->sib, d.sib);
	if (d.map == DEC_MAP_1B && d.opcode >= 0xa0 && d.opcode <= 0xa3) {
		/* capstone calls moffs a displacement; we call it an immediate */
		if (d.imm_off != e->disp_offset || d.imm_size != e->disp_size ||
		    d.imm != (uint32_t)x->disp)
			bad("%d-bit [%s] %s %s: moffs\n", mode, h, ci->mnemonic, ci->op_str);
	} else if (e->disp_offset && (d.disp_off != e->disp_offset || d.disp_size != e->disp_size ||
			       d.disp != (int32_t)x->disp))
		bad("%d-bit [%s] %s %s: disp %u bytes at %u = %lld, ours %u at %u = %d\n", mode, h,
			 ci->mnemonic, ci->op_str, e->disp_size, e->disp_offset, (long long)x->disp,
			 d.disp_size, d.disp_off, d.disp);
	/* capstone 4's imm_size is the operand's size for some (IN's ib says 2
	 * or 4): the offset and the total length say it all. */
	/* and for a far pointer or ENTER it points at the second one */
	if (d.imm2_size && e->imm_offset == d.imm_off + d.imm_size)
		;
	else if (e->imm_offset && (d.imm_off != e->imm_offset ||
			      d.imm_off + d.imm_size + d.imm2_size != len))
		bad("%d-bit [%s] %s %s: imm %u bytes at %u, ours %u+%u at %u\n", mode, h,
			 ci->mnemonic, ci->op_str, e->imm_size, e->imm_offset, d.imm_size,
			 d.imm2_size, d.imm_off);
	if (d.imm_size && d.imm != raw(b, d.imm_off, d.imm_size))
		bad("[%s]: imm value\n", h);
	for (unsigned i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_IMM && d.imm_size && !d.imm2_size &&
		    (uint32_t)x->operands[i].imm != d.imm && e->imm_offset &&
		    d.map != DEC_MAP_1B && 0)
			bad("[%s]: imm operand\n", h);
	/* capstone 4 leaves the prefix array empty for AAM/AAD */
	if (!(x->prefix[0] | x->prefix[1] | x->prefix[2] | x->prefix[3]) &&
	    d.map == DEC_MAP_1B && (d.opcode == 0xd4 || d.opcode == 0xd5))
		;
	else if ((x->prefix[2] == 0x66) != d.pfx_opsize || (x->prefix[3] == 0x67) != d.pfx_addrsize ||
	    x->prefix[1] != d.pfx_seg)
		bad("%d-bit [%s] %s %s: prefixes %02x %02x %02x %02x, ours seg %02x 66 %d 67 %d\n",
			 mode, h, ci->mnemonic, ci->op_str, x->prefix[0], x->prefix[1], x->prefix[2],
			 x->prefix[3], d.pfx_seg, d.pfx_opsize, d.pfx_addrsize);
	t->agree++;
}

static void report(const char *what, const struct tally *t)
{
	static const char *maps[] = { "", "0f ", "0f38 ", "0f3a " };
	print_message("# %s: %lu sequences, %lu agree, %lu invalid to both, %lu decoded by us only, "
		      "%lu by capstone only; %lu with LOCK decoded by us only; %lu capstone quirks\n", what,
		      t->total, t->agree, t->both_invalid, t->we_only, t->cs_only, t->we_only_lock,
		      t->cs_quirk);
	for (int which = 0; which < 2; which++) {
		print_message("#   %s:", which ? "capstone only" : "ours only");
		for (int m = 0; m < 4; m++)
			for (int o = 0; o < 256; o++)
				if ((which ? t->cs_only_op : t->we_only_op)[m][o])
					print_message(" %s%02x", maps[m], o);
		print_message("\n");
	}
}

static struct tally tally_grid, tally_rand;

static const uint8_t prefix_sets[][3] = {
	{ 0 }, { 1, 0x66 }, { 1, 0x67 }, { 2, 0x66, 0x67 }, { 1, 0xf3 }, { 1, 0xf2 },
	{ 1, 0xf0 }, { 1, 0x2e }, { 2, 0x64, 0x66 },
};
static const uint8_t modrms[] = {
	0x00, 0x04, 0x05, 0x06, 0x0c, 0x15, 0x1e, 0x24, 0x2d, 0x36, 0x3f, 0x44, 0x45, 0x46,
	0x4c, 0x7f, 0x84, 0x85, 0x86, 0x8c, 0xbf, 0xc0, 0xc9, 0xd2, 0xdb, 0xe4, 0xed, 0xf6, 0xff,
};
static const uint8_t sibs[] = { 0x25, 0x44, 0xe5 };

/* Every opcode of every map, with each prefix set, ModRM and SIB. */
static void test_opcode_grid(void **state)
{
	(void)state;
	static const uint8_t tail[] = { 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8,
					0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f };
	for (unsigned mode = 16; mode <= 32; mode += 16)
		for (unsigned map = 0; map < 4; map++)
			for (unsigned op = 0; op < 256; op++)
				for (unsigned p = 0; p < ARRAY_SIZE(prefix_sets); p++)
					for (unsigned m = 0; m < ARRAY_SIZE(modrms); m++)
						for (unsigned s = 0; s < ARRAY_SIZE(sibs); s++) {
							uint8_t b[15];
							unsigned i = 0;
							memcpy(b, tail, 15);
							for (unsigned k = 0; k < prefix_sets[p][0]; k++)
								b[i++] = prefix_sets[p][1 + k];
							if (map)
								b[i++] = 0x0f;
							if (map == 2)
								b[i++] = 0x38;
							if (map == 3)
								b[i++] = 0x3a;
							b[i++] = (uint8_t)op;
							b[i++] = modrms[m];
							b[i++] = sibs[s];
							check(&tally_grid, b, mode);
						}
	report("opcode grid", &tally_grid);
	assert_int_equal(mismatches, 0);
}

/* Seeded random byte strings; half of them start at a random opcode of the
 * one-byte or 0F map after zero to three random prefixes. */
static void test_random(void **state)
{
	(void)state;
	uint64_t rng = unit_seed("decode random");
	static const uint8_t pfx[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3 };
	for (unsigned long k = 0; k < 1000000; k++) {
		uint8_t b[15];
		for (unsigned i = 0; i < 15; i++)
			b[i] = (uint8_t)unit_rand(&rng);
		if (k & 1) {
			unsigned np = (unsigned)unit_below(&rng, 4), i = 0;
			for (; i < np; i++)
				b[i] = pfx[unit_below(&rng, ARRAY_SIZE(pfx))];
			if (unit_below(&rng, 2))
				b[i] = 0x0f;
		}
		check(&tally_rand, b, k & 2 ? 16 : 32);
	}
	report("random", &tally_rand);
	assert_int_equal(mismatches, 0);
}

static void test_examples(void **state)
{
	(void)state;
	struct dec_insn d;
	/* mov eax, [ebx+ecx*4+0x12345678] */
	static const uint8_t a[] = { 0x8b, 0x84, 0x8b, 0x78, 0x56, 0x34, 0x12 };
	assert_int_equal(x86_decode(a, sizeof(a), 32, &d), 7);
	assert_true(d.has_sib);
	assert_int_equal(d.scale, 2);
	assert_int_equal(d.disp, 0x12345678);
	/* the same bytes with 67: [si+0x8b] then the rest is not ours */
	static const uint8_t b[] = { 0x67, 0x8b, 0x84, 0x8b, 0x78 };
	assert_int_equal(x86_decode(b, sizeof(b), 32, &d), 5);
	assert_int_equal(d.disp_size, 2);
	/* out dx, al; in al, 0x60; rep outsw (16-bit operand) */
	static const uint8_t c[] = { 0xf3, 0x66, 0x6f };
	assert_int_equal(x86_decode(c, sizeof(c), 32, &d), 3);
	assert_int_equal(d.pfx_rep, 0xf3);
	assert_int_equal(d.opsize, 16);
	/* far jmp ptr16:32 and enter */
	static const uint8_t f[] = { 0xea, 1, 2, 3, 4, 5, 6 };
	assert_int_equal(x86_decode(f, sizeof(f), 32, &d), 7);
	assert_int_equal(d.imm, 0x04030201);
	assert_int_equal(d.imm2, 0x0605);
	assert_int_equal(x86_decode(f, sizeof(f), 16, &d), 5);
	static const uint8_t en[] = { 0xc8, 0x10, 0x00, 0x01 };
	assert_int_equal(x86_decode(en, sizeof(en), 32, &d), 4);
	/* test byte [eax], 7 has an immediate, not byte [eax] does not */
	static const uint8_t t1[] = { 0xf6, 0x00, 0x07 }, t2[] = { 0xf6, 0x10 };
	assert_int_equal(x86_decode(t1, sizeof(t1), 32, &d), 3);
	assert_int_equal(x86_decode(t2, sizeof(t2), 32, &d), 2);
	/* truncated; 15 prefixes; VEX refused */
	assert_int_equal(x86_decode(a, 6, 32, &d), DEC_ERR_TRUNC);
	static const uint8_t many[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90, 0x90 };
	assert_int_equal(x86_decode(many, 16, 32, &d), 15);
	assert_int_equal(x86_decode(many + 1, 14, 32, &d), 14);
	static const uint8_t pf16[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 };
	assert_int_equal(x86_decode(pf16, 16, 32, &d), DEC_ERR_TOOLONG);
	static const uint8_t vex[] = { 0xc5, 0xf8, 0x77 };
	assert_int_equal(x86_decode(vex, sizeof(vex), 32, &d), DEC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_opcode_grid),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
