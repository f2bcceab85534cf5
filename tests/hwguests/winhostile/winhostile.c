/*
 * winhostile: a kernel that attacks bt's code window (hv/bt/window.c,
 * docs/bt.md "The code window"): code copies fetched from 0xFFF00000
 * through moved ring-1 code segments, per-root window tables emptied when
 * the shadow drops entries, copies freed when their page stops being code.
 * One mode per command line; each passes natively (hw is the reference),
 * and under bt the bystander beside it must finish.
 *
 *   winthrash  2 s of calls to 8 code pages 4 MiB apart in turn (each call
 *              a window move there and back): every result right.
 *   winremap   code whose page is remapped under it: a page switched
 *              between two frames with INVLPG (and without it, then a CR3
 *              reload); code that rewrites the PTE of the page it runs on
 *              and goes on after INVLPG / a CR3 reload (the next bytes are
 *              the new frame's); a 4 MiB page whose PDE changes with one
 *              INVLPG (the whole 4 MiB is new); a PDE changed to another
 *              table with a CR3 reload; code rewritten through a writable
 *              alias, by another function and by itself (a jump after the
 *              store). What runs must be what the PC runs.
 *   winread    ring-1 loads and stores at every page of 0xFFC00000-
 *              0xFFFFFFFF, which it does not map: on the PC each is a #PF.
 *              Under bt the loads may read (docs/bt.md, "Equivalence
 *              gaps"), but a window page must hold its own code (int3s
 *              aside) and the entry stack no frame of the pv bystander (CS
 *              0x19/0x2b); every store must fault. Then ring-1 jumps to
 *              0xFFF00000 and up: #PF, CR2 = EIP = the target, error 0.
 *   winuser    a ring-3 program jumps to every page of 0xFFC00000-
 *              0xFFFFFFFF and into the kernel's supervisor code: a #PF
 *              with CR2 = EIP = the target, error 4 (U) or 5 (U|P); the
 *              kernel's code runs on as before.
 *   winspaces  64 address spaces; in each, 0x40000000 maps its own code
 *              frame and 0x40001000 + 4 KiB * s a shared one; 2 s of CR3
 *              switches in a scrambled order, calling both, an address
 *              only another space maps (#PF) and, every 8th, the image
 *              (a window move): each call runs what this space maps; every
 *              64th switch, each window page that reads is its own code.
 *   winevict   200 code pages called in turn, 20 rounds, each page's
 *              immediate rewritten every round: 3 times more pages than
 *              bt's 64 copies, so copies are evicted and made again all
 *              the time; every result right, and after each round every
 *              window page that reads is its own code (a window entry left
 *              on a freed copy would show another frame); tests.cfg also
 *              asks that the hypervisor's memory comes back.
 *
 * The code run is built at run time from a few byte templates, each with
 * pushf/cli/popf so that bt patches it (a copy in the window).
 */
#include "hwg.h"
#include "string.h"

#define PAGE            4096u
#define PTE_P           0x001u
#define PTE_W           0x002u
#define PTE_U           0x004u
#define PTE_PS          0x080u
#define VEC_PF          14
#define NONE            0xffffffffu
#define PA(p)           ((uint32_t)(uintptr_t)(p))
#define LOW_TABLES      4               /* 0-16 MiB identity in 4 KiB pages */

static uint32_t pd[1024] __aligned(PAGE);
static uint32_t pt_low[LOW_TABLES][1024] __aligned(PAGE);

/* 0-16 MiB in 4 KiB pages (supervisor), 16-32 MiB in 4 MiB pages; PSE on. */
static void identity(uint32_t *dir)
{
	for (unsigned t = 0; t < LOW_TABLES; t++) {
		for (unsigned i = 0; i < 1024; i++)
			pt_low[t][i] = ((t << 22) | (i << 12)) | PTE_P | PTE_W;
		dir[t] = PA(pt_low[t]) | PTE_P | PTE_W;
	}
	for (unsigned t = LOW_TABLES; t < 8; t++)
		dir[t] = (t << 22) | PTE_PS | PTE_P | PTE_W;
}

