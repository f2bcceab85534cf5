/*
 * memattack: our own page tables, attacked through the entries the
 * hypervisor validates (writable aliases, self-maps, large pages, reserved
 * bits, the switch region, things that are not tables).
 */
#include "memattack.h"

/* Our tables: the PDPT, its four directories, the L1 mapping our code, WIN's L1. */
static unsigned own_tables(uint32_t *mfn)
{
	unsigned n = 0;
	mfn[n++] = mm_base_mfn();
	for (unsigned s = 0; s < 4; s++)
		mfn[n++] = pte_mfn(pt_read(s << 30, 3));
	mfn[n++] = pte_mfn(pt_read((uint32_t)&own_tables, 2));
	mfn[n++] = win_l1;
	return n;
}

void pt_writable(void)
{
	uint32_t t[8];
	unsigned n = own_tables(t), ro = 0;

	for (unsigned i = 0; i < n; i++) {
		expect_rc(mm_map(WIN, pte_make(t[i], PG_P | PG_RW)), -RV_EBUSY, "update_va_mapping",
			  t[i]);
		expect_rc(mm_update(pte_maddr(win_l1, 1), pte_make(t[i], PG_P | PG_RW)), -RV_EBUSY,
			  "mmu_update", t[i]);
		expect_rc(mm_make_rw(pfn_of_mfn(t[i])), -RV_EBUSY, "its own address read-write", t[i]);
		ro += mm_map(WIN + 2 * PAGE_SIZE, pte_make(t[i], PG_P)) == 0;
	}
	expect_done("our page tables mapped writable");
	trap_reset();
	poke(start_info->pt_base, 0);
	test_check(ro == n && trap_count == 1 && trap_error == 3 && !(l1e_of(WIN) & PG_P),
		   "read-only mappings of them are fine (%u of %u); writing the PDPT is still #PF %#x",
		   ro, n, trap_error);
}

void alias_pin(void)
{
	uint32_t f = free_data_frame(), g = free_table_frame();
	uint64_t pde = pt_maddr(WIN3, 2);

	/* A frame mapped writable (at WIN and in the linear map) is no table. */
	mm_map(WIN, pte_make(f, PG_P | PG_RW));
	expect_rc(mm_pin(1, f), -RV_EBUSY, "pin L1 while mapped writable twice", f);
	expect_rc(mm_pin(2, f), -RV_EBUSY, "pin L2", f);
	expect_rc(mm_update(pde, pte_make(f, PG_P | PG_RW | PG_US)), -RV_EBUSY, "use in a PDE", f);
	mm_map(WIN, 0);
	expect_rc(mm_pin(1, f), -RV_EBUSY, "pin L1 while still writable in the linear map", f);
	/* The other order: a pinned table cannot become writable. */
	int pin = mm_pin(1, g);
	expect_rc(mm_map(WIN, pte_make(g, PG_P | PG_RW)), -RV_EBUSY, "map a pinned L1 writable", g);
	expect_rc(mm_update(pte_maddr(win_l1, 3), pte_make(g, PG_P | PG_RW)), -RV_EBUSY,
		  "mmu_update it writable", g);
	expect_rc(mm_make_rw(pfn_of_mfn(g)), -RV_EBUSY, "its own address read-write", g);
	expect_refused(mm_pin(2, g), "pin it again as L2", g);
	expect_done("writable aliases of tables");
	trap_reset();
	poke((uint32_t)mfn_to_virt(g), 1);
	int unpin = mm_unpin(g);
	test_check(pin == 0 && trap_count == 1 && unpin == 0 && mm_make_rw(pfn_of_mfn(g)) == 0,
		   "the pinned L1 (%d) stayed read-only (%u faults); once unpinned (%d) it is data "
		   "again", pin, trap_count, unpin);
}

