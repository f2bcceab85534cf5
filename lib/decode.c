/*
 * x86 instruction decoder, table-driven (docs/decoder.md). One table per
 * opcode map gives, for each opcode byte, whether a ModRM byte follows and
 * which immediate; a few opcodes need their ModRM's reg or mod field to say
 * (group 3's TEST immediate, the VEX/XOP escapes hiding behind LES, LDS and
 * POP). The tables follow the Intel SDM's opcode map (volume 2, appendix A)
 * for 32-bit protected mode.
 */
#include "decode.h"

/* Immediate kinds (low nibble of a table entry). */
enum {
	I_NONE,
	I_B,            /* ib */
	I_W,            /* iw */
	I_Z,            /* iz, iv: 16 or 32 by operand size (no REX here) */
	I_AP,           /* far pointer: iz then a 16-bit selector */
	I_MOFFS,        /* moffs: 16 or 32 by address size */
	I_ENTER,        /* iw then ib */
	I_GRP3,         /* F6/F7: ib / iz for /0 and /1 only */
};

#define M       0x10    /* a ModRM byte follows */
#define X       0x20    /* undefined or unsupported: refused */
#define P       0x40    /* prefix (one-byte map only) */
#define E       0x80    /* escape to another map */

#define IB      I_B
#define IW      I_W
#define IZ      I_Z

/* One-byte map. */
static const uint8_t map1[256] = {
	/* 00 */ M, M, M, M, IB, IZ, 0, 0,  M, M, M, M, IB, IZ, 0, E,
	/* 10 */ M, M, M, M, IB, IZ, 0, 0,  M, M, M, M, IB, IZ, 0, 0,
	/* 20 */ M, M, M, M, IB, IZ, P, 0,  M, M, M, M, IB, IZ, P, 0,
	/* 30 */ M, M, M, M, IB, IZ, P, 0,  M, M, M, M, IB, IZ, P, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, M, M, P, P, P, P,  IZ, M|IZ, IB, M|IB, 0, 0, 0, 0,
	/* 70 */ IB, IB, IB, IB, IB, IB, IB, IB,  IB, IB, IB, IB, IB, IB, IB, IB,
	/* 80 */ M|IB, M|IZ, M|IB, M|IB, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0,  0, 0, I_AP, 0, 0, 0, 0, 0,
	/* A0 */ I_MOFFS, I_MOFFS, I_MOFFS, I_MOFFS, 0, 0, 0, 0,  IB, IZ, 0, 0, 0, 0, 0, 0,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB,  IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,
	/* C0 */ M|IB, M|IB, IW, 0, M, M, M|IB, M|IZ,  I_ENTER, 0, IW, 0, 0, IB, 0, 0,
	/* D0 */ M, M, M, M, IB, IB, 0, 0,  M, M, M, M, M, M, M, M,
	/* E0 */ IB, IB, IB, IB, IB, IB, IB, IB,  IZ, IZ, I_AP, IB, 0, 0, 0, 0,
	/* F0 */ P, 0, P, P, 0, 0, M|I_GRP3, M|I_GRP3,  0, 0, 0, 0, 0, 0, M, M,
};

/* Two-byte map (0F xx). */
static const uint8_t map0f[256] = {
	/* 00 */ M, M, M, M, X, 0, 0, 0,  0, 0, X, 0, X, M, 0, X,
	/* 10 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* 20 */ M, M, M, M, X, X, X, X,  M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, X, 0,  E, X, E, X, X, X, X, X,
	/* 40 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* 70 */ M|IB, M|IB, M|IB, M|IB, M, M, M, 0,  M, M, X, X, M, M, M, M,
	/* 80 */ IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,  IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,
	/* 90 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* A0 */ 0, 0, 0, M, M|IB, M, X, X,  0, 0, 0, M, M|IB, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M,  M, X, M|IB, M, M, M, M, M,
	/* C0 */ M, M, M|IB, M, M|IB, M|IB, M|IB, M,  0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M,  M, M, M, M, M, M, M, X,
};

/*
 * Three-byte maps: every opcode has a ModRM; 0F3A's also an ib. These
 * bitmaps say which opcodes are defined (SSSE3, SSE4.1/4.2, AES, SHA,
 * CLMUL, INVEPT/INVVPID/INVPCID, MOVBE, CRC32, ADCX/ADOX); the rest are
 * refused.
 */
