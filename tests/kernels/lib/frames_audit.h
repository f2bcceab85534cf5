/* The pv frame table against the allocator, for test kernels that build
 * and destroy domains (domain_leak, sched_fair). */
#ifndef FRAMES_AUDIT_H
#define FRAMES_AUDIT_H

#include "types.h"

struct frames_audit {
	unsigned stale;         /* free frames still carrying an owner, a count, a type or flags */
	unsigned owned;         /* frames owned by the domain asked about (any domain if 0) */
};

struct frames_audit frames_audit(uint16_t domid);

#endif
