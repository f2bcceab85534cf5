/*
 * smc: self-modifying code, as a kernel does it (module loading, code
 * patching, JITs), in code that holds sensitive instructions.
 *
 *   (a) a small function with pushf, cli, pushf and popf in it is copied
 *       into a fresh page and called; one immediate in the copy is
 *       rewritten and it is called again: each call gives the result of
 *       the bytes as they are now, sees IF = 0 inside and leaves the
 *       caller's IF = 1
 *   (b) a loop stores a new immediate into a "mov $imm, %eax" a few bytes
 *       ahead of the store, in the same straight-line code (with pushf
 *       and popf between), then runs it: 1000 times, each result checked
 *   (c) the bytes of functions with pushf/popf, read back after they ran,
 *       are the assembler's bytes (and the copy's are what was written)
 *   (d) a function on the same page as data written 200 times between
 *       its calls runs correctly each time
 *
 * Why it matters for binary translation: the bt scanner patches pushf,
 * popf and friends with int3 before code runs (docs/bt-patch.md). A
 * write to scanned code must drop the stale scan and patches before the
 * new bytes run ((a), (b)); a read of patched code must see the guest's
 * bytes, not the int3s ((c)); and a write to data that shares a page
 * with scanned code must neither break that code nor be lost ((d)).
 */
#include "hwg.h"
#include "pic.h"
#include "string.h"

#define LOOP_RUNS       1000u
#define SHARE_RUNS      200u

/* (a) The template: f(arg) = imm + arg in EAX, EFLAGS inside (after its
 * cli) in EDX; the caller's flags come back by popf. */
extern char smc_tmpl[], smc_tmpl_mov[], smc_tmpl_end[];
/* (b) mismatches = smc_loop(n). */
extern char smc_loop[], smc_loop_mov[], smc_loop_end[];
/* (c) EFLAGS by pushf; pop. */
extern char smc_readback[], smc_readback_end[];
/* (d) smc_share_data * 3 + 1, on the page of smc_share_data. */
extern char smc_share_fn[];
extern volatile uint32_t smc_share_data, smc_share_scratch[16];

__asm__(".section .text.smc_tmpl, \"ax\"\n"
	"smc_tmpl:\n\t"
	"pushfl\n\t"
	"cli\n"
	"smc_tmpl_mov:\n\t"
	"movl $0x11111111, %eax\n\t"
	"addl 8(%esp), %eax\n\t"
	"pushfl\n\t"
	"popl %edx\n\t"
	"popfl\n\t"
	"ret\n"
	"smc_tmpl_end:\n"

	".section .text.smc_loop, \"ax\"\n\t"
	".balign 4096\n"
	"smc_loop:\n\t"
	"pushl %ebx\n\t"
	"pushl %esi\n\t"
	"movl 12(%esp), %ecx\n\t"
	"xorl %esi, %esi\n"
	"1:\timull $0x9e3779b1, %ecx, %ebx\n\t"
	"movl %ebx, smc_loop_mov+1\n\t"  /* the immediate 3 instructions on */
	"pushfl\n\t"
	"popfl\n"
	"smc_loop_mov:\n\t"
	"movl $0, %eax\n\t"
	"cmpl %eax, %ebx\n\t"
	"je 2f\n\t"
	"incl %esi\n"
	"2:\tloop 1b\n\t"
	"movl %esi, %eax\n\t"
	"popl %esi\n\t"
	"popl %ebx\n\t"
	"ret\n"
	"smc_loop_end:\n"

	"smc_readback:\n\t"
	"pushfl\n\t"
	"popl %eax\n\t"
	"ret\n"
	"smc_readback_end:\n"

	".section .text.smc_share, \"ax\"\n\t"
	".balign 4096\n"
	"smc_share_fn:\n\t"
	"pushfl\n\t"
	"movl smc_share_data, %eax\n\t"
	"leal 1(%eax,%eax,2), %eax\n\t"
	"popfl\n\t"
	"ret\n\t"
	".balign 64\n"
	"smc_share_data:\n\t"
	".long 0\n"
	"smc_share_scratch:\n\t"
	".fill 16, 4, 0\n"
	".text\n");

static uint8_t page[4096] __aligned(4096);

static uint32_t call_copy(uint32_t arg, uint32_t *inside)
{
	uint32_t r, fl;
	__asm__ volatile("pushl %3\n\t"
			 "call *%2\n\t"
			 "addl $4, %%esp"
			 : "=a"(r), "=d"(fl) : "r"(page), "r"(arg) : "ecx", "memory", "cc");
	*inside = fl;
	return r;
}

static uint32_t call_loop(uint32_t n)
{
	uint32_t r;
	__asm__ volatile("pushl %1\n\t"
			 "call smc_loop\n\t"
			 "addl $4, %%esp"
			 : "=a"(r) : "r"(n) : "ecx", "edx", "memory", "cc");
	return r;
}

static uint32_t call_share(void)
{
	uint32_t r;
	__asm__ volatile("call smc_share_fn" : "=a"(r) : : "ecx", "edx", "memory", "cc");
	return r;
}

