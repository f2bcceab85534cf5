/*
 * #VMEXIT: why a hw guest stopped, and what the hypervisor does about it
 * (docs/hw.md lists every intercept and why it is there). Every exit is
 * counted in the domain's exit table by its SVM exit code; port accesses
 * also by device. This CPU saves no next-rip (no NRIP save on QEMU), so an
 * instruction we complete for the guest is measured with the decoder
 * (lib/decode.c) at the guest's rip, except IOIO, whose exitinfo2 holds it.
 */
#include "hw.h"
#include "console.h"
#include "cpu.h"
#include "decode.h"
#include "domain.h"
#include "errno.h"
#include "exit.h"
#include "printk.h"
#include "sched.h"
#include "string.h"
#include "time.h"
#include "x86.h"

/* ---- exit names and table slots */

static const char *const misc_names[] = {
	[VMEXIT_INTR - 0x60] = "INTR (host interrupt)", [VMEXIT_NMI - 0x60] = "NMI",
	[VMEXIT_SMI - 0x60] = "SMI", [VMEXIT_INIT - 0x60] = "INIT",
	[VMEXIT_VINTR - 0x60] = "VINTR (interrupt window)", [0x6e - 0x60] = "RDTSC",
	[0x6f - 0x60] = "RDPMC", [0x70 - 0x60] = "PUSHF", [0x71 - 0x60] = "POPF",
	[VMEXIT_CPUID - 0x60] = "CPUID", [0x73 - 0x60] = "RSM", [0x74 - 0x60] = "IRET",
	[0x75 - 0x60] = "INTn", [VMEXIT_INVD - 0x60] = "INVD", [VMEXIT_PAUSE - 0x60] = "PAUSE",
	[VMEXIT_HLT - 0x60] = "HLT", [0x79 - 0x60] = "INVLPG", [VMEXIT_INVLPGA - 0x60] = "INVLPGA",
	[VMEXIT_IOIO - 0x60] = "IOIO (port access)", [VMEXIT_MSR - 0x60] = "MSR",
	[VMEXIT_TASK_SWITCH - 0x60] = "TASK_SWITCH", [VMEXIT_FERR_FREEZE - 0x60] = "FERR_FREEZE",
	[VMEXIT_SHUTDOWN - 0x60] = "SHUTDOWN (triple fault)", [VMEXIT_VMRUN - 0x60] = "VMRUN",
	[VMEXIT_VMMCALL - 0x60] = "VMMCALL", [VMEXIT_VMLOAD - 0x60] = "VMLOAD",
	[VMEXIT_VMSAVE - 0x60] = "VMSAVE", [VMEXIT_STGI - 0x60] = "STGI",
	[VMEXIT_CLGI - 0x60] = "CLGI", [VMEXIT_SKINIT - 0x60] = "SKINIT",
	[VMEXIT_RDTSCP - 0x60] = "RDTSCP", [VMEXIT_ICEBP - 0x60] = "ICEBP",
	[VMEXIT_WBINVD - 0x60] = "WBINVD", [VMEXIT_MONITOR - 0x60] = "MONITOR",
	[VMEXIT_MWAIT - 0x60] = "MWAIT", [VMEXIT_MWAIT_COND - 0x60] = "MWAIT_CONDITIONAL",
	[VMEXIT_XSETBV - 0x60] = "XSETBV",
};

#define SLOT_NPF        (ARRAY_SIZE(misc_names))
#define SLOT_INVALID    (SLOT_NPF + 1)
/* CR0-CR4 reads, then writes (exit codes 0x00-0x04, 0x10-0x14): only
 * shadow paging (npt = off) intercepts them. */
#define SLOT_CR         (SLOT_INVALID + 1)
#define SLOT_OTHER      (EXIT_NR_VMEXIT - 1)
BUILD_ASSERT(SLOT_CR + 10 <= SLOT_OTHER, "exit slots");

