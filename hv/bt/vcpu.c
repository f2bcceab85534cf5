/*
 * The bt vCPU: trap-and-emulate of privileged and sensitive instructions
 * against a shadow of the privileged CPU state (vcpu.h, docs/bt-vcpu.md).
 *
 * Each handler computes everything first (reads of guest memory, checks,
 * the new values) and commits to the vCPU only at the end, so that a fault
 * from an op or a check leaves the vCPU as it was: the guest then takes
 * the exception on the unchanged instruction, as on hardware. Writes to
 * guest memory are made before the register commit for the same reason.
 * The one exception is a rep string: the iterations done stay done, as the
 * CPU leaves them when a fault interrupts it.
 */
#include "vcpu.h"
#include "x86.h"
#include "decode.h"
#include "string.h"

struct emu {
	struct bt_vcpu *v;
	const struct bt_ops *ops;
	struct bt_exit *exit;
	struct dec_insn d;
	uint32_t next_eip;      /* eip after the instruction */
	bool eip_set;           /* the handler set eip and RF itself (iret) */
};

/* ---- faults ---- */

static enum bt_emu raise(struct emu *e, uint8_t vector, bool has_code, uint32_t code)
{
	e->exit->fault.vector = vector;
	e->exit->fault.has_code = has_code;
	e->exit->fault.code = code;
	e->exit->fault.cr2 = 0;
	return BT_EMU_FAULT;
}

static enum bt_emu gp(struct emu *e, uint32_t code)
{
	return raise(e, BT_VEC_GP, true, code);
}

static enum bt_emu ud(struct emu *e)
{
	return raise(e, BT_VEC_UD, false, 0);
}

/* ---- registers ---- */

static uint32_t reg_get(const struct bt_vcpu *v, unsigned r, unsigned size)
{
	if (size == 1)  /* AL CL DL BL AH CH DH BH */
		return r < 4 ? v->gpr[r] & 0xff : v->gpr[r - 4] >> 8 & 0xff;
	if (size == 2)
		return v->gpr[r] & 0xffff;
	return v->gpr[r];
}

static void reg_set(struct bt_vcpu *v, unsigned r, unsigned size, uint32_t val)
{
	if (size == 1) {
		if (r < 4)
			v->gpr[r] = (v->gpr[r] & ~0xffu) | (val & 0xff);
		else
			v->gpr[r - 4] = (v->gpr[r - 4] & ~0xff00u) | (val & 0xff) << 8;
	} else if (size == 2) {
		v->gpr[r] = (v->gpr[r] & ~0xffffu) | (val & 0xffff);
	} else {
		v->gpr[r] = val;
	}
}

uint32_t bt_vcpu_flags(const struct bt_vcpu *v)
{
	uint32_t f = v->eflags & ~(BT_FL_IF | BT_FL_IOPL);

	if (v->vif)
		f |= BT_FL_IF;
	return f | (uint32_t)(v->viopl & 3) << BT_FL_IOPL_SHIFT | BT_FL_FIXED1;
}

/* ---- memory ---- */

static int mem_read(struct emu *e, uint32_t linear, void *buf, unsigned n)
{
	memset(&e->exit->fault, 0, sizeof(e->exit->fault));
	return e->ops->read(e->ops->opaque, linear, buf, n, &e->exit->fault);
}

static int mem_write(struct emu *e, uint32_t linear, const void *buf, unsigned n)
{
	memset(&e->exit->fault, 0, sizeof(e->exit->fault));
	return e->ops->write(e->ops->opaque, linear, buf, n, &e->exit->fault);
}

static const uint8_t seg_of_prefix[256] = {
	[0x26] = BT_ES + 1, [0x2e] = BT_CS + 1, [0x36] = BT_SS + 1,
	[0x3e] = BT_DS + 1, [0x64] = BT_FS + 1, [0x65] = BT_GS + 1,
};

/*
 * The linear address of a ModRM memory operand (SDM vol. 2 2.1.5): base,
 * index and displacement wrapped to the address size, plus the segment's
 * base (the override, else SS for BP/ESP/EBP-based forms, else DS).
 * Segment limits are not checked (flat guests; docs/bt-vcpu.md).
 */
