/*
 * Validated direct paging for pv guests: the frame table (owner, type and
 * counts of every frame), and the memory hypercalls: mmu_update, mmuext_op,
 * update_va_mapping, memory_op. The rules themselves are in pagetype.c;
 * docs/paging.md explains each and the attack it closes.
 *
 * TLB: every entry into the hypervisor loads its CR3 and every exit loads
 * the guest's, so no translation of a guest address space survives a
 * hypercall (only the global switch region does). A frame that lost its last
 * writable mapping can therefore change type at once: no stale writable TLB
 * entry can reach it. (SMP, or fast paths that skip the CR3 switch, would
 * need explicit flushes here.)
 */
#include "pv.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "pagetype.h"
#include "panic.h"
#include "printk.h"
#include "sched.h"
#include "time.h"
#include "string.h"
#include "switch.h"

struct mm_ctx pv_mm;

/*
 * Preemption of page-table work (docs/paging.md, "Long operations"): only
 * inside a hypercall round (the builder's validation runs in one go), once
 * the round has run a slice. The clock is read every 32 entries; once it
 * said stop, everything else in the round stops too.
 */
static struct {
	bool active, stop;
} round;

static bool preempt_by_time(struct mm_ctx *c)
{
	if (!round.active) {
		c->quiet = UINT32_MAX;          /* the builder: never (reset by the next round) */
		return false;
	}
	if (!round.stop) {
		round.stop = hc_overran(hc_round_start);
		if (!round.stop)
			c->quiet = 31;          /* ask the clock again 32 entries on */
	}
	return round.stop;
}

void pv_mm_round_begin(struct domain *d)
{
	pv_mm.defer = &d->pv->mm_defer;
	pv_mm.steps = 0;
	pv_mm.quiet = 0;
	round.active = true;
	round.stop = false;
}

bool pv_mm_round_suspend(void)
{
	bool was = round.active;
	round.active = false;
	return was;
}

void pv_mm_round_resume(bool was)
{
	round.active = was;
	pv_mm.quiet = 0;
}

void pv_mm_round_end(void)
{
	pv_mm.defer = NULL;
	round.active = false;
}

bool pv_mm_settle(struct domain *d)
{
	return !d->pv->mm_defer.n || mm_settle(&pv_mm) == 0;
}

bool pv_mm_unsettled(const struct domain *d)
{
	return d->pv->mm_defer.n != 0;
}

static uint64_t *table_of(uint32_t mfn)
{
	return phys_to_virt((paddr_t)mfn << PAGE_SHIFT);
}

void pv_mm_init(uint32_t ram_top_pfn)
{
	uint32_t bytes = ram_top_pfn * sizeof(struct page_info);
	paddr_t pa;

	if (alloc_frames_contig((bytes + PAGE_SIZE - 1) / PAGE_SIZE, &pa))
		panic("no memory for the frame table (%u KiB)", bytes / 1024);
	pv_mm.frames = phys_to_virt(pa);
	pv_mm.nframes = ram_top_pfn;
	pv_mm.table = table_of;
	pv_mm.switch_l1_mfn = (uint32_t)(switch_l1 >> PAGE_SHIFT);
	pv_mm.nx = hv_pt_env.nx;
	/* Address bits past the CPU's width are reserved: an entry with them
	 * faults in the guest, or (on a wider CPU) names memory we never
	 * validated. Entries must not have them (pagetype.c). */
	pv_mm.maxphys_mask = PTE_ADDR_MASK & ((1ull << cpu_features.phys_bits) - 1);
	pv_mm.preempt = preempt_by_time;
	/* What is not free now is the hypervisor's (or firmware's): never a
	 * guest's to map. */
	for (uint32_t i = 0; i < ram_top_pfn; i++)
		pv_mm.frames[i].owner = frame_state_of(&hv_frames, i) == FRAME_FREE ? OWNER_NONE :
					OWNER_HV;
	pr_info("frame table: %u frames, %u KiB\n", ram_top_pfn, bytes / 1024);
}

