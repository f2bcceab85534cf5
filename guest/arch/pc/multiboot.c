/* ringos pc port: what the multiboot loader tells us (modules, memory). */
#include "arch.h"
#include "kernel.h"

struct __attribute__((packed)) mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4], mmap_length, mmap_addr;
};
struct __attribute__((packed)) mb_mod {
	uint32_t start, end, string, reserved;
};
struct __attribute__((packed)) mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

extern char __kernel_end[];

void pc_multiboot(uint32_t info, struct arch_boot_info *bi);
void pc_multiboot(uint32_t info, struct arch_boot_info *bi)
{
	const struct mb_info *mbi = phys_to_virt(info);
	paddr_t first_free = virt_to_phys(__kernel_end), end = 0;

	bi->cmdline = (mbi->flags & 4) ? phys_to_virt(mbi->cmdline) : "";
	if (mbi->flags & 8) {
		const struct mb_mod *m = phys_to_virt(mbi->mods_addr);
		for (uint32_t i = 0; i < mbi->mods_count && i < ARRAY_SIZE(bi->modules); i++) {
			bi->modules[i] = (struct boot_module_info){ m[i].start, m[i].end,
								    phys_to_virt(m[i].string) };
			bi->nmodules++;
			if (m[i].end > first_free)
				first_free = m[i].end;
		}
	}
	/* Our RAM: the available region that holds the kernel, within the
	 * first GiB (what the kernel maps). */
	if (mbi->flags & 64) {
		for (uint32_t off = 0; off < mbi->mmap_length;) {
			const struct mb_mmap *e = phys_to_virt(mbi->mmap_addr + off);
			if (e->type == 1 && e->addr <= 0x100000 && e->addr + e->len > 0x100000)
				end = e->addr + e->len;
			off += e->size + 4;
		}
	} else {
		end = 0x100000 + (paddr_t)mbi->mem_upper * 1024;
	}
	if (end > 0x40000000)
		end = 0x40000000;
	mem_init(ALIGN_UP(first_free, PAGE_SIZE), ALIGN_DOWN(end, PAGE_SIZE));
}
