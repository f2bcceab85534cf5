/*
 * hw: hardware-assisted virtualization with AMD SVM and nested paging
 * (docs/hw.md). A hw domain runs an unmodified PC operating system: its
 * vCPU is a VMCB, its memory a guest-physical map built with nested page
 * tables from the domain's frames, its devices the emulated PC of
 * hv/vdev/. Private to hv/hw/.
 */
#ifndef HV_HW_HW_H
#define HV_HW_HW_H

#include "types.h"
#include "svm.h"
#include "pagetable.h"
#include "../vdev/pic.h"
#include "../vdev/pit.h"
#include "../vdev/rtc.h"
#include "../vdev/uart.h"
#include "../vdev/kbd.h"
#include "../vdev/pci.h"
#include "../vdev/post.h"
#include "../vdev/lapic.h"
#include "../vdev/ioapic.h"
#include "../vdev/acpipm.h"
#include "../vdev/ide.h"
#include "emulate.h"
#include "exit.h"
#include "decode.h"
#include "../bt/shadow.h"
#include "domconfig.h"
#include <public/save.h>

struct domain;
struct domain_config;

/* The guest-physical map of a PC (docs/hw.md, "Memory"). */
#define HW_VGA_START            0xa0000u        /* legacy video: MMIO, not RAM */
#define HW_VGA_TEXT             0xb8000u        /* text-mode RAM: mapped */
#define HW_ROM_START            0xc0000u        /* option and system ROMs: read-only */
#define HW_LOW_END              0x100000u
#define HW_IOAPIC_BASE          0xfec00000u
#define HW_LAPIC_BASE           0xfee00000u
#define HW_RAM_MAX              (768u << 20)    /* below the PCI hole */
#define HW_MIN_EVENT_NS         50000u          /* devices' events at most every 50 us */

/* What the guest's devices are; one of each, the PC's. */
struct hw_devices {
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vuart uart;
	struct vkbd kbd;
	struct vpci pci;
	struct vpost post;
	struct vlapic lapic;
	struct vioapic ioapic;
	struct vacpipm acpipm;
	struct vide ide;                /* the primary channel, when the domain has a disk */
	uint8_t *disk;                  /* its image (a boot module), disk_sectors long */
	uint64_t disk_sectors;
	uint64_t unclaimed_io;          /* port accesses nobody claims */
	/* What the guest sent on COM1 and the console has not had yet: a
	 * line at a time, as a pv guest's console writes come. */
	char tx[160];
	uint32_t tx_len;
	uint64_t tx_since;              /* the domain's CPU time at its first byte */
};

/* struct hw_domain is this many contiguous frames (the IDE model's
 * transfer buffer makes it bigger than one). */
/* Shadow paging under SVM (npt = off, shadow.c, docs/hw.md): the guest's
 * own paging registers, which it writes and reads back through intercepts,
 * and the shadow the CPU really walks (hv/bt/shadow.c's core). */
struct hw_shadow {
	struct shadow_ctx ctx;
	struct shadow_ops ops;
	uint32_t cr0, cr3, cr4;         /* the guest's; its EFER is the VMCB's */
	uint32_t frames;                /* shadow tables held (at most HW_SHADOW_MAX_FRAMES) */
	uint64_t enomem;                /* times they ran out: flushed and retried */
	uint64_t root_loads;            /* CR3 of the VMCB changed (the root moved) */
	/* The cache of shadow roots (hw_shadow=cache): its memory, and the
	 * guest table writes it could not emulate (the table let go). */
	struct shadow_cache *cache;
	uint64_t table_forgets;
};

#define HW_SHADOW_MAX_FRAMES    1024u   /* 4 MiB of shadow tables per domain */

#define HW_DOMAIN_FRAMES        ((sizeof(struct hw_domain) + PAGE_SIZE - 1) / PAGE_SIZE)

