/*
 * exceptions: exception and interrupt delivery exactly as the CPU does it
 * (SDM vol. 3, chapter 6). Under bt the guest's IDT is not the CPU's: the
 * hypervisor takes every exception and interrupt and delivers it by
 * software through the guest's gates, so each detail here (which EIP is
 * saved, whether an error code is pushed and what it holds, CR2, IF in the
 * handler and in the saved EFLAGS, #DB after one instruction, #DF) is a
 * thing it must reproduce. Checked:
 *
 *   #DE  no error code, EIP of the DIV
 *   #UD  EIP of the UD2
 *   #BP  INT3: EIP after it
 *   #GP  loading DS with a selector beyond the GDT: error code = selector
 *   #NP  loading DS with a not-present segment: error = selector; INT n
 *        through a not-present gate: error = n * 8 + 2 (IDT bit)
 *   #SS  loading SS with a not-present segment: error = selector
 *   #PF  paging on, a read of a non-present page: error 0, CR2, EIP
 *   INT n through a DPL-0 gate from ring 0; an interrupt gate clears IF,
 *        a trap gate keeps it; the saved EFLAGS has IF as it was
 *   #DB  TF set by POPF: the trap comes after exactly one instruction, EIP
 *        after it, DR6.BS set
 *   #DF  #GP whose gate is not present: #NP during its delivery, both
 *        contributory, so #DF with error code 0
 *   IRQ  timer interrupts at 1 kHz during a loop that keeps known values in
 *        all 8 GPRs and EFLAGS (CF PF AF ZF SF OF IF): none changes
 */
#include "hwg.h"
#include "pic.h"
#include "pit.h"
#include "string.h"

#define PAGE            4096u

/* ---- recording stubs: every vector we test lands here; the handler
 * copies the frame and the EFLAGS it runs with, and resumes at rec_resume
 * (when set) or after the instruction the CPU saved. */

struct rec {
	uint32_t vector, error, eip, cs, eflags;        /* as the CPU pushed them */
	uint32_t handler_eflags, dr6, cr2, count;
};
static volatile struct rec rec;
uint32_t rec_resume;                                    /* 0: resume at the saved EIP */

uint32_t rec_hflags;                                    /* EFLAGS in the handler */

void rec_trap(struct hwg_frame *f);
void rec_trap(struct hwg_frame *f)
{
	uint32_t dr6;
	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	rec.vector = f->vector;
	rec.error = f->error;
	rec.eip = f->eip;
	rec.cs = f->cs;
	rec.eflags = f->eflags;
	rec.handler_eflags = rec_hflags;
	rec.dr6 = dr6;
	rec.cr2 = read_cr2();
	rec.count++;
	f->eflags &= ~0x100u;                           /* TF off */
	if (rec_resume) {
		f->eip = rec_resume;
		rec_resume = 0;
	}
}

/* The stubs: the handler's EFLAGS first (before anything changes them),
 * then a dummy error code where the CPU pushes none, and the vector. */
#define STUB_NE(n) ".globl rec_stub_" #n "\nrec_stub_" #n ":\n pushf\n popl rec_hflags\n push $0\n push $" #n "\n jmp rec_common\n"
#define STUB_E(n)  ".globl rec_stub_" #n "\nrec_stub_" #n ":\n pushf\n popl rec_hflags\n push $" #n "\n jmp rec_common\n"
__asm__(".text\n"
	STUB_NE(0) STUB_NE(1) STUB_NE(3) STUB_NE(6) STUB_E(8) STUB_E(11) STUB_E(12) STUB_E(13)
	STUB_E(14) STUB_NE(64) STUB_NE(65)
	"rec_common:\n"
	"	pusha\n"
	"	cld\n"
	"	push %esp\n"
	"	call rec_trap\n"
	"	add $4, %esp\n"
	"	popa\n"
	"	add $8, %esp\n"
	"	iret\n");
void rec_stub_0(void), rec_stub_1(void), rec_stub_3(void), rec_stub_6(void), rec_stub_8(void);
void rec_stub_11(void), rec_stub_12(void), rec_stub_13(void), rec_stub_14(void);
void rec_stub_64(void), rec_stub_65(void);

#define GATE_INT        0x8e    /* present, DPL 0, 32-bit interrupt gate */
#define GATE_TRAP       0x8f    /* present, DPL 0, 32-bit trap gate */
#define GATE_ABSENT     0x0e    /* an interrupt gate with P = 0 */

static void rec_clear(void)
{
	memset((void *)&rec, 0, sizeof(rec));
	rec.vector = 0xffffffffu;
}

/* The address of a label in the asm of this file. */
#define LABEL(name) ({ uint32_t _a; __asm__("mov $" #name ", %0" : "=r"(_a)); _a; })

