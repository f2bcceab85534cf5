/*
 * Private to the bt vCPU's emulation (vcpu.c, vcpu_desc.c, vcpu_branch.c):
 * the state of one emulated instruction and the helpers its handlers
 * share. Not for other users of vcpu.h.
 *
 * vcpu.c        the core: registers, memory operands, the stack, flags,
 *               I/O, CRs/DRs/MSRs, fetch, decode and dispatch
 * vcpu_desc.c   descriptors and segment loading, iret, the descriptor-
 *               table instructions, lar/lsl/verr/verw
 * vcpu_branch.c near and far control transfers (jmp, call, ret, retf,
 *               jcc, loop, jcxz)
 *  *
 * Every handler follows the same discipline: check everything and read
 * guest memory first, write guest memory last, then commit to the vCPU;
 * a fault leaves the vCPU as it was.
 */
#ifndef HV_BT_VCPU_INTERNAL_H
#define HV_BT_VCPU_INTERNAL_H

#include "vcpu.h"
#include "decode.h"
#include "string.h"

struct emu {
	struct bt_vcpu *v;
	const struct bt_ops *ops;
	struct bt_exit *exit;
	struct dec_insn d;
	/*
	 * eip after the instruction; a branch handler sets it to the target
	 * (the dispatcher stores it and clears RF on BT_EMU_DONE).
	 */
	uint32_t next_eip;
	bool eip_set;           /* the handler set eip and RF itself (iret) */
};

/* ---- faults ---- */

static inline enum bt_emu raise(struct emu *e, uint8_t vector, bool has_code, uint32_t code)
{
	e->exit->fault.vector = vector;
	e->exit->fault.has_code = has_code;
	e->exit->fault.code = code;
	e->exit->fault.cr2 = 0;
	return BT_EMU_FAULT;
}

static inline enum bt_emu gp(struct emu *e, uint32_t code)
{
	return raise(e, BT_VEC_GP, true, code);
}

static inline enum bt_emu ud(struct emu *e)
{
	return raise(e, BT_VEC_UD, false, 0);
}

/* ---- registers ---- */

static inline uint32_t reg_get(const struct bt_vcpu *v, unsigned r, unsigned size)
{
	if (size == 1)  /* AL CL DL BL AH CH DH BH */
		return r < 4 ? v->gpr[r] & 0xff : v->gpr[r - 4] >> 8 & 0xff;
	if (size == 2)
		return v->gpr[r] & 0xffff;
	return v->gpr[r];
}

static inline void reg_set(struct bt_vcpu *v, unsigned r, unsigned size, uint32_t val)
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

/* ---- memory ---- */

static inline int mem_read(struct emu *e, uint32_t linear, void *buf, unsigned n)
{
	memset(&e->exit->fault, 0, sizeof(e->exit->fault));
	return e->ops->read(e->ops->opaque, linear, buf, n, &e->exit->fault);
}

static inline int mem_write(struct emu *e, uint32_t linear, const void *buf, unsigned n)
{
	memset(&e->exit->fault, 0, sizeof(e->exit->fault));
	return e->ops->write(e->ops->opaque, linear, buf, n, &e->exit->fault);
}

/* The segment a prefix names (enum bt_sreg), or dflt without one. */
unsigned btv_prefix_seg(const struct dec_insn *d, unsigned dflt);

/* The linear address of the instruction's ModRM memory operand. */
uint32_t btv_modrm_linear(struct emu *e);

/* The 16-bit r/m operand of sldt/str/smsw/mov-from-sreg (store) and of
 * lldt/ltr/lmsw/lar/lsl/verr/verw (load). */
enum bt_emu btv_store16(struct emu *e, uint32_t val);
enum bt_emu btv_load16(struct emu *e, uint16_t *val);

/* ---- the stack (SS.B gives its width) ---- */

static inline bool stack32(const struct bt_vcpu *v)
{
	return v->seg[BT_SS].attr & BT_ATTR_DB;
}

/* Where the stack pointer is after moving it by delta, in the SS.B width. */
static inline uint32_t sp_add(const struct bt_vcpu *v, uint32_t esp, int32_t delta)
{
	if (stack32(v))
		return esp + (uint32_t)delta;
	return (esp & ~0xffffu) | ((esp + (uint32_t)delta) & 0xffff);
}

