/*
 * Save and restore of hw and bt domains (hv/include/hwsave.h,
 * include/public/save.h, docs/control.md).
 *
 * Such a domain needs no cooperation, and nothing in it names a machine
 * frame: Domain 0's suspend pauses it (it is never on the CPU while Domain
 * 0 runs), and the stream is made from the hypervisor's own state: the
 * header, its config, its vCPU (hw: the VMCB's state-save area and the
 * registers kept beside it; bt: the vCPU shadow, hv/bt/save.c), its
 * console history, one record per emulated device, and its guest-physical
 * pages in order (bt: the original bytes under the traps it patched in).
 * Times are kept relative: the records carry the save's system time
 * (header.saved_at_ns, when it was held), and a restore moves each instant
 * by the difference to its own clock (hv/vdev/save.c); the guest's TSC
 * goes on from what it read.
 *
 * Restore is the way back, and the file is untrusted: restore_begin builds
 * an empty PC of the saved size and mode (the hw/bt builders without a
 * kernel), checks the device records (lib/savefile.c: each once, its
 * version and length; hv/vdev/save.c: each field) and installs them and
 * the console; restore_data fills RAM; restore_finish checks the vCPU
 * against what VMRUN (hw) or the vCPU's own emulation (bt) would accept,
 * and installs it. Any refusal destroys the half-made domain. Scan caches,
 * shadow tables and the nested tables are built afresh, never read.
 */
#include "hw.h"
#include "hwsave.h"
#include "console.h"
#include "domain.h"
#include "errno.h"
#include "format.h"
#include "fpu.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "savefile.h"
#include "sched.h"
#include "string.h"
#include "time.h"
#include "x86.h"
#include "../bt/bt.h"
#include "../vdev/save.h"

#define DEV_VERSION     1

/* The device records this build writes and reads: a payload is the model's
 * struct up to its callbacks (hv/vdev/save.h). */
enum { R_PC, R_PIC, R_PIT, R_RTC, R_UART, R_KBD, R_PCI, R_POST, R_LAPIC, R_IOAPIC, R_ACPIPM,
       R_COUNT };
static const struct rv_save_rec_spec specs[R_COUNT] = {
	[R_PC] = { RV_SAVE_REC_PC, DEV_VERSION, sizeof(struct rv_save_pc), "PC" },
	[R_PIC] = { RV_SAVE_REC_PIC, DEV_VERSION, sizeof(struct vpic), "PIC" },
	[R_PIT] = { RV_SAVE_REC_PIT, DEV_VERSION, offsetof(struct vpit, irq0), "PIT" },
	[R_RTC] = { RV_SAVE_REC_RTC, DEV_VERSION, offsetof(struct vrtc, irq8), "RTC" },
	[R_UART] = { RV_SAVE_REC_UART, DEV_VERSION, offsetof(struct vuart, irq), "UART" },
	[R_KBD] = { RV_SAVE_REC_KBD, DEV_VERSION, offsetof(struct vkbd, ops),
		    "keyboard controller" },
	[R_PCI] = { RV_SAVE_REC_PCI, DEV_VERSION, sizeof(struct vpci), "PCI" },
	[R_POST] = { RV_SAVE_REC_POST, DEV_VERSION, sizeof(struct vpost), "POST" },
	[R_LAPIC] = { RV_SAVE_REC_LAPIC, DEV_VERSION, offsetof(struct vlapic, eoi), "local APIC" },
	[R_IOAPIC] = { RV_SAVE_REC_IOAPIC, DEV_VERSION, offsetof(struct vioapic, deliver),
		       "I/O APIC" },
	[R_ACPIPM] = { RV_SAVE_REC_ACPIPM, DEV_VERSION, offsetof(struct vacpipm, poweroff),
		       "ACPI PM" },
};
BUILD_ASSERT(R_COUNT == RV_SAVE_REC_TYPES, "a spec for every record type");

