/*
 * domctl: Domain 0's control of the other domains (include/public/domctl.h,
 * docs/control.md). The policy is Domain 0's; here every argument is
 * checked and each command is the hypervisor's own mechanism (domain.c,
 * sched.c, console.c, the techniques' build), as in Xen's do_domctl. A
 * domain that is not Domain 0 gets -EPERM for every command, counted.
 *
 * Buffers are static: one CPU, and a hypercall is never re-entered.
 */
#include "pv.h"
#include "bzimage.h"
#include "console.h"
#include "domain.h"
#include "domconfig.h"
#include "errno.h"
#include "exit.h"
#include "format.h"
#include "frame.h"
#include "hwsave.h"
#include "mm.h"
#include "mode.h"
#include "printk.h"
#include "sched.h"
#include "string.h"
#include "time.h"

/* A domain Domain 0 may act on: alive, not itself where that is refused. */
static struct domain *target(uint32_t id)
{
	if (id == 0 || id >= MAX_DOMAINS)
		return NULL;
	struct domain *t = domains[id];
	return t && domain_alive(t) ? t : NULL;
}

static uint32_t public_state(const struct domain *t)
{
	switch (t->state) {
	case DOM_RUNNABLE: return t->pause_count ? RV_DOMSTATE_paused : RV_DOMSTATE_running;
	case DOM_BLOCKED: return t->pause_count ? RV_DOMSTATE_paused : RV_DOMSTATE_blocked;
	case DOM_SHUTDOWN: return RV_DOMSTATE_shutdown;
	default: return RV_DOMSTATE_crashed;
	}
}

static uint64_t entries_of(const struct domain *t)
{
	uint64_t n = 0;
	for (unsigned k = 0; k < EXIT_KINDS; k++)
		n += exit_total(t, (enum exit_kind)k);
	return n;
}

static int32_t getinfo(struct domain *d, uint32_t from, uint32_t buf, uint32_t size)
{
	struct rv_domctl_info info;

	if (size != sizeof(info))
		return -EINVAL;
	for (uint32_t id = from ? from : 1; id < MAX_DOMAINS; id++) {
		const struct domain *t = domains[id];
		if (!t || !domain_alive(t))
			continue;
		memset(&info, 0, sizeof(info));
		info.domid = t->id;
		info.state = public_state(t);
		info.mode = t->mode == DOM_MODE_PV ? RV_DOMMODE_pv :
			    t->mode == DOM_MODE_BT ? RV_DOMMODE_bt : RV_DOMMODE_hw;
		info.flags = t->privileged ? RV_DOMINFO_PRIVILEGED : 0;
		if (t->mode == DOM_MODE_PV && t->pv->suspended)
			info.flags |= RV_DOMINFO_SUSPENDED;
		if (t->mode == DOM_MODE_PV && t->pv->restoring)
			info.flags |= RV_DOMINFO_RESTORING;
		if (hw_save_held(t))
			info.flags |= RV_DOMINFO_SUSPENDED;
		if (hw_restoring(t))
			info.flags |= RV_DOMINFO_RESTORING;
		info.weight = t->weight;
		info.memory_kib = t->nr_pages * 4;
		info.max_memory_kib = t->max_pages * 4;
		info.pause_count = t->pause_count;
		info.cpu_ns = t->runtime_ns + (t == current ? time_now_ns() - t->slice_start_ns : 0);
		info.entries = entries_of(t);
		snprintf(info.name, sizeof(info.name), "%s", t->name);
		if (copy_to_guest(d, buf, &info, sizeof(info)))
			return -EFAULT;
		return (int32_t)t->id;
	}
	return -ESRCH;
}

