/*
 * hv/pv/pagetype.c against a model: seeded random operations (entry
 * updates, type references taken and dropped, pins and unpins, some of them
 * preempted into rounds) after each of which every count is recounted from
 * the live tables.
 */
#include "unit.h"

#include <string.h>

#include "pagetype_fixture.h"

/* ---- 9. random operations against a recount from the live tables ---- */

struct ref { uint32_t mfn; enum page_type type; };
static struct ref held[64];             /* type references the test holds */
static int nheld;
static enum page_type pinned[NFRAMES];  /* the type pinned, or PGT_NONE */

static bool is_table_type(int t)
{
	return t == PGT_L1 || t == PGT_L2 || t == PGT_L2_HIGH || t == PGT_L3;
}

static bool live_table(uint32_t m)
{
	return frames[m].type_count && is_table_type(frames[m].type);
}

static void need(uint32_t *cnt, uint32_t *tc, int *want, uint32_t m, int type)
{
	assert_true(m < NFRAMES);
	cnt[m]++, tc[m]++;
	if (want[m] != PGT_NONE && want[m] != type)
		fail_msg("frame %u needed as %s and as %s", m, page_type_name(want[m]),
			 page_type_name(type));
	want[m] = type;
}

static void check_model(void)
{
	uint32_t cnt[NFRAMES], tc[NFRAMES];
	int want[NFRAMES];

	for (uint32_t m = 0; m < NFRAMES; m++)
		cnt[m] = alloc_count[m], tc[m] = 0, want[m] = PGT_NONE;
	for (int i = 0; i < nheld; i++)
		need(cnt, tc, want, held[i].mfn, held[i].type);
	for (uint32_t m = 0; m < NFRAMES; m++) {
		assert_int_equal(!!(frames[m].flags & PGF_PINNED), pinned[m] != PGT_NONE);
		if (pinned[m])
			need(cnt, tc, want, m, pinned[m]);
	}
	for (uint32_t tm = 0; tm < NFRAMES; tm++) {
		if (!live_table(tm))
			continue;
		int type = frames[tm].type;
		const uint64_t *t = table(tm);
		for (uint32_t i = 0; i < (type == PGT_L3 ? 4u : 512u); i++) {
			uint64_t e = t[i];
			if (!(e & P) || (type == PGT_L2_HIGH && i >= 510))
				continue;
			uint32_t m = (uint32_t)((e & MASK52) >> 12);
			assert_true(m < NFRAMES);
			assert_int_equal(frames[m].owner, frames[tm].owner);
			assert_int_equal(e & 0x7ff0000000000000ull, 0);
			if (type == PGT_L1 && !(e & RW)) {
				cnt[m]++;
				continue;
			}
			if (type == PGT_L1)     /* never a table and writable */
				assert_false(is_table_type(frames[m].type));
			else if (type == PGT_L3)
				assert_int_equal(e & ~(P | 0x18ull | 0xe00ull | MASK52), 0);
			else
				assert_int_equal(e & PS, 0);
			need(cnt, tc, want, m, type == PGT_L1 ? PGT_WRITABLE :
			     type == PGT_L3 ? (i == 3 ? PGT_L2_HIGH : PGT_L2) : PGT_L1);
		}
		if (type == PGT_L2_HIGH) {
			assert_int_equal(t[510], SWITCH_PDE);
			assert_int_equal(t[511], 0);
		}
		if (type == PGT_L3)
			assert_true(t[3] & P);
	}
	for (uint32_t m = 0; m < NFRAMES; m++) {
		if (frames[m].count != cnt[m] || frames[m].type_count != tc[m] ||
		    frames[m].type != (tc[m] ? want[m] : PGT_NONE))
			fail_msg("frame %u: count %u type %s type_count %u, expected %u %s %u", m,
				 frames[m].count, page_type_name(frames[m].type),
				 frames[m].type_count, cnt[m],
				 page_type_name(tc[m] ? want[m] : PGT_NONE), tc[m]);
		assert_int_equal(frames[m].flags & (PGF_VALIDATING | PGF_PARTIAL |
						    PGF_DEVALIDATING), 0);
		assert_int_equal(frames[m].owner, initial_owner(m));
	}
}

