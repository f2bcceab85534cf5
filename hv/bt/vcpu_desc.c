/*
 * The bt vCPU: descriptors and segment loading against the guest's
 * GDT/LDT, iret, the descriptor-table instructions (lgdt ... ltr, sldt,
 * str, smsw, lmsw, invlpg), the reads of CS and SS, and lar, lsl, verr,
 * verw (vcpu_internal.h, docs/bt-vcpu.md).
 */
#include "vcpu_internal.h"

/* ---- descriptors ---- */

void btv_desc_parse(const uint8_t *b, struct bt_seg *s, uint16_t sel)
{
	uint32_t limit = b[0] | b[1] << 8 | (b[6] & 0xfu) << 16;

	s->sel = sel;
	s->base = b[2] | b[3] << 8 | b[4] << 16 | (uint32_t)b[7] << 24;
	s->attr = b[5] | (b[6] & 0xf0u) << 4;
	s->limit = (s->attr & BT_ATTR_G) ? limit << 12 | 0xfff : limit;
}

int btv_desc_lookup(struct emu *e, uint16_t sel, uint8_t b[8], uint32_t *where)
{
	const struct bt_vcpu *v = e->v;
	uint32_t base = v->gdtr.base, limit = v->gdtr.limit;
	uint32_t idx = sel & ~7u;

	if (sel & 4) {
		if (!v->ldtr.attr)
			return 1;
		base = v->ldtr.base;
		limit = v->ldtr.limit;
	}
	if (idx + 7 > limit)
		return 1;
	*where = base + idx;
	return mem_read(e, *where, b, 8) ? -1 : 0;
}

/*
 * Read the 8-byte descriptor of sel from the guest's GDT or LDT. A
 * selector past the table's limit is #GP(sel); the caller checks the type.
 * *where gets its linear address (for ltr's busy bit, the accessed bit).
 */
enum bt_emu btv_desc_read(struct emu *e, uint16_t sel, uint8_t b[8], uint32_t *where)
{
	int r = btv_desc_lookup(e, sel, b, where);

	if (r > 0)
		return gp(e, sel & ~3u);
	return r ? BT_EMU_FAULT : BT_EMU_DONE;
}

enum bt_emu btv_set_accessed(struct emu *e, struct bt_seg *s, uint32_t where)
{
	uint8_t type = (uint8_t)s->attr;

	if (type & 1)
		return BT_EMU_DONE;
	type |= 1;
	if (mem_write(e, where + 5, &type, 1))
		return BT_EMU_FAULT;
	s->attr |= 1;
	return BT_EMU_DONE;
}

/* A code or data segment for iret and retf: present, the right kind, the
 * right DPL (SDM IRET, RET: the return code and stack segment checks). */
enum bt_emu btv_load_seg(struct emu *e, uint16_t sel, bool code, unsigned cpl,
			 struct bt_seg *s, uint32_t *where)
{
	uint8_t b[8];
	enum bt_emu r;
	unsigned dpl;

	if (!(sel & ~3u))
		return gp(e, 0);
	r = btv_desc_read(e, sel, b, where);
	if (r != BT_EMU_DONE)
		return r;
	btv_desc_parse(b, s, sel);
	dpl = attr_dpl(s->attr);
	if (!(s->attr & BT_ATTR_S))
		return gp(e, sel & ~3u);
	if (code) {
		if (!(s->attr & 8))                     /* not code */
			return gp(e, sel & ~3u);
		/* conforming: DPL <= RPL; else DPL == RPL */
		if ((s->attr & 4) ? dpl > cpl : dpl != cpl)
			return gp(e, sel & ~3u);
		if (!(s->attr & BT_ATTR_P))
			return raise(e, BT_VEC_NP, true, sel & ~3u);
	} else {
		if ((s->attr & 8) || !(s->attr & 2) || dpl != cpl || (sel & 3) != cpl)
			return gp(e, sel & ~3u);
		if (!(s->attr & BT_ATTR_P))
			return raise(e, BT_VEC_SS, true, sel & ~3u);
	}
	return BT_EMU_DONE;
}

