/*
 * A bt guest's memory as the hypervisor reaches it (docs/bt.md, "Memory").
 *
 * Guest-physical addresses are those of the emulated PC (hv/hw's map: RAM
 * from 0 with the VGA/ROM hole, device pages); the shadow's translation of
 * a guest frame is its machine frame, or 0 for what is not RAM. Linear
 * addresses go through the guest's own page tables (shadow_translate),
 * which sets their accessed and dirty bits as the CPU would. Three things
 * make a write to RAM more than a store:
 *  - a frame holding scanned code has its original bytes put back and its
 *    blocks forgotten first (bt_patch_page_written), so the guest always
 *    writes over its own code, never over our int3s;
 *  - a frame holding the guest's GDT, IDT or TSS marks the shadows dirty:
 *    they are rebuilt before the guest runs again;
 *  - writes to the ROM area are dropped, as on the PC.
 * Reads of a frame with scanned code see the original bytes.
 */
#include "bt.h"
#include "domain.h"
#include "errno.h"
#include "exit.h"
#include "mm.h"
#include "switch.h"
#include "frame.h"
#include "string.h"
#include "x86.h"
#include "emulate.h"
#include "console.h"
#include "time.h"
#include "../hw/hw.h"

/* ---- the shadow's view of the guest */

static struct domain *dom(void *opaque)
{
	return opaque;
}


static int sh_read32(void *o, uint64_t gpa, uint32_t *val)
{
	return hw_ram_rw(dom(o), gpa, val, 4, false);
}

static int sh_read64(void *o, uint64_t gpa, uint64_t *val)
{
	return hw_ram_rw(dom(o), gpa, val, 8, false);
}

static void bytes_written(struct domain *d, uint64_t gpa, unsigned n);

/* A write to guest RAM on the guest's behalf: its frame, and the copy the
 * code window runs if the frame is scanned code. */
static int ram_write(struct domain *d, uint64_t gpa, const void *buf, unsigned n)
{
	int rc = hw_ram_rw(d, gpa, (void *)(uintptr_t)buf, n, true);
	if (!rc)
		bt_win_mirror(d, gpa, n);
	return rc;
}

/* A/D updates: the entry's frame may be tracked (a page table in the same
 * frame as the GDT, say): treat it as any write, but the shadow's own (it
 * made them, nothing it holds depends on them). */
static int sh_write32(void *o, uint64_t gpa, uint32_t val)
{
	bytes_written(dom(o), gpa, 4);
	return ram_write(dom(o), gpa, &val, 4);
}

static int sh_write64(void *o, uint64_t gpa, uint64_t val)
{
	bytes_written(dom(o), gpa, 8);
	return ram_write(dom(o), gpa, &val, 8);
}

static uint64_t sh_translate(void *o, uint64_t gfn)
{
	struct domain *d = dom(o);
	uint64_t gpa = gfn << PAGE_SHIFT;
	/* The ROM area is RAM we give read-only: a shadow entry would make
	 * it writable, so it is emulated as a device (reads see the tables,
	 * writes are dropped). */
	if (gpa >= HW_ROM_START && gpa < HW_LOW_END)
		return 0;
	paddr_t ma = hw_gpa_to_ma(d, gpa);
	return ma >> PAGE_SHIFT;
}

/*
 * Shadow tables are counted per domain and capped (as hw's are), so that
 * one guest's address spaces cannot take the machine's memory: at the cap
 * the core frees kept shadows (its other roots first) and fills again.
 * The allocator has no argument, so the domain whose shadow is being
 * worked on is named first (bt_shadow_owner, at every way into bt).
 */
static struct domain *sh_owner;

void bt_shadow_owner(struct domain *d)
{
	sh_owner = d;
}

static paddr_t sh_alloc(void)
{
	struct domain *d = sh_owner;
	if (!d || !d->bt || d->bt->sh_frames >= BT_SHADOW_MAX_FRAMES)
		return 0;
	paddr_t pa = alloc_frame();
	if (pa)
		d->bt->sh_frames++;
	return pa;
}

static struct pt_env sh_env = { .alloc = sh_alloc };

