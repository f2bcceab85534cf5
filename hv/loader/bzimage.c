/*
 * Linux's bzImage and the 32-bit boot protocol, the loader's side (pure;
 * see bzimage.h, docs/linux.md). The source for every field and rule is
 * Linux's Documentation/arch/x86/boot.rst and zero-page.rst.
 */
#include "bzimage.h"
#include "errno.h"
#include "format.h"
#include "string.h"

#define ONE_MiB         0x100000u
#define FOUR_GiB        0x100000000ull

static int __printf(4, 5) fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* The NUL-terminated kernel version string at kernel_version + 0x200, if
 * the kernel has one inside the setup code; printable characters only. */
static void copy_version(const uint8_t *p, size_t len, const struct bzimage_info *bi, char *dst,
			 size_t dlen)
{
	uint32_t off = bi->hdr.kernel_version;
	size_t n = 0;

	dst[0] = '\0';
	if (!off)
		return;
	off += 0x200;
	if (off >= bi->kernel_offset || off >= len)
		return;
	while (n + 1 < dlen && off + n < bi->kernel_offset && p[off + n] >= 0x20 && p[off + n] < 0x7f) {
		dst[n] = (char)p[off + n];
		n++;
	}
	dst[n] = '\0';
}

/* Magic numbers and version: is this a bzImage this loader can boot at all? */
static int check_magic(const uint8_t *p, size_t len, struct bzimage_info *bi, char *err,
		       size_t errlen)
{
	const struct bz_setup_header *h = &bi->hdr;
	uint32_t end;

	/* The header up to and including the version word (0x207). */
	if (len < 0x208)
		return fail(err, errlen, -ENOEXEC,
			    "%zu bytes: too short for a Linux setup header (it ends past 0x207)", len);
	if (h->boot_flag != BZ_BOOT_FLAG)
		return fail(err, errlen, -ENOEXEC, "boot_flag at 0x1fe is 0x%04x, need 0xaa55",
			    h->boot_flag);
	if (h->header != BZ_HDRS)
		return fail(err, errlen, -ENOEXEC,
			    "no \"HdrS\" at 0x202 (found %02x %02x %02x %02x): a kernel older than protocol 2.00, or not a kernel",
			    p[0x202], p[0x203], p[0x204], p[0x205]);
	/*
	 * 2.06 is the first version whose header has every field the 32-bit
	 * entry needs from the loader: a 32-bit cmd_line_ptr (2.02),
	 * initrd_addr_max (2.03), syssize as 32 bits (2.04), relocatable_kernel
	 * and kernel_alignment (2.05) and cmdline_size (2.06; before it the
	 * limit was an unwritten 255 bytes). Linux 2.6.22 (2007) has it.
	 */
	if (h->version < BZ_MIN_VERSION)
		return fail(err, errlen, -ENOEXEC, "boot protocol %u.%02u: need 2.06 or later",
			    h->version >> 8, h->version & 0xff);
	/* The header's own length: the jump at 0x200 skips it. */
	end = 0x202u + p[0x201];
	if (end < 0x23c)
		return fail(err, errlen, -EINVAL,
			    "setup header ends at 0x%x (jump at 0x200), before cmdline_size (0x238-0x23b) of protocol %u.%02u",
			    end, h->version >> 8, h->version & 0xff);
	if (end > len)
		return fail(err, errlen, -EINVAL, "setup header ends at 0x%x, past the %zu-byte file",
			    end, len);
	bi->hdr_len = MIN(end, 0x26cu) - BZ_HDR_OFFSET;
	return 0;
}