enum bt_emu btv_commit_outer(struct emu *e, unsigned rpl, const struct bt_seg *ss,
			     uint32_t esp_img, unsigned size)
{
	struct bt_vcpu *v = e->v;

	v->cpl = rpl;
	v->seg[BT_SS] = *ss;
	v->gpr[BT_ESP] = size == 2 ? (v->gpr[BT_ESP] & ~0xffffu) | (esp_img & 0xffff) : esp_img;
	for (unsigned s = BT_ES; s <= BT_GS; s++) {
		struct bt_seg *sg = &v->seg[s];
		bool conf_code = (sg->attr & 0xc) == 0xc;

		if (s == BT_CS || s == BT_SS || !sg->attr)
			continue;
		if (!conf_code && attr_dpl(sg->attr) < rpl)
			memset(sg, 0, sizeof(*sg));
	}
	e->exit->events |= BT_EV_BRANCH;
	e->exit->priv.cpl = rpl;
	e->exit->priv.cs = v->seg[BT_CS].sel;
	e->exit->priv.eip = v->eip;
	e->exit->priv.ss = ss->sel;
	e->exit->priv.esp = v->gpr[BT_ESP];
	return BT_EMU_PRIV;
}

/*
 * iret in protected mode (SDM IRET): pops EIP, CS, EFLAGS; to an outer
 * ring also ESP and SS, and data segment registers the new ring may not
 * use become null. A return to virtual-8086 mode (VM set at CPL 0) and a
 * task return (NT) are not emulated. The descriptors loaded get their
 * accessed bit, after every check.
 */
enum bt_emu btv_do_iret(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	uint32_t esp = v->gpr[BT_ESP], eip, cs, fl, nesp = 0, nss = 0;
	uint32_t cs_at = 0, ss_at = 0;
	struct bt_seg ncs = v->seg[BT_CS], nssd = v->seg[BT_SS];
	bool cs_loaded = false;
	unsigned rpl;
	enum bt_emu r;

	if (v->eflags & BT_FL_NT)
		return BT_EMU_UNHANDLED;
	if (btv_stack_read(e, esp, size, &eip) || btv_stack_read(e, sp_add(v, esp, size), size, &cs) ||
	    btv_stack_read(e, sp_add(v, esp, 2 * size), size, &fl))
		return BT_EMU_FAULT;
	cs &= 0xffff;
	if (size == 4 && (fl & BT_FL_VM) && v->cpl == 0)
		return BT_EMU_UNHANDLED;
	rpl = cs & 3;
	if (rpl < v->cpl)
		return gp(e, cs & ~3u);
	if (cs != v->seg[BT_CS].sel) {
		r = btv_load_seg(e, cs, true, rpl, &ncs, &cs_at);
		if (r != BT_EMU_DONE)
			return r;
		cs_loaded = true;
	}
	if (rpl > v->cpl) {
		if (btv_stack_read(e, sp_add(v, esp, 3 * size), size, &nesp) ||
		    btv_stack_read(e, sp_add(v, esp, 4 * size), size, &nss))
			return BT_EMU_FAULT;
		nss &= 0xffff;
		r = btv_load_seg(e, nss, false, rpl, &nssd, &ss_at);
		if (r != BT_EMU_DONE)
			return r;
		if (btv_set_accessed(e, &nssd, ss_at) != BT_EMU_DONE)
			return BT_EMU_FAULT;
	}
	if (cs_loaded && btv_set_accessed(e, &ncs, cs_at) != BT_EMU_DONE)
		return BT_EMU_FAULT;

	/* Commit: the flags at the old CPL's rights. */
	btv_load_flags(v, fl, size, true);
	e->eip_set = true;
	v->eip = size == 2 ? eip & 0xffff : eip;
	v->seg[BT_CS] = ncs;
	v->seg[BT_CS].sel = cs;
	if (rpl == v->cpl) {
		v->gpr[BT_ESP] = sp_add(v, esp, 3 * size);
		e->exit->events |= BT_EV_BRANCH;
		return BT_EMU_DONE;
	}
	return btv_commit_outer(e, rpl, &nssd, nesp, size);
}

