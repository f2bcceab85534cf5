/*
 * The inside of the emulator, shared by its files (emulate.c: operands,
 * decoding and most instructions; strings.c: the string instructions):
 * the instruction being run and the small helpers every instruction uses.
 */
#ifndef HV_EMUL_INSN_H
#define HV_EMUL_INSN_H

#include "emulate.h"
#include "decode.h"
#include "alu.h"

/* One instruction on its way through the emulator. */
struct insn {
	struct emul_ctx *c;
	struct dec_insn d;
	uint32_t gpr[8], eflags;        /* the working copy of the registers */
	unsigned osize;                 /* operand size in bytes: 2 or 4 */
	unsigned asize;                 /* address size in bytes: 2 or 4 */
	bool mem;                       /* the ModRM r/m is a memory operand */
	unsigned seg;                   /* ... in this segment (enum emul_seg) */
	uint32_t off;                   /* ... at this offset */
	bool keep;                      /* a rep string: keep completed iterations */
};

/* Registers. */

/* Register n at size bytes: 8-bit numbers 4-7 are AH CH DH BH. */
static inline uint32_t reg_get(const struct insn *x, unsigned n, unsigned size)
{
	if (size == 1)
		return n < 4 ? x->gpr[n] & 0xff : (x->gpr[n - 4] >> 8) & 0xff;
	return alu_trunc(x->gpr[n], size);
}

/* A 32-bit write replaces the register; narrower ones keep the rest. */
static inline void reg_set(struct insn *x, unsigned n, unsigned size, uint32_t v)
{
	if (size == 1 && n >= 4)
		x->gpr[n - 4] = (x->gpr[n - 4] & ~0xff00u) | (v & 0xff) << 8;
	else if (size == 1)
		x->gpr[n] = (x->gpr[n] & ~0xffu) | (v & 0xff);
	else if (size == 2)
		x->gpr[n] = (x->gpr[n] & ~0xffffu) | (v & 0xffff);
	else
		x->gpr[n] = v;
}

/* Memory, by segment and offset. */

static inline uint32_t linear(const struct insn *x, unsigned seg, uint32_t off)
{
	return x->c->seg_base[seg] + alu_trunc(off, x->asize);
}

static inline enum emul_result mem_read(struct insn *x, unsigned seg, uint32_t off,
					unsigned size, uint32_t *v)
{
	uint8_t b[4] = { 0 };
	if (x->c->ops->read(x->c, linear(x, seg, off), b, size))
		return EMUL_EXCEPTION;
	*v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return EMUL_DONE;
}

static inline enum emul_result mem_write(struct insn *x, unsigned seg, uint32_t off,
					 unsigned size, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
	if (x->c->ops->write(x->c, linear(x, seg, off), b, size))
		return EMUL_EXCEPTION;
	return EMUL_DONE;
}

/* The segment a prefix byte names. */
static inline unsigned seg_of_prefix(uint8_t p)
{
	switch (p) {
	case 0x26: return EMUL_ES;
	case 0x2e: return EMUL_CS;
	case 0x36: return EMUL_SS;
	case 0x64: return EMUL_FS;
	case 0x65: return EMUL_GS;
	default:   return EMUL_DS;
	}
}

/* The segment of a data access whose default is def (DS, or SS for a
 * BP/ESP based address): a prefix overrides it. */
static inline unsigned data_seg(const struct insn *x, unsigned def)
{
	return x->d.pfx_seg ? seg_of_prefix(x->d.pfx_seg) : def;
}

/* An exception the emulator raises itself (no error code). */
static inline enum emul_result emul_raise(struct insn *x, uint8_t vector)
{
	x->c->exc_vector = vector;
	x->c->exc_has_code = false;
	x->c->exc_code = 0;
	return EMUL_EXCEPTION;
}

/* The operand size of an opcode whose bit 0 clear means a byte. */
static inline unsigned wsize(const struct insn *x)
{
	return x->d.opcode & 1 ? x->osize : 1;
}

/* A4-A7, AA-AF, 6C-6F: the string instructions (strings.c). */
enum emul_result emul_string(struct insn *x);

#endif