/* The layout of the file: setup sectors, then syssize paragraphs of kernel. */
static int check_layout(size_t len, struct bzimage_info *bi, char *err, size_t errlen)
{
	const struct bz_setup_header *h = &bi->hdr;
	uint64_t end;

	if (!(h->loadflags & BZ_LOADED_HIGH))
		return fail(err, errlen, -ENOEXEC,
			    "loadflags 0x%02x without LOADED_HIGH: a zImage (loaded at 0x10000), need a bzImage",
			    h->loadflags);
	/* boot.rst: "If this field is 0, the real value is 4." */
	bi->setup_sects = h->setup_sects ? h->setup_sects : 4;
	/* The setup code and its heap live in one 64 KiB real-mode segment
	 * with the boot sector: the kernel's own build refuses more. */
	if (bi->setup_sects > BZ_SETUP_SECTS_MAX)
		return fail(err, errlen, -EINVAL,
			    "setup_sects %u: the real-mode setup must fit in 32 KiB (at most %u sectors)",
			    bi->setup_sects, BZ_SETUP_SECTS_MAX);
	bi->kernel_offset = (bi->setup_sects + 1) * BZ_SECTOR;
	if (bi->kernel_offset < BZ_HDR_OFFSET + bi->hdr_len)
		return fail(err, errlen, -EINVAL,
			    "setup_sects %u: the kernel would start at 0x%x, inside the setup header",
			    bi->setup_sects, bi->kernel_offset);
	if (!h->syssize)
		return fail(err, errlen, -EINVAL, "syssize 0: no protected-mode kernel");
	end = (uint64_t)bi->kernel_offset + (uint64_t)h->syssize * 16;
	if (end > len)
		return fail(err, errlen, -EINVAL,
			    "kernel bigger than the file: setup 0x%x + syssize 0x%x * 16 = %llu bytes, the file has %zu",
			    bi->kernel_offset, h->syssize, (unsigned long long)end, len);
	bi->kernel_size = h->syssize * 16;
	return 0;
}

/* Where the kernel may be loaded and how much memory it needs. */
static int check_placement(struct bzimage_info *bi, char *err, size_t errlen)
{
	const struct bz_setup_header *h = &bi->hdr;

	if (h->code32_start < ONE_MiB)
		return fail(err, errlen, -EINVAL,
			    "code32_start 0x%x: a bzImage's protected-mode code runs at 1 MiB or above",
			    h->code32_start);
	if (h->relocatable_kernel > 1)
		return fail(err, errlen, -EINVAL, "relocatable_kernel %u: need 0 or 1", h->relocatable_kernel);
	bi->relocatable = h->relocatable_kernel;
	bi->kernel_alignment = h->kernel_alignment;
	if (bi->relocatable && (!is_pow2(h->kernel_alignment) || h->kernel_alignment < PAGE_SIZE))
		return fail(err, errlen, -EINVAL,
			    "kernel_alignment 0x%x: a relocatable kernel needs a power of two of at least 4 KiB",
			    h->kernel_alignment);
	if (h->version >= 0x020a) {
		if (h->pref_address >= FOUR_GiB || h->pref_address < ONE_MiB)
			return fail(err, errlen, -EINVAL,
				    "pref_address 0x%llx: need 1 MiB or above, below 4 GiB",
				    (unsigned long long)h->pref_address);
		if (bi->relocatable && (h->pref_address & (h->kernel_alignment - 1)))
			return fail(err, errlen, -EINVAL,
				    "pref_address 0x%llx is not a multiple of kernel_alignment 0x%x",
				    (unsigned long long)h->pref_address, h->kernel_alignment);
		if (h->init_size < bi->kernel_size)
			return fail(err, errlen, -EINVAL,
				    "init_size 0x%x is smaller than the kernel itself (0x%x bytes)",
				    h->init_size, bi->kernel_size);
		bi->pref_address = (uint32_t)h->pref_address;
		bi->init_size = h->init_size;
	} else {
		/* Before 2.10 neither exists: a fixed kernel runs at code32_start,
		 * a relocatable one prefers it too. init_size is a guess: the
		 * decompressed kernel is about three times the compressed one,
		 * and the decompressor works in place behind it. */
		bi->pref_address = h->code32_start;
		bi->init_size = bi->kernel_size * 4;
	}
	if ((uint64_t)bi->pref_address + bi->init_size > FOUR_GiB)
		return fail(err, errlen, -EINVAL,
			    "the kernel at 0x%x with init_size 0x%x would run past 4 GiB",
			    bi->pref_address, bi->init_size);
	return 0;
}

