/*
 * Hostile guests: each scenario (chosen by the command line) is an attack
 * that once worked against the hypervisor (found in review), kept as a
 * regression test. Each must now fail safely: the attacker gets an error,
 * a fault of its own, or is crashed alone; the hypervisor never panics.
 *
 *   seg_dpl       lower the DPL of a TLS descriptor %gs still uses (RPL 3):
 *                 the return to the guest would #GP in ring 0
 *   seg_xonly     make it execute-only code while %gs uses it
 *   event_crash   have an event delivered onto an unusable stack, then keep
 *                 running: the domain must be crashed, never resumed
 *   mc_shutdown   a multicall that clears a loaded TLS slot, then shuts down
 *   fpu_victim /  the spy must not see the victim's SSE registers
 *   fpu_spy
 *   evtchn_survivor / evtchn_dier
 *                 a port whose peer died must be dead too (-ENOENT)
 *   console_hog   64 x 4 KiB of console output in one multicall must not
 *                 keep the CPU from the others
 *   console_forge terminal controls that would clear the screen, move to
 *                 another line or retitle the terminal, and a carriage
 *                 return followed by another domain's tag: shown as '?' or
 *                 re-tagged, while in-line editing controls pass; the
 *                 holes an outside review found: backspaces and ESC[nD
 *                 back over the tag, spaces up to the terminal's own wrap,
 *                 conceal left on, erase of the tag, a status query that
 *                 makes the terminal type
 */
#include "guest.h"

#define SLOT RV_GDT_FIRST_GUEST_SLOT

static uint64_t data_desc(unsigned dpl)
{
	uint64_t d = 0xffff | (0xfull << 48);   /* flat, limit 0xfffff */
	d |= (uint64_t)(0x92 | (dpl << 5)) << 40;
	d |= (uint64_t)0xc << 52;
	return d;
}

static uint32_t read_gs(void)
{
	uint32_t v;
	__asm__ volatile("movl %%gs, %0" : "=r"(v));
	return v & 0xffff;
}

static void seg_dpl(void)
{
	uint32_t sel = (SLOT << 3) | 3;
	hv_update_descriptor(SLOT, data_desc(3));
	__asm__ volatile("movl %0, %%gs" : : "r"(sel));
	int32_t r = hv_update_descriptor(SLOT, data_desc(1));
	test_check(r == 0 && read_gs() == 0, "DPL lowered under %%gs: call %d, %%gs now %#x (null)",
		   r, read_gs());
}

static void seg_xonly(void)
{
	uint32_t sel = (SLOT << 3) | 1;
	hv_update_descriptor(SLOT, data_desc(1));
	__asm__ volatile("movl %0, %%gs" : : "r"(sel));
	uint64_t xonly = (data_desc(1) & ~(0xffull << 40)) | (0xb8ull << 40);
	int32_t r = hv_update_descriptor(SLOT, xonly);
	test_check(r == 0 && read_gs() == 0, "made execute-only under %%gs: %%gs now %#x", read_gs());
}

static void spin_handler(void)
{
	for (;;)
		;
}

static void event_crash(void)
{
	hv_set_callbacks(spin_handler, 0);
	hv_set_timer(1);                        /* long past: the timer port is pending */
	volatile uint8_t *mask = &shared_info->vcpu.evtchn_upcall_mask;
	/* With esp at 8 the upcall frame cannot be pushed: crash. If the
	 * hypervisor resumed us anyway, the next hypercall would use a domain
	 * whose memory is gone. */
	__asm__ volatile("movl %%esp, %%ebp\n\t"
			 "movl $8, %%esp\n\t"
			 "movb $0, (%0)\n\t"
			 "movl %1, %%eax\n\t"
			 "int $0x82\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %3, %%ebx\n\t"
			 "int $0x82\n\t"
			 "movl %%ebp, %%esp"
			 : : "r"(mask), "i"(RV_HC_version), "i"(RV_HC_sched_op), "i"(RV_SCHEDOP_block)
			 : "eax", "ebx", "ecx", "edx", "memory");
	test_error("resumed after a failed event delivery");
}

void failsafe_spin(void);
__asm__(".text\nfailsafe_spin:\n  jmp failsafe_spin\n");

static void mc_shutdown(void)
{
	static struct rv_multicall_entry m[2];
	hv_update_descriptor(SLOT, data_desc(1));
	hv_set_callbacks(0, failsafe_spin);
	__asm__ volatile("movl %0, %%gs" : : "r"((SLOT << 3) | 1));
	gprintf("TEST RESULT: SUCCESS (shutting down from inside a multicall)\n");
	m[0] = (struct rv_multicall_entry){ .op = RV_HC_update_descriptor, .args = { SLOT, 0, 0 } };
	m[1] = (struct rv_multicall_entry){ .op = RV_HC_sched_op,
					    .args = { RV_SCHEDOP_shutdown, RV_SHUTDOWN_poweroff, 0 } };
	hv_multicall(m, 2);
	for (;;)
		hv_shutdown(RV_SHUTDOWN_crash, 1);      /* not reached */
}

