/* lib/frame.c: frame pool states, counters, bad frees and building a pool from a memory map. */
#include "unit.h"

#include <string.h>

#include "errno.h"
#include "frame.h"

#define N 256

static uint8_t states[N];
static struct frame_pool pool;

static pfn_t count_state(const struct frame_pool *p, enum frame_state s)
{
	pfn_t n = 0;
	for (pfn_t i = 0; i < p->nframes; i++)
		n += p->state[i] == s;
	return n;
}

/* The counters agree with the state array and add up to nframes. */
static void assert_consistent(const struct frame_pool *p)
{
	pfn_t reserved = count_state(p, FRAME_RESERVED);
	assert_int_equal(p->nfree, count_state(p, FRAME_FREE));
	assert_int_equal(p->nused, count_state(p, FRAME_USED));
	assert_int_equal(p->nfree + p->nused + reserved, p->nframes);
}

static int fresh_pool(void **state)
{
	memset(states, 0xee, sizeof(states));   /* init must overwrite garbage */
	frame_pool_init(&pool, states, N);
	return 0;
}

static void test_init_all_reserved(void **state)
{
	for (pfn_t i = 0; i < N; i++)
		assert_int_equal(frame_state_of(&pool, i), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, N), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 0xffffffffu), FRAME_RESERVED);
	assert_int_equal(pool.nfree, 0);
	assert_int_equal(pool.nused, 0);
	assert_int_equal(pool.double_frees, 0);
	assert_int_equal(pool.reserved_frees, 0);

	pfn_t pfn;
	assert_int_equal(frame_alloc(&pool, &pfn), -ENOMEM);
	assert_consistent(&pool);
}

static void test_release_reserve_counts(void **state)
{
	assert_int_equal(frame_pool_release(&pool, 10, 20), 10);
	assert_int_equal(frame_pool_release(&pool, 15, 25), 5);        /* 15..19 already free */
	assert_int_equal(frame_pool_release(&pool, N - 6, N + 100), 6); /* clipped at nframes */
	assert_int_equal(frame_pool_release(&pool, 30, 30), 0);
	assert_int_equal(frame_pool_release(&pool, 40, 35), 0);
	assert_int_equal(pool.nfree, 21);
	assert_int_equal(frame_state_of(&pool, 9), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 10), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 24), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 25), FRAME_RESERVED);

	assert_int_equal(frame_pool_reserve(&pool, 12, 14), 2);
	assert_int_equal(frame_pool_reserve(&pool, 12, 14), 0);
	assert_int_equal(frame_pool_reserve(&pool, 0, 11), 1);          /* only 10 was free */
	assert_int_equal(frame_pool_reserve(&pool, N - 1, N + 50), 1);
	assert_int_equal(pool.nfree, 17);
	assert_int_equal(frame_state_of(&pool, 11), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 12), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 13), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 14), FRAME_FREE);

	/* Release leaves used frames alone and does not count them. */
	pfn_t pfn;
	assert_int_equal(frame_alloc(&pool, &pfn), 0);
	assert_int_equal(frame_pool_release(&pool, pfn, pfn + 1), 0);
	assert_int_equal(frame_state_of(&pool, pfn), FRAME_USED);
	assert_consistent(&pool);
}

static void test_alloc_until_exhaustion(void **state)
{
	bool released[N] = { 0 }, seen[N] = { 0 };
	static const pfn_t ranges[][2] = { { 0, 1 }, { 5, 9 }, { 100, 164 }, { 250, 256 } };
	pfn_t total = 0, pfn;

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		total += frame_pool_release(&pool, ranges[r][0], ranges[r][1]);
		for (pfn_t i = ranges[r][0]; i < ranges[r][1]; i++)
			released[i] = true;
	}
	assert_int_equal(total, 1 + 4 + 64 + 6);

	for (pfn_t n = 0; n < total; n++) {
		pfn = 0xdead;
		assert_int_equal(frame_alloc(&pool, &pfn), 0);
		assert_true(pfn < N);
		assert_true(released[pfn]);     /* it was free ... */
		assert_false(seen[pfn]);        /* ... and is handed out once */
		seen[pfn] = true;
		assert_int_equal(frame_state_of(&pool, pfn), FRAME_USED);
	}
	assert_int_equal(frame_alloc(&pool, &pfn), -ENOMEM);
	assert_int_equal(pool.nfree, 0);
	assert_int_equal(pool.nused, total);
	assert_consistent(&pool);
}

