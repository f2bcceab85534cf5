/*
 * sensitive: the sensitive but unprivileged instructions of x86-32 (Robin
 * and Irvine's list), each checked against what this kernel set up itself.
 *
 * The guest loads its own GDT (code 0x08, data 0x10, an LDT 0x18, a TSS
 * 0x20), its own copy of the IDT, an LDT with one data segment and a TSS,
 * then checks, one instruction each:
 *
 *   sgdt, sidt            the base and limit it gave lgdt and lidt
 *   sldt                  0 after lldt(0), 0x18 after lldt(0x18); a
 *                         selector of the LDT reads the LDT's segment
 *   str                   0x20 after ltr(0x20), and the TSS is marked busy
 *   smsw (reg and mem)    CR0[15:0] as mov from CR0 reads it, PE set
 *   mov %cs/%ss, push %cs/%ss   0x08 / 0x10: RPL 0, as a ring-0 kernel sees
 *   lar, lsl              access rights and limits of its own descriptors
 *   verr, verw            readable/writable code, data, TSS, null
 *   pushf                 IOPL 0; popf sets IOPL 3 at CPL 0 and back
 *   lret, lret $8         a far return to the same ring lands, ESP right
 *   ljmp, lcall           direct and through memory to 0x08 and back
 *
 * Why it matters for binary translation: at CPL 1 none of these traps
 * (no CR4.UMIP), yet each gives a ring-1 kernel the hypervisor's view:
 * the host's GDTR/IDTR/LDTR/TR and CR0, RPL 1 in CS and SS, DPL checks
 * against CPL 1, the real IOPL (docs/bt-scan.md, probe 3). The scanner
 * must find every one of them and the emulator give the guest's values.
 */
#include "hwg.h"
#include "string.h"

#define SEL_CODE        0x08
#define SEL_DATA        0x10
#define SEL_LDT         0x18
#define SEL_TSS         0x20
#define SEL_LDT_DATA    0x04    /* LDT index 0, TI = 1, RPL 0 */
#define LDT_MAGIC       0x1d7da7a5u

/* A segment descriptor: base, limit (20 bits), access byte, flags nibble
 * (G, D/B, L, AVL). */
struct __packed tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
};

static uint64_t gdt[5] __aligned(8);
static uint64_t ldt[1] __aligned(8);
static uint8_t idt_copy[256 * 8] __aligned(8);
static struct tss32 tss __aligned(128);
static volatile uint32_t ldt_probe = LDT_MAGIC;
static uint32_t far_target[2];          /* ptr16:32 for the memory forms */

/* Called far: returns a value in EAX and its CS in EDX. */
extern char far_fn[];
__asm__(".text\n"
	"far_fn:\n\t"
	"movl $0x5a5a1234, %eax\n\t"
	"movl %cs, %edx\n\t"
	"lret\n");

static bool zf_lar(uint32_t sel, uint32_t *out)
{
	uint8_t zf;
	uint32_t v = 0xdeadbeef;
	__asm__ volatile("larl %2, %0; setz %1" : "+r"(v), "=q"(zf) : "r"(sel) : "cc");
	*out = v;
	return zf;
}

static bool zf_lsl(uint32_t sel, uint32_t *out)
{
	uint8_t zf;
	uint32_t v = 0xdeadbeef;
	__asm__ volatile("lsll %2, %0; setz %1" : "+r"(v), "=q"(zf) : "r"(sel) : "cc");
	*out = v;
	return zf;
}

static bool verr(uint16_t sel)
{
	uint8_t zf;
	__asm__ volatile("verr %1; setz %0" : "=q"(zf) : "r"(sel) : "cc");
	return zf;
}

static bool verw(uint16_t sel)
{
	uint8_t zf;
	__asm__ volatile("verw %1; setz %0" : "=q"(zf) : "r"(sel) : "cc");
	return zf;
}

static uint32_t pushf_now(void)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0" : "=r"(fl) : : "memory");
	return fl;
}

static void setup_tables(void)
{
	gdt[0] = 0;
	gdt[1] = hwg_seg_desc(0, 0xfffff, 0x9b, 0xc);   /* code, accessed already */
	gdt[2] = hwg_seg_desc(0, 0xfffff, 0x93, 0xc);   /* data, accessed already */
	gdt[3] = hwg_seg_desc((uint32_t)(uintptr_t)ldt, sizeof(ldt) - 1, 0x82, 0);
	gdt[4] = hwg_seg_desc((uint32_t)(uintptr_t)&tss, sizeof(tss) - 1, 0x89, 0);
	ldt[0] = hwg_seg_desc((uint32_t)(uintptr_t)&ldt_probe, 3, 0x93, 0x4);
	memset(&tss, 0, sizeof(tss));
	tss.ss0 = SEL_DATA;
	tss.esp0 = read_esp();
	tss.iomap = sizeof(tss);                /* no I/O bitmap */

	struct desc_ptr p = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	lgdt(&p);
	load_segments(SEL_CODE, SEL_DATA);

	/* The IDT is copied from where sidt says it is. Without scan-and-
	 * patch (bt with patch = off) sidt gives the hypervisor's IDT:
	 * reading there would stop this domain, so the copy is skipped and
	 * the checks go on, each showing what a deprivileged kernel sees. */
	struct desc_ptr cur;
	sidt(&cur);
	if (!test_check((uint64_t)cur.base + sizeof(idt_copy) <= hwg_ram_bytes(),
			"sidt at boot: base %#x is in this machine's RAM (%u KiB)", cur.base,
			hwg_ram_bytes() / 1024))
		return;
	memcpy(idt_copy, (const void *)(uintptr_t)cur.base, sizeof(idt_copy));
	struct desc_ptr ip = { sizeof(idt_copy) - 1, (uint32_t)(uintptr_t)idt_copy };
	lidt(&ip);
}