/* A frame the CPU pushed without an error code reads CS 0x08 and EFLAGS
 * with its fixed bit where the stub expects them; had it pushed one, they
 * would hold EIP and CS. */
static bool frame_sane(void)
{
	return rec.cs == 0x08 && (rec.eflags & EFLAGS_FIXED);
}

/* ---- faults */

static void faults(void)
{
	rec_clear();
	rec_resume = LABEL(de_after);
	__asm__ volatile("xor %%edx, %%edx\n"
			 "de_insn: divl %%ecx\n"
			 "de_after:\n" : : "a"(1), "c"(0) : "edx", "memory");
	test_check(rec.vector == 0 && rec.eip == LABEL(de_insn) && frame_sane() && rec.count == 1,
		   "#DE: vector 0, EIP of the DIV %#x, no error code (vector %u, EIP %#x, CS %#x)",
		   LABEL(de_insn), rec.vector, rec.eip, rec.cs);

	rec_clear();
	rec_resume = LABEL(ud_after);
	__asm__ volatile("ud_insn: ud2\n" "ud_after:\n" : : : "memory");
	test_check(rec.vector == 6 && rec.eip == LABEL(ud_insn) && frame_sane(),
		   "#UD: vector 6, EIP of the UD2 (vector %u, EIP %#x)", rec.vector, rec.eip);

	rec_clear();
	__asm__ volatile("int3\n" "bp_after:\n" : : : "memory");
	test_check(rec.vector == 3 && rec.eip == LABEL(bp_after) && frame_sane() && rec.count == 1,
		   "#BP: vector 3, EIP after the INT3 %#x (vector %u, EIP %#x)", LABEL(bp_after),
		   rec.vector, rec.eip);

	rec_clear();
	rec_resume = LABEL(gp_after);
	__asm__ volatile("gp_insn: mov %0, %%ds\n" "gp_after:\n" : : "r"(0x1f8) : "memory");
	test_check(rec.vector == 13 && rec.error == 0x1f8 && rec.eip == LABEL(gp_insn) && rec.cs == 0x08,
		   "#GP: DS with selector 0x1f8 beyond the GDT: error 0x1f8, EIP of the MOV (vector %u, error %#x, EIP %#x)",
		   rec.vector, rec.error, rec.eip);
}

/* ---- #NP, #SS, #DF: a GDT with a not-present entry */

static uint64_t gdt[4] __aligned(8) = {
	0,
	0x00cf9a000000ffffull,          /* 0x08 code */
	0x00cf92000000ffffull,          /* 0x10 data */
	0x00cf12000000ffffull,          /* 0x18 data, P = 0 */
};

static void segments(void)
{
	struct desc_ptr old, p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	sgdt(&old);
	lgdt(&p);
	load_segments(0x08, 0x10);

	rec_clear();
	rec_resume = LABEL(np_after);
	__asm__ volatile("np_insn: mov %0, %%ds\n" "np_after:\n" : : "r"(0x18) : "memory");
	test_check(rec.vector == 11 && rec.error == 0x18 && rec.eip == LABEL(np_insn),
		   "#NP: DS with a not-present segment: error 0x18, EIP of the MOV (vector %u, error %#x, EIP %#x)",
		   rec.vector, rec.error, rec.eip);

	rec_clear();
	rec_resume = LABEL(ss_after);
	__asm__ volatile("ss_insn: mov %0, %%ss\n" "ss_after:\n" : : "r"(0x18) : "memory");
	test_check(rec.vector == 12 && rec.error == 0x18 && rec.eip == LABEL(ss_insn),
		   "#SS: SS with a not-present segment: error 0x18, EIP of the MOV (vector %u, error %#x, EIP %#x)",
		   rec.vector, rec.error, rec.eip);

	hwg_set_gate(0x42, rec_stub_64, GATE_ABSENT);
	rec_clear();
	rec_resume = LABEL(npg_after);
	__asm__ volatile("npg_insn: int $0x42\n" "npg_after:\n" : : : "memory");
	test_check(rec.vector == 11 && rec.error == 0x42 * 8 + 2 && rec.eip == LABEL(npg_insn),
		   "#NP: INT 0x42 through a not-present gate: error %#x (vector %u, error %#x, EIP %#x)",
		   0x42 * 8 + 2, rec.vector, rec.error, rec.eip);

	/* #GP (contributory) whose gate is absent: #NP (contributory) while
	 * delivering it, so #DF. Its saved CS:EIP is undefined (SDM 6.15). */
	hwg_set_gate(13, rec_stub_13, GATE_ABSENT);
	rec_clear();
	rec_resume = LABEL(df_after);
	__asm__ volatile("mov %0, %%ds\n" "df_after:\n" : : "r"(0x1f8) : "memory");
	hwg_set_gate(13, rec_stub_13, GATE_INT);
	test_check(rec.vector == 8 && rec.error == 0 && rec.count == 1,
		   "#DF: #GP through a not-present gate: vector 8, error 0, once (vector %u, error %#x, %u deliveries)",
		   rec.vector, rec.error, rec.count);

	lgdt(&old);
	load_segments(0x08, 0x10);
}