static const char *const cr_names[10] = {
	"CR0 read", "CR1 read", "CR2 read", "CR3 read", "CR4 read",
	"CR0 write", "CR1 write", "CR2 write", "CR3 write", "CR4 write",
};

unsigned hw_exit_slot(uint32_t code)
{
	if (code >= 0x60 && code - 0x60 < ARRAY_SIZE(misc_names))
		return code - 0x60;
	if (code == VMEXIT_NPF)
		return SLOT_NPF;
	if (code == VMEXIT_INVALID)
		return SLOT_INVALID;
	if ((code & ~0x10u) <= 4)
		return SLOT_CR + (code & 0xf) + (code & 0x10 ? 5 : 0);
	return SLOT_OTHER;
}

const char *hw_exit_name(uint32_t slot)
{
	if (slot < ARRAY_SIZE(misc_names) && misc_names[slot])
		return misc_names[slot];
	if (slot == SLOT_NPF)
		return "NPF (nested page fault)";
	if (slot == SLOT_INVALID)
		return "VMEXIT_INVALID (bad guest state)";
	if (slot >= SLOT_CR && slot < SLOT_CR + 10)
		return cr_names[slot - SLOT_CR];
	return NULL;
}

/* ---- helpers */

void hw_inject_exception(struct domain *d, unsigned vector, bool has_code, uint32_t code)
{
	struct vmcb *v = d->hw->vmcb;
	v->eventinj = EVT_VALID | EVT_TYPE_EXCEPTION | vector | (has_code ? EVT_ERR_VALID : 0) |
		      ((uint64_t)code << 32);
}

static unsigned code_size(const struct vmcb *v)
{
	if (!(v->cr0 & CR0_PE) || (v->rflags & EFLAGS_VM))
		return 16;
	return (v->cs.attrib & 0x400) ? 32 : 16;
}

/* Decode the guest's instruction at cs:rip. 0, or a negative errno (the
 * bytes could not be read, or are no instruction we know). */
int hw_fetch_insn(struct domain *d, struct dec_insn *insn, uint8_t *bytes)
{
	const struct vmcb *v = d->hw->vmcb;
	uint32_t linear = (uint32_t)(v->cs.base + v->rip);
	unsigned n = 0;
	while (n < DEC_MAX_LEN) {
		uint64_t gpa;
		uint32_t pfec;
		uint32_t at = linear + n;
		if (hw_linear_to_gpa(d, at, false, v->cpl == 3, &gpa, &pfec))
			break;
		unsigned chunk = MIN(DEC_MAX_LEN - n, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
		if (hw_copy_from_gpa(d, gpa, bytes + n, chunk))
			break;
		n += chunk;
	}
	if (!n) {
		d->hw->insn_fetch_fail++;
		return -EFAULT;
	}
	return x86_decode(bytes, n, code_size(v), insn) < 0 ? -EINVAL : 0;
}

/* Complete the instruction at rip for the guest: rip moves past it. */
bool hw_skip_insn(struct domain *d, const char *what)
{
	struct dec_insn insn;
	uint8_t bytes[DEC_MAX_LEN];
	if (hw_fetch_insn(d, &insn, bytes)) {
		domain_crash(d, NULL, "hw: cannot decode the %s instruction at %#x:%#llx", what,
			     d->hw->vmcb->cs.sel, (unsigned long long)d->hw->vmcb->rip);
		return false;
	}
	d->hw->vmcb->rip += insn.len;
	return true;
}

/* ---- CPUID: the host's, filtered to what the guest really gets */

/* Leaf 1 ECX, kept: SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND */
#define CPUID1_ECX_KEEP  ((1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) | \
			  (1u << 20) | (1u << 22) | (1u << 23) | (1u << 25) | (1u << 30))
#define CPUID1_EDX_DROP  ((1u << 7) | (1u << 12) | (1u << 14) | (1u << 18) | \
			  (1u << 21) | (1u << 22) | (1u << 27) | (1u << 28) | (1u << 29) | \
			  (1u << 31))   /* dropped: MCE MTRR MCA PSN DS ACPI SS HTT TM PBE */
