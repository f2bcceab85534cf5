/*
 * The hv/pv/pagetype.c tests' fixture: a fake physical memory of 64 frames
 * (1-40 domain 1, 41-50 domain 2, 51-60 and 63 (the switch region's L1)
 * the hypervisor's, 0 and 61-62 nobody's), their page_info and the mm_ctx
 * over them, checks of counts and refusals, and preemption: operations run
 * in rounds of at most preempt_after entries, as continued hypercalls.
 */
#ifndef PAGETYPE_FIXTURE_H
#define PAGETYPE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "errno.h"
#include "pagetype.h"

#define NFRAMES  64
#define SWITCH   63
#define P        (1ull << 0)
#define RW       (1ull << 1)
#define US       (1ull << 2)
#define PS       (1ull << 7)
#define NX       (1ull << 63)
#define MASK52   0x000ffffffffff000ull
#define MASK36   0x0000000ffffff000ull
#define MASK40   0x000000fffffff000ull
#define SWITCH_PDE (((uint64_t)SWITCH << 12) | P | RW)
/* An entry: frame mfn with these flags. */
#define ent(mfn, flags) (((uint64_t)(mfn) << 12) | (flags))

extern uint8_t *mem;
extern struct page_info frames[NFRAMES];
extern uint32_t alloc_count[NFRAMES];   /* count right after setup */
extern struct mm_ctx ctx;

uint64_t *table(uint32_t mfn);          /* frame mfn's 512 entries */
uint16_t initial_owner(uint32_t m);
int setup(void **state);                /* cmocka setup: every frame as allocated */
int teardown(void **state);
int first_changed(const struct page_info *snap);        /* or -1 */
int first_not_released(void);                           /* or -1 */

#define ASSERT_FRAME(m, cnt, ty, tc) do {                                       \
	assert_int_equal(frames[m].count, (cnt));                                \
	assert_int_equal(frames[m].type, (ty));                                  \
	assert_int_equal(frames[m].type_count, (tc));                            \
} while (0)

/* expr succeeds and counts no refusal. */
#define ASSERT_OK(expr) do {                                                    \
	uint32_t r0_[MMR_COUNT];                                                 \
	memcpy(r0_, ctx.refusals, sizeof(r0_));                                  \
	assert_int_equal((expr), 0);                                             \
	assert_memory_equal(r0_, ctx.refusals, sizeof(r0_));                     \
} while (0)

/* expr fails with -err, counts exactly one refusal of class why and changes
 * no frame's owner, type, counts or flags. */
#define ASSERT_REFUSED(expr, err, why) do {                                     \
	uint32_t r0_[MMR_COUNT];                                                 \
	struct page_info s0_[NFRAMES];                                           \
	memcpy(r0_, ctx.refusals, sizeof(r0_));                                  \
	memcpy(s0_, frames, sizeof(s0_));                                        \
	assert_int_equal((expr), -(err));                                        \
	for (int r_ = 0; r_ < MMR_COUNT; r_++)                                   \
		assert_int_equal(ctx.refusals[r_], r0_[r_] + (r_ == (why)));     \
	assert_int_equal(first_changed(s0_), -1);                                \
} while (0)

/* ---- preemption: rounds of at most preempt_after entries ---- */

extern uint32_t preempt_after;          /* 0: never */
extern unsigned rounds;                 /* of the last RUN */
extern struct mm_deferred dq;

void preemptible(uint32_t n);           /* rounds of n entries from now on (0: never) */
void settle(void);                      /* finish the deferred releases */

/* rc = expr, run again while it says -ERESTART (the continued hypercall),
 * then settled. */
#define RUN(rc, expr) do {                                                      \
	rounds = 1;                                                             \
	for (;;) {                                                              \
		ctx.steps = 0;                                                  \
		if (((rc) = (expr)) != -ERESTART)                               \
			break;                                                  \
		assert_int_equal(dq.n, 0);      /* nothing deferred then */    \
		rounds++;                                                       \
		assert_true(rounds < 10000000);                                 \
	}                                                                       \
	settle();                                                               \
} while (0)

#endif
