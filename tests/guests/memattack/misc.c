/*
 * memattack: the balloon with frames still in use, privileged instructions
 * from ring 1, and the memory hypercalls handed bad pointers and counts.
 */
#include "memattack.h"

static int32_t give_back(uint32_t *pfns, uint32_t n)
{
	struct rv_memory_reservation r = { (uint32_t)pfns, n, 0, 0 };
	return hv_memory_op(RV_MEMOP_decrease_reservation, &r);
}

void balloon_mapped(void)
{
	int32_t nr = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	int32_t max = hv_memory_op(RV_MEMOP_maximum_reservation, NULL);
	uint32_t stack_word, *mapped_va;
	uint32_t mapped = take_free_pfn(), aliased = take_free_pfn(), spare = take_free_pfn();
	uint32_t pinned = pfn_of_mfn(free_table_frame());
	uint32_t busy[] = { mapped, virt_to_pfn(&balloon_mapped), virt_to_pfn(&stack_word),
			    virt_to_pfn((void *)start_info->pt_base), virt_to_pfn(start_info),
			    virt_to_pfn((void *)start_info->p2m), pinned, aliased,
			    pfn_of_mfn(win_l1) };

	mapped_va = pfn_to_virt(mapped);
	*mapped_va = 0x5afe;
	mm_pin(1, pfn_to_mfn(pinned));
	mm_map((uint32_t)pfn_to_virt(pinned), 0);
	mm_map((uint32_t)pfn_to_virt(aliased), 0);
	mm_map(WIN, pte_make(pfn_to_mfn(aliased), PG_P));
	for (unsigned i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
		expect_rc(give_back(&busy[i], 1), -RV_EBUSY, "give back a frame in use, pfn", busy[i]);
	uint32_t beyond[] = { (uint32_t)max, 0xffffffff };
	expect_rc(give_back(&beyond[0], 1), -RV_EINVAL, "a pfn beyond the quota", beyond[0]);
	expect_rc(give_back(&beyond[1], 1), -RV_EINVAL, "pfn", beyond[1]);
	expect_rc(give_back(busy, (uint32_t)max + 1), -RV_E2BIG, "count", (uint32_t)max + 1);
	expect_rc(give_back(busy, 0xffffffff), -RV_E2BIG, "count", 0xffffffff);
	expect_rc(hv_memory_op(99, NULL), -RV_ENOSYS, "memory_op", 99);
	mm_map((uint32_t)pfn_to_virt(spare), 0);
	expect_rc(give_back(&spare, 1), 1, "an unused frame (allowed)", spare);
	expect_rc(give_back(&spare, 1), -RV_ENOENT, "the same pfn again", spare);
	expect_done("giving back frames that are mapped, pinned or tables");
	int32_t now = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	test_check(now == nr - 1 && *mapped_va == 0x5afe && peek(WIN) == 0 &&
		   mm_unpin(pfn_to_mfn(pinned)) == 0,
		   "only the unused frame went (%d -> %d pages); the others are still ours and in use",
		   nr, now);
}

/* Run one instruction with eax = a buffer of zeroes, ecx = c, edx = port
 * 0x80: it must raise #GP (or vector vec) with error code err. */
static uint8_t zeroes[16] __attribute__((aligned(16)));
#define PRIV(insn, c, vec, err)                                                              \
	do {                                                                                 \
		uint32_t a_ = (uint32_t)zeroes, c_ = (c), d_ = 0x80;                        \
		trap_reset();                                                                \
		__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\t" insn "\n2:"                 \
				 : "+a"(a_), "+c"(c_), "+d"(d_) : : "ebx", "memory");        \
		faulted(insn, vec, err);                                                     \
	} while (0)

static void faulted(const char *insn, uint32_t vec, uint32_t err)
{
	bool ok = trap_count == 1 && trap_vector == vec && trap_error == err;
	if (!ok)
		gprintf("  %s: %u traps, vector %d, error %#x\n", insn, trap_count, (int)trap_vector,
			trap_error);
	expect_rc(ok, 1, insn, err);
}

void privileged(void)
{
	PRIV("movl %%eax, %%cr3", 0, 13, 0);
	PRIV("movl %%eax, %%cr0", 0, 13, 0);
	PRIV("movl %%eax, %%cr4", 0, 13, 0);
	PRIV("movl %%cr3, %%eax", 0, 13, 0);
	PRIV("movl %%eax, %%dr7", 0, 13, 0);
	PRIV("lgdt (%%eax)", 0, 13, 0);
	PRIV("lidt (%%eax)", 0, 13, 0);
	PRIV("lldt %%cx", 0, 13, 0);
	PRIV("ltr %%cx", 0x28, 13, 0);
	PRIV("lmsw %%cx", 0, 13, 0);
	PRIV("clts", 0, 13, 0);
	PRIV("invlpg (%%eax)", 0, 13, 0);
	PRIV("wbinvd", 0, 13, 0);
	PRIV("invd", 0, 13, 0);
	PRIV("cli", 0, 13, 0);
	PRIV("sti", 0, 13, 0);
	PRIV("hlt", 0, 13, 0);
	PRIV("inb %%dx, %%al", 0, 13, 0);
	PRIV("outb %%al, %%dx", 0, 13, 0);
	PRIV("inb $0x64, %%al", 0, 13, 0);
	PRIV("outb %%al, $0xf4", 0, 13, 0);     /* the debug-exit port: would stop QEMU */
	PRIV("inl %%dx, %%eax", 0, 13, 0);
	PRIV("rdmsr", 0x1b, 13, 0);             /* APIC base */
	PRIV("wrmsr", 0xc0000080, 13, 0);       /* EFER */
	PRIV("rdpmc", 0, 13, 0);
	PRIV("sysexit", 0, 13, 0);
	PRIV("sysenter", 0, 13, 0);
	/* Ring-0 selectors: far transfers and segment loads. */
	PRIV("ljmp $0x08, $2f", 0, 13, 0x08);
	PRIV("lcall $0x08, $2f", 0, 13, 0x08);
	PRIV("movl %%ecx, %%ds", 0x10, 13, 0x10);
	PRIV("movl %%ecx, %%ss", 0x10, 13, 0x10);
	PRIV("movl %%ecx, %%es", 0x08, 13, 0x08);
	/* Interrupts through the hypervisor's gates (DPL 0). */
	PRIV("int $0x02", 0, 13, 0x02 << 3 | 2);
	PRIV("int $0x08", 0, 13, 0x08 << 3 | 2);
	PRIV("int $0x0d", 0, 13, 0x0d << 3 | 2);
	PRIV("int $0x0e", 0, 13, 0x0e << 3 | 2);
	PRIV("int $0x12", 0, 13, 0x12 << 3 | 2);
	PRIV("int $0x20", 0, 13, 0x20 << 3 | 2);
	PRIV("int $0x21", 0, 13, 0x21 << 3 | 2);
	PRIV("int $0x2f", 0, 13, 0x2f << 3 | 2);

	/* iret and lret to ring 0. */
	trap_reset();
	__asm__ volatile("pushfl\n\tpushl $0x08\n\tpushl $3f\n\tmovl $(2f - 1f), %%ebx\n"
			 "1:\tiret\n2:\taddl $12, %%esp\n3:" : : : "ebx", "memory");
	faulted("iret to ring 0", 13, 0x08);
	trap_reset();
	__asm__ volatile("pushl $0x08\n\tpushl $3f\n\tmovl $(2f - 1f), %%ebx\n"
			 "1:\tlret\n2:\taddl $8, %%esp\n3:" : : : "ebx", "memory");
	faulted("lret to ring 0", 13, 0x08);
	expect_done("privileged instructions and ring-0 transfers from ring 1");

	uint32_t before, after;
	__asm__ volatile("pushfl\n\tpopl %0\n\tmovl %0, %%ecx\n\torl $0x3000, %%ecx\n\t"
			 "xorl $0x200, %%ecx\n\tpushl %%ecx\n\tpopfl\n\tpushfl\n\tpopl %1"
			 : "=&r"(before), "=r"(after) : : "ecx", "cc");
	test_check(!(after & 0x3000) && (after & 0x200) == (before & 0x200),
		   "popf cannot raise IOPL or change IF (eflags %#x -> %#x)", before, after);
}

void bad_pointers(void)
{
	const uint32_t bad_in[] = { RV_SWITCH_BASE, 0xFFFFFFF0, UNMAPPED, 0xFFBFFFF8, 0xFFFFF000 };
	const uint32_t bad_out[] = { RV_SWITCH_BASE, UNMAPPED, start_info->pt_base, 0xFFFFFFFE };
	const char *out_what[] = { "the switch region", "an unmapped page", "our read-only PDPT",
				   "wrapping" };
	uint32_t f = free_data_frame(), g = free_table_frame();
	struct rv_mmu_update req = { pt_maddr(WIN + PAGE_SIZE, 1), pte_make(f, PG_P | PG_RW) };
	struct rv_mmuext_op pin = { RV_MMUEXT_PIN_L1_TABLE, g, 0, 0 };
	const uint32_t big[] = { RV_MMU_UPDATE_MAX + 1, 0x80000000, 0xffffffff };

	for (unsigned i = 0; i < 5; i++) {
		expect_rc(hypercall(RV_HC_mmu_update, bad_in[i], 1, 0, 0, 0), -RV_EFAULT,
			  "mmu_update requests at", bad_in[i]);
		expect_rc(hypercall(RV_HC_mmuext_op, bad_in[i], 1, 0, 0, 0), -RV_EFAULT,
			  "mmuext_op ops at", bad_in[i]);
		expect_rc(hypercall(RV_HC_multicall, bad_in[i], 1, 0, 0, 0), -RV_EFAULT,
			  "multicall at", bad_in[i]);
	}
	for (unsigned i = 0; i < 3; i++) {
		expect_rc(hv_mmu_update(&req, big[i], NULL), -RV_E2BIG, "mmu_update count", big[i]);
		expect_rc(hv_mmuext_op(&pin, big[i] == RV_MMU_UPDATE_MAX + 1 ? RV_MMUEXT_MAX + 1 :
				       big[i], NULL), -RV_E2BIG, "mmuext_op count", big[i]);
	}
	expect_done("mmu_update and mmuext_op with bad arrays or counts");
	test_check(l1e_of(WIN + PAGE_SIZE) == 0 && mm_unpin(g) < 0, "nothing was mapped or pinned");

	/* Results that cannot be written back: nothing may change either. */
	for (unsigned i = 0; i < 4; i++) {
		int r = hv_mmu_update(&req, 1, (uint32_t *)bad_out[i]);
		uint64_t e = l1e_of(WIN + PAGE_SIZE);
		test_check(r == -RV_EFAULT && e == 0,
			   "mmu_update with *done in %s: %d, the entry is %#llx (must be unchanged)",
			   out_what[i], r, (unsigned long long)e);
		mm_map(WIN + PAGE_SIZE, 0);
		r = hv_mmuext_op(&pin, 1, (uint32_t *)bad_out[i]);
		int was_pinned = mm_unpin(g) == 0;
		test_check(r == -RV_EFAULT && !was_pinned,
			   "mmuext_op PIN with *done in %s: %d, frame pinned: %s", out_what[i], r,
			   was_pinned ? "yes" : "no");
	}

	/* memory_op: the reservation, its pfn array, its mfn array. */
	int32_t nr = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	uint32_t spare = take_free_pfn(), mfn_out = 0;
	mm_map((uint32_t)pfn_to_virt(spare), 0);
	struct rv_memory_reservation res = { (uint32_t)&spare, 1, 0, 0 };
	int32_t r = hv_memory_op(RV_MEMOP_decrease_reservation, &res);
	for (unsigned i = 0; i < 5; i++) {
		expect_rc(hypercall(RV_HC_memory_op, RV_MEMOP_increase_reservation, bad_in[i], 0, 0, 0),
			  -RV_EFAULT, "increase with the reservation at", bad_in[i]);
		expect_rc(hypercall(RV_HC_memory_op, RV_MEMOP_decrease_reservation, bad_in[i], 0, 0, 0),
			  -RV_EFAULT, "decrease with the reservation at", bad_in[i]);
		res = (struct rv_memory_reservation){ bad_in[i], 1, (uint32_t)&mfn_out, 0 };
		expect_rc(hv_memory_op(RV_MEMOP_increase_reservation, &res), -RV_EFAULT,
			  "increase with pfns at", bad_in[i]);
		expect_rc(hv_memory_op(RV_MEMOP_decrease_reservation, &res), -RV_EFAULT,
			  "decrease with pfns at", bad_in[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		res = (struct rv_memory_reservation){ (uint32_t)&spare, 1, bad_out[i], 0 };
		expect_rc(hv_memory_op(RV_MEMOP_increase_reservation, &res), -RV_EFAULT,
			  "increase writing the mfns to", bad_out[i]);
	}
	res = (struct rv_memory_reservation){ (uint32_t)&spare, 0xffffffff, 0, 0 };
	expect_rc(hv_memory_op(RV_MEMOP_increase_reservation, &res), -RV_E2BIG, "count", 0xffffffff);
	res.count = (uint32_t)hv_memory_op(RV_MEMOP_maximum_reservation, NULL) + 1;
	expect_rc(hv_memory_op(RV_MEMOP_increase_reservation, &res), -RV_E2BIG, "count", res.count);
	expect_done("memory_op with bad pointers and counts");
	int32_t mid = hv_memory_op(RV_MEMOP_current_reservation, NULL);
	res = (struct rv_memory_reservation){ (uint32_t)&spare, 1, (uint32_t)&mfn_out, 0 };
	int32_t again = hv_memory_op(RV_MEMOP_increase_reservation, &res);
	test_check(r == 1 && mid == nr - 1 && again == 1 && mfn_out != 0,
		   "only the pfn given back left the reservation (%d -> %d); it was still empty (%d)", nr, mid,
		   again);

	/* A batch whose array runs from a mapped page into an unmapped one. */
	uint32_t h = free_data_frame(), done = 0xffff, applied = 0;
	mm_map(WIN2, pte_make(h, PG_P | PG_RW));
	struct rv_mmu_update *arr = (void *)(WIN2 + PAGE_SIZE - 36 * sizeof(*arr));
	for (unsigned i = 0; i < 36; i++)
		arr[i] = (struct rv_mmu_update){ pte_maddr(win_l1, 100 + i), pte_make(f, PG_P) };
	int rc = hv_mmu_update(arr, 40, &done);
	for (unsigned i = 0; i < 40; i++)
		applied += (l1e_of(WIN + (100 + i) * PAGE_SIZE) & PG_P) != 0;
	test_check(rc == -RV_EFAULT && done == applied,
		   "40 requests running into an unmapped page: %d, done %u, %u applied", rc, done,
		   applied);
}

/* A batch of pins and unpins of one L2 over 512 distinct L1s: each pin
 * validates 262,144 entries and each unpin releases them. Multicall and
 * console writes yield after a time slice (continuations); a page-table
 * batch must too, or one call keeps every other domain off the CPU. We see
 * it from inside: each time we are scheduled in, the hypervisor rewrites our
 * time info (its version goes up by 2). */
void pin_storm(void)
{
	static struct rv_mmuext_op ops[100];
	uint32_t data = free_data_frame(), l2_pfn = take_free_pfn();
	uint64_t *l2 = pfn_to_virt(l2_pfn);

	memset(l2, 0, PAGE_SIZE);
	for (unsigned n = 0; n < 512; n++) {
		uint32_t pfn = take_free_pfn();
		uint64_t *l1 = pfn_to_virt(pfn);
		for (unsigned i = 0; i < 512; i++)
			l1[i] = pte_make(data, PG_P);
		mm_make_ro(pfn);
		l2[n] = pte_make(pfn_to_mfn(pfn), PG_P | PG_RW);
	}
	mm_make_ro(l2_pfn);
	for (unsigned i = 0; i < 100; i++)
		ops[i] = (struct rv_mmuext_op){ i & 1 ? RV_MMUEXT_UNPIN_TABLE : RV_MMUEXT_PIN_L2_TABLE,
						pfn_to_mfn(l2_pfn), 0, 0 };
	uint32_t v0 = shared_info->vcpu.time.version, done = 0;
	uint64_t t0 = guest_time_ns();
	/* With our own values in esi and edi: the ABI preserves them, even
	 * across the rounds of a continued batch. */
	int r;
	uint32_t esi = 0x5e5e5e5e, edi = 0xd1d1d1d1;
	__asm__ volatile("int $0x82"
			 : "=a"(r), "+S"(esi), "+D"(edi)
			 : "a"(RV_HC_mmuext_op), "b"(ops), "c"(100), "d"(&done)
			 : "memory");
	uint32_t ms = (uint32_t)((guest_time_ns() - t0) / 1000000);
	uint32_t switches = (shared_info->vcpu.time.version - v0) / 2;
	gprintf("50 pins and unpins of 262,144 entries: %d, done %u, %u ms, scheduled in %u times\n",
		r, done, ms, switches);
	test_check(r == 0 && done == 100, "the batch completed (%d, done %u)", r, done);
	test_check(esi == 0x5e5e5e5e && edi == 0xd1d1d1d1,
		   "esi and edi preserved across its rounds (%#x, %#x)", esi, edi);
	test_check(ms < 100 || switches >= 2,
		   "a call that ran %u ms (10 ms slices) let the others run: we were scheduled in "
		   "%u times during it", ms, switches);
}

/*
 * Continued calls (issue 11, finding 5). With 1 ms slices a 4096-entry
 * mmu_update takes several rounds; the guest must see one call: every
 * register but eax as it went in, *done written, every update applied; and
 * the same as the entry of a multicall (one entry or two), where the
 * hypervisor once rewrote the multicall's own frame: the multicall returned
 * 0 with the entry's result set to the call number, *done never written and
 * a tail of the batch dropped, or re-ran int $0x82 as another call.
 */
static struct rv_mmu_update big[RV_MMU_UPDATE_MAX];

/* int $0x82 with our own values in every argument register; *same says
 * whether they all came back. */
static int32_t call_regs(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, bool *same)
{
	uint32_t b = a1, c = a2, d = a3, s = 0x5e5e5e5e, di = 0xd1d1d1d1;
	int32_t r;
	__asm__ volatile("int $0x82"
			 : "=a"(r), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(di)
			 : "0"(nr)
			 : "memory");
	*same = b == a1 && c == a2 && d == a3 && s == 0x5e5e5e5e && di == 0xd1d1d1d1;
	if (!*same)
		gprintf("  registers after the call: ebx %#x ecx %#x edx %#x esi %#x edi %#x\n", b, c, d,
			s, di);
	return r;
}

static uint64_t int82_entries(void)
{
	static struct rv_domain_stats st;
	if (hypercall(RV_HC_domain_stats, (uint32_t)&st, sizeof(st), 0, 0, 0))
		test_error("domain_stats failed");
	return st.hypercalls;
}

/* The window's 512 entries, eight times over: unmapped, then f read-only,
 * ...; the last pass maps them. */
static void fill_big(uint32_t f, uint32_t tag)
{
	for (unsigned i = 0; i < RV_MMU_UPDATE_MAX; i++) {
		unsigned pass = i / 512;
		big[i].ptr = pte_maddr(win_l1, i % 512);
		big[i].val = pass % 2 ? pte_make(f, PG_P | (tag & 1 ? PG_US : 0)) : 0;
	}
}

static bool all_mapped(uint32_t f, uint32_t tag)
{
	for (unsigned i = 0; i < 512; i++)
		if (l1e_of(WIN + i * PAGE_SIZE) != pte_make(f, PG_P | (tag & 1 ? PG_US : 0)))
			return false;
	return true;
}

void continuations(void)
{
	uint32_t f = free_data_frame();
	bool same;

	/* 1. A plain batch. */
	fill_big(f, 0);
	uint32_t done = 0xdead;
	uint64_t e0 = int82_entries();
	int32_t r = call_regs(RV_HC_mmu_update, (uint32_t)big, RV_MMU_UPDATE_MAX, (uint32_t)&done,
			      &same);
	uint64_t rounds = int82_entries() - e0 - 1;
	gprintf("mmu_update of %u entries: %d, done %u, %llu rounds\n", RV_MMU_UPDATE_MAX, r, done,
		(unsigned long long)rounds);
	test_check(r == 0 && done == RV_MMU_UPDATE_MAX && all_mapped(f, 0) && same && rounds > 1,
		   "a batch continued over %llu rounds is one call: 0, *done %u, every update "
		   "applied, every register kept", (unsigned long long)rounds, done);

	/* 2. The same batch as the first of two multicall entries. */
	static struct rv_multicall_entry m[2];
	fill_big(f, 1);
	done = 0xdead;
	m[0] = (struct rv_multicall_entry){ .op = RV_HC_mmu_update,
		.args = { (uint32_t)big, RV_MMU_UPDATE_MAX, (uint32_t)&done }, .result = 77 };
	m[1] = (struct rv_multicall_entry){ .op = RV_HC_version, .args = { RV_VERSION_version },
		.result = 77 };
	e0 = int82_entries();
	r = call_regs(RV_HC_multicall, (uint32_t)m, 2, 0x12345678, &same);
	rounds = int82_entries() - e0 - 1;
	int32_t version = hv_version(RV_VERSION_version);
	gprintf("multicall [mmu_update of %u, version]: %d, results %d %d, done %u, %llu rounds\n",
		RV_MMU_UPDATE_MAX, r, m[0].result, m[1].result, done, (unsigned long long)rounds);
	test_check(r == 0 && m[0].result == 0 && m[1].result == version &&
		   done == RV_MMU_UPDATE_MAX && all_mapped(f, 1) && same && rounds > 1,
		   "inside a multicall the entry is continued: each entry its own result, *done "
		   "written, every update applied, every register kept");

	/* 3. A multicall of that one entry. */
	fill_big(f, 0);
	done = 0xdead;
	m[0].result = 77;
	r = call_regs(RV_HC_multicall, (uint32_t)m, 1, 0, &same);
	test_check(r == 0 && m[0].result == 0 && done == RV_MMU_UPDATE_MAX && all_mapped(f, 0) &&
		   same, "a one-entry multicall of it: %d, result %d, done %u", r, m[0].result, done);

	/* Leave the window empty. */
	for (unsigned i = 0; i < 512; i++)
		big[i] = (struct rv_mmu_update){ pte_maddr(win_l1, i), 0 };
	test_check(hv_mmu_update(big, 512, NULL) == 0 && l1e_of(WIN) == 0, "the window emptied");
}
