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

#endif