static void paging_on(void)
{
	identity(pd);
	write_cr4(read_cr4() | CR4_PSE);
	write_cr3(PA(pd));
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

/* ---- code templates: EAX = the immediate; EFLAGS.IF kept */

#define T_RET   0       /* pushf; cli; mov $v,%eax; popf; ret */
#define T_PTEI  1       /* ... mov %ecx,(%edx); invlpg (%esi); mov $v,%eax ... */
#define T_PTEC  2       /* ... mov %ecx,(%edx); mov %cr3,%eax; mov %eax,%cr3; mov $v,%eax ... */
#define T_SMC   3       /* ... mov %ecx,(%edx); jmp 1f; 1: mov $v,%eax ... */
static const struct {
	uint8_t len, imm;
	uint8_t b[20];
} tmpl[] = {
	[T_RET] = { 9, 3, { 0x9c, 0xfa, 0xb8, 0, 0, 0, 0, 0x9d, 0xc3 } },
	[T_PTEI] = { 14, 8, { 0x9c, 0xfa, 0x89, 0x0a, 0x0f, 0x01, 0x3e, 0xb8, 0, 0, 0, 0, 0x9d, 0xc3 } },
	[T_PTEC] = { 17, 11, { 0x9c, 0xfa, 0x89, 0x0a, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xb8, 0, 0, 0,
			       0, 0x9d, 0xc3 } },
	[T_SMC] = { 13, 7, { 0x9c, 0xfa, 0x89, 0x0a, 0xeb, 0x00, 0xb8, 0, 0, 0, 0, 0x9d, 0xc3 } },
};

/* Write template t with immediate v at address at (a linear address mapped
 * writable now). */
static void put(uint32_t at, unsigned t, uint32_t v)
{
	uint8_t *p = (uint8_t *)(uintptr_t)at;
	memcpy(p, tmpl[t].b, tmpl[t].len);
	memcpy(p + tmpl[t].imm, &v, 4);
}

static uint32_t imm_at(uint32_t at, unsigned t)
{
	return at + tmpl[t].imm;
}

static uint32_t call3(uint32_t fn, uint32_t ecx, uint32_t edx, uint32_t esi)
{
	uint32_t r;
	__asm__ volatile("call *%1" : "=a"(r) : "b"(fn), "c"(ecx), "d"(edx), "S"(esi)
			 : "memory", "cc");
	return r;
}
static uint32_t call0(uint32_t fn)
{
	return call3(fn, 0, 0, 0);
}

/* ---- faults: #PF and #GP recorded; ring 1/0 resumes at rec_resume, ring 3
 * goes back to the kernel at user_back */

static volatile struct {
	uint32_t vector, error, eip, cr2;
} rec;
uint32_t rec_resume;
void user_back(void);

void rec_trap(struct hwg_frame *f);
void rec_trap(struct hwg_frame *f)
{
	rec.vector = f->vector;
	rec.error = f->error;
	rec.eip = f->eip;
	rec.cr2 = read_cr2();
	if ((f->cs & 3) == 3) {
		f->eip = PA(user_back);
		f->cs = 0x08;
		return;
	}
	if (!rec_resume)
		test_error("unexpected exception %u (error %#x) at eip %#x, CR2 %#x", f->vector,
			   f->error, f->eip, rec.cr2);
	f->eip = rec_resume;
	rec_resume = 0;
}

__asm__(".text\n"
	"rec_stub_6:\n\tpush $0\n\tpush $6\n\tjmp rec_common\n"
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
void rec_stub_6(void), rec_stub_13(void), rec_stub_14(void);

static uint32_t try_rd(uint32_t a, uint32_t *out)
{
	uint32_t v = 0;
	rec.vector = NONE;
	__asm__ volatile("movl $1f, rec_resume\n\t"
			 "movl (%1), %0\n"
			 "1:\tmovl $0, rec_resume" : "+r"(v) : "r"(a) : "memory");
	*out = v;
	return rec.vector;
}

static uint32_t try_wr(uint32_t a, uint32_t v)
{
	rec.vector = NONE;
	__asm__ volatile("movl $1f, rec_resume\n\t"
			 "movl %0, (%1)\n"
			 "1:\tmovl $0, rec_resume" : : "r"(v), "r"(a) : "memory");
	return rec.vector;
}

/* Call fn; a fault resumes after the call (rec says which). */
static uint32_t try_call(uint32_t fn)
{
	uint32_t r = NONE, saved;
	rec.vector = NONE;
	__asm__ volatile("movl %%esp, %1\n\t"
			 "movl $1f, rec_resume\n\t"
			 "call *%2\n"
			 "1:\tmovl %1, %%esp\n\t"
			 "movl $0, rec_resume"
			 : "+a"(r), "=&S"(saved) : "b"(fn) : "ecx", "edx", "memory", "cc");
	return r;
}

static uint64_t hz;
static uint64_t deadline(uint32_t ms)
{
	return rdtsc() + hz * ms / 1000;
}

/* ---- winthrash */

#define THR_REGIONS     8
#define THR_VA          0x10000000u     /* region k at + k * 4 MiB */

static uint32_t pt_thr[THR_REGIONS][1024] __aligned(PAGE);
static uint8_t thr_frame[THR_REGIONS][PAGE] __aligned(PAGE);

static void winthrash(void)
{
	for (unsigned k = 0; k < THR_REGIONS; k++) {
		uint32_t va = THR_VA + k * 0x400000u;
		pt_thr[k][0] = PA(thr_frame[k]) | PTE_P | PTE_W;
		pd[va >> 22] = PA(pt_thr[k]) | PTE_P | PTE_W;
		put(PA(thr_frame[k]) + 0x100 * k, T_RET, 0x7e000000u | k);
	}
	write_cr3(PA(pd));
	uint32_t calls = 0, bad = 0;
	uint64_t end = deadline(2000);
	while (rdtsc() < end) {
		for (unsigned k = 0; k < THR_REGIONS; k++, calls++)
			if (call0(THR_VA + k * 0x400000u + 0x100 * k) != (0x7e000000u | k))
				bad++;
	}
	test_check(calls > 1000 && bad == 0,
		   "%u calls to 8 pages 4 MiB apart in 2 s, each result right (%u wrong)", calls,
		   bad);
}

/* ---- winremap */

#define RM_VA           0x20000000u     /* pt_rm: page 0 the remapped page */
#define BIG_VA          0x40000000u     /* a 4 MiB page: PA 16 or 20 MiB */
#define BIG_A           0x01000000u
#define BIG_B           0x01400000u

static uint32_t pt_rm[1024] __aligned(PAGE);
static uint32_t pt_big[1024] __aligned(PAGE);
static uint8_t rm_frame[2][PAGE] __aligned(PAGE);

static uint32_t rm_pte(unsigned f)
{
	return PA(rm_frame[f]) | PTE_P | PTE_W;
}

static void winremap(void)
{
	pd[RM_VA >> 22] = PA(pt_rm) | PTE_P | PTE_W;
	write_cr3(PA(pd));
	uint32_t *pte = &pt_rm[0];

	/* (1) another function switches the page between two frames */
	for (unsigned f = 0; f < 2; f++)
		put(PA(rm_frame[f]) + 0x40, T_RET, 0xa0 + f);
	unsigned bad = 0, stale = 0;
	for (unsigned i = 0; i < 200; i++) {
		*pte = rm_pte(i & 1);
		invlpg(RM_VA);
		if (call0(RM_VA + 0x40) != 0xa0 + (i & 1))
			bad++;
	}
	test_check(bad == 0, "(1) a code page switched between two frames 200 times with INVLPG: "
		   "%u calls ran the other frame", bad);
	bad = 0;
	for (unsigned i = 0; i < 200; i++) {
		*pte = rm_pte(i & 1);
		if (call0(RM_VA + 0x40) != 0xa0 + (i & 1))
			stale++;                /* either is the PC's (its TLB) */
		write_cr3(PA(pd));
		if (call0(RM_VA + 0x40) != 0xa0 + (i & 1))
			bad++;
	}
	test_check(bad == 0, "(1) the same without INVLPG, then a CR3 reload: %u calls after the "
		   "reload ran the old frame (%u of 200 before it did: either is allowed)", bad, stale);

	/* (2) code rewrites the PTE of the page it runs on and goes on: the
	 * bytes after the INVLPG / CR3 reload are the new frame's */
	static const unsigned kinds[2] = { T_PTEI, T_PTEC };
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned f = 0; f < 2; f++)
			put(PA(rm_frame[f]) + 0x200, kinds[k], 0xb0 + f);
		*pte = rm_pte(0);
		write_cr3(PA(pd));
		bad = 0;
		for (unsigned i = 0; i < 200; i++) {
			unsigned to = (i + 1) & 1;
			if (call3(RM_VA + 0x200, rm_pte(to), PA(pte), RM_VA) != 0xb0 + to)
				bad++;
		}
		test_check(bad == 0, "(2) code that maps another frame under itself with %s, 200 "
			   "times: %u ran on in the old frame", k ? "a CR3 reload" : "INVLPG", bad);
	}

	/* (3) a 4 MiB page whose PDE changes: one INVLPG drops all of it */
	static const uint32_t offs[3] = { 0, 0x1000, 0x200000 };
	for (unsigned j = 0; j < 3; j++) {
		put(BIG_A + offs[j], T_RET, 0xc00 + j);
		put(BIG_B + offs[j], T_RET, 0xd00 + j);
	}
	bad = 0;
	for (unsigned i = 0; i < 100; i++) {
		uint32_t pa = i & 1 ? BIG_B : BIG_A, want = i & 1 ? 0xd00 : 0xc00;
		pd[BIG_VA >> 22] = pa | PTE_PS | PTE_P | PTE_W;
		invlpg(BIG_VA + 0x3ff000);      /* one address of the 4 MiB page */
		for (unsigned j = 0; j < 3; j++)
			if (call0(BIG_VA + offs[j]) != want + j)
				bad++;
	}
	test_check(bad == 0, "(3) a 4 MiB code page switched 100 times by its PDE, one INVLPG "
		   "each: %u calls (of 300, at +0, +4 KiB, +2 MiB) ran the old page", bad);

	/* (3') the PDE between that 4 MiB page and a table of 4 KiB pages
	 * (other frames), a CR3 reload each time */
	for (unsigned j = 0; j < 3; j++) {
		pt_big[offs[j] >> 12] = PA(rm_frame[j & 1]) | PTE_P | PTE_W;
	}
	put(PA(rm_frame[0]), T_RET, 0xe00);
	put(PA(rm_frame[1]), T_RET, 0xe01);
	bad = 0;
	for (unsigned i = 0; i < 100; i++) {
		bool big = i & 1;
		pd[BIG_VA >> 22] = big ? (BIG_A | PTE_PS | PTE_P | PTE_W) : (PA(pt_big) | PTE_P | PTE_W);
		write_cr3(PA(pd));
		for (unsigned j = 0; j < 3; j++)
			if (call0(BIG_VA + offs[j]) != (big ? 0xc00 + j : 0xe00 + (j & 1)))
				bad++;
	}
	test_check(bad == 0, "(3') the PDE between a 4 MiB page and a table of 4 KiB pages, CR3 "
		   "reloaded: %u of 300 calls ran the old mapping", bad);

	/* (4) code rewritten through a writable alias (its identity address)
	 * while it runs at RM_VA: by the caller, then by itself */
	*pte = rm_pte(0);
	write_cr3(PA(pd));
	put(PA(rm_frame[0]) + 0x400, T_RET, 0);
	bad = 0;
	for (unsigned i = 0; i < 1000; i++) {
		*(volatile uint32_t *)(uintptr_t)imm_at(PA(rm_frame[0]) + 0x400, T_RET) = i * 7;
		if (call0(RM_VA + 0x400) != i * 7)
			bad++;
	}
	test_check(bad == 0, "(4) code rewritten 1000 times through an alias, called at its other "
		   "address: %u calls ran stale bytes", bad);
	put(PA(rm_frame[0]) + 0x600, T_SMC, 0);
	uint32_t alias = imm_at(PA(rm_frame[0]) + 0x600, T_SMC);
	bad = 0;
	for (unsigned i = 1; i <= 1000; i++)
		if (call3(RM_VA + 0x600, i * 13, alias, 0) != i * 13)
			bad++;
	test_check(bad == 0, "(4) code that rewrites its next instruction through an alias and "
		   "jumps to it, 1000 times: %u ran the old one", bad);
}

