/* The save file's layout and checks (pure; lib/include/savefile.h). */
#include "savefile.h"

#define PAGE            4096u
#define MAX_PAGES       (1024u * 1024 * 1024 / PAGE)    /* 1 GiB, the config's limit */
#define CONFIG_MAX      4096u

uint64_t rv_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint32_t up(uint32_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

void rv_save_layout(struct rv_save_header *h, uint32_t nr_pages, uint32_t config_len)
{
	h->magic = RV_SAVE_MAGIC;
	h->version = RV_SAVE_VERSION;
	h->header_size = RV_SAVE_HEADER_SIZE;
	h->nr_pages = nr_pages;
	h->config_off = RV_SAVE_HEADER_SIZE;
	h->config_len = config_len;
	h->vcpu_off = up(h->config_off + config_len);
	h->vcpu_len = sizeof(struct rv_save_vcpu);
	h->types_off = up(h->vcpu_off + h->vcpu_len);
	h->pages_off = up(h->types_off + nr_pages);
	h->total_len = (uint64_t)h->pages_off + (uint64_t)nr_pages * PAGE;
}

enum rv_save_fault rv_save_check_header(const struct rv_save_header *h, uint64_t len,
					const char **why)
{
	struct rv_save_header want;

#define BAD(kind, text) do { *why = text; return kind; } while (0)
	if (h->magic != RV_SAVE_MAGIC)
		BAD(RV_SAVE_NOT_A_SAVE, "not a ringvisor save file (no RVSAVE magic)");
	if (h->version != RV_SAVE_VERSION)
		BAD(RV_SAVE_OTHER_VERSION, "a save file of another format version");
	if (h->header_size != RV_SAVE_HEADER_SIZE)
		BAD(RV_SAVE_CORRUPT, "header size is not 4096");
	if (h->mode != 0)
		BAD(RV_SAVE_CORRUPT, "mode: only pv domains are saved");
	if (h->nr_pages < 32 || h->nr_pages > MAX_PAGES)
		BAD(RV_SAVE_CORRUPT, "nr_pages out of range (128 KiB to 1 GiB)");
	/* A domain is saved whole, never ballooned: a quota above its memory
	 * would let the restored domain grow past what it is given. */
	if (h->built_pages != h->nr_pages)
		BAD(RV_SAVE_CORRUPT, "built_pages is not nr_pages");
	if (h->weight < 1 || h->weight > 65535)
		BAD(RV_SAVE_CORRUPT, "weight out of range");
	if (h->config_len < 1 || h->config_len > CONFIG_MAX)
		BAD(RV_SAVE_CORRUPT, "config length out of range (1 to 4096)");
	rv_save_layout(&want, h->nr_pages, h->config_len);
	if (h->config_off != want.config_off || h->vcpu_off != want.vcpu_off ||
	    h->vcpu_len != want.vcpu_len || h->types_off != want.types_off ||
	    h->pages_off != want.pages_off || h->total_len != want.total_len)
		BAD(RV_SAVE_CORRUPT, "section offsets or lengths do not match nr_pages");
	if (h->virt_base & (PAGE - 1) ||
	    (uint64_t)h->virt_base + ((uint64_t)h->nr_pages + 1) * PAGE > RV_GUEST_VIRT_END)
		BAD(RV_SAVE_CORRUPT, "virt_base: memory would not fit below the switch region");
	if (h->si_pfn >= h->nr_pages || h->base_pfn >= h->nr_pages)
		BAD(RV_SAVE_CORRUPT, "start-info or base-table pfn outside memory");
	if (h->p2m_pages != (h->nr_pages * 4 + PAGE - 1) / PAGE ||
	    h->p2m_pfn >= h->nr_pages || h->p2m_pages > h->nr_pages - h->p2m_pfn)
		BAD(RV_SAVE_CORRUPT, "p2m pages outside memory or of the wrong size");
	if (h->si_pfn >= h->p2m_pfn && h->si_pfn < h->p2m_pfn + h->p2m_pages)
		BAD(RV_SAVE_CORRUPT, "start-info page inside the p2m");
	size_t n = 0;
	while (n < sizeof(h->name) && h->name[n])
		n++;
	if (n == 0 || n == sizeof(h->name))
		BAD(RV_SAVE_CORRUPT, "name empty or not terminated");
	if (len != UINT64_MAX && len < h->total_len)
		BAD(RV_SAVE_TRUNCATED, "shorter than its header says (truncated)");
	if (len != UINT64_MAX && len > h->total_len)
		BAD(RV_SAVE_CORRUPT, "longer than its header says");
#undef BAD
	*why = NULL;
	return RV_SAVE_OK;
}

#define E_P             1ull
#define E_PWT           (1ull << 3)
#define E_PCD           (1ull << 4)
#define E_ADDR          0x000ffffffffff000ull

int rv_save_canon_entries(uint64_t *e, unsigned n, bool pdpt, uint32_t shared_mfn,
			  const uint32_t *rmap, uint32_t nframes, unsigned *bad)
{
	for (unsigned i = 0; i < n; i++) {
		/* A not-present entry may name a frame too (validation's L1TF
		 * rule keeps it the domain's own): translated all the same. */
		if (!(e[i] & (E_P | E_ADDR)))
			continue;
		uint64_t mfn = (e[i] & E_ADDR) >> 12, to;
		if (mfn == shared_mfn)
			to = RV_SAVE_PFN_SHARED;
		else if (mfn < nframes && rmap[mfn])
			to = rmap[mfn] - 1;
		else {
			*bad = i;
			return -1;
		}
		e[i] = (e[i] & ~E_ADDR) | (to << 12);
		/* QEMU sets the accessed bit in the PDPTEs it walks, which the
		 * architecture reserves: a PDPT entry keeps what it may have. */
		if (pdpt)
			e[i] &= E_ADDR | E_P | E_PWT | E_PCD;
	}
	return 0;
}

int rv_save_restore_entries(uint64_t *e, unsigned n, uint32_t shared_mfn, const uint32_t *p2m,
			    uint32_t nr_pages, unsigned *bad)
{
	for (unsigned i = 0; i < n; i++) {
		/* A not-present entry may name a frame too (validation's L1TF
		 * rule keeps it the domain's own): translated all the same. */
		if (!(e[i] & (E_P | E_ADDR)))
			continue;
		uint64_t to = (e[i] & E_ADDR) >> 12;
		if (to == RV_SAVE_PFN_SHARED)
			to = shared_mfn;
		else if (to < nr_pages)
			to = p2m[to];
		else {
			*bad = i;
			return -1;
		}
		e[i] = (e[i] & ~E_ADDR) | (to << 12);
	}
	return 0;
}

