/*
 * Validated direct paging, the functional side: what a pv kernel managing
 * its own page tables relies on. A free frame mapped with update_va_mapping
 * is really that frame, readable and writable; the CPU's accessed and dirty
 * bits show up in the guest's (read-only) L1; read-only and unmapped pages
 * fault with the right error code and address; mmu_update applies 1024
 * updates in one call and, when one is refused, stops exactly there with
 * the ones before it applied; an L1 the guest built can be pinned, used,
 * unpinned and reused as data; a whole new address space (L3, four L2s,
 * L1s) can be built, switched to, run on, switched away from and freed;
 * and the balloon gives frames back and takes new ones within the quota.
 */
#include "guest.h"

#define WIN     0x40000000u     /* windows under PDPT slot 1, empty at boot */
#define WIN2    0x40200000u
#define WIN3    0x40400000u
#define NDATA   16

static uint32_t data_pfn[NDATA], data_mfn[NDATA];
static uint32_t win_l1, win2_l1;
static volatile uint32_t pf_count, pf_err, pf_addr;

static void on_pf(struct guest_frame *f)
{
	pf_count++;
	pf_err = f->error_code;
	pf_addr = shared_info->vcpu.fault_addr;
	f->eip += f->ebx;               /* skip the access (its length is in ebx) */
}

static void poke(uint32_t va, uint32_t v)
{
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl %1, (%0)\n2:"
			 : : "r"(va), "r"(v) : "ebx", "memory");
}

static uint32_t peek(uint32_t va)
{
	uint32_t v = 0xdeadbeef;
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl (%1), %0\n2:"
			 : "+r"(v) : "r"(va) : "ebx", "memory");
	return v;
}

static void setup(void)
{
	if (guest_set_trap(14, on_pf, 1, false))
		test_error("cannot install the #PF handler");
	for (unsigned i = 0; i < NDATA; i++) {
		data_pfn[i] = take_free_pfn();
		data_mfn[i] = pfn_to_mfn(data_pfn[i]);
		memset(pfn_to_virt(data_pfn[i]), 0, PAGE_SIZE);
		*(uint32_t *)pfn_to_virt(data_pfn[i]) = i;
	}
	int a = mm_window(WIN, &win_l1), b = mm_window(WIN2, &win2_l1);
	test_check(!a && !b, "two empty L1s hung under %#x and %#x with mmu_update (%d, %d)", WIN,
		   WIN2, a, b);
}

static void map_and_touch(void)
{
	uint32_t *lin = pfn_to_virt(data_pfn[1]);
	int r = mm_map(WIN, pte_make(data_mfn[1], PG_P | PG_RW));
	uint64_t e0 = l1e_of(WIN);
	test_check(!r && pte_mfn(e0) == data_mfn[1] && !(e0 & (PG_A | PG_D)),
		   "free frame %#x mapped read-write at %#x (%d): PTE %#llx, not yet accessed",
		   data_mfn[1], WIN, r, (unsigned long long)e0);
	uint32_t v = peek(WIN);
	uint64_t e1 = l1e_of(WIN);
	test_check(v == 1 && (e1 & PG_A) && !(e1 & PG_D),
		   "read through it gives the frame's word (%u); the CPU set accessed only: %#llx", v,
		   (unsigned long long)e1);
	poke(WIN + 4, 0xabcd1234);
	uint64_t e2 = l1e_of(WIN);
	test_check(lin[1] == 0xabcd1234 && (e2 & PG_D) && pf_count == 0,
		   "a write lands in the frame (seen at its linear address) and sets dirty: %#llx",
		   (unsigned long long)e2);

	r = mm_map(WIN, pte_make(data_mfn[1], PG_P));
	pf_count = 0;
	v = peek(WIN + 4);
	poke(WIN + 4, 0x55);
	test_check(!r && v == 0xabcd1234 && pf_count == 1 && pf_err == 3 && pf_addr == WIN + 4 &&
		   lin[1] == 0xabcd1234,
		   "remapped read-only (%d): reads work, a write is #PF error %#x at %#x, frame intact",
		   r, pf_err, pf_addr);

	r = mm_map(WIN, 0);
	pf_count = 0;
	poke(WIN, 1);
	uint32_t werr = pf_err, waddr = pf_addr;
	v = peek(WIN + 8);
	test_check(!r && l1e_of(WIN) == 0 && pf_count == 2 && werr == 2 && waddr == WIN &&
		   pf_err == 0 && pf_addr == WIN + 8,
		   "unmapped (%d): a write is #PF error %#x at %#x, a read error %#x at %#x", r, werr,
		   waddr, pf_err, pf_addr);
}

