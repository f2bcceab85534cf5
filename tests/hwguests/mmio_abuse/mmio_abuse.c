/*
 * mmio_abuse: system structures put in device memory, one way per
 * command-line mode. Neither is something a CPU's own exception could
 * describe, so the hypervisor must stop the domain with its reason, not
 * loop, not emulate an unrelated instruction, not inject a made-up fault.
 *
 *   idt        the IDT at the local APIC's page, then int $0x40: the CPU
 *              faults (a nested page fault) while delivering the
 *              interrupt, reading the gate from device memory
 *   pagetable  32-bit paging whose page table for 4-8 MiB is the I/O
 *              APIC's page: an access there makes the CPU walk device
 *              memory, and the hypervisor's emulator would have to too
 */
#include "hwg.h"
#include "string.h"
#include "x86.h"

#define LAPIC           0xfee00000u
#define IOAPIC          0xfec00000u

static uint32_t pd[1024] __aligned(4096);

static void idt(void)
{
	static const struct desc_ptr in_apic = { 0x7ff, LAPIC };
	hwg_printf("idt: the IDT at %#x, then int $0x40\n", LAPIC);
	lidt(&in_apic);
	__asm__ volatile("int $0x40");
	test_error("idt: still running after an interrupt through device memory");
}

static void pagetable(void)
{
	/* 0-4 MiB: a 4 MiB page (where we run); 4-8 MiB: a table in the I/O
	 * APIC's page. */
	pd[0] = 0x83;                   /* P | RW | PS */
	pd[1] = IOAPIC | 0x3;           /* P | RW: the "page table" */
	write_cr4(read_cr4() | CR4_PSE);
	write_cr3((uint32_t)(uintptr_t)pd);
	write_cr0(read_cr0() | CR0_PG);
	hwg_printf("pagetable: paging on, 4-8 MiB mapped through a table at %#x\n", IOAPIC);
	volatile uint32_t *p = (volatile uint32_t *)0x400000;
	uint32_t v = *p;
	hwg_printf("pagetable: read %#x through a page table in device memory\n", v);
	test_error("pagetable: a walk through device memory was not stopped");
}

void guest_main(void)
{
	if (hwg_cmdline_has("idt"))
		idt();
	else if (hwg_cmdline_has("pagetable"))
		pagetable();
	else
		test_error("mmio_abuse: no mode on the command line (idt, pagetable)");
}