static void test_free_then_realloc(void **state)
{
	pfn_t pfn, got[3];

	frame_pool_release(&pool, 0, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(frame_alloc(&pool, &pfn), 0);
	assert_int_equal(frame_free(&pool, 3), 0);
	assert_int_equal(frame_free(&pool, 17), 0);
	assert_int_equal(frame_free(&pool, 39), 0);
	assert_int_equal(pool.nfree, 3);
	assert_int_equal(frame_state_of(&pool, 17), FRAME_FREE);

	/* Exactly the freed frames come back, in some order. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(frame_alloc(&pool, &got[i]), 0);
	assert_int_equal(frame_alloc(&pool, &pfn), -ENOMEM);
	assert_int_equal(got[0] + got[1] + got[2], 3 + 17 + 39);
	assert_true(got[0] != got[1] && got[1] != got[2] && got[0] != got[2]);
	for (int i = 0; i < 3; i++)
		assert_true(got[i] == 3 || got[i] == 17 || got[i] == 39);
	assert_consistent(&pool);
}

/* Bad frees are refused, counted, and change no state. */
static void test_bad_frees(void **state)
{
	uint8_t before[N];
	pfn_t pfn;

	frame_pool_release(&pool, 50, 60);
	assert_int_equal(frame_alloc(&pool, &pfn), 0);
	assert_int_equal(frame_free(&pool, pfn), 0);
	memcpy(before, states, N);
	pfn_t nfree = pool.nfree, nused = pool.nused;

	assert_int_equal(frame_free(&pool, pfn), -EALREADY);
	assert_int_equal(frame_free(&pool, 55), -EALREADY);
	assert_int_equal(pool.double_frees, 2);
	assert_int_equal(pool.reserved_frees, 0);

	assert_int_equal(frame_free(&pool, 0), -EPERM);
	assert_int_equal(frame_free(&pool, 60), -EPERM);
	assert_int_equal(pool.reserved_frees, 2);
	assert_int_equal(frame_free(&pool, N), -ERANGE);
	assert_int_equal(frame_free(&pool, 0xffffffffu), -ERANGE);
	assert_int_equal(pool.reserved_frees, 4);
	assert_int_equal(pool.double_frees, 2);

	assert_memory_equal(states, before, N);
	assert_int_equal(pool.nfree, nfree);
	assert_int_equal(pool.nused, nused);
	assert_consistent(&pool);
}

static void test_reserve_busy(void **state)
{
	uint8_t before[N];
	pfn_t pfn;

	frame_pool_release(&pool, 20, 30);
	frame_pool_reserve(&pool, 20, 25);      /* first free frame is now 25 */
	assert_int_equal(frame_alloc(&pool, &pfn), 0);
	memcpy(before, states, N);

	assert_int_equal(frame_pool_reserve(&pool, 0, N), -EBUSY);
	assert_int_equal(frame_pool_reserve(&pool, pfn, pfn + 1), -EBUSY);
	assert_memory_equal(states, before, N);
	assert_int_equal(pool.nfree, 4);
	assert_int_equal(pool.nused, 1);

	assert_int_equal(frame_free(&pool, pfn), 0);
	assert_int_equal(frame_pool_reserve(&pool, 0, N), 5);
	assert_int_equal(pool.nfree, 0);
	assert_consistent(&pool);
}

/* Random operations against a shadow model of every frame's state. */
static void test_random_operations(void **state)
{
	uint8_t model[N];
	pfn_t mfree = 0, mused = 0;
	uint32_t mdouble = 0, mbad = 0;
	uint64_t rng = unit_seed("frame random");

	memset(model, FRAME_RESERVED, N);
	for (int iter = 0; iter < 20000; iter++) {
		pfn_t s = (pfn_t)unit_below(&rng, N + 8), e = s + (pfn_t)unit_below(&rng, 24);
		pfn_t lim = e < N ? e : N, pfn;
		int want = 0;

		switch (unit_below(&rng, 4)) {
		case 0:
			for (pfn_t i = s; i < lim; i++)
				if (model[i] == FRAME_RESERVED)
					model[i] = FRAME_FREE, mfree++, want++;
			assert_int_equal(frame_pool_release(&pool, s, e), want);
			break;
		case 1:
			for (pfn_t i = s; i < lim; i++)
				if (model[i] == FRAME_USED)
					want = -EBUSY;
			for (pfn_t i = s; i < lim && want >= 0; i++)
				if (model[i] == FRAME_FREE)
					model[i] = FRAME_RESERVED, mfree--, want++;
			assert_int_equal(frame_pool_reserve(&pool, s, e), want);
			break;
		case 2:
			if (mfree == 0) {
				assert_int_equal(frame_alloc(&pool, &pfn), -ENOMEM);
				break;
			}
			assert_int_equal(frame_alloc(&pool, &pfn), 0);
			assert_true(pfn < N);
			assert_int_equal(model[pfn], FRAME_FREE);
			model[pfn] = FRAME_USED, mfree--, mused++;
			break;
		default:
			want = s >= N ? -ERANGE : model[s] == FRAME_USED ? 0 :
			       model[s] == FRAME_FREE ? -EALREADY : -EPERM;
			assert_int_equal(frame_free(&pool, s), want);
			if (want == 0)
				model[s] = FRAME_FREE, mfree++, mused--;
			mdouble += want == -EALREADY;
			mbad += want == -ERANGE || want == -EPERM;
			break;
		}
		assert_memory_equal(states, model, N);
		assert_int_equal(pool.nfree, mfree);
		assert_int_equal(pool.nused, mused);
		assert_int_equal(pool.double_frees, mdouble);
		assert_int_equal(pool.reserved_frees, mbad);
		assert_consistent(&pool);
	}
}

/* Available regions give whole frames only: unaligned edges are rounded inward. */
/* Contiguous runs: really contiguous and free before, never across a used or
 * reserved frame, never wrapping from the last frame to the first. */
static void test_alloc_contig(void **state)
{
	pfn_t first, a, b;

	frame_pool_release(&pool, 0, N);
	assert_int_equal(frame_alloc_contig(&pool, 0, &first), -ENOMEM);
	assert_int_equal(frame_alloc_contig(&pool, N + 1, &first), -ENOMEM);
	assert_int_equal(frame_alloc_contig(&pool, 8, &a), 0);
	assert_int_equal(frame_alloc_contig(&pool, 8, &b), 0);
	assert_true(b >= a + 8 || b + 8 <= a);          /* no overlap */
	for (pfn_t i = 0; i < 8; i++) {
		assert_int_equal(frame_state_of(&pool, a + i), FRAME_USED);
		assert_int_equal(frame_state_of(&pool, b + i), FRAME_USED);
	}
	assert_consistent(&pool);

	/* Every other frame used: no run of 2 exists anywhere. */
	for (pfn_t i = 0; i < 8; i++) {
		assert_int_equal(frame_free(&pool, a + i), 0);
		assert_int_equal(frame_free(&pool, b + i), 0);
	}
	for (pfn_t i = 0; i < N; i += 2)
		assert_int_equal(frame_pool_reserve(&pool, i, i + 1), 1);
	assert_int_equal(frame_alloc_contig(&pool, 2, &first), -ENOMEM);
	assert_int_equal(frame_alloc_contig(&pool, 1, &first), 0);     /* singles still work */
	assert_consistent(&pool);

	/* Free frames only at both ends: a run must not wrap from N-1 to 0. */
	frame_pool_init(&pool, states, N);
	frame_pool_release(&pool, 0, 2);
	frame_pool_release(&pool, N - 2, N);
	assert_int_equal(frame_alloc_contig(&pool, 4, &first), -ENOMEM);
	assert_int_equal(frame_alloc_contig(&pool, 2, &first), 0);
	assert_true(first == 0 || first == N - 2);
	assert_consistent(&pool);
}

static void test_map_whole_frames(void **state)
{
	const struct mem_region map[] = {
		{ 0x1800, 0x3000, MEM_AVAILABLE },      /* [0x1800, 0x4800): frames 2, 3 */
		{ 0x10000, 0xfff, MEM_AVAILABLE },      /* less than a frame: nothing */
		{ 0x20000, 0x2000, MEM_AVAILABLE },     /* frames 0x20, 0x21 */
		{ 0x30000, 0x4000, 7 },                 /* not RAM: stays reserved */
	};
	uint64_t ignored = 1234;

	assert_int_equal(frame_pool_from_map(&pool, map, 4, &ignored), 0x22);
	assert_int_equal(ignored, 0);
	assert_int_equal(pool.nfree, 4);
	assert_int_equal(frame_state_of(&pool, 1), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 2), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 3), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 4), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 0x10), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 0x21), FRAME_FREE);
	assert_consistent(&pool);
}