static struct rv_mmu_update reqs[1024];

static void batches(void)
{
	uint32_t done = 0xffffffff;
	pf_count = 0;
	for (unsigned i = 0; i < 1024; i++) {
		reqs[i].ptr = pte_maddr(i < 512 ? win_l1 : win2_l1, i % 512);
		reqs[i].val = pte_make(data_mfn[i % NDATA], PG_P | (i & 1 ? PG_RW : 0));
	}
	int r = hv_mmu_update(reqs, 1024, &done);
	unsigned good = 0;
	for (unsigned i = 0; i < 1024; i++)
		good += peek(WIN + i * PAGE_SIZE) == i % NDATA &&
			((l1e_of(WIN + i * PAGE_SIZE) & PG_RW) != 0) == (i & 1);
	test_check(r == 0 && done == 1024 && good == 1024 && pf_count == 0,
		   "one mmu_update of 1024 entries: %d, done %u, %u pages read back right", r, done,
		   good);
	for (unsigned i = 0; i < 1024; i++)
		reqs[i].val = 0;
	r = hv_mmu_update(reqs, 1024, &done);
	good = 0;
	for (unsigned i = 0; i < 1024; i++)
		good += l1e_of(WIN + i * PAGE_SIZE) == 0;
	test_check(r == 0 && done == 1024 && good == 1024, "and 1024 unmaps: %d, done %u, %u empty",
		   r, done, good);

	/* Request 5 of 10 maps the hypervisor's image: refused, the batch stops. */
	for (unsigned i = 0; i < 10; i++) {
		reqs[i].ptr = pte_maddr(win_l1, i);
		reqs[i].val = pte_make(i == 5 ? 0x100 : data_mfn[i], PG_P | PG_RW);
	}
	done = 0xffffffff;
	r = hv_mmu_update(reqs, 10, &done);
	unsigned before = 0, after = 0;
	for (unsigned i = 0; i < 5; i++)
		before += pte_mfn(l1e_of(WIN + i * PAGE_SIZE)) == data_mfn[i] &&
			  peek(WIN + i * PAGE_SIZE) == i;
	for (unsigned i = 5; i < 10; i++)
		after += l1e_of(WIN + i * PAGE_SIZE) == 0;
	test_check(r == -RV_EPERM && done == 5 && before == 5 && after == 5,
		   "a batch with a bad 6th request: %d, done %u, %u of the first 5 applied, %u of the "
		   "rest untouched", r, done, before, after);
	for (unsigned i = 0; i < 10; i++)
		reqs[i].val = 0;
	hv_mmu_update(reqs, 10, NULL);
}

static void pin_own_l1(void)
{
	uint32_t pfn = take_free_pfn(), mfn = pfn_to_mfn(pfn);
	uint64_t *t = pfn_to_virt(pfn);
	memset(t, 0, PAGE_SIZE);
	t[0] = pte_make(data_mfn[0], PG_P | PG_RW);
	t[1] = pte_make(data_mfn[1], PG_P);
	mm_make_ro(pfn);

	int r = mm_pin(1, mfn), again = mm_pin(1, mfn);
	test_check(r == 0 && again < 0, "an L1 we built pinned (%d); pinning it twice refused (%d)", r,
		   again);
	int w1 = mm_map(WIN, pte_make(mfn, PG_P | PG_RW)), w2 = mm_make_rw(pfn);
	test_check(w1 == -RV_EBUSY && w2 == -RV_EBUSY,
		   "while pinned it cannot be mapped writable (%d, %d)", w1, w2);
	int u = mm_update(pte_maddr(mfn, 2), pte_make(data_mfn[2], PG_P));
	int h = mm_update(pt_maddr(WIN3, 2), pte_make(mfn, PG_P | PG_RW | PG_US));
	uint32_t a = peek(WIN3), b = peek(WIN3 + 2 * PAGE_SIZE);
	test_check(u == 0 && h == 0 && a == 0 && b == 2 && pf_count == 0,
		   "entry written with mmu_update (%d), table hung at %#x (%d): pages read %u and %u", u,
		   WIN3, h, a, b);
	h = mm_update(pt_maddr(WIN3, 2), 0);
	r = mm_unpin(mfn);
	again = mm_unpin(mfn);
	test_check(h == 0 && r == 0 && again < 0, "unhooked (%d) and unpinned (%d); twice refused (%d)",
		   h, r, again);
	w2 = mm_make_rw(pfn);
	t[5] = 0x12345678;
	u = mm_update(pte_maddr(mfn, 2), 0);
	test_check(w2 == 0 && t[5] == 0x12345678 && u == -RV_EINVAL,
		   "released: writable data again (%d), no longer a page table for mmu_update (%d)", w2,
		   u);
}

