/*
 * The save file: everything a domain is, as Domain 0 writes it to a file
 * (docs/control.md, "Save, restore, snapshot, clone"). The hypervisor makes
 * the stream (domctl save) and takes it back (domctl restore_*); the
 * toolstack only moves its bytes and adds the trailer's checksum. Every
 * field is checked again on restore: a file is untrusted input.
 *
 * The header is fixed-size; its mode selects the records after it. Each
 * section starts on a 4 KiB boundary (rv_save_layout_mode computes them):
 *
 *   offset 0                   struct rv_save_header (RV_SAVE_HEADER_SIZE)
 *   header.config_off          the domain's config text (config_len bytes)
 *   header.vcpu_off            pv: struct rv_save_vcpu; hw: struct
 *                              rv_save_hw_vcpu; bt: struct rv_save_bt_vcpu
 *   header.console_off         struct rv_save_console (every mode)
 *   header.dev_off             hw, bt: the device records (dev_len bytes,
 *                              below); pv: none (dev_len 0)
 *   header.types_off           pv: one byte per pfn: RV_SAVE_PT_* |
 *                              RV_SAVE_PINNED; hw, bt: none (types_len 0)
 *   header.pages_off           nr_pages pages of 4096 bytes, in pfn order
 *   header.pages_off + ...     struct rv_save_trailer (added by the toolstack)
 *
 * pv: machine frame numbers never appear: page-table entries hold the
 * domain's own frame numbers (pfns) and the guest's p2m array holds pfn i
 * at index i (canonical), as Xen's save does; restore turns them into the
 * new frames. An entry that maps the shared-info page holds
 * RV_SAVE_PFN_SHARED.
 *
 * hw, bt: the pages are guest-physical memory from address 0, as the
 * guest sees it (nothing to translate). A bt domain's code pages hold its
 * original bytes, never the traps the hypervisor patched in; its scan
 * caches and shadow tables are not saved (rebuilt as it runs again).
 */
#ifndef RINGVISOR_PUBLIC_SAVE_H
#define RINGVISOR_PUBLIC_SAVE_H

#include "ringvisor.h"
#include "domctl.h"

#define RV_SAVE_MAGIC           0x45564153564552ull     /* "RVSAVE\0" little-endian */
#define RV_SAVE_VERSION         2       /* 2: hw and bt, the console */
#define RV_SAVE_HEADER_SIZE     4096
#define RV_SAVE_TRAILER_MAGIC   0x444e455653565252ull   /* "RRVSVEND" */
#define RV_SAVE_PFN_SHARED      0xffffeu                /* in a PTE: the shared-info page */

#define RV_SAVE_PT_NONE         0
#define RV_SAVE_PT_L1           1
#define RV_SAVE_PT_L2           2
#define RV_SAVE_PT_L3           3
#define RV_SAVE_PT_L2_HIGH      4               /* the directory under PDPT slot 3 */
#define RV_SAVE_PINNED          0x80

struct rv_save_header {
	uint64_t magic;                 /* RV_SAVE_MAGIC */
	uint32_t version;               /* RV_SAVE_VERSION */
	uint32_t header_size;           /* RV_SAVE_HEADER_SIZE */
	uint32_t mode;                  /* RV_DOMMODE_pv, _hw or _bt: which records follow */
	uint32_t nr_pages;              /* guest memory, pages (pfns 0..nr_pages-1) */
	uint32_t built_pages;           /* what it was built with: nr_pages (never ballooned) */
	uint32_t weight;
	uint32_t config_off, config_len;
	uint32_t vcpu_off, vcpu_len;    /* the mode's vCPU record, its size */
	uint32_t types_off;             /* pv: nr_pages bytes; hw, bt: types_len 0 */
	uint32_t pages_off;             /* page-aligned */
	uint64_t total_len;             /* pages_off + nr_pages * 4096 (trailer excluded) */
	/* pv only (0 for hw and bt): */
	uint32_t virt_base;             /* where pfn 0 is mapped */
	uint32_t si_pfn;                /* the start-info page */
	uint32_t p2m_pfn, p2m_pages;    /* the guest's copy of the p2m */
	uint32_t base_pfn;              /* its current L3 (CR3) */
	uint32_t pad;
	uint64_t saved_at_ns;           /* system time when saved (timers are kept relative) */
	char name[32];                  /* the domain's name when saved */
	/* version 2 */
	uint32_t console_off, console_len;      /* sizeof(struct rv_save_console) */
	uint32_t dev_off, dev_len;      /* hw, bt: the device records; pv: 0 bytes */
	uint32_t types_len;             /* pv: nr_pages; hw, bt: 0 */
	uint32_t pad2;
};
RV_BUILD_ASSERT(sizeof(struct rv_save_header) == 152, "save header layout");

