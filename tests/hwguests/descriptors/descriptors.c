/*
 * descriptors: the guest's own GDT with unusual entries, and the faults
 * that segment and descriptor-table limits raise.
 *
 *   a conforming DPL-0 code segment: far jump to it (CS = 0x18) and back
 *   a DPL-0 data segment with its own base in DS, ES, FS and GS
 *   a 16-bit data segment with a limit of 0xff: the last dword reads,
 *   the byte beyond #GP(0) through DS; a limit as SS: #SS(0) beyond it
 *   (a 32-bit one, 4 MiB: a 16-bit SS would make every push use SP)
 *   [the two #GP/#SS beyond a limit and the null-DS access are only
 *   counted with "seg_limits" on the command line: QEMU's TCG checks
 *   no data segment limit; see limit_check()]
 *   a call gate to 0x08: lcall through it arrives (the offset of the far
 *   pointer ignored) and returns
 *   the null selector: loads into DS, an access #GP(0); into SS #GP(0)
 *   a non-present data segment: #NP with the selector as error code
 *   lgdt with a limit that leaves a selector out: loading it #GP(sel)
 *   lidt with a limit that leaves vector 0x40 out: int $0x40 gives
 *   #GP(0x40 * 8 + 2) (IDT bit set)
 *   a descriptor changed in memory and the GDT reloaded: FS keeps the old
 *   base until FS itself is reloaded
 *
 * Why it matters for binary translation: a ring-1 guest cannot have its
 * GDT as it wrote it (DPL 0 descriptors, gates to ring 0): the hypervisor
 * keeps a shadow GDT and IDT, and these are the corners where a shadow
 * can differ from the guest's tables: conforming code, gates, limits of
 * the tables themselves, present bits, error codes naming selectors, and
 * the descriptor cache (a segment register keeps its old descriptor
 * until reloaded, whatever the table says now).
 *
 * A #GP with DS unusable would reach the library's handler with that DS,
 * so this guest's IDT sends #GP through gp_fix, which reloads DS and ES
 * first (a kernel's entry code does the same).
 */
#include "hwg.h"
#include "format.h"
#include "string.h"

#define SEL_CODE        0x08
#define SEL_DATA        0x10
#define SEL_CONFORM     0x18
#define SEL_DATA_BASE   0x20    /* DPL 0, base probe[] */
#define SEL_SMALL16     0x28    /* 16-bit, base small[], limit 0xff */
#define SEL_STACK4M     0x30    /* 32-bit, base 0, limit 4 MiB - 1 */
#define SEL_GATE        0x38    /* call gate to SEL_CODE:gate_target */
#define SEL_NOTPRESENT  0x40
#define SEL_MOVING      0x48    /* base changed in memory */
#define GDT_ENTRIES     10
#define VEC_GP          13
#define VEC_SS          12
#define VEC_NP          11

static uint64_t gdt[GDT_ENTRIES] __aligned(8);
static uint8_t idt[256 * 8] __aligned(8);
static uint32_t probe[4];
static uint32_t small[64] = { [63] = 0x5a11e5d0 };      /* 256 bytes */
static uint32_t cell_a = 0xaaaa0001, cell_b = 0xbbbb0002;
extern char __image_end[];

/* A 32-bit call gate (type 0xC) or interrupt gate (0xE), DPL 0. */
static uint64_t gate(uint16_t sel, uint32_t off, uint8_t type)
{
	return (uint64_t)(off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)(0x80 | type) << 40 |
	       (uint64_t)(off >> 16) << 48;
}

extern char gp_fix[], gate_target[], hwg_stubs[];
__asm__(".text\n"
	/* #GP: make DS and ES usable, then the library's stub for 13. */
	"gp_fix:\n\t"
	"pushl %eax\n\t"
	"movl $0x10, %eax\n\t"
	"movl %eax, %ds\n\t"
	"movl %eax, %es\n\t"
	"popl %eax\n\t"
	"jmp hwg_stubs + 13 * 16\n"
	/* Reached through the call gate: its CS in EDX, a mark in EAX. */
	"gate_target:\n\t"
	"movl %cs, %edx\n\t"
	"movl $0x6a7e0c01, %eax\n\t"
	"lret\n");

/*
 * Data accesses beyond a segment's limit and through a null DS: QEMU's TCG
 * (which every test of this project runs on) checks neither, so these
 * checks are made only with "seg_limits" on the command line (a CPU that
 * checks them: real hardware, or a future QEMU); otherwise the line says
 * what happened, uncounted.
 */
static void __printf(2, 3) limit_check(bool ok, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (hwg_cmdline_has("seg_limits"))
		test_check(ok, "%s", buf);
	else
		hwg_printf("  unchecked - %s\n", buf);
}

static void load_gdt(uint16_t limit)
{
	struct desc_ptr p = { limit, (uint32_t)(uintptr_t)gdt };
	lgdt(&p);
}