/* lldt, ltr (SDM LLDT, LTR): a GDT system descriptor of the right type. */
static enum bt_emu do_lldt_ltr(struct emu *e, bool tr)
{
	struct bt_vcpu *v = e->v;
	struct bt_seg s;
	uint8_t b[8];
	uint32_t where;
	uint16_t sel;
	enum bt_emu r;
	unsigned type;

	if (v->cpl)
		return gp(e, 0);
	r = btv_load16(e, &sel);
	if (r != BT_EMU_DONE)
		return r;
	if (!(sel & ~3u)) {
		if (tr)
			return gp(e, 0);
		memset(&v->ldtr, 0, sizeof(v->ldtr));   /* null LDT: unusable */
		v->ldtr.sel = sel;
		e->exit->events |= BT_EV_DESC;
		return BT_EMU_DONE;
	}
	if (sel & 4)            /* must be in the GDT */
		return gp(e, sel & ~3u);
	r = btv_desc_read(e, sel, b, &where);
	if (r != BT_EMU_DONE)
		return r;
	btv_desc_parse(b, &s, sel);
	type = s.attr & BT_ATTR_TYPE;
	if ((s.attr & BT_ATTR_S) || (tr ? (type != 1 && type != 9) : type != 2))
		return gp(e, sel & ~3u);
	if (!(s.attr & BT_ATTR_P))
		return raise(e, BT_VEC_NP, true, sel & ~3u);
	if (tr) {
		/* Mark the TSS busy in the guest's GDT, as the CPU does. */
		uint8_t busy = b[5] | 2;

		if (mem_write(e, where + 5, &busy, 1))
			return BT_EMU_FAULT;
		s.attr |= 2;
		v->tr = s;
	} else {
		v->ldtr = s;
	}
	e->exit->events |= BT_EV_DESC;
	return BT_EMU_DONE;
}

/*
 * lar, lsl, verr, verw (SDM vol. 2): the descriptor of an r/m16 selector
 * in the guest's GDT/LDT, checked at the virtual CPL and the selector's
 * RPL. Only ZF tells the outcome; lar and lsl write their destination only
 * when ZF is set. A null selector, one past its table's limit (or in an
 * unusable LDT), a type the instruction does not accept, or a DPL below
 * CPL or RPL (except for conforming code) clear ZF. The present bit is not
 * looked at. A fault reading the selector or the table is delivered.
 */

/* System types lar accepts: TSSs (16/32-bit, available/busy), LDT, call
 * gates, task gate. lsl: the TSSs and the LDT, which have a limit. */
#define LAR_SYS_TYPES   (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9 | 1u << 11 | 1u << 12)
#define LSL_SYS_TYPES   (1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 11)

enum seg_check { SC_LAR, SC_LSL, SC_VERR, SC_VERW };

/* 1: sel passes kind's checks (*s its descriptor), 0: it does not,
 * -1: a fault (exit->fault filled). */
static int seg_check(struct emu *e, uint16_t sel, enum seg_check kind, struct bt_seg *s)
{
	uint8_t b[8];
	uint32_t where;
	unsigned type, dpl;
	bool conf_code;
	int r;

	if (!(sel & ~3u))
		return 0;
	r = btv_desc_lookup(e, sel, b, &where);
	if (r)
		return r > 0 ? 0 : -1;
	btv_desc_parse(b, s, sel);
	type = s->attr & BT_ATTR_TYPE;
	dpl = attr_dpl(s->attr);
	if (s->attr & BT_ATTR_S) {
		if (kind == SC_VERR && (type & 0xa) == 0x8)     /* execute-only code */
			return 0;
		if (kind == SC_VERW && (type & 0xa) != 0x2)     /* not writable data */
			return 0;
	} else {
		if (kind == SC_VERR || kind == SC_VERW)
			return 0;
		if (!((kind == SC_LAR ? LAR_SYS_TYPES : LSL_SYS_TYPES) >> type & 1))
			return 0;
	}
	conf_code = (s->attr & BT_ATTR_S) && (type & 0xc) == 0xc;
	if (!conf_code && (e->v->cpl > dpl || (sel & 3u) > dpl))
		return 0;
	return 1;
}

