/*
 * bt as a technique (mode.h, docs/bt.md): an unmodified PC kernel in ring
 * 1. Its PC (memory, devices, the multiboot loader) is hv/hw's without
 * SVM; its CPU is struct bt_vcpu, entered by returning from a trap frame
 * as a pv guest is; its page tables are shadowed.
 */
#include "bt.h"
#include "mode.h"
#include "hwsave.h"
#include "domain.h"
#include "errno.h"
#include "format.h"
#include "fpu.h"
#include "frame.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "string.h"
#include "switch.h"
#include "time.h"
#include "bzimage.h"
#include "x86.h"
#include "../hw/hw.h"

#define DESC_FLAT_CODE_DPL0     0x00cf9b000000ffffull
#define DESC_FLAT_DATA_DPL0     0x00cf93000000ffffull

static void bt_init(uint32_t ram_top_pfn)
{
	(void)ram_top_pfn;
}

/* ---- CPUID: hw's filter, less what ring 1 cannot give */

#define CPUID1_EDX_VME  (1u << 1)
#define CPUID1_EDX_PGE  (1u << 13)
#define CPUID1_EDX_SEP  (1u << 11)
#define CPUID1_EDX_MTRR (1u << 12)

/* Leaf 0x40000001: the domain's counters (as a hw domain's; docs/bt.md). */
static void counter_leaf(struct domain *d, uint32_t i, uint32_t out[4])
{
	struct bt_domain *b = d->bt;
	static const char names[][9] = { "entries", "cpu_ns", "emulated", "patched", "ends",
					 "hiddenpf", "guestpf", "descwr", "mmio", "irqs" };
	uint64_t val;
	memset(out, 0, 16);
	if (i >= ARRAY_SIZE(names))
		return;
	switch (i) {
	case 0:
		val = exit_total(d, EXIT_EXCEPTION) + exit_total(d, EXIT_INTERRUPT) +
		      exit_total(d, EXIT_VECTOR);
		break;
	case 1: val = d->runtime_ns + (time_now_ns() - d->slice_start_ns); break;
	case 2: val = b->stats.emulated; break;
	case 3: val = b->stats.patched_traps; break;
	case 4: val = b->stats.end_traps; break;
	case 5: val = b->sh.stats.hidden; break;
	case 6: val = b->sh.stats.guest_pf; break;
	case 7: val = b->stats.desc_writes; break;
	case 8: val = b->stats.mmio_emulated; break;
	default: val = b->stats.interrupts; break;
	}
	out[0] = (uint32_t)val;
	out[1] = (uint32_t)(val >> 32);
	memcpy(&out[2], names[i], 4);
	memcpy(&out[3], names[i] + 4, 4);
}

void bt_cpuid(struct domain *d, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	if (leaf == 0x40000001) {
		counter_leaf(d, sub, out);
		return;
	}
	hw_cpuid(leaf, sub, &out[0], &out[1], &out[2], &out[3]);
	if (leaf == 1) {
		/* No virtual-8086 extensions, SYSENTER (it would enter ring
		 * 0), global pages (the shadow never makes them) or MTRRs. */
		out[3] &= ~(CPUID1_EDX_VME | CPUID1_EDX_SEP | CPUID1_EDX_PGE | CPUID1_EDX_MTRR);
	}
}

/* ---- building */

static void release(struct domain *d)
{
	if (d->bt) {
		shadow_destroy(&d->bt->sh);     /* every kept root (sh_root_fini) */
		bt_win_free(d);
		for (unsigned i = 0; i < BT_DOMAIN_FRAMES; i++)
			free_frame(virt_to_phys(d->bt) + i * PAGE_SIZE);
		d->bt = NULL;
	}
	d->space.pdpt = 0;
	hw_release(d);
}

