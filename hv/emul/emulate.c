/*
 * The x86 instruction emulator (emulate.h, docs/emulator.md). One call runs
 * one instruction: fetch through ops->fetch, decode with x86_decode(), work
 * out the memory operand's linear address, then run the instruction on a
 * copy of the registers. The copy is written back only when the whole
 * instruction succeeded, so a faulting read or write leaves the guest as
 * it was, with one exception the hardware has too: a rep string keeps the
 * iterations it completed before the fault.
 *
 * Read-modify-write instructions read, compute and then write through the
 * ops; LOCK is checked for legality (#UD as on hardware) but atomicity
 * against other processors is the caller's (one vCPU per domain today).
 */
#include "insn.h"
#include "string.h"

/* ---- operands ---- */

/* The r/m operand, a register or memory. */
static enum emul_result rm_read(struct insn *x, unsigned size, uint32_t *v)
{
	if (x->mem)
		return mem_read(x, x->seg, x->off, size, v);
	*v = reg_get(x, x->d.rm, size);
	return EMUL_DONE;
}

static enum emul_result rm_write(struct insn *x, unsigned size, uint32_t v)
{
	if (x->mem)
		return mem_write(x, x->seg, x->off, size, v);
	reg_set(x, x->d.rm, size, v);
	return EMUL_DONE;
}

/*
 * The ModRM memory operand (SDM Vol. 2 tables 2-1 and 2-2). 16-bit:
 * BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (disp16 alone with mod 0), BX,
 * the BP forms in SS. 32-bit: a base and a scaled index from the SIB, EBP
 * alone meaning disp32 with mod 0, ESP and EBP bases in SS.
 */
static void modrm_address(struct insn *x)
{
	const struct dec_insn *d = &x->d;
	uint32_t off = (uint32_t)d->disp;
	unsigned def = EMUL_DS;

	if (x->asize == 2) {
		static const int8_t base16[8] = {
			EMUL_EBX, EMUL_EBX, EMUL_EBP, EMUL_EBP, -1, -1, EMUL_EBP, EMUL_EBX,
		};
		static const int8_t index16[8] = {
			EMUL_ESI, EMUL_EDI, EMUL_ESI, EMUL_EDI, EMUL_ESI, EMUL_EDI, -1, -1,
		};
		int b = base16[d->rm], i = index16[d->rm];
		if (d->mod == 0 && d->rm == 6)
			b = -1;
		if (b >= 0)
			off += x->gpr[b];
		if (i >= 0)
			off += x->gpr[i];
		if (b == EMUL_EBP)
			def = EMUL_SS;
	} else if (d->has_sib) {
		if (d->index != EMUL_ESP)
			off += x->gpr[d->index] << d->scale;
		if (!(d->base == EMUL_EBP && d->mod == 0)) {
			off += x->gpr[d->base];
			if (d->base == EMUL_ESP || d->base == EMUL_EBP)
				def = EMUL_SS;
		}
	} else if (!(d->mod == 0 && d->rm == 5)) {
		off += x->gpr[d->rm];
		if (d->rm == EMUL_EBP)
			def = EMUL_SS;
	}
	x->seg = data_seg(x, def);
	x->off = alu_trunc(off, x->asize);
}

/* ---- helpers of the instructions ---- */

/* LOCK is legal only on a read-modify-write of memory (SDM LOCK: #UD). */
static bool lock_bad(const struct insn *x, bool lockable)
{
	return x->d.pfx_lock && !(lockable && x->mem);
}

/* The immediate, sign-extended from its size where the encoding says so
 * (83's ib) and cut to the operand size. */
static uint32_t imm_of(const struct insn *x, unsigned size, bool sext)
{
	uint32_t v = sext ? alu_sext(x->d.imm, x->d.imm_size) : x->d.imm;
	return alu_trunc(v, size);
}

/* ---- the instructions ---- */

/* ALU op with r/m as destination (or only source, for CMP and TEST). */
static enum emul_result alu_rm(struct insn *x, unsigned op, unsigned size, uint32_t src, bool test)
{
	bool writes = !test && op != ALU_CMP;
	uint32_t dst, r;
	enum emul_result e;

