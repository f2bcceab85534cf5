/*
 * CPU exceptions: names, reports and what to do with them. A test's
 * trap_catch() gets the first one, whoever raised it. An exception raised
 * by a domain's code is the domain's business (pv_exception: bounced to its
 * handler, or the domain crashed). Any other is a bug: in the hypervisor, a
 * full report, a backtrace and a panic; from ring 1 or 3 with no domain
 * running (a test kernel's own guest code), a report and a panic.
 */
#include "dispatch.h"
#include "domain.h"
#include "mode.h"
#include "format.h"
#include "panic.h"
#include "printk.h"
#include "setjmp.h"
#include "x86.h"

static const struct { const char *mnemonic, *name; bool error_code; } exceptions[NUM_EXCEPTIONS] = {
	[0]  = { "#DE", "Divide Error", false },
	[1]  = { "#DB", "Debug", false },
	[2]  = { "NMI", "Non-Maskable Interrupt", false },
	[3]  = { "#BP", "Breakpoint", false },
	[4]  = { "#OF", "Overflow", false },
	[5]  = { "#BR", "BOUND Range Exceeded", false },
	[6]  = { "#UD", "Invalid Opcode", false },
	[7]  = { "#NM", "Device Not Available", false },
	[8]  = { "#DF", "Double Fault", true },
	[9]  = { "#CSO", "Coprocessor Segment Overrun", false },
	[10] = { "#TS", "Invalid TSS", true },
	[11] = { "#NP", "Segment Not Present", true },
	[12] = { "#SS", "Stack-Segment Fault", true },
	[13] = { "#GP", "General Protection", true },
	[14] = { "#PF", "Page Fault", true },
	[15] = { "#15", "Reserved", false },
	[16] = { "#MF", "x87 Floating-Point Error", false },
	[17] = { "#AC", "Alignment Check", true },
	[18] = { "#MC", "Machine Check", false },
	[19] = { "#XM", "SIMD Floating-Point Exception", false },
	[20] = { "#VE", "Virtualization Exception", false },
	[21] = { "#CP", "Control Protection", true },
	[22] = { "#22", "Reserved", false },
	[23] = { "#23", "Reserved", false },
	[24] = { "#24", "Reserved", false },
	[25] = { "#25", "Reserved", false },
	[26] = { "#26", "Reserved", false },
	[27] = { "#27", "Reserved", false },
	[28] = { "#HV", "Hypervisor Injection", false },
	[29] = { "#VC", "VMM Communication", true },
	[30] = { "#SX", "Security Exception", true },
	[31] = { "#31", "Reserved", false },
};

const char *exception_mnemonic(unsigned v)
{
	return v < NUM_EXCEPTIONS ? exceptions[v].mnemonic : "#??";
}

const char *exception_name(unsigned v)
{
	return v < NUM_EXCEPTIONS ? exceptions[v].name : "Not An Exception";
}

bool exception_has_error_code(unsigned v)
{
	return v < NUM_EXCEPTIONS && exceptions[v].error_code;
}

int exception_describe(char *buf, size_t size, unsigned v, uint32_t err)
{
	int n = snprintf(buf, size, "%s %s (vector %u)", exception_mnemonic(v),
			 exception_name(v), v);
	if (!exception_has_error_code(v) || n < 0 || (size_t)n >= size)
		return n;
	if (v == VEC_PF) {
		/* P W/R U/S RSVD I/D */
		return n + snprintf(buf + n, size - n,
				    ", error code %#x (%s, %s, %s%s%s)", err,
				    err & 1 ? "protection violation" : "page not present",
				    err & 16 ? "instruction fetch" : err & 2 ? "write" : "read",
				    err & 4 ? "user" : "supervisor",
				    err & 8 ? ", reserved bit set" : "",
				    err & 32 ? ", protection key" : "");
	}
	if (err == 0)
		return n + snprintf(buf + n, size - n, ", error code 0");
	/* Selector error code: EXT, IDT/GDT/LDT, index. */
	return n + snprintf(buf + n, size - n, ", error code %#x (%s index %u%s)", err,
			    err & 2 ? "IDT" : err & 4 ? "LDT" : "GDT",
			    (err >> 3) & 0x1fff, err & 1 ? ", external event" : "");
}

void trap_report(const struct trap_frame *f, uint32_t cr2)
{
	char what[160];
	bool guest = trap_from_guest(f);
	uint32_t esp = guest ? f->esp : (uint32_t)(uintptr_t)&f->esp;
	uint32_t ss = guest ? f->ss : 0x10;

	exception_describe(what, sizeof(what), f->vector, f->error_code);
	if (f->vector >= NUM_EXCEPTIONS)
		snprintf(what, sizeof(what), "interrupt vector %#x", f->vector);
	printk(LOG_EMERG "*** %s in ring %u\n", what, f->cs & 3);
	if (f->vector == VEC_PF)
		printk(LOG_EMERG "    cr2 (fault address) %#010x\n", cr2);
	printk(LOG_EMERG "    eip %#010x  cs %#06x  eflags %#010x\n", f->eip, f->cs, f->eflags);
	printk(LOG_EMERG "    eax %#010x  ebx %#010x  ecx %#010x  edx %#010x\n",
	       f->eax, f->ebx, f->ecx, f->edx);
	printk(LOG_EMERG "    esi %#010x  edi %#010x  ebp %#010x  esp %#010x\n",
	       f->esi, f->edi, f->ebp, esp);
	printk(LOG_EMERG "    ds %#06x  es %#06x  fs %#06x  gs %#06x  ss %#06x\n",
	       f->ds, f->es, f->fs, f->gs, ss);
	printk(LOG_EMERG "    cr0 %#010x  cr2 %#010x  cr3 %#010x  cr4 %#010x\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* The active trap_catch(), if any. */
static struct {
	struct jmp_buf jb;
	struct trap_record *rec;
	bool active;
} catcher;

bool trap_catch(void (*fn)(void *), void *arg, struct trap_record *rec)
{
	ASSERT(!catcher.active);
	catcher.rec = rec;
	if (hv_setjmp(&catcher.jb)) {
		catcher.active = false;
		return true;
	}
	catcher.active = true;
	fn(arg);
	catcher.active = false;
	return false;
}

void trap_catch_deliver(const struct trap_frame *f, uint32_t cr2)
{
	if (!catcher.active)
		return;
	struct trap_record *r = catcher.rec;
	r->vector = f->vector;
	r->error_code = f->error_code;
	r->cr2 = cr2;
	r->eip = f->eip;
	r->cs = f->cs;
	hv_longjmp(&catcher.jb, 1);
}

void exception_handle(struct trap_frame *f)
{
	uint32_t cr2 = f->vector == VEC_PF ? read_cr2() : 0;

	trap_catch_deliver(f, cr2);
	if (current && trap_from_guest(f)) {
		current->ops->exception(current, f, cr2);  /* the guest's business, not ours */
		return;
	}
	trap_report(f, cr2);
	if (!trap_from_guest(f))
		backtrace_print(f->eip, f->ebp);
	panic("fatal %s %s in %s", exception_mnemonic(f->vector), exception_name(f->vector),
	      trap_from_guest(f) ? "guest context (no domain to deliver it to)" : "the hypervisor");
}
