/*
 * ringos pc port: the kernel's own GDT, IDT and TSS in ring 0, the serial
 * console, power-off, and the page-table environment. Guest selectors:
 * 0x08/0x10 kernel, 0x1b/0x23 user, 0x28 TSS, 0x30-0x40 TLS (set_thread_area).
 */
#include "arch.h"
#include "rtc.h"
#include "clock.h"

static struct clock_scale tsc_scale;
static uint64_t tsc_at_boot;
#include "kernel.h"
#include "uapi/errno.h"
#include "tty.h"
#include "trap.h"
#include "x86.h"
#include "pic.h"
#include "pit.h"

#define GDT_TLS_FIRST 6
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_CS 0x1b
#define USER_DS 0x23
#define TSS_SEL 0x28
#define COM1 0x3f8

struct __attribute__((packed)) gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};

static uint64_t gdt[GDT_TLS_FIRST + ARCH_TLS_SLOTS] __aligned(8);
static struct gate idt[256] __aligned(8);
static struct __attribute__((packed)) {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t regs[8], es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap;
} tss __aligned(16);
extern const uint32_t pc_stub_table[256];

static uint64_t seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)flags << 52) |
	       ((uint64_t)(base >> 24) << 56);
}

static void set_gate(unsigned v, uint8_t type)
{
	uint32_t off = pc_stub_table[v];
	idt[v] = (struct gate){ off & 0xffff, KERNEL_CS, 0, type, off >> 16 };
}

void pc_cpu_init(void);
void pc_cpu_init(void)
{
	gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);
	gdt[2] = seg(0, 0xfffff, 0x92, 0xc);
	gdt[3] = seg(0, 0xfffff, 0xfa, 0xc);
	gdt[4] = seg(0, 0xfffff, 0xf2, 0xc);
	gdt[5] = seg((uint32_t)(uintptr_t)&tss, sizeof(tss) - 1, 0x89, 0);
	tss.ss0 = KERNEL_DS;
	tss.iomap = sizeof(tss);        /* no I/O bitmap: user mode gets no ports */
	struct desc_ptr g = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	lgdt(&g);
	load_segments(KERNEL_CS, KERNEL_DS);
	ltr(TSS_SEL);
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, 0x8e);      /* interrupt gates, kernel only */
	set_gate(TRAP_SYSCALL, 0xef);   /* int $0x80 from user mode: a DPL-3 trap gate */
	set_gate(3, 0xee);              /* int3 */
	struct desc_ptr i = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	lidt(&i);
	/* The 8259s above the exceptions, only the timer unmasked; the PIT
	 * ticks TICK_HZ times a second. */
	pic_init(0x20);
	pic_unmask(0);
	outb(COM1 + 1, 0x01);           /* UART: interrupt on received data */
	outb(COM1 + 4, 0x0b);           /* DTR, RTS, OUT2 (routes the IRQ) */
	pic_unmask(4);
	/* The clock: the TSC, calibrated over 50 ms of PIT channel 2 (as the
	 * hypervisor does); the tick only drives scheduling and timeouts. */
	tsc_at_boot = rdtsc();
	if (clock_scale_init(&tsc_scale, pit_calibrate_tsc(50)))
		panic("TSC calibration failed");
	pit_start_periodic(TICK_HZ);
	/* FPU and SSE for user programs (glibc uses SSE). */
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
	if (d & (1u << 24))
		write_cr4(read_cr4() | CR4_OSFXSR | ((d & (1u << 25)) ? CR4_OSXMMEXCPT : 0));
	__asm__ volatile("fninit");
}

void arch_set_kernel_stack(uint32_t esp)
{
	tss.esp0 = esp;
}

uint16_t arch_user_cs(void)
{
	return USER_CS;
}

uint16_t arch_user_ds(void)
{
	return USER_DS;
}

unsigned arch_tls_first_entry(void)
{
	return GDT_TLS_FIRST;
}

void arch_set_tls(unsigned slot, uint64_t desc)
{
	gdt[GDT_TLS_FIRST + slot] = desc;
}

void arch_console_write(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			arch_console_write("\r", 1);
		for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
			cpu_relax();
		outb(COM1, (uint8_t)buf[i]);
	}
}

void arch_poweroff(uint32_t code)
{
	irq_disable();
	outl(0xf4, code);               /* QEMU's isa-debug-exit; nothing on a PC */
	for (;;)
		halt();
}

/*
 * /proc/hypervisor on a PC: only when CPUID says a hypervisor runs us and
 * it is ringvisor (leaf 0x40000000), which gives this domain's counters
 * through leaf 0x40000001 (docs/hw.md): as "name value" lines, as the pv
 * port shows its hypercall's. On the bare machine there is none.
 */
void arch_safe_point(void)
{
	/* a bare PC is never saved */
}

bool arch_privileged(void)
{
	return false;           /* a bare PC has no other domain to control */
}

long arch_domctl(uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	(void)cmd, (void)a1, (void)a2, (void)a3;
	return -ENODEV;
}

