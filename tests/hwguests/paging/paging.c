/*
 * paging: the guest's own page tables, checked against what x86 paging does
 * natively (SDM vol. 3, chapter 4). Under bt these tables are shadowed by
 * the hypervisor (docs/shadow-paging.md): filled on hidden faults, resynced
 * on INVLPG and CR3 writes, A and D emulated, #PF forwarded with the
 * guest's own error code and CR2. Each check here is one of those duties.
 *
 *   a  32-bit paging, 4 KiB pages: identity map of the low 16 MiB, a test
 *      page at 0x40000000; data written through it lands in its frame
 *   b  4 MiB pages (CR4.PSE) at 0x40400000
 *   c  PAE: a 4 KiB page and a 2 MiB page
 *   d  A and D: a read sets A (not D) in the PTE and A in the PDE; a write
 *      sets D; cleared, INVLPG, set again
 *   e  a PTE moved to another frame: without INVLPG either frame may show;
 *      with INVLPG only the new one
 *   f  two CR3s, one linear address, two frames: 100 switches
 *   g  #PF: not present (error 0 read, 2 write, CR2), read-only with
 *      CR0.WP = 1 (error 3), CR0.WP = 0 (a supervisor write succeeds), a
 *      reserved bit in a PAE entry (RSVD, error bit 3; the SDM also sets P,
 *      QEMU's TCG does not, so P is not checked there)
 *   h  ring 3 (own GDT with DPL-3 segments, a TSS, IRET to ring 3, back by
 *      INT 0x80 through a DPL-3 gate): a user read of a supervisor page is
 *      #PF with error 5 and CR2; a user page reads fine; INT 0x80 pushes
 *      onto a supervisor ring-0 stack page no access has touched since the
 *      CR3 load without a fault, and sets its D bit
 * Paging is turned off again after each part; the guest ends normally.
 */
#include "hwg.h"
#include "string.h"

#define PAGE            4096u
#define PTE_P           0x001u
#define PTE_W           0x002u
#define PTE_U           0x004u
#define PTE_A           0x020u
#define PTE_D           0x040u
#define PTE_PS          0x080u
#define VEC_PF          14
#define LOW_MAP         (16u << 20)     /* identity-mapped: image, lib, mbi */
#define TEST_VA         0x40000000u
#define BIG_VA          0x40400000u     /* 4 MiB page (PSE) */
#define BIG_PA          0x00400000u     /* RAM 4-8 MiB, above the image */
#define PAE_BIG_VA      0x40200000u     /* 2 MiB page (PAE) */

/* 32-bit tables */
static uint32_t pd[1024] __aligned(PAGE);
static uint32_t pd2[1024] __aligned(PAGE);
static uint32_t pt_low[LOW_MAP >> 22][1024] __aligned(PAGE);
static uint32_t pt_test[1024] __aligned(PAGE);
static uint32_t pt_test2[1024] __aligned(PAGE);
/* PAE tables */
static uint64_t pdpt[4] __aligned(32);
static uint64_t pae_pd0[512] __aligned(PAGE);   /* 0-1 GiB: identity, 2 MiB pages */
static uint64_t pae_pd1[512] __aligned(PAGE);   /* 1-2 GiB: the test pages */
static uint64_t pae_pt[512] __aligned(PAGE);
/* test frames */
static uint8_t frame[4][PAGE] __aligned(PAGE);

#define PA(p)   ((uint32_t)(uintptr_t)(p))

static void build_identity(uint32_t *dir, uint32_t flags)
{
	memset(dir, 0, PAGE);
	for (unsigned t = 0; t < (LOW_MAP >> 22); t++) {
		for (unsigned i = 0; i < 1024; i++)
			pt_low[t][i] = ((t << 22) | (i << 12)) | PTE_P | PTE_W | flags;
		dir[t] = PA(pt_low[t]) | PTE_P | PTE_W | flags;
	}
}

