/*
 * ringos pc port: what the shared trap entry (guest/kernel/trap_entry.S)
 * takes from this port: the kernel's data segment selector, in its own GDT
 * (guest/arch/pc/cpu.c). The boot entry is in boot.S.
 */
	.globl port_kernel_ds
	.set port_kernel_ds, 0x10

	.section .note.GNU-stack, "", @progbits
