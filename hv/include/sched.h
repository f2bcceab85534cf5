/*
 * The scheduler: proportional share by weight. Each domain accumulates
 * virtual run time (ns of CPU * 256 / weight); the runnable domain with the
 * least runs next, for at most one time slice. A domain that spins with its
 * events masked still loses the CPU at the end of its slice: the slice is
 * enforced by the hardware timer, which the guest cannot mask.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include "types.h"
#include "cpu.h"

struct domain;

#define SCHED_WEIGHT_DEFAULT    256
#define SCHED_SLICE_MS_DEFAULT  10

extern bool need_resched;
extern uint64_t sched_slice_ns;

/* A freshly built domain may run. */
void sched_start(struct domain *d);
/* A blocked domain has an event: it may run again. */
void sched_wake(struct domain *d);
/* d stopped (shutdown or crash): out of the run queue and the alive count. */
void sched_stopped(struct domain *d);
/* The running domain gives the CPU to another runnable domain, if any. */
void sched_yield(struct domain *d);
/* Domain 0 pauses d (nested: d is not scheduled until as many unpauses),
 * or undoes one pause. d keeps its state (runnable, blocked) meanwhile. */
void sched_pause(struct domain *d);
void sched_unpause(struct domain *d);
/* The running domain blocks until an event arrives. */
void sched_block(struct domain *d);
/* Timer tick: account time, end slices, fire vCPU timers. */
void sched_tick(void);
/* On the way out of every trap: switch domains if needed. May not return
 * (when switching from the idle context). */
void sched_exit_path(struct trap_frame *f);
/* The running domain cannot be resumed at all (its state is unusable):
 * forget it and go idle. */
void sched_abandon_current(void) __noreturn;
/* The scheduling point of a technique that runs its guest from a loop
 * (mode_ops.run, hw): returns if the current domain goes on (it may be
 * another such domain now: look at current again); otherwise enters the
 * next domain or idle and never returns. */
void sched_loop_exit(void);
/* Run the idle context: switch to runnable domains, halt otherwise. */
void idle_enter(void) __noreturn;

/* For test kernels: run domains until deadline_ns (absolute), or until no
 * domain is left, then return. */
void sched_run_until(uint64_t deadline_ns);

/* When the last domain is gone: exit the machine (cmdline on_empty=exit). */
extern bool sched_exit_when_empty;

#endif
