/*
 * The happy path between two cooperating domains: "granter" (domain 1)
 * grants pages to "mapper" (domain 2); they meet on an interdomain event
 * channel (the granter offers port 8 to domain 2, the mapper binds it) and
 * take turns, one event per step:
 *
 *   1 granter: A (read-write), B (read-only), C (read-write, for a copy)
 *     and D (read-write, kept mapped until the mapper dies) granted as refs
 *     0-3; the channel offered.
 *     mapper: maps A and B and D, reads the granter's data through them,
 *     writes an answer into A; a write through B's read-only mapping
 *     faults; mapping B writable is refused; its grant PTEs cannot be
 *     touched by mmu_update / update_va_mapping; copies B into a page of
 *     its own and a page of its own into C; a copy into B is refused.
 *   2 granter: sees the answer in A and the copy in C; A, B and D cannot
 *     be ended while mapped (C can: it was only copied through).
 *     mapper: unmaps A and B (twice: the second is refused).
 *   3 granter: ends A and B. mapper: mapping A again is refused (-ENOENT);
 *     it powers off with D still mapped (or crashes, or waits to be
 *     destroyed by Domain 0: its command line says "crash" or "destroy").
 *   4 granter: the mapper's death unmapped D: D can be ended.
 */
#include "grant_test.h"

/* Domain ids by boot order, or told by Domain 0 (peer_id). */
static uint32_t mapper_id = 2, granter_id = 1;

static uint32_t pattern(uint32_t i, uint32_t salt)
{
	return i * 2654435761u ^ salt;
}

void pair_granter(void)
{
	mapper_id = peer_id(mapper_id);
	uint32_t a_mfn, b_mfn, c_mfn, d_mfn;
	uint32_t *a = own_page(&a_mfn), *b = own_page(&b_mfn), *c = own_page(&c_mfn);
	uint32_t *dpg = own_page(&d_mfn);
	int rc;

	if ((rc = guest_grant_setup(TABLE_VA)))
		test_error("grant table setup: %d", rc);
	for (uint32_t i = 0; i < 1024; i++) {
		a[i] = pattern(i, 0xa);
		b[i] = pattern(i, 0xb);
		dpg[i] = pattern(i, 0xd);
	}
	int32_t ra = gnt_grant(&guest_gnt, mapper_id, a_mfn, false);
	int32_t rb = gnt_grant(&guest_gnt, mapper_id, b_mfn, true);
	int32_t rc_ = gnt_grant(&guest_gnt, mapper_id, c_mfn, false);
	int32_t rd = gnt_grant(&guest_gnt, mapper_id, d_mfn, false);
	if (ra != 0 || rb != 1 || rc_ != 2 || rd != 3)
		test_error("refs %d %d %d %d, expected 0-3", ra, rb, rc_, rd);
	connect(mapper_id, true);

	wait_events(0);
	bool answer = true, copied = true;
	for (uint32_t i = 0; i < 512; i++)
		answer &= a[i] == pattern(i, 0xa) && a[512 + i] == pattern(i, 0xaa);
	for (uint32_t i = 0; i < 1024; i++)
		copied &= c[i] == pattern(i, 0xcc);
	test_check(answer, "the mapper's answer is in A, written through its mapping");
	test_check(copied, "C holds what the mapper copied into it (grant copy)");
	struct rv_grant_entry *t = guest_gnt.e;
	test_check(t[0].flags == (RV_GTF_permit_access | RV_GTF_writing) &&
		   t[1].flags == (RV_GTF_permit_access | RV_GTF_readonly | RV_GTF_reading) &&
		   t[2].flags == RV_GTF_permit_access,
		   "status bits: A writing (%#x), B reading (%#x), C none (%#x)", t[0].flags,
		   t[1].flags, t[2].flags);
	expect(gnt_end(&guest_gnt, 0), -RV_EBUSY, "end A while mapped");
	expect(gnt_end(&guest_gnt, 1), -RV_EBUSY, "end B while mapped");
	expect(gnt_end(&guest_gnt, 3), -RV_EBUSY, "end D while mapped");
	expect(t[0].frame == a_mfn && t[1].frame == b_mfn, 1, "refused ends left the entries");
	expect(gnt_end(&guest_gnt, 2), 0, "end C (copied through, never mapped)");
	/* A frame a peer maps cannot be given back. */
	uint32_t a_pfn = virt_to_pfn(a);
	struct rv_memory_reservation r = { (uint32_t)&a_pfn, 1, 0, 0 };
	expect(hv_memory_op(RV_MEMOP_decrease_reservation, &r), -RV_EBUSY, "balloon out A");
	expect_summary("granter: grants in use cannot be ended");
	notify();

	wait_events(1);
	expect(gnt_end(&guest_gnt, 0), 0, "end A after the unmap");
	expect(gnt_end(&guest_gnt, 1), 0, "end B after the unmap");
	expect(t[0].flags | t[1].flags, 0, "A and B entries empty");
	notify();

	/* The mapper powers off with D mapped: its death unmaps it. */
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (gnt_in_use(&guest_gnt, 3) && guest_time_ns() < until)
		hv_yield();
	expect(gnt_end(&guest_gnt, 3), 0, "end D once the mapper died with it mapped");
	bool intact = true;
	for (uint32_t i = 0; i < 1024; i++)
		intact &= dpg[i] == pattern(i, 0xd) + (i == 0);
	expect(intact, 1, "D holds the mapper's last write");
	expect_summary("granter: grants end after unmap and after the mapper's death");
	test_finish();
}

