/*
 * The dispatcher (see dispatch.h). Routes: CPU exceptions to traps.c,
 * ISA interrupts to their registered driver, other vectors to handlers set
 * with dispatch_set_handler(). A vector nobody claimed is reported: from the
 * hypervisor itself that is a bug (panic).
 */
#include "dispatch.h"
#include "domain.h"
#include "exit.h"
#include "mode.h"
#include "sched.h"
#include "format.h"
#include "panic.h"
#include "pic.h"
#include "printk.h"

static uint64_t counts[NUM_VECTORS];
static trap_handler_t handlers[NUM_VECTORS];
static const char *names[NUM_VECTORS];
static void (*irq_handlers[NUM_IRQS])(unsigned irq);
static uint64_t spurious_irqs;

void dispatch_set_handler(unsigned vector, trap_handler_t handler, const char *name)
{
	ASSERT(vector < NUM_VECTORS);
	handlers[vector] = handler;
	names[vector] = name;
}

void irq_register(unsigned irq, void (*handler)(unsigned irq), const char *name)
{
	ASSERT(irq < NUM_IRQS);
	irq_handlers[irq] = handler;
	names[VEC_IRQ_BASE + irq] = name;
	pic_unmask(irq);
}

static void irq_dispatch(unsigned irq)
{
	if (pic_is_spurious(irq)) {
		spurious_irqs++;
		return;
	}
	/* EOI first: a handler may switch context and not come back here. */
	pic_eoi(irq);
	if (irq_handlers[irq])
		irq_handlers[irq](irq);
}

void dispatch_trap(struct trap_frame *f)
{
	unsigned v = f->vector & 0xff;

	counts[v]++;
	if (current && trap_from_guest(f)) {
		if (v < NUM_EXCEPTIONS)
			exit_count(current, EXIT_EXCEPTION, v);
		else if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + NUM_IRQS)
			exit_count(current, EXIT_INTERRUPT, v - VEC_IRQ_BASE);
		else
			exit_count(current, EXIT_VECTOR, v);
	}
	if (v < NUM_EXCEPTIONS) {
		exception_handle(f);
	} else if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + NUM_IRQS) {
		irq_dispatch(v - VEC_IRQ_BASE);
	} else if (handlers[v]) {
		handlers[v](f);
	} else if (current && trap_from_guest(f)) {
		current->ops->software_interrupt(current, f);
	} else {
		trap_report(f, 0);
		panic("unexpected interrupt vector %#x", v);
	}
	/* Every way out of the hypervisor passes here: switch domains if the
	 * scheduler wants to, deliver pending events. */
	sched_exit_path(f);
}

const char *dispatch_vector_name(unsigned vector)
{
	return vector < NUM_VECTORS ? names[vector] : NULL;
}

uint64_t dispatch_count(unsigned vector)
{
	return vector < NUM_VECTORS ? counts[vector] : 0;
}

static void cause_name(unsigned v, char *buf, size_t size);

void dispatch_dump(void)
{
	char cause[48];
	uint64_t total = 0;

	printk("dispatcher counters (hypervisor entries by cause):\n");
	printk("  %-6s %-36s %12s\n", "vector", "cause", "count");
	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		if (!counts[v])
			continue;
		cause_name(v, cause, sizeof(cause));
		printk("  %#-6x %-36s %12llu\n", v, cause, (unsigned long long)counts[v]);
		total += counts[v];
	}
	if (spurious_irqs)
		printk("  %-6s %-36s %12llu\n", "-", "spurious PIC interrupts (in irq 7/15)",
		       (unsigned long long)spurious_irqs);
	printk("  %-6s %-36s %12llu\n", "", "total", (unsigned long long)total);
}

static void cause_name(unsigned v, char *buf, size_t size)
{
	if (v < NUM_EXCEPTIONS)
		snprintf(buf, size, "exception %s %s", exception_mnemonic(v), exception_name(v));
	else if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + NUM_IRQS)
		snprintf(buf, size, "irq %u %s", v - VEC_IRQ_BASE, names[v] ? names[v] : "(unclaimed)");
	else
		snprintf(buf, size, "%s", names[v] ? names[v] : "unexpected vector");
}
