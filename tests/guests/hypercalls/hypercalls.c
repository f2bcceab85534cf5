/*
 * Every hypercall's success path and each of its error paths, from a ring-1
 * guest. A bad argument must come back as the documented error (docs/abi.md),
 * never as a fault, and must change nothing.
 */
#include "guest.h"

#define SWITCH_VA       0xFFC00000u     /* the hypervisor's switch region */
#define UNMAPPED_VA     0x10000000u     /* nothing is mapped there */

static uint32_t ro_page(void)
{
	return start_info->pt_base;     /* page tables are mapped read-only */
}

#define EXPECT(call, want) \
	do { int32_t _r = (call); \
	     test_check(_r == (want), "%s = %d (expected %d)", #call, _r, (int32_t)(want)); } while (0)

static void console(void)
{
	static char buf[RV_CONSOLEIO_MAX + 1];
	EXPECT(hv_console_write("abc\n", 4), 4);
	EXPECT(hv_console_write("", 0), 0);
	EXPECT(hv_console_write((void *)SWITCH_VA, 16), -RV_EFAULT);
	EXPECT(hv_console_write((void *)UNMAPPED_VA, 16), -RV_EFAULT);
	EXPECT(hv_console_write((void *)(SWITCH_VA - 8), 16), -RV_EFAULT);      /* runs into it */
	EXPECT(hv_console_write((void *)0xfffffff0, 0x20), -RV_EFAULT);          /* wraps */
	EXPECT(hv_console_write(buf, RV_CONSOLEIO_MAX + 1), -RV_E2BIG);
	EXPECT(hv_console_read(buf, 16), 0);                                     /* no input */
	EXPECT(hv_console_read((void *)ro_page(), 16), 0);      /* nothing to write: no fault */
	EXPECT(hypercall(RV_HC_console_io, 7, 1, (uint32_t)buf, 0, 0), -RV_ENOSYS);
}

static void trap_table(void)
{
	struct rv_trap_info ok = { 0x80, 3, RV_GUEST_KERNEL_CS, 0xC0001000 };
	struct rv_trap_info t;

	EXPECT(hv_set_trap_table(&ok, 1), 0);
	t = ok; t.cs = RV_HV_CS;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM);
	t = ok; t.cs = RV_GUEST_USER_CS;        EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM);
	t = ok; t.cs = 0x08 | 1;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM);
	t = ok; t.vector = 2;                   EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* NMI */
	t = ok; t.vector = 8;                   EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* #DF */
	t = ok; t.vector = 18;                  EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* #MC */
	t = ok; t.vector = 0x20;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* timer IRQ */
	t = ok; t.vector = 0x82;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* hypercall */
	t = ok; t.vector = 0xf0;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* hv's APIC timer */
	t = ok; t.vector = 0xff;                EXPECT(hv_set_trap_table(&t, 1), -RV_EPERM); /* hv's spurious */
	t = ok; t.address = SWITCH_VA + 0x6000; EXPECT(hv_set_trap_table(&t, 1), -RV_EFAULT);
	t = ok; t.flags = 0;                    EXPECT(hv_set_trap_table(&t, 1), -RV_EINVAL);
	t = ok; t.flags = 0x80 | 3;             EXPECT(hv_set_trap_table(&t, 1), -RV_EINVAL);
	EXPECT(hv_set_trap_table((void *)UNMAPPED_VA, 1), -RV_EFAULT);
	EXPECT(hv_set_trap_table((void *)SWITCH_VA, 1), -RV_EFAULT);
	EXPECT(hv_set_trap_table(&ok, RV_TRAP_TABLE_MAX + 1), -RV_E2BIG);
	/* A table with one bad entry changes nothing, not even the good ones. */
	struct rv_trap_info two[2] = { { 0x81, 3, RV_GUEST_KERNEL_CS, 0xC0002000 },
				       { 0x83, 3, RV_HV_CS, 0xC0002000 } };
	EXPECT(hv_set_trap_table(two, 2), -RV_EPERM);
	t = ok; t.address = 0;                  EXPECT(hv_set_trap_table(&t, 1), 0);  /* removal */
}

static void stacks_callbacks_timer(void)
{
	EXPECT(hv_stack_switch(RV_GUEST_KERNEL_DS, start_info->stack_top), 0);
	EXPECT(hv_stack_switch(RV_HV_DS, start_info->stack_top), -RV_EPERM);
	EXPECT(hv_stack_switch(RV_GUEST_USER_DS, start_info->stack_top), -RV_EPERM);
	EXPECT(hv_stack_switch(RV_GUEST_KERNEL_DS, SWITCH_VA + 0x10000), -RV_EFAULT);
	EXPECT(hv_set_callbacks((void (*)(void))0xC0001000, 0), 0);
	EXPECT(hv_set_callbacks((void (*)(void))SWITCH_VA, 0), -RV_EFAULT);
	EXPECT(hv_set_callbacks(0, (void (*)(void))SWITCH_VA), -RV_EFAULT);
	EXPECT(hv_set_callbacks(0, 0), 0);
	EXPECT(hv_set_timer(guest_time_ns() + 1000000000ull), 0);
	EXPECT(hv_set_timer(0), 0);                                     /* cancel */
}