static void load_idt(uint16_t limit)
{
	struct desc_ptr p = { limit, (uint32_t)(uintptr_t)idt };
	lidt(&p);
}

static void setup(void)
{
	gdt[0] = 0;
	gdt[1] = hwg_seg_desc(0, 0xfffff, 0x9b, 0xc);
	gdt[2] = hwg_seg_desc(0, 0xfffff, 0x93, 0xc);
	gdt[3] = hwg_seg_desc(0, 0xfffff, 0x9f, 0xc);           /* code, conforming, DPL 0 */
	gdt[4] = hwg_seg_desc((uint32_t)(uintptr_t)probe, sizeof(probe) - 1, 0x93, 0x4);
	gdt[5] = hwg_seg_desc((uint32_t)(uintptr_t)small, 0xff, 0x93, 0x0);     /* 16-bit */
	gdt[6] = hwg_seg_desc(0, 0x3ff, 0x93, 0xc);             /* 4 MiB, 4 KiB pages */
	gdt[7] = gate(SEL_CODE, (uint32_t)(uintptr_t)gate_target, 0xc);
	gdt[8] = hwg_seg_desc(0, 0xfffff, 0x13, 0xc);           /* data, not present */
	gdt[9] = hwg_seg_desc((uint32_t)(uintptr_t)&cell_a, 3, 0x93, 0x4);
	load_gdt(sizeof(gdt) - 1);
	load_segments(SEL_CODE, SEL_DATA);

	struct desc_ptr cur;
	sidt(&cur);
	memcpy(idt, (const void *)(uintptr_t)cur.base, sizeof(idt));
	uint64_t gp = gate(SEL_CODE, (uint32_t)(uintptr_t)gp_fix, 0xe);
	memcpy(idt + VEC_GP * 8, &gp, 8);
	load_idt(sizeof(idt) - 1);
}

static void conforming(void)
{
	uint32_t in = 0, out = 0;
	__asm__ volatile("ljmp $0x18, $1f\n"
			 "1:\tmovl %%cs, %0\n\t"
			 "ljmp $0x08, $2f\n"
			 "2:\tmovl %%cs, %1"
			 : "=&r"(in), "=&r"(out) : : "memory");
	test_check((in & 0xffff) == SEL_CONFORM && (out & 0xffff) == SEL_CODE,
		   "conforming code: ljmp in (CS %#x) and out (CS %#x)",
		   in & 0xffff, out & 0xffff);
}

static void data_segments(void)
{
	uint32_t d = 0, e = 0, f = 0, g = 0;
	for (unsigned i = 0; i < 4; i++)
		probe[i] = 0xd5000000u + i;
	__asm__ volatile("movl %4, %%ds\n\t"
			 "movl 0, %0\n\t"
			 "movl %5, %%ds\n\t"
			 "movl %4, %%es\n\t"
			 "movl %%es:4, %1\n\t"
			 "movl %5, %%es\n\t"
			 "movl %4, %%fs\n\t"
			 "movl %%fs:8, %2\n\t"
			 "movl %4, %%gs\n\t"
			 "movl %%gs:12, %3\n\t"
			 "movl %5, %%fs\n\t"
			 "movl %5, %%gs"
			 : "=&r"(d), "=&r"(e), "=&r"(f), "=&r"(g)
			 : "r"(SEL_DATA_BASE), "r"(SEL_DATA) : "memory");
	test_check(d == 0xd5000000 && e == 0xd5000001 && f == 0xd5000002 && g == 0xd5000003,
		   "DPL-0 data in DS/ES/FS/GS: words %d %d %d %d of base",
		   (int)(d - 0xd5000000), (int)(e - 0xd5000000), (int)(f - 0xd5000000),
		   (int)(g - 0xd5000000));
}

static void limits(void)
{
	uint32_t v = 0;
	__asm__ volatile("movl %1, %%ds\n\t"
			 "movl 0xfc, %0\n\t"
			 "movl %2, %%ds"
			 : "=&r"(v) : "r"(SEL_SMALL16), "r"(SEL_DATA) : "memory");
	test_check(v == 0x5a11e5d0, "16-bit seg, limit 0xff: DS:0xfc reads %#x", v);

	v = 0x12345678;
	int vec = hwg_try(2, "movl %%ecx, %%ds\n\t"
			  "movl (%%edx), %%eax\n\t"     /* 8b 02 */
			  "movl %%ebx, %%ds"
			  : "+a"(v) : "c"(SEL_SMALL16), "d"(0x100), "b"(SEL_DATA) : "memory");
	limit_check(vec == VEC_GP && hwg_fault_error == 0 && v == 0x12345678,
		    "16-bit seg: DS:0x100 past limit #GP(0) (vec %d, %#x)",
		    vec, hwg_fault_error);

	if ((uintptr_t)__image_end >= (4u << 20))
		test_error("the image ends at %p, past the 4 MiB stack segment", __image_end);
	uint32_t ok = 0;
	__asm__ volatile("movl %%ecx, %%ss\n\t"
			 "movl %%ss:(%%edx), %%eax\n\t"
			 "movl %%ebx, %%ss"
			 : "=a"(ok) : "c"(SEL_STACK4M), "d"(0x3ffffc), "b"(SEL_DATA) : "memory");
	(void)ok;
	vec = hwg_try(3, "movl %%ecx, %%ss\n\t"
		      "movl %%ss:(%%edx), %%eax\n\t"  /* 36 8b 02 */
		      "movl %%ebx, %%ss"
		      : "+a"(v) : "c"(SEL_STACK4M), "d"(0x400000), "b"(SEL_DATA) : "memory");
	limit_check(vec == VEC_SS && hwg_fault_error == 0,
		    "SS limit 4 MiB: SS:0x400000 #SS(0) (vector %d, %#x)",
		    vec, hwg_fault_error);
}

