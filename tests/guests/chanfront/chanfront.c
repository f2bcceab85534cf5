/*
 * A frontend of the chan test (docs/io.md, "Channels"), speaking the raw
 * ring protocol to Domain 0's server (tests/dom0/chantest.c), which made
 * this domain and wrote device slot 0. Its role is the command line's
 * first word:
 *
 *   echo       honest: rounds of a full ring (16 requests pushed at once),
 *              echo, sums and fills through granted pages; responses come
 *              out of order and each must answer its own request
 *   letgo      the same, then the server's process exits without closing
 *              the channel: the ring must be unmapped all the same
 *   liar       3 honest requests, then a req_prod 5000 ahead: the backend
 *              must let go of the ring (the grant's in-use mark goes)
 *   garbage    16 slots of junk (unknown ops, a copy from a page never
 *              granted): each answered with an error, then an honest DONE
 *   nogrant    binds and sends the event, but never grants the ring
 *   wrongpage  grants a page whose indices are not a ring's
 *   rogrant    grants the ring read-only
 *   die        once the ring is mapped, sends a request the backend holds,
 *              and powers off at once
 *   silent     never connects at all
 *
 * Roles that cannot see the outcome wait to be destroyed by Domain 0.
 */
#include "rawfront.h"
#include "chan_test.h"

/* grant: 0 never, 1 read-write, 2 read-only. */
static void setup(int grant, bool bogus)
{
	struct rv_chan_sring *s = rf_open(RV_DEV_vbd, "no device in slot 0");
	if (bogus)
		s->req_prod = 1000;     /* 1000 requests claimed before the first */
	if (grant)
		rf_grant_ring(grant == 2);
	rf_connect();
	gprintf("connected: ring ref %u, port %u (backend's %u)\n", rf.dev->ring_ref, rf.port,
		rf.dev->port);
}

static void wait_to_be_destroyed(void)
{
	gprintf("waiting to be destroyed\n");
	for (;;)
		guest_let_run(1000);
}

static struct ct_req *next(uint32_t id, uint32_t op, uint32_t val)
{
	struct ct_req *q = (struct ct_req *)rv_chan_next_request(&rf.f);
	memset(q, 0, sizeof(*q));
	q->id = id;
	q->op = op;
	q->val = val;
	return q;
}

/* The next response, waiting up to 20 s for it. */
static void response(struct ct_rsp *r)
{
	if (!rf_response(r, "the backend's rsp_prod lies"))
		test_error("no response");
}

static uint32_t done(uint32_t failed)
{
	struct ct_rsp r;
	next(0xd0e, CT_DONE, failed);
	rf_push();
	response(&r);
	return r.id == 0xd0e && r.val == failed;
}

static void echo_main(bool let_go_after)
{
	uint32_t dmfn, fmfn, failed = 0, out_of_order = 0;
	uint8_t *data = (uint8_t *)rf_own_page(&dmfn), *fill = (uint8_t *)rf_own_page(&fmfn);
	struct ct_req sent[16];

	setup(1, false);
	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		data[i] = (uint8_t)(i * 13 + 5);
	int32_t gro = gnt_grant(&guest_gnt, rf.dev->backend, dmfn, true);
	int32_t grw = gnt_grant(&guest_gnt, rf.dev->backend, fmfn, false);
	if (gro < 0 || grw < 0)
		test_error("grant the data pages: %d, %d", gro, grw);
	for (uint32_t round = 0; round < 12; round++) {
		if (rv_chan_free_requests(&rf.f) != 16)
			test_error("round %u: %u free entries", round, rv_chan_free_requests(&rf.f));
		for (uint32_t i = 0; i < 16; i++) {
			uint32_t id = round * 16 + i, op = i % 3 == 0 ? CT_SUM : i % 3 == 1 ? CT_FILL : CT_ECHO;
			struct ct_req *q = next(id, op, id * 5 + 1);
			q->gref = (uint32_t)(op == CT_SUM ? gro : grw);
			q->off = op == CT_SUM ? i * 200 + 13 : i * 256;
			q->len = op == CT_SUM ? 300 : 256;
			sent[i] = *q;
		}
		if (!rv_chan_front_full(&rf.f))
			test_error("16 requests do not fill the ring");
		memset(fill, 0, PAGE_SIZE);
		rf_push();
		uint32_t seen = 0, last = 0;
		for (uint32_t k = 0; k < 16; k++) {
			struct ct_rsp r;
			response(&r);
			uint32_t i = r.id - round * 16;
			if (i >= 16 || (seen & (1u << i))) {
				gprintf("round %u: response id %u unexpected\n", round, r.id);
				failed++;
				continue;
			}
			if (k && i < last)
				out_of_order++;
			last = i;
			seen |= 1u << i;
			const struct ct_req *q = &sent[i];
			uint32_t want = q->val * 3 + 1;
			if (q->op == CT_SUM) {
				want = 0;
				for (uint32_t j = 0; j < q->len; j++)
					want += data[q->off + j];
			}
			if (q->op == CT_FILL)
				for (uint32_t j = 0; j < q->len; j++)
					if (fill[q->off + j] != ct_fill_byte(j, q->val)) {
						gprintf("fill %u: byte %u is %u\n", r.id, j, fill[q->off + j]);
						failed++;
						break;
					}
			if (r.status || (q->op != CT_FILL && r.val != want)) {
				gprintf("id %u op %u: status %d, %u (expected %u)\n", r.id, q->op, r.status,
					r.val, want);
				failed++;
			}
		}
	}
	test_check(failed == 0, "12 rounds of a full ring: 192 responses, each its own request's");
	test_check(out_of_order > 0, "responses came out of order (%u times)", out_of_order);
	test_check(done(failed), "DONE answered");
	if (let_go_after) {
		/* The server exits without closing its channel: the kernel
		 * closes it with the file, and lets go of our ring. */
		test_check(rf_let_go(), "the ring is unmapped once the server's process is gone");
		test_check(gnt_end(&guest_gnt, rf.dev->ring_ref) == 0, "the ring's grant ends");
	}
	test_finish();
}

