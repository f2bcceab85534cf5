/*
 * Save and restore of pv domains (include/public/save.h, docs/control.md).
 *
 * A pv guest's memory holds machine frame numbers: its page tables, its
 * copy of the p2m. So a save is cooperative, as in Xen: Domain 0 asks
 * (domctl suspend: start_info.control_request and an event), the guest
 * stops itself at a safe point with sched_op shutdown(suspend), which
 * leaves it paused with its state kept. The hypervisor then makes the
 * stream on demand (domctl save, any byte range): the header, the config,
 * the vCPU, a type byte per page, and the pages in pfn order with every
 * page-table entry's frame turned into the domain's own pfn and the guest's
 * p2m made canonical (pfn i at index i). Nothing in the stream names a
 * machine frame.
 *
 * Restore is the way back, and the file is untrusted: restore_begin checks
 * the header (lib/savefile.c) and the config (domconfig), builds an empty
 * domain of the same size and keeps it paused and marked restoring;
 * restore_data fills its pages; restore_finish turns pfns back into its new
 * frames (refusing any pfn outside it), writes the p2m, and then pins the
 * tables through the same validation every guest page-table update gets,
 * and sets the vCPU through the same checks as the hypercalls (trap table,
 * descriptors, stack, selectors at resume). Any refusal destroys the half
 * made domain. The guest wakes from its suspend call with 1: "you were
 * restored", and rebuilds what it made of machine frames.
 */
#include "pv.h"
#include "console.h"
#include "domain.h"
#include "errno.h"
#include "events.h"
#include "hwsave.h"
#include "format.h"
#include "fpu.h"
#include "frame.h"
#include "mm.h"
#include "mode.h"
#include "x86.h"
#include "printk.h"
#include "savefile.h"
#include "sched.h"
#include "string.h"
#include "time.h"
#include <public/domctl.h>
#include <public/save.h>

/* ---- suspend ---- */

int32_t pv_suspend_self(struct domain *d)
{
	if (!domain_privileged() || d == domain_privileged())
		return -ENODEV;         /* nobody would ever resume it */
	d->pv->suspended = true;
	sched_pause(d);
	printk("domain %u (%s): suspended for Domain 0\n", d->id, d->name);
	return 0;
}

/*
 * The start-info page, for the hypervisor to write into (a restore's new
 * id, a suspend request), or NULL. The guest may have given the page back
 * (its pfn has no frame: the write would land in machine frame 0) or made
 * it a page table (the words written would become entries nobody
 * validated): then there is nowhere to write.
 */
struct rv_start_info *pv_start_info_page(struct domain *t)
{
	uint32_t mfn = t->p2m[t->pv->si_pfn];
	if (!mfn)
		return NULL;
	switch (pv_mm.frames[mfn].type) {
	case PGT_L1: case PGT_L2: case PGT_L2_HIGH: case PGT_L3:
		return NULL;
	default:
		return pv_guest_page(t, t->pv->si_pfn);
	}
}

static int32_t request_suspend(struct domain *t)
{
	if (t->pv->restoring)
		return -EBUSY;          /* not made yet: nothing to ask */
	if (t->pv->suspended)
		return -EALREADY;
	if (t->pv->devices)
		return -ENODEV;         /* split devices: their backends hold its rings, a restore could not reconnect them */
	struct rv_start_info *si = pv_start_info_page(t);
	if (!si)
		return -EOPNOTSUPP;     /* its start-info page is gone or a page table */
	si->control_request = RV_CONTROL_suspend;
	evtchn_raise(t, PV_PORT_CONTROL);
	return 0;
}

void pv_save_release(struct domain *d)
{
	struct pv_domain *p = d->pv;
	for (uint32_t i = 0; p->save_rmap && i < p->save_rmap_frames; i++)
		free_frame(virt_to_phys(p->save_rmap) + i * PAGE_SIZE);
	p->save_rmap = NULL;
	if (p->restore_vcpu)
		free_frame(virt_to_phys(p->restore_vcpu));
	p->restore_vcpu = NULL;
	for (uint32_t i = 0; p->restore_types && i < p->restore_types_frames; i++)
		free_frame(virt_to_phys(p->restore_types) + i * PAGE_SIZE);
	p->restore_types = NULL;
}

bool pv_dom0_stopped(struct domain *d)
{
	struct pv_domain *p = d->pv;
	if (p->restoring) {
		/* Never built: its registers are zero, its base table none. */
		printk(LOG_NOTICE "domain %u (%s): its restore cannot be finished: Domain 0 stopped\n",
		       d->id, d->name);
		domain_kill(d);
		return true;
	}
	if (p->suspended) {
		p->suspended = false;   /* unpaused next: its suspend call returns 0 */
		pv_save_release(d);
	}
	return false;
}