static void sched_fpu_version(void)
{
	EXPECT(hv_sched_op(99, 0, 0), -RV_ENOSYS);
	EXPECT(hv_sched_op(RV_SCHEDOP_shutdown, 7, 0), -RV_EINVAL);
	EXPECT(hv_yield(), 0);
	EXPECT(hv_fpu_taskswitch(2), -RV_EINVAL);
	EXPECT(hv_fpu_taskswitch(0), 0);
	EXPECT(hv_version(RV_VERSION_version), (RV_ABI_MAJOR << 16) | RV_ABI_MINOR);
	int32_t f = hv_version(RV_VERSION_features);
	test_check(f > 0 && (f & RV_FEATURE_DIRECT_SYSCALL), "features %#x", f);
	EXPECT(hv_version(42), -RV_ENOSYS);
	EXPECT(hypercall(RV_HC_count, 0, 0, 0, 0, 0), -RV_ENOSYS);
	EXPECT(hypercall(0xffffffff, 0, 0, 0, 0, 0), -RV_ENOSYS);
}

/* domain_stats: the domain's own counters; a wrong size or buffer refused. */
static void domain_stats(void)
{
	static struct rv_domain_stats st, st2;
	EXPECT(hypercall(RV_HC_domain_stats, (uint32_t)&st, sizeof(st) - 1, 0, 0, 0), -RV_EINVAL);
	EXPECT(hypercall(RV_HC_domain_stats, (uint32_t)&st, sizeof(st) + 8, 0, 0, 0), -RV_EINVAL);
	EXPECT(hypercall(RV_HC_domain_stats, 0, sizeof(st), 0, 0, 0), -RV_EFAULT);
	EXPECT(hypercall(RV_HC_domain_stats, 0xffc00000u, sizeof(st), 0, 0, 0), -RV_EFAULT);
	EXPECT(hypercall(RV_HC_domain_stats, (uint32_t)&st, sizeof(st), 0, 0, 0), 0);
	test_check(st.hypercalls > 0 && st.entries >= st.hypercalls + st.exceptions + st.interrupts,
		   "entries %llu cover hypercalls %llu, exceptions %llu, interrupts %llu",
		   st.entries, st.hypercalls, st.exceptions, st.interrupts);
	test_check(st.by_hypercall[RV_HC_domain_stats] >= 5,
		   "the calls themselves are counted (%llu)", st.by_hypercall[RV_HC_domain_stats]);
	EXPECT(hv_version(RV_VERSION_version), (RV_ABI_MAJOR << 16) | RV_ABI_MINOR);
	EXPECT(hypercall(RV_HC_domain_stats, (uint32_t)&st2, sizeof(st2), 0, 0, 0), 0);
	/* Between the two reads: one version, one domain_stats, and the
	 * console_io writes of the lines printed meanwhile. */
	test_check(st2.by_hypercall[RV_HC_version] == st.by_hypercall[RV_HC_version] + 1 &&
		   st2.by_hypercall[RV_HC_domain_stats] == st.by_hypercall[RV_HC_domain_stats] + 1 &&
		   st2.hypercalls == st.hypercalls + 2 + (st2.by_hypercall[RV_HC_console_io] -
							   st.by_hypercall[RV_HC_console_io]),
		   "the hypercalls between two reads counted exactly: %llu -> %llu", st.hypercalls,
		   st2.hypercalls);
	test_check(st2.runtime_ns >= st.runtime_ns && st2.switches_in >= 1,
		   "CPU time %llu ns, scheduled %llu times", st2.runtime_ns, st2.switches_in);
}

/* A flat data segment, base b, DPL dpl, as update_descriptor takes it. */
static uint64_t data_desc(uint32_t base, unsigned dpl)
{
	uint64_t d = 0xffff | (0xfull << 48);                   /* limit 0xfffff */
	d |= (uint64_t)(base & 0xffffff) << 16;
	d |= (uint64_t)(0x92 | (dpl << 5)) << 40;               /* present, data, writable */
	d |= (uint64_t)0xc << 52;                               /* 4 KiB granularity, 32-bit */
	d |= (uint64_t)(base >> 24) << 56;
	return d;
}

static uint32_t tls_word = 0x5a5a1234;

/* The failsafe callback: pops the four saved selectors (recording fs) and
 * returns where the hypercall would have. */
volatile uint32_t failsafe_calls, failsafe_fs;
void failsafe_entry(void);
__asm__(".text\n"
	"failsafe_entry:\n"
	"  incl failsafe_calls\n"
	"  pushl %eax\n"
	"  movl 12(%esp), %eax\n"      /* [eax][ds][es][fs][gs]: fs at +12 */
	"  movl %eax, failsafe_fs\n"
	"  popl %eax\n"
	"  addl $16, %esp\n"
	"  iret\n");

