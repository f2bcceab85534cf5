/*
 * domctl: what Domain 0 may do to the other domains (docs/control.md).
 *
 * Domain 0 is the one pv domain built with `privileged = 1` in its config
 * (start_info.flags has RV_SIF_PRIVILEGED). It is the policy: it creates,
 * pauses and destroys domains, reads and types into their consoles and
 * watches their exits; the hypervisor keeps the mechanism and checks every
 * argument. Any other domain gets -RV_EPERM for every command, and each
 * refusal is counted in its exit table ("domctl refused").
 *
 *     int $0x82 with eax = RV_HC_domctl, ebx = cmd, ecx, edx, esi = args
 *
 * Domains are named by id. Domain 0 may not pause or destroy
 * itself (-RV_EINVAL): nobody would be left to undo it.
 */
#ifndef RINGVISOR_PUBLIC_DOMCTL_H
#define RINGVISOR_PUBLIC_DOMCTL_H

#include "ringvisor.h"

#define RV_DOMCTL_getinfo       0       /* (domid, struct rv_domctl_info *, size) */
#define RV_DOMCTL_pause         1       /* (domid) */
#define RV_DOMCTL_unpause       2       /* (domid) */
#define RV_DOMCTL_destroy       3       /* (domid) */
#define RV_DOMCTL_set_weight    4       /* (domid, weight) */
#define RV_DOMCTL_set_memory    5       /* (domid, KiB) */
#define RV_DOMCTL_create        6       /* (struct rv_domctl_create *, size) */
#define RV_DOMCTL_console_read  7       /* (domid, struct rv_domctl_console *, size) */
#define RV_DOMCTL_console_write 8       /* (domid, const char *buf, count) */
#define RV_DOMCTL_exits         9       /* (domid, struct rv_domctl_exits *, size) */
#define RV_DOMCTL_suspend       10      /* (domid): ask a pv guest to suspend itself */
#define RV_DOMCTL_save          11      /* (domid, struct rv_domctl_xfer *, size) */
#define RV_DOMCTL_memsum        12      /* (domid, uint64_t *) */
#define RV_DOMCTL_restore_begin 13      /* (struct rv_domctl_restore *, size) */
#define RV_DOMCTL_restore_data  14      /* (domid, struct rv_domctl_xfer *, size) */
#define RV_DOMCTL_restore_finish 15     /* (domid, char *err, err_len) */
#define RV_DOMCTL_physinfo      16      /* (struct rv_domctl_physinfo *, size) */
#define RV_DOMCTL_set_device    17      /* (domid, slot, const struct rv_device *) */
#define RV_DOMCTL_count         18

/*
 * getinfo: the first domain whose id is domid or more, into the buffer
 * (size must be sizeof(struct rv_domctl_info)); returns its id, so
 * "getinfo(0), getinfo(id + 1), ..." lists every domain; -RV_ESRCH when
 * there is none.
 */
#define RV_DOMSTATE_running     0       /* runnable or running */
#define RV_DOMSTATE_blocked     1       /* waits for an event */
#define RV_DOMSTATE_paused      2       /* paused by Domain 0 */
#define RV_DOMSTATE_shutdown    3       /* stopped, not yet gone */
#define RV_DOMSTATE_crashed     4

#define RV_DOMMODE_pv           0
#define RV_DOMMODE_bt           1
#define RV_DOMMODE_hw           2

#define RV_DOMINFO_PRIVILEGED   (1u << 0)
#define RV_DOMINFO_SUSPENDED    (1u << 1)       /* stopped itself for a save (pv) */
#define RV_DOMINFO_RESTORING    (1u << 2)       /* being restored: not finished */

#define RV_DOMNAME_MAX          32

