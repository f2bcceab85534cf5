/* The pv test-guest library (see guest.h). */
#include "format.h"
#include "guest.h"

struct rv_start_info *start_info;
struct rv_shared_info *shared_info;

/* The ring-1 stack for traps from ring 3 (stack_switch), apart from the boot
 * stack that run_user's caller is using. */
static uint8_t trap_stack[8192] __attribute__((aligned(16)));

static guest_trap_fn trap_fns[256];
static guest_event_fn event_fn;
static volatile bool control_fired;     /* the control port, taken by the callback */

void guest_event_entry(void);
void user_exit_entry(void);
void guest_entry(struct rv_start_info *si);
void guest_trap_dispatch(struct guest_frame *f);
void guest_event_dispatch(void);

int gprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	/* The hypervisor may write less than asked (a slow console): go on. */
	for (int done = 0, r; done < n; done += r)
		if ((r = hv_console_write(buf + done, (uint32_t)(n - done))) <= 0)
			break;
	return n;
}

/* The shared reporter's (tests/lib/report.c) output and end. */
_Static_assert(TEST_SUCCESS == GUEST_SUCCESS && TEST_FAILURE == GUEST_FAILURE &&
	       TEST_ERROR == GUEST_ERROR && TEST_SKIP == GUEST_SKIP, "exit codes");
void report_line(const char *line)
{
	gprintf("%s", line);
}

void report_end(enum test_outcome outcome)
{
	for (;;)
		hv_shutdown(RV_SHUTDOWN_poweroff, outcome);
}

void guest_entry(struct rv_start_info *si)
{
	start_info = si;
	shared_info = (struct rv_shared_info *)si->shared_info;
	if (si->magic != RV_START_INFO_MAGIC || shared_info->magic != RV_SHARED_INFO_MAGIC)
		test_error("bad start info or shared info magic");
	if (hv_stack_switch(RV_GUEST_KERNEL_DS, (uint32_t)(trap_stack + sizeof(trap_stack))))
		test_error("stack_switch failed");
	guest_main();
	test_finish();
}

int guest_set_trap(unsigned vector, guest_trap_fn fn, unsigned dpl, bool mask_events)
{
	struct rv_trap_info ti = {
		.vector = (uint8_t)vector,
		.flags = (uint8_t)(dpl | (mask_events ? RV_TI_MASK_EVENTS : 0)),
		.cs = RV_GUEST_KERNEL_CS,
		.address = fn ? guest_trap_stubs[vector] : 0,
	};
	trap_fns[vector] = fn;
	return hv_set_trap_table(&ti, 1);
}

void guest_trap_dispatch(struct guest_frame *f)
{
	if (f->vector < 256 && trap_fns[f->vector]) {
		trap_fns[f->vector](f);
		return;
	}
	test_error("unexpected trap %u (error code %#x) at %#x", f->vector, f->error_code, f->eip);
}

void guest_user_init(void)
{
	struct rv_trap_info ti = { 0x81, 3, RV_GUEST_KERNEL_CS, (uint32_t)user_exit_entry };
	if (hv_set_trap_table(&ti, 1))
		test_error("cannot install the ring-3 exit vector");
}

int guest_events_init(guest_event_fn fn)
{
	event_fn = fn;
	return hv_set_callbacks(guest_event_entry, 0);
}

void guest_event_dispatch(void)
{
	struct rv_vcpu_info *v = &shared_info->vcpu;
	do {
		v->evtchn_upcall_pending = 0;
		for (unsigned w = 0; w < RV_NR_EVENT_PORTS / 32; w++) {
			/* Take the pending, unmasked bits of this word atomically. */
			uint32_t bits = __atomic_fetch_and(&shared_info->evtchn_pending[w],
							   shared_info->evtchn_mask[w], __ATOMIC_SEQ_CST);
			bits &= ~shared_info->evtchn_mask[w];
			while (bits) {
				unsigned b = (unsigned)__builtin_ctz(bits);
				bits &= bits - 1;
				if (w * 32 + b == start_info->control_port)
					control_fired = true;
				if (event_fn)
					event_fn(w * 32 + b);
			}
		}
		/* Unmask on the way out; if more arrived meanwhile, go round. */
		v->evtchn_upcall_mask = 0;
		__asm__ volatile("" : : : "memory");
		if (!v->evtchn_upcall_pending)
			break;
		v->evtchn_upcall_mask = 1;
	} while (1);
}

bool guest_suspend_asked(void)
{
	uint32_t port = start_info->control_port, bit = 1u << (port % 32);

	if (!port || port >= RV_NR_EVENT_PORTS)
		return false;           /* a hypervisor without the control port */
	/* Events masked, the port stays pending: take it here. */
	if (__atomic_fetch_and(&shared_info->evtchn_pending[port / 32], ~bit, __ATOMIC_SEQ_CST) & bit)
		control_fired = true;
	if (!control_fired)
		return false;
	control_fired = false;
	if (start_info->control_request != RV_CONTROL_suspend)
		return false;
	start_info->control_request = RV_CONTROL_none;
	return true;
}

int guest_poll_suspend(void)
{
	return guest_suspend_asked() ? guest_suspend() : -1;
}

uint64_t guest_time_ns(void)
{
	return pv_time_ns(&shared_info->vcpu.time);
}

void guest_let_run(uint64_t ms)
{
	uint64_t until = guest_time_ns() + ms * 1000000;
	while (guest_time_ns() < until)
		hv_yield();
}

bool guest_contains(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n && hay[i]; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}
