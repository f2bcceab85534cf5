/*
 * The smallest pv guest: it boots in ring 1, finds its start info and
 * shared info as the ABI describes them, and talks to the hypervisor.
 */
#include "guest.h"

void guest_main(void)
{
	const struct rv_start_info *si = start_info;
	uint16_t cs, ss;

	__asm__ volatile("mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
	gprintf("hello from domain %u (%s), %u KiB\n", si->domid, si->name, si->nr_pages * 4);
	test_check(cs == RV_GUEST_KERNEL_CS && ss == RV_GUEST_KERNEL_DS,
		   "running in ring 1 (cs %#x ss %#x)", cs, ss);
	test_check(si->revision == ((RV_ABI_MAJOR << 16) | RV_ABI_MINOR), "start info revision");
	test_check(si->nr_pages == 2048, "8 MiB of memory from memory=8M (%u pages)", si->nr_pages);
	test_check(!strcmp(si->cmdline, "first second"), "command line '%s'", si->cmdline);
	test_check(!strcmp(si->name, "hello"), "name '%s'", si->name);
	test_check(si->virt_base == 0xC0000000, "virt_base %#x", si->virt_base);
	test_check(si->shared_info == si->virt_base + si->nr_pages * PAGE_SIZE,
		   "shared info just above guest memory");
	test_check(shared_info->vcpu.evtchn_upcall_mask == 1, "events start masked");

	/* The p2m: every pfn has its own machine frame. */
	const uint32_t *p2m = (const uint32_t *)si->p2m;
	bool distinct = true;
	for (uint32_t i = 1; i < si->nr_pages; i++)
		if (!p2m[i] || p2m[i] == p2m[i - 1])
			distinct = false;
	test_check(distinct, "p2m lists %u machine frames", si->nr_pages);
	test_check(si->first_free_pfn < si->nr_pages && si->stack_top ==
		   si->virt_base + si->first_free_pfn * PAGE_SIZE, "boot layout consistent");

	/* All of guest memory is usable. */
	volatile uint32_t *last = (uint32_t *)(si->virt_base + (si->nr_pages - 1) * PAGE_SIZE);
	*last = 0x12345678;
	test_check(*last == 0x12345678, "the last page of memory is writable");

	int32_t v = hv_version(RV_VERSION_version);
	test_check(v == ((RV_ABI_MAJOR << 16) | RV_ABI_MINOR), "version hypercall: %#x", v);
	test_check(hv_console_write("console line\n", 13) == 13, "console write returns the count");
	uint64_t t0 = guest_time_ns();
	for (volatile int i = 0; i < 100000; i++)
		;
	uint64_t t1 = guest_time_ns();
	test_check(t1 > t0 && t0 > 0, "system time from shared info advances (%llu -> %llu ns)",
		   (unsigned long long)t0, (unsigned long long)t1);
}
