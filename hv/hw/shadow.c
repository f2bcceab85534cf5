/*
 * Shadow paging under SVM: a hw domain with npt = off (docs/hw.md, "Shadow
 * paging under SVM"), as KVM runs a guest on a CPU without nested paging.
 *
 * The CPU runs the guest with nested paging off and its CR3 pointing at a
 * PAE shadow the hypervisor owns (hv/bt/shadow.c, the core bt uses too):
 * guest-virtual -> machine, filled one 4 KiB page at a time on the guest's
 * page faults. The CPU's own CR0.PG, CR0.WP and CR4.PAE are always set,
 * whatever the guest chose, so the guest's paging registers live here:
 * every read and write of CR0, CR3 and CR4 exits (the guest sees its own
 * values), as do INVLPG and #PF. A write that changes how the guest's
 * tables are read (CR3, CR0.PG/WP, CR4.PSE/PAE/PGE, EFER.NXE) drops the
 * shadow, and so does the guest's TLB, with TLB_CONTROL.
 *
 * The whole 4 GiB is the guest's (hv_base 0): after #VMEXIT the CPU is on
 * the host's CR3 again. This CPU has no decode assists, so the exits say
 * nothing about the instruction: it is decoded at the guest's rip.
 */
#include "hw.h"
#include "cmdline.h"
#include "cpu.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "format.h"
#include "string.h"
#include "x86.h"

#define CR0_ET          (1u << 4)
#define CR0_AM          (1u << 18)
#define CR0_NW          (1u << 29)
#define CR0_CD          (1u << 30)
#define CR0_DEFINED     (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
			 CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define CR4_VME         (1u << 0)
#define CR4_PVI         (1u << 1)
#define CR4_DE          (1u << 3)
#define CR4_MCE         (1u << 6)
#define CR4_PCE         (1u << 8)
/* The guest's CR4 bits that go into the CPU's as they are (PSE means
 * nothing under PAE; PGE would make nothing global: the shadow has no
 * global entries). SMEP and SMAP are not offered with shadow paging
 * (hw_cpuid_shadow): the core's walk does not model them, so a fault they
 * cause would look allowed, be "filled" and fault again for ever. */
#define CR4_PASS        (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_MCE | CR4_PCE | \
			 CR4_OSFXSR | CR4_OSXMMEXCPT)

#define VEC_GP          13
#define VEC_PF          14

/* hw_shadow=flush: one shadow, dropped at every guest CR3 load, as bt's
 * bt_shadow=flush (the measurement of what the cache of roots saves,
 * docs/hw.md). Default: cache. */
static bool shadow_cache = true;

static int set_shadow(const char *v)
{
	return shadow_parse_policy(v, &shadow_cache) ? -EINVAL : 0;
}
CMDLINE_OPTION(hw_shadow, "hw_shadow", set_shadow, "cache|flush",
	       "keep npt = off shadow page tables across CR3 loads (cache, default) or not");

#define CACHE_FRAMES    ((sizeof(struct shadow_cache) + PAGE_SIZE - 1) / PAGE_SIZE)

/* ---- the core's view of the guest: its RAM through the domain's frames */

static struct domain *alloc_owner;      /* whose frames sh_alloc counts */

static pte_t *sh_table(paddr_t pa)
{
	return phys_to_virt(pa);
}

/* A shadow table; at most HW_SHADOW_MAX_FRAMES per domain, after which the
 * core says -RV_ENOMEM and the shadow is flushed. */
static paddr_t sh_alloc(void)
{
	struct hw_shadow *sh = &alloc_owner->hw->sh;
	if (sh->frames >= HW_SHADOW_MAX_FRAMES)
		return 0;
	paddr_t pa = alloc_frame();
	if (pa)
		sh->frames++;
	return pa;
}

static struct pt_env sh_env = { .table = sh_table, .alloc = sh_alloc };

static void sh_free(void *o, paddr_t frame)
{
	struct domain *d = o;
	free_frame(frame);
	d->hw->sh.frames--;
}

static bool rom(uint64_t gpa)
{
	return gpa >= HW_ROM_START && gpa < HW_LOW_END;
}

static int ram_rw(struct domain *d, uint64_t gpa, void *buf, unsigned n, bool write)
{
	if (write && rom(gpa))          /* an A/D bit in ROM: dropped, as ROM does */
		return hw_gpa_to_ma(d, gpa) ? 0 : -EFAULT;
	return hw_ram_rw(d, gpa, buf, n, write);
}