/* ---- the stream ---- */

static uint8_t page_buf[PAGE_SIZE] __aligned(8);

/* The save's own map from machine frames to the domain's pfns. */
static int make_rmap(struct domain *t)
{
	struct pv_domain *p = t->pv;
	if (p->save_rmap)
		return 0;
	uint32_t frames = (pv_mm.nframes * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa;
	if (alloc_frames_contig(frames, &pa))
		return -ENOMEM;
	p->save_rmap = phys_to_virt(pa);
	p->save_rmap_frames = frames;
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++)
		if (t->p2m[pfn] < pv_mm.nframes)
			p->save_rmap[t->p2m[pfn]] = pfn + 1;
	return 0;
}

static uint8_t type_byte(struct domain *t, uint32_t pfn)
{
	const struct page_info *pi = &pv_mm.frames[t->p2m[pfn]];
	uint8_t b;
	switch (pi->type_count ? pi->type : PGT_NONE) {
	case PGT_L1: b = RV_SAVE_PT_L1; break;
	case PGT_L2: b = RV_SAVE_PT_L2; break;
	case PGT_L2_HIGH: b = RV_SAVE_PT_L2_HIGH; break;
	case PGT_L3: b = RV_SAVE_PT_L3; break;
	default: b = RV_SAVE_PT_NONE; break;
	}
	return b | (pi->flags & PGF_PINNED ? RV_SAVE_PINNED : 0);
}

static unsigned entries_of(uint8_t type)
{
	return type == RV_SAVE_PT_L3 ? 4 : type == RV_SAVE_PT_L2_HIGH ? 510 : 512;
}

/* Page pfn as the file holds it, into page_buf: 0 or -EINVAL (an entry
 * maps a frame that is not the domain's). */
static int canonical_page(struct domain *t, uint32_t pfn)
{
	struct pv_domain *p = t->pv;
	memcpy(page_buf, pv_guest_page(t, pfn), PAGE_SIZE);
	if (pfn >= p->p2m_pfn && pfn < p->p2m_pfn + p->p2m_pages) {
		uint32_t *e = (uint32_t *)page_buf;
		for (uint32_t k = 0; k < 1024; k++) {
			uint32_t i = (pfn - p->p2m_pfn) * 1024 + k;
			e[k] = i < t->nr_pages ? i : 0;
		}
		return 0;
	}
	uint8_t type = type_byte(t, pfn) & ~RV_SAVE_PINNED;
	if (type == RV_SAVE_PT_NONE)
		return 0;
	uint64_t *e = (uint64_t *)page_buf;
	unsigned n = entries_of(type), bad;
	memset(e + n, 0, (512 - n) * sizeof(*e));       /* the switch slots, past a PDPT's four */
	return rv_save_canon_entries(e, n, type == RV_SAVE_PT_L3,
				     (uint32_t)(t->shared_pa >> PAGE_SHIFT), p->save_rmap,
				     pv_mm.nframes, &bad) ? -EINVAL : 0;
}

static void make_header(struct domain *t, struct rv_save_header *h)
{
	struct pv_domain *p = t->pv;
	memset(h, 0, sizeof(*h));
	rv_save_layout(h, t->nr_pages, p->config_len);
	h->mode = RV_DOMMODE_pv;
	h->built_pages = p->built_pages;
	h->weight = t->weight;
	h->virt_base = p->virt_base;
	h->si_pfn = p->si_pfn;
	h->p2m_pfn = p->p2m_pfn;
	h->p2m_pages = p->p2m_pages;
	h->base_pfn = p->save_rmap[p->vcpu.base_mfn] - 1;
	h->saved_at_ns = time_now_ns();
	snprintf(h->name, sizeof(h->name), "%s", t->name);
}

