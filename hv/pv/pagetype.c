/*
 * Frame types and reference counts (see pagetype.h and docs/paging.md).
 * Pure: it touches table contents only through ctx->table(), so the host
 * unit tests run it on an array standing in for physical memory.
 */
#include "pagetype.h"
#include "errno.h"

#define E_P             (1ull << 0)
#define E_RW            (1ull << 1)
#define E_PWT           (1ull << 3)
#define E_PCD           (1ull << 4)
#define E_PS            (1ull << 7)
#define E_G             (1ull << 8)
#define E_NX            (1ull << 63)
#define E_AVAIL         (7ull << 9)             /* bits 9-11: software's */
#define E_ADDR          0x000ffffffffff000ull
/* Bits 52-62 are reserved in every PAE entry (some CPUs use them for
 * protection keys, which we do not turn on). */
#define E_RESERVED_HI   0x7ff0000000000000ull
#define L3_ALLOWED      (E_P | E_PWT | E_PCD | E_AVAIL | E_ADDR)

#define SWITCH_SLOT_FIRST 510                   /* of the PGT_L2_HIGH directory */

static const char *const refusal_names[MMR_COUNT] = {
	"frame not owned by the domain", "type conflict (page table vs writable, or level)",
	"reserved bits", "large page", "switch region", "bad request",
	"grant mapping (unmap it with grant_table_op)",
};

static const char *const type_names[PGT_COUNT] = {
	"none", "writable", "L1", "L2", "L2 (switch slot)", "L3",
};

const char *mm_refusal_name(enum mm_refusal r)
{
	return r < MMR_COUNT ? refusal_names[r] : "?";
}

const char *page_type_name(enum page_type t)
{
	return t < PGT_COUNT ? type_names[t] : "?";
}

static int refuse(struct mm_ctx *c, enum mm_refusal why, int err)
{
	c->refusals[why]++;
	return err;
}

static bool is_table(unsigned type)
{
	return type == PGT_L1 || type == PGT_L2 || type == PGT_L2_HIGH || type == PGT_L3;
}

/* The frame a validated entry names (its address was checked to lie in
 * the frame table by entry_frame). */
static uint32_t entry_mfn(uint64_t e)
{
	return (uint32_t)((e & E_ADDR) >> 12);
}

/* The frame an entry names, all 40 bits of its frame number: a frame the
 * machine has, or the entry is refused (a frame number cut to 32 bits
 * first would let bits 44-51 ride past the owner check). */
static int entry_frame(struct mm_ctx *c, uint64_t e, uint32_t *mfn)
{
	uint64_t f = (e & E_ADDR) >> 12;
	if (f >= c->nframes)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	*mfn = (uint32_t)f;
	return 0;
}

/* Counts are 32 bits; a domain cannot have 4 billion mappings of a frame in
 * memory it owns, but refuse rather than wrap. */
#define COUNT_MAX 0xfffffff0u

