/*
 * Domains (virtual machines) and their vCPUs. A domain owns memory (a quota
 * of frames and the pseudo-physical -> machine map), an address space, one
 * vCPU (for now), a console and its exit statistics.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include "types.h"
#include "console_line.h"
#include "exit.h"
#include "vdev.h"
#include "cpu.h"
#include "domconfig.h"
#include "pagetable.h"
#include "runq.h"
#include <public/domctl.h>
#include <public/hypercall.h>
#include <public/shared_info.h>
#include <public/start_info.h>

#define MAX_DOMAINS     16384           /* ids fit page_info.owner (16 bits) */
#define DOMID_INVALID   0xffffffffu

#define CON_HIST_FRAMES (RV_CONSOLE_HISTORY / PAGE_SIZE)

/* A shutdown reason of the hypervisor's own, next to the guest's RV_SHUTDOWN_*. */
#define SHUTDOWN_DESTROYED      0x100   /* Domain 0 destroyed it (domctl) */

enum domain_state {
	DOM_RUNNABLE,           /* wants the CPU */
	DOM_BLOCKED,            /* waits for an event (sched_op block) */
	DOM_SHUTDOWN,           /* stopped on its own request */
	DOM_CRASHED,            /* stopped by the hypervisor for a fault */
};

/* A virtual CPU, whatever the technique (its technique's own state is in
 * struct pv_vcpu, ...). */
struct vcpu {
	struct trap_frame regs;         /* guest registers while not running */
	uint64_t timer_deadline;        /* its one-shot timer (vtimer.c), ns; 0 = none */
};

enum evtchn_state { EVTCHN_FREE = 0, EVTCHN_UNBOUND, EVTCHN_INTERDOMAIN };

/* One event channel port of a domain (events.c). */
struct evtchn {
	uint8_t state;                  /* enum evtchn_state */
	uint8_t pad;
	uint16_t remote_port;           /* INTERDOMAIN: the peer's port */
	uint32_t remote_dom;            /* UNBOUND: who may bind; INTERDOMAIN: the peer */
};

struct domain_stats {
	struct exit_table exits;        /* hypervisor entries by cause (exit.h) */
	uint64_t bounces[NUM_EXCEPTIONS];       /* exceptions delivered through the hypervisor */
	uint64_t events_delivered;      /* event upcalls */
	uint64_t switches_in;           /* times scheduled */
	uint64_t longest_run_ns;        /* longest time it held the CPU between two scheduling points */
	uint64_t console_bytes;         /* emitted on the console for it (tags included) */
	uint64_t console_waits;         /* console writes that found the output ring full */
	uint64_t domctl_refused;        /* control hypercalls refused: it is not Domain 0 */
};

struct domain {
	uint32_t id;
	char name[DOMCFG_NAME_MAX];
	enum domain_state state;
	enum dom_mode mode;
	const struct mode_ops *ops;     /* its technique (mode.h); NULL until built */
	struct pv_domain *pv;           /* pv's own state (hv/pv/pv.h); NULL in other modes */
	struct hw_domain *hw;           /* hw's own state (hv/hw/hw.h); a bt domain's PC too */
	struct bt_domain *bt;           /* bt's own state (hv/bt/bt.h); NULL in other modes */
	struct vdev_table *vdevs;       /* its emulated devices (vdev.h): one frame, or NULL */
	uint32_t weight;
	bool privileged;                /* Domain 0: may use domctl (public/domctl.h) */
	/* Real I/O ports it may use from its kernel (Domain 0: the IDE
	 * channel), opened in the TSS's bitmap while it runs (ioports.c). */
	struct { uint16_t first, count; } io[4];
	unsigned nr_io;
	uint32_t pause_count;           /* Domain 0's pauses not yet undone: not scheduled while > 0 */

	/* memory */
	uint32_t nr_pages;              /* frames it has now */
	uint32_t max_pages;             /* its quota; pfns run 0..max_pages-1 */
	pfn_t *p2m;                     /* pseudo-physical -> machine (0: no frame), hypervisor's copy */
	uint32_t p2m_frames;            /* frames holding p2m[] (contiguous) */
	struct pae_space space;         /* its page tables */
	struct rv_shared_info *shared;  /* hypervisor-owned, mapped into the guest */
	paddr_t shared_pa;

	struct vcpu vcpu;
	struct evtchn evtchn[RV_NR_EVENT_PORTS];
	uint8_t fpu_area[512] __aligned(16);    /* fxsave image while not the FPU owner */
	bool fpu_used;

	/* scheduling (sched.c) */
	struct runq_node rq_node;       /* in the run queue while runnable and not running */
	uint64_t vruntime;              /* weighted run time, ns * 256 / weight */
	uint64_t runtime_ns;            /* CPU time actually used */
	uint64_t slice_start_ns;        /* when it was last scheduled in */

	/* console (console.c, console_line.c) */
	struct con_line con;            /* its output on the shared terminal */
	uint32_t con_held;              /* bytes of it held while another has the keyboard */
	bool con_waiting;               /* waits for room in the output ring */
	struct domain *con_wait_next;   /* the next domain that waits */
	uint8_t in_ring[256];
	uint32_t in_head, in_tail;
	/* The last bytes it wrote, for Domain 0's `vm console` (domctl):
	 * RV_CONSOLE_HISTORY bytes, allocated only when a Domain 0 exists. */
	uint8_t *con_hist;
	uint64_t con_hist_pos;          /* bytes written since it was created */

	/* end of life */
	uint32_t shutdown_reason;       /* RV_SHUTDOWN_* */
	uint32_t exit_code;

	struct domain_stats stats;
};

extern struct domain *domains[MAX_DOMAINS];
extern struct domain *current;          /* the running domain, NULL when idle */

/* Allocate a domain id and structure; NULL when none is left. */
struct domain *domain_alloc(const char *name);
/* Build d as cfg says, by its mode's technique (mode.h); nonzero with err
 * filled if it cannot be built (the caller destroys it). */
int domain_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
		 size_t kernel_size, const void *initrd, size_t initrd_size, char *err, size_t errlen);
/* Stop the domain: it never runs again; its memory is freed. */
void domain_shutdown(struct domain *d, uint32_t reason, uint32_t code);
/* The domain did something the hypervisor cannot let it continue after:
 * log why and the registers, then stop it. Other domains keep running. */
void domain_crash(struct domain *d, const struct trap_frame *f, const char *fmt, ...)
	__printf(3, 4);
/* Domain 0's controls (domctl): pause nests; unpause undoes one pause
 * (-EALREADY if none); kill stops the domain at once, reason "destroyed". */
void domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
void domain_kill(struct domain *d);
/* Domain 0 if it is alive, or NULL. */
struct domain *domain_privileged(void);
/* The domain named name, alive or stopped, or NULL. */
struct domain *domain_by_name(const char *name);
/* Free what a stopped domain still holds, and its id. */
void domain_destroy(struct domain *d);
unsigned domain_count_alive(void);
/* Runnable or blocked: not stopped. */
bool domain_alive(const struct domain *d);
/* The machine exit status once every domain stopped (see docs/testing.md). */
uint32_t domains_exit_status(void);
void domain_dump_stats(const struct domain *d);
/* Console key: every domain's state and statistics. */
void domains_dump(void);

#endif