/* ---- winread */

extern char __image_end[];

static bool same_but_int3s(const uint8_t *w, uint32_t g)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)g;
	unsigned diff = 0, i;
	for (i = 0; i < PAGE; i++)
		if (w[i] != p[i] && (w[i] != 0xcc || ++diff > 512))
			break;
	return i == PAGE;
}

/* A window page's bytes must be a page of the guest's image, int3s aside
 * (*hint: the page tried first, then the one after the match). */
static bool own_code(const uint8_t *w, uint32_t *hint)
{
	if (*hint && *hint < PA(__image_end) && same_but_int3s(w, *hint)) {
		*hint += PAGE;
		return true;
	}
	for (uint32_t g = 0x100000; g < PA(__image_end); g += PAGE)
		if (same_but_int3s(w, g)) {
			*hint = g + PAGE;
			return true;
		}
	return false;
}

/* Every window page that reads (0xfff00000 and up) is its own code: the
 * number that are not (each printed). */
static unsigned scan_window(const char *who)
{
	static uint8_t buf[PAGE];
	unsigned foreign = 0;
	uint32_t hint = 0, v;
	for (uint32_t a = 0xfff00000u; a; a += PAGE) {
		if (try_rd(a, &v) != NONE)
			continue;
		for (unsigned i = 0; i < PAGE; i += 4)
			if (try_rd(a + i, (uint32_t *)(buf + i)) != NONE)
				memset(buf + i, 0, 4);
		if (!own_code(buf, &hint)) {
			foreign++;
			hwg_printf("%s: window page %#x is no page of its image (%08x %08x)\n", who, a,
				   ((uint32_t *)buf)[0], ((uint32_t *)buf)[1]);
		}
	}
	return foreign;
}

