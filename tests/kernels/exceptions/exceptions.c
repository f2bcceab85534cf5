/*
 * Exceptions raised on purpose in the hypervisor are caught with the right
 * vector, error code, CR2 and faulting instruction, and described correctly.
 * (tests/kernels/fatal checks the full report and panic when nobody catches.)
 */
#include "testlib.h"
#include "dispatch.h"
#include "format.h"
#include "string.h"
#include "x86.h"

/* Each raiser records the address of its faulting instruction. */
static uint32_t fault_eip;

static void raise_de(void *arg)
{
	__asm__ volatile("movl $1f, %0\n\t"
			 "xorl %%ecx, %%ecx\n\t"
			 "movl $1, %%eax\n\t"
			 "xorl %%edx, %%edx\n"
			 "1:\tdivl %%ecx" : "=m"(fault_eip) : : "eax", "ecx", "edx");
}

static void raise_ud(void *arg)
{
	__asm__ volatile("movl $1f, %0\n1:\tud2" : "=m"(fault_eip));
}

static void raise_gp(void *arg)
{
	/* Selector 0x1238 (index 0x247, beyond anything we define but within the
	 * GDT limit) is a null descriptor: loading it into %ds raises #GP with
	 * the selector as error code. */
	__asm__ volatile("movl $1f, %0\n\t"
			 "movl $0x1238, %%eax\n"
			 "1:\tmovl %%eax, %%ds\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds" : "=m"(fault_eip) : : "eax");
}

static void raise_pf_read(void *arg)
{
	__asm__ volatile("movl $1f, %0\n"
			 "1:\tmovl 0xdead0000, %%eax" : "=m"(fault_eip) : : "eax");
}

static void raise_pf_write_ro(void *arg)
{
	/* The hypervisor's own text is mapped read-only (CR0.WP is set). */
	__asm__ volatile("movl $1f, %0\n"
			 "1:\tmovl $0, (%1)" : "=m"(fault_eip) : "r"(arg) : "memory");
}

static void raise_pf_exec_nx(void *arg)
{
	fault_eip = (uint32_t)(uintptr_t)arg;
	((void (*)(void))arg)();
}

static void no_fault(void *arg)
{
	*(volatile int *)arg = 42;
}

static uint8_t data_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static void expect(const char *what, void (*fn)(void *), void *arg, uint32_t vector,
		   uint32_t err, uint32_t cr2, const char *describe)
{
	struct trap_record r;
	char text[160];

	memset(&r, 0xff, sizeof(r));
	fault_eip = 0;
	bool faulted = trap_catch(fn, arg, &r);
	exception_describe(text, sizeof(text), r.vector, r.error_code);
	test_check(faulted && r.vector == vector && r.error_code == err &&
		   (vector != VEC_PF || r.cr2 == cr2) && r.eip == fault_eip && r.cs == HV_CS,
		   "%s: vector %u err %#x cr2 %#x eip %#x (expected %u %#x %#x %#x)", what,
		   r.vector, r.error_code, r.cr2, r.eip, vector, err, cr2, fault_eip);
	test_check(strstr(text, describe) != NULL, "%s described as '%s'", what, text);
}

void test_main(void)
{
	extern char __image_start[];
	volatile int v = 0;
	struct trap_record r;

	expect("#DE", raise_de, NULL, VEC_DE, 0, 0, "#DE Divide Error (vector 0)");
	expect("#UD", raise_ud, NULL, VEC_UD, 0, 0, "#UD Invalid Opcode (vector 6)");
	expect("#GP", raise_gp, NULL, VEC_GP, 0x1238, 0,
	       "#GP General Protection (vector 13), error code 0x1238 (GDT index 583)");
	expect("#PF read of unmapped memory", raise_pf_read, NULL, VEC_PF, 0x0, 0xdead0000,
	       "error code 0 (page not present, read, supervisor)");
	expect("#PF write to read-only text", raise_pf_write_ro, __image_start + 0x1000, VEC_PF,
	       0x3, (uint32_t)(uintptr_t)(__image_start + 0x1000),
	       "error code 0x3 (protection violation, write, supervisor)");
	data_page[0] = 0xc3;    /* ret: would run if NX were not enforced */
	expect("#PF execute of NX data", raise_pf_exec_nx, data_page, VEC_PF, 0x11,
	       (uint32_t)(uintptr_t)data_page,
	       "error code 0x11 (protection violation, instruction fetch, supervisor)");

	test_check(!trap_catch(no_fault, (void *)&v, &r) && v == 42,
		   "a function that does not fault returns normally through trap_catch");
	test_check(dispatch_count(VEC_PF) == 3 && dispatch_count(VEC_DE) == 1 &&
		   dispatch_count(VEC_UD) == 1 && dispatch_count(VEC_GP) == 1,
		   "the dispatcher counted every exception by vector");
	test_check((read_eflags() & EFLAGS_IF) != 0, "interrupts are back on after recoveries");
	test_finish();
}
