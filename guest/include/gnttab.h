/*
 * Grants, ringos's side (pv port only: guest/arch/pv/gnttab.c; the rules are
 * docs/io.md and include/public/grant_table.h). A driver grants a peer
 * domain one of its pages, maps a page a peer granted it, or copies through
 * a grant. Errors are the hypervisor's, negated (-RV_E...).
 */
#ifndef RINGOS_GNTTAB_H
#define RINGOS_GNTTAB_H

#include "types.h"

/* Let domain domid use our page at physical address frame (page-aligned),
 * read-only or read-write: the grant reference, or -RV_ENOSPC (table full),
 * -RV_EINVAL (not one of our pages), or the setup's error. */
int32_t grant_access(uint16_t domid, paddr_t frame, bool readonly);
/* The same under reference ref exactly (8..15 are kept for this: a
 * split device's ring, whose ref the toolstack chose): ref, or -RV_EBUSY
 * when it is in use, -RV_ERANGE past the table. */
int32_t grant_access_ref(uint32_t ref, uint16_t domid, paddr_t frame, bool readonly);
/* End a grant: 0, or -RV_EBUSY while the peer still maps it (nothing
 * changed: end it after the peer unmapped), -RV_ENOENT, -RV_ERANGE. */
int32_t grant_end(uint32_t ref);

/* Map the page domain dom granted as ref at a kernel address (*va), which
 * stays valid until gnttab_unmap; *handle names the mapping. */
int32_t gnttab_map(uint16_t dom, uint32_t ref, bool readonly, void **va, uint32_t *handle);
int32_t gnttab_unmap(void *va, uint32_t handle);

/* Copy len bytes between our buffer and [off, off + len) of the page dom
 * granted as ref (the buffer may cross one page boundary; the bytes must
 * fit the granted page). 0 or the first error. */
int32_t gnttab_copy_from(uint16_t dom, uint32_t ref, uint32_t off, void *dst, uint32_t len);
int32_t gnttab_copy_to(uint16_t dom, uint32_t ref, uint32_t off, const void *src, uint32_t len);

/* Grant copies between our memory at physical address pa (within one
 * page) and [off, off + len) of a page dom granted as ref, up to
 * GNTTAB_COPY_BATCH in one hypercall. Each one's status (0 or the
 * hypervisor's error; -RV_EAGAIN for those after the first refusal, not
 * done) goes to status[i]; returns 0 or the first error (-RV_EINVAL for a
 * request that crosses a page: nothing done). */
#define GNTTAB_COPY_BATCH       32
struct gnttab_copy_req {
	uint16_t dom;
	bool to_grant;                  /* our memory -> the granted page */
	uint32_t ref, off, len;
	paddr_t pa;
};
int32_t gnttab_copy_batch(const struct gnttab_copy_req *req, unsigned n, int32_t *status);

#endif
