/*
 * Physical memory at boot: the frame pool is built from the firmware map,
 * then everything that must never be handed out is reserved: the first
 * MiB (real-mode IVT, BIOS data, EBDA, VGA and ROMs), the hypervisor image,
 * and the boot data (multiboot info, memory map, command lines, modules).
 */
#include "errno.h"
#include "frame.h"
#include "hv.h"
#include "multiboot.h"
#include "panic.h"
#include "printk.h"
#include "string.h"
#include "mm.h"
#include <public/ringvisor.h>

/* Frames the hypervisor can map 1:1: everything below the switch region. */
#define MAX_FRAMES (RV_SWITCH_BASE >> PAGE_SHIFT)

struct frame_pool hv_frames;
static uint8_t frame_states[MAX_FRAMES];
static pfn_t ram_top;
static pfn_t frames_reserved_boot;

static void reserve(paddr_t start, paddr_t end, const char *what)
{
	pfn_t s = (pfn_t)(start >> PAGE_SHIFT);
	pfn_t e = (pfn_t)((end + PAGE_SIZE - 1) >> PAGE_SHIFT);
	int n = frame_pool_reserve(&hv_frames, s, e);
	if (n < 0)
		panic("cannot reserve %s: frames already in use", what);
	frames_reserved_boot += n;
	pr_debug("memory: reserved [%#llx-%#llx) for %s (%d frames)\n",
		 (unsigned long long)start, (unsigned long long)end, what, n);
}

void memory_init(const struct boot_info *bi)
{
	uint64_t ignored;

	frame_pool_init(&hv_frames, frame_states, MAX_FRAMES);
	ram_top = frame_pool_from_map(&hv_frames, bi->map, bi->nregions, &ignored);
	if (ignored)
		pr_warn("memory: %llu MiB above %u MiB not used (32-bit hypervisor)\n",
			(unsigned long long)(ignored >> 20), RV_SWITCH_BASE >> 20);
	reserve(0, 1 * MiB, "low memory (BIOS, real-mode data)");
	reserve((uintptr_t)__image_start, (uintptr_t)__image_end, "the hypervisor image");
	for (size_t i = 0; i < bi->nboot_data; i++)
		reserve(bi->boot_data[i].start, bi->boot_data[i].end, "boot data");
	if (hv_frames.nfree == 0)
		panic("no usable memory in the memory map");
	pr_info("memory: %u frames free (%u MiB), %u reserved at boot, RAM top %#llx\n",
		hv_frames.nfree, hv_frames.nfree >> 8, frames_reserved_boot,
		(unsigned long long)ram_top << PAGE_SHIFT);
}

static void (*observe_allocated)(pfn_t pfn);
static void (*observe_freed)(pfn_t pfn);

void memory_observe(void (*allocated)(pfn_t pfn), void (*freed)(pfn_t pfn))
{
	observe_allocated = allocated;
	observe_freed = freed;
}

static void allocated(pfn_t pfn)
{
	if (observe_allocated)
		observe_allocated(pfn);
}

paddr_t alloc_frame(void)
{
	pfn_t pfn;
	if (frame_alloc(&hv_frames, &pfn))
		return 0;
	paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	allocated(pfn);
	return pa;
}

int alloc_frames_contig(uint32_t count, paddr_t *pa)
{
	pfn_t pfn;
	if (frame_alloc_contig(&hv_frames, count, &pfn))
		return -ENOMEM;
	*pa = (paddr_t)pfn << PAGE_SHIFT;
	memset(phys_to_virt(*pa), 0, (size_t)count * PAGE_SIZE);
	for (uint32_t i = 0; i < count; i++)
		allocated(pfn + i);
	return 0;
}

void free_frame(paddr_t pa)
{
	int rc = frame_free(&hv_frames, (pfn_t)(pa >> PAGE_SHIFT));
	if (!rc && observe_freed)
		observe_freed((pfn_t)(pa >> PAGE_SHIFT));
	if (rc)
		pr_err("memory: bad free of frame %#llx from %p: %s\n", (unsigned long long)pa,
		       __builtin_return_address(0),
		       rc == -EALREADY ? "double free" : rc == -EPERM ? "reserved frame" :
		       "beyond RAM");
}

/* Frames free before the first domain was built: when every domain has
 * gone, as many must be free again (nothing leaked, nothing freed twice). */
static uint32_t free_before_domains;

void memory_mark_before_domains(void)
{
	free_before_domains = hv_frames.nfree;
}

void memory_report_end(void)
{
	printk("memory: %u frames free at the end, %u before the first domain; %u frees refused\n",
	       hv_frames.nfree, free_before_domains,
	       hv_frames.double_frees + hv_frames.reserved_frees);
}

pfn_t memory_ram_top(void)
{
	return ram_top;
}

void memory_dump(void)
{
	printk("memory: %u frames free, %u used, %u reserved of %u below RAM top\n",
	       hv_frames.nfree, hv_frames.nused,
	       ram_top - hv_frames.nfree - hv_frames.nused, ram_top);
	printk("memory: bad frees caught: %u double, %u reserved or out of range\n",
	       hv_frames.double_frees, hv_frames.reserved_frees);
}
