/*
 * The fuzzer's calls: random numbers and arguments, with the few
 * restrictions that keep the fuzzer alive (hcfuzz.c explains which). Every
 * array the hypervisor reads as commands (requests, ops, multicall entries,
 * trap tables, reservations) is built here or taken from places whose
 * contents cannot hurt (random bytes no result is written to, bad pointers,
 * page tables fixed since boot); every pointer the hypervisor may write
 * through stays out of the fuzzer's own memory.
 */
#include "hcfuzz.h"

#define NREQ    256                     /* requests / ops per built batch */

static uint64_t rng;
static struct rv_mmu_update reqs[NREQ];
static struct rv_mmuext_op ops[NREQ];
static struct rv_trap_info traps[RV_TRAP_TABLE_MAX];
static struct rv_memory_reservation res;
static uint32_t pfn_list[16];
struct rv_multicall_entry mc[RV_MULTICALL_MAX];

void rng_seed(uint32_t seed)
{
	rng = 0x9e3779b97f4a7c15ull * (seed + 1);
}
uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}
uint32_t below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd() * n) >> 32);
}
static uint64_t rnd64(void)
{
	return ((uint64_t)rnd() << 32) | rnd();
}

static bool is_own(uint32_t mfn)
{
	return mfn < sizeof(own_map) * 8 && (own_map[mfn / 8] & (1u << (mfn % 8)));
}
static bool is_pool(uint32_t mfn)
{
	for (unsigned i = 0; i < POOL; i++)
		if (pool_mfn[i] == mfn)
			return true;
	return false;
}

/* ---- values ---- */

/* A PTE for the window: anything, but never our own frames writable. */
static uint64_t sanitize(uint64_t e)
{
	if ((e & PG_P) && (e & PG_RW) && is_own(pte_mfn(e)) && !is_pool(pte_mfn(e)))
		e &= ~PG_RW;
	return e;
}
/* A PDE for the window's directory: only pool frames (or ours, not present). */
static uint64_t sanitize_pde(uint64_t e)
{
	if ((e & PG_P) && is_own(pte_mfn(e)) && !is_pool(pte_mfn(e)) && pte_mfn(e) != win_l1)
		e &= ~PG_P;
	return e;
}
static uint64_t any_pte(void)
{
	uint64_t flags = rnd() & 0xfff;
	if (below(8) == 0)
		flags |= (uint64_t)rnd() << 52;
	switch (below(7)) {
	case 0: return 0;
	case 1: case 2: return sanitize(pte_make(pool_mfn[below(POOL)], flags));
	case 3: return pte_make(pfn_to_mfn(below(start_info->nr_pages)), flags & ~PG_RW);
	case 4: return sanitize(pte_make(rnd() & 0xfffff, flags));
	case 5: return sanitize(pte_make(below(0x10000), flags));
	default: return sanitize(rnd64());
	}
}
static uint64_t any_pde(void)
{
	if (below(3) == 0)
		return sanitize_pde(any_pte());
	return pte_make(pool_mfn[below(POOL)], (rnd() & 0xfff) | PG_P | (below(8) ? 0 : PG_PS));
}
/* Refused by any table at any level: the hypervisor's first MiB, or a
 * reserved bit. For our real tables, which must not change. */
static uint64_t refused(void)
{
	uint64_t e = pte_make(below(0x100), (rnd() & 0xfff) | PG_P);
	return below(2) ? e : e | (1ull << (52 + below(11)));
}

static uint32_t bad_ptr(void)
{
	switch (below(4)) {
	case 0: return RV_SWITCH_BASE + below(RV_SWITCH_SIZE);
	case 1: return 0xFFFFFFFF - below(64);                          /* wraps */
	case 2: return 0x1000 + below(SLOT1 - 0x1000);                  /* PDPT slot 0: nothing */
	default: return 0x80000000 + below(0x40000000);                 /* slot 2: nothing */
	}
}
/* Our read-only page tables, whose contents are fixed since boot (not the
 * window's directory, whose entries are ours to choose: read as requests
 * they could aim at our own tables). A read of 256 bytes stays inside. */
static uint32_t ro_ptr(void)
{
	uint32_t k;
	do
		k = below(ntables);
	while (tables[k] == slot1_l2);
	return start_info->pt_base + k * PAGE_SIZE + below(PAGE_SIZE - 256);
}
static uint32_t scratch_ptr(uint32_t size)
{
	return (uint32_t)scratch + below(sizeof(scratch) - size + 1);
}
/* Where the hypervisor may write: never our own memory but the scratch. */
static uint32_t out_ptr(void)
{
	uint32_t p;
	switch (below(7)) {
	case 0: return 0;
	case 1: case 2: return scratch_ptr(64);
	case 3: return bad_ptr();
	case 4: return ro_ptr();
	case 5: return SLOT1 + below(0x40000000);
	default: p = rnd(); break;
	}
	return p >= own_lo && p < own_hi ? scratch_ptr(64) : p;
}
static uint32_t any_int(void)
{
	switch (below(6)) {
	case 0: return rnd();
	case 1: return below(16);
	case 2: return below(0x10000);
	case 3: return 0xffffffff - below(16);
	case 4: return 1u << below(32);
	default: return out_ptr();
	}
}
static uint32_t any_count(uint32_t max, uint32_t built)
{
	switch (below(8)) {
	case 0: return max + 1 + below(4);
	case 1: return 0xffffffff - below(4);
	case 2: return 0;
	default: return 1 + below(built);
	}
}