static const uint32_t def0f38[8] = {
	/* 00-1F */ 0x00000fffu | (1u << 0x10) | (1u << 0x14) | (1u << 0x15) | (1u << 0x17) |
		    (1u << 0x1c) | (1u << 0x1d) | (1u << 0x1e),
	/* 20-3F */ 0x0000003fu | (0xfu << 8) | (0x3fu << 16) | (0xffu << 23) | (1u << 31),
	/* 40-5F */ 0x00000003u,
	/* 60-7F */ 0,
	/* 80-9F */ 0x00000007u,
	/* A0-BF */ 0,
	/* C0-DF */ (0x3fu << 8) | (0x1fu << 27),
	/* E0-FF */ (1u << 16) | (1u << 17) | (1u << 22),
};
static const uint32_t def0f3a[8] = {
	/* 00-1F */ (0xffu << 8) | (0xfu << 20),
	/* 20-3F */ 0x00000007u,
	/* 40-5F */ 0x00000007u | (1u << 4),
	/* 60-7F */ 0x0000000fu,
	/* 80-9F */ 0,
	/* A0-BF */ 0,
	/* C0-DF */ (1u << 12) | (1u << 31),
	/* E0-FF */ 0,
};

static bool bit(const uint32_t *bm, uint8_t op)
{
	return bm[op >> 5] >> (op & 31) & 1;
}

struct cursor {
	const uint8_t *code;
	unsigned n;             /* bytes available (at most 15) */
	unsigned pos;
	int err;
};

static uint32_t take(struct cursor *c, unsigned size)
{
	uint32_t v = 0;
	if (c->pos + size > DEC_MAX_LEN) {
		if (!c->err)
			c->err = DEC_ERR_TOOLONG;
		return 0;
	}
	if (c->pos + size > c->n) {
		if (!c->err)
			c->err = DEC_ERR_TRUNC;
		return 0;
	}
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)c->code[c->pos + i] << (8 * i);
	c->pos += size;
	return v;
}

/* ModRM, then SIB and displacement by the address size. */
static void modrm(struct cursor *c, struct dec_insn *d)
{
	d->modrm_off = (uint8_t)c->pos;
	d->modrm = (uint8_t)take(c, 1);
	if (c->err)
		return;
	d->has_modrm = true;
	d->mod = d->modrm >> 6;
	d->reg = d->modrm >> 3 & 7;
	d->rm = d->modrm & 7;
	/* MOV to and from CR and DR (0F 20-23) ignore mod: always registers. */
	if (d->mod == 3 || (d->map == DEC_MAP_0F && (d->opcode & 0xfc) == 0x20))
		return;
	if (d->addrsize == 16) {
		if (d->mod == 1)
			d->disp_size = 1;
		else if (d->mod == 2 || d->rm == 6)
			d->disp_size = 2;
	} else {
		if (d->rm == 4) {
			d->sib = (uint8_t)take(c, 1);
			if (c->err)
				return;
			d->has_sib = true;
			d->scale = d->sib >> 6;
			d->index = d->sib >> 3 & 7;
			d->base = d->sib & 7;
		}
		if (d->mod == 1)
			d->disp_size = 1;
		else if (d->mod == 2 || (d->mod == 0 && d->rm == 5) ||
			 (d->mod == 0 && d->has_sib && d->base == 5))
			d->disp_size = 4;
	}
	if (d->disp_size) {
		d->disp_off = (uint8_t)c->pos;
		d->disp = dec_sext(take(c, d->disp_size), d->disp_size);
	}
}

/* Opcodes whose validity depends on the ModRM's fields. */
static bool refused_by_modrm(const struct dec_insn *d)
{
	if (d->map == DEC_MAP_1B) {
		switch (d->opcode) {
		case 0x62: case 0xc4: case 0xc5:        /* EVEX, VEX in 32-bit mode */
			return d->mod == 3;
		case 0x8d:                               /* LEA of a register */
			return d->mod == 3;
		case 0x8f:                               /* XOP */
			return d->reg != 0;
		case 0xc6: case 0xc7:                    /* XABORT, XBEGIN and the rest */
			return d->reg != 0;
		case 0xfe:
			return d->reg > 1;
		case 0xff:
			return d->reg == 7 || ((d->reg == 3 || d->reg == 5) && d->mod == 3);
		}
	} else if (d->map == DEC_MAP_0F) {
		switch (d->opcode) {
		case 0x00:
			return d->reg > 5;
		case 0xba:
			return d->reg < 4;
		case 0x78:                               /* AMD's EXTRQ/INSERTQ ib, ib */
			return d->pfx_opsize || d->pfx_rep == 0xf2;
		}
	}
	return false;
}

