/* Run-queue heap: against a brute-force model, with random inserts and removals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <cmocka.h>

#include "runq.h"
#include "errno.h"

#define N 500

static struct runq_node nodes[N];
static struct runq_node *storage[N];

static void check_heap(const struct runq *q)
{
	for (uint32_t i = 0; i < q->n; i++) {
		assert_int_equal(q->heap[i]->index, i);
		if (i)
			assert_true(q->heap[(i - 1) / 2]->key <= q->heap[i]->key);
	}
}

static void test_order(void **state)
{
	struct runq q;
	runq_init(&q, storage, N);
	for (int i = 0; i < N; i++) {
		runq_node_init(&nodes[i]);
		assert_int_equal(runq_insert(&q, &nodes[i], (uint64_t)((i * 7919) % N)), 0);
	}
	assert_int_equal(runq_insert(&q, &nodes[0], 1), -EEXIST);
	uint64_t last = 0;
	for (int i = 0; i < N; i++) {
		struct runq_node *top = runq_peek(&q);
		assert_non_null(top);
		assert_true(top->key >= last);
		last = top->key;
		runq_remove(&q, top);
		assert_false(runq_queued(top));
		check_heap(&q);
	}
	assert_null(runq_peek(&q));
}

static void test_full(void **state)
{
	struct runq q;
	struct runq_node a, b;
	runq_init(&q, storage, 1);
	runq_node_init(&a);
	runq_node_init(&b);
	assert_int_equal(runq_insert(&q, &a, 5), 0);
	assert_int_equal(runq_insert(&q, &b, 1), -ENOSPC);
	runq_remove(&q, &b);            /* not queued: harmless */
	assert_int_equal(q.n, 1);
}

static void test_random_model(void **state)
{
	struct runq q;
	unsigned seed = getenv("UNIT_SEED") ? (unsigned)atoi(getenv("UNIT_SEED")) : 1234;
	printf("# seed %u\n", seed);
	srand(seed);
	runq_init(&q, storage, N);
	for (int i = 0; i < N; i++)
		runq_node_init(&nodes[i]);
	for (int op = 0; op < 50000; op++) {
		struct runq_node *x = &nodes[rand() % N];
		if (rand() % 2) {
			int rc = runq_insert(&q, x, (uint64_t)(rand() % 1000));
			assert_true(rc == 0 || (rc == -EEXIST && runq_queued(x)));
		} else {
			runq_remove(&q, x);
			assert_false(runq_queued(x));
		}
		check_heap(&q);
		/* The top is the minimum over every queued node. */
		uint64_t min = UINT64_MAX;
		uint32_t queued = 0;
		for (int i = 0; i < N; i++)
			if (runq_queued(&nodes[i])) {
				queued++;
				if (nodes[i].key < min)
					min = nodes[i].key;
			}
		assert_int_equal(queued, q.n);
		if (q.n)
			assert_true(runq_peek(&q)->key == min);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests_name("runq", tests, NULL, NULL);
}
