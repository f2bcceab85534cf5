/*
 * Trap entry and exit stubs. They are linked at their address in the switch
 * region (section .switch_text, see hv.ld) because that is the only code
 * mapped in every address space: a trap from a guest lands here while the
 * guest's CR3 is still loaded.
 *
 * Every vector has a stub that pushes a zero error code where the CPU pushes
 * none, then the vector, and joins trap_common, which saves the rest of a
 * struct trap_frame and calls dispatch_trap(frame) in C.
 *
 *  - From ring 0 (the hypervisor interrupted itself): no stack or address
 *    space change; the frame stays on the current hypervisor stack.
 *  - From ring 1 or 3: the CPU switched to this CPU's entry stack (TSS.ESP0)
 *    in the switch region. The stub loads the hypervisor's CR3 at once, copies
 *    the frame to the private trap stack (mapped only in the hypervisor's
 *    space) and runs C there. The way back copies the frame onto the entry
 *    stack, loads the guest's CR3 and irets. The entry stack is writable by a
 *    ring-1 guest, so it never holds anything but that guest's own registers.
 */
#include "asm-offsets.h"
#include "switch.h"

#define HV_DS 0xfe8             /* RV_HV_DS */

	.section .switch_text, "ax"

.altmacro
.macro TRAP_STUB vec
	.align 16
trap_stub_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushl $0                        /* no CPU error code for this vector */
	.endif
	pushl $\vec
	jmp trap_common
.endm

	.globl trap_stubs_start
trap_stubs_start:
	.set vec, 0
	.rept 256
	TRAP_STUB %vec
	.set vec, vec + 1
	.endr

trap_common:
	cld
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movl $HV_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	/* "push %sreg" may leave the upper half of its slot as it was, and a
	 * ring-1 guest can write the entry stack beforehand: keep only the
	 * selectors, so C code never compares guest-chosen garbage. */
	andl $0xffff, TF_DS(%esp)
	andl $0xffff, TF_ES(%esp)
	andl $0xffff, TF_FS(%esp)
	andl $0xffff, TF_GS(%esp)
	andl $0xffff, TF_CS(%esp)
	testl $3, TF_CS(%esp)
	jnz from_guest

	/*
	 * From ring 0. On the entry stack, that can only be the way back to a
	 * guest faulting (a segment register or iret the CPU refused, an NMI in
	 * that window): the guest's CR3 may be loaded and the hypervisor is not
	 * mapped. Get back to our address space and stack, and let C crash the
	 * domain; never return into that exit path.
	 */
	cmpl $SWITCH_ENTRY_STACK, %esp
	jb 1f
	cmpl $SWITCH_ENTRY_STACK_TOP, %esp
	jae 1f
	movl switch_data + SD_HV_CR3, %eax
	movl %eax, %cr3
	movl %esp, %ebx                 /* the frame, still readable here */
	movl switch_data + SD_TRAP_STACK_TOP, %esp
	pushl %ebx
	call exit_path_fault            /* does not return */
	ud2
1:	/* From the hypervisor itself. */
	pushl %esp
	call dispatch_trap
	addl $4, %esp
	jmp restore_regs

from_guest:
	andl $0xffff, TF_SS(%esp)
	movl switch_data + SD_HV_CR3, %eax
	movl %eax, %cr3
	movl switch_data + SD_TRAP_STACK_TOP, %edi
	subl $TF_SIZE, %edi
	movl %edi, %ebx
	movl %esp, %esi
	movl $(TF_SIZE / 4), %ecx
	rep movsl
	movl %ebx, %esp
	pushl %esp
	call dispatch_trap
	addl $4, %esp
	/* fall through: resume the guest with the (possibly changed) frame */

/* esp = a struct trap_frame in hypervisor memory; returns to the guest. */
	.globl trap_return_to_guest
trap_return_to_guest:
	movl %esp, %esi
	movl $(SWITCH_ENTRY_STACK_TOP - TF_SIZE), %edi
	movl $(TF_SIZE / 4), %ecx
	rep movsl
	movl $(SWITCH_ENTRY_STACK_TOP - TF_SIZE), %esp
	movl switch_guest_cr3, %eax
	movl %eax, %cr3
restore_regs:
	popal
	popl %gs
	popl %fs
	popl %es
	popl %ds
	addl $8, %esp                   /* vector and error code */
	iret

/*
 * void switch_to_guest(const struct trap_frame *f, uint32_t cr3)
 * Called in the hypervisor's address space; abandons the caller's stack.
 */
	.globl switch_to_guest
switch_to_guest:
	cli
	movl 8(%esp), %eax
	movl %eax, switch_guest_cr3
	movl 4(%esp), %esi
	movl switch_data + SD_TRAP_STACK_TOP, %esp
	subl $TF_SIZE, %esp
	movl %esp, %edi
	movl $(TF_SIZE / 4), %ecx
	rep movsl
	jmp trap_return_to_guest

	.globl trap_stubs_end
trap_stubs_end:

/* The address of each vector's stub, for building the IDT. */
	.section .rodata
	.align 4
.macro STUB_ADDR vec
	.long trap_stub_\vec
.endm
	.globl trap_stub_table
trap_stub_table:
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr

/* Read by the stubs in any address space; written through the low alias. */
	.section .switch_data, "a"
	.align 16
	.globl switch_data
switch_data:
	.long 0                         /* hv_cr3 */
	.long 0                         /* trap_stack_top */

	.section .note.GNU-stack, "", @progbits
