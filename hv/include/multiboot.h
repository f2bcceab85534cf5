/* Multiboot v1 boot information, as the boot loader hands it over. */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

#include "types.h"
#include "frame.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

#define MBI_FLAG_MEM            (1u << 0)
#define MBI_FLAG_CMDLINE        (1u << 2)
#define MBI_FLAG_MODS           (1u << 3)
#define MBI_FLAG_MMAP           (1u << 6)
#define MBI_FLAG_LOADER_NAME    (1u << 9)

struct __packed multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;  /* KiB below 1 MiB / above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

struct __packed multiboot_mod {
	uint32_t mod_start, mod_end;    /* [start, end) physical */
	uint32_t string;                /* its command line */
	uint32_t reserved;
};

/* One memory map entry; `size` does not count itself. */
struct __packed multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 128

struct boot_module {
	paddr_t start, end;             /* [start, end) */
	const char *cmdline;            /* never NULL */
};

/* What the hypervisor keeps of the boot information. */
struct boot_info {
	const char *cmdline;            /* never NULL */
	const char *loader;             /* boot loader name, or "unknown" */
	struct mem_region map[BOOT_MAX_REGIONS];
	size_t nregions;
	struct boot_module modules[BOOT_MAX_MODULES];
	size_t nmodules;
	size_t modules_dropped;         /* beyond BOOT_MAX_MODULES */
	/* Physical ranges the boot data itself occupies (to keep reserved). */
	struct { paddr_t start, end; } boot_data[4 + 2 * BOOT_MAX_MODULES];
	size_t nboot_data;
};

extern struct boot_info boot_info;

/* Copy what we need out of the loader's structures. Returns 0 or -EINVAL. */
int multiboot_parse(uint32_t magic, const struct multiboot_info *mbi, struct boot_info *bi);
void boot_info_print(const struct boot_info *bi);
const char *mem_type_name(uint32_t type);

#endif