static void sh_free(void *o, paddr_t frame)
{
	free_frame(frame);
	dom(o)->bt->sh_frames--;
}

/* Every shadow root holds the switch region (the hypervisor's way in and
 * out) at RV_SWITCH_BASE: one table, every address space's, not a
 * shadow's to free. */
static int sh_root_init(void *o, struct pae_space *root)
{
	int rc = switch_region_install(&hv_pt_env, root);
	return rc ? rc : bt_win_root_init(dom(o), root, sh_alloc);
}

static void sh_root_fini(void *o, struct pae_space *root)
{
	paddr_t win = bt_win_root_fini(root);
	if (win)
		sh_free(o, win);
	pte_t l3e = hv_pt_env.table(root->pdpt)[L3_INDEX(RV_SWITCH_BASE)];
	if (l3e & PTE_P)
		hv_pt_env.table(l3e & PTE_ADDR_MASK)[L2_INDEX(RV_SWITCH_BASE)] = 0;
}

static void sh_dropped(void *o, const struct pae_space *root, uint32_t linear, uint32_t len)
{
	bt_win_dropped(dom(o), root, linear, len);
}

static bool sh_write_protected(void *o, uint64_t gfn)
{
	struct domain *d = dom(o);
	return bt_frame_tracked(d, gfn) || (d->bt->patch && bt_patch_is_code(&d->bt->pc, gfn));
}

bool bt_frame_tracked(const struct domain *d, uint64_t gfn)
{
	for (unsigned i = 0; i < d->bt->ntrack; i++)
		if (d->bt->track[i].gfn == gfn)
			return true;
	return false;
}

/* The guest (or we for it) wrote n bytes at gpa: the shadows made from its
 * page tables there, scanned code, descriptor-table copies all follow. */
void bt_bytes_written(struct domain *d, uint64_t gpa, unsigned n)
{
	shadow_written(&d->bt->sh, gpa, n);
	bytes_written(d, gpa, n);
}

static void bytes_written(struct domain *d, uint64_t gpa, unsigned n)
{
	struct bt_domain *b = d->bt;
	uint64_t gfn = gpa >> PAGE_SHIFT;
	unsigned lo = (unsigned)(gpa & (PAGE_SIZE - 1)), hi = lo + n;
	int dropped = 0;
	if (b->patch)
		dropped = n >= PAGE_SIZE ? bt_patch_page_written(&b->pc, gfn)
					 : bt_patch_bytes_written(&b->pc, gpa, n);
	if (dropped > 0) {
		/* Its code may be running: scanned afresh from where the guest
		 * is before it goes on. */
		b->stats.code_writes++;
		b->rescan = true;
	}
	for (unsigned i = 0; i < BT_UNSCANNABLE; i++)
		if (b->unscannable[i].gfn == gfn || b->unscannable[i].gfn == gfn - 1)
			b->unscannable[i] = (struct bt_addr){ 0, 0 };
	for (unsigned i = 0; i < b->ntrack; i++) {
		const struct bt_track *t = &b->track[i];
		if (t->gfn == gfn && lo < t->hi && hi > t->lo) {
			b->gdt_dirty = true;
			b->stats.desc_writes++;
			return;
		}
	}
}

void bt_frame_written(struct domain *d, uint64_t gfn)
{
	bt_bytes_written(d, gfn << PAGE_SHIFT, PAGE_SIZE);
}

/* ---- the patch cache's view: guest-physical bytes */

static int pt_read(void *o, uint64_t gpa, void *buf, unsigned n)
{
	return hw_ram_rw(dom(o), gpa, buf, n, false);
}

/* Our own writes into its code (int3 armed, originals back): a frame that
 * is scanned code and one of its page tables too sees them as a write. */
int bt_frame_write_raw(struct domain *d, uint64_t gpa, const void *buf, unsigned n)
{
	shadow_written(&d->bt->sh, gpa, n);
	return hw_ram_rw(d, gpa, (void *)(uintptr_t)buf, n, true);
}

int bt_code_poke(struct domain *d, uint64_t gpa, const void *buf, unsigned n)
{
	if (d->bt->window)
		return bt_win_code_write(d, gpa, buf, n);
	return bt_frame_write_raw(d, gpa, buf, n);
}