static int sh_read32(void *o, uint64_t gpa, uint32_t *val)
{
	return ram_rw(o, gpa, val, 4, false);
}

static int sh_read64(void *o, uint64_t gpa, uint64_t *val)
{
	return ram_rw(o, gpa, val, 8, false);
}

static int sh_write32(void *o, uint64_t gpa, uint32_t val)
{
	return ram_rw(o, gpa, &val, 4, true);
}

static int sh_write64(void *o, uint64_t gpa, uint64_t val)
{
	return ram_rw(o, gpa, &val, 8, true);
}

static uint64_t sh_translate(void *o, uint64_t gfn)
{
	return hw_gpa_to_ma(o, gfn << PAGE_SHIFT) >> PAGE_SHIFT;
}

/* The ROM area is RAM the guest may only read (the nested tables map it
 * read-only): its shadow entries are read-only and a write comes back as
 * SHADOW_WRITE_PROTECTED, to be dropped. */
static bool sh_write_protected(void *o, uint64_t gfn)
{
	(void)o;
	return rom(gfn << PAGE_SHIFT);
}

/* ---- the guest's paging registers and the CPU's */

uint32_t hw_guest_cr0(const struct domain *d)
{
	return d->hw->shadow ? d->hw->sh.cr0 : (uint32_t)d->hw->vmcb->cr0;
}

uint32_t hw_guest_cr3(const struct domain *d)
{
	return d->hw->shadow ? d->hw->sh.cr3 : (uint32_t)d->hw->vmcb->cr3;
}

uint32_t hw_guest_cr4(const struct domain *d)
{
	return d->hw->shadow ? d->hw->sh.cr4 : (uint32_t)d->hw->vmcb->cr4;
}

static struct shadow_regs guest_regs(const struct domain *d)
{
	const struct hw_shadow *sh = &d->hw->sh;
	return (struct shadow_regs){ .cr0 = sh->cr0, .cr3 = sh->cr3, .cr4 = sh->cr4,
				     .efer = d->hw->vmcb->efer & ~(uint64_t)EFER_SVME };
}

/*
 * What the CPU runs with: paging always on, in PAE, on the shadow's root
 * (which the core may move: it is read again after every call), WP set
 * (the core relies on it for CR0.WP = 0, docs/shadow-paging.md); the rest
 * of CR0 and CR4 is the guest's. With the guest's PE clear this is what the
 * APM calls paged real mode, which VMRUN allows for exactly this use.
 */
static void load_cpu_regs(struct domain *d)
{
	struct hw_shadow *sh = &d->hw->sh;
	struct vmcb *v = d->hw->vmcb;
	v->cr0 = sh->cr0 | CR0_PG | CR0_WP;
	v->cr4 = (sh->cr4 & CR4_PASS) | CR4_PAE;
	if (v->cr3 != sh->ctx.root.pdpt) {
		v->cr3 = sh->ctx.root.pdpt;
		sh->root_loads++;
		d->hw->need_flush = true;
	}
}

/* Drop the shadow for the guest's registers as they are now: 0, or
 * shadow_flush's -RV_EINVAL (bad PAE PDPTEs) or -RV_EFAULT. */
static int flush(struct domain *d)
{
	struct shadow_regs regs = guest_regs(d);
	alloc_owner = d;
	int rc = shadow_flush(&d->hw->sh.ctx, &regs);
	d->hw->need_flush = true;
	load_cpu_regs(d);
	return rc;
}

int hw_shadow_init(struct domain *d, char *err, size_t errlen)
{
	struct hw_shadow *sh = &d->hw->sh;
	struct vmcb *v = d->hw->vmcb;

	sh_env.nx = hv_pt_env.nx;
	sh->ops = (struct shadow_ops){
		.opaque = d, .read32 = sh_read32, .read64 = sh_read64, .write32 = sh_write32,
		.write64 = sh_write64, .translate = sh_translate, .free = sh_free,
		.write_protected = sh_write_protected, .env = &sh_env,
	};
	/* The loader left the entry state in the VMCB: it is the guest's. */
	sh->cr0 = (uint32_t)v->cr0;
	sh->cr3 = (uint32_t)v->cr3;
	sh->cr4 = (uint32_t)v->cr4;
	v->cr3 = 0;
	alloc_owner = d;
	/* MAXPHYADDR 32: what CPUID 0x80000008 tells a hw guest. */
	if (shadow_init(&sh->ctx, &sh->ops, 32, 0)) {
		snprintf(err, errlen, "out of memory for the shadow page tables");
		return -ENOMEM;
	}
	paddr_t pa;
	if (shadow_cache) {
		if (alloc_frames_contig(CACHE_FRAMES, &pa)) {
			snprintf(err, errlen, "out of memory for the cache of shadow roots (%u frames)",
				 (unsigned)CACHE_FRAMES);
			return -ENOMEM;
		}
		sh->cache = phys_to_virt(pa);
		shadow_cache_enable(&sh->ctx, sh->cache);
	}
	if (flush(d)) {
		snprintf(err, errlen, "shadow paging: the entry state's page tables are not usable");
		return -EINVAL;
	}
	return 0;
}

