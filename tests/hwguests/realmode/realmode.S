/*
 * realmode: a raw image that a hw domain starts in real mode, as a PC BIOS
 * starts a boot sector (config realmode = 0x7c00; tests/data/realmode.cfg).
 * 16-bit code throughout: it checks what the hypervisor promised (CS:IP =
 * 0000:7c00, DL = 0x80, CR0.PE clear), does 16-bit work that exits (port
 * I/O through the emulated UART, CPUID, a string OUTSB that the emulator
 * runs with 16-bit addressing), prints its lines on COM1 by polling, and
 * powers off through port 0xf4 with 0 (every check held) or the number of
 * the first one that failed.
 */
#define COM1    0x3f8
#define LSR     (COM1 + 5)

	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	movb %dl, boot_drive

	movw $msg_hello, %si
	call puts

	/* 1: started at 0000:7c00: a near call's return address says where we are */
	movw $1, %bx
	call 1f
1:	popw %ax
	cmpw $1b, %ax
	jne fail
	/* 2: DL = 0x80, the first hard disk */
	movw $2, %bx
	cmpb $0x80, boot_drive
	jne fail
	/* 3: real mode: CR0.PE clear */
	movw $3, %bx
	movl %cr0, %eax
	testb $1, %al
	jnz fail
	/* 4: CPUID answers in real mode, with ringvisor's leaf */
	movw $4, %bx
	movl $0x40000000, %eax
	cpuid
	cmpl $0x676e6972, %ebx          /* "ring" */
	jne fail
	/* 5: 16-bit string I/O: OUTSB of the message through the emulator */
	movw $5, %bx
	movw $msg_outs, %si
	movw $msg_outs_len, %cx
	movw $COM1, %dx
	cld
	rep outsb
	cmpw $0, %cx
	jne fail
	cmpw $msg_outs + msg_outs_len, %si
	jne fail

	movw $msg_ok, %si
	call puts
	xorl %eax, %eax
	jmp off
fail:
	movw $msg_fail, %si
	call puts
	movzwl %bx, %eax
off:
	outl %eax, $0xf4
1:	hlt
	jmp 1b

/* puts: the NUL-terminated string at %si on COM1, polling THRE. */
puts:
	pushw %ax
	pushw %dx
2:	lodsb
	testb %al, %al
	jz 4f
	movb %al, %ah
	movw $LSR, %dx
3:	inb %dx, %al
	testb $0x20, %al
	jz 3b
	movb %ah, %al
	movw $COM1, %dx
	outb %al, %dx
	jmp 2b
4:	popw %dx
	popw %ax
	ret

boot_drive:	.byte 0
msg_hello:	.asciz "realmode: started at 0000:7c00 in real mode\r\n"
msg_outs:	.ascii "realmode: a line sent by rep outsb\r\n"
	.set msg_outs_len, . - msg_outs
msg_ok:		.asciz "TEST RESULT: SUCCESS (5 checks)\r\n"
msg_fail:	.asciz "TEST RESULT: FAILURE (see the exit code)\r\n"