static void winread(void)
{
	static uint8_t buf[PAGE];
	unsigned readable = 0, writable = 0, win_pages = 0, foreign = 0, frames_seen = 0;
	for (unsigned pass = 0; pass < 4; pass++) {
		hwg_udelay(50000);              /* the bystander runs meanwhile */
		for (uint32_t a = 0xffc00000u; a; a += PAGE) {
			uint32_t v;
			bool rd_ok = try_rd(a + 0x10, &v) == NONE;
			if (pass == 0 && rd_ok)
				readable++;
			/* what it read put back (nothing read: 0) */
			if (pass == 0 && try_wr(a + 0x10, rd_ok ? v : 0) == NONE) {
				writable++;
				hwg_printf("winread: a store to %#x did not fault\n", a + 0x10);
			}
			if (!rd_ok)
				continue;
			for (unsigned i = 0; i < PAGE; i += 4)
				if (try_rd(a + i, (uint32_t *)(buf + i)) != NONE)
					memset(buf + i, 0, 4);
			const uint32_t *w = (const uint32_t *)buf;
			if (a >= 0xfff00000u) {
				win_pages += pass == 0;
				continue;
			}
			/* a frame of the pv bystander: EIP, CS 0x19 or 0x2b (its
			 * kernel's and its programs'), EFLAGS with bit 1 */
			for (unsigned i = 0; i + 2 < PAGE / 4; i++)
				if ((w[i + 1] == 0x19 || w[i + 1] == 0x2b) && (w[i + 2] & 0xffc0802au) == 2 &&
				    w[i] > 0x1000 && w[i] < 0xffc00000u) {
					frames_seen++;
					hwg_printf("winread: %#x holds a frame of ring 1/3 selector %#x: eip "
						   "%#x eflags %#x\n", a + 4 * i, w[i + 1], w[i], w[i + 2]);
				}
		}
		foreign += scan_window("winread");
	}
	hwg_printf("winread: %u of 1024 pages at 0xffc00000 and up read without a fault (the PC: "
		   "none), %u of them in the window\n", readable, win_pages);
	test_check(writable == 0, "a store to each of the 1024 pages at 0xffc00000 and up: #PF "
		   "(%u did not fault)", writable);
	test_check(foreign == 0, "each window page read is one of its own code pages, int3s aside "
		   "(%u reads were not, 4 passes)", foreign);
	test_check(frames_seen == 0, "no page below the window holds a frame of the pv bystander "
		   "(%u found, 4 passes)", frames_seen);
	/* ring 1 jumps to the window's own addresses: #PF as on the PC */
	static const uint32_t jumps[4] = { 0xfff00000u, 0xfff00000u + 0x40000u, 0xfffff000u,
					   0xfffffff0u };
	unsigned bad = 0;
	for (unsigned j = 0; j < 4; j++) {
		try_call(jumps[j]);
		if (rec.vector != VEC_PF || rec.cr2 != jumps[j] || rec.eip != jumps[j] || rec.error) {
			bad++;
			hwg_printf("winread: jump to %#x: vector %d error %#x CR2 %#x EIP %#x\n",
				   jumps[j], (int)rec.vector, rec.error, rec.cr2, rec.eip);
		}
	}
	test_check(bad == 0, "ring-1 jumps to 0xfff00000, +256 KiB, 0xfffff000, 0xfffffff0: #PF, "
		   "CR2 = EIP = the target, error 0 (%u not)", bad);
}

