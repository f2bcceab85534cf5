/*
 * The string instructions of the emulator (insn.h, docs/emulator.md):
 * MOVS CMPS STOS LODS SCAS INS OUTS, with and without REP.
 */
#include "insn.h"

/* An address register (SI, DI, CX as a count) at the address size. */
static uint32_t areg_get(const struct insn *x, unsigned n)
{
	return reg_get(x, n, x->asize);
}

static void areg_set(struct insn *x, unsigned n, uint32_t v)
{
	reg_set(x, n, x->asize, v);
}

enum str_kind { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };

/* One iteration of a string instruction; x's registers move on only
 * when its accesses all succeeded. */
static enum emul_result str_once(struct insn *x, enum str_kind k, unsigned size)
{
	unsigned src = data_seg(x, EMUL_DS);
	uint32_t si = areg_get(x, EMUL_ESI), di = areg_get(x, EMUL_EDI);
	uint32_t a = 0, b = 0, step = x->eflags & EFL_DF ? -size : size;
	uint16_t port = (uint16_t)x->gpr[EMUL_EDX];
	enum emul_result e = EMUL_DONE;

	switch (k) {
	case STR_MOVS:
		if ((e = mem_read(x, src, si, size, &a)) == EMUL_DONE)
			e = mem_write(x, EMUL_ES, di, size, a);
		break;
	case STR_CMPS:      /* flags of [SI] - ES:[DI] */
		if ((e = mem_read(x, src, si, size, &a)) == EMUL_DONE)
			e = mem_read(x, EMUL_ES, di, size, &b);
		break;
	case STR_STOS:
		e = mem_write(x, EMUL_ES, di, size, reg_get(x, EMUL_EAX, size));
		break;
	case STR_LODS:
		e = mem_read(x, src, si, size, &a);
		break;
	case STR_SCAS:      /* flags of AL/eAX - ES:[DI] */
		a = reg_get(x, EMUL_EAX, size);
		e = mem_read(x, EMUL_ES, di, size, &b);
		break;
	case STR_INS:
		if (x->c->ops->pio(x->c, port, size, false, &a))
			return EMUL_EXCEPTION;
		e = mem_write(x, EMUL_ES, di, size, a);
		break;
	case STR_OUTS:
		if ((e = mem_read(x, src, si, size, &a)) == EMUL_DONE &&
		    x->c->ops->pio(x->c, port, size, true, &a))
			e = EMUL_EXCEPTION;
		break;
	}
	if (e != EMUL_DONE)
		return e;

	if (k == STR_CMPS || k == STR_SCAS)
		alu_binop(ALU_CMP, a, b, size, &x->eflags);
	if (k == STR_LODS)
		reg_set(x, EMUL_EAX, size, a);
	if (k == STR_MOVS || k == STR_CMPS || k == STR_LODS || k == STR_OUTS)
		areg_set(x, EMUL_ESI, si + step);
	if (k != STR_LODS && k != STR_OUTS)
		areg_set(x, EMUL_EDI, di + step);
	return EMUL_DONE;
}

/*
 * A4-A7, AA-AF, 6C-6F. With a REP prefix (F2 or F3: the same for all but
 * CMPS and SCAS) the count is CX or ECX by address size, tested before
 * each iteration and decremented after it; CMPS and SCAS also stop when
 * ZF says so (REPE: ZF = 0; REPNE: ZF = 1). After max_reps iterations the
 * call returns EMUL_CONTINUE with eip on the instruction, as an interrupt
 * would leave it on hardware, and the caller runs it again.
 */
enum emul_result emul_string(struct insn *x)
{
	static const uint8_t kinds[16] = {
		[0x4] = STR_MOVS, [0x5] = STR_MOVS, [0x6] = STR_CMPS, [0x7] = STR_CMPS,
		[0xa] = STR_STOS, [0xb] = STR_STOS, [0xc] = STR_LODS, [0xd] = STR_LODS,
		[0xe] = STR_SCAS, [0xf] = STR_SCAS,
	};
	uint8_t op = x->d.opcode;
	enum str_kind k = op < 0x70 ? (op < 0x6e ? STR_INS : STR_OUTS) : kinds[op & 0xf];
	unsigned size = wsize(x), max = x->c->max_reps ? x->c->max_reps : EMUL_MAX_REPS;
	bool rep = x->d.pfx_rep != 0, cond = k == STR_CMPS || k == STR_SCAS;
	enum emul_result e;

	if ((k == STR_INS || k == STR_OUTS) && !x->c->ops->pio)
		return EMUL_UNHANDLED;
	if (x->d.pfx_lock)
		return emul_raise(x, EMUL_VEC_UD);
	x->keep = true;
	if (!rep)
		return str_once(x, k, size);
	for (unsigned i = 0; areg_get(x, EMUL_ECX) != 0; i++) {
		if (i == max)
			return EMUL_CONTINUE;
		if ((e = str_once(x, k, size)) != EMUL_DONE)
			return e;
		areg_set(x, EMUL_ECX, areg_get(x, EMUL_ECX) - 1);
		if (cond && !!(x->eflags & EFL_ZF) != (x->d.pfx_rep == 0xf3))
			break;
	}
	return EMUL_DONE;
}