void hw_shadow_destroy(struct domain *d)
{
	if (!d->hw->shadow || !d->hw->sh.ctx.root.pdpt)
		return;
	alloc_owner = d;
	shadow_destroy(&d->hw->sh.ctx);
	if (d->hw->sh.cache) {
		for (unsigned i = 0; i < CACHE_FRAMES; i++)
			free_frame(virt_to_phys(d->hw->sh.cache) + i * PAGE_SIZE);
		d->hw->sh.cache = NULL;
	}
}

/*
 * A write into one of the guest's page tables, which the cache keeps
 * write-protected: the instruction is emulated, and emulate.c reports the
 * bytes it wrote (shadow_written drops the shadow entries made from them).
 * A write from ring 3 (a kernel's tables are not its programs' to write:
 * the frame is program memory now), one made by the CPU while it delivered
 * an event (its own pushes: there is no instruction to emulate), or one the
 * emulator does not know lets the table go instead, and the access runs
 * again natively.
 */
static void table_write(struct domain *d, uint64_t gpa, uint32_t err)
{
	struct hw_shadow *sh = &d->hw->sh;
	if ((err & PFEC_U) || (d->hw->vmcb->eventinj & EVT_VALID) ||
	    hw_emulate(d, 0) == EMUL_UNHANDLED) {
		shadow_forget(&sh->ctx, gpa >> PAGE_SHIFT);
		sh->table_forgets++;
	}
	d->hw->need_flush = true;
}

/* ---- #PF */

static void reflect_pf(struct domain *d, uint32_t code, uint32_t cr2)
{
	struct vmcb *v = d->hw->vmcb;
	/* The fault came while the CPU delivered an event (hw_handle_exit
	 * put it back in EVENTINJ): a #PF during a #PF's delivery is a #DF,
	 * one during a #DF's a triple fault (SDM table 6-5). Anything else
	 * gives way to the #PF, whose handler's IRET runs the instruction
	 * again (an external interrupt so interrupted is lost, as the
	 * vCPU's interrupt controller already acknowledged it). */
	uint64_t prev = v->eventinj;
	if ((prev & EVT_VALID) && (prev & EVT_TYPE_MASK) == EVT_TYPE_EXCEPTION) {
		unsigned vec = prev & EVT_VECTOR_MASK;
		if (vec == 8) {
			hw_dump_guest(d);
			domain_crash(d, NULL, "hw: triple fault (a page fault while delivering a "
				     "double fault)");
			return;
		}
		if (vec == VEC_PF) {
			hw_inject_exception(d, 8, true, 0);
			return;
		}
	}
	v->cr2 = cr2;
	hw_inject_exception(d, VEC_PF, true, code);
}

