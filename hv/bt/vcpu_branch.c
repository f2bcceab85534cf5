/*
 * The bt vCPU: control transfers (vcpu_internal.h, docs/bt-vcpu.md). The
 * scanner patches the block ends whose target is not static (ret, ret n,
 * jmp/call r/m, far jmp/call, retf, iret); when the guest reaches one,
 * the original instruction is emulated here and the caller scans the new
 * CS:EIP before the guest runs it (BT_EV_BRANCH). The direct forms (jmp,
 * call, jcc, loop, jcxz) are here for completeness, e.g. for a caller
 * that single-steps a block end.
 *
 * SDM vol. 2 (JMP, CALL, RET, Jcc, LOOPcc, JCXZ) at the virtual CPL, in
 * protected mode: the operand size (CS.D, 66) gives the width of EIP,
 * the pushes and the pops (a 16-bit one cuts the target to 16 bits); the
 * address size (CS.D, 67) the count register of loop and jcxz; SS.B the
 * stack pointer's width. A target past the CS limit is #GP(0), checked
 * before anything is pushed. Far transfers go only to code segments of the
 * same privilege (and retf also to an outer ring); call gates, task gates
 * and TSSs are left to the caller (BT_EMU_UNHANDLED).
 */
#include "vcpu_internal.h"

/* The branch's new EIP, checked against the CS limit (or new_cs's). */
static enum bt_emu near_target(struct emu *e, uint32_t target, uint32_t *out)
{
	if (e->d.opsize == 16)
		target &= 0xffff;
	if (target > e->v->seg[BT_CS].limit)
		return gp(e, 0);
	*out = target;
	return BT_EMU_DONE;
}

/* Commit a near transfer: the dispatcher stores next_eip and clears RF. */
static enum bt_emu go(struct emu *e, uint32_t target)
{
	e->next_eip = target;
	e->exit->events |= BT_EV_BRANCH;
	return BT_EMU_DONE;
}

static int32_t rel(const struct dec_insn *d)
{
	return dec_sext(d->imm, d->imm_size);
}

/* The condition cc (the low nibble of Jcc, SDM vol. 1 B.1) on flags fl. */
static bool cond(uint32_t fl, unsigned cc)
{
	bool of = fl & BT_FL_OF, sf = fl & BT_FL_SF, zf = fl & BT_FL_ZF;
	bool cf = fl & BT_FL_CF, pf = fl & BT_FL_PF, r;

	switch (cc >> 1 & 7) {
	case 0:  r = of; break;                 /* jo */
	case 1:  r = cf; break;                 /* jb */
	case 2:  r = zf; break;                 /* je */
	case 3:  r = cf || zf; break;           /* jbe */
	case 4:  r = sf; break;                 /* js */
	case 5:  r = pf; break;                 /* jp */
	case 6:  r = sf != of; break;           /* jl */
	default: r = zf || sf != of; break;     /* jle */
	}
	return (cc & 1) ? !r : r;
}

/* jcc rel8 (70-7F), rel16/32 (0F 80-8F). Not taken: the next instruction
 * (BT_EV_BRANCH still set: it starts a block too). */
enum bt_emu btv_do_jcc(struct emu *e)
{
	uint32_t t;
	enum bt_emu r;

	if (!cond(e->v->eflags, e->d.opcode & 0xf)) {
		e->exit->events |= BT_EV_BRANCH;
		return BT_EMU_DONE;
	}
	r = near_target(e, e->next_eip + (uint32_t)rel(&e->d), &t);
	return r != BT_EMU_DONE ? r : go(e, t);
}

/*
 * loopne (E0), loope (E1), loop (E2): (E)CX by the address size is
 * decremented (no flag changes) and the jump taken while it is not 0 (and
 * ZF is clear / set); jcxz/jecxz (E3): taken when (E)CX is 0.
 */