void self_map(void)
{
	uint32_t pfn[4], mfn[4];
	for (unsigned i = 0; i < 4; i++) {
		pfn[i] = take_free_pfn();
		mfn[i] = pfn_to_mfn(pfn[i]);
		memset(pfn_to_virt(pfn[i]), 0, PAGE_SIZE);
	}
	uint64_t *l1 = pfn_to_virt(pfn[0]), *l2 = pfn_to_virt(pfn[1]);
	uint64_t *l2b = pfn_to_virt(pfn[2]), *l1b = pfn_to_virt(pfn[3]);
	l1[7] = pte_make(mfn[0], PG_P | PG_RW);         /* an L1 mapping itself writable */
	l2[9] = pte_make(mfn[1], PG_P | PG_RW);         /* an L2 that is its own L1 */
	l2b[0] = pte_make(mfn[3], PG_P | PG_RW);        /* an L2 whose L1 maps the L2 writable */
	l1b[0] = pte_make(mfn[2], PG_P | PG_RW);
	for (unsigned i = 0; i < 4; i++)
		mm_make_ro(pfn[i]);

	expect_rc(mm_pin(1, mfn[0]), -RV_EBUSY, "pin an L1 that maps itself writable", mfn[0]);
	expect_rc(mm_update(pt_maddr(WIN3, 2), pte_make(mfn[0], PG_P | PG_RW)), -RV_EBUSY,
		  "put it in a PDE", mfn[0]);
	expect_rc(mm_pin(2, mfn[1]), -RV_EBUSY, "pin an L2 that is its own L1", mfn[1]);
	expect_rc(mm_pin(2, mfn[2]), -RV_EBUSY, "pin an L2 whose L1 maps it writable", mfn[2]);
	expect_done("self-mapping tables");
	unsigned data = 0;
	for (unsigned i = 0; i < 4; i++)
		data += mm_make_rw(pfn[i]) == 0;
	l1[7] = pte_make(mfn[0], PG_P);                 /* read-only: a legitimate self-map */
	mm_make_ro(pfn[0]);
	int ok = mm_pin(1, mfn[0]);
	test_check(data == 4 && pt_read(WIN3, 2) == 0 && ok == 0 && mm_unpin(mfn[0]) == 0,
		   "none was left half-validated (%u of 4 writable again); a read-only self-map pins "
		   "(%d)", data, ok);
}

void large_page(void)
{
	uint64_t pde = pt_maddr(WIN3, 2);
	uint32_t mine = free_data_frame() & ~511u;
	const uint32_t targets[] = { 0, 0x200, mine, win_l1 };

	for (unsigned i = 0; i < 4; i++) {
		expect_rc(mm_update(pde, pte_make(targets[i], PG_P | PG_RW | PG_US | PG_PS)),
			  -RV_EINVAL, "a 2 MiB page in a PDE", targets[i]);
		expect_rc(mm_update(pde, pte_make(targets[i], PG_P | PG_PS)), -RV_EINVAL,
			  "read-only", targets[i]);
	}
	uint32_t pfn = take_free_pfn();
	uint64_t *t = pfn_to_virt(pfn);
	memset(t, 0, PAGE_SIZE);
	t[100] = pte_make(0x200, PG_P | PG_RW | PG_PS);
	mm_make_ro(pfn);
	expect_rc(mm_pin(2, pfn_to_mfn(pfn)), -RV_EINVAL, "pin an L2 holding one", pfn_to_mfn(pfn));
	expect_done("large pages");
	trap_reset();
	peek(WIN3);
	test_check(pt_read(WIN3, 2) == 0 && trap_count == 1 && trap_vector == 14,
		   "the directory entry stayed empty (reading it faults: %u)", trap_count);
}

void reserved_bits(void)
{
	uint32_t f = free_data_frame();
	const unsigned bits[] = { 52, 55, 58, 62 };

	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = pte_make(f, PG_P | PG_RW) | (1ull << bits[i]);
		expect_rc(mm_map(WIN, e), -RV_EINVAL, "update_va_mapping, bit", bits[i]);
		expect_rc(mm_update(pte_maddr(win_l1, 0), e), -RV_EINVAL, "mmu_update, bit", bits[i]);
		expect_rc(mm_update(pt_maddr(WIN3, 2), pte_make(win_l1, PG_P) | (1ull << bits[i])),
			  -RV_EINVAL, "a PDE, bit", bits[i]);
	}
	/* A PDPTE takes only P, PWT, PCD and the address. */
	uint32_t l2 = pte_mfn(pt_read(WIN, 3));
	const uint64_t l3bad[] = { PG_RW, PG_US, PG_PS, PG_NX, PG_A };
	for (unsigned i = 0; i < 5; i++)
		expect_rc(mm_update(pt_maddr(WIN, 3), pte_make(l2, PG_P) | l3bad[i]), -RV_EINVAL,
			  "PDPTE flag", (uint32_t)(l3bad[i] >> 32 | l3bad[i]));
	uint32_t pfn = take_free_pfn();
	uint64_t *t = pfn_to_virt(pfn);
	memset(t, 0, PAGE_SIZE);
	t[300] = pte_make(f, PG_P) | (1ull << 60);
	mm_make_ro(pfn);
	expect_rc(mm_pin(1, pfn_to_mfn(pfn)), -RV_EINVAL, "pin an L1 holding one", 60);
	expect_done("reserved bits");
	test_check(l1e_of(WIN) == 0 && pte_mfn(pt_read(WIN, 3)) == l2 && pt_read(WIN, 2) != 0,
		   "nothing changed");
}