/* memory.c tells us about every frame that changes hands. */
void pv_mm_frame_allocated(pfn_t pfn)
{
	if (pfn < pv_mm.nframes)
		pv_mm.frames[pfn] = (struct page_info){ .owner = OWNER_HV };
}

void pv_mm_frame_freed(pfn_t pfn)
{
	if (pfn < pv_mm.nframes)
		pv_mm.frames[pfn] = (struct page_info){ .owner = OWNER_NONE };
}

/* Give a hypervisor-allocated frame to d, with its allocation reference. */
void pv_mm_assign(struct domain *d, uint32_t mfn, uint8_t flags)
{
	pv_mm.frames[mfn] = (struct page_info){ .owner = (uint16_t)d->id, .count = 1, .flags = flags };
}

/* Take a frame back from d (teardown): whatever counts it had. */
void pv_mm_reclaim(uint32_t mfn)
{
	pv_mm.frames[mfn] = (struct page_info){ .owner = OWNER_HV };
}

/* Run an mm operation for d, charging any refusal to d's counters too. */
#define CHARGED(d, call)                                                                 \
	({                                                                               \
		uint32_t _before[MMR_COUNT];                                             \
		memcpy(_before, pv_mm.refusals, sizeof(_before));                        \
		int _rc = (call);                                                        \
		for (unsigned _i = 0; _i < MMR_COUNT; _i++)                              \
			(d)->pv->mm_refusals[_i] += pv_mm.refusals[_i] - _before[_i];   \
		_rc;                                                                     \
	})

/* The domain's first base table: validated, pinned and in use. */
int pv_mm_activate(struct domain *d, uint32_t l3_mfn)
{
	int rc = CHARGED(d, mm_pin(&pv_mm, (uint16_t)d->id, l3_mfn, PGT_L3));
	if (rc)
		return rc;
	rc = CHARGED(d, mm_get_page_and_type(&pv_mm, l3_mfn, (uint16_t)d->id, PGT_L3));
	if (rc) {
		mm_unpin(&pv_mm, (uint16_t)d->id, l3_mfn);
		return rc;
	}
	d->pv->vcpu.base_mfn = l3_mfn;
	d->space.pdpt = (paddr_t)l3_mfn << PAGE_SHIFT;
	return 0;
}

static int set_base(struct domain *d, uint32_t mfn)
{
	int rc = CHARGED(d, mm_get_page_and_type(&pv_mm, mfn, (uint16_t)d->id, PGT_L3));
	if (rc)
		return rc;
	uint32_t old = d->pv->vcpu.base_mfn;
	d->pv->vcpu.base_mfn = mfn;
	d->space.pdpt = (paddr_t)mfn << PAGE_SHIFT;
	if (d == current)
		switch_guest_cr3 = (uint32_t)d->space.pdpt;     /* loaded on the way out */
	mm_put_page_and_type(&pv_mm, old);
	return 0;
}

/*
 * Long batches are continued (pv.h, hc_continue): after a time slice the
 * call stops with the count done so far as its progress, the guest is
 * rewound to its int $0x82, others run, and the next round goes on from
 * there. The guest sees one call; its registers are untouched. One request
 * is divided too: a validation interrupted (-ERESTART) continues the batch
 * at that same request, which takes it up where it stopped; a request that
 * left releases deferred continues it at the next one, after they are
 * finished (pv_hypercall does that first).
 */
struct batch {
	uint32_t done_va;       /* where the guest wants the count, or 0 */
	uint32_t first;         /* requests done by earlier rounds */
	uint64_t start;         /* this round's start */
};

static int begin_batch(struct domain *d, struct batch *b, uint32_t count, uint32_t done_va,
		       uint32_t max)
{
	b->first = hc_progress(d);
	b->done_va = done_va;
	b->start = hc_round_start;
	/* Checked before doing anything: an error means nothing changed. */
	if (count > max)
		return -E2BIG;
	if (b->first > count || (done_va && guest_check_range(d, done_va, 4, true)))
		return -EFAULT;
	return 0;
}

/* Before request `done` (counted from the batch's start): time to let
 * others run? */