enum bt_emu btv_do_loop(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint32_t amask = e->d.addrsize == 16 ? 0xffffu : 0xffffffffu;
	uint32_t cnt = v->gpr[BT_ECX] & amask, t;
	bool zf = v->eflags & BT_FL_ZF, taken;
	enum bt_emu r;

	if (e->d.opcode == 0xe3) {
		taken = cnt == 0;
	} else {
		cnt = (cnt - 1) & amask;
		taken = cnt != 0;
		if (e->d.opcode == 0xe1)
			taken = taken && zf;
		else if (e->d.opcode == 0xe0)
			taken = taken && !zf;
	}
	t = e->next_eip;
	if (taken) {
		r = near_target(e, e->next_eip + (uint32_t)rel(&e->d), &t);
		if (r != BT_EMU_DONE)
			return r;
	}
	if (e->d.opcode != 0xe3)
		v->gpr[BT_ECX] = (v->gpr[BT_ECX] & ~amask) | cnt;
	return go(e, t);
}

/* A near call to target (already checked): push the return (E)IP. */
static enum bt_emu near_call(struct emu *e, uint32_t target)
{
	unsigned size = e->d.opsize / 8;

	if (btv_push(e, e->next_eip, size, size))
		return BT_EMU_FAULT;
	return go(e, target);
}

/* call rel16/32 (E8), jmp rel16/32 (E9), jmp rel8 (EB). */
enum bt_emu btv_do_jmp_call_rel(struct emu *e)
{
	uint32_t t;
	enum bt_emu r = near_target(e, e->next_eip + (uint32_t)rel(&e->d), &t);

	if (r != BT_EMU_DONE)
		return r;
	return e->d.opcode == 0xe8 ? near_call(e, t) : go(e, t);
}

/* ret (C3), ret imm16 (C2): pop (E)IP, then release imm16 more bytes. */
enum bt_emu btv_do_ret(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	uint32_t imm = e->d.opcode == 0xc2 ? e->d.imm & 0xffff : 0, eip, t;
	enum bt_emu r;

	if (btv_stack_read(e, v->gpr[BT_ESP], size, &eip))
		return BT_EMU_FAULT;
	r = near_target(e, eip, &t);
	if (r != BT_EMU_DONE)
		return r;
	v->gpr[BT_ESP] = sp_add(v, v->gpr[BT_ESP], (int32_t)(size + imm));
	return go(e, t);
}

/* Write size bytes of val at stack offset esp (no stack pointer change). */
static int stack_write(struct emu *e, uint32_t esp, uint32_t val, unsigned size)
{
	return mem_write(e, e->v->seg[BT_SS].base + sp_off(e->v, esp), &val, size);
}

static enum bt_emu far_transfer(struct emu *e, uint16_t sel, uint32_t off, bool call);

/*
 * Through a call gate (SDM CALL/JMP, "call gate"): the gate's DPL must
 * allow the CPL and the selector's RPL (#GP(sel)), it must be present
 * (#NP(sel)); its code segment must be code with DPL <= CPL (#GP), present
 * (#NP). To the same privilege (a conforming segment, or DPL == CPL) the
 * transfer is a far one to the gate's selector and offset, with the gate's
 * operand size; a jmp to a more privileged non-conforming segment is
 * #GP(sel). A call to an inner ring (a stack switch and parameter copy)
 * is BT_EMU_UNHANDLED: the caller reflects #GP (docs/bt-vcpu.md).
 */
static enum bt_emu through_gate(struct emu *e, uint16_t sel, const uint8_t b[8], bool call)
{
	struct bt_vcpu *v = e->v;
	unsigned gdpl = (b[5] >> 5) & 3;
	bool big = (b[5] & 0xf) == 0xc;
	uint16_t gsel = (uint16_t)(b[2] | b[3] << 8);
	uint32_t off = (uint32_t)(b[0] | b[1] << 8) | (big ? (uint32_t)(b[6] | b[7] << 8) << 16 : 0);
	struct bt_seg cs;
	uint8_t cb[8];
	uint32_t where;
	enum bt_emu r;

