/*
 * bthostile: a guest that attacks what the bt technique adds (shadow page
 * tables, code that is scanned and patched, descriptor tables the
 * hypervisor reads, CR3 writes it emulates). One mode per command line;
 * the expected outcome of each is below. Natively every mode that ends by
 * itself passes; the bystander beside it must always finish.
 *
 *   ptanywhere  paging on with a page table whose 1024 entries map the
 *               first page of every 4 MiB of the 4 GiB physical space at
 *               0x80000000, and 0xffc00000-0xffffffff (where a hypervisor
 *               likes to live) mapped to guest RAM 8-12 MiB. The top
 *               mapping must show the guest's own pattern; then every
 *               page is read (16 words of each, 256 bytes apart: under bt
 *               each may be an emulated access) and a checksum printed. Beyond RAM (below
 *               0xe0000000, under the PCI hole) only 0 or all-ones may be
 *               read, never someone else's data. Expected: the hypervisor
 *               stops it at the first frame beyond its RAM (hw: "guest-
 *               physical 0x1000000 is not this domain's"), or it finishes
 *               with SUCCESS (natively: QEMU reads 0 / all-ones there).
 *   selfrewrite 100000 rounds of rewriting a function's own code bytes:
 *               a 4-byte slot between "xor %edx,%edx; nop; nop" and
 *               "pushf; pop %edx; pushf; popf", and the 32-bit immediate
 *               of a MOV, then calling it: each call must run the bytes
 *               just written (EDX 0 or EFLAGS with IF = 0, EAX the round).
 *               A bt translator that caches patched code must notice every
 *               write. Expected: SUCCESS.
 *   gdtabuse    LGDT with the base at the local APIC (0xfee00000) and limit
 *               0xffff, read back by SGDT and undone with no selector
 *               loaded (a hypervisor that reads the table at LGDT must
 *               cope); LGDT with limit 0xffff whose base puts all but its
 *               first three entries beyond the end of RAM, then a selector
 *               load from beyond RAM (natively #GP(selector): nothing
 *               there; hw stops the domain at the descriptor read, "guest-
 *               physical 0x100ffe0 is not this domain's"); LIDT with limit 0 and an
 *               INT: a triple fault. Expected: stopped (triple fault, or
 *               earlier at a read beyond RAM); never a TEST RESULT.
 *   cr3spin     64 address spaces, each mapping 0x40000000 to its own
 *               frame; 3 s of MOV to CR3 in a scrambled order with the
 *               PIT interrupting at 1 kHz: each switch must show the
 *               space's own frame, and every write through it must land
 *               there. Expected: SUCCESS.
 */
#include "hwg.h"
#include "pic.h"
#include "pit.h"
#include "string.h"

#define PAGE            4096u
#define PTE_P           0x001u
#define PTE_W           0x002u
#define LOW_MAP         (16u << 20)
#define PA(p)           ((uint32_t)(uintptr_t)(p))

static uint32_t pt_low[LOW_MAP >> 22][1024] __aligned(PAGE);

static void identity(uint32_t *dir)
{
	for (unsigned t = 0; t < (LOW_MAP >> 22); t++) {
		for (unsigned i = 0; i < 1024; i++)
			pt_low[t][i] = ((t << 22) | (i << 12)) | PTE_P | PTE_W;
		dir[t] = PA(pt_low[t]) | PTE_P | PTE_W;
	}
}

static uint32_t rd(uint32_t va)
{
	uint32_t v = *(volatile uint32_t *)(uintptr_t)va;
	__asm__ volatile("" : : : "memory");
	return v;
}
static void wr(uint32_t va, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)va = v;
	__asm__ volatile("" : : : "memory");
}

/* ---- ptanywhere */

#define ANY_VA          0x80000000u
#define TOP_VA          0xffc00000u
#define TOP_PA          0x00800000u     /* guest RAM 8-12 MiB */
#define PCI_HOLE        0xe0000000u

static uint32_t pd[1024] __aligned(PAGE);
static uint32_t pt_any[1024] __aligned(PAGE);
static uint32_t pt_top[1024] __aligned(PAGE);