struct hw_domain {
	struct vmcb *vmcb;              /* one page, its physical address = virt */
	struct hw_gprs gprs;
	uint32_t dr[4];                 /* its DR0-DR3, which VMRUN does not switch */
	struct pae_space npt;           /* nested tables: guest-physical -> machine */
	uint32_t npt_frames;            /* frames the nested tables use */
	uint32_t ram_bytes;             /* guest RAM from 0 (holes included) */
	bool halted;                    /* in HLT until an interrupt */
	bool timer_fired;               /* a device deadline passed since the loop looked */
	bool need_flush;                /* TLB_CONTROL for the next VMRUN */
	bool soft_injected;             /* EVENTINJ holds an INT n with rip already past it */
	uint8_t soft_len;               /* ... by this many bytes */
	uint32_t pending_irq_exits;     /* VINTR windows asked for */
	struct hw_devices dev;
	uint64_t insn_fetch_fail;       /* exits whose instruction could not be read */
	bool shadow;                    /* npt = off: shadow paging, no nested tables */
	struct hw_shadow sh;
	/* Save and restore (save.c; a bt domain's too). */
	bool held;                      /* paused by Domain 0 for a save (suspend) */
	bool restoring;                 /* made by restore_begin, not finished: never runs */
	uint64_t held_at_ns;            /* when it was held: the save's time */
	uint64_t held_tsc;              /* the host's TSC then */
	uint8_t *restore_meta;          /* the stream's [vcpu_off, pages_off), while restoring */
	uint32_t restore_meta_frames;
	struct rv_save_header restore_h;
	uint32_t config_len;            /* 0: too long to keep (it cannot be saved) */
	char config[DOMCFG_TEXT_MAX];   /* its config as text (domconfig_format) */
};

/* svm.c */
extern bool hw_svm_ready;
extern char hw_svm_missing[64];         /* why not, for the refusal */
extern bool hw_npt_ready;               /* nested paging too (else only npt = off) */
extern char hw_npt_missing[64];
void hw_svm_init(void);
int hw_vmcb_create(struct domain *d);
void hw_vmcb_destroy(struct domain *d);
void hw_vmrun(struct domain *d);

/* npt.c */
int hw_npt_build(struct domain *d, char *err, size_t errlen);
void hw_npt_destroy(struct domain *d);
/* The machine address of guest-physical gpa if it is RAM the guest may
 * use, else 0. */
paddr_t hw_gpa_to_ma(const struct domain *d, uint64_t gpa);
/* n bytes between buf and guest RAM at gpa, within one page: 0, or
 * -EFAULT when gpa is not RAM or the bytes cross a page end. */
int hw_ram_rw(const struct domain *d, uint64_t gpa, void *buf, unsigned n, bool write);
/* Copy to/from guest-physical memory (RAM only): 0 or -EFAULT. */
int hw_copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t n);
int hw_copy_from_gpa(const struct domain *d, uint64_t gpa, void *dst, size_t n);

/* build.c */
/* A PC's memory, devices and loaded kernel (entry registers in the VMCB's
 * save area); svm: a hw domain's (SVM checked, nested tables built), or
 * for a bt domain, which borrows the rest. */
int hw_build_pc(struct domain *d, const struct domain_config *cfg, const void *kernel,
		size_t kernel_size, const void *initrd, size_t initrd_size, bool svm, char *err,
		size_t errlen);
/* Give back all hw_build_pc took. */
void hw_release(struct domain *d);
int hw_build(struct domain *d, const struct domain_config *cfg, const void *kernel,
	     size_t kernel_size, const void *initrd, size_t initrd_size, char *err,
	     size_t errlen);

/* devices.c */
int hw_devices_init(struct domain *d, const struct domain_config *cfg, char *err, size_t errlen);
/* Bring the device models to now; the next instant one needs attention. */
uint64_t hw_devices_update(struct domain *d, uint64_t now);
void hw_devices_console_input(struct domain *d);
/* Hand the console what the guest sent so far (it goes idle or stops). */
void hw_devices_flush_console(struct domain *d);
/* Names of the exit-table slots of port and MMIO accesses: the device's
 * (the last slot: nobody claims it); NULL for other kinds. */
