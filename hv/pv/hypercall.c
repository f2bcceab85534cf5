/*
 * Hypercalls: the one dispatch table (numbers in include/public/hypercall.h,
 * prose in docs/abi.md). Each handler takes the calling domain and the five
 * argument registers and returns the value for eax. A bad argument is an
 * error returned to the guest, never a hypervisor fault.
 */
#include "pv.h"
#include "exit.h"
#include "console.h"
#include "dispatch.h"
#include "domain.h"
#include "errno.h"
#include "sched.h"
#include "string.h"
#include "switch.h"
#include "time.h"

typedef int32_t (*hypercall_fn)(struct domain *d, uint32_t a1, uint32_t a2, uint32_t a3,
				uint32_t a4, uint32_t a5);

static int32_t hc_console_io(struct domain *d, uint32_t cmd, uint32_t count, uint32_t buf,
			     uint32_t a4, uint32_t a5)
{
	char chunk[256];

	if (count > RV_CONSOLEIO_MAX)
		return -E2BIG;
	switch (cmd) {
	case RV_CONSOLEIO_write: {
		/* The whole buffer is checked first. The bytes go to the output
		 * ring, which the UART drains by interrupt; what one call may make
		 * the hypervisor emit is bounded (console.h): a newline becomes a
		 * whole "[name] " tag and CR LF, so 256 guest bytes can be 9 KiB
		 * on the line, 0.8 s at 115200 baud. The guest calls again for the
		 * rest. With the ring too full to start, it waits for the line. */
		if (guest_check_range(d, buf, count, false))
			return -EFAULT;
		console_domain_unwait(d);
		if (!count)
			return 0;
		if (!console_domain_may_write(d)) {
			console_domain_wait(d);
			return hc_continue(d, 0);       /* blocked: the same write when woken */
		}
		uint32_t start = console_emitted(), done = 0;
		while (done < count) {
			uint32_t n = MIN(count - done, (uint32_t)sizeof(chunk));
			copy_from_guest(d, chunk, buf + done, n);
			uint32_t took = (uint32_t)console_domain_write_some(d, chunk, n, start);
			done += took;
			if (took < n)
				break;
		}
		d->stats.console_bytes += console_emitted() - start;
		return (int32_t)done;
	}
	case RV_CONSOLEIO_read: {
		uint32_t n = (uint32_t)console_domain_read(d, chunk, MIN(count, (uint32_t)sizeof(chunk)));
		if (n && copy_to_guest(d, buf, chunk, n)) {
			console_domain_unread(d, chunk, n);
			return -EFAULT;
		}
		return (int32_t)n;
	}
	default:
		return -ENOSYS;
	}
}

static int32_t hc_set_trap_table(struct domain *d, uint32_t table, uint32_t count,
				 uint32_t a3, uint32_t a4, uint32_t a5)
{
	struct rv_trap_info t[RV_TRAP_TABLE_MAX];   /* 2 KiB of the 16 KiB trap stack */

	if (count > RV_TRAP_TABLE_MAX)
		return -E2BIG;
	if (copy_from_guest(d, t, table, count * sizeof(t[0])))
		return -EFAULT;
	return pv_set_trap_table(d, t, count);
}

static int32_t hc_stack_switch(struct domain *d, uint32_t ss, uint32_t esp, uint32_t a3,
			       uint32_t a4, uint32_t a5)
{
	if (ss != RV_GUEST_KERNEL_DS)
		return -EPERM;          /* only the ring-1 data segment */
	if (esp > RV_GUEST_VIRT_END)
		return -EFAULT;
	d->pv->vcpu.kernel_ss = ss;
	d->pv->vcpu.kernel_esp = esp;
	if (d == current)
		tss_set_ring1_stack(ss, esp);
	return 0;
}

static int32_t hc_set_callbacks(struct domain *d, uint32_t event, uint32_t failsafe,
				uint32_t a3, uint32_t a4, uint32_t a5)
{
	if (event >= RV_GUEST_VIRT_END || failsafe >= RV_GUEST_VIRT_END)
		return -EFAULT;
	d->pv->vcpu.event_eip = event;
	d->pv->vcpu.failsafe_eip = failsafe;
	return 0;
}

