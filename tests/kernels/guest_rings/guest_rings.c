/*
 * The guest entry/exit path through the switch region, end to end: tiny
 * programs run at ring 1 and ring 3 in an address space of their own that
 * maps nothing of the hypervisor but the switch region. Traps from them
 * must arrive in the hypervisor's address space on the private trap stack
 * with the guest's registers intact, return to the guest correctly, and
 * every attempt to touch what the design protects must fault.
 */
#include "testlib.h"
#include "cpu.h"
#include "dispatch.h"
#include "frame.h"
#include "mm.h"
#include "string.h"
#include "switch.h"
#include "x86.h"

#define GUEST_CODE      0x00400000u
#define GUEST_STACK     0x00500000u
#define VEC_TEST_CALL   0x80    /* adds 1 to eax and returns to the guest */
#define VEC_TEST_EXIT   0x81    /* ends the run */

/* Position-independent guest programs, copied to GUEST_CODE. */
extern const char prog_regs[], prog_regs_end[], prog_read_hv[], prog_read_hv_end[],
	prog_write_gdt[], prog_write_gdt_end[], prog_cli[], prog_cli_end[],
	prog_out[], prog_out_end[], prog_lidt[], prog_lidt_end[], prog_write_ebx[],
	prog_write_ebx_end[];
__asm__(".section .rodata\n"
	"prog_regs:\n"
	"  movl $0x11111111, %eax\n  movl $0x22222222, %ebx\n  movl $0x33333333, %ecx\n"
	"  movl $0x44444444, %edx\n  movl $0x55555555, %esi\n  movl $0x66666666, %edi\n"
	"  movl $0x77777777, %ebp\n"
	"  movl $2000, %ecx\n"
	"1: int $0x80\n  loop 1b\n"             /* 2000 round trips through the stubs */
	"  movl $0x33333333, %ecx\n"
	"  int $0x81\n"
	"prog_regs_end:\n"
	"prog_read_hv:\n  movl 0x100000, %eax\n  int $0x81\nprog_read_hv_end:\n"
	"prog_write_gdt:\n  movl $0, 0xffc00008\n  int $0x81\nprog_write_gdt_end:\n"
	"prog_cli:\n  cli\n  int $0x81\nprog_cli_end:\n"
	"prog_out:\n  outb %al, $0x80\n  int $0x81\nprog_out_end:\n"
	"prog_lidt:\n  lidt 0x500000\n  int $0x81\nprog_lidt_end:\n"
	"prog_write_ebx:\n  movl $0, (%ebx)\n  int $0x81\nprog_write_ebx_end:\n"
	".previous\n");

static struct pae_space guest;
static paddr_t code_frame;
static struct trap_frame exit_frame;
static uint32_t exit_cr3, exit_frame_addr;

static void test_call(struct trap_frame *f)
{
	f->eax++;
}

static void test_exit(struct trap_frame *f)
{
	exit_frame = *f;
	exit_cr3 = read_cr3();
	exit_frame_addr = (uint32_t)(uintptr_t)f;
	trap_catch_deliver(f, 0);
}

struct run {
	const char *start, *end;
	unsigned ring;
	uint32_t ebx;           /* initial ebx: the target of prog_write_ebx */
};

static void enter(void *arg)
{
	const struct run *run = arg;
	memset(phys_to_virt(code_frame), 0xcc, PAGE_SIZE);
	memcpy(phys_to_virt(code_frame), run->start, (size_t)(run->end - run->start));
	uint32_t cs = run->ring == 3 ? RV_GUEST_USER_CS : RV_GUEST_KERNEL_CS;
	uint32_t ds = run->ring == 3 ? RV_GUEST_USER_DS : RV_GUEST_KERNEL_DS;
	struct trap_frame f = {
		.ebx = run->ebx,
		.eip = GUEST_CODE, .cs = cs, .eflags = EFLAGS_FIXED | EFLAGS_IF,
		.esp = GUEST_STACK + PAGE_SIZE, .ss = ds,
		.ds = ds, .es = ds, .fs = ds, .gs = ds,
	};
	switch_to_guest(&f, (uint32_t)guest.pdpt);
}

static bool run_ebx(const char *start, const char *end, unsigned ring, uint32_t ebx,
		    struct trap_record *r)
{
	struct run rn = { start, end, ring, ebx };
	memset(r, 0xff, sizeof(*r));
	memset(&exit_frame, 0, sizeof(exit_frame));
	return trap_catch(enter, &rn, r);
}

static bool run(const char *start, const char *end, unsigned ring, struct trap_record *r)
{
	return run_ebx(start, end, ring, 0, r);
}

/* Ring 1 is supervisor for paging: only CR0.WP and read-only PTEs stop it. */
static void expect_ring1_write_fault(const char *what, uint32_t va)
{
	struct trap_record r;
	run_ebx(prog_write_ebx, prog_write_ebx_end, 1, va, &r);
	test_check(r.vector == VEC_PF && r.error_code == 3 && r.cr2 == va,
		   "ring 1 write to %s (%#x): vector %u err %#x cr2 %#x (expected #PF 0x3)", what,
		   va, r.vector, r.error_code, r.cr2);
}