/* The vCPU and the domain's small state. */
struct rv_save_vcpu {
	/* registers, as the trap frame holds them */
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags;
	uint32_t cs, ss, ds, es, fs, gs;
	uint32_t kernel_ss, kernel_esp;
	uint32_t event_eip, failsafe_eip;
	uint32_t fpu_ts, fpu_used;
	uint64_t gdt_slots[3];
	uint32_t trap_eip[256];
	uint8_t trap_flags[256];
	uint8_t fpu_area[512];          /* fxsave image */
	uint64_t timer_left_ns;         /* its one-shot timer: ns left when saved, 0 = none */
	uint8_t upcall_pending, upcall_mask, pad0[2];
	uint32_t evtchn_pending[8];
	uint32_t evtchn_mask[8];
	uint32_t console_in_len;        /* console input not yet read */
	uint8_t console_in[256];
};
RV_BUILD_ASSERT(sizeof(struct rv_save_vcpu) == 2240, "save vcpu layout");

/*
 * The console (every mode): what the domain printed, as `vm console` reads
 * it (domctl console_read): pos is its stream position (bytes since it was
 * created), hist the last hist_len bytes before pos (hist_len <= pos and
 * <= RV_SAVE_CONSOLE_HIST). After a restore the domain's history holds
 * them at the same positions.
 */
#define RV_SAVE_CONSOLE_HIST    8192

struct rv_save_console {
	uint64_t pos;
	uint32_t hist_len;
	uint32_t pad;
	uint8_t hist[RV_SAVE_CONSOLE_HIST];
};
RV_BUILD_ASSERT(sizeof(struct rv_save_console) == 16 + RV_SAVE_CONSOLE_HIST, "save console layout");

/* A segment register as the VMCB holds it (attrib: the access byte in bits
 * 7:0, G, D/B, L, AVL in 11:8). */
struct rv_save_seg {
	uint16_t sel, attrib;
	uint32_t limit;
	uint32_t base;
	uint32_t pad;
};

/*
 * A hw domain's vCPU: the VMCB's state-save area, the registers the
 * hypervisor keeps outside it, the event being injected and the interrupt
 * shadow. Under npt = off, cr0, cr3 and cr4 are the guest's own (the
 * shadow's are rebuilt). The TSC is kept relative: guest_tsc is what the
 * guest's TSC read when saved; the restored one goes on from there.
 */
struct rv_save_hw_vcpu {
	struct rv_save_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t dr[4], dr6, dr7;
	uint64_t efer;                  /* as the guest sees it: SCE, NXE (SVME is the hypervisor's) */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip, cpl;
	uint64_t g_pat;
	uint64_t guest_tsc;
	uint64_t eventinj;              /* EVENTINJ: an event on its way in (valid bit 31) */
	uint32_t int_shadow;            /* 1: an STI or MOV SS shadow holds off interrupts */
	uint32_t v_tpr;                 /* VINTR's TPR (CR8) */
	uint8_t halted, soft_injected, soft_len, fpu_used;
	uint32_t pad;
	uint8_t fpu_area[512];          /* fxsave image */
};
RV_BUILD_ASSERT(sizeof(struct rv_save_hw_vcpu) == 856, "save hw vcpu layout");