/* The live model of record i (R_PC has none: its fields are spread). */
static void *model(struct hw_devices *dev, unsigned i)
{
	switch (i) {
	case R_PIC: return &dev->pic;
	case R_PIT: return &dev->pit;
	case R_RTC: return &dev->rtc;
	case R_UART: return &dev->uart;
	case R_KBD: return &dev->kbd;
	case R_PCI: return &dev->pci;
	case R_POST: return &dev->post;
	case R_LAPIC: return &dev->lapic;
	case R_IOAPIC: return &dev->ioapic;
	case R_ACPIPM: return &dev->acpipm;
	default: return NULL;
	}
}

bool hw_save_held(const struct domain *t)
{
	return (t->mode == DOM_MODE_HW || t->mode == DOM_MODE_BT) && t->hw && t->hw->held;
}

bool hw_restoring(const struct domain *t)
{
	return (t->mode == DOM_MODE_HW || t->mode == DOM_MODE_BT) && t->hw && t->hw->restoring;
}

void hw_save_free(struct domain *d)
{
	struct hw_domain *h = d->hw;
	for (uint32_t i = 0; h->restore_meta && i < h->restore_meta_frames; i++)
		free_frame(virt_to_phys(h->restore_meta) + i * PAGE_SIZE);
	h->restore_meta = NULL;
	h->restore_meta_frames = 0;
}

/* ---- holding it ---- */

int hw_save_hold(struct domain *t)
{
	struct hw_domain *h = t->hw;
	if (h->restoring)
		return -EBUSY;
	if (h->held)
		return -EALREADY;
	if (h->dev.disk) {
		printk(LOG_NOTICE "domain %u (%s): not saved: its disk is a boot module, which "
		       "cannot go into a save file\n", t->id, t->name);
		return -ENODEV;
	}
	domain_pause(t);
	if (t->mode == DOM_MODE_BT)
		bt_save_prepare(t);
	h->held = true;
	h->held_at_ns = time_now_ns();
	h->held_tsc = rdtsc();
	printk("domain %u (%s): paused for Domain 0's save\n", t->id, t->name);
	return 0;
}

void hw_save_release(struct domain *t)
{
	t->hw->held = false;
}

bool hw_save_dom0_stopped(struct domain *t)
{
	if (t->hw && t->hw->restoring) {
		printk(LOG_NOTICE "domain %u (%s): its restore cannot be finished: Domain 0 stopped\n",
		       t->id, t->name);
		domain_kill(t);
		return true;
	}
	if (t->hw)
		t->hw->held = false;
	return false;
}

/* ---- the stream ---- */

static uint32_t dev_len(void)
{
	return rv_save_records_len(specs, R_COUNT);
}

static void make_header(struct domain *t, struct rv_save_header *h)
{
	memset(h, 0, sizeof(*h));
	rv_save_layout_mode(h, t->mode == DOM_MODE_HW ? RV_DOMMODE_hw : RV_DOMMODE_bt,
			    t->nr_pages, t->hw->config_len, dev_len());
	h->built_pages = t->nr_pages;
	h->weight = t->weight;
	h->saved_at_ns = t->hw->held_at_ns;
	snprintf(h->name, sizeof(h->name), "%s", t->name);
}

static void seg_out(struct rv_save_seg *s, const struct vmcb_seg *v)
{
	s->sel = v->sel;
	s->attrib = v->attrib;
	s->limit = v->limit;
	s->base = (uint32_t)v->base;
}