static void make_vcpu(struct domain *t, struct rv_save_vcpu *v)
{
	const struct trap_frame *r = &t->vcpu.regs;
	const struct pv_vcpu *pv = &t->pv->vcpu;
	memset(v, 0, sizeof(*v));
	v->eax = r->eax, v->ebx = r->ebx, v->ecx = r->ecx, v->edx = r->edx;
	v->esi = r->esi, v->edi = r->edi, v->ebp = r->ebp, v->esp = r->esp;
	v->eip = r->eip, v->eflags = r->eflags;
	v->cs = r->cs, v->ss = r->ss, v->ds = r->ds, v->es = r->es, v->fs = r->fs, v->gs = r->gs;
	v->kernel_ss = pv->kernel_ss, v->kernel_esp = pv->kernel_esp;
	v->event_eip = pv->event_eip, v->failsafe_eip = pv->failsafe_eip;
	v->fpu_ts = pv->fpu_ts;
	fpu_put(t);
	v->fpu_used = t->fpu_used;
	memcpy(v->fpu_area, t->fpu_area, sizeof(v->fpu_area));
	memcpy(v->gdt_slots, pv->gdt_slots, sizeof(v->gdt_slots));
	memcpy(v->trap_eip, pv->trap_eip, sizeof(v->trap_eip));
	memcpy(v->trap_flags, pv->trap_flags, sizeof(v->trap_flags));
	uint64_t now = time_now_ns();
	v->timer_left_ns = !t->vcpu.timer_deadline ? 0 :
			   t->vcpu.timer_deadline > now ? t->vcpu.timer_deadline - now : 1;
	v->upcall_pending = t->shared->vcpu.evtchn_upcall_pending;
	v->upcall_mask = t->shared->vcpu.evtchn_upcall_mask;
	memcpy(v->evtchn_pending, t->shared->evtchn_pending, sizeof(v->evtchn_pending));
	memcpy(v->evtchn_mask, t->shared->evtchn_mask, sizeof(v->evtchn_mask));
	uint32_t n = t->in_head - t->in_tail;
	v->console_in_len = n;
	for (uint32_t i = 0; i < n && i < sizeof(v->console_in); i++)
		v->console_in[i] = t->in_ring[(t->in_tail + i) % sizeof(t->in_ring)];
}

/* One page of the stream (index idx = offset / 4096) into page_buf. */
static int stream_page(struct domain *t, const struct rv_save_header *h, uint64_t idx)
{
	uint64_t off = idx * PAGE_SIZE;
	if (off >= h->pages_off)
		return canonical_page(t, (uint32_t)((off - h->pages_off) / PAGE_SIZE));
	memset(page_buf, 0, PAGE_SIZE);
	if (off == 0) {
		memcpy(page_buf, h, sizeof(*h));
	} else if (off == h->config_off) {
		memcpy(page_buf, t->pv->config, t->pv->config_len);
	} else if (off == h->vcpu_off) {
		static struct rv_save_vcpu v;
		make_vcpu(t, &v);
		memcpy(page_buf, &v, sizeof(v));
	} else if (off >= h->console_off && off < h->console_off + h->console_len) {
		static struct rv_save_console c;
		console_history_out(t, &c);
		uint32_t at = (uint32_t)(off - h->console_off);
		memcpy(page_buf, (const uint8_t *)&c + at, MIN((uint32_t)PAGE_SIZE, h->console_len - at));
	} else if (off >= h->types_off && off < h->pages_off) {
		uint32_t first = (uint32_t)(off - h->types_off);
		for (uint32_t i = 0; i < PAGE_SIZE && first + i < t->nr_pages; i++)
			page_buf[i] = type_byte(t, first + i);
	}
	return 0;
}

/* A domain that can be saved now: suspended, whole, nothing half done. */
static int saveable(struct domain *t)
{
	if (t->mode != DOM_MODE_PV)
		return -EOPNOTSUPP;
	if (!t->pv->suspended || t->pv->restoring)
		return -EBUSY;
	if (t->nr_pages != t->max_pages || t->nr_pages != t->pv->built_pages ||
	    !t->pv->config_len)
		return -EOPNOTSUPP;     /* ballooned, or a config too long to keep */
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++)
		if (!t->p2m[pfn])
			return -EOPNOTSUPP;
	return make_rmap(t);
}

static int32_t save_range(struct domain *d, struct domain *t, uint32_t req, uint32_t size)
{
	struct rv_domctl_xfer x;
	struct rv_save_header h;
	uint64_t total;
	bool pv = t->mode == DOM_MODE_PV;

	if (size != sizeof(x))
		return -EINVAL;
	if (copy_from_guest(d, &x, req, sizeof(x)))
		return -EFAULT;
	/* Whether it can be saved at all, and the stream's length. */
	int rc = pv ? saveable(t) : hw_save_page(t, 0, page_buf, &total);
	if (rc)
		return rc;
	if (pv) {
		make_header(t, &h);
		total = h.total_len;
	}
	if (x.len > RV_XFER_MAX || x.pos > total)
		return -EINVAL;
	uint32_t len = (uint32_t)MIN((uint64_t)x.len, total - x.pos), done = 0;
	while (done < len) {
		uint64_t at = x.pos + done;
		uint32_t in = (uint32_t)(at % PAGE_SIZE), n = MIN(len - done, PAGE_SIZE - in);
		rc = pv ? stream_page(t, &h, at / PAGE_SIZE) :
			  hw_save_page(t, at / PAGE_SIZE, page_buf, &total);
		if (rc)
			return rc;
		if (copy_to_guest(d, x.buf + done, page_buf + in, n))
			return -EFAULT;
		done += n;
	}
	return (int32_t)done;
}

