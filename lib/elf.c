/* ELF32 parsing and loading, for guest kernels and user programs (pure; see elf32.h). */
#include "elf32.h"
#include <public/errno.h>
#include "format.h"
#include "string.h"

/* One past the highest pseudo-physical byte: paddr_end, a page-rounded
 * uint32_t, must still be representable. */
#define PADDR_LIMIT     (0x100000000ull - PAGE_SIZE)

static int __printf(4, 5) fail(char *err, size_t errsize, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errsize) {
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static const char *class_name(uint8_t c)
{
	return c == ELF_CLASS64 ? "64-bit" : "invalid";
}

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case 40: return "ARM";
	case ELF_EM_X86_64: return "x86-64";
	case 183: return "AArch64";
	case 243: return "RISC-V";
	default: return "not i386";
	}
}

static const char *type_hint(uint16_t t)
{
	switch (t) {
	case ELF_ET_REL: return "a relocatable object: link it into an executable";
	case ELF_ET_DYN: return "a shared object or PIE: link with -no-pie";
	case 4: return "a core dump";
	default: return "unknown type";
	}
}

/* The file header checks: is this an ELF32 i386 executable at all? */
static int check_header(const struct elf32_ehdr *eh, size_t size, unsigned flags, char *err,
			size_t errsize)
{
	const uint8_t *id = eh->e_ident;

	if (memcmp(id, "\177ELF", 4))
		return fail(err, errsize, -RV_ENOEXEC,
			    "not an ELF image (starts with %02x %02x %02x %02x, need 7f 45 4c 46)",
			    id[0], id[1], id[2], id[3]);
	if (id[ELF_EI_CLASS] != ELF_CLASS32)
		return fail(err, errsize, -RV_ENOEXEC, "ELF class %u (%s): need a 32-bit ELF",
			    id[ELF_EI_CLASS], class_name(id[ELF_EI_CLASS]));
	if (id[ELF_EI_DATA] != ELF_DATA2LSB)
		return fail(err, errsize, -RV_ENOEXEC, "ELF data encoding %u (%s): need little-endian",
			    id[ELF_EI_DATA], id[ELF_EI_DATA] == ELF_DATA2MSB ? "big-endian" : "invalid");
	if (id[ELF_EI_VERSION] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
		return fail(err, errsize, -RV_ENOEXEC, "ELF version %u/%u: need 1",
			    id[ELF_EI_VERSION], eh->e_version);
	if (eh->e_machine != ELF_EM_386)
		return fail(err, errsize, -RV_ENOEXEC, "ELF machine %u (%s): need i386 (3)",
			    eh->e_machine, machine_name(eh->e_machine));
	if (eh->e_type != ELF_ET_EXEC && !(eh->e_type == ELF_ET_DYN && (flags & ELF_ALLOW_DYN)))
		return fail(err, errsize, -RV_ENOEXEC, "ELF type %u (%s): need an executable (2)",
			    eh->e_type, type_hint(eh->e_type));
	if (eh->e_phentsize != sizeof(struct elf32_phdr))
		return fail(err, errsize, -RV_EINVAL, "program header size %u: need 32",
			    eh->e_phentsize);
	/* e_phnum * 32 is at most 2 MiB: no overflow even with a 32-bit size_t. */
	if (eh->e_phoff > size || (size_t)eh->e_phnum * sizeof(struct elf32_phdr) > size - eh->e_phoff)
		return fail(err, errsize, -RV_EINVAL,
			    "program header table (offset 0x%x, %u entries) lies outside the %zu-byte image",
			    eh->e_phoff, eh->e_phnum, size);
	return 0;
}

/* The checks on one PT_LOAD segment by itself. */
static int check_segment(unsigned i, const struct elf32_phdr *ph, size_t size,
			 const struct elf_limits *lim, char *err, size_t errsize)
{
	uint64_t vend = (uint64_t)ph->p_vaddr + ph->p_memsz;
	uint64_t pend = (uint64_t)ph->p_paddr + ph->p_memsz;

	if (ph->p_filesz && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))
		return fail(err, errsize, -RV_EINVAL,
			    "segment %u: file bytes 0x%x + 0x%x lie outside the %zu-byte image",
			    i, ph->p_offset, ph->p_filesz, size);
	if (vend > 0x100000000ull)
		return fail(err, errsize, -RV_EINVAL, "segment %u: vaddr 0x%x + memsz 0x%x wraps past 4 GiB",
			    i, ph->p_vaddr, ph->p_memsz);
	if (vend > lim->virt_end)
		return fail(err, errsize, -RV_EINVAL,
			    "segment %u: vaddr 0x%x + memsz 0x%x ends above 0x%llx, where %s",
			    i, ph->p_vaddr, ph->p_memsz, (unsigned long long)lim->virt_end,
			    lim->virt_end_is ? lim->virt_end_is : "the caller's limit is");
	if (pend > PADDR_LIMIT)
		return fail(err, errsize, -RV_EINVAL,
			    "segment %u: paddr 0x%x + memsz 0x%x runs past 4 GiB", i,
			    ph->p_paddr, ph->p_memsz);
	return 0;
}

