/*
 * Shadow page tables: walk the guest's tables the way the CPU would, and
 * either reflect the page fault the CPU would have raised, or put the
 * translation (guest-virtual -> machine frame) into the PAE shadow the host
 * really runs on. Pure: everything goes through struct shadow_ops.
 *
 * The rules followed are the SDM's, vol. 3 chapter 4: 4.3 (32-bit paging),
 * 4.4 (PAE), 4.6 (access rights), 4.7 (page-fault error code), 4.8
 * (accessed and dirty flags), 4.10 (TLBs: the shadow is one).
 */
#include "shadow_internal.h"
#include "errno.h"
#include "string.h"

/* A guest translation, as the walk found it. */
struct gwalk {
	uint64_t gpa;           /* the guest-physical address linear maps to */
	bool rw, us, nx;        /* rights combined over every level */
	bool large;             /* a 4 MiB or 2 MiB guest page */
	unsigned n;             /* entries used: [0] directory, [n-1] the leaf */
	uint64_t ent_gpa[2];
	uint64_t ent[2];
	unsigned width;         /* 4 (32-bit paging) or 8 (PAE) bytes per entry */
	uint32_t pfec;          /* when the walk faults: P / RSVD */
	uint64_t bad_gpa;       /* when a table is not RAM */
};

enum walk_rc { WALK_OK, WALK_FAULT, WALK_BAD };

#define pae sh_pae
#define paging sh_paging

static bool nxe(const struct shadow_regs *r)
{
	return pae(r) && (r->efer & SH_EFER_NXE);
}

/* Bits M-1:12 of an entry: the address of what it points to. */
static uint64_t addr_mask(const struct shadow_ctx *ctx)
{
	return ((1ull << ctx->maxphyaddr) - 1) & ~0xfffull;
}

/* Bits 62:M, and 63 (XD) when EFER.NXE is off: reserved in every PAE
 * directory and table entry (SDM tables 4-8 to 4-11). */
static uint64_t pae_rsvd(const struct shadow_ctx *ctx)
{
	uint64_t m = ~((1ull << ctx->maxphyaddr) - 1);
	return nxe(&ctx->regs) ? m & ~PTE_NX : m;
}

static int read_entry(struct shadow_ctx *ctx, struct gwalk *w, uint64_t gpa, uint64_t *val)
{
	const struct shadow_ops *ops = ctx->ops;
	if (w->width == 4) {
		uint32_t v;
		if (ops->read32(ops->opaque, gpa, &v))
			return -RV_EFAULT;
		*val = v;
	} else if (ops->read64(ops->opaque, gpa, val)) {
		return -RV_EFAULT;
	}
	w->ent_gpa[w->n] = gpa;
	w->ent[w->n] = *val;
	w->n++;
	return 0;
}

/* 32-bit paging (SDM 4.3). */
static enum walk_rc walk_2level(struct shadow_ctx *ctx, uint32_t linear, struct gwalk *w)
{
	uint64_t pde, pte;
	uint64_t pde_gpa = (ctx->regs.cr3 & 0xfffff000u) + (linear >> 22) * 4;

	if (read_entry(ctx, w, pde_gpa, &pde)) {
		w->bad_gpa = pde_gpa;
		return WALK_BAD;
	}
	if (!(pde & PTE_P))
		return WALK_FAULT;
	w->rw = pde & PTE_RW;
	w->us = pde & PTE_US;

	if ((pde & PTE_PS) && (ctx->regs.cr4 & SH_CR4_PSE)) {
		/*
		 * A 4 MiB page. PSE-36: bits 20:13 hold physical address bits
		 * 39:32, as many as MAXPHYADDR allows; the rest of 21:13 is
		 * reserved (SDM table 4-4; bit 12 is PAT).
		 */
		unsigned hi = MIN(ctx->maxphyaddr, 40u) - 32;
		uint64_t rsvd = ((1ull << 22) - 1) & ~((1ull << (13 + hi)) - 1);
		if (pde & rsvd) {
			w->pfec = PFEC_RSVD | PFEC_P;
			return WALK_FAULT;
		}
		w->large = true;
		w->gpa = (pde & 0xffc00000u) | (((pde >> 13) & ((1ull << hi) - 1)) << 32) |
			 (linear & 0x3fffffu);
		return WALK_OK;
	}