static uint32_t call_readback(void)
{
	uint32_t r;
	__asm__ volatile("call smc_readback" : "=a"(r) : : "ecx", "edx", "memory", "cc");
	return r;
}

static void part_a(void)
{
	size_t len = (size_t)(smc_tmpl_end - smc_tmpl);
	size_t imm = (size_t)(smc_tmpl_mov - smc_tmpl) + 1;
	uint8_t want[64];

	memset(page, 0xcc, sizeof(page));
	memcpy(page, smc_tmpl, len);
	uint32_t inside, r = call_copy(5, &inside);
	uint32_t after = read_eflags();
	test_check(r == 0x11111116, "(a) copy in a fresh page: 0x11111111 + 5 = %#x", r);
	test_check(!(inside & EFLAGS_IF) && (after & EFLAGS_IF),
		   "(a) IF = 0 inside after its cli, 1 after its popf (%#x, %#x)", inside, after);

	uint32_t nv = 0x22220000;
	memcpy(page + imm, &nv, 4);
	r = call_copy(7, &inside);
	test_check(r == 0x22220007, "(a) immediate rewritten: 0x22220000 + 7 = %#x", r);
	nv = 0x33330000;
	memcpy(page + imm, &nv, 4);
	r = call_copy(9, &inside);
	after = read_eflags();
	test_check(r == 0x33330009 && (after & EFLAGS_IF),
		   "(a) rewritten again: 0x33330000 + 9 = %#x, IF = 1 after", r);

	/* (c) for the copy: its bytes are what was written. */
	memcpy(want, smc_tmpl, len);
	memcpy(want + imm, &nv, 4);
	test_check(len <= sizeof(want) && !memcmp(page, want, len),
		   "(c) the copy reads back as written (%u bytes, pushf %#x)", (unsigned)len,
		   page[0]);
}

static void part_b(void)
{
	size_t len = (size_t)(smc_loop_end - smc_loop);
	size_t imm = (size_t)(smc_loop_mov - smc_loop) + 1;
	static uint8_t before[128];

	memcpy(before, smc_loop, len);
	uint32_t bad = call_loop(LOOP_RUNS);
	test_check(bad == 0, "(b) mov $imm rewritten ahead of EIP: %u of %u wrong", bad, LOOP_RUNS);

	/* Its bytes now: as before, but the immediate of the last pass (n = 1). */
	uint32_t last = 0x9e3779b1u;
	memcpy(before + imm, &last, 4);
	test_check(len <= sizeof(before) && !memcmp(smc_loop, before, len),
		   "(c) the loop reads back as assembled, last immediate %#x", last);
}

static void part_c(void)
{
	static const uint8_t asm_bytes[] = { 0x9c, 0x58, 0xc3 };      /* pushf; pop %eax; ret */
	uint8_t copy[sizeof(asm_bytes)];
	size_t len = (size_t)(smc_readback_end - smc_readback);

	memcpy(copy, smc_readback, sizeof(copy));
	uint32_t fl = call_readback();
	test_check(fl & EFLAGS_FIXED, "(c) pushf; pop; ret ran: eflags %#x", fl);
	test_check(len == sizeof(asm_bytes) && !memcmp(smc_readback, asm_bytes, len) &&
		   !memcmp(copy, asm_bytes, len),
		   "(c) it reads back 9c 58 c3 after running (%02x %02x %02x)",
		   ((const uint8_t *)smc_readback)[0], ((const uint8_t *)smc_readback)[1],
		   ((const uint8_t *)smc_readback)[2]);
	/* The template itself never ran: the bytes it starts with. */
	test_check((uint8_t)smc_tmpl[0] == 0x9c && (uint8_t)smc_tmpl[1] == 0xfa,
		   "(c) the template still starts pushf, cli (%02x %02x)",
		   (uint8_t)smc_tmpl[0], (uint8_t)smc_tmpl[1]);
}

static void part_d(void)
{
	uint32_t bad = 0;
	test_check(((uintptr_t)smc_share_fn >> 12) == ((uintptr_t)&smc_share_data >> 12),
		   "(d) code %p and data %p share a page", (void *)smc_share_fn,
		   (void *)&smc_share_data);
	for (uint32_t i = 0; i < SHARE_RUNS; i++) {
		smc_share_data = i;
		smc_share_scratch[i % 16] = ~i;
		if (call_share() != i * 3 + 1 || smc_share_data != i ||
		    smc_share_scratch[i % 16] != ~i)
			bad++;
	}
	test_check(bad == 0, "(d) data written beside running code: %u of %u wrong", bad,
		   SHARE_RUNS);
	test_check((uint8_t)smc_share_fn[0] == 0x9c, "(d) the code reads back pushf (%02x)",
		   (uint8_t)smc_share_fn[0]);
}

void guest_main(void)
{
	pic_init(0x20);         /* every IRQ masked: IF = 1 is quiet */
	irq_enable();
	part_a();
	part_b();
	part_c();
	part_d();
	irq_disable();
	test_check(hwg_unexpected_irqs == 0, "no unexpected interrupts (%u)", hwg_unexpected_irqs);
}
