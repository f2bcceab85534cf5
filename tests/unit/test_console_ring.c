/*
 * hv/console_ring.c: the console's output ring. Puts and gets of every
 * size, across the end of the buffer and across the wrap of the free-running
 * counters, against a plain model queue.
 */
#include "unit.h"

#include <string.h>

#include "console_ring.h"

#define SIZE 64

static char buf[SIZE];

static void test_put_get(void **state)
{
	struct con_ring r;
	char out[SIZE];
	con_ring_init(&r, buf, SIZE);
	assert_int_equal(con_ring_used(&r), 0);
	assert_int_equal(con_ring_room(&r), SIZE);
	assert_int_equal(con_ring_get(&r, out, sizeof(out)), 0);
	assert_int_equal(con_ring_put(&r, "hello", 5), 5);
	assert_int_equal(con_ring_used(&r), 5);
	assert_int_equal(con_ring_room(&r), SIZE - 5);
	assert_int_equal(con_ring_get(&r, out, 3), 3);
	assert_memory_equal(out, "hel", 3);
	assert_int_equal(con_ring_get(&r, out, sizeof(out)), 2);
	assert_memory_equal(out, "lo", 2);
	assert_int_equal(con_ring_used(&r), 0);
}

/* A full ring takes nothing more; what it took comes out intact. */
static void test_full(void **state)
{
	struct con_ring r;
	char in[SIZE + 10], out[SIZE + 10];
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (char)i;
	con_ring_init(&r, buf, SIZE);
	assert_int_equal(con_ring_put(&r, in, sizeof(in)), SIZE);
	assert_int_equal(con_ring_room(&r), 0);
	assert_int_equal(con_ring_put(&r, in, 1), 0);
	assert_int_equal(con_ring_get(&r, out, sizeof(out)), SIZE);
	assert_memory_equal(out, in, SIZE);
}

/* Runs that cross the buffer's end, with the counters about to wrap. */
static void test_wrap(void **state)
{
	struct con_ring r;
	char in[SIZE], out[SIZE];
	for (unsigned i = 0; i < SIZE; i++)
		in[i] = (char)('a' + i % 26);
	con_ring_init(&r, buf, SIZE);
	r.head = r.tail = 0xffffffffu - 20;     /* 21 bytes before the counters wrap */
	for (int round = 0; round < 10; round++) {
		assert_int_equal(con_ring_put(&r, in, 50), 50);
		assert_int_equal(con_ring_used(&r), 50);
		assert_int_equal(con_ring_get(&r, out, 50), 50);
		assert_memory_equal(out, in, 50);
	}
	assert_true(r.head < 1000);             /* it did wrap */
}

/* Random puts and gets against a model. */
static void test_random_model(void **state)
{
	uint64_t seed = unit_seed("console_ring");
	struct con_ring r;
	static char model[1 << 20];
	size_t m_head = 0, m_tail = 0;
	uint8_t next = 0;
	con_ring_init(&r, buf, SIZE);
	r.head = r.tail = 0xffffff00u;
	for (int step = 0; step < 20000; step++) {
		char tmp[2 * SIZE];
		size_t n = (size_t)(unit_rand(&seed) % sizeof(tmp));
		if (unit_rand(&seed) & 1) {
			for (size_t i = 0; i < n; i++)
				tmp[i] = (char)(next + i);
			size_t k = con_ring_put(&r, tmp, n);
			assert_int_equal(k, MIN(n, (size_t)(SIZE - (m_head - m_tail))));
			for (size_t i = 0; i < k; i++)
				model[m_head++ % sizeof(model)] = tmp[i];
			next = (uint8_t)(next + k);
		} else {
			size_t k = con_ring_get(&r, tmp, n);
			assert_int_equal(k, MIN(n, m_head - m_tail));
			for (size_t i = 0; i < k; i++)
				assert_int_equal(tmp[i], model[m_tail++ % sizeof(model)]);
		}
		assert_int_equal(con_ring_used(&r), m_head - m_tail);
		assert_int_equal(con_ring_room(&r), SIZE - (m_head - m_tail));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests_name("console_ring", tests, NULL, NULL);
}
