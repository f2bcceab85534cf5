/*
 * Hostile memory guests: a pv kernel that manages its own page tables
 * (validated direct paging) tries to get at memory that is not its own, or
 * at its own page tables behind the hypervisor's back. One scenario per
 * command line; each runs beside a checksum bystander (tests.cfg). Every
 * attempt must be refused with the documented error, or fault in the
 * attacker (caught by its own handler); the attacker then reports SUCCESS
 * for having been refused, and the bystander's memory stays intact.
 *
 *   hv_frame       map hypervisor frames (mfn 0, the image at 0x100, the
 *                  switch region's L1): -EPERM, as PTE, as L1, pinned
 *   foreign_scan   map every machine frame of RAM that is not ours: none
 *   pin_foreign    pin / unpin / use as base another domain's frames: -EPERM
 *   baseptr        NEW_BASEPTR to data, L1, L2 frames and to L3s that put an
 *                  L2 at the wrong level: refused; the old base stays
 *   shared_info    the shared-info page (written by the hypervisor) must
 *                  never become a page table (frames.c; shared_info.sh)
 *   pt_writable    map our own page tables writable: -EBUSY
 *   alias_pin      a frame mapped writable cannot be pinned, and a pinned
 *                  table cannot be mapped writable: -EBUSY
 *   self_map       tables that map themselves writable, directly or through
 *                  their child: -EBUSY, and nothing stays half-validated
 *   large_page     PS in a directory entry: -EINVAL
 *   reserved_bits  bits 52-62 in a PTE, RW/US/NX/PS in a PDPTE: -EINVAL
 *   switch_region  entries at or above 0xFFC00000: -EPERM; our own entry in
 *                  a switch slot is replaced by the hypervisor's
 *   not_a_table    mmu_update on frames that are no page table, bad
 *                  commands and misaligned or out-of-range pointers
 *   global_page    a PTE with the global bit, which would survive the CR3
 *                  reloads that stand in for TLB flushes: refused or cleared
 *   balloon_mapped give back frames still mapped or in use: -EBUSY
 *   privileged     CR3/GDT/IDT/LDT/TR loads, cli/sti/hlt, in/out, MSRs,
 *                  far transfers to ring 0, interrupts through ring-0
 *                  gates from ring 1: each a #GP in the guest
 *   pin_storm      one mmuext_op batch touching 26 million entries must
 *                  not keep the bystander off the CPU for its whole length
 *   bad_pointers   every memory hypercall with pointers into the switch
 *                  region, to unmapped or (for results) read-only pages,
 *                  and batches too large: -EFAULT / -E2BIG, nothing changed
 */
#include "memattack.h"

uint32_t win_l1, win2_l1, shared_mfn, switch_l1_mfn;
volatile uint32_t trap_count, trap_vector, trap_error, trap_addr;

static uint8_t own_map[SCAN_END * 4 / 8];      /* bitmap of our mfns (up to 512 MiB) */
static unsigned tried, wrong;

bool own_mfn(uint32_t mfn)
{
	if (mfn == shared_mfn)
		return true;
	if (mfn < sizeof(own_map) * 8)
		return own_map[mfn / 8] & (1u << (mfn % 8));
	return pfn_of_mfn(mfn) != MM_NONE;
}

uint32_t free_data_frame(void)
{
	uint32_t pfn = take_free_pfn();
	memset(pfn_to_virt(pfn), 0, PAGE_SIZE);
	return pfn_to_mfn(pfn);
}

uint32_t free_table_frame(void)
{
	return take_table_frame();
}

static void on_trap(struct guest_frame *f)
{
	trap_count++;
	trap_vector = f->vector;
	trap_error = f->error_code;
	trap_addr = shared_info->vcpu.fault_addr;
	f->eip += f->ebx;               /* skip the instruction: its length is in ebx */
}

void trap_reset(void)
{
	trap_count = 0;
	trap_vector = trap_error = trap_addr = 0xffffffff;
}

void poke(uint32_t va, uint32_t v)
{
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl %1, (%0)\n2:"
			 : : "r"(va), "r"(v) : "ebx", "memory");
}

uint32_t peek(uint32_t va)
{
	uint32_t v = 0xdeadbeef;
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl (%1), %0\n2:"
			 : "+r"(v) : "r"(va) : "ebx", "memory");
	return v;
}

void expect_rc(int got, int want, const char *what, uint32_t arg)
{
	tried++;
	if (got != want) {
		wrong++;
		if (wrong <= 20)
			gprintf("  %s (%#x): %d, expected %d\n", what, arg, got, want);
	}
}

void expect_refused(int got, const char *what, uint32_t arg)
{
	expect_rc(got < 0 ? -1 : got, -1, what, arg);
}

void expect_done(const char *what)
{
	test_check(tried && !wrong, "%s: %u of %u attempts refused as documented", what,
		   tried - wrong, tried);
	tried = wrong = 0;
}

static void setup(void)
{
	const uint32_t *p2m = (const uint32_t *)start_info->p2m;
	for (uint32_t i = 0; i < start_info->nr_pages; i++)
		if (p2m[i] < sizeof(own_map) * 8)
			own_map[p2m[i] / 8] |= (uint8_t)(1u << (p2m[i] % 8));
	shared_mfn = pte_mfn(l1e_of(start_info->shared_info));
	switch_l1_mfn = pte_mfn(pt_read(RV_SWITCH_BASE, 2));
	if (guest_set_trap(13, on_trap, 1, false) || guest_set_trap(14, on_trap, 1, false) ||
	    guest_set_trap(6, on_trap, 1, false))
		test_error("cannot install trap handlers");
	if (mm_window(WIN, &win_l1) || mm_window(WIN2, &win2_l1))
		test_error("cannot set up the windows");
	trap_reset();
}

void guest_main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} scenarios[] = {
		{ "hv_frame", hv_frame }, { "foreign_scan", foreign_scan },
		{ "pin_foreign", pin_foreign }, { "baseptr", baseptr },
		{ "shared_info", shared_info_table }, { "pt_writable", pt_writable },
		{ "alias_pin", alias_pin }, { "self_map", self_map }, { "large_page", large_page },
		{ "reserved_bits", reserved_bits }, { "switch_region", switch_region },
		{ "not_a_table", not_a_table }, { "global_page", global_page },
		{ "balloon_mapped", balloon_mapped }, { "privileged", privileged },
		{ "bad_pointers", bad_pointers }, { "pin_storm", pin_storm },
		{ "address_width", address_width }, { "continuations", continuations },
	};
	setup();
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(start_info->cmdline, scenarios[i].name)) {
			gprintf("attack: %s\n", scenarios[i].name);
			scenarios[i].fn();
			return;
		}
	test_error("unknown scenario '%s'", start_info->cmdline);
}
