/*
 * /dev/rvctl: how Domain 0's programs reach the hypervisor's control
 * hypercall (include/public/domctl.h), as Xen's privcmd does. The node
 * exists only in Domain 0 (a pv domain built with privileged = 1); it
 * answers one ioctl, RVCTL_DOMCTL, whose result is the hypercall's (a
 * negative errno comes back as -1 with errno set, as any system call's).
 * ringos checks every pointer a command carries against the calling
 * program's memory before the hypervisor sees it.
 */
#ifndef RINGOS_UAPI_RVCTL_H
#define RINGOS_UAPI_RVCTL_H

#include <stdint.h>

struct rvctl_domctl {
	uint32_t cmd;                   /* RV_DOMCTL_* */
	uint32_t arg[3];                /* as domctl.h gives them for cmd */
};

/* _IOWR('R', 0, struct rvctl_domctl) in Linux's encoding. */
#define RVCTL_DOMCTL    (0xC0000000u | (sizeof(struct rvctl_domctl) << 16) | ('R' << 8) | 0)

/*
 * Backend channels (docs/io.md, "Channels"): a Domain 0 program serves
 * one split device of another domain. ringos's kernel keeps the ring and
 * the event port; the program takes requests out and puts responses in,
 * one 128-byte record at a time (io/channel.h), and moves the data with
 * grant copy. A channel belongs to the open file of /dev/rvctl it was
 * opened on: closing it (or the program's exit) unmaps the ring and
 * closes the port. At most RVCTL_CHANS channels per open file.
 */
#define RVCTL_CHANS     8

struct rvctl_chan_open {
	uint32_t domid;                 /* in: the frontend's domain */
	uint32_t ring_ref;              /* in: the reference its ring page will have (8..15) */
	uint32_t port;                  /* out: our unbound port, for its device entry */
	uint32_t chan;                  /* out: the channel's number, 0..RVCTL_CHANS-1 */
};

/* Take the next request: 0 with req filled; -ETIMEDOUT when none came in
 * timeout_ms (0: do not wait); -EINTR (a signal); -EPIPE when the
 * frontend broke the ring (indices that lie: the channel is closed, and
 * says so once in the kernel log); -ENOTCONN is never returned: before
 * the frontend connected, GET waits like an empty ring. The first event
 * from the frontend maps its ring. */
struct rvctl_chan_get {
	uint32_t chan;
	uint32_t timeout_ms;
	uint8_t req[128];               /* out */
};

/* Queue a response and let the frontend know (if it waits): 0, -EBADF
 * for a channel not open, -EPIPE (broken or not connected), -ENOSPC when
 * more responses than requests taken. */
struct rvctl_chan_put {
	uint32_t chan;
	uint8_t rsp[128];
};

/* Grant copy between the program's memory and pages other domains
 * granted to Domain 0: up to RVCTL_COPY_MAX operations, each len bytes
 * (<= 4096, within the granted page from offset; the program's buffer
 * may cross pages). Each op's status is written back (0 or -errno, the
 * hypervisor's); the call returns 0 or the first error. */
#define RVCTL_COPY_MAX  16
#define RVCTL_COPY_TO_GRANT     1u      /* program -> granted page; 0: granted page -> program */

struct rvctl_copy_op {
	uint32_t domid;                 /* the granter */
	uint32_t ref;
	uint32_t offset;                /* in the granted page */
	uint32_t len;
	uint32_t buf;                   /* the program's address */
	uint32_t flags;                 /* RVCTL_COPY_* */
	int32_t status;                 /* out */
};
struct rvctl_copy {
	uint32_t count;
	struct rvctl_copy_op ops[RVCTL_COPY_MAX];
};

#define RVCTL_IOWR(nr, type) (0xC0000000u | (sizeof(type) << 16) | ('R' << 8) | (nr))
#define RVCTL_CHAN_OPEN         RVCTL_IOWR(1, struct rvctl_chan_open)
#define RVCTL_CHAN_GET          RVCTL_IOWR(2, struct rvctl_chan_get)
#define RVCTL_CHAN_PUT          RVCTL_IOWR(3, struct rvctl_chan_put)
#define RVCTL_CHAN_CLOSE        RVCTL_IOWR(4, uint32_t)
#define RVCTL_GNT_COPY          RVCTL_IOWR(5, struct rvctl_copy)

#endif
