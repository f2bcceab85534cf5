/*
 * Boot: the multiboot information reached the hypervisor intact. QEMU runs
 * with -m 128 and two modules (tests.cfg); the banner, memory map and module
 * lines themselves are checked by the harness (expect= in tests.cfg).
 */
#include "testlib.h"
#include "frame.h"
#include "hv.h"
#include "multiboot.h"
#include "string.h"

static const char module_a[] = "ringvisor test module A\n";

void test_main(void)
{
	const struct boot_info *bi = &boot_info;
	uint64_t avail = 0;

	for (size_t i = 0; i < bi->nregions; i++)
		if (bi->map[i].type == MEM_AVAILABLE)
			avail += bi->map[i].len;
	test_check(avail > 120 * MiB && avail <= 128 * MiB,
		   "available RAM %llu KiB matches -m 128", (unsigned long long)(avail >> 10));
	test_check(strstr(bi->cmdline, "loglevel=info") != NULL, "command line '%s' passed through",
		   bi->cmdline);

	if (!test_check(bi->nmodules == 2, "2 modules found (got %zu)", bi->nmodules))
		test_finish();
	const struct boot_module *a = &bi->modules[0], *b = &bi->modules[1];
	test_check(!strcmp(a->cmdline, "tests/data/module_a.txt first module"),
		   "module 0 command line '%s'", a->cmdline);
	test_check(a->end - a->start == sizeof(module_a) - 1, "module 0 size %llu",
		   (unsigned long long)(a->end - a->start));
	test_check(!memcmp((const void *)(uintptr_t)a->start, module_a, sizeof(module_a) - 1),
		   "module 0 contents intact");
	test_check(b->end - b->start == 5000, "module 1 size %llu",
		   (unsigned long long)(b->end - b->start));
	test_check((a->start & (PAGE_SIZE - 1)) == 0 && (b->start & (PAGE_SIZE - 1)) == 0,
		   "modules page aligned (multiboot flag 0)");

	/* Boot data must be reserved, never handed out as free frames. */
	bool reserved = true;
	for (size_t i = 0; i < bi->nmodules; i++)
		for (paddr_t p = bi->modules[i].start; p < bi->modules[i].end; p += PAGE_SIZE)
			reserved &= frame_state_of(&hv_frames, p >> PAGE_SHIFT) == FRAME_RESERVED;
	test_check(reserved, "module frames are reserved");
	test_check(frame_state_of(&hv_frames, 0x100000 >> PAGE_SHIFT) == FRAME_RESERVED,
		   "hypervisor image frames are reserved");
	test_check(frame_state_of(&hv_frames, 0) == FRAME_RESERVED, "frame 0 is reserved");
	test_finish();
}