static void immediate(struct cursor *c, struct dec_insn *d, unsigned kind)
{
	unsigned z = d->opsize / 8;
	switch (kind) {
	case I_NONE:
		return;
	case I_B:
		d->imm_size = 1;
		break;
	case I_W:
		d->imm_size = 2;
		break;
	case I_Z:
		d->imm_size = (uint8_t)z;
		break;
	case I_AP:
		d->imm_size = (uint8_t)z;
		d->imm2_size = 2;
		break;
	case I_MOFFS:
		d->imm_size = (uint8_t)(d->addrsize / 8);
		break;
	case I_ENTER:
		d->imm_size = 2;
		d->imm2_size = 1;
		break;
	case I_GRP3:
		if (d->reg > 1)
			return;
		d->imm_size = d->opcode == 0xf6 ? 1 : (uint8_t)z;
		break;
	}
	d->imm_off = (uint8_t)c->pos;
	d->imm = take(c, d->imm_size);
	if (d->imm2_size)
		d->imm2 = (uint16_t)take(c, d->imm2_size);
}

int x86_decode(const uint8_t *code, unsigned n, unsigned def_size, struct dec_insn *d)
{
	struct cursor c = { .code = code, .n = n < DEC_MAX_LEN ? n : DEC_MAX_LEN };
	unsigned entry;
	uint8_t b;

	if (def_size != 16 && def_size != 32)
		return DEC_ERR_INVALID;
	*d = (struct dec_insn){ 0 };

	/* Prefixes, up to the opcode. */
	for (;;) {
		b = (uint8_t)take(&c, 1);
		if (c.err)
			return c.err;
		if (!(map1[b] & P) && b != 0xf0 && b != 0xf2 && b != 0xf3)
			break;
		switch (b) {
		case 0x66: d->pfx_opsize = true; break;
		case 0x67: d->pfx_addrsize = true; break;
		case 0xf0: d->pfx_lock = true; break;
		case 0xf2: case 0xf3: d->pfx_rep = b; break;
		default: d->pfx_seg = b; break;
		}
		d->nprefix++;
	}
	d->opsize = (uint8_t)(d->pfx_opsize ? 48 - def_size : def_size);
	d->addrsize = (uint8_t)(d->pfx_addrsize ? 48 - def_size : def_size);

	d->map = DEC_MAP_1B;
	d->opcode = b;
	entry = map1[b];
	if (entry & E) {
		b = (uint8_t)take(&c, 1);
		if (c.err)
			return c.err;
		d->map = DEC_MAP_0F;
		d->opcode = b;
		entry = map0f[b];
		if (entry & E) {
			bool three_a = b == 0x3a;
			b = (uint8_t)take(&c, 1);
			if (c.err)
				return c.err;
			d->map = three_a ? DEC_MAP_0F3A : DEC_MAP_0F38;
			d->opcode = b;
			if (!bit(three_a ? def0f3a : def0f38, b))
				return DEC_ERR_INVALID;
			entry = three_a ? M | I_B : M;
		}
	}
	if (entry & X)
		return DEC_ERR_INVALID;
	if (entry & M) {
		/* The VEX/EVEX/XOP escapes are told apart by the ModRM before
		 * anything after it is read. */
		if (c.pos >= c.n)
			return c.pos >= DEC_MAX_LEN ? DEC_ERR_TOOLONG : DEC_ERR_TRUNC;
		d->modrm = c.code[c.pos];
		d->mod = d->modrm >> 6;
		d->reg = d->modrm >> 3 & 7;
		if (refused_by_modrm(d))
			return DEC_ERR_INVALID;
		modrm(&c, d);
		if (c.err)
			return c.err;
	}
	immediate(&c, d, entry & 0xf);
	if (c.err)
		return c.err;
	d->len = (uint8_t)c.pos;
	return d->len;
}
