/*
 * ringos pv port: the trap entry is the pc port's (the frames the CPU and
 * ringvisor push are alike), with the ring-1 kernel data segment; plus the
 * event upcall, which enters as "interrupt 0x20", and the boot entry.
 */
#define KERNEL_DS 0x21                  /* RV_GUEST_KERNEL_DS */
#include "../pc/entry.S"

	.text
	.globl pv_event_entry
pv_event_entry:
	pushl $0
	pushl $0x20
	jmp trap_common

	.section .text.boot, "ax"
	.globl _start
_start:
	/* esi = start info; esp = the builder's boot stack (start_info.h) */
	cld
	movl $pv_boot_stack_top, %esp
	xorl %ebp, %ebp
	pushl %esi
	pushl $0
	call kmain
1:	jmp 1b

	.bss
	.align 16
pv_boot_stack:
	.skip 16384
pv_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