	if (lock_bad(x, writes))
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, size, &dst)) != EMUL_DONE)
		return e;
	r = alu_binop(test ? ALU_AND : op, dst, src, size, &x->eflags);
	return writes ? rm_write(x, size, r) : EMUL_DONE;
}

/* 00-3D: op r/m,r; op r,r/m; op AL/eAX,imm. */
static enum emul_result op_alu(struct insn *x)
{
	unsigned op = x->d.opcode >> 3, form = x->d.opcode & 7, size = wsize(x);
	uint32_t a, b;
	enum emul_result e;

	if (form <= 1)
		return alu_rm(x, op, size, reg_get(x, x->d.reg, size), false);
	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	if (form <= 3) {
		if ((e = rm_read(x, size, &b)) != EMUL_DONE)
			return e;
		a = alu_binop(op, reg_get(x, x->d.reg, size), b, size, &x->eflags);
		if (op != ALU_CMP)
			reg_set(x, x->d.reg, size, a);
		return EMUL_DONE;
	}
	a = alu_binop(op, reg_get(x, EMUL_EAX, size), imm_of(x, size, false), size, &x->eflags);
	if (op != ALU_CMP)
		reg_set(x, EMUL_EAX, size, a);
	return EMUL_DONE;
}

/* 80-83: op r/m,imm (83: a sign-extended byte; 82 is 80's alias). */
static enum emul_result op_group1(struct insn *x)
{
	unsigned size = x->d.opcode == 0x80 || x->d.opcode == 0x82 ? 1 : x->osize;
	return alu_rm(x, x->d.reg, size, imm_of(x, size, x->d.opcode == 0x83), false);
}

/* 84/85 TEST r/m,r; A8/A9 TEST AL/eAX,imm. */
static enum emul_result op_test(struct insn *x)
{
	unsigned size = wsize(x);
	if (x->d.opcode >= 0xa8) {
		if (x->d.pfx_lock)
			return emul_raise(x, EMUL_VEC_UD);
		alu_binop(ALU_AND, reg_get(x, EMUL_EAX, size), imm_of(x, size, false), size, &x->eflags);
		return EMUL_DONE;
	}
	return alu_rm(x, ALU_AND, size, reg_get(x, x->d.reg, size), true);
}

/* 40-4F: INC/DEC r16/32. */
static enum emul_result op_incdec_reg(struct insn *x)
{
	unsigned n = x->d.opcode & 7;
	uint32_t v = reg_get(x, n, x->osize);

	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	v = x->d.opcode < 0x48 ? alu_inc(v, x->osize, &x->eflags) : alu_dec(v, x->osize, &x->eflags);
	reg_set(x, n, x->osize, v);
	return EMUL_DONE;
}

/* FE/FF /0 /1: INC/DEC r/m; F6/F7 /0 /1 TEST, /2 NOT, /3 NEG r/m. */
static enum emul_result op_unary(struct insn *x)
{
	unsigned size = wsize(x), r = x->d.reg;
	bool group3 = x->d.opcode <= 0xf7;
	uint32_t v;
	enum emul_result e;

	if (!group3 && r > 1)
		return EMUL_UNHANDLED;          /* CALL, JMP, PUSH */
	if (group3 && r <= 1)
		return alu_rm(x, ALU_AND, size, imm_of(x, size, false), true);
	if (group3 && r > 3)
		return EMUL_UNHANDLED;          /* MUL, IMUL, DIV, IDIV */
	if (lock_bad(x, true))
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, size, &v)) != EMUL_DONE)
		return e;
	if (!group3)
		v = r == 0 ? alu_inc(v, size, &x->eflags) : alu_dec(v, size, &x->eflags);
	else if (r == 2)
		v = ~v;                         /* NOT: no flags */
	else
		v = alu_neg(v, size, &x->eflags);
	return rm_write(x, size, v);
}

