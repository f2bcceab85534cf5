/*
 * Building a pv domain: memory, the kernel image, the boot layout, the
 * initial page tables, start info and shared info, and the first registers.
 *
 * Guest memory is nr_pages frames, allocated one by one (not contiguous in
 * machine memory). Pseudo-physical frame N is mapped at virt_base + N * 4 KiB
 * and the kernel's segments sit at their ELF p_paddr. After the kernel come,
 * in pseudo-physical order (docs/abi.md):
 *
 *   start info (1 page) | p2m array | initrd | page tables | boot stack (4 pages) | free
 *
 * The page-table frames are mapped read-only: the guest can read its tables
 * but only the hypervisor writes them. The shared-info page (hypervisor
 * memory) is mapped just above the guest's memory.
 */
#include "pv.h"
#include "domain.h"
#include "elf.h"
#include "errno.h"
#include "format.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "string.h"
#include "switch.h"
#include "time.h"
#include "x86.h"
#include "ioports.h"

#define BOOT_STACK_PAGES 4

static void *guest_page(uint32_t pfn, void *ctx)
{
	struct domain *d = ctx;
	return pfn < d->nr_pages ? phys_to_virt((paddr_t)d->p2m[pfn] << PAGE_SHIFT) : NULL;
}

/* Page-table frames come from the layout, in order. */
static struct {
	struct domain *d;
	uint32_t next_pfn, end_pfn;
} pt_alloc;

