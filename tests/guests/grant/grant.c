/*
 * Grant-table test guests: one image, four roles chosen by domain name.
 *   granter, mapper      the happy path between two cooperating domains
 *                        (pair.c)
 *   hostile, accomplice  every grant operation done wrongly, from both
 *                        sides (hostile.c)
 *   front, liar, waiter, back, mute
 *                        rings over grants and events (ring.c)
 *   judge                Domain 0: creates a granter and a mapper, and
 *                        checks its physinfo after they are gone (judge.c)
 * Helpers shared by the roles are here.
 */
#include "grant_test.h"

volatile uint32_t events_seen;
volatile uint32_t faults, fault_error;
static uint32_t port;
static uint32_t tried, wrong;

static void on_event(unsigned p)
{
	if (p == port)
		events_seen++;
}

void connect(uint32_t peer, bool offer)
{
	int32_t p;

	guest_events_init(on_event);
	if (offer) {
		p = hv_evtchn_op(RV_EVTCHNOP_alloc_unbound, peer, 0);
	} else {
		uint64_t until = guest_time_ns() + 20000000000ull;
		while ((p = hv_evtchn_op(RV_EVTCHNOP_bind_interdomain, peer, 8)) == -RV_EINVAL &&
		       guest_time_ns() < until)
			hv_yield();
	}
	if (p < 0)
		test_error("cannot set up the channel with domain %u: %d", peer, p);
	port = (uint32_t)p;
	events_enable();
}

void notify(void)
{
	if (hv_evtchn_op(RV_EVTCHNOP_send, port, 0))
		test_error("send on port %u failed", port);
}

void wait_events(uint32_t n)
{
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (events_seen <= n) {
		if (guest_time_ns() > until)
			test_error("no event %u from the peer", n + 1);
		hv_set_timer(guest_time_ns() + 100000000ull);
		hv_block();
	}
}

static void on_trap(struct guest_frame *f)
{
	faults++;
	fault_error = f->error_code;
	f->eip += f->ebx;               /* skip the instruction: its length is in ebx */
}

void traps_init(void)
{
	if (guest_set_trap(14, on_trap, 1, false) || guest_set_trap(13, on_trap, 1, false))
		test_error("cannot install trap handlers");
}

void poke(uint32_t va, uint32_t v)
{
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl %1, (%0)\n2:"
			 : : "r"(va), "r"(v) : "ebx", "memory");
}

uint32_t peek(uint32_t va)
{
	uint32_t v = 0xdeadbeef;
	__asm__ volatile("movl $(2f - 1f), %%ebx\n1:\tmovl (%1), %0\n2:"
			 : "+r"(v) : "r"(va) : "ebx", "memory");
	return v;
}

uint32_t *own_page(uint32_t *mfn)
{
	uint32_t pfn = take_free_pfn();
	uint32_t *p = pfn_to_virt(pfn);
	memset(p, 0, PAGE_SIZE);
	if (mfn)
		*mfn = pfn_to_mfn(pfn);
	return p;
}

void expect(int32_t got, int32_t want, const char *what)
{
	tried++;
	if (got != want) {
		wrong++;
		gprintf("  %s: %d, expected %d\n", what, got, want);
	}
}

void expect_summary(const char *what)
{
	test_check(tried && !wrong, "%s: %u of %u as documented", what, tried - wrong, tried);
	tried = wrong = 0;
}

uint32_t peer_id(uint32_t dflt)
{
	char line[32];
	uint32_t n = 0;

	if (!guest_contains(start_info->cmdline, sizeof(start_info->cmdline), "peer=ask"))
		return dflt;
	uint64_t until = guest_time_ns() + 20000000000ull;
	while (n < sizeof(line) - 1 && (n == 0 || line[n - 1] != '\n')) {
		int32_t k = hv_console_read(line + n, 1);
		if (k < 0 || guest_time_ns() > until)
			test_error("no peer id on the console (%d)", k);
		if (k == 0)
			hv_yield();
		n += (uint32_t)k;
	}
	line[n] = '\0';
	uint32_t id = 0;
	if (line[0] != 'p' || line[4] != ' ')
		test_error("peer line '%s'", line);
	for (const char *c = line + 5; *c >= '0' && *c <= '9'; c++)
		id = id * 10 + (uint32_t)(*c - '0');
	gprintf("peer: domain %u\n", id);
	return id;
}

void guest_main(void)
{
	const char *n = start_info->name;
	traps_init();
	if (!strcmp(n, "granter"))
		pair_granter();
	else if (!strcmp(n, "mapper"))
		pair_mapper();
	else if (!strcmp(n, "hostile"))
		hostile_main();
	else if (!strcmp(n, "accomplice"))
		accomplice_main();
	else if (!strcmp(n, "judge"))
		judge_main();
	else if (!strcmp(n, "front") || !strcmp(n, "liar") || !strcmp(n, "waiter") ||
		 !strcmp(n, "back") || !strcmp(n, "mute"))
		ring_main(n);
	else
		test_error("no role for a domain named '%s'", n);
}