	/* Without CR4.PSE the PS bit is ignored: a page table. */
	uint64_t pte_gpa = (pde & 0xfffff000u) + ((linear >> 12) & 0x3ff) * 4;
	if (read_entry(ctx, w, pte_gpa, &pte)) {
		w->bad_gpa = pte_gpa;
		return WALK_BAD;
	}
	if (!(pte & PTE_P))
		return WALK_FAULT;
	w->rw = w->rw && (pte & PTE_RW);
	w->us = w->us && (pte & PTE_US);
	w->gpa = (pte & 0xfffff000u) | (linear & 0xfffu);
	return WALK_OK;
}

/* PAE paging (SDM 4.4), from the PDPTEs loaded at the last CR3 load. */
static enum walk_rc walk_pae(struct shadow_ctx *ctx, uint32_t linear, struct gwalk *w)
{
	uint64_t pdpte = ctx->pdpte[linear >> 30];
	uint64_t pde, pte;
	uint64_t rsvd = pae_rsvd(ctx), mask = addr_mask(ctx);
	bool xd = nxe(&ctx->regs);

	if (!(pdpte & PTE_P))
		return WALK_FAULT;
	uint64_t pde_gpa = (pdpte & mask) + ((linear >> 21) & 511) * 8;
	if (read_entry(ctx, w, pde_gpa, &pde)) {
		w->bad_gpa = pde_gpa;
		return WALK_BAD;
	}
	if (!(pde & PTE_P))
		return WALK_FAULT;
	/* A 2 MiB page also reserves bits 20:13 (bit 12 is PAT). */
	if ((pde & rsvd) || ((pde & PTE_PS) && (pde & 0x1fe000u))) {
		w->pfec = PFEC_RSVD | PFEC_P;
		return WALK_FAULT;
	}
	w->rw = pde & PTE_RW;
	w->us = pde & PTE_US;
	w->nx = xd && (pde & PTE_NX);
	if (pde & PTE_PS) {
		w->large = true;
		w->gpa = (pde & mask & ~0x1fffffull) | (linear & 0x1fffffu);
		return WALK_OK;
	}

	uint64_t pte_gpa = (pde & mask) + ((linear >> 12) & 511) * 8;
	if (read_entry(ctx, w, pte_gpa, &pte)) {
		w->bad_gpa = pte_gpa;
		return WALK_BAD;
	}
	if (!(pte & PTE_P))
		return WALK_FAULT;
	if (pte & rsvd) {
		w->pfec = PFEC_RSVD | PFEC_P;
		return WALK_FAULT;
	}
	w->rw = w->rw && (pte & PTE_RW);
	w->us = w->us && (pte & PTE_US);
	w->nx = w->nx || (xd && (pte & PTE_NX));
	w->gpa = (pte & mask) | (linear & 0xfffu);
	return WALK_OK;
}

static enum walk_rc guest_walk(struct shadow_ctx *ctx, uint32_t linear, struct gwalk *w)
{
	memset(w, 0, sizeof(*w));
	if (!paging(&ctx->regs)) {
		/* Paging off: linear is physical, and every ring may do
		 * anything with it. */
		w->gpa = linear;
		w->rw = w->us = true;
		return WALK_OK;
	}
	if (pae(&ctx->regs)) {
		w->width = 8;
		return walk_pae(ctx, linear, w);
	}
	w->width = 4;
	return walk_2level(ctx, linear, w);
}

/*
 * Access rights (SDM 4.6): CPL 3 is user, CPL 0-2 supervisor; so the guest
 * kernel in ring 1 has exactly the supervisor rights it would have in ring
 * 0. No SMEP/SMAP (not exposed to the guest).
 */
static bool allowed(const struct shadow_ctx *ctx, const struct gwalk *w, bool write,
		    bool user, bool fetch)
{
	if (user && !w->us)
		return false;
	if (write && !w->rw && (user || (ctx->regs.cr0 & SH_CR0_WP)))
		return false;
	if (fetch && w->nx)
		return false;
	return true;
}

/* Set A in every entry the translation used and D in the leaf on a write
 * (SDM 4.8), as the CPU does: only bits that are clear are written. */
static void set_accessed_dirty(struct shadow_ctx *ctx, struct gwalk *w, bool write)
{
	const struct shadow_ops *ops = ctx->ops;

	for (unsigned i = 0; i < w->n; i++) {
		uint64_t set = PTE_A;
		if (i == w->n - 1 && write)
			set |= PTE_D;
		if ((w->ent[i] & set) == set)
			continue;
		/* A directory entry pointing at itself (or a table entry
		 * pointing at its own table) is one word: see the update. */
		if (i == 1 && w->ent_gpa[1] == w->ent_gpa[0])
			w->ent[1] |= w->ent[0] & (PTE_A | PTE_D);
		w->ent[i] |= set;
		if (w->width == 4)
			ops->write32(ops->opaque, w->ent_gpa[i], (uint32_t)w->ent[i]);
		else
			ops->write64(ops->opaque, w->ent_gpa[i], w->ent[i]);
	}
}

pte_t *sh_pde(const struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear)
{
	const struct pt_env *env = ctx->ops->env;
	pte_t pdpte = env->table(root->pdpt)[L3_INDEX(linear)];
	return &env->table(pdpte & PTE_ADDR_MASK)[L2_INDEX(linear)];
}

static pte_t *shadow_pde(struct shadow_ctx *ctx, uint32_t linear)
{
	return sh_pde(ctx, &ctx->root, linear);
}

static bool hv_owned(const struct shadow_ctx *ctx, uint32_t linear)
{
	return ctx->hv_base && linear >= ctx->hv_base;
}

void sh_dropped(struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear,
		uint32_t len)
{
	if (ctx->ops->dropped)
		ctx->ops->dropped(ctx->ops->opaque, root, linear, len);
}

void sh_drop_l1(struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear)
{
	if (hv_owned(ctx, linear))
		return;
	pte_t *pde = sh_pde(ctx, root, linear);
	if (!(*pde & PTE_P))
		return;
	ctx->ops->free(ctx->ops->opaque, *pde & PTE_ADDR_MASK);
	*pde = 0;
	sh_dropped(ctx, root, linear & ~(uint32_t)(LARGE_PAGE_SIZE - 1), LARGE_PAGE_SIZE);
}

/* Drop the shadow page table of the 2 MiB region holding linear. */
static void drop_l1(struct shadow_ctx *ctx, uint32_t linear)
{
	sh_drop_l1(ctx, &ctx->root, linear);
}

/* A PDPT and its four directories (pt_create's root, but given back when
 * a frame runs out half-way: a guest can make that happen at will). */
int sh_root_make(struct shadow_ctx *ctx, struct pae_space *root)
{
	const struct pt_env *env = ctx->ops->env;
	paddr_t pdpt = env->alloc();
	if (!pdpt)
		return -RV_ENOMEM;
	pte_t *l3 = env->table(pdpt);
	for (int i = 0; i < 4; i++) {
		paddr_t l2 = env->alloc();
		if (!l2) {
			while (i--)
				ctx->ops->free(ctx->ops->opaque, l3[i] & PTE_ADDR_MASK);
			ctx->ops->free(ctx->ops->opaque, pdpt);
			return -RV_ENOMEM;
		}
		/* PDPTEs take only P, PWT and PCD in PAE mode. */
		l3[i] = (l2 & PTE_ADDR_MASK) | PTE_P;
	}
	root->pdpt = pdpt;
	if (ctx->ops->root_init && ctx->ops->root_init(ctx->ops->opaque, root)) {
		sh_root_free(ctx, root);
		return -RV_ENOMEM;
	}
	return 0;
}

int shadow_init(struct shadow_ctx *ctx, const struct shadow_ops *ops, unsigned maxphyaddr,
		uint32_t hv_base)
{
	memset(ctx, 0, sizeof(*ctx));
	if (maxphyaddr < 32 || maxphyaddr > 52 || (hv_base & (LARGE_PAGE_SIZE - 1)))
		return -RV_EINVAL;
	ctx->ops = ops;
	ctx->maxphyaddr = maxphyaddr;
	ctx->hv_base = hv_base;
	return sh_root_make(ctx, &ctx->root);
}

/* Free every shadow page table below hv_base; the root stays. A scan of
 * the four directories as arrays: this runs at every guest CR3 write. */
