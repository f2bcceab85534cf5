/*
 * Lazy FPU switching. The FPU/SSE state belongs to one domain at a time (the
 * owner). Switching to another domain sets CR0.TS; its first FPU instruction
 * raises #NM and only then is the state swapped. A guest's own virtual TS
 * (fpu_taskswitch) keeps CR0.TS set, and its #NM is bounced to the guest,
 * which does the same trick for its processes.
 */
#include "pv.h"
#include "domain.h"
#include "types.h"
#include "x86.h"

static struct domain *fpu_owner;

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

void pv_fpu_switch_in(struct domain *d)
{
	uint32_t cr0 = read_cr0();
	bool ts = d != fpu_owner || d->vcpu.fpu_ts;
	if (ts != !!(cr0 & CR0_TS))
		write_cr0(ts ? cr0 | CR0_TS : cr0 & ~CR0_TS);
}

bool pv_fpu_trap(struct domain *d)
{
	if (d->vcpu.fpu_ts)
		return false;           /* the guest's own #NM: bounce it */
	clts();
	if (fpu_owner != d) {
		if (fpu_owner)
			fxsave(fpu_owner->fpu_area);
		fxrstor(d->fpu_used ? d->fpu_area : clean_fpu);
		d->fpu_used = true;
		fpu_owner = d;
	}
	return true;
}

void pv_fpu_taskswitch(struct domain *d, bool set)
{
	d->vcpu.fpu_ts = set;
	if (d == current)
		pv_fpu_switch_in(d);
}

void pv_fpu_release(struct domain *d)
{
	if (fpu_owner == d)
		fpu_owner = NULL;
}
