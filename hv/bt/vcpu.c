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
#include "vcpu_internal.h"
#include "x86.h"

/* ---- registers and memory operands ---- */

uint32_t bt_vcpu_flags(const struct bt_vcpu *v)
{
	uint32_t f = v->eflags & ~(BT_FL_IF | BT_FL_IOPL);

	if (v->vif)
		f |= BT_FL_IF;
	return f | (uint32_t)(v->viopl & 3) << BT_FL_IOPL_SHIFT | BT_FL_FIXED1;
}

static const uint8_t seg_of_prefix[256] = {
	[0x26] = BT_ES + 1, [0x2e] = BT_CS + 1, [0x36] = BT_SS + 1,
	[0x3e] = BT_DS + 1, [0x64] = BT_FS + 1, [0x65] = BT_GS + 1,
};

unsigned btv_prefix_seg(const struct dec_insn *d, unsigned dflt)
{
	return seg_of_prefix[d->pfx_seg] ? seg_of_prefix[d->pfx_seg] - 1u : dflt;
}

/*
 * The linear address of a ModRM memory operand (SDM vol. 2 2.1.5): base,
 * index and displacement wrapped to the address size, plus the segment's
 * base (the override, else SS for BP/ESP/EBP-based forms, else DS).
 * Segment limits are not checked (flat guests; docs/bt-vcpu.md).
 */
uint32_t btv_modrm_linear(struct emu *e)
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
	return v->seg[btv_prefix_seg(d, seg)].base + off;
}

/* ---- the stack ---- */

/* Read size bytes at stack offset esp, not moving the stack pointer. */
int btv_stack_read(struct emu *e, uint32_t esp, unsigned size, uint32_t *val)
{
	*val = 0;
	return mem_read(e, e->v->seg[BT_SS].base + sp_off(e->v, esp), val, size);
}

/* Push: the write first, then the new stack pointer (so a fault changes nothing). */
int btv_push(struct emu *e, uint32_t val, unsigned slot, unsigned size)
{
	uint32_t esp = sp_add(e->v, e->v->gpr[BT_ESP], -(int32_t)slot);

	if (mem_write(e, e->v->seg[BT_SS].base + sp_off(e->v, esp), &val, size))
		return -1;
	e->v->gpr[BT_ESP] = esp;
	return 0;
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
void btv_load_flags(struct bt_vcpu *v, uint32_t val, unsigned size, bool iret)
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

	return btv_push(e, f, size, size) ? BT_EMU_FAULT : BT_EMU_DONE;
}

static enum bt_emu do_popf(struct emu *e)
{
	struct bt_vcpu *v = e->v;
	unsigned size = e->d.opsize / 8;
	uint32_t val;

	if (btv_stack_read(e, v->gpr[BT_ESP], size, &val))
		return BT_EMU_FAULT;
	btv_load_flags(v, val, size, false);
	v->gpr[BT_ESP] = sp_add(v, v->gpr[BT_ESP], size);
	return BT_EMU_DONE;
}

/* A code or data segment for iret: present, the right kind, the right DPL. */
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
	int rc = e->ops->pio(e->ops->opaque, port, size, out, &val);
	if (rc == BT_PIO_WAIT)
		return BT_EMU_CONTINUE;         /* not now: nothing done, run it again */
	if (rc)
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
	if (out)
		seg = btv_prefix_seg(d, seg);

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
			int rc = e->ops->pio(e->ops->opaque, port, size, true, &val);
			if (rc == BT_PIO_WAIT)
				return BT_EMU_CONTINUE; /* the ones done count; the rest later */
			if (rc)
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
enum bt_emu btv_set_cr0(struct emu *e, uint32_t val)
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
		return btv_set_cr0(e, val);
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
		/* NXE, and SCE as on the hardware a PC kernel probes (SYSCALL
		 * itself is not exposed: it raises #UD); LME would be long mode. */
		if (val & ~(BT_EFER_NXE | BT_EFER_SCE))
			return gp(e, 0);
		if ((v->efer ^ val) & BT_EFER_NXE) {
			v->efer = val;
			e->exit->events |= BT_EV_PAGING;
			if (e->ops->paging_change)
				e->ops->paging_change(e->ops->opaque, v->cr0, v->cr4);
		}
		v->efer = val;
		break;
	default:
		if (!e->ops->wrmsr || e->ops->wrmsr(e->ops->opaque, msr, val))
			return gp(e, 0);
	}
	return BT_EMU_DONE;
}