void hw_shadow_page_fault(struct domain *d)
{
	struct hw_shadow *sh = &d->hw->sh;
	struct vmcb *v = d->hw->vmcb;
	uint32_t linear = (uint32_t)v->exitinfo2, err = (uint32_t)v->exitinfo1;
	struct shadow_regs regs = guest_regs(d);
	struct shadow_fault_out out;
	/* The hardware's U bit, not the CPL: the stack pushes and descriptor
	 * reads of an interrupt's delivery from ring 3 are supervisor
	 * accesses. */
	unsigned cpl = (err & PFEC_U) ? 3 : 0;
	uint64_t rip = v->rip;

	alloc_owner = d;
	const struct shadow_stats *st = &sh->ctx.stats;
	uint64_t changes = st->tables + st->evictions + st->rmap_drops + st->reclaims;
	int rc = shadow_fault(&sh->ctx, linear, err & (PFEC_W | PFEC_I), &regs, cpl, &out);
	/* With the cache, a fill may make another page read-only (a frame
	 * that became a table) or drop shadows to make room: the guest's TLB
	 * may hold them still. */
	if (st->tables + st->evictions + st->rmap_drops + st->reclaims != changes)
		d->hw->need_flush = true;
	if (rc == -RV_ENOMEM) {
		/* Out of shadow tables: start again from an empty shadow. */
		sh->enomem++;
		flush(d);
		rc = shadow_fault(&sh->ctx, linear, err & (PFEC_W | PFEC_I), &regs, cpl, &out);
	}
	load_cpu_regs(d);
	switch (rc) {
	case SHADOW_FILLED:
		break;                  /* hidden: the guest never knows */
	case SHADOW_GUEST_PF:
		reflect_pf(d, out.error_code, out.cr2);
		break;
	case SHADOW_MMIO:
		hw_physical_fault(d, out.gpa, err & (NPF_WRITE | NPF_FETCH));
		break;
	case SHADOW_WRITE_PROTECTED:
		if (shadow_is_table(&sh->ctx, out.gpa >> PAGE_SHIFT))
			table_write(d, out.gpa, err);
		else
			hw_physical_fault(d, out.gpa, NPF_P | NPF_WRITE);       /* the ROM: dropped */
		break;
	case SHADOW_BAD_TABLE:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: guest-physical %#llx is not this domain's (a page table "
			     "for linear %#x, at rip %#llx)", (unsigned long long)out.gpa, linear,
			     (unsigned long long)v->rip);
		break;
	case -RV_EINVAL:
		hw_inject_exception(d, VEC_GP, true, 0);        /* not reached: CR writes check */
		break;
	default:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: shadow paging failed (%d) for linear %#x", rc, linear);
		break;
	}
	if (v->rip != rip)
		v->int_state &= ~INT_SHADOW;
}

/* ---- decoding the instruction that exited */

static uint32_t get_gpr(struct domain *d, unsigned n)
{
	const struct hw_gprs *g = &d->hw->gprs;
	switch (n & 7) {
	case 0: return (uint32_t)d->hw->vmcb->rax;
	case 1: return g->ecx;
	case 2: return g->edx;
	case 3: return g->ebx;
	case 4: return (uint32_t)d->hw->vmcb->rsp;
	case 5: return g->ebp;
	case 6: return g->esi;
	default: return g->edi;
	}
}

static void set_gpr(struct domain *d, unsigned n, uint32_t val)
{
	struct hw_gprs *g = &d->hw->gprs;
	switch (n & 7) {
	case 0: d->hw->vmcb->rax = val; break;
	case 1: g->ecx = val; break;
	case 2: g->edx = val; break;
	case 3: g->ebx = val; break;
	case 4: d->hw->vmcb->rsp = val; break;
	case 5: g->ebp = val; break;
	case 6: g->esi = val; break;
	default: g->edi = val; break;
	}
}

/* The linear address of a ModRM memory operand (SDM vol. 2, tables 2-1,
 * 2-2), with its segment: a prefix's, else SS for an EBP or ESP base,
 * else DS. */
static uint32_t modrm_linear(struct domain *d, const struct dec_insn *x)
{
	const struct vmcb *v = d->hw->vmcb;
	uint32_t off = (uint32_t)x->disp;
	bool ss = false;

	if (x->addrsize == 16) {
		static const int8_t base16[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };
		static const int8_t index16[8] = { 6, 7, 6, 7, 6, 7, -1, -1 };
		int b = base16[x->rm], i = index16[x->rm];
		if (x->mod == 0 && x->rm == 6)
			b = -1;
		if (b >= 0)
			off += get_gpr(d, (unsigned)b);
		if (i >= 0)
			off += get_gpr(d, (unsigned)i);
		ss = b == 5;
		off &= 0xffff;
	} else if (x->has_sib) {
		if (x->index != 4)
			off += get_gpr(d, x->index) << x->scale;
		if (!(x->base == 5 && x->mod == 0)) {
			off += get_gpr(d, x->base);
			ss = x->base == 4 || x->base == 5;
		}
	} else if (!(x->mod == 0 && x->rm == 5)) {
		off += get_gpr(d, x->rm);
		ss = x->rm == 5;
	}
	const struct vmcb_seg *seg = ss ? &v->ss : &v->ds;
	switch (x->pfx_seg) {
	case 0x26: seg = &v->es; break;
	case 0x2e: seg = &v->cs; break;
	case 0x36: seg = &v->ss; break;
	case 0x3e: seg = &v->ds; break;
	case 0x64: seg = &v->fs; break;
	case 0x65: seg = &v->gs; break;
	}
	return (uint32_t)seg->base + off;
}