int mm_get_page(struct mm_ctx *c, uint32_t mfn, uint16_t owner)
{
	if (mfn >= c->nframes || c->frames[mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	if (c->frames[mfn].count >= COUNT_MAX)
		return refuse(c, MMR_BAD_REQUEST, -EBUSY);
	c->frames[mfn].count++;
	return 0;
}

void mm_put_page(struct mm_ctx *c, uint32_t mfn)
{
	c->frames[mfn].count--;
}

/* ---- one entry of a table of the given type ---- */

static int get_entry(struct mm_ctx *c, uint16_t owner, unsigned type, uint32_t idx, uint64_t e);
static void put_entry(struct mm_ctx *c, unsigned type, uint32_t idx, uint64_t e);

static int check_bits(struct mm_ctx *c, uint64_t e)
{
	if ((e & E_RESERVED_HI) || (e & E_ADDR & ~c->maxphys_mask) || ((e & E_NX) && !c->nx))
		return refuse(c, MMR_RESERVED_BITS, -EINVAL);
	return 0;
}

/*
 * A non-present entry is never walked, but on CPUs with L1TF its address
 * still reaches the L1 cache speculatively (Xen's XSA-273, the PV case): a
 * guest could read whatever of that frame is cached. So its address bits
 * must be zero or name a frame of the domain's own, within the CPU's width;
 * no reference is taken (the CPU does not use it). Other bits are the
 * guest's to use.
 */
static int check_not_present(struct mm_ctx *c, uint16_t owner, uint64_t e)
{
	uint32_t mfn;
	int rc;

	if (!(e & E_ADDR))
		return 0;
	if (e & E_ADDR & ~c->maxphys_mask)
		return refuse(c, MMR_RESERVED_BITS, -EINVAL);
	if ((rc = entry_frame(c, e, &mfn)))
		return rc;
	if (c->frames[mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	return 0;
}

static int get_entry(struct mm_ctx *c, uint16_t owner, unsigned type, uint32_t idx, uint64_t e)
{
	uint32_t mfn;
	int rc;

	if (!(e & E_P)) {
		/* The switch region must be there in every address space: the
		 * CPU needs the IDT and stubs on every trap. */
		if (type == PGT_L3 && idx == 3)
			return refuse(c, MMR_SWITCH_REGION, -EPERM);
		return check_not_present(c, owner, e);
	}
	switch (type) {
	case PGT_L1:
		if ((rc = check_bits(c, e)) || (rc = entry_frame(c, e, &mfn)))
			return rc;
		/* A global translation survives the CR3 reload on every
		 * hypervisor entry, and the reasoning that makes type changes
		 * safe without TLB flushes depends on that reload (mm.c). */
		if (e & E_G)
			return refuse(c, MMR_RESERVED_BITS, -EINVAL);
		/* The grant bit is the hypervisor's: a guest must not make an
		 * entry look like a grant mapping. */
		if (e & PTE_GRANT_BIT)
			return refuse(c, MMR_RESERVED_BITS, -EINVAL);
		if (e & E_RW)
			return mm_get_page_and_type(c, mfn, owner, PGT_WRITABLE);
		return mm_get_page(c, mfn, owner);
	case PGT_L2:
	case PGT_L2_HIGH:
		if (type == PGT_L2_HIGH && idx >= SWITCH_SLOT_FIRST)
			return refuse(c, MMR_SWITCH_REGION, -EPERM);
		if (e & E_PS)
			return refuse(c, MMR_LARGE_PAGE, -EINVAL);
		if ((rc = check_bits(c, e)) || (rc = entry_frame(c, e, &mfn)))
			return rc;
		return mm_get_page_and_type(c, mfn, owner, PGT_L1);
	case PGT_L3:
		/* PAE PDPTEs take only P, PWT, PCD and the address. */
		if (e & ~L3_ALLOWED)
			return refuse(c, MMR_RESERVED_BITS, -EINVAL);
		if ((rc = check_bits(c, e)) || (rc = entry_frame(c, e, &mfn)))
			return rc;
		return mm_get_page_and_type(c, mfn, owner, idx == 3 ? PGT_L2_HIGH : PGT_L2);
	default:
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);
	}
}

static void put_entry(struct mm_ctx *c, unsigned type, uint32_t idx, uint64_t e)
{
	if (!(e & E_P))
		return;
	if (type == PGT_L2_HIGH && idx >= SWITCH_SLOT_FIRST)
		return;                 /* the hypervisor's, never counted */
	if (type == PGT_L1 && (e & PTE_GRANT_BIT))
		return;                 /* a grant mapping's references are grant.c's */
	if (type == PGT_L1 && !(e & E_RW))
		mm_put_page(c, entry_mfn(e));
	else
		mm_put_page_and_type(c, entry_mfn(e));
}

/* Entries a table of this type has (the CPU reads 4 of a PDPT). */
static uint32_t entries_of(unsigned type)
{
	return type == PGT_L3 ? 4 : 512;
}

/*
 * Preemption (docs/paging.md, "Long operations"): before each entry, once
 * this round has done at least one, the caller's hook may say stop.
 */
static bool preempted(struct mm_ctx *c)
{
	if (c->quiet) {
		c->quiet--;
		return false;
	}
	return c->steps && c->preempt && c->preempt(c);
}

/* Record an interrupted release on the caller's stack; false if it cannot
 * be (none, or full): then the release goes on now. */
static bool defer(struct mm_ctx *c, uint32_t mfn)
{
	struct mm_deferred *q = c->defer;
	if (!q)
		return false;
	if (q->n == MM_DEFER_MAX) {
		q->full++;
		return false;
	}
	q->mfn[q->n++] = mfn;
	return true;
}

/*
 * Release the entries [0, type_count) of a DEVALIDATING table, the last
 * first. When done the frame is typeless again and the release's own
 * reference goes. Preempted, it stops with type_count entries left; it is
 * pushed on the deferred stack unless it is there already (queued). True
 * when done.
 */
static bool release(struct mm_ctx *c, uint32_t mfn, bool queued)
{
	struct page_info *p = &c->frames[mfn];
	uint64_t *t = c->table(mfn);

	while (p->type_count) {
		if (preempted(c) && (queued || defer(c, mfn)))
			return false;
		uint32_t i = --p->type_count;
		put_entry(c, p->type, i, t[i]);
		c->steps++;
	}
	if (p->type == PGT_L2_HIGH)
		t[SWITCH_SLOT_FIRST] = 0;       /* no pointer to our table stays behind */
	p->type = PGT_NONE;
	p->flags &= (uint8_t)~(PGF_VALIDATING | PGF_PARTIAL | PGF_DEVALIDATING);
	p->count--;
	return true;
}

/* Start releasing the first n entries of table mfn (its type still set). */
static void start_release(struct mm_ctx *c, uint32_t mfn, uint32_t n)
{
	struct page_info *p = &c->frames[mfn];

	p->flags = (uint8_t)((p->flags & ~(PGF_VALIDATING | PGF_PARTIAL)) | PGF_DEVALIDATING);
	p->type_count = n;
	p->count++;                     /* the release's own, until it ends */
	release(c, mfn, false);
}

/*
 * Take references for entries [from, n) of a VALIDATING table. On a refusal
 * the entries before it are released (rule: a refusal changes nothing, once
 * the release is done). Preempted (here or in a child, which is then PARTIAL
 * itself), the frame becomes PARTIAL with the count done: -ERESTART.
 */
static int validate(struct mm_ctx *c, uint32_t mfn, uint16_t owner, unsigned type, uint32_t from)
{
	struct page_info *p = &c->frames[mfn];
	uint64_t *t = c->table(mfn);
	uint32_t n = entries_of(type);

	if (type == PGT_L2_HIGH) {
		/* Slots 510-511 are the switch region's: the hypervisor writes
		 * them, whatever the guest left there. */
		t[SWITCH_SLOT_FIRST] = ((uint64_t)c->switch_l1_mfn << 12) | E_P | E_RW;
		t[SWITCH_SLOT_FIRST + 1] = 0;
		n = SWITCH_SLOT_FIRST;  /* the rest is never a guest reference */
	}
	for (uint32_t i = from; i < n; i++) {
		int rc = preempted(c) ? -ERESTART : get_entry(c, owner, type, i, t[i]);
		if (rc == -ERESTART) {
			p->flags |= PGF_PARTIAL;
			p->type_count = i;
			return rc;
		}
		if (rc) {
			start_release(c, mfn, i);
			return rc;
		}
		c->steps++;
	}
	return 0;
}

int mm_get_page_and_type(struct mm_ctx *c, uint32_t mfn, uint16_t owner, enum page_type type)
{
	if (type == PGT_NONE || type >= PGT_COUNT)
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);
	if (mfn >= c->nframes || c->frames[mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	struct page_info *p = &c->frames[mfn];
	if (p->count >= COUNT_MAX || p->type_count >= COUNT_MAX)
		return refuse(c, MMR_BAD_REQUEST, -EBUSY);
	/* The shared-info page is written by the hypervisor at any time: as a
	 * table its words would become entries nobody validated. So are the
	 * grant-table frames (their status bits). */
	if ((p->flags & (PGF_SHARED_INFO | PGF_GRANT_TABLE)) && type != PGT_WRITABLE)
		return refuse(c, MMR_TYPE_CONFLICT, -EBUSY);
	/* Being released: no use of any type until that ends. */
	if (p->flags & PGF_DEVALIDATING)
		return refuse(c, MMR_TYPE_CONFLICT, -EBUSY);

	uint32_t from = 0;
	if (p->flags & PGF_VALIDATING) {
		/* A table referring to itself, directly or through its
		 * children, finds it half-validated: refused, whatever the type
		 * wanted. Only an interrupted validation (PARTIAL) is taken up
		 * again, by the operation that began it: the same call, rerun. */
		if (!(p->flags & PGF_PARTIAL) || p->type != type)
			return refuse(c, MMR_TYPE_CONFLICT, -EBUSY);
		from = p->type_count;
		p->flags &= (uint8_t)~PGF_PARTIAL;
		p->type_count = 0;
	} else if (p->type_count == 0) {
		p->type = (uint8_t)type;
		if (is_table(type))
			p->flags |= PGF_VALIDATING;
	} else if (p->type != type) {
		return refuse(c, MMR_TYPE_CONFLICT, -EBUSY);
	}
	if (p->flags & PGF_VALIDATING) {
		int rc = validate(c, mfn, owner, type, from);
		if (rc)
			return rc;      /* PARTIAL, or released (or being released) */
		p->flags &= (uint8_t)~PGF_VALIDATING;
	}
	p->type_count++;
	p->count++;
	return 0;
}

void mm_put_page_and_type(struct mm_ctx *c, uint32_t mfn)
{
	struct page_info *p = &c->frames[mfn];

	if (--p->type_count == 0) {
		if (is_table(p->type)) {
			/* Its entries go, the last first; the reference being
			 * dropped is the release's own until it ends. */
			p->flags |= PGF_DEVALIDATING;
			p->type_count = entries_of(p->type);
			if (p->type == PGT_L2_HIGH)
				p->type_count = SWITCH_SLOT_FIRST;
			release(c, mfn, false);
			return;
		}
		p->type = PGT_NONE;
	}
	p->count--;
}

int mm_settle(struct mm_ctx *c)
{
	struct mm_deferred *q = c->defer;

	while (q && q->n) {
		/* The top: releasing it may push its own children above it. */
		uint32_t k = q->n - 1;
		if (!release(c, q->mfn[k], true))
			return -ERESTART;
		for (uint32_t j = k; j + 1 < q->n; j++)
			q->mfn[j] = q->mfn[j + 1];
		q->n--;
	}
	return 0;
}

int mm_update_entry(struct mm_ctx *c, uint16_t owner, uint32_t table_mfn, uint32_t idx,
		    uint64_t val)
{
	if (table_mfn >= c->nframes || c->frames[table_mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	struct page_info *p = &c->frames[table_mfn];
	if (!is_table(p->type) || p->type_count == 0 ||
	    (p->flags & (PGF_VALIDATING | PGF_DEVALIDATING)))
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);     /* not a page table in use */
	if (idx >= entries_of(p->type))
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);
	if (p->type == PGT_L2_HIGH && idx >= SWITCH_SLOT_FIRST)
		return refuse(c, MMR_SWITCH_REGION, -EPERM);

	uint64_t *t = c->table(table_mfn);
	uint64_t old = t[idx];
	/* A grant mapping holds references the grant code took (grant.c):
	 * only it may take the entry away. */
	if (p->type == PGT_L1 && (old & E_P) && (old & PTE_GRANT_BIT))
		return refuse(c, MMR_GRANT_MAPPING, -EPERM);
	/* New references first: if they are refused, nothing has changed. */
	int rc = get_entry(c, owner, p->type, idx, val);
	if (rc)
		return rc;
	t[idx] = val;
	put_entry(c, p->type, idx, old);
	return 0;
}

int mm_pin(struct mm_ctx *c, uint16_t owner, uint32_t mfn, enum page_type type)
{
	if (!is_table(type))
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);
	if (mfn >= c->nframes || c->frames[mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	if (c->frames[mfn].flags & PGF_PINNED)
		return refuse(c, MMR_BAD_REQUEST, -EALREADY);
	int rc = mm_get_page_and_type(c, mfn, owner, type);
	if (rc)
		return rc;
	c->frames[mfn].flags |= PGF_PINNED;
	return 0;
}

int mm_unpin(struct mm_ctx *c, uint16_t owner, uint32_t mfn)
{
	if (mfn >= c->nframes || c->frames[mfn].owner != owner)
		return refuse(c, MMR_NOT_OWNER, -EPERM);
	if (!(c->frames[mfn].flags & PGF_PINNED))
		return refuse(c, MMR_BAD_REQUEST, -EINVAL);
	c->frames[mfn].flags &= ~PGF_PINNED;
	mm_put_page_and_type(c, mfn);
	return 0;
}