/* ---- #PF */

static uint32_t pd[1024] __aligned(4096);
static uint32_t pt[4][1024] __aligned(4096);

static void page_fault(void)
{
	for (unsigned t = 0; t < 4; t++) {
		for (unsigned i = 0; i < 1024; i++)
			pt[t][i] = (t << 22) | (i << 12) | 3;
		pd[t] = (uint32_t)(uintptr_t)pt[t] | 3;
	}
	write_cr3((uint32_t)(uintptr_t)pd);
	write_cr0(read_cr0() | CR0_PG);
	rec_clear();
	rec_resume = LABEL(pf_after);
	__asm__ volatile("pf_insn: movl (%0), %%eax\n" "pf_after:\n"
			 : : "r"(0x40000abcu) : "eax", "memory");
	write_cr0(read_cr0() & ~CR0_PG);
	test_check(rec.vector == 14 && rec.error == 0 && rec.cr2 == 0x40000abcu &&
			   rec.eip == LABEL(pf_insn),
		   "#PF: error 0, CR2 0x40000abc, EIP of the load (vector %u, error %#x, CR2 %#x, EIP %#x)",
		   rec.vector, rec.error, rec.cr2, rec.eip);
}

/* ---- INT n, interrupt and trap gates, IF */

static void gates(void)
{
	hwg_set_gate(0x40, rec_stub_64, GATE_INT);
	hwg_set_gate(0x41, rec_stub_65, GATE_TRAP);

	irq_enable();
	rec_clear();
	__asm__ volatile("int $0x40\n" "int40_after:\n" : : : "memory");
	uint32_t after = read_eflags();
	irq_disable();
	test_check(rec.vector == 0x40 && rec.eip == LABEL(int40_after) && rec.cs == 0x08,
		   "INT 0x40 through a DPL-0 gate from ring 0: EIP after it (vector %#x, EIP %#x)",
		   rec.vector, rec.eip);
	test_check(!(rec.handler_eflags & EFLAGS_IF) && (rec.eflags & EFLAGS_IF),
		   "interrupt gate: IF clear in the handler (%#x), set in the saved EFLAGS (%#x)",
		   rec.handler_eflags, rec.eflags);
	test_check(after & EFLAGS_IF, "IRET from the interrupt gate restored IF = 1 (%#x)", after);

	irq_enable();
	rec_clear();
	__asm__ volatile("int $0x41" : : : "memory");
	after = read_eflags();
	irq_disable();
	test_check(rec.vector == 0x41 && (rec.handler_eflags & EFLAGS_IF) && (rec.eflags & EFLAGS_IF),
		   "trap gate: IF kept in the handler (%#x), set in the saved EFLAGS (%#x)",
		   rec.handler_eflags, rec.eflags);
	test_check(after & EFLAGS_IF, "IRET from the trap gate: IF = 1 (%#x)", after);

	rec_clear();
	__asm__ volatile("int $0x41" : : : "memory");
	after = read_eflags();
	test_check(rec.vector == 0x41 && !(rec.eflags & EFLAGS_IF) && !(rec.handler_eflags & EFLAGS_IF) &&
			   !(after & EFLAGS_IF),
		   "INT with IF = 0: IF clear in the saved EFLAGS (%#x), the handler, and after IRET",
		   rec.eflags);
}

/* ---- TF single step */

static void single_step(void)
{
	uint32_t zero = 0, eax;
	__asm__ volatile("mov %0, %%dr6" : : "r"(zero));
	rec_clear();
	__asm__ volatile("pushf\n"
			 "orl $0x100, (%%esp)\n"
			 "popf\n"                       /* TF set: the next one traps */
			 "inc %%eax\n"
			 "step_after: inc %%eax\n"
			 "inc %%eax\n"
			 : "=a"(eax) : "0"(0) : "memory", "cc");
	test_check(rec.vector == 1 && rec.count == 1 && rec.eip == LABEL(step_after),
		   "TF: one #DB, after exactly one instruction (%u deliveries, EIP %#x, want %#x)",
		   rec.count, rec.eip, LABEL(step_after));
	test_check(rec.dr6 & (1u << 14), "TF: DR6.BS set (DR6 %#x)", rec.dr6);
	test_check((rec.eflags & 0x100) && eax == 3 && !(read_eflags() & 0x100),
		   "TF: the saved EFLAGS has TF, the code ran on (EAX %u), TF off after", eax);
}

/* ---- registers across interrupts */

