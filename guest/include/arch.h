/*
 * The port interface of ringos (docs/ringos.md): everything the generic
 * kernel needs from the machine, implemented once for a bare PC (arch/pc,
 * ring 0) and once for ringvisor (arch/pv, ring 1, hypercalls). The port is
 * chosen at link time.
 */
#ifndef RINGOS_ARCH_H
#define RINGOS_ARCH_H

#include "types.h"
#include "pagetable.h"

#define KERNEL_BASE     0xC0000000u     /* kernel virtual = KERNEL_BASE + physical */
#define USER_END        KERNEL_BASE     /* user space is below */

struct trap_frame;

/* Boot: what the port found. */
struct boot_module_info {
	paddr_t start, end;
	const char *cmdline;
};
struct arch_boot_info {
	const char *cmdline;
	struct boot_module_info modules[8];
	unsigned nmodules;
	/* Frames the kernel may use: [first_free, end) minus what the port
	 * reserved. The port fills a frame pool. */
};
void arch_init(uint32_t magic, uint32_t info, struct arch_boot_info *bi);

/* "pc" or "pv". */
const char *arch_name(void);

/* Console. */
void arch_console_write(const char *buf, size_t n);

/* Interrupts (pc: IF; pv: the event upcall mask) off for a short critical
 * section shared with an interrupt handler; restore gives back the state
 * save found (pv: and takes an event that came meanwhile). */
uint32_t arch_irq_save(void);
void arch_irq_restore(uint32_t flags);

/* Power. */
void arch_poweroff(uint32_t code) __noreturn;

/* Device registers and interrupt lines, for drivers (kernel/ata.c). A
 * driver asks for its I/O ports before it touches them: 0, or -ENODEV
 * when the port has none to give (pv: until the hypervisor grants a
 * privileged domain a real controller's ports, docs/ata.md). */
int arch_io_request(uint16_t base, unsigned count);
uint8_t arch_inb(uint16_t port);
void arch_outb(uint16_t port, uint8_t v);
/* count 16-bit words from a port into buf, or from buf to the port. */
void arch_insw(uint16_t port, void *buf, unsigned count);
void arch_outsw(uint16_t port, const void *buf, unsigned count);
/* Call fn on each interrupt of ISA line irq (0-15), interrupts off and
 * the interrupt controller already acknowledged: 0, -EBUSY (a line the
 * port keeps for itself, or taken), -ENODEV (the port cannot route it). */
int arch_irq_attach(unsigned irq, void (*fn)(void));

/* Page tables: the environment for the shared PAE helpers (pagetable.h),
 * and the kernel's half that every address space shares. */
extern struct pt_env arch_pt_env;
int arch_new_address_space(struct pae_space *s);
/* Build a whole address space in one go (fork): arch_build_address_space
 * gives an empty one whose tables are filled through arch_pt_env without a
 * trap per entry; arch_finish_address_space makes it usable (pv: every table
 * read-only in a few multicalls, then one pin that validates them all).
 * Between the two, write to no other address space. 0 or -1 (no memory). */
int arch_build_address_space(struct pae_space *s);
void arch_finish_address_space(struct pae_space *s);
/* Changes to many entries of a live address space s (fork write-protecting
 * the parent): queued (pv: up to 512 to one mmu_update), then flushed with
 * the TLB. */
void arch_pt_queue(pte_t *slot, pte_t val);
void arch_pt_flush(const struct pae_space *s);
/* One entry of the current space changed: drop its TLB entry. */
void arch_flush_page(uint32_t va);
void arch_switch_address_space(const struct pae_space *s);
/* An address space with only the kernel: where to stand while a process's
 * own tables are being freed. */
void arch_kernel_address_space(void);
/* Before freeing an address space's frames: stop using its tables as tables
 * (pv: unpin, so they become ordinary memory again). */
void arch_release_address_space(struct pae_space *s);
/* A page-table frame goes back to the pool (pv: writable again first). */
void arch_table_put(paddr_t pa);
/* The frame (in the kernel's addresses) an entry points to. */
static inline paddr_t arch_pte_addr(pte_t e)
{
	paddr_t a = e & PTE_ADDR_MASK;
	return arch_pt_env.from_entry ? arch_pt_env.from_entry(a) : a;
}

/* Many page-table frames back to the pool at once (process exit; pv: made
 * writable again in a few multicalls). */
void arch_tables_put(const paddr_t *pa, unsigned n);
/* Leaf entries written between these two may be queued and written
 * together at the end (pv: up to 512 to an mmu_update); links to new
 * tables are still written at once. Nothing may read a queued entry back
 * before the end. */
void arch_pt_batch_begin(void);
void arch_pt_batch_end(void);

/* Wait for an interrupt (interrupts on while waiting). */
void arch_idle(void);
/* The port's own disks, registered (blkdev.h) before the root filesystem
 * is built, after the PC's IDE (kernel/ata.c): the pc port has none; pv,
 * its split block devices (arch/pv/blkfront.c). */
void arch_disks_init(void);
/* The periodic tick, TICK_HZ a second, calls proc_tick(). */
#define TICK_HZ 100
/* An interrupt arrived (vector from the trap frame): acknowledge it; true if
 * it was the tick. */
bool arch_irq(unsigned vector);
/* Nanoseconds since boot (monotonic). */
uint64_t arch_time_ns(void);

/* The ring-0 (pc) or ring-1 (pv) stack the CPU switches to on a trap from
 * user mode, and the user segments. */
void arch_set_kernel_stack(uint32_t esp);
uint16_t arch_user_cs(void);
uint16_t arch_user_ds(void);
/* Thread-local storage descriptors (set_thread_area): slot 0..2. */
#define ARCH_TLS_SLOTS 3
/* A process switch in one go: address space, kernel stack and TLS
 * descriptors (pv: one multicall, leaving out descriptors already loaded). */
void arch_switch_context(const struct pae_space *s, uint32_t kstack_top,
			 const uint64_t tls[ARCH_TLS_SLOTS]);
unsigned arch_tls_first_entry(void);    /* the GDT index of slot 0 */
void arch_set_tls(unsigned slot, uint64_t desc);

/* Enter user mode with this frame; does not return. */
void arch_enter_user(const struct trap_frame *f) __noreturn;

/* /proc/hypervisor: the hypervisor's counters for this machine as "key
 * value" lines into buf: the length, or -1 when there is no hypervisor
 * (pc). */
long arch_hypervisor_info(char *buf, size_t len);
/* A point where the kernel holds nothing half done (idle, an interrupt
 * from user mode): pv suspends here when Domain 0 asked (to save it). */
void arch_safe_point(void);
/* Domain 0 (pv, privileged = 1): whether this kernel may control other
 * domains, and the control hypercall itself (public/domctl.h; pc: never,
 * -ENODEV). The arguments are the hypercall's: pointers must already be
 * checked and reachable (kernel/rvctl.c). */
bool arch_privileged(void);
long arch_domctl(uint32_t cmd, uint32_t a1, uint32_t a2, uint32_t a3);
/* The wall clock at boot (arch_time_ns() == 0): seconds since 1970, or 0
 * when unknown. */
uint64_t arch_boot_wallclock(void);

/* The CPU's feature word for AT_HWCAP, and a cycle counter for entropy. */
uint32_t arch_hwcap(void);
uint64_t arch_cycles(void);

#endif
