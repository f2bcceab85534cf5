/*
 * ringos pv port: the port interface (arch.h) on ringvisor, in ring 1. Every
 * privileged operation is a hypercall (include/public/hypercall.h):
 *
 *   page tables   entries hold machine frames (the p2m translates); tables are
 *                 mapped read-only and written with mmu_update; a new address
 *                 space is pinned; switching is mmuext NEW_BASEPTR
 *   traps         set_trap_table: the system-call vector 0x80 becomes a direct
 *                 ring-3 -> ring-1 gate; #PF arrives with its address in
 *                 shared info
 *   interrupts    events: the virtual interrupt flag is shared info's
 *                 upcall mask; the tick is a one-shot timer re-armed each time
 *   TLS           update_descriptor on the vCPU's GDT slots 16-18
 *   console, power  console_io, sched_op shutdown
 */
#include "arch.h"
#include "kernel.h"
#include "tty.h"
#include "trap.h"
#include "pv_guest.h"
#include "pv_io.h"
#include <public/hypercall.h>
#include <public/shared_info.h>
#include <public/start_info.h>

static struct rv_start_info *si;
static struct rv_shared_info *shared;
static uint32_t *p2m;                   /* pfn -> mfn (start info) */
static uint32_t *m2p;                   /* mfn -> pfn, built at boot */
static uint32_t max_mfn;
static uint32_t m2p_capacity;           /* entries the reverse map's frames hold */
static volatile bool suspend_wanted;    /* Domain 0 asked (start_info.control_request) */
static uint32_t kernel_l3_mfn;          /* the builder's PDPT: the kernel-only space */
static uint64_t kernel_l2_entry;        /* PDPT slot 3: the kernel's (L2 high) directory */
static volatile uint64_t ticks;

static void must(int32_t rc, const char *what)
{
	if (rc < 0)
		panic("hypercall %s failed: %d", what, rc);
}

/* ---- console, power ---- */

void arch_console_write(const char *buf, size_t n)
{
	while (n) {
		int32_t r = hypercall(RV_HC_console_io, RV_CONSOLEIO_write, (uint32_t)n,
				      (uint32_t)(uintptr_t)buf, 0, 0);
		if (r <= 0)
			return;
		buf += r;
		n -= (size_t)r;
	}
}

void arch_poweroff(uint32_t code)
{
	for (;;)
		hypercall(RV_HC_sched_op, RV_SCHEDOP_shutdown, RV_SHUTDOWN_poweroff, code, 0, 0);
}

const char *arch_name(void)
{
	return "pv";
}

/* ---- page tables ---- */

static paddr_t to_machine(paddr_t pa)
{
	return (paddr_t)p2m[pa >> PAGE_SHIFT] << PAGE_SHIFT | (pa & (PAGE_SIZE - 1));
}

uint32_t pv_mfn_of(paddr_t pa)
{
	return p2m[pa >> PAGE_SHIFT];
}

static paddr_t from_machine(paddr_t ma)
{
	uint32_t mfn = (uint32_t)(ma >> PAGE_SHIFT);
	if (mfn >= max_mfn || m2p[mfn] == 0xffffffffu)
		panic("machine frame %#x is not ours", mfn);
	return (paddr_t)m2p[mfn] << PAGE_SHIFT;
}

/* Set between arch_build_address_space and arch_finish_address_space: the
 * tables being built are ordinary writable memory, the hypervisor not yet
 * involved, so entries are plain stores. */
static bool building;

static void flush_queue(void);
static bool batching;

/* A link to a table just made: at once (the walk that follows reads it
 * back), after whatever was queued before it. */
static void write_link(pte_t *slot, pte_t val)
{
	if (building) {
		*slot = val;
		return;
	}
	flush_queue();
	struct rv_mmu_update u = { to_machine(virt_to_phys(slot)) | RV_MMU_NORMAL_PT_UPDATE, val };
	must(hypercall(RV_HC_mmu_update, (uint32_t)(uintptr_t)&u, 1, 0, 0, 0), "mmu_update");
}

/* Any other entry: queued in a batch (arch_pt_batch_begin), else at once. */
static void write_entry(pte_t *slot, pte_t val)
{
	if (batching && !building) {
		arch_pt_queue(slot, val);
		return;
	}
	write_link(slot, val);
}