struct rv_domctl_info {
	uint32_t domid;
	uint32_t state;                 /* RV_DOMSTATE_* */
	uint32_t mode;                  /* RV_DOMMODE_* */
	uint32_t flags;                 /* RV_DOMINFO_* */
	uint32_t weight;                /* scheduler weight, 1..65535 */
	uint32_t memory_kib;            /* memory it has now */
	uint32_t max_memory_kib;        /* the most it may have (pv: balloon up to) */
	uint32_t pause_count;           /* pauses not yet undone */
	uint64_t cpu_ns;                /* CPU time used */
	uint64_t entries;               /* entries into the hypervisor, every cause */
	char name[RV_DOMNAME_MAX];      /* NUL-terminated */
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_info) == 48 + RV_DOMNAME_MAX, "domctl info layout");

/*
 * set_device: write slot (0..RV_DEVICES_MAX-1) of a pv domain's device
 * table in its start_info (start_info.h, struct rv_device), or clear it
 * (type RV_DEV_none). Only before the domain first runs (-RV_EBUSY after):
 * its kernel reads the table once, at boot. -RV_ERANGE for a slot out of
 * range, -RV_EINVAL for an unknown type or flag, a name not NUL-terminated
 * or a ring_ref outside 8..15, -RV_ESRCH for a backend domain that does
 * not exist, -RV_EOPNOTSUPP for a hw or bt domain (their devices are
 * emulated).
 */

/*
 * physinfo: the machine's memory as the hypervisor's frame pool counts it
 * (as xl info does): free_kib is what creates and restores may still take;
 * bad_frees counts frees the pool refused (a frame freed twice, or one that
 * was never handed out), 0 unless the hypervisor's own bookkeeping is
 * wrong. For a toolstack's "is there room", and a test's "nothing leaked".
 */
struct rv_domctl_physinfo {
	uint32_t total_kib;             /* RAM in the pool, used or free */
	uint32_t free_kib;
	uint32_t bad_frees;
	uint32_t pad;
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_physinfo) == 16, "domctl physinfo layout");

/*
 * pause / unpause: a paused domain keeps everything but is never
 * scheduled; pauses nest (unpause undoes one; -RV_EALREADY when none is
 * left). destroy: the domain stops at once (state shutdown, reason
 * "destroyed") and its memory goes back to the hypervisor.
 *
 * set_weight: 1..65535 (-RV_ERANGE otherwise). set_memory: a pv domain's
 * quota in KiB (whole pages): not below what it holds now (-RV_EBUSY: it
 * must balloon down first) nor above the size it was built with
 * (-RV_ERANGE); -RV_EOPNOTSUPP for hw and bt domains, whose memory is
 * their machine's and fixed.
 */

/*
 * create: a new domain from images held in Domain 0's memory. config is
 * the xl.cfg-style text (the keys of docs/ARCHITECTURE.md; its kernel and
 * initrd lines name the files Domain 0 read them from, and are not looked
 * up again); kernel and initrd are the images themselves. The domain starts
 * paused (unpause it when its console is attached), or running with
 * RV_CREATE_START. Returns the new id; -RV_EINVAL for a config that does not
 * parse or a kernel that is not one, -RV_EEXIST for a name in use,
 * -RV_ENOMEM when the memory is not there, -RV_E2BIG for an image over
 * RV_CREATE_IMAGE_MAX; the reason, in words, is written to err.
 */
#define RV_CREATE_START         (1u << 0)
#define RV_CREATE_IMAGE_MAX     (64u << 20)     /* kernel or initrd */
#define RV_CREATE_CONFIG_MAX    4096

struct rv_domctl_create {
	uint32_t flags;                 /* RV_CREATE_* */
	uint32_t config;                /* address of the config text */
	uint32_t config_len;
	uint32_t kernel;                /* address of the kernel image */
	uint32_t kernel_len;
	uint32_t initrd;                /* address of the initrd, 0 if none */
	uint32_t initrd_len;
	uint32_t err;                   /* address of a buffer for the reason, 0 if none */
	uint32_t err_len;
	uint32_t pad;
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_create) == 40, "domctl create layout");

/*
 * console_read: what the domain wrote to its console, from a position in
 * its output stream. Each domain keeps the last RV_CONSOLE_HISTORY bytes;
 * pos counts bytes since it was created. In: pos, buf, len. Out: got
 * (bytes copied), next (the position after them: pass it next time), lost
 * (bytes between pos and the oldest kept, gone already); a pos past the
 * end reads from the end (next tells where it is). Returns got. Domains
 * made while there was no Domain 0 keep no history (got 0).
 *
 * console_write: bytes typed into the domain's console, as if at the
 * keyboard; returns how many it took (its input ring holds 256).
 */
