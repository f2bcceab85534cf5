/*
 * ringos on a bare PC: multiboot entry. Paging is off and we run at our
 * physical address, so until paging is on every symbol is used minus
 * KERNEL_BASE. The boot page tables map the first GiB twice: at 0 (to keep
 * running across the switch) and at 0xC0000000 (the kernel's own place),
 * with 2 MiB pages; then we jump high and drop the low mapping.
 */
#define KERNEL_BASE     0xC0000000
#define PHYS(x)         ((x) - KERNEL_BASE)
#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.globl _start
_start:
	cli
	cld
	movl %eax, %esi                 /* multiboot magic */
	movl %ebx, %edi                 /* multiboot info (physical) */
	/* Zero .bss (the boot tables live there). */
	movl $PHYS(__bss_start), %ebx
	movl $PHYS(__bss_end), %ecx
1:	cmpl %ecx, %ebx
	jae 2f
	movl $0, (%ebx)
	addl $4, %ebx
	jmp 1b
2:	/* One directory of 512 2 MiB pages = the first GiB, used twice. */
	movl $PHYS(boot_l2), %ebx
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                 /* P | RW | PS */
	movl %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jb 3b
	movl $PHYS(boot_pdpt), %ebx
	movl $PHYS(boot_l2) + 1, %eax   /* PDPTEs take only P */
	movl %eax, 0(%ebx)              /* 0x00000000: identity, for the switch */
	movl %eax, 24(%ebx)             /* 0xC0000000: the kernel */
	movl %cr4, %eax
	orl $0x20, %eax                 /* PAE */
	movl %eax, %cr4
	movl %ebx, %cr3
	movl %cr0, %eax
	orl $0x80010000, %eax           /* PG | WP */
	movl %eax, %cr0
	movl $high, %eax                /* the loader's flat segments still hold */
	jmp *%eax

	.text
high:
	movl $boot_stack_top, %esp
	xorl %ebp, %ebp
	pushl %edi
	pushl %esi
	call kmain
5:	cli
	hlt
	jmp 5b

	.bss
	.align 4096
	.globl boot_pdpt, boot_l2
boot_pdpt:
	.skip 4096
boot_l2:
	.skip 4096
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