static void liar_main(void)
{
	struct ct_rsp r;
	setup(1, false);
	for (uint32_t i = 0; i < 3; i++)
		next(i, CT_ECHO, i);
	rf_push();
	for (uint32_t i = 0; i < 3; i++) {
		response(&r);
		test_check(r.val == r.id * 3 + 1, "honest request %u answered", r.id);
	}
	rf.f.sring->req_prod = rf.f.req_prod_pvt + 5000;
	rf_notify();
	test_check(rf_let_go(), "the backend let go of the ring after req_prod lied");
	test_check(gnt_end(&guest_gnt, rf.dev->ring_ref) == 0, "the ring's grant ends");
	test_finish();
}

static void garbage_main(void)
{
	uint64_t rng = 0x1234567;
	uint32_t ids[16], errors = 0;
	setup(1, false);
	for (uint32_t i = 0; i < 16; i++) {
		struct rv_chan_slot *e = rv_chan_next_request(&rf.f);
		for (uint32_t j = 0; j < sizeof(e->b); j++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			e->b[j] = (uint8_t)(rng >> 40);
		}
		struct ct_req *q = (struct ct_req *)e;
		if (i < 2) {            /* a copy from a page never granted */
			q->op = CT_SUM;
			q->gref = 400 + i;
			q->off = 0;
			q->len = 16;
		} else {
			q->op = 0xdead0000u | i;
		}
		ids[i] = q->id;
	}
	rf_push();
	for (uint32_t k = 0; k < 16; k++) {
		struct ct_rsp r;
		response(&r);
		bool known = false;
		for (uint32_t i = 0; i < 16; i++)
			known |= r.id == ids[i];
		errors += known && r.status < 0;
	}
	test_check(errors == 16, "16 slots of junk: each answered with an error (%u)", errors);
	test_check(done(0), "and an honest request after them answered");
	test_finish();
}

static void die_main(void)
{
	setup(1, false);
	/* Once the backend has mapped the ring: it holds the request, and
	 * answers a domain that is gone. */
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (!gnt_in_use(&guest_gnt, rf.dev->ring_ref) && guest_time_ns() < until)
		guest_let_run(10);
	test_check(gnt_in_use(&guest_gnt, rf.dev->ring_ref), "the backend mapped the ring");
	next(1, CT_HOLD, 1);
	rf_push();
	test_finish();
}

void guest_main(void)
{
	const char *c = start_info->cmdline;
	if (!strcmp(c, "echo"))
		echo_main(false);
	else if (!strcmp(c, "letgo"))
		echo_main(true);
	else if (!strcmp(c, "liar"))
		liar_main();
	else if (!strcmp(c, "garbage"))
		garbage_main();
	else if (!strcmp(c, "die"))
		die_main();
	else if (!strcmp(c, "nogrant"))
		setup(0, false);
	else if (!strcmp(c, "wrongpage"))
		setup(1, true);
	else if (!strcmp(c, "rogrant"))
		setup(2, false);
	else if (strcmp(c, "silent"))
		test_error("role '%s' unknown", c);
	wait_to_be_destroyed();
}