/* Leaf 7 EBX, kept: BMI1 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT SHA */
#define CPUID7_EBX_KEEP  ((1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 18) | \
			  (1u << 19) | (1u << 20) | (1u << 23) | (1u << 29))
/* Leaf 0x80000001 ECX, kept: LAHF ABM SSE4A MisAlignSSE 3DNowPrefetch */
#define EXT1_ECX_KEEP    ((1u << 0) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8))
#define EXT1_EDX_DROP    ((1u << 9) | (1u << 26) | (1u << 27) | (1u << 29))     /* APIC 1G RDTSCP LM */

void hw_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t max, maxext, x;

	cpuid(0, 0, &max, &x, &x, &x);
	cpuid(0x80000000, 0, &maxext, &x, &x, &x);
	max = MIN(max, 7u);
	maxext = MIN(maxext, 0x80000008u);
	*a = *b = *c = *d = 0;

	if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
		/* The hypervisor leaves: who we are ("ringvisor"); 0x40000001
		 * is the domain's counters, filled by do_cpuid. */
		if (leaf == 0x40000000) {
			*a = 0x40000001;
			memcpy(b, "ring", 4);
			memcpy(c, "viso", 4);
			memcpy(d, "r\0\0\0", 4);
		}
		return;
	}
	if ((leaf < 0x80000000 && leaf > max) || (leaf >= 0x80000000 && leaf > maxext))
		return;
	cpuid(leaf, sub, a, b, c, d);
	switch (leaf) {
	case 0:
		*a = max;
		break;
	case 1:
		/* One CPU, APIC ID 0; the hypervisor-present bit. No x2APIC, TSC
		 * deadline, XSAVE/AVX (we do not switch XCR0), MONITOR, VMX/SMX,
		 * performance or thermal features; no MCE/MTRR. The local APIC
		 * (xAPIC, MMIO) is emulated and offered. */
		*b &= 0x0000ffffu;
		*b |= 1u << 16;
		*c &= CPUID1_ECX_KEEP;
		*c |= 1u << 31;
		*d &= ~CPUID1_EDX_DROP;
		break;
	case 3: case 4: case 5: case 6:
		*a = *b = *c = *d = 0;  /* serial number, Intel cache topology, MONITOR, power */
		break;
	case 7:
		if (sub == 0) {
			*a = 0;
			*b &= CPUID7_EBX_KEEP;
			*c = *d = 0;
		} else {
			*a = *b = *c = *d = 0;
		}
		break;
	case 0x80000000:
		*a = maxext;
		break;
	case 0x80000001:
		*c &= EXT1_ECX_KEEP;            /* no SVM, IBS, XOP, ... */
		*d &= ~EXT1_EDX_DROP;
		if (!cpu_features.nx)
			*d &= ~(1u << 20);
		break;
	case 0x80000007:
		*a = *b = *c = 0;
		*d &= 1u << 8;                  /* invariant TSC: the guest sees the host's */
		break;
	case 0x80000008:
		/* Guest-physical addresses: our nested tables reach 4 GiB. */
		*a = (*a & 0xff00u) | 32;
		*b = *c = *d = 0;
		break;
	}
}

/*
 * Leaf 0x40000001, sub-leaf i (ECX): the domain's i-th counter, as the
 * pv guest's domain_stats hypercall gives its own: EAX:EBX its 64-bit
 * value, ECX:EDX its name (8 bytes, NUL-padded); all zero past the last.
 * ringos-pc shows them in /proc/hypervisor, where the benchmarks read
 * exits per operation. Counter 0 is every exit, 1 the CPU time in ns,
 * then each exit reason that has a short name.
 */
