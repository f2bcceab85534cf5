/* The pv frame table against the allocator (frames_audit.h). */
#include "frames_audit.h"
#include "frame.h"
#include "pv.h"

struct frames_audit frames_audit(uint16_t domid)
{
	struct frames_audit a = { 0, 0 };
	for (uint32_t i = 0; i < pv_mm.nframes; i++) {
		const struct page_info *p = &pv_mm.frames[i];
		if (frame_state_of(&hv_frames, i) == FRAME_FREE &&
		    (p->owner != OWNER_NONE || p->count || p->type_count || p->type || p->flags))
			a.stale++;
		if (domid ? p->owner == domid : p->owner != OWNER_NONE && p->owner != OWNER_HV)
			a.owned++;
	}
	return a;
}