void guest_main(void)
{
	setup_tables();

	/* sgdt, sidt */
	struct desc_ptr g = { 0, 0 }, i = { 0, 0 };
	__asm__ volatile("sgdt %0" : "=m"(g));
	__asm__ volatile("sidt %0" : "=m"(i));
	test_check(g.base == (uint32_t)(uintptr_t)gdt && g.limit == sizeof(gdt) - 1,
		   "sgdt: base %#x limit %#x (lgdt'd %p, %#x)", g.base, g.limit, (void *)gdt,
		   (unsigned)sizeof(gdt) - 1);
	test_check(i.base == (uint32_t)(uintptr_t)idt_copy && i.limit == sizeof(idt_copy) - 1,
		   "sidt: base %#x limit %#x (lidt'd %p, %#x)", i.base, i.limit,
		   (void *)idt_copy, (unsigned)sizeof(idt_copy) - 1);

	/* sldt */
	uint32_t v = 0xffff;
	__asm__ volatile("lldt %w0" : : "r"(0) : "memory");
	__asm__ volatile("sldt %0" : "=r"(v));
	test_check((v & 0xffff) == 0, "sldt after lldt(0): %#x", v & 0xffff);
	__asm__ volatile("lldt %w0" : : "r"(SEL_LDT) : "memory");
	__asm__ volatile("sldt %0" : "=r"(v));
	test_check((v & 0xffff) == SEL_LDT, "sldt after lldt(%#x): %#x", SEL_LDT, v & 0xffff);
	uint32_t via_ldt;
	__asm__ volatile("mov %w1, %%es\n\t"
			 "movl %%es:0, %0\n\t"
			 "mov %w2, %%es"
			 : "=r"(via_ldt) : "r"(SEL_LDT_DATA), "r"(SEL_DATA) : "memory");
	test_check(via_ldt == LDT_MAGIC, "LDT selector %#x reads its segment: %#x",
		   SEL_LDT_DATA, via_ldt);

	/* str */
	ltr(SEL_TSS);
	v = 0xffff;
	__asm__ volatile("str %0" : "=r"(v));
	test_check((v & 0xffff) == SEL_TSS, "str after ltr(%#x): %#x", SEL_TSS, v & 0xffff);
	uint8_t type = (uint8_t)(gdt[4] >> 40) & 0xf;
	test_check(type == 0xb, "ltr marked the TSS busy in the GDT (type %#x)", type);

	/* smsw */
	uint32_t cr0 = read_cr0(), msw_reg = 0;
	uint16_t msw_mem = 0;
	__asm__ volatile("smsw %0" : "=r"(msw_reg));
	__asm__ volatile("smsw %0" : "=m"(msw_mem));
	test_check((msw_reg & 0xffff) == (cr0 & 0xffff) && (msw_reg & CR0_PE),
		   "smsw %%reg: %#x, CR0 %#x, PE set", msw_reg & 0xffff, cr0);
	test_check(msw_mem == (cr0 & 0xffff), "smsw mem16: %#x, CR0 %#x", msw_mem, cr0);

	/* CS and SS as a ring-0 kernel sees them */
	uint32_t cs = 0, ss = 0, pcs = 0, pss = 0;
	__asm__ volatile("movl %%cs, %0" : "=r"(cs));
	__asm__ volatile("movl %%ss, %0" : "=r"(ss));
	__asm__ volatile("pushl %%cs; popl %0" : "=r"(pcs));
	__asm__ volatile("pushl %%ss; popl %0" : "=r"(pss));
	test_check((cs & 0xffff) == SEL_CODE, "mov %%cs: %#x (RPL 0)", cs & 0xffff);
	test_check((ss & 0xffff) == SEL_DATA, "mov %%ss: %#x (RPL 0)", ss & 0xffff);
	test_check((pcs & 0xffff) == SEL_CODE, "push %%cs: %#x (RPL 0)", pcs & 0xffff);
	test_check((pss & 0xffff) == SEL_DATA, "push %%ss: %#x (RPL 0)", pss & 0xffff);

	/* lar, lsl */
	uint32_t ar, lim;
	bool ok = zf_lar(SEL_CODE, &ar);
	test_check(ok && (ar & 0x00f0ff00) == 0x00c09b00, "lar %#x: ZF %d, %#x (want 0x00c09b00)",
		   SEL_CODE, ok, ar & 0x00f0ff00);
	ok = zf_lar(SEL_DATA, &ar);
	test_check(ok && (ar & 0x00f0ff00) == 0x00c09300, "lar %#x: ZF %d, %#x (want 0x00c09300)",
		   SEL_DATA, ok, ar & 0x00f0ff00);
	ok = zf_lsl(SEL_CODE, &lim);
	test_check(ok && lim == 0xffffffff, "lsl %#x: ZF %d, %#x (4 GiB)", SEL_CODE, ok, lim);
	ok = zf_lsl(SEL_TSS, &lim);
	test_check(ok && lim == sizeof(tss) - 1, "lsl %#x (TSS): ZF %d, %#x", SEL_TSS, ok, lim);
	ok = zf_lar(0, &ar);
	test_check(!ok, "lar of the null selector: ZF clear");

	/* verr, verw */
	test_check(verr(SEL_CODE) && !verw(SEL_CODE), "code %#x: verr yes, verw no", SEL_CODE);
	test_check(verr(SEL_DATA) && verw(SEL_DATA), "data %#x: verr yes, verw yes", SEL_DATA);
	test_check(!verr(SEL_TSS) && !verw(SEL_TSS), "TSS %#x: verr no, verw no", SEL_TSS);
	test_check(!verr(0) && !verw(0), "null selector: verr no, verw no");

	/* pushf IOPL, and popf changing it at CPL 0 */
	uint32_t fl = pushf_now();
	test_check((fl & EFLAGS_IOPL) == 0, "pushf: IOPL 0 (eflags %#x)", fl);
	write_eflags(fl | EFLAGS_IOPL);
	uint32_t fl3 = pushf_now();
	write_eflags(fl);
	uint32_t fl0 = pushf_now();
	test_check((fl3 & EFLAGS_IOPL) == EFLAGS_IOPL && (fl0 & EFLAGS_IOPL) == 0,
		   "popf sets IOPL 3 and back to 0 at CPL 0 (%#x, %#x)", fl3, fl0);

	/* lret to the same ring, and lret $8 releasing two arguments */
	uint32_t landed = 0, esp_before, esp_after;
	__asm__ volatile("movl $0, %0\n\t"
			 "pushl %%cs\n\t"
			 "pushl $1f\n\t"
			 "lret\n\t"
			 "movl $2, %0\n"        /* skipped if lret lands at 1: */
			 "1:\taddl $1, %0"
			 : "=&r"(landed) : : "memory");
	test_check(landed == 1, "lret to the same ring lands (%u)", landed);
	__asm__ volatile("movl %%esp, %0\n\t"
			 "pushl $0x11\n\t"
			 "pushl $0x22\n\t"
			 "pushl %%cs\n\t"
			 "pushl $1f\n\t"
			 "lret $8\n"
			 "1:\tmovl %%esp, %1"
			 : "=&r"(esp_before), "=&r"(esp_after) : : "memory");
	test_check(esp_before == esp_after, "lret $8: ESP back where it was (%#x, %#x)",
		   esp_before, esp_after);

	/* far jmp and call, direct and through memory */
	__asm__ volatile("movl $0, %0\n\t"
			 "ljmp $0x08, $1f\n\t"
			 "movl $2, %0\n"
			 "1:\taddl $1, %0"
			 : "=&r"(landed) : : "memory");
	test_check(landed == 1, "ljmp $0x08: lands (%u)", landed);
	uint32_t rv, rcs;
	__asm__ volatile("lcall $0x08, $far_fn" : "=a"(rv), "=d"(rcs) : : "memory");
	test_check(rv == 0x5a5a1234 && (rcs & 0xffff) == SEL_CODE,
		   "lcall $0x08: callee ran in CS %#x, returned %#x", rcs & 0xffff, rv);
	far_target[0] = (uint32_t)(uintptr_t)far_fn;
	far_target[1] = SEL_CODE;
	__asm__ volatile("lcall *%2" : "=a"(rv), "=d"(rcs) : "m"(far_target) : "memory");
	test_check(rv == 0x5a5a1234 && (rcs & 0xffff) == SEL_CODE,
		   "lcall *mem: callee ran in CS %#x, returned %#x", rcs & 0xffff, rv);
	__asm__ volatile("movl $1f, %1\n\t"
			 "movl $0, %0\n\t"
			 "ljmp *%1\n\t"
			 "movl $2, %0\n"
			 "1:\taddl $1, %0"
			 : "=&r"(landed), "+m"(far_target[0]) : "m"(far_target[1]) : "memory");
	test_check(landed == 1, "ljmp *mem: lands (%u)", landed);
}