static paddr_t alloc_pt_frame(void)
{
	if (pt_alloc.next_pfn >= pt_alloc.end_pfn)
		return 0;
	paddr_t pa = (paddr_t)pt_alloc.d->p2m[pt_alloc.next_pfn++] << PAGE_SHIFT;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static pte_t *table_1to1(paddr_t pa)
{
	return phys_to_virt(pa);
}

void pv_teardown(struct domain *d)
{
	/* Grants first: its mappings of others' frames are undone, and its
	 * frames that others still map are kept out of the pool (grant.c). */
	if (d->pv)
		pv_grant_teardown(d);
	/* Every other frame goes back, whatever references and types it had:
	 * the frame table entry is reset as it is freed. */
	if (d->p2m) {
		for (uint32_t i = 0; i < d->max_pages; i++)
			if (d->p2m[i] && !pv_grant_held(d->p2m[i]))
				free_frame((paddr_t)d->p2m[i] << PAGE_SHIFT);
		for (uint32_t i = 0; i < d->p2m_frames; i++)
			free_frame((paddr_t)(uintptr_t)d->p2m + i * PAGE_SIZE);
		d->p2m = NULL;
		d->p2m_frames = 0;
	}
	if (d->shared_pa) {
		free_frame(d->shared_pa);
		d->shared_pa = 0;
		d->shared = NULL;
	}
	d->space.pdpt = 0;
	if (d->pv) {
		pv_save_release(d);
		for (uint32_t i = 0; i < PV_DOMAIN_FRAMES; i++)
			free_frame(virt_to_phys(d->pv) + i * PAGE_SIZE);
		d->pv = NULL;
	}
}

/* Page-table frames needed to map [va, va + pages * 4 KiB): PDPT, 4
 * directories and one table per 2 MiB slot touched. */
static uint32_t pt_frames_needed(uint32_t va, uint32_t pages)
{
	uint32_t first = va >> 21, last = (va + pages * PAGE_SIZE - 1) >> 21;
	return 1 + 4 + (last - first + 1);
}

/* The shared-info page is mapped just above the guest's memory. */
static uint32_t shared_info_va(const struct domain *d)
{
	return d->pv->virt_base + d->nr_pages * PAGE_SIZE;
}

/* The boot layout after the kernel, in pseudo-physical frames. */
struct boot_layout {
	uint32_t si_pfn;                        /* start info, 1 page */
	uint32_t p2m_pfn, p2m_pages;            /* the guest's copy of the p2m */
	uint32_t initrd_pfn, initrd_pages;
	uint32_t pt_pfn, pt_pages;              /* the initial page tables */
	uint32_t stack_pfn;                     /* boot stack, BOOT_STACK_PAGES */
	uint32_t first_free;                    /* the first frame the guest may use */
};

static void plan_layout(const struct domain *d, const struct elf_image *img, size_t initrd_size,
			struct boot_layout *l)
{
	uint32_t kernel_end = img->paddr_end >> PAGE_SHIFT;
	l->si_pfn = kernel_end;
	l->p2m_pfn = l->si_pfn + 1;
	l->p2m_pages = (d->nr_pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	l->initrd_pfn = l->p2m_pfn + l->p2m_pages;
	l->initrd_pages = (uint32_t)((initrd_size + PAGE_SIZE - 1) / PAGE_SIZE);
	l->pt_pfn = l->initrd_pfn + l->initrd_pages;
	/* + 1 page for the shared info mapped after guest memory */
	l->pt_pages = pt_frames_needed(d->pv->virt_base, d->nr_pages + 1);
	l->stack_pfn = l->pt_pfn + l->pt_pages;
	l->first_free = l->stack_pfn + BOOT_STACK_PAGES;
}

/* Refuse, before anything is allocated, what cannot be built. */
static int check_fits(const struct domain *d, const struct domain_config *cfg,
		      const struct boot_layout *l, char *err, size_t errsize)
{
	if ((uint64_t)d->pv->virt_base + ((uint64_t)d->nr_pages + 1) * PAGE_SIZE > RV_GUEST_VIRT_END) {
		snprintf(err, errsize, "memory %u KiB at virtual %#x would reach the switch region",
			 cfg->memory_kib, d->pv->virt_base);
		return -EINVAL;
	}
	if (l->first_free > d->nr_pages) {
		snprintf(err, errsize, "memory %u KiB too small: kernel and boot data need %u KiB",
			 cfg->memory_kib, l->first_free * 4);
		return -ENOMEM;
	}
	if (hv_frames.nfree < d->nr_pages + (d->nr_pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE + 1) {
		snprintf(err, errsize, "not enough free memory: %u KiB asked, %u KiB free",
			 cfg->memory_kib, hv_frames.nfree * 4);
		return -ENOMEM;
	}
	return 0;
}

/* The hypervisor's p2m, the guest's frames and the shared-info page. On
 * failure nothing stays allocated. */
static int alloc_memory(struct domain *d, const struct boot_layout *l, char *err, size_t errsize)
{
	/* The hypervisor's p2m copy: contiguous frames so it is one array. */
	d->p2m_frames = l->p2m_pages;
	paddr_t p2m_pa;
	if (alloc_frames_contig(l->p2m_pages, &p2m_pa)) {
		d->p2m_frames = 0;
		snprintf(err, errsize, "no %u contiguous frames for the p2m", l->p2m_pages);
		return -ENOMEM;
	}
	d->p2m = phys_to_virt(p2m_pa);
	for (uint32_t i = 0; i < d->nr_pages; i++) {
		paddr_t pa = alloc_frame();
		if (!pa) {
			snprintf(err, errsize, "out of memory after %u of %u frames", i, d->nr_pages);
			pv_teardown(d);
			return -ENOMEM;
		}
		d->p2m[i] = (pfn_t)(pa >> PAGE_SHIFT);
		pv_mm_assign(d, d->p2m[i], 0);
	}
	d->shared_pa = alloc_frame();
	if (!d->shared_pa) {
		snprintf(err, errsize, "out of memory for shared info");
		pv_teardown(d);
		return -ENOMEM;
	}
	d->shared = phys_to_virt(d->shared_pa);
	pv_mm_assign(d, (uint32_t)(d->shared_pa >> PAGE_SHIFT), PGF_SHARED_INFO);
	return 0;
}

/* The guest's copy of the p2m, and the initrd, into their frames. */
static void copy_boot_data(struct domain *d, const struct boot_layout *l, const void *initrd,
			   size_t initrd_size)
{
	for (uint32_t i = 0; i < d->nr_pages; i++)
		((uint32_t *)guest_page(l->p2m_pfn + i / 1024, d))[i % 1024] = d->p2m[i];
	for (uint32_t i = 0; i < l->initrd_pages; i++) {
		size_t off = (size_t)i * PAGE_SIZE, n = MIN(initrd_size - off, (size_t)PAGE_SIZE);
		memcpy(guest_page(l->initrd_pfn + i, d), (const uint8_t *)initrd + off, n);
	}
}

/*
 * The initial page tables, in the layout's page-table frames: every pfn at
 * virt_base + pfn * 4 KiB (the tables themselves read-only), shared info
 * after guest memory, and the switch region. Then they are the guest's.
 */
static int build_page_tables(struct domain *d, const struct boot_layout *l)
{
	struct pt_env env = { .table = table_1to1, .alloc = alloc_pt_frame, .nx = hv_pt_env.nx };
	pt_alloc.d = d;
	pt_alloc.next_pfn = l->pt_pfn;
	pt_alloc.end_pfn = l->pt_pfn + l->pt_pages;
	int rc = pt_create(&env, &d->space);
	for (uint32_t i = 0; !rc && i < d->nr_pages; i++) {
		bool is_pt = i >= l->pt_pfn && i < l->pt_pfn + l->pt_pages;
		/* User-accessible, so test guests can run ring-3 code in them; a
		 * guest kernel keeps its memory from its programs by clearing
		 * PTE_US with validated updates (docs/ARCHITECTURE.md, known limits). */
		pte_t flags = PTE_US | (is_pt ? 0 : PTE_RW);
		rc = pt_map_page(&env, &d->space, d->pv->virt_base + i * PAGE_SIZE,
				 (paddr_t)d->p2m[i] << PAGE_SHIFT, flags);
	}
	if (!rc)
		rc = pt_map_page(&env, &d->space, shared_info_va(d), d->shared_pa, PTE_RW | PTE_NX);
	if (!rc)
		rc = switch_region_install(&env, &d->space);
	/* From here on the tables are the guest's, under the same rules as
	 * every later update: validate them all, pin the root, make it the base. */
	if (!rc)
		rc = pv_mm_activate(d, (uint32_t)(d->space.pdpt >> PAGE_SHIFT));
	return rc;
}

/* Shared info: magic, events masked, time. */
static void init_shared_info(struct domain *d)
{
	struct rv_shared_info *sh = d->shared;
	sh->magic = RV_SHARED_INFO_MAGIC;
	sh->revision = (RV_ABI_MAJOR << 16) | RV_ABI_MINOR;
	sh->vcpu.evtchn_upcall_mask = 1;
	sh->wc_sec = (uint32_t)wallclock_at_boot;       /* at system time 0 */
	sh->wc_nsec = 0;
	pv_update_time(d);
}

/* Start info (start_info.h): where everything is. */
static struct rv_start_info *write_start_info(struct domain *d, const struct domain_config *cfg,
					      const struct boot_layout *l, size_t initrd_size)
{
	struct rv_start_info *si = guest_page(l->si_pfn, d);
	si->magic = RV_START_INFO_MAGIC;
	si->revision = (RV_ABI_MAJOR << 16) | RV_ABI_MINOR;
	si->domid = d->id;
	si->flags = d->privileged ? RV_SIF_PRIVILEGED : 0;
	si->nr_pages = d->nr_pages;
	si->virt_base = d->pv->virt_base;
	si->shared_info = shared_info_va(d);
	si->pt_base = d->pv->virt_base + l->pt_pfn * PAGE_SIZE;
	si->nr_pt_frames = l->pt_pages;
	si->p2m = d->pv->virt_base + l->p2m_pfn * PAGE_SIZE;
	si->first_free_pfn = l->first_free;
	si->stack_top = d->pv->virt_base + l->first_free * PAGE_SIZE;
	si->initrd = initrd_size ? d->pv->virt_base + l->initrd_pfn * PAGE_SIZE : 0;
	si->initrd_len = (uint32_t)initrd_size;
	si->console_port = PV_PORT_CONSOLE;
	si->timer_port = PV_PORT_TIMER;
	si->control_port = PV_PORT_CONTROL;
	si->max_mfn = pv_mm.nframes;
	si->ide_irq_port = d->privileged && ioports_ide_enabled() ? EVTCHN_PORT_IDE : 0;
	si->serial_irq_port = d->privileged && ioports_com2_enabled() ? EVTCHN_PORT_SERIAL : 0;
	snprintf(si->name, sizeof(si->name), "%s", d->name);
	snprintf(si->cmdline, sizeof(si->cmdline), "%s", cfg->cmdline);
	return si;
}

/* First registers: ring 1 at the entry point (start_info.h). */
static void set_first_registers(struct domain *d, uint32_t entry, const struct boot_layout *l,
				const struct rv_start_info *si)
{
	struct trap_frame *r = &d->vcpu.regs;
	memset(r, 0, sizeof(*r));
	r->eip = entry;
	r->cs = RV_GUEST_KERNEL_CS;
	r->ss = r->ds = r->es = r->fs = r->gs = RV_GUEST_KERNEL_DS;
	r->esp = si->stack_top;
	r->esi = d->pv->virt_base + l->si_pfn * PAGE_SIZE;
	/* The real IF stays on in a guest (it cannot change it at IOPL 0);
	 * the virtual one is shared_info.vcpu.evtchn_upcall_mask. */
	r->eflags = EFLAGS_FIXED | EFLAGS_IF;
	d->pv->vcpu.kernel_ss = RV_GUEST_KERNEL_DS;
	d->pv->vcpu.kernel_esp = si->stack_top;
}

void *pv_guest_page(struct domain *d, uint32_t pfn)
{
	return guest_page(pfn, d);
}

/* What a built and a restored pv domain share: its pv state (allocated
 * once), its size, where it is mapped, its weight. 0 or -ENOMEM. */
static int pv_begin(struct domain *d, const struct domain_config *cfg, uint32_t virt_base,
		    char *err, size_t errsize)
{
	if (!d->pv) {
		paddr_t pa;
		if (alloc_frames_contig(PV_DOMAIN_FRAMES, &pa)) {
			snprintf(err, errsize, "no memory for its pv state");
			return -ENOMEM;
		}
		d->pv = phys_to_virt(pa);
	}
	d->nr_pages = cfg->memory_kib / 4;
	d->max_pages = d->nr_pages;
	d->pv->built_pages = d->nr_pages;       /* what its p2m has room for */
	d->pv->virt_base = virt_base;
	d->weight = cfg->weight;
	d->mode = cfg->mode;
	return 0;
}

int pv_build_empty(struct domain *d, const struct domain_config *cfg, uint32_t virt_base,
		   char *err, size_t errsize)
{
	struct boot_layout l = { 0 };

	int rc = pv_begin(d, cfg, virt_base, err, errsize);
	if (rc)
		return rc;
	l.p2m_pages = (d->nr_pages * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	rc = check_fits(d, cfg, &l, err, errsize);
	if (!rc)
		rc = alloc_memory(d, &l, err, errsize);
	if (rc)
		return rc;
	init_shared_info(d);
	rc = domconfig_format(cfg, d->pv->config, sizeof(d->pv->config));
	d->pv->config_len = rc > 0 ? (uint32_t)rc : 0;
	return 0;
}

int pv_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
	     size_t kernel_size, const void *initrd, size_t initrd_size, char *err, size_t errsize)
{
	struct elf_image img;
	struct boot_layout l;
	char why[128];
	int rc;

	rc = elf_parse(kernel, kernel_size, &img, why, sizeof(why));
	if (rc) {
		snprintf(err, errsize, "bad kernel image: %s", why);
		return rc;
	}
	if ((rc = pv_begin(d, cfg, img.virt_base, err, errsize)))
		return rc;

	plan_layout(d, &img, initrd_size, &l);
	if ((rc = check_fits(d, cfg, &l, err, errsize)) || (rc = alloc_memory(d, &l, err, errsize)))
		return rc;
	rc = elf_load(&img, kernel, kernel_size, guest_page, d);
	if (rc) {
		snprintf(err, errsize, "cannot load the kernel image (%d)", rc);
		goto out_teardown;
	}
	copy_boot_data(d, &l, initrd, initrd_size);
	rc = build_page_tables(d, &l);
	if (rc) {
		snprintf(err, errsize, "cannot build the page tables (%d)", rc);
		goto out_teardown;
	}
	init_shared_info(d);
	d->pv->si_pfn = l.si_pfn;
	d->pv->p2m_pfn = l.p2m_pfn;
	d->pv->p2m_pages = l.p2m_pages;
	rc = domconfig_format(cfg, d->pv->config, sizeof(d->pv->config));
	d->pv->config_len = rc > 0 ? (uint32_t)rc : 0;  /* (too long: it cannot be saved) */
	struct rv_start_info *si = write_start_info(d, cfg, &l, initrd_size);
	set_first_registers(d, img.entry, &l, si);

	pr_info("domain %u (%s): pv, %u KiB, kernel [%#x-%#x) entry %#x, %u page-table frames, "
		"free from pfn %#x\n", d->id, d->name, cfg->memory_kib, d->pv->virt_base,
		d->pv->virt_base + img.paddr_end, img.entry, l.pt_pages, l.first_free);
	return 0;

out_teardown:
	pv_teardown(d);
	return rc;
}