/* ---- built arguments ---- */

static void fix_request(struct rv_mmu_update *r)
{
	if ((r->ptr >> 44) || (r->ptr & 7))
		return;                                 /* refused as a bad request */
	uint32_t table = (uint32_t)(r->ptr >> 12);
	if (table == win_l1 || is_pool(table))
		r->val = sanitize(r->val);
	else if (table == slot1_l2)
		r->val = sanitize_pde(r->val);
	else if (is_own(table))
		r->val = refused();
}
static uint32_t build_requests(void)
{
	uint32_t n = 1 + below(below(4) ? 16 : NREQ);
	for (uint32_t i = 0; i < n; i++) {
		struct rv_mmu_update *r = &reqs[i];
		uint32_t idx = below(512);
		switch (below(10)) {
		case 0: case 1: case 2: *r = (struct rv_mmu_update){ pte_maddr(win_l1, idx), any_pte() }; break;
		case 3: /* not slot 0: WIN's own L1 stays, so mappings there can succeed */
			idx = 1 + (below(8) ? below(7) : below(511));
			*r = (struct rv_mmu_update){ pte_maddr(slot1_l2, idx), any_pde() };
			break;
		case 4: *r = (struct rv_mmu_update){ pte_maddr(pool_mfn[below(POOL)], idx), any_pte() }; break;
		case 5: *r = (struct rv_mmu_update){ pte_maddr(tables[below(ntables)], idx), refused() }; break;
		case 6: *r = (struct rv_mmu_update){ pte_maddr(rnd() & 0xfffff, idx), any_pte() }; break;
		case 7: *r = (struct rv_mmu_update){ pte_maddr(win_l1, idx) | below(8), any_pte() }; break;
		default: *r = (struct rv_mmu_update){ rnd64() >> below(24), rnd64() }; break;
		}
		fix_request(r);
	}
	return n;
}
static uint32_t build_ops(void)
{
	uint32_t n = 1 + below(below(4) ? 8 : NREQ);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cmd = below(10) ? below(8) : any_int(), mfn;
		switch (below(5)) {
		case 0: mfn = pool_mfn[below(POOL)]; break;
		case 1: mfn = tables[below(ntables)]; break;
		case 2: mfn = pfn_to_mfn(below(start_info->nr_pages)); break;
		default: mfn = any_int(); break;
		}
		/* A new base only that cannot succeed, or our own again. */
		if (cmd == RV_MMUEXT_NEW_BASEPTR && (is_pool(mfn) || (is_own(mfn) && below(2))))
			mfn = base_l3;
		ops[i] = (struct rv_mmuext_op){ cmd, mfn, below(8) ? 0 : rnd(), rnd() };
	}
	return n;
}
static uint32_t build_traps(void)
{
	uint32_t n = 1 + below(8);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t v = (uint8_t)rnd();
		switch (below(4)) {
		case 0: traps[i] = (struct rv_trap_info){ v, (uint8_t)rnd(), (uint16_t)rnd(), 0 }; break;
		case 1: traps[i] = (struct rv_trap_info){ v, 1, RV_GUEST_KERNEL_CS, bad_ptr() }; break;
		case 2: traps[i] = (struct rv_trap_info){ v, (uint8_t)rnd(), (uint16_t)rnd(), rnd() | 1 }; break;
		/* our own (valid) handler for a vector we never raise */
		default: traps[i] = (struct rv_trap_info){ (uint8_t)(0x90 + below(0x60)), 1 + 2 * below(2),
							   RV_GUEST_KERNEL_CS, guest_trap_stubs[0x90] }; break;
		}
		if (traps[i].cs == RV_GUEST_KERNEL_CS && traps[i].address < RV_SWITCH_BASE &&
		    traps[i].address != guest_trap_stubs[0x90])
			traps[i].cs = 0x0b;             /* a random handler would be obeyed */
	}
	return n;
}
static void build_reservation(void)
{
	for (unsigned i = 0; i < 16; i++)
		pfn_list[i] = below(4) ? pool_pfn[below(POOL)] :
			      below(2) ? below(start_info->nr_pages + 16) : any_int();
	uint32_t pfns = below(6) ? (uint32_t)pfn_list : below(2) ? bad_ptr() : ro_ptr();
	res = (struct rv_memory_reservation){ pfns, any_count(16, 16), out_ptr(), rnd() };
}