/* 88-8B: MOV r/m<->r; C6/C7: MOV r/m,imm. */
static enum emul_result op_mov(struct insn *x)
{
	unsigned size = wsize(x);
	uint32_t v;
	enum emul_result e;

	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	switch (x->d.opcode) {
	case 0x88: case 0x89:
		return rm_write(x, size, reg_get(x, x->d.reg, size));
	case 0x8a: case 0x8b:
		if ((e = rm_read(x, size, &v)) != EMUL_DONE)
			return e;
		reg_set(x, x->d.reg, size, v);
		return EMUL_DONE;
	default:
		return rm_write(x, size, imm_of(x, size, false));
	}
}

/* A0-A3: MOV AL/eAX <-> moffs (an offset of the address size, DS). */
static enum emul_result op_mov_moffs(struct insn *x)
{
	unsigned size = wsize(x), seg = data_seg(x, EMUL_DS);
	uint32_t v;
	enum emul_result e;

	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	if (x->d.opcode >= 0xa2)
		return mem_write(x, seg, x->d.imm, size, reg_get(x, EMUL_EAX, size));
	if ((e = mem_read(x, seg, x->d.imm, size, &v)) != EMUL_DONE)
		return e;
	reg_set(x, EMUL_EAX, size, v);
	return EMUL_DONE;
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: r <- r/m8 or r/m16. */
static enum emul_result op_movx(struct insn *x)
{
	unsigned from = x->d.opcode & 1 ? 2 : 1;
	uint32_t v;
	enum emul_result e;

	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, from, &v)) != EMUL_DONE)
		return e;
	if (x->d.opcode >= 0xbe)
		v = alu_sext(v, from);
	reg_set(x, x->d.reg, x->osize, v);
	return EMUL_DONE;
}

/* 86/87: XCHG r/m,r (locked by the processor whether or not it says so). */
static enum emul_result op_xchg(struct insn *x)
{
	unsigned size = wsize(x);
	uint32_t m, r = reg_get(x, x->d.reg, size);
	enum emul_result e;

	if (lock_bad(x, true))
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, size, &m)) != EMUL_DONE)
		return e;
	if ((e = rm_write(x, size, r)) != EMUL_DONE)
		return e;
	reg_set(x, x->d.reg, size, m);
	return EMUL_DONE;
}

/*
 * 0F B0/B1: CMPXCHG r/m,r. Compare the accumulator with r/m (flags of
 * CMP); equal: r/m <- r; else the accumulator <- r/m. As the SDM says, a
 * memory destination is written either way (the old value back when the
 * comparison fails), as a locked cycle on the processor would.
 */
static enum emul_result op_cmpxchg(struct insn *x)
{
	unsigned size = wsize(x);
	uint32_t old, acc = reg_get(x, EMUL_EAX, size);
	enum emul_result e;

	if (lock_bad(x, true))
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, size, &old)) != EMUL_DONE)
		return e;
	alu_binop(ALU_CMP, acc, old, size, &x->eflags);
	if (x->eflags & EFL_ZF)
		return rm_write(x, size, reg_get(x, x->d.reg, size));
	if (x->mem && (e = rm_write(x, size, old)) != EMUL_DONE)
		return e;
	reg_set(x, EMUL_EAX, size, old);
	return EMUL_DONE;
}

/*
 * 0F C7 /1: CMPXCHG8B m64 (the atomic update of a PAE page-table entry):
 * compare EDX:EAX with the quadword; equal: ZF = 1 and it gets ECX:EBX;
 * else ZF = 0, EDX:EAX gets it and it is written back unchanged (SDM).
 * Only ZF changes. The access is one of 8 bytes.
 */
static enum emul_result op_cmpxchg8b(struct insn *x)
{
	uint8_t b[8];
	uint32_t lo, hi, nlo, nhi;
	bool eq;