/* The domain's memory in its own frame order, canonical: equal before a
 * save and after its restore (before the restored domain runs). */
static int32_t memsum(struct domain *d, struct domain *t, uint32_t out)
{
	uint64_t h = RV_FNV_INIT;
	if (t->mode != DOM_MODE_PV) {
		int rc = hw_save_memsum(t, &h);
		return rc ? rc : copy_to_guest(d, out, &h, sizeof(h)) ? -EFAULT : 0;
	}
	int rc = saveable(t);
	if (rc)
		return rc;
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++) {
		if ((rc = canonical_page(t, pfn)))
			return rc;
		if (pfn == t->pv->si_pfn)
			continue;       /* a restore writes its new id and name there */
		h = rv_fnv1a(h, page_buf, PAGE_SIZE);
	}
	return copy_to_guest(d, out, &h, sizeof(h)) ? -EFAULT : 0;
}

/* ---- restore ---- */

static char why_buf[160];

static void tell(struct domain *d, uint32_t err, uint32_t err_len)
{
	if (!err || !err_len)
		return;
	uint32_t n = MIN((uint32_t)strlen(why_buf) + 1, err_len);
	char nul = '\0';
	if (!copy_to_guest(d, err, why_buf, n - 1))
		copy_to_guest(d, err + n - 1, &nul, 1);
}

/* restore_begin of a hw or bt stream (header and config checked): the
 * domain, or an errno with why_buf told. */