/* A random entry for a table of this level, mostly valid. */
static uint64_t rand_entry(uint64_t *rng, int level, uint16_t owner)
{
	uint64_t r = unit_below(rng, 100);
	if (r < 12)
		return r < 4 ? unit_rand(rng) & ~P : 0;
	uint32_t mfn = unit_below(rng, 100) < 88 ?
		(owner == 1 ? 1 + unit_below(rng, 40) : 41 + unit_below(rng, 10)) :
		unit_below(rng, NFRAMES + 8);
	uint64_t e = ent(mfn, P);
	if (level == 1)
		e |= (unit_below(rng, 100) < 40 ? RW : 0) | (r & 1 ? US : 0) | (r % 10 == 3 ? NX : 0);
	else if (level == 2)
		e |= RW | US | (r % 30 == 7 ? PS : 0);
	else
		e |= r % 25 == 7 ? RW : 0;
	if (r % 40 == 11)
		e |= 1ull << (52 + unit_below(rng, 11));
	return e;
}

/* A frame of owner's for a PDPT slot: a live directory of the right type, or
 * an empty frame (which then validates as one); 0 if there is none. */
static uint32_t pick_dir(uint64_t *rng, uint16_t owner, int type)
{
	uint32_t cand[NFRAMES], n = 0;
	for (uint32_t m = 1; m <= 50; m++) {
		if (frames[m].owner != owner)
			continue;
		bool empty = !live_table(m) && frames[m].type_count == 0;
		for (int i = 0; empty && i < 512; i++)
			empty = table(m)[i] == 0;
		if (empty || (live_table(m) && frames[m].type == type))
			cand[n++] = m;
	}
	return n ? cand[unit_below(rng, n)] : 0;
}

/* The errno for each refusal class (EPERM/EINVAL/EBUSY/EALREADY). */
static void check_refusal(int rc, const uint32_t *r0)
{
	int which = -1;
	for (int r = 0; r < MMR_COUNT; r++) {
		uint32_t d = ctx.refusals[r] - r0[r];
		assert_true(d <= 1);
		if (d) {
			assert_int_equal(which, -1);
			which = r;
		}
	}
	if (rc == 0) {
		assert_int_equal(which, -1);
		return;
	}
	assert_int_not_equal(which, -1);
	switch (which) {
	case MMR_NOT_OWNER: case MMR_SWITCH_REGION: assert_int_equal(rc, -EPERM); break;
	case MMR_TYPE_CONFLICT: assert_int_equal(rc, -EBUSY); break;
	case MMR_BAD_REQUEST: assert_true(rc == -EINVAL || rc == -EALREADY); break;
	default: assert_int_equal(rc, -EINVAL); break;
	}
}

