/*
 * codewin: kernel code that runs far apart, reads itself, computes its own
 * address and faults on fetches, as a kernel does (modules loaded far from
 * its text, PIC thunks, checksums of its own code, wild jumps).
 *
 * Paging on: 0-4 MiB identity but for one page at 0x200000 (a trampoline,
 * its own frame), a "far" region at 0x00900000 (8 MiB above the image)
 * whose pages 0, 1, 2 map frames in the order B, A, C (never adjacent) and
 * whose page 3 is absent, the page 0xFFBFF000; nothing at 0xFFC00000 and up.
 *
 *   (a) a function with pushf, cli, pushf and popf is copied to the far
 *       region; it and its original are called alternately 1000 times
 *       each, the caller's IF alternating 1 and 0: every result right, IF
 *       = 0 inside, the caller's IF after
 *   (b) "call 1f; 1: pop %eax" gives the address of label 1: the linked
 *       one in the image, the copy's own in the far region
 *   (c) a jump to an absent page (far page 3) is a #PF with CR2 = EIP =
 *       the target and error code 0 (P, W, U clear; I clear too: 32-bit
 *       paging without SMEP, SDM 4.7); an instruction whose last bytes lie
 *       on that page: #PF, CR2 the page, EIP the instruction
 *   (d) a function with pushf, sgdt and popf reads back (ordinary loads)
 *       as the assembler's bytes after it ran; so does the far copy of
 *       (a). A cs: prefixed load is not checked (docs/bt.md, "Equivalence
 *       gaps": it reads the copy the CPU runs): what it sees is printed
 *   (e) a function whose sgdt crosses the end of far page 0 and, a second
 *       copy, whose "mov $imm32" crosses the end of far page 1 (each page
 *       a frame apart): results right
 *   (f) a return address read by the callee (__builtin_return_address(0)
 *       and (%esp) in asm) is the caller's address after the call: in the
 *       image, and in the far copy calling a local function and a
 *       function of the image
 *   (g) far page 0 switched 100 times between its frame (the function of
 *       (a)) and another holding the function of (b) at the same address,
 *       INVLPG each time, each called after the switch: the code of the
 *       frame mapped now runs
 * With "hvtop" on the command line, instead (what bt keeps for itself):
 *   (c) jumps to 0xFFC10000 and 0xFFEC6000, which the guest does not map:
 *       #PF, CR2 = EIP = the target, error code 0, ESP as it was. The
 *       second is jumped to from the trampoline at 0x200000: under bt the
 *       code window is then at 0x1C0000, and 0xFFEC6000 through its code
 *       segment wraps around 4 GiB to 0xFFC06000, the switch stubs
 * With "top", instead:
 *   (e) the function of (a) copied so that its ret is the last byte below
 *       0xFFC00000 (bt's window can go no higher: the code is at its very
 *       end), called 100 times: results right
 * With "all": every part (natively, hw and hws: the reference).
 *
 * Why it matters for binary translation: bt runs the kernel's code from
 * patched copies in a 1 MiB code window at the top of linear space, with
 * its code segment's base moved there (docs/bt.md, "The code window").
 * Code more than 1 MiB away moves the window (a); EIP, return addresses
 * and fault frames must stay the guest's own ((b), (c), (f)); the window
 * must follow its page tables (g); its loads must see its own bytes, not
 * our int3s (d); the copies of two pages must hold an instruction across
 * them, and code at the window's very end must run (e); the addresses the
 * hypervisor keeps must fault as the guest's tables say (hvtop).
 */
#include "hwg.h"
#include "pic.h"
#include "string.h"

#define PAGE            4096u
#define PTE_P           0x001u
#define PTE_W           0x002u
#define VEC_GP          13
#define VEC_PF          14
#define PFEC_P          0x01u
#define PFEC_W          0x02u
#define PFEC_U          0x04u
#define PFEC_I          0x10u
#define FAR             0x00900000u     /* pages 0-2 mapped, 3 absent */
#define FAR_ABSENT      (FAR + 3 * PAGE)
#define HV_TOP          0xffc10000u     /* bt's region; unmapped here */
#define TOP_PAGE        0xffbff000u     /* the last page below 0xffc00000 */
#define TRAMP           0x00200000u     /* a trampoline: jmp *%eax */
/* Under bt, jumped to from TRAMP (the window then at TRAMP - 256 KiB), this
 * plus the code segment's base (0xFFF00000 - that) wraps to 0xFFC06000. */