static inline uint32_t sp_off(const struct bt_vcpu *v, uint32_t esp)
{
	return stack32(v) ? esp : esp & 0xffff;
}

/* Read size bytes at stack offset esp, not moving the stack pointer. */
int btv_stack_read(struct emu *e, uint32_t esp, unsigned size, uint32_t *val);

/* Push: the write first, then the new stack pointer (a fault changes nothing). */
int btv_push(struct emu *e, uint32_t val, unsigned slot, unsigned size);

/* ---- flags ---- */

/* The flags popf and iret load at the guest's CPL (vcpu.c). */
void btv_load_flags(struct bt_vcpu *v, uint32_t val, unsigned size, bool iret);

/* ---- descriptors (vcpu_desc.c) ---- */

static inline unsigned attr_dpl(uint16_t attr)
{
	return (attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT;
}

/* Parse an 8-byte descriptor into s (limit byte granular). */
void btv_desc_parse(const uint8_t *b, struct bt_seg *s, uint16_t sel);

/*
 * Read sel's descriptor from the guest's GDT or LDT: 0, or 1 when it is
 * past the table's limit (or in an unusable LDT), or -1 when the read
 * faulted (exit->fault filled). *where gets its linear address.
 */
int btv_desc_lookup(struct emu *e, uint16_t sel, uint8_t b[8], uint32_t *where);

/* The same, with a selector past the limit a #GP(sel). */
enum bt_emu btv_desc_read(struct emu *e, uint16_t sel, uint8_t b[8], uint32_t *where);

/*
 * A code segment for a return to privilege rpl (conforming: DPL <= rpl;
 * else DPL == rpl), or, code false, a stack segment for it (writable
 * data, DPL == RPL == rpl). #GP(0) for null, #GP(sel) for the wrong
 * kind, #NP(sel) / #SS(sel) when not present. *where: the descriptor.
 */
enum bt_emu btv_load_seg(struct emu *e, uint16_t sel, bool code, unsigned rpl,
			 struct bt_seg *s, uint32_t *where);

/* Set the accessed bit of a code/data descriptor in the guest's table, as
 * the CPU does when it loads a segment register, and in s (a write: call
 * it after every check). */
enum bt_emu btv_set_accessed(struct emu *e, struct bt_seg *s, uint32_t where);

/*
 * The commit of a return to the outer ring rpl (iret, retf) once CS:EIP
 * is in place: CPL, SS, ESP (esp_img, the popped image: 16 bits of it for
 * a 16-bit operand), the data segments the new ring may not use nulled,
 * exit->priv filled. Returns BT_EMU_PRIV.
 */
enum bt_emu btv_commit_outer(struct emu *e, unsigned rpl, const struct bt_seg *ss,
			     uint32_t esp_img, unsigned size);

/* ---- handlers ---- */

enum bt_emu btv_do_iret(struct emu *e);
enum bt_emu btv_grp6(struct emu *e);            /* 0F 00 */
enum bt_emu btv_grp7(struct emu *e);            /* 0F 01 */
enum bt_emu btv_do_mov_from_sreg(struct emu *e);
enum bt_emu btv_do_push_sreg(struct emu *e, unsigned s);
enum bt_emu btv_do_mov_to_ss(struct emu *e, bool pop);  /* 8E /2, 17 */
enum bt_emu btv_do_lar_lsl(struct emu *e, bool lsl);   /* 0F 02, 0F 03 */
enum bt_emu btv_set_cr0(struct emu *e, uint32_t val);   /* lmsw */

/* vcpu_branch.c: the control transfers; each sets BT_EV_BRANCH. */
enum bt_emu btv_do_jcc(struct emu *e);          /* 70-7F, 0F 80-8F */
enum bt_emu btv_do_loop(struct emu *e);         /* E0-E3 */
enum bt_emu btv_do_jmp_call_rel(struct emu *e); /* E8, E9, EB */
enum bt_emu btv_do_ret(struct emu *e);          /* C2, C3 */
enum bt_emu btv_do_grp5(struct emu *e);         /* FF /2 /3 /4 /5 */
enum bt_emu btv_do_far_ptr(struct emu *e);      /* 9A, EA */
enum bt_emu btv_do_retf(struct emu *e);         /* CA, CB */

#endif