static int bt_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
		    size_t kernel_size, const void *initrd, size_t initrd_size, char *err,
		    size_t errlen)
{
	if (kernel && bzimage_is(kernel, kernel_size)) {
		snprintf(err, errlen, "a Linux bzImage runs in a hw domain: bt runs multiboot kernels");
		return -EINVAL;
	}
	paddr_t pa;
	if (alloc_frames_contig(BT_DOMAIN_FRAMES, &pa)) {
		snprintf(err, errlen, "out of memory for the domain's state (%u frames)",
			 (unsigned)BT_DOMAIN_FRAMES);
		return -ENOMEM;
	}
	struct bt_domain *b = phys_to_virt(pa);
	memset(b, 0, BT_DOMAIN_FRAMES * PAGE_SIZE);
	d->bt = b;
	b->patch = cfg->patch;
	/* The code window needs SMEP and NX (window.c); without them the
	 * patches go into the guest's own pages. */
	b->window = b->patch && bt_window_opt && cpu_features.smep && cpu_features.nx;
	int rc = hw_build_pc(d, cfg, kernel, kernel_size, initrd, initrd_size, false, err, errlen);
	if (rc)
		return rc;

	bt_guest_ops_init(d);
	if (shadow_init(&b->sh, &b->sh_ops, 32, RV_SWITCH_BASE)) {
		snprintf(err, errlen, "out of memory for the shadow page tables");
		return -ENOMEM;
	}
	if (bt_shadow_cache)
		shadow_cache_enable(&b->sh, &b->shc);
	b->sh.sup_nx = b->window;
	d->space = b->sh.root;
	bt_patch_init(&b->pc, &b->patch_ops);
	b->pc.trust_ret = bt_trust_ret;

	/* The CPU as the loader left it (hw/build.c wrote the entry
	 * registers in the VMCB's save area): protected mode, paging off,
	 * flat segments 0x08 and 0x10 from a GDT the guest cannot see. */
	struct bt_vcpu *v = &b->v;
	struct vmcb *vm = d->hw->vmcb;
	bt_vcpu_init(v);
	v->eip = (uint32_t)vm->rip;
	v->gpr[BT_EAX] = (uint32_t)vm->rax;
	v->gpr[BT_EBX] = d->hw->gprs.ebx;
	v->gpr[BT_ESP] = (uint32_t)vm->rsp;
	v->vif = false;
	uint32_t c[4];
	bt_cpuid(d, 1, 0, c);
	v->cr4_valid &= ~(BT_CR4_VME | BT_CR4_PVI | BT_CR4_PGE);
	if (!(c[3] & (1u << 6)))
		v->cr4_valid &= ~BT_CR4_PAE;
	b->gdt[1] = DESC_FLAT_CODE_DPL0 | (1ull << 45);         /* DPL 1 for ring 1 */
	b->gdt[2] = DESC_FLAT_DATA_DPL0 | (1ull << 45);
	bt_seg_from_desc(&v->seg[BT_CS], 0x08, DESC_FLAT_CODE_DPL0);
	for (unsigned i = 0; i < BT_NSEG; i++)
		if (i != BT_CS)
			bt_seg_from_desc(&v->seg[i], 0x10, DESC_FLAT_DATA_DPL0);
	b->boot_gdtr = v->gdtr;
	if (!kernel)
		return 0;       /* a restore: bt_restore_vcpu sets the rest */
	memset(&d->vcpu.regs, 0, sizeof(d->vcpu.regs));
	bt_store(d, &d->vcpu.regs);
	bt_scan_here(d);
	printk("domain %u (%s): bt, kernel in ring 1, scan-and-patch %s\n", d->id, d->name,
	       !b->patch ? "off (trap-and-emulate only)" :
	       b->window ? "on (code window)" : "on (in place)");
	return 0;
}

int bt_restore_build(struct domain *d, const struct domain_config *cfg, char *err,
		     size_t errlen)
{
	return bt_build(d, cfg, NULL, 0, NULL, 0, err, errlen);
}

static void bt_teardown(struct domain *d)
{
	fpu_release(d);
	release(d);
}

static void bt_stopped(struct domain *d)
{
	if (d->hw && d->hw->vmcb)
		hw_devices_flush_console(d);
}

/* ---- running */

static void bt_switch_in(struct domain *d)
{
	bt_shadow_owner(d);
	cpu_smep(d->bt->window);
	bt_desc_switch_in(d);
	fpu_take(d);
}

/* Could the vCPU take an interrupt now, and is one pending? */
static bool interrupt_ready(struct domain *d)
{
	return d->bt->v.vif && hw_pending_vector(d, false) >= 0;
}

