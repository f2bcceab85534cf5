/*
 * memattack: frames that are not ours (the hypervisor's, other domains'),
 * base tables of the wrong kind, and the shared-info page as a page table.
 */
#include "memattack.h"

void hv_frame(void)
{
	const uint32_t mfns[] = { 0, HV_MFN, HV_MFN + 1, 0x9f, 0xb8, switch_l1_mfn };
	uint64_t pde = pt_maddr(WIN3, 2);

	for (unsigned i = 0; i < sizeof(mfns) / sizeof(mfns[0]); i++) {
		uint32_t m = mfns[i];
		expect_rc(mm_map(WIN, pte_make(m, PG_P | PG_RW)), -RV_EPERM, "map writable", m);
		expect_rc(mm_map(WIN, pte_make(m, PG_P)), -RV_EPERM, "map read-only", m);
		expect_rc(mm_update(pte_maddr(win_l1, 1), pte_make(m, PG_P | PG_RW | PG_US)),
			  -RV_EPERM, "mmu_update a PTE", m);
		expect_rc(mm_update(pde, pte_make(m, PG_P | PG_RW | PG_US)), -RV_EPERM,
			  "use as an L1 in a PDE", m);
		expect_rc(mm_pin(1, m), -RV_EPERM, "pin as L1", m);
		expect_rc(mm_pin(3, m), -RV_EPERM, "pin as L3", m);
	}
	expect_done("hypervisor frames (0, the image, BIOS, VGA, the switch region's L1)");
	test_check(l1e_of(WIN) == 0 && l1e_of(WIN + PAGE_SIZE) == 0 && pt_read(WIN3, 2) == 0,
		   "nothing got mapped");
}

void foreign_scan(void)
{
	unsigned foreign = 0, mapped = 0, other = 0;

	for (uint32_t m = HV_MFN; m < SCAN_END; m++) {
		if (own_mfn(m))
			continue;
		foreign++;
		for (unsigned rw = 0; rw < 2; rw++) {
			int r = hv_update_va_mapping(WIN, pte_make(m, PG_P | (rw ? PG_RW : 0)), 0);
			if (r == 0) {
				if (mapped++ < 10)
					gprintf("  mapped frame %#x: %08x %08x\n", m, peek(WIN),
						peek(WIN + 4));
				mm_map(WIN, 0);
			} else if (r != -RV_EPERM) {
				other++;
			}
		}
		if (m % 8 == 0)
			expect_rc(mm_update(pte_maddr(win_l1, 7), pte_make(m, PG_P)), -RV_EPERM,
				  "mmu_update", m);
	}
	test_check(foreign > 1000 && mapped == 0 && other == 0,
		   "%u machine frames below %#x are not ours: %u mappings made, %u errors other than "
		   "-EPERM", foreign, SCAN_END, mapped, other);
	expect_done("mmu_update of every 8th of them");
}

void pin_foreign(void)
{
	static struct rv_mmuext_op ops[RV_MMUEXT_MAX];
	unsigned n = 0;

	for (uint32_t m = HV_MFN + 3; m < SCAN_END; m += 7) {
		if (own_mfn(m))
			continue;
		expect_rc(mm_pin(1, m), -RV_EPERM, "pin L1", m);
		expect_rc(mm_pin(2, m), -RV_EPERM, "pin L2", m);
		expect_rc(mm_pin(3, m), -RV_EPERM, "pin L3", m);
		expect_rc(mm_unpin(m), -RV_EPERM, "unpin", m);
		expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, m), -RV_EPERM, "new base", m);
		if (n < RV_MMUEXT_MAX)
			ops[n++] = (struct rv_mmuext_op){ RV_MMUEXT_PIN_L3_TABLE, m, 0, 0 };
	}
	expect_done("another domain's (or nobody's) frames");
	uint32_t done = 0xffff;
	int r = hv_mmuext_op(ops, n, &done);
	test_check(r == -RV_EPERM && done == 0, "a batch of %u such pins stops at the first: %d, done %u",
		   n, r, done);
}

/* A PDPT in a fresh frame with the given four entries (0: empty). */
static uint32_t make_l3(uint32_t s0, uint32_t s3, bool self)
{
	uint32_t pfn = take_free_pfn(), mfn = pfn_to_mfn(pfn);
	uint64_t *t = pfn_to_virt(pfn);
	memset(t, 0, PAGE_SIZE);
	t[0] = s0 ? pte_make(s0, PG_P) : self ? pte_make(mfn, PG_P) : 0;
	t[3] = pte_make(s3, PG_P);
	mm_make_ro(pfn);
	return mfn;
}

