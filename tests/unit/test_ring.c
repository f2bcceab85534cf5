/*
 * include/public/io/ring.h: the split-driver ring, both sides in one
 * process on one page. Full and empty, batches, the wrap of the free-running
 * indices at 2^32, the notify decision (only when the other side asked), a
 * frontend that lies about req_prod and a backend that lies about rsp_prod,
 * and a random run against a model queue.
 */
#include "unit.h"

#include <string.h>

#include <public/io/ring.h>

struct req { uint32_t id, value; };
struct rsp { uint32_t id, result, pad[2]; };
RV_RING_DEFINE(t, struct req, struct rsp)

static _Alignas(4096) uint8_t page[RV_RING_PAGE_SIZE];
static struct t_sring *s = (struct t_sring *)page;
static struct t_front f;
static struct t_back b;

/* Both sides fresh, with all four indices started at base. */
static void start(uint32_t base)
{
	memset(page, 0xa5, sizeof(page));
	t_sring_init(s);
	s->req_prod = s->rsp_prod = base;
	s->req_event = s->rsp_event = base + 1;
	t_front_init(&f, s);
	f.req_prod_pvt = f.rsp_cons = base;
	assert_int_equal(t_back_init(&b, s), 0);
}

static void test_layout(void **state)
{
	/* 16-byte entries: (4096 - 64) / 16 = 252, so 128 of them. */
	assert_int_equal(t_ring_size(), 128);
	assert_true(sizeof(struct t_sring) + t_ring_size() * sizeof(union t_entry) <= RV_RING_PAGE_SIZE);
	assert_int_equal(__builtin_offsetof(struct t_sring, ring), RV_RING_HEADER_SIZE);
	assert_int_equal(rv_ring_pow2_floor(1), 1);
	assert_int_equal(rv_ring_pow2_floor(255), 128);
	assert_int_equal(rv_ring_pow2_floor(256), 256);
}

/* One request there and its response back, with both notifications. */
static void round_trip(uint32_t id)
{
	struct req *q = t_next_request(&f);
	q->id = id;
	q->value = id * 3;
	(void)t_push_requests(&f);
	assert_int_equal(t_unconsumed_requests(&b), 1);
	struct req got;
	t_read_request(&b, &got);
	assert_int_equal(got.id, id);
	struct rsp *r = t_next_response(&b);
	r->id = got.id;
	r->result = got.value + 1;
	(void)t_push_responses(&b);
	assert_int_equal(t_unconsumed_responses(&f), 1);
	struct rsp out;
	t_read_response(&f, &out);
	assert_int_equal(out.id, id);
	assert_int_equal(out.result, id * 3 + 1);
}

static void test_full_empty(void **state)
{
	start(0);
	uint32_t n = t_ring_size();
	assert_int_equal(t_free_requests(&f), n);
	assert_int_equal(t_unconsumed_requests(&b), 0);
	assert_int_equal(t_unconsumed_responses(&f), 0);
	for (uint32_t i = 0; i < n; i++) {
		assert_false(t_front_full(&f));
		t_next_request(&f)->id = i;
	}
	assert_true(t_front_full(&f));
	assert_int_equal(t_free_requests(&f), 0);
	t_push_requests(&f);
	assert_int_equal(t_unconsumed_requests(&b), n);
	/* Consumed but not answered: still no room for the frontend. */
	struct req q;
	for (uint32_t i = 0; i < n; i++) {
		t_read_request(&b, &q);
		assert_int_equal(q.id, i);
	}
	assert_int_equal(t_unconsumed_requests(&b), 0);
	assert_true(t_front_full(&f));
	for (uint32_t i = 0; i < n; i++)
		t_next_response(&b)->id = i;
	t_push_responses(&b);
	assert_int_equal(t_unconsumed_responses(&f), n);
	struct rsp r;
	for (uint32_t i = 0; i < n; i++) {
		t_read_response(&f, &r);
		assert_int_equal(r.id, i);
	}
	assert_int_equal(t_free_requests(&f), n);
	assert_int_equal(t_unconsumed_responses(&f), 0);
}

/* The indices run past 2^32: nothing changes. */
static void test_wrap(void **state)
{
	start(0xffffff00u);
	for (uint32_t i = 0; i < 1000; i++)
		round_trip(i);
	assert_true(f.req_prod_pvt < 0x1000);   /* it did wrap */
	/* Full across the wrap too. */
	start(0xffffffc0u);
	for (uint32_t i = 0; i < t_ring_size(); i++)
		t_next_request(&f)->id = i;
	assert_true(t_front_full(&f));
	t_push_requests(&f);
	assert_int_equal(t_unconsumed_requests(&b), t_ring_size());
}

/* Notify only when the other side waits: the first push after it set its
 * event index, and only once per batch. */
