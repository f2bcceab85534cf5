/*
 * SVM on this CPU: turning it on, the permission maps every hw domain
 * shares, and one VMCB per vCPU with the intercepts of docs/hw.md.
 *
 * Turning it on (AMD APM vol. 2, 15.4): CPUID 0x80000001 ECX.SVM, the
 * firmware's VM_CR.SVMDIS clear, then EFER.SVME and VM_HSAVE_PA, the page
 * where VMRUN keeps the host's state. Nested paging (CPUID 0x8000000A
 * EDX.NP) is what a hw domain uses by default; without it only npt = off
 * domains run (shadow paging, shadow.c). ../shared/probes/p7_svm.c showed
 * that on a 32-bit host nested paging works only with PAE nested tables
 * under a PAE host, which is what we run; the shadow is PAE too.
 */
#include "hw.h"
#include "cpu.h"
#include "domain.h"
#include "errno.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "format.h"
#include "string.h"
#include "x86.h"

#define MSR_VM_CR               0xc0010114u
#define VM_CR_SVMDIS            (1u << 4)
#define MSR_VM_HSAVE_PA         0xc0010117u

bool hw_svm_ready;
char hw_svm_missing[64];
bool hw_npt_ready;
char hw_npt_missing[64];

static paddr_t hsave_pa;        /* VMRUN's host save area */
static paddr_t host_area_pa;    /* our FS, GS, TR, LDTR, SYSENTER (VMSAVE) */
static paddr_t iopm_pa;         /* 12 KiB: every port exits */
static paddr_t msrpm_pa;        /* 8 KiB: every MSR exits but the few below */

static void vmsave(paddr_t pa)
{
	__asm__ volatile("vmsave" : : "a"((uint32_t)pa) : "memory");
}

/* Let the guest read and write an MSR directly: the ones VMLOAD/VMSAVE
 * switch for us (the guest's SYSENTER and SYSCALL targets). */
static void msr_passthrough(uint8_t *map, uint32_t msr)
{
	uint32_t base;
	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000u && msr < 0xc0002000u)
		base = 0x800, msr -= 0xc0000000u;
	else
		return;
	uint32_t bit = msr * 2;
	map[base + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

static int alloc_map(uint32_t pages, paddr_t *pa)
{
	if (alloc_frames_contig(pages, pa))
		return -ENOMEM;
	memset(phys_to_virt(*pa), 0xff, pages * PAGE_SIZE);
	return 0;
}

void hw_svm_init(void)
{
	const struct cpu_features *f = &cpu_features;

	if (!f->svm)
		snprintf(hw_svm_missing, sizeof(hw_svm_missing), "the CPU has no SVM");
	else if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		snprintf(hw_svm_missing, sizeof(hw_svm_missing), "SVM is disabled by the firmware");
	else if (!f->pae)
		snprintf(hw_svm_missing, sizeof(hw_svm_missing), "nested and shadow paging need PAE");
	if (hw_svm_missing[0]) {
		pr_info("hw: not available: %s\n", hw_svm_missing);
		return;
	}
	hsave_pa = alloc_frame();
	host_area_pa = alloc_frame();
	if (!hsave_pa || !host_area_pa || alloc_map(3, &iopm_pa) || alloc_map(2, &msrpm_pa)) {
		snprintf(hw_svm_missing, sizeof(hw_svm_missing), "no memory for the SVM areas");
		pr_err("hw: not available: %s\n", hw_svm_missing);
		return;
	}
	uint8_t *msrpm = phys_to_virt(msrpm_pa);
	static const uint32_t direct[] = { 0x174, 0x175, 0x176,                 /* SYSENTER_* */
					   0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084 };
	for (unsigned i = 0; i < ARRAY_SIZE(direct); i++)
		msr_passthrough(msrpm, direct[i]);

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave_pa);
	vmsave(host_area_pa);
	hw_svm_ready = true;
	hw_npt_ready = f->svm_npt;
	if (!hw_npt_ready) {
		snprintf(hw_npt_missing, sizeof(hw_npt_missing), "the CPU has SVM but no nested paging");
		pr_info("hw: nested paging not available: %s; hw domains run with npt = off "
			"(shadow paging)\n", hw_npt_missing);
	}
	pr_info("hw: SVM on, %s, %u ASIDs; exits: every port, every MSR but 7, CPUID, "
		"HLT, INTR, NMI, SHUTDOWN, SVM instructions, INVD/WBINVD, task switches\n",
		hw_npt_ready ? "nested paging" : "shadow paging only", f->svm_asids);
}