static void paging_on(uint32_t cr3, uint32_t cr4_bits)
{
	write_cr4(read_cr4() | cr4_bits);
	write_cr3(cr3);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

static void paging_off(void)
{
	write_cr0(read_cr0() & ~CR0_PG);
	write_cr4(read_cr4() & ~(CR4_PSE | CR4_PAE));
}

/* Accesses through the page tables; the memory clobber makes the compiler
 * read the tables again afterwards (the CPU may have set A and D). */
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

/* One 2-byte load or store, its fault caught: the vector or -1. */
static int try_rd(uint32_t va)
{
	uint32_t v;
	return hwg_try(2, "movl (%1), %0" : "=a"(v) : "c"(va) : "memory");
}
static int try_wr(uint32_t va, uint32_t v)
{
	return hwg_try(2, "movl %0, (%1)" : : "a"(v), "c"(va) : "memory");
}

static bool cpu_has(unsigned edx_bit)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d & (1u << edx_bit);
}

/* ---- a, d, e, g: 32-bit paging with 4 KiB pages */

static void part_4k(void)
{
	build_identity(pd, 0);
	memset(pt_test, 0, PAGE);
	pd[TEST_VA >> 22] = PA(pt_test) | PTE_P | PTE_W;
	pt_test[0] = PA(frame[0]) | PTE_P | PTE_W;
	pt_test[1] = PA(frame[1]) | PTE_P;              /* read-only */
	/* pt_test[2]: not present */
	memset(frame, 0, sizeof(frame));
	frame[1][0] = 0x5a;
	paging_on(PA(pd), 0);
	test_check(read_cr0() & CR0_PG, "a: paging is on (CR0 %#x)", read_cr0());

	/* a: data through the high page lands in the frame */
	for (unsigned i = 0; i < PAGE / 4; i++)
		wr(TEST_VA + 4 * i, 0xa5000000u | i);
	bool ok = true;
	for (unsigned i = 0; i < PAGE / 4; i++)
		ok &= ((uint32_t *)frame[0])[i] == (0xa5000000u | i) && rd(TEST_VA + 4 * i) == (0xa5000000u | i);
	test_check(ok, "a: 4 KiB page at %#x: 1024 words written land in frame %#x", TEST_VA,
		   PA(frame[0]));
	((uint32_t *)frame[0])[7] = 0x12345678;
	test_check(rd(TEST_VA + 28) == 0x12345678, "a: a write to the frame reads back through the page");

	/* d: accessed and dirty */
	pt_test[0] &= ~(PTE_A | PTE_D);
	pd[TEST_VA >> 22] &= ~PTE_A;
	invlpg(TEST_VA);
	(void)rd(TEST_VA);
	test_check((pt_test[0] & (PTE_A | PTE_D)) == PTE_A, "d: after a read the PTE has A, not D (%#x)",
		   pt_test[0] & 0xfff);
	test_check(pd[TEST_VA >> 22] & PTE_A, "d: the PDE has A (%#x)", pd[TEST_VA >> 22] & 0xfff);
	wr(TEST_VA, 1);
	test_check((pt_test[0] & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "d: after a write the PTE has A and D (%#x)",
		   pt_test[0] & 0xfff);
	pt_test[0] &= ~(PTE_A | PTE_D);
	pd[TEST_VA >> 22] &= ~PTE_A;
	invlpg(TEST_VA);
	wr(TEST_VA, 2);
	test_check((pt_test[0] & (PTE_A | PTE_D)) == (PTE_A | PTE_D) && (pd[TEST_VA >> 22] & PTE_A),
		   "d: cleared, INVLPG, a write sets A and D again (PTE %#x, PDE %#x)",
		   pt_test[0] & 0xfff, pd[TEST_VA >> 22] & 0xfff);
	pt_test[0] &= ~(PTE_A | PTE_D);
	invlpg(TEST_VA);
	(void)rd(TEST_VA);
	test_check((pt_test[0] & (PTE_A | PTE_D)) == PTE_A, "d: cleared, INVLPG, a read sets A only (%#x)",
		   pt_test[0] & 0xfff);

	/* e: remap without and with INVLPG */
	((uint32_t *)frame[0])[0] = 0xf0f0f0f0;
	((uint32_t *)frame[2])[0] = 0x0e0e0e0e;
	(void)rd(TEST_VA);                      /* the old translation is in use */
	pt_test[0] = PA(frame[2]) | PTE_P | PTE_W;
	uint32_t v = rd(TEST_VA);
	test_check(v == 0xf0f0f0f0 || v == 0x0e0e0e0e, "e: remapped without INVLPG: old or new frame (%#x)", v);
	invlpg(TEST_VA);
	v = rd(TEST_VA);
	test_check(v == 0x0e0e0e0e, "e: after INVLPG only the new frame (%#x)", v);
	pt_test[0] = PA(frame[0]) | PTE_P | PTE_W;
	write_cr3(PA(pd));
	v = rd(TEST_VA);
	test_check(v == 0xf0f0f0f0, "e: moved back, a CR3 reload flushes too (%#x)", v);

	/* g: page faults */
	uint32_t np = TEST_VA + 2 * PAGE, ro = TEST_VA + PAGE;
	int vec = try_rd(np);
	uint32_t cr2 = read_cr2();
	test_check(vec == VEC_PF && hwg_fault_error == 0 && cr2 == np,
		   "g: read of a non-present page: #PF error 0, CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   np, vec, hwg_fault_error, cr2);
	vec = try_wr(np + 0x124, 7);
	cr2 = read_cr2();
	test_check(vec == VEC_PF && hwg_fault_error == 2 && cr2 == np + 0x124,
		   "g: write to a non-present page: #PF error 2, CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   np + 0x124, vec, hwg_fault_error, cr2);
	test_check(rd(ro) == 0x5a, "g: the read-only page reads (%#x)", rd(ro));
	vec = try_wr(ro + 8, 0x77);
	cr2 = read_cr2();
	test_check(vec == VEC_PF && hwg_fault_error == 3 && cr2 == ro + 8 && frame[1][8] == 0,
		   "g: CR0.WP=1, supervisor write to a read-only page: #PF error 3, CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   ro + 8, vec, hwg_fault_error, cr2);
	write_cr0(read_cr0() & ~CR0_WP);
	vec = try_wr(ro + 8, 0x77);
	test_check(vec == -1 && frame[1][8] == 0x77 && rd(ro + 8) == 0x77,
		   "g: CR0.WP=0, the supervisor write succeeds (vector %d)", vec);
	test_check((pt_test[1] & (PTE_A | PTE_D)) == (PTE_A | PTE_D) && !(pt_test[1] & PTE_W),
		   "g: it set D on the read-only PTE, which stays read-only (%#x)", pt_test[1] & 0xfff);
	write_cr0(read_cr0() | CR0_WP);
	vec = try_wr(ro + 12, 0x88);
	test_check(vec == VEC_PF && hwg_fault_error == 3,
		   "g: CR0.WP=1 again: the write faults again (vector %d, error %#x)", vec, hwg_fault_error);
	paging_off();
	test_check(!(read_cr0() & CR0_PG), "paging off again");
}

/* ---- f: two address spaces */

static void part_two_spaces(void)
{
	build_identity(pd, 0);
	memcpy(pd2, pd, PAGE);
	memset(pt_test, 0, PAGE);
	memset(pt_test2, 0, PAGE);
	pd[TEST_VA >> 22] = PA(pt_test) | PTE_P | PTE_W;
	pd2[TEST_VA >> 22] = PA(pt_test2) | PTE_P | PTE_W;
	pt_test[0] = PA(frame[0]) | PTE_P | PTE_W;
	pt_test2[0] = PA(frame[3]) | PTE_P | PTE_W;
	((uint32_t *)frame[0])[0] = 0xaaaa0000;
	((uint32_t *)frame[3])[0] = 0xbbbb0000;
	paging_on(PA(pd), 0);
	unsigned bad = 0;
	for (unsigned i = 0; i < 100; i++) {
		write_cr3(PA(pd));
		if (rd(TEST_VA) != 0xaaaa0000 + i)
			bad++;
		wr(TEST_VA, 0xaaaa0000 + i + 1);
		write_cr3(PA(pd2));
		if (rd(TEST_VA) != 0xbbbb0000 + i)
			bad++;
		wr(TEST_VA, 0xbbbb0000 + i + 1);
	}
	paging_off();
	test_check(bad == 0 && ((uint32_t *)frame[0])[0] == 0xaaaa0064 &&
			   ((uint32_t *)frame[3])[0] == 0xbbbb0064,
		   "f: two CR3s, one linear address, two frames: 100 round trips (%u wrong)", bad);
}

/* ---- b: 4 MiB pages */

static void part_pse(void)
{
	if (!cpu_has(3)) {
		hwg_printf("b: no PSE, skipped\n");
		return;
	}
	build_identity(pd, 0);
	pd[BIG_VA >> 22] = BIG_PA | PTE_PS | PTE_P | PTE_W;
	wr(BIG_PA + 0x3ff000, 0x4d4d4d4d);
	wr(BIG_PA + 0x10, 0x11111111);
	paging_on(PA(pd), CR4_PSE);
	bool ok = rd(BIG_VA + 0x10) == 0x11111111 && rd(BIG_VA + 0x3ff000) == 0x4d4d4d4d;
	wr(BIG_VA + 0x200004, 0xabcdef01);
	ok &= rd(BIG_PA + 0x200004) == 0xabcdef01;
	test_check(ok, "b: a 4 MiB page %#x -> %#x: both ends and the middle", BIG_VA, BIG_PA);
	test_check((pd[BIG_VA >> 22] & (PTE_A | PTE_D)) == (PTE_A | PTE_D),
		   "b: the 4 MiB PDE has A and D (%#x)", pd[BIG_VA >> 22] & 0xfff);
	paging_off();
}

/* ---- c, g: PAE */

static void part_pae(void)
{
	if (!cpu_has(6)) {
		hwg_printf("c: no PAE, skipped\n");
		return;
	}
	memset(pae_pd0, 0, PAGE);
	memset(pae_pd1, 0, PAGE);
	memset(pae_pt, 0, PAGE);
	for (unsigned i = 0; i < (LOW_MAP >> 21); i++)
		pae_pd0[i] = ((uint64_t)i << 21) | PTE_PS | PTE_P | PTE_W;
	pdpt[0] = PA(pae_pd0) | PTE_P;
	pdpt[1] = PA(pae_pd1) | PTE_P;
	pdpt[2] = pdpt[3] = 0;
	pae_pd1[0] = PA(pae_pt) | PTE_P | PTE_W;                 /* 0x40000000: 4 KiB pages */
	pae_pd1[1] = BIG_PA | PTE_PS | PTE_P | PTE_W;            /* 0x40200000: 2 MiB page */
	pae_pt[0] = PA(frame[2]) | PTE_P | PTE_W;
	pae_pt[1] = PA(frame[3]) | PTE_P | PTE_W | (1ull << 63);  /* XD without NXE: reserved */
	pae_pd1[2] = BIG_PA | PTE_PS | PTE_P | PTE_W | (1u << 13); /* 2 MiB PDE bit 13: reserved */
	memset(frame[2], 0, PAGE);
	wr(BIG_PA + 0x1ffffc, 0x2d2d2d2d);
	paging_on(PA(pdpt), CR4_PAE);
	wr(TEST_VA + 0x40, 0xcafe0001);
	test_check(((uint32_t *)frame[2])[0x10] == 0xcafe0001 && rd(TEST_VA + 0x40) == 0xcafe0001,
		   "c: PAE 4 KiB page %#x -> %#x", TEST_VA, PA(frame[2]));
	test_check((pae_pt[0] & (PTE_A | PTE_D)) == (PTE_A | PTE_D) && (pae_pd1[0] & PTE_A),
		   "c: PAE PTE has A and D, its PDE A (%#llx, %#llx)",
		   (unsigned long long)(pae_pt[0] & 0xfff), (unsigned long long)(pae_pd1[0] & 0xfff));
	wr(PAE_BIG_VA + 0x100, 0xcafe0002);
	test_check(rd(BIG_PA + 0x100) == 0xcafe0002 && rd(PAE_BIG_VA + 0x1ffffc) == 0x2d2d2d2d,
		   "c: PAE 2 MiB page %#x -> %#x", PAE_BIG_VA, BIG_PA);
	uint32_t va = TEST_VA + PAGE;
	int vec = try_rd(va);
	uint32_t cr2 = read_cr2();
	test_check(vec == VEC_PF && (hwg_fault_error | 1) == 9 && cr2 == va,
		   "g: PAE PTE with bit 63 (XD, EFER.NXE=0): #PF with RSVD, error 9 (8 on QEMU), CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   va, vec, hwg_fault_error, cr2);
	va = PAE_BIG_VA + 0x200000 + 0x40;
	vec = try_wr(va, 1);
	cr2 = read_cr2();
	test_check(vec == VEC_PF && (hwg_fault_error | 1) == 11 && cr2 == va,
		   "g: PAE 2 MiB PDE with bit 13: write #PF with RSVD, error 11 (10 on QEMU), CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   va, vec, hwg_fault_error, cr2);
	paging_off();
}

/* ---- h: ring 3 */

struct __packed tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
};

#define SEL_UCODE       0x1b
#define SEL_UDATA       0x23
#define SEL_TSS         0x28

static uint64_t gdt[6] __aligned(8);
static struct tss32 tss;
static uint8_t kstack[4096] __aligned(PAGE);        /* a page of its own (part h) */
static uint8_t ustack[4096] __aligned(PAGE);
static uint8_t super_page[PAGE] __aligned(PAGE);
static volatile uint32_t user_addr, user_value;
uint32_t user_saved_esp;

void user_code(void);
void user_return(void);
void enter_user(uint32_t eip, uint32_t esp);

/*
 * enter_user saves the callee-saved registers and ESP and IRETs to ring 3;
 * user_code does its one load (of user_addr into user_value: a fault there
 * is caught by hwg_try's handler, which resumes after the 2-byte load) and
 * INT 0x80; user_return, the DPL-3 gate's target, reloads the kernel's
 * data segments and ESP and returns from enter_user.
 */
__asm__(".text\n"
	".globl enter_user\n"
	"enter_user:\n"
	"	push %ebp; push %ebx; push %esi; push %edi\n"
	"	mov %esp, user_saved_esp\n"
	"	mov 20(%esp), %eax\n"          /* eip */
	"	mov 24(%esp), %ecx\n"          /* esp */
	"	mov $0x23, %dx\n"
	"	mov %dx, %ds; mov %dx, %es; mov %dx, %fs; mov %dx, %gs\n"
	"	push $0x23\n"
	"	push %ecx\n"
	"	pushf\n"
	"	push $0x1b\n"
	"	push %eax\n"
	"	iret\n"
	".globl user_code\n"
	"user_code:\n"
	"	mov user_addr, %ecx\n"
	"	mov $0xdeadbeef, %eax\n"
	"	movl (%ecx), %eax\n"           /* 2 bytes: 8b 01 */
	"	mov %eax, user_value\n"
	"	int $0x80\n"
	"	ud2\n"
	".globl user_return\n"
	"user_return:\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ds; mov %ax, %es; mov %ax, %fs; mov %ax, %gs\n"
	"	mov user_saved_esp, %esp\n"
	"	pop %edi; pop %esi; pop %ebx; pop %ebp\n"
	"	ret\n");

static void part_user(void)
{
	struct desc_ptr old;
	sgdt(&old);
	gdt[0] = 0;
	gdt[1] = hwg_seg_desc(0, 0xfffff, 0x9a, 0xc);
	gdt[2] = hwg_seg_desc(0, 0xfffff, 0x92, 0xc);
	gdt[3] = hwg_seg_desc(0, 0xfffff, 0xfa, 0xc);       /* 0x18|3: ring-3 code */
	gdt[4] = hwg_seg_desc(0, 0xfffff, 0xf2, 0xc);       /* 0x20|3: ring-3 data */
	gdt[5] = hwg_seg_desc(PA(&tss), sizeof(tss) - 1, 0x89, 0);
	memset(&tss, 0, sizeof(tss));
	tss.ss0 = 0x10;
	tss.esp0 = PA(kstack + sizeof(kstack));
	tss.iomap = sizeof(tss);
	struct desc_ptr p = { sizeof(gdt) - 1, PA(gdt) };
	lgdt(&p);
	load_segments(0x08, 0x10);
	ltr(SEL_TSS);
	hwg_set_gate(0x80, user_return, 0xef);          /* trap gate, DPL 3: a system-call gate (bt makes it direct) */

	build_identity(pd, PTE_U);                      /* everything user ... */
	memset(pt_test, 0, PAGE);
	pd[TEST_VA >> 22] = PA(pt_test) | PTE_P | PTE_W | PTE_U;
	pt_test[0] = PA(super_page) | PTE_P | PTE_W;    /* ... but this page */
	pt_test[1] = PA(frame[0]) | PTE_P | PTE_W | PTE_U;
	((uint32_t *)super_page)[0] = 0x5e7;
	((uint32_t *)frame[0])[0] = 0x05e7;
	paging_on(PA(pd), 0);

	user_addr = TEST_VA + PAGE;
	hwg_catch_arm(2);
	enter_user(PA(user_code), PA(ustack + sizeof(ustack)));
	int vec = hwg_catch_result();
	test_check(vec == -1 && user_value == 0x05e7,
		   "h: ring 3 reads a user page (vector %d, value %#x)", vec, user_value);

	user_addr = TEST_VA;
	hwg_catch_arm(2);
	enter_user(PA(user_code), PA(ustack + sizeof(ustack)));
	vec = hwg_catch_result();
	uint32_t cr2 = read_cr2();
	test_check(vec == VEC_PF && hwg_fault_error == 5 && cr2 == TEST_VA && user_value == 0xdeadbeef,
		   "h: ring 3 reads a supervisor page: #PF error 5 (P|U), CR2 %#x (vector %d, error %#x, CR2 %#x)",
		   TEST_VA, vec, hwg_fault_error, cr2);
	test_check(rd(TEST_VA) == 0x5e7, "h: ring 0 reads the same page");

	/* The ring-0 stack a supervisor page, as a kernel's is, and not
	 * touched since the CR3 load: INT 0x80 from ring 3 pushes its frame
	 * there with no fault the guest sees (the CPU's own supervisor write;
	 * under bt the shadow has no entry for it yet). */
	uint32_t top = PA(kstack + sizeof(kstack)) - 4;
	pt_low[top >> 22][(top >> 12) & 1023] &= ~(PTE_U | PTE_A | PTE_D);
	write_cr3(PA(pd));
	user_addr = TEST_VA + PAGE;
	user_value = 0;
	hwg_catch_arm(2);
	enter_user(PA(user_code), PA(ustack + sizeof(ustack)));
	vec = hwg_catch_result();
	test_check(vec == -1 && user_value == 0x05e7,
		   "h: INT 0x80 from ring 3 onto a supervisor ring-0 stack (vector %d, error %#x)",
		   vec, vec == -1 ? 0 : hwg_fault_error);
	test_check(pt_low[top >> 22][(top >> 12) & 1023] & PTE_D,
		   "h: and the push set D in the stack page's PTE");
	paging_off();
	lgdt(&old);
	load_segments(0x08, 0x10);
}

void guest_main(void)
{
	part_4k();
	part_two_spaces();
	part_pse();
	part_pae();
	part_user();
}