static void bt_deliver_events(struct domain *d, struct trap_frame *f)
{
	struct bt_domain *b = d->bt;
	bt_load(d, f);
	uint64_t t0 = rdtsc();
	if (b->desc_dirty)
		bt_desc_resync(d);
	else if (b->gdt_dirty)
		bt_gdt_resync(d);
	uint64_t t1 = rdtsc();
	/* The device models move on at their deadlines (the vCPU timer), on
	 * the guest's accesses to them, and at the host's own interrupts
	 * (its tick, input): not at every trap. */
	if (b->devices_due || (f->vector >= VEC_IRQ_BASE && f->vector < VEC_IRQ_BASE + NUM_IRQS) ||
	    f->vector >= VEC_HV_FIRST) {
		b->devices_due = false;
		hw_devices_update(d, time_now_ns());
	}
	b->stats.prof[BT_PROF_RESYNC] += t1 - t0;
	b->stats.prof[BT_PROF_DEVICES] += rdtsc() - t1;
	if (d->hw->halted) {
		if (!interrupt_ready(d))
			return;         /* woken by input it cannot take yet: runs on */
		d->hw->halted = false;
	}
	if (interrupt_ready(d) && !b->v.sti_shadow) {
		int vec = hw_pending_vector(d, true);
		if (vec >= 0) {
			b->stats.interrupts++;
			bt_deliver(d, (unsigned)vec, BT_EVENT_EXTERNAL, false, 0);
		}
	}
	if (domain_alive(d))
		bt_store(d, f);
}

static void bt_prepare_resume(struct domain *d, struct trap_frame *f)
{
	struct bt_domain *b = d->bt;
	bt_load(d, f);
	if (b->desc_dirty)
		bt_desc_resync(d);
	else if (b->gdt_dirty)
		bt_gdt_resync(d);
	if (b->rescan) {
		b->rescan = false;
		bt_scan_here(d);
	}
	bt_run_crossing(d);
	if (b->v.cpl == 3 && b->direct_vec) {
		/* Its kernel's system-call handler is entered without us, on
		 * the stack its TSS names now: both ready before the program
		 * runs. */
		bt_desc_check_gate(d);
		bt_desc_read_tss(d);
		struct bt_vcpu save = b->v;
		b->v.cpl = 0;
		b->v.eip = b->direct_eip;
		uint64_t desc;
		if (!bt_guest_desc(d, b->direct_sel, &desc))
			bt_seg_from_desc(&b->v.seg[BT_CS], b->direct_sel, desc);
		bt_scan_here(d);
		b->v = save;
	}
	/* RDTSC runs natively unless the guest moved its TSC or set its own
	 * CR4.TSD: then it traps and the vCPU adds the offset. */
	cpu_trap_rdtsc(b->v.tsc_offset || (b->v.cr4 & BT_CR4_TSD));
	bt_store(d, f);

}

/* A HLT: block until an interrupt it can take (a PC's HLT). */
void bt_halt(struct domain *d)
{
	/* A device deadline that passes while the models are brought to now
	 * fires at once (vtimer_set), with nobody asleep to wake: look again
	 * rather than sleep through it (as the hw loop's timer_fired). */
	struct bt_domain *b = d->bt;
	for (int round = 0;; round++) {
		b->timer_fired = false;
		hw_devices_update(d, time_now_ns());
		if (interrupt_ready(d))
			return;
		if (!b->timer_fired)
			break;
		if (round == 4) {
			b->v.eip = b->insn_eip;         /* the HLT runs again */
			return;
		}
	}
	d->hw->halted = true;
	hw_devices_flush_console(d);
	sched_block(d);
}

static void bt_timer_due(struct domain *d)
{
	d->bt->devices_due = true;
	d->bt->timer_fired = true;
	if (d->state == DOM_BLOCKED && d->hw->halted) {
		hw_devices_update(d, time_now_ns());
		if (interrupt_ready(d))
			sched_wake(d);
	}
}

static void bt_console_input(struct domain *d)
{
	d->bt->devices_due = true;
	hw_devices_update(d, time_now_ns());
	if (d->state == DOM_BLOCKED && d->hw->halted && interrupt_ready(d))
		sched_wake(d);
}