/* Map our own frame pa read-only (a page table to be) or writable again. */
static void set_writable(paddr_t pa, bool writable)
{
	pte_t e = to_machine(pa) | PTE_P | (writable ? PTE_RW : 0);
	must(hypercall(RV_HC_update_va_mapping, (uint32_t)(uintptr_t)phys_to_virt(pa), (uint32_t)e,
		       (uint32_t)(e >> 32), RV_UVMF_INVLPG, 0), "update_va_mapping");
}

/* A new page table: zeroed by frame_get, then read-only before anything
 * refers to it (a frame mapped writable can never be a table). */
static paddr_t alloc_table(void)
{
	paddr_t pa = frame_get();
	if (pa && !building)
		set_writable(pa, false);
	return pa;
}

static pte_t *table_of(paddr_t pa)
{
	return phys_to_virt(pa);
}

struct pt_env arch_pt_env = {
	.table = table_of, .alloc = alloc_table, .nx = 0,
	.to_entry = to_machine, .from_entry = from_machine, .write = write_entry,
	.write_link = write_link,
};

static void mmuext(uint32_t cmd, uint32_t arg)
{
	struct rv_mmuext_op op = { cmd, arg, 0, 0 };
	must(hypercall(RV_HC_mmuext_op, (uint32_t)(uintptr_t)&op, 1, 0, 0, 0), "mmuext_op");
}

int arch_new_address_space(struct pae_space *s)
{
	paddr_t frames[4];
	for (int i = 0; i < 4; i++)
		if (!(frames[i] = frame_get()))
			return -1;
	/* Fill the PDPT while it is still ordinary memory, then hand all four
	 * to the hypervisor's rules: read-only, and pinned as an L3. */
	pte_t *l3 = phys_to_virt(frames[0]);
	for (int i = 0; i < 3; i++)
		l3[i] = to_machine(frames[i + 1]) | PTE_P;
	l3[3] = kernel_l2_entry;        /* the kernel's GiB, shared */
	for (int i = 0; i < 4; i++)
		set_writable(frames[i], false);
	mmuext(RV_MMUEXT_PIN_L3_TABLE, p2m[frames[0] >> PAGE_SHIFT]);
	s->pdpt = frames[0];
	return 0;
}

int arch_build_address_space(struct pae_space *s)
{
	paddr_t frames[4];
	for (int i = 0; i < 4; i++)
		if (!(frames[i] = frame_get())) {
			while (i--)
				frame_put(frames[i]);
			return -1;
		}
	pte_t *l3 = phys_to_virt(frames[0]);
	for (int i = 0; i < 3; i++)
		l3[i] = to_machine(frames[i + 1]) | PTE_P;
	l3[3] = kernel_l2_entry;
	s->pdpt = frames[0];
	building = true;
	return 0;
}

/* Remap a list of our frames read-only (or writable again), up to
 * RV_MULTICALL_MAX per trap. */
static void protect_frames(const paddr_t *pa, unsigned n, bool writable)
{
	static struct rv_multicall_entry calls[RV_MULTICALL_MAX];
	for (unsigned done = 0; done < n;) {
		unsigned k = MIN(n - done, (unsigned)RV_MULTICALL_MAX);
		for (unsigned i = 0; i < k; i++) {
			pte_t e = to_machine(pa[done + i]) | PTE_P | (writable ? PTE_RW : 0);
			calls[i] = (struct rv_multicall_entry){ RV_HC_update_va_mapping, {
				(uint32_t)(uintptr_t)phys_to_virt(pa[done + i]), (uint32_t)e,
				(uint32_t)(e >> 32), RV_UVMF_INVLPG, 0 }, 0, 0 };
		}
		must(hypercall(RV_HC_multicall, (uint32_t)(uintptr_t)calls, k, 0, 0, 0), "multicall");
		for (unsigned i = 0; i < k; i++)
			must(calls[i].result, "update_va_mapping (in a multicall)");
		done += k;
	}
}

void arch_finish_address_space(struct pae_space *s)
{
	static paddr_t tables[4 + 3 * 512];
	unsigned n = 0;
	pte_t *l3 = phys_to_virt(s->pdpt);

	building = false;
	tables[n++] = s->pdpt;
	for (int i = 0; i < 3; i++) {
		paddr_t l2pa = from_machine(l3[i] & PTE_ADDR_MASK);
		pte_t *l2 = phys_to_virt(l2pa);
		tables[n++] = l2pa;
		for (int j = 0; j < 512; j++)
			if (l2[j] & PTE_P)
				tables[n++] = from_machine(l2[j] & PTE_ADDR_MASK);
	}
	protect_frames(tables, n, false);
	/* One pin: the hypervisor validates the whole tree and types it. */
	mmuext(RV_MMUEXT_PIN_L3_TABLE, p2m[s->pdpt >> PAGE_SHIFT]);
}

