/*
 * Building a hw domain: memory, nested tables, devices, a VMCB, and the
 * guest kernel loaded as a PC boot loader would load it. The hypervisor is
 * the domain's boot loader:
 *
 *   multiboot v1 (the Multiboot Specification 0.6.96): an ELF kernel whose
 *   segments go to their physical addresses, an information structure with
 *   the memory map, the command line and the modules (the ramdisk), and
 *   the entry in 32-bit protected mode with paging off, EAX = 0x2BADB002,
 *   EBX = the structure.
 *
 *   the Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 32-bit
 *   entry: the bzImage's protected-mode part copied where it may run
 *   (hv/loader/bzimage.c decides), the initrd high in RAM, the zero page
 *   (boot_params: the setup header, the e820 map, the command line and the
 *   initrd), and the entry at the load address with ESI = the zero page,
 *   flat CS 0x10 / DS 0x18 from a GDT of ours, paging and interrupts off.
 *
 * Guest-physical layout (docs/hw.md): the information structure, its
 * memory map, command line and module list in the page at 0x9000; the
 * kernel where its ELF says (at or above 1 MiB); the modules after it,
 * page aligned.
 */
#include "hw.h"
#include "domain.h"
#include "domconfig.h"
#include "bzimage.h"
#include "elf.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "format.h"
#include "printk.h"
#include "string.h"
#include "time.h"

#define MB_MAGIC_EAX    0x2badb002u
#define MB_INFO_GPA     0x9000u
#define MB_EBDA         0x9fc00u        /* where a PC's base memory ends */

#define MBI_MEM         (1u << 0)
#define MBI_CMDLINE     (1u << 2)
#define MBI_MODS        (1u << 3)
#define MBI_MMAP        (1u << 6)
#define MBI_LOADER      (1u << 9)

struct __packed mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};
struct __packed mb_mod {
	uint32_t start, end, string, reserved;
};
struct __packed mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
};

/* The boot page: everything the information structure points to. */
struct __packed mb_page {
	struct mb_info info;
	struct mb_mmap mmap[4];
	struct mb_mod mod;
	char loader[16];
	char mod_name[16];
	char cmdline[DOMCFG_CMDLINE_MAX];
};
BUILD_ASSERT(sizeof(struct mb_page) <= PAGE_SIZE, "multiboot page");

static int alloc_memory(struct domain *d, uint32_t pages, char *err, size_t errlen)
{
	d->max_pages = pages;
	d->p2m_frames = (uint32_t)((pages * sizeof(pfn_t) + PAGE_SIZE - 1) / PAGE_SIZE);
	paddr_t p2m_pa;
	if (alloc_frames_contig(d->p2m_frames, &p2m_pa)) {
		d->p2m_frames = 0;
		snprintf(err, errlen, "no %u contiguous frames for the p2m", d->max_pages);
		return -ENOMEM;
	}
	d->p2m = phys_to_virt(p2m_pa);
	for (uint32_t i = 0; i < pages; i++) {
		paddr_t pa = alloc_frame();
		if (!pa) {
			snprintf(err, errlen, "out of memory after %u of %u frames", i, pages);
			return -ENOMEM;
		}
		d->p2m[i] = (pfn_t)(pa >> PAGE_SHIFT);
		d->nr_pages++;
	}
	return 0;
}

void hw_free_memory(struct domain *d)
{
	if (!d->p2m)
		return;
	for (uint32_t i = 0; i < d->nr_pages; i++)
		free_frame((paddr_t)d->p2m[i] << PAGE_SHIFT);
	for (uint32_t i = 0; i < d->p2m_frames; i++)
		free_frame(virt_to_phys(d->p2m) + i * PAGE_SIZE);
	d->p2m = NULL;
	d->nr_pages = 0;
	d->p2m_frames = 0;
}

static void *guest_page(uint32_t pfn, void *ctx)
{
	struct domain *d = ctx;
	/* Kernel segments go to RAM the guest owns, never to the ROM area. */
	uint64_t gpa = (uint64_t)pfn << PAGE_SHIFT;
	if (gpa >= HW_VGA_START && gpa < HW_LOW_END)
		return NULL;
	paddr_t ma = hw_gpa_to_ma(d, gpa);
	return ma ? phys_to_virt(ma) : NULL;
}

