/*
 * The Linux x86 boot protocol, loader side (hv/loader/bzimage.c): the
 * hypervisor acts as the boot loader of an unmodified Linux in a hw domain
 * and enters it through the 32-bit boot protocol (Linux's
 * Documentation/arch/x86/boot.rst; docs/linux.md says what the caller sets
 * up). Pure: an image is an untrusted byte blob, every field the loader
 * relies on is checked without reading outside it, and each refusal says
 * in one line what is wrong. Nothing here touches guest memory: the caller
 * copies the kernel, the initrd, the command line and the zero page where
 * the helpers say.
 *
 *   bzimage_parse()           validate the image, extract its setup header
 *   bzimage_kernel_place()    where the protected-mode kernel goes
 *   bzimage_initrd_place()    where the initrd goes
 *   bzimage_check_cmdline()   does the command line fit the kernel's buffer
 *   bzimage_pc_e820()         a PC's memory map for a domain of n bytes
 *   bzimage_boot_params()     build the zero page (struct boot_params)
 */
#ifndef HV_BZIMAGE_H
#define HV_BZIMAGE_H

#include "types.h"

#define BZ_SECTOR               512u
#define BZ_HDR_OFFSET           0x1f1u          /* the setup header in the image and the zero page */
#define BZ_BOOT_FLAG            0xaa55u         /* at 0x1fe */
#define BZ_HDRS                 0x53726448u     /* "HdrS" at 0x202, little-endian */
#define BZ_MIN_VERSION          0x0206u         /* 2.06: see bzimage_parse() */
#define BZ_SETUP_SECTS_MAX      63u             /* the real-mode setup fits in 32 KiB */
#define BZ_ZERO_PAGE_SIZE       4096u

/* loadflags (0x211) */
#define BZ_LOADED_HIGH          0x01    /* protected-mode code at 1 MiB or above: a bzImage */
#define BZ_KASLR_FLAG           0x02    /* set by the kernel itself */
#define BZ_QUIET_FLAG           0x20
#define BZ_KEEP_SEGMENTS        0x40    /* obsolete: the kernel loads its own GDT */
#define BZ_CAN_USE_HEAP         0x80    /* heap_end_ptr is valid */

#define BZ_LOADER_UNDEFINED     0xffu   /* type_of_loader: no assigned id */
#define BZ_HEAP_END             0xe000u /* boot.rst's sample: end of the setup's heap/stack */

/* The 32-bit entry's flat segments (boot.rst, "32-bit Boot Protocol"). */
#define BZ_BOOT_CS              0x10u
#define BZ_BOOT_DS              0x18u

/* e820 memory types (the BIOS's INT 15h AX=E820h, ACPI "address range types") */
#define E820_RAM                1u
#define E820_RESERVED           2u
#define E820_ACPI               3u
#define E820_NVS                4u
#define E820_UNUSABLE           5u
#define E820_MAX_ZEROPAGE       128u    /* entries the zero page holds at 0x2d0 */

/* One e820 entry, as the zero page holds it: 20 bytes, unaligned. */
struct e820_entry {
	uint64_t addr;                  /* first byte */
	uint64_t size;                  /* bytes */
	uint32_t type;                  /* E820_* */
} __packed;
BUILD_ASSERT(sizeof(struct e820_entry) == 20, "an e820 entry is 20 bytes");

/*
 * The setup header, at 0x1f1 of the image and of the zero page (boot.rst,
 * "The Real-Mode Kernel Header"). The protocol version that added a field
 * is in brackets; this loader needs 2.06, and reads the 2.10 fields only
 * from kernels that have them.
 */