/* Does the new segment s (program header i) overlap an accepted one? */
static int check_overlap(const struct elf_image *img, unsigned i, char *err, size_t errsize)
{
	const struct elf_segment *s = &img->seg[img->nseg];

	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *o = &img->seg[k];
		/* Neither end wraps (check_segment), so plain comparisons hold. */
		if (s->paddr < o->paddr + o->memsz && o->paddr < s->paddr + s->memsz)
			return fail(err, errsize, -RV_EINVAL,
				    "segment %u: paddr 0x%x-0x%x overlaps an earlier segment at 0x%x-0x%x",
				    i, s->paddr, s->paddr + s->memsz - 1, o->paddr,
				    o->paddr + o->memsz - 1);
	}
	return 0;
}

static int parse_phdrs(const uint8_t *base, size_t size, const struct elf32_ehdr *eh,
		       const struct elf_limits *lim, struct elf_image *img, char *err, size_t errsize)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		struct elf32_phdr ph;
		int rc;

		/* The blob may be unaligned: copy rather than cast. */
		memcpy(&ph, base + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == ELF_PT_INTERP)
			return fail(err, errsize, -RV_ENOEXEC,
				    "segment %u: asks for a program interpreter (dynamically linked): link with -static",
				    i);
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return fail(err, errsize, -RV_EINVAL, "segment %u: filesz 0x%x exceeds memsz 0x%x",
				    i, ph.p_filesz, ph.p_memsz);
		if (ph.p_memsz == 0)
			continue;       /* occupies nothing; its addresses do not matter */
		if (img->nseg == ELF_MAX_SEGMENTS)
			return fail(err, errsize, -RV_ENOEXEC, "more than %u loadable segments",
				    ELF_MAX_SEGMENTS);
		rc = check_segment(i, &ph, size, lim, err, errsize);
		if (rc)
			return rc;

		uint32_t vbase = ph.p_vaddr - ph.p_paddr;
		if (img->nseg == 0 && vbase % PAGE_SIZE)
			return fail(err, errsize, -RV_EINVAL,
				    "segment %u: vaddr 0x%x - paddr 0x%x = 0x%x is not a multiple of 4 KiB",
				    i, ph.p_vaddr, ph.p_paddr, vbase);
		if (img->nseg == 0)
			img->virt_base = vbase;
		else if (vbase != img->virt_base)
			return fail(err, errsize, -RV_EINVAL,
				    "segment %u: vaddr - paddr is 0x%x, earlier segments have 0x%x: need one offset for all",
				    i, vbase, img->virt_base);

		struct elf_segment *s = &img->seg[img->nseg];
		s->vaddr = ph.p_vaddr;
		s->paddr = ph.p_paddr;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
		s->offset = ph.p_filesz ? ph.p_offset : 0;
		s->flags = ph.p_flags & (ELF_PF_X | ELF_PF_W | ELF_PF_R);
		rc = check_overlap(img, i, err, errsize);
		if (rc)
			return rc;
		/* Below PADDR_LIMIT, so rounding up cannot overflow. */
		uint32_t end = ALIGN_UP(s->paddr + s->memsz, PAGE_SIZE);
		if (end > img->paddr_end)
			img->paddr_end = end;
		img->nseg++;
	}
	if (img->nseg == 0)
		return fail(err, errsize, -RV_ENOEXEC, "no loadable (PT_LOAD) segment");
	return 0;
}

