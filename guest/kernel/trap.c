/*
 * ringos: what every trap comes to. System calls go to the table; a fault
 * in a program becomes its signal (SIGSEGV, SIGFPE, SIGILL, ...); a fault
 * in the kernel is a kernel bug. Every return to user mode passes through
 * signal delivery.
 */
#include "proc.h"
#include "kernel.h"
#include "signal.h"

/* The signal and si_code a user-mode exception becomes, as on Linux. */
static int fault_signal(const struct trap_frame *f, int *code)
{
	switch (f->vector) {
	case 0: *code = 1; return SIGFPE;               /* FPE_INTDIV */
	case 1: case 3: *code = 1; return SIGTRAP;      /* TRAP_BRKPT */
	case 6: *code = 2; return SIGILL;               /* ILL_ILLOPN */
	case 16: case 19: *code = 0; return SIGFPE;
	case 11: case 12: case 17: *code = 0x80; return SIGBUS;  /* SI_KERNEL */
	case 14: *code = (f->error_code & 1) ? 2 : 1; return SIGSEGV;  /* SEGV_ACCERR / MAPERR */
	default: *code = 0x80; return SIGSEGV;          /* #GP and the rest */
	}
}

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"no FPU", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "?", "x87 error", "alignment check",
	"machine check", "SIMD error",
};

void trap_dispatch(struct trap_frame *f, uint32_t fault_addr)
{
	bool user = (f->cs & 3) == 3;        /* ring 3: the kernel is ring 0 (pc) or 1 (pv) */

	if (f->vector == TRAP_SYSCALL && user) {
		uint32_t nr = f->eax;
		long ret = syscall_dispatch(f);
		f->eax = (uint32_t)ret;
		/* sigreturn's "result" is the restored eax: never a restart. */
		signal_return_to_user(f, nr != 119 && nr != 173, nr, ret);
		return;
	}
	if (f->vector >= 0x20 && f->vector < 0x30) {
		if (arch_irq(f->vector))
			proc_tick(f);
		if (user) {
			arch_safe_point();      /* from user mode: nothing half done */
			signal_return_to_user(f, false, 0, 0);
		}
		return;
	}
	const char *what = f->vector < 32 && names[f->vector] ? names[f->vector] : "interrupt";
	if (user && f->vector == 14 &&
	    ((f->error_code & 3) == 3 ? user_cow_fault(curproc, fault_addr) :
	     !(f->error_code & 1) && user_demand_fault(curproc, fault_addr))) {
		signal_return_to_user(f, false, 0, 0);  /* mapped or copied: run it again */
		return;
	}
	if (user) {
		int code, sig = fault_signal(f, &code);
		signal_force(curproc, sig, code, f->vector == 14 ? fault_addr : f->eip);
		/* Logged when it will end the process (as Linux logs an
		 * unhandled segfault); a handled fault is the program's business. */
		if (curproc->sigact[sig - 1].handler == SIG_DFL)
			kprintf("ringos: %s: %s (error %#x) at eip %#x, address %#x: signal %d\n",
				curproc->exe, what, f->error_code, f->eip, fault_addr, sig);
		signal_return_to_user(f, false, 0, 0);
		return;
	}
	panic("%s (vector %u, error %#x) in the kernel at eip %#x, address %#x, process %d (%s)",
	      what, f->vector, f->error_code, f->eip, fault_addr, curproc ? curproc->pid : 0,
	      curproc ? curproc->exe : "none");
}