static int pt_write(void *o, uint64_t gpa, const void *buf, unsigned n)
{
	return bt_code_poke(dom(o), gpa, buf, n);
}

/* ---- linear accesses */

struct shadow_regs bt_paging_regs(const struct bt_vcpu *v)
{
	return (struct shadow_regs){ .cr0 = v->cr0, .cr3 = v->cr3, .cr4 = v->cr4, .efer = v->efer };
}

static unsigned mmio_slot(struct domain *d, const struct vdev_range *r)
{
	if (!r)
		return EXIT_NR_MMIO - 1;
	unsigned i = (unsigned)(r - d->vdevs->r[VDEV_MMIO]);
	return MIN(i, EXIT_NR_MMIO - 2);
}

/* The device models brought to now before the guest touches one (a
 * counter it reads moves with time), and the vCPU timer re-armed; after
 * the access, once more on the way out (devices_due). */
void bt_devices_sync(struct domain *d)
{
	hw_devices_update(d, time_now_ns());
	d->bt->devices_due = true;
}

bool bt_gpa_is_device(struct domain *d, uint64_t gpa)
{
	if (gpa >= HW_VGA_START && gpa < HW_LOW_END)
		return true;            /* the PC's hole: video window and ROMs */
	return vdev_find(d->vdevs, VDEV_MMIO, gpa, 1) != NULL;
}

static void mmio(struct domain *d, uint64_t gpa, uint8_t *buf, unsigned n, bool write)
{
	/* The ROM area: read the frames, drop writes. */
	if (gpa >= HW_ROM_START && gpa < HW_LOW_END) {
		if (!write && hw_ram_rw(d, gpa, buf, n, false))
			memset(buf, 0xff, n);
		return;
	}
	bt_devices_sync(d);
	while (n) {
		unsigned k = n >= 4 && !(gpa & 3) ? 4 : n >= 2 && !(gpa & 1) ? 2 : 1;
		uint32_t val = 0;
		struct vdev_range *r = vdev_find(d->vdevs, VDEV_MMIO, gpa, k);
		exit_count(d, EXIT_MMIO, mmio_slot(d, r));
		if (write)
			memcpy(&val, buf, k);
		if (vdev_access(d->vdevs, VDEV_MMIO, gpa, k, write, &val) && !write)
			val = 0xffffffffu;
		if (!write)
			memcpy(buf, &val, k);
		gpa += k, buf += k, n -= k;
	}
}

static int access_gpa(struct domain *d, uint32_t linear, uint64_t gpa, uint8_t *buf, unsigned n,
		      bool write, bool fetch, struct bt_fault *f);

/*
 * A small TLB of the guest's translations for the hypervisor's own
 * accesses (instruction fetch and operands of emulated instructions,
 * exception frames, descriptor reads): like the CPU's, it holds a
 * translation once the walk set its accessed bit (and dirty bit, for a
 * write entry), and forgets them when the guest writes CR3, changes
 * paging or runs INVLPG (bt_tlb_flush). A guest that changes an entry
 * without flushing may see the old translation, as on the CPU.
 */
static unsigned tlb_slot(uint32_t linear)
{
	return (linear >> PAGE_SHIFT) % BT_TLB_SIZE;
}

void bt_tlb_flush(struct domain *d, uint32_t linear, bool all)
{
	struct bt_domain *b = d->bt;
	if (all)
		memset(b->tlb, 0, sizeof(b->tlb));
	else
		b->tlb[tlb_slot(linear)].tag = 0;
}

static bool tlb_lookup(struct bt_domain *b, uint32_t linear, unsigned cpl, bool write,
		       bool fetch, uint64_t *gpa)
{
	const struct bt_tlbe *e = &b->tlb[tlb_slot(linear)];
	if (e->tag != ((linear & PAGE_MASK) | 1))
		return false;
	if ((cpl == 3 && !e->user) || (write && !e->write) || (fetch && e->nx))
		return false;
	*gpa = e->gpa | (linear & (PAGE_SIZE - 1));
	return true;
}