	if (x->d.reg != 1)
		return EMUL_UNHANDLED;          /* RDRAND, RDSEED, VMPTRLD, ... */
	if (!x->mem)
		return emul_raise(x, EMUL_VEC_UD);
	if (x->c->ops->read(x->c, linear(x, x->seg, x->off), b, 8))
		return EMUL_EXCEPTION;
	lo = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	hi = b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24;
	eq = lo == x->gpr[EMUL_EAX] && hi == x->gpr[EMUL_EDX];
	nlo = eq ? x->gpr[EMUL_EBX] : lo;
	nhi = eq ? x->gpr[EMUL_ECX] : hi;
	for (unsigned i = 0; i < 4; i++) {
		b[i] = (uint8_t)(nlo >> 8 * i);
		b[4 + i] = (uint8_t)(nhi >> 8 * i);
	}
	if (x->c->ops->write(x->c, linear(x, x->seg, x->off), b, 8))
		return EMUL_EXCEPTION;
	x->eflags = (x->eflags & ~EFL_ZF) | (eq ? EFL_ZF : 0);
	if (!eq) {
		x->gpr[EMUL_EAX] = lo;
		x->gpr[EMUL_EDX] = hi;
	}
	return EMUL_DONE;
}

/* 0F C0/C1: XADD r/m,r: r/m <- r/m + r, r <- the old r/m (flags of ADD). */
static enum emul_result op_xadd(struct insn *x)
{
	unsigned size = wsize(x);
	uint32_t old, sum;
	enum emul_result e;

	if (lock_bad(x, true))
		return emul_raise(x, EMUL_VEC_UD);
	if ((e = rm_read(x, size, &old)) != EMUL_DONE)
		return e;
	sum = alu_binop(ALU_ADD, old, reg_get(x, x->d.reg, size), size, &x->eflags);
	if (x->mem) {
		if ((e = rm_write(x, size, sum)) != EMUL_DONE)
			return e;
		reg_set(x, x->d.reg, size, old);
	} else {
		/* both registers: the sum wins when they are the same one */
		reg_set(x, x->d.reg, size, old);
		reg_set(x, x->d.rm, size, sum);
	}
	return EMUL_DONE;
}

/*
 * 0F A3/AB/B3/BB: BT BTS BTR BTC r/m,r; 0F BA /4-/7: the same with an ib.
 * CF <- the bit, then BTS sets it, BTR clears it, BTC flips it; no other
 * flag changes (the SDM: ZF unaffected, OF SF AF PF undefined; we keep
 * them). A register's bit offset on a memory operand is signed and may
 * reach outside the addressed word: the word at offset + size * (bit div
 * width) is the one accessed (SDM BT "Bit(BitBase, BitOffset)"). An
 * immediate offset is taken modulo the width.
 */
static enum emul_result op_bt(struct insn *x)
{
	unsigned size = x->osize, width = size * 8, kind;
	uint32_t bit, v, off = x->off;
	enum emul_result e;

	if (x->d.opcode == 0xba) {
		kind = x->d.reg - 4;            /* the decoder refused /0-/3 */
		bit = x->d.imm & (width - 1);
	} else {
		int32_t b = (int32_t)alu_sext(reg_get(x, x->d.reg, size), size);
		kind = (x->d.opcode >> 3) & 3;  /* A3 0, AB 1, B3 2, BB 3 */
		bit = (uint32_t)b & (width - 1);
		/* b - bit is b rounded down to a multiple of the width, so a
		 * negative offset reaches the words below */
		if (x->mem)
			off += (uint32_t)((b - (int32_t)bit) / 8);
	}
	if (lock_bad(x, kind != 0))
		return emul_raise(x, EMUL_VEC_UD);
	if (x->mem)
		e = mem_read(x, x->seg, off, size, &v);
	else
		e = rm_read(x, size, &v);
	if (e != EMUL_DONE)
		return e;
	x->eflags = (x->eflags & ~EFL_CF) | ((v >> bit) & 1 ? EFL_CF : 0);
	if (kind == 0)
		return EMUL_DONE;
	if (kind == 1)
		v |= 1u << bit;
	else if (kind == 2)
		v &= ~(1u << bit);
	else
		v ^= 1u << bit;
	if (x->mem)
		return mem_write(x, x->seg, off, size, v);
	return rm_write(x, size, v);
}

/* E4-E7, EC-EF: IN/OUT with an ib or DX port. */
static enum emul_result op_inout(struct insn *x)
{
	unsigned size = wsize(x);
	bool out = x->d.opcode & 2;
	uint16_t port = x->d.opcode >= 0xec ? (uint16_t)x->gpr[EMUL_EDX] : (uint16_t)x->d.imm;
	uint32_t v = out ? reg_get(x, EMUL_EAX, size) : 0;

