/*
 * Shadow page tables kept across CR3 loads (the "cache" sync policy,
 * docs/shadow-paging.md).
 *
 * Without it, every guest CR3 load drops the whole shadow, and a process
 * switch costs a hidden fault for every page the process touches again. With
 * it, up to SHADOW_ROOTS shadows are kept, one per guest address space, and
 * they stay true because every guest frame a fill walked through (a
 * directory or a page table) is write-protected in every kept root: a guest
 * write there faults, the caller emulates it and calls shadow_written, and
 * the shadow entries made from the entries written are dropped, in every
 * root. That is what KVM's shadow MMU does without EPT; the classic
 * alternative is to resync at INVLPG and CR3 (the "flush" policy).
 *
 * Three bounded structures hold the bookkeeping:
 *   - the roots, chosen at each CR3 load by the paging registers (and, in
 *     PAE, the PDPTEs the load reads), the least recently loaded evicted;
 *   - a record per tracked guest table with its uses: which root, and which
 *     place there (a 2 MiB region for a page table, the whole root or a
 *     PDPT slot for a directory) was filled from it. A write drops exactly
 *     the entries made from what it wrote; a record or a use that has to
 *     make room drops the shadows made from it;
 *   - a reverse map of the writable shadow entries, so that a frame that
 *     becomes a table is write-protected everywhere without a scan. An entry
 *     that has to make room there becomes read-only (a later write refills
 *     it: one more hidden fault).
 * The invariant the tests check: every shadow entry below hv_base was made
 * from tables that are tracked (for the root it is in), and no entry that
 * maps a tracked table is writable.
 *
 * A table written SHADOW_FLOOD times with no walk through it between is
 * let go (KVM's write-flood detection): it is most likely not a table any
 * more (a freed page being reused, a new process's tables being filled),
 * and emulating every write would cost more than refilling.
 */
#include "shadow_internal.h"
#include "errno.h"
#include "format.h"
#include "string.h"

/* A use of a table, in 32 bits: bit 31 set for a directory; bits 30:28
 * the root; bits 10:0 for a page table the 2 MiB region (linear >> 21;
 * with 32-bit paging the first of the two of its 4 MiB), for a directory
 * the PDPT slot (PAE) or 0. */
#define USE_DIR         (1u << 31)
#define USE_ROOT(u)     (((u) >> 28) & 7u)
#define USE_BASE(u)     ((u) & 0x7ffu)

#define RMAP_SETS       (SHADOW_RMAP / SHADOW_RMAP_WAYS)

_Static_assert(SHADOW_ROOTS <= 8, "a use holds the root in 3 bits");
_Static_assert(SHADOW_TABLES < 65536, "hash chains are 16-bit");

static uint32_t use_make(bool dir, unsigned root, unsigned base)
{
	return (dir ? USE_DIR : 0) | root << 28 | base;
}

static unsigned hash_frame(uint64_t fn, unsigned n)
{
	return (unsigned)(((uint32_t)fn ^ (uint32_t)(fn >> 32)) * 2654435761u >> 12) % n;
}

static unsigned hash_gfn(uint64_t gfn)
{
	return hash_frame(gfn, SHADOW_TABLES);
}

/* The space of kept root r (the current one is ctx->root: the same PDPT). */
static struct pae_space *space_of(struct shadow_ctx *ctx, unsigned r)
{
	return &ctx->cache->roots[r].space;
}

/* ---- the reverse map of writable entries */

/* Make the entry at where read-only if it still maps mfn writable. */
static unsigned downgrade(struct shadow_ctx *ctx, const struct shadow_rmap *m)
{
	const struct pt_env *env = ctx->ops->env;
	struct pae_space *sp = space_of(ctx, m->where >> 20);
	uint32_t lin = (m->where & 0xfffffu) << PAGE_SHIFT;

	if (!sp->pdpt || (ctx->hv_base && lin >= ctx->hv_base))
		return 0;
	pte_t pde = *sh_pde(ctx, sp, lin);
	if (!(pde & PTE_P))
		return 0;
	pte_t *e = &env->table(pde & PTE_ADDR_MASK)[L1_INDEX(lin)];
	if ((*e & (PTE_P | PTE_RW)) != (PTE_P | PTE_RW) ||
	    ((*e & PTE_ADDR_MASK) >> PAGE_SHIFT) != m->mfn)
		return 0;
	*e &= ~(pte_t)PTE_RW;
	return 1;
}