void baseptr(void)
{
	uint32_t base = mm_base_mfn(), data = free_data_frame(), empty = free_table_frame();
	uint32_t l2 = pte_mfn(pt_read(WIN, 3)), l2_high = pte_mfn(pt_read(start_info->virt_base, 3));
	uint32_t l1 = win_l1;

	expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, data), -RV_EBUSY, "a data frame", data);
	expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, l1), -RV_EBUSY, "an L1", l1);
	expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, l2), -RV_EBUSY, "an L2", l2);
	expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, l2_high), -RV_EBUSY, "the L2 of the switch slot",
		  l2_high);
	expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, HV_MFN), -RV_EPERM, "the hypervisor", HV_MFN);
	expect_rc(mm_pin(3, data), -RV_EBUSY, "pin a data frame as L3", data);
	expect_refused(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, empty), "an empty PDPT (no switch region)",
		       empty);
	/* PDPTs that use a directory at the wrong level, or themselves. */
	const uint32_t bad[] = { make_l3(l2_high, l2_high, false), make_l3(0, l2, false),
				 make_l3(0, l1, false), make_l3(0, base, false),
				 make_l3(0, l2_high, true) };
	const char *why[] = { "the switch slot's L2 at slot 0", "a plain L2 at slot 3",
			      "an L1 as directory", "our PDPT as its own directory",
			      "itself at slot 0" };
	for (unsigned i = 0; i < 5; i++) {
		expect_rc(hv_mmuext(RV_MMUEXT_NEW_BASEPTR, bad[i]), -RV_EBUSY, why[i], bad[i]);
		expect_rc(mm_pin(3, bad[i]), -RV_EBUSY, why[i], bad[i]);
	}
	expect_done("NEW_BASEPTR and PIN_L3 to frames that are not a valid PDPT");

	int same = hv_mmuext(RV_MMUEXT_NEW_BASEPTR, base);
	unsigned reusable = 0;
	for (unsigned i = 0; i < 5; i++)
		reusable += mm_make_rw(pfn_of_mfn(bad[i])) == 0;
	test_check(same == 0 && mm_base_mfn() == base && pt_read((uint32_t)&baseptr, 1) != 0 &&
		   reusable == 5,
		   "still on our own PDPT (NEW_BASEPTR to it again: %d); the refused ones are plain "
		   "data again (%u of 5)", same, reusable);
}

/*
 * The shared-info page belongs to the domain (it is mapped writable) but the
 * hypervisor writes it behind the guest's back: time, events, fault_addr. It
 * must never become a page table, or those writes become unvalidated PTEs.
 * The attack: plant a PTE for the hypervisor's image in the vCPU word whose
 * low byte is evtchn_upcall_pending (mask byte and pad0 give address bits
 * 12-31; it is not present while pending is 0), unmap the page, pin it as
 * an L1, hang it under WIN3, and raise the timer port: the hypervisor sets
 * pending = 1, and WIN3 + 4 KiB maps machine frame 0x100.
 *
 * Pinning validates the page's contents, which hold the time: whether they
 * pass depends on values fixed at boot (tsc_mul and wc_nsec must be even)
 * and on the time stamps of the moment. The attacker therefore only tries
 * when every entry is non-present; if that never happens this boot, it says
 * so ("inconclusive") and the check proves nothing (see shared_info.sh).
 */
void shared_info_table(void)
{
	volatile uint8_t *vcpu = (volatile uint8_t *)&shared_info->vcpu;
	uint32_t sva = start_info->shared_info;

	if (shared_info->vcpu.fault_addr)
		test_error("fault_addr must be 0 (it is the planted entry's high half)");
	vcpu[0] = 0;                                            /* pending */
	vcpu[1] = 0x01 | ((HV_MFN & 0xf) << 4);                 /* mask (still masked) */
	*(volatile uint16_t *)&vcpu[2] = (uint16_t)(HV_MFN >> 4);       /* pad0 */
	shared_info->evtchn_mask[0] = 0;
	mm_map(WIN, pte_make(shared_mfn, PG_P));                /* watch it read-only */
	const volatile uint64_t *e = (const volatile uint64_t *)WIN;
	int r = mm_map(sva, 0);
	if (r) {
		test_check(true, "the shared-info page cannot even be unmapped (%d)", r);
		return;
	}
	unsigned looked_valid = 0, tries;
	int pin = -1;
	for (tries = 0; tries < 2000 && pin && looked_valid < 20; tries++) {
		hv_yield();     /* the time is rewritten when we are scheduled in */
		bool valid = true;
		for (unsigned i = 0; i < 512 && valid; i++)
			valid = !(e[i] & PG_P);
		if (valid) {
			looked_valid++;
			pin = mm_pin(1, shared_mfn);
		}
	}
	gprintf("tsc_mul %#llx, wc_nsec %#x: contents valid as an L1 at %u of %u tries\n",
		(unsigned long long)e[5], (uint32_t)e[15], looked_valid, tries);
	if (!looked_valid) {
		gprintf("inconclusive this boot: the time fields never validate\n");
		test_check(true, "no pin attempted (contents never valid as an L1)");
		return;
	}
	if (pin) {
		test_check(true, "the shared-info page refused as an L1 (%d) although its contents "
			   "were valid (%u tries)", pin, looked_valid);
		return;
	}
	test_check(false, "the shared-info page became a pinned L1 (its contents were validated)");
	int h = mm_update(pt_maddr(WIN3, 2), pte_make(shared_mfn, PG_P | PG_RW | PG_US));
	hv_set_timer(1);                /* long past: the timer port is raised at once */
	for (unsigned i = 0; i < 1000 && !(e[1] & PG_P); i++)
		hv_yield();
	trap_reset();
	uint32_t a = peek(WIN3 + PAGE_SIZE), b = peek(WIN3 + PAGE_SIZE + 4);
	test_check(h || !(e[1] & PG_P) || trap_count,
		   "hung under %#x (%d), the hypervisor wrote PTE %#llx into it: reading machine "
		   "frame %#x gives %08x %08x (%u faults)", WIN3, h, (unsigned long long)e[1], HV_MFN, a,
		   b, trap_count);
}
