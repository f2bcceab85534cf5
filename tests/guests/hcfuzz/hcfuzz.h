/* Shared by the fuzzer's halves: hcfuzz.c (setup, the run, the checks) and
 * gen.c (the calls it makes). */
#ifndef HCFUZZ_H
#define HCFUZZ_H

#include "guest.h"

#define SLOT1   0x40000000u             /* the scratch window: PDPT slot 1 */
#define POOL    64                      /* free frames it may map, pin, give back */
#define MC_UNSET 0x7eadbeef             /* a multicall result not written (yet) */

/* What gen.c must know about the fuzzer's memory; hcfuzz.c fills it in. */
extern uint32_t pool_pfn[POOL], pool_mfn[POOL];
extern uint32_t win_l1;                 /* the L1 hung at SLOT1 at the start */
extern uint32_t slot1_l2;               /* the directory under PDPT slot 1: all window */
extern uint32_t base_l3;                /* our PDPT */
extern uint32_t tables[16], ntables;    /* our page tables at boot (from pt_base) */
extern uint32_t own_lo, own_hi;         /* our memory: linear map and shared info */
extern uint8_t own_map[1u << 17];       /* every mfn we had at boot */
extern uint8_t scratch[16384];          /* random bytes, handed out as buffers */
extern uint8_t noise[1024];             /* random bytes the hypervisor never writes */
extern struct rv_multicall_entry mc[RV_MULTICALL_MAX];

void rng_seed(uint32_t seed);
uint32_t rnd(void);
uint32_t below(uint32_t n);
/* One call: its number and arguments, made safe for the fuzzer itself. */
void gen_call(uint32_t *nr, uint32_t a[5], bool nested);

#endif