static void rmap_add(struct shadow_ctx *ctx, uint64_t mfn, unsigned root, uint32_t linear)
{
	struct shadow_cache *c = ctx->cache;
	unsigned set = hash_frame(mfn, RMAP_SETS);
	struct shadow_rmap *ways = &c->rmap[set * SHADOW_RMAP_WAYS];
	struct shadow_rmap m = { (uint32_t)mfn, root << 20 | linear >> PAGE_SHIFT };
	struct shadow_rmap *slot = NULL;

	for (unsigned i = 0; i < SHADOW_RMAP_WAYS; i++) {
		if (ways[i].mfn == m.mfn && ways[i].where == m.where)
			return;
		if (!ways[i].mfn && !slot)
			slot = &ways[i];
	}
	if (!slot) {
		slot = &ways[c->rmap_next[set]++ % SHADOW_RMAP_WAYS];
		ctx->stats.rmap_drops += downgrade(ctx, slot);
	}
	*slot = m;
}

unsigned sh_cache_write_protect(struct shadow_ctx *ctx, uint64_t mfn)
{
	struct shadow_rmap *ways = &ctx->cache->rmap[hash_frame(mfn, RMAP_SETS) * SHADOW_RMAP_WAYS];
	unsigned n = 0;
	for (unsigned i = 0; i < SHADOW_RMAP_WAYS; i++) {
		if (ways[i].mfn != (uint32_t)mfn)
			continue;
		n += downgrade(ctx, &ways[i]);
		ways[i].mfn = 0;
	}
	return n;
}

/* ---- tracked tables */

static struct shadow_table *table_find(const struct shadow_cache *c, uint64_t gfn)
{
	for (unsigned i = c->hash[hash_gfn(gfn)]; i; i = c->tables[i - 1].next) {
		const struct shadow_table *t = &c->tables[i - 1];
		if (t->gfn == gfn)
			return (struct shadow_table *)t;
	}
	return NULL;
}

bool shadow_is_table(const struct shadow_ctx *ctx, uint64_t gfn)
{
	return ctx->cache && table_find(ctx->cache, gfn);
}

/* Unlink a record: the frame is writable again from its next fill. */
static void table_free(struct shadow_cache *c, struct shadow_table *t)
{
	uint16_t idx = (uint16_t)(t - c->tables + 1);
	for (uint16_t *p = &c->hash[hash_gfn(t->gfn)]; *p; p = &c->tables[*p - 1].next) {
		if (*p == idx) {
			*p = t->next;
			break;
		}
	}
	t->nuse = 0;
	t->next = 0;
}

/* Drop the shadows made from a table through one use. */
static void zap_use(struct shadow_ctx *ctx, uint32_t u)
{
	struct shadow_root *r = &ctx->cache->roots[USE_ROOT(u)];
	struct pae_space *sp = &r->space;
	if (!sp->pdpt)
		return;
	if (u & USE_DIR) {
		if (!sh_pae(&r->regs)) {
			sh_drop_all(ctx, sp);
			return;
		}
		for (uint32_t j = 0; j < PT_ENTRIES; j++)
			sh_drop_l1(ctx, sp, USE_BASE(u) << 30 | j << 21);
		return;
	}
	sh_drop_l1(ctx, sp, USE_BASE(u) << 21);
	if (!sh_pae(&r->regs))
		sh_drop_l1(ctx, sp, (USE_BASE(u) + 1) << 21);
}

static void zap_table(struct shadow_ctx *ctx, struct shadow_table *t)
{
	for (unsigned i = 0; i < t->nuse; i++)
		zap_use(ctx, t->use[i]);
	table_free(ctx->cache, t);
}

/* The record of gfn, made (and the frame write-protected in every root)
 * if there is none. */
static struct shadow_table *table_get(struct shadow_ctx *ctx, uint64_t gfn)
{
	struct shadow_cache *c = ctx->cache;
	struct shadow_table *t = table_find(c, gfn);
	if (t)
		return t;
	for (unsigned i = 0; i < SHADOW_TABLES && !t; i++)
		if (!c->tables[i].nuse)
			t = &c->tables[i];
	if (!t) {
		t = &c->tables[c->victim++ % SHADOW_TABLES];
		zap_table(ctx, t);
		ctx->stats.evictions++;
	}
	unsigned h = hash_gfn(gfn);
	*t = (struct shadow_table){ .gfn = gfn, .next = c->hash[h] };
	c->hash[h] = (uint16_t)(t - c->tables + 1);
	ctx->stats.tables++;
	uint64_t mfn = ctx->ops->translate(ctx->ops->opaque, gfn);
	if (mfn)
		sh_cache_write_protect(ctx, mfn);
	return t;
}

