/* ringos: /dev/rvctl, Domain 0's way to the control hypercall (kernel/rvctl.c). */
#ifndef RINGOS_RVCTL_H
#define RINGOS_RVCTL_H

#include "types.h"

struct file;

/* The device's ioctls on open file f (uapi/rvctl.h): RVCTL_DOMCTL, the
 * channel ones and RVCTL_GNT_COPY (kernel/rvback.c), or -ENOTTY. */
long rvctl_ioctl(struct file *f, uint32_t req, uint32_t uarg);

#endif
