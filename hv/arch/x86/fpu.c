/*
 * The FPU/SSE registers belong to one domain at a time, whatever its
 * technique (the owner): fpu_take() makes a domain the owner, saving the
 * previous one's state into its domain structure and loading the new
 * one's. pv takes it lazily at the first #NM (hv/pv/fpu.c); hw takes it
 * when its vCPU is switched in, since VMRUN does not switch these
 * registers and the guest's own CR0.TS is its business.
 */
#include "fpu.h"
#include "cpu.h"
#include "domain.h"
#include "types.h"
#include "x86.h"

struct domain *fpu_owner;

static void fxsave(uint8_t *area)
{
	__asm__ volatile("fxsave (%0)" : : "r"(area) : "memory");
}

static void fxrstor(const uint8_t *area)
{
	__asm__ volatile("fxrstor (%0)" : : "r"(area) : "memory");
}

/*
 * The state a domain's FPU starts with: x87 control word 0x37f, MXCSR 0x1f80,
 * every register zero. Loaded with fxrstor, not fninit: fninit leaves the
 * x87 data and XMM registers as the previous owner left them, which would
 * hand one domain another's secrets.
 */
static uint8_t clean_fpu[512] __aligned(16) = {
	[0] = 0x7f, [1] = 0x03,                 /* FCW */
	[24] = 0x80, [25] = 0x1f,               /* MXCSR */
};

static void clts(void)
{
	__asm__ volatile("clts" : : : "memory");
}

/* Clears the x87 exception flags without waiting (a pending exception would
 * raise #MF at the next waiting x87 instruction, here in ring 0). */
static void fnclex(void)
{
	__asm__ volatile("fnclex");
}

/* Marks st(7) empty: the slot the next load pushes into, so it cannot
 * overflow the register stack. */
static void ffree_st7(void)
{
	__asm__ volatile("ffree %st(7)");
}

/* Loads a 32-bit integer onto the x87 stack (exact: it raises nothing). */
static void fildl(const int32_t *p)
{
	__asm__ volatile("fildl %0" : : "m"(*p));
}

static const int32_t fpu_scrub_operand;

/*
 * On CPUs with cpu_features.fxsave_leak (AMD before Zen 2, see cpu.c),
 * FXRSTOR leaves the x87 last-instruction pointer, last-data pointer and
 * opcode (FIP, FDP, FOP) as the previous owner left them unless the image
 * has an exception pending, so the next domain could read (FNSTENV, FXSAVE)
 * where another's code and data are. One x87 load of our own first makes
 * them the hypervisor's: this fildl's address, fpu_scrub_operand's address
 * and its opcode, the same for every domain. What it does to the registers
 * does not matter, FXRSTOR replaces them all. Done before every FXRSTOR, as
 * Linux does, not only when the image shows no pending exception (Xen's
 * test): the guest writes its own status word (FLDENV), so that test would
 * let it decide whether we scrub, while whether FXRSTOR loads the pointers
 * is the CPU's rule; and when FXRSTOR does load them, they are the image's
 * own. Three instructions next to an #NM trap.
 */
static void fpu_scrub_pointers(void)
{
	fnclex();
	ffree_st7();
	fildl(&fpu_scrub_operand);
}

void fpu_take(struct domain *d)
{
	clts();
	if (fpu_owner == d)
		return;
	if (fpu_owner)
		fxsave(fpu_owner->fpu_area);
	if (cpu_features.fxsave_leak)
		fpu_scrub_pointers();
	fxrstor(d->fpu_used ? d->fpu_area : clean_fpu);
	d->fpu_used = true;
	fpu_owner = d;
}

void fpu_release(struct domain *d)
{
	if (fpu_owner == d)
		fpu_owner = NULL;
}

uint32_t fpu_mxcsr_mask(void)
{
	static uint32_t mask;
	static uint8_t area[512] __aligned(16);

	if (!mask) {
		/* FXSAVE stores the mask at byte 28 whoever's state it saves. */
		uint32_t cr0 = read_cr0();
		clts();
		fxsave(area);
		write_cr0(cr0);
		mask = (uint32_t)area[28] | (uint32_t)area[29] << 8 | (uint32_t)area[30] << 16 |
		       (uint32_t)area[31] << 24;
		if (!mask)
			mask = 0xffbf;  /* a CPU that leaves it 0: all but DAZ */
	}
	return mask;
}

void fpu_put(struct domain *d)
{
	if (fpu_owner != d)
		return;
	uint32_t cr0 = read_cr0();
	clts();
	fxsave(d->fpu_area);
	fpu_owner = NULL;
	write_cr0(cr0 | CR0_TS);        /* whoever runs next takes it again (#NM) */
}