static void call_gate(void)
{
	uint32_t rv = 0, cs = 0;
	__asm__ volatile("lcall $0x38, $0x12345678" : "=a"(rv), "=d"(cs) : : "memory");
	test_check(rv == 0x6a7e0c01 && (cs & 0xffff) == SEL_CODE,
		   "call gate %#x: ran in CS %#x, returned %#x",
		   SEL_GATE, cs & 0xffff, rv);
}

static void null_and_not_present(void)
{
	uint32_t v = 0x12345678;
	int vec = hwg_try(2, "movl %%ecx, %%ds\n\t"
			  "movl (%%edx), %%eax\n\t"
			  "movl %%ebx, %%ds"
			  : "+a"(v) : "c"(0), "d"(&cell_a), "b"(SEL_DATA) : "memory");
	limit_check(vec == VEC_GP && hwg_fault_error == 0 && v == 0x12345678,
		    "null selector in DS: an access #GP(0) (vector %d, %#x)",
		    vec, hwg_fault_error);

	vec = hwg_try(2, "movl %0, %%ss" : : "a"(0) : "memory");      /* 8e d0 */
	test_check(vec == VEC_GP && hwg_fault_error == 0,
		   "null selector into SS: #GP(0) (vector %d, %#x)", vec, hwg_fault_error);

	vec = hwg_try(2, "movl %0, %%es" : : "a"(SEL_NOTPRESENT) : "memory");  /* 8e c0 */
	test_check(vec == VEC_NP && hwg_fault_error == SEL_NOTPRESENT,
		   "non-present segment %#x into ES: #NP(%#x) (vector %d)", SEL_NOTPRESENT,
		   hwg_fault_error, vec);
	__asm__ volatile("movl %0, %%es" : : "r"(SEL_DATA));
}

static void table_limits(void)
{
	load_gdt(SEL_MOVING - 1);
	int vec = hwg_try(2, "movl %0, %%es" : : "a"(SEL_MOVING) : "memory");
	load_gdt(sizeof(gdt) - 1);
	__asm__ volatile("movl %0, %%es" : : "r"(SEL_DATA));
	test_check(vec == VEC_GP && hwg_fault_error == SEL_MOVING,
		   "lgdt limit %#x, load %#x: #GP(%#x) (vec %d)", SEL_MOVING - 1,
		   SEL_MOVING, hwg_fault_error, vec);

	load_idt(0x40 * 8 - 1);
	vec = hwg_try(2, "int $0x40" : : : "memory");                  /* cd 40 */
	load_idt(sizeof(idt) - 1);
	test_check(vec == VEC_GP && hwg_fault_error == 0x40 * 8 + 2,
		   "lidt limit %#x, int $0x40: #GP(%#x) (vec %d)", 0x40 * 8 - 1,
		   hwg_fault_error, vec);
}

static uint32_t read_fs0(void)
{
	uint32_t v;
	__asm__ volatile("movl %%fs:0, %0" : "=r"(v) : : "memory");
	return v;
}

static void reload(void)
{
	__asm__ volatile("movl %0, %%fs" : : "r"(SEL_MOVING) : "memory");
	uint32_t first = read_fs0();
	gdt[9] = hwg_seg_desc((uint32_t)(uintptr_t)&cell_b, 3, 0x93, 0x4);
	load_gdt(sizeof(gdt) - 1);
	uint32_t cached = read_fs0();
	__asm__ volatile("movl %0, %%fs" : : "r"(SEL_MOVING) : "memory");
	uint32_t reloaded = read_fs0();
	__asm__ volatile("movl %0, %%fs" : : "r"(SEL_DATA) : "memory");
	test_check(first == cell_a, "FS = %#x reads a (%#x)", SEL_MOVING, first);
	test_check(cached == cell_a,
		   "new base in GDT, lgdt: FS still reads a (%#x)", cached);
	test_check(reloaded == cell_b, "FS reloaded: reads b (%#x)", reloaded);
}

void guest_main(void)
{
	setup();
	conforming();
	data_segments();
	limits();
	call_gate();
	null_and_not_present();
	table_limits();
	reload();
}
