/*
 * The guest's own traps. A ring-3 program's int $0x80 lands in the ring-1
 * handler without entering the hypervisor (tests.cfg checks the domain's
 * exit table has no vector 0x80); #DE and #UD also go straight to ring 1;
 * #GP and #PF pass through the hypervisor and arrive with the right error
 * code and fault address.
 */
#include "guest.h"

#define UNMAPPED_VA 0x10000000u

static volatile uint32_t syscalls, last_vector, last_error, last_eip, last_cs, last_fault;
static volatile uint32_t handler_cs;

/* System call: returns eax + 1 to ring 3. */
static void on_syscall(struct guest_frame *f)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	handler_cs = cs;
	syscalls++;
	f->eax++;
}

/* Exceptions: record, then leave the ring-3 program (or skip the
 * instruction in ring 1, by the length the test gives in ebx). */
static void on_exception(struct guest_frame *f)
{
	last_vector = f->vector;
	last_error = f->error_code;
	last_eip = f->eip;
	last_cs = f->cs;
	last_fault = shared_info->vcpu.fault_addr;
	if ((f->cs & 3) == 3) {
		extern void user_return(void);
		f->eip = (uint32_t)user_return;         /* back to run_user's caller */
		f->cs = RV_GUEST_KERNEL_CS;
		f->eax = 0xdead;
		/* The stub's iret now stays in ring 1 and leaves the ring-3
		 * ss:esp words behind; user_return reloads the stack anyway. */
	} else {
		f->eip += f->ebx;
	}
}

static uint32_t user_syscalls(uint32_t n)
{
	uint32_t v = 0;
	for (uint32_t i = 0; i < n; i++)
		__asm__ volatile("int $0x80" : "+a"(v));
	return v;
}

static uint32_t user_read(uint32_t va)
{
	return *(volatile uint32_t *)va;
}

static uint32_t user_div0(uint32_t x)
{
	uint32_t r;
	__asm__ volatile("xorl %%edx, %%edx\n\tdivl %2" : "=a"(r) : "a"(x), "r"(0) : "edx");
	return r;
}

static uint32_t user_cli(uint32_t x)
{
	__asm__ volatile("cli");
	return x;
}

static uint32_t user_hypercall(uint32_t x)
{
	return (uint32_t)hv_version(RV_VERSION_version);        /* int $0x82 is ring 1's */
}

static void reset(void)
{
	last_vector = last_error = last_eip = last_cs = last_fault = 0xffffffff;
}

void guest_main(void)
{
	guest_user_init();
	if (guest_set_trap(0x80, on_syscall, 3, false) || guest_set_trap(0, on_exception, 1, false) ||
	    guest_set_trap(6, on_exception, 1, false) || guest_set_trap(13, on_exception, 1, false) ||
	    guest_set_trap(14, on_exception, 1, false))
		test_error("set_trap_table failed");

	uint32_t r = run_user(user_syscalls, 1000);
	test_check(r == 1000 && syscalls == 1000, "1000 system calls from ring 3 (result %u, seen %u)",
		   r, syscalls);
	test_check(handler_cs == RV_GUEST_KERNEL_CS, "the handler ran in ring 1 (cs %#x)", handler_cs);

	reset();
	r = run_user(user_read, UNMAPPED_VA);
	test_check(r == 0xdead && last_vector == 14 && last_error == 0x4 && last_fault == UNMAPPED_VA &&
		   (last_cs & 3) == 3, "ring 3 read of %#x: #PF err %#x at %#x (fault_addr %#x)",
		   UNMAPPED_VA, last_error, last_eip, last_fault);

	reset();
	r = run_user(user_read, 0xFFC00000);
	test_check(last_vector == 14 && last_error == 0x5 && last_fault == 0xFFC00000,
		   "ring 3 read of the switch region: #PF err %#x (present, user)", last_error);

	reset();
	r = run_user(user_div0, 7);
	test_check(last_vector == 0 && (last_cs & 3) == 3, "ring 3 divide by zero: #DE (%u)", last_vector);

	reset();
	r = run_user(user_cli, 1);
	test_check(last_vector == 13 && last_error == 0, "ring 3 cli: #GP(0) (%u, %#x)", last_vector,
		   last_error);

	reset();
	r = run_user(user_hypercall, 0);
	test_check(last_vector == 13 && last_error == (0x82 << 3 | 2),
		   "ring 3 int $0x82: #GP with the IDT error code (%#x)", last_error);

	/* Ring 1: #UD directly, #GP and #PF through the hypervisor. */
	reset();
	__asm__ volatile("movl $2, %%ebx\n\tud2" : : : "ebx", "memory");
	test_check(last_vector == 6 && (last_cs & 3) == 1, "ring 1 ud2: #UD (%u)", last_vector);

	reset();
	__asm__ volatile("movl $1, %%ebx\n\thlt" : : : "ebx", "memory");
	test_check(last_vector == 13 && last_error == 0, "ring 1 hlt: #GP(0) (%u)", last_vector);

	reset();
	uint32_t pt = start_info->pt_base;
	__asm__ volatile("movl $6, %%ebx\n\tmovl $0, (%0)" : : "r"(pt) : "ebx", "memory");
	test_check(last_vector == 14 && last_error == 0x3 && last_fault == pt,
		   "ring 1 write to its read-only page table: #PF err %#x at %#x", last_error,
		   last_fault);

	reset();
	__asm__ volatile("movl $6, %%ebx\n\tmovl $0, (%0)" : : "r"(0xFFC00000) : "ebx", "memory");
	test_check(last_vector == 14 && last_error == 0x3 && last_fault == 0xFFC00000,
		   "ring 1 write to the GDT: #PF err %#x", last_error);
}