const char *hw_device_exit_name(const struct domain *d, enum exit_kind kind, unsigned nr);
/* The vector the vCPU should take next (local APIC first, then the 8259A
 * through LINT0), -1 if none; with ack, the controller's acknowledge. */
int hw_pending_vector(struct domain *d, bool ack);

/* emulate.c: run the instruction at the guest's rip in software; a rep
 * string stops after max_reps iterations (0: 256) and comes back. */
enum emul_result hw_emulate(struct domain *d, unsigned max_reps);

/* walk.c: the guest's linear address as its own page tables translate it
 * (0), or -EFAULT with the page-fault error code it would get, or -EIO if
 * its tables are not in its RAM. */
int hw_linear_to_gpa(const struct domain *d, uint32_t linear, bool write, bool user,
		     uint64_t *gpa, uint32_t *pfec);

/* build.c */
void hw_free_memory(struct domain *d);

/* save.c: give back what a save or restore held. */
void hw_save_free(struct domain *d);

/* shadow.c: shadow paging under SVM (npt = off) */
int hw_shadow_init(struct domain *d, char *err, size_t errlen);
void hw_shadow_destroy(struct domain *d);
/* The guest's own CR0, CR3, CR4 (the VMCB's under nested paging). */
uint32_t hw_guest_cr0(const struct domain *d);
uint32_t hw_guest_cr3(const struct domain *d);
uint32_t hw_guest_cr4(const struct domain *d);
/* The exits only shadow paging asks for: #PF, a CR read or write
 * (exit code 0x00-0x1f), INVLPG; and an EFER write seen by exit.c. */
void hw_shadow_page_fault(struct domain *d);
void hw_shadow_cr_access(struct domain *d, uint32_t code);
void hw_shadow_invlpg(struct domain *d);
void hw_shadow_efer_written(struct domain *d, uint64_t old);
void hw_shadow_dump(const struct domain *d);
/* What CPUID hides from a guest under shadow paging (leaf 7 EBX: SMEP, SMAP). */
void hw_cpuid_shadow(uint32_t leaf, uint32_t sub, uint32_t *b);
/* Counters for CPUID 0x40000001: hidden faults, reflected #PF, flushes. */
uint64_t hw_shadow_stat(const struct domain *d, unsigned which);

/* exit.c */
/* Deliver an exception to the guest at its next VMRUN (EVENTINJ). */
void hw_inject_exception(struct domain *d, unsigned vector, bool has_code, uint32_t code);
/* CPUID as a hw guest sees it (docs/hw.md, "CPUID"). */
void hw_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d);
/* An interrupt is pending at the PIC and the guest's IF would take it. */
bool hw_interrupt_ready(struct domain *d);
void hw_handle_exit(struct domain *d);
/* Before VMRUN: inject what is pending (re-injection first, then an
 * external interrupt if the guest can take one, else ask for the window). */
void hw_inject_events(struct domain *d);
/* Decode the guest's instruction at cs:rip: 0, or a negative errno. */
int hw_fetch_insn(struct domain *d, struct dec_insn *insn, uint8_t *bytes);
/* Complete the instruction at rip for the guest (rip moves past it);
 * false, with the domain stopped, if it cannot be decoded. */
bool hw_skip_insn(struct domain *d, const char *what);
/* An access to guest-physical gpa that is not RAM the guest may use (a
 * nested page fault, or a shadow fault on such a frame); err: the access
 * as a page-fault error code (NPF_WRITE, NPF_FETCH, NPF_P for a page
 * mapped read-only). A device is emulated, a ROM write dropped, anything
 * else stops the domain. */
void hw_physical_fault(struct domain *d, uint64_t gpa, uint32_t err);
/* A one-line and a full register dump of the guest, from its VMCB. */
void hw_dump_guest(const struct domain *d);
const char *hw_exit_name(uint32_t code);
unsigned hw_exit_slot(uint32_t code);


#endif