static int32_t physinfo(struct domain *d, uint32_t buf, uint32_t size)
{
	struct rv_domctl_physinfo pi;

	if (size != sizeof(pi))
		return -EINVAL;
	memset(&pi, 0, sizeof(pi));
	pi.total_kib = (hv_frames.nfree + hv_frames.nused) * 4;
	pi.free_kib = hv_frames.nfree * 4;
	pi.bad_frees = hv_frames.double_frees + hv_frames.reserved_frees;
	return copy_to_guest(d, buf, &pi, sizeof(pi)) ? -EFAULT : 0;
}

static int32_t set_memory(struct domain *t, uint32_t kib)
{
	if (t->mode != DOM_MODE_PV)
		return -EOPNOTSUPP;
	if (kib % 4 || kib == 0)
		return -EINVAL;
	uint32_t pages = kib / 4;
	if (pages > t->pv->built_pages)
		return -ERANGE;
	if (pages < t->nr_pages)
		return -EBUSY;
	for (uint32_t pfn = pages; pfn < t->max_pages; pfn++)
		if (t->p2m[pfn])
			return -EBUSY;  /* it holds a frame above the new quota */
	t->max_pages = pages;
	return 0;
}

/* ---- create ---- */

static char create_err[160];
static char create_config[RV_CREATE_CONFIG_MAX];

/* len bytes of Domain 0's memory at va, copied into contiguous frames of
 * the hypervisor's (*pa, *frames): 0, or the error with create_err told. */
static int image_in(struct domain *d, uint32_t va, uint32_t len, const char *what, paddr_t *pa,
		    uint32_t *frames)
{
	*frames = 0;
	if (!len)
		return 0;
	if (len > RV_CREATE_IMAGE_MAX) {
		snprintf(create_err, sizeof(create_err), "%s: %u KiB is over the %u MiB limit", what,
			 len >> 10, RV_CREATE_IMAGE_MAX >> 20);
		return -E2BIG;
	}
	uint32_t n = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	if (alloc_frames_contig(n, pa)) {
		snprintf(create_err, sizeof(create_err),
			 "%s: no room in the hypervisor for a %u KiB copy", what, len >> 10);
		return -ENOMEM;
	}
	*frames = n;
	if (copy_from_guest(d, phys_to_virt(*pa), va, len)) {
		snprintf(create_err, sizeof(create_err), "%s: bad address %#x (%u bytes)", what, va,
			 len);
		return -EFAULT;
	}
	return 0;
}

static void image_out(paddr_t pa, uint32_t frames)
{
	for (uint32_t i = 0; i < frames; i++)
		free_frame(pa + (paddr_t)i * PAGE_SIZE);
}

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