/* ---- winuser */

struct __packed tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
};

#define USER_VA         0x30000000u     /* code page (jmp *%eax), then its stack */

static uint64_t gdt[6] __aligned(8);
static struct tss32 tss;
static uint8_t kstack[PAGE] __aligned(PAGE);
static uint32_t pt_user[1024] __aligned(PAGE);
static uint8_t user_frame[2][PAGE] __aligned(PAGE);
uint32_t user_saved_esp;
void enter_user(uint32_t target);

/* IRET to ring 3 at USER_VA, which jumps to the target in EAX; a fault there
 * comes back (rec_trap) to user_back, which returns from enter_user. */
__asm__(".text\n"
	".globl enter_user, user_back\n"
	"enter_user:\n"
	"	push %ebp; push %ebx; push %esi; push %edi\n"
	"	mov %esp, user_saved_esp\n"
	"	mov 20(%esp), %eax\n"
	"	mov $0x23, %dx\n"
	"	mov %dx, %ds; mov %dx, %es; mov %dx, %fs; mov %dx, %gs\n"
	"	push $0x23\n"
	"	push $0x30002000\n"
	"	pushf\n"
	"	push $0x1b\n"
	"	push $0x30000000\n"
	"	iret\n"
	"user_back:\n"
	"	mov $0x10, %dx\n"
	"	mov %dx, %ds; mov %dx, %es; mov %dx, %fs; mov %dx, %gs\n"
	"	mov user_saved_esp, %esp\n"
	"	pop %edi; pop %esi; pop %ebx; pop %ebp\n"
	"	ret\n");