static void descriptors(void)
{
	unsigned slot = RV_GDT_FIRST_GUEST_SLOT;
	uint64_t ok = data_desc((uint32_t)&tls_word, 3);

	EXPECT(hv_update_descriptor(slot, ok), 0);
	uint32_t v, sel = (slot << 3) | 3;
	__asm__ volatile("movl %1, %%gs\n\tmovl %%gs:0, %0\n\tmovl $0, %%eax\n\tmovl %%eax, %%gs"
			 : "=r"(v) : "r"(sel) : "eax");
	test_check(v == 0x5a5a1234, "a TLS segment at %%gs reads its base (%#x)", v);
	EXPECT(hv_update_descriptor(slot - 1, ok), -RV_EINVAL);
	EXPECT(hv_update_descriptor(slot + RV_GDT_GUEST_SLOTS, ok), -RV_EINVAL);
	EXPECT(hv_update_descriptor(1, ok), -RV_EINVAL);                    /* the hypervisor's CS */
	EXPECT(hv_update_descriptor(slot, data_desc(0, 0)), -RV_EPERM);     /* DPL 0 */
	EXPECT(hv_update_descriptor(slot, ok & ~(1ull << 44)), -RV_EPERM);  /* system segment */
	uint64_t gate = 0x0000ec0000080000ull | 0x1000;                     /* a call gate, DPL 3 */
	EXPECT(hv_update_descriptor(slot, gate), -RV_EPERM);
	EXPECT(hv_update_descriptor(slot, ok & ~(1ull << 47)), -RV_EINVAL); /* not present */
	EXPECT(hv_update_descriptor(slot, 0), 0);                           /* cleared */

	/* Clearing a slot that %fs still names: the hypervisor resumes us at the
	 * failsafe callback with the old selectors, and %fs null. */
	EXPECT(hv_update_descriptor(slot, ok), 0);
	__asm__ volatile("movl %0, %%fs" : : "r"(sel));
	EXPECT(hv_set_callbacks(0, failsafe_entry), 0);
	EXPECT(hv_update_descriptor(slot, 0), 0);
	uint32_t fs;
	__asm__ volatile("movl %%fs, %0" : "=r"(fs));
	test_check(failsafe_calls == 1 && failsafe_fs == sel && fs == 0,
		   "failsafe callback: %u call(s), old fs %#x, fs now %#x", failsafe_calls,
		   failsafe_fs, fs);
	EXPECT(hv_set_callbacks(0, 0), 0);
}

static void multicalls(void)
{
	struct rv_multicall_entry m[3] = {
		{ .op = RV_HC_version, .args = { RV_VERSION_version } },
		{ .op = RV_HC_stack_switch, .args = { RV_HV_DS, 0 } },
		{ .op = RV_HC_console_io, .args = { RV_CONSOLEIO_write, 11, (uint32_t)"multicall!\n" } },
	};
	EXPECT(hv_multicall(m, 3), 0);
	test_check(m[0].result == ((RV_ABI_MAJOR << 16) | RV_ABI_MINOR) && m[1].result == -RV_EPERM &&
		   m[2].result == 11, "multicall results %d %d %d", m[0].result, m[1].result,
		   m[2].result);
	struct rv_multicall_entry nest = { .op = RV_HC_multicall };
	EXPECT(hv_multicall(&nest, 1), 0);
	test_check(nest.result == -RV_EINVAL, "a nested multicall is refused (%d)", nest.result);
	struct rv_multicall_entry bad = { .op = 1000 };
	EXPECT(hv_multicall(&bad, 1), 0);
	test_check(bad.result == -RV_ENOSYS, "an unknown call in a batch gives -ENOSYS (%d)", bad.result);
	EXPECT(hv_multicall(m, RV_MULTICALL_MAX + 1), -RV_E2BIG);
	EXPECT(hv_multicall((void *)UNMAPPED_VA, 1), -RV_EFAULT);
	EXPECT(hv_multicall((void *)ro_page(), 1), -RV_EFAULT);    /* results cannot be written */
}

static void event_channels(void)
{
	EXPECT(hv_evtchn_op(99, 0, 0), -RV_ENOSYS);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_send, 200, 0), -RV_EBADF);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_send, 1, 0), -RV_EBADF);            /* fixed port */
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_close, 9999, 0), -RV_EBADF);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_alloc_unbound, 999, 0), -RV_ENOENT);
	int32_t p = hv_evtchn_op(RV_EVTCHNOP_alloc_unbound, start_info->domid, 0);
	test_check(p >= 8, "alloc_unbound gives a dynamic port (%d)", p);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_send, (uint32_t)p, 0), -RV_ENOENT); /* nobody bound */
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_bind_interdomain, start_info->domid, (uint32_t)p), -RV_EINVAL);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_close, (uint32_t)p, 0), 0);
	EXPECT(hv_evtchn_op(RV_EVTCHNOP_close, (uint32_t)p, 0), -RV_EBADF);
}

void guest_main(void)
{
	console();
	trap_table();
	stacks_callbacks_timer();
	sched_fpu_version();
	domain_stats();
	descriptors();
	multicalls();
	event_channels();
}