static bool entry_ok(const struct elf_image *img, unsigned flags)
{
	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];
		uint32_t at = (flags & ELF_ENTRY_PHYS) ? s->paddr : s->vaddr;
		if ((s->flags & ELF_PF_X) && img->entry >= at && img->entry - at < s->memsz)
			return true;
	}
	return false;
}

int elf_parse_limits(const void *data, size_t size, const struct elf_limits *lim,
		     struct elf_image *img, char *err, size_t errsize)
{
	struct elf32_ehdr eh;
	int rc;

	memset(img, 0, sizeof(*img));
	if (err && errsize)
		err[0] = '\0';
	if (!data || size < sizeof(eh))
		return fail(err, errsize, -RV_ENOEXEC,
			    "image is %zu bytes, too short for an ELF header (52)", data ? size : 0);
	memcpy(&eh, data, sizeof(eh));
	rc = check_header(&eh, size, lim->flags, err, errsize);
	if (!rc)
		rc = parse_phdrs(data, size, &eh, lim, img, err, errsize);
	if (!rc) {
		img->dyn = eh.e_type == ELF_ET_DYN;
		img->entry = eh.e_entry;
		if (!entry_ok(img, lim->flags))
			rc = fail(err, errsize, -RV_EINVAL,
				  "entry point 0x%x is not inside an executable segment", eh.e_entry);
	}
	if (rc)
		memset(img, 0, sizeof(*img));
	return rc;
}

int elf_relocate(struct elf_image *img, uint32_t bias, const struct elf_limits *lim)
{
	if (!img->dyn || bias % PAGE_SIZE)
		return -RV_EINVAL;
	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];
		uint64_t vend = (uint64_t)bias + s->vaddr + s->memsz;
		uint64_t pend = (uint64_t)bias + s->paddr + s->memsz;
		if (vend > lim->virt_end || pend > PADDR_LIMIT)
			return -RV_EINVAL;
	}
	for (unsigned k = 0; k < img->nseg; k++) {
		img->seg[k].vaddr += bias;
		img->seg[k].paddr += bias;
	}
	img->entry += bias;
	img->paddr_end = ALIGN_UP(img->paddr_end + bias, PAGE_SIZE);
	img->dyn = false;               /* placed: its addresses are absolute now */
	return 0;
}

/* Copy one segment: page by page, file bytes first, then zeroes. */
static int load_segment(const struct elf_segment *s, const uint8_t *base,
			void *(*page)(uint32_t pfn, void *ctx), void *ctx)
{
	uint32_t done = 0;

	while (done < s->memsz) {
		uint32_t addr = s->paddr + done;
		uint32_t off = addr % PAGE_SIZE;
		uint32_t chunk = MIN(PAGE_SIZE - off, s->memsz - done);
		uint8_t *dst = page(addr >> PAGE_SHIFT, ctx);

		if (!dst)
			return -RV_EFAULT;
		dst += off;
		uint32_t from_file = done < s->filesz ? MIN(chunk, s->filesz - done) : 0;
		if (from_file)
			memcpy(dst, base + s->offset + done, from_file);
		memset(dst + from_file, 0, chunk - from_file);
		done += chunk;
	}
	return 0;
}

int elf_load(const struct elf_image *img, const void *data, size_t size,
	     void *(*page)(uint32_t pfn, void *ctx), void *ctx)
{
	const uint8_t *base = data;

	if (img->nseg > ELF_MAX_SEGMENTS)
		return -RV_EINVAL;
	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];
		/* Re-checked because the image and the blob come in separately. */
		if (s->filesz > s->memsz || (uint64_t)s->paddr + s->memsz > PADDR_LIMIT ||
		    (s->filesz && (!data || s->offset > size || s->filesz > size - s->offset)))
			return -RV_EINVAL;
	}
	for (unsigned k = 0; k < img->nseg; k++) {
		int rc = load_segment(&img->seg[k], base, page, ctx);
		if (rc)
			return rc;
	}
	return 0;
}