static void hw_vcpu_out(struct domain *t, struct rv_save_hw_vcpu *s)
{
	struct hw_domain *h = t->hw;
	const struct vmcb *v = h->vmcb;
	memset(s, 0, sizeof(*s));
	seg_out(&s->es, &v->es), seg_out(&s->cs, &v->cs), seg_out(&s->ss, &v->ss);
	seg_out(&s->ds, &v->ds), seg_out(&s->fs, &v->fs), seg_out(&s->gs, &v->gs);
	seg_out(&s->gdtr, &v->gdtr), seg_out(&s->ldtr, &v->ldtr), seg_out(&s->idtr, &v->idtr);
	seg_out(&s->tr, &v->tr);
	s->eax = (uint32_t)v->rax, s->ebx = h->gprs.ebx, s->ecx = h->gprs.ecx;
	s->edx = h->gprs.edx, s->esi = h->gprs.esi, s->edi = h->gprs.edi, s->ebp = h->gprs.ebp;
	s->esp = (uint32_t)v->rsp, s->eip = (uint32_t)v->rip, s->eflags = (uint32_t)v->rflags;
	s->cr0 = hw_guest_cr0(t), s->cr2 = (uint32_t)v->cr2, s->cr3 = hw_guest_cr3(t);
	s->cr4 = hw_guest_cr4(t);
	memcpy(s->dr, h->dr, sizeof(s->dr));
	s->dr6 = (uint32_t)v->dr6, s->dr7 = (uint32_t)v->dr7;
	s->efer = v->efer & ~(uint64_t)EFER_SVME;
	s->star = v->star, s->lstar = v->lstar, s->cstar = v->cstar, s->sfmask = v->sfmask;
	s->kernel_gs_base = v->kernel_gs_base;
	s->sysenter_cs = (uint32_t)v->sysenter_cs, s->sysenter_esp = (uint32_t)v->sysenter_esp;
	s->sysenter_eip = (uint32_t)v->sysenter_eip, s->cpl = v->cpl;
	s->g_pat = v->g_pat;
	s->guest_tsc = h->held_tsc + v->tsc_offset;
	s->eventinj = v->eventinj;
	s->int_shadow = (uint32_t)(v->int_state & INT_SHADOW);
	s->v_tpr = (uint32_t)(v->vintr & VINTR_TPR_MASK);
	s->halted = h->halted, s->soft_injected = h->soft_injected, s->soft_len = h->soft_len;
	fpu_put(t);
	s->fpu_used = t->fpu_used;
	memcpy(s->fpu_area, t->fpu_area, sizeof(s->fpu_area));
}

static void pc_out(struct domain *t, struct rv_save_pc *pc)
{
	const struct hw_devices *dev = &t->hw->dev;
	memset(pc, 0, sizeof(*pc));
	pc->tx_len = MIN(dev->tx_len, (uint32_t)sizeof(pc->tx));
	memcpy(pc->tx, dev->tx, pc->tx_len);
	uint32_t n = MIN(t->in_head - t->in_tail, (uint32_t)sizeof(pc->in));
	pc->in_len = n;
	for (uint32_t i = 0; i < n; i++)
		pc->in[i] = t->in_ring[(t->in_tail + i) % sizeof(t->in_ring)];
}

/* The records, into buf (dev_len() bytes). */
static void records_out(struct domain *t, uint8_t *buf)
{
	static struct rv_save_pc pc;
	uint32_t at = 0;
	for (unsigned i = 0; i < R_COUNT; i++) {
		struct rv_save_rec r = { specs[i].type, specs[i].version, specs[i].len };
		memcpy(buf + at, &r, sizeof(r));
		at += sizeof(r);
		if (i == R_PC) {
			pc_out(t, &pc);
			memcpy(buf + at, &pc, sizeof(pc));
		} else {
			memcpy(buf + at, model(&t->hw->dev, i), specs[i].len);
		}
		at += (specs[i].len + 7) & ~7u;
	}
}

/* The stream's bytes before its pages (header, config, vCPU, console,
 * records, each section page-aligned), made again for each of its pages. */
static uint8_t meta_buf[RV_SAVE_HEADER_SIZE + DOMCFG_TEXT_MAX + 2 * PAGE_SIZE +
			sizeof(struct rv_save_console) + RV_SAVE_DEV_MAX] __aligned(8);

static void make_meta(struct domain *t, const struct rv_save_header *h)
{
	memset(meta_buf, 0, h->pages_off);
	memcpy(meta_buf, h, sizeof(*h));
	memcpy(meta_buf + h->config_off, t->hw->config, t->hw->config_len);
	if (t->mode == DOM_MODE_HW)
		hw_vcpu_out(t, (struct rv_save_hw_vcpu *)(void *)(meta_buf + h->vcpu_off));
	else
		bt_save_vcpu(t, (struct rv_save_bt_vcpu *)(void *)(meta_buf + h->vcpu_off),
			     t->hw->held_tsc);
	console_history_out(t, (struct rv_save_console *)(void *)(meta_buf + h->console_off));
	records_out(t, meta_buf + h->dev_off);
}

/* Guest page pfn as the file holds it (bt: the original bytes). */
static int page_out(struct domain *t, uint32_t pfn, uint8_t *page)
{
	if (t->mode == DOM_MODE_BT)
		return bt_save_read_page(t, pfn, page);
	memcpy(page, phys_to_virt((paddr_t)t->p2m[pfn] << PAGE_SHIFT), PAGE_SIZE);
	return 0;
}

static int saveable(struct domain *t)
{
	if (!t->hw->held || t->hw->restoring)
		return -EBUSY;
	if (!t->hw->config_len)
		return -EOPNOTSUPP;     /* its config was too long to keep */
	return 0;
}

int hw_save_page(struct domain *t, uint64_t idx, uint8_t *page, uint64_t *total)
{
	struct rv_save_header h;
	int rc = saveable(t);
	if (rc)
		return rc;
	make_header(t, &h);
	*total = h.total_len;
	uint64_t off = idx * PAGE_SIZE;
	if (off >= h.total_len)
		return -EINVAL;
	if (off >= h.pages_off)
		return page_out(t, (uint32_t)((off - h.pages_off) / PAGE_SIZE), page);
	if (h.pages_off > sizeof(meta_buf))
		return -EOPNOTSUPP;
	/* The records are made again at each call: what they hold does not
	 * change while the domain is held (its times are the save's). */
	make_meta(t, &h);
	memcpy(page, meta_buf + off, PAGE_SIZE);
	return 0;
}

int hw_save_memsum(struct domain *t, uint64_t *sum)
{
	static uint8_t page[PAGE_SIZE] __aligned(8);
	int rc = saveable(t);
	if (rc)
		return rc;
	uint64_t s = RV_FNV_INIT;
	for (uint32_t pfn = 0; pfn < t->nr_pages; pfn++) {
		if ((rc = page_out(t, pfn, page)))
			return rc;
		s = rv_fnv1a(s, page, PAGE_SIZE);
	}
	*sum = s;
	return 0;
}

/* ---- restore ---- */

static int pc_in(struct domain *t, const struct rv_save_pc *pc, const char **why)
{
	struct hw_devices *dev = &t->hw->dev;
	if (pc->tx_len > sizeof(pc->tx) || pc->in_len > sizeof(pc->in)) {
		*why = "PC: console output or input longer than its buffer";
		return -1;
	}
	memcpy(dev->tx, pc->tx, pc->tx_len);
	dev->tx_len = pc->tx_len;
	dev->tx_since = 0;
	for (uint32_t i = 0; i < pc->in_len; i++)
		t->in_ring[i] = pc->in[i];
	t->in_tail = 0;
	t->in_head = pc->in_len;
	return 0;
}