/* A copy of the current address space in fresh frames, with WIN mapping
 * data frame 3 instead of 2. */
static void new_space(void)
{
	static uint32_t pfns[64], l1_of[4][512], got[64];
	uint32_t n = 0;
	const volatile uint64_t *old3 = mfn_to_virt(mm_base_mfn());
	uint32_t old_base = mm_base_mfn(), old_l2[4], l2_pfn[4];

	mm_map(WIN, pte_make(data_mfn[2], PG_P));
	/* Frames first, so the copies can map them read-only. */
	pfns[n++] = take_free_pfn();                    /* the L3 */
	for (unsigned s = 0; s < 4; s++) {
		old_l2[s] = pte_mfn(old3[s]);
		const volatile uint64_t *l2 = mfn_to_virt(old_l2[s]);
		l2_pfn[s] = pfns[n++] = take_free_pfn();
		for (unsigned i = 0; i < 512; i++)
			if ((l2[i] & PG_P) && !(s == 3 && i >= 510) && n < 64)
				l1_of[s][i] = pfns[n++] = take_free_pfn();
	}
	for (unsigned k = 0; k < n; k++)
		memset(pfn_to_virt(pfns[k]), 0, PAGE_SIZE);
	uint64_t *l3 = pfn_to_virt(pfns[0]);
	for (unsigned s = 0; s < 4; s++) {
		uint64_t *l2 = pfn_to_virt(l2_pfn[s]);
		const volatile uint64_t *ol2 = mfn_to_virt(old_l2[s]);
		l3[s] = pte_make(pfn_to_mfn(l2_pfn[s]), PG_P);
		for (unsigned i = 0; i < 512; i++) {
			if (!l1_of[s][i])
				continue;
			uint64_t *l1 = pfn_to_virt(l1_of[s][i]);
			const volatile uint64_t *ol1 = mfn_to_virt(pte_mfn(ol2[i]));
			l2[i] = pte_make(pfn_to_mfn(l1_of[s][i]), ol2[i] & 0xfff);
			for (unsigned j = 0; j < 512; j++) {
				uint64_t e = ol1[j];
				for (unsigned k = 0; k < n; k++)
					if (pte_mfn(e) == pfn_to_mfn(pfns[k]))
						e &= ~PG_RW;    /* our new tables: read-only */
				l1[j] = e;
			}
		}
	}
	((uint64_t *)pfn_to_virt(l1_of[1][0]))[0] = pte_make(data_mfn[3], PG_P);   /* WIN */
	unsigned ro = 0;
	for (unsigned k = 0; k < n; k++)
		ro += mm_make_ro(pfns[k]) == 0;
	uint32_t l3_mfn = pfn_to_mfn(pfns[0]);
	int r = mm_pin(3, l3_mfn);
	const volatile uint64_t *new_high = pfn_to_virt(l2_pfn[3]);
	const volatile uint64_t *old_high = mfn_to_virt(old_l2[3]);
	test_check(ro == n && r == 0 && pte_mfn(new_high[510]) == pte_mfn(old_high[510]) &&
		   (new_high[510] & PG_P),
		   "a new address space of %u frames pinned (%d); the hypervisor filled its switch "
		   "slot (%#llx)", n, r, (unsigned long long)new_high[510]);

	uint32_t code_va = (uint32_t)&new_space;
	r = mm_set_base(l3_mfn);
	struct pt_loc loc;
	bool walked = pt_locate(code_va, 1, &loc);
	uint32_t v = peek(WIN);
	gprintf("running on the new tables\n");
	test_check(r == 0 && v == 3 && walked && loc.mfn == pfn_to_mfn(l1_of[3][(code_va >> 21) & 511]),
		   "NEW_BASEPTR (%d): we run on the copy (code mapped by its L1 %#x), WIN sees frame "
		   "3 (%u)", r, walked ? loc.mfn : 0, v);
	r = mm_set_base(old_base);
	v = peek(WIN);
	int u = mm_unpin(l3_mfn);
	/* Nothing may hold on to them now: unmapped, each can be given back
	 * (only a frame whose allocation is its last reference can). */
	for (unsigned k = 0; k < n; k++)
		mm_map((uint32_t)pfn_to_virt(pfns[k]), 0);
	struct rv_memory_reservation res = { (uint32_t)pfns, n, 0, 0 };
	int32_t dec = hv_memory_op(RV_MEMOP_decrease_reservation, &res);
	res.mfns = (uint32_t)got;
	int32_t inc = hv_memory_op(RV_MEMOP_increase_reservation, &res);
	unsigned back = 0;
	for (unsigned k = 0; k < n && inc == (int32_t)n; k++) {
		((uint32_t *)start_info->p2m)[pfns[k]] = got[k];
		back += mm_make_rw(pfns[k]) == 0;
	}
	test_check(r == 0 && v == 2 && u == 0 && dec == (int32_t)n && back == n && pf_count == 0,
		   "back on the old tables (%d, WIN sees %u); unpinned (%d), all %u frames released: "
		   "given back (%d) and taken again (%u)", r, v, u, n, dec, back);
	mm_map(WIN, 0);
}

