/*
 * hostile: a hw guest that misbehaves on purpose, one way per command-line
 * mode; the tests (docs/hw-tests.md) check that the hypervisor stops or
 * contains it and that a pv bystander beside it still finishes.
 *
 *   scan       reads one word of every 4 KiB page from 0 to 4 GiB: RAM and
 *              device pages answer, and the first address that is neither
 *              (the end of its RAM) must stop the domain; it never gets
 *              further, so never near another domain's memory
 *   triple     an empty IDT, then int3: #GP, #DF, shutdown (triple fault)
 *   storm      the PIT at its fastest (count 1) on an unmasked IRQ 0, STI,
 *              3 s of spinning; ends itself with SUCCESS
 *   cli_spin   CLI and 3 s of spinning: the hypervisor's timer must still
 *              take the CPU away (seen as gaps in the TSC); ends itself
 *   badstate   EFER.LME and EFER.SVME, refused by the hypervisor with #GP;
 *              then SUCCESS
 *   cr4_reserved, cr0_pg_no_pe, cr0_nw_no_cd
 *              a control register state no CPU accepts: refused with #GP,
 *              or, if the CPU took it, VMRUN refuses it and the domain is
 *              stopped (bad_cr below)
 *   badcr3     paging on with CR3 beyond its RAM: the CPU's page walk
 *              reads guest-physical memory the domain does not have, and
 *              the domain must be stopped
 */
#include "hwg.h"
#include "pic.h"
#include "string.h"

#define PAGE            4096u
#define VEC_GP          13
#define CR0_NW          (1u << 29)
#define CR0_CD          (1u << 30)

static void scan(void)
{
	uint32_t ram = hwg_ram_bytes();
	hwg_printf("scan: reading every page of guest-physical memory from 0 (RAM ends at %#x)\n",
		   ram);
	uint32_t a = 0;
	do {
		volatile uint32_t v = *(volatile uint32_t *)(uintptr_t)a;
		(void)v;
		if (a >= ram && a < 0xfec00000u)
			hwg_printf("scan: read beyond RAM at %#x and was not stopped\n", a);
		a += PAGE;
	} while (a != 0);
	test_error("scan: read all of 4 GiB and was never stopped");
}

static void triple(void)
{
	static const struct desc_ptr empty = { 0, 0 };
	hwg_printf("triple: empty IDT, then int3\n");
	lidt(&empty);
	__asm__ volatile("int3");
	test_error("triple: still running after a triple fault");
}

/* Spin for ms milliseconds of TSC time; count the gaps of more than 2 ms
 * between two readings: times the CPU was taken away from us. */
static uint32_t spin_count_gaps(uint32_t ms)
{
	uint64_t hz = hwg_tsc_hz(), gap = hz / 500, end = rdtsc() + hz * ms / 1000;
	uint64_t last = rdtsc();
	uint32_t gaps = 0;
	for (;;) {
		uint64_t now = rdtsc();
		if (now - last > gap)
			gaps++;
		last = now;
		if (now >= end)
			return gaps;
	}
}

static volatile uint32_t storm_irqs;
static volatile bool storm_over;
static uint64_t storm_end;

/* A tick every 838 ns keeps the guest in this handler nearly all the time
 * (a storm starves its own main loop on any CPU), so the end of the storm
 * is decided here. */
static void storm_irq(struct hwg_frame *f)
{
	(void)f;
	storm_irqs++;
	if (rdtsc() >= storm_end) {
		pic_mask(0);
		storm_over = true;
	}
	pic_eoi(0);
}

static void storm(void)
{
	uint64_t hz = hwg_tsc_hz();     /* calibrated before the storm starts */
	pic_init(0x20);
	hwg_set_handler(0x20, storm_irq);
	storm_end = rdtsc() + hz * 3;
	outb(0x43, 0x34);               /* channel 0, lo/hi byte, rate generator */
	outb(0x40, 1);                  /* count 1: the fastest it goes */
	outb(0x40, 0);
	pic_unmask(0);
	hwg_printf("storm: PIT count 1 on IRQ 0, interrupts on, spinning 3 s\n");
	irq_enable();
	uint64_t loops = 0;
	while (!storm_over && rdtsc() < storm_end + hz * 2)
		loops++;
	irq_disable();
	pic_mask(0);
	hwg_printf("storm: %u interrupts taken, main loop ran %llu times\n", storm_irqs,
		   (unsigned long long)loops);
	test_check(storm_over, "the storm lasted its 3 s and ended");
	test_check(storm_irqs > 100, "the storm interrupts arrived (%u)", storm_irqs);
}