static int32_t restore_hw(struct domain *d, const struct rv_domctl_restore *r,
			  const struct rv_save_header *h, const struct domain_config *cfg)
{
	uint32_t meta_len = h->pages_off - h->vcpu_off;
	uint32_t frames = (meta_len + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa;
	if (alloc_frames_contig(frames, &pa)) {
		snprintf(why_buf, sizeof(why_buf), "out of memory for its records");
		return -ENOMEM;
	}
	if (copy_from_guest(d, phys_to_virt(pa), r->meta + h->vcpu_off, meta_len)) {
		for (uint32_t i = 0; i < frames; i++)
			free_frame(pa + i * PAGE_SIZE);
		snprintf(why_buf, sizeof(why_buf), "its records are not readable");
		return -EFAULT;
	}
	struct domain *n = domain_alloc(cfg->name);
	if (!n) {
		for (uint32_t i = 0; i < frames; i++)
			free_frame(pa + i * PAGE_SIZE);
		snprintf(why_buf, sizeof(why_buf), "no free domain slot or memory");
		return -ENOMEM;
	}
	n->ops = mode_find(cfg->mode);
	n->mode = cfg->mode;
	n->weight = h->weight;
	bool round = pv_mm_round_suspend();
	int rc = hw_restore_begin(n, cfg, h, phys_to_virt(pa), frames, why_buf, sizeof(why_buf));
	pv_mm_round_resume(round);
	if (rc) {
		domain_destroy(n);
		return rc < 0 ? rc : -EINVAL;
	}
	n->pause_count = 1;
	sched_start(n);         /* listed, never run: paused and restoring */
	printk("domain %u (%s): being restored by Domain 0 (%s, %u KiB, saved as '%s')\n", n->id,
	       n->name, dom_mode_name(n->mode), h->nr_pages * 4, h->name);
	return (int32_t)n->id;
}

static int32_t restore_begin(struct domain *d, uint32_t req, uint32_t size)
{
	struct rv_domctl_restore r;
	struct rv_save_header h;
	struct domain_config cfg;
	static char text[RV_CREATE_CONFIG_MAX];
	char name[RV_DOMNAME_MAX] = "", msg[160];
	const char *why;

	if (size != sizeof(r))
		return -EINVAL;
	if (copy_from_guest(d, &r, req, sizeof(r)))
		return -EFAULT;
	why_buf[0] = '\0';
	int32_t rc = -EINVAL;
#define FAIL(code, ...) do { snprintf(why_buf, sizeof(why_buf), __VA_ARGS__); rc = code; \
	goto out; } while (0)
	if (r.meta_len < RV_SAVE_HEADER_SIZE)
		FAIL(-EINVAL, "meta_len %u: less than a header (%u bytes)", r.meta_len,
		     RV_SAVE_HEADER_SIZE);
	if (copy_from_guest(d, &h, r.meta, sizeof(h)))
		FAIL(-EFAULT, "the header is not readable");
	if (rv_save_check_header(&h, UINT64_MAX, &why) != RV_SAVE_OK)
		FAIL(-EINVAL, "%s", why);
	if (r.meta_len != h.pages_off)
		FAIL(-EINVAL, "the header and config take %u bytes, not %u", h.pages_off, r.meta_len);
	if (copy_from_guest(d, text, r.meta + h.config_off, h.config_len))
		FAIL(-EFAULT, "the config is not readable");
	domconfig_defaults(&cfg);
	if (domconfig_parse_file(text, h.config_len, &cfg, msg, sizeof(msg)))
		FAIL(-EINVAL, "its config: %s", msg);
	if (r.name) {
		/* Up to its NUL, a byte at a time (it may end just before an
		 * unmapped page), then the config's own rules for a name. */
		size_t n = 0;
		for (;; n++) {
			if (n == sizeof(name))
				FAIL(-EINVAL, "new name: longer than %u characters",
				     (unsigned)sizeof(name) - 1);
			if (copy_from_guest(d, &name[n], r.name + (uint32_t)n, 1))
				FAIL(-EFAULT, "the new name is not readable");
			if (!name[n])
				break;
		}
		if (domconfig_check_name(name, n, msg, sizeof(msg)))
			FAIL(-EINVAL, "new name: %s", msg);
		memcpy(cfg.name, name, n + 1);
	}
	enum dom_mode mode = h.mode == RV_DOMMODE_hw ? DOM_MODE_HW :
			     h.mode == RV_DOMMODE_bt ? DOM_MODE_BT : DOM_MODE_PV;
	if (cfg.mode != mode)
		FAIL(-EINVAL, "its config says mode %s, the stream holds a %s domain",
		     dom_mode_name(cfg.mode), dom_mode_name(mode));
	if (cfg.privileged)
		FAIL(-EINVAL, "its config asks for Domain 0's rights (privileged = 1)");
	if (cfg.disk[0] || cfg.fs[0] || (mode == DOM_MODE_PV && cfg.realmode))
		FAIL(-EINVAL, "its config has a disk%s, which a saved domain does not",
		     mode == DOM_MODE_PV ? ", a file tree or realmode" : "");
	if (cfg.memory_kib != h.nr_pages * 4)
		FAIL(-EINVAL, "its config says memory %u KiB, the stream holds %u KiB",
		     cfg.memory_kib, h.nr_pages * 4);
	if (!cfg.name[0])
		FAIL(-EINVAL, "its config has no name");
	if (domain_by_name(cfg.name))
		FAIL(-EEXIST, "name '%s' is taken by domain %u", cfg.name,
		     domain_by_name(cfg.name)->id);
	if (!mode_find(mode))
		FAIL(-EOPNOTSUPP, "mode %s is not available on this machine", dom_mode_name(mode));
	if (mode != DOM_MODE_PV) {
		rc = restore_hw(d, &r, &h, &cfg);
		goto out;
	}
	static struct rv_save_console con;
	if (copy_from_guest(d, &con, r.meta + h.console_off, sizeof(con)))
		FAIL(-EFAULT, "its console record is not readable");
	if (console_history_check(&con, &why))
		FAIL(-EINVAL, "its console record: %s", why);
	struct domain *n = domain_alloc(cfg.name);
	if (!n)
		FAIL(-ENOMEM, "no free domain slot or memory");
	n->ops = mode_find(DOM_MODE_PV);
	n->mode = DOM_MODE_PV;
	rc = pv_build_empty(n, &cfg, h.virt_base, msg, sizeof(msg));
	paddr_t pa;
	uint32_t tframes = (h.nr_pages + PAGE_SIZE - 1) / PAGE_SIZE;
	if (!rc && (!(n->pv->restore_vcpu = (void *)(uintptr_t)alloc_frame()) ||
		    alloc_frames_contig(tframes, &pa))) {
		snprintf(msg, sizeof(msg), "out of memory for its records");
		rc = -ENOMEM;
	}
	if (!rc) {
		n->pv->restore_vcpu = phys_to_virt((paddr_t)(uintptr_t)n->pv->restore_vcpu);
		n->pv->restore_types = phys_to_virt(pa);
		n->pv->restore_types_frames = tframes;
		if (copy_from_guest(d, n->pv->restore_vcpu, r.meta + h.vcpu_off, sizeof(struct rv_save_vcpu)) ||
		    copy_from_guest(d, n->pv->restore_types, r.meta + h.types_off, h.nr_pages)) {
			snprintf(msg, sizeof(msg), "its records are not readable");
			rc = -EFAULT;
		}
	}
	if (rc) {
		snprintf(why_buf, sizeof(why_buf), "%s", msg);
		domain_destroy(n);
		goto out;
	}
	console_history_in(n, &con, &why);     /* checked above */
	n->pv->restoring = true;
	n->pv->si_pfn = h.si_pfn;
	n->pv->p2m_pfn = h.p2m_pfn;
	n->pv->p2m_pages = h.p2m_pages;
	n->pv->restore_base_pfn = h.base_pfn;
	n->pause_count = 1;
	sched_start(n);         /* listed, never run: paused and restoring */
	rc = (int32_t)n->id;
	printk("domain %u (%s): being restored by Domain 0 (%u KiB, saved as '%s')\n", n->id,
	       n->name, h.nr_pages * 4, h.name);
#undef FAIL
out:
	tell(d, r.err, r.err_len);
	return rc;
}

