/*
 * Exceptions and interrupts of a bt guest, delivered through its own IDT
 * in software, as the CPU delivers them (SDM vol. 3 6.12, 6.14, 6.15;
 * docs/bt.md, "Delivery"): the gate is read from the guest's IDT and
 * checked (limit, type, present, DPL against CPL for a software interrupt),
 * then its code segment; an inner ring switches to the stack of the
 * guest's TSS; the frame (SS, ESP when switching, EFLAGS with the virtual
 * IF, CS as the guest knows it, EIP, the error code) is pushed with 16- or
 * 32-bit slots as the gate says; an interrupt gate clears the virtual IF;
 * TF, NT, RF and VM are cleared. A fault on the way is a nested fault: a
 * contributory fault after a contributory one, or after a #PF, or a #PF
 * after a #PF, becomes a double fault (#DF, code 0); a fault delivering
 * #DF is a triple fault, which stops the domain as a PC would reset.
 */
#include "bt.h"
#include "domain.h"
#include "dispatch.h"
#include "printk.h"
#include "string.h"
#include "x86.h"
#include "../hw/hw.h"

#define GATE_TASK       0x05
#define GATE_INT16      0x06
#define GATE_TRAP16     0x07
#define GATE_INT32      0x0e
#define GATE_TRAP32     0x0f

static struct bt_fault gp(uint32_t code)
{
	return (struct bt_fault){ .vector = BT_VEC_GP, .has_code = true, .code = code };
}

static struct bt_fault np(uint32_t code)
{
	return (struct bt_fault){ .vector = BT_VEC_NP, .has_code = true, .code = code };
}

static struct bt_fault ts(uint32_t code)
{
	return (struct bt_fault){ .vector = 10, .has_code = true, .code = code };
}

static bool contributory(unsigned v)
{
	return v == 0 || v == 10 || v == BT_VEC_NP || v == BT_VEC_SS || v == BT_VEC_GP;
}

/* SDM table 6-5. */
static bool makes_double(unsigned first, unsigned second)
{
	if (contributory(first))
		return contributory(second);
	if (first == BT_VEC_PF)
		return second == BT_VEC_PF || contributory(second);
	return false;
}

