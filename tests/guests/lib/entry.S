/*
 * pv test guest: entry point, trap stubs, the event upcall entry and the
 * ring-3 runner. Everything here runs in ring 1 except user_entry (ring 3).
 */
#define KDS 0x21                        /* RV_GUEST_KERNEL_DS */
#define UCS 0x2b                        /* RV_GUEST_USER_CS */
#define UDS 0x33                        /* RV_GUEST_USER_DS */

	.section .text.entry, "ax"
	.globl _start
_start:
	/* esi = start info, esp = boot stack (include/public/start_info.h) */
	cld
	xorl %ebp, %ebp
	pushl %esi
	call guest_entry
1:	jmp 1b

	.text
/* Trap stubs: the same frame for every vector (struct guest_frame). */
.altmacro
.macro GSTUB vec
	.align 16
gstub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushl $0
	.endif
	pushl $\vec
	jmp gtrap_common
.endm
	.set vec, 0
	.rept 256
	GSTUB %vec
	.set vec, vec + 1
	.endr

gtrap_common:
	pushal
	pushl %esp
	call guest_trap_dispatch
	addl $4, %esp
	popal
	addl $8, %esp
	iret

/* The event callback: the hypervisor built an exception-like frame. */
	.globl guest_event_entry
guest_event_entry:
	pushal
	call guest_event_dispatch
	popal
	iret

/* uint32_t run_user(void (*fn)(uint32_t), uint32_t arg) */
	.globl run_user
run_user:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, user_saved_esp
	movl 20(%esp), %eax
	movl 24(%esp), %ecx
	pushl $UDS
	pushl $user_stack_top
	pushl $0x202
	pushl $UCS
	pushl $user_entry
	movl $UDS, %edx
	movl %edx, %ds
	movl %edx, %es
	iret

user_entry:                             /* ring 3: eax = fn, ecx = arg */
	pushl %ecx
	call *%eax
	int $0x81                       /* eax = fn's result */

/* int $0x81 from ring 3 (a DPL-3 trap gate straight to ring 1), or a jump
 * from a trap handler: back to run_user's caller with eax. */
	.globl user_exit_entry, user_return
user_exit_entry:
user_return:
	movl $KDS, %edx
	movl %edx, %ds
	movl %edx, %es
	movl user_saved_esp, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

	.data
	.globl guest_trap_stubs
	.align 4
.macro GSTUB_ADDR vec
	.long gstub_\vec
.endm
guest_trap_stubs:
	.set vec, 0
	.rept 256
	GSTUB_ADDR %vec
	.set vec, vec + 1
	.endr
user_saved_esp:
	.long 0

	.bss
	.align 4096
	.globl user_stack, user_stack_top
user_stack:
	.skip 8192
user_stack_top:

	.section .note.GNU-stack, "", @progbits
