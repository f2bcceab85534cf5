/*
 * The host's local APIC, for one thing: a one-shot timer for the vCPU
 * deadlines that fall between two ticks (hv/vtimer.c). The PIT keeps the
 * periodic tick (scheduling, the console); without this timer a deadline
 * waits for the next tick, so an emulated device faster than timer_hz (a
 * hw guest's RTC at 1024 Hz, its PIT at 1 kHz) would see its interrupts
 * merged. Interrupts from the 8259s keep arriving through LINT0 in
 * virtual-wire mode (ExtINT), as a BIOS leaves a PC, and are still
 * acknowledged at the 8259s.
 *
 * Its vectors (0xf0 timer, 0xff spurious) are in the hypervisor's range
 * that no guest may claim (pv: set_trap_table refuses them).
 */
#include "apic_timer.h"
#include "cpu.h"
#include "dispatch.h"
#include "mm.h"
#include "printk.h"
#include "time.h"
#include "vtimer.h"
#include "x86.h"

#define MSR_APIC_BASE           0x1bu
#define APIC_BASE_ENABLE        (1u << 11)

#define REG_TPR                 0x080
#define REG_EOI                 0x0b0
#define REG_SVR                 0x0f0
#define REG_LVT_TIMER           0x320
#define REG_LVT_LINT0           0x350
#define REG_LVT_LINT1           0x360
#define REG_LVT_ERROR           0x370
#define REG_TIMER_INIT          0x380
#define REG_TIMER_CUR           0x390
#define REG_TIMER_DIV           0x3e0

#define SVR_ENABLE              (1u << 8)
#define LVT_MASKED              (1u << 16)
#define LVT_EXTINT              (7u << 8)
#define LVT_NMI                 (4u << 8)
#define DIV_BY_16               0x3

static volatile uint32_t *regs;         /* NULL: no timer, the tick does it all */
static uint64_t ticks_per_ms;           /* timer counts (divided by 16) per millisecond */
static uint64_t fired;

static uint32_t rd(unsigned reg)
{
	return regs[reg / 4];
}

static void wr(unsigned reg, uint32_t v)
{
	regs[reg / 4] = v;
}

static void timer_interrupt(struct trap_frame *f)
{
	(void)f;
	wr(REG_EOI, 0);
	fired++;
	vtimers_fire(time_now_ns());
}

static void spurious(struct trap_frame *f)
{
	(void)f;                /* no EOI for a spurious interrupt */
}

void apic_timer_init(void)
{
	if (!cpu_features.apic) {
		pr_info("timer: no local APIC: vCPU deadlines wait for the tick\n");
		return;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	paddr_t pa = (paddr_t)(base & 0xfffff000u);
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	if (mm_map_device(pa, PAGE_SIZE)) {
		pr_err("timer: the local APIC at %#llx could not be mapped\n",
		       (unsigned long long)pa);
		return;
	}
	regs = (volatile uint32_t *)(uintptr_t)pa;

	/* Virtual wire: the 8259s' INTR through LINT0, NMI on LINT1. */
	wr(REG_LVT_LINT0, LVT_EXTINT);
	wr(REG_LVT_LINT1, LVT_NMI);
	wr(REG_LVT_ERROR, LVT_MASKED);
	wr(REG_TPR, 0);
	wr(REG_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);

	/* Its rate against the TSC clock, over 10 ms. */
	wr(REG_TIMER_DIV, DIV_BY_16);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	wr(REG_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = time_now_ns();
	while (time_now_ns() - t0 < 10000000ull)
		cpu_relax();
	uint32_t counted = 0xffffffffu - rd(REG_TIMER_CUR);
	wr(REG_TIMER_INIT, 0);
	ticks_per_ms = counted / 10;
	if (!ticks_per_ms) {
		pr_err("timer: the local APIC timer does not count: vCPU deadlines wait for the tick\n");
		regs = NULL;
		return;
	}
	dispatch_set_handler(VEC_LAPIC_TIMER, timer_interrupt, "timer (local APIC, one-shot)");
	dispatch_set_handler(VEC_LAPIC_SPURIOUS, spurious, "local APIC spurious");
	wr(REG_LVT_TIMER, VEC_LAPIC_TIMER);     /* one-shot, unmasked */
	pr_info("timer: local APIC one-shot for vCPU deadlines, %llu.%03llu MHz (bus / 16)\n",
		(unsigned long long)(ticks_per_ms / 1000), (unsigned long long)(ticks_per_ms % 1000));
}

void apic_timer_arm(uint64_t deadline)
{
	if (!regs)
		return;
	uint64_t now = time_now_ns();
	uint64_t ns = deadline > now ? deadline - now : 0;
	uint64_t count = ns * ticks_per_ms / 1000000ull + 1;
	wr(REG_TIMER_INIT, count > 0xffffffffull ? 0xffffffffu : (uint32_t)count);
}

uint64_t apic_timer_fired(void)
{
	return fired;
}
