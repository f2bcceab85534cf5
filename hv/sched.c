/*
 * Scheduling and context switches (see sched.h).
 *
 * Contexts: a trap from a guest runs on the private trap stack and may end
 * in another guest by rewriting the frame it returns with. The idle context
 * runs on its own stack; leaving it for a guest abandons that stack (idle
 * keeps no state), so the scheduler only switches from ring 0 when the
 * interrupted code is the idle loop. A test kernel's test_main() runs on the
 * boot stack and enters idle through sched_run_until(), which comes back by
 * longjmp when its deadline passes.
 */
#include "sched.h"
#include "ioports.h"
#include "cmdline.h"
#include "console.h"
#include "domain.h"
#include "errno.h"
#include "panic.h"
#include "printk.h"
#include "runq.h"
#include "mode.h"
#include "hv.h"
#include "vtimer.h"
#include "setjmp.h"
#include "string.h"
#include "switch.h"
#include "time.h"
#include "x86.h"

bool need_resched;
uint64_t sched_slice_ns = SCHED_SLICE_MS_DEFAULT * 1000000ull;
bool sched_exit_when_empty;

static bool idle_running;
static uint8_t idle_stack[8192] __aligned(16);
static struct jmp_buf run_cont;
static bool run_armed;
static uint64_t run_deadline;
static bool domains_ever_ran;

static int set_slice(const char *v)
{
	uint32_t ms;
	if (parse_uint(v, &ms) || ms < 1 || ms > 1000)
		return -EINVAL;
	sched_slice_ns = ms * 1000000ull;
	return 0;
}
CMDLINE_OPTION(sched_slice_ms, "sched_slice_ms", set_slice, "1 to 1000",
	       "scheduler time slice in ms (default 10)");

