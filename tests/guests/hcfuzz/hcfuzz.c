/*
 * A seeded, reproducible hypercall fuzzer. It proves that no sequence of
 * hypercalls with hostile arguments (random numbers and values, pointers
 * into its scratch buffer, the switch region, unmapped pages, its read-only
 * page tables; page-table updates of every kind) panics or hangs the
 * hypervisor, hurts the bystanders beside it, or changes the fuzzer's own
 * memory or mappings behind its back. tests.cfg runs four of them with two
 * checksum bystanders; each prints its seed ("seed=N calls=M" on the command
 * line makes the same sequence of calls again), how many calls it made and how each class of
 * result was returned, then checks its code, a canary area and its own page
 * tables against a snapshot taken at the start.
 *
 * It must not destroy itself on purpose, so every value it hands over is
 * random only where that is harmless: no shutdown or block, no random
 * callbacks or trap handlers, no writable mapping of its own frames outside
 * a pool of free frames, successful page-table changes only under PDPT
 * slot 1 (the scratch window, empty at boot) or in pool frames, output
 * pointers never into its own memory, and only refused values for its real
 * tables. Everything else the hypervisor must refuse by itself.
 */
#include "hcfuzz.h"

#define CANARY  64                      /* pages of pattern nobody may write */
#define MAXE    127                     /* errno classes */

uint32_t pool_pfn[POOL], pool_mfn[POOL], win_l1, slot1_l2, base_l3, tables[16], ntables;
uint32_t own_lo, own_hi;
uint8_t own_map[1u << 17];
uint8_t scratch[16384] __attribute__((aligned(64)));
uint8_t noise[1024];
static uint32_t canary_pfn;
static uint64_t pt_snapshot[16][512];
static uint32_t data_marker = 0x600d;   /* first in .data: code and rodata lie below */
static uint64_t n_direct, n_multi, n_ok, n_err[MAXE + 1], n_other;
static uint64_t ok_by_nr[RV_HC_count + 1];      /* successes per call (last: unknown) */

static void count(uint32_t nr, int32_t r)
{
	if (r >= 0) {
		n_ok++;
		ok_by_nr[nr < RV_HC_count ? nr : RV_HC_count]++;
	} else if (r >= -MAXE) {
		n_err[-r]++;
	} else {
		n_other++;
	}
}

static void one_call(void)
{
	uint32_t nr, a[5];
	gen_call(&nr, a, false);
	int32_t r = hypercall(nr, a[0], a[1], a[2], a[3], a[4]);
	n_direct++;
	count(nr, r);
	if (nr == RV_HC_multicall && a[0] == (uint32_t)mc && r == 0)
		for (uint32_t i = 0; i < a[1] && i < RV_MULTICALL_MAX; i++)
			if (mc[i].result != (int32_t)MC_UNSET) {
				n_multi++;
				count(mc[i].op, mc[i].result);
			}
}

/* ---- setup and the end ---- */

static uint32_t checksum(const void *p, uint32_t len)
{
	const uint32_t *w = p;
	uint32_t s = 0;
	for (uint32_t i = 0; i < len / 4; i++)
		s = (s << 5 | s >> 27) ^ w[i];
	return s;
}

/* Our tables at boot: slot 0-3 directories, their L1s (not the window's). */
static void snapshot(bool compare, unsigned *diff)
{
	uint32_t first = (start_info->pt_base - start_info->virt_base) / PAGE_SIZE;
	for (uint32_t i = 0; i < ntables; i++) {
		const volatile uint64_t *t = pfn_to_virt(first + i);
		if (tables[i] == slot1_l2)
			continue;                       /* the window's directory */
		for (unsigned j = 0; j < 512; j++) {
			uint64_t e = t[j] & ~(PG_A | PG_D);
			if (!compare)
				pt_snapshot[i][j] = e;
			else if (pt_snapshot[i][j] != e && (*diff)++ < 4)
				gprintf("  table %#x entry %u: %#llx, was %#llx\n", tables[i], j,
					(unsigned long long)e, (unsigned long long)pt_snapshot[i][j]);
		}
	}
}

/* "name=N" from the command line, or dflt. */
static uint32_t option(const char *name, uint32_t dflt)
{
	size_t n = strlen(name);
	for (const char *c = start_info->cmdline; *c; c++) {
		if ((c != start_info->cmdline && c[-1] != ' ') || memcmp(c, name, n) || c[n] != '=')
			continue;
		uint32_t v = 0;
		for (c += n + 1; *c >= '0' && *c <= '9'; c++)
			v = v * 10 + (uint32_t)(*c - '0');
		return v;
	}
	return dflt;
}

static uint32_t code_sum, boot_sum, code_end;