/* ---- one call ---- */

void gen_call(uint32_t *nr, uint32_t a[5], bool nested)
{
	for (unsigned i = 0; i < 5; i++)
		a[i] = any_int();
	/* The memory calls and multicall (cheap calls in bulk) get more than their share. */
	uint32_t pick = below(64);
	*nr = pick < 20 ? RV_HC_mmu_update + below(4) : pick < 28 ? RV_HC_multicall :
	      pick < 60 ? below(RV_HC_count + 6) : rnd();
	switch (*nr) {
	case RV_HC_console_io:
		if (a[0] == RV_CONSOLEIO_write && a[1] && a[1] <= RV_CONSOLEIO_MAX)
			a[2] = bad_ptr();               /* no garbage on the console */
		if (a[0] == RV_CONSOLEIO_read)
			a[2] = out_ptr();
		break;
	case RV_HC_set_trap_table:
		a[0] = below(4) ? (uint32_t)traps : below(2) ? bad_ptr() : ro_ptr();
		a[1] = any_count(RV_TRAP_TABLE_MAX, a[0] == (uint32_t)traps ? build_traps() : 8);
		break;
	case RV_HC_stack_switch:
		if (a[0] == RV_GUEST_KERNEL_DS || below(2)) {
			a[0] = RV_GUEST_KERNEL_DS;
			a[1] = below(2) ? (uint32_t)&scratch[sizeof(scratch)] : RV_SWITCH_BASE + rnd() % 64;
		}
		break;
	case RV_HC_set_callbacks:
		a[0] = below(2) ? 0 : RV_SWITCH_BASE + below(RV_SWITCH_SIZE);
		a[1] = below(2) ? 0 : RV_SWITCH_BASE + below(RV_SWITCH_SIZE);
		break;
	case RV_HC_sched_op:
		if (a[0] == RV_SCHEDOP_block || a[0] == RV_SCHEDOP_shutdown)
			a[0] = below(2) ? RV_SCHEDOP_yield : 3 + below(100);
		break;
	case RV_HC_multicall:
		if (nested || below(3) == 0) {
			a[0] = below(2) ? bad_ptr() : ro_ptr();
			a[1] = any_count(RV_MULTICALL_MAX, 4);
		} else {
			uint32_t n = 1 + below(RV_MULTICALL_MAX);
			for (uint32_t i = 0; i < n; i++) {
				gen_call(&mc[i].op, mc[i].args, true);
				mc[i].result = (int32_t)MC_UNSET;
			}
			a[0] = (uint32_t)mc;
			a[1] = below(16) ? n : any_count(RV_MULTICALL_MAX, n);
		}
		break;
	case RV_HC_mmu_update:
		switch (below(6)) {
		case 0: a[0] = bad_ptr(); a[1] = below(8); break;
		case 1: a[0] = ro_ptr(); a[1] = below(8); break;
		case 2: /* Random requests. Not from the scratch, which collects our
			 * results: its zeros and small numbers, read unaligned,
			 * make real requests for our own tables. */
			a[0] = (uint32_t)noise + below(sizeof(noise) - 63 * 16);
			a[1] = below(64);
			break;
		default: a[0] = (uint32_t)reqs; a[1] = any_count(RV_MMU_UPDATE_MAX, build_requests());
		}
		a[2] = out_ptr();
		break;
	case RV_HC_mmuext_op:
		a[0] = below(5) ? (uint32_t)ops : below(2) ? bad_ptr() : ro_ptr();
		a[1] = any_count(RV_MMUEXT_MAX, a[0] == (uint32_t)ops ? build_ops() : 4);
		a[2] = out_ptr();
		break;
	case RV_HC_update_va_mapping: {
		uint64_t e;
		switch (below(5)) {
		case 0: case 1: /* the first directory slots, where L1s hang */
			a[0] = SLOT1 + below(8) * 0x200000 + below(512) * PAGE_SIZE;
			e = any_pte();
			break;
		case 2: a[0] = SLOT1 + below(0x40000000); e = any_pte(); break;
		case 3: a[0] = RV_SWITCH_BASE + below(RV_SWITCH_SIZE); e = any_pte(); break;
		default: e = refused(); break;             /* anywhere, even our own pages */
		}
		a[1] = (uint32_t)e;
		a[2] = (uint32_t)(e >> 32);
		a[3] = below(8) ? below(3) : any_int();
		break;
	}
	case RV_HC_memory_op:
		a[0] = below(8) ? below(4) : any_int();
		build_reservation();
		a[1] = below(6) ? (uint32_t)&res : below(2) ? bad_ptr() : ro_ptr();
		break;
	}
}
