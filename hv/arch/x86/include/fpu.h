/* Who owns the FPU/SSE registers (hv/arch/x86/fpu.c). */
#ifndef HV_FPU_H
#define HV_FPU_H

#include "types.h"

struct domain;

/* The domain whose state the FPU holds, NULL if nobody's. */
extern struct domain *fpu_owner;
/* Clear CR0.TS and make d the owner: the old owner's state saved, d's
 * loaded (a clean image the first time). */
void fpu_take(struct domain *d);
/* d's registers into its domain structure, and nobody the owner: for a
 * save, which reads d->fpu_area. */
void fpu_put(struct domain *d);
/* The MXCSR bits this CPU takes (FXSAVE's MXCSR_MASK): an image with any
 * other makes FXRSTOR fault, so a restored one is checked against it. */
uint32_t fpu_mxcsr_mask(void);
/* d is going away: the registers are nobody's (never saved again). */
void fpu_release(struct domain *d);

#endif