static int32_t restore_data(struct domain *d, struct domain *t, uint32_t req, uint32_t size)
{
	struct rv_domctl_xfer x;

	if (size != sizeof(x))
		return -EINVAL;
	if (copy_from_guest(d, &x, req, sizeof(x)))
		return -EFAULT;
	bool pv = t->mode == DOM_MODE_PV;
	if (pv ? !t->pv->restoring : !hw_restoring(t))
		return -EBUSY;
	/* The pages are all restore_data takes: pos counts from pfn 0's first byte. */
	if (x.len > RV_XFER_MAX || x.pos > (uint64_t)t->nr_pages * PAGE_SIZE ||
	    x.len > (uint64_t)t->nr_pages * PAGE_SIZE - x.pos)
		return -EINVAL;
	uint32_t done = 0;
	while (done < x.len) {
		uint64_t at = x.pos + done;
		uint32_t in = (uint32_t)(at % PAGE_SIZE), n = MIN(x.len - done, PAGE_SIZE - in);
		uint8_t *page = pv ? pv_guest_page(t, (uint32_t)(at / PAGE_SIZE)) :
				hw_restore_page(t, (uint32_t)(at / PAGE_SIZE));
		if (!page)
			return -EINVAL;
		if (copy_from_guest(d, page + in, x.buf + done, n))
			return -EFAULT;
		done += n;
	}
	return (int32_t)done;
}

/* The saved frame numbers of every table turned into t's frames: 0, or
 * -EINVAL with why_buf told. */
static int translate_tables(struct domain *t)
{
	const uint8_t *types = t->pv->restore_types;
	uint32_t shared_mfn = (uint32_t)(t->shared_pa >> PAGE_SHIFT);
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++) {
		uint8_t type = types[pfn] & ~RV_SAVE_PINNED;
		if (type == RV_SAVE_PT_NONE)
			continue;
		if (type > RV_SAVE_PT_L2_HIGH || (types[pfn] & 0x70)) {
			snprintf(why_buf, sizeof(why_buf), "pfn %#x: unknown page type %#x", pfn,
				 types[pfn]);
			return -EINVAL;
		}
		uint64_t *e = pv_guest_page(t, pfn);
		unsigned bad;
		if (rv_save_restore_entries(e, entries_of(type), shared_mfn, t->p2m, t->nr_pages, &bad)) {
			snprintf(why_buf, sizeof(why_buf), "pfn %#x entry %u: frame %#llx outside its %u pages",
				 pfn, bad, (unsigned long long)((e[bad] & PTE_ADDR_MASK) >> PAGE_SHIFT),
				 t->nr_pages);
			return -EINVAL;
		}
	}
	return 0;
}

static int pin_tables(struct domain *t)
{
	static const uint8_t level[] = { [RV_SAVE_PT_L1] = PGT_L1, [RV_SAVE_PT_L2] = PGT_L2,
					 [RV_SAVE_PT_L3] = PGT_L3 };
	const uint8_t *types = t->pv->restore_types;
	/* The roots first: pinning an L3 validates everything under it. */
	for (int pass = 0; pass < 3; pass++) {
		uint8_t want = pass == 0 ? RV_SAVE_PT_L3 : pass == 1 ? RV_SAVE_PT_L2 : RV_SAVE_PT_L1;
		for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++) {
			if (types[pfn] != (want | RV_SAVE_PINNED))
				continue;
			int rc = mm_pin(&pv_mm, (uint16_t)t->id, t->p2m[pfn], level[want]);
			if (rc) {
				snprintf(why_buf, sizeof(why_buf),
					 "pfn %#x: its saved page table is refused (%d)", pfn, rc);
				return rc;
			}
		}
	}
	uint32_t base = t->pv->restore_base_pfn;
	int rc = mm_get_page_and_type(&pv_mm, t->p2m[base], (uint16_t)t->id, PGT_L3);
	if (rc) {
		snprintf(why_buf, sizeof(why_buf), "pfn %#x: its base table is refused (%d)", base, rc);
		return rc;
	}
	t->pv->vcpu.base_mfn = t->p2m[base];
	t->space.pdpt = (paddr_t)t->p2m[base] << PAGE_SHIFT;
	return 0;
}

