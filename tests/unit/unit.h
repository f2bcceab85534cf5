/* Shared helpers for the host unit tests: cmocka includes and a seeded PRNG. */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

/*
 * Randomized tests are reproducible: the seed is fixed unless UNIT_SEED is
 * set in the environment, and every test that uses it prints the seed so a
 * failure can be replayed with UNIT_SEED=<seed>.
 */
static inline uint64_t unit_seed(const char *who)
{
	const char *env = getenv("UNIT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed1234abcdull;
	print_message("# %s: seed 0x%llx (set UNIT_SEED to replay)\n", who,
		      (unsigned long long)seed);
	return seed;
}

/* splitmix64: small, fast and good enough to drive test inputs. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-ish value in [0, n). */
static inline uint64_t unit_below(uint64_t *state, uint64_t n)
{
	return n ? unit_rand(state) % n : 0;
}

#endif