	if (!x->c->ops->pio)
		return EMUL_UNHANDLED;
	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	if (x->c->ops->pio(x->c, port, size, out, &v))
		return EMUL_EXCEPTION;
	if (!out)
		reg_set(x, EMUL_EAX, size, v);
	return EMUL_DONE;
}

/* ---- fetch, decode, dispatch ---- */

static enum emul_result dispatch(struct insn *x)
{
	uint8_t op = x->d.opcode;

	if (x->d.map == DEC_MAP_0F) {
		switch (op) {
		case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba:
			return op_bt(x);
		case 0xb0: case 0xb1:
			return op_cmpxchg(x);
		case 0xc0: case 0xc1:
			return op_xadd(x);
		case 0xc7:
			return op_cmpxchg8b(x);
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			return op_movx(x);
		}
		return EMUL_UNHANDLED;
	}
	if (x->d.map != DEC_MAP_1B)
		return EMUL_UNHANDLED;
	if (op < 0x40 && (op & 7) < 6)
		return op_alu(x);
	if (op >= 0x40 && op <= 0x4f)
		return op_incdec_reg(x);
	if ((op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf))
		return emul_string(x);
	if ((op >= 0xe4 && op <= 0xe7) || (op >= 0xec && op <= 0xef))
		return op_inout(x);
	switch (op) {
	case 0x80: case 0x81: case 0x82: case 0x83:
		return op_group1(x);
	case 0x84: case 0x85: case 0xa8: case 0xa9:
		return op_test(x);
	case 0x86: case 0x87:
		return op_xchg(x);
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0xc6: case 0xc7:
		return op_mov(x);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return op_mov_moffs(x);
	case 0xf6: case 0xf7: case 0xfe: case 0xff:
		return op_unary(x);
	}
	return EMUL_UNHANDLED;
}

/*
 * Fetch and decode. The bytes are fetched up to the end of the page the
 * instruction starts on, and past it only if the decoder needs more: an
 * instruction that ends before an unmapped page must not fault on it.
 */
static enum emul_result fetch_decode(struct emul_ctx *c, struct dec_insn *d)
{
	uint8_t code[DEC_MAX_LEN];
	uint32_t lin = c->seg_base[EMUL_CS] + c->eip;
	unsigned n = MIN(DEC_MAX_LEN, PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
	int len;

	if (c->ops->fetch(c, lin, code, n))
		return EMUL_EXCEPTION;
	len = x86_decode(code, n, c->def_size, d);
	if (len == DEC_ERR_TRUNC && n < DEC_MAX_LEN) {
		if (c->ops->fetch(c, lin + n, code + n, DEC_MAX_LEN - n))
			return EMUL_EXCEPTION;
		len = x86_decode(code, DEC_MAX_LEN, c->def_size, d);
	}
	return len > 0 ? EMUL_DONE : EMUL_UNHANDLED;
}

enum emul_result emul_step(struct emul_ctx *c)
{
	struct insn x;
	enum emul_result e;

	memset(&x, 0, sizeof(x));
	x.c = c;
	if ((e = fetch_decode(c, &x.d)) != EMUL_DONE)
		return e;
	memcpy(x.gpr, c->gpr, sizeof(x.gpr));
	x.eflags = c->eflags;
	x.osize = x.d.opsize / 8;
	x.asize = x.d.addrsize / 8;
	x.mem = x.d.has_modrm && x.d.mod != 3;
	if (x.mem)
		modrm_address(&x);

	e = dispatch(&x);
	if (e == EMUL_UNHANDLED || (e == EMUL_EXCEPTION && !x.keep))
		return e;
	memcpy(c->gpr, x.gpr, sizeof(x.gpr));
	c->eflags = x.eflags;
	if (e == EMUL_DONE) {
		c->eip += x.d.len;
		if (c->def_size == 16)
			c->eip &= 0xffff;
	}
	return e;
}