/* Record i over a scratch copy of the live model, checked, then installed. */
static int record_in(struct domain *t, unsigned i, const void *payload,
		     const struct vsave_clock *clk, const char **why)
{
	static union {
		struct vpic pic; struct vpit pit; struct vrtc rtc; struct vuart uart;
		struct vkbd kbd; struct vpci pci; struct vpost post; struct vlapic lapic;
		struct vioapic ioapic; struct vacpipm acpipm;
	} tmp;
	struct hw_devices *dev = &t->hw->dev;
	if (i == R_PC)
		return pc_in(t, payload, why);
	void *live = model(dev, i);
	size_t whole;
	switch (i) {
	case R_PIC: whole = sizeof(tmp.pic); break;
	case R_PIT: whole = sizeof(tmp.pit); break;
	case R_RTC: whole = sizeof(tmp.rtc); break;
	case R_UART: whole = sizeof(tmp.uart); break;
	case R_KBD: whole = sizeof(tmp.kbd); break;
	case R_PCI: whole = sizeof(tmp.pci); break;
	case R_POST: whole = sizeof(tmp.post); break;
	case R_LAPIC: whole = sizeof(tmp.lapic); break;
	case R_IOAPIC: whole = sizeof(tmp.ioapic); break;
	default: whole = sizeof(tmp.acpipm); break;
	}
	memcpy(&tmp, live, whole);
	memcpy(&tmp, payload, specs[i].len);
	int rc = 0;
	switch (i) {
	case R_PIC: rc = vpic_restore_check(&tmp.pic, why); break;
	case R_PIT: rc = vpit_restore_check(&tmp.pit, clk, why); break;
	case R_RTC:
		tmp.rtc.wall0_ns = dev->rtc.wall0_ns;   /* this machine's wall clock */
		rc = vrtc_restore_check(&tmp.rtc, clk, why);
		break;
	case R_UART: rc = vuart_restore_check(&tmp.uart, VUART_COM1_BASE, clk, why); break;
	case R_KBD: rc = vkbd_restore_check(&tmp.kbd, why); break;
	case R_LAPIC: rc = vlapic_restore_check(&tmp.lapic, clk, why); break;
	case R_IOAPIC: rc = vioapic_restore_check(&tmp.ioapic, VIOAPIC_BASE, why); break;
	default: break;         /* PCI, POST, ACPI PM: any value is one the guest can write */
	}
	if (rc)
		return rc;
	memcpy(live, &tmp, whole);
	return 0;
}

int hw_restore_begin(struct domain *n, const struct domain_config *cfg,
		     const struct rv_save_header *h, void *meta, uint32_t meta_frames, char *why,
		     size_t whylen)
{
	int rc;
	if (n->mode == DOM_MODE_BT)
		rc = bt_restore_build(n, cfg, why, whylen);
	else
		rc = hw_build_pc(n, cfg, NULL, 0, NULL, 0, true, why, whylen);
	if (rc) {
		for (uint32_t i = 0; i < meta_frames; i++)
			free_frame(virt_to_phys(meta) + i * PAGE_SIZE);
		return rc;
	}
	struct hw_domain *hd = n->hw;
	hd->restore_meta = meta;
	hd->restore_meta_frames = meta_frames;
	hd->restore_h = *h;
	hd->restoring = true;
	if (n->nr_pages != h->nr_pages) {
		snprintf(why, whylen, "built with %u pages, the stream holds %u", n->nr_pages,
			 h->nr_pages);
		return -EINVAL;
	}
	const uint8_t *m = meta;
	const uint32_t base = h->vcpu_off;
	const void *payload[R_COUNT];
	if (rv_save_check_records(m + h->dev_off - base, h->dev_len, specs, R_COUNT, payload, why,
				  whylen))
		return -EINVAL;
	struct vsave_clock clk = { h->saved_at_ns, time_now_ns() };
	const char *w = NULL;
	for (unsigned i = 0; i < R_COUNT; i++)
		if (record_in(n, i, payload[i], &clk, &w)) {
			snprintf(why, whylen, "device record %s", w);
			return -EINVAL;
		}
	if (console_history_in(n, (const void *)(m + h->console_off - base), &w)) {
		snprintf(why, whylen, "console: %s", w);
		return -EINVAL;
	}
	return 0;
}

void *hw_restore_page(struct domain *t, uint32_t pfn)
{
	if (!t->hw || !t->hw->restoring || pfn >= t->nr_pages || !t->p2m[pfn])
		return NULL;
	return phys_to_virt((paddr_t)t->p2m[pfn] << PAGE_SHIFT);
}