/* Flat 32-bit segment attributes (access byte | G, D/B << 8). */
#define ATTR_CODE32     0x0c9b
#define ATTR_DATA32     0x0c93

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint32_t base)
{
	s->sel = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

int hw_vmcb_create(struct domain *d)
{
	paddr_t pa = alloc_frame();
	if (!pa)
		return -ENOMEM;
	struct vmcb *v = phys_to_virt(pa);
	d->hw->vmcb = v;

	/* Exceptions: only #AC, which a guest could otherwise turn into an
	 * endless delivery loop that never exits (CVE-2015-5307); it is
	 * handed straight back to the guest. */
	v->exceptions = EXCP_AC;
	v->icpt3 = ICPT_INTR | ICPT_NMI | ICPT_SMI | ICPT_INIT | ICPT_CPUID | ICPT_INVD |
		   ICPT_HLT | ICPT_INVLPGA | ICPT_IOIO | ICPT_MSR | ICPT_TASK_SWITCH |
		   ICPT_SHUTDOWN;
	v->icpt4 = ICPT_VMRUN | ICPT_VMMCALL | ICPT_VMLOAD | ICPT_VMSAVE | ICPT_STGI |
		   ICPT_CLGI | ICPT_SKINIT | ICPT_RDTSCP | ICPT_WBINVD | ICPT_MONITOR |
		   ICPT_MWAIT | ICPT_XSETBV;
	v->iopm_pa = iopm_pa;
	v->msrpm_pa = msrpm_pa;
	v->asid = 1;
	v->tlb_control = 1;
	/* The guest's IF masks only its virtual interrupts; ours exit. */
	v->vintr = VINTR_MASKING;
	if (!d->hw->shadow) {
		v->np_enable = 1;
		v->ncr3 = d->hw->npt.pdpt;
	} else {
		/* Shadow paging (shadow.c): the CPU walks our tables, so the
		 * guest's paging registers and TLB flushes and its page
		 * faults come to us. */
		v->cr_read = v->cr_write = (1u << 0) | (1u << 3) | (1u << 4);
		v->exceptions |= EXCP_PF;
		v->icpt3 |= ICPT_INVLPG;
	}

	/* A PC after its firmware handed over to a 32-bit loader: flat
	 * protected mode, paging off, interrupts off (hw/build.c then sets
	 * the entry registers). */
	seg(&v->cs, 0x08, ATTR_CODE32, 0xffffffff, 0);
	seg(&v->ds, 0x10, ATTR_DATA32, 0xffffffff, 0);
	seg(&v->es, 0x10, ATTR_DATA32, 0xffffffff, 0);
	seg(&v->ss, 0x10, ATTR_DATA32, 0xffffffff, 0);
	seg(&v->fs, 0x10, ATTR_DATA32, 0xffffffff, 0);
	seg(&v->gs, 0x10, ATTR_DATA32, 0xffffffff, 0);
	seg(&v->gdtr, 0, 0, 0xffff, 0);
	seg(&v->idtr, 0, 0, 0x3ff, 0);
	seg(&v->ldtr, 0, 0x0082, 0xffff, 0);
	seg(&v->tr, 0, 0x008b, 0xffff, 0);
	v->cpl = 0;
	v->efer = EFER_SVME;            /* VMRUN requires it; the guest never sees it */
	v->cr0 = CR0_PE | (1u << 4) /* ET */;
	v->dr6 = 0xffff0ff0;
	v->dr7 = 0x400;
	v->rflags = EFLAGS_FIXED;
	v->g_pat = 0x0007040600070406ull;       /* the reset PAT */
	return 0;
}

void hw_vmcb_destroy(struct domain *d)
{
	if (d->hw->vmcb)
		free_frame(virt_to_phys(d->hw->vmcb));
	d->hw->vmcb = NULL;
}

/*
 * One trip into the guest. Every hw domain uses ASID 1, and the TLB is
 * flushed whenever another domain ran in between or the nested tables
 * changed (QEMU's TCG flushes its software TLB on every world switch
 * anyway, so tagging buys nothing here; docs/hw.md).
 */
void hw_vmrun(struct domain *d)
{
	static const struct domain *last;
	struct vmcb *v = d->hw->vmcb;

	if (last != d || d->hw->need_flush)
		v->tlb_control = 1;
	else
		v->tlb_control = 0;
	last = d;
	d->hw->need_flush = false;
	svm_vmrun((uint32_t)virt_to_phys(v), &d->hw->gprs, (uint32_t)host_area_pa);
}