enum { C_EXIT, C_SPECIAL, C_PF, C_CR, C_SHADOW };
static const struct { uint8_t kind; unsigned slot; char name[9]; } counters[] = {
	{ C_SPECIAL, 0, "entries" }, { C_SPECIAL, 1, "cpu_ns" },
	{ C_EXIT, VMEXIT_INTR - 0x60, "intr" }, { C_EXIT, VMEXIT_VINTR - 0x60, "vintr" },
	{ C_EXIT, VMEXIT_CPUID - 0x60, "cpuid" }, { C_EXIT, VMEXIT_HLT - 0x60, "hlt" },
	{ C_EXIT, VMEXIT_IOIO - 0x60, "ioio" }, { C_EXIT, VMEXIT_MSR - 0x60, "msr" },
	{ C_EXIT, SLOT_NPF, "npf" },
	/* shadow paging (npt = off): #PF exits, CR accesses, INVLPG; of the
	 * #PFs, those hidden (the shadow filled) and those the guest got */
	{ C_PF, 14, "pf" }, { C_CR, 0, "cr" }, { C_EXIT, 0x79 - 0x60, "invlpg" },
	{ C_SHADOW, 0, "pf_fill" }, { C_SHADOW, 1, "pf_guest" }, { C_SHADOW, 2, "sh_flush" },
};

static void counter_leaf(struct domain *d, uint32_t i, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *dx)
{
	uint64_t val;
	*a = *b = *c = *dx = 0;
	if (i >= ARRAY_SIZE(counters))
		return;
	switch (counters[i].kind) {
	case C_SPECIAL:
		if (counters[i].slot == 0)
			val = exit_total(d, EXIT_VMEXIT) + exit_total(d, EXIT_EXCEPTION);
		else
			val = d->runtime_ns + (time_now_ns() - d->slice_start_ns);
		break;
	case C_PF:
		val = exit_get(d, EXIT_EXCEPTION, counters[i].slot);
		break;
	case C_CR:
		val = 0;
		for (unsigned k = 0; k < 10; k++)
			val += exit_get(d, EXIT_VMEXIT, SLOT_CR + k);
		break;
	case C_SHADOW:
		val = hw_shadow_stat(d, counters[i].slot);
		break;
	default:
		val = exit_get(d, EXIT_VMEXIT, counters[i].slot);
	}
	*a = (uint32_t)val;
	*b = (uint32_t)(val >> 32);
	memcpy(c, counters[i].name, 4);
	memcpy(dx, counters[i].name + 4, 4);
}

static void do_cpuid(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	uint32_t a, b, c, dx;
	if ((uint32_t)v->rax == 0x40000001)
		counter_leaf(d, d->hw->gprs.ecx, &a, &b, &c, &dx);
	else
		hw_cpuid((uint32_t)v->rax, d->hw->gprs.ecx, &a, &b, &c, &dx);
	if (d->hw->shadow)
		hw_cpuid_shadow((uint32_t)v->rax, d->hw->gprs.ecx, &b);
	v->rax = a;
	d->hw->gprs.ebx = b;
	d->hw->gprs.ecx = c;
	d->hw->gprs.edx = dx;
	v->rip += 2;            /* 0f a2: no prefix changes it */
}

/* ---- MSRs: every one exits except the SYSENTER/SYSCALL ones (svm.c) */

#define MSR_TSC                 0x10u
#define MSR_APIC_BASE           0x1bu
#define MSR_MTRRCAP             0xfeu
#define MSR_PAT                 0x277u
#define MSR_BIOS_SIGN           0x8bu