/* The 16-bit store of a selector or MSW: a register (zero-extended at
 * 32 bits, as P6 and later do) or 2 bytes of memory. */
enum bt_emu btv_store16(struct emu *e, uint32_t val)
{
	if (e->d.mod == 3) {
		if (e->d.opsize == 32)
			e->v->gpr[e->d.rm] = val;
		else
			reg_set(e->v, e->d.rm, 2, val);
		return BT_EMU_DONE;
	}
	return mem_write(e, btv_modrm_linear(e), &val, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
}

enum bt_emu btv_load16(struct emu *e, uint16_t *val)
{
	if (e->d.mod == 3) {
		*val = e->v->gpr[e->d.rm] & 0xffff;
		return BT_EMU_DONE;
	}
	*val = 0;
	return mem_read(e, btv_modrm_linear(e), val, 2) ? BT_EMU_FAULT : BT_EMU_DONE;
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
	case 0x00: return btv_grp6(e);
	case 0x01: return btv_grp7(e);
	case 0x02: return btv_do_lar_lsl(e, false);
	case 0x03: return btv_do_lar_lsl(e, true);
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
	default:
		if ((e->d.opcode & 0xf0) == 0x80)                  /* jcc rel16/32 */
			return btv_do_jcc(e);
		return BT_EMU_UNHANDLED;
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
	case 0x0e: return btv_do_push_sreg(e, BT_CS);
	case 0x16: return btv_do_push_sreg(e, BT_SS);
	case 0x17: return btv_do_mov_to_ss(e, true);
	case 0x6c: case 0x6d: return do_string(e, false);
	case 0x6e: case 0x6f: return do_string(e, true);
	case 0x8c: return btv_do_mov_from_sreg(e);
	case 0x8e: return btv_do_mov_to_ss(e, false);
	case 0x9a: return btv_do_far_ptr(e);
	case 0x9c: return do_pushf(e);
	case 0x9d: return do_popf(e);
	case 0xc2: case 0xc3: return btv_do_ret(e);
	case 0xca: case 0xcb: return btv_do_retf(e);
	case 0xcc:
		e->exit->vector = BT_VEC_BP;
		return BT_EMU_INT;
	case 0xcd:
		e->exit->vector = d->imm & 0xff;
		return BT_EMU_INT;
	case 0xcf: return btv_do_iret(e);
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: return btv_do_loop(e);
	case 0xe4: case 0xe5: return do_inout(e, false, true);
	case 0xe6: case 0xe7: return do_inout(e, true, true);
	case 0xe8: case 0xe9: case 0xeb: return btv_do_jmp_call_rel(e);
	case 0xea: return btv_do_far_ptr(e);
	case 0xec: case 0xed: return do_inout(e, false, false);
	case 0xee: case 0xef: return do_inout(e, true, false);
	case 0xf4: return need_cpl0(e) == BT_EMU_DONE ? BT_EMU_HALT : BT_EMU_FAULT;
	case 0xfa: return do_cli_sti(e, false);
	case 0xfb: return do_cli_sti(e, true);
	case 0xff: return btv_do_grp5(e);
	default:
		if ((d->opcode & 0xf0) == 0x70)                    /* jcc rel8 */
			return btv_do_jcc(e);
		return BT_EMU_UNHANDLED;
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