/*
 * After the pins, every page must be what its type byte says: the table of
 * that level (an unpinned one validated through its parent), pinned if the
 * byte says so, and no other page a table. A byte that lies made restore
 * translate a page that is no table (the guest's data, changed) or leave
 * one untranslated (refused by validation already): the stream is refused.
 */
static int check_types(struct domain *t)
{
	static const uint8_t level[] = { [RV_SAVE_PT_NONE] = PGT_NONE, [RV_SAVE_PT_L1] = PGT_L1,
					 [RV_SAVE_PT_L2] = PGT_L2, [RV_SAVE_PT_L3] = PGT_L3,
					 [RV_SAVE_PT_L2_HIGH] = PGT_L2_HIGH };
	const uint8_t *types = t->pv->restore_types;
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++) {
		const struct page_info *pi = &pv_mm.frames[t->p2m[pfn]];
		uint8_t now = pi->type >= PGT_L1 && pi->type <= PGT_L3 ? pi->type : PGT_NONE;
		uint8_t saved = level[types[pfn] & ~RV_SAVE_PINNED];   /* known: translate_tables */
		bool pinned = pi->flags & PGF_PINNED;
		if (now != saved || pinned != !!(types[pfn] & RV_SAVE_PINNED)) {
			snprintf(why_buf, sizeof(why_buf),
				 "pfn %#x: saved as %s%s, but its tables make it %s%s", pfn,
				 page_type_name(saved), types[pfn] & RV_SAVE_PINNED ? " (pinned)" : "",
				 page_type_name(now), pinned ? " (pinned)" : "");
			return -EINVAL;
		}
	}
	return 0;
}

