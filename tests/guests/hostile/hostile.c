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
 *   fpu_ptr_victim / fpu_ptr_spy
 *                 nor where the victim's last x87 instruction was, what it
 *                 read and its opcode (FIP, FDP, FOP: AMD CPUs before Zen 2
 *                 keep them across FXRSTOR, CVE-2006-1056)
 *   evtchn_survivor / evtchn_dier
 *                 a port whose peer died must be dead too (-ENOENT)
 *   console_hog   64 x 4 KiB of console output in one multicall must not
 *                 keep the CPU from the others
 *   console_newlines
 *                 writes of 256 newlines, each of which the hypervisor
 *                 turns into a whole "[name] " tag and CR LF (9 KiB on the
 *                 line with a 31-character name): each call must stop early,
 *                 having made the hypervisor emit a bounded number of bytes,
 *                 and still consume at least one byte (the guest loops on
 *                 the count); alone and in a multicall
 *   console_forge terminal controls that would clear the screen, move to
 *                 another line or retitle the terminal, and a carriage
 *                 return followed by another domain's tag: shown as '?' or
 *                 re-tagged, while in-line editing controls pass; the
 *                 holes an outside review found: backspaces and ESC[nD
 *                 back over the tag, spaces up to the terminal's own wrap,
 *                 conceal left on, erase of the tag, a status query that
 *                 makes the terminal type
 *   balloon_storm memory_op reservations of 64 MiB out and in, for ever
 *   pin_table_storm
 *                 pin and unpin a PDPT over three directories of 512 full
 *                 L1s each, for ever: one pin validates 786,432 entries
 *                 (and one unpin releases them), which must not keep the
 *                 CPU from the others (sched_fair, fair=hostile)
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

/*
 * The x87 remembers its last instruction's address (FIP), the address of its
 * memory operand (FDP) and its opcode (FOP). The victim keeps running one
 * `fldl` of fpu_ptr_secret, at x87_secret_fldl; the spy is the same ELF at
 * the same addresses, so it knows both without being told. The spy's first
 * FPU instruction after each switch is a state store (FXSAVE, then FNSTENV,
 * neither of which changes the pointers): the #NM it raises makes the
 * hypervisor swap the victim's state out and the spy's in, and what the
 * store shows must never be the victim's pointers.
 */
static volatile double fpu_ptr_secret __attribute__((used)) = 2.5;

/* FNSTENV's 28-byte image in 32-bit protected mode. */
struct x87_env {
	uint32_t fcw, fsw, ftw, fip;
	uint16_t fcs, fop;      /* fop: bits 0-10 */
	uint32_t fdp, fds;
};

extern const uint8_t x87_secret_fldl[];
void x87_load_secret(void);
__asm__(".text\n"
	"x87_load_secret:\n"
	"  fninit\n"            /* an empty stack, so the load never overflows */
	"x87_secret_fldl:\n"
	"  fldl fpu_ptr_secret\n"
	"  ret\n");

static void x87_fxsave(uint8_t *img)
{
	__asm__ volatile("fxsave (%0)" : : "r"(img) : "memory");
}

static void x87_fnstenv(struct x87_env *e)
{
	__asm__ volatile("fnstenv (%0)" : : "r"(e) : "memory");
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t exceptions_so_far(void)
{
	static struct rv_domain_stats st;
	if (hypercall(RV_HC_domain_stats, (uint32_t)&st, sizeof(st), 0, 0, 0))
		test_error("domain_stats failed");
	return st.exceptions;
}

#define FPU_PTR_ROUNDS 100

static void fpu_ptr_victim(void)
{
	struct x87_env e;
	x87_load_secret();
	x87_fnstenv(&e);
	gprintf("victim: fldl at %#x of %#x; the FPU records FIP %#x FDP %#x FOP %#x\n",
		(uint32_t)x87_secret_fldl, (uint32_t)&fpu_ptr_secret, e.fip, e.fdp, e.fop & 0x7ffu);
	/* Longer than the spy's rounds, so that each of them follows a load. */
	for (unsigned i = 0; i < 4 * FPU_PTR_ROUNDS; i++) {
		x87_load_secret();
		hv_yield();
	}
	test_check(true, "victim ran its fldl %u times between the spy's rounds",
		   4 * FPU_PTR_ROUNDS);
}

/* What the spy found: how many rounds showed any of the victim's pointers,
 * and the first such values. */
struct fpu_ptr_seen {
	const char *how;
	unsigned leaks;
	uint32_t fip, fdp, fop;
};

static void fpu_ptr_look(struct fpu_ptr_seen *s, uint32_t fip, uint32_t fdp, uint32_t fop)
{
	uint32_t vfop = (x87_secret_fldl[0] & 7u) << 8 | x87_secret_fldl[1];
	fop &= 0x7ffu;
	if (fip != (uint32_t)x87_secret_fldl && fdp != (uint32_t)&fpu_ptr_secret && fop != vfop)
		return;
	if (!s->leaks++) {
		s->fip = fip;
		s->fdp = fdp;
		s->fop = fop;
	}
}

static void fpu_ptr_verdict(const struct fpu_ptr_seen *s)
{
	if (s->leaks)
		test_check(false, "%s showed the victim's fldl (at %#x of %#x) in %u of %u rounds, "
			   "first FIP %#x FDP %#x FOP %#x", s->how, (uint32_t)x87_secret_fldl,
			   (uint32_t)&fpu_ptr_secret, s->leaks, FPU_PTR_ROUNDS, s->fip, s->fdp,
			   s->fop);
	else
		test_check(true, "%s never showed the victim's fldl (at %#x of %#x) in %u rounds",
			   s->how, (uint32_t)x87_secret_fldl, (uint32_t)&fpu_ptr_secret,
			   FPU_PTR_ROUNDS);
}

static void fpu_ptr_spy(void)
{
	static uint8_t img[512] __attribute__((aligned(16)));
	struct x87_env e;
	struct fpu_ptr_seen fx = { .how = "FXSAVE" }, env = { .how = "FNSTENV" };
	unsigned restores = 0;

	for (unsigned round = 0; round < FPU_PTR_ROUNDS; round++) {
		hv_yield();                     /* the victim loads its pointers */
		memset(img, 0, sizeof(img));
		uint64_t before = exceptions_so_far();
		x87_fxsave(img);                /* #NM: the lazy switch happens here */
		x87_fnstenv(&e);
		restores += exceptions_so_far() > before;
		/* FXSAVE: FOP in bytes 6-7, FIP in 8-11, FDP in 16-19. */
		uint32_t fip = get32(img + 8), fdp = get32(img + 16), fop = img[6] | img[7] << 8;
		fpu_ptr_look(&fx, fip, fdp, fop);
		fpu_ptr_look(&env, e.fip, e.fdp, e.fop);
		if (round == 0)
			gprintf("spy: first round: FXSAVE FIP %#x FDP %#x FOP %#x, FNSTENV FIP %#x "
				"FDP %#x FOP %#x\n", fip, fdp, fop & 0x7ffu, e.fip, e.fdp,
				e.fop & 0x7ffu);
	}
	test_check(restores >= FPU_PTR_ROUNDS / 2,
		   "the FPU came back from the victim (an #NM) in %u of %u rounds", restores,
		   FPU_PTR_ROUNDS);
	fpu_ptr_verdict(&fx);
	fpu_ptr_verdict(&env);
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

/*
 * Ballooning as a weapon (issue 11, finding 3): give back and take again
 * every free page of a 64 MiB domain, over and over. Each call used to run
 * to the end with interrupts off (435 ms for 128 MiB); now it is continued
 * after a time slice, and sched_fair (fair=hostile) checks that a spinner
 * beside it gets its share.
 */
static void balloon_storm(void)
{
	static uint32_t pfns[16384], mfns[16384];
	uint32_t n = 0;
	uint32_t avail = start_info->nr_pages - start_info->first_free_pfn;
	while (n < 16384 && n + 64 < avail) {
		uint32_t pfn = take_free_pfn();
		if (mm_map((uint32_t)pfn_to_virt(pfn), 0))
			test_error("could not unmap pfn %u", pfn);
		pfns[n++] = pfn;
	}
	struct rv_memory_reservation r = { (uint32_t)pfns, n, (uint32_t)mfns, 0 };
	gprintf("ballooning %u pages out and in, for ever\n", n);
	for (uint32_t round = 0;; round++) {
		int32_t out = hv_memory_op(RV_MEMOP_decrease_reservation, &r);
		int32_t in = hv_memory_op(RV_MEMOP_increase_reservation, &r);
		if (out != (int32_t)n || in != (int32_t)n)
			test_error("round %u: gave back %d, got %d of %u", round, out, in, n);
	}
}

/* What the hypervisor may emit for one console_io write, at most: it
 * stops at the first line end after 1 KiB, at 2 KiB in any case
 * (docs/ARCHITECTURE.md, "The console"); 256 newlines used to make up to
 * 9 KiB. */
#define EMIT_BOUND      2048
#define NL_ROUNDS       4
#define NL_BATCH        16

static char newlines[256];

/* Checks one call's result for a write of `asked` newlines. */
static bool newlines_ok(int32_t r, uint32_t asked, uint32_t per_line, const char *how)
{
	bool ok = r >= 1 && (uint32_t)r <= asked && (uint32_t)r * per_line <= EMIT_BOUND;
	if (!ok)
		test_check(false, "%s of %u newlines consumed %d (each newline emits %u bytes, "
			   "at most %u bytes per call)", how, asked, r, per_line, EMIT_BOUND);
	return ok;
}

static void console_newlines(void)
{
	static struct rv_multicall_entry m[NL_BATCH];
	/* "[name] " and CR LF for each newline */
	uint32_t per_line = (uint32_t)strlen(start_info->name) + 3 + 2;
	uint32_t calls = 0, full_asks = 0, stopped_early = 0, min_first = 256, max_first = 0;
	bool ok = true;

	memset(newlines, '\n', sizeof(newlines));
	for (unsigned round = 0; round < NL_ROUNDS && ok; round++) {
		for (uint32_t done = 0; done < sizeof(newlines) && ok; ) {
			uint32_t asked = sizeof(newlines) - done;
			int32_t r = hv_console_write(newlines + done, asked);
			calls++;
			ok = newlines_ok(r, asked, per_line, "a write");
			if (!ok)
				break;
			if (asked == sizeof(newlines)) {
				full_asks++;
				stopped_early += r < (int32_t)asked;
				if ((uint32_t)r < min_first)
					min_first = (uint32_t)r;
				if ((uint32_t)r > max_first)
					max_first = (uint32_t)r;
			}
			done += (uint32_t)r;
		}
	}
	if (ok)
		test_check(stopped_early == full_asks,
			   "%u of %u writes of 256 newlines stopped early (took %u to %u); "
			   "%u calls wrote %u x 256 newlines", stopped_early, full_asks,
			   min_first, max_first, calls, NL_ROUNDS);

	for (unsigned i = 0; i < NL_BATCH; i++)
		m[i] = (struct rv_multicall_entry){ .op = RV_HC_console_io,
			.args = { RV_CONSOLEIO_write, sizeof(newlines), (uint32_t)newlines } };
	int32_t r = hv_multicall(m, NL_BATCH);
	bool all = r == 0;
	uint32_t sum = 0;
	for (unsigned i = 0; i < NL_BATCH && all; i++) {
		all = newlines_ok(m[i].result, sizeof(newlines), per_line, "a multicall entry") &&
		      m[i].result < (int32_t)sizeof(newlines);
		sum += (uint32_t)m[i].result;
	}
	test_check(all, "a multicall of %u writes of 256 newlines (%d): each stopped early, "
		   "having consumed at least one (%u in all)", NL_BATCH, r, sum);
}

/*
 * A single table operation must be preemptible too (review finding 6): one
 * pin of a PDPT validates every entry below it, recursively, and its unpin
 * releases them all. Three directories of 512 L1s, each L1 full of
 * read-only mappings of one data frame; slot 3 is our own switch directory
 * (already an L2 high, so it costs nothing). sched_fair (fair=hostile)
 * checks how long we hold the CPU at a time.
 */
static void pin_table_storm(void)
{
	uint32_t data = pfn_to_mfn(take_free_pfn());
	uint32_t l3_pfn = take_free_pfn();
	uint64_t *l3 = pfn_to_virt(l3_pfn);
	const volatile uint64_t *base = mfn_to_virt(mm_base_mfn());

	memset(l3, 0, PAGE_SIZE);
	for (unsigned d = 0; d < 3; d++) {
		uint32_t l2_pfn = take_free_pfn();
		uint64_t *l2 = pfn_to_virt(l2_pfn);
		memset(l2, 0, PAGE_SIZE);
		for (unsigned n = 0; n < 512; n++) {
			uint32_t pfn = take_free_pfn();
			uint64_t *l1 = pfn_to_virt(pfn);
			for (unsigned i = 0; i < 512; i++)
				l1[i] = pte_make(data, PG_P);
			if (mm_make_ro(pfn))
				test_error("could not make an L1 read-only");
			l2[n] = pte_make(pfn_to_mfn(pfn), PG_P | PG_RW | PG_US);
		}
		if (mm_make_ro(l2_pfn))
			test_error("could not make a directory read-only");
		l3[d] = pte_make(pfn_to_mfn(l2_pfn), PG_P);
	}
	l3[3] = pte_make(pte_mfn(base[3]), PG_P);
	if (mm_make_ro(l3_pfn))
		test_error("could not make the PDPT read-only");
	uint32_t l3_mfn = pfn_to_mfn(l3_pfn);
	gprintf("pinning and unpinning a PDPT over %u entries, for ever\n", 3 * 512 * 512);
	for (uint32_t round = 0;; round++) {
		int p = mm_pin(3, l3_mfn);
		int u = mm_unpin(l3_mfn);
		if (p || u)
			test_error("round %u: pin %d, unpin %d", round, p, u);
		if (round == 0 || round % 4 == 3)
			gprintf("%u pins and unpins\n", round + 1);
	}
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
		{ "fpu_ptr_victim", fpu_ptr_victim }, { "fpu_ptr_spy", fpu_ptr_spy },
		{ "evtchn_survivor", evtchn_survivor }, { "evtchn_dier", evtchn_dier },
		{ "console_hog", console_hog }, { "console_forge", console_forge },
		{ "balloon_storm", balloon_storm }, { "console_newlines", console_newlines },
		{ "pin_table_storm", pin_table_storm },
	};
	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(start_info->cmdline, scenarios[i].name)) {
			scenarios[i].fn();
			return;
		}
	test_error("unknown scenario '%s'", start_info->cmdline);
}