void switch_region(void)
{
	const uint32_t vas[] = { RV_SWITCH_BASE, 0xFFDFF000, 0xFFE00000, 0xFFFFF000 };
	uint32_t f = free_data_frame();
	uint64_t slot = pt_maddr(RV_SWITCH_BASE, 2), l3e = pt_maddr(RV_SWITCH_BASE, 3);

	for (unsigned i = 0; i < 4; i++)
		expect_rc(mm_map(vas[i], pte_make(f, PG_P | PG_RW)), -RV_EPERM, "update_va_mapping",
			  vas[i]);
	expect_rc(mm_map(0xFFFFF000, 0), -RV_EPERM, "unmap", 0xFFFFF000);
	expect_rc(mm_update(slot, 0), -RV_EPERM, "clear slot 510", 510);
	expect_rc(mm_update(slot, pte_make(win_l1, PG_P | PG_RW | PG_US)), -RV_EPERM,
		  "our L1 in slot 510", 510);
	expect_rc(mm_update(slot + 8, pte_make(win_l1, PG_P | PG_RW | PG_US)), -RV_EPERM,
		  "our L1 in slot 511", 511);
	expect_rc(mm_update(l3e, 0), -RV_EPERM, "empty PDPT slot 3", 3);
	expect_done("entries for the switch region");

	/* A copy of our top directory with our own L1 in slot 510, mapping f
	 * at 0xFFC00000 for ring 3: the hypervisor must put its own back. */
	uint32_t l2h = pte_mfn(pt_read(RV_SWITCH_BASE, 3));
	const volatile uint64_t *old = mfn_to_virt(l2h);
	uint32_t pfn = take_free_pfn(), mfn = pfn_to_mfn(pfn);
	uint64_t *t = pfn_to_virt(pfn);
	for (unsigned i = 0; i < 510; i++)
		t[i] = old[i];
	t[510] = pte_make(win_l1, PG_P | PG_RW | PG_US);
	t[511] = pte_make(win_l1, PG_P | PG_RW | PG_US);
	mm_map(WIN, pte_make(f, PG_P | PG_RW | PG_US));
	mm_make_ro(pfn);
	uint32_t gdt0 = peek(RV_SWITCH_BASE + 8);
	int r = mm_update(l3e, pte_make(mfn, PG_P));
	uint64_t e510 = t[510], e511 = t[511];
	uint32_t now = peek(RV_SWITCH_BASE + 8);
	int back = mm_update(l3e, pte_make(l2h, PG_P));
	test_check(r == 0 && pte_mfn(e510) == switch_l1_mfn && !(e510 & PG_US) && e511 == 0 &&
		   now == gdt0 && back == 0,
		   "a top directory with our L1 in the switch slots is used (%d) with the "
		   "hypervisor's instead (%#llx, %#llx): 0xFFC00008 still reads %#x", r,
		   (unsigned long long)e510, (unsigned long long)e511, now);
}

void not_a_table(void)
{
	uint32_t data = free_data_frame(), spare = free_table_frame(), foreign = HV_MFN + 1;
	uint64_t good = pte_make(data, PG_P), l1e = pte_maddr(win_l1, 4);
	uint32_t *d = mfn_to_virt(data);

	d[0] = 0x600d;
	while (own_mfn(foreign))
		foreign++;
	expect_rc(mm_update(pte_maddr(data, 0), good), -RV_EINVAL, "a data frame", data);
	expect_rc(mm_update(pte_maddr(spare, 0), good), -RV_EINVAL, "an unused frame", spare);
	expect_rc(mm_update(pte_maddr(shared_mfn, 0), good), -RV_EINVAL, "the shared info", shared_mfn);
	expect_rc(mm_update(pte_maddr(foreign, 0), good), -RV_EPERM, "not ours", foreign);
	expect_rc(mm_update(l1e | 1, good), -RV_EINVAL, "command 1", 1);
	expect_rc(mm_update(l1e | 2, good), -RV_EINVAL, "command 2", 2);
	expect_rc(mm_update(l1e | 4, good), -RV_EINVAL, "misaligned", 4);
	expect_rc(mm_update(l1e | (1ull << 44), good), -RV_EINVAL, "beyond 16 TiB", 44);
	expect_rc(mm_update(l1e | (1ull << 63), good), -RV_EINVAL, "bit 63", 63);
	expect_rc(mm_update(pte_maddr(mm_base_mfn(), 4), 0), -RV_EINVAL, "PDPT entry 4", 4);
	expect_rc(mm_update(pte_maddr(mm_base_mfn(), 511), 0), -RV_EINVAL, "PDPT entry 511", 511);
	expect_done("mmu_update on things that are not page-table entries");
	test_check(d[0] == 0x600d && d[1] == 0 && l1e_of(WIN + 4 * PAGE_SIZE) == 0,
		   "the data frame is unchanged, the real entry too");
}