int bzimage_parse(const void *img, size_t len, struct bzimage_info *out, char *err, size_t errlen)
{
	const uint8_t *p = img;
	const struct bz_setup_header *h = &out->hdr;
	int rc;

	memset(out, 0, sizeof(*out));
	/* The image may be unaligned and shorter than a full header: copy
	 * what there is; check_magic() decides whether it is enough. */
	if (len > BZ_HDR_OFFSET)
		memcpy(&out->hdr, p + BZ_HDR_OFFSET, MIN(len - BZ_HDR_OFFSET, sizeof(out->hdr)));
	rc = check_magic(p, len, out, err, errlen);
	if (rc)
		return rc;
	/* Fields past the kernel's own header length are not its fields. */
	memset((uint8_t *)&out->hdr + out->hdr_len, 0, sizeof(out->hdr) - out->hdr_len);
	out->version = h->version;
	rc = check_layout(len, out, err, errlen);
	if (rc)
		return rc;
	rc = check_placement(out, err, errlen);
	if (rc)
		return rc;
	if (!h->initrd_addr_max || h->initrd_addr_max < ONE_MiB)
		return fail(err, errlen, -EINVAL, "initrd_addr_max 0x%x: need 1 MiB or above",
			    h->initrd_addr_max);
	if (!h->cmdline_size)
		return fail(err, errlen, -EINVAL, "cmdline_size 0: the kernel takes no command line");
	out->initrd_addr_max = h->initrd_addr_max;
	out->cmdline_size = h->cmdline_size;
	copy_version(p, len, out, out->version_string, sizeof(out->version_string));
	return 0;
}

/* Does [start, start + size) lie inside one RAM entry of map? */
static bool in_ram(const struct e820_entry *map, unsigned nmap, uint64_t start, uint64_t size)
{
	for (unsigned i = 0; i < nmap; i++) {
		if (map[i].type != E820_RAM)
			continue;
		if (start >= map[i].addr && start + size <= map[i].addr + map[i].size &&
		    start + size >= start)
			return true;
	}
	return false;
}

/* Is [start, start + size) free of every non-RAM entry? Maps may overlap:
 * a reserved range inside a RAM entry wins, as in Linux's e820 sanitizing. */
static const struct e820_entry *first_hole(const struct e820_entry *map, unsigned nmap,
					   uint64_t start, uint64_t size);

static bool clear_of_holes(const struct e820_entry *map, unsigned nmap, uint64_t start, uint64_t size)
{
	return !first_hole(map, nmap, start, size);
}

/* The first non-RAM entry overlapping [start, start + size), or NULL. */
static const struct e820_entry *first_hole(const struct e820_entry *map, unsigned nmap,
					   uint64_t start, uint64_t size)
{
	for (unsigned i = 0; i < nmap; i++)
		if (map[i].type != E820_RAM && start < map[i].addr + map[i].size &&
		    map[i].addr < start + size)
			return &map[i];
	return NULL;
}

static bool usable(const struct e820_entry *map, unsigned nmap, uint64_t start, uint64_t size)
{
	return in_ram(map, nmap, start, size) && clear_of_holes(map, nmap, start, size);
}

static uint64_t ram_total(const struct e820_entry *map, unsigned nmap)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < nmap; i++)
		if (map[i].type == E820_RAM)
			sum += map[i].size;
	return sum;
}

int bzimage_kernel_place(const struct bzimage_info *bi, const struct e820_entry *map, unsigned nmap,
			 uint32_t *load_gpa, char *err, size_t errlen)
{
	uint64_t need = MAX(bi->init_size, bi->kernel_size);

	if (usable(map, nmap, bi->pref_address, need)) {
		*load_gpa = bi->pref_address;
		return 0;
	}
	/* A relocatable kernel runs at any kernel_alignment boundary (boot.rst:
	 * "the boot loader may place it anywhere ... aligned"): take the lowest
	 * usable one, so the initrd keeps the top. Within a RAM range, a hole
	 * (a reserved entry inside it) moves the search past its end. */
	if (bi->relocatable) {
		uint64_t align = bi->kernel_alignment, best = FOUR_GiB;

		for (unsigned i = 0; i < nmap; i++) {
			uint64_t a, end = map[i].addr + map[i].size;
			const struct e820_entry *h;

			if (map[i].type != E820_RAM)
				continue;
			a = ALIGN_UP(MAX(map[i].addr, (uint64_t)ONE_MiB), align);
			while (a + need <= MIN(end, FOUR_GiB) && a < best) {
				h = first_hole(map, nmap, a, need);
				if (!h) {
					best = a;
					break;
				}
				a = ALIGN_UP(h->addr + h->size, align);
			}
		}
		if (best < FOUR_GiB) {
			*load_gpa = (uint32_t)best;
			return 0;
		}
		return fail(err, errlen, -ENOMEM,
			    "the kernel needs 0x%llx bytes (init_size) at a 0x%x-aligned address above 1 MiB: no RAM range holds it (0x%llx bytes of RAM in all)",
			    (unsigned long long)need, bi->kernel_alignment,
			    (unsigned long long)ram_total(map, nmap));
	}
	return fail(err, errlen, -ENOMEM,
		    "the kernel is not relocatable and needs 0x%llx bytes (init_size) of RAM at 0x%x: the map has no RAM there (0x%llx bytes of RAM in all)",
		    (unsigned long long)need, bi->pref_address, (unsigned long long)ram_total(map, nmap));
}

