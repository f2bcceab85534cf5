/*
 * The trap path of a bt domain (docs/bt.md, "Traps"): every exception its
 * kernel (ring 1) or programs (ring 3) raise comes here. The trap frame
 * is read into the vCPU (bt_load), the exception handled against it, and
 * the frame made again from it (bt_store) on the way out.
 *
 *  - #PF: a shadow miss is filled and hidden; the guest's own faults are
 *    delivered to it; device pages and writes to protected frames (its
 *    descriptor tables, scanned code) are emulated.
 *  - #GP and #UD: a privileged instruction, emulated (vcpu.c); or one of
 *    our int3s (a patched site: with the IDT's DPL-0 gate for vector 3 an
 *    int3 from ring 1 is a #GP with code 0x1a, at the int3).
 *  - Anything else is the guest's, delivered through its IDT.
 */
#include "bt.h"
#include "domain.h"
#include "errno.h"
#include "cmdline.h"
#include "format.h"
#include <public/errno.h>
#include "dispatch.h"
#include "printk.h"
#include "sched.h"
#include "string.h"
#include "x86.h"
#include "decode.h"
#include "mm.h"
#include "switch.h"
#include "../hw/hw.h"

#define INT3_GP_CODE    ((3u << 3) | 2)         /* #GP(IDT vector 3) */

/* bt_trace=N: print the first N traps of bt domains (a debugging aid). */
static uint32_t trace_left;

uint32_t bt_trace_left(void)
{
	return trace_left;
}

static int set_trace(const char *v)
{
	return parse_uint(v, &trace_left) ? -EINVAL : 0;
}
CMDLINE_OPTION(bt_trace, "bt_trace", set_trace, "a count of traps to print",
	       "print the first N traps of bt domains (debugging)");

/* bt_audit=1: check the shadow against the guest's tables at every way
 * out (slow: a debugging aid). */
static uint32_t bt_audit;

static int set_audit(const char *v)
{
	return parse_uint(v, &bt_audit) ? -EINVAL : 0;
}
CMDLINE_OPTION(bt_audit, "bt_audit", set_audit, "0 or 1",
	       "check bt shadow page tables against the guest's at every trap (debugging)");

/* bt_shadow=flush: one shadow, dropped at every guest CR3 load (the
 * measurement of what the cache of roots saves, docs/shadow-paging.md). */
bool bt_shadow_cache = true;

static int set_shadow(const char *v)
{
	return shadow_parse_policy(v, &bt_shadow_cache) ? -EINVAL : 0;
}
CMDLINE_OPTION(bt_shadow, "bt_shadow", set_shadow, "cache|flush",
	       "keep bt shadow page tables across CR3 loads (cache, default) or not");

/* bt_ret=trap: arm every ret (each return traps; the measurement of what
 * trusting returns saves, docs/bt.md). Default: trust. */
bool bt_trust_ret = true;