static int load_multiboot(struct domain *d, const struct domain_config *cfg, const void *kernel,
			  size_t kernel_size, const void *initrd, size_t initrd_size, char *err,
			  size_t errlen)
{
	uint32_t ram = d->hw->ram_bytes;
	struct elf_limits lim = { .virt_end = 0xffffffffull + 1, .virt_end_is = "the end of memory",
				  .flags = ELF_ENTRY_PHYS };
	struct elf_image img;
	char why[96];
	if (elf_parse_limits(kernel, kernel_size, &lim, &img, why, sizeof(why))) {
		snprintf(err, errlen, "kernel: %s", why);
		return -ENOEXEC;
	}
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf_segment *s = &img.seg[i];
		if (s->paddr < HW_LOW_END || (uint64_t)s->paddr + s->memsz > ram) {
			snprintf(err, errlen, "kernel segment %u at %#x-%#x is outside RAM "
				 "(1 MiB to %u MiB)", i, s->paddr, s->paddr + s->memsz, ram >> 20);
			return -E2BIG;
		}
	}
	if (elf_load(&img, kernel, kernel_size, guest_page, d)) {
		snprintf(err, errlen, "kernel: could not be copied into guest memory");
		return -EFAULT;
	}

	uint32_t mod_start = ALIGN_UP(img.paddr_end, PAGE_SIZE);
	if (initrd && (uint64_t)mod_start + initrd_size > ram) {
		snprintf(err, errlen, "ramdisk of %zu KiB does not fit after the kernel in %u MiB",
			 initrd_size >> 10, ram >> 20);
		return -E2BIG;
	}
	if (initrd && hw_copy_to_gpa(d, mod_start, initrd, initrd_size)) {
		snprintf(err, errlen, "ramdisk: could not be copied into guest memory");
		return -EFAULT;
	}

	struct mb_page *p = phys_to_virt(hw_gpa_to_ma(d, MB_INFO_GPA));
	memset(p, 0, sizeof(*p));
