/*
 * A domain to save and restore, created by restore_hostile (its Domain 0)
 * from its initrd. It counts in memory beside a 64-page pattern, yielding,
 * and suspends itself when Domain 0 asks (guest_poll_suspend). Let go in
 * place (its suspend returns 0), it counts on. Restored (1), it checks that
 * its count went on from where it stopped, that the pattern is intact, that
 * its page tables and its p2m name the same new frames (a PTE not present
 * but naming one of its frames too), that it came back
 * with IOPL 0 (an in instruction still faults, into the #GP handler its
 * restored trap table names) and that the one-shot timer it set before
 * suspending fires; then it prints "restored: checks done" and waits for
 * Domain 0's 'q' on its console before it reports.
 *
 * With cmdline "patient" it waits 400 s instead of 60 for Domain 0 to ask
 * (the migrate test boots two machines first).
 * With cmdline "si-table" or "si-gone" it is a hostile domain instead: it
 * makes its start-info page a pinned page table, or gives it back to the
 * hypervisor, and waits while Domain 0 asks it to suspend (which writes
 * start_info.control_request): that request must be refused, and the table
 * must not change under it.
 */
#include "guest.h"

#define PATTERN_PAGES   64
#define TIMER_NS        400000000ull    /* the one-shot timer set before suspending */

static uint32_t pattern[PATTERN_PAGES * 1024] __attribute__((aligned(4096)));
static volatile uint64_t count;
static volatile unsigned gp_seen;

static uint32_t word(uint32_t i)
{
	return (i * 2654435761u) ^ 0x5a5a1234u;
}

static void on_gp(struct guest_frame *f)
{
	gp_seen++;
	f->eip += 2;            /* inb $0x80, %al */
}

static bool pattern_intact(void)
{
	for (uint32_t i = 0; i < PATTERN_PAGES * 1024; i++)
		if (pattern[i] != word(i))
			return false;
	return true;
}

/* Every pattern page's PTE names the frame the p2m gives for its pfn. */
static bool tables_agree(void)
{
	for (uint32_t p = 0; p < PATTERN_PAGES; p++) {
		const void *va = &pattern[p * 1024];
		uint32_t mfn = virt_to_mfn(va);
		if (!mfn || mfn == MM_NONE || pte_mfn(l1e_of((uint32_t)va)) != mfn)
			return false;
	}
	return true;
}

/* Every page mapped from virt_base up to the end of its tables' reach is
 * one of its own (in its p2m) or its shared-info page. */
static bool maps_only_its_own(void)
{
	uint32_t shared_mfn = pte_mfn(l1e_of((uint32_t)shared_info));
	uint32_t end = start_info->virt_base + (start_info->nr_pages + 2) * PAGE_SIZE;
	for (uint32_t va = start_info->virt_base; va < end; va += PAGE_SIZE) {
		uint64_t e = l1e_of(va);
		if ((e & PG_P) && pte_mfn(e) != shared_mfn && pfn_of_mfn(pte_mfn(e)) == MM_NONE)
			return false;
	}
	return true;
}

static unsigned iopl(void)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0" : "=r"(fl));
	return (fl >> 12) & 3;
}

/* A key from Domain 0, within ms milliseconds (yielding meanwhile). */
static bool wait_key(char want, uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	char c;
	while (guest_time_ns() < until) {
		if (hv_console_read(&c, 1) == 1 && c == want)
			return true;
		hv_yield();
	}
	return false;
}

static bool port_pending(uint32_t port)
{
	return shared_info->evtchn_pending[port / 32] & (1u << (port % 32));
}

/*
 * A PTE that is not present but names a frame of its own (the rule for
 * such entries: their address is its own or zero), above the shared-info
 * page: a save must turn it into a pfn like any other, a restore back into
 * the new frame.
 */
static uint32_t absent_va(void)
{
	return start_info->virt_base + (start_info->nr_pages + 1) * PAGE_SIZE;
}

static uint64_t absent_pte(void)
{
	return pte_make(virt_to_mfn(&pattern[5 * 1024]), PG_RW | PG_US);
}