static int set_vcpu(struct domain *t)
{
	const struct rv_save_vcpu *v = t->pv->restore_vcpu;
	struct trap_frame *r = &t->vcpu.regs;
	struct pv_vcpu *pv = &t->pv->vcpu;

	/* It suspended itself with a hypercall from its kernel: resume there. */
	if (v->cs != RV_GUEST_KERNEL_CS || v->ss != RV_GUEST_KERNEL_DS ||
	    v->kernel_ss != RV_GUEST_KERNEL_DS) {
		snprintf(why_buf, sizeof(why_buf),
			 "its vCPU was not stopped in its kernel (cs %#x, ss %#x, kernel ss %#x)",
			 v->cs, v->ss, v->kernel_ss);
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	r->ebx = v->ebx, r->ecx = v->ecx, r->edx = v->edx, r->esi = v->esi, r->edi = v->edi;
	r->ebp = v->ebp, r->esp = v->esp, r->eip = v->eip;
	r->eax = 1;                     /* sched_op(suspend) returns 1: restored */
	r->cs = v->cs, r->ss = v->ss;
	r->ds = v->ds, r->es = v->es, r->fs = v->fs, r->gs = v->gs;    /* checked at resume */
	/* Arithmetic flags, TF, DF, AC, ID; IF on, IOPL 0 (as a guest has them). */
	r->eflags = (v->eflags & 0x244dd5u) | EFLAGS_FIXED | EFLAGS_IF;
	pv->kernel_ss = v->kernel_ss;
	pv->kernel_esp = v->kernel_esp;
	if (v->event_eip >= RV_GUEST_VIRT_END || v->failsafe_eip >= RV_GUEST_VIRT_END) {
		snprintf(why_buf, sizeof(why_buf), "its callbacks are outside guest space");
		return -EINVAL;
	}
	pv->event_eip = v->event_eip;
	pv->failsafe_eip = v->failsafe_eip;
	pv->fpu_ts = v->fpu_ts != 0;
	/* MXCSR bits this CPU reserves (the upper half, and DAZ on the oldest
	 * SSE CPUs) would make fxrstor fault in the hypervisor. */
	uint32_t mxcsr;
	memcpy(&mxcsr, v->fpu_area + 24, 4);
	if (mxcsr & ~fpu_mxcsr_mask()) {
		snprintf(why_buf, sizeof(why_buf), "its FPU image has reserved MXCSR bits (%#x)", mxcsr);
		return -EINVAL;
	}
	memcpy(t->fpu_area, v->fpu_area, sizeof(t->fpu_area));
	t->fpu_used = v->fpu_used != 0;

	static struct rv_trap_info traps[256];
	uint32_t n = 0;
	for (unsigned vec = 0; vec < 256; vec++)
		if (v->trap_eip[vec])
			traps[n++] = (struct rv_trap_info){ (uint8_t)vec, v->trap_flags[vec],
							    RV_GUEST_KERNEL_CS, v->trap_eip[vec] };
	int rc = pv_set_trap_table(t, traps, n);
	for (unsigned i = 0; !rc && i < RV_GDT_GUEST_SLOTS; i++)
		rc = pv_update_descriptor(t, RV_GDT_FIRST_GUEST_SLOT + i, v->gdt_slots[i]);
	if (rc) {
		snprintf(why_buf, sizeof(why_buf), "its trap table or descriptors are refused (%d)", rc);
		return rc;
	}
	struct rv_shared_info *sh = t->shared;
	memcpy(sh->evtchn_pending, v->evtchn_pending, sizeof(sh->evtchn_pending));
	memcpy(sh->evtchn_mask, v->evtchn_mask, sizeof(sh->evtchn_mask));
	sh->vcpu.evtchn_upcall_mask = v->upcall_mask ? 1 : 0;
	sh->vcpu.evtchn_upcall_pending = v->upcall_pending ? 1 : 0;
	uint32_t in = MIN(v->console_in_len, (uint32_t)sizeof(v->console_in));
	for (uint32_t i = 0; i < in; i++)
		t->in_ring[i] = v->console_in[i];
	t->in_tail = 0;
	t->in_head = in;
	if (v->timer_left_ns)
		pv_set_timer(t, time_now_ns() + MIN(v->timer_left_ns, 60ull * 1000000000));
	return 0;
}

static int32_t restore_finish_hw(struct domain *d, struct domain *t, uint32_t err,
				 uint32_t err_len)
{
	if (!hw_restoring(t))
		return -EBUSY;
	why_buf[0] = '\0';
	int rc = hw_restore_finish(t, why_buf, sizeof(why_buf));
	if (rc) {
		printk(LOG_NOTICE "domain %u (%s): restore refused: %s\n", t->id, t->name, why_buf);
		tell(d, err, err_len);
		domain_kill(t);
		return rc < 0 ? rc : -EINVAL;
	}
	printk("domain %u (%s): restored, paused\n", t->id, t->name);
	why_buf[0] = '\0';
	tell(d, err, err_len);
	return 0;
}

static int32_t restore_finish(struct domain *d, struct domain *t, uint32_t err, uint32_t err_len)
{
	if (t->mode != DOM_MODE_PV)
		return restore_finish_hw(d, t, err, err_len);
	if (!t->pv->restoring)
		return -EBUSY;
	why_buf[0] = '\0';
	struct pv_domain *p = t->pv;
	/* The guest's p2m copy: the new frames. */
	for (uint32_t i = 0; i < t->nr_pages; i++)
		((uint32_t *)pv_guest_page(t, p->p2m_pfn + i / 1024))[i % 1024] = t->p2m[i];
	int rc = translate_tables(t);
	bool round = pv_mm_round_suspend();
	if (!rc)
		rc = pin_tables(t);
	pv_mm_round_resume(round);
	struct rv_start_info *si = rc ? NULL : pv_start_info_page(t);
	if (!rc && !si) {
		snprintf(why_buf, sizeof(why_buf), "pfn %#x: its start-info page is a page table",
			 p->si_pfn);
		rc = -EINVAL;
	}
	if (!rc)
		rc = check_types(t);
	if (!rc)
		rc = set_vcpu(t);
	if (rc) {
		printk(LOG_NOTICE "domain %u (%s): restore refused: %s\n", t->id, t->name, why_buf);
		tell(d, err, err_len);
		domain_kill(t);
		return rc < 0 ? rc : -EINVAL;
	}
	si->domid = t->id;
	si->flags = 0;
	snprintf(si->name, sizeof(si->name), "%s", t->name);
	si->control_port = PV_PORT_CONTROL;
	si->control_request = RV_CONTROL_none;
	si->max_mfn = pv_mm.nframes;
	si->ide_irq_port = 0;
	si->serial_irq_port = 0;
	pv_save_release(t);
	p->restoring = false;
	p->suspended = true;    /* it goes on from its suspend call when unpaused */
	printk("domain %u (%s): restored, paused\n", t->id, t->name);
	why_buf[0] = '\0';
	tell(d, err, err_len);
	return 0;
}

int32_t pv_domctl_save(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	if (cmd == RV_DOMCTL_restore_begin)
		return restore_begin(d, a1, a2);
	struct domain *t = a1 && a1 < MAX_DOMAINS ? domains[a1] : NULL;
	if (!t || !domain_alive(t))
		return -ESRCH;
	if (t == d)
		return -EINVAL;
	switch (cmd) {
	case RV_DOMCTL_suspend:
		return t->mode == DOM_MODE_PV ? request_suspend(t) : hw_save_hold(t);
	case RV_DOMCTL_save:
		return save_range(d, t, a2, a3);
	case RV_DOMCTL_memsum:
		return memsum(d, t, a2);
	case RV_DOMCTL_restore_data:
		return restore_data(d, t, a2, a3);
	case RV_DOMCTL_restore_finish:
		return restore_finish(d, t, a2, a3);
	default:
		return -ENOSYS;
	}
}