static bool batch_yield(const struct batch *b, uint32_t done)
{
	return done > b->first && hc_overran(b->start);
}

/* Finish a batch with rc: report the count. */
static int32_t end_batch(struct domain *d, const struct batch *b, uint32_t done, int rc)
{
	if (b->done_va && copy_to_guest(d, b->done_va, &done, sizeof(done)))
		return -EFAULT;
	return rc;
}

int32_t pv_mmu_update(struct domain *d, uint32_t reqs, uint32_t count, uint32_t done_va)
{
	struct rv_mmu_update r[32];
	struct batch b;
	int rc = begin_batch(d, &b, count, done_va, RV_MMU_UPDATE_MAX);

	if (rc)
		return rc;
	uint32_t done = b.first;
	while (done < count && !rc) {
		if (batch_yield(&b, done))
			return hc_continue(d, done);
		uint32_t n = MIN(count - done, (uint32_t)ARRAY_SIZE(r));
		if (copy_from_guest(d, r, reqs + done * sizeof(r[0]), n * sizeof(r[0]))) {
			rc = -EFAULT;
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint64_t ptr = r[i].ptr;
			if ((ptr & 3) != RV_MMU_NORMAL_PT_UPDATE || (ptr & 4) || (ptr >> 44)) {
				rc = -EINVAL;   /* unknown command, misaligned, or beyond 16 TiB */
				d->pv->mm_refusals[MMR_BAD_REQUEST]++;
				break;
			}
			rc = CHARGED(d, mm_update_entry(&pv_mm, (uint16_t)d->id, (uint32_t)(ptr >> 12),
							(uint32_t)(ptr & 0xfff) >> 3, r[i].val));
			if (rc == -ERESTART)
				return hc_continue(d, done);
			if (rc)
				break;
			done++;
			if (pv_mm_unsettled(d))
				return hc_continue(d, done);
		}
	}
	return end_batch(d, &b, done, rc);
}

static int one_mmuext(struct domain *d, const struct rv_mmuext_op *op)
{
	static const uint8_t pin_type[] = { PGT_L1, PGT_L2, PGT_L3 };
	uint16_t id = (uint16_t)d->id;

	switch (op->cmd) {
	case RV_MMUEXT_PIN_L1_TABLE:
	case RV_MMUEXT_PIN_L2_TABLE:
	case RV_MMUEXT_PIN_L3_TABLE:
		return CHARGED(d, mm_pin(&pv_mm, id, op->arg1, pin_type[op->cmd]));
	case RV_MMUEXT_UNPIN_TABLE:
		return CHARGED(d, mm_unpin(&pv_mm, id, op->arg1));
	case RV_MMUEXT_NEW_BASEPTR:
		return set_base(d, op->arg1);
	case RV_MMUEXT_TLB_FLUSH_LOCAL:
		return 0;               /* every return to the guest reloads CR3 */
	case RV_MMUEXT_INVLPG_LOCAL:
		return op->arg1 < RV_GUEST_VIRT_END ? 0 : -EINVAL;
	default:
		return -ENOSYS;
	}
}

int32_t pv_mmuext_op(struct domain *d, uint32_t ops, uint32_t count, uint32_t done_va)
{
	struct rv_mmuext_op op;
	struct batch b;
	int rc = begin_batch(d, &b, count, done_va, RV_MMUEXT_MAX);

	if (rc)
		return rc;
	uint32_t done = b.first;
	for (; done < count; done++) {
		if (batch_yield(&b, done))
			return hc_continue(d, done);
		if (copy_from_guest(d, &op, ops + done * sizeof(op), sizeof(op))) {
			rc = -EFAULT;
			break;
		}
		rc = one_mmuext(d, &op);
		if (rc == -ERESTART)
			return hc_continue(d, done);
		if (rc)
			break;
		if (pv_mm_unsettled(d))
			return hc_continue(d, done + 1);
	}
	return end_batch(d, &b, done, rc);
}

