/*
 * Multiboot (v1) entry. The boot loader (GRUB, or QEMU's -kernel) enters
 * here in 32-bit protected mode, paging off, interrupts off, with the magic
 * in eax and the physical address of the multiboot info in ebx.
 */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* modules page aligned, memory map wanted */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	cld
	/* Zero .bss ourselves rather than trust every loader to do it. */
	movl %eax, %esi
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %esi, %eax
	movl $boot_stack_top, %esp
	xorl %ebp, %ebp                 /* ends the backtrace */
	pushl $0                        /* EFLAGS: everything off, IF=0 */
	popfl
	pushl %ebx                      /* multiboot info */
	pushl %eax                      /* multiboot magic */
	call hv_start
1:	cli
	hlt
	jmp 1b

	.bss
	.align 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
