/*
 * Shared between the two halves of the shadow core: shadow.c (the guest
 * walk, fills, flushes) and shadow_sync.c (the cache of roots and the
 * write-protected guest tables). Not for callers: see shadow.h.
 */
#ifndef HV_BT_SHADOW_INTERNAL_H
#define HV_BT_SHADOW_INTERNAL_H

#include "shadow.h"

static inline bool sh_pae(const struct shadow_regs *r)
{
	return r->cr4 & SH_CR4_PAE;
}

static inline bool sh_paging(const struct shadow_regs *r)
{
	return r->cr0 & SH_CR0_PG;
}

/* Everything the walk depends on is the same. */
bool sh_same_mode(const struct shadow_regs *a, const struct shadow_regs *b);

/* Read and check the four PAE PDPTEs at cr3 (SDM 4.4.1). 0, -RV_EFAULT,
 * -RV_EINVAL. */
int sh_load_pdptes(struct shadow_ctx *ctx, const struct shadow_regs *regs, uint64_t pdpte[4]);

/* The shadow PDE of the 2 MiB region holding linear in a root. */
pte_t *sh_pde(const struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear);
/* Tell the caller that [linear, linear + len) of root was dropped (len 0:
 * all of it): shadow_ops.dropped. */
void sh_dropped(struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear,
		uint32_t len);
/* Drop the shadow page table of that region (below hv_base only). */
void sh_drop_l1(struct shadow_ctx *ctx, const struct pae_space *root, uint32_t linear);
/* Drop every shadow page table of a root below hv_base. */
void sh_drop_all(struct shadow_ctx *ctx, const struct pae_space *root);
/* Make an empty root (with the caller's tables); free one entirely. */
int sh_root_make(struct shadow_ctx *ctx, struct pae_space *root);
void sh_root_free(struct shadow_ctx *ctx, struct pae_space *root);

/* shadow_sync.c: the cache's side of a CR3 load, a fill, a protect. */
int sh_cache_switch(struct shadow_ctx *ctx, const struct shadow_regs *regs,
		    const uint64_t pdpte[4]);
void sh_cache_filled(struct shadow_ctx *ctx, uint32_t linear, const uint64_t *ent_gpa,
		     unsigned n, uint64_t gfn, uint64_t mfn, bool writable);
unsigned sh_cache_write_protect(struct shadow_ctx *ctx, uint64_t mfn);
/* Free every kept root but the current one. */
void sh_cache_drop_others(struct shadow_ctx *ctx);

#endif
