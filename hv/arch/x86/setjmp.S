/* int hv_setjmp(struct jmp_buf *) / void hv_longjmp(struct jmp_buf *, int)
 * Also saves and restores EFLAGS, so a jump out of an interrupt handler
 * (which runs with IF clear) returns to the interrupt state of the setjmp. */
	.text
	.globl hv_setjmp
hv_setjmp:
	movl 4(%esp), %eax
	movl %ebx, 0(%eax)
	movl %esi, 4(%eax)
	movl %edi, 8(%eax)
	movl %ebp, 12(%eax)
	leal 4(%esp), %ecx              /* esp as it will be after our ret */
	movl %ecx, 16(%eax)
	movl (%esp), %ecx               /* return address */
	movl %ecx, 20(%eax)
	pushfl
	popl 24(%eax)
	xorl %eax, %eax
	ret

	.globl hv_longjmp
hv_longjmp:
	movl 4(%esp), %edx
	movl 8(%esp), %eax
	testl %eax, %eax
	jnz 1f
	incl %eax                       /* longjmp(jb, 0) returns 1 */
1:	movl 0(%edx), %ebx
	movl 4(%edx), %esi
	movl 8(%edx), %edi
	movl 12(%edx), %ebp
	movl 16(%edx), %esp
	pushl 24(%edx)
	popfl
	jmp *20(%edx)

	.section .note.GNU-stack, "", @progbits
