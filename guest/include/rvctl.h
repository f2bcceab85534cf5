/* ringos: /dev/rvctl, Domain 0's way to the control hypercall (kernel/rvctl.c). */
#ifndef RINGOS_RVCTL_H
#define RINGOS_RVCTL_H

#include "types.h"

/* The device's ioctl: RVCTL_DOMCTL (uapi/rvctl.h), or -ENOTTY. */
long rvctl_ioctl(uint32_t req, uint32_t uarg);

#endif
