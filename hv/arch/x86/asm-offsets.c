/*
 * Structure offsets for assembly, generated from the C definitions so they
 * are never typed twice (jailhouse's asm-defines.c). The build compiles this
 * file to assembly and turns each "->NAME value" marker into a #define.
 */
#include "cpu.h"
#include "switch.h"

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" : : "i"(val))
#define OFFSET(sym, str, mem) DEFINE(sym, __builtin_offsetof(struct str, mem))

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(TF_EAX, trap_frame, eax);
	OFFSET(TF_DS, trap_frame, ds);
	OFFSET(TF_ES, trap_frame, es);
	OFFSET(TF_FS, trap_frame, fs);
	OFFSET(TF_GS, trap_frame, gs);
	OFFSET(TF_SS, trap_frame, ss);
	OFFSET(TF_VECTOR, trap_frame, vector);
	OFFSET(TF_EIP, trap_frame, eip);
	OFFSET(TF_CS, trap_frame, cs);
	OFFSET(TF_EFLAGS, trap_frame, eflags);
	DEFINE(TF_SIZE, sizeof(struct trap_frame));
	OFFSET(SD_HV_CR3, switch_data, hv_cr3);
	OFFSET(SD_TRAP_STACK_TOP, switch_data, trap_stack_top);
}
