/* ringos: the backend channels of Domain 0's /dev/rvctl (kernel/rvback.c). */
#ifndef RINGOS_RVBACK_H
#define RINGOS_RVBACK_H

#include "types.h"

struct rvback;

/* RVCTL_CHAN_OPEN, _GET, _PUT, _CLOSE and RVCTL_GNT_COPY (uapi/rvctl.h) on
 * the open file whose channels *b holds (made at the first use); -ENOTTY
 * for another request. */
long rvback_ioctl(struct rvback **b, uint32_t req, uint32_t uarg);
/* The file's last reference went: close every channel, free b. */
void rvback_release(struct rvback *b);

#endif