/* docs/paging.md: no TLB shootdown is needed because "nothing of a guest
 * address space is global", so the CR3 reload on every exit flushes it. A
 * guest PTE with the global bit would break that: its translation would
 * survive the reload (on hardware; QEMU flushes everything on a CR3 write),
 * still writable after the frame became a table or went to another domain. */
void global_page(void)
{
	uint32_t f = free_data_frame(), pfn = take_free_pfn();
	int r1 = mm_map(WIN, pte_make(f, PG_P | PG_RW | PG_G));
	uint64_t e1 = l1e_of(WIN);
	int r2 = mm_update(pt_maddr(WIN + PAGE_SIZE, 1), pte_make(f, PG_P | PG_RW | PG_G));
	uint64_t e2 = l1e_of(WIN + PAGE_SIZE);
	uint64_t *t = pfn_to_virt(pfn);
	memset(t, 0, PAGE_SIZE);
	t[0] = pte_make(f, PG_P | PG_RW | PG_G);
	mm_make_ro(pfn);
	int r3 = mm_pin(1, pfn_to_mfn(pfn));
	test_check(r1 < 0 || !(e1 & PG_G), "update_va_mapping with the global bit: %d, entry %#llx",
		   r1, (unsigned long long)e1);
	test_check(r2 < 0 || !(e2 & PG_G), "mmu_update with the global bit: %d, entry %#llx", r2,
		   (unsigned long long)e2);
	test_check(r3 < 0 || !(t[0] & PG_G), "pinning an L1 holding one: %d, entry %#llx", r3,
		   (unsigned long long)t[0]);
}

/*
 * Address bits the CPU lacks (issue 11, finding 1): bits 40-51 over one of
 * our own frames must be refused in a PTE (update_va_mapping and
 * mmu_update), a PDE and a PDPTE; the hypervisor once cut frame numbers to
 * 32 bits before the owner check, so bit 44 over our frame passed as that
 * frame. Non-present entries (finding 2, L1TF): an address that is not our
 * own frame is refused too; our own frame, or none, is accepted.
 */
void address_width(void)
{
	uint32_t f = free_data_frame();
	uint32_t l2 = pte_mfn(pt_read(WIN, 3));
	const unsigned bits[] = { 40, 43, 44, 47, 51 };

	for (unsigned i = 0; i < 5; i++) {
		uint64_t hi = 1ull << bits[i];
		expect_refused(mm_map(WIN, pte_make(f, PG_P | PG_RW) | hi), "update_va_mapping, bit",
			       bits[i]);
		expect_refused(mm_update(pte_maddr(win_l1, 0), pte_make(f, PG_P) | hi),
			       "mmu_update PTE, bit", bits[i]);
		expect_refused(mm_update(pt_maddr(WIN3, 2), pte_make(win_l1, PG_P | PG_RW) | hi),
			       "a PDE, bit", bits[i]);
		expect_refused(mm_update(pt_maddr(WIN, 3), pte_make(l2, PG_P) | hi), "a PDPTE, bit",
			       bits[i]);
		expect_refused(mm_map(WIN, pte_make(f, PG_RW) | hi), "not present, own frame, bit",
			       bits[i]);
	}
	/* (Address 0 is "no address": frame 0 cannot be told from an empty
	 * entry, and holds nothing of anyone's.) */
	const uint32_t foreign[] = { HV_MFN, HV_MFN + 1, switch_l1_mfn, SCAN_END - 1 };
	for (unsigned i = 0; i < 4; i++) {
		if (own_mfn(foreign[i]))
			continue;
		expect_rc(mm_map(WIN, pte_make(foreign[i], PG_RW)), -RV_EPERM,
			  "not present, not our frame", foreign[i]);
		expect_rc(mm_update(pte_maddr(win_l1, 1), pte_make(foreign[i], 0)), -RV_EPERM,
			  "mmu_update not present, not our frame", foreign[i]);
		expect_rc(mm_update(pt_maddr(WIN3, 2), pte_make(foreign[i], PG_RW)), -RV_EPERM,
			  "a PDE not present, not our frame", foreign[i]);
	}
	expect_done("address bits beyond the CPU and not-present foreign frames");
	test_check(l1e_of(WIN) == 0 && pt_read(WIN3, 2) == 0 && pte_mfn(pt_read(WIN, 3)) == l2,
		   "nothing changed");
	/* Our own frame, not present, is ours to keep there (PROT_NONE). */
	int a = mm_map(WIN, pte_make(f, PG_RW));
	int b = mm_map(WIN, 0x6);
	int c = mm_map(WIN, 0);
	test_check(a == 0 && b == 0 && c == 0, "not-present entries with our frame or none: %d %d %d",
		   a, b, c);
}
