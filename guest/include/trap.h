/* What the trap entry (kernel/trap_entry.S) saves: the same shape on both ports. */
#ifndef RINGOS_TRAP_H
#define RINGOS_TRAP_H

#include "types.h"

struct trap_frame {
	uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
	uint32_t gs, fs, es, ds;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;               /* when the trap came from user mode */
};

#define TRAP_SYSCALL    0x80

/* Generic handlers the port calls (kernel/trap.c). */
void trap_dispatch(struct trap_frame *f, uint32_t fault_addr);

#endif