#define RV_CONSOLE_HISTORY      8192

struct rv_domctl_console {
	uint64_t pos;                   /* in: where to read from */
	uint32_t buf;                   /* in: buffer address */
	uint32_t len;                   /* in: its size */
	uint64_t next;                  /* out: the position after what was read */
	uint64_t lost;                  /* out: bytes older than the history */
	uint32_t got;                   /* out: bytes read */
	uint32_t pad;
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_console) == 40, "domctl console layout");

/*
 * exits: a domain's exit table, the causes that happened (as the
 * hypervisor's `e` key prints them), for `vm top`. Up to RV_EXITS_MAX of
 * them; count says how many are filled.
 */
#define RV_EXITS_MAX            48
#define RV_EXIT_NAME_MAX        40

struct rv_domctl_exit {
	uint64_t count;
	char name[RV_EXIT_NAME_MAX];    /* "exception #PF Page Fault", "hypercall console_io" */
};

struct rv_domctl_exits {
	uint32_t count;
	uint32_t pad;
	uint64_t total;                 /* every entry, those not listed too */
	struct rv_domctl_exit e[RV_EXITS_MAX];
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_exits) == 16 + RV_EXITS_MAX * 48, "domctl exits layout");

/*
 * Save and restore (public/save.h for the stream, docs/control.md).
 *
 * suspend: pv: sets start_info.control_request and raises the control port;
 * the guest suspends itself at a safe point (sched_op shutdown suspend) and
 * is then paused with RV_DOMINFO_SUSPENDED; -EOPNOTSUPP if its start-info
 * page is not there to be written (given back, or made a page table: the
 * guest cannot be asked), -ENODEV if it has split devices (set_device:
 * their backends hold its rings). hw, bt: the hypervisor pauses it at once
 * (RV_DOMINFO_SUSPENDED), its kernel unaware; -ENODEV if it has a disk
 * (a boot module, which cannot go into the file). Both: -EALREADY if it is
 * already, -EBUSY while it is being restored.
 *
 * save: bytes [pos, pos + len) of the stream (len up to RV_XFER_MAX) of a
 * suspended domain into buf; returns how many (0 at the end). -EBUSY if it
 * is not suspended, -EOPNOTSUPP for what cannot be saved (a ballooned pv
 * domain), -EINVAL if a page table maps what is not its own.
 * Unpausing it goes on where it was (the guest's suspend returns 0);
 * destroying it completes a save-and-stop.
 *
 * memsum: FNV-1a 64 of its pages in pfn order as the stream holds them (pv:
 * the start-info page left out, a restore writes there; bt: the original
 * bytes under its patched traps), for round-trip checks.
 *
 * restore_begin: meta = the stream's bytes before the pages (header, config,
 * vCPU, types: header.pages_off bytes); name, if not 0, a new name (clone).
 * Returns the new domain's id: listed, paused, RV_DOMINFO_RESTORING.
 * restore_data: its pages, pos counted from the first page's first byte.
 * restore_finish: checks and installs everything; on a refusal the domain
 * is destroyed and the reason written to err. Then unpause it: its suspend
 * call returns 1.
 */
#define RV_XFER_MAX             65536

struct rv_domctl_xfer {
	uint64_t pos;
	uint32_t buf;
	uint32_t len;
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_xfer) == 16, "domctl xfer layout");

struct rv_domctl_restore {
	uint32_t meta;                  /* address of header.pages_off bytes */
	uint32_t meta_len;
	uint32_t name;                  /* a new name (NUL-terminated), or 0 */
	uint32_t err;                   /* where the reason goes, or 0 */
	uint32_t err_len;
	uint32_t pad;
};
RV_BUILD_ASSERT(sizeof(struct rv_domctl_restore) == 24, "domctl restore layout");

#endif