/* One attempt: 0, or 1 with *f the fault the delivery itself raised. */
static int deliver_once(struct domain *d, unsigned vector, enum bt_event_kind kind, bool has_code,
			uint32_t code, struct bt_fault *f)
{
	struct bt_vcpu *v = &d->bt->v;
	uint32_t ext = kind == BT_EVENT_EXTERNAL ? 1 : 0;
	uint32_t idt_code = vector * 8 + 2 + ext;
	uint64_t gate;

	if (vector * 8 + 7 > v->idtr.limit) {
		*f = gp(idt_code);
		return 1;
	}
	/* An IDT in device memory: what a CPU would read there is a device's
	 * registers; as a hw domain's, the domain is stopped. */
	struct shadow_regs regs = bt_paging_regs(v);
	struct shadow_fault_out out;
	if (shadow_translate(&d->bt->sh, v->idtr.base + vector * 8, 0, &regs, 0, &out) ==
	    SHADOW_TRANSLATED && !hw_gpa_to_ma(d, out.gpa)) {
		bt_crash(d, "delivering vector %#x: its IDT entry is in device memory at %#llx",
			 vector, (unsigned long long)out.gpa);
		*f = gp(idt_code);
		return 1;
	}
	if (bt_read(d, v->idtr.base + vector * 8, &gate, 8, 0, false, f))
		return 1;
	uint32_t glo = (uint32_t)gate, ghi = (uint32_t)(gate >> 32);
	unsigned type = (ghi >> 8) & 0x1f, gdpl = (ghi >> 13) & 3;
	if (type != GATE_INT16 && type != GATE_TRAP16 && type != GATE_INT32 &&
	    type != GATE_TRAP32 && type != GATE_TASK) {
		*f = gp(idt_code);
		return 1;
	}
	if (kind == BT_EVENT_SOFT && gdpl < v->cpl) {
		*f = gp(idt_code);
		return 1;
	}
	if (!(ghi & (1u << 15))) {
		*f = np(idt_code);
		return 1;
	}
	if (type == GATE_TASK) {
		bt_crash(d, "vector %#x is a task gate, which bt does not emulate", vector);
		*f = gp(idt_code);
		return 1;
	}

	uint16_t sel = (uint16_t)(glo >> 16);
	uint64_t cs;
	if (!(sel & ~3u)) {
		*f = gp(ext);
		return 1;
	}
	if (bt_guest_desc(d, sel, &cs)) {
		*f = gp((sel & ~3u) + ext);
		return 1;
	}
	struct bt_seg ncs;
	bt_seg_from_desc(&ncs, sel, cs);
	unsigned cdpl = (ncs.attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT;
	bool code_seg = (ncs.attr & BT_ATTR_S) && (ncs.attr & 0x8);
	bool conforming = code_seg && (ncs.attr & 0x4);
	if (!code_seg || cdpl > v->cpl) {
		*f = gp((sel & ~3u) + ext);
		return 1;
	}
	if (!(ncs.attr & BT_ATTR_P)) {
		*f = np((sel & ~3u) + ext);
		return 1;
	}
	unsigned ncpl = conforming ? v->cpl : cdpl;
	bool big = type == GATE_INT32 || type == GATE_TRAP32;
	unsigned slot = big ? 4 : 2;

	/* The stack: the guest TSS's for an inner ring. */
	struct bt_seg nss = v->seg[BT_SS];
	uint32_t esp = v->gpr[BT_ESP];
	bool switched = ncpl < v->cpl;
	if (switched) {
		if (!(v->tr.attr & BT_ATTR_P)) {
			*f = ts(ext);
			return 1;
		}
		uint32_t stk[2];
		if (bt_read(d, v->tr.base + 4 + 8 * ncpl, stk, 8, 0, false, f))
			return 1;
		uint16_t ssel = (uint16_t)stk[1];
		uint64_t sd;
		if (!(ssel & ~3u) || (ssel & 3) != ncpl || bt_guest_desc(d, ssel, &sd)) {
			*f = ts((ssel & ~3u) + ext);
			return 1;
		}
		bt_seg_from_desc(&nss, ssel, sd);
		bool writable_data = (nss.attr & BT_ATTR_S) && !(nss.attr & 0x8) && (nss.attr & 0x2);
		if (!writable_data || ((nss.attr & BT_ATTR_DPL) >> BT_ATTR_DPL_SHIFT) != ncpl) {
			*f = ts((ssel & ~3u) + ext);
			return 1;
		}
		if (!(nss.attr & BT_ATTR_P)) {
			*f = (struct bt_fault){ .vector = BT_VEC_SS, .has_code = true,
						.code = (ssel & ~3u) + ext };
			return 1;
		}
		esp = stk[0];
	}

	uint32_t frame[6], n = 0;
	uint32_t flags = bt_vcpu_flags(v);
	/* Lowest address first: [code] eip cs eflags [esp ss]. */
	if (has_code)
		frame[n++] = code;
	frame[n++] = v->eip;
	frame[n++] = v->seg[BT_CS].sel;
	frame[n++] = flags;
	if (switched) {
		frame[n++] = v->gpr[BT_ESP];
		frame[n++] = v->seg[BT_SS].sel;
	}
	uint8_t bytes[24];
	for (uint32_t i = 0; i < n; i++)
		memcpy(bytes + i * slot, &frame[i], slot);
	uint32_t nesp = esp - n * slot;
	if (!(nss.attr & BT_ATTR_DB))
		nesp = (esp & 0xffff0000u) | ((esp - n * slot) & 0xffff);
	uint32_t lin = nss.base + ((nss.attr & BT_ATTR_DB) ? nesp : (nesp & 0xffff));
	if (bt_write(d, lin, bytes, n * slot, ncpl, f))
		return 1;

	/* Commit. */
	ncs.sel = (uint16_t)((sel & ~3u) | ncpl);
	v->seg[BT_CS] = ncs;
	if (switched) {
		nss.sel = (uint16_t)((nss.sel & ~3u) | ncpl);
		v->seg[BT_SS] = nss;
	}
	v->gpr[BT_ESP] = nesp;
	v->cpl = (uint8_t)ncpl;
	v->eip = big ? ((ghi & 0xffff0000u) | (glo & 0xffff)) : (glo & 0xffff);
	v->eflags &= ~(BT_FL_TF | BT_FL_NT | BT_FL_RF | BT_FL_VM);
	if (type == GATE_INT32 || type == GATE_INT16)
		v->vif = false;
	v->sti_shadow = false;
	return 0;
}

void bt_deliver(struct domain *d, unsigned vector, enum bt_event_kind kind, bool has_code,
		uint32_t code)
{
	struct bt_domain *b = d->bt;
	uint64_t t0 = rdtsc();
	for (;;) {
		struct bt_fault f;
		if (kind != BT_EVENT_EXTERNAL && vector < 32)
			b->stats.reflected[vector]++;
		if (!deliver_once(d, vector, kind, has_code, code, &f)) {
			b->stats.prof[BT_PROF_DELIVER] += rdtsc() - t0;
			bt_scan_here(d);
			return;
		}
		if (!domain_alive(d))
			return;
		if (vector == 8) {
			domain_crash(d, NULL, "triple fault (%s %#x while delivering a double fault)",
				     exception_mnemonic(f.vector), f.code);
			return;
		}
		if (f.vector == BT_VEC_PF)
			b->v.cr2 = f.cr2;
		/* A software interrupt that could not be delivered is a fault
		 * of the int instruction itself. */
		if (kind == BT_EVENT_SOFT)
			b->v.eip = b->insn_eip;
		if (kind != BT_EVENT_EXTERNAL && makes_double(vector, f.vector)) {
			vector = 8, has_code = true, code = 0;
		} else {
			vector = f.vector, has_code = f.has_code, code = f.code;
		}
		kind = BT_EVENT_EXCEPTION;
	}
}

void bt_deliver_fault(struct domain *d, const struct bt_fault *f)
{
	if (f->vector == BT_VEC_PF)
		d->bt->v.cr2 = f->cr2;
	bt_deliver(d, f->vector, BT_EVENT_EXCEPTION, f->has_code, f->code);
}