int bzimage_initrd_place(const struct bzimage_info *bi, const struct e820_entry *map, unsigned nmap,
			 uint32_t initrd_len, uint32_t kernel_gpa, uint32_t *initrd_gpa, char *err,
			 size_t errlen)
{
	uint64_t klen = MAX(bi->init_size, bi->kernel_size);
	uint64_t limit = (uint64_t)bi->initrd_addr_max + 1;     /* one past the last byte allowed */
	uint64_t best = 0;
	bool found = false;

	if (!initrd_len)
		return fail(err, errlen, -EINVAL, "an initrd of 0 bytes: pass none instead");
	for (unsigned i = 0; i < nmap; i++) {
		uint64_t lo, hi, top, a;

		if (map[i].type != E820_RAM)
			continue;
		lo = MAX(map[i].addr, (uint64_t)ONE_MiB);
		hi = MIN(map[i].addr + map[i].size, limit);
		/* Up to two tries per range: its top, then just below the kernel
		 * if the top would overlap it. */
		for (int k = 0; k < 2; k++) {
			top = k == 0 ? hi : MIN(hi, (uint64_t)kernel_gpa);
			if (top < lo + initrd_len)
				break;
			a = ALIGN_DOWN(top - initrd_len, (uint64_t)PAGE_SIZE);
			if (a < lo)
				break;
			if (a < kernel_gpa + klen && kernel_gpa < a + initrd_len)
				continue;               /* overlaps the kernel: try below it */
			if (clear_of_holes(map, nmap, a, initrd_len) && (!found || a > best)) {
				best = a;
				found = true;
			}
			break;
		}
	}
	if (!found)
		return fail(err, errlen, -ENOMEM,
			    "no room for an initrd of 0x%x bytes: RAM above 1 MiB and below initrd_addr_max 0x%x, apart from the kernel's 0x%llx bytes at 0x%x (0x%llx bytes of RAM in all)",
			    initrd_len, bi->initrd_addr_max, (unsigned long long)klen, kernel_gpa,
			    (unsigned long long)ram_total(map, nmap));
	*initrd_gpa = (uint32_t)best;
	return 0;
}

int bzimage_check_cmdline(const struct bzimage_info *bi, const char *cmdline, char *err, size_t errlen)
{
	size_t n = strnlen(cmdline, (size_t)bi->cmdline_size + 1);

	if (n > bi->cmdline_size)
		return fail(err, errlen, -E2BIG,
			    "command line of %zu bytes or more: the kernel takes at most %u (cmdline_size)",
			    strlen(cmdline), bi->cmdline_size);
	return 0;
}

int bzimage_pc_e820(struct e820_entry *map, unsigned max, uint32_t ram_bytes)
{
	if (ram_bytes < 2 * ONE_MiB || ram_bytes > BZ_IOAPIC_BASE)
		return -EINVAL;
	if (max < BZ_PC_E820_ENTRIES)
		return -ENOSPC;
	/* What a PC's BIOS reports: conventional memory up to the EBDA's
	 * last KiB, the EBDA, VGA window and ROMs reserved, extended memory,
	 * then the interrupt controllers' registers (one page each). */
	map[0] = (struct e820_entry){ 0, BZ_EBDA_START, E820_RAM };
	map[1] = (struct e820_entry){ BZ_EBDA_START, ONE_MiB - BZ_EBDA_START, E820_RESERVED };
	map[2] = (struct e820_entry){ ONE_MiB, ram_bytes - ONE_MiB, E820_RAM };
	map[3] = (struct e820_entry){ BZ_IOAPIC_BASE, PAGE_SIZE, E820_RESERVED };
	map[4] = (struct e820_entry){ BZ_LAPIC_BASE, PAGE_SIZE, E820_RESERVED };
	return BZ_PC_E820_ENTRIES;
}