static void set_zf(struct bt_vcpu *v, bool on)
{
	if (on)
		v->eflags |= BT_FL_ZF;
	else
		v->eflags &= ~BT_FL_ZF;
}

static enum bt_emu do_verr_verw(struct emu *e, bool w)
{
	struct bt_seg s;
	uint16_t sel;
	enum bt_emu r = btv_load16(e, &sel);
	int ok;

	if (r != BT_EMU_DONE)
		return r;
	ok = seg_check(e, sel, w ? SC_VERW : SC_VERR, &s);
	if (ok < 0)
		return BT_EMU_FAULT;
	set_zf(e->v, ok);
	return BT_EMU_DONE;
}

/*
 * lar: the access rights, descriptor bytes 5 and 6 in place (32-bit:
 * dword 2 AND 00F0FF00H, bits 19:16 given as 0; 16-bit: AND FF00H).
 * lsl: the byte-granular limit (16-bit: its low half). A 16-bit
 * destination keeps the register's upper half.
 */
enum bt_emu btv_do_lar_lsl(struct emu *e, bool lsl)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	struct bt_seg s;
	uint16_t sel;
	uint32_t val;
	enum bt_emu r = btv_load16(e, &sel);
	int ok;

	if (r != BT_EMU_DONE)
		return r;
	ok = seg_check(e, sel, lsl ? SC_LSL : SC_LAR, &s);
	if (ok < 0)
		return BT_EMU_FAULT;
	if (ok) {
		if (lsl)
			val = s.limit;
		else
			val = (uint32_t)(s.attr & 0xff) << 8 | (uint32_t)(s.attr >> 8 & 0xf) << 20;
		reg_set(v, e->d.reg, size, val);
	}
	set_zf(v, ok);
	return BT_EMU_DONE;
}

/* 0F 00: sldt, str, lldt, ltr, verr, verw. */
enum bt_emu btv_grp6(struct emu *e)
{
	switch (e->d.reg) {
	case 0: return btv_store16(e, e->v->ldtr.sel);
	case 1: return btv_store16(e, e->v->tr.sel);
	case 2: return do_lldt_ltr(e, false);
	case 3: return do_lldt_ltr(e, true);
	case 4: return do_verr_verw(e, false);
	case 5: return do_verr_verw(e, true);
	default: return BT_EMU_UNHANDLED;
	}
}

