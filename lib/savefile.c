/* The save file's layout and checks (pure; lib/include/savefile.h). */
#include "savefile.h"

#define PAGE            4096u
#define MAX_PAGES       (1024u * 1024 * 1024 / PAGE)    /* 1 GiB, the config's limit */
#define CONFIG_MAX      4096u
#define HW_MIN_PAGES    ((2u << 20) / PAGE)             /* hw_build_pc's limits */
#define HW_MAX_PAGES    ((768u << 20) / PAGE)

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

uint32_t rv_save_vcpu_len(uint32_t mode)
{
	switch (mode) {
	case RV_DOMMODE_pv: return sizeof(struct rv_save_vcpu);
	case RV_DOMMODE_hw: return sizeof(struct rv_save_hw_vcpu);
	case RV_DOMMODE_bt: return sizeof(struct rv_save_bt_vcpu);
	default: return 0;
	}
}

void rv_save_layout_mode(struct rv_save_header *h, uint32_t mode, uint32_t nr_pages,
			 uint32_t config_len, uint32_t dev_len)
{
	h->magic = RV_SAVE_MAGIC;
	h->version = RV_SAVE_VERSION;
	h->header_size = RV_SAVE_HEADER_SIZE;
	h->mode = mode;
	h->nr_pages = nr_pages;
	h->config_off = RV_SAVE_HEADER_SIZE;
	h->config_len = config_len;
	h->vcpu_off = up(h->config_off + config_len);
	h->vcpu_len = rv_save_vcpu_len(mode);
	h->console_off = up(h->vcpu_off + h->vcpu_len);
	h->console_len = sizeof(struct rv_save_console);
	h->dev_off = up(h->console_off + h->console_len);
	h->dev_len = mode == RV_DOMMODE_pv ? 0 : dev_len;
	h->types_off = up(h->dev_off + h->dev_len);
	h->types_len = mode == RV_DOMMODE_pv ? nr_pages : 0;
	h->pages_off = up(h->types_off + h->types_len);
	h->total_len = (uint64_t)h->pages_off + (uint64_t)nr_pages * PAGE;
}