static int32_t hc_set_timer(struct domain *d, uint32_t lo, uint32_t hi, uint32_t a3,
			    uint32_t a4, uint32_t a5)
{
	return pv_set_timer(d, ((uint64_t)hi << 32) | lo);
}

static int32_t hc_sched_op(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2,
			   uint32_t a4, uint32_t a5)
{
	switch (cmd) {
	case RV_SCHEDOP_yield:
		sched_yield(d);
		return 0;
	case RV_SCHEDOP_block:
		/* Blocking enables events, so that the wake-up can be delivered;
		 * with one already pending it returns at once. */
		d->shared->vcpu.evtchn_upcall_mask = 0;
		console_domain_unwait(d);       /* only an event wakes it now */
		if (!d->shared->vcpu.evtchn_upcall_pending)
			sched_block(d);
		return 0;
	case RV_SCHEDOP_shutdown:
		if (a1 == RV_SHUTDOWN_suspend)
			return pv_suspend_self(d);
		if (a1 > RV_SHUTDOWN_crash)
			return -EINVAL;
		domain_shutdown(d, a1, a2);
		return 0;
	default:
		return -ENOSYS;
	}
}

static int32_t hc_fpu_taskswitch(struct domain *d, uint32_t set, uint32_t a2, uint32_t a3,
				 uint32_t a4, uint32_t a5)
{
	if (set > 1)
		return -EINVAL;
	pv_fpu_taskswitch(d, set);
	return 0;
}

static int32_t hc_update_descriptor(struct domain *d, uint32_t slot, uint32_t lo, uint32_t hi,
				    uint32_t a4, uint32_t a5)
{
	return pv_update_descriptor(d, slot, ((uint64_t)hi << 32) | lo);
}

static int32_t hc_version(struct domain *d, uint32_t cmd, uint32_t a2, uint32_t a3,
			  uint32_t a4, uint32_t a5)
{
	switch (cmd) {
	case RV_VERSION_version:
		return (RV_ABI_MAJOR << 16) | RV_ABI_MINOR;
	case RV_VERSION_features:
		return RV_FEATURE_DIRECT_SYSCALL | RV_FEATURE_TIME_IN_SHARED;
	default:
		return -ENOSYS;
	}
}

static int32_t hc_event_channel_op(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2,
				   uint32_t a4, uint32_t a5)
{
	return evtchn_op(d, cmd, a1, a2);
}

static int32_t hc_mmu_update(struct domain *d, uint32_t reqs, uint32_t count, uint32_t done,
			     uint32_t a4, uint32_t a5)
{
	return pv_mmu_update(d, reqs, count, done);
}

static int32_t hc_mmuext_op(struct domain *d, uint32_t ops, uint32_t count, uint32_t done,
			    uint32_t a4, uint32_t a5)
{
	return pv_mmuext_op(d, ops, count, done);
}

static int32_t hc_update_va_mapping(struct domain *d, uint32_t va, uint32_t lo, uint32_t hi,
				    uint32_t flags, uint32_t a5)
{
	return pv_update_va_mapping(d, va, ((uint64_t)hi << 32) | lo, flags);
}

static int32_t hc_memory_op(struct domain *d, uint32_t cmd, uint32_t arg, uint32_t a3,
			    uint32_t a4, uint32_t a5)
{
	return pv_memory_op(d, cmd, arg);
}

static int32_t hc_multicall(struct domain *d, uint32_t calls, uint32_t count, uint32_t a3,
			    uint32_t a4, uint32_t a5);