static void wait_ms(uint32_t ms)
{
	uint64_t t = guest_time_ns() + ms * 1000000ull;
	while (guest_time_ns() < t)
		hv_yield();
}

static void fpu_victim(void)
{
	uint32_t s[4] = { 0x5ec7e700, 0x5ec7e701, 0x5ec7e702, 0x5ec7e703 };
	__asm__ volatile("movdqu %0, %%xmm0" : : "m"(s));
	wait_ms(600);
	test_check(true, "victim held its secret in xmm0 while the spy ran");
}

static void fpu_spy(void)
{
	uint32_t v[4];
	wait_ms(300);
	__asm__ volatile("movdqu %%xmm0, %0" : "=m"(v));
	test_check(!v[0] && !v[1] && !v[2] && !v[3],
		   "a fresh FPU state holds nothing of another domain: xmm0 = %08x %08x %08x %08x",
		   v[0], v[1], v[2], v[3]);
}

static void evtchn_survivor(void)
{
	int32_t p = hv_evtchn_op(RV_EVTCHNOP_alloc_unbound, start_info->domid + 1, 0);
	wait_ms(300);                           /* the peer binds, then dies */
	int32_t r = hv_evtchn_op(RV_EVTCHNOP_send, (uint32_t)p, 0);
	test_check(r == -RV_ENOENT, "send on a port whose peer died: %d (expected %d)", r, -RV_ENOENT);
}

static void evtchn_dier(void)
{
	wait_ms(100);
	test_check(hv_evtchn_op(RV_EVTCHNOP_bind_interdomain, start_info->domid - 1, 8) >= 8,
		   "bound to the survivor's port");
}

static char junk[RV_CONSOLEIO_MAX];

static void console_hog(void)
{
	static struct rv_multicall_entry m[RV_MULTICALL_MAX];
	memset(junk, 'x', sizeof(junk));
	for (unsigned i = 0; i < RV_MULTICALL_MAX; i++)
		m[i] = (struct rv_multicall_entry){ .op = RV_HC_console_io,
			.args = { RV_CONSOLEIO_write, sizeof(junk), (uint32_t)junk } };
	int32_t r = hv_multicall(m, RV_MULTICALL_MAX);
	bool all = true;
	for (unsigned i = 0; i < RV_MULTICALL_MAX; i++)
		all &= m[i].result > 0 && m[i].result <= (int32_t)sizeof(junk);
	gprintf("\n");
	test_check(r == 0 && all, "the long multicall completed (%d), every write wrote something", r);
}

static void say(const char *s)
{
	hv_console_write(s, (uint32_t)strlen(s));
}

static void console_forge(void)
{
	say("A\x1b[2JB\x1b[1;1HC\x1b]0;title\x07" "D\n");        /* clear, home, OSC title, bell */
	say("E\x1b[AF\x1b[3BG\n");                             /* cursor up, down */
	say("H\x1b[5CI\x1b[KJ\x1b[2DK\n");                     /* right, erase, left: in-line */
	say("junk\r[other] forged\n");                         /* a forged tag after a CR */
	say("L\x1b");                                          /* a CSI split across writes */
	say("[31mred\x1b[0mM\n");
	say("N\x1b[1111111111111111111111mO\n");               /* longer than any real one */
	say("bs\b\b\b\b\b\b\b\b\b\b\b\b(rv) forged1\n");  /* back over the tag */
	say("ab\x1b[40D(rv) forged2\n");                      /* left over the tag */
	say("                                        "         /* 74 spaces: the terminal's */
	    "                                  (rv) forged3\n"); /* wrap would start a row */
	say("\x1b[8mhidden\n");                               /* conceal, never reset */
	say("q\x1b[6nr\n");                                   /* the terminal would answer */
	say("s\x1b[1Kt\x1b[2Ku\n");                           /* erase the tag */
	test_check(true, "the console took every write");
}

void guest_main(void)
{
	static const struct { const char *name; void (*fn)(void); } scenarios[] = {
		{ "seg_dpl", seg_dpl }, { "seg_xonly", seg_xonly }, { "event_crash", event_crash },
		{ "mc_shutdown", mc_shutdown }, { "fpu_victim", fpu_victim }, { "fpu_spy", fpu_spy },
		{ "evtchn_survivor", evtchn_survivor }, { "evtchn_dier", evtchn_dier },
		{ "console_hog", console_hog }, { "console_forge", console_forge },
	};
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(start_info->cmdline, scenarios[i].name)) {
			scenarios[i].fn();
			return;
		}
	test_error("unknown scenario '%s'", start_info->cmdline);
}
