/* lib/clock.c: cycles-to-ns fixed-point scaling against exact 128-bit math. */
#include "unit.h"

#include "clock.h"
#include "errno.h"

typedef unsigned __int128 u128;

/* The exact answer, rounded down. */
static uint64_t exact_ns(uint64_t hz, uint64_t cycles)
{
	return (uint64_t)((u128)cycles * 1000000000u / hz);
}

/* Within a relative error of 1e-8 plus 1 ns of the exact value. */
static void check_close(const char *file, int line, uint64_t hz, uint64_t cycles)
{
	struct clock_scale s;
	if (clock_scale_init(&s, hz) != 0)
		fail_msg("clock_scale_init(%llu) failed", (unsigned long long)hz);
	uint64_t got = clock_scale_apply(&s, cycles), want = exact_ns(hz, cycles);
	u128 diff = got > want ? got - want : want - got;

	if (diff * 100000000u > (u128)want + 100000000u) {
		print_error("%s:%d: hz %llu cycles %llu: got %llu ns, exact %llu ns\n", file, line,
			    (unsigned long long)hz, (unsigned long long)cycles,
			    (unsigned long long)got, (unsigned long long)want);
		_fail(file, line);
	}
}
#define CHECK_CLOSE(hz, cycles) check_close(__FILE__, __LINE__, hz, cycles)

static const uint64_t some_hz[] = {
	1000000, 1193182, 3579545, 14318180, 25000000, 100000000, 999999999, 1000000000,
	1000000001, 1666666667, 2000000000, 2400000000u, 2899999999u, 3000000000u,
	3600000000u, 4000000000u, 4290000000u, 0xffffffffu,
};

static void test_init_rejects_bad_hz(void **state)
{
	struct clock_scale s;

	assert_int_equal(clock_scale_init(&s, 0), -EINVAL);
	assert_int_equal(clock_scale_init(&s, 1ull << 32), -EINVAL);
	assert_int_equal(clock_scale_init(&s, (1ull << 32) + 12345), -EINVAL);
	assert_int_equal(clock_scale_init(&s, ~0ull), -EINVAL);
	assert_int_equal(clock_scale_init(&s, 0xffffffffu), 0);
	assert_int_equal(s.hz, 0xffffffffu);
	assert_int_equal(clock_scale_init(&s, 1), 0);
	assert_int_equal(s.hz, 1);
	assert_int_equal(clock_scale_apply(&s, 3), 3000000000ull);
}

/* Frequencies whose multiplier is exact give exact results. */
static void test_exact_ratios(void **state)
{
	static const uint64_t cycles[] = { 0, 1, 2, 999, 0xffffffffu, 1ull << 32,
					   (1ull << 32) + 1, 1ull << 40, 1ull << 50,
					   0x3ffffffffffffull };
	struct clock_scale ghz, mhz, two_ghz;

	assert_int_equal(clock_scale_init(&ghz, 1000000000), 0);
	assert_int_equal(clock_scale_init(&mhz, 1000000), 0);
	assert_int_equal(clock_scale_init(&two_ghz, 2000000000), 0);
	for (size_t i = 0; i < sizeof(cycles) / sizeof(cycles[0]); i++) {
		uint64_t c = cycles[i];
		assert_int_equal(clock_scale_apply(&ghz, c), c);
		assert_int_equal(clock_scale_apply(&mhz, c), c * 1000);
		assert_int_equal(clock_scale_apply(&two_ghz, c), c / 2);
	}
}