/* A non-available region wins over an available one, whatever the order,
 * and takes every frame it touches even partially. */
static void test_map_reserved_wins(void **state)
{
	const struct mem_region map[] = {
		{ 0x5800, 0x1000, 2 },                  /* touches frames 5 and 6 */
		{ 0, 0x40000, MEM_AVAILABLE },          /* frames 0..0x3f */
		{ 0x3ffff, 1, 2 },                      /* one byte of frame 0x3f */
		{ 0x10000, 0x1000, 4 },                 /* exactly frame 0x10 */
		{ 0x20000, 0, 2 },                      /* zero length: nothing */
	};
	uint64_t ignored;

	assert_int_equal(frame_pool_from_map(&pool, map, 5, &ignored), 0x40);
	assert_int_equal(frame_state_of(&pool, 4), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 5), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 6), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 7), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x0f), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x10), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 0x11), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x20), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x3e), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x3f), FRAME_RESERVED);
	assert_int_equal(pool.nfree, 0x40 - 4);
	assert_consistent(&pool);
}

/* RAM beyond the pool is counted as ignored; zero-length and wrapping
 * entries are survived. */
static void test_map_limit_and_corrupt_entries(void **state)
{
	const struct mem_region map[] = {
		{ 0xf0000, 0x20000, MEM_AVAILABLE },    /* straddles the limit 0x100000 */
		{ 0x200000, 0x3000, MEM_AVAILABLE },    /* wholly above */
		{ 0x300000, 0x5000, 2 },                /* reserved above: not RAM, not counted */
		{ 0x8000, 0, MEM_AVAILABLE },           /* zero length */
		{ 0xfffffffffffff000ull, 0x2000, MEM_AVAILABLE }, /* wraps, above the limit */
		{ 0xfffffffffffff000ull, 0x2000, 2 },
	};
	uint64_t ignored;

	assert_int_equal(frame_pool_from_map(&pool, map, 4, &ignored), N);
	assert_int_equal(ignored, 0x10000 + 0x3000);
	assert_int_equal(pool.nfree, 16);
	assert_int_equal(frame_state_of(&pool, 0xef), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&pool, 0xf0), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0xff), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 8), FRAME_RESERVED);

	/* Wrapping entries above the pool free nothing and crash nothing. */
	frame_pool_init(&pool, states, N);
	frame_pool_from_map(&pool, map + 4, 2, &ignored);
	assert_int_equal(pool.nfree, 0);

	/* A wrapping non-available entry inside the pool reserves up to the end. */
	const struct mem_region wrap[] = {
		{ 0, (uint64_t)N << 12, MEM_AVAILABLE },
		{ 0x80000, ~0ull, 2 },
	};
	frame_pool_init(&pool, states, N);
	assert_int_equal(frame_pool_from_map(&pool, wrap, 2, &ignored), N);
	assert_int_equal(ignored, 0);
	assert_int_equal(pool.nfree, 0x80);
	assert_int_equal(frame_state_of(&pool, 0x7f), FRAME_FREE);
	assert_int_equal(frame_state_of(&pool, 0x80), FRAME_RESERVED);
	assert_consistent(&pool);
}

