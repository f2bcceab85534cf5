/* ringos: switching kernel stacks between processes (the same on both ports). */
	.text
	.globl swtch
swtch:
	movl 4(%esp), %eax              /* uint32_t *old_esp */
	movl 8(%esp), %edx              /* new esp */
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

/* Where a new process's first switch lands: its trap frame is just above. */
	.globl fork_return
fork_return:
	jmp trap_return

	.section .note.GNU-stack, "", @progbits
