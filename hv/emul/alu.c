/*
 * The arithmetic of the emulator (alu.h), after the SDM's flag definitions
 * (Vol. 1 3.4.3.1 and each instruction's "Flags Affected"):
 *   CF  carry out of (ADD) or borrow into (SUB) the operand's top bit;
 *   PF  set if the low byte of the result has an even number of ones;
 *   AF  carry out of or borrow into bit 3;
 *   ZF  result zero;  SF  the result's top bit;
 *   OF  the signed result does not fit: for a + b, both operands have the
 *       same sign and the result the other; for a - b, the operands differ
 *       in sign and the result's sign differs from a's.
 * The logical operations (AND OR XOR TEST) clear CF and OF and set ZF SF PF;
 * the SDM leaves AF undefined there: we clear it (docs/emulator.md).
 */
#include "alu.h"
#include "emulate.h"

static uint32_t mask_of(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static uint32_t sign_of(unsigned size)
{
	return 1u << (size * 8 - 1);
}

uint32_t alu_trunc(uint32_t a, unsigned size)
{
	return a & mask_of(size);
}

uint32_t alu_sext(uint32_t a, unsigned size)
{
	uint32_t s = sign_of(size);
	a &= mask_of(size);
	return (a ^ s) - s;
}

/* ZF, SF and PF of a result r (already cut to size). */
static uint32_t zsp(uint32_t r, unsigned size)
{
	uint32_t f = 0, p = r & 0xff;
	if (r == 0)
		f |= EFL_ZF;
	if (r & sign_of(size))
		f |= EFL_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= EFL_PF;
	return f;
}

/* a + b + cin, and all six arithmetic flags into *f. */
static uint32_t add_flags(uint32_t a, uint32_t b, uint32_t cin, unsigned size, uint32_t *f)
{
	uint32_t m = mask_of(size);
	a &= m;
	b &= m;
	uint64_t wide = (uint64_t)a + b + cin;
	uint32_t r = (uint32_t)wide & m;
	uint32_t fl = zsp(r, size);
	if (wide > m)
		fl |= EFL_CF;
	if ((a ^ b ^ r) & 0x10)
		fl |= EFL_AF;
	if ((a ^ r) & (b ^ r) & sign_of(size))
		fl |= EFL_OF;
	*f = fl;
	return r;
}

/* a - b - bin, and all six arithmetic flags into *f. */
static uint32_t sub_flags(uint32_t a, uint32_t b, uint32_t bin, unsigned size, uint32_t *f)
{
	uint32_t m = mask_of(size);
	a &= m;
	b &= m;
	uint32_t r = (a - b - bin) & m;
	uint32_t fl = zsp(r, size);
	if ((uint64_t)a < (uint64_t)b + bin)
		fl |= EFL_CF;
	if ((a ^ b ^ r) & 0x10)
		fl |= EFL_AF;
	if ((a ^ b) & (a ^ r) & sign_of(size))
		fl |= EFL_OF;
	*f = fl;
	return r;
}

/* Only the six arithmetic flags change; keep selects some of them to stay. */
static void merge(uint32_t *eflags, uint32_t f, uint32_t keep)
{
	uint32_t set = EFL_ARITH & ~keep;
	*eflags = (*eflags & ~set) | (f & set);
}

uint32_t alu_binop(unsigned op, uint32_t a, uint32_t b, unsigned size, uint32_t *eflags)
{
	uint32_t cin = *eflags & EFL_CF ? 1 : 0, f, r;

	switch (op) {
	case ALU_ADD: r = add_flags(a, b, 0, size, &f); break;
	case ALU_ADC: r = add_flags(a, b, cin, size, &f); break;
	case ALU_SUB:
	case ALU_CMP: r = sub_flags(a, b, 0, size, &f); break;
	case ALU_SBB: r = sub_flags(a, b, cin, size, &f); break;
	default:
		if (op == ALU_AND)
			r = a & b;
		else if (op == ALU_OR)
			r = a | b;
		else
			r = a ^ b;
		r &= mask_of(size);
		f = zsp(r, size);       /* CF = OF = 0; AF undefined: 0 */
		break;
	}
	merge(eflags, f, 0);
	return r;
}

uint32_t alu_inc(uint32_t a, unsigned size, uint32_t *eflags)
{
	uint32_t f, r = add_flags(a, 1, 0, size, &f);
	merge(eflags, f, EFL_CF);
	return r;
}

uint32_t alu_dec(uint32_t a, unsigned size, uint32_t *eflags)
{
	uint32_t f, r = sub_flags(a, 1, 0, size, &f);
	merge(eflags, f, EFL_CF);
	return r;
}

uint32_t alu_neg(uint32_t a, unsigned size, uint32_t *eflags)
{
	uint32_t f, r = sub_flags(0, a, 0, size, &f);
	merge(eflags, f, 0);
	return r;
}
