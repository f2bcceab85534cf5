/*
 * The hv/pv/pagetype.c tests' fixture (pagetype_fixture.h): the frames, the
 * mm_ctx over them and the preemption hook.
 */
#include "unit.h"

#include <string.h>

#include "pagetype_fixture.h"

uint8_t *mem;
struct page_info frames[NFRAMES];
uint32_t alloc_count[NFRAMES];
struct mm_ctx ctx;

uint64_t *table(uint32_t mfn)
{
	assert_true(mfn < NFRAMES);
	return (uint64_t *)(mem + (size_t)mfn * 4096);
}

uint16_t initial_owner(uint32_t m)
{
	return m == 0 ? OWNER_NONE : m <= 40 ? 1 : m <= 50 ? 2 : m <= 60 ? OWNER_HV :
	       m <= 62 ? OWNER_NONE : OWNER_HV;
}

int setup(void **state)
{
	mem = aligned_alloc(4096, (size_t)NFRAMES * 4096);
	assert_non_null(mem);
	memset(mem, 0, (size_t)NFRAMES * 4096);
	for (uint32_t m = 0; m < NFRAMES; m++) {
		frames[m] = (struct page_info){ .owner = initial_owner(m) };
		frames[m].count = alloc_count[m] = frames[m].owner != OWNER_NONE;
	}
	ctx = (struct mm_ctx){ frames, NFRAMES, table, SWITCH, NX, MASK52, { 0 }, NULL, 0, 0, NULL };
	return 0;
}

int teardown(void **state)
{
	free(mem);
	return 0;
}

/* First frame whose page_info differs from snap, or -1. */
int first_changed(const struct page_info *snap)
{
	for (int m = 0; m < NFRAMES; m++)
		if (memcmp(&frames[m], &snap[m], sizeof(frames[m])))
			return m;
	return -1;
}

/* First frame not back in its allocation state, or -1. */
int first_not_released(void)
{
	for (int m = 0; m < NFRAMES; m++)
		if (frames[m].count != alloc_count[m] || frames[m].type_count || frames[m].type ||
		    frames[m].flags)
			return m;
	return -1;
}

uint32_t preempt_after;
unsigned rounds;
struct mm_deferred dq;

static bool preempt_hook(struct mm_ctx *c)
{
	return preempt_after && c->steps >= preempt_after;
}

void preemptible(uint32_t n)
{
	ctx.preempt = preempt_hook;
	ctx.defer = &dq;
	preempt_after = n;
}

/* Finish the deferred releases, a round at a time (what the hypervisor does
 * before the domain's next hypercall goes on). */
void settle(void)
{
	for (;;) {
		ctx.steps = 0;
		if (mm_settle(&ctx) == 0)
			break;
		rounds++;
		assert_true(rounds < 10000000);
	}
	assert_int_equal(dq.n, 0);
	assert_int_equal(dq.full, 0);
}
