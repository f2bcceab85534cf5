/*
 * popf: the interrupt flag as a kernel changes it without CLI/STI, the
 * demonstration of seed 001 (Popek and Goldberg's sensitive but
 * unprivileged instruction; Adams and Agesen's POPF example).
 *
 * The PIT ticks at 100 Hz on IRQ 0 (vector 0x20) and each check looks at
 * whether ticks arrive, not only at what PUSHF shows:
 *
 *   (a) "pushf; andl $~0x200,(%esp); popf" clears IF: no tick in 100 ms;
 *       POPF of a saved image with IF = 1 sets it again: ticks arrive
 *   (b) after CLI, PUSHF shows IF = 0; after STI, IF = 1
 *   (c) local_irq_save/restore (pushf; pop; cli ... push; popf), nested:
 *       the inner restore must leave IF = 0, the outer releases the ticks
 *   (d) IRET to the same ring with an EFLAGS image whose IF differs from
 *       the current one changes IF, both ways
 *
 * Why it matters for binary translation: at CPL 1 with IOPL 0, POPF and
 * a same-ring IRET silently keep IF (SDM POPF, IRET), and PUSHF shows the
 * real IF, not the guest's. CLI and STI trap, POPF does not: pure
 * trap-and-emulate (bt with patch = off) must fail (a), which is the
 * point; with the scanner's int3 patches (patch = on) every check passes,
 * as on a bare machine and under hw.
 */
#include "hwg.h"
#include "pic.h"
#include "pit.h"

#define VEC_IRQ0        0x20
#define HZ              100
#define WAIT_MS         100

static volatile uint32_t ticks;

static void tick(struct hwg_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

static uint32_t flags_now(void)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0" : "=r"(fl) : : "memory");
	return fl;
}

/* IF = 0 by POPF of the flags with bit 9 cleared in place (no CLI). */
static void popf_if_clear(void)
{
	__asm__ volatile("pushfl\n\t"
			 "andl $~0x200, (%%esp)\n\t"
			 "popfl" : : : "memory", "cc");
}

/* POPF of a saved image (whatever its IF). */
static void popf_image(uint32_t fl)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(fl) : "memory", "cc");
}

/* Linux's local_irq_save / local_irq_restore. */
static uint32_t irq_save(void)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0; cli" : "=r"(fl) : : "memory");
	return fl;
}

static void irq_restore(uint32_t fl)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(fl) : "memory", "cc");
}

/* IRET to the same ring (CS = ours) with the given EFLAGS image. */
static void iret_with(uint32_t fl)
{
	uint32_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("pushl %0\n\t"
			 "pushl %1\n\t"
			 "pushl $1f\n\t"
			 "iret\n"
			 "1:" : : "r"(fl), "r"(cs) : "memory", "cc");
}

/* Ticks counted over WAIT_MS of busy-waiting with IF as it is. */
static uint32_t ticks_over_wait(void)
{
	uint32_t before = ticks;
	hwg_udelay(WAIT_MS * 1000);
	return ticks - before;
}

void guest_main(void)
{
	if (!hwg_tsc_hz())
		test_error("PIT channel 2 never reached its terminal count: no TSC clock");

	irq_disable();
	pic_init(VEC_IRQ0);
	hwg_set_handler(VEC_IRQ0, tick);
	pit_start_periodic(HZ);
	pic_unmask(0);

	/* The baseline: with IF = 1 (by STI) ticks arrive. */
	irq_enable();
	uint32_t n = ticks_over_wait();
	test_check(n >= 3, "baseline: IF = 1 by sti, %u ticks in %u ms", n, WAIT_MS);

	/* (a) POPF clears IF, POPF of a saved image sets it. */
	uint32_t saved = flags_now();
	test_check(saved & EFLAGS_IF, "(a) pushf before: IF = 1 (eflags %#x)", saved);
	popf_if_clear();
	uint32_t fl = flags_now();
	n = ticks_over_wait();
	test_check(!(fl & EFLAGS_IF), "(a) popf(IF=0): pushf shows IF = 0 (eflags %#x)", fl);
	test_check(n == 0, "(a) popf(IF=0): no tick in %u ms (%u)", WAIT_MS, n);
	popf_image(saved);
	fl = flags_now();
	n = ticks_over_wait();
	test_check(fl & EFLAGS_IF, "(a) popf(saved IF=1): pushf shows IF = 1 (eflags %#x)", fl);
	test_check(n >= 3, "(a) popf(saved IF=1): ticks arrive (%u in %u ms)", n, WAIT_MS);

	/* (b) PUSHF shows what CLI and STI did. */
	irq_disable();
	fl = flags_now();
	test_check(!(fl & EFLAGS_IF), "(b) cli; pushf: IF = 0 (eflags %#x)", fl);
	irq_enable();
	fl = flags_now();
	test_check(fl & EFLAGS_IF, "(b) sti; pushf: IF = 1 (eflags %#x)", fl);

	/* (c) local_irq_save/restore, nested. */
	uint32_t outer = irq_save();
	uint32_t held = ticks_over_wait();
	uint32_t inner = irq_save();
	irq_restore(inner);
	fl = flags_now();
	uint32_t held2 = ticks_over_wait();
	test_check((outer & EFLAGS_IF) && !(inner & EFLAGS_IF),
		   "(c) irq_save: outer saw IF = 1, inner IF = 0 (%#x, %#x)", outer, inner);
	test_check(held == 0, "(c) after irq_save: no tick in %u ms (%u)", WAIT_MS, held);
	test_check(!(fl & EFLAGS_IF) && held2 == 0,
		   "(c) inner irq_restore keeps IF = 0 (eflags %#x, %u ticks)",
		   fl, held2);
	irq_restore(outer);
	fl = flags_now();
	n = ticks_over_wait();
	test_check((fl & EFLAGS_IF) && n >= 3,
		   "(c) outer irq_restore: IF = 1, ticks flow (eflags %#x, %u)", fl, n);

	/* (d) A same-ring IRET changes IF both ways. */
	saved = flags_now();
	iret_with(saved & ~EFLAGS_IF);
	fl = flags_now();
	n = ticks_over_wait();
	test_check(!(fl & EFLAGS_IF) && n == 0,
		   "(d) iret(IF=0) at IF = 1: IF = 0, no tick (eflags %#x, %u)", fl, n);
	iret_with(saved | EFLAGS_IF);
	fl = flags_now();
	n = ticks_over_wait();
	test_check((fl & EFLAGS_IF) && n >= 3,
		   "(d) iret(IF=1) at IF = 0: IF = 1, ticks (eflags %#x, %u)", fl, n);

	irq_disable();
	pic_mask(0);
	test_check(hwg_unexpected_irqs == 0, "no unexpected interrupts (%u)", hwg_unexpected_irqs);
}