static struct rv_mmu_update queue[512];
static unsigned queued;

static void flush_queue(void)
{
	if (queued)
		must(hypercall(RV_HC_mmu_update, (uint32_t)(uintptr_t)queue, queued, 0, 0, 0),
		     "mmu_update (queued)");
	queued = 0;
}

void arch_pt_queue(pte_t *slot, pte_t val)
{
	queue[queued++] = (struct rv_mmu_update){
		to_machine(virt_to_phys(slot)) | RV_MMU_NORMAL_PT_UPDATE, val };
	if (queued == ARRAY_SIZE(queue))
		flush_queue();
}

void arch_pt_flush(const struct pae_space *s)
{
	(void)s;                /* every hypervisor entry reloads CR3: the call flushes */
	flush_queue();
}

void arch_flush_page(uint32_t va)
{
	(void)va;               /* the mmu_update that changed it was an entry: flushed */
}

void arch_switch_address_space(const struct pae_space *s)
{
	mmuext(RV_MMUEXT_NEW_BASEPTR, p2m[s->pdpt >> PAGE_SHIFT]);
}

void arch_kernel_address_space(void)
{
	mmuext(RV_MMUEXT_NEW_BASEPTR, kernel_l3_mfn);
}

void arch_release_address_space(struct pae_space *s)
{
	/* Unpinning drops every table reference below it: the frames become
	 * ordinary (read-only mapped) memory, freed by arch_table_put. */
	mmuext(RV_MMUEXT_UNPIN_TABLE, p2m[s->pdpt >> PAGE_SHIFT]);
}

void arch_table_put(paddr_t pa)
{
	set_writable(pa, true);
	frame_put(pa);
}

void arch_tables_put(const paddr_t *pa, unsigned n)
{
	protect_frames(pa, n, true);
	for (unsigned i = 0; i < n; i++)
		frame_put(pa[i]);
}

void arch_pt_batch_begin(void)
{
	batching = true;
}

void arch_pt_batch_end(void)
{
	batching = false;
	flush_queue();
}

/* ---- CPU state ---- */

void arch_set_kernel_stack(uint32_t esp)
{
	must(hypercall(RV_HC_stack_switch, RV_GUEST_KERNEL_DS, esp, 0, 0, 0), "stack_switch");
}

uint16_t arch_user_cs(void)
{
	return RV_GUEST_USER_CS;
}

uint16_t arch_user_ds(void)
{
	return RV_GUEST_USER_DS;
}

unsigned arch_tls_first_entry(void)
{
	return RV_GDT_FIRST_GUEST_SLOT;
}

/* The TLS descriptors the hypervisor holds for us now: a switch between
 * processes of one program (the same descriptors) changes none. */
static uint64_t tls_loaded[ARCH_TLS_SLOTS];
static bool tls_known[ARCH_TLS_SLOTS];

void arch_set_tls(unsigned slot, uint64_t desc)
{
	must(hypercall(RV_HC_update_descriptor, RV_GDT_FIRST_GUEST_SLOT + slot, (uint32_t)desc,
		       (uint32_t)(desc >> 32), 0, 0), "update_descriptor");
	tls_loaded[slot] = desc;
	tls_known[slot] = true;
}

/* One trap for a whole process switch: the base table, the ring-1 stack and
 * the TLS descriptors that differ, in one multicall. */
void arch_switch_context(const struct pae_space *s, uint32_t kstack_top,
			 const uint64_t tls[ARCH_TLS_SLOTS])
{
	static struct rv_mmuext_op base;
	static struct rv_multicall_entry calls[2 + ARCH_TLS_SLOTS];
	unsigned n = 0;

	base = (struct rv_mmuext_op){ RV_MMUEXT_NEW_BASEPTR, p2m[s->pdpt >> PAGE_SHIFT], 0, 0 };
	calls[n++] = (struct rv_multicall_entry){ RV_HC_mmuext_op,
		{ (uint32_t)(uintptr_t)&base, 1, 0, 0, 0 }, 0, 0 };
	calls[n++] = (struct rv_multicall_entry){ RV_HC_stack_switch,
		{ RV_GUEST_KERNEL_DS, kstack_top, 0, 0, 0 }, 0, 0 };
	for (unsigned i = 0; i < ARCH_TLS_SLOTS; i++) {
		if (tls_known[i] && tls_loaded[i] == tls[i])
			continue;
		calls[n++] = (struct rv_multicall_entry){ RV_HC_update_descriptor,
			{ RV_GDT_FIRST_GUEST_SLOT + i, (uint32_t)tls[i], (uint32_t)(tls[i] >> 32), 0, 0 },
			0, 0 };
		tls_loaded[i] = tls[i];
		tls_known[i] = true;
	}
	must(hypercall(RV_HC_multicall, (uint32_t)(uintptr_t)calls, n, 0, 0, 0), "multicall");
	for (unsigned i = 0; i < n; i++)
		must(calls[i].result, "context switch (in a multicall)");
}

