/*
 * Validating ELF32 loader, for guest kernels (the hypervisor) and programs
 * (ringos). An image is an untrusted byte blob: elf_parse_limits() checks everything the
 * loader relies on (with overflow-safe arithmetic and without reading outside
 * the blob) and says in one line why an image is refused; elf_load() then
 * copies the segments into guest memory page by page. Both are pure, so the
 * host unit tests drive them directly.
 */
#ifndef LIB_ELF32_H
#define LIB_ELF32_H

#include "types.h"

/* The few ELF definitions the loader needs (System V ABI, i386 supplement). */
#define ELF_NIDENT      16
#define ELF_EI_CLASS    4
#define ELF_EI_DATA     5
#define ELF_EI_VERSION  6
#define ELF_CLASS32     1
#define ELF_CLASS64     2
#define ELF_DATA2LSB    1
#define ELF_DATA2MSB    2
#define ELF_EV_CURRENT  1
#define ELF_ET_REL      1
#define ELF_ET_EXEC     2
#define ELF_ET_DYN      3
#define ELF_EM_386      3
#define ELF_EM_X86_64   62
#define ELF_PT_LOAD     1
#define ELF_PT_INTERP   3
#define ELF_PT_NOTE     4
#define ELF_PT_GNU_STACK 0x6474e551u

#define ELF_PF_X        1u
#define ELF_PF_W        2u
#define ELF_PF_R        4u

struct elf32_ehdr {
	uint8_t e_ident[ELF_NIDENT];    /* "\177ELF", class, data, version, ... */
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};

BUILD_ASSERT(sizeof(struct elf32_ehdr) == 52, "ELF32 file header is 52 bytes");
BUILD_ASSERT(sizeof(struct elf32_phdr) == 32, "ELF32 program header is 32 bytes");

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	uint32_t vaddr, paddr;  /* where it runs / its guest pseudo-physical address */
	uint32_t filesz, memsz; /* bytes in the file / in memory (rest zeroed) */
	uint32_t offset;        /* file offset */
	uint32_t flags;         /* ELF_PF_X | ELF_PF_W | ELF_PF_R */
};

struct elf_image {
	bool dyn;               /* ET_DYN (position-independent; only with ELF_ALLOW_DYN) */
	uint32_t entry;
	uint32_t virt_base;     /* vaddr - paddr, the same for every segment */
	uint32_t paddr_end;     /* highest paddr + memsz, rounded up to a page */
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* What the caller allows an image: the hypervisor a guest kernel below the
 * switch region (hv/include/elf.h), ringos a program below its kernel. */
struct elf_limits {
	uint64_t virt_end;      /* every segment ends at or below this address */
	const char *virt_end_is; /* what starts there, for the reason: "where <this>" */
	unsigned flags;         /* ELF_ALLOW_DYN, ELF_ENTRY_PHYS, or 0 */
};
/* flags: ELF_ALLOW_DYN also takes a position-independent executable without
 * an interpreter (ET_DYN: a static-pie), whose addresses are relative; the
 * caller adds its load address (elf_relocate) before elf_load. */
#define ELF_ALLOW_DYN   1u
/* flags: ELF_ENTRY_PHYS: the entry point is a physical address (a multiboot
 * kernel, entered with paging off), so it must lie in an executable
 * segment's paddr range instead of its vaddr range. */
#define ELF_ENTRY_PHYS  2u

/*
 * Parse and validate an ELF32 i386 executable. Returns 0 with *img filled,
 * or (with *img zeroed):
 *   -RV_ENOEXEC  not something we can load: too short, bad magic, wrong class,
 *             byte order, version, machine or type, a program interpreter,
 *             no loadable segment or more than ELF_MAX_SEGMENTS of them;
 *   -RV_EINVAL   an ELF whose fields are inconsistent or place the image where
 *             it may not be (tables outside the file, address wrap, above
 *             lim->virt_end, overlaps, no single virt_base, entry outside code).
 * err (may be NULL) receives a one-line reason; "segment N" is the index of
 * the program header, as readelf lists them. Segments with p_memsz == 0 and
 * program headers other than PT_LOAD and PT_INTERP are ignored.
 * On success every segment lies inside [data, data + size), below
 * lim->virt_end, and paddr + memsz never wraps; img->paddr_end tells the
 * caller how much memory the image needs.
 */
int elf_parse_limits(const void *data, size_t size, const struct elf_limits *lim,
		     struct elf_image *img, char *err, size_t errsize);
/* Move a parsed ET_DYN image to bias (page-aligned): every segment and the
 * entry. -RV_EINVAL if it is not ET_DYN, bias is not page-aligned or the image
 * would wrap or end above lim->virt_end. */
int elf_relocate(struct elf_image *img, uint32_t bias, const struct elf_limits *lim);

/*
 * Copy the segments of a parsed image into guest memory. page(pfn, ctx)
 * returns the 4 KiB page at guest pseudo-physical frame pfn, or NULL: then
 * elf_load stops with -RV_EFAULT (earlier pages are already written). Bytes
 * beyond filesz up to memsz are zeroed; nothing else in a page is touched.
 * Returns -RV_EINVAL if img does not fit data/size (it must come from elf_parse
 * on the same blob).
 */
int elf_load(const struct elf_image *img, const void *data, size_t size,
	     void *(*page)(uint32_t pfn, void *ctx), void *ctx);

#endif