static int32_t create_checked(struct domain *d, const struct rv_domctl_create *c,
			      struct domain_config *cfg, paddr_t *kpa, uint32_t *kframes,
			      paddr_t *ipa, uint32_t *iframes)
{
	char why[160];

	if (c->flags & ~RV_CREATE_START) {
		snprintf(create_err, sizeof(create_err), "unknown flags %#x", c->flags);
		return -EINVAL;
	}
	if (!c->config_len || c->config_len > sizeof(create_config)) {
		snprintf(create_err, sizeof(create_err), "config: %u bytes (1 to %u)", c->config_len,
			 RV_CREATE_CONFIG_MAX);
		return c->config_len ? -E2BIG : -EINVAL;
	}
	if (copy_from_guest(d, create_config, c->config, c->config_len)) {
		snprintf(create_err, sizeof(create_err), "config: bad address %#x", c->config);
		return -EFAULT;
	}
	domconfig_defaults(cfg);
	if (domconfig_parse_file(create_config, c->config_len, cfg, why, sizeof(why))) {
		snprintf(create_err, sizeof(create_err), "config: %s", why);
		return -EINVAL;
	}
	if (cfg->privileged) {
		snprintf(create_err, sizeof(create_err),
			 "privileged: there is one Domain 0, and it is '%s'", d->name);
		return -EPERM;
	}
	if (cfg->disk[0] && cfg->mode != DOM_MODE_PV) {
		/* A pv domain's disk is the toolstack's: a split device it
		 * serves and names with set_device. */
		snprintf(create_err, sizeof(create_err),
			 "disk '%s': a hw or bt domain made by the toolstack has no emulated disk yet",
			 cfg->disk);
		return -EOPNOTSUPP;
	}
	if (cfg->fs[0] && cfg->mode != DOM_MODE_PV) {
		snprintf(create_err, sizeof(create_err),
			 "fs '%s': only a pv domain forwards its file system calls", cfg->fs);
		return -EOPNOTSUPP;
	}
	if (!mode_find(cfg->mode)) {
		snprintf(create_err, sizeof(create_err), "mode %s is not available on this machine",
			 dom_mode_name(cfg->mode));
		return -EOPNOTSUPP;
	}
	if (cfg->name[0] && domain_by_name(cfg->name)) {
		snprintf(create_err, sizeof(create_err), "name '%s' is taken by domain %u",
			 cfg->name, domain_by_name(cfg->name)->id);
		return -EEXIST;
	}
	if (!c->kernel_len) {
		snprintf(create_err, sizeof(create_err), "no kernel image given");
		return -EINVAL;
	}
	int rc = image_in(d, c->kernel, c->kernel_len, "kernel", kpa, kframes);
	if (!rc)
		rc = image_in(d, c->initrd, c->initrd_len, "initrd", ipa, iframes);
	if (rc)
		return rc;
	const void *k = phys_to_virt(*kpa);
	bool elf = c->kernel_len >= 4 && !memcmp(k, elf_magic, 4);
	if (!cfg->realmode && !elf && !bzimage_is(k, c->kernel_len)) {
		snprintf(create_err, sizeof(create_err),
			 "kernel '%s' is neither an ELF file nor a Linux bzImage", cfg->kernel);
		return -ENOEXEC;
	}
	if (cfg->realmode && cfg->mode != DOM_MODE_HW) {
		snprintf(create_err, sizeof(create_err), "realmode: only a hw domain starts in real mode");
		return -EINVAL;
	}
	struct domain *n = domain_alloc(cfg->name);
	if (!n) {
		snprintf(create_err, sizeof(create_err), "no free domain slot or memory");
		return -ENOMEM;
	}
	bool round = pv_mm_round_suspend();
	rc = domain_build(n, cfg, k, c->kernel_len, c->initrd_len ? phys_to_virt(*ipa) : NULL,
			  c->initrd_len, why, sizeof(why));
	pv_mm_round_resume(round);
	if (rc) {
		snprintf(create_err, sizeof(create_err), "%s", why);
		domain_destroy(n);
		return rc < 0 ? rc : -EINVAL;
	}
	/* Paused until Domain 0 lets it go (its console attached first). */
	if (!(c->flags & RV_CREATE_START))
		n->pause_count = 1;
	sched_start(n);
	printk("domain %u (%s): created by Domain 0 (%s)%s\n", n->id, n->name, d->name,
	       n->pause_count ? ", paused" : "");
	return (int32_t)n->id;
}

static int32_t create(struct domain *d, uint32_t buf, uint32_t size)
{
	struct rv_domctl_create c;
	struct domain_config cfg;
	paddr_t kpa = 0, ipa = 0;
	uint32_t kframes = 0, iframes = 0;

	if (size != sizeof(c))
		return -EINVAL;
	if (copy_from_guest(d, &c, buf, sizeof(c)))
		return -EFAULT;
	create_err[0] = '\0';
	int32_t rc = create_checked(d, &c, &cfg, &kpa, &kframes, &ipa, &iframes);
	image_out(kpa, kframes);
	image_out(ipa, iframes);
	if (rc < 0)
		printk(LOG_NOTICE "domain %u (%s): create refused: %s\n", d->id, d->name, create_err);
	if (c.err && c.err_len) {
		uint32_t n = MIN((uint32_t)strlen(create_err) + 1, c.err_len);
		char nul = '\0';
		/* A bad buffer loses only the words: the result stands. */
		if (!copy_to_guest(d, c.err, create_err, n - 1))
			copy_to_guest(d, c.err + n - 1, &nul, 1);
	}
	return rc;
}

