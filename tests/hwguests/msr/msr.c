/*
 * msr: the MSRs of a hw guest (every RDMSR/WRMSR exits; hv/hw/exit.c,
 * do_msr). An MSR the hypervisor does not offer raises #GP(0) as on a CPU
 * that lacks it (AMD APM vol. 2, RDMSR/WRMSR); EFER never shows SVME
 * (bit 12), which is the hypervisor's, and refuses LME (bit 8): no long
 * mode here; PAT keeps what is written if every entry is a valid type
 * (0, 1, 4-7) and #GPs otherwise; writing the TSC MSR moves RDTSC.
 */
#include "hwg.h"

#define MSR_TSC         0x10u
#define MSR_PAT         0x277u
#define MSR_VM_CR       0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define EFER_LME        (1u << 8)
#define VEC_GP          13

static uint32_t lo, hi;

static int try_rdmsr(uint32_t msr, uint64_t *val)
{
	lo = hi = 0xdeadbeef;
	int v = hwg_try(2, "rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return v;
}

static int try_wrmsr(uint32_t msr, uint64_t val)
{
	return hwg_try(2, "wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		       : "memory");
}

static void unknown_msrs(void)
{
	static const uint32_t msrs[] = { 0x2ff0, MSR_VM_CR, MSR_VM_HSAVE_PA, 0xc0001234 };
	uint64_t val;
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		int v = try_rdmsr(msrs[i], &val);
		test_check(v == VEC_GP && hwg_fault_error == 0,
			   "rdmsr %#x raises #GP(0) (vector %d, error %#x)", msrs[i], v,
			   hwg_fault_error);
		v = try_wrmsr(msrs[i], 0);
		test_check(v == VEC_GP, "wrmsr %#x raises #GP (vector %d)", msrs[i], v);
	}
}

static void efer(void)
{
	uint64_t e, e2;
	int v = try_rdmsr(MSR_EFER, &e);
	test_check(v < 0, "rdmsr EFER works (vector %d)", v);
	test_check(!(e & EFER_SVME), "EFER reads without SVME (EFER %#llx)", (unsigned long long)e);
	test_check(!(e & EFER_LME), "EFER.LME is clear at entry");

	v = try_wrmsr(MSR_EFER, e | EFER_LME);
	test_check(v == VEC_GP, "writing EFER.LME raises #GP (vector %d)", v);
	v = try_wrmsr(MSR_EFER, e | EFER_SVME);
	test_check(v == VEC_GP, "writing EFER.SVME raises #GP (vector %d)", v);
	try_rdmsr(MSR_EFER, &e2);
	test_check(e2 == e, "EFER unchanged by the refused writes (%#llx)", (unsigned long long)e2);

	/* SCE (bit 0) is a bit the guest may own. */
	v = try_wrmsr(MSR_EFER, e | 1);
	try_rdmsr(MSR_EFER, &e2);
	test_check(v < 0 && (e2 & 1) && !(e2 & EFER_SVME),
		   "EFER.SCE can be set and reads back, still without SVME (%#llx)",
		   (unsigned long long)e2);
	try_wrmsr(MSR_EFER, e);
}

static void pat(void)
{
	uint64_t reset, val;
	int v = try_rdmsr(MSR_PAT, &reset);
	test_check(v < 0 && reset == 0x0007040600070406ull,
		   "PAT reads its power-on value 0x0007040600070406 (%#llx)",
		   (unsigned long long)reset);
	/* WB WT UC- UC WC WP WB UC: every valid type once. */
	const uint64_t mine = 0x0005010700040106ull;
	v = try_wrmsr(MSR_PAT, mine);
	try_rdmsr(MSR_PAT, &val);
	test_check(v < 0 && val == mine, "PAT round trip: wrote %#llx, read %#llx",
		   (unsigned long long)mine, (unsigned long long)val);
	v = try_wrmsr(MSR_PAT, 0x0000000000000002ull);     /* type 2 is reserved */
	test_check(v == VEC_GP, "a PAT entry of reserved type 2 raises #GP (vector %d)", v);
	v = try_wrmsr(MSR_PAT, 0x0800000000000000ull);     /* type 8: above 7 */
	test_check(v == VEC_GP, "a PAT entry of type 8 raises #GP (vector %d)", v);
	try_rdmsr(MSR_PAT, &val);
	test_check(val == mine, "PAT unchanged by the refused writes (%#llx)",
		   (unsigned long long)val);
	try_wrmsr(MSR_PAT, reset);
}

static void tsc(void)
{
	const uint64_t far = 1ull << 44;        /* hours of cycles ahead of any real TSC */
	const uint64_t slack = 1ull << 38;      /* > 60 s at 4 GHz */
	uint64_t before = rdtsc(), m;
	int v = try_rdmsr(MSR_TSC, &m);
	uint64_t after = rdtsc();
	test_check(v < 0 && m >= before && m <= after,
		   "rdmsr TSC lies between two RDTSCs (%llu <= %llu <= %llu)",
		   (unsigned long long)before, (unsigned long long)m, (unsigned long long)after);

	v = try_wrmsr(MSR_TSC, far);
	uint64_t t = rdtsc();
	test_check(v < 0 && t >= far && t < far + slack,
		   "after wrmsr TSC = 2^44, RDTSC reads %#llx", (unsigned long long)t);
	v = try_wrmsr(MSR_TSC, 1000);
	t = rdtsc();
	test_check(v < 0 && t >= 1000 && t < slack,
		   "after wrmsr TSC = 1000, RDTSC went back to %#llx", (unsigned long long)t);
	uint64_t t2 = rdtsc();
	test_check(t2 > t, "and keeps counting (%#llx > %#llx)", (unsigned long long)t2,
		   (unsigned long long)t);
}

void guest_main(void)
{
	unknown_msrs();
	efer();
	pat();
	tsc();
}