static void test_notify(void **state)
{
	start(0);
	/* The backend waits for request 1 (req_event = 1, as initialised). */
	t_next_request(&f)->id = 0;
	t_next_request(&f)->id = 1;
	t_next_request(&f)->id = 2;
	assert_true(t_push_requests(&f));       /* a batch of 3: one notification */
	t_next_request(&f)->id = 3;
	assert_false(t_push_requests(&f));      /* the backend has not asked again */
	/* The backend works through them; finding more, it does not ask. */
	struct req q;
	int32_t n;
	while ((n = t_unconsumed_requests(&b)) > 0)
		t_read_request(&b, &q);
	assert_int_equal(t_final_check_requests(&b), 0);     /* sets req_event = 5 */
	assert_int_equal(s->req_event, 5);
	t_next_request(&f)->id = 4;
	assert_true(t_push_requests(&f));       /* it waits: notify */
	/* A request pushed between the backend's look and its final check is
	 * found by the final check, not lost. */
	t_read_request(&b, &q);
	t_next_request(&f)->id = 5;
	f.sring->req_prod = f.req_prod_pvt;     /* pushed while req_event was stale */
	assert_int_equal(t_final_check_requests(&b), 1);
	/* Responses the same way. */
	t_read_request(&b, &q);
	for (int i = 0; i < 6; i++)
		t_next_response(&b)->id = (uint32_t)i;
	assert_true(t_push_responses(&b));      /* rsp_event = 1, as initialised */
	for (int i = 0; i < 6; i++) {
		struct rsp r;
		assert_true(t_unconsumed_responses(&f) > 0);
		t_read_response(&f, &r);
	}
	assert_int_equal(t_final_check_responses(&f), 0);
	assert_int_equal(s->rsp_event, 7);
	t_next_request(&f);
	t_push_requests(&f);
	t_read_request(&b, &q);
	t_next_response(&b);
	assert_true(t_push_responses(&b));
}

/* A frontend that claims more requests than the ring holds: the backend
 * refuses to count them, whatever the wrap. */
static void test_lying_frontend(void **state)
{
	start(0);
	s->req_prod = t_ring_size() + 1;
	assert_int_equal(t_unconsumed_requests(&b), -1);
	s->req_prod = 0xffffffffu;              /* "behind" what was consumed */
	assert_int_equal(t_unconsumed_requests(&b), -1);
	s->req_prod = t_ring_size();            /* exactly full: fine */
	assert_int_equal(t_unconsumed_requests(&b), (int32_t)t_ring_size());
	/* Requests consumed but not answered leave less room: the count is
	 * bounded by it, never more than can be answered. */
	struct req q;
	for (int i = 0; i < 10; i++)
		t_read_request(&b, &q);
	s->req_prod = b.req_cons + 20;
	assert_int_equal(t_unconsumed_requests(&b), 20);
	s->req_prod = b.req_cons + t_ring_size() - 9;   /* would overwrite an unanswered one */
	assert_int_equal(t_unconsumed_requests(&b), t_ring_size() - 10);
	/* A back end attaching to a page whose indices are not a ring's. */
	struct t_back b2;
	s->req_prod = 1000;
	s->rsp_prod = 0;
	assert_int_equal(t_back_init(&b2, s), -1);
	/* Random lies: the count is always -1 or within the ring. */
	uint64_t rng = unit_seed("lying frontend");
	start(0);
	for (int i = 0; i < 100000; i++) {
		s->req_prod = (uint32_t)unit_rand(&rng);
		int32_t n = t_unconsumed_requests(&b);
		assert_true(n == -1 || (n >= 0 && (uint32_t)n <= t_ring_size()));
		if (n > 0) {
			t_read_request(&b, &q);
			t_next_response(&b);
			t_push_responses(&b);
		}
	}
}

/* A backend that claims more responses than requests outstanding. */
static void test_lying_backend(void **state)
{
	start(0);
	t_next_request(&f);
	t_next_request(&f);
	t_push_requests(&f);
	s->rsp_prod = 3;
	assert_int_equal(t_unconsumed_responses(&f), -1);
	s->rsp_prod = 2;
	assert_int_equal(t_unconsumed_responses(&f), 2);
	s->rsp_prod = 0xfffffff0u;
	assert_int_equal(t_unconsumed_responses(&f), -1);
}

/* Random batches against a model FIFO: every request answered once, in
 * order, and the notify decisions match "passed the event index". */
static void test_random_model(void **state)
{
	uint64_t rng = unit_seed("ring model");
	start((uint32_t)unit_rand(&rng));
	uint32_t next_id = 0, next_answer = 0, next_seen = 0;
	for (int step = 0; step < 200000; step++) {
		switch (unit_below(&rng, 3)) {
		case 0: {                       /* the frontend sends a batch */
			uint32_t k = (uint32_t)unit_below(&rng, t_free_requests(&f) + 1);
			for (uint32_t i = 0; i < k; i++)
				t_next_request(&f)->id = next_id++;
			uint32_t old = s->req_prod, ev = s->req_event;
			int notify = t_push_requests(&f);
			assert_int_equal(notify, k && (uint32_t)(f.req_prod_pvt - ev) <
					 (uint32_t)(f.req_prod_pvt - old));
			break;
		}
		case 1: {                       /* the backend answers a batch */
			int32_t n = t_unconsumed_requests(&b);
			assert_true(n >= 0);
			uint32_t k = (uint32_t)unit_below(&rng, (uint64_t)n + 1);
			for (uint32_t i = 0; i < k; i++) {
				struct req q;
				t_read_request(&b, &q);
				assert_int_equal(q.id, next_answer++);
				t_next_response(&b)->id = q.id;
			}
			t_push_responses(&b);
			if (unit_below(&rng, 4) == 0)
				t_final_check_requests(&b);
			break;
		}
		default: {                      /* the frontend takes responses */
			int32_t n = t_unconsumed_responses(&f);
			assert_true(n >= 0);
			for (int32_t i = 0; i < n; i++) {
				struct rsp r;
				t_read_response(&f, &r);
				assert_int_equal(r.id, next_seen++);
			}
			if (unit_below(&rng, 4) == 0)
				t_final_check_responses(&f);
			break;
		}
		}
	}
	assert_true(next_seen > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_full_empty),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_lying_frontend),
		cmocka_unit_test(test_lying_backend),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
