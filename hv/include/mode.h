/*
 * The techniques: pv today, bt and hw next. Generic code (the scheduler,
 * the dispatcher, domains, the console) reaches a domain's technique only
 * through its operations table, as Xen's hvm_function_table or jailhouse's
 * vcpu_vendor_* hooks separate what differs; each technique lives in its
 * own folder (hv/pv/, ...) and registers itself with MODE_REGISTER(), so a
 * new one joins the build by adding its folder.
 */
#ifndef HV_MODE_H
#define HV_MODE_H

#include "types.h"
#include "domconfig.h"
#include "exit.h"

struct domain;
struct trap_frame;

struct mode_ops {
	enum dom_mode mode;
	const char *name;

	/* Once at boot, after the memory allocator is up. */
	void (*init)(uint32_t ram_top_pfn);

	/* Domain life: build it from its kernel (and initrd) as cfg says, or
	 * fill err and return nonzero (the caller destroys it); when it stops
	 * (may be NULL: its event channels are closed for it); give back all
	 * it holds when it is destroyed. */
	int (*build)(struct domain *d, const struct domain_config *cfg, const void *kernel,
		     size_t kernel_size, const void *initrd, size_t initrd_size, char *err,
		     size_t errlen);
	void (*stopped)(struct domain *d);
	void (*teardown)(struct domain *d);
	/* Domain 0 stopped (may be NULL): whatever it began on d is left
	 * undone. True if d was taken down for it (pv: a restore never
	 * finished has no state to run from); false and d is unpaused. */
	bool (*dom0_stopped)(struct domain *d);

	/* Scheduling: make d's context the CPU's; just before resuming d with
	 * f, deliver what is pending and check that f can be resumed. */
	void (*switch_in)(struct domain *d);
	/* A technique whose guest is entered by an instruction the hypervisor
	 * runs (hw: VMRUN) instead of by returning from a trap: run d, the
	 * current domain, from a fresh stack, never returning; its loop calls
	 * sched_loop_exit() after each exit. NULL: d is resumed from its trap
	 * frame (deliver_events, prepare_resume). */
	void (*run)(struct domain *d) __noreturn;
	void (*deliver_events)(struct domain *d, struct trap_frame *f);
	void (*prepare_resume)(struct domain *d, struct trap_frame *f);

	/* Entries from the guest that are the technique's business. */
	void (*exception)(struct domain *d, struct trap_frame *f, uint32_t cr2);
	void (*software_interrupt)(struct domain *d, struct trap_frame *f);

	/* Things that happen to a domain: its vCPU timer is due, console input
	 * arrived for it. */
	void (*timer_due)(struct domain *d);
	void (*console_input)(struct domain *d);

	/* Its own lines in a domain's report (may be NULL). */
	void (*dump)(const struct domain *d);
	/* Names of its hypercalls (NULL past the end), for exit tables. */
	const char *(*hypercall_name)(unsigned nr);
	/* Names of its own exit causes (SVM exit codes, its devices), NULL
	 * where the generic name will do. May be NULL. */
	const char *(*exit_name)(const struct domain *d, enum exit_kind kind, unsigned nr);
};

#define MODE_REGISTER(ops_)                                                      \
	static const struct mode_ops *const __mode_##ops_                       \
	__used __section(".modes") __aligned(4) = &ops_

/* The technique for a mode, NULL if this build has none. */
const struct mode_ops *mode_find(enum dom_mode m);
/* Every registered technique's init(). */
void modes_init(uint32_t ram_top_pfn);

#endif
