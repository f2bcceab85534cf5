/*
 * A freestanding x86 instruction decoder for 32-bit protected mode and
 * 16-bit code (docs/decoder.md): lengths and fields, no semantics. Pure:
 * no global state, no hypervisor dependency. Legacy encodings only (the
 * one-byte, 0F, 0F38 and 0F3A maps); VEX, EVEX, XOP and 3DNow! are refused.
 */
#ifndef LIB_DECODE_H
#define LIB_DECODE_H

#include "types.h"

#define DEC_MAX_LEN     15

/* Errors (negative returns of x86_decode). */
#define DEC_ERR_INVALID (-1)    /* undefined, reserved or unsupported encoding */
#define DEC_ERR_TRUNC   (-2)    /* the bytes given end inside the instruction */
#define DEC_ERR_TOOLONG (-3)    /* longer than 15 bytes (#GP on hardware) */

enum dec_map { DEC_MAP_1B, DEC_MAP_0F, DEC_MAP_0F38, DEC_MAP_0F3A };

struct dec_insn {
	uint8_t len;            /* total length in bytes */
	uint8_t opsize;         /* effective operand size: 16 or 32 */
	uint8_t addrsize;       /* effective address size: 16 or 32 */

	/* Prefixes. Where a group repeats, the last one counts. */
	uint8_t nprefix;        /* prefix bytes before the opcode */
	bool    pfx_opsize;     /* 66 */
	bool    pfx_addrsize;   /* 67 */
	bool    pfx_lock;       /* F0 */
	uint8_t pfx_rep;        /* 0, F2 (repne) or F3 (rep/repe) */
	uint8_t pfx_seg;        /* 0 or 26, 2E, 36, 3E, 64, 65 */

	uint8_t map;            /* enum dec_map */
	uint8_t opcode;         /* the opcode byte within its map */

	bool    has_modrm;
	uint8_t modrm, mod, reg, rm;
	uint8_t modrm_off;      /* offset of the ModRM byte */

	bool    has_sib;
	uint8_t sib, scale, index, base;   /* scale is the 2-bit field */

	uint8_t disp_size;      /* 0, 1, 2 or 4 */
	uint8_t disp_off;
	int32_t disp;           /* sign-extended */

	/* Immediates: imm first, imm2 after it (ENTER's ib, a far pointer's
	 * selector). Values are zero-extended raw bytes. */
	uint8_t imm_size, imm2_size;
	uint8_t imm_off;
	uint32_t imm;
	uint16_t imm2;
};

/*
 * Decode the instruction at code[0..n) (n may exceed 15: only 15 are looked
 * at) with the segment's default size def_size (32 or 16). Returns the
 * length (1..15) and fills *d, or a DEC_ERR_* code.
 */
int x86_decode(const uint8_t *code, unsigned n, unsigned def_size, struct dec_insn *d);

/* A raw immediate or displacement of size bytes (1, 2 or 4), sign-extended. */
static inline int32_t dec_sext(uint32_t v, unsigned size)
{
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

#endif
