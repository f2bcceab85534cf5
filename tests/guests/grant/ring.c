/*
 * Rings over grants and events (include/public/io/ring.h, docs/io.md): a
 * frontend (domain 1) grants a ring page and a data page to a backend
 * (domain 2), offers it port 8, and sends requests in batches; the backend
 * maps the ring, reads the data page by grant copy, and answers. Roles:
 *
 *   front   500 requests in random batches, each answered correctly; fewer
 *           events than requests (notify only when the other side waits);
 *           a quit request; once the backend unmapped, both grants end
 *   liar    a few honest requests, then a req_prod 5000 ahead of the ring
 *   waiter  sends to a backend that never answers: it times out, cannot end
 *           the ring's grant while the backend maps it, and can once the
 *           backend is gone
 *   back    serves until quit; a frontend whose indices lie is refused (it
 *           says so, reads nothing more and disconnects)
 *   mute    maps the ring and never answers; powers off after 3 s
 */
#include "grant_test.h"
#include <public/io/ring.h>

#define FRONT   1
#define BACK    2

#define RQ_SUM  1       /* the sum of the first len bytes of the data page */
#define RQ_QUIT 2

struct rq {
	uint32_t id, op, len, pad;
};
struct rs {
	uint32_t id;
	int32_t status;
	uint32_t sum, pad;
};
RV_RING_DEFINE(tr, struct rq, struct rs)

static uint8_t *data;

static uint32_t expected_sum(uint32_t len)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s += data[i];
	return s;
}

/* ---- frontend ---- */

static struct tr_front f;
static uint32_t notifies;

/* Take every response there is, checking each; returns how many. */
static uint32_t take_responses(uint32_t *quit_seen)
{
	uint32_t got = 0;
	int32_t n;
	while ((n = tr_unconsumed_responses(&f)) > 0) {
		for (int32_t i = 0; i < n; i++) {
			struct rs r;
			tr_read_response(&f, &r);
			if (r.id == 0xffffffffu) {
				*quit_seen = 1;
			} else if (r.status || r.sum != expected_sum(r.id % 4096 + 1)) {
				test_error("response %u: status %d, sum %#x (expected %#x)", r.id,
					   r.status, r.sum, expected_sum(r.id % 4096 + 1));
			}
			got++;
		}
	}
	if (n < 0)
		test_error("the backend's rsp_prod lies");
	return got;
}

/* Wait for responses: false if none came within ms. Only the backend's
 * event wakes us (the timer is set at the deadline): a notification the
 * ring's rules wrongly skipped shows as a time-out. */
static bool await_responses(uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	hv_set_timer(until);
	while (guest_time_ns() < until) {
		uint32_t seen = events_seen;
		if (tr_final_check_responses(&f))
			return true;
		if (events_seen == seen)
			hv_block();
	}
	return false;
}

static void send(uint32_t id, uint32_t op)
{
	struct rq *q = tr_next_request(&f);
	q->id = id;
	q->op = op;
	q->len = id % 4096 + 1;
	q->pad = 0;
}

static void push(void)
{
	if (tr_push_requests(&f)) {
		notify();
		notifies++;
	}
}

static void front_setup(void)
{
	uint32_t ring_mfn, data_mfn;
	struct tr_sring *s = (struct tr_sring *)own_page(&ring_mfn);
	data = (uint8_t *)own_page(&data_mfn);
	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	tr_sring_init(s);
	tr_front_init(&f, s);
	int rc = guest_grant_setup(TABLE_VA);
	if (rc || gnt_grant(&guest_gnt, BACK, ring_mfn, false) != 0 ||
	    gnt_grant(&guest_gnt, BACK, data_mfn, true) != 1)
		test_error("cannot grant the ring and data pages (%d)", rc);
	connect(BACK, true);
	wait_events(0);         /* the backend bound the channel and mapped the ring */
}

/* The backend unmapped the ring (quit, lie detected, or its death): both
 * grants end. */
static void front_teardown(void)
{
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (gnt_in_use(&guest_gnt, 0) && guest_time_ns() < until)
		guest_let_run(20);
	expect(gnt_end(&guest_gnt, 0), 0, "end the ring's grant once unmapped");
	expect(gnt_end(&guest_gnt, 1), 0, "end the data page's grant");
}

static void front_main(void)
{
	uint64_t rng = 12345;
	uint32_t sent = 0, answered = 0, quit = 0;

	front_setup();
	while (answered < 500) {
		uint32_t room = tr_free_requests(&f), k = 0;
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t want = 1 + (uint32_t)(rng >> 33) % 40;
		while (k < want && k < room && sent < 500) {
			send(sent++, RQ_SUM);
			k++;
		}
		if (k)
			push();
		answered += take_responses(&quit);
		if (answered < sent && !tr_unconsumed_responses(&f) && !await_responses(20000))
			test_error("no responses (%u of %u answered)", answered, sent);
	}
	test_check(answered == 500, "500 requests answered, each correctly");
	test_check(notifies >= 1 && notifies < 500, "batching: %u events sent for 500 requests",
		   notifies);
	send(0xffffffffu, RQ_QUIT);
	push();
	while (!quit) {
		if (!await_responses(20000))
			test_error("quit not answered");
		take_responses(&quit);
	}
	front_teardown();
	expect_summary("front: grants end after the backend is gone");
	test_finish();
}