static uint32_t modrm_linear(struct emu *e)
{
	const struct dec_insn *d = &e->d;
	const struct bt_vcpu *v = e->v;
	unsigned seg = BT_DS;
	uint32_t off;

	if (d->addrsize == 16) {
		static const int8_t r1[8] = { BT_EBX, BT_EBX, BT_EBP, BT_EBP, BT_ESI, BT_EDI, BT_EBP, BT_EBX };
		static const int8_t r2[8] = { BT_ESI, BT_EDI, BT_ESI, BT_EDI, -1, -1, -1, -1 };

		if (d->mod == 0 && d->rm == 6) {
			off = 0;
		} else {
			off = v->gpr[r1[d->rm]] & 0xffff;
			if (r2[d->rm] >= 0)
				off += v->gpr[r2[d->rm]] & 0xffff;
			if (d->rm == 2 || d->rm == 3 || d->rm == 6)
				seg = BT_SS;
		}
		off = (off + (uint32_t)d->disp) & 0xffff;
	} else {
		unsigned base = d->has_sib ? d->base : d->rm;

		off = 0;
		if (d->mod == 0 && base == 5) {
			/* disp32 with no base */
		} else {
			off = v->gpr[base];
			if (base == BT_ESP || base == BT_EBP)
				seg = BT_SS;
		}
		if (d->has_sib && d->index != 4)
			off += v->gpr[d->index] << d->scale;
		off += (uint32_t)d->disp;
	}
	if (seg_of_prefix[d->pfx_seg])
		seg = seg_of_prefix[d->pfx_seg] - 1;
	return v->seg[seg].base + off;
}

/* ---- the stack ---- */

static bool stack32(const struct bt_vcpu *v)
{
	return v->seg[BT_SS].attr & BT_ATTR_DB;
}

/* Where the stack pointer is after moving it by delta, in the SS.B width. */
static uint32_t sp_add(const struct bt_vcpu *v, uint32_t esp, int32_t delta)
{
	if (stack32(v))
		return esp + (uint32_t)delta;
	return (esp & ~0xffffu) | ((esp + (uint32_t)delta) & 0xffff);
}

static uint32_t sp_off(const struct bt_vcpu *v, uint32_t esp)
{
	return stack32(v) ? esp : esp & 0xffff;
}

/* Read size bytes at stack offset esp, not moving the stack pointer. */
static int stack_read(struct emu *e, uint32_t esp, unsigned size, uint32_t *val)
{
	*val = 0;
	return mem_read(e, e->v->seg[BT_SS].base + sp_off(e->v, esp), val, size);
}

/* Push: the write first, then the new stack pointer (so a fault changes nothing). */
static int push(struct emu *e, uint32_t val, unsigned slot, unsigned size)
{
	uint32_t esp = sp_add(e->v, e->v->gpr[BT_ESP], -(int32_t)slot);

	if (mem_write(e, e->v->seg[BT_SS].base + sp_off(e->v, esp), &val, size))
		return -1;
	e->v->gpr[BT_ESP] = esp;
	return 0;
}

/* ---- descriptors ---- */

static void desc_parse(const uint8_t *b, struct bt_seg *s, uint16_t sel)
{
	uint32_t limit = b[0] | b[1] << 8 | (b[6] & 0xfu) << 16;

	s->sel = sel;
	s->base = b[2] | b[3] << 8 | b[4] << 16 | (uint32_t)b[7] << 24;
	s->attr = b[5] | (b[6] & 0xf0u) << 4;
	s->limit = (s->attr & BT_ATTR_G) ? limit << 12 | 0xfff : limit;
}

/*
 * Read the 8-byte descriptor of sel from the guest's GDT or LDT. A
 * selector past the table's limit is #GP(sel); the caller checks the type.
 * *where gets its linear address (for ltr's busy bit).
 */
static enum bt_emu desc_read(struct emu *e, uint16_t sel, uint8_t b[8], uint32_t *where)
{
	const struct bt_vcpu *v = e->v;
	uint32_t base = v->gdtr.base, limit = v->gdtr.limit;
	uint32_t idx = sel & ~7u;

	if (sel & 4) {
		if (!v->ldtr.attr)
			return gp(e, sel & ~3u);
		base = v->ldtr.base;
		limit = v->ldtr.limit;
	}
	if (idx + 7 > limit)
		return gp(e, sel & ~3u);
	*where = base + idx;
	if (mem_read(e, *where, b, 8))
		return BT_EMU_FAULT;
	return BT_EMU_DONE;
}

/* ---- the instructions ---- */

static enum bt_emu need_cpl0(struct emu *e)
{
	return e->v->cpl ? gp(e, 0) : BT_EMU_DONE;
}

/* cli, sti: CPL <= IOPL (protected mode, no PVI; SDM CLI/STI). */
static enum bt_emu do_cli_sti(struct emu *e, bool set)
{
	struct bt_vcpu *v = e->v;

	if (v->cpl > v->viopl)
		return gp(e, 0);
	/* The shadow only follows an sti that changed IF from 0 to 1. */
	if (set && !v->vif) {
		v->sti_shadow = true;
		e->exit->events |= BT_EV_STI_SHADOW;
	}
	v->vif = set;
	return BT_EMU_DONE;
}