static void test_fixed_points_against_exact(void **state)
{
	static const uint64_t cycles[] = {
		0, 1, 2, 3, 1000, 123456789, 0x7fffffff, 0xffffffffu, 1ull << 32,
		(1ull << 32) + 1, 0x1ffffffffull, 1ull << 40, (1ull << 40) - 1, 0xdeadbeefcafeull,
		1ull << 50, (1ull << 50) - 1,
	};
	for (size_t h = 0; h < sizeof(some_hz) / sizeof(some_hz[0]); h++) {
		for (size_t c = 0; c < sizeof(cycles) / sizeof(cycles[0]); c++)
			CHECK_CLOSE(some_hz[h], cycles[c]);
		/* Whole seconds, hours and years of counting. */
		CHECK_CLOSE(some_hz[h], some_hz[h]);
		CHECK_CLOSE(some_hz[h], some_hz[h] * 3600);
		CHECK_CLOSE(some_hz[h], some_hz[h] * 3600 * 24 * 365);
	}
	/* Zero cycles is zero ns, whatever the rate. */
	for (size_t h = 0; h < sizeof(some_hz) / sizeof(some_hz[0]); h++) {
		struct clock_scale s;
		assert_int_equal(clock_scale_init(&s, some_hz[h]), 0);
		assert_int_equal(clock_scale_apply(&s, 0), 0);
	}
}

/* The drift is a few ns per second of elapsed time at most. */
static void test_drift_per_second(void **state)
{
	for (size_t h = 0; h < sizeof(some_hz) / sizeof(some_hz[0]); h++) {
		struct clock_scale s;
		uint64_t hz = some_hz[h];
		assert_int_equal(clock_scale_init(&s, hz), 0);
		for (uint64_t secs = 1; secs <= 1000000; secs *= 10) {
			uint64_t want = exact_ns(hz, hz * secs);
			uint64_t got = clock_scale_apply(&s, hz * secs);
			uint64_t diff = got > want ? got - want : want - got;
			if (diff > 5 * secs + 1)
				fail_msg("hz %llu: %llu s drift %llu ns", (unsigned long long)hz,
					 (unsigned long long)secs, (unsigned long long)diff);
		}
	}
}

static void test_random_against_exact(void **state)
{
	uint64_t rng = unit_seed("clock random");

	for (int i = 0; i < 200000; i++) {
		uint64_t hz = 1000000 + unit_below(&rng, 0xffffffffull - 1000000 + 1);
		uint64_t cycles = unit_rand(&rng) >> unit_below(&rng, 64);
		cycles &= (1ull << 50) - 1;
		CHECK_CLOSE(hz, cycles);
	}
}

static void test_monotonic(void **state)
{
	uint64_t rng = unit_seed("clock monotonic");

	for (size_t h = 0; h < sizeof(some_hz) / sizeof(some_hz[0]); h++) {
		struct clock_scale s;
		assert_int_equal(clock_scale_init(&s, some_hz[h]), 0);
		/* Step by one across the 32-bit boundaries of the split multiply. */
		static const uint64_t around[] = { 0, 1ull << 32, 2ull << 32, 1ull << 40 };
		for (size_t a = 0; a < sizeof(around) / sizeof(around[0]); a++) {
			uint64_t start = around[a] > 1000 ? around[a] - 1000 : 0;
			uint64_t prev = clock_scale_apply(&s, start);
			for (uint64_t c = start + 1; c < around[a] + 1000; c++) {
				uint64_t ns = clock_scale_apply(&s, c);
				if (ns < prev)
					fail_msg("hz %llu: %llu cycles -> %llu ns < %llu ns before",
						 (unsigned long long)some_hz[h],
						 (unsigned long long)c, (unsigned long long)ns,
						 (unsigned long long)prev);
				prev = ns;
			}
		}
		/* Random pairs. */
		for (int i = 0; i < 5000; i++) {
			uint64_t a = unit_rand(&rng) & ((1ull << 50) - 1);
			uint64_t b = a + unit_below(&rng, 1ull << unit_below(&rng, 40));
			assert_true(clock_scale_apply(&s, a) <= clock_scale_apply(&s, b));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_hz),
		cmocka_unit_test(test_exact_ratios),
		cmocka_unit_test(test_fixed_points_against_exact),
		cmocka_unit_test(test_drift_per_second),
		cmocka_unit_test(test_random_against_exact),
		cmocka_unit_test(test_monotonic),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