void sh_drop_all(struct shadow_ctx *ctx, const struct pae_space *root)
{
	const struct pt_env *env = ctx->ops->env;
	pte_t *l3 = env->table(root->pdpt);
	for (unsigned i = 0; i < 4; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		pte_t *l2 = env->table(l3[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < PT_ENTRIES; j++) {
			uint64_t va = ((uint64_t)i << 30) | ((uint64_t)j << 21);
			if (ctx->hv_base && va >= ctx->hv_base)
				break;
			if (!(l2[j] & PTE_P))
				continue;
			ctx->ops->free(ctx->ops->opaque, l2[j] & PTE_ADDR_MASK);
			l2[j] = 0;
		}
	}
	sh_dropped(ctx, root, 0, 0);
}

static void drop_all(struct shadow_ctx *ctx)
{
	sh_drop_all(ctx, &ctx->root);
}

/* Everything goes: the caller's tables above hv_base are taken out first
 * (root_fini), or freed with the rest when it has no such hook. */
void sh_root_free(struct shadow_ctx *ctx, struct pae_space *root)
{
	const struct pt_env *env = ctx->ops->env;
	uint32_t hv_base = ctx->hv_base;

	if (!root->pdpt)
		return;
	if (ctx->ops->root_fini)
		ctx->ops->root_fini(ctx->ops->opaque, root);
	ctx->hv_base = 0;
	sh_drop_all(ctx, root);
	ctx->hv_base = hv_base;
	for (int i = 0; i < 4; i++) {
		pte_t pdpte = env->table(root->pdpt)[i];
		if (pdpte & PTE_P)
			ctx->ops->free(ctx->ops->opaque, pdpte & PTE_ADDR_MASK);
	}
	ctx->ops->free(ctx->ops->opaque, root->pdpt);
	root->pdpt = 0;
}

void shadow_destroy(struct shadow_ctx *ctx)
{
	if (!ctx->root.pdpt)
		return;
	if (ctx->cache)
		sh_cache_drop_others(ctx);      /* every kept root but the current one */
	sh_root_free(ctx, &ctx->root);
	ctx->cache = NULL;
}

int sh_load_pdptes(struct shadow_ctx *ctx, const struct shadow_regs *regs, uint64_t pdpte[4])
{
	/* PAE CR3 is 32-byte aligned (bits 31:5); the PDPTEs are read now and
	 * kept, as by the CPU (SDM 4.4.1). Reserved in a present PDPTE: bits
	 * 2:1, 8:5 and 63:M -> #GP on the load. */
	uint64_t base = regs->cr3 & 0xffffffe0u;
	uint64_t rsvd = 0x1e6 | ~((1ull << ctx->maxphyaddr) - 1);
	for (int i = 0; i < 4; i++) {
		uint64_t e;
		if (ctx->ops->read64(ctx->ops->opaque, base + i * 8, &e))
			return -RV_EFAULT;
		if ((e & PTE_P) && (e & rsvd))
			return -RV_EINVAL;
		pdpte[i] = e;
	}
	return 0;
}

int shadow_flush(struct shadow_ctx *ctx, const struct shadow_regs *regs)
{
	uint64_t pdpte[4] = { 0 };
	int rc = 0;

	if (paging(regs) && pae(regs))
		rc = sh_load_pdptes(ctx, regs, pdpte);
	if (!rc && ctx->cache)
		return sh_cache_switch(ctx, regs, pdpte);

	drop_all(ctx);
	ctx->stats.flushes++;
	ctx->regs = *regs;
	ctx->loaded = !rc;
	memcpy(ctx->pdpte, pdpte, sizeof(ctx->pdpte));
	return rc;
}

unsigned shadow_write_protect(struct shadow_ctx *ctx, uint64_t mfn)
{
	const struct pt_env *env = ctx->ops->env;
	unsigned n = 0;
	if (!ctx->root.pdpt)
		return 0;
	if (ctx->cache)
		return sh_cache_write_protect(ctx, mfn);
	pte_t *l3 = env->table(ctx->root.pdpt);
	for (unsigned i = 0; i < 4; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		pte_t *l2 = env->table(l3[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < PT_ENTRIES; j++) {
			uint64_t va = ((uint64_t)i << 30) | ((uint64_t)j << 21);
			if (ctx->hv_base && va >= ctx->hv_base)
				break;
			if (!(l2[j] & PTE_P))
				continue;
			pte_t *l1 = env->table(l2[j] & PTE_ADDR_MASK);
			for (unsigned k = 0; k < PT_ENTRIES; k++) {
				if ((l1[k] & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW) &&
				    ((l1[k] & PTE_ADDR_MASK) >> PAGE_SHIFT) == mfn) {
					l1[k] &= ~(pte_t)PTE_RW;
					n++;
				}
			}
		}
	}
	return n;
}

void shadow_invlpg(struct shadow_ctx *ctx, uint32_t linear)
{
	if (hv_owned(ctx, linear))
		return;
	ctx->stats.invlpgs++;
	/*
	 * INVLPG drops every translation covering linear, whatever its page
	 * size (SDM 4.10.4.1). A region holding 4 KiB pieces of a guest large
	 * page does not record which pieces came from it: the whole shadow
	 * table goes. A guest 4 MiB page spans two shadow tables, and its
	 * pieces may sit only in the other one: check that one too, even
	 * when this one is empty.
	 */
	pte_t *pde = shadow_pde(ctx, linear);
	if (*pde & SH_PDE_LARGE)
		drop_l1(ctx, linear);
	else if (*pde & PTE_P) {
		pt_unmap_page(ctx->ops->env, &ctx->root, linear & PAGE_MASK);
		sh_dropped(ctx, &ctx->root, linear & PAGE_MASK, PAGE_SIZE);
	}
	if (paging(&ctx->regs) && !pae(&ctx->regs)) {
		uint32_t buddy = linear ^ LARGE_PAGE_SIZE;
		if (!hv_owned(ctx, buddy) && (*shadow_pde(ctx, buddy) & SH_PDE_LARGE))
			drop_l1(ctx, buddy);
	}
}

bool sh_same_mode(const struct shadow_regs *a, const struct shadow_regs *b)
{
	return a->cr3 == b->cr3 &&
	       !((a->cr0 ^ b->cr0) & (SH_CR0_PG | SH_CR0_WP)) &&
	       !((a->cr4 ^ b->cr4) & (SH_CR4_PSE | SH_CR4_PAE)) &&
	       !((a->efer ^ b->efer) & SH_EFER_NXE);
}

/* The shadow entry's rights for what the guest allows. */
static pte_t shadow_flags(struct shadow_ctx *ctx, const struct gwalk *w, bool write, bool user,
			  bool protect)
{
	bool rw = w->rw, us = w->us;

	/*
	 * CR0.WP = 0: the guest kernel may write to read-only pages, user code
	 * may not. The host runs with WP set, so such a write gets a
	 * supervisor-only writable entry; a later ring-3 access faults and
	 * refills it read-only with U again (what KVM does).
	 */
	if (write && !user && !w->rw)
		us = false, rw = true;
	/* Dirty not set yet: read-only until the first write sets it. */
	if (w->n && !(w->ent[w->n - 1] & PTE_D))
		rw = false;
	if (protect)
		rw = false;
	bool nx = w->nx || (ctx->sup_nx && !us && ctx->ops->env->nx);
	return (rw ? PTE_RW : 0) | (us ? PTE_US : 0) | (nx ? PTE_NX : 0);
}

/*
 * The guest's translation of linear for an access, as the CPU's walk does
 * it: the shadow reloaded first if the paging registers changed; then
 * SHADOW_TRANSLATED (*w the walk, A and D set), SHADOW_GUEST_PF (error
 * code and CR2 in *out), SHADOW_BAD_TABLE, or shadow_flush's error.
 */
static int walk_access(struct shadow_ctx *ctx, uint32_t linear, bool write, bool fetch,
		       bool user, const struct shadow_regs *regs, struct shadow_fault_out *out,
		       struct gwalk *w)
{
	memset(out, 0, sizeof(*out));
	if (!ctx->loaded || !sh_same_mode(&ctx->regs, regs)) {
		int rc = shadow_flush(ctx, regs);
		if (rc)
			return rc;
	}
	switch (guest_walk(ctx, linear, w)) {
	case WALK_BAD:
		out->gpa = w->bad_gpa;
		return SHADOW_BAD_TABLE;
	case WALK_OK:
		if (allowed(ctx, w, write, user, fetch))
			break;
		w->pfec = PFEC_P;
		/* fall through */
	case WALK_FAULT:
		/* SDM 4.7: W and U describe the access; I only when
		 * execute-disable exists (PAE with EFER.NXE). */
		out->error_code = w->pfec | (write ? PFEC_W : 0) | (user ? PFEC_U : 0) |
				  (fetch && nxe(&ctx->regs) ? PFEC_I : 0);
		out->cr2 = linear;
		return SHADOW_GUEST_PF;
	}
	set_accessed_dirty(ctx, w, write);
	return SHADOW_TRANSLATED;
}

int shadow_translate(struct shadow_ctx *ctx, uint32_t linear, uint32_t access,
		     const struct shadow_regs *regs, unsigned cpl, struct shadow_fault_out *out)
{
	struct gwalk w;
	int rc = walk_access(ctx, linear, access & PFEC_W, access & PFEC_I, cpl == 3, regs, out, &w);
	if (rc == SHADOW_TRANSLATED)
		out->gpa = w.gpa;
	return rc;
}

int shadow_fault(struct shadow_ctx *ctx, uint32_t linear, uint32_t error_code,
		 const struct shadow_regs *regs, unsigned cpl, struct shadow_fault_out *out)
{
	const struct shadow_ops *ops = ctx->ops;
	bool write = error_code & PFEC_W, fetch = error_code & PFEC_I, user = cpl == 3;
	struct gwalk w;
	int rc;

	memset(out, 0, sizeof(*out));
	if (hv_owned(ctx, linear))
		return -RV_EFAULT;
	rc = walk_access(ctx, linear, write, fetch, user, regs, out, &w);
	if (rc == SHADOW_GUEST_PF)
		ctx->stats.guest_pf++;
	if (rc != SHADOW_TRANSLATED)
		return rc;

	uint64_t gfn = w.gpa >> PAGE_SHIFT;
	uint64_t mfn = ops->translate(ops->opaque, gfn);
	if (!mfn) {
		out->gpa = w.gpa;
		ctx->stats.mmio++;
		return SHADOW_MMIO;
	}
	bool protect = shadow_is_table(ctx, gfn) ||
		       (ops->write_protected && ops->write_protected(ops->opaque, gfn));
	if (protect && write) {
		out->gpa = w.gpa;
		ctx->stats.wprot++;
		return SHADOW_WRITE_PROTECTED;
	}

	pte_t flags = shadow_flags(ctx, &w, write, user, protect);
	rc = pt_map_page(ops->env, &ctx->root, linear & PAGE_MASK, mfn << PAGE_SHIFT, flags);
	if (rc == -RV_ENOMEM && ctx->cache) {
		/* Room first from the other kept roots, then from this one.
		 * Entries of the loaded root may go: counted, so that a caller
		 * with a tagged TLB (SVM's ASIDs) flushes it. */
		ctx->stats.reclaims++;
		sh_cache_drop_others(ctx);
		rc = pt_map_page(ops->env, &ctx->root, linear & PAGE_MASK, mfn << PAGE_SHIFT,
				 flags);
		if (rc == -RV_ENOMEM) {
			drop_all(ctx);
			rc = pt_map_page(ops->env, &ctx->root, linear & PAGE_MASK,
					 mfn << PAGE_SHIFT, flags);
		}
	}
	if (rc)
		return rc;
	if (w.large)
		*shadow_pde(ctx, linear) |= SH_PDE_LARGE;
	if (ctx->cache)
		sh_cache_filled(ctx, linear, w.ent_gpa, w.n, gfn, mfn, flags & PTE_RW);
	if (ops->table_used) {
		/* Every entry used lies in a guest table: the directory,
		 * and the page table unless the page is large. (The PAE
		 * PDPT is read only at CR3 load: the caller knows it.) */
		for (unsigned i = 0; i < w.n; i++)
			ops->table_used(ops->opaque, w.ent_gpa[i] >> PAGE_SHIFT);
	}
	ctx->stats.hidden++;
	return SHADOW_FILLED;
}

int shadow_audit(struct shadow_ctx *ctx, uint32_t *bad)
{
	const struct pt_env *env = ctx->ops->env;
	pte_t *l3 = env->table(ctx->root.pdpt);
	if (!ctx->loaded)
		return 0;
	for (uint32_t i = 0; i < 4; i++) {
		if (!(l3[i] & PTE_P))
			continue;
		pte_t *l2 = env->table(l3[i] & PTE_ADDR_MASK);
		for (uint32_t j = 0; j < PT_ENTRIES; j++) {
			uint32_t va2 = i << 30 | j << 21;
			if (hv_owned(ctx, va2))
				break;
			if (!(l2[j] & PTE_P))
				continue;
			pte_t *l1 = env->table(l2[j] & PTE_ADDR_MASK);
			for (uint32_t k = 0; k < PT_ENTRIES; k++) {
				pte_t e = l1[k];
				uint32_t va = va2 | k << 12;
				struct gwalk w;
				if (!(e & PTE_P))
					continue;
				*bad = va;
				if (guest_walk(ctx, va, &w) != WALK_OK)
					return 1;
				uint64_t mfn = ctx->ops->translate(ctx->ops->opaque, w.gpa >> PAGE_SHIFT);
				if (((e & PTE_ADDR_MASK) >> PAGE_SHIFT) != mfn)
					return 2;
				if ((e & PTE_US) && !w.us)
					return 3;
				if ((e & PTE_RW) && (e & PTE_US) && !w.rw)
					return 4;
				if ((e & PTE_RW) && shadow_is_table(ctx, w.gpa >> PAGE_SHIFT))
					return 5;
			}
		}
	}
	return 0;
}