static int check_map(const struct e820_entry *map, unsigned nmap, char *err, size_t errlen)
{
	if (!nmap)
		return fail(err, errlen, -EINVAL, "an empty e820 map");
	if (nmap > E820_MAX_ZEROPAGE)
		return fail(err, errlen, -E2BIG, "%u e820 entries: the zero page holds %u", nmap,
			    E820_MAX_ZEROPAGE);
	for (unsigned i = 0; i < nmap; i++) {
		if (!map[i].size || map[i].addr + map[i].size < map[i].addr)
			return fail(err, errlen, -EINVAL,
				    "e820 entry %u (0x%llx, 0x%llx bytes) is empty or wraps", i,
				    (unsigned long long)map[i].addr, (unsigned long long)map[i].size);
		if (map[i].type < E820_RAM || map[i].type > E820_UNUSABLE)
			return fail(err, errlen, -EINVAL, "e820 entry %u has type %u: need 1-5", i,
				    map[i].type);
	}
	return 0;
}

/* KiB of RAM contiguous from 1 MiB: what a BIOS reports as extended memory. */
static uint32_t ext_mem_k(const struct e820_entry *map, unsigned nmap)
{
	for (unsigned i = 0; i < nmap; i++)
		if (map[i].type == E820_RAM && map[i].addr <= ONE_MiB &&
		    map[i].addr + map[i].size > ONE_MiB)
			return (uint32_t)MIN((map[i].addr + map[i].size - ONE_MiB) / 1024, 0xffffffffull);
	return 0;
}

int bzimage_boot_params(const struct bzimage_info *bi, const void *img, void *zero_page,
			const struct e820_entry *map, unsigned nmap, uint32_t cmdline_gpa,
			uint32_t initrd_gpa, uint32_t initrd_len, char *err, size_t errlen)
{
	struct bz_zero_page *zp = zero_page;
	int rc;

	rc = check_map(map, nmap, err, errlen);
	if (rc)
		return rc;
	if (!usable(map, nmap, cmdline_gpa, 1))
		return fail(err, errlen, -EINVAL, "the command line at 0x%x is not in RAM", cmdline_gpa);
	if (initrd_len) {
		if ((uint64_t)initrd_gpa + initrd_len - 1 > bi->initrd_addr_max)
			return fail(err, errlen, -EINVAL,
				    "the initrd at 0x%x (0x%x bytes) ends above initrd_addr_max 0x%x",
				    initrd_gpa, initrd_len, bi->initrd_addr_max);
		if (!usable(map, nmap, initrd_gpa, initrd_len))
			return fail(err, errlen, -EINVAL,
				    "the initrd at 0x%x (0x%x bytes) is not inside one RAM range",
				    initrd_gpa, initrd_len);
	}

	/* Cleared first: the kernel takes a non-zero sentinel (0x1ef) for a
	 * loader that copied garbage, and every field below is "none" as 0. */
	memset(zp, 0, sizeof(*zp));
	memcpy(&zp->hdr, (const uint8_t *)img + BZ_HDR_OFFSET, bi->hdr_len);

	zp->hdr.type_of_loader = BZ_LOADER_UNDEFINED;
	/* The heap only matters to the 16-bit setup code, which the 32-bit
	 * entry skips; it is set as boot.rst's sample loader does so that the
	 * page is what a BIOS loader would hand over. KEEP_SEGMENTS stays clear:
	 * it is obsolete, and the 32-bit entry loads the kernel's own GDT. */
	zp->hdr.loadflags = (uint8_t)((zp->hdr.loadflags & ~BZ_KEEP_SEGMENTS) | BZ_CAN_USE_HEAP);
	zp->hdr.heap_end_ptr = BZ_HEAP_END - 0x200;
	zp->hdr.cmd_line_ptr = cmdline_gpa;
	zp->hdr.ramdisk_image = initrd_len ? initrd_gpa : 0;
	zp->hdr.ramdisk_size = initrd_len;

	/* screen_info all zero: 0 lines and 0 columns, orig_video_isVGA 0.
	 * Linux's VGA console then gives up (vgacon_startup) and the console
	 * is the one console= names. */
	zp->alt_mem_k = ext_mem_k(map, nmap);
	zp->e820_entries = (uint8_t)nmap;
	memcpy(zp->e820_table, map, nmap * sizeof(*map));
	return 0;
}