static void do_msr(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	bool write = d->hw->vmcb->exitinfo1 & 1;
	uint32_t msr = d->hw->gprs.ecx;
	uint64_t val = ((uint64_t)d->hw->gprs.edx << 32) | (uint32_t)v->rax;
	bool ok = true;

	if (!write) {
		switch (msr) {
		case MSR_TSC: val = rdtsc() + v->tsc_offset; break;
		case MSR_APIC_BASE: val = VLAPIC_BASE | (1u << 8) | (1u << 11); break;  /* BSP, enabled */
		case MSR_EFER: val = v->efer & ~(uint64_t)EFER_SVME; break;
		case MSR_PAT: val = v->g_pat; break;
		case MSR_BIOS_SIGN: val = 0; break;
		case MSR_MTRRCAP: val = 0; break;
		default: ok = false;
		}
		if (ok) {
			v->rax = (uint32_t)val;
			d->hw->gprs.edx = (uint32_t)(val >> 32);
		}
	} else {
		switch (msr) {
		case MSR_TSC:
			v->tsc_offset = val - rdtsc();
			break;
		case MSR_EFER: {
			/* SCE and (when the host has it) NXE; no long mode here. */
			uint64_t old = v->efer;
			if (val & ~(uint64_t)((1u << 0) | (cpu_features.nx ? EFER_NXE : 0)))
				ok = false;
			else
				v->efer = val | EFER_SVME;
			if (ok && d->hw->shadow)
				hw_shadow_efer_written(d, old);
			break;
		}
		case MSR_PAT:
			if (x86_pat_valid(val))
				v->g_pat = val;
			else
				ok = false;
			break;
		case MSR_BIOS_SIGN:
			break;
		case MSR_APIC_BASE:
			/* The APIC stays where the tables say; x2APIC is not offered. */
			if ((val & ~0xfffull) != VLAPIC_BASE || (val & (1u << 10)))
				ok = false;
			break;
		default:
			ok = false;
		}
	}
	if (!ok) {
		/* What a CPU does with an MSR it lacks; Linux probes with
		 * rdmsr_safe and copes. */
		exit_count(d, EXIT_INSN, write ? 1 : 0);
		hw_inject_exception(d, 13, true, 0);
		return;
	}
	v->rip += 2;
}

/* Run the guest's instruction in software (hw/emulate.c). A rep string
 * cut short comes back for more on the next exit. */
static void emulate_or_crash(struct domain *d, const char *why, unsigned max_reps)
{
	enum emul_result r = hw_emulate(d, max_reps);
	if (r == EMUL_UNHANDLED) {
		uint8_t bytes[DEC_MAX_LEN];
		struct dec_insn insn;
		int got = hw_fetch_insn(d, &insn, bytes);
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: %s: the instruction at %#llx (%02x %02x %02x %02x%s) "
			     "is not one we emulate", why, (unsigned long long)d->hw->vmcb->rip,
			     bytes[0], bytes[1], bytes[2], bytes[3], got ? ", unreadable" : "");
	}
}

/* ---- port I/O */

static unsigned io_slot(struct domain *d, const struct vdev_range *r)
{
	if (!r)
		return EXIT_NR_IO - 1;
	unsigned i = (unsigned)(r - d->vdevs->r[VDEV_PIO]);
	return MIN(i, EXIT_NR_IO - 2);
}

static void do_ioio(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	uint32_t info = (uint32_t)v->exitinfo1;
	uint16_t port = (uint16_t)(info >> IOIO_PORT_SHIFT);
	unsigned size = (info & IOIO_SZ32) ? 4 : (info & IOIO_SZ16) ? 2 : 1;
	bool in = info & IOIO_IN;

	/* Console output that would not fit the line's ring waits here: the
	 * OUT (or OUTS) is not completed, and runs again once the ring has
	 * room; an OUTS to it goes a line's worth at a time. */
	bool console = !in && port == d->hw->dev.uart.base && !(d->hw->dev.uart.lcr & 0x80);
	if (console) {
		if (!console_domain_may_write(d)) {
			console_domain_wait(d);
			return;
		}
		console_domain_unwait(d);
	}
	if (info & IOIO_STR) {
		/* INS/OUTS: the memory side is the guest's linear address space,
		 * which SVM does not decode for us. */
		exit_count(d, EXIT_IO, io_slot(d, vdev_find(d->vdevs, VDEV_PIO, port, size)));
		emulate_or_crash(d, in ? "ins" : "outs", console ? sizeof(d->hw->dev.tx) : 0);
		return;
	}
	struct vdev_range *r = vdev_find(d->vdevs, VDEV_PIO, port, size);
	exit_count(d, EXIT_IO, io_slot(d, r));
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	uint32_t val = in ? 0 : (uint32_t)v->rax & mask;
	int rc = vdev_access(d->vdevs, VDEV_PIO, port, size, !in, &val);
	if (rc && !r)
		d->hw->dev.unclaimed_io++;
	if (in) {
		if (rc)
			val = 0xffffffffu;      /* nobody there: the bus floats high */
		v->rax = ((uint32_t)v->rax & ~mask) | (val & mask);
	}
	v->rip = v->exitinfo2;
}