static int set_ret(const char *v)
{
	if (!strcmp(v, "trap"))
		bt_trust_ret = false;
	else if (!strcmp(v, "trust"))
		bt_trust_ret = true;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_OPTION(bt_ret, "bt_ret", set_ret, "trap or trust",
	       "bt domains: whether every ret traps (trap) or returns after a scanned call run "
	       "natively (trust, the default)");

void bt_crash(struct domain *d, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	domain_crash(d, NULL, "%s (eip %#x, cpl %u)", why, d->bt->v.eip, d->bt->v.cpl);
}

/* The real ring a guest CPL runs in: its kernel (0) in ring 1. */
static unsigned real_ring(unsigned cpl)
{
	return cpl == 0 ? 1 : cpl;
}

static void load_seg(struct domain *d, unsigned i, uint16_t sel)
{
	struct bt_seg *s = &d->bt->v.seg[i];
	if (s->sel == sel && (s->attr || !(sel & ~3u)))
		return;
	uint64_t desc;
	if (!(sel & ~3u) || bt_guest_desc(d, sel, &desc)) {
		*s = (struct bt_seg){ .sel = sel };
		return;
	}
	bt_seg_from_desc(s, sel, desc);
}

void bt_load(struct domain *d, const struct trap_frame *f)
{
	struct bt_vcpu *v = &d->bt->v;
	bt_shadow_owner(d);
	unsigned ring = f->cs & 3;
	/* The frame we made ourselves (the exception handler stored it and
	 * the way out looks again): the vCPU is already what it says, and the
	 * guest has not run, so an STI shadow stands. */
	if (!memcmp(f, &d->bt->last_frame, sizeof(*f)))
		return;
	v->gpr[BT_EAX] = f->eax, v->gpr[BT_ECX] = f->ecx, v->gpr[BT_EDX] = f->edx;
	v->gpr[BT_EBX] = f->ebx, v->gpr[BT_ESP] = f->esp, v->gpr[BT_EBP] = f->ebp;
	v->gpr[BT_ESI] = f->esi, v->gpr[BT_EDI] = f->edi;
	v->eip = f->eip;
	v->eflags = (f->eflags & ~(BT_FL_IF | BT_FL_IOPL | BT_FL_VM)) | BT_FL_FIXED1;
	/* Back from running: the instruction after an STI has run (or is
	 * trapping now), so its interrupt shadow is over; a single step we
	 * set to end it is taken out of the guest's flags. Unless a host
	 * interrupt came before that instruction ran (at the EIP we left it
	 * at, and not the step we set): the shadow stands, and the guest's
	 * pending interrupt waits for it as on the CPU. */
	bool before_it = f->vector >= 32 && f->eip == d->bt->last_frame.eip &&
			 f->cs == d->bt->last_frame.cs && !d->bt->shadow_step;
	if (!before_it)
		v->sti_shadow = false;
	if (d->bt->shadow_step) {
		d->bt->shadow_step = false;
		d->bt->step_taken = true;
		if (!d->bt->guest_tf)
			v->eflags &= ~BT_FL_TF;
	}
	/* The step ran, or something else came first (a page fault of the
	 * instruction's own): only our int3 at the same place means it did
	 * not run at all. */
	if (d->bt->native_step && (v->eip + v->seg[BT_CS].base != d->bt->step_lin ||
				   f->vector != VEC_GP || f->error_code != ((3u << 3) | 2)))
		d->bt->step_pending = false;
	if (d->bt->native_step) {
		/* The instruction stepped natively is done: its site's int3
		 * back if the site is still armed, then the code after it. */
		struct bt_patch_site site;
		uint8_t trap = BT_PATCH_TRAP;
		d->bt->native_step = false;
		if (d->bt->step_site && !bt_patch_lookup(&d->bt->pc, d->bt->step_lin, &site) &&
		    site.gpa == d->bt->step_gpa)
			bt_code_poke(d, d->bt->step_gpa, &trap, 1);
		d->bt->rescan = true;
	}
	if (ring == 3) {
		v->cpl = 3;
		v->vif = true;          /* a program runs with IF set: ours is */
	} else if (ring == 1) {
		v->cpl = v->cpl == 1 ? 1 : 0;
	} else {
		v->cpl = (uint8_t)ring;
	}
	unsigned rpl = v->cpl;
	load_seg(d, BT_CS, (uint16_t)((f->cs & ~3u) | rpl));
	load_seg(d, BT_SS, (uint16_t)((f->ss & ~3u) | rpl));
	load_seg(d, BT_DS, (uint16_t)f->ds);
	load_seg(d, BT_ES, (uint16_t)f->es);
	load_seg(d, BT_FS, (uint16_t)f->fs);
	load_seg(d, BT_GS, (uint16_t)f->gs);
}

void bt_store(struct domain *d, struct trap_frame *f)
{
	struct bt_vcpu *v = &d->bt->v;
	unsigned ring = real_ring(v->cpl);
	f->eax = v->gpr[BT_EAX], f->ecx = v->gpr[BT_ECX], f->edx = v->gpr[BT_EDX];
	f->ebx = v->gpr[BT_EBX], f->esp = v->gpr[BT_ESP], f->ebp = v->gpr[BT_EBP];
	f->esi = v->gpr[BT_ESI], f->edi = v->gpr[BT_EDI];
	f->eip = v->eip;
	/* The real IF is always set and the real IOPL 0, so that cli, sti,
	 * in and out trap in ring 1. */
	f->eflags = (v->eflags & ~(BT_FL_IF | BT_FL_IOPL | BT_FL_VM | BT_FL_VIF | BT_FL_VIP)) |
		    BT_FL_IF | BT_FL_FIXED1;
	/* An interrupt waits for the STI shadow to end: step one instruction
	 * (TF) and deliver it at the #DB. */
	if (d->bt->native_step) {
		f->eflags |= BT_FL_TF;
	} else if (v->sti_shadow && d->hw && hw_pending_vector(d, false) >= 0) {
		d->bt->shadow_step = true;
		d->bt->guest_tf = v->eflags & BT_FL_TF;
		f->eflags |= BT_FL_TF;
	}
	f->cs = (v->seg[BT_CS].sel & ~3u) | ring;
	f->ss = (v->seg[BT_SS].sel & ~3u) | ring;
	f->ds = v->seg[BT_DS].sel;
	f->es = v->seg[BT_ES].sel;
	f->fs = v->seg[BT_FS].sel;
	f->gs = v->seg[BT_GS].sel;
	/* Pages the patch cache dropped: their copies leave the window before
	 * the guest can write the frames again. */
	if (d->bt->window && d->bt->pc.stats.pages_dropped != d->bt->win_drops_seen)
		bt_win_reconcile(d);
	d->bt->last_frame = *f;
	static uint32_t audit_n;
	if (bt_audit && (++audit_n % bt_audit == 0 || d->space.pdpt != d->bt->sh.root.pdpt)) {
		uint32_t bad;
		int k = shadow_audit(&d->bt->sh, &bad);
		if (k)
			printk("bt audit: kind %d at %#x (eip %#x cr3 %#x)\n", k, bad, v->eip, v->cr3);
	}
	/* A CR3 load may have switched to another kept shadow root. */
	if (d->space.pdpt != d->bt->sh.root.pdpt) {
		d->space = d->bt->sh.root;
		if (d == current)
			switch_guest_cr3 = (uint32_t)d->space.pdpt;
	}
}

/* ---- scanning */

void bt_scan_here(struct domain *d)
{
	struct bt_vcpu *v = &d->bt->v;
	uint64_t t0 = rdtsc();
	bt_scan_at(d, v->seg[BT_CS].base + v->eip, false);
	d->bt->stats.prof[BT_PROF_SCAN] += rdtsc() - t0;
}

void bt_scan_at(struct domain *d, uint32_t lin, bool block_start)
{
	struct bt_domain *b = d->bt;
	struct bt_vcpu *v = &b->v;
	if (!b->patch || v->cpl == 3)
		return;
	unsigned def = (v->seg[BT_CS].attr & BT_ATTR_DB) ? 32 : 16;
	for (int round = 0; round < 4; round++) {
		struct shadow_regs regs = bt_paging_regs(v);
		struct shadow_fault_out out;
		if (shadow_translate(&b->sh, lin, PFEC_I, &regs, v->cpl, &out) != SHADOW_TRANSLATED)
			return;         /* the fetch will fault: scanned after the guest's fix */
		uint64_t gfn = out.gpa >> PAGE_SHIFT;
		if (!block_start && bt_patch_covered(&b->pc, lin, gfn))
			return;
		block_start = false;
		for (unsigned i = 0; i < BT_UNSCANNABLE; i++)
			if (b->unscannable[i].lin == lin && b->unscannable[i].gfn == gfn)
				return;         /* known not to scan: not again */
		bool was_code = bt_patch_is_code(&b->pc, gfn);
		struct bt_patch_result res;
		int rc = bt_patch_scan(&b->pc, lin, out.gpa, def, &res);
		if (trace_left)
			printk("bt trace: scan %#x rc %d end %#x cached %u traps %u\n", lin, rc,
			       res.end_eip, res.cached, res.ntrap);
		if (rc) {
			/* Undecodable (it runs and faults as on the CPU), or an
			 * instruction across the page end (run by our_site). Kept
			 * so that the next visit does not try again; forgotten
			 * when the frame is dropped (bt_frame_written). */
			b->stats.scan_failures++;
			b->unscannable[b->next_unscannable] = (struct bt_addr){ lin, gfn };
			b->next_unscannable = (b->next_unscannable + 1) % BT_UNSCANNABLE;
			return;
		}
		if (!was_code) {
			/* The frame may be mapped writable somewhere: every
			 * mapping of it is read-only from now on. */
			paddr_t ma = hw_gpa_to_ma(d, out.gpa);
			if (ma)
				shadow_write_protect(&b->sh, ma >> PAGE_SHIFT);
		}
		if (!res.open_end)
			return;
		lin = res.end_eip;
	}
}

/* ---- emulation */

static void after_events(struct domain *d, const struct bt_exit *x)
{
	struct bt_domain *b = d->bt;
	if (x->events & (BT_EV_CR3 | BT_EV_PAGING)) {
		struct shadow_regs regs = bt_paging_regs(&b->v);
		uint64_t t0 = rdtsc();
		bt_tlb_flush(d, 0, true);
		int rc = shadow_flush(&b->sh, &regs);
		b->stats.prof[BT_PROF_FLUSH] += rdtsc() - t0;
		if (rc)
			bt_crash(d, "CR3 %#x: its PDPT cannot be loaded (%d)", b->v.cr3, rc);
		/* Linear addresses of the tables may now be other frames. */
		b->desc_dirty = true;
	}
	if (x->events & BT_EV_DESC)
		b->desc_dirty = true;
}

/* Run the instruction at EIP against the vCPU and act on the result.
 * Returns false if it is not one bt emulates (nothing changed). */
static bool emulate(struct domain *d)
{
	struct bt_domain *b = d->bt;
	struct bt_exit x;
	memset(&x, 0, sizeof(x));
	uint64_t t0 = rdtsc();
	b->insn_eip = b->v.eip;
	enum bt_emu r = bt_emulate_privileged(&b->v, &b->ops, &x);
	b->stats.prof[BT_PROF_EMUL] += rdtsc() - t0;
	if (!domain_alive(d))
		return true;
	switch (r) {
	case BT_EMU_DONE:
	case BT_EMU_PRIV:
		after_events(d, &x);
		b->stats.emulated++;
		if (x.events & BT_EV_BRANCH || r == BT_EMU_PRIV)
			bt_scan_here(d);
		return true;
	case BT_EMU_HALT:
		b->stats.halts++;
		b->rescan = true;               /* a hlt ends its block */
		bt_halt(d);
		return true;
	case BT_EMU_INT:
		b->stats.emulated++;
		bt_deliver(d, x.vector, BT_EVENT_SOFT, false, 0);
		return true;
	case BT_EMU_CONTINUE:
		return true;
	case BT_EMU_FAULT:
		bt_deliver_fault(d, &x.fault);
		return true;
	case BT_EMU_UNHANDLED:
	default:
		return false;
	}
}

/*
 * The instruction at EIP runs across a page end, so no block can hold it
 * and nothing after it is scanned. It runs here: a branch or a sensitive
 * one in the vCPU, a data instruction in the emulator, and anything else
 * in one native single step (with its first byte given back, if it is a
 * site of ours); the code after it is scanned before the guest goes on
 * (at the step's #DB for a native step).
 */
static void run_unscannable(struct domain *d, const struct bt_patch_site *site)
{
	struct bt_domain *b = d->bt;
	uint32_t lin = b->v.seg[BT_CS].base + b->v.eip;
	b->stats.crossing++;
	if (emulate(d)) {
		b->rescan = true;
		return;
	}
	struct bt_fault df;
	int drc = bt_emulate_data(d, &df);
	if (drc > 0) {
		bt_deliver_fault(d, &df);
		return;
	}
	if (drc == 0) {
		b->rescan = true;
		return;
	}
	if (b->step_pending && b->step_lin == lin) {
		bt_crash(d, "the instruction at %#x across a page end does not run in a single "
			 "step", lin);
		return;
	}
	if (site) {
		uint8_t orig = site->orig[0];
		if (bt_code_poke(d, site->gpa, &orig, 1)) {
			bt_crash(d, "code at %#x cannot be stepped", lin);
			return;
		}
	}
	b->native_step = true;
	b->step_pending = true;
	b->step_gpa = site ? site->gpa : 0;
	b->step_site = site != NULL;
	b->step_lin = lin;
	b->shadow_step = true;
	b->guest_tf = b->v.eflags & BT_FL_TF;
}

/* Is the vCPU at an instruction that runs across a page end (unscannable)? */
static bool at_crossing(struct domain *d)
{
	struct bt_domain *b = d->bt;
	uint32_t lin = b->v.seg[BT_CS].base + b->v.eip;
	if ((lin & (PAGE_SIZE - 1)) < PAGE_SIZE - 15 + 1)
		return false;
	uint8_t code[15];
	struct bt_fault f;
	struct dec_insn di;
	unsigned def = (b->v.seg[BT_CS].attr & BT_ATTR_DB) ? 32 : 16;
	if (bt_read(d, lin, code, sizeof(code), b->v.cpl, true, &f))
		return false;           /* the fetch faults: the CPU will say so */
	int n = x86_decode(code, sizeof(code), def, &di);
	return n > 0 && (lin & (PAGE_SIZE - 1)) + (unsigned)n > PAGE_SIZE;
}

void bt_run_crossing(struct domain *d)
{
	struct bt_domain *b = d->bt;
	for (int i = 0; i < 8 && domain_alive(d) && b->patch && b->v.cpl != 3 && !b->native_step &&
			d->state == DOM_RUNNABLE && at_crossing(d); i++) {
		struct bt_patch_site s;
		uint32_t lin = b->v.seg[BT_CS].base + b->v.eip;
		run_unscannable(d, bt_patch_lookup(&b->pc, lin, &s) ? NULL : &s);
		if (b->rescan) {
			b->rescan = false;
			bt_scan_here(d);
		}
	}
}

/* An int3 at lin: one of our sites? Handle it and say so. */
static bool our_site(struct domain *d, uint32_t lin)
{
	struct bt_domain *b = d->bt;
	struct bt_patch_site s;
	uint64_t tl = rdtsc();
	if (!b->patch || b->v.cpl == 3 || bt_patch_lookup(&b->pc, lin, &s))
		return false;
	b->stats.prof[BT_PROF_LOOKUP] += rdtsc() - tl;
	b->v.eip = lin - b->v.seg[BT_CS].base;
	if (s.cls != BT_CLS_NONE || (s.end & BT_END_INDIRECT)) {
		if (s.cls != BT_CLS_NONE)
			b->stats.patched_traps++;
		else
			b->stats.end_traps++;
		if (!emulate(d)) {
			bt_crash(d, "patched %s at %#x: bt cannot emulate it",
				 s.cls != BT_CLS_NONE ? bt_class_name(s.cls) : "block end", lin);
			return true;
		}
		/* Trusting returns: where this call returns to is scanned now. */
		if (b->pc.trust_ret && (s.xfer == BT_XFER_CALL_IND || s.xfer == BT_XFER_CALL_FAR))
			bt_scan_at(d, lin + s.len, true);
		return true;
	}
	/* A direct branch or a continuation: scan what it leads to; the
	 * byte is then the guest's again and the instruction runs. */
	b->stats.end_traps++;
	for (unsigned i = 0; i < s.nsucc; i++)
		bt_scan_at(d, s.succ[i], true);
	if (bt_patch_lookup(&b->pc, lin, &s))
		return true;            /* disarmed: it runs as the guest's */
	/* Still armed: the code there cannot be scanned in its page (an
	 * instruction across the page end): it runs here. */
	run_unscannable(d, &s);
	return true;
}

/*
 * A program's `int n` through the direct system-call gate pushes its frame
 * onto the guest kernel's stack without us: an implicit supervisor write,
 * though the #PF comes with the program's CPL and its EIP at the int. When
 * that stack page is not writable in the shadow (not filled since the last
 * switch, its dirty bit still clear, or its frame still write-protected as a
 * former page table), the interrupt is delivered in software instead, whose
 * writes follow every rule of the shadow, as bt_software_interrupt does for
 * the gates that are not direct. (A flat SS0, as every kernel has: with a
 * based one this is not recognised and the fault goes to the guest.)
 */
static bool direct_gate_push(struct domain *d, uint32_t cr2)
{
	struct bt_domain *b = d->bt;
	struct bt_vcpu *v = &b->v;
	uint8_t insn[2];
	struct bt_fault f;

	if (v->cpl != 3 || !b->direct_vec || b->tss_esp0 < 20 || cr2 >= b->tss_esp0 ||
	    cr2 < b->tss_esp0 - 20)
		return false;
	if (bt_read(d, v->seg[BT_CS].base + v->eip, insn, 2, 3, true, &f) || insn[0] != 0xcd ||
	    insn[1] != b->direct_vec)
		return false;
	b->stats.direct_pushes++;
	b->insn_eip = v->eip;
	v->eip += 2;
	bt_deliver(d, b->direct_vec, BT_EVENT_SOFT, false, 0);
	return true;
}

int bt_shadow_fill(struct domain *d, uint32_t linear, uint32_t access,
		   struct shadow_fault_out *out)
{
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	int rc = shadow_fault(&b->sh, linear, access, &regs, b->v.cpl, out);
	if (rc == -RV_ENOMEM) {
		/* Shadow tables at the domain's cap: start again from empty. */
		shadow_flush(&b->sh, &regs);
		rc = shadow_fault(&b->sh, linear, access, &regs, b->v.cpl, out);
	}
	return rc;
}

void bt_hv_region_pf(struct domain *d, uint32_t linear, uint32_t access)
{
	/*
	 * The hypervisor's 4 MiB at the top: never the guest's, whatever its
	 * tables say (docs/bt.md). Where its tables map nothing, its own #PF
	 * (what the PC gives); where they map a page, a protection #PF: its
	 * mapping there never takes effect. I only as its paging reports it
	 * (PAE with NXE).
	 */
	struct bt_vcpu *v = &d->bt->v;
	struct shadow_regs regs = bt_paging_regs(v);
	struct shadow_fault_out out;
	uint32_t ec = PFEC_P | (access & PFEC_W) | (v->cpl == 3 ? PFEC_U : 0);
	if ((access & PFEC_I) && (v->cr4 & BT_CR4_PAE) && (v->efer & BT_EFER_NXE))
		ec |= PFEC_I;
	if (shadow_translate(&d->bt->sh, linear, access, &regs, v->cpl, &out) == SHADOW_GUEST_PF)
		ec = out.error_code;
	v->cr2 = linear;
	bt_deliver(d, BT_VEC_PF, BT_EVENT_EXCEPTION, true, ec);
}

static void page_fault(struct domain *d, uint32_t cr2, uint32_t code)
{
	struct bt_domain *b = d->bt;
	struct shadow_fault_out out;
	struct bt_fault f;
	if (direct_gate_push(d, cr2) || bt_win_fault(d, cr2, code))
		return;
	uint64_t t0 = rdtsc();
	int rc = bt_shadow_fill(d, cr2, code & (PFEC_W | PFEC_I), &out);
	b->stats.prof[BT_PROF_FILL] += rdtsc() - t0;
	switch (rc) {
	case SHADOW_FILLED:
		return;
	case SHADOW_GUEST_PF:
		b->v.cr2 = out.cr2;
		bt_deliver(d, BT_VEC_PF, BT_EVENT_EXCEPTION, true, out.error_code);
		return;
	case SHADOW_WRITE_PROTECTED: {
		uint64_t gfn = out.gpa >> PAGE_SHIFT;
		if (!bt_frame_tracked(d, gfn)) {
			/*
			 * Scanned code, or one of its page tables the cache keeps
			 * in sync. The write is emulated: bt_bytes_written drops
			 * the code blocks its bytes touch (their originals back)
			 * and the shadows made from the table words it wrote. One
			 * the emulator does not know, or a program's write to a
			 * table (a kernel does not let programs write its page
			 * tables: the frame is some program's memory now, as KVM
			 * concludes too), lets the page go, and the write runs
			 * again on a plain page.
			 */
			bool code = b->patch && bt_patch_is_code(&b->pc, gfn);
			if (code)
				b->stats.code_writes++;
			rc = !code && b->v.cpl == 3 ? -1 : bt_emulate_data(d, &f);
			if (rc > 0) {
				bt_deliver_fault(d, &f);
			} else if (rc < 0) {
				if (code)
					bt_frame_written(d, gfn);
				shadow_forget(&b->sh, gfn);
			}
			return;
		}
		/* emulate the write (into the table: the copy is rebuilt) */
	}
	/* fall through */
	case SHADOW_MMIO:
		if (rc == SHADOW_MMIO && !bt_gpa_is_device(d, out.gpa)) {
			/* Neither its RAM nor one of its devices: as a hw domain's
			 * nested fault, the domain is stopped (docs/bt.md). */
			bt_crash(d, "guest-physical %#llx is not this domain's",
				 (unsigned long long)out.gpa);
			return;
		}
		if (rc == SHADOW_MMIO)
			b->stats.mmio_emulated++;
		rc = bt_emulate_data(d, &f);
		if (rc > 0)
			bt_deliver_fault(d, &f);
		else if (rc < 0)
			bt_crash(d, "an instruction bt cannot emulate touched %s at guest-physical %#llx",
				 bt_frame_tracked(d, out.gpa >> PAGE_SHIFT) ? "a descriptor table"
									    : "device memory",
				 (unsigned long long)out.gpa);
		return;
	case SHADOW_BAD_TABLE:
		bt_crash(d, "its page tables for %#x are not in its RAM (guest-physical %#llx)", cr2,
			 (unsigned long long)out.gpa);
		return;
	case -RV_EFAULT:
		if (cr2 >= RV_SWITCH_BASE) {
			bt_hv_region_pf(d, cr2, code & (PFEC_W | PFEC_I));
			return;
		}
		/* fall through */
	default:
		bt_crash(d, "shadow paging failed at %#x (%d): CR3 %#x", cr2, rc, b->v.cr3);
		return;
	}
}

void bt_exception(struct domain *d, struct trap_frame *f, uint32_t cr2)
{
	struct bt_domain *b = d->bt;
	unsigned vec = f->vector;
	b->step_taken = false;
	bt_load(d, f);
	if (trace_left && b->patch && b->v.cpl == 0 && f->vector != VEC_PF) {
		struct shadow_regs regs = bt_paging_regs(&b->v);
		struct shadow_fault_out out;
		uint32_t lin = b->v.seg[BT_CS].base + b->v.eip;
		if (shadow_translate(&b->sh, lin, 0, &regs, 0, &out) == SHADOW_TRANSLATED &&
		    !bt_patch_covered(&b->pc, lin, out.gpa >> PAGE_SHIFT) &&
		    !bt_patch_covered(&b->pc, lin - 1, out.gpa >> PAGE_SHIFT))
			printk("bt trace: UNSCANNED %#x vector %u\n", lin, f->vector);
	}
	if (trace_left) {
		trace_left--;
		printk("bt trace: %s: %s code %#x at %#x:%#x cpl %u cr2 %#x vif %u\n", d->name,
		       exception_mnemonic(vec), f->error_code, b->v.seg[BT_CS].sel, b->v.eip,
		       b->v.cpl, cr2, b->v.vif);
	}
	if (bt_win_ran_stubs(d, vec, f->error_code))
		return;
	switch (vec) {
	case VEC_DB:
		if (b->step_taken && !b->guest_tf) {
			/* Ours (the STI shadow): the interrupt goes in now, the
			 * guest's DR6 untouched. */
			break;
		}
		/* The guest's own single step or breakpoint: what the CPU found
		 * goes into its DR6 (B0-B3, BS), which it reads virtually. */
		uint32_t dr6 = read_dr(6) & 0x400f;
		if (f->eflags & BT_FL_TF)
			dr6 |= 0x4000;          /* BS: TF was set (QEMU leaves DR6 0) */
		b->v.dr[6] |= dr6;
		write_dr(6, 0xffff0ff0);
		bt_deliver(d, vec, BT_EVENT_EXCEPTION, false, 0);
		break;
	case VEC_PF:
		page_fault(d, cr2, f->error_code);
		break;
	case VEC_GP: {
		uint64_t t1 = rdtsc();
		if (bt_win_gp(d, f->error_code))
			break;
		if (f->error_code == INT3_GP_CODE && our_site(d, b->v.seg[BT_CS].base + b->v.eip)) {
			b->stats.prof[BT_PROF_SITE] += rdtsc() - t1;
			break;
		}
		if (!emulate(d))
			bt_deliver(d, VEC_GP, BT_EVENT_EXCEPTION, true, f->error_code);
		b->stats.prof[BT_PROF_PRIV] += rdtsc() - t1;
		break;
	}
	case VEC_BP:
		if (our_site(d, b->v.seg[BT_CS].base + b->v.eip - 1))
			break;
		b->stats.guest_int3++;
		b->insn_eip = b->v.eip - 1;
		bt_deliver(d, VEC_BP, BT_EVENT_SOFT, false, 0);
		break;
	case VEC_UD:
		if (!emulate(d))
			bt_deliver(d, VEC_UD, BT_EVENT_EXCEPTION, false, 0);
		break;
	case VEC_NMI:
	case VEC_DF:
	case VEC_MC:
		domain_crash(d, f, "%s %s in a bt guest", exception_mnemonic(vec),
			     exception_name(vec));
		return;
	default:
		bt_deliver(d, vec, BT_EVENT_EXCEPTION, exception_has_error_code(vec),
			   f->error_code);
		break;
	}
	if (domain_alive(d))
		bt_store(d, f);
}

void bt_software_interrupt(struct domain *d, struct trap_frame *f)
{
	/* Only a gate the guest may use reaches here (the direct gate goes
	 * straight to its kernel; the others are DPL 0 and come as #GP). */
	bt_load(d, f);
	d->bt->insn_eip = d->bt->v.eip - 2;     /* int n */
	bt_deliver(d, f->vector & 0xff, BT_EVENT_SOFT, false, 0);
	if (domain_alive(d))
		bt_store(d, f);
}