uint32_t arch_hwcap(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return d;
}

uint64_t arch_cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* ---- time and events ---- */

/* Our clock is the hypervisor's system time plus this: 0 until we are
 * restored from a save, perhaps on a machine that booted later, and then
 * what keeps our clock going on from where it stopped (every deadline we
 * hold stays right; the clock stood still while we were saved). */
static int64_t time_offset;

uint64_t arch_time_ns(void)
{
	return pv_time_ns(&shared->vcpu.time) + (uint64_t)time_offset;
}

static uint64_t next_tick;

static void arm_tick(void)
{
	next_tick += 1000000000ull / TICK_HZ;
	uint64_t now = arch_time_ns();
	if (next_tick < now)
		next_tick = now + 1000000000ull / TICK_HZ;
	uint64_t at = next_tick - (uint64_t)time_offset;       /* in the hypervisor's time */
	hypercall(RV_HC_set_timer, (uint32_t)at, (uint32_t)(at >> 32), 0, 0, 0);
}

uint32_t arch_irq_save(void)
{
	uint32_t old = shared->vcpu.evtchn_upcall_mask;
	shared->vcpu.evtchn_upcall_mask = 1;
	__asm__ volatile("" : : : "memory");
	return old;
}

void arch_irq_restore(uint32_t old)
{
	__asm__ volatile("" : : : "memory");
	shared->vcpu.evtchn_upcall_mask = (uint8_t)old;
	__asm__ volatile("" : : : "memory");
	/* An event that came while masked is delivered on the way back from
	 * any hypercall: ask for the cheapest. */
	if (!old && shared->vcpu.evtchn_upcall_pending)
		hypercall(RV_HC_version, 0, 0, 0, 0, 0);
}

/* Console input: everything the hypervisor holds for us, to the tty. */
static void console_input(void)
{
	char in[64];
	int32_t n;
	while ((n = hypercall(RV_HC_console_io, RV_CONSOLEIO_read, sizeof(in),
			      (uint32_t)(uintptr_t)in, 0, 0)) > 0)
		for (int32_t i = 0; i < n; i++)
			tty_input(in[i]);
}

bool arch_irq(unsigned vector)
{
	bool tick = false;
	if (vector != 0x20)
		return false;
	/* The upcall: take the pending ports, then let events in again. */
	shared->vcpu.evtchn_upcall_pending = 0;
	for (unsigned w = 0; w < RV_NR_EVENT_PORTS / 32; w++) {
		uint32_t bits = __atomic_exchange_n(&shared->evtchn_pending[w], 0, __ATOMIC_SEQ_CST);
		if (w * 32 <= si->timer_port && si->timer_port < w * 32 + 32 &&
		    (bits & (1u << (si->timer_port % 32)))) {
			ticks++;
			arm_tick();
			tick = true;
		}
		if (w * 32 <= si->console_port && si->console_port < w * 32 + 32 &&
		    (bits & (1u << (si->console_port % 32))))
			console_input();
		if (si->serial_irq_port && w * 32 <= si->serial_irq_port &&
		    si->serial_irq_port < w * 32 + 32 &&
		    (bits & (1u << (si->serial_irq_port % 32))))
			pv_serial_interrupt();
		if (si->ide_irq_port && w * 32 <= si->ide_irq_port &&
		    si->ide_irq_port < w * 32 + 32 && (bits & (1u << (si->ide_irq_port % 32))))
			pv_ide_interrupt();
		if (si->control_port && w * 32 <= si->control_port &&
		    si->control_port < w * 32 + 32 && (bits & (1u << (si->control_port % 32))) &&
		    si->control_request == RV_CONTROL_suspend) {
			si->control_request = RV_CONTROL_none;
			suspend_wanted = true;  /* at the next safe point */
		}
		if (bits)
			pv_evtchn_dispatch(w * 32, bits);
	}
	shared->vcpu.evtchn_upcall_mask = 0;
	return tick;
}