/* After a successful walk: what it allows, probed (the walk set A, and D
 * when the probe is a write). */
static void tlb_fill(struct domain *d, uint32_t linear, unsigned cpl, bool write, uint64_t gpa)
{
	struct bt_domain *b = d->bt;
	struct bt_tlbe *e = &b->tlb[tlb_slot(linear)];
	if (e->tag != ((linear & PAGE_MASK) | 1) || e->gpa != (gpa & ~(uint64_t)(PAGE_SIZE - 1)))
		*e = (struct bt_tlbe){ .tag = (linear & PAGE_MASK) | 1,
				       .gpa = gpa & ~(uint64_t)(PAGE_SIZE - 1), .nx = true };
	if (cpl == 3)
		e->user = true;
	if (write)
		e->write = true;
	e->nx = false;                  /* (fetch rights are rechecked by the walk) */
}

/* One piece of an access within a page. */
static int access_page(struct domain *d, uint32_t linear, uint8_t *buf, unsigned n, unsigned cpl,
		       bool write, bool fetch, struct bt_fault *f)
{
	struct bt_domain *b = d->bt;
	uint64_t tgpa;
	if (!fetch && tlb_lookup(b, linear, cpl, write, fetch, &tgpa))
		return access_gpa(d, linear, tgpa, buf, n, write, fetch, f);
	struct shadow_regs regs = bt_paging_regs(&b->v);
	struct shadow_fault_out out;
	int rc = shadow_translate(&b->sh, linear, (write ? PFEC_W : 0) | (fetch ? PFEC_I : 0),
				  &regs, cpl, &out);
	if (rc == SHADOW_GUEST_PF) {
		*f = (struct bt_fault){ .vector = BT_VEC_PF, .has_code = true,
					.code = out.error_code, .cr2 = out.cr2 };
		return -1;
	}
	if (rc != SHADOW_TRANSLATED) {
		bt_crash(d, "its page tables for %#x are not in its RAM (guest-physical %#llx)",
			 linear, (unsigned long long)out.gpa);
		*f = (struct bt_fault){ .vector = BT_VEC_GP, .has_code = true };
		return -1;
	}
	if (!fetch)
		tlb_fill(d, linear, cpl, write, out.gpa);
	return access_gpa(d, linear, out.gpa, buf, n, write, fetch, f);
}

static int access_gpa(struct domain *d, uint32_t linear, uint64_t gpa, uint8_t *buf, unsigned n,
		      bool write, bool fetch, struct bt_fault *f)
{
	struct bt_domain *b = d->bt;
	if (!sh_translate(d, gpa >> PAGE_SHIFT)) {
		if (!bt_gpa_is_device(d, gpa)) {
			bt_crash(d, "guest-physical %#llx is not this domain's",
				 (unsigned long long)gpa);
			*f = (struct bt_fault){ .vector = BT_VEC_GP, .has_code = true };
			return -1;
		}
		if (fetch && !(gpa >= HW_ROM_START && gpa < HW_LOW_END)) {
			bt_crash(d, "code at %#x is in device memory (guest-physical %#llx)", linear,
				 (unsigned long long)gpa);
			*f = (struct bt_fault){ .vector = BT_VEC_GP, .has_code = true };
			return -1;
		}
		mmio(d, gpa, buf, n, write);
		return 0;
	}
	if (write) {
		bt_bytes_written(d, gpa, n);
		return ram_write(d, gpa, buf, n) ? -1 : 0;
	}
	if (b->patch && bt_patch_is_code(&b->pc, gpa >> PAGE_SHIFT))
		return bt_patch_read(&b->pc, gpa, buf, n) ? -1 : 0;
	return hw_ram_rw(d, gpa, buf, n, false) ? -1 : 0;
}

static int access(struct domain *d, uint32_t linear, uint8_t *buf, unsigned n, unsigned cpl,
		  bool write, bool fetch, struct bt_fault *f)
{
	while (n) {
		unsigned chunk = MIN(n, PAGE_SIZE - (linear & (PAGE_SIZE - 1)));
		if (access_page(d, linear, buf, chunk, cpl, write, fetch, f))
			return -1;
		linear += chunk, buf += chunk, n -= chunk;
	}
	return 0;
}

