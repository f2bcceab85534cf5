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

#endif