static void user_setup(void)
{
	gdt[1] = hwg_seg_desc(0, 0xfffff, 0x9a, 0xc);
	gdt[2] = hwg_seg_desc(0, 0xfffff, 0x92, 0xc);
	gdt[3] = hwg_seg_desc(0, 0xfffff, 0xfa, 0xc);
	gdt[4] = hwg_seg_desc(0, 0xfffff, 0xf2, 0xc);
	gdt[5] = hwg_seg_desc(PA(&tss), sizeof(tss) - 1, 0x89, 0);
	tss.ss0 = 0x10;
	tss.esp0 = PA(kstack + sizeof(kstack));
	tss.iomap = sizeof(tss);
	struct desc_ptr p = { sizeof(gdt) - 1, PA(gdt) };
	lgdt(&p);
	load_segments(0x08, 0x10);
	ltr(0x28);
	pt_user[0] = PA(user_frame[0]) | PTE_P | PTE_W | PTE_U;
	pt_user[1] = PA(user_frame[1]) | PTE_P | PTE_W | PTE_U;
	pd[USER_VA >> 22] = PA(pt_user) | PTE_P | PTE_W | PTE_U;
	user_frame[0][0] = 0xff;        /* jmp *%eax */
	user_frame[0][1] = 0xe0;
	write_cr3(PA(pd));
}

