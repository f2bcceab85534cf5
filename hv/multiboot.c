/*
 * Multiboot v1 information: the memory map, the modules (which will carry
 * guest kernels) and the command line. The loader's structures are trusted
 * only as far as needed: counts are capped and strings bounded.
 */
#include "multiboot.h"
#include "errno.h"
#include "printk.h"
#include "string.h"

struct boot_info boot_info;

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "available";
	case 2: return "reserved";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad memory";
	default: return "unknown";
	}
}

static void note_boot_data(struct boot_info *bi, paddr_t start, paddr_t end)
{
	if (bi->nboot_data < ARRAY_SIZE(bi->boot_data) && end > start) {
		bi->boot_data[bi->nboot_data].start = start;
		bi->boot_data[bi->nboot_data].end = end;
		bi->nboot_data++;
	}
}

static const char *boot_string(struct boot_info *bi, uint32_t addr)
{
	if (!addr)
		return "";
	const char *s = (const char *)(uintptr_t)addr;
	note_boot_data(bi, addr, addr + strnlen(s, 4096) + 1);
	return s;
}

int multiboot_parse(uint32_t magic, const struct multiboot_info *mbi, struct boot_info *bi)
{
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !mbi)
		return -EINVAL;
	memset(bi, 0, sizeof(*bi));
	note_boot_data(bi, (uintptr_t)mbi, (uintptr_t)mbi + sizeof(*mbi));

	bi->cmdline = (mbi->flags & MBI_FLAG_CMDLINE) ? boot_string(bi, mbi->cmdline) : "";
	bi->loader = (mbi->flags & MBI_FLAG_LOADER_NAME) && mbi->boot_loader_name ?
		     boot_string(bi, mbi->boot_loader_name) : "unknown";

	if (mbi->flags & MBI_FLAG_MMAP) {
		note_boot_data(bi, mbi->mmap_addr, (paddr_t)mbi->mmap_addr + mbi->mmap_length);
		uint32_t off = 0;
		while (off + sizeof(struct multiboot_mmap_entry) <= mbi->mmap_length &&
		       bi->nregions < BOOT_MAX_REGIONS) {
			const struct multiboot_mmap_entry *e =
				(const void *)(uintptr_t)(mbi->mmap_addr + off);
			bi->map[bi->nregions].base = e->addr;
			bi->map[bi->nregions].len = e->len;
			bi->map[bi->nregions].type = e->type;
			bi->nregions++;
			if (e->size < 20)       /* corrupt entry: stop rather than loop */
				break;
			off += e->size + 4;
		}
	} else if (mbi->flags & MBI_FLAG_MEM) {
		/* No map: fall back to the two sizes, as old loaders give. */
		bi->map[0] = (struct mem_region){ 0, (uint64_t)mbi->mem_lower * 1024, 1 };
		bi->map[1] = (struct mem_region){ 1 * MiB, (uint64_t)mbi->mem_upper * 1024, 1 };
		bi->nregions = 2;
	}

	if (mbi->flags & MBI_FLAG_MODS) {
		const struct multiboot_mod *m = (const void *)(uintptr_t)mbi->mods_addr;
		note_boot_data(bi, mbi->mods_addr,
			       (paddr_t)mbi->mods_addr + mbi->mods_count * sizeof(*m));
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			if (bi->nmodules == BOOT_MAX_MODULES) {
				bi->modules_dropped++;
				continue;
			}
			struct boot_module *bm = &bi->modules[bi->nmodules++];
			bm->start = m[i].mod_start;
			bm->end = m[i].mod_end < m[i].mod_start ? m[i].mod_start : m[i].mod_end;
			bm->cmdline = boot_string(bi, m[i].string);
			note_boot_data(bi, bm->start, bm->end);
		}
	}
	return 0;
}

void boot_info_print(const struct boot_info *bi)
{
	uint64_t avail = 0;

	pr_info("boot loader: %s\n", bi->loader);
	pr_info("command line: '%s'\n", bi->cmdline);
	pr_info("memory map (%zu regions):\n", bi->nregions);
	for (size_t i = 0; i < bi->nregions; i++) {
		const struct mem_region *r = &bi->map[i];
		pr_info("  [0x%010llx-0x%010llx] %9llu KiB %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1),
			(unsigned long long)(r->len >> 10), mem_type_name(r->type));
		if (r->type == MEM_AVAILABLE)
			avail += r->len;
	}
	pr_info("memory: %llu KiB available\n", (unsigned long long)(avail >> 10));
	pr_info("modules: %zu\n", bi->nmodules);
	for (size_t i = 0; i < bi->nmodules; i++) {
		const struct boot_module *m = &bi->modules[i];
		pr_info("  module %zu: [%#010llx-%#010llx) %llu bytes, cmdline '%s'\n", i,
			(unsigned long long)m->start, (unsigned long long)m->end,
			(unsigned long long)(m->end - m->start), m->cmdline);
	}
	if (bi->modules_dropped)
		pr_warn("%zu modules beyond the first %d ignored\n", bi->modules_dropped,
			BOOT_MAX_MODULES);
}