static void cli_spin(void)
{
	hwg_tsc_hz();
	hwg_printf("cli_spin: interrupts off, spinning 3 s\n");
	irq_disable();
	uint32_t gaps = spin_count_gaps(3000);
	test_check(gaps > 0, "the CPU was taken away from us while IF = 0 (%u gaps of > 2 ms)",
		   gaps);
}

/* EFER is the hypervisor's to check (every WRMSR exits): LME and SVME are
 * refused with #GP and the guest goes on. */
static void badstate(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	int v = hwg_try(2, "wrmsr" : : "c"(MSR_EFER), "a"((uint32_t)efer | (1u << 8)),
			"d"((uint32_t)(efer >> 32)) : "memory");
	test_check(v == VEC_GP, "EFER.LME: #GP (vector %d)", v);
	v = hwg_try(2, "wrmsr" : : "c"(MSR_EFER), "a"((uint32_t)efer | EFER_SVME),
		    "d"((uint32_t)(efer >> 32)) : "memory");
	test_check(v == VEC_GP, "EFER.SVME: #GP (vector %d)", v);
	test_check(rdmsr(MSR_EFER) == efer, "EFER unchanged (%#llx)",
		   (unsigned long long)rdmsr(MSR_EFER));
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	outb(0x80, 0x42);
	test_check(inb(0x80) == 0x42 && a >= 1, "the domain runs on after all of that");
}

/*
 * Control-register writes do not exit: the CPU checks them itself. A CPU
 * refuses these with #GP (AMD APM vol. 2, 3.1: MOV CRn); should it take
 * one anyway, the state is in the guest's VMCB at the next #VMEXIT, the
 * next VMRUN must refuse it (VMEXIT_INVALID, APM 15.5.1 "canonicalization
 * and consistency checks") and the hypervisor must stop the domain. Either
 * is containment; the port access right after forces that next VMRUN.
 */
static void bad_cr(const char *what, unsigned cr, uint32_t val)
{
	hwg_printf("%s: mov %#x to cr%u\n", what, val, cr);
	int v = cr == 0 ? hwg_try(3, "mov %0, %%cr0" : : "r"(val) : "memory") :
			  hwg_try(3, "mov %0, %%cr4" : : "r"(val) : "memory");
	outb(0x80, 0x42);
	test_check(v == VEC_GP, "%s: refused with #GP (vector %d)", what, v);
}

/* A page directory beyond RAM: the first access after PG=1 walks it. */
static void badcr3(void)
{
	uint32_t ram = hwg_ram_bytes(), cr3 = 0x40000000u;
	hwg_printf("badcr3: paging on with CR3 %#x (RAM ends at %#x)\n", cr3, ram);
	write_cr3(cr3);
	write_cr0(read_cr0() | CR0_PG);
	hwg_printf("badcr3: still running with paging on through absent tables\n");
	test_error("badcr3: the page walk beyond RAM was not stopped");
}

void guest_main(void)
{
	if (hwg_cmdline_has("scan"))
		scan();
	else if (hwg_cmdline_has("triple"))
		triple();
	else if (hwg_cmdline_has("storm"))
		storm();
	else if (hwg_cmdline_has("cli_spin"))
		cli_spin();
	else if (hwg_cmdline_has("badstate"))
		badstate();
	else if (hwg_cmdline_has("cr4_reserved"))
		bad_cr("cr4_reserved", 4, read_cr4() | (1u << 31));
	else if (hwg_cmdline_has("cr0_pg_no_pe"))
		bad_cr("cr0_pg_no_pe", 0, (read_cr0() | CR0_PG) & ~CR0_PE);
	else if (hwg_cmdline_has("cr0_nw_no_cd"))
		bad_cr("cr0_nw_no_cd", 0, (read_cr0() | CR0_NW) & ~CR0_CD);
	else if (hwg_cmdline_has("badcr3"))
		badcr3();
	else
		test_error("no mode on the command line (scan triple storm cli_spin badstate cr4_reserved cr0_pg_no_pe cr0_nw_no_cd badcr3)");
}