int bt_read(struct domain *d, uint32_t linear, void *buf, unsigned n, unsigned cpl, bool fetch,
	    struct bt_fault *f)
{
	return access(d, linear, buf, n, cpl, false, fetch, f);
}

int bt_write(struct domain *d, uint32_t linear, const void *buf, unsigned n, unsigned cpl,
	     struct bt_fault *f)
{
	/* Checked whole before any byte is written, so that a fault on the
	 * second page leaves the first unchanged, as on the CPU. */
	struct bt_domain *b = d->bt;
	struct shadow_regs regs = bt_paging_regs(&b->v);
	struct shadow_fault_out out;
	uint32_t last = linear + n - 1;
	if ((last & PAGE_MASK) != (linear & PAGE_MASK) &&
	    shadow_translate(&b->sh, last, PFEC_W, &regs, cpl, &out) == SHADOW_GUEST_PF) {
		*f = (struct bt_fault){ .vector = BT_VEC_PF, .has_code = true,
					.code = out.error_code, .cr2 = out.cr2 };
		return -1;
	}
	return access(d, linear, (uint8_t *)(uintptr_t)buf, n, cpl, true, false, f);
}

/* ---- the vCPU emulator's ops (vcpu.h) */

static int op_read(void *o, uint32_t linear, void *buf, unsigned n, struct bt_fault *f)
{
	struct domain *d = o;
	return bt_read(d, linear, buf, n, d->bt->v.cpl, false, f);
}

static int op_write(void *o, uint32_t linear, const void *buf, unsigned n, struct bt_fault *f)
{
	struct domain *d = o;
	return bt_write(d, linear, buf, n, d->bt->v.cpl, f);
}

static unsigned io_slot(struct domain *d, const struct vdev_range *r)
{
	if (!r)
		return EXIT_NR_IO - 1;
	unsigned i = (unsigned)(r - d->vdevs->r[VDEV_PIO]);
	return MIN(i, EXIT_NR_IO - 2);
}

static int op_pio(void *o, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct domain *d = o;
	/* Console output the line cannot take yet waits (as a hw domain's,
	 * docs/hw.md): the out is not done, the domain blocks until the ring
	 * drains, and runs it again. */
	if (write && port == d->hw->dev.uart.base && !(d->hw->dev.uart.lcr & 0x80)) {
		if (!console_domain_may_write(d)) {
			console_domain_wait(d);
			return BT_PIO_WAIT;
		}
		console_domain_unwait(d);
	}
	struct vdev_range *r = vdev_find(d->vdevs, VDEV_PIO, port, size);
	d->bt->devices_due = true;
	exit_count(d, EXIT_IO, io_slot(d, r));
	int rc = vdev_access(d->vdevs, VDEV_PIO, port, size, write, val);
	if (rc && !r)
		d->hw->dev.unclaimed_io++;
	if (rc && !write)
		*val = 0xffffffffu;     /* nobody there: the bus floats high */
	return 0;
}

static int op_rdmsr(void *o, uint32_t msr, uint64_t *val)
{
	(void)o, (void)msr, (void)val;
	return -1;                      /* every MSR a PC kernel needs is the vCPU's */
}

static int op_wrmsr(void *o, uint32_t msr, uint64_t val)
{
	struct domain *d = o;
	if (msr == BT_MSR_APIC_BASE)    /* the local APIC stays where the MADT says */
		return (val & ~0xfffull) == HW_LAPIC_BASE && (val & (1u << 11)) ? 0 : -1;
	(void)d;
	return -1;
}

static void op_cpuid(void *o, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	bt_cpuid(o, leaf, sub, out);
}

static uint64_t op_rdtsc(void *o)
{
	(void)o;
	return rdtsc();
}

static void op_invlpg(void *o, uint32_t linear)
{
	struct domain *d = o;
	shadow_invlpg(&d->bt->sh, linear);
	bt_tlb_flush(d, linear, false);
}

