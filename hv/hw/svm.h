/*
 * AMD SVM: the virtual machine control block (VMCB) and the exit codes, as
 * the AMD64 Architecture Programmer's Manual vol. 2, chapter 15 and
 * appendix B lay them out. Private to hv/hw/.
 *
 * The VMCB is one page: the control area (what exits, how events are
 * injected, why the guest exited) and the state save area (the guest's
 * registers that VMRUN loads and #VMEXIT stores). Field offsets are
 * checked at compile time against the manual's table.
 */
#ifndef HV_HW_SVM_H
#define HV_HW_SVM_H

#include "types.h"

/* Intercept vector 3 (control area 0x00c). */
#define ICPT_INTR               (1u << 0)
#define ICPT_NMI                (1u << 1)
#define ICPT_SMI                (1u << 2)
#define ICPT_INIT               (1u << 3)
#define ICPT_VINTR              (1u << 4)
#define ICPT_CPUID              (1u << 18)
#define ICPT_INVD               (1u << 22)
#define ICPT_HLT                (1u << 24)
#define ICPT_INVLPG             (1u << 25)
#define ICPT_INVLPGA            (1u << 26)
#define ICPT_IOIO               (1u << 27)
#define ICPT_MSR                (1u << 28)
#define ICPT_TASK_SWITCH        (1u << 29)
#define ICPT_SHUTDOWN           (1u << 31)
/* Intercept vector 4 (0x010). */
#define ICPT_VMRUN              (1u << 0)
#define ICPT_VMMCALL            (1u << 1)
#define ICPT_VMLOAD             (1u << 2)
#define ICPT_VMSAVE             (1u << 3)
#define ICPT_STGI               (1u << 4)
#define ICPT_CLGI               (1u << 5)
#define ICPT_SKINIT             (1u << 6)
#define ICPT_RDTSCP             (1u << 7)
#define ICPT_WBINVD             (1u << 9)
#define ICPT_MONITOR            (1u << 10)
#define ICPT_MWAIT              (1u << 11)
#define ICPT_XSETBV             (1u << 13)

/* vintr (0x060). */
#define VINTR_TPR_MASK          0xffull
#define VINTR_IRQ               (1ull << 8)
#define VINTR_PRIO_SHIFT        16
#define VINTR_IGN_TPR           (1ull << 20)
#define VINTR_MASKING           (1ull << 24)
#define VINTR_VECTOR_SHIFT      32

/* int_state (0x068). */
#define INT_SHADOW              (1ull << 0)

/* eventinj (0x0a8) and exitintinfo (0x088). */
#define EVT_VECTOR_MASK         0xffu
#define EVT_TYPE_INTR           (0u << 8)
#define EVT_TYPE_NMI            (2u << 8)
#define EVT_TYPE_EXCEPTION      (3u << 8)
#define EVT_TYPE_SOFT           (4u << 8)
#define EVT_TYPE_MASK           (7u << 8)
#define EVT_ERR_VALID           (1u << 11)
#define EVT_VALID               (1u << 31)

/* The IOIO exit's exitinfo1. */
#define IOIO_IN                 (1u << 0)
#define IOIO_STR                (1u << 2)
#define IOIO_REP                (1u << 3)
#define IOIO_SZ8                (1u << 4)
#define IOIO_SZ16               (1u << 5)
#define IOIO_SZ32               (1u << 6)
#define IOIO_A16                (1u << 7)
#define IOIO_A32                (1u << 8)
#define IOIO_PORT_SHIFT         16

/* Intercepted exceptions (control area 0x008). */
#define EXCP_PF                 (1u << 14)
#define EXCP_AC                 (1u << 17)

/* The nested page fault's exitinfo1 (a page-fault error code). */
#define NPF_P                   (1u << 0)
#define NPF_WRITE               (1u << 1)
#define NPF_USER                (1u << 2)
#define NPF_RSVD                (1u << 3)
#define NPF_FETCH               (1u << 4)