volatile uint32_t loop_ticks;
uint32_t loop_saved_esp, loop_bad, loop_want;
uint32_t reg_loop(uint32_t want_ticks);
/*
 * Known values in all eight GPRs (ESP: as saved) and EFLAGS 0xad7 (CF PF
 * AF ZF SF IF OF), then a loop comparing each while timer interrupts come
 * and go, until loop_ticks reaches want_ticks. Returns 0, or which was
 * found changed: 1-7 EAX EBX ECX EDX ESI EDI EBP, 8 ESP, 9 EFLAGS.
 */
__asm__(".text\n"
	".globl reg_loop\n"
	"reg_loop:\n"
	"	push %ebp; push %ebx; push %esi; push %edi\n"
	"	mov 20(%esp), %eax\n"
	"	mov %eax, loop_want\n"
	"	mov %esp, loop_saved_esp\n"
	"	movl $0, loop_bad\n"
	"	mov $0x11111111, %eax\n"
	"	mov $0x22222222, %ebx\n"
	"	mov $0x33333333, %ecx\n"
	"	mov $0x44444444, %edx\n"
	"	mov $0x55555555, %esi\n"
	"	mov $0x66666666, %edi\n"
	"	mov $0x77777777, %ebp\n"
	"	pushl $0xad7\n"
	"	popf\n"
	"1:	pushf\n"
	"	cmpl $0xad7, (%esp)\n"
	"	jne 9f\n"
	"	popf\n"
	"	cmp loop_saved_esp, %esp; jne 8f\n"
	"	cmp $0x11111111, %eax; jne 11f\n"
	"	cmp $0x22222222, %ebx; jne 12f\n"
	"	cmp $0x33333333, %ecx; jne 13f\n"
	"	cmp $0x44444444, %edx; jne 14f\n"
	"	cmp $0x55555555, %esi; jne 15f\n"
	"	cmp $0x66666666, %edi; jne 16f\n"
	"	cmp $0x77777777, %ebp; jne 17f\n"
	"	push %eax\n"
	"	mov loop_ticks, %eax\n"
	"	cmp loop_want, %eax\n"
	"	pop %eax\n"
	"	jae 20f\n"
	"	pushl $0xad7\n"
	"	popf\n"
	"	jmp 1b\n"
	"9:	popf; movl $9, loop_bad; jmp 20f\n"
	"8:	movl $8, loop_bad; jmp 20f\n"
	"11:	movl $1, loop_bad; jmp 20f\n"
	"12:	movl $2, loop_bad; jmp 20f\n"
	"13:	movl $3, loop_bad; jmp 20f\n"
	"14:	movl $4, loop_bad; jmp 20f\n"
	"15:	movl $5, loop_bad; jmp 20f\n"
	"16:	movl $6, loop_bad; jmp 20f\n"
	"17:	movl $7, loop_bad; jmp 20f\n"
	"20:	cli\n"
	"	mov loop_saved_esp, %esp\n"
	"	pop %edi; pop %esi; pop %ebx; pop %ebp\n"
	"	mov loop_bad, %eax\n"
	"	ret\n");

/* Clobbers what a C handler may: the stub must put it all back. */
static void loop_tick(struct hwg_frame *f)
{
	(void)f;
	loop_ticks++;
	pic_eoi(0);
}

static void registers(void)
{
	hwg_set_handler(0x20, loop_tick);
	pit_start_periodic(1000);
	pic_unmask(0);
	uint64_t t0 = rdtsc();
	uint32_t bad = reg_loop(200);
	pic_mask(0);
	static const char *const names[] = { "none", "EAX", "EBX", "ECX", "EDX", "ESI", "EDI",
					     "EBP", "ESP", "EFLAGS" };
	test_check(bad == 0 && loop_ticks >= 200,
		   "200 timer interrupts during a loop: all 8 GPRs and EFLAGS intact (changed: %s, %u ticks, %llu Mcycles)",
		   names[bad < 10 ? bad : 0], loop_ticks, (unsigned long long)((rdtsc() - t0) >> 20));
}

void guest_main(void)
{
	pic_init(0x20);                 /* every IRQ masked, off the exception vectors */
	hwg_set_gate(0, rec_stub_0, GATE_INT);
	hwg_set_gate(1, rec_stub_1, GATE_INT);
	hwg_set_gate(3, rec_stub_3, GATE_INT);
	hwg_set_gate(6, rec_stub_6, GATE_INT);
	hwg_set_gate(8, rec_stub_8, GATE_INT);
	hwg_set_gate(11, rec_stub_11, GATE_INT);
	hwg_set_gate(12, rec_stub_12, GATE_INT);
	hwg_set_gate(13, rec_stub_13, GATE_INT);
	hwg_set_gate(14, rec_stub_14, GATE_INT);
	faults();
	segments();
	page_fault();
	gates();
	single_step();
	registers();
}