struct bz_setup_header {
	uint8_t setup_sects;            /* 0x1f1 512-byte sectors of real-mode setup after the boot sector (0 means 4) */
	uint16_t root_flags;            /* 0x1f2 mount root read-only (obsolete) */
	uint32_t syssize;               /* 0x1f4 protected-mode code size in 16-byte paragraphs [2.04: 32 bits] */
	uint16_t ram_size;              /* 0x1f8 obsolete */
	uint16_t vid_mode;              /* 0x1fa video mode for the real-mode setup */
	uint16_t root_dev;              /* 0x1fc default root device (obsolete) */
	uint16_t boot_flag;             /* 0x1fe 0xaa55 */
	uint16_t jump;                  /* 0x200 short jmp; its second byte + 0x202 = end of this header */
	uint32_t header;                /* 0x202 "HdrS" */
	uint16_t version;               /* 0x206 boot protocol, major << 8 | minor */
	uint32_t realmode_swtch;        /* 0x208 loader hook for the real-mode setup */
	uint16_t start_sys_seg;         /* 0x20c obsolete */
	uint16_t kernel_version;        /* 0x20e version string's offset - 0x200 */
	uint8_t type_of_loader;         /* 0x210 written by the loader */
	uint8_t loadflags;              /* 0x211 BZ_LOADED_HIGH, BZ_CAN_USE_HEAP, ... */
	uint16_t setup_move_size;       /* 0x212 real-mode move size (protocol 2.00/2.01 only) */
	uint32_t code32_start;          /* 0x214 where the 16-bit setup jumps: the load address */
	uint32_t ramdisk_image;         /* 0x218 initrd physical address, written by the loader */
	uint32_t ramdisk_size;          /* 0x21c initrd bytes, written by the loader */
	uint32_t bootsect_kludge;       /* 0x220 obsolete */
	uint16_t heap_end_ptr;          /* 0x224 end of the setup's heap - 0x200 [2.01] */
	uint8_t ext_loader_ver;         /* 0x226 [2.02] */
	uint8_t ext_loader_type;        /* 0x227 [2.02] */
	uint32_t cmd_line_ptr;          /* 0x228 command line physical address [2.02] */
	uint32_t initrd_addr_max;       /* 0x22c highest byte the initrd may occupy [2.03] */
	uint32_t kernel_alignment;      /* 0x230 load alignment of a relocatable kernel [2.05] */
	uint8_t relocatable_kernel;     /* 0x234 may be loaded at any aligned address [2.05] */
	uint8_t min_alignment;          /* 0x235 log2 of the least alignment accepted [2.10] */
	uint16_t xloadflags;            /* 0x236 64-bit and EFI entry capabilities [2.12] */
	uint32_t cmdline_size;          /* 0x238 longest command line, without its NUL [2.06] */
	uint32_t hardware_subarch;      /* 0x23c 0 = a normal PC [2.07] */
	uint64_t hardware_subarch_data; /* 0x240 [2.07] */
	uint32_t payload_offset;        /* 0x248 compressed kernel, from the protected-mode code [2.08] */
	uint32_t payload_length;        /* 0x24c [2.08] */
	uint64_t setup_data;            /* 0x250 list of struct setup_data [2.09] */
	uint64_t pref_address;          /* 0x258 preferred load address of a relocatable kernel [2.10] */
	uint32_t init_size;             /* 0x260 bytes from the load address the kernel needs to boot [2.10] */
	uint32_t handover_offset;       /* 0x264 EFI handover entry [2.11] */
	uint32_t kernel_info_offset;    /* 0x268 [2.15] */
} __packed;
BUILD_ASSERT(sizeof(struct bz_setup_header) == 0x26c - 0x1f1, "the setup header runs 0x1f1-0x26b");
BUILD_ASSERT(__builtin_offsetof(struct bz_setup_header, header) == 0x202 - 0x1f1, "HdrS at 0x202");
BUILD_ASSERT(__builtin_offsetof(struct bz_setup_header, cmd_line_ptr) == 0x228 - 0x1f1,
	     "cmd_line_ptr at 0x228");
BUILD_ASSERT(__builtin_offsetof(struct bz_setup_header, pref_address) == 0x258 - 0x1f1,
	     "pref_address at 0x258");