/* Where the hypervisor's time for it went, in millions of TSC cycles. */
static void dump_cycles(const struct bt_domain *b)
{
	static const char *const names[] = { "emulate", "flush", "scan", "deliver", "resync",
					     "devices", "fill", "lookup", "site", "priv" };
	char line[160];
	int n = snprintf(line, sizeof(line), "    bt: Mcycles:");
	for (unsigned i = 0; i < ARRAY_SIZE(names) && n < (int)sizeof(line); i++)
		if (b->stats.prof[i] >= 1000000)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu", names[i],
				      (unsigned long long)(b->stats.prof[i] / 1000000));
	printk("%s\n", line);
}

static void bt_dump(const struct domain *d)
{
	const struct bt_domain *b = d->bt;
	if (!b)
		return;
	const struct bt_patch_stats *p = &b->pc.stats;
	const struct shadow_stats *s = &b->sh.stats;
	printk("    bt: scan-and-patch %s; %llu instructions emulated, %llu patched-site traps, "
	       "%llu block-end traps, %llu interrupts delivered\n", b->patch ? "on" : "off",
	       (unsigned long long)b->stats.emulated, (unsigned long long)b->stats.patched_traps,
	       (unsigned long long)b->stats.end_traps, (unsigned long long)b->stats.interrupts);
	printk("    bt: %llu blocks scanned (%llu failed), %llu patches applied, %llu undone, %llu "
	       "code pages dropped (%llu by guest writes, %llu evicted, %llu conflicts)\n",
	       (unsigned long long)p->blocks_scanned, (unsigned long long)b->stats.scan_failures,
	       (unsigned long long)p->patches_applied, (unsigned long long)p->patches_undone,
	       (unsigned long long)p->pages_dropped, (unsigned long long)b->stats.code_writes,
	       (unsigned long long)p->evictions, (unsigned long long)p->conflicts);
	if (b->window)
		printk("    bt: code window at guest %#x: %llu pages mapped, %llu moves; %llu code "
		       "frames copied, %llu copies freed\n", b->win_lo,
		       (unsigned long long)b->stats.win_fills, (unsigned long long)b->stats.win_moves,
		       (unsigned long long)b->stats.win_copies,
		       (unsigned long long)b->stats.win_copies_freed);
	printk("    bt: shadow faults %llu hidden, %llu reflected; %llu flushes, %llu invlpg; "
	       "%llu device accesses emulated; %llu descriptor-table writes; %llu direct-gate "
	       "pushes delivered by us; %u frames of shadow tables, %llu times at the cap\n",
	       (unsigned long long)s->hidden, (unsigned long long)s->guest_pf,
	       (unsigned long long)s->flushes, (unsigned long long)s->invlpgs,
	       (unsigned long long)b->stats.mmio_emulated,
	       (unsigned long long)b->stats.desc_writes,
	       (unsigned long long)b->stats.direct_pushes, b->sh_frames,
	       (unsigned long long)s->reclaims);
	if (b->sh.cache) {
		char line[256];
		shadow_cache_describe(s, line, sizeof(line));
		printk("    bt: shadow roots kept: %s\n", line);
	}
	dump_cycles(b);
}

static const char *bt_exit_kind_name(const struct domain *d, enum exit_kind kind, unsigned nr)
{
	return hw_device_exit_name(d, kind, nr);
}

static const struct mode_ops bt_ops = {
	.mode = DOM_MODE_BT,
	.name = "bt",
	.init = bt_init,
	.build = bt_build,
	.stopped = bt_stopped,
	.teardown = bt_teardown,
	.dom0_stopped = hw_save_dom0_stopped,
	.switch_in = bt_switch_in,
	.deliver_events = bt_deliver_events,
	.prepare_resume = bt_prepare_resume,
	.exception = bt_exception,
	.software_interrupt = bt_software_interrupt,
	.timer_due = bt_timer_due,
	.console_input = bt_console_input,
	.dump = bt_dump,
	.exit_name = bt_exit_kind_name,
};
MODE_REGISTER(bt_ops);