static void winuser(void)
{
	user_setup();
	put(PA(rm_frame[0]), T_RET, 0x600d);    /* kernel code, supervisor */
	uint32_t kfn = PA(rm_frame[0]);
	unsigned bad = 0, kbad = 0;
	if (call0(kfn) != 0x600d)
		kbad++;
	for (uint32_t a = 0xffc00000u; a; a += PAGE) {
		uint32_t t = a + ((a >> 12) & 0xff0);
		rec.vector = NONE;
		enter_user(t);
		if (rec.vector != VEC_PF || rec.cr2 != t || rec.eip != t || rec.error != 4) {
			if (bad++ < 8)
				hwg_printf("winuser: jump to %#x: vector %d error %#x CR2 %#x EIP %#x\n",
					   t, (int)rec.vector, rec.error, rec.cr2, rec.eip);
		}
		if ((a & 0x3fffff) == 0x3ff000 || a == 0xfff00000u)
			if (call0(kfn) != 0x600d)
				kbad++;
	}
	test_check(bad == 0, "ring 3 jumps to each page of 0xffc00000 and up, which nothing maps: "
		   "#PF, CR2 = EIP = the target, error 4 (%u of 1024 not)", bad);
	uint32_t targets[3] = { kfn, PA(guest_main), PA(rec_trap) };
	bad = 0;
	for (unsigned j = 0; j < 3; j++) {
		call0(kfn);             /* the window at the kernel's code */
		rec.vector = NONE;
		enter_user(targets[j]);
		if (rec.vector != VEC_PF || rec.cr2 != targets[j] || rec.eip != targets[j] ||
		    rec.error != 5) {
			bad++;
			hwg_printf("winuser: jump to %#x: vector %d error %#x CR2 %#x EIP %#x\n",
				   targets[j], (int)rec.vector, rec.error, rec.cr2, rec.eip);
		}
	}
	test_check(bad == 0, "ring 3 jumps into the kernel's supervisor code (3 places): #PF, error "
		   "5 (%u not)", bad);
	test_check(kbad == 0 && call0(kfn) == 0x600d, "the kernel's code ran right in between (%u "
		   "wrong)", kbad);
}

/* ---- winspaces */

#define SPACES          64
#define SP_VA           0x40000000u

static uint32_t sp_pd[SPACES][1024] __aligned(PAGE);
static uint32_t sp_pt[SPACES][1024] __aligned(PAGE);
static uint8_t sp_frame[SPACES][PAGE] __aligned(PAGE);
static uint8_t sp_shared[PAGE] __aligned(PAGE);