void rv_save_layout(struct rv_save_header *h, uint32_t nr_pages, uint32_t config_len)
{
	rv_save_layout_mode(h, RV_DOMMODE_pv, nr_pages, config_len, 0);
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
	if (h->mode != RV_DOMMODE_pv && h->mode != RV_DOMMODE_hw && h->mode != RV_DOMMODE_bt)
		BAD(RV_SAVE_CORRUPT, "mode: not pv, hw or bt");
	bool pv = h->mode == RV_DOMMODE_pv;
	if (pv && (h->nr_pages < 32 || h->nr_pages > MAX_PAGES))
		BAD(RV_SAVE_CORRUPT, "nr_pages out of range (128 KiB to 1 GiB)");
	if (!pv && (h->nr_pages < HW_MIN_PAGES || h->nr_pages > HW_MAX_PAGES))
		BAD(RV_SAVE_CORRUPT, "nr_pages out of range for a PC (2 MiB to 768 MiB)");
	/* A domain is saved whole, never ballooned: a quota above its memory
	 * would let the restored domain grow past what it is given. */
	if (h->built_pages != h->nr_pages)
		BAD(RV_SAVE_CORRUPT, "built_pages is not nr_pages");
	if (h->weight < 1 || h->weight > 65535)
		BAD(RV_SAVE_CORRUPT, "weight out of range");
	if (h->config_len < 1 || h->config_len > CONFIG_MAX)
		BAD(RV_SAVE_CORRUPT, "config length out of range (1 to 4096)");
	if (h->vcpu_len != rv_save_vcpu_len(h->mode))
		BAD(RV_SAVE_CORRUPT, "section offsets or lengths do not match the mode (vcpu_len)");
	if (!pv && (h->dev_len < sizeof(struct rv_save_rec) || h->dev_len > RV_SAVE_DEV_MAX ||
		    h->dev_len % 8))
		BAD(RV_SAVE_CORRUPT, "dev_len: device records out of range (8 to 16384, whole words)");
	if (pv && h->dev_len)
		BAD(RV_SAVE_CORRUPT, "dev_len: a pv domain has no device records");
	rv_save_layout_mode(&want, h->mode, h->nr_pages, h->config_len, h->dev_len);
	if (h->console_len != want.console_len)
		BAD(RV_SAVE_CORRUPT, "console_len is not the size of the console record");
	if (h->types_len != want.types_len)
		BAD(RV_SAVE_CORRUPT, "types_len: not nr_pages (pv) or 0 (hw, bt)");
	if (h->config_off != want.config_off || h->vcpu_off != want.vcpu_off ||
	    h->console_off != want.console_off || h->dev_off != want.dev_off ||
	    h->types_off != want.types_off || h->pages_off != want.pages_off ||
	    h->total_len != want.total_len)
		BAD(RV_SAVE_CORRUPT, "section offsets or lengths do not match nr_pages");
	if (!pv) {
		if (h->virt_base || h->si_pfn || h->p2m_pfn || h->p2m_pages || h->base_pfn)
			BAD(RV_SAVE_CORRUPT, "pv fields set in a hw or bt header");
		goto name;
	}
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
name:;
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


/* "device record NAME: why" into buf, without printf (pure and small). */
static const char *rec_why(char *buf, size_t n, const char *name, const char *why)
{
	size_t k = 0;
	for (const char *p = "device record "; *p && k + 1 < n; p++)
		buf[k++] = *p;
	for (const char *p = name; *p && k + 1 < n; p++)
		buf[k++] = *p;
	for (const char *p = ": "; *p && k + 1 < n; p++)
		buf[k++] = *p;
	for (const char *p = why; *p && k + 1 < n; p++)
		buf[k++] = *p;
	if (n)
		buf[k] = '\0';
	return buf;
}

int rv_save_check_records(const void *recs, uint32_t len, const struct rv_save_rec_spec *spec,
			  unsigned nspec, const void **payload, char *why, size_t whylen)
{
	const uint8_t *b = recs;
	uint32_t at = 0;
	for (unsigned i = 0; i < nspec; i++)
		payload[i] = NULL;
	while (at < len) {
		if (len - at < sizeof(struct rv_save_rec)) {
			rec_why(why, whylen, "at the end", "cut short");
			return -1;
		}
		/* at is a multiple of 8 (each payload is padded): aligned. */
		struct rv_save_rec r = *(const struct rv_save_rec *)(const void *)(b + at);
		at += sizeof(r);
		unsigned i = 0;
		while (i < nspec && spec[i].type != r.type)
			i++;
		if (i == nspec) {
			rec_why(why, whylen, "of unknown type", "this ringvisor has no such device");
			return -1;
		}
		if (payload[i]) {
			rec_why(why, whylen, spec[i].name, "appears twice");
			return -1;
		}
		if (r.version != spec[i].version) {
			rec_why(why, whylen, spec[i].name, "of another version");
			return -1;
		}
		if (r.len != spec[i].len) {
			rec_why(why, whylen, spec[i].name, "its length is not this build's");
			return -1;
		}
		uint32_t padded = (r.len + 7) & ~7u;
		if (padded > len - at) {
			rec_why(why, whylen, spec[i].name, "runs past the records' end");
			return -1;
		}
		payload[i] = b + at;
		at += padded;
	}
	for (unsigned i = 0; i < nspec; i++)
		if (!payload[i]) {
			rec_why(why, whylen, spec[i].name, "missing");
			return -1;
		}
	return 0;
}

uint32_t rv_save_records_len(const struct rv_save_rec_spec *spec, unsigned nspec)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < nspec; i++)
		n += (uint32_t)sizeof(struct rv_save_rec) + ((spec[i].len + 7) & ~7u);
	return n;
}
