/*
 * Save and restore of hw and bt domains (hv/hw/save.c; docs/control.md).
 * Such a domain needs no cooperation: Domain 0's suspend pauses it (held),
 * and its whole state is the hypervisor's: its RAM, its vCPU (the VMCB, or
 * bt's vCPU shadow), its emulated PC's devices, its console. The domctl
 * plumbing (copies to and from Domain 0) is hv/pv/save.c's; these work on
 * the hypervisor's own buffers.
 */
#ifndef HV_HWSAVE_H
#define HV_HWSAVE_H

#include "types.h"
#include <public/save.h>

struct domain;
struct domain_config;

/* A hw or bt domain held for a save (RV_DOMINFO_SUSPENDED), or being restored. */
bool hw_save_held(const struct domain *t);
bool hw_restoring(const struct domain *t);
/* domctl suspend: pause it for a save. 0, -EALREADY, -EBUSY (restoring),
 * -EMEDIUMTYPE (it has a disk, which cannot go into the file). */
int hw_save_hold(struct domain *t);
/* Its last pause undone (domctl unpause): no longer held. */
void hw_save_release(struct domain *t);
/* Domain 0 stopped: a restore never finished is taken down (true). */
bool hw_save_dom0_stopped(struct domain *t);

/* Page idx of the stream of a held domain into page (4096 bytes), and the
 * stream's length: 0, -EBUSY (not held), -EINVAL (idx past the end). */
int hw_save_page(struct domain *t, uint64_t idx, uint8_t *page, uint64_t *total);
/* FNV-1a of its pages in pfn order (bt: the original bytes). */
int hw_save_memsum(struct domain *t, uint64_t *sum);

/* A new domain n (allocated and named) from a checked header, its config
 * (mode hw or bt, as the header) and meta: the stream's bytes [vcpu_off,
 * pages_off) in meta_frames contiguous frames, which n now owns. Devices
 * and the console are checked and installed now; 0, or an errno with why. */
int hw_restore_begin(struct domain *n, const struct domain_config *cfg,
		     const struct rv_save_header *h, void *meta, uint32_t meta_frames, char *why,
		     size_t whylen);
/* Guest page pfn of a restoring domain, or NULL. */
void *hw_restore_page(struct domain *t, uint32_t pfn);
/* Check and install its vCPU: 0, or an errno with why (the caller destroys it). */
int hw_restore_finish(struct domain *t, char *why, size_t whylen);

#endif