/*
 * The zero page (struct boot_params, Linux's Documentation/arch/x86/
 * zero-page.rst), with the fields this loader writes; everything else is 0.
 */
struct bz_zero_page {
	/* 0x000 screen_info: all 0 says there is no text screen (0 lines, 0 columns) */
	uint8_t orig_x, orig_y;         /* 0x000 cursor */
	uint16_t ext_mem_k;             /* 0x002 */
	uint16_t orig_video_page;       /* 0x004 */
	uint8_t orig_video_mode;        /* 0x006 */
	uint8_t orig_video_cols;        /* 0x007 */
	uint8_t screen_pad1[6];         /* 0x008 */
	uint8_t orig_video_lines;       /* 0x00e */
	uint8_t orig_video_isVGA;       /* 0x00f 0: no VGA, no VESA framebuffer, no EFI framebuffer */
	uint8_t screen_pad2[0x30];      /* 0x010 rest of screen_info */
	uint8_t pad_040[0x1e0 - 0x40];  /* 0x040 APM, IST, ACPI RSDP, EDID, EFI: none */
	uint32_t alt_mem_k;             /* 0x1e0 KiB of RAM above 1 MiB (used when e820 is empty) */
	uint32_t scratch;               /* 0x1e4 the 32-bit entry's first 4-byte stack */
	uint8_t e820_entries;           /* 0x1e8 */
	uint8_t eddbuf_entries;         /* 0x1e9 */
	uint8_t edd_mbr_sig_buf_entries;/* 0x1ea */
	uint8_t kbd_status;             /* 0x1eb */
	uint8_t secure_boot;            /* 0x1ec */
	uint8_t pad_1ed[2];             /* 0x1ed */
	uint8_t sentinel;               /* 0x1ef 0: the loader cleared the page before filling it */
	uint8_t pad_1f0;                /* 0x1f0 */
	struct bz_setup_header hdr;     /* 0x1f1 */
	uint8_t pad_26c[0x290 - 0x26c]; /* 0x26c room for newer header fields */
	uint32_t edd_mbr_sig_buffer[16];/* 0x290 */
	struct e820_entry e820_table[E820_MAX_ZEROPAGE]; /* 0x2d0 */
	uint8_t pad_cd0[BZ_ZERO_PAGE_SIZE - 0xcd0];      /* 0xcd0 EDD, the rest */
} __packed;
BUILD_ASSERT(sizeof(struct bz_zero_page) == BZ_ZERO_PAGE_SIZE, "the zero page is 4096 bytes");
BUILD_ASSERT(__builtin_offsetof(struct bz_zero_page, e820_entries) == 0x1e8, "e820_entries at 0x1e8");
BUILD_ASSERT(__builtin_offsetof(struct bz_zero_page, hdr) == BZ_HDR_OFFSET, "setup header at 0x1f1");
BUILD_ASSERT(__builtin_offsetof(struct bz_zero_page, e820_table) == 0x2d0, "e820 table at 0x2d0");

/* What bzimage_parse() found: the header's fields, checked and defaulted. */
struct bzimage_info {
	struct bz_setup_header hdr;     /* as in the image, bytes past hdr_len zero */
	uint32_t hdr_len;               /* bytes of header the kernel has from 0x1f1 */
	uint16_t version;               /* boot protocol, e.g. 0x020f for 2.15 */
	uint32_t setup_sects;           /* 0 already turned into 4 */
	uint32_t kernel_offset;         /* (setup_sects + 1) * 512: the protected-mode code in the file */
	uint32_t kernel_size;           /* syssize * 16 bytes to copy from there */
	bool relocatable;
	uint32_t kernel_alignment;      /* a power of two (checked only for a relocatable kernel) */
	uint32_t pref_address;          /* where it wants to be loaded (code32_start before 2.10) */
	uint32_t init_size;             /* bytes from the load address it needs (before 2.10: estimated) */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	char version_string[80];        /* the image's kernel version, "" if it has none */
};