/* Exit codes. */
#define VMEXIT_CR0_READ         0x000   /* + n: CRn read */
#define VMEXIT_CR0_WRITE        0x010   /* + n: CRn write */
#define VMEXIT_EXCP_BASE        0x040   /* + vector */
#define VMEXIT_INTR             0x060
#define VMEXIT_NMI              0x061
#define VMEXIT_SMI              0x062
#define VMEXIT_INIT             0x063
#define VMEXIT_VINTR            0x064
#define VMEXIT_CPUID            0x072
#define VMEXIT_INVD             0x076
#define VMEXIT_PAUSE            0x077
#define VMEXIT_HLT              0x078
#define VMEXIT_INVLPG           0x079
#define VMEXIT_INVLPGA          0x07a
#define VMEXIT_IOIO             0x07b
#define VMEXIT_MSR              0x07c
#define VMEXIT_TASK_SWITCH      0x07d
#define VMEXIT_FERR_FREEZE      0x07e
#define VMEXIT_SHUTDOWN         0x07f
#define VMEXIT_VMRUN            0x080
#define VMEXIT_VMMCALL          0x081
#define VMEXIT_VMLOAD           0x082
#define VMEXIT_VMSAVE           0x083
#define VMEXIT_STGI             0x084
#define VMEXIT_CLGI             0x085
#define VMEXIT_SKINIT           0x086
#define VMEXIT_RDTSCP           0x087
#define VMEXIT_ICEBP            0x088
#define VMEXIT_WBINVD           0x089
#define VMEXIT_MONITOR          0x08a
#define VMEXIT_MWAIT            0x08b
#define VMEXIT_MWAIT_COND       0x08c
#define VMEXIT_XSETBV           0x08d
#define VMEXIT_NPF              0x400
#define VMEXIT_INVALID          0xffffffffu

/* A segment register in the state save area. attrib: the descriptor's
 * access byte (bits 7:0) and its flags nibble G, D/B, L, AVL (bits 11:8). */
struct __packed vmcb_seg {
	uint16_t sel;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

struct __packed vmcb {
	/* control area */
	uint16_t cr_read, cr_write, dr_read, dr_write;
	uint32_t exceptions;
	uint32_t icpt3, icpt4, icpt5;
	uint8_t  res0[0x03c - 0x018];
	uint16_t pause_threshold, pause_count;
	uint64_t iopm_pa, msrpm_pa, tsc_offset;
	uint32_t asid;
	uint8_t  tlb_control, res1[3];
	uint64_t vintr, int_state, exitcode, exitinfo1, exitinfo2, exitintinfo;
	uint64_t np_enable, avic, ghcb, eventinj, ncr3, lbr_virt;
	uint32_t clean, res2;
	uint64_t nrip;
	uint8_t  insn_len, insn_bytes[15];
	uint8_t  res3[0x400 - 0x0e0];
	/* state save area */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t  res4[0x4cb - 0x4a0];
	uint8_t  cpl;
	uint32_t res5;
	uint64_t efer;
	uint8_t  res6[0x548 - 0x4d8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t  res7[0x5d8 - 0x580];
	uint64_t rsp;
	uint8_t  res8[0x5f8 - 0x5e0];
	uint64_t rax, star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, cr2;
	uint8_t  res9[0x668 - 0x648];
	uint64_t g_pat, dbgctl;
	uint8_t  res10[0x1000 - 0x678];
};

BUILD_ASSERT(__builtin_offsetof(struct vmcb, iopm_pa) == 0x040, "vmcb iopm");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, asid) == 0x058, "vmcb asid");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, vintr) == 0x060, "vmcb vintr");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, exitcode) == 0x070, "vmcb exitcode");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, np_enable) == 0x090, "vmcb np");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, eventinj) == 0x0a8, "vmcb eventinj");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, ncr3) == 0x0b0, "vmcb ncr3");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, nrip) == 0x0c8, "vmcb nrip");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, es) == 0x400, "vmcb es");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, tr) == 0x490, "vmcb tr");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, cpl) == 0x4cb, "vmcb cpl");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, efer) == 0x4d0, "vmcb efer");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, cr4) == 0x548, "vmcb cr4");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, rip) == 0x578, "vmcb rip");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, rsp) == 0x5d8, "vmcb rsp");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, rax) == 0x5f8, "vmcb rax");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, sysenter_cs) == 0x628, "vmcb sysenter");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, cr2) == 0x640, "vmcb cr2");
BUILD_ASSERT(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "vmcb g_pat");
BUILD_ASSERT(sizeof(struct vmcb) == 4096, "vmcb size");

/* The guest's general registers that VMRUN does not keep in the VMCB
 * (rax and rsp live there). Offsets used by hv/hw/vmrun.S. */
struct hw_gprs {
	uint32_t ebx, ecx, edx, esi, edi, ebp;
};

/* Enter the guest of the VMCB at vmcb_pa with the registers in g, until
 * its next #VMEXIT; g then holds its registers again. The host's own
 * FS, GS, TR, LDTR and SYSENTER MSRs are kept in host_area (VMSAVE'd at
 * boot) and reloaded after the exit. Interrupts must be disabled; a host
 * interrupt that made the guest exit is taken just before this returns
 * (GIF set with IF on, then off again). */
void svm_vmrun(uint32_t vmcb_pa, struct hw_gprs *g, uint32_t host_area_pa);

#endif
