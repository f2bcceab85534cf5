/*
 * Every grant operation done wrongly, from both sides, beside a bystander
 * (domain 3). "hostile" (domain 1) maps, copies and unmaps what
 * "accomplice" (domain 2) grants; the accomplice grants what may not be
 * granted and ends and rewrites grants in use. Each refusal must come with
 * its documented error and change nothing. Then the accomplice powers off
 * while the hostile maps one of its pages (the page stays, intact, until
 * the hostile dies with it mapped), and the hypervisor's count of free
 * frames at the end says nothing leaked.
 *
 * The accomplice's refs:
 *   0 read-write page, 1 read-only page, 2 a page granted to domain 3,
 *   3 one of its page tables, 4 its start info, 5 its shared info,
 *   6 its grant-table frame, 7 the hypervisor's switch-region L1,
 *   8 a frame past the end of RAM, 9 a page it rewrites while mapped,
 *   10 nothing, 11 a read-only page (for exhausting the map slots),
 *   12 frame 1 (firmware's, the hypervisor's), 13 a page it gave back.
 */
#include "grant_test.h"

#define HOSTILE         1
#define ACCOMPLICE      2
#define BYSTANDER       3

static uint32_t pattern(uint32_t i, uint32_t salt)
{
	return i * 2246822519u ^ salt;
}

static int32_t map(uint32_t dom, uint32_t ref, uint32_t va, uint32_t flags)
{
	uint32_t h;
	return guest_gnt_map((uint16_t)dom, ref, va, flags, &h);
}

void accomplice_main(void)
{
	uint32_t m[14];
	uint32_t *p0 = own_page(&m[0]), *p1 = own_page(&m[1]);
	uint32_t p10_mfn, *p9;
	int rc;

	if ((rc = guest_grant_setup(TABLE_VA)))
		test_error("grant table setup: %d", rc);
	own_page(&m[2]);
	m[3] = take_table_frame();
	if (mm_pin(1, m[3]))
		test_error("cannot pin an L1");
	m[4] = virt_to_mfn(start_info);
	m[5] = pte_mfn(l1e_of(start_info->shared_info));
	m[6] = pte_mfn(l1e_of(TABLE_VA));
	m[7] = pte_mfn(pt_read(RV_SWITCH_BASE, 2));
	m[8] = 0x7ffffff0u;
	p9 = own_page(&m[9]);
	own_page(&p10_mfn);
	own_page(&m[11]);
	m[12] = 1;
	uint32_t *p13 = own_page(&m[13]);
	for (uint32_t i = 0; i < 1024; i++) {
		p0[i] = pattern(i, 0);
		p1[i] = pattern(i, 1);
		p9[i] = pattern(i, 9);
	}
	for (uint32_t r = 0; r < 14; r++)
		if (r != 10 && gnt_grant_ref(&guest_gnt, r, r == 2 ? BYSTANDER : HOSTILE, m[r],
					     r == 1 || r == 5 || r == 11) != (int32_t)r)
			test_error("cannot grant ref %u", r);
	/* 13: granted, then given back: the entry names a frame no longer ours. */
	uint32_t pfn13 = virt_to_pfn(p13);
	if (mm_map((uint32_t)p13, 0))
		test_error("cannot unmap a page");
	struct rv_memory_reservation res = { (uint32_t)&pfn13, 1, 0, 0 };
	if (hv_memory_op(RV_MEMOP_decrease_reservation, &res) != 1)
		test_error("cannot give back a page");
	connect(HOSTILE, true);

	wait_events(0);                 /* the hostile maps refs 0 and 9 */
	struct rv_grant_entry *t = guest_gnt.e;
	expect(gnt_end(&guest_gnt, 9), -RV_EBUSY, "end ref 9 while mapped");
	expect(t[9].frame == m[9] && (t[9].flags & RV_GTF_writing), 1, "ref 9 unchanged");
	expect(guest_gnt_unmap(MAP_VA, 0), -RV_EBADF, "unmap the hostile's handle 0 (not ours)");
	/* Rewrite the entry in use anyway, as a granter may: the mapping keeps
	 * its frame, a new map of the entry is refused. */
	t[9].frame = p10_mfn;
	notify();

	wait_events(1);                 /* the hostile unmapped ref 9 */
	expect(t[9].flags & (RV_GTF_reading | RV_GTF_writing), 0, "ref 9 no longer in use");
	expect(gnt_end(&guest_gnt, 9), 0, "end ref 9 once unmapped");
	bool seen = true;
	for (uint32_t i = 0; i < 1024; i++)
		seen &= p9[i] == (pattern(i, 9) ^ (i == 5 ? 0x55 : 0));
	expect(seen, 1, "the hostile's write to ref 9's page, through the old mapping");
	for (uint32_t i = 0; i < 1024; i++)
		p0[i] = pattern(i, 0xf);
	expect_summary("accomplice: grants in use, rewritten, someone else's handle");
	notify();
	/* Power off while the hostile maps p0. */
	test_finish();
}