static void ptanywhere(void)
{
	uint32_t ram = hwg_ram_bytes();
	identity(pd);
	for (unsigned j = 0; j < 1024; j++) {
		pt_any[j] = (j << 22) | PTE_P;
		pt_top[j] = (TOP_PA + j * PAGE) | PTE_P | PTE_W;
		wr(TOP_PA + j * PAGE, 0x70900000u | j);
	}
	pd[ANY_VA >> 22] = PA(pt_any) | PTE_P | PTE_W;
	pd[TOP_VA >> 22] = PA(pt_top) | PTE_P | PTE_W;
	write_cr3(PA(pd));
	write_cr0(read_cr0() | CR0_PG);

	unsigned bad = 0;
	for (unsigned j = 0; j < 1024; j++)
		if (rd(TOP_VA + j * PAGE) != (0x70900000u | j))
			bad++;
	wr(0xfffffffc, 0x7e570000);
	test_check(bad == 0 && rd(TOP_PA + 0x3ffffc) == 0x7e570000,
		   "0xffc00000-0xffffffff maps the guest's own RAM at %#x (%u pages wrong)", TOP_PA, bad);

	hwg_printf("ptanywhere: reading the first page of every 4 MiB of physical memory (RAM ends at %#x)\n",
		   ram);
	uint32_t sum = 0, leaks = 0;
	for (unsigned j = 0; j < 1024; j++) {
		uint32_t pa = j << 22, page_sum = 0, page_leaks = 0;
		for (unsigned w = 0; w < PAGE; w += 256) {
			uint32_t v = rd(ANY_VA + j * PAGE + w);
			page_sum = page_sum * 31 + v;
			if (pa >= ram && pa < PCI_HOLE && v != 0 && v != 0xffffffffu)
				page_leaks++;
		}
		sum ^= page_sum;
		leaks += page_leaks;
		if (page_leaks)
			hwg_printf("ptanywhere: physical %#x beyond RAM holds data (%u words)\n", pa,
				   page_leaks);
		if ((j & 127) == 127)
			hwg_printf("ptanywhere: up to %#x, checksum %#x\n", pa, sum);
	}
	write_cr0(read_cr0() & ~CR0_PG);
	hwg_printf("ptanywhere: checksum of 4 GiB in 4 MiB steps: %#x\n", sum);
	test_check(leaks == 0, "nothing but 0 and all-ones beyond RAM below %#x (%u words)", PCI_HOLE,
		   leaks);
}

/* ---- selfrewrite */

uint32_t sr_func(void);
extern uint8_t sr_slot[4], sr_imm[4];
/* The slot and the immediate rewritten every round; EDX comes back 0 or
 * the EFLAGS the pushf saw. */
__asm__(".text\n"
	".globl sr_func, sr_slot, sr_imm\n"
	"sr_func:\n"
	"	push %edx\n"
	"sr_slot:\n"
	"	xor %edx, %edx\n"
	"	nop\n"
	"	nop\n"
	"	.byte 0xb8\n"                  /* mov $imm32, %eax */
	"sr_imm:\n"
	"	.long 0\n"
	"	mov %edx, sr_edx\n"
	"	pop %edx\n"
	"	ret\n");
uint32_t sr_edx;

static const uint8_t slot_a[4] = { 0x31, 0xd2, 0x90, 0x90 };     /* xor %edx,%edx; nop; nop */
static const uint8_t slot_b[4] = { 0x9c, 0x5a, 0x9c, 0x9d };     /* pushf; pop %edx; pushf; popf */