/* ---- nested page faults */

static void do_npf(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	hw_physical_fault(d, v->exitinfo2, (uint32_t)v->exitinfo1);
}

void hw_physical_fault(struct domain *d, uint64_t gpa, uint32_t err)
{
	struct vmcb *v = d->hw->vmcb;

	/* A write to the ROM area: dropped, as a PC's ROM ignores it. */
	if ((err & NPF_P) && (err & NPF_WRITE) && gpa >= HW_ROM_START && gpa < HW_LOW_END) {
		hw_skip_insn(d, "ROM write");
		return;
	}
	bool device = (gpa >= HW_VGA_START && gpa < HW_VGA_TEXT) ||
		      vdev_find(d->vdevs, VDEV_MMIO, gpa, 1);
	/* The fault came while the CPU delivered an event (its IDT, GDT or
	 * stack in device memory): there is no instruction to emulate, and
	 * delivering it again would fault again. */
	if (device && (v->exitintinfo & EVT_VALID)) {
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: delivering event %#llx touched device memory at %#llx "
			     "(its IDT, GDT or stack there?)", (unsigned long long)v->exitintinfo,
			     (unsigned long long)gpa);
		return;
	}
	/* A device page (the APICs, a claimed range) or the legacy video
	 * window: the access is emulated against the device. */
	if (device) {
		emulate_or_crash(d, "device access", 0);
		return;
	}
	hw_dump_guest(d);
	domain_crash(d, NULL, "hw: guest-physical %#llx is not this domain's (%s%s%s at rip %#llx)",
		     (unsigned long long)gpa, (err & NPF_FETCH) ? "instruction fetch" :
		     (err & NPF_WRITE) ? "write" : "read", (err & NPF_P) ? ", mapped read-only" : "",
		     (err & NPF_RSVD) ? ", reserved bit" : "", (unsigned long long)v->rip);
}

/* ---- events */

static bool can_take_interrupt(const struct vmcb *v)
{
	return (v->rflags & EFLAGS_IF) && !(v->int_state & INT_SHADOW) &&
	       !(v->eventinj & EVT_VALID);
}

bool hw_interrupt_ready(struct domain *d)
{
	return (d->hw->vmcb->rflags & EFLAGS_IF) && hw_pending_vector(d, false) >= 0;
}

void hw_inject_events(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	bool waiting = v->icpt3 & ICPT_VINTR;

	v->vintr &= ~VINTR_IRQ;
	v->icpt3 &= ~ICPT_VINTR;
	if (hw_pending_vector(d, false) < 0)
		return;
	if (can_take_interrupt(v)) {
		int vec = hw_pending_vector(d, true);
		if (vec >= 0)
			v->eventinj = EVT_VALID | EVT_TYPE_INTR | (uint32_t)vec;
		return;
	}
	/* Not now (IF clear, an interrupt shadow, or an event already going
	 * in): a virtual interrupt with its window intercepted makes the CPU
	 * exit at the first instant the guest can take one. */
	v->vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xfull << VINTR_PRIO_SHIFT);
	v->icpt3 |= ICPT_VINTR;
	if (!waiting)
		d->hw->pending_irq_exits++;
}