static bool seg_ok(const struct rv_save_seg *s)
{
	return !(s->attrib & 0xf000);
}

static void seg_in(struct vmcb_seg *v, const struct rv_save_seg *s)
{
	v->sel = s->sel;
	v->attrib = s->attrib;
	v->limit = s->limit;
	v->base = s->base;
}

/* EFLAGS bits a guest can hold (reserved ones, 1, 3, 5, 15, 22-31, refused). */
#define EFLAGS_DEFINED  0x003f7fd7u
#define CR0_DEFINED     0xe005003fu     /* PE MP EM TS ET NE WP AM NW CD PG */
#define CR4_DEFINED     0x00750fffu     /* VME ... OSXMMEXCPT, UMIP, FSGSBASE, OSXSAVE, SMEP, SMAP, PKE */
#define CR0_NW          (1u << 29)
#define CR0_CD          (1u << 30)

static bool pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (unsigned)(pat >> (i * 8)) & 0xff;
		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static bool event_ok(uint64_t e)
{
	if (!(e & EVT_VALID))
		return true;
	if (e >> 32 && !(e & EVT_ERR_VALID))
		return false;           /* an error code without its flag */
	if (e & 0x7ffff000u)
		return false;           /* reserved bits */
	unsigned vec = e & EVT_VECTOR_MASK, type = (unsigned)e & EVT_TYPE_MASK;
	switch (type) {
	case EVT_TYPE_INTR: return vec >= 16 && !(e & EVT_ERR_VALID);
	case EVT_TYPE_NMI: return vec == 2 && !(e & EVT_ERR_VALID);
	case EVT_TYPE_EXCEPTION: return vec < 32 && vec != 2;
	case EVT_TYPE_SOFT: return !(e & EVT_ERR_VALID);
	default: return false;
	}
}

/* The hw vCPU from its record, checked as VMRUN's consistency checks
 * (AMD APM vol. 2, 15.5.1) and the hypervisor's own intercepts would. */
static int hw_vcpu_in(struct domain *t, const struct rv_save_hw_vcpu *s, char *why,
		      size_t whylen)
{
	struct hw_domain *h = t->hw;
	struct vmcb *v = h->vmcb;
#define REFUSE(...) do { snprintf(why, whylen, __VA_ARGS__); return -EINVAL; } while (0)
	const struct rv_save_seg *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs,
					     &s->gdtr, &s->ldtr, &s->idtr, &s->tr };
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		if (!seg_ok(segs[i]))
			REFUSE("vCPU: segment %u has attribute bits above 11 (%#x)", i, segs[i]->attrib);
	if ((s->eflags & ~EFLAGS_DEFINED) || !(s->eflags & EFLAGS_FIXED))
		REFUSE("vCPU: reserved EFLAGS bits (%#x)", s->eflags);
	if ((s->cr0 & ~CR0_DEFINED) || ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD)) ||
	    ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE)))
		REFUSE("vCPU: CR0 %#x is not a state the CPU runs in", s->cr0);
	if (s->cr4 & ~CR4_DEFINED)
		REFUSE("vCPU: reserved CR4 bits (%#x)", s->cr4);
	uint64_t efer_ok = 1u | (cpu_features.nx ? EFER_NXE : 0);
	if (s->efer & ~efer_ok)
		REFUSE("vCPU: EFER %#llx (a guest here sets only SCE and NXE)",
		       (unsigned long long)s->efer);
	if (s->cpl > 3)
		REFUSE("vCPU: CPL %u", s->cpl);
	if (!pat_ok(s->g_pat))
		REFUSE("vCPU: PAT %#llx holds a reserved memory type", (unsigned long long)s->g_pat);
	if (!event_ok(s->eventinj))
		REFUSE("vCPU: the event being injected (%#llx) is not one the CPU takes",
		       (unsigned long long)s->eventinj);
	if (s->int_shadow > 1 || s->v_tpr > 15 || s->halted > 1 || s->soft_injected > 1 ||
	    s->soft_len > 15 || s->fpu_used > 1)
		REFUSE("vCPU: a flag out of range (shadow %u, TPR %u, halted %u, soft %u/%u)",
		       s->int_shadow, s->v_tpr, s->halted, s->soft_injected, s->soft_len);
	if (s->soft_injected && (s->eventinj & (EVT_VALID | EVT_TYPE_MASK)) !=
	    (EVT_VALID | EVT_TYPE_SOFT))
		REFUSE("vCPU: a software interrupt half injected without its event");
	uint32_t mxcsr;
	memcpy(&mxcsr, s->fpu_area + 24, 4);
	if (mxcsr & ~fpu_mxcsr_mask())
		REFUSE("vCPU: its FPU image has reserved MXCSR bits (%#x)", mxcsr);
	if (s->dr7 & (1u << 11 | 1u << 12 | 1u << 14 | 1u << 15))
		REFUSE("vCPU: reserved DR7 bits (%#x)", s->dr7);