static int32_t hc_domain_stats(struct domain *d, uint32_t buf, uint32_t size, uint32_t a3,
			       uint32_t a4, uint32_t a5)
{
	struct rv_domain_stats st;
	const struct domain_stats *ds = &d->stats;

	if (size != sizeof(st))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.exceptions = exit_total(d, EXIT_EXCEPTION);
	st.interrupts = exit_total(d, EXIT_INTERRUPT);
	st.hypercalls = exit_get(d, EXIT_VECTOR, VEC_HYPERCALL);
	st.other = exit_total(d, EXIT_VECTOR) - st.hypercalls;
	st.entries = st.exceptions + st.interrupts + exit_total(d, EXIT_VECTOR);
	for (unsigned e = 0; e < NUM_EXCEPTIONS; e++)
		st.bounces += ds->bounces[e];
	st.upcalls = ds->events_delivered;
	st.switches_in = ds->switches_in;
	/* The slice running now counts too. */
	st.runtime_ns = d->runtime_ns + (d == current ? time_now_ns() - d->slice_start_ns : 0);
	for (unsigned n = 0; n < RV_HC_count && n < RV_STATS_HYPERCALLS; n++)
		st.by_hypercall[n] = exit_get(d, EXIT_HYPERCALL, n);
	return copy_to_guest(d, buf, &st, sizeof(st)) ? -EFAULT : 0;
}

static int32_t hc_domctl(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3,
			 uint32_t a5)
{
	return pv_domctl(d, cmd, a1, a2, a3);
}

static int32_t hc_grant_table_op(struct domain *d, uint32_t cmd, uint32_t ops, uint32_t count,
				 uint32_t a4, uint32_t a5)
{
	return pv_grant_table_op(d, cmd, ops, count);
}

/* The names the exit tables print (mode.h hypercall_name). */
static const char *const names[RV_HC_count] = RV_HC_NAMES;

const char *pv_hypercall_name(unsigned nr)
{
	return nr < RV_HC_count ? names[nr] : NULL;
}

static const hypercall_fn table[RV_HC_count] = {
	[RV_HC_console_io] = hc_console_io,
	[RV_HC_set_trap_table] = hc_set_trap_table,
	[RV_HC_stack_switch] = hc_stack_switch,
	[RV_HC_set_callbacks] = hc_set_callbacks,
	[RV_HC_set_timer] = hc_set_timer,
	[RV_HC_sched_op] = hc_sched_op,
	[RV_HC_fpu_taskswitch] = hc_fpu_taskswitch,
	[RV_HC_update_descriptor] = hc_update_descriptor,
	[RV_HC_version] = hc_version,
	[RV_HC_multicall] = hc_multicall,
	[RV_HC_event_channel_op] = hc_event_channel_op,
	[RV_HC_mmu_update] = hc_mmu_update,
	[RV_HC_mmuext_op] = hc_mmuext_op,
	[RV_HC_update_va_mapping] = hc_update_va_mapping,
	[RV_HC_memory_op] = hc_memory_op,
	[RV_HC_domain_stats] = hc_domain_stats,
	[RV_HC_domctl] = hc_domctl,
	[RV_HC_grant_table_op] = hc_grant_table_op,
};

/* ---- continuations (pv.h) ---- */

uint32_t hc_progress(const struct domain *d)
{
	return d->pv->vcpu.cont.progress;
}

int32_t hc_continue(struct domain *d, uint32_t progress)
{
	d->pv->vcpu.cont.progress = progress;
	return HC_RESTART;
}

uint64_t hc_round_start;

bool hc_overran(uint64_t start)
{
	return time_now_ns() - start > sched_slice_ns;
}

/*
 * A multicall is continued at an entry: d->pv->vcpu.cont.index is the entry to
 * go on with and .progress that entry's own progress. An entry that asks to
 * be continued keeps its result slot untouched until it ends.
 */