static uint32_t boot_pages_sum(void)
{
	uint32_t p2m_len = (start_info->nr_pages * 4 + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return checksum(start_info, PAGE_SIZE) ^ checksum((void *)start_info->p2m, p2m_len);
}

static void setup(void)
{
	const uint32_t *p2m = (const uint32_t *)start_info->p2m;
	for (uint32_t i = 0; i < start_info->nr_pages; i++)
		own_map[p2m[i] / 8] |= (uint8_t)(1u << (p2m[i] % 8));
	uint32_t shared = pte_mfn(l1e_of(start_info->shared_info));
	own_map[shared / 8] |= (uint8_t)(1u << (shared % 8));
	own_lo = start_info->virt_base;
	own_hi = own_lo + (start_info->nr_pages + 1) * PAGE_SIZE;
	base_l3 = mm_base_mfn();
	uint32_t first = (start_info->pt_base - start_info->virt_base) / PAGE_SIZE;
	for (ntables = 0; ntables < start_info->nr_pt_frames && ntables < 16; ntables++)
		tables[ntables] = pfn_to_mfn(first + ntables);
	slot1_l2 = pte_mfn(pt_read(SLOT1, 3));
	if (mm_window(SLOT1, &win_l1))
		test_error("cannot hang the window's L1");
	/* The pool: free frames with no mapping at all. */
	for (unsigned i = 0; i < POOL; i++) {
		pool_pfn[i] = take_free_pfn();
		pool_mfn[i] = pfn_to_mfn(pool_pfn[i]);
		memset(pfn_to_virt(pool_pfn[i]), 0, PAGE_SIZE);
		if (mm_map((uint32_t)pfn_to_virt(pool_pfn[i]), 0))
			test_error("cannot unmap pool frame %u", i);
	}
	canary_pfn = take_free_pfn();
	for (unsigned i = 1; i < CANARY; i++)
		take_free_pfn();
	uint32_t *w = pfn_to_virt(canary_pfn);
	for (uint32_t i = 0; i < CANARY * PAGE_SIZE / 4; i++)
		w[i] = i * 2654435761u;
	code_end = (uint32_t)&data_marker & ~(PAGE_SIZE - 1);
	if (code_end <= (uint32_t)&guest_main || data_marker != 0x600d)
		test_error("cannot find the end of code and rodata");
	code_sum = checksum((void *)(own_lo + PAGE_SIZE), code_end - own_lo - PAGE_SIZE);
	boot_sum = boot_pages_sum();
	snapshot(false, NULL);
}

static const char *errno_name(unsigned e)
{
	static const struct { unsigned e; const char *n; } names[] = {
		{ RV_EPERM, "EPERM" }, { RV_ENOENT, "ENOENT" }, { RV_E2BIG, "E2BIG" },
		{ RV_EBADF, "EBADF" }, { RV_ENOMEM, "ENOMEM" }, { RV_EFAULT, "EFAULT" },
		{ RV_EBUSY, "EBUSY" }, { RV_EEXIST, "EEXIST" }, { RV_EINVAL, "EINVAL" },
		{ RV_ENOSPC, "ENOSPC" }, { RV_ENOSYS, "ENOSYS" }, { RV_EALREADY, "EALREADY" },
	};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return "?";
}

void guest_main(void)
{
	uint32_t seed = option("seed", 1), calls = option("calls", 20000), min = option("min", 0);
	rng_seed(seed);
	gprintf("hcfuzz: seed=%u calls=%u\n", seed, calls);
	setup();
	for (unsigned i = 0; i < sizeof(scratch) / 4; i++)
		((uint32_t *)scratch)[i] = rnd();
	for (unsigned i = 0; i < sizeof(noise) / 4; i++)
		((uint32_t *)noise)[i] = rnd();

	uint64_t t0 = guest_time_ns();
	for (uint32_t i = 0; i < calls; i++) {
		one_call();
		if (i % 16 == 0) {
			((uint32_t *)scratch)[below(sizeof(scratch) / 4)] = rnd();
			((uint32_t *)noise)[below(sizeof(noise) / 4)] = rnd();
		}
	}
	uint64_t ms = (guest_time_ns() - t0) / 1000000;

	gprintf("hcfuzz: %llu hypercalls (%llu trapping, %llu inside multicalls) in %llu ms\n",
		(unsigned long long)(n_direct + n_multi), (unsigned long long)n_direct,
		(unsigned long long)n_multi, (unsigned long long)ms);
	gprintf("  result >= 0 %12llu\n", (unsigned long long)n_ok);
	for (unsigned e = 1; e <= MAXE; e++)
		if (n_err[e])
			gprintf("  -%-10s %12llu\n", errno_name(e), (unsigned long long)n_err[e]);
	if (n_other)
		gprintf("  other      %12llu\n", (unsigned long long)n_other);
	gprintf("  successes of the memory calls: mmu_update %llu, mmuext_op %llu, "
		"update_va_mapping %llu, memory_op %llu\n",
		(unsigned long long)ok_by_nr[RV_HC_mmu_update],
		(unsigned long long)ok_by_nr[RV_HC_mmuext_op],
		(unsigned long long)ok_by_nr[RV_HC_update_va_mapping],
		(unsigned long long)ok_by_nr[RV_HC_memory_op]);

	unsigned diff = 0, bad_canary = 0;
	snapshot(true, &diff);
	const uint32_t *w = pfn_to_virt(canary_pfn);
	for (uint32_t i = 0; i < CANARY * PAGE_SIZE / 4; i++)
		bad_canary += w[i] != i * 2654435761u;
	test_check(n_direct == calls && n_direct + n_multi >= min && n_other == 0,
		   "%llu hypercalls made (at least %u asked), every result 0, a count or an errno",
		   (unsigned long long)(n_direct + n_multi), min);
	test_check(checksum((void *)(own_lo + PAGE_SIZE), code_end - own_lo - PAGE_SIZE) == code_sum,
		   "code and read-only data (%u KiB) unchanged", (code_end - own_lo) / 1024);
	test_check(boot_pages_sum() == boot_sum && bad_canary == 0,
		   "start info, p2m and %u canary pages unchanged (%u words differ)", CANARY,
		   bad_canary);
	test_check(diff == 0, "our own page tables are as at boot outside the window (%u entries "
		   "differ)", diff);
}