static void add_use(struct shadow_ctx *ctx, struct shadow_table *t, uint32_t u)
{
	t->writes = 0;
	for (unsigned i = 0; i < t->nuse; i++)
		if (t->use[i] == u)
			return;
	if (t->nuse == SHADOW_USES) {
		/* The oldest use goes, and the shadows made through it. */
		zap_use(ctx, t->use[0]);
		memmove(&t->use[0], &t->use[1], (SHADOW_USES - 1) * sizeof(t->use[0]));
		t->nuse--;
		ctx->stats.evictions++;
	}
	t->use[t->nuse++] = u;
}

/* Forget every use in root r (it is being emptied or freed). */
static void forget_root(struct shadow_ctx *ctx, unsigned r)
{
	struct shadow_cache *c = ctx->cache;
	for (unsigned i = 0; i < SHADOW_TABLES; i++) {
		struct shadow_table *t = &c->tables[i];
		unsigned n = 0;
		if (!t->nuse)
			continue;
		for (unsigned j = 0; j < t->nuse; j++)
			if (USE_ROOT(t->use[j]) != r)
				t->use[n++] = t->use[j];
		t->nuse = (uint8_t)n;
		if (!n)
			table_free(c, t);
	}
}

void sh_cache_filled(struct shadow_ctx *ctx, uint32_t linear, const uint64_t *ent_gpa,
		     unsigned n, uint64_t gfn, uint64_t mfn, bool writable)
{
	struct shadow_cache *c = ctx->cache;
	bool pae = sh_pae(&ctx->regs);
	uint64_t forgotten = c->forgotten;

	c->forgotten = 0;
	/* First in the reverse map: if the page just mapped is one of the
	 * tables below, making it a table finds it there. */
	if (writable)
		rmap_add(ctx, mfn, c->cur, linear);
	for (unsigned i = 0; i < n; i++) {
		uint64_t tg = ent_gpa[i] >> PAGE_SHIFT;
		/*
		 * The caller just let this table go for a write it could not
		 * emulate, and the write's own walk goes through it (a table
		 * that maps itself): tracked again, it would be read-only again
		 * and the write would fault for ever. It stays untracked, and
		 * this root falls back to the flush policy until its next CR3
		 * load empties it (what the guest's TLB rules allow).
		 */
		if (writable && tg == gfn && forgotten == gfn + 1) {
			c->roots[c->cur].unsynced = true;
			ctx->stats.self_maps++;
			continue;
		}
		uint32_t u = i == 0 ? use_make(true, c->cur, pae ? linear >> 30 : 0)
				    : use_make(false, c->cur, pae ? linear >> 21 : (linear >> 22) << 1);
		add_use(ctx, table_get(ctx, tg), u);
	}
}

void shadow_written(struct shadow_ctx *ctx, uint64_t gpa, unsigned n)
{
	struct shadow_table *t;
	if (!ctx->cache || !n || !(t = table_find(ctx->cache, gpa >> PAGE_SHIFT)))
		return;
	ctx->stats.table_writes++;
	if (++t->writes >= SHADOW_FLOOD) {
		zap_table(ctx, t);
		ctx->stats.unsyncs++;
		return;
	}
	unsigned off = (unsigned)(gpa & (PAGE_SIZE - 1));
	unsigned end = MIN(off + n, (unsigned)PAGE_SIZE);
	for (unsigned i = 0; i < t->nuse; i++) {
		uint32_t u = t->use[i];
		struct shadow_root *r = &ctx->cache->roots[USE_ROOT(u)];
		bool pae = sh_pae(&r->regs);
		unsigned width = pae ? 8 : 4;
		if (!r->space.pdpt)
			continue;
		for (uint32_t idx = off / width; idx <= (end - 1) / width; idx++) {
			if (!(u & USE_DIR)) {
				uint32_t lin = (USE_BASE(u) << 21) + (idx << PAGE_SHIFT);
				if (!ctx->hv_base || lin < ctx->hv_base) {
					pte_t *pde = sh_pde(ctx, &r->space, lin);
					if (*pde & PTE_P) {
						pt_unmap_page(ctx->ops->env, &r->space, lin);
						sh_dropped(ctx, &r->space, lin, PAGE_SIZE);
					}
				}
			} else if (pae) {
				sh_drop_l1(ctx, &r->space, USE_BASE(u) << 30 | idx << 21);
			} else {
				sh_drop_l1(ctx, &r->space, idx << 22);
				sh_drop_l1(ctx, &r->space, idx << 22 | 1u << 21);
			}
		}
	}
}

