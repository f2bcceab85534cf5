/* Non-local jumps for the hypervisor (used by trap_catch). */
#ifndef HV_SETJMP_H
#define HV_SETJMP_H

#include "types.h"

struct jmp_buf {
	uint32_t ebx, esi, edi, ebp, esp, eip, eflags;
};

int hv_setjmp(struct jmp_buf *jb) __attribute__((returns_twice));
void hv_longjmp(struct jmp_buf *jb, int value) __noreturn;

#endif