/*
 * The flags popf and iret may load at the guest's CPL (SDM POPF and
 * IRET, protected mode). VM, VIF, VIP never by popf; RF is
 * cleared by popf. IOPL only at CPL 0, IF only at CPL <= IOPL. A 16-bit
 * operand changes the low 16 bits only.
 */
static void load_flags(struct bt_vcpu *v, uint32_t val, unsigned size, bool iret)
{
	uint32_t mask = BT_FL_CF | BT_FL_PF | BT_FL_AF | BT_FL_ZF | BT_FL_SF | BT_FL_TF |
			BT_FL_DF | BT_FL_OF | BT_FL_NT | BT_FL_AC | BT_FL_ID;
	bool if_ok = v->cpl <= v->viopl, iopl_ok = v->cpl == 0;

	if (iret) {
		mask |= BT_FL_RF;
		if (v->cpl == 0)
			mask |= BT_FL_VIF | BT_FL_VIP;
	}
	if (size == 2)
		mask &= 0xffff;
	v->eflags = ((v->eflags & ~mask) | (val & mask) | BT_FL_FIXED1) & ~(BT_FL_IF | BT_FL_IOPL);
	if (!iret)
		v->eflags &= ~BT_FL_RF;
	/* IF and IOPL are both in the low 16 bits: a 16-bit popf loads them too. */
	if (if_ok)
		v->vif = val & BT_FL_IF;
	if (iopl_ok)
		v->viopl = val >> BT_FL_IOPL_SHIFT & 3;
}

static enum bt_emu do_pushf(struct emu *e)
{
	unsigned size = e->d.opsize / 8;
	/* The image has VM and RF clear (SDM PUSHF). */
	uint32_t f = bt_vcpu_flags(e->v) & ~(BT_FL_VM | BT_FL_RF);

	return push(e, f, size, size) ? BT_EMU_FAULT : BT_EMU_DONE;
}

static enum bt_emu do_popf(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	uint32_t val;

	if (stack_read(e, v->gpr[BT_ESP], size, &val))
		return BT_EMU_FAULT;
	load_flags(v, val, size, false);
	v->gpr[BT_ESP] = sp_add(v, v->gpr[BT_ESP], size);
	return BT_EMU_DONE;
}

/* A code or data segment for iret: present, the right kind, the right DPL. */
static enum bt_emu load_seg(struct emu *e, uint16_t sel, bool code, unsigned cpl,
			    struct bt_seg *s)
{
	uint8_t b[8];
	uint32_t where;
	enum bt_emu r;
	unsigned dpl;

