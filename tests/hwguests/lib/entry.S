/*
 * Entry of a hw test guest: the multiboot v1 header, then _start as a
 * multiboot loader leaves us (32-bit protected mode, paging off, EAX =
 * 0x2BADB002, EBX = the information structure). We bring our own GDT and
 * stack, and 256 interrupt stubs that all land in hwg_trap (hwg.c).
 */
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* page-aligned modules, memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	mov $boot_stack_top, %esp
	push %ebx                       /* hwg_start(magic, info) */
	push %eax
	lgdt gdt_ptr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	call hwg_start
2:	hlt
	jmp 2b

/* Vector stubs, 16 bytes apart: an error code (a dummy 0 where the CPU
 * pushes none), the vector, then the common path. */
	.align 16
	.globl hwg_stubs
hwg_stubs:
	vec = 0
	.rept 256
	.align 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push $0
	.endif
	push $vec
	jmp trap_common
	vec = vec + 1
	.endr

trap_common:
	pusha
	cld
	push %esp
	call hwg_trap
	add $4, %esp
	popa
	add $8, %esp
	iret

	.section .data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: code, flat 4 GiB */
	.quad 0x00cf92000000ffff        /* 0x10: data, flat 4 GiB */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long gdt

	.section .bss
	.align 16
	.space 16384
boot_stack_top:
