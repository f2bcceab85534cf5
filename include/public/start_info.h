/*
 * The start-info page: what a pv guest kernel finds at boot. The hypervisor
 * enters the kernel in ring 1 at its ELF entry point with:
 *   esi = virtual address of this page     esp = top of a boot stack
 *   cs = RV_GUEST_KERNEL_CS, ds = es = fs = gs = ss = RV_GUEST_KERNEL_DS
 *   events masked (shared_info vcpu.evtchn_upcall_mask = 1)
 *
 * Guest memory is nr_pages pseudo-physical frames; pfn N is mapped at
 * virt_base + N * 4096 (the kernel's ELF segments sit at their p_paddr), and
 * the p2m array tells the machine frame behind each pfn.
 */
#ifndef RINGVISOR_PUBLIC_START_INFO_H
#define RINGVISOR_PUBLIC_START_INFO_H

#include "ringvisor.h"

#define RV_START_INFO_MAGIC     0x49535652u     /* "RVSI" */
#define RV_CMDLINE_MAX          1024

/*
 * A split device: its backend waits in domain `backend` on an event port
 * allocated for us (`port`: bind it with event_channel_op
 * bind_interdomain(backend, port)). The frontend shares its ring page by
 * granting it to the backend, read-write, under grant reference
 * `ring_ref` exactly (its grant allocator never hands that reference out
 * for anything else), initializes the ring (128-byte slots: io/channel.h),
 * then sends one event on its bound port: the backend maps the ring then.
 * Domain 0's toolstack writes these entries (domctl set_device) while the
 * domain has not run yet.
 */
#define RV_DEVICES_MAX          4
#define RV_DEV_none             0
#define RV_DEV_vbd              1       /* a disk: io/blkif.h; name is its node ("xvda") */
#define RV_DEV_vfs              2       /* a forwarded file tree: io/fsif.h; name is the mount point ("/host") */

#define RV_DEVF_readonly        (1u << 0)       /* the backend refuses writes (vbd) or changes (vfs) */

struct rv_device {
	uint16_t type;                  /* RV_DEV_* */
	uint16_t backend;               /* the backend's domain id */
	uint32_t port;                  /* the backend's unbound port, for us */
	uint32_t ring_ref;              /* the grant reference our ring page must have: 8 .. 15 */
	uint32_t flags;                 /* RV_DEVF_* */
	char name[16];                  /* NUL-terminated */
};
RV_BUILD_ASSERT(sizeof(struct rv_device) == 32, "device entry layout");

/* start_info.flags */
#define RV_SIF_PRIVILEGED       (1u << 0)       /* Domain 0: may use domctl (domctl.h) */

struct rv_start_info {
	uint32_t magic;                 /* RV_START_INFO_MAGIC */
	uint32_t revision;              /* (RV_ABI_MAJOR << 16) | RV_ABI_MINOR */
	uint32_t domid;                 /* this domain's id */
	uint32_t flags;                 /* RV_SIF_* */
	uint32_t nr_pages;              /* guest memory, in 4 KiB pages */
	uint32_t virt_base;             /* virtual address of pfn 0 */
	uint32_t shared_info;           /* virtual address of the shared-info page */
	uint32_t pt_base;               /* virtual address of the page-table root (PDPT) */
	uint32_t nr_pt_frames;          /* page-table frames, contiguous from pt_base */
	uint32_t p2m;                   /* virtual address of uint32_t p2m[nr_pages] */
	uint32_t first_free_pfn;        /* pfns from here to nr_pages - 1 are unused */
	uint32_t stack_top;             /* initial esp (boot stack, 4 pages below it) */
	uint32_t initrd;                /* virtual address of the initrd, 0 if none */
	uint32_t initrd_len;            /* its length in bytes */
	uint32_t console_port;          /* event port raised on console input */
	uint32_t timer_port;            /* event port raised when set_timer expires */
	char name[32];                  /* domain name, NUL-terminated */
	char cmdline[RV_CMDLINE_MAX];   /* kernel command line, NUL-terminated */
	/* Since ABI 0.3: */
	uint32_t control_port;          /* event port raised when Domain 0 asks something */
	uint32_t control_request;       /* what: RV_CONTROL_* (the guest clears it) */
	uint32_t max_mfn;               /* machine frames below this: size a reverse map by it */
	/* Domain 0 with the machine's IDE channel: ports 0x1f0-0x1f7 and
	 * 0x3f6 are its own (in/out from its kernel), and IRQ 14 raises this
	 * event port; 0 when it has no IDE channel. */
	uint32_t ide_irq_port;
	/* The same for the second serial port (COM2: 0x2f8-0x2ff, IRQ 3),
	 * Domain 0's link to another machine's (migration). */
	uint32_t serial_irq_port;
	/* Since ABI 0.5: the split devices the toolstack gave this domain
	 * (docs/io.md, "Finding devices"). Slots 0..RV_DEVICES_MAX-1; an
	 * unused slot has type RV_DEV_none. */
	struct rv_device devices[RV_DEVICES_MAX];
};

/* start_info.control_request. suspend: stop at a safe point with sched_op
 * shutdown RV_SHUTDOWN_suspend, so that Domain 0 can save this domain. */
#define RV_CONTROL_none         0
#define RV_CONTROL_suspend      1

RV_BUILD_ASSERT(sizeof(struct rv_start_info) == 64 + 32 + RV_CMDLINE_MAX + 20 + 32 * RV_DEVICES_MAX, "start info layout");
RV_BUILD_ASSERT(sizeof(struct rv_start_info) <= 4096, "start info fits a page");

#endif