void bt_guest_ops_init(struct domain *d)
{
	struct bt_domain *b = d->bt;
	sh_env.table = hv_pt_env.table;
	sh_env.nx = hv_pt_env.nx;
	bt_shadow_owner(d);
	b->sh_ops = (struct shadow_ops){
		.opaque = d, .read32 = sh_read32, .read64 = sh_read64, .write32 = sh_write32,
		.write64 = sh_write64, .translate = sh_translate, .free = sh_free,
		.write_protected = sh_write_protected, .root_init = sh_root_init,
		.root_fini = sh_root_fini, .dropped = sh_dropped, .env = &sh_env,
	};
	b->patch_ops = (struct bt_patch_ops){ .opaque = d, .read = pt_read, .write = pt_write };
	b->ops = (struct bt_ops){
		.opaque = d, .read = op_read, .write = op_write, .pio = op_pio,
		.rdmsr = op_rdmsr, .wrmsr = op_wrmsr, .cpuid = op_cpuid, .rdtsc = op_rdtsc,
		.invlpg = op_invlpg,
	};
}

/* ---- data instructions (hv/emul): MMIO and writes to tracked frames */

struct bt_emul {
	struct emul_ctx c;
	struct domain *d;
	struct bt_fault fault;
};

static int em_fault(struct emul_ctx *c, const struct bt_fault *f)
{
	c->exc_vector = f->vector;
	c->exc_has_code = f->has_code;
	c->exc_code = f->code;
	return -1;
}

static int em_fetch(struct emul_ctx *c, uint32_t linear, void *buf, unsigned n)
{
	struct bt_emul *e = container_of(c, struct bt_emul, c);
	return bt_read(e->d, linear, buf, n, e->d->bt->v.cpl, true, &e->fault) ?
	       em_fault(c, &e->fault) : 0;
}

static int em_read(struct emul_ctx *c, uint32_t linear, void *buf, unsigned n)
{
	struct bt_emul *e = container_of(c, struct bt_emul, c);
	return bt_read(e->d, linear, buf, n, e->d->bt->v.cpl, false, &e->fault) ?
	       em_fault(c, &e->fault) : 0;
}

static int em_write(struct emul_ctx *c, uint32_t linear, const void *buf, unsigned n)
{
	struct bt_emul *e = container_of(c, struct bt_emul, c);
	return bt_write(e->d, linear, buf, n, e->d->bt->v.cpl, &e->fault) ?
	       em_fault(c, &e->fault) : 0;
}

static const struct emul_ops bt_emul_ops = {
	.fetch = em_fetch, .read = em_read, .write = em_write,
};

int bt_emulate_data(struct domain *d, struct bt_fault *f)
{
	struct bt_vcpu *v = &d->bt->v;
	struct bt_emul e = { .d = d };
	memcpy(e.c.gpr, v->gpr, sizeof(e.c.gpr));
	e.c.eip = v->eip;
	e.c.eflags = v->eflags;
	for (unsigned i = 0; i < 6; i++)
		e.c.seg_base[i] = v->seg[i].base;
	e.c.def_size = (v->seg[BT_CS].attr & BT_ATTR_DB) ? 32 : 16;
	e.c.stack_size = (v->seg[BT_SS].attr & BT_ATTR_DB) ? 32 : 16;
	e.c.ops = &bt_emul_ops;
	e.c.max_reps = 256;
	enum emul_result r = emul_step(&e.c);
	if (r == EMUL_DONE || r == EMUL_CONTINUE) {
		memcpy(v->gpr, e.c.gpr, sizeof(v->gpr));
		v->eip = e.c.eip;
		v->eflags = (v->eflags & ~EFL_ARITH & ~EFL_DF) | (e.c.eflags & (EFL_ARITH | EFL_DF));
		return 0;
	}
	if (r == EMUL_EXCEPTION) {
		if (e.fault.vector == BT_VEC_PF && e.c.exc_vector == BT_VEC_PF)
			*f = e.fault;
		else
			*f = (struct bt_fault){ .vector = e.c.exc_vector, .has_code = e.c.exc_has_code,
						.code = e.c.exc_code };
		return 1;
	}
	return -1;                      /* not an instruction the emulator knows */
}