/* ---- consoles ---- */

static char console_buf[4096];

static int32_t console_read(struct domain *d, struct domain *t, uint32_t buf, uint32_t size)
{
	struct rv_domctl_console c;

	if (size != sizeof(c))
		return -EINVAL;
	if (copy_from_guest(d, &c, buf, sizeof(c)))
		return -EFAULT;
	uint32_t want = MIN(c.len, (uint32_t)sizeof(console_buf));
	if (c.pos > t->con_hist_pos)
		c.pos = t->con_hist_pos;        /* past the end: from the end */
	size_t got = console_domain_history(t, c.pos, console_buf, want, &c.lost);
	if (got && copy_to_guest(d, c.buf, console_buf, (uint32_t)got))
		return -EFAULT;
	c.got = (uint32_t)got;
	c.next = c.pos + c.lost + got;
	if (copy_to_guest(d, buf, &c, sizeof(c)))
		return -EFAULT;
	return (int32_t)got;
}

static int32_t console_write(struct domain *d, struct domain *t, uint32_t buf, uint32_t count)
{
	if (count > sizeof(t->in_ring))
		return -E2BIG;
	if (copy_from_guest(d, console_buf, buf, count))
		return -EFAULT;
	uint32_t took = 0;
	while (took < count && console_domain_type(t, console_buf[took]))
		took++;
	return (int32_t)took;
}

/* ---- exits ---- */

static struct rv_domctl_exits exits_buf;

static int32_t exits(struct domain *d, const struct domain *t, uint32_t buf, uint32_t size)
{
	struct rv_domctl_exits *x = &exits_buf;

	if (size != sizeof(*x))
		return -EINVAL;
	memset(x, 0, sizeof(*x));
	x->total = entries_of(t);
	/* Every cause that happened; the most frequent kept when there are
	 * more than the buffer holds (insertion into a list sorted by count). */
	static const unsigned nrs[EXIT_KINDS] = {
		EXIT_NR_EXCEPTION, EXIT_NR_INTERRUPT, EXIT_NR_VECTOR, EXIT_NR_HYPERCALL,
		EXIT_NR_INSN, EXIT_NR_IO, EXIT_NR_MMIO, EXIT_NR_VMEXIT,
	};
	for (unsigned k = 0; k < EXIT_KINDS; k++) {
		for (unsigned nr = 0; nr < nrs[k]; nr++) {
			uint64_t n = exit_get(t, (enum exit_kind)k, nr);
			if (!n)
				continue;
			unsigned at = x->count;
			while (at > 0 && x->e[at - 1].count < n)
				at--;
			if (at >= RV_EXITS_MAX)
				continue;
			unsigned last = x->count < RV_EXITS_MAX ? x->count : RV_EXITS_MAX - 1;
			memmove(&x->e[at + 1], &x->e[at], (last - at) * sizeof(x->e[0]));
			x->e[at].count = n;
			exit_name(t, (enum exit_kind)k, nr, x->e[at].name, sizeof(x->e[at].name));
			if (x->count < RV_EXITS_MAX)
				x->count++;
		}
	}
	return copy_to_guest(d, buf, x, sizeof(*x)) ? -EFAULT : (int32_t)x->count;
}