#undef REFUSE
	seg_in(&v->es, &s->es), seg_in(&v->cs, &s->cs), seg_in(&v->ss, &s->ss);
	seg_in(&v->ds, &s->ds), seg_in(&v->fs, &s->fs), seg_in(&v->gs, &s->gs);
	seg_in(&v->gdtr, &s->gdtr), seg_in(&v->ldtr, &s->ldtr), seg_in(&v->idtr, &s->idtr);
	seg_in(&v->tr, &s->tr);
	v->rax = s->eax;
	h->gprs = (struct hw_gprs){ .ebx = s->ebx, .ecx = s->ecx, .edx = s->edx, .esi = s->esi,
				    .edi = s->edi, .ebp = s->ebp };
	v->rsp = s->esp, v->rip = s->eip, v->rflags = s->eflags;
	v->cr0 = s->cr0, v->cr2 = s->cr2, v->cr3 = s->cr3, v->cr4 = s->cr4;
	memcpy(h->dr, s->dr, sizeof(h->dr));
	v->dr6 = s->dr6 | 0xffff0ff0u;
	v->dr7 = s->dr7 | 0x400;
	v->efer = s->efer | EFER_SVME;
	v->star = s->star, v->lstar = s->lstar, v->cstar = s->cstar, v->sfmask = s->sfmask;
	v->kernel_gs_base = s->kernel_gs_base;
	v->sysenter_cs = s->sysenter_cs, v->sysenter_esp = s->sysenter_esp;
	v->sysenter_eip = s->sysenter_eip, v->cpl = (uint8_t)s->cpl;
	v->g_pat = s->g_pat;
	v->tsc_offset = s->guest_tsc - rdtsc();
	v->eventinj = s->eventinj;
	v->int_state = s->int_shadow ? INT_SHADOW : 0;
	v->vintr = (v->vintr & ~VINTR_TPR_MASK) | s->v_tpr;
	h->halted = s->halted, h->soft_injected = s->soft_injected, h->soft_len = s->soft_len;
	memcpy(t->fpu_area, s->fpu_area, sizeof(t->fpu_area));
	t->fpu_used = s->fpu_used;
	h->need_flush = true;
	if (h->shadow)
		return hw_shadow_init(t, why, whylen);  /* the guest's CR0, CR3, CR4 from the VMCB */
	return 0;
}

int hw_restore_finish(struct domain *t, char *why, size_t whylen)
{
	struct hw_domain *h = t->hw;
	const uint8_t *vcpu = h->restore_meta;         /* it starts at vcpu_off */
	int rc;
	if (t->mode == DOM_MODE_HW)
		rc = hw_vcpu_in(t, (const void *)vcpu, why, whylen);
	else
		rc = bt_restore_vcpu(t, (const void *)vcpu, why, whylen);
	if (rc)
		return rc;
	hw_save_free(t);
	h->restoring = false;
	h->held = true;         /* as a held domain: unpausing lets it go on */
	return 0;
}