/* A 16-bit memory operand of SMSW or LMSW, through the guest's tables: 0,
 * or nonzero with the #PF injected (or the domain stopped). */
static int mem16(struct domain *d, const struct dec_insn *x, uint16_t *val, bool write)
{
	uint32_t linear = modrm_linear(d, x);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t gpa;
		uint32_t pfec;
		uint8_t *b = (uint8_t *)val + i;
		int rc = hw_linear_to_gpa(d, linear + i, write, d->hw->vmcb->cpl == 3, &gpa, &pfec);
		if (rc == -EFAULT) {
			reflect_pf(d, pfec, linear + i);
			return -1;
		}
		if (!rc && write && shadow_is_table(&d->hw->sh.ctx, gpa >> PAGE_SHIFT)) {
			shadow_written(&d->hw->sh.ctx, gpa, 1);        /* SMSW into a page table */
			d->hw->need_flush = true;
		}
		if (rc || (write ? hw_copy_to_gpa(d, gpa, b, 1) : hw_copy_from_gpa(d, gpa, b, 1))) {
			hw_dump_guest(d);
			domain_crash(d, NULL, "hw: the memory operand of a CR0 access at %#x is not "
				     "in this domain's RAM", linear);
			return -1;
		}
	}
	return 0;
}

/* ---- CR0, CR3, CR4 */

static void gp(struct domain *d)
{
	hw_inject_exception(d, VEC_GP, true, 0);
}

/* Set one of the guest's paging registers to val after its checks: true
 * if it took (rip may move on), false with #GP injected or the domain
 * stopped. */
static bool set_cr(struct domain *d, unsigned cr, uint32_t val)
{
	struct hw_shadow *sh = &d->hw->sh;
	uint32_t *reg = cr == 0 ? &sh->cr0 : cr == 3 ? &sh->cr3 : &sh->cr4;
	uint32_t old = *reg;
	bool paging_change;

	if (cr == 0) {
		/* SDM MOV CR: PG without PE and NW without CD are #GP(0);
		 * other reserved bits are ignored, ET reads as 1. */
		val = (val & CR0_DEFINED) | CR0_ET;
		if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD))) {
			gp(d);
			return false;
		}
		paging_change = (old ^ val) & (CR0_PG | CR0_WP);
	} else if (cr == 4) {
		uint32_t ok = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |
			      CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
		if (val & ~ok) {
			gp(d);                  /* a bit this CPU does not have */
			return false;
		}
		paging_change = (old ^ val) & (CR4_PSE | CR4_PAE | CR4_PGE);
	} else {
		paging_change = true;   /* a CR3 write flushes the TLB */
	}
	*reg = val;
	if (!paging_change) {
		load_cpu_regs(d);
		return true;
	}
	int rc = flush(d);
	if (rc == -RV_EINVAL) {
		/* Reserved bits in a present PAE PDPTE: the load takes #GP
		 * and the register keeps its value (SDM 4.4.1). */
		*reg = old;
		flush(d);
		gp(d);
		return false;
	}
	if (rc) {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: guest-physical %#x is not this domain's (the PAE "
			     "page-directory pointers CR3 names)", sh->cr3 & 0xffffffe0u);
		return false;
	}
	return true;
}