#define HV_WRAP         0xffec6000u
#define RUNS            1000u
#define PA(p)           ((uint32_t)(uintptr_t)(p))

/* ---- the code that is copied: position-independent */

/* (a) f(ecx) = 2 * ecx + 1 in EAX; EDX = EFLAGS after its cli. */
extern char cw_fn[], cw_fn_end[];
/* (b) EAX = the address of cw_here_pop. */
extern char cw_here[], cw_here_pop[], cw_here_end[];
/* (f) EAX = what a local callee read at (%esp), EDI = what the function
 * at ESI returned (a C function: __builtin_return_address(0)). */
extern char cw_ra[], cw_ra_after1[], cw_ra_after2[], cw_ra_end[];
/* (d) sgdt to (%ecx), EAX = its EFLAGS by pushf. */
extern char cw_sgdt[], cw_sgdt_end[];
/* (e) sgdt to (%ecx), EAX = 0x600dc0de, EDX = EFLAGS after its cli. */
extern char cw_cross[], cw_cross_sgdt[], cw_cross_mov[], cw_cross_end[];

__asm__(".section .text.cw_code, \"ax\"\n"
	"cw_fn:\n\t"
	"pushfl\n\t"
	"cli\n\t"
	"pushfl\n\t"
	"popl %edx\n\t"
	"leal 1(%ecx,%ecx), %eax\n\t"
	"popfl\n\t"
	"ret\n"
	"cw_fn_end:\n"

	"cw_here:\n\t"
	"call cw_here_pop\n"
	"cw_here_pop:\n\t"
	"popl %eax\n\t"
	"ret\n"
	"cw_here_end:\n"

	"cw_ra:\n\t"
	"call 1f\n"
	"cw_ra_after1:\n\t"
	"movl %eax, %edi\n\t"
	"call *%esi\n"
	"cw_ra_after2:\n\t"
	"xchgl %eax, %edi\n\t"
	"ret\n"
	"1:\tmovl (%esp), %eax\n\t"
	"ret\n"
	"cw_ra_end:\n"

	"cw_sgdt:\n\t"
	"pushfl\n\t"
	"sgdt (%ecx)\n\t"
	"popl %eax\n\t"
	"pushl %eax\n\t"
	"popfl\n\t"
	"ret\n"
	"cw_sgdt_end:\n"

	"cw_cross:\n\t"
	"pushfl\n\t"
	"cli\n\t"
	"pushfl\n\t"
	"popl %edx\n"
	"cw_cross_sgdt:\n\t"
	"sgdt (%ecx)\n"
	"cw_cross_mov:\n\t"
	"movl $0x600dc0de, %eax\n\t"
	"popfl\n\t"
	"ret\n"
	"cw_cross_end:\n"
	".text\n");

/* The assembler's bytes of cw_sgdt and cw_fn, written out by hand. */
static const uint8_t sgdt_bytes[] = { 0x9c, 0x0f, 0x01, 0x01, 0x58, 0x50, 0x9d, 0xc3 };
static const uint8_t fn_bytes[] = { 0x9c, 0xfa, 0x9c, 0x5a, 0x8d, 0x44, 0x09, 0x01, 0x9d, 0xc3 };

/* ---- paging */

static uint32_t pd[1024] __aligned(PAGE);
static uint32_t pt_low[1024] __aligned(PAGE);
static uint32_t pt_far[1024] __aligned(PAGE);
static uint32_t pt_top[1024] __aligned(PAGE);
static uint8_t frames[6][PAGE] __aligned(PAGE);

