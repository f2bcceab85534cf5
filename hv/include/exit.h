/*
 * Exit reasons: why the hypervisor was entered from a domain, one
 * enumeration for every technique. Each entry point translates its cause
 * into a kind and a number (an exception's vector, an interrupt's line, a
 * hypercall's number, an emulated instruction's class, a device, an SVM
 * exit code) and counts it in the domain's exit table; the console's 'e'
 * key and a domain's end-of-life report print that table, with the names
 * from exit_name(). Adding a cause is adding to this file.
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "types.h"

enum exit_kind {
	EXIT_EXCEPTION,         /* CPU exception, by vector (0-31) */
	EXIT_INTERRUPT,         /* device or timer interrupt that came while it ran, by line */
	EXIT_VECTOR,            /* a software interrupt that reached the hypervisor, by vector */
	EXIT_HYPERCALL,         /* by number (each call once, however many rounds) */
	EXIT_INSN,              /* an instruction emulated for it (bt, hw), by class */
	EXIT_IO,                /* an I/O port access to an emulated device, by device */
	EXIT_MMIO,              /* an MMIO access to an emulated device, by device */
	EXIT_VMEXIT,            /* an SVM exit code not counted as one of the above */
	EXIT_KINDS
};

/* Numbers each kind has room for (a number past it counts in the last). */
#define EXIT_NR_EXCEPTION       32
#define EXIT_NR_INTERRUPT       16
#define EXIT_NR_VECTOR          256
#define EXIT_NR_HYPERCALL       32
#define EXIT_NR_INSN            32
#define EXIT_NR_IO              16
#define EXIT_NR_MMIO            16
#define EXIT_NR_VMEXIT          64
#define EXIT_SLOTS (EXIT_NR_EXCEPTION + EXIT_NR_INTERRUPT + EXIT_NR_VECTOR + EXIT_NR_HYPERCALL + \
		    EXIT_NR_INSN + EXIT_NR_IO + EXIT_NR_MMIO + EXIT_NR_VMEXIT)

struct exit_table {
	uint64_t count[EXIT_SLOTS];
};

struct domain;

void exit_count(struct domain *d, enum exit_kind kind, unsigned nr);
uint64_t exit_get(const struct domain *d, enum exit_kind kind, unsigned nr);
/* Every entry of one kind, added up. */
uint64_t exit_total(const struct domain *d, enum exit_kind kind);
/* "exception #PF Page Fault", "interrupt (irq 4)", "console_io", ... */
void exit_name(const struct domain *d, enum exit_kind kind, unsigned nr, char *buf, size_t size);
/* The domain's exit table, one line per cause that happened. */
void exit_table_dump(const struct domain *d);

#endif
