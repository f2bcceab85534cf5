/*
 * hv/pv/pagetype.c, preempted: validation and release of a whole tree
 * interrupted after every possible number of entries, then taken up again
 * until done (what a continued hypercall does), must come to the counts of
 * one go; what is halfway through cannot be used by anyone else, and a
 * refusal found after any number of rounds releases what the earlier
 * rounds took.
 */
#include "unit.h"

#include <string.h>

#include "pagetype_fixture.h"

/* The tree of test 10: L3 30 -> L2 31 (-> L1 35, 36, 35 again), L2 32 (->
 * L1 36, 38), L2 31 again, L2_HIGH 34 (-> L1 37); the L1s map data frames
 * 1-14 writable and read-only, and 37 maps L1 35 read-only. */
static void build_tree(void)
{
	uint64_t *l3 = table(30);
	l3[0] = ent(31, P), l3[1] = ent(32, P), l3[2] = ent(31, P), l3[3] = ent(34, P);
	table(31)[0] = ent(35, P | RW | US);
	table(31)[7] = ent(36, P | RW | US);
	table(31)[511] = ent(35, P | RW | US);
	table(32)[1] = ent(36, P | RW | US);
	table(32)[300] = ent(38, P | RW | US);
	table(34)[100] = ent(37, P | RW);
	for (int k = 0; k < 170; k++) {
		table(35)[3 * k] = ent(1 + k % 9, P | RW | US);
		table(36)[3 * k + 1] = ent(10 + k % 5, P | US);
		table(37)[3 * k + 2] = ent(35, P);
		table(38)[3 * k] = ent(1 + k % 14, (k & 1 ? RW : 0) | P);
	}
}

/* 10. Validation and release interrupted after every possible number of
 * entries, taken up again until done: exactly the counts of one go. */
static void test_preempt_every_count(void **state)
{
	struct page_info once[NFRAMES];

	build_tree();
	ASSERT_OK(mm_pin(&ctx, 1, 30, PGT_L3));
	uint32_t steps = ctx.steps;
	memcpy(once, frames, sizeof(once));
	ASSERT_OK(mm_unpin(&ctx, 1, 30));
	assert_int_equal(first_not_released(), -1);
	print_message("# a pin takes %u entries\n", steps);
	assert_true(steps > 2000);

	for (uint32_t n = 1; n <= steps + 1; n++) {
		int rc;
		preemptible(n);
		RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
		assert_int_equal(rc, 0);
		assert_int_equal(first_changed(once), -1);
		assert_int_equal(table(34)[510], SWITCH_PDE);
		if (n < steps)
			assert_true(rounds >= steps / (n + 3));   /* a round ends within a level of n */
		RUN(rc, mm_unpin(&ctx, 1, 30));
		assert_int_equal(rc, 0);
		assert_int_equal(first_not_released(), -1);
		assert_int_equal(table(34)[510], 0);
		if (n < steps)
			assert_true(rounds >= steps / (n + 3));   /* a round ends within a level of n */
	}

	/* Halfway through a release, nothing can use the tables it is
	 * releasing; a validation halfway cannot be taken by anyone but its
	 * own operation (as a table of another type, or by a table that
	 * refers to itself). */
	preemptible(0);
	ASSERT_OK(mm_pin(&ctx, 1, 30, PGT_L3));
	preemptible(700);
	ctx.steps = 0;
	assert_int_equal(mm_unpin(&ctx, 1, 30), 0);
	assert_true(dq.n >= 2);
	assert_true(frames[30].flags & PGF_DEVALIDATING);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_WRITABLE), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 30, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, 0), EINVAL, MMR_BAD_REQUEST);
	uint32_t top = dq.mfn[dq.n - 1];
	assert_true(frames[top].flags & PGF_DEVALIDATING);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, top, 1, frames[top].type), EBUSY,
		       MMR_TYPE_CONFLICT);
	rounds = 0;
	settle();
	assert_int_equal(first_not_released(), -1);

	ctx.steps = 0;
	assert_int_equal(mm_pin(&ctx, 1, 30, PGT_L3), -ERESTART);
	assert_true(frames[30].flags & PGF_PARTIAL);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_WRITABLE), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, 0), EINVAL, MMR_BAD_REQUEST);
	int rc;
	RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
	assert_int_equal(rc, 0);
	assert_int_equal(first_changed(once), -1);
	RUN(rc, mm_unpin(&ctx, 1, 30));
	assert_int_equal(first_not_released(), -1);
}

/* 11. A refusal found after any number of rounds releases everything the
 * earlier rounds took, and is counted once. */
static void test_preempt_refusal(void **state)
{
	static const struct { uint32_t mfn, idx; uint64_t e; int err, why; } bad[] = {
		{ 37, 400, ent(41, P), EPERM, MMR_NOT_OWNER },          /* the last L1 */
		{ 38, 200, ent(12, P) | 1ull << 55, EINVAL, MMR_RESERVED_BITS },
		{ 34, 509, ent(30, P | RW), EBUSY, MMR_TYPE_CONFLICT }, /* the L3 itself */
		{ 31, 510, ent(36, P | PS), EINVAL, MMR_LARGE_PAGE },
	};
	build_tree();
	for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		uint64_t keep = table(bad[b].mfn)[bad[b].idx];
		table(bad[b].mfn)[bad[b].idx] = bad[b].e;
		preemptible(0);
		ctx.steps = 0;
		ASSERT_REFUSED(mm_pin(&ctx, 1, 30, PGT_L3), bad[b].err, bad[b].why);
		uint32_t steps = ctx.steps;
		for (uint32_t n = 1; n <= steps + 1; n += 1 + n / 64) {
			uint32_t r0[MMR_COUNT];
			int rc;
			memcpy(r0, ctx.refusals, sizeof(r0));
			preemptible(n);
			RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
			assert_int_equal(rc, -bad[b].err);
			for (int r = 0; r < MMR_COUNT; r++)
				assert_int_equal(ctx.refusals[r], r0[r] + (r == bad[b].why));
			assert_int_equal(first_not_released(), -1);
			assert_int_equal(table(34)[510], 0);
			if (n < steps / 2)
				assert_true(rounds > 1);
		}
		table(bad[b].mfn)[bad[b].idx] = keep;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_preempt_every_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preempt_refusal, setup, teardown),
	};
	return cmocka_run_group_tests_name("pagetype_preempt", tests, NULL, NULL);
}