	if (gdpl < v->cpl || gdpl < (sel & 3u))
		return gp(e, sel & ~3u);
	if (!(b[5] & 0x80))
		return raise(e, BT_VEC_NP, true, sel & ~3u);
	if (!(gsel & ~3u))
		return gp(e, 0);
	r = btv_desc_read(e, gsel, cb, &where);
	if (r != BT_EMU_DONE)
		return r;
	btv_desc_parse(cb, &cs, gsel);
	unsigned type = cs.attr & BT_ATTR_TYPE, dpl = attr_dpl(cs.attr);
	if (!(cs.attr & BT_ATTR_S) || !(type & 8) || dpl > v->cpl)
		return gp(e, gsel & ~3u);
	if (!(type & 4) && dpl < v->cpl)
		return call ? BT_EMU_UNHANDLED : gp(e, gsel & ~3u);
	/* The same privilege: a far transfer to the gate's target, with the
	 * gate's size and the CPL as RPL. */
	unsigned saved = e->d.opsize;
	e->d.opsize = big ? 32 : 16;
	r = far_transfer(e, (uint16_t)((gsel & ~3u) | v->cpl), off, call);
	e->d.opsize = (uint8_t)saved;
	return r;
}

/*
 * A far jmp or call to sel:off (SDM JMP, CALL: protected mode, far).
 * To a code segment: conforming with DPL <= CPL, or non-conforming with
 * RPL <= CPL and DPL == CPL, else #GP(sel); not present #NP(sel); off past
 * its limit #GP(0). CPL does not change and CS gets RPL = CPL. A far call
 * pushes CS (zero-extended to 32 bits at a 32-bit operand size) and then
 * the return (E)IP on the current stack. Call gates, task gates and
 * available TSSs: BT_EMU_UNHANDLED (the caller reflects a #GP or runs the
 * gate or task switch itself); a busy TSS is #GP(sel) as the SDM says;
 * data segments and other system types #GP(sel).
 */
static enum bt_emu far_transfer(struct emu *e, uint16_t sel, uint32_t off, bool call)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8, type, dpl;
	struct bt_seg ncs;
	uint32_t where, target, esp = v->gpr[BT_ESP];
	uint8_t b[8];
	enum bt_emu r;

	if (!(sel & ~3u))
		return gp(e, 0);
	r = btv_desc_read(e, sel, b, &where);
	if (r != BT_EMU_DONE)
		return r;
	btv_desc_parse(b, &ncs, sel);
	type = ncs.attr & BT_ATTR_TYPE;
	dpl = attr_dpl(ncs.attr);
	if (!(ncs.attr & BT_ATTR_S)) {
		switch (type) {
		case 0x4: case 0xc:                     /* call gate */
			return through_gate(e, sel, b, call);
		case 0x1: case 0x9:                     /* available TSS */
		case 0x5:                               /* task gate */
			return BT_EMU_UNHANDLED;
		default:
			return gp(e, sel & ~3u);
		}
	}
	if (!(type & 8))                                /* data */
		return gp(e, sel & ~3u);
	if ((type & 4) ? dpl > v->cpl : ((sel & 3u) > v->cpl || dpl != v->cpl))
		return gp(e, sel & ~3u);
	if (!(ncs.attr & BT_ATTR_P))
		return raise(e, BT_VEC_NP, true, sel & ~3u);
	target = size == 2 ? off & 0xffff : off;
	if (target > ncs.limit)
		return gp(e, 0);

	/* The writes: the return address, then the accessed bit. */
	if (call) {
		if (stack_write(e, sp_add(v, esp, -(int32_t)size), v->seg[BT_CS].sel, size) ||
		    stack_write(e, sp_add(v, esp, -2 * (int32_t)size), e->next_eip, size))
			return BT_EMU_FAULT;
	}
	if (btv_set_accessed(e, &ncs, where) != BT_EMU_DONE)
		return BT_EMU_FAULT;

	if (call)
		v->gpr[BT_ESP] = sp_add(v, esp, -2 * (int32_t)size);
	ncs.sel = (sel & ~3u) | v->cpl;
	v->seg[BT_CS] = ncs;
	return go(e, target);
}

/* jmp ptr16:16/32 (EA), call ptr16:16/32 (9A). */
enum bt_emu btv_do_far_ptr(struct emu *e)
{
	return far_transfer(e, e->d.imm2, e->d.imm, e->d.opcode == 0x9a);
}