static void check_restored(uint64_t at, uint32_t old_id, uint64_t timer_at)
{
	test_check(count == at, "restored: the count goes on from %llu (%llu)",
		   (unsigned long long)at, (unsigned long long)count);
	test_check(start_info->domid != old_id && start_info->control_request == RV_CONTROL_none,
		   "restored: a new domain (%u, was %u), no request pending", start_info->domid, old_id);
	test_check(pattern_intact(), "restored: the %u-page pattern is intact", PATTERN_PAGES);
	test_check(tables_agree(), "restored: page tables and p2m name the same new frames");
	test_check(maps_only_its_own(), "restored: every page it maps is its own or shared info");
	test_check(l1e_of(absent_va()) == absent_pte(),
		   "restored: the absent PTE names the new frame (%#llx, want %#llx)",
		   (unsigned long long)l1e_of(absent_va()), (unsigned long long)absent_pte());
	test_check(iopl() == 0, "restored: IOPL %u", iopl());
	gp_seen = 0;
	__asm__ volatile("inb $0x80, %%al" : : : "eax");
	test_check(gp_seen == 1, "restored: in from a port faults (#GP seen %u times)", gp_seen);
	uint64_t until = guest_time_ns() + 5000000000ull;
	while (!port_pending(start_info->timer_port) && guest_time_ns() < until)
		hv_yield();
	test_check(port_pending(start_info->timer_port),
		   "restored: its one-shot timer fired (%lld ms after its deadline)",
		   (long long)(guest_time_ns() - timer_at) / 1000000);
	for (int i = 0; i < 100; i++) {
		count++;
		hv_yield();
	}
	test_check(count == at + 100, "restored: it counts on (%llu)", (unsigned long long)count);
}

static void counter(void)
{
	uint32_t start_id = start_info->domid;
	/* "patient": a migration test's, which waits for two machines to boot. */
	uint64_t give_up = guest_time_ns() +
			   (strcmp(start_info->cmdline, "patient") ? 60 : 400) * 1000000000ull;

	for (uint32_t i = 0; i < PATTERN_PAGES * 1024; i++)
		pattern[i] = word(i);
	if (guest_set_trap(13, on_gp, 1, false))
		test_error("cannot install a #GP handler");
	if (mm_map(absent_va(), absent_pte()))
		test_error("cannot write an absent PTE at %#x", absent_va());
	gprintf("counting (domain %u)\n", start_id);
	for (;;) {
		count++;
		if (guest_suspend_asked()) {
			uint64_t at = count, timer_at = guest_time_ns() + TIMER_NS;
			uint32_t id = start_info->domid;
			hv_set_timer(timer_at);
			gprintf("suspending at count %llu\n", (unsigned long long)at);
			int rc = guest_suspend();
			if (rc == 1) {
				check_restored(at, id, timer_at);
				gprintf("restored: checks done\n");
				test_check(wait_key('q', 30000), "Domain 0 let it finish");
				return;
			}
			test_check(rc == 0 && count == at && pattern_intact(),
				   "let go in place: suspend returned %d, count %llu", rc,
				   (unsigned long long)count);
		}
		if (guest_time_ns() > give_up)
			test_error("nobody asked it to suspend in 60 s");
		hv_yield();
	}
}

/* Its start-info page as a pinned L1, empty but for entry 140 (where
 * control_port and control_request are, which Domain 0's suspend writes):
 * a frame of its own, read-only. The library reads a copy from then on. */
static void si_table(void)
{
	static struct rv_start_info copy;
	struct rv_start_info *si = start_info;
	uint32_t si_pfn = virt_to_pfn(si), si_mfn = pfn_to_mfn(si_pfn);
	volatile uint64_t *e = (volatile uint64_t *)&si->control_port;
	uint64_t want = pte_make(virt_to_mfn(pattern), PG_P);

	test_check((uint32_t)((uintptr_t)e & 4095) / 8 == 140, "control_port is in entry 140");
	copy = *si;
	start_info = &copy;
	memset(si, 0, PAGE_SIZE);
	*e = want;
	int rc = mm_make_ro(si_pfn);
	int pin = rc ? rc : mm_pin(1, si_mfn);
	test_check(!rc && !pin, "its start-info page is a pinned L1 (%d, %d)", rc, pin);
	gprintf("start-info page pinned as a page table\n");
	test_check(wait_key('q', 30000), "Domain 0 let it finish");
	test_check(*e == want, "entry 140 of the table is still %#llx (%#llx)",
		   (unsigned long long)want, (unsigned long long)*e);
	if (*e == want)         /* a changed entry is not released: it names no frame of ours */
		test_check(!mm_unpin(si_mfn) && !mm_make_rw(si_pfn), "unpinned, writable again");
}

/* Its start-info page given back (the library reads a copy from then on). */
static void si_gone(void)
{
	static struct rv_start_info copy;
	uint32_t si_pfn = virt_to_pfn(start_info);

	copy = *start_info;
	int unmap = mm_map((uint32_t)start_info, 0);
	start_info = &copy;
	struct rv_memory_reservation r = { (uint32_t)&si_pfn, 1, 0, 0 };
	int32_t out = unmap ? unmap : hv_memory_op(RV_MEMOP_decrease_reservation, &r);
	test_check(out == 1, "its start-info page (pfn %#x) given back (%d)", si_pfn, out);
	gprintf("start-info page given back\n");
	test_check(wait_key('q', 30000), "Domain 0 let it finish");
}

void guest_main(void)
{
	if (!strcmp(start_info->cmdline, "si-table"))
		si_table();
	else if (!strcmp(start_info->cmdline, "si-gone"))
		si_gone();
	else
		counter();
}