/* 0F 01 memory forms and smsw/lmsw/invlpg. */
enum bt_emu btv_grp7(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	const struct dec_insn *d = &e->d;
	struct bt_dtr *dt = (d->reg & 1) ? &v->idtr : &v->gdtr;
	uint8_t m[6];
	uint16_t msw;
	enum bt_emu r;

	/* The register forms other than smsw/lmsw are VMX, SVM, MONITOR,
	 * XGETBV, SWAPGS, RDTSCP: none is in the guest's CPUID, so #UD (in
	 * ring 1 the host's EFER.SVME would make the SVM ones #GP). */
	if (d->mod == 3 && d->reg != 4 && d->reg != 6)
		return ud(e);
	switch (d->reg) {
	case 0:
	case 1:         /* sgdt, sidt: 6 bytes, the full 32-bit base */
		m[0] = dt->limit & 0xff;
		m[1] = dt->limit >> 8;
		m[2] = dt->base & 0xff;
		m[3] = dt->base >> 8 & 0xff;
		m[4] = dt->base >> 16 & 0xff;
		m[5] = dt->base >> 24;
		return mem_write(e, btv_modrm_linear(e), m, 6) ? BT_EMU_FAULT : BT_EMU_DONE;
	case 2:
	case 3:         /* lgdt, lidt: a 16-bit operand loads a 24-bit base */
		if (v->cpl)
			return gp(e, 0);
		if (mem_read(e, btv_modrm_linear(e), m, 6))
			return BT_EMU_FAULT;
		dt->limit = m[0] | m[1] << 8;
		dt->base = m[2] | m[3] << 8 | m[4] << 16 | (uint32_t)m[5] << 24;
		if (d->opsize == 16)
			dt->base &= 0xffffff;
		e->exit->events |= BT_EV_DESC;
		return BT_EMU_DONE;
	case 4:         /* smsw: r32 gets all of CR0 (P6+), else 16 bits */
		return btv_store16(e, d->mod == 3 && d->opsize == 32 ? v->cr0 : v->cr0 & 0xffff);
	case 6:         /* lmsw: PE MP EM TS; cannot clear PE */
		if (v->cpl)
			return gp(e, 0);
		r = btv_load16(e, &msw);
		if (r != BT_EMU_DONE)
			return r;
		return btv_set_cr0(e, (v->cr0 & ~0xeu) | (msw & 0xf) | (v->cr0 & BT_CR0_PE));
	case 7:         /* invlpg */
		if (v->cpl)
			return gp(e, 0);
		e->exit->linear = btv_modrm_linear(e);
		e->exit->events |= BT_EV_INVLPG;
		if (e->ops->invlpg)
			e->ops->invlpg(e->ops->opaque, e->exit->linear);
		return BT_EMU_DONE;
	default:
		return BT_EMU_UNHANDLED;
	}
}

/* mov r/m16, sreg (8C) for CS and SS only: the guest's selector, RPL 0. */
enum bt_emu btv_do_mov_from_sreg(struct emu *e)
{
	if (e->d.reg != BT_CS && e->d.reg != BT_SS)
		return BT_EMU_UNHANDLED;
	return btv_store16(e, e->v->seg[e->d.reg].sel);
}

/*
 * mov r/m16, ss and pop ss: in ring 1 the guest kernel's SS selector has
 * RPL 0, which the CPU refuses for a CPL-1 stack (#GP); the vCPU loads it
 * at the guest's CPL with the SDM's checks (a writable data segment, DPL
 * and RPL equal to CPL, present). The real SS gets RPL 1 on the way out.
 * Other segment registers load natively, so only SS comes here.
 */
enum bt_emu btv_do_mov_to_ss(struct emu *e, bool pop)
{
	struct bt_vcpu *v = e->v;
	uint16_t sel;
	uint32_t val = 0, where;
	struct bt_seg s;
	if (pop) {
		if (btv_stack_read(e, v->gpr[BT_ESP], e->d.opsize / 8, &val))
			return BT_EMU_FAULT;
		sel = (uint16_t)val;
	} else {
		if (e->d.reg != BT_SS)
			return BT_EMU_UNHANDLED;
		enum bt_emu r = btv_load16(e, &sel);
		if (r != BT_EMU_DONE)
			return r;
	}
	enum bt_emu r = btv_load_seg(e, sel, false, v->cpl, &s, &where);
	if (r != BT_EMU_DONE)
		return r;
	r = btv_set_accessed(e, &s, where);
	if (r != BT_EMU_DONE)
		return r;
	v->seg[BT_SS] = s;
	if (pop)
		v->gpr[BT_ESP] = sp_add(v, v->gpr[BT_ESP], (int32_t)(e->d.opsize / 8));
	return BT_EMU_DONE;
}

/* push cs/ss: a 32-bit push moves ESP by 4 and writes 16 bits, as recent
 * processors do (SDM PUSH: the upper half of the slot is left as it was). */
enum bt_emu btv_do_push_sreg(struct emu *e, unsigned s)
{
	unsigned slot = e->d.opsize / 8;

	return btv_push(e, e->v->seg[s].sel, slot, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
}