	if (!(sel & ~3u))
		return gp(e, 0);
	r = desc_read(e, sel, b, &where);
	if (r != BT_EMU_DONE)
		return r;
	desc_parse(b, s, sel);
	dpl = (s->attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT;
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

/*
 * iret in protected mode (SDM IRET): pops EIP, CS, EFLAGS; to an outer
 * ring also ESP and SS, and data segment registers the new ring may not
 * use become null. A return to virtual-8086 mode (VM set at CPL 0) and a
 * task return (NT) are not emulated.
 */
static enum bt_emu do_iret(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	uint32_t esp = v->gpr[BT_ESP], eip, cs, fl, nesp = 0, nss = 0;
	struct bt_seg ncs = v->seg[BT_CS], nssd = v->seg[BT_SS];
	unsigned rpl;
	enum bt_emu r;

	if (v->eflags & BT_FL_NT)
		return BT_EMU_UNHANDLED;
	if (stack_read(e, esp, size, &eip) || stack_read(e, sp_add(v, esp, size), size, &cs) ||
	    stack_read(e, sp_add(v, esp, 2 * size), size, &fl))
		return BT_EMU_FAULT;
	cs &= 0xffff;
	if (size == 4 && (fl & BT_FL_VM) && v->cpl == 0)
		return BT_EMU_UNHANDLED;
	rpl = cs & 3;
	if (rpl < v->cpl)
		return gp(e, cs & ~3u);
	if (cs != v->seg[BT_CS].sel) {
		r = load_seg(e, cs, true, rpl, &ncs);
		if (r != BT_EMU_DONE)
			return r;
	}
	if (rpl > v->cpl) {
		if (stack_read(e, sp_add(v, esp, 3 * size), size, &nesp) ||
		    stack_read(e, sp_add(v, esp, 4 * size), size, &nss))
			return BT_EMU_FAULT;
		nss &= 0xffff;
		r = load_seg(e, nss, false, rpl, &nssd);
		if (r != BT_EMU_DONE)
			return r;
	}

	/* Commit: the flags at the old CPL's rights. */
	load_flags(v, fl, size, true);
	e->eip_set = true;
	v->eip = size == 2 ? eip & 0xffff : eip;
	v->seg[BT_CS] = ncs;
	v->seg[BT_CS].sel = cs;
	if (rpl == v->cpl) {
		v->gpr[BT_ESP] = sp_add(v, esp, 3 * size);
		return BT_EMU_DONE;
	}
	v->cpl = rpl;
	v->seg[BT_SS] = nssd;
	v->gpr[BT_ESP] = size == 2 ? (v->gpr[BT_ESP] & ~0xffffu) | (nesp & 0xffff) : nesp;
	for (unsigned s = BT_ES; s <= BT_GS; s++) {
		struct bt_seg *sg = &v->seg[s];
		unsigned dpl = (sg->attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT;
		bool conf_code = (sg->attr & 0xc) == 0xc;

		if (s == BT_CS || s == BT_SS || !sg->attr)
			continue;
		if (!conf_code && dpl < rpl)
			memset(sg, 0, sizeof(*sg));
	}
	e->exit->priv.cpl = rpl;
	e->exit->priv.cs = cs;
	e->exit->priv.eip = v->eip;
	e->exit->priv.ss = nss;
	e->exit->priv.esp = v->gpr[BT_ESP];
	return BT_EMU_PRIV;
}

/* in, out: CPL <= IOPL (the TSS bitmap is not consulted: docs/bt-vcpu.md). */
static enum bt_emu do_inout(struct emu *e, bool out, bool imm)
{
	struct bt_vcpu *v = e->v;
	unsigned size = (e->d.opcode & 1) ? e->d.opsize / 8 : 1;
	uint16_t port = imm ? e->d.imm & 0xff : v->gpr[BT_EDX] & 0xffff;
	uint32_t val = out ? reg_get(v, BT_EAX, size) : 0;

	if (!e->ops->pio)
		return BT_EMU_UNHANDLED;
	if (v->cpl > v->viopl)
		return gp(e, 0);
	if (e->ops->pio(e->ops->opaque, port, size, out, &val))
		return gp(e, 0);
	if (!out)
		reg_set(v, BT_EAX, size, val);
	return BT_EMU_DONE;
}

/*
 * ins/outs with rep and DF: ins writes ES:(E)DI (no override), outs reads
 * seg:(E)SI (DS or the override). The count and index registers are
 * (E)CX/(E)SI/(E)DI by the address size.
 */
static enum bt_emu do_string(struct emu *e, bool out)
{
	struct bt_vcpu *v = e->v;
	const struct dec_insn *d = &e->d;
	unsigned size = (d->opcode & 1) ? d->opsize / 8 : 1;
	uint32_t amask = d->addrsize == 16 ? 0xffff : 0xffffffffu;
	unsigned idx = out ? BT_ESI : BT_EDI;
	unsigned seg = out ? BT_DS : BT_ES;
	int32_t step = (v->eflags & BT_FL_DF) ? -(int32_t)size : (int32_t)size;
	uint16_t port = v->gpr[BT_EDX] & 0xffff;
	bool rep = d->pfx_rep != 0;
	unsigned done = 0;

	if (!e->ops->pio)
		return BT_EMU_UNHANDLED;
	if (v->cpl > v->viopl)
		return gp(e, 0);
	if (out && seg_of_prefix[d->pfx_seg])
		seg = seg_of_prefix[d->pfx_seg] - 1;

	for (;;) {
		uint32_t val = 0, lin;

		if (rep && !(v->gpr[BT_ECX] & amask))
			break;
		if (done == BT_MAX_REPS)
			return BT_EMU_CONTINUE;
		lin = v->seg[seg].base + (v->gpr[idx] & amask);
		if (out) {
			if (mem_read(e, lin, &val, size))
				return BT_EMU_FAULT;
			if (e->ops->pio(e->ops->opaque, port, size, true, &val))
				return gp(e, 0);
		} else {
			/* The port is read before the write can fault, as on
			 * hardware: a faulting ins loses the value it read. */
			if (e->ops->pio(e->ops->opaque, port, size, false, &val))
				return gp(e, 0);
			if (mem_write(e, lin, &val, size))
				return BT_EMU_FAULT;
		}
		v->gpr[idx] = (v->gpr[idx] & ~amask) | ((v->gpr[idx] + (uint32_t)step) & amask);
		done++;
		if (!rep)
			break;
		v->gpr[BT_ECX] = (v->gpr[BT_ECX] & ~amask) | ((v->gpr[BT_ECX] - 1) & amask);
	}
	return BT_EMU_DONE;
}

static void notify_paging(struct emu *e, uint32_t old_cr0, uint32_t old_cr4)
{
	struct bt_vcpu *v = e->v;

	if (((old_cr0 ^ v->cr0) & BT_CR0_PAGING) || ((old_cr4 ^ v->cr4) & BT_CR4_PAGING)) {
		e->exit->events |= BT_EV_PAGING;
		if (e->ops->paging_change)
			e->ops->paging_change(e->ops->opaque, v->cr0, v->cr4);
	}
}

/*
 * CR0 checks (SDM MOV CR, 2.5): PG without PE and NW without CD are
 * #GP(0). Reserved bits 31:0 are ignored as the CPU ignores them (only
 * 63:32, which 32-bit code cannot write, fault), and ET reads 1.
 */
static enum bt_emu set_cr0(struct emu *e, uint32_t val)
{
	struct bt_vcpu *v = e->v;
	uint32_t old = v->cr0;

	if ((val & BT_CR0_PG) && !(val & BT_CR0_PE))
		return gp(e, 0);
	if ((val & BT_CR0_NW) && !(val & BT_CR0_CD))
		return gp(e, 0);
	/* Paging on with CR4.PAE while EFER.LME: long mode, not offered. */
	v->cr0 = (val & BT_CR0_DEFINED) | BT_CR0_ET;
	notify_paging(e, old, v->cr4);
	return BT_EMU_DONE;
}

static enum bt_emu do_mov_cr(struct emu *e, bool to_cr)
{
	struct bt_vcpu *v = e->v;
	unsigned cr = e->d.reg, r = e->d.rm;   /* always a register operand */
	uint32_t val, old;

	if (cr == 1 || cr > 4)
		return ud(e);
	if (v->cpl)
		return gp(e, 0);
	if (!to_cr) {
		val = cr == 0 ? v->cr0 : cr == 2 ? v->cr2 : cr == 3 ? v->cr3 : v->cr4;
		v->gpr[r] = val;
		return BT_EMU_DONE;
	}
	val = v->gpr[r];
	switch (cr) {
	case 0:
		return set_cr0(e, val);
	case 2:
		v->cr2 = val;
		return BT_EMU_DONE;
	case 3:
		old = v->cr3;
		v->cr3 = val;
		e->exit->events |= BT_EV_CR3;
		if (e->ops->cr3_write)
			e->ops->cr3_write(e->ops->opaque, old, val);
		return BT_EMU_DONE;
	default:
		if (val & ~v->cr4_valid)
			return gp(e, 0);
		old = v->cr4;
		v->cr4 = val;
		notify_paging(e, v->cr0, old);
		return BT_EMU_DONE;
	}
}

/* mov DRn (SDM MOV DR): DR4/DR5 alias DR6/DR7 unless CR4.DE (#UD then). */
static enum bt_emu do_mov_dr(struct emu *e, bool to_dr)
{
	struct bt_vcpu *v = e->v;
	unsigned dr = e->d.reg, r = e->d.rm;

	if (dr == 4 || dr == 5) {
		if (v->cr4 & BT_CR4_DE)
			return ud(e);
		dr += 2;
	}
	if (v->cpl)
		return gp(e, 0);
	if (!to_dr) {
		v->gpr[r] = v->dr[dr];
		return BT_EMU_DONE;
	}
	if (dr == 6)            /* bits 4-11 and 16-31 read 1, bit 12 reads 0 */
		v->dr[6] = (v->gpr[r] & 0x0000e00fu) | 0xffff0ff0u;
	else if (dr == 7)       /* bits 11, 12, 14, 15 read 0, bit 10 reads 1 */
		v->dr[7] = (v->gpr[r] & ~0x0000d800u) | 0x400u;
	else
		v->dr[dr] = v->gpr[r];
	return BT_EMU_DONE;
}

static uint64_t host_tsc(struct emu *e)
{
	return e->ops->rdtsc ? e->ops->rdtsc(e->ops->opaque) : 0;
}

static enum bt_emu do_rdmsr(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint32_t msr = v->gpr[BT_ECX];
	uint64_t val;

	if (v->cpl)
		return gp(e, 0);
	switch (msr) {
	case BT_MSR_TSC:          val = host_tsc(e) + v->tsc_offset; break;
	case BT_MSR_APIC_BASE:    val = v->apic_base; break;
	case BT_MSR_SYSENTER_CS:  val = v->sysenter_cs; break;
	case BT_MSR_SYSENTER_ESP: val = v->sysenter_esp; break;
	case BT_MSR_SYSENTER_EIP: val = v->sysenter_eip; break;
	case BT_MSR_PAT:          val = v->pat; break;
	case BT_MSR_EFER:         val = v->efer; break;
	default:
		if (!e->ops->rdmsr || e->ops->rdmsr(e->ops->opaque, msr, &val))
			return gp(e, 0);
	}
	v->gpr[BT_EAX] = (uint32_t)val;
	v->gpr[BT_EDX] = (uint32_t)(val >> 32);
	return BT_EMU_DONE;
}

static enum bt_emu do_wrmsr(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint32_t msr = v->gpr[BT_ECX];
	uint64_t val = (uint64_t)v->gpr[BT_EDX] << 32 | v->gpr[BT_EAX];

	if (v->cpl)
		return gp(e, 0);
	switch (msr) {
	case BT_MSR_TSC:
		v->tsc_offset = val - host_tsc(e);
		break;
	case BT_MSR_APIC_BASE:
		/* The local APIC model decides (it may move or refuse). */
		if (e->ops->wrmsr && e->ops->wrmsr(e->ops->opaque, msr, val))
			return gp(e, 0);
		v->apic_base = val;
		break;
	case BT_MSR_SYSENTER_CS:  v->sysenter_cs = (uint32_t)val; break;
	case BT_MSR_SYSENTER_ESP: v->sysenter_esp = (uint32_t)val; break;
	case BT_MSR_SYSENTER_EIP: v->sysenter_eip = (uint32_t)val; break;
	case BT_MSR_PAT:
		if (!x86_pat_valid(val))
			return gp(e, 0);
		v->pat = val;
		break;
	case BT_MSR_EFER:
		/* Only NXE: LME would be long mode, SCE syscall (not exposed). */
		if (val & ~BT_EFER_NXE)
			return gp(e, 0);
		if ((v->efer ^ val) & BT_EFER_NXE) {
			v->efer = val;
			e->exit->events |= BT_EV_PAGING;
			if (e->ops->paging_change)
				e->ops->paging_change(e->ops->opaque, v->cr0, v->cr4);
		}
		break;
	default:
		if (!e->ops->wrmsr || e->ops->wrmsr(e->ops->opaque, msr, val))
			return gp(e, 0);
	}
	return BT_EMU_DONE;
}

/* The 16-bit store of a selector or MSW: a register (zero-extended at
 * 32 bits, as P6 and later do) or 2 bytes of memory. */
static enum bt_emu store16(struct emu *e, uint32_t val)
{
	if (e->d.mod == 3) {
		if (e->d.opsize == 32)
			e->v->gpr[e->d.rm] = val;
		else
			reg_set(e->v, e->d.rm, 2, val);
		return BT_EMU_DONE;
	}
	return mem_write(e, modrm_linear(e), &val, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
}

static enum bt_emu load16(struct emu *e, uint16_t *val)
{
	if (e->d.mod == 3) {
		*val = e->v->gpr[e->d.rm] & 0xffff;
		return BT_EMU_DONE;
	}
	*val = 0;
	return mem_read(e, modrm_linear(e), val, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
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
	r = load16(e, &sel);
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
	r = desc_read(e, sel, b, &where);
	if (r != BT_EMU_DONE)
		return r;
	desc_parse(b, &s, sel);
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

/* 0F 00: sldt, str, lldt, ltr (verr/verw are not emulated here). */
static enum bt_emu grp6(struct emu *e)
{
	switch (e->d.reg) {
	case 0: return store16(e, e->v->ldtr.sel);
	case 1: return store16(e, e->v->tr.sel);
	case 2: return do_lldt_ltr(e, false);
	case 3: return do_lldt_ltr(e, true);
	default: return BT_EMU_UNHANDLED;
	}
}

/* 0F 01 memory forms and smsw/lmsw/invlpg. */
static enum bt_emu grp7(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	const struct dec_insn *d = &e->d;
	struct bt_dtr *dt = (d->reg & 1) ? &v->idtr : &v->gdtr;
	uint8_t m[6];
	uint16_t msw;
	enum bt_emu r;

	if (d->mod == 3 && d->reg != 4 && d->reg != 6)
		return BT_EMU_UNHANDLED;        /* vmcall, monitor, swapgs, rdtscp, ... */
	switch (d->reg) {
	case 0:
	case 1:         /* sgdt, sidt: 6 bytes, the full 32-bit base */
		m[0] = dt->limit & 0xff;
		m[1] = dt->limit >> 8;
		m[2] = dt->base & 0xff;
		m[3] = dt->base >> 8 & 0xff;
		m[4] = dt->base >> 16 & 0xff;
		m[5] = dt->base >> 24;
		return mem_write(e, modrm_linear(e), m, 6) ? BT_EMU_FAULT : BT_EMU_DONE;
	case 2:
	case 3:         /* lgdt, lidt: a 16-bit operand loads a 24-bit base */
		if (v->cpl)
			return gp(e, 0);
		if (mem_read(e, modrm_linear(e), m, 6))
			return BT_EMU_FAULT;
		dt->limit = m[0] | m[1] << 8;
		dt->base = m[2] | m[3] << 8 | m[4] << 16 | (uint32_t)m[5] << 24;
		if (d->opsize == 16)
			dt->base &= 0xffffff;
		e->exit->events |= BT_EV_DESC;
		return BT_EMU_DONE;
	case 4:         /* smsw: r32 gets all of CR0 (P6+), else 16 bits */
		return store16(e, d->mod == 3 && d->opsize == 32 ? v->cr0 : v->cr0 & 0xffff);
	case 6:         /* lmsw: PE MP EM TS; cannot clear PE */
		if (v->cpl)
			return gp(e, 0);
		r = load16(e, &msw);
		if (r != BT_EMU_DONE)
			return r;
		return set_cr0(e, (v->cr0 & ~0xeu) | (msw & 0xf) | (v->cr0 & BT_CR0_PE));
	case 7:         /* invlpg */
		if (v->cpl)
			return gp(e, 0);
		e->exit->linear = modrm_linear(e);
		e->exit->events |= BT_EV_INVLPG;
		if (e->ops->invlpg)
			e->ops->invlpg(e->ops->opaque, e->exit->linear);
		return BT_EMU_DONE;
	default:
		return BT_EMU_UNHANDLED;
	}
}

/* mov r/m16, sreg (8C) for CS and SS only: the guest's selector, RPL 0. */
static enum bt_emu do_mov_from_sreg(struct emu *e)
{
	if (e->d.reg != BT_CS && e->d.reg != BT_SS)
		return BT_EMU_UNHANDLED;
	return store16(e, e->v->seg[e->d.reg].sel);
}

/* push cs/ss: a 32-bit push moves ESP by 4 and writes 16 bits, as recent
 * processors do (SDM PUSH: the upper half of the slot is left as it was). */
static enum bt_emu do_push_sreg(struct emu *e, unsigned s)
{
	unsigned slot = e->d.opsize / 8;

	return push(e, e->v->seg[s].sel, slot, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
}

static enum bt_emu do_cpuid(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint32_t out[4] = { 0, 0, 0, 0 };

	if (e->ops->cpuid)
		e->ops->cpuid(e->ops->opaque, v->gpr[BT_EAX], v->gpr[BT_ECX], out);
	v->gpr[BT_EAX] = out[0];
	v->gpr[BT_EBX] = out[1];
	v->gpr[BT_ECX] = out[2];
	v->gpr[BT_EDX] = out[3];
	return BT_EMU_DONE;
}

static enum bt_emu do_rdtsc(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint64_t t;

	if ((v->cr4 & BT_CR4_TSD) && v->cpl)
		return gp(e, 0);
	t = host_tsc(e) + v->tsc_offset;
	v->gpr[BT_EAX] = (uint32_t)t;
	v->gpr[BT_EDX] = (uint32_t)(t >> 32);
	return BT_EMU_DONE;
}

static enum bt_emu do_clts(struct emu *e)
{
	if (e->v->cpl)
		return gp(e, 0);
	e->v->cr0 &= ~BT_CR0_TS;
	return BT_EMU_DONE;
}

static enum bt_emu dispatch_0f(struct emu *e)
{
	switch (e->d.opcode) {
	case 0x00: return grp6(e);
	case 0x01: return grp7(e);
	case 0x06: return do_clts(e);
	case 0x08:                                                  /* invd */
	case 0x09: return need_cpl0(e);                             /* wbinvd */
	case 0x20: return do_mov_cr(e, false);
	case 0x21: return do_mov_dr(e, false);
	case 0x22: return do_mov_cr(e, true);
	case 0x23: return do_mov_dr(e, true);
	case 0x30: return do_wrmsr(e);
	case 0x31: return do_rdtsc(e);
	case 0x32: return do_rdmsr(e);
	case 0xa2: return do_cpuid(e);
	default:   return BT_EMU_UNHANDLED;
	}
}

static enum bt_emu dispatch(struct emu *e)
{
	const struct dec_insn *d = &e->d;

	if (d->map == DEC_MAP_0F)
		return dispatch_0f(e);
	if (d->map != DEC_MAP_1B)
		return BT_EMU_UNHANDLED;
	switch (d->opcode) {
	case 0x0e: return do_push_sreg(e, BT_CS);
	case 0x16: return do_push_sreg(e, BT_SS);
	case 0x6c: case 0x6d: return do_string(e, false);
	case 0x6e: case 0x6f: return do_string(e, true);
	case 0x8c: return do_mov_from_sreg(e);
	case 0x9c: return do_pushf(e);
	case 0x9d: return do_popf(e);
	case 0xcc:
		e->exit->vector = BT_VEC_BP;
		return BT_EMU_INT;
	case 0xcd:
		e->exit->vector = d->imm & 0xff;
		return BT_EMU_INT;
	case 0xcf: return do_iret(e);
	case 0xe4: case 0xe5: return do_inout(e, false, true);
	case 0xe6: case 0xe7: return do_inout(e, true, true);
	case 0xec: case 0xed: return do_inout(e, false, false);
	case 0xee: case 0xef: return do_inout(e, true, false);
	case 0xf4: return need_cpl0(e) == BT_EMU_DONE ? BT_EMU_HALT : BT_EMU_FAULT;
	case 0xfa: return do_cli_sti(e, false);
	case 0xfb: return do_cli_sti(e, true);
	default:   return BT_EMU_UNHANDLED;
	}
}

/*
 * Fetch and decode. 15 bytes are asked for first; if that faults (the
 * instruction may end before the next page, which is then not touched),
 * the bytes up to the page end are tried, and the first fault stands only
 * if the instruction really runs past them.
 */
static enum bt_emu fetch_decode(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	uint32_t lin = v->seg[BT_CS].base + v->eip;
	unsigned def = (v->seg[BT_CS].attr & BT_ATTR_DB) ? 32 : 16;
	uint8_t code[DEC_MAX_LEN];
	struct bt_fault first;
	unsigned n = DEC_MAX_LEN, in_page = 0x1000 - (lin & 0xfff);
	int len;

	if (mem_read(e, lin, code, n)) {
		first = e->exit->fault;
		if (in_page >= n || mem_read(e, lin, code, in_page))
			return BT_EMU_FAULT;
		n = in_page;
		len = x86_decode(code, n, def, &e->d);
		if (len == DEC_ERR_TRUNC) {
			e->exit->fault = first;
			return BT_EMU_FAULT;
		}
	} else {
		len = x86_decode(code, n, def, &e->d);
	}
	if (len == DEC_ERR_TOOLONG)
		return gp(e, 0);
	if (len < 0)    /* undefined, or not known to the decoder (VEX...) */
		return BT_EMU_UNHANDLED;
	e->next_eip = v->eip + (uint32_t)len;
	if (def == 16)
		e->next_eip &= 0xffff;
	return BT_EMU_DONE;
}

void bt_vcpu_init(struct bt_vcpu *v)
{
	memset(v, 0, sizeof(*v));
	v->eflags = BT_FL_FIXED1;
	v->cr0 = BT_CR0_PE | BT_CR0_ET;
	v->cr4_valid = BT_CR4_DEFAULT_VALID;
	v->dr[6] = 0xffff0ff0u;
	v->dr[7] = 0x400u;
	v->pat = BT_PAT_RESET;
	v->apic_base = 0xfee00000u | (1u << 11) | (1u << 8);    /* enabled, BSP */
	for (unsigned s = 0; s < BT_NSEG; s++) {
		/* flat: data read/write accessed, code execute/read accessed */
		v->seg[s].attr = (s == BT_CS ? 0xb : 0x3) | BT_ATTR_S | BT_ATTR_P |
				 BT_ATTR_DB | BT_ATTR_G;
		v->seg[s].limit = 0xffffffffu;
	}
	v->gdtr.limit = 0xffff;
	v->idtr.limit = 0xffff;
	v->ldtr.limit = 0xffff;
	v->tr.limit = 0xffff;
	v->tr.attr = 0xb | BT_ATTR_P;           /* busy 32-bit TSS */
}

enum bt_emu bt_emulate_privileged(struct bt_vcpu *v, const struct bt_ops *ops,
				  struct bt_exit *exit)
{
	struct emu e = { .v = v, .ops = ops, .exit = exit };
	struct bt_vcpu saved;
	enum bt_emu r;

	memset(exit, 0, sizeof(*exit));
	r = fetch_decode(&e);
	if (r != BT_EMU_DONE)
		return r;
	if (e.d.pfx_lock)       /* none of these takes LOCK */
		return ud(&e);

	/*
	 * The handlers commit as they go but check before they commit; the
	 * copy makes "nothing changed" hold for every fault whatever a
	 * handler does, except a rep string's iterations done.
	 */
	saved = *v;
	r = dispatch(&e);
	switch (r) {
	case BT_EMU_DONE:
	case BT_EMU_HALT:
	case BT_EMU_INT:
		/* An instruction that completes ends the previous sti's shadow. */
		if (!(exit->events & BT_EV_STI_SHADOW))
			v->sti_shadow = false;
		if (!e.eip_set) {
			v->eip = e.next_eip;
			v->eflags &= ~BT_FL_RF;
		}
		break;
	case BT_EMU_PRIV:
		v->sti_shadow = false;
		break;
	case BT_EMU_CONTINUE:
		break;
	case BT_EMU_FAULT:
		if (e.d.map == DEC_MAP_1B && (e.d.opcode & 0xfc) == 0x6c)
			break;  /* ins/outs: keep the iterations done */
		*v = saved;
		break;
	case BT_EMU_UNHANDLED:
		*v = saved;
		break;
	}
	return r;
}