void hw_shadow_cr_access(struct domain *d, uint32_t code)
{
	struct hw_shadow *sh = &d->hw->sh;
	struct vmcb *v = d->hw->vmcb;
	struct dec_insn x;
	uint8_t bytes[DEC_MAX_LEN];

	if (hw_fetch_insn(d, &x, bytes) || x.map != DEC_MAP_0F) {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: cannot decode the CR access (exit %#x) at %#x:%#llx",
			     code, v->cs.sel, (unsigned long long)v->rip);
		return;
	}
	bool done = true;
	if (x.opcode == 0x20 || x.opcode == 0x22) {
		/* MOV from / to CRn: always 32 bits, the register in r/m. */
		unsigned cr = x.reg;
		if (cr != 0 && cr != 3 && cr != 4) {
			/* CR2 does not exit; CR1 and CR5-7 do not exist */
			hw_inject_exception(d, 6, false, 0);
			return;
		}
		if (x.opcode == 0x20)
			set_gpr(d, x.rm, cr == 0 ? sh->cr0 : cr == 3 ? sh->cr3 : sh->cr4);
		else
			done = set_cr(d, cr, get_gpr(d, x.rm));
	} else if (x.opcode == 0x06) {
		done = set_cr(d, 0, sh->cr0 & ~CR0_TS);                 /* CLTS */
	} else if (x.opcode == 0x01 && x.reg == 4) {
		/* SMSW: a 32-bit register gets all of CR0, else 16 bits. */
		if (x.mod == 3 && x.opsize == 32) {
			set_gpr(d, x.rm, sh->cr0);
		} else if (x.mod == 3) {
			set_gpr(d, x.rm, (get_gpr(d, x.rm) & 0xffff0000u) | (sh->cr0 & 0xffff));
		} else {
			uint16_t msw = (uint16_t)sh->cr0;
			if (mem16(d, &x, &msw, true))
				return;
		}
	} else if (x.opcode == 0x01 && x.reg == 6) {
		/* LMSW: PE, MP, EM and TS; it sets PE but never clears it. */
		uint16_t msw = (uint16_t)get_gpr(d, x.rm);
		if (x.mod != 3 && mem16(d, &x, &msw, false))
			return;
		done = set_cr(d, 0, (sh->cr0 & ~0xeu) | (msw & 0xfu) | (sh->cr0 & CR0_PE));
	} else {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: a CR access (exit %#x) by an instruction we do not "
			     "emulate (0f %02x) at %#llx", code, x.opcode, (unsigned long long)v->rip);
		return;
	}
	if (done && domain_alive(d))
		v->rip += x.len;
}

void hw_shadow_efer_written(struct domain *d, uint64_t old)
{
	if ((old ^ d->hw->vmcb->efer) & EFER_NXE)
		flush(d);               /* the XD bit's meaning changed */
}

/* ---- INVLPG */

void hw_shadow_invlpg(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	struct dec_insn x;
	uint8_t bytes[DEC_MAX_LEN];

	if (hw_fetch_insn(d, &x, bytes) || x.map != DEC_MAP_0F || x.opcode != 0x01 ||
	    x.reg != 7 || x.mod == 3) {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: cannot decode the INVLPG at %#x:%#llx", v->cs.sel,
			     (unsigned long long)v->rip);
		return;
	}
	alloc_owner = d;
	shadow_invlpg(&d->hw->sh.ctx, modrm_linear(d, &x));
	d->hw->need_flush = true;
	load_cpu_regs(d);
	v->rip += x.len;
}

/* ---- CPUID */

void hw_cpuid_shadow(uint32_t leaf, uint32_t sub, uint32_t *b)
{
	if (leaf == 7 && sub == 0)
		*b &= ~((1u << 7) | (1u << 20));        /* SMEP, SMAP: see CR4_PASS */
}

/* ---- what it did */

uint64_t hw_shadow_stat(const struct domain *d, unsigned which)
{
	if (!d->hw->shadow)
		return 0;
	const struct shadow_stats *s = &d->hw->sh.ctx.stats;
	return which == 0 ? s->hidden : which == 1 ? s->guest_pf : s->flushes;
}

void hw_shadow_dump(const struct domain *d)
{
	if (!d->hw->shadow)
		return;
	const struct hw_shadow *sh = &d->hw->sh;
	const struct shadow_stats *s = &sh->ctx.stats;
	printk("    hw shadow paging (npt = off): %llu hidden faults, %llu #PF reflected, %llu MMIO, "
	       "%llu flushes, %llu invlpgs, %u frames of shadow tables, %llu times out of them, "
	       "%llu root loads\n", (unsigned long long)s->hidden, (unsigned long long)s->guest_pf,
	       (unsigned long long)s->mmio, (unsigned long long)s->flushes,
	       (unsigned long long)s->invlpgs, sh->frames, (unsigned long long)sh->enomem,
	       (unsigned long long)sh->root_loads);
	if (sh->cache) {
		char line[256];
		shadow_cache_describe(s, line, sizeof(line));
		printk("    hw shadow roots kept: %s; %llu table writes not emulated\n", line,
		       (unsigned long long)sh->table_forgets);
	}
}