#define GPA_OF(field) (MB_INFO_GPA + (uint32_t)((const char *)&p->field - (const char *)p))
	p->info.flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER | (initrd ? MBI_MODS : 0);
	p->info.mem_lower = MB_EBDA >> 10;
	p->info.mem_upper = (ram - HW_LOW_END) >> 10;
	p->info.boot_device = 0xffffffffu;
	snprintf(p->cmdline, sizeof(p->cmdline), "%s", cfg->cmdline);
	p->info.cmdline = GPA_OF(cmdline);
	snprintf(p->loader, sizeof(p->loader), "ringvisor");
	p->info.boot_loader_name = GPA_OF(loader);
	static const struct { uint64_t addr, len; uint32_t type; } map[] = {
		{ 0, MB_EBDA, 1 },
		{ MB_EBDA, HW_VGA_START - MB_EBDA, 2 },
		{ 0xf0000, 0x10000, 2 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		p->mmap[i] = (struct mb_mmap){ 20, map[i].addr, map[i].len, map[i].type };
	p->mmap[3] = (struct mb_mmap){ 20, HW_LOW_END, ram - HW_LOW_END, 1 };
	p->info.mmap_addr = GPA_OF(mmap);
	p->info.mmap_length = sizeof(p->mmap);
	if (initrd) {
		snprintf(p->mod_name, sizeof(p->mod_name), "ramdisk");
		p->mod = (struct mb_mod){ mod_start, mod_start + (uint32_t)initrd_size,
					  GPA_OF(mod_name), 0 };
		p->info.mods_count = 1;
		p->info.mods_addr = GPA_OF(mod);
	}
#undef GPA_OF

	struct vmcb *v = d->hw->vmcb;
	v->rip = img.entry;
	v->rax = MB_MAGIC_EAX;
	d->hw->gprs.ebx = MB_INFO_GPA;
	v->rsp = 0x7c00;                /* the spec leaves it undefined; something sane */
	printk("domain %u (%s): %s, %u MiB, multiboot kernel [%#x-%#x) entry %#x, ramdisk %zu KiB "
	       "at %#x, %u frames of nested tables\n", d->id, d->name, dom_mode_name(d->mode),
	       ram >> 20, img.seg[0].paddr, img.paddr_end, img.entry, initrd_size >> 10,
	       initrd ? mod_start : 0, d->hw->npt_frames);
	return 0;
}

/*
 * A raw image (realmode = ADDR in the config): copied to ADDR and entered
 * in real mode at 0000:ADDR with DL = 0x80, as a PC BIOS enters a boot
 * sector it read from the first hard disk to 0x7c00: CR0.PE clear, every
 * segment base 0 with 64 KiB limits, the real-mode IVT at 0 (empty: there
 * is no BIOS behind it).
 */
static int load_realmode(struct domain *d, const struct domain_config *cfg, const void *kernel,
			 size_t kernel_size, char *err, size_t errlen)
{
	uint32_t at = cfg->realmode;
	if (!kernel_size || at + kernel_size > MB_EBDA) {
		snprintf(err, errlen, "real-mode image of %zu bytes does not fit at %#x below %#x",
			 kernel_size, at, MB_EBDA);
		return -E2BIG;
	}
	if (hw_copy_to_gpa(d, at, kernel, kernel_size)) {
		snprintf(err, errlen, "real-mode image: could not be copied into guest memory");
		return -EFAULT;
	}
	struct vmcb *v = d->hw->vmcb;
	struct vmcb_seg *segs[] = { &v->cs, &v->ds, &v->es, &v->ss, &v->fs, &v->gs };
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		*segs[i] = (struct vmcb_seg){ .sel = 0, .attrib = i ? 0x0093 : 0x009b,
					      .limit = 0xffff, .base = 0 };
	v->gdtr = (struct vmcb_seg){ .limit = 0 };
	v->idtr = (struct vmcb_seg){ .limit = 0x3ff };
	v->cr0 = 1u << 4;               /* ET; PE and PG clear */
	v->rip = at;
	v->rsp = at;                    /* the stack grows down below the image, as at boot */
	v->rax = 0;
	d->hw->gprs = (struct hw_gprs){ .edx = 0x80 };
	printk("domain %u (%s): hw, %u MiB, real-mode image of %zu bytes at 0000:%04x\n", d->id,
	       d->name, d->hw->ram_bytes >> 20, kernel_size, at);
	return 0;
}

/* Linux: the zero page, the command line and a flat GDT, each a page. */
#define LX_ZERO_PAGE_GPA        0x10000u
#define LX_CMDLINE_GPA          0x11000u
#define LX_GDT_GPA              0x12000u

static int load_linux(struct domain *d, const struct domain_config *cfg, const void *kernel,
		      size_t kernel_size, const void *initrd, size_t initrd_size, char *err,
		      size_t errlen)
{
	struct bzimage_info bi;
	struct e820_entry map[8];
	uint32_t load, initrd_gpa = 0;
	char why[120];
	/*
	 * The guest's TSC is the host's, whose rate we measured: the loader
	 * tells Linux (tsc_early_khz=, unless the config says), as firmware
	 * does through CPUID 0x15 on Intel. Linux's own calibration times
	 * reads of the PIT and rejects those slower than an SMI would make
	 * them (50,000 TSC cycles, about 20 us here); each read is an exit,
	 * about 27 us on this emulated machine (docs/hw.md).
	 */
	static char cmdline[DOMCFG_CMDLINE_MAX + 32];
	if (strstr(cfg->cmdline, "tsc_early_khz="))
		snprintf(cmdline, sizeof(cmdline), "%s", cfg->cmdline);
	else
		snprintf(cmdline, sizeof(cmdline), "%s%stsc_early_khz=%llu", cfg->cmdline,
			 cfg->cmdline[0] ? " " : "", (unsigned long long)(time_tsc_hz() / 1000));
	int n = bzimage_pc_e820(map, ARRAY_SIZE(map), d->hw->ram_bytes);
	int rc = n < 0 ? n : bzimage_parse(kernel, kernel_size, &bi, why, sizeof(why));
	if (!rc)
		rc = bzimage_check_cmdline(&bi, cmdline, why, sizeof(why));
	if (!rc)
		rc = bzimage_kernel_place(&bi, map, (unsigned)n, &load, why, sizeof(why));
	if (!rc && initrd)
		rc = bzimage_initrd_place(&bi, map, (unsigned)n, (uint32_t)initrd_size, load,
					  &initrd_gpa, why, sizeof(why));
	if (!rc)
		rc = bzimage_boot_params(&bi, kernel, phys_to_virt(hw_gpa_to_ma(d, LX_ZERO_PAGE_GPA)),
					 map, (unsigned)n, LX_CMDLINE_GPA, initrd_gpa,
					 (uint32_t)initrd_size, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "Linux kernel: %s", n < 0 ? "no memory map for this RAM size" :
			 why);
		return rc;
	}
	if (hw_copy_to_gpa(d, load, (const uint8_t *)kernel + bi.kernel_offset, bi.kernel_size) ||
	    (initrd && hw_copy_to_gpa(d, initrd_gpa, initrd, initrd_size)) ||
	    hw_copy_to_gpa(d, LX_CMDLINE_GPA, cmdline, strlen(cmdline) + 1)) {
		snprintf(err, errlen, "Linux kernel: could not be copied into guest memory");
		return -EFAULT;
	}
	/* The GDT the protocol asks for: __BOOT_CS (0x10) and __BOOT_DS (0x18)
	 * flat 4 GiB; the kernel loads its own at once. */
	static const uint64_t gdt[4] = { 0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	hw_copy_to_gpa(d, LX_GDT_GPA, gdt, sizeof(gdt));
	struct vmcb *v = d->hw->vmcb;
	v->gdtr.base = LX_GDT_GPA;
	v->gdtr.limit = sizeof(gdt) - 1;
	v->cs.sel = BZ_BOOT_CS;
	v->ds.sel = v->es.sel = v->ss.sel = v->fs.sel = v->gs.sel = BZ_BOOT_DS;
	v->rip = load;
	v->rax = 0;
	d->hw->gprs = (struct hw_gprs){ .esi = LX_ZERO_PAGE_GPA };
	v->rsp = LX_ZERO_PAGE_GPA;      /* unused by the 32-bit entry; below the zero page */
	printk("domain %u (%s): hw, Linux %s, protocol %u.%02u, %u MiB, kernel at %#x, "
	       "initrd %zu KiB at %#x\n", d->id, d->name, bi.version_string[0] ?
	       bi.version_string : "(no version string)", bi.version >> 8, bi.version & 0xff,
	       d->hw->ram_bytes >> 20, load, initrd_size >> 10, initrd_gpa);
	return 0;
}

int hw_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
	     size_t kernel_size, const void *initrd, size_t initrd_size, char *err, size_t errlen)
{
	return hw_build_pc(d, cfg, kernel, kernel_size, initrd, initrd_size, true, err, errlen);
}