static void balloon(void)
{
	uint32_t pfns[8], mfns[8], nr = start_info->nr_pages;
	int32_t cur = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	int32_t max = hv_memory_op(RV_MEMOP_maximum_reservation, NULL);
	test_check(cur == (int32_t)nr && max >= cur, "reservation %d pages, maximum %d", cur, max);

	for (unsigned i = 0; i < 8; i++) {
		pfns[i] = take_free_pfn();
		mm_map((uint32_t)pfn_to_virt(pfns[i]), 0);
		mfns[i] = pfn_to_mfn(pfns[i]);
	}
	struct rv_memory_reservation res = { (uint32_t)pfns, 8, 0, 0 };
	int32_t r = hv_memory_op(RV_MEMOP_decrease_reservation, &res);
	cur = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	int m = mm_map(WIN, pte_make(mfns[0], PG_P));
	test_check(r == 8 && cur == (int32_t)nr - 8 && m == -RV_EPERM,
		   "8 unmapped pages given back (%d): reservation %d, the old frame is not ours (%d)", r,
		   cur, m);

	uint32_t got[8] = { 0 };
	res = (struct rv_memory_reservation){ (uint32_t)pfns, 8, (uint32_t)got, 0 };
	r = hv_memory_op(RV_MEMOP_increase_reservation, &res);
	cur = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	unsigned ok = 0;
	for (unsigned i = 0; i < 8 && r == 8; i++) {
		((uint32_t *)start_info->p2m)[pfns[i]] = got[i];
		uint32_t *p = pfn_to_virt(pfns[i]);
		if (got[i] && mm_make_rw(pfns[i]) == 0) {
			p[0] = 0xba110000 + i;
			p[1023] = i;
			ok += p[0] == 0xba110000 + i && peek((uint32_t)&p[1023]) == i;
		}
	}
	test_check(r == 8 && cur == (int32_t)nr && ok == 8 && pf_count == 0,
		   "and taken back (%d): reservation %d, %u new frames mapped and used", r, cur, ok);

	uint32_t beyond[2] = { (uint32_t)max, pfns[0] };
	res = (struct rv_memory_reservation){ (uint32_t)&beyond[0], 1, (uint32_t)got, 0 };
	int32_t r1 = hv_memory_op(RV_MEMOP_increase_reservation, &res);
	res.pfns = (uint32_t)&beyond[1];
	int32_t r2 = hv_memory_op(RV_MEMOP_increase_reservation, &res);
	cur = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	test_check(r1 < 0 && r2 == -RV_EEXIST && cur == (int32_t)nr,
		   "growing beyond the maximum refused (%d), a pfn with a frame refused (%d), still %d",
		   r1, r2, cur);
}

void guest_main(void)
{
	setup();
	map_and_touch();
	batches();
	pin_own_l1();
	new_space();
	balloon();
}
