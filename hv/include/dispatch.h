/*
 * The dispatcher: every trap, interrupt and (later) hypercall and #VMEXIT
 * enters dispatch_trap() and is routed by cause. Every route is counted, so
 * the exits of the system can be listed at any time (console key 'd').
 */
#ifndef HV_DISPATCH_H
#define HV_DISPATCH_H

#include "types.h"
#include "cpu.h"

typedef void (*trap_handler_t)(struct trap_frame *f);

/* Route a vector to a handler (IRQ vectors go through irq_register). */
void dispatch_set_handler(unsigned vector, trap_handler_t handler, const char *name);
/* Route a legacy ISA IRQ line; the dispatcher acknowledges the PIC. */
void irq_register(unsigned irq, void (*handler)(unsigned irq), const char *name);

/* C entry point from the stubs (entry.S). */
void dispatch_trap(struct trap_frame *f);

uint64_t dispatch_count(unsigned vector);
/* The name a vector's handler registered with, NULL if none. */
const char *dispatch_vector_name(unsigned vector);
void dispatch_dump(void);

/* ---- exceptions (traps.c) ---- */

const char *exception_mnemonic(unsigned vector);       /* "#PF" */
const char *exception_name(unsigned vector);           /* "Page Fault" */
bool exception_has_error_code(unsigned vector);
/* One line describing an exception: "#PF Page Fault, error code 0x2 (...)". */
int exception_describe(char *buf, size_t size, unsigned vector, uint32_t error_code);
/* Name, error code, CR2 and every register, at LOG_EMERG. */
void trap_report(const struct trap_frame *f, uint32_t cr2);
void exception_handle(struct trap_frame *f);

/*
 * Run fn(arg) and catch the first exception it raises (test support, in
 * the spirit of XTF's exception recovery). Returns false if fn returned
 * normally; true if it faulted, with *rec filled and execution resumed
 * after the call.
 */
struct trap_record {
	uint32_t vector, error_code, cr2, eip, cs;
};
bool trap_catch(void (*fn)(void *), void *arg, struct trap_record *rec);
/* If a trap_catch() is active, record f and resume after it (no return);
 * otherwise return. Exceptions go through this; a test's own vector
 * handler may use it to end a run at ring 1 or 3. */
void trap_catch_deliver(const struct trap_frame *f, uint32_t cr2);

#endif