/* ---- the dispatcher of #VMEXIT */

static void handle(struct domain *d, uint32_t code);

/*
 * An INT n (or INT3, INTO) whose delivery the exit interrupted is given
 * again as a software interrupt, and the CPU pushes the VMCB's rip as the
 * return address. Without NRIP save that rip is the INT instruction's own
 * (QEMU's, and AMD's without the feature), so the handler's IRET would run
 * the INT a second time: a system call twice. As KVM does without NRIP,
 * rip is moved past the instruction before the injection. Only when the
 * event is still the one to go in: a fault reflected instead (a #PF on the
 * handler's stack under shadow paging) must point at the INT itself. And
 * only once: if the delivery of that re-injected event is cut short again
 * (the next page it needs, its IDT, TSS or stack, also missing from the
 * shadow), rip is already past the INT (soft_injected).
 */
static void soft_interrupt_rip(struct domain *d, uint64_t soft, bool already_past)
{
	struct vmcb *v = d->hw->vmcb;
	d->hw->soft_injected = false;
	if (!soft || !domain_alive(d))
		return;
	if (v->eventinj != soft) {
		/* A fault goes in instead (a #PF the guest's own tables give
		 * while delivering): it must point at the INT, which its
		 * handler's IRET runs again. */
		if (already_past)
			v->rip -= d->hw->soft_len;
		return;
	}
	if (already_past) {
		d->hw->soft_injected = true;
		return;
	}
	uint64_t rip = v->rip;
	if (hw_skip_insn(d, "interrupted INT n")) {
		d->hw->soft_len = (uint8_t)(v->rip - rip);
		d->hw->soft_injected = true;
	}
}

void hw_handle_exit(struct domain *d)
{
	struct vmcb *v = d->hw->vmcb;
	uint32_t code = (uint32_t)v->exitcode;
	uint64_t soft = 0;
	bool already_past = d->hw->soft_injected;      /* the event we gave was one */

	/* An event the exit interrupted (a fault while delivering it, an
	 * NPF on the IDT or the stack) is delivered again first. */
	v->eventinj = 0;
	if (v->exitintinfo & EVT_VALID) {
		v->eventinj = v->exitintinfo;
		if ((v->exitintinfo & EVT_TYPE_MASK) == EVT_TYPE_SOFT)
			soft = v->exitintinfo;
	}

	if (code >= VMEXIT_EXCP_BASE && code < VMEXIT_EXCP_BASE + 32) {
		unsigned vec = code - VMEXIT_EXCP_BASE;
		exit_count(d, EXIT_EXCEPTION, vec);
		if (vec == 14 && d->hw->shadow)
			hw_shadow_page_fault(d);        /* shadow paging's #PF intercept */
		else
			hw_inject_exception(d, vec, vec == 17, (uint32_t)v->exitinfo1);
		soft_interrupt_rip(d, soft, already_past);
		return;
	}
	exit_count(d, EXIT_VMEXIT, hw_exit_slot(code));
	uint64_t rip = v->rip;
	handle(d, code);
	/* An instruction we completed for the guest ends the interrupt
	 * shadow of an STI or MOV SS before it, as running it would have:
	 * otherwise "sti; hlt" would keep the shadow across the HLT and its
	 * wake-up interrupt could never be injected. */
	if (v->rip != rip)
		v->int_state &= ~INT_SHADOW;
	soft_interrupt_rip(d, soft, already_past);
}