static void expect_fault(const char *what, const char *start, const char *end, unsigned ring,
			 uint32_t vector, uint32_t err, uint32_t cr2)
{
	struct trap_record r;
	run(start, end, ring, &r);
	test_check(r.vector == vector && r.error_code == err && (vector != VEC_PF || r.cr2 == cr2) &&
		   r.eip == GUEST_CODE && (r.cs & 3) == ring && read_cr3() == hv_space.pdpt,
		   "ring %u %s: vector %u err %#x cr2 %#x eip %#x (expected %u %#x %#x %#x)", ring,
		   what, r.vector, r.error_code, r.cr2, r.eip, vector, err, cr2, GUEST_CODE);
}

void test_main(void)
{
	const struct pt_env *env = &hv_pt_env;
	struct trap_record r;

	if (pt_create(env, &guest) || switch_region_install(env, &guest))
		test_error("cannot build the guest address space");
	code_frame = alloc_frame();
	paddr_t stack = alloc_frame();
	if (!code_frame || !stack ||
	    pt_map_page(env, &guest, GUEST_CODE, code_frame, PTE_US) ||
	    pt_map_page(env, &guest, GUEST_STACK, stack, PTE_RW | PTE_US | PTE_NX))
		test_error("cannot map the guest pages");
	dispatch_set_handler(VEC_TEST_CALL, test_call, "test call (int 0x80)");
	dispatch_set_handler(VEC_TEST_EXIT, test_exit, "test exit (int 0x81)");
	idt_set_dpl(VEC_TEST_CALL, 3);
	idt_set_dpl(VEC_TEST_EXIT, 3);

	for (unsigned ring = 1; ring <= 3; ring += 2) {
		uint64_t calls0 = dispatch_count(VEC_TEST_CALL);
		run(prog_regs, prog_regs_end, ring, &r);
		const struct trap_frame *f = &exit_frame;
		test_check(r.vector == VEC_TEST_EXIT && (f->cs & 3) == ring &&
			   f->ss == (ring == 3 ? RV_GUEST_USER_DS : RV_GUEST_KERNEL_DS),
			   "ring %u: program ran and trapped out (vector %#x cs %#x ss %#x)", ring,
			   r.vector, f->cs, f->ss);
		test_check(f->eax == 0x11111111 + 2000 && f->ebx == 0x22222222 && f->ecx == 0x33333333 &&
			   f->edx == 0x44444444 && f->esi == 0x55555555 && f->edi == 0x66666666 &&
			   f->ebp == 0x77777777,
			   "ring %u: registers intact over 2000 trap round trips (eax %#x)", ring, f->eax);
		test_check(dispatch_count(VEC_TEST_CALL) - calls0 == 2000,
			   "ring %u: the dispatcher counted 2000 calls", ring);
		test_check(f->esp == GUEST_STACK + PAGE_SIZE && (f->eflags & EFLAGS_IF),
			   "ring %u: guest stack pointer and IF preserved", ring);
		test_check(exit_cr3 == hv_space.pdpt,
			   "ring %u: the handler ran in the hypervisor's address space", ring);
		test_check(exit_frame_addr < RV_SWITCH_BASE,
			   "ring %u: the handler's frame is on the private trap stack (%#x), not the "
			   "entry stack", ring, exit_frame_addr);
	}

	/* Ring 3: user pages only. */
	expect_fault("read of hypervisor memory", prog_read_hv, prog_read_hv_end, 3, VEC_PF, 0x4,
		     0x100000);
	expect_fault("write to the GDT", prog_write_gdt, prog_write_gdt_end, 3, VEC_PF, 0x7,
		     0xffc00008);
	expect_fault("cli", prog_cli, prog_cli_end, 3, VEC_GP, 0, 0);
	expect_fault("out", prog_out, prog_out_end, 3, VEC_GP, 0, 0);
	/* Ring 1: supervisor for paging, yet still fenced in. */
	expect_fault("read of hypervisor memory", prog_read_hv, prog_read_hv_end, 1, VEC_PF, 0x0,
		     0x100000);
	expect_fault("write to the GDT (read-only, CR0.WP)", prog_write_gdt, prog_write_gdt_end, 1,
		     VEC_PF, 0x3, 0xffc00008);
	expect_fault("cli", prog_cli, prog_cli_end, 1, VEC_GP, 0, 0);
	expect_fault("out (I/O bitmap denies every port)", prog_out, prog_out_end, 1, VEC_GP, 0, 0);
	expect_fault("lidt", prog_lidt, prog_lidt_end, 1, VEC_GP, 0, 0);
	expect_ring1_write_fault("an IDT gate (#PF)", SWITCH_IDT + VEC_PF * 8);
	expect_ring1_write_fault("TSS.ESP0", SWITCH_TSS + 4);
	expect_ring1_write_fault("the I/O bitmap", SWITCH_TSS + 104 + 0x3f8 / 8);
	expect_ring1_write_fault("the entry stubs", SWITCH_STUBS);
	expect_ring1_write_fault("switch_data.hv_cr3", (uint32_t)(uintptr_t)&switch_data);
	/* The entry stack is the one writable page (ARCHITECTURE.md): it holds
	 * only the guest's own registers. */
	run_ebx(prog_write_ebx, prog_write_ebx_end, 1, SWITCH_ENTRY_STACK, &r);
	test_check(r.vector == VEC_TEST_EXIT, "ring 1 can write the entry stack, as designed");

	test_check(read_cr3() == hv_space.pdpt && (read_eflags() & EFLAGS_IF),
		   "back in the hypervisor's address space with interrupts on");
	test_finish();
}