/*
 * Validate the len bytes at img as a bzImage this loader can boot through
 * the 32-bit protocol and fill *out. 0, or -ENOEXEC (not a bzImage at all:
 * magic numbers, an old protocol, a zImage) or -EINVAL (a field out of
 * range, a kernel larger than the file) with the reason in err.
 */
int bzimage_parse(const void *img, size_t len, struct bzimage_info *out, char *err, size_t errlen);

/* Whether img looks like a bzImage at all ("HdrS" at 0x202): which loader
 * to try; bzimage_parse() then says whether it can be booted. */
static inline bool bzimage_is(const void *img, size_t len)
{
	const uint8_t *p = img;
	return len >= 0x206 && p[0x202] == 'H' && p[0x203] == 'd' && p[0x204] == 'r' &&
	       p[0x205] == 'S';
}

/*
 * Where to copy the kernel_size bytes at kernel_offset of the image: the
 * first of pref_address, then each RAM range's lowest kernel_alignment
 * boundary at or above 1 MiB (only pref_address for a fixed kernel), where
 * init_size bytes lie in one E820_RAM entry of map. That address is also
 * the 32-bit entry point. -ENOMEM naming the sizes when none fits.
 */
int bzimage_kernel_place(const struct bzimage_info *bi, const struct e820_entry *map, unsigned nmap,
			 uint32_t *load_gpa, char *err, size_t errlen);

/*
 * Where to copy an initrd of initrd_len bytes: the highest 4 KiB boundary
 * such that it lies in one E820_RAM entry, ends at or below
 * initrd_addr_max, stays at or above 1 MiB and misses the kernel's
 * init_size bytes at kernel_gpa. -ENOMEM naming the sizes when none fits.
 */
int bzimage_initrd_place(const struct bzimage_info *bi, const struct e820_entry *map, unsigned nmap,
			 uint32_t initrd_len, uint32_t kernel_gpa, uint32_t *initrd_gpa, char *err,
			 size_t errlen);

/* -E2BIG when cmdline is longer than the kernel's cmdline_size. */
int bzimage_check_cmdline(const struct bzimage_info *bi, const char *cmdline, char *err, size_t errlen);

/*
 * A PC's memory map for a domain with ram_bytes of RAM at 0: RAM below
 * 0x9fc00, the EBDA/VGA/ROM hole reserved up to 1 MiB, RAM from 1 MiB to
 * ram_bytes, the IOAPIC's and the LAPIC's pages reserved. The number of
 * entries written (at most max), or -EINVAL if ram_bytes is below 2 MiB or
 * reaches the IOAPIC, -ENOSPC if max is too small.
 */
int bzimage_pc_e820(struct e820_entry *map, unsigned max, uint32_t ram_bytes);
#define BZ_PC_E820_ENTRIES      5u
#define BZ_EBDA_START           0x9fc00u
#define BZ_IOAPIC_BASE          0xfec00000u
#define BZ_LAPIC_BASE           0xfee00000u

/*
 * Build the 4096-byte zero page at zero_page: cleared, the image's setup
 * header copied (its own length), then the loader's fields: type_of_loader
 * 0xff, CAN_USE_HEAP with heap_end_ptr, cmd_line_ptr, ramdisk_image/size
 * (0/0 for no initrd), the e820 table and alt_mem_k; screen_info says no
 * video. Checks what the kernel would trip on: an e820 map that is empty,
 * too long or wraps; a command line or initrd outside RAM; an initrd past
 * initrd_addr_max. 0 or -EINVAL / -E2BIG with the reason in err.
 */
int bzimage_boot_params(const struct bzimage_info *bi, const void *img, void *zero_page,
			const struct e820_entry *map, unsigned nmap, uint32_t cmdline_gpa,
			uint32_t initrd_gpa, uint32_t initrd_len, char *err, size_t errlen);

#endif