static void paging_on(void)
{
	for (unsigned i = 0; i < 1024; i++)
		pt_low[i] = (i << 12) | PTE_P | PTE_W;
	pt_low[TRAMP >> 12] = PA(frames[4]) | PTE_P | PTE_W;
	pd[0] = PA(pt_low) | PTE_P | PTE_W;
	/* far pages 0, 1, 2 -> frames 1, 0, 2; page 3 absent */
	pt_far[(FAR >> 12) & 1023] = PA(frames[1]) | PTE_P | PTE_W;
	pt_far[((FAR >> 12) + 1) & 1023] = PA(frames[0]) | PTE_P | PTE_W;
	pt_far[((FAR >> 12) + 2) & 1023] = PA(frames[2]) | PTE_P | PTE_W;
	pd[FAR >> 22] = PA(pt_far) | PTE_P | PTE_W;
	pt_top[1023] = PA(frames[3]) | PTE_P | PTE_W;
	pd[TOP_PAGE >> 22] = PA(pt_top) | PTE_P | PTE_W;
	memset(frames, 0xcc, sizeof(frames));
	write_cr3(PA(pd));
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

/* Copy the code [from, to) to linear address at; returns at. */
static uint32_t place(uint32_t at, const char *from, const char *to)
{
	memcpy((void *)(uintptr_t)at, from, (size_t)(to - from));
	return at;
}

#define OFF(sym, base)  ((uint32_t)((sym) - (base)))

/* ---- #PF and #GP caught: recorded, resumed at rec_resume */

struct rec {
	uint32_t vector, error, eip, cr2, count;
};
static volatile struct rec rec;
uint32_t rec_resume;

void rec_trap(struct hwg_frame *f);
void rec_trap(struct hwg_frame *f)
{
	if (!rec_resume)
		test_error("unexpected exception %u (error %#x) at eip %#x, CR2 %#x", f->vector,
			   f->error, f->eip, read_cr2());
	rec.vector = f->vector;
	rec.error = f->error;
	rec.eip = f->eip;
	rec.cr2 = read_cr2();
	rec.count++;
	f->eip = rec_resume;
	rec_resume = 0;
}

__asm__(".text\n"
	"rec_stub_13:\n\tpush $13\n\tjmp rec_common\n"
	"rec_stub_14:\n\tpush $14\n\tjmp rec_common\n"
	"rec_common:\n\t"
	"pusha\n\t"
	"cld\n\t"
	"push %esp\n\t"
	"call rec_trap\n\t"
	"add $4, %esp\n\t"
	"popa\n\t"
	"add $8, %esp\n\t"
	"iret\n");
void rec_stub_13(void), rec_stub_14(void);

/* Jump to target (from the code at via, when not 0: a "jmp *%eax" there);
 * a fault resumes after it. Returns how far ESP moved meanwhile. */
static uint32_t jump_to(uint32_t target, uint32_t via)
{
	uint32_t before, after;
	memset((void *)&rec, 0, sizeof(rec));
	rec.vector = 0xffffffffu;
	__asm__ volatile("movl %%esp, %0\n\t"
			 "movl $1f, rec_resume\n\t"
			 "testl %%ecx, %%ecx\n\t"
			 "jz 2f\n\t"
			 "jmp *%%ecx\n"
			 "2:\tjmp *%%eax\n"
			 "1:\tmovl %%esp, %1\n\t"
			 "movl %0, %%esp"
			 : "=&b"(before), "=&d"(after) : "a"(target), "c"(via) : "memory", "cc");
	rec_resume = 0;
	return before - after;
}

/* ---- calls */

static uint32_t call_fn(uint32_t fn, uint32_t arg, uint32_t *inside)
{
	uint32_t r, fl;
	__asm__ volatile("call *%2" : "=a"(r), "=d"(fl) : "r"(fn), "c"(arg) : "memory", "cc");
	*inside = fl;
	return r;
}

static uint32_t call_here(uint32_t fn)
{
	uint32_t r;
	__asm__ volatile("call *%1" : "=a"(r) : "r"(fn) : "ecx", "edx", "memory", "cc");
	return r;
}

static uint32_t call_sgdt(uint32_t fn, struct desc_ptr *p, uint32_t *edx)
{
	uint32_t r, d;
	__asm__ volatile("call *%2" : "=a"(r), "=d"(d) : "r"(fn), "c"(p) : "memory", "cc");
	*edx = d;
	return r;
}

/* The return address its caller pushed (f). */
__attribute__((noinline, used)) uint32_t cw_ra_probe(void);
__attribute__((noinline, used)) uint32_t cw_ra_probe(void)
{
	return PA(__builtin_return_address(0));
}

static uint32_t call_ra(uint32_t fn, uint32_t *from_c)
{
	uint32_t r, c;
	__asm__ volatile("call *%2" : "=a"(r), "=D"(c) : "r"(fn), "S"(cw_ra_probe)
			 : "ecx", "edx", "memory", "cc");
	*from_c = c;
	return r;
}

/* ---- the parts */

static uint32_t far_fn, far_here, far_ra;

static void part_a(void)
{
	uint32_t bad = 0, bad_if = 0;
	far_fn = place(FAR, cw_fn, cw_fn_end);
	for (uint32_t i = 0; i < 2 * RUNS; i++) {
		uint32_t fn = i & 1 ? PA(cw_fn) : far_fn, inside, arg = i * 0x9e3779b1u;
		bool ifl = (i >> 1) & 1;
		if (ifl)
			irq_enable();
		else
			irq_disable();
		uint32_t r = call_fn(fn, arg, &inside);
		uint32_t after = read_eflags();
		irq_enable();
		if (r != 2 * arg + 1)
			bad++;
		if ((inside & EFLAGS_IF) || !!(after & EFLAGS_IF) != ifl)
			bad_if++;
	}
	test_check(bad == 0, "(a) a copy 8 MiB away and the original, %u calls each, alternately: "
		   "%u results wrong", RUNS, bad);
	test_check(bad_if == 0, "(a) IF = 0 inside, the caller's IF (1 or 0) after: %u wrong", bad_if);
}

static void part_b(void)
{
	uint32_t r = call_here(PA(cw_here));
	test_check(r == PA(cw_here_pop), "(b) call; pop in the image: %#x (label at %#x)", r,
		   PA(cw_here_pop));
	far_here = place(FAR + 0x100, cw_here, cw_here_end);
	uint32_t want = far_here + OFF(cw_here_pop, cw_here);
	r = call_here(far_here);
	test_check(r == want, "(b) call; pop in the far copy: %#x (label at %#x)", r, want);
}

static void part_c(void)
{
	jump_to(FAR_ABSENT + 0x800, 0);
	test_check(rec.vector == VEC_PF && rec.cr2 == FAR_ABSENT + 0x800 &&
			   rec.eip == FAR_ABSENT + 0x800,
		   "(c) jump to the absent page %#x: #PF, CR2 and EIP it (vector %d, CR2 %#x, EIP %#x)",
		   FAR_ABSENT + 0x800, (int)rec.vector, rec.cr2, rec.eip);
	test_check(!(rec.error & (PFEC_P | PFEC_W | PFEC_U)),
		   "(c) the absent page: error code with P, W, U clear (%#x)", rec.error);
	test_check(!(rec.error & PFEC_I),
		   "(c) the absent page: I clear too, as 32-bit paging without SMEP (%#x)", rec.error);

	/* mov $imm32, %eax: b8 and one byte of it on page 2, 3 on page 3 */
	uint32_t at = FAR_ABSENT - 2;
	*(volatile uint8_t *)(uintptr_t)at = 0xb8;
	*(volatile uint8_t *)(uintptr_t)(at + 1) = 0x78;
	jump_to(at, 0);
	test_check(rec.vector == VEC_PF && rec.cr2 == FAR_ABSENT && rec.eip == at &&
			   !(rec.error & (PFEC_P | PFEC_W | PFEC_U)),
		   "(c) an instruction running into the absent page: #PF, CR2 %#x, EIP %#x, P W U "
		   "clear (vector %d, CR2 %#x, EIP %#x, error %#x)",
		   FAR_ABSENT, at, (int)rec.vector, rec.cr2, rec.eip, rec.error);
}

static void part_g(void)
{
	uint32_t *pte = &pt_far[(FAR >> 12) & 1023], keep = *pte, bad = 0;
	uint32_t want = FAR + OFF(cw_here_pop, cw_here);
	memcpy(frames[5], cw_here, (size_t)(cw_here_end - cw_here));
	for (uint32_t i = 0; i < 100; i++) {
		uint32_t inside;
		*pte = PA(frames[5]) | PTE_P | PTE_W;
		invlpg(FAR);
		if (call_here(FAR) != want)
			bad++;
		*pte = keep;
		invlpg(FAR);
		if (call_fn(FAR, i, &inside) != 2 * i + 1)
			bad++;
	}
	test_check(bad == 0, "(g) far page 0 remapped between two frames of code 100 times: %u "
		   "calls ran the other's code", bad);
}

/* Under bt the top 4 MiB is the hypervisor's in every address space. */
static void part_hvtop(void)
{
	uint32_t moved = jump_to(HV_TOP, 0);
	test_check(rec.vector == VEC_PF && rec.cr2 == HV_TOP && rec.eip == HV_TOP && !moved,
		   "(c) jump to %#x, not mapped: #PF, CR2 and EIP it, ESP kept (vector %d, CR2 %#x, "
		   "EIP %#x, ESP moved %d)", HV_TOP, (int)rec.vector, rec.cr2, rec.eip, (int)moved);
	test_check(!(rec.error & (PFEC_P | PFEC_W | PFEC_U)),
		   "(c) %#x: error code with P, W, U clear (%#x)", HV_TOP, rec.error);
	test_check(!(rec.error & PFEC_I),
		   "(c) %#x: I clear too, as 32-bit paging without SMEP (%#x)", HV_TOP, rec.error);

	*(volatile uint16_t *)(uintptr_t)TRAMP = 0xe0ff;        /* jmp *%eax */
	moved = jump_to(HV_WRAP, TRAMP);
	test_check(rec.vector == VEC_PF && rec.cr2 == HV_WRAP && rec.eip == HV_WRAP && !moved &&
			   !(rec.error & (PFEC_P | PFEC_W | PFEC_U)),
		   "(c) jump to %#x from %#x, not mapped: #PF, CR2 and EIP it, P W U clear, ESP "
		   "kept (vector %d, CR2 %#x, EIP %#x, error %#x, ESP moved %d)", HV_WRAP, TRAMP,
		   (int)rec.vector, rec.cr2, rec.eip, rec.error, (int)moved);
}

static void part_d(void)
{
	struct desc_ptr got, want;
	uint32_t edx;
	sgdt(&want);
	uint32_t fl = call_sgdt(PA(cw_sgdt), &got, &edx);
	test_check((fl & EFLAGS_FIXED) && got.base == want.base && got.limit == want.limit,
		   "(d) pushf; sgdt; popf ran: GDT %#x/%#x (eflags %#x)", got.base, got.limit, fl);
	size_t n = (size_t)(cw_sgdt_end - cw_sgdt);
	const uint8_t *p = (const uint8_t *)cw_sgdt;
	test_check(n == sizeof(sgdt_bytes) && !memcmp(p, sgdt_bytes, n),
		   "(d) it reads back as assembled after running (%02x %02x %02x %02x ... %02x)", p[0],
		   p[1], p[2], p[3], p[6]);
	n = (size_t)(cw_fn_end - cw_fn);
	p = (const uint8_t *)(uintptr_t)far_fn;
	test_check(n == sizeof(fn_bytes) && !memcmp(p, fn_bytes, n) &&
			   !memcmp(cw_fn, fn_bytes, n),
		   "(d) the function of (a) and its far copy read back as assembled (%02x %02x ... "
		   "%02x)", p[0], p[1], p[8]);
	/* Not checked: a load through CS (docs/bt.md, "Equivalence gaps"). */
	uint32_t v = 0;
	memset((void *)&rec, 0, sizeof(rec));
	__asm__ volatile("movl $1f, rec_resume\n\t"
			 "movzbl %%cs:(%1), %0\n"
			 "1:" : "+r"(v) : "r"(cw_sgdt) : "memory");
	rec_resume = 0;
	hwg_printf("note: a cs: load of cw_sgdt's first byte (pushf, 0x9c): %#x, fault %u "
		   "(not checked)\n", v, rec.count ? rec.vector : 0);
}

static void part_e(void)
{
	struct desc_ptr got, want;
	uint32_t inside;
	sgdt(&want);
	/* the sgdt's first byte the last of far page 0 */
	uint32_t at = FAR + PAGE - 1 - OFF(cw_cross_sgdt, cw_cross);
	place(at, cw_cross, cw_cross_end);
	irq_enable();
	memset(&got, 0, sizeof(got));
	uint32_t r = call_sgdt(at, &got, &inside);
	uint32_t after = read_eflags();
	test_check(r == 0x600dc0de && got.base == want.base && got.limit == want.limit &&
			   !(inside & EFLAGS_IF) && (after & EFLAGS_IF),
		   "(e) sgdt across the end of far page 0: GDT %#x/%#x, %#x, IF %u inside, %u after",
		   got.base, got.limit, r, !!(inside & EFLAGS_IF), !!(after & EFLAGS_IF));
	/* the mov's opcode and one byte of its immediate on far page 1 */
	at = FAR + 2 * PAGE - 2 - OFF(cw_cross_mov, cw_cross);
	place(at, cw_cross, cw_cross_end);
	memset(&got, 0, sizeof(got));
	r = call_sgdt(at, &got, &inside);
	after = read_eflags();
	test_check(r == 0x600dc0de && got.base == want.base && !(inside & EFLAGS_IF) &&
			   (after & EFLAGS_IF),
		   "(e) mov $imm32 across the end of far page 1: %#x, IF %u inside, %u after", r,
		   !!(inside & EFLAGS_IF), !!(after & EFLAGS_IF));
}

static void part_f(void)
{
	uint32_t c, r;
	__asm__ volatile("call cw_ra_probe\n"
			 "cw_ra_label:" : "=a"(r) : : "ecx", "edx", "memory", "cc");
	uint32_t want;
	__asm__("movl $cw_ra_label, %0" : "=r"(want));
	test_check(r == want, "(f) __builtin_return_address(0): %#x, the caller's %#x", r, want);
	r = call_ra(PA(cw_ra), &c);
	test_check(r == PA(cw_ra_after1) && c == PA(cw_ra_after2),
		   "(f) in the image: (%%esp) %#x, a C callee's %#x (want %#x, %#x)", r, c,
		   PA(cw_ra_after1), PA(cw_ra_after2));
	far_ra = place(FAR + 0x200, cw_ra, cw_ra_end);
	uint32_t w1 = far_ra + OFF(cw_ra_after1, cw_ra), w2 = far_ra + OFF(cw_ra_after2, cw_ra);
	r = call_ra(far_ra, &c);
	test_check(r == w1 && c == w2,
		   "(f) in the far copy: (%%esp) %#x, a C callee in the image %#x (want %#x, %#x)", r,
		   c, w1, w2);
}

static void part_top(void)
{
	uint32_t n = (uint32_t)(cw_fn_end - cw_fn), bad = 0;
	uint32_t at = place(TOP_PAGE + PAGE - n, cw_fn, cw_fn_end);
	irq_enable();
	for (uint32_t i = 0; i < 100; i++) {
		uint32_t inside, r = call_fn(at, i, &inside);
		if (r != 2 * i + 1 || (inside & EFLAGS_IF) || !(read_eflags() & EFLAGS_IF))
			bad++;
	}
	test_check(bad == 0, "(e) the function of (a) with its ret the last byte below 0xffc00000 (at %#x): %u "
		   "of 100 results wrong",
		   at, bad);
}

void guest_main(void)
{
	pic_init(0x20);                 /* every IRQ masked: IF = 1 is quiet */
	hwg_set_gate(VEC_GP, rec_stub_13, 0x8e);
	hwg_set_gate(VEC_PF, rec_stub_14, 0x8e);
	paging_on();
	irq_enable();
	bool all = hwg_cmdline_has("all");
	bool hvtop = all || hwg_cmdline_has("hvtop"), top = all || hwg_cmdline_has("top");
	if (all || (!hvtop && !top)) {
		part_a();
		part_b();
		part_c();
		part_d();
		part_e();
		part_f();
		part_g();
	}
	if (hvtop)
		part_hvtop();
	if (top)
		part_top();
	irq_disable();
	test_check(hwg_unexpected_irqs == 0, "no unexpected interrupts (%u)", hwg_unexpected_irqs);
}