void hostile_main(void)
{
	uint32_t win_l1, x_mfn, h0, h9, h;
	const uint32_t v = MAP_VA;
	uint32_t *x = own_page(&x_mfn);
	struct rv_gnttab_map maps[RV_GNTTAB_BATCH_MAX + 1];
	int rc;

	if ((rc = guest_grant_setup(TABLE_VA)))
		test_error("grant table setup: %d", rc);
	if (mm_window(v, &win_l1))
		test_error("no window for mappings");
	gnt_grant_ref(&guest_gnt, 0, ACCOMPLICE, x_mfn, false);
	connect(ACCOMPLICE, false);

	/* References that are wrong. */
	expect(map(ACCOMPLICE, 512, v, 0), -RV_ERANGE, "ref just past the table");
	expect(map(ACCOMPLICE, 0xffffffffu, v, 0), -RV_ERANGE, "ref 2^32-1");
	expect(map(ACCOMPLICE, 10, v, 0), -RV_ENOENT, "a ref never granted");
	expect(map(ACCOMPLICE, 2, v, 0), -RV_EACCES, "a ref granted to domain 3");
	expect(map(99, 0, v, 0), -RV_ESRCH, "a domain that does not exist");
	expect(map(0xffff, 0, v, 0), -RV_ESRCH, "domain 0xffff");
	expect(map(BYSTANDER, 0, v, 0), -RV_ESRCH, "a domain with no grant table");
	expect(map(HOSTILE, 0, v, 0), -RV_EACCES, "our own grant");
	/* Frames that may not be granted. */
	const char *what[] = { [3] = "a page table", [4] = "start info", [5] = "shared info",
			       [6] = "a grant-table frame", [7] = "the hypervisor's switch L1",
			       [8] = "a frame past RAM", [12] = "frame 1 (firmware)",
			       [13] = "a frame given back" };
	for (uint32_t r = 3; r <= 13; r++)
		if (what[r]) {
			expect(map(ACCOMPLICE, r, v, RV_GNTMAP_readonly), -RV_EPERM, what[r]);
			expect(guest_gnt_copy(&(struct rv_gnttab_copy_ptr){ r, ACCOMPLICE, 0 },
					      &(struct rv_gnttab_copy_ptr){ x_mfn, 0, 0 }, 8,
					      RV_GNTCOPY_source_gref), -RV_EPERM, what[r]);
		}
	/* Rights. */
	expect(map(ACCOMPLICE, 1, v, 0), -RV_EROFS, "a read-only grant mapped writable");
	/* Arguments. */
	expect(map(ACCOMPLICE, 0, v + 1, 0), -RV_EINVAL, "a misaligned address");
	expect(map(ACCOMPLICE, 0, RV_SWITCH_BASE, 0), -RV_EINVAL, "the switch region");
	expect(map(ACCOMPLICE, 0, v, 0x80), -RV_EINVAL, "unknown flags");
	expect(map(ACCOMPLICE, 0, NO_VA, 0), -RV_EFAULT, "an address with no page table");
	expect(map(ACCOMPLICE, 0, (uint32_t)start_info, 0), -RV_EEXIST, "an address in use");
	expect(hv_grant_table_op(RV_GNTTABOP_map, maps, RV_GNTTAB_BATCH_MAX + 1), -RV_E2BIG,
	       "a batch too big");
	expect(hv_grant_table_op(RV_GNTTABOP_map, (void *)0x1000, 1), -RV_EFAULT, "unmapped ops");
	expect(hv_grant_table_op(RV_GNTTABOP_map, (void *)start_info->pt_base, 1), -RV_EFAULT,
	       "read-only ops");
	expect(hv_grant_table_op(99, maps, 1), -RV_ENOSYS, "an unknown command");
	struct rv_gnttab_setup s = { .nr_frames = 0 };
	expect(hv_grant_table_op(RV_GNTTABOP_setup_table, &s, 1), -RV_EINVAL, "a table of 0 frames");
	s.nr_frames = RV_GRANT_FRAMES_MAX + 1;
	expect(hv_grant_table_op(RV_GNTTABOP_setup_table, &s, 1), -RV_EINVAL, "a table too big");
	s.nr_frames = 2;
	expect(hv_grant_table_op(RV_GNTTABOP_setup_table, &s, 1), -RV_EEXIST, "a bigger table later");
	s.nr_frames = 1;
	expect(hv_grant_table_op(RV_GNTTABOP_setup_table, &s, 2), -RV_E2BIG, "two setups at once");
	/* Copies. */
	struct rv_gnttab_copy_ptr g0 = { 0, ACCOMPLICE, 0 }, g1 = { 1, ACCOMPLICE, 0 };
	struct rv_gnttab_copy_ptr lx = { x_mfn, 0, 0 };
	expect(guest_gnt_copy(&lx, &g1, 4, RV_GNTCOPY_dest_gref), -RV_EROFS, "copy into a read-only grant");
	expect(guest_gnt_copy(&(struct rv_gnttab_copy_ptr){ 0, ACCOMPLICE, 4000 }, &lx, 200,
			      RV_GNTCOPY_source_gref), -RV_EINVAL, "a copy past the page");
	expect(guest_gnt_copy(&g0, &(struct rv_gnttab_copy_ptr){ x_mfn, 0, 4095 }, 2,
			      RV_GNTCOPY_source_gref), -RV_EINVAL, "a copy past our page");
	expect(guest_gnt_copy(&g0, &(struct rv_gnttab_copy_ptr){ win_l1, 0, 0 }, 8,
			      RV_GNTCOPY_source_gref), -RV_EPERM, "a copy into our own page table");
	expect(guest_gnt_copy(&(struct rv_gnttab_copy_ptr){ 1, 0, 0 }, &lx, 8, 0), -RV_EPERM,
	       "a copy from frame 1 as if ours");
	expect(guest_gnt_copy(&g0, &(struct rv_gnttab_copy_ptr){ pte_mfn(pt_read(RV_SWITCH_BASE, 2)),
			      0, 0 }, 8, RV_GNTCOPY_source_gref), -RV_EPERM, "a copy into the switch L1");
	expect(guest_gnt_copy(&g0, &lx, 8, 4), -RV_EINVAL, "unknown copy flags");
	expect(guest_gnt_copy(&(struct rv_gnttab_copy_ptr){ 10, ACCOMPLICE, 0 }, &lx, 8,
			      RV_GNTCOPY_source_gref), -RV_ENOENT, "a copy through nothing");
	expect(guest_gnt_copy(&(struct rv_gnttab_copy_ptr){ 2, ACCOMPLICE, 0 }, &lx, 8,
			      RV_GNTCOPY_source_gref), -RV_EACCES, "a copy through domain 3's grant");
	/* A batch stops at its first refusal; what came before stands. */
	struct rv_gnttab_copy b[3] = {
		{ .source = g0, .dest = { x_mfn, 0, 0 }, .len = 16, .flags = RV_GNTCOPY_source_gref },
		{ .source = g0, .dest = g1, .len = 16, .flags = RV_GNTCOPY_source_gref | RV_GNTCOPY_dest_gref },
		{ .source = g0, .dest = { x_mfn, 0, 64 }, .len = 16, .flags = RV_GNTCOPY_source_gref,
		  .status = 77 },
	};
	memset(x, 0, PAGE_SIZE);
	expect(hv_grant_table_op(RV_GNTTABOP_copy, b, 3), -RV_EROFS, "a batch with a bad copy");
	expect(b[0].status == 0 && b[1].status == -RV_EROFS && b[2].status == 77 &&
	       x[0] == pattern(0, 0) && x[16] == 0, 1, "the batch's statuses and copies");
	/* None of it mapped anything. */
	bool empty = true;
	for (uint32_t i = 0; i < 64; i++)
		empty &= l1e_of(v + i * PAGE_SIZE) == 0;
	expect(empty, 1, "the window is still empty");
	expect_summary("hostile: wrong refs, frames, rights and arguments refused");

	/* Mappings, and attacks on them. */
	expect(guest_gnt_map(ACCOMPLICE, 0, v, 0, &h0), 0, "map ref 0");
	expect(guest_gnt_map(ACCOMPLICE, 9, v + 0x1000, 0, &h9), 0, "map ref 9");
	expect(peek(v + 8), pattern(2, 0), "ref 0's data");
	uint64_t pte0 = l1e_of(v);
	expect(mm_update(pt_maddr(v, 1), 0), -RV_EPERM, "mmu_update clearing a grant PTE");
	expect(hv_update_va_mapping(v, pte_make(x_mfn, PG_P | PG_RW), 0), -RV_EPERM,
	       "update_va_mapping over a grant PTE");
	expect(mm_update(pt_maddr(v + 0x5000, 1), pte_make(x_mfn, PG_P | RV_PTE_GRANT)), -RV_EINVAL,
	       "a forged grant PTE");
	/* The window's L1 unhooked: it stays a table, held by the mappings. */
	uint64_t pde = pt_read(v, 2);
	expect(mm_update(pt_maddr(v, 2), 0), 0, "unhook the window's L1");
	uint32_t l1_pfn = pfn_of_mfn(win_l1);
	struct rv_memory_reservation r = { (uint32_t)&l1_pfn, 1, 0, 0 };
	expect(hv_memory_op(RV_MEMOP_decrease_reservation, &r), -RV_EBUSY, "give back the L1");
	expect(mm_make_rw(l1_pfn), -RV_EBUSY, "map the L1 writable");
	expect(mm_pin(2, win_l1), -RV_EBUSY, "pin the L1 as a directory");
	expect(mm_update(pt_maddr(v, 2), pde), 0, "hook it back");
	expect(l1e_of(v) == pte0 && peek(v + 8) == pattern(2, 0), 1, "the mapping is as it was");
	expect(guest_gnt_unmap(v + 0x1000, h0), -RV_EINVAL, "unmap at the wrong address");
	expect(guest_gnt_unmap(v, 63), -RV_EBADF, "unmap an unused handle");
	expect(guest_gnt_unmap(v, 100000), -RV_EBADF, "unmap a handle out of range");
	poke(v + 0x1000 + 5 * 4, pattern(5, 9) ^ 0x55);
	notify();

	wait_events(0);                 /* the accomplice rewrote ref 9 */
	expect(map(ACCOMPLICE, 9, v + 0x2000, 0), -RV_EBUSY, "map ref 9 rewritten while in use");
	expect(guest_gnt_unmap(v + 0x1000, h9), 0, "unmap ref 9");
	expect(guest_gnt_unmap(v + 0x1000, h9), -RV_EBADF, "unmap ref 9 again");
	/* Map slots run out: one is held (ref 0). */
	uint32_t n = 0, hs[RV_GRANT_MAPS_MAX];
	while (n < RV_GRANT_MAPS_MAX &&
	       (rc = guest_gnt_map(ACCOMPLICE, 11, v + (3 + n) * PAGE_SIZE, RV_GNTMAP_readonly,
				   &hs[n])) == 0)
		n++;
	expect(n == RV_GRANT_MAPS_MAX - 1 && rc == -RV_ENOSPC, 1, "map slots exhausted");
	expect(l1e_of(v + (3 + n) * PAGE_SIZE), 0, "the refused map wrote nothing");
	for (uint32_t i = 0; i < n; i++)
		expect(guest_gnt_unmap(v + (3 + i) * PAGE_SIZE, hs[i]), 0, "unmap a slot");
	expect(guest_gnt_map(ACCOMPLICE, 11, v + 3 * PAGE_SIZE, RV_GNTMAP_readonly, &h), 0,
	       "a slot is free again");
	expect(guest_gnt_unmap(v + 3 * PAGE_SIZE, h), 0, "and given back");
	expect_summary("hostile: grant PTEs and their tables guarded, handles checked, slots bounded");
	notify();

	/* The accomplice dies with ref 0 mapped here. */
	wait_events(1);
	uint64_t until = guest_time_ns() + 20000000000ull;
	while ((rc = map(ACCOMPLICE, 10, v + 0x2000, 0)) == -RV_ENOENT && guest_time_ns() < until)
		hv_yield();
	expect(rc, -RV_ESRCH, "the accomplice is gone");
	bool kept = true;
	for (uint32_t i = 0; i < 1024; i++)
		kept &= peek(v + i * 4) == pattern(i, 0xf);
	expect(kept, 1, "its page, still mapped here, holds its last words");
	poke(v, 0x600d);
	expect(peek(v), 0x600d, "and can still be written");
	expect(l1e_of(v) == pte0, 1, "the PTE unchanged");
	expect_summary("hostile: a dead granter's page stays while mapped");
	/* Dies with it mapped: the page goes back to the pool then. */
	test_finish();
}