static void test_random_model(void **state)
{
	static const enum page_type types[] = { PGT_L1, PGT_L1, PGT_L2, PGT_L2, PGT_L2_HIGH,
						PGT_L3, PGT_L3, PGT_WRITABLE };
	uint64_t rng = unit_seed("pagetype random");
	unsigned ok[8] = { 0 }, tried[8] = { 0 }, l3_ok = 0;

	unsigned restarted = 0, deferred = 0;

	nheld = 0;
	memset(pinned, 0, sizeof(pinned));
	preemptible(0);
	for (int iter = 0; iter < 30000; iter++) {
		/* Most operations in one go, the others in rounds of n entries. */
		preempt_after = unit_below(&rng, 3) ? 0 : 1 + unit_below(&rng, 800);
		struct page_info s0[NFRAMES];
		uint32_t r0[MMR_COUNT];
		memcpy(s0, frames, sizeof(s0));
		memcpy(r0, ctx.refusals, sizeof(r0));
		uint16_t owner = unit_below(&rng, 10) ? 1 : 2;
		uint32_t m = unit_below(&rng, 100) < 90 ?
			(owner == 1 ? 1 + unit_below(&rng, 40) : 41 + unit_below(&rng, 10)) :
			unit_below(&rng, NFRAMES + 2);
		enum page_type type = types[unit_below(&rng, 8)];
		if (type == PGT_L3 && unit_below(&rng, 2)) {    /* aim at a PDPT-to-be */
			for (uint32_t i = 0, start = unit_below(&rng, 50); i < 50; i++) {
				uint32_t c = 1 + (start + i) % 50;
				if (frames[c].owner == owner && !live_table(c) && (table(c)[3] & P)) {
					m = c;
					break;
				}
			}
		}
		int op = (int)unit_below(&rng, 8), rc = 0;

		if (op == 0 || op == 1) {               /* update an entry of a live table */
			uint32_t live[NFRAMES], n = 0;
			for (uint32_t i = 0; i < NFRAMES; i++)
				if (live_table(i) && frames[i].owner == owner)
					live[n++] = i;
			if (n && unit_below(&rng, 10))
				m = live[unit_below(&rng, n)];
			int tt = m < NFRAMES ? frames[m].type : PGT_L1;
			uint32_t idx = unit_below(&rng, 10) == 0 ? unit_below(&rng, 520) :
				       tt == PGT_L3 ? unit_below(&rng, 4) : unit_below(&rng, 512);
			uint64_t val = rand_entry(&rng, tt == PGT_L1 ? 1 : tt == PGT_L3 ? 3 : 2, owner);
			uint64_t old = m < NFRAMES && idx < 512 ? table(m)[idx] : 0;
			RUN(rc, mm_update_entry(&ctx, owner, m, idx, val));
			if (m < NFRAMES && idx < 512)
				assert_int_equal(table(m)[idx], rc ? old : val);
		} else if (op == 2) {                   /* the guest writes a frame it may */
			m = 1 + unit_below(&rng, 50);
			if (live_table(m))
				continue;
			uint64_t *t = table(m);
			uint64_t r = unit_below(&rng, 12);
			if (r < 3) {
				memset(t, 0, 4096);
			} else if (r < 5) {                     /* a PDPT-to-be */
				for (int i = 0; i < 4; i++) {
					uint32_t d = pick_dir(&rng, frames[m].owner,
							      i == 3 ? PGT_L2_HIGH : PGT_L2);
					t[i] = unit_below(&rng, 6) == 0 || !d ?
					       rand_entry(&rng, 3, frames[m].owner) :
					       i < 3 && unit_below(&rng, 3) == 0 ? 0 : ent(d, P);
				}
			} else {
				uint32_t idx = unit_below(&rng, 20) ? unit_below(&rng, 512) :
					       510 + unit_below(&rng, 2);
				t[idx] = rand_entry(&rng, 1 + unit_below(&rng, 2), frames[m].owner);
			}
			check_model();
			continue;
		} else if (op == 3 || op == 4) {        /* get a type reference */
			if (nheld == 64)
				continue;
			RUN(rc, mm_get_page_and_type(&ctx, m, owner, type));
			if (rc == 0) {
				assert_int_equal(frames[m].type, type);
				held[nheld++] = (struct ref){ m, type };
				l3_ok += type == PGT_L3;
			}
		} else if (op == 5) {                   /* put one back */
			if (!nheld)
				continue;
			int k = (int)unit_below(&rng, nheld);
			RUN(rc, (mm_put_page_and_type(&ctx, held[k].mfn), 0));
			held[k] = held[--nheld];
		} else if (op == 6) {
			RUN(rc, mm_pin(&ctx, owner, m, type));
			bool mine = m < NFRAMES && frames[m].owner == owner;
			if (!is_table_type(type))
				assert_int_equal(rc, -EINVAL);
			else if (!mine)
				assert_int_equal(rc, -EPERM);
			else if (pinned[m])
				assert_int_equal(rc, -EALREADY);
			if (rc == 0) {
				pinned[m] = type;
				l3_ok += type == PGT_L3;
			}
		} else {
			RUN(rc, mm_unpin(&ctx, owner, m));
			bool mine = m < NFRAMES && frames[m].owner == owner;
			assert_int_equal(rc, !mine ? -EPERM : !pinned[m] ? -EINVAL : 0);
			if (rc == 0)
				pinned[m] = PGT_NONE;
		}
		tried[op]++;
		ok[op] += rc == 0;
		restarted += rounds > 1;
		deferred += rounds > 1 && (op == 5 || op == 7 || rc);
		check_refusal(rc, r0);
		if (rc)
			assert_int_equal(first_changed(s0), -1);
		check_model();
	}
	print_message("# ok/tried: update %u/%u, get %u/%u (L3 %u), put %u, pin %u/%u, "
		      "unpin %u/%u; %u in several rounds (%u releasing)\n", ok[0] + ok[1],
		      tried[0] + tried[1], ok[3] + ok[4], tried[3] + tried[4], l3_ok, ok[5], ok[6],
		      tried[6], ok[7], tried[7], restarted, deferred);
	assert_true(restarted > 100 && deferred > 20);
	preempt_after = 0;
	/* Release everything the test holds: back to the allocation state. */
	while (nheld)
		mm_put_page_and_type(&ctx, held[--nheld].mfn);
	for (uint32_t i = 0; i < NFRAMES; i++)
		if (pinned[i])
			assert_int_equal(mm_unpin(&ctx, frames[i].owner, i), 0);
	for (uint32_t i = 0; i < NFRAMES; i++)
		assert_false(live_table(i));
	assert_int_equal(first_not_released(), -1);
	/* The run reached every path, including whole PDPTs. */
	assert_true(ok[0] + ok[1] > 1000 && ok[3] + ok[4] > 500 && ok[6] > 100 && ok[7] > 100);
	if (!l3_ok)
		fail_msg("no PDPT (L3) was ever validated: whole address spaces untested");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
	};
	return cmocka_run_group_tests_name("pagetype_random", tests, NULL, NULL);
}
