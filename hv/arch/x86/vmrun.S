/*
 * void svm_vmrun(uint32_t vmcb_pa, struct hw_gprs *g, uint32_t host_area_pa)
 *
 * One trip into an SVM guest and back (hv/hw/svm.h). VMRUN loads the
 * guest's state from the VMCB and #VMEXIT restores the host's rip, rsp,
 * rax, eflags, CR0/3/4, EFER, GDTR, IDTR and ES/CS/SS/DS from the host
 * save area; everything else is ours to move: the guest's ebx..ebp (in
 * struct hw_gprs, offsets below), and with VMLOAD/VMSAVE the guest's FS,
 * GS, TR, LDTR and SYSENTER MSRs, then the host's own back from
 * host_area. GIF is clear from CLGI to STGI, so no interrupt lands while
 * the registers are the guest's; IF is on across VMRUN so that a host
 * interrupt arriving in the guest makes it exit (the INTR intercept) and
 * is taken here, at STGI.
 */
#define G_EBX 0
#define G_ECX 4
#define G_EDX 8
#define G_ESI 12
#define G_EDI 16
#define G_EBP 20

	.text
	.globl svm_vmrun
svm_vmrun:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	/* 20(%esp) vmcb_pa, 24(%esp) g, 28(%esp) host_area_pa */
	movl 24(%esp), %eax
	pushl %eax                      /* g, for after the exit */
	clgi
	movl 24(%esp), %eax             /* vmcb_pa */
	vmload
	movl 28(%esp), %eax             /* g */
	movl G_EBX(%eax), %ebx
	movl G_ECX(%eax), %ecx
	movl G_EDX(%eax), %edx
	movl G_ESI(%eax), %esi
	movl G_EDI(%eax), %edi
	movl G_EBP(%eax), %ebp
	movl 24(%esp), %eax             /* vmcb_pa */
	sti
	vmrun
	/* #VMEXIT: host rsp, rax (vmcb_pa) and eflags are back; GIF is 0. */
	vmsave
	movl (%esp), %eax               /* g */
	movl %ebx, G_EBX(%eax)
	movl %ecx, G_ECX(%eax)
	movl %edx, G_EDX(%eax)
	movl %esi, G_ESI(%eax)
	movl %edi, G_EDI(%eax)
	movl %ebp, G_EBP(%eax)
	movl 32(%esp), %eax             /* host_area_pa */
	vmload
	stgi                            /* a pending host interrupt is taken here */
	cli
	popl %eax
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