static void handle(struct domain *d, uint32_t code)
{
	struct vmcb *v = d->hw->vmcb;
	switch (code) {
	case VMEXIT_INTR:
	case VMEXIT_NMI:
	case VMEXIT_SMI:
	case VMEXIT_INIT:
		break;          /* the host's: taken in svm_vmrun at STGI */
	case VMEXIT_VINTR:
		break;          /* hw_inject_events does the rest */
	case VMEXIT_CPUID:
		do_cpuid(d);
		break;
	case VMEXIT_MSR:
		do_msr(d);
		break;
	case VMEXIT_IOIO:
		do_ioio(d);
		break;
	case VMEXIT_HLT:
		v->rip += 1;
		d->hw->halted = true;
		break;
	case VMEXIT_INVD:
	case VMEXIT_WBINVD:
		hw_skip_insn(d, "cache flush");    /* nothing to do: our caches are coherent */
		break;
	case VMEXIT_NPF:
		do_npf(d);
		break;
	case VMEXIT_CR0_READ ... VMEXIT_CR0_READ + 0x1f:
		if (!d->hw->shadow)
			goto unexpected;
		hw_shadow_cr_access(d, code);
		break;
	case VMEXIT_INVLPG:
		if (!d->hw->shadow)
			goto unexpected;
		hw_shadow_invlpg(d);
		break;
	case VMEXIT_SHUTDOWN:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: triple fault (the guest shut its CPU down)");
		break;
	case VMEXIT_TASK_SWITCH:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: hardware task switch, which this hypervisor does not "
			     "emulate");
		break;
	case VMEXIT_INVALID:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: VMRUN refused the guest's state (VMEXIT_INVALID)");
		break;
	case VMEXIT_VMRUN: case VMEXIT_VMMCALL: case VMEXIT_VMLOAD: case VMEXIT_VMSAVE:
	case VMEXIT_STGI: case VMEXIT_CLGI: case VMEXIT_SKINIT: case VMEXIT_RDTSCP:
	case VMEXIT_MONITOR: case VMEXIT_MWAIT: case VMEXIT_MWAIT_COND: case VMEXIT_XSETBV:
	case VMEXIT_INVLPGA:
		/* Not offered (CPUID says so): what the CPU would do. */
		hw_inject_exception(d, 6, false, 0);
		break;
	default:
	unexpected:
		hw_dump_guest(d);
		domain_crash(d, NULL, "hw: unexpected #VMEXIT %#x", code);
		break;
	}
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	printk("    %-4s %04x base %08llx limit %08x attr %03x\n", name, s->sel,
	       (unsigned long long)s->base, s->limit, s->attrib);
}

void hw_dump_guest(const struct domain *d)
{
	const struct vmcb *v = d->hw->vmcb;
	const struct hw_gprs *g = &d->hw->gprs;
	printk("  hw guest of domain %u (%s): exit %#llx info1 %#llx info2 %#llx intinfo %#llx\n",
	       d->id, d->name, (unsigned long long)v->exitcode, (unsigned long long)v->exitinfo1,
	       (unsigned long long)v->exitinfo2, (unsigned long long)v->exitintinfo);
	printk("    eip %08llx eflags %08llx cpl %u  eax %08llx ebx %08x ecx %08x edx %08x\n",
	       (unsigned long long)v->rip, (unsigned long long)v->rflags, v->cpl,
	       (unsigned long long)v->rax, g->ebx, g->ecx, g->edx);
	printk("    esi %08x edi %08x ebp %08x esp %08llx\n", g->esi, g->edi, g->ebp,
	       (unsigned long long)v->rsp);
	printk("    cr0 %08x cr2 %08llx cr3 %08x cr4 %08x efer %08llx\n", hw_guest_cr0(d),
	       (unsigned long long)v->cr2, hw_guest_cr3(d), hw_guest_cr4(d),
	       (unsigned long long)v->efer);
	if (d->hw->shadow)
		printk("    shadow paging: the CPU's cr0 %08llx cr3 %08llx cr4 %08llx\n",
		       (unsigned long long)v->cr0, (unsigned long long)v->cr3,
		       (unsigned long long)v->cr4);
	dump_seg("cs", &v->cs);
	dump_seg("ss", &v->ss);
	dump_seg("ds", &v->ds);
	dump_seg("gdtr", &v->gdtr);
	dump_seg("idtr", &v->idtr);
	dump_seg("tr", &v->tr);
}