void shadow_forget(struct shadow_ctx *ctx, uint64_t gfn)
{
	struct shadow_table *t;
	if (!ctx->cache || !(t = table_find(ctx->cache, gfn)))
		return;
	zap_table(ctx, t);
	ctx->cache->forgotten = gfn + 1;
	ctx->stats.unsyncs++;
}

/* ---- the roots */

/* Empty root r for other paging registers. */
static void root_reset(struct shadow_ctx *ctx, unsigned r)
{
	forget_root(ctx, r);
	sh_drop_all(ctx, space_of(ctx, r));
	ctx->cache->roots[r].unsynced = false;
}

int sh_cache_switch(struct shadow_ctx *ctx, const struct shadow_regs *regs,
		    const uint64_t pdpte[4])
{
	struct shadow_cache *c = ctx->cache;
	unsigned pick = SHADOW_ROOTS, lru = c->cur, spare = SHADOW_ROOTS;

	c->clock++;
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		struct shadow_root *r = &c->roots[i];
		if (!r->space.pdpt) {
			if (spare == SHADOW_ROOTS)
				spare = i;
			continue;
		}
		if (sh_same_mode(&r->regs, regs)) {
			pick = i;
			break;
		}
		if (r->stamp < c->roots[lru].stamp)
			lru = i;
	}
	if (pick < SHADOW_ROOTS) {
		if (c->roots[pick].unsynced ||
		    memcmp(c->roots[pick].pdpte, pdpte, sizeof(c->roots[pick].pdpte))) {
			/* The same PDPT with other PDPTEs: they are what the
			 * CPU loads now, and nothing watched them change. */
			root_reset(ctx, pick);
			ctx->stats.root_resets++;
		} else {
			ctx->stats.root_hits++;
		}
	} else {
		ctx->stats.root_misses++;
		ctx->stats.flushes++;
		if (spare < SHADOW_ROOTS && !sh_root_make(ctx, space_of(ctx, spare))) {
			pick = spare;
		} else {
			pick = lru;
			root_reset(ctx, pick);
		}
	}
	struct shadow_root *r = &c->roots[pick];
	r->regs = *regs;
	memcpy(r->pdpte, pdpte, sizeof(r->pdpte));
	r->stamp = c->clock;
	c->cur = pick;
	ctx->root = r->space;
	ctx->regs = *regs;
	memcpy(ctx->pdpte, pdpte, sizeof(ctx->pdpte));
	ctx->loaded = true;
	return 0;
}

void sh_cache_drop_others(struct shadow_ctx *ctx)
{
	struct shadow_cache *c = ctx->cache;
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		if (i == c->cur || !c->roots[i].space.pdpt)
			continue;
		forget_root(ctx, i);
		sh_root_free(ctx, &c->roots[i].space);
	}
}

int shadow_cache_enable(struct shadow_ctx *ctx, struct shadow_cache *mem)
{
	if (ctx->cache || !ctx->root.pdpt || !mem)
		return -RV_EINVAL;
	/* Entries made before have no records: none may stay. */
	sh_drop_all(ctx, &ctx->root);
	memset(mem, 0, sizeof(*mem));
	mem->roots[0].space = ctx->root;
	mem->roots[0].regs = ctx->regs;
	memcpy(mem->roots[0].pdpte, ctx->pdpte, sizeof(ctx->pdpte));
	mem->cur = 0;
	ctx->cache = mem;
	return 0;
}

int shadow_parse_policy(const char *v, bool *cache)
{
	if (!strcmp(v, "cache"))
		*cache = true;
	else if (!strcmp(v, "flush"))
		*cache = false;
	else
		return -RV_EINVAL;
	return 0;
}

void shadow_cache_describe(const struct shadow_stats *s, char *buf, size_t n)
{
	snprintf(buf, n, "%llu CR3 loads found theirs, %llu missed, %llu reset; %llu guest tables "
		 "tracked, %llu writes to them synced, %llu let go (%llu self-mapping), %llu "
		 "evicted, %llu writable entries made read-only for room",
		 (unsigned long long)s->root_hits, (unsigned long long)s->root_misses,
		 (unsigned long long)s->root_resets, (unsigned long long)s->tables,
		 (unsigned long long)s->table_writes, (unsigned long long)s->unsyncs,
		 (unsigned long long)s->self_maps, (unsigned long long)s->evictions,
		 (unsigned long long)s->rmap_drops);
}