void pair_mapper(void)
{
	granter_id = peer_id(granter_id);
	uint32_t h_a, h_b, h_d, x_mfn, y_mfn;
	uint32_t *x = own_page(&x_mfn), *y = own_page(&y_mfn);
	const uint32_t va_a = MAP_VA, va_b = MAP_VA + 0x1000, va_d = MAP_VA + 0x2000;

	if (mm_window(MAP_VA, NULL))
		test_error("no window for mappings");
	connect(granter_id, false);        /* bound: the grants are there */

	expect(guest_gnt_map(granter_id, 0, va_a, 0, &h_a), 0, "map A read-write");
	expect(guest_gnt_map(granter_id, 1, va_b, RV_GNTMAP_readonly, &h_b), 0, "map B read-only");
	expect(guest_gnt_map(granter_id, 3, va_d, 0, &h_d), 0, "map D read-write");
	expect(guest_gnt_map(granter_id, 1, va_b + 0x2000, 0, NULL), -RV_EROFS, "map B writable");
	expect_summary("mapper: maps");
	uint64_t pte = l1e_of(va_a);
	test_check((pte & RV_PTE_GRANT) && (pte & PG_RW) && (l1e_of(va_b) & RV_PTE_GRANT) &&
		   !(l1e_of(va_b) & PG_RW), "grant PTEs: A %#llx, B %#llx",
		   (unsigned long long)pte, (unsigned long long)l1e_of(va_b));

	bool same_a = true, same_b = true;
	volatile uint32_t *ma = (volatile uint32_t *)va_a, *mb = (volatile uint32_t *)va_b;
	for (uint32_t i = 0; i < 1024; i++) {
		same_a &= ma[i] == pattern(i, 0xa);
		same_b &= mb[i] == pattern(i, 0xb);
	}
	test_check(same_a && same_b, "the granter's data read through both mappings");
	for (uint32_t i = 0; i < 512; i++)
		ma[512 + i] = pattern(i, 0xaa);
	faults = 0;
	poke(va_b, 0x12345678);
	test_check(faults == 1 && (fault_error & 3) == 3 && mb[0] == pattern(0, 0xb),
		   "a write through the read-only mapping faults (error %#x), B unchanged",
		   fault_error);

	/* The grant PTEs are not the guest's to change. */
	expect(mm_update(pt_maddr(va_a, 1), 0), -RV_EPERM, "mmu_update clearing A's PTE");
	expect(mm_update(pt_maddr(va_a, 1), pte_make(x_mfn, PG_P | PG_RW)), -RV_EPERM,
	       "mmu_update replacing A's PTE");
	expect(hv_update_va_mapping(va_b, 0, RV_UVMF_INVLPG), -RV_EPERM, "update_va_mapping on B");
	expect(mm_update(pt_maddr(va_d + 0x1000, 1), pte_make(x_mfn, PG_P | RV_PTE_GRANT)),
	       -RV_EINVAL, "a PTE of ours dressed as a grant mapping");
	expect(l1e_of(va_a) == pte, 1, "A's PTE unchanged");

	struct rv_gnttab_copy_ptr gb = { 1, granter_id, 0 }, gc = { 2, granter_id, 0 };
	struct rv_gnttab_copy_ptr lx = { x_mfn, 0, 0 }, ly = { y_mfn, 0, 0 };
	expect(guest_gnt_copy(&gb, &lx, 4096, RV_GNTCOPY_source_gref), 0, "copy B -> own page");
	for (uint32_t i = 0; i < 1024; i++)
		y[i] = pattern(i, 0xcc);
	expect(guest_gnt_copy(&ly, &gc, 4096, RV_GNTCOPY_dest_gref), 0, "copy own page -> C");
	expect(guest_gnt_copy(&ly, &gb, 4, RV_GNTCOPY_dest_gref), -RV_EROFS, "copy into B");
	bool copy_ok = true;
	for (uint32_t i = 0; i < 1024; i++)
		copy_ok &= x[i] == pattern(i, 0xb);
	expect(copy_ok, 1, "B's data copied into our page");
	/* A batch of copies: 16 pieces of 256 bytes, B into x reversed. */
	struct rv_gnttab_copy batch[16];
	for (uint16_t i = 0; i < 16; i++)
		batch[i] = (struct rv_gnttab_copy){ .source = { 1, granter_id, (uint16_t)(i * 256) },
						    .dest = { x_mfn, 0, (uint16_t)((15 - i) * 256) },
						    .len = 256, .flags = RV_GNTCOPY_source_gref };
	expect(hv_grant_table_op(RV_GNTTABOP_copy, batch, 16), 0, "a batch of 16 copies");
	bool rev = true;
	for (uint32_t i = 0; i < 1024; i++)
		rev &= x[i] == pattern((15 - i / 64) * 64 + i % 64, 0xb);
	expect(rev, 1, "the batch's pieces where they were sent");
	expect_summary("mapper: read-only enforced, PTEs guarded, copies");
	notify();

	wait_events(0);
	expect(guest_gnt_unmap(va_a, h_a), 0, "unmap A");
	expect(guest_gnt_unmap(va_a, h_a), -RV_EBADF, "unmap A again");
	expect(guest_gnt_unmap(va_a, h_b), -RV_EINVAL, "unmap B's handle at A's address");
	expect(guest_gnt_unmap(va_b, h_b), 0, "unmap B");
	expect(l1e_of(va_a) | l1e_of(va_b), 0, "their PTEs are empty");
	faults = 0;
	peek(va_a);
	expect(faults, 1, "reading A after the unmap faults");
	notify();

	wait_events(1);
	expect(guest_gnt_map(granter_id, 0, va_a, 0, NULL), -RV_ENOENT, "map A after it ended");
	expect_summary("mapper: unmaps, and ended grants");
	/* Die with D mapped: the granter sees it unmapped. Power off, or (by
	 * the command line) crash, or wait for Domain 0 to destroy us. */
	((volatile uint32_t *)va_d)[0] += 1;
	if (guest_contains(start_info->cmdline, sizeof(start_info->cmdline), "crash")) {
		gprintf("crashing with D mapped\n");
		hv_shutdown(RV_SHUTDOWN_crash, 9);
	}
	if (guest_contains(start_info->cmdline, sizeof(start_info->cmdline), "destroy")) {
		gprintf("waiting to be destroyed with D mapped\n");
		for (;;)
			hv_block();
	}
	test_finish();
}
