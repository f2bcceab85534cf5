/*
 * Exit reasons (exit.h): the per-domain exit table, its counting and the
 * names it is printed with, in one place for every technique.
 */
#include "exit.h"
#include "dispatch.h"
#include "domain.h"
#include "format.h"
#include "mode.h"
#include "printk.h"

static const unsigned room[EXIT_KINDS] = {
	[EXIT_EXCEPTION] = EXIT_NR_EXCEPTION, [EXIT_INTERRUPT] = EXIT_NR_INTERRUPT,
	[EXIT_VECTOR] = EXIT_NR_VECTOR, [EXIT_HYPERCALL] = EXIT_NR_HYPERCALL,
	[EXIT_INSN] = EXIT_NR_INSN, [EXIT_IO] = EXIT_NR_IO, [EXIT_MMIO] = EXIT_NR_MMIO,
	[EXIT_VMEXIT] = EXIT_NR_VMEXIT,
};

/* Where each kind's numbers start in the table (counted on every entry). */
static const unsigned first[EXIT_KINDS] = {
	[EXIT_EXCEPTION] = 0,
	[EXIT_INTERRUPT] = EXIT_NR_EXCEPTION,
	[EXIT_VECTOR] = EXIT_NR_EXCEPTION + EXIT_NR_INTERRUPT,
	[EXIT_HYPERCALL] = EXIT_NR_EXCEPTION + EXIT_NR_INTERRUPT + EXIT_NR_VECTOR,
	[EXIT_INSN] = EXIT_NR_EXCEPTION + EXIT_NR_INTERRUPT + EXIT_NR_VECTOR + EXIT_NR_HYPERCALL,
	[EXIT_IO] = EXIT_SLOTS - EXIT_NR_VMEXIT - EXIT_NR_MMIO - EXIT_NR_IO,
	[EXIT_MMIO] = EXIT_SLOTS - EXIT_NR_VMEXIT - EXIT_NR_MMIO,
	[EXIT_VMEXIT] = EXIT_SLOTS - EXIT_NR_VMEXIT,
};

static unsigned slot(enum exit_kind kind, unsigned nr)
{
	return first[kind] + MIN(nr, room[kind] - 1);
}

void exit_count(struct domain *d, enum exit_kind kind, unsigned nr)
{
	d->stats.exits.count[slot(kind, nr)]++;
}

uint64_t exit_get(const struct domain *d, enum exit_kind kind, unsigned nr)
{
	return d->stats.exits.count[slot(kind, nr)];
}

uint64_t exit_total(const struct domain *d, enum exit_kind kind)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < room[kind]; i++)
		n += d->stats.exits.count[slot(kind, i)];
	return n;
}

void exit_name(const struct domain *d, enum exit_kind kind, unsigned nr, char *buf, size_t size)
{
	const char *name = d->ops && d->ops->exit_name ? d->ops->exit_name(d, kind, nr) : NULL;
	if (name) {
		snprintf(buf, size, "%s%s", kind == EXIT_IO ? "port I/O: " :
			 kind == EXIT_MMIO ? "MMIO: " : kind == EXIT_VMEXIT ? "#VMEXIT " : "", name);
		return;
	}
	switch (kind) {
	case EXIT_EXCEPTION:
		snprintf(buf, size, "exception %s %s", exception_mnemonic(nr), exception_name(nr));
		return;
	case EXIT_INTERRUPT:
		snprintf(buf, size, "interrupt (irq %u)", nr);
		return;
	case EXIT_VECTOR:
		name = dispatch_vector_name(nr);
		if (name)
			snprintf(buf, size, "%s", name);
		else
			snprintf(buf, size, "vector %#x", nr);
		return;
	case EXIT_HYPERCALL:
		name = d->ops && d->ops->hypercall_name ? d->ops->hypercall_name(nr) : NULL;
		if (name)
			snprintf(buf, size, "%s", name);
		else
			snprintf(buf, size, "hypercall %u (unknown)", nr);
		return;
	case EXIT_INSN:
		snprintf(buf, size, "emulated instruction class %u", nr);
		return;
	case EXIT_IO:
		snprintf(buf, size, "I/O port access, device %u", nr);
		return;
	case EXIT_MMIO:
		snprintf(buf, size, "MMIO access, device %u", nr);
		return;
	default:
		snprintf(buf, size, "exit code %#x", nr);
		return;
	}
}

static void dump_kind(const struct domain *d, enum exit_kind kind, unsigned indent)
{
	char what[48];
	for (unsigned nr = 0; nr < room[kind]; nr++) {
		uint64_t n = exit_get(d, kind, nr);
		if (!n)
			continue;
		exit_name(d, kind, nr, what, sizeof(what));
		printk("%*s%-*s %12llu\n", (int)indent, "", (int)(44 - indent), what,
		       (unsigned long long)n);
	}
}

void exit_table_dump(const struct domain *d)
{
	printk("  hypervisor entries by cause:\n");
	dump_kind(d, EXIT_EXCEPTION, 4);
	dump_kind(d, EXIT_INTERRUPT, 4);
	dump_kind(d, EXIT_VECTOR, 4);
	if (exit_total(d, EXIT_HYPERCALL)) {
		printk("    hypercalls by name (a continued call counts once):\n");
		dump_kind(d, EXIT_HYPERCALL, 6);
	}
	dump_kind(d, EXIT_INSN, 4);
	dump_kind(d, EXIT_IO, 4);
	dump_kind(d, EXIT_MMIO, 4);
	dump_kind(d, EXIT_VMEXIT, 4);
}