int32_t pv_update_va_mapping(struct domain *d, uint32_t va, uint64_t val, uint32_t flags)
{
	if (flags > RV_UVMF_TLB_FLUSH)
		return -EINVAL;
	if (va >= RV_GUEST_VIRT_END) {
		d->pv->mm_refusals[MMR_SWITCH_REGION]++;
		pv_mm.refusals[MMR_SWITCH_REGION]++;
		return -EPERM;
	}
	/* Find the L1 through the vCPU's validated tables. */
	uint64_t l3e = table_of(d->pv->vcpu.base_mfn)[L3_INDEX(va)];
	if (!(l3e & PTE_P))
		return -ENOENT;
	uint64_t l2e = table_of((uint32_t)((l3e & PTE_ADDR_MASK) >> 12))[L2_INDEX(va)];
	if (!(l2e & PTE_P) || (l2e & PTE_PS))
		return -ENOENT;         /* no page table maps that address */
	int rc = CHARGED(d, mm_update_entry(&pv_mm, (uint16_t)d->id,
					    (uint32_t)((l2e & PTE_ADDR_MASK) >> 12), L1_INDEX(va), val));
	return rc == -ERESTART ? hc_continue(d, 0) : rc;       /* (a PTE validates no table) */
}

int32_t pv_memory_op(struct domain *d, uint32_t cmd, uint32_t arg)
{
	struct rv_memory_reservation r;
	uint32_t done;

	switch (cmd) {
	case RV_MEMOP_current_reservation:
		return (int32_t)d->nr_pages;
	case RV_MEMOP_maximum_reservation:
		return (int32_t)d->max_pages;
	case RV_MEMOP_increase_reservation:
	case RV_MEMOP_decrease_reservation:
		break;
	default:
		return -ENOSYS;
	}
	if (copy_from_guest(d, &r, arg, sizeof(r)))
		return -EFAULT;
	if (r.count > d->max_pages)
		return -E2BIG;
	/* Preemptible: a domain's whole quota at once would hold the CPU for
	 * many slices (435 ms for 128 MiB was measured). */
	uint64_t start = hc_round_start;
	uint32_t first = hc_progress(d);
	if (first > r.count)
		return -EFAULT;
	for (done = first; done < r.count; done++) {
		if (done > first && hc_overran(start))
			return hc_continue(d, done);
		uint32_t pfn;
		if (copy_from_guest(d, &pfn, r.pfns + done * 4, 4))
			return done ? (int32_t)done : -EFAULT;
		if (pfn >= d->max_pages)
			return done ? (int32_t)done : -EINVAL;
		if (cmd == RV_MEMOP_increase_reservation) {
			if (d->p2m[pfn])
				return done ? (int32_t)done : -EEXIST;  /* already has a frame */
			paddr_t pa = alloc_frame();
			if (!pa)
				return done ? (int32_t)done : -ENOMEM;
			uint32_t mfn = (uint32_t)(pa >> PAGE_SHIFT);
			if (r.mfns && copy_to_guest(d, r.mfns + done * 4, &mfn, 4)) {
				free_frame(pa);
				return done ? (int32_t)done : -EFAULT;
			}
			pv_mm_assign(d, mfn, 0);
			d->p2m[pfn] = mfn;
			d->nr_pages++;
		} else {
			uint32_t mfn = d->p2m[pfn];
			if (!mfn)
				return done ? (int32_t)done : -ENOENT;
			const struct page_info *p = &pv_mm.frames[mfn];
			/* Only a frame nobody maps or uses: its allocation is its
			 * last reference. */
			if (p->count != 1 || p->type_count || p->flags)
				return done ? (int32_t)done : -EBUSY;
			pv_mm_reclaim(mfn);
			free_frame((paddr_t)mfn << PAGE_SHIFT);
			d->p2m[pfn] = 0;
			d->nr_pages--;
		}
	}
	return (int32_t)done;
}

/* Frames owned by d (the test of teardown). */
uint32_t pv_mm_frames_owned(uint32_t domid)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pv_mm.nframes; i++)
		n += pv_mm.frames[i].owner == domid;
	return n;
}