/* set_device (domctl.h): slot of t's device table, before t first runs. */
static int32_t set_device(struct domain *d, struct domain *t, uint32_t slot, uint32_t buf)
{
	struct rv_device dev;

	if (t->mode != DOM_MODE_PV)
		return -EOPNOTSUPP;
	if (slot >= RV_DEVICES_MAX)
		return -ERANGE;
	if (copy_from_guest(d, &dev, buf, sizeof(dev)))
		return -EFAULT;
	if (t->runtime_ns || t->pv->restoring || t->state != DOM_RUNNABLE)
		return -EBUSY;          /* its kernel read the table already, or never will */
	if (dev.type > RV_DEV_vfs || (dev.flags & ~RV_DEVF_readonly) ||
	    strnlen(dev.name, sizeof(dev.name)) == sizeof(dev.name))
		return -EINVAL;
	if (dev.type != RV_DEV_none) {
		if (dev.ring_ref < 8 || dev.ring_ref > 15 || !dev.name[0])
			return -EINVAL;
		struct domain *b = dev.backend < MAX_DOMAINS ? domains[dev.backend] : NULL;
		if (!b || !domain_alive(b) || b == t)
			return -ESRCH;
	}
	struct rv_start_info *si = pv_start_info_page(t);
	if (!si)
		return -EBUSY;
	bool was = si->devices[slot].type != RV_DEV_none;
	bool now = dev.type != RV_DEV_none;
	si->devices[slot] = dev;
	t->pv->devices = t->pv->devices - was + now;
	if (!now)
		printk("domain %u (%s): device %u cleared\n", t->id, t->name, slot);
	else
		printk("domain %u (%s): device %u: %s %s%s, backend domain %u\n", t->id, t->name,
		       slot, dev.type == RV_DEV_vbd ? "disk" : "file tree", dev.name,
		       dev.flags & RV_DEVF_readonly ? " (read-only)" : "", dev.backend);
	return 0;
}

int32_t pv_domctl(struct domain *d, uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	if (!d->privileged) {
		d->stats.domctl_refused++;
		return -EPERM;
	}
	if (cmd == RV_DOMCTL_getinfo)
		return getinfo(d, a1, a2, a3);
	if (cmd == RV_DOMCTL_create)
		return create(d, a1, a2);
	if (cmd == RV_DOMCTL_physinfo)
		return physinfo(d, a1, a2);
	if (cmd >= RV_DOMCTL_suspend && cmd <= RV_DOMCTL_restore_finish)
		return pv_domctl_save(d, cmd, a1, a2, a3);
	if (cmd >= RV_DOMCTL_count)
		return -ENOSYS;
	struct domain *t = target(a1);
	if (!t)
		return -ESRCH;
	switch (cmd) {
	case RV_DOMCTL_pause:
		if (t == d)
			return -EINVAL;
		domain_pause(t);
		return 0;
	case RV_DOMCTL_unpause:
		if ((t->mode == DOM_MODE_PV && t->pv->restoring) || hw_restoring(t))
			return -EBUSY;          /* restore_finish first */
		if (hw_save_held(t) && t->pause_count == 1)
			hw_save_release(t);     /* it goes on where it was */
		if (t->mode == DOM_MODE_PV && t->pv->suspended && t->pause_count == 1) {
			t->pv->suspended = false;       /* its suspend call returns */
			pv_save_release(t);
		}
		return domain_unpause(t);
	case RV_DOMCTL_destroy:
		if (t == d)
			return -EINVAL;
		printk("domain %u (%s): destroyed by Domain 0 (%s)\n", t->id, t->name, d->name);
		domain_kill(t);
		return 0;
	case RV_DOMCTL_set_weight:
		if (a2 < 1 || a2 > DOMCFG_WEIGHT_MAX)
			return -ERANGE;
		t->weight = a2;
		return 0;
	case RV_DOMCTL_set_memory:
		return set_memory(t, a2);
	case RV_DOMCTL_console_read:
		return console_read(d, t, a2, a3);
	case RV_DOMCTL_console_write:
		return console_write(d, t, a2, a3);
	case RV_DOMCTL_exits:
		return exits(d, t, a2, a3);
	case RV_DOMCTL_set_device:
		return set_device(d, t, a2, a3);
	default:
		return -ENOSYS;
	}
}