long arch_hypervisor_info(char *buf, size_t len)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return -1;
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (a < 0x40000001 || b != 0x676e6972 || c != 0x6f736976 || d != 0x72) /* "ringvisor" */
		return -1;
	int n = snprintf(buf, len, "hypervisor ringvisor\n");
	for (uint32_t i = 0; i < 32 && (size_t)n < len; i++) {
		char name[9] = { 0 };
		cpuid(0x40000001, i, &a, &b, &c, &d);
		memcpy(name, &c, 4);
		memcpy(name + 4, &d, 4);
		if (!name[0])
			break;
		n += snprintf(buf + n, len - (size_t)n, "%s %llu\n", name,
			      (unsigned long long)a | (unsigned long long)b << 32);
	}
	return (size_t)n < len ? n : (long)len;
}

static uint64_t boot_wallclock;

uint64_t arch_boot_wallclock(void)
{
	if (!boot_wallclock) {
		uint64_t rtc = rtc_read_epoch();
		boot_wallclock = rtc ? rtc - arch_time_ns() / 1000000000ull : 0;
	}
	return boot_wallclock;
}

uint32_t arch_hwcap(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

const char *arch_name(void)
{
	return "pc";
}

/* ---- page tables ---- */

extern uint64_t boot_pdpt[], boot_l2[];

static pte_t *table_of(paddr_t pa)
{
	return phys_to_virt(pa);
}

struct pt_env arch_pt_env = { .table = table_of, .alloc = frame_get, .nx = 0 };

int arch_new_address_space(struct pae_space *s)
{
	paddr_t pdpt = frame_get();
	if (!pdpt)
		return -1;
	pte_t *l3 = phys_to_virt(pdpt);
	for (int i = 0; i < 3; i++) {
		paddr_t l2 = frame_get();
		if (!l2)
			return -1;
		l3[i] = l2 | PTE_P;
	}
	/* The kernel's GiB is the boot directory, the same in every space. */
	l3[3] = virt_to_phys(boot_l2) | PTE_P;
	s->pdpt = pdpt;
	return 0;
}

int arch_build_address_space(struct pae_space *s)
{
	return arch_new_address_space(s);       /* stores are all it takes */
}

void arch_finish_address_space(struct pae_space *s)
{
	(void)s;
}

void arch_pt_queue(pte_t *slot, pte_t val)
{
	*slot = val;
}

void arch_pt_flush(const struct pae_space *s)
{
	arch_switch_address_space(s);   /* a CR3 reload drops the old rights */
}

void arch_flush_page(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

void arch_switch_address_space(const struct pae_space *s)
{
	write_cr3((uint32_t)s->pdpt);
}

void arch_kernel_address_space(void)
{
	write_cr3((uint32_t)virt_to_phys(boot_pdpt));
}

void arch_release_address_space(struct pae_space *s)
{
	(void)s;                        /* our tables are ordinary memory */
}

void arch_switch_context(const struct pae_space *s, uint32_t kstack_top,
			 const uint64_t tls[ARCH_TLS_SLOTS])
{
	arch_switch_address_space(s);
	arch_set_kernel_stack(kstack_top);
	for (unsigned i = 0; i < ARCH_TLS_SLOTS; i++)
		arch_set_tls(i, tls[i]);
}

void arch_tables_put(const paddr_t *pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		arch_table_put(pa[i]);
}

/* The bare machine writes entries directly: nothing to batch. */
void arch_pt_batch_begin(void)
{
}

void arch_pt_batch_end(void)
{
}

void arch_table_put(paddr_t pa)
{
	frame_put(pa);
}

void arch_disks_init(void)
{
	/* The PC's disks are its IDE channel's: kernel/ata.c. */
}

void arch_idle(void)
{
	irq_enable_and_halt();
	irq_disable();
}

uint64_t arch_time_ns(void)
{
	return clock_scale_apply(&tsc_scale, rdtsc() - tsc_at_boot);
}

uint32_t arch_irq_save(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0; cli" : "=r"(f) : : "memory");
	return f;
}

void arch_irq_restore(uint32_t f)
{
	if (f & 0x200)
		__asm__ volatile("sti" : : : "memory");
}

bool arch_irq(unsigned vector)
{
	unsigned irq = vector - 0x20;
	if (irq >= 16)
		return false;
	if (pic_is_spurious(irq))
		return false;
	pic_eoi(irq);
	/* The UART's bytes: on IRQ 4, and polled each tick as well (on this
	 * QEMU the receive interrupt was not seen; the poll bounds the delay). */
	if (irq == 4 || irq == 0)
		while (inb(COM1 + 5) & 1)
			tty_input((char)inb(COM1));
	void pc_irq_dispatch(unsigned irq);
	pc_irq_dispatch(irq);           /* a driver's line (io.c) */
	return irq == 0;
}

/* ---- traps ---- */

void port_trap(struct trap_frame *f);
void port_trap(struct trap_frame *f)
{
	trap_dispatch(f, f->vector == 14 ? read_cr2() : 0);
}

void arch_init(uint32_t magic, uint32_t info, struct arch_boot_info *bi)
{
	pc_cpu_init();
	/* Serial: 115200 8N1. */
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 1);
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 3);
	outb(COM1 + 2, 7);
	if (magic != 0x2BADB002)
		panic("not started by a multiboot loader");
	void pc_multiboot(uint32_t info, struct arch_boot_info *bi);
	pc_multiboot(info, bi);
	/* The low identity mapping is no longer needed. */
	boot_pdpt[0] = 0;
	write_cr3(read_cr3());
}