/* The reverse map from the p2m as it is now (at boot, and after a
 * restore gave us new frames). */
static void build_m2p(void)
{
	max_mfn = 0;
	for (uint32_t i = 0; i < si->nr_pages; i++)
		if (p2m[i] + 1 > max_mfn)
			max_mfn = p2m[i] + 1;
	if (max_mfn > m2p_capacity)
		panic("machine frame %#x is past the reverse map's %#x entries", max_mfn - 1,
		      m2p_capacity);
	for (uint32_t i = 0; i < max_mfn; i++)
		m2p[i] = 0xffffffffu;
	for (uint32_t i = 0; i < si->nr_pages; i++)
		m2p[p2m[i]] = i;
}

/* The kernel's own address space as the builder made it, in machine terms. */
static void find_kernel_space(void)
{
	const pte_t *l3 = (const pte_t *)(uintptr_t)si->pt_base;
	kernel_l3_mfn = p2m[(si->pt_base - si->virt_base) >> PAGE_SHIFT];
	/* Address and P only: QEMU sets the accessed bit in PDPTEs it walks,
	 * a bit real hardware reserves (and ringvisor refuses). */
	kernel_l2_entry = (l3[3] & PTE_ADDR_MASK) | PTE_P;
}

/*
 * Domain 0 asked us to suspend (to save us): stop here, at a point where
 * the kernel is in the middle of nothing (idle, or an interrupt that came
 * in user mode). The call returns 0 if we go on where we were, 1 if we
 * were restored from a save: new machine frames (the hypervisor rewrote
 * our page tables and our p2m), so what we made of machine frame numbers
 * is made again.
 */
void arch_safe_point(void)
{
	if (!suspend_wanted)
		return;
	suspend_wanted = false;
	flush_queue();
	uint32_t flags = arch_irq_save();
	uint64_t before = arch_time_ns();
	int32_t r = hypercall(RV_HC_sched_op, RV_SCHEDOP_shutdown, RV_SHUTDOWN_suspend, 0, 0, 0);
	if (r == 1) {
		time_offset += (int64_t)(before - arch_time_ns());
		build_m2p();
		find_kernel_space();
		next_tick = arch_time_ns();
		arm_tick();
	}
	arch_irq_restore(flags);
	if (r == 1)
		kprintf("ringos: restored from a save as domain %u (%s)\n", si->domid, si->name);
	else if (r < 0)
		kprintf("ringos: suspend refused (%d)\n", r);
}

void arch_idle(void)
{
	if (suspend_wanted) {
		arch_safe_point();
		return;
	}
	/* Sleep until an event; it is delivered (the upcall runs) before this
	 * returns. */
	hypercall(RV_HC_sched_op, RV_SCHEDOP_block, 0, 0, 0, 0);
}

/* ---- traps ---- */

void port_trap(struct trap_frame *f);
void port_trap(struct trap_frame *f)
{
	trap_dispatch(f, f->vector == 14 ? shared->vcpu.fault_addr : 0);
}

extern const uint32_t pc_stub_table[256];
void pv_event_entry(void);

static void traps_init(void)
{
	static const uint8_t vectors[] = { 0, 1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19 };
	struct rv_trap_info t[sizeof(vectors) + 1];
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(vectors); i++)
		t[n++] = (struct rv_trap_info){ vectors[i], vectors[i] == 3 ? 3 : 1,
						RV_GUEST_KERNEL_CS, pc_stub_table[vectors[i]] };
	/* int $0x80 from ring 3 straight to our ring-1 handler. */
	t[n++] = (struct rv_trap_info){ 0x80, 3, RV_GUEST_KERNEL_CS, pc_stub_table[0x80] };
	must(hypercall(RV_HC_set_trap_table, (uint32_t)(uintptr_t)t, n, 0, 0, 0), "set_trap_table");
	must(hypercall(RV_HC_set_callbacks, (uint32_t)(uintptr_t)pv_event_entry, 0, 0, 0, 0),
	     "set_callbacks");
}

/* The builder mapped all our memory user-accessible; the kernel's GiB must
 * not be, or every program could write the kernel. One mmu_update batch per
 * page table. */
