/*
 * ringos: what every trap comes to. System calls go to the table; a fault
 * in a program ends that program (SIGSEGV, until signals exist); a fault in
 * the kernel is a kernel bug.
 */
#include "proc.h"
#include "kernel.h"

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"no FPU", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "?", "x87 error", "alignment check",
	"machine check", "SIMD error",
};

void trap_dispatch(struct trap_frame *f, uint32_t fault_addr)
{
	bool user = (f->cs & 3) != 0;

	if (f->vector == TRAP_SYSCALL && user) {
		f->eax = (uint32_t)syscall_dispatch(f);
		return;
	}
	if (f->vector >= 0x20 && f->vector < 0x30) {
		if (arch_irq(f->vector))
			proc_tick(f);
		return;
	}
	const char *what = f->vector < 32 && names[f->vector] ? names[f->vector] : "interrupt";
	if (user) {
		kprintf("ringos: %s: %s (error %#x) at eip %#x, address %#x: killed (SIGSEGV)\n",
			curproc ? curproc->exe : "?", what, f->error_code, f->eip, fault_addr);
		proc_exit(curproc, 11);         /* killed by SIGSEGV (wait status) */
	}
	panic("%s (vector %u, error %#x) in the kernel at eip %#x, address %#x", what, f->vector,
	      f->error_code, f->eip, fault_addr);
}