int hw_build_pc(struct domain *d, const struct domain_config *cfg, const void *kernel,
		size_t kernel_size, const void *initrd, size_t initrd_size, bool svm, char *err,
		size_t errlen)
{
	if (svm && !hw_svm_ready) {
		snprintf(err, errlen, "hardware virtualization is not available: %s", hw_svm_missing);
		return -ENODEV;
	}
	if (svm && cfg->npt && !hw_npt_ready) {
		snprintf(err, errlen, "nested paging is not available: %s (npt = off runs the domain "
			 "with shadow paging)", hw_npt_missing);
		return -ENODEV;
	}
	uint32_t ram = cfg->memory_kib * 1024u;
	if (ram < (2u << 20) || ram > HW_RAM_MAX) {
		snprintf(err, errlen, "memory of %u KiB: a hw domain needs 2 MiB to %u MiB",
			 cfg->memory_kib, HW_RAM_MAX >> 20);
		return -EINVAL;
	}
	BUILD_ASSERT(sizeof(struct vdev_table) <= PAGE_SIZE, "vdev table fits a frame");
	paddr_t hw_pa = 0, vdev_pa = alloc_frame();
	if (!vdev_pa || alloc_frames_contig(HW_DOMAIN_FRAMES, &hw_pa)) {
		if (vdev_pa)
			free_frame(vdev_pa);
		snprintf(err, errlen, "out of memory for the domain's state");
		return -ENOMEM;
	}
	d->hw = phys_to_virt(hw_pa);
	d->vdevs = phys_to_virt(vdev_pa);
	d->hw->ram_bytes = ram;
	d->hw->need_flush = true;
	d->hw->shadow = svm && !cfg->npt;

	int rc = alloc_memory(d, ram >> PAGE_SHIFT, err, errlen);
	if (!rc && svm && !d->hw->shadow)
		rc = hw_npt_build(d, err, errlen);
	if (!rc && hw_vmcb_create(d)) {
		snprintf(err, errlen, "out of memory for the VMCB");
		rc = -ENOMEM;
	}
	if (!rc)
		rc = hw_devices_init(d, cfg, err, errlen);
	if (!rc) {
		int n = domconfig_format(cfg, d->hw->config, sizeof(d->hw->config));
		d->hw->config_len = n > 0 ? (uint32_t)n : 0;    /* too long: it cannot be saved */
	}
	if (!rc && !kernel)
		return 0;       /* a restore: its memory and registers come from the file */
	if (!rc && cfg->realmode)
		rc = load_realmode(d, cfg, kernel, kernel_size, err, errlen);
	else if (!rc && bzimage_is(kernel, kernel_size))
		rc = load_linux(d, cfg, kernel, kernel_size, initrd, initrd_size, err, errlen);
	else if (!rc)
		rc = load_multiboot(d, cfg, kernel, kernel_size, initrd, initrd_size, err, errlen);
	if (!rc && d->hw->shadow)
		rc = hw_shadow_init(d, err, errlen);   /* from the entry registers just set */
	return rc;
}