static void protect_kernel_map(void)
{
	const pte_t *l2 = phys_to_virt(from_machine(kernel_l2_entry & PTE_ADDR_MASK));
	static struct rv_mmu_update batch[512];
	for (unsigned i = 0; i < 510; i++) {
		if (!(l2[i] & PTE_P))
			continue;
		paddr_t l1pa = from_machine(l2[i] & PTE_ADDR_MASK);
		const pte_t *l1 = phys_to_virt(l1pa);
		unsigned n = 0;
		for (unsigned j = 0; j < 512; j++)
			if ((l1[j] & PTE_P) && (l1[j] & PTE_US))
				batch[n++] = (struct rv_mmu_update){
					(to_machine(l1pa) + j * 8) | RV_MMU_NORMAL_PT_UPDATE, l1[j] & ~PTE_US };
		if (n)
			must(hypercall(RV_HC_mmu_update, (uint32_t)(uintptr_t)batch, n, 0, 0, 0),
			     "mmu_update (kernel map)");
	}
}

void mem_init(paddr_t first_free, paddr_t end);

void arch_init(uint32_t magic, uint32_t info, struct arch_boot_info *bi)
{
	si = (struct rv_start_info *)(uintptr_t)info;
	shared = (struct rv_shared_info *)(uintptr_t)si->shared_info;
	p2m = (uint32_t *)(uintptr_t)si->p2m;
	if (si->magic != RV_START_INFO_MAGIC)
		arch_poweroff(2);

	/* The reverse map, in frames taken from the top of our memory: room
	 * for every machine frame (max_mfn, since ABI 0.3), so that frames
	 * given to us by a restore fit too; else for our own. */
	for (uint32_t i = 0; i < si->nr_pages; i++)
		if (p2m[i] + 1 > m2p_capacity)
			m2p_capacity = p2m[i] + 1;
	if (si->revision >= ((0u << 16) | 3) && si->max_mfn > m2p_capacity &&
	    si->max_mfn <= si->nr_pages * 64)
		m2p_capacity = si->max_mfn;     /* at most 1/16 of our memory */
	uint32_t m2p_pages = (m2p_capacity * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
	m2p = phys_to_virt((paddr_t)(si->nr_pages - m2p_pages) << PAGE_SHIFT);
	build_m2p();
	find_kernel_space();
	protect_kernel_map();
	traps_init();

	bi->cmdline = si->cmdline;
	if (si->initrd) {
		paddr_t start = virt_to_phys((const void *)(uintptr_t)si->initrd);
		bi->modules[0] = (struct boot_module_info){ start, start + si->initrd_len, "initrd" };
		bi->nmodules = 1;
	}
	mem_init((paddr_t)si->first_free_pfn << PAGE_SHIFT,
		 (paddr_t)(si->nr_pages - m2p_pages) << PAGE_SHIFT);
	next_tick = arch_time_ns();
	arm_tick();
	shared->vcpu.evtchn_upcall_mask = 0;    /* events on */
	(void)magic;
}

const struct rv_start_info *pv_start_info(void)
{
	return si;
}

bool pv_has_serial(void)
{
	return si->revision >= 3 && si->serial_irq_port != 0;
}

bool pv_has_ide(void)
{
	return si->revision >= 3 && si->ide_irq_port != 0;
}

bool arch_privileged(void)
{
	return si->flags & RV_SIF_PRIVILEGED;
}

long arch_domctl(uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3)
{
	return hypercall(RV_HC_domctl, cmd, a1, a2, a3, 0);
}

long arch_hypervisor_info(char *buf, size_t len)
{
	static const char *const names[RV_HC_count] = RV_HC_NAMES;
	static struct rv_domain_stats st;
	if (hypercall(RV_HC_domain_stats, (uint32_t)(uintptr_t)&st, sizeof(st), 0, 0, 0))
		return -1;
	int n = snprintf(buf, len,
			 "hypervisor ringvisor\nentries %llu\nhypercalls %llu\nexceptions %llu\n"
			 "interrupts %llu\nother %llu\nbounces %llu\nupcalls %llu\nswitches_in %llu\n"
			 "runtime_ns %llu\n",
			 st.entries, st.hypercalls, st.exceptions, st.interrupts, st.other, st.bounces,
			 st.upcalls, st.switches_in, st.runtime_ns);
	for (unsigned i = 0; i < RV_HC_count && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "hc_%s %llu\n", names[i], st.by_hypercall[i]);
	return (size_t)n < len ? n : (long)len;
}

uint64_t arch_boot_wallclock(void)
{
	return shared->wc_sec;
}