static void winspaces(void)
{
	put(PA(sp_shared) + 0x80, T_RET, 0x5a5ed);
	put(PA(rm_frame[0]) + 0x80, T_RET, 0x1ab);      /* in the image's range */
	for (unsigned s = 0; s < SPACES; s++) {
		identity(sp_pd[s]);
		sp_pd[s][SP_VA >> 22] = PA(sp_pt[s]) | PTE_P | PTE_W;
		sp_pt[s][0] = PA(sp_frame[s]) | PTE_P | PTE_W;
		sp_pt[s][1 + s] = PA(sp_shared) | PTE_P | PTE_W;
		put(PA(sp_frame[s]) + 0x80, T_RET, 0x5000 + s);
	}
	uint32_t rounds = 0, bad_own = 0, bad_shared = 0, bad_other = 0, bad_img = 0, x = 777;
	unsigned foreign = 0;
	uint64_t end = deadline(2000);
	while (rdtsc() < end) {
		x = x * 1103515245u + 12345u;
		unsigned s = (x >> 16) % SPACES, o = (s + 1 + (x >> 8) % (SPACES - 1)) % SPACES;
		write_cr3(PA(sp_pd[s]));
		if (call0(SP_VA + 0x80) != 0x5000 + s)
			bad_own++;
		if (call0(SP_VA + (1 + s) * PAGE + 0x80) != 0x5a5ed)
			bad_shared++;
		/* where only space o maps the shared code: #PF here */
		if (try_call(SP_VA + (1 + o) * PAGE + 0x80) != NONE || rec.vector != VEC_PF)
			bad_other++;
		if ((rounds & 7) == 7 && call0(PA(rm_frame[0]) + 0x80) != 0x1ab)
			bad_img++;
		if ((rounds & 63) == 63)
			foreign += scan_window("winspaces");
		rounds++;
	}
	write_cr3(PA(pd));
	test_check(bad_own == 0, "%u CR3 switches among 64 spaces: each ran its own code at %#x "
		   "(%u not)", rounds, SP_VA, bad_own);
	test_check(bad_shared == 0, "the shared code at its space's own address (%u wrong)",
		   bad_shared);
	test_check(bad_other == 0, "the shared code at another space's address: #PF (%u not)",
		   bad_other);
	test_check(bad_img == 0, "the image's code every 8th switch (%u wrong)", bad_img);
	test_check(foreign == 0, "every 64th switch, each window page that reads is its own "
		   "code, int3s aside (%u were not)", foreign);
}

/* ---- winevict */

#define EV_PAGES        200
static uint8_t ev_frame[EV_PAGES][PAGE] __aligned(PAGE);

static void winevict(void)
{
	unsigned bad = 0, foreign = 0;
	for (unsigned i = 0; i < EV_PAGES; i++)
		put(PA(ev_frame[i]) + (i * 16) % 0xf00, T_RET, 0);
	for (uint32_t r = 0; r < 20; r++) {
		for (unsigned i = 0; i < EV_PAGES; i++)
			*(volatile uint32_t *)(uintptr_t)imm_at(PA(ev_frame[i]) + (i * 16) % 0xf00,
								T_RET) = r << 16 | i;
		for (unsigned i = 0; i < EV_PAGES; i++)
			if (call0(PA(ev_frame[i]) + (i * 16) % 0xf00) != (r << 16 | i))
				bad++;
		foreign += scan_window("winevict");
	}
	test_check(bad == 0, "200 code pages called in turn, rewritten each round, 20 rounds: "
		   "%u of 4000 results wrong", bad);
	test_check(foreign == 0, "after each round every window page that reads is its own code, "
		   "int3s aside (%u were not)", foreign);
}

void guest_main(void)
{
	hz = hwg_tsc_hz();
	hwg_set_gate(6, rec_stub_6, 0x8e);
	hwg_set_gate(13, rec_stub_13, 0x8e);
	hwg_set_gate(VEC_PF, rec_stub_14, 0x8e);
	paging_on();
	if (hwg_cmdline_has("winthrash"))
		winthrash();
	else if (hwg_cmdline_has("winremap"))
		winremap();
	else if (hwg_cmdline_has("winread"))
		winread();
	else if (hwg_cmdline_has("winuser"))
		winuser();
	else if (hwg_cmdline_has("winspaces"))
		winspaces();
	else if (hwg_cmdline_has("winevict"))
		winevict();
	else
		test_error("no mode on the command line (winthrash winremap winread winuser "
			   "winspaces winevict)");
	write_cr0(read_cr0() & ~CR0_PG);
}
