/*
 * ringos pv port: the boot entry, the event upcall (which enters the shared
 * trap entry, guest/kernel/trap_entry.S, as "interrupt 0x20"), and the
 * kernel data segment selector that trap entry loads: ring 1's.
 */
	.globl port_kernel_ds
	.set port_kernel_ds, 0x21               /* RV_GUEST_KERNEL_DS */

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