static int32_t hc_multicall(struct domain *d, uint32_t calls, uint32_t count, uint32_t a3,
			    uint32_t a4, uint32_t a5)
{
	struct hc_cont *c = &d->pv->vcpu.cont;
	struct rv_multicall_entry e;
	uint64_t start = time_now_ns();
	uint32_t first = c->index;

	if (count > RV_MULTICALL_MAX)
		return -E2BIG;
	for (uint32_t i = first; i < count; i++) {
		c->index = i;
		if (i != first) {
			c->progress = 0;        /* a fresh entry */
			if (hc_overran(start))
				return HC_RESTART;
		}
		uint32_t va = calls + i * sizeof(e);
		if (copy_from_guest(d, &e, va, sizeof(e)))
			return -EFAULT;
		if (e.op == RV_HC_multicall || e.op >= RV_HC_count)
			e.result = e.op == RV_HC_multicall ? -EINVAL : -ENOSYS;
		else
			e.result = table[e.op](d, e.args[0], e.args[1], e.args[2], e.args[3],
					       e.args[4]);
		if (i != first || !c->active || c->fresh)
			exit_count(d, EXIT_HYPERCALL, e.op < RV_HC_count ? e.op : RV_HC_count);
		c->fresh = false;
		if (e.result == HC_RESTART)
			return HC_RESTART;      /* this entry goes on later */
		if (copy_to_guest(d, va + __builtin_offsetof(struct rv_multicall_entry, result),
				  &e.result, sizeof(e.result)))
			return -EFAULT;
		if (d->state != DOM_RUNNABLE)
			break;          /* it shut down or blocked: the rest waits */
		if (pv_mm_unsettled(d)) {
			/* It left page-table releases to finish: they come
			 * first (pv_hypercall), then the next entry. */
			c->index = i + 1;
			c->progress = 0;
			c->fresh = true;
			return HC_RESTART;
		}
	}
	return 0;
}

struct trap_frame *current_frame;

void pv_hypercall(struct trap_frame *f)
{
	struct domain *d = current;

	if (!domain_alive(d) || (f->cs & 3) != 1) {
		f->eax = (uint32_t)-EPERM;      /* only a guest kernel may call */
		return;
	}
	uint32_t nr = f->eax;
	struct hc_cont *c = &d->pv->vcpu.cont;
	/* The guest does not run between a continuation and its next round
	 * (no event is delivered meanwhile), so the round is the same
	 * instruction with the same registers. Anything else is a new call. */
	bool again = c->active && c->eip == f->eip && c->nr == nr;
	if (!again) {
		*c = (struct hc_cont){ 0 };
		/* By name, a call counts once however many rounds it takes
		 * (each round is an entry of vector 0x82 all the same). */
		exit_count(d, EXIT_HYPERCALL, nr < RV_HC_count ? nr : RV_HC_count);
	}
	if (nr >= RV_HC_count) {
		f->eax = (uint32_t)-ENOSYS;
		return;
	}
	current_frame = f;
	hc_round_start = time_now_ns();
	pv_mm_round_begin(d);
	/* Page-table releases a round of this call left unfinished come first
	 * (nothing may meet those tables half released); a call that ended
	 * with some left keeps its result until they are done. */
	int32_t r;
	if (!pv_mm_settle(d))
		r = HC_RESTART;
	else if (c->has_result)
		r = c->result;
	else
		r = table[nr](d, f->ebx, f->ecx, f->edx, f->esi, f->edi);
	if (r != HC_RESTART && pv_mm_unsettled(d) && domain_alive(d)) {
		c->has_result = true;
		c->result = r;
		r = HC_RESTART;
	}
	pv_mm_round_end();
	current_frame = NULL;
	if (r == HC_RESTART && domain_alive(d)) {
		c->active = true;
		c->eip = f->eip;
		c->nr = nr;
		f->eip -= 2;            /* int $0x82 again; eax is still nr */
		need_resched = true;
		return;
	}
	*c = (struct hc_cont){ 0 };
	f->eax = (uint32_t)(r == HC_RESTART ? -EAGAIN : r);  /* (it died meanwhile) */
}

void pv_init(void)
{
	dispatch_set_handler(VEC_HYPERCALL, pv_hypercall, "hypercall (int 0x82)");
	idt_set_dpl(VEC_HYPERCALL, 1);  /* ring 1 only: from ring 3 it is a #GP */
}