/* FF /2 call r/m, /3 call m16:16/32, /4 jmp r/m, /5 jmp m16:16/32. */
enum bt_emu btv_do_grp5(struct emu *e)
{
	const struct dec_insn *d = &e->d;
	unsigned size = d->opsize / 8;
	uint32_t off = 0, t, lin;
	uint16_t sel = 0;
	enum bt_emu r;

	if (d->reg < 2 || d->reg > 5)
		return BT_EMU_UNHANDLED;        /* inc, dec, push */
	if (d->reg == 3 || d->reg == 5) {
		if (d->mod == 3)                /* the decoder refuses these already */
			return ud(e);
		lin = btv_modrm_linear(e);
		if (mem_read(e, lin, &off, size) || mem_read(e, lin + size, &sel, 2))
			return BT_EMU_FAULT;
		return far_transfer(e, sel, off, d->reg == 3);
	}
	if (d->mod == 3)
		off = reg_get(e->v, d->rm, size);
	else if (mem_read(e, btv_modrm_linear(e), &off, size))
		return BT_EMU_FAULT;
	r = near_target(e, off, &t);
	if (r != BT_EMU_DONE)
		return r;
	return d->reg == 2 ? near_call(e, t) : go(e, t);
}

/*
 * retf (CB), retf imm16 (CA) (SDM RET, protected mode, far): pop (E)IP
 * and CS. A null CS #GP(0); RPL < CPL, a selector past the table, not
 * code, conforming with DPL > RPL or non-conforming with DPL != RPL
 * #GP(sel); not present #NP(sel). To the same ring: release imm16 bytes.
 * To an outer ring (RPL > CPL): release imm16 bytes, pop (E)SP and SS
 * (checked as iret checks them: writable data, DPL == RPL == the new
 * CPL, present else #SS(sel)), release imm16 bytes of the new stack,
 * null the data segments the new ring may not use: BT_EMU_PRIV. The
 * target is checked against the new CS limit (#GP(0)) after the stack.
 */
enum bt_emu btv_do_retf(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8, rpl;
	uint32_t imm = e->d.opcode == 0xca ? e->d.imm & 0xffff : 0;
	uint32_t esp = v->gpr[BT_ESP], eip, cs, nesp = 0, nss = 0, cs_at, ss_at = 0, esp2;
	struct bt_seg ncs, nssd;
	enum bt_emu r;

	if (btv_stack_read(e, esp, size, &eip) || btv_stack_read(e, sp_add(v, esp, size), size, &cs))
		return BT_EMU_FAULT;
	cs &= 0xffff;
	if (size == 2)
		eip &= 0xffff;
	rpl = cs & 3;
	if ((cs & ~3u) && rpl < v->cpl)
		return gp(e, cs & ~3u);
	r = btv_load_seg(e, cs, true, rpl, &ncs, &cs_at);
	if (r != BT_EMU_DONE)
		return r;
	esp2 = sp_add(v, esp, (int32_t)(2 * size + imm));
	if (rpl > v->cpl) {
		if (btv_stack_read(e, esp2, size, &nesp) ||
		    btv_stack_read(e, sp_add(v, esp2, size), size, &nss))
			return BT_EMU_FAULT;
		nss &= 0xffff;
		r = btv_load_seg(e, nss, false, rpl, &nssd, &ss_at);
		if (r != BT_EMU_DONE)
			return r;
	}
	if (eip > ncs.limit)
		return gp(e, 0);
	if (rpl > v->cpl && btv_set_accessed(e, &nssd, ss_at) != BT_EMU_DONE)
		return BT_EMU_FAULT;
	if (btv_set_accessed(e, &ncs, cs_at) != BT_EMU_DONE)
		return BT_EMU_FAULT;

	v->seg[BT_CS] = ncs;
	if (rpl == v->cpl) {
		v->gpr[BT_ESP] = esp2;
		return go(e, eip);
	}
	e->eip_set = true;
	v->eip = eip;
	v->eflags &= ~BT_FL_RF;
	r = btv_commit_outer(e, rpl, &nssd, nesp, size);
	v->gpr[BT_ESP] = sp_add(v, v->gpr[BT_ESP], (int32_t)imm);
	e->exit->priv.esp = v->gpr[BT_ESP];
	return r;
}
