/*
 * The hypervisor's address space and the switch region have the rights the
 * design needs (docs/ARCHITECTURE.md): descriptor tables and stubs
 * read-only, the entry stack writable and not executable, the switch region
 * global and supervisor-only, hypervisor text read-only, data NX, frame 0
 * unmapped, and nothing else global. Checked both by walking the page tables
 * and by touching the pages.
 */
#include "testlib.h"
#include "cpu.h"
#include "dispatch.h"
#include "mm.h"
#include "switch.h"
#include "x86.h"

static void write_word(void *va)
{
	*(volatile uint32_t *)va = *(volatile uint32_t *)va;
}

static void read_word(void *va)
{
	(void)*(volatile uint32_t *)va;
}

static void expect_page(const char *what, vaddr_t va, bool rw, bool nx)
{
	struct pt_walk w;
	int rc = pt_walk(&hv_pt_env, &hv_space, va, &w);
	test_check(rc == 0 && w.writable == rw && w.nx == nx && !w.user && w.global,
		   "%s at %#x: present %s, %s, %s, supervisor, global", what, va,
		   rc == 0 ? "yes" : "NO", w.writable ? "writable" : "read-only",
		   w.nx ? "NX" : "executable");
}

static void expect_write_fault(const char *what, vaddr_t va)
{
	struct trap_record r;
	bool f = trap_catch(write_word, (void *)(uintptr_t)va, &r);
	test_check(f && r.vector == VEC_PF && r.error_code == 3 && r.cr2 == va,
		   "writing %s at %#x faults (#PF err 3), got %s vector %u err %#x cr2 %#x", what,
		   va, f ? "fault" : "no fault", r.vector, r.error_code, r.cr2);
}

void test_main(void)
{
	struct pt_walk w;
	struct trap_record r;
	extern char trap_stubs_start[];

	test_check((read_cr0() & CR0_WP) && (read_cr0() & CR0_PG) && (read_cr4() & CR4_PAE),
		   "paging on with PAE and CR0.WP");
	test_check(read_cr3() == hv_space.pdpt, "CR3 is the hypervisor's PDPT");

	expect_page("GDT", SWITCH_GDT, false, true);
	expect_page("IDT", SWITCH_IDT, false, true);
	for (int i = 0; i < SWITCH_TSS_PAGES; i++)
		expect_page("TSS", SWITCH_TSS + i * PAGE_SIZE, false, true);
	expect_page("entry stubs", SWITCH_STUBS, false, false);
	expect_page("entry stack", SWITCH_ENTRY_STACK, true, true);
	test_check(pt_walk(&hv_pt_env, &hv_space, SWITCH_TSS + 3 * PAGE_SIZE, &w) != 0 &&
		   pt_walk(&hv_pt_env, &hv_space, SWITCH_ENTRY_STACK - PAGE_SIZE, &w) != 0 &&
		   pt_walk(&hv_pt_env, &hv_space, SWITCH_ENTRY_STACK_TOP, &w) != 0,
		   "guard pages around the TSS and the entry stack are unmapped");

	struct desc_ptr g, i;
	sgdt(&g);
	sidt(&i);
	test_check(g.base == SWITCH_GDT && i.base == SWITCH_IDT && str() == TSS_SEL,
		   "GDTR %#x, IDTR %#x and TR %#x point into the switch region", g.base, i.base,
		   str());
	test_check((uint32_t)(uintptr_t)trap_stubs_start == SWITCH_STUBS,
		   "trap stubs linked at their switch-region address");

	expect_write_fault("the GDT", SWITCH_GDT + 8);
	expect_write_fault("the IDT", SWITCH_IDT + 14 * 8);
	expect_write_fault("the TSS (esp0)", SWITCH_TSS + 4);
	expect_write_fault("the I/O bitmap", SWITCH_TSS + 104 + 0x3f8 / 8);
	expect_write_fault("the stubs", SWITCH_STUBS);
	test_check(!trap_catch(write_word, (void *)(SWITCH_ENTRY_STACK_TOP - 64), &r),
		   "the entry stack is writable");

	/* The hypervisor's own mappings. */
	test_check(trap_catch(read_word, (void *)0, &r) && r.vector == VEC_PF && r.cr2 == 0,
		   "frame 0 is unmapped: NULL dereferences fault");
	test_check(pt_walk(&hv_pt_env, &hv_space, (vaddr_t)(uintptr_t)__image_start + 0x1000, &w) == 0 &&
		   !w.writable && !w.nx && !w.global, "hypervisor text: read-only, executable, not global");
	test_check(pt_walk(&hv_pt_env, &hv_space, (vaddr_t)(uintptr_t)__bss_start, &w) == 0 &&
		   w.writable && w.nx && !w.global, "hypervisor data: writable, NX, not global");
	test_check(pt_walk(&hv_pt_env, &hv_space, 64 * MiB, &w) == 0 && w.writable && w.nx &&
		   !w.global && w.level == 2 && w.pa == 64 * MiB,
		   "RAM at 64 MiB: 1:1, writable, NX, 2 MiB page, not global");

	/* Nothing but the switch region may be global: scan every mapping. */
	unsigned globals = 0;
	for (uint64_t va = 0; va < RV_SWITCH_BASE; va += PAGE_SIZE)
		if (pt_walk(&hv_pt_env, &hv_space, (vaddr_t)va, &w) == 0 && w.global)
			globals++;
	test_check(globals == 0, "no global mapping below the switch region (%u found)", globals);
	test_finish();
}
