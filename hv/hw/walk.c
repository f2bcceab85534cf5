/*
 * The guest's own address translation, in software: what the CPU did with
 * the guest's page tables before a nested page fault or an I/O exit, done
 * again so the hypervisor can read the instruction at the guest's rip and
 * the memory operands of an emulated instruction. Paging off, 32-bit
 * paging (4 KiB and, with CR4.PSE, 4 MiB pages) and PAE paging (4 KiB and
 * 2 MiB pages); the tables are read in guest-physical memory through the
 * domain's frames. Accessed and dirty bits are left alone: the
 * instruction is then run by us, as the CPU's own retry would have set them
 * when it needed them (noted in docs/hw.md).
 */
#include "hw.h"
#include "domain.h"
#include "errno.h"
#include "x86.h"

#define PF_P            (1u << 0)
#define PF_W            (1u << 1)
#define PF_U            (1u << 2)

/* The page-fault error code for a missing or forbidden translation. */
static int fault(uint32_t *pfec, uint32_t code)
{
	*pfec = code;
	return -EFAULT;
}

int hw_linear_to_gpa(const struct domain *d, uint32_t linear, bool write, bool user,
		     uint64_t *gpa, uint32_t *pfec)
{
	uint32_t cr0 = hw_guest_cr0(d), cr3 = hw_guest_cr3(d), cr4 = hw_guest_cr4(d);
	uint32_t acc = (write ? PF_W : 0) | (user ? PF_U : 0);
	bool wp = cr0 & CR0_WP;

	if (!(cr0 & CR0_PG)) {
		*gpa = linear;
		return 0;
	}
	bool rw = true, us = true;
	uint64_t base;
	if (cr4 & CR4_PAE) {
		uint64_t e;
		if (hw_copy_from_gpa(d, (cr3 & 0xffffffe0u) + ((linear >> 30) & 3) * 8, &e, 8))
			return -EIO;
		if (!(e & PTE_P))
			return fault(pfec, acc);
		if (hw_copy_from_gpa(d, (e & PTE_ADDR_MASK) + ((linear >> 21) & 511) * 8, &e, 8))
			return -EIO;
		if (!(e & PTE_P))
			return fault(pfec, acc);
		rw = e & PTE_RW, us = e & PTE_US;
		if (e & PTE_PS) {
			base = (e & PTE_ADDR_2M) | (linear & 0x1fffff);
		} else {
			if (hw_copy_from_gpa(d, (e & PTE_ADDR_MASK) + ((linear >> 12) & 511) * 8, &e, 8))
				return -EIO;
			if (!(e & PTE_P))
				return fault(pfec, acc);
			rw = rw && (e & PTE_RW), us = us && (e & PTE_US);
			base = (e & PTE_ADDR_MASK) | (linear & 0xfff);
		}
	} else {
		uint32_t e;
		if (hw_copy_from_gpa(d, (cr3 & 0xfffff000u) + (linear >> 22) * 4, &e, 4))
			return -EIO;
		if (!(e & PTE_P))
			return fault(pfec, acc);
		rw = e & PTE_RW, us = e & PTE_US;
		if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
			/* PSE-36: bits 13-20 of a 4 MiB entry are address bits 32-39 */
			base = (e & 0xffc00000u) | ((uint64_t)((e >> 13) & 0xff) << 32) |
			       (linear & 0x3fffff);
		} else {
			if (hw_copy_from_gpa(d, (e & 0xfffff000u) + ((linear >> 12) & 1023) * 4, &e, 4))
				return -EIO;
			if (!(e & PTE_P))
				return fault(pfec, acc);
			rw = rw && (e & PTE_RW), us = us && (e & PTE_US);
			base = (e & 0xfffff000u) | (linear & 0xfff);
		}
	}
	if ((user && !us) || (write && !rw && (user || wp)))
		return fault(pfec, acc | PF_P);
	*gpa = base;
	return 0;
}
