/*
 * Lazy FPU switching. The FPU/SSE state belongs to one domain at a time (the
 * owner). Switching to another domain sets CR0.TS; its first FPU instruction
 * raises #NM and only then is the state swapped. A guest's own virtual TS
 * (fpu_taskswitch) keeps CR0.TS set, and its #NM is bounced to the guest,
 * which does the same trick for its processes.
 */
#include "pv.h"
#include "cpu.h"
#include "domain.h"
#include "types.h"
#include "x86.h"
#include "fpu.h"

void pv_fpu_switch_in(struct domain *d)
{
	uint32_t cr0 = read_cr0();
	bool ts = d != fpu_owner || d->pv->vcpu.fpu_ts;
	if (ts != !!(cr0 & CR0_TS))
		write_cr0(ts ? cr0 | CR0_TS : cr0 & ~CR0_TS);
}

bool pv_fpu_trap(struct domain *d)
{
	if (d->pv->vcpu.fpu_ts)
		return false;           /* the guest's own #NM: bounce it */
	fpu_take(d);
	return true;
}

void pv_fpu_taskswitch(struct domain *d, bool set)
{
	d->pv->vcpu.fpu_ts = set;
	if (d == current)
		pv_fpu_switch_in(d);
}

void pv_fpu_release(struct domain *d)
{
	fpu_release(d);
}