/* rounds=N on the command line: how many (default 100000). */
static uint32_t rounds(void)
{
	const char *p = hwg_cmdline;
	uint32_t n = 0;
	for (; *p; p++)
		if (!memcmp(p, "rounds=", 7) && (p == hwg_cmdline || p[-1] == ' ')) {
			for (p += 7; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (uint32_t)(*p - '0');
			return n ? n : 1;
		}
	return 100000;
}

static void selfrewrite(void)
{
	irq_disable();
	unsigned bad_eax = 0, bad_edx = 0;
	uint32_t n = rounds();
	for (uint32_t i = 0; i < n; i++) {
		volatile uint8_t *slot = sr_slot, *imm = sr_imm;
		const uint8_t *src = (i & 1) ? slot_b : slot_a;
		for (unsigned k = 0; k < 4; k++) {
			slot[k] = src[k];
			imm[k] = (uint8_t)(i >> (8 * k));
		}
		uint32_t eax = sr_func();
		if (eax != i)
			bad_eax++;
		bool edx_ok = (i & 1) ? ((sr_edx & EFLAGS_FIXED) && !(sr_edx & EFLAGS_IF)) : sr_edx == 0;
		if (!edx_ok)
			bad_edx++;
	}
	test_check(bad_eax == 0, "%u rewrites of a MOV immediate, each call ran the new one (%u stale)",
		   n, bad_eax);
	test_check(bad_edx == 0,
		   "%u rewrites of xor/nop <-> pushf/popf, each call ran the new bytes, PUSHF showing IF = 0 (%u wrong)",
		   n, bad_edx);
}

/* ---- gdtabuse */

static void gdtabuse(void)
{
	uint32_t ram = hwg_ram_bytes();
	struct desc_ptr old, now;
	sgdt(&old);
	struct desc_ptr p = (struct desc_ptr){ 0xffff, 0xfee00000u };
	hwg_printf("gdtabuse: LGDT base 0xfee00000 (the local APIC) limit 0xffff\n");
	lgdt(&p);
	sgdt(&now);
	lgdt(&old);
	test_check(now.base == 0xfee00000u && now.limit == 0xffff, "SGDT read back base %#x limit %#x",
		   now.base, now.limit);

	uint32_t base = ram - 24;                       /* entries 0-2 are the last 24 bytes of RAM */
	memcpy((void *)(uintptr_t)base, (const void *)(uintptr_t)old.base, 24);
	p = (struct desc_ptr){ 0xffff, base };
	hwg_printf("gdtabuse: LGDT base %#x limit 0xffff (RAM ends at %#x)\n", base, ram);
	lgdt(&p);
	load_segments(0x08, 0x10);
	int v = hwg_try(2, "mov %%ax, %%ds" : : "a"(0xfff8) : "memory");
	test_check(v == 13 && hwg_fault_error == 0xfff8,
		   "selector 0xfff8, a descriptor beyond RAM: #GP(0xfff8) (vector %d, error %#x)", v,
		   hwg_fault_error);
	lgdt(&old);
	load_segments(0x08, 0x10);

	static const struct desc_ptr empty = { 0, 0 };
	hwg_printf("gdtabuse: LIDT limit 0, then INT 0x40: a triple fault\n");
	lidt(&empty);
	__asm__ volatile("int $0x40");
	test_error("gdtabuse: still running after INT with an empty IDT");
}

/* ---- cr3spin */

#define SPACES          64
#define SPIN_VA         0x40000000u

static uint32_t sp_pd[SPACES][1024] __aligned(PAGE);
static uint32_t sp_pt[SPACES][1024] __aligned(PAGE);
static uint32_t sp_frame[SPACES][1024] __aligned(PAGE);
static volatile uint32_t ticks;

static void tick(struct hwg_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

static void cr3spin(void)
{
	uint64_t hz = hwg_tsc_hz();
	for (unsigned s = 0; s < SPACES; s++) {
		memset(sp_pd[s], 0, PAGE);
		memset(sp_pt[s], 0, PAGE);
		identity(sp_pd[s]);
		sp_pd[s][SPIN_VA >> 22] = PA(sp_pt[s]) | PTE_P | PTE_W;
		sp_pt[s][0] = PA(sp_frame[s]) | PTE_P | PTE_W;
		sp_frame[s][0] = 0x5ace0000u | s;
		sp_frame[s][1] = 0;
	}
	pic_init(0x20);
	hwg_set_handler(0x20, tick);
	pit_start_periodic(1000);
	pic_unmask(0);
	hwg_printf("cr3spin: %u address spaces, 3 s of CR3 switches, PIT at 1 kHz\n", SPACES);
	write_cr3(PA(sp_pd[0]));
	write_cr0(read_cr0() | CR0_PG);
	irq_enable();
	uint64_t end = rdtsc() + hz * 3;
	uint32_t switches = 0, wrong = 0, x = 12345;
	while (rdtsc() < end) {
		x = x * 1103515245u + 12345u;
		unsigned s = (x >> 16) % SPACES;
		write_cr3(PA(sp_pd[s]));
		if (rd(SPIN_VA) != (0x5ace0000u | s))
			wrong++;
		wr(SPIN_VA + 4, rd(SPIN_VA + 4) + 1);
		switches++;
	}
	irq_disable();
	write_cr0(read_cr0() & ~CR0_PG);
	pic_mask(0);
	uint32_t visits = 0;
	for (unsigned s = 0; s < SPACES; s++)
		visits += sp_frame[s][1];
	test_check(wrong == 0, "%u CR3 switches, each showed its space's frame (%u wrong)", switches,
		   wrong);
	test_check(visits == switches, "every write landed in its space's frame (%u of %u)", visits,
		   switches);
	test_check(ticks >= 1500 && ticks <= 4500, "the timer ran meanwhile (%u ticks in 3 s at 1 kHz)",
		   ticks);
}

void guest_main(void)
{
	if (hwg_cmdline_has("ptanywhere"))
		ptanywhere();
	else if (hwg_cmdline_has("selfrewrite"))
		selfrewrite();
	else if (hwg_cmdline_has("gdtabuse"))
		gdtabuse();
	else if (hwg_cmdline_has("cr3spin"))
		cr3spin();
	else
		test_error("no mode on the command line (ptanywhere selfrewrite gdtabuse cr3spin)");
}