/*
 * A bt domain's vCPU: the shadow of the privileged state its kernel
 * believes it owns (hv/bt/vcpu.h), its registers, and what the hypervisor
 * keeps of its descriptor tables that is not in its memory (the GDT it
 * started with until it loads its own). The TSC is kept relative.
 */
struct rv_save_bt_vcpu {
	uint32_t gpr[8];                /* eax, ecx, edx, ebx, esp, ebp, esi, edi */
	uint32_t eip, eflags;           /* eflags as the guest reads it (its IF, IOPL) */
	uint32_t cpl, sti_shadow;
	uint32_t cr0, cr2, cr3, cr4;
	uint32_t gdtr_base, gdtr_limit, idtr_base, idtr_limit;
	struct rv_save_seg ldtr, tr;
	struct rv_save_seg seg[6];      /* es, cs, ss, ds, fs, gs */
	uint32_t dr[8];
	uint64_t guest_tsc;
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip, own_gdt;
	uint64_t apic_base, pat, efer;
	uint32_t boot_gdtr_base, boot_gdtr_limit;
	uint8_t halted, fpu_used, pad[6];
	uint8_t fpu_area[512];
};
RV_BUILD_ASSERT(sizeof(struct rv_save_bt_vcpu) == 816, "save bt vcpu layout");

/*
 * The device records of a hw or bt domain (header.dev_off, dev_len bytes):
 * each a struct rv_save_rec and len bytes, padded to 8. Every type below
 * appears exactly once, with the version and length this build writes;
 * restore refuses anything else (lib/savefile.c), then checks each field
 * (hv/vdev/save.c): an index out of its array, a timer count of zero, a
 * FIFO past its end, an address other than the PC's are refused. The
 * device records' payload is the device model's state as this build lays
 * it out (its struct in hv/vdev/, up to the callbacks; i386): the version
 * goes up whenever that struct changes. Times in them are system time at
 * the save (header.saved_at_ns) and are moved to the restoring machine's.
 */
#define RV_SAVE_REC_PC          1       /* struct rv_save_pc */
#define RV_SAVE_REC_PIC         2       /* the 8259A pair */
#define RV_SAVE_REC_PIT         3       /* the 8254 and port 0x61 */
#define RV_SAVE_REC_RTC         4       /* the MC146818 and its CMOS RAM */
#define RV_SAVE_REC_UART        5       /* COM1, its FIFO */
#define RV_SAVE_REC_KBD         6       /* the 8042 and keyboard */
#define RV_SAVE_REC_PCI         7       /* the host bridge's config state */
#define RV_SAVE_REC_POST        8       /* port 0x80 */
#define RV_SAVE_REC_LAPIC       9       /* the local APIC and its timer */
#define RV_SAVE_REC_IOAPIC      10
#define RV_SAVE_REC_ACPIPM      11      /* the ACPI PM1a blocks */
#define RV_SAVE_REC_TYPES       11
#define RV_SAVE_DEV_MAX         16384   /* dev_len at most */

struct rv_save_rec {
	uint16_t type;                  /* RV_SAVE_REC_* */
	uint16_t version;
	uint32_t len;                   /* payload bytes after this */
};

/* What the PC itself holds beside its devices: the guest's COM1 output the
 * console has not had yet (a line in the making) and the typed input the
 * UART's FIFO had no room for. */
struct rv_save_pc {
	uint32_t tx_len;                /* <= 160 */
	uint32_t in_len;                /* <= 256 */
	char tx[160];
	uint8_t in[256];
};
RV_BUILD_ASSERT(sizeof(struct rv_save_pc) == 424, "save pc layout");

struct rv_save_trailer {
	uint64_t magic;                 /* RV_SAVE_TRAILER_MAGIC */
	uint64_t checksum;              /* FNV-1a 64 of every byte before the trailer */
};

#endif