static void liar_main(void)
{
	uint32_t quit = 0, answered = 0;

	front_setup();
	for (uint32_t i = 0; i < 5; i++)
		send(i, RQ_SUM);
	push();
	while (answered < 5) {
		if (!await_responses(20000))
			test_error("honest requests not answered");
		answered += take_responses(&quit);
	}
	test_check(answered == 5, "5 honest requests answered");
	/* Now lie: 5000 requests claimed, the ring holds far fewer. */
	f.sring->req_prod = f.req_prod_pvt + 5000;
	notify();
	front_teardown();
	expect_summary("liar: the backend let go of the ring");
	test_finish();
}

static void waiter_main(void)
{
	uint32_t quit = 0;

	front_setup();
	for (uint32_t i = 0; i < 10; i++)
		send(i, RQ_SUM);
	push();
	test_check(!await_responses(1000) && take_responses(&quit) == 0,
		   "no answer from the backend within a second");
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (!gnt_in_use(&guest_gnt, 0) && guest_time_ns() < until)
		guest_let_run(20);
	expect(gnt_end(&guest_gnt, 0), -RV_EBUSY, "end the ring's grant while it is mapped");
	front_teardown();
	expect_summary("waiter: the ring is ours again once the mute backend is gone");
	test_finish();
}

/* ---- backend ---- */

static void back_main(bool mute)
{
	struct tr_back b;
	uint32_t h, buf_mfn, served = 0;
	uint8_t *buf = (uint8_t *)own_page(&buf_mfn);

	if (mm_window(MAP_VA, NULL))
		test_error("no window for the ring");
	connect(FRONT, false);
	int32_t rc = guest_gnt_map(FRONT, 0, MAP_VA, 0, &h);
	if (rc)
		test_error("cannot map the ring: %d", rc);
	struct tr_sring *s = (struct tr_sring *)MAP_VA;
	if (tr_back_init(&b, s))
		test_error("the ring's indices are not a ring's");
	notify();               /* connected */
	if (mute) {
		guest_let_run(3000);
		test_check(true, "mapped the ring and never answered");
		test_finish();
	}
	bool quit = false, lied = false;
	/* Only the frontend's events wake us; the timer is a watchdog (a
	 * notification wrongly skipped shows as the frontend gone quiet). */
	uint64_t idle_until = guest_time_ns() + 20000000000ull;
	hv_set_timer(idle_until);
	while (!quit && !lied) {
		uint32_t seen = events_seen;
		int32_t n = tr_final_check_requests(&b);
		if (n < 0) {
			lied = true;
			break;
		}
		if (n == 0) {
			if (guest_time_ns() > idle_until)
				test_error("the frontend went quiet (a lost notification?)");
			if (events_seen == seen)
				hv_block();
			continue;
		}
		for (int32_t i = 0; i < n; i++) {
			struct rq q;
			tr_read_request(&b, &q);
			struct rs *r = tr_next_response(&b);
			r->id = q.id;
			r->sum = 0;
			r->status = 0;
			if (q.op == RQ_QUIT) {
				quit = true;
			} else if (q.op != RQ_SUM || q.len == 0 || q.len > PAGE_SIZE) {
				r->status = -RV_EINVAL;
			} else {
				struct rv_gnttab_copy_ptr src = { 1, FRONT, 0 }, dst = { buf_mfn, 0, 0 };
				r->status = guest_gnt_copy(&src, &dst, (uint16_t)q.len,
							   RV_GNTCOPY_source_gref);
				for (uint32_t k = 0; !r->status && k < q.len; k++)
					r->sum += buf[k];
			}
			served++;
		}
		if (tr_push_responses(&b))
			notify();
	}
	if (lied)
		gprintf("frontend lied: req_prod %u with %u consumed, ring of %u\n",
			s->req_prod, b.req_cons, b.size);
	test_check(quit || lied, "served %u requests, then %s", served,
		   quit ? "quit" : "refused a lying frontend");
	expect(guest_gnt_unmap(MAP_VA, h), 0, "unmap the ring");
	expect_summary("back: let go of the ring");
	test_finish();
}

void ring_main(const char *role)
{
	if (!strcmp(role, "front"))
		front_main();
	else if (!strcmp(role, "liar"))
		liar_main();
	else if (!strcmp(role, "waiter"))
		waiter_main();
	else if (!strcmp(role, "back"))
		back_main(false);
	else
		back_main(true);
}