static int set_on_empty(const char *v)
{
	if (v && !strcmp(v, "exit"))
		sched_exit_when_empty = true;
	else if (v && !strcmp(v, "idle"))
		sched_exit_when_empty = false;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_OPTION(on_empty, "on_empty", set_on_empty, "exit or idle",
	       "what to do when the last domain has stopped (default idle)");

/* Charge the time since d was scheduled in. */
static void account(struct domain *d, uint64_t now)
{
	uint64_t ran = now - d->slice_start_ns;
	d->runtime_ns += ran;
	if (ran > d->stats.longest_run_ns)
		d->stats.longest_run_ns = ran;  /* what "no guest holds the CPU past its slice" is about */
	d->vruntime += ran * SCHED_WEIGHT_DEFAULT / d->weight;
	d->slice_start_ns = now;
}

/*
 * The run queue holds every runnable domain except the running one, keyed
 * by virtual run time (a heap: O(log n) with thousands of domains).
 */
static struct runq_node *rq_storage[MAX_DOMAINS];
static struct runq rq = { rq_storage, 0, MAX_DOMAINS };
static unsigned alive;                  /* runnable or blocked */

static struct domain *rq_top(void)
{
	struct runq_node *n = runq_peek(&rq);
	return n ? container_of(n, struct domain, rq_node) : NULL;
}

static void enqueue(struct domain *d)
{
	if (!runq_queued(&d->rq_node))
		runq_insert(&rq, &d->rq_node, d->vruntime);
}

static void dequeue(struct domain *d)
{
	runq_remove(&rq, &d->rq_node);
}

/* The domain that yielded last passes its turn if anyone else can run. */
static struct domain *yielded;

/* Who runs next, given that prev (may be NULL) would like to go on. */
static struct domain *pick(struct domain *prev)
{
	struct domain *top = rq_top();
	bool prev_ok = prev && prev->state == DOM_RUNNABLE && !prev->pause_count;

	if (prev_ok && prev == yielded && top)
		return top;
	if (prev_ok && (!top || prev->vruntime <= top->vruntime))
		return prev;
	return top;
}

void sched_yield(struct domain *d)
{
	yielded = d;
	need_resched = true;
}

static uint64_t min_vruntime(void)
{
	struct domain *top = rq_top();
	uint64_t m = top ? top->vruntime : UINT64_MAX;
	if (current && current->state == DOM_RUNNABLE && current->vruntime < m)
		m = current->vruntime;
	return m == UINT64_MAX ? 0 : m;
}

unsigned domain_count_alive(void)
{
	return alive;
}

void sched_stopped(struct domain *d)
{
	dequeue(d);
	alive--;
}

/* No credit for sleeping (blocked or paused): a domain that was away for
 * long must not then monopolise the CPU. At most one slice of advantage. */
static void no_credit(struct domain *d)
{
	uint64_t floor = min_vruntime();
	floor = floor > sched_slice_ns ? floor - sched_slice_ns : 0;
	if (d->vruntime < floor)
		d->vruntime = floor;
}

void sched_wake(struct domain *d)
{
	if (d->state != DOM_BLOCKED && d->state != DOM_RUNNABLE)
		return;
	if (d->state == DOM_BLOCKED)
		no_credit(d);
	d->state = DOM_RUNNABLE;
	if (d != current && !d->pause_count)
		enqueue(d);
	domains_ever_ran = true;
	need_resched = true;
}

void sched_start(struct domain *d)
{
	d->vruntime = min_vruntime();   /* join level with the others */
	d->state = DOM_RUNNABLE;
	runq_node_init(&d->rq_node);
	if (!d->pause_count)
		enqueue(d);
	alive++;
	domains_ever_ran = true;
	need_resched = true;
}

void sched_pause(struct domain *d)
{
	d->pause_count++;
	dequeue(d);
	if (d == current)
		need_resched = true;
}

void sched_unpause(struct domain *d)
{
	if (!d->pause_count || --d->pause_count)
		return;
	if (d->state == DOM_RUNNABLE && d != current) {
		no_credit(d);
		enqueue(d);
		need_resched = true;
	}
}

void sched_block(struct domain *d)
{
	d->state = DOM_BLOCKED;
	dequeue(d);
	need_resched = true;
}

void sched_tick(void)
{
	uint64_t now = time_now_ns();

	vtimers_fire(now);
	if (current && now - current->slice_start_ns >= sched_slice_ns)
		need_resched = true;
	if (run_armed && now >= run_deadline)
		need_resched = true;
}

/* Leave the trap into next: prepare the CPU for it. */
static void switch_in(struct domain *next, uint64_t now)
{
	ioports_switch(next);
	current = next;
	next->slice_start_ns = now;
	next->stats.switches_in++;
	next->ops->switch_in(next);
	switch_guest_cr3 = (uint32_t)next->space.pdpt;
}

static void enter_from_idle(struct domain *next, uint64_t now);

/* The decision every scheduling point shares: prev (the current domain,
 * NULL if idle) is charged, the next chosen, prev put back in line; a prev
 * that stopped is destroyed (*prevp becomes NULL). Returns next (NULL:
 * idle). */
static struct domain *decide(struct domain **prevp, uint64_t now)
{
	struct domain *prev = *prevp, *next;

	need_resched = false;
	if (prev)
		account(prev, now);
	next = run_armed && now >= run_deadline ? NULL : pick(prev);
	yielded = NULL;
	if (next != prev) {
		if (next)
			dequeue(next);
		if (prev && prev->state == DOM_RUNNABLE && !prev->pause_count)
			enqueue(prev);  /* back in line */
	}
	if (prev && prev->state != DOM_RUNNABLE && prev->state != DOM_BLOCKED) {
		current = NULL;
		domain_destroy(prev);   /* it stopped: nothing refers to it now */
		*prevp = NULL;
	}
	return next;
}

static void schedule(struct trap_frame *f)
{
	uint64_t now = time_now_ns();
	struct domain *prev = current, *next;

	if (prev && (prev->state == DOM_RUNNABLE || prev->state == DOM_BLOCKED))
		prev->vcpu.regs = *f;
	next = decide(&prev, now);

	if (next && next == prev)
		return;                 /* keep running, frame unchanged */
	if (!next) {
		current = NULL;
		if (trap_from_guest(f) || !idle_running)
			idle_enter();
		return;                 /* back into the idle loop */
	}
	if (trap_from_guest(f) && !next->ops->run) {
		switch_in(next, now);
		*f = next->vcpu.regs;   /* the stub returns into next */
		return;
	}
	enter_from_idle(next, now);
	need_resched = true;            /* it died on the way in: look again */
}

void sched_exit_path(struct trap_frame *f)
{
	bool guest = trap_from_guest(f);

	for (;;) {
		if (need_resched && (guest || idle_running))
			schedule(f);
		if (!current || !trap_from_guest(f))
			return;
		current->ops->deliver_events(current, f);
		/* Delivery may have crashed it (unusable kernel stack): then it
		 * must not be resumed; pick someone else. */
		if (domain_alive(current)) {
			current->ops->prepare_resume(current, f);
			if (domain_alive(current))
				return;
		}
		need_resched = true;
	}
}

/* Enter next from a ring-0 context (idle), events delivered first. Returns
 * only if next died on the way (its events could not be delivered). */
static void enter_from_idle(struct domain *next, uint64_t now)
{
	switch_in(next, now);
	if (next->ops->run) {
		/* Its own loop (hw): the trap frame or idle stack we are on is
		 * abandoned; the previous domain's registers are saved already. */
		idle_running = false;
		next->ops->run(next);
	}
	next->ops->deliver_events(next, &next->vcpu.regs);
	if (domain_alive(next))
		next->ops->prepare_resume(next, &next->vcpu.regs);
	if (!domain_alive(next)) {
		current = NULL;
		domain_destroy(next);
		return;
	}
	idle_running = false;
	switch_to_guest(&next->vcpu.regs, (uint32_t)next->space.pdpt);
}

void sched_loop_exit(void)
{
	struct domain *prev = current, *next;

	if (!need_resched && domain_alive(prev) && prev->state == DOM_RUNNABLE && !prev->pause_count)
		return;
	uint64_t now = time_now_ns();
	next = decide(&prev, now);
	if (next && next == prev)
		return;
	if (next && next->ops->run) {
		switch_in(next, now);   /* another loop's domain: the loop goes on with it */
		return;
	}
	if (next) {
		enter_from_idle(next, now);
		need_resched = true;    /* it died on the way in */
	}
	idle_enter();
}

void sched_abandon_current(void)
{
	struct domain *d = current;
	current = NULL;
	if (d && !domain_alive(d))
		domain_destroy(d);
	idle_enter();
}

static void exit_when_empty(void)
{
	uint32_t worst = domains_exit_status();
	console_dump();
	memory_report_end();
	printk(LOG_NOTICE "all domains have stopped: exiting (status %#x)\n", worst);
	machine_exit(worst);
}

static void __noreturn idle_loop(void)
{
	irq_disable();
	idle_running = true;
	for (;;) {
		uint64_t now = time_now_ns();
		if (run_armed && (now >= run_deadline || domain_count_alive() == 0)) {
			run_armed = false;
			idle_running = false;
			hv_longjmp(&run_cont, 1);
		}
		if (sched_exit_when_empty && domains_ever_ran && domain_count_alive() == 0)
			exit_when_empty();
		/* Keep the console's transmitter going (its interrupt does too);
		 * a domain waiting for room in its ring may run again. */
		console_idle();
		struct domain *next = pick(NULL);
		if (next) {
			dequeue(next);
			enter_from_idle(next, now);
			continue;       /* it died on the way in */
		}
		/* sti; hlt is atomic: an interrupt between the checks above and
		 * the halt still wakes us, and we look again. */
		irq_enable_and_halt();
		irq_disable();
	}
}

void idle_enter(void)
{
	irq_disable();
	current = NULL;
	__asm__ volatile("movl %0, %%esp\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "jmp *%1"
			 : : "r"(idle_stack + sizeof(idle_stack)), "r"(idle_loop) : "memory");
	__builtin_unreachable();
}

void sched_run_until(uint64_t deadline_ns)
{
	run_deadline = deadline_ns;
	if (hv_setjmp(&run_cont) == 0) {
		run_armed = true;
		idle_enter();
	}
	run_armed = false;
}
