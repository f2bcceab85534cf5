/*
 * ringos: the trap entry both ports assemble alike (the frames the CPU and
 * ringvisor push have one shape). Every vector pushes a zero error code
 * where the CPU pushes none, then its number, saves a struct trap_frame and
 * calls port_trap(frame) (each port has one). Returning restores the frame
 * and irets, to the kernel or to user mode alike. arch_enter_user() uses the
 * same way out.
 *
 * The kernel's data segment differs (pc: its own GDT, ring 0; pv: ringvisor's
 * ring-1 selector), so each port's entry.S defines the absolute symbol
 * port_kernel_ds and the linker puts it in here.
 */

	.text
.altmacro
.macro STUB vec
	.align 16
stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17)
	.else
	pushl $0
	.endif
	pushl $\vec
	jmp trap_common
.endm
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr

	.globl trap_common
trap_common:
	cld
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movl $port_kernel_ds, %eax
	movl %eax, %ds
	movl %eax, %es
	/* fs and gs may hold a program's TLS selector, whose GDT slot changes
	 * under the kernel (another process, execve): a nested trap would push
	 * it and fault popping it back. The kernel runs with them null. */
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	pushl %esp
	call port_trap
	addl $4, %esp
	.globl trap_return
trap_return:
	popal
	popl %gs
	popl %fs
	popl %es
	popl %ds
	addl $8, %esp
	iret

/* void arch_enter_user(const struct trap_frame *f): copy f onto this stack
 * and leave through trap_return. */
	.globl arch_enter_user
arch_enter_user:
	movl 4(%esp), %esi
	subl $76, %esp                  /* sizeof(struct trap_frame) */
	movl %esp, %edi
	movl $19, %ecx
	rep movsl
	jmp trap_return

	/* Each stub's address, for the port's IDT or trap table. (Named for
	 * the port that had it first; the pv port uses it too.) */
	.section .rodata
	.align 4
.macro STUB_ADDR vec
	.long stub_\vec
.endm
	.globl pc_stub_table
pc_stub_table:
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