/* The map QEMU's BIOS gives a 128 MiB machine (e820). */
static void test_map_qemu(void **state)
{
	const struct mem_region map[] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 }, { 0xfffc0000, 0x40000, 2 },
	};
	const pfn_t big = 0x100000;     /* 4 GiB: every entry inside the pool */
	uint8_t *st = malloc(big);
	struct frame_pool p;
	uint64_t ignored;

	assert_non_null(st);
	frame_pool_init(&p, st, big);
	assert_int_equal(frame_pool_from_map(&p, map, 6, &ignored), 0x7fe0);
	assert_int_equal(ignored, 0);
	assert_int_equal(p.nfree, 0x9f + 0x7ee0);
	assert_int_equal(frame_state_of(&p, 0x9e), FRAME_FREE);
	assert_int_equal(frame_state_of(&p, 0x9f), FRAME_RESERVED);    /* EBDA shares it */
	assert_int_equal(frame_state_of(&p, 0xa0), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&p, 0xff), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&p, 0x100), FRAME_FREE);
	assert_int_equal(frame_state_of(&p, 0x7fdf), FRAME_FREE);
	assert_int_equal(frame_state_of(&p, 0x7fe0), FRAME_RESERVED);
	assert_int_equal(frame_state_of(&p, 0xfffc0), FRAME_RESERVED);
	assert_consistent(&p);

	/* A 64 MiB pool: the rest of RAM is reported as ignored. */
	frame_pool_init(&p, st, 0x4000);
	assert_int_equal(frame_pool_from_map(&p, map, 6, &ignored), 0x4000);
	assert_int_equal(ignored, 0x7fe0000 - 0x4000000);
	assert_int_equal(p.nfree, 0x9f + 0x4000 - 0x100);
	assert_consistent(&p);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_all_reserved, fresh_pool),
		cmocka_unit_test_setup(test_release_reserve_counts, fresh_pool),
		cmocka_unit_test_setup(test_alloc_until_exhaustion, fresh_pool),
		cmocka_unit_test_setup(test_free_then_realloc, fresh_pool),
		cmocka_unit_test_setup(test_bad_frees, fresh_pool),
		cmocka_unit_test_setup(test_reserve_busy, fresh_pool),
		cmocka_unit_test_setup(test_random_operations, fresh_pool),
		cmocka_unit_test_setup(test_alloc_contig, fresh_pool),
		cmocka_unit_test_setup(test_map_whole_frames, fresh_pool),
		cmocka_unit_test_setup(test_map_reserved_wins, fresh_pool),
		cmocka_unit_test_setup(test_map_limit_and_corrupt_entries, fresh_pool),
		cmocka_unit_test_setup(test_map_qemu, fresh_pool),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
