/* lib/elf.c: every refusal of a bad guest image, loading into guest pages, fuzzing, real ELFs. */
#include "unit.h"

#include <string.h>

#include "elf.h"
#include "errno.h"
#include <public/ringvisor.h>

#define MAX_PH  20
#define ERRSZ   200

/* An image under construction: headers as structs, file bytes as a pattern. */
struct builder {
	struct elf32_ehdr eh;
	struct elf32_phdr ph[MAX_PH];
	uint32_t size;
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + 7 + (i >> 8));
}

static void set_ph(struct builder *b, unsigned i, uint32_t type, uint32_t off, uint32_t vaddr,
		   uint32_t paddr, uint32_t filesz, uint32_t memsz, uint32_t flags)
{
	b->ph[i] = (struct elf32_phdr){ type, off, vaddr, paddr, filesz, memsz, flags, PAGE_SIZE };
}

/*
 * The valid image: text RX at 0xc0001000 (paddr 0x1000, 0x1800 bytes), data
 * RW at 0xc0003000 (0x900 bytes in the file, 0x2100 in memory: bss), and a
 * PT_GNU_STACK that must be ignored.
 */
static void valid(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->eh.e_ident, "\177ELF\1\1\1", 7);
	b->eh.e_type = ELF_ET_EXEC;
	b->eh.e_machine = ELF_EM_386;
	b->eh.e_version = 1;
	b->eh.e_entry = 0xc0001010;
	b->eh.e_phoff = sizeof(struct elf32_ehdr);
	b->eh.e_ehsize = sizeof(struct elf32_ehdr);
	b->eh.e_phentsize = sizeof(struct elf32_phdr);
	b->eh.e_phnum = 3;
	set_ph(b, 0, ELF_PT_LOAD, 0x1000, 0xc0001000, 0x1000, 0x1800, 0x1800, ELF_PF_R | ELF_PF_X);
	set_ph(b, 1, ELF_PT_LOAD, 0x2800, 0xc0003000, 0x3000, 0x900, 0x2100, ELF_PF_R | ELF_PF_W);
	set_ph(b, 2, ELF_PT_GNU_STACK, 0, 0, 0, 0, 0, ELF_PF_R | ELF_PF_W);
	b->size = 0x3100;
}

/* The file bytes, in a heap block of exactly size bytes so ASan sees overreads.
 * Headers are written only as far as they fit. */
static uint8_t *serialize(const struct builder *b)
{
	uint8_t *buf = malloc(b->size ? b->size : 1);
	uint64_t phbytes = (uint64_t)b->eh.e_phnum * sizeof(struct elf32_phdr);

	assert_non_null(buf);
	for (size_t i = 0; i < b->size; i++)
		buf[i] = pattern(i);
	memcpy(buf, &b->eh, MIN(b->size, sizeof(b->eh)));
	if (b->eh.e_phoff < b->size && b->eh.e_phnum <= MAX_PH)
		memcpy(buf + b->eh.e_phoff, b->ph, MIN(phbytes, b->size - b->eh.e_phoff));
	return buf;
}

static int parse(const struct builder *b, struct elf_image *img, char *err)
{
	uint8_t *blob = serialize(b);
	int rc = elf_parse(blob, b->size, img, err, ERRSZ);
	free(blob);
	return rc;
}

static void expect_ok(const struct builder *b, struct elf_image *img)
{
	char err[ERRSZ];
	int rc = parse(b, img, err);
	if (rc)
		fail_msg("elf_parse = %d \"%s\"; want 0", rc, err);
	assert_string_equal(err, "");
}

/* Fake guest memory: NPAGES pages from pfn 0, prefilled with 0xaa. */
#define NPAGES 16
static uint8_t guest[NPAGES][PAGE_SIZE];

struct mem {
	unsigned budget;        /* pages handed out before NULL (fuzz: bounds the work) */
	bool any_pfn;           /* map every pfn onto one scratch page */
};

static void *page_of(uint32_t pfn, void *ctx)
{
	struct mem *m = ctx;

	if (m->budget == 0)
		return NULL;
	m->budget--;
	if (m->any_pfn)
		return guest[pfn % NPAGES];
	return pfn < NPAGES ? guest[pfn] : NULL;
}

/* Guest memory after loading: [start, end) holds blob[src..] or zeroes (src < 0). */
struct range { uint32_t start, end; long src; };

static void expect_guest(const uint8_t *blob, const struct range *r, size_t n)
{
	const uint8_t *g = guest[0];

	for (uint32_t a = 0; a < NPAGES * PAGE_SIZE; a++) {
		uint8_t want = 0xaa;                            /* untouched */
		for (size_t i = 0; i < n; i++)
			if (a >= r[i].start && a < r[i].end)
				want = r[i].src < 0 ? 0 : blob[r[i].src + (a - r[i].start)];
		if (g[a] != want)
			fail_msg("guest byte 0x%x = 0x%02x, want 0x%02x", a, g[a], want);
	}
}

static void test_valid_round_trip(void **state)
{
	static const struct range want[] = {
		{ 0x1000, 0x2800, 0x1000 }, { 0x3000, 0x3900, 0x2800 }, { 0x3900, 0x5100, -1 },
	};
	static const struct elf_segment want_seg[] = {
		{ 0xc0001000, 0x1000, 0x1800, 0x1800, 0x1000, ELF_PF_R | ELF_PF_X },
		{ 0xc0003000, 0x3000, 0x900, 0x2100, 0x2800, ELF_PF_R | ELF_PF_W },
	};
	struct builder b;
	struct elf_image img;

	valid(&b);
	expect_ok(&b, &img);
	assert_int_equal(img.entry, 0xc0001010);
	assert_int_equal(img.virt_base, 0xc0000000);
	assert_int_equal(img.paddr_end, 0x6000);
	assert_int_equal(img.nseg, 2);
	assert_memory_equal(img.seg, want_seg, sizeof(want_seg));

	uint8_t *blob = serialize(&b);
	struct mem m = { .budget = 100 };
	memset(guest, 0xaa, sizeof(guest));
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), 0);
	expect_guest(blob, want, ARRAY_SIZE(want));
	free(blob);
}

/* A segment that starts and ends mid-page touches only its own bytes. */
static void test_mid_page_segment(void **state)
{
	static const struct range want[] = { { 0x123, 0x2123, 0x1077 }, { 0x2123, 0x2468, -1 } };
	struct builder b;
	struct elf_image img;

	valid(&b);
	b.eh.e_phnum = 1;
	b.eh.e_entry = 0xc0000123;
	set_ph(&b, 0, ELF_PT_LOAD, 0x1077, 0xc0000123, 0x123, 0x2000, 0x2345, ELF_PF_R | ELF_PF_X);
	expect_ok(&b, &img);
	assert_int_equal(img.paddr_end, 0x3000);

	uint8_t *blob = serialize(&b);
	struct mem m = { .budget = 100 };
	memset(guest, 0xaa, sizeof(guest));
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), 0);
	assert_int_equal(m.budget, 97);                         /* three pages */
	expect_guest(blob, want, ARRAY_SIZE(want));
	free(blob);
}

static void test_load_faults(void **state)
{
	struct builder b;
	struct elf_image img;

	valid(&b);
	expect_ok(&b, &img);
	uint8_t *blob = serialize(&b);
	struct mem m = { .budget = 2 };                 /* the third page is missing */
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), -EFAULT);
	m.budget = 100;
	img.seg[1].paddr = NPAGES * PAGE_SIZE;          /* beyond the fake memory */
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), -EFAULT);
	/* An image that does not fit the blob it is loaded from. */
	expect_ok(&b, &img);
	assert_int_equal(elf_load(&img, blob, b.size - 1, page_of, &m), -EINVAL);
	img.seg[0].filesz = img.seg[0].memsz + 1;
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), -EINVAL);
	free(blob);
}

/* Changes to the valid image: a byte offset in its headers, a width, a value. */
struct patch { uint16_t off, width; uint32_t val; };
#define P_SIZE(v)       { 0xffff, 4, (v) }       /* the file's size */
#define P_ID(i, v)      { (i), 1, (v) }
#define P_EH(f, v)      { offsetof(struct elf32_ehdr, f), sizeof(((struct elf32_ehdr *)0)->f), (v) }
#define P_PH(i, f, v)   { sizeof(struct elf32_ehdr) + (i) * sizeof(struct elf32_phdr) + \
			  offsetof(struct elf32_phdr, f), 4, (v) }

struct variant {
	int rc;                 /* 0: accepted */
	const char *msg;        /* a key part of the reason */
	struct patch p[6];
};

static const struct variant variants[] = {
	{ -ENOEXEC, "image is 51 bytes, too short for an ELF header", { P_SIZE(51) } },
	{ -ENOEXEC, "image is 0 bytes, too short", { P_SIZE(0) } },
	{ -ENOEXEC, "not an ELF image (starts with 7f 65 4c 46", { P_ID(1, 'e') } },
	{ -ENOEXEC, "ELF class 2 (64-bit): need a 32-bit ELF", { P_ID(ELF_EI_CLASS, 2) } },
	{ -ENOEXEC, "ELF class 0 (invalid)", { P_ID(ELF_EI_CLASS, 0) } },
	{ -ENOEXEC, "ELF data encoding 2 (big-endian): need little-endian", { P_ID(ELF_EI_DATA, 2) } },
	{ -ENOEXEC, "ELF version 0/1: need 1", { P_ID(ELF_EI_VERSION, 0) } },
	{ -ENOEXEC, "ELF version 1/2: need 1", { P_EH(e_version, 2) } },
	{ -ENOEXEC, "ELF machine 62 (x86-64): need i386 (3)", { P_EH(e_machine, 62) } },
	{ -ENOEXEC, "ELF type 3 (a shared object or PIE: link with -no-pie)", { P_EH(e_type, 3) } },
	{ -ENOEXEC, "ELF type 1 (a relocatable object", { P_EH(e_type, 1) } },
	{ -EINVAL, "program header size 56: need 32", { P_EH(e_phentsize, 56) } },
	{ -EINVAL, "program header table (offset 0x3101, 3 entries) lies outside the 12544-byte image",
	  { P_EH(e_phoff, 0x3101) } },
	{ -EINVAL, "(offset 0x30a1, 3 entries) lies outside", { P_EH(e_phoff, 0x3100 - 95) } },
	{ -EINVAL, "(offset 0xfffffff0, 3 entries)", { P_EH(e_phoff, 0xfffffff0) } },
	{ -EINVAL, "(offset 0x34, 65535 entries) lies outside", { P_EH(e_phnum, 0xffff) } },
	{ -ENOEXEC, "no loadable (PT_LOAD) segment", { P_EH(e_phnum, 0) } },
	{ -ENOEXEC, "no loadable (PT_LOAD) segment",    /* notes are ignored, however absurd */
	  { P_EH(e_phnum, 1), P_PH(0, p_type, ELF_PT_NOTE), P_PH(0, p_offset, 0xffffff00) } },
	{ -ENOEXEC, "segment 2: asks for a program interpreter", { P_PH(2, p_type, ELF_PT_INTERP) } },
	{ -EINVAL, "segment 1: filesz 0x2101 exceeds memsz 0x2100", { P_PH(1, p_filesz, 0x2101) } },
	{ -EINVAL, "segment 1: file bytes 0x2800 + 0x901 lie outside the 12544-byte image",
	  { P_PH(1, p_filesz, 0x901) } },
	{ -EINVAL, "segment 1: file bytes 0xffffff00 + 0x200 lie outside",
	  { P_PH(1, p_offset, 0xffffff00), P_PH(1, p_filesz, 0x200) } },
	{ -EINVAL, "segment 1: vaddr 0xfffff000 + memsz 0x2100 wraps past 4 GiB",
	  { P_PH(1, p_vaddr, 0xfffff000), P_PH(1, p_paddr, 0x3ffff000) } },
	{ -EINVAL, "segment 1: vaddr 0xffbff000 + memsz 0x2100 ends above 0xffc00000, where the "
	  "hypervisor's switch region starts",
	  { P_PH(1, p_vaddr, 0xffbff000), P_PH(1, p_paddr, 0x3fbff000) } },
	{ -EINVAL, "segment 0: paddr 0xfffff000 + memsz 0x1800 runs past 4 GiB",
	  { P_PH(0, p_vaddr, 0xbffff000), P_PH(0, p_paddr, 0xfffff000) } },
	{ -EINVAL, "segment 1: vaddr - paddr is 0xc0000001, earlier segments have 0xc0000000",
	  { P_PH(1, p_vaddr, 0xc0003001) } },
	{ -EINVAL, "segment 0: vaddr 0xc0001000 - paddr 0x1800 = 0xbffff800 is not a multiple of 4 KiB",
	  { P_PH(0, p_paddr, 0x1800), P_PH(1, p_paddr, 0x3800) } },
	{ -EINVAL, "segment 1: paddr 0x2700-0x47ff overlaps an earlier segment at 0x1000-0x27ff",
	  { P_PH(1, p_vaddr, 0xc0002700), P_PH(1, p_paddr, 0x2700) } },
	{ -EINVAL, "segment 1: paddr 0x27ff-0x48fe overlaps",  /* by one byte */
	  { P_PH(1, p_vaddr, 0xc00027ff), P_PH(1, p_paddr, 0x27ff) } },
	{ -EINVAL, "segment 1: paddr 0x0-0x1000 overlaps",     /* from below */
	  { P_PH(1, p_vaddr, 0xc0000000), P_PH(1, p_paddr, 0), P_PH(1, p_memsz, 0x1001) } },
	{ -EINVAL, "entry point 0xc0003000 is not inside an executable segment", /* data */
	  { P_EH(e_entry, 0xc0003000) } },
	{ -EINVAL, "entry point 0xc0002800 is not", { P_EH(e_entry, 0xc0002800) } },
	{ -EINVAL, "entry point 0x1010 is not", { P_EH(e_entry, 0x1010) } },
	/* Accepted: the edges of the rules above. */
	{ 0, "last byte of text", { P_EH(e_entry, 0xc00027ff) } },
	{ 0, "first byte of text", { P_EH(e_entry, 0xc0001000) } },
	{ 0, "touching in one page", { P_PH(1, p_vaddr, 0xc0002800), P_PH(1, p_paddr, 0x2800) } },
	{ 0, "empty PT_LOAD in the switch region", { P_PH(2, p_type, ELF_PT_LOAD),
	  P_PH(2, p_vaddr, 0xfffff000), P_PH(2, p_offset, 0xffffffff), P_PH(2, p_memsz, 0) } },
	{ 0, "up to the switch region", { P_PH(0, p_vaddr, 0xffbf0000), P_PH(0, p_paddr, 0x3fbf0000),
	  P_PH(1, p_vaddr, 0xffbfd000), P_PH(1, p_paddr, 0x3fbfd000), P_PH(1, p_memsz, 0x3000),
	  P_EH(e_entry, 0xffbf17ff) } },
};

static void test_variants(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
		const struct variant *v = &variants[i];
		struct elf_image img;
		struct builder b;
		char err[ERRSZ];

		valid(&b);
		for (const struct patch *p = v->p; p < v->p + 6 && p->width; p++) {
			uint8_t *at = p->off == 0xffff ? (uint8_t *)&b.size :
				      p->off < sizeof(b.eh) ? (uint8_t *)&b.eh + p->off :
				      (uint8_t *)b.ph + p->off - sizeof(b.eh);
			memcpy(at, &p->val, p->width);          /* little-endian host */
		}
		memset(&img, 0x55, sizeof(img));
		int rc = parse(&b, &img, err);
		if (rc != v->rc || (rc && !strstr(err, v->msg)))
			fail_msg("variant %zu: elf_parse = %d \"%s\"; want %d with \"%s\"", i, rc, err,
				 v->rc, v->msg);
		if (rc)
			assert_int_equal(img.nseg, 0);  /* nothing half-parsed is left behind */
		else
			assert_int_equal(img.nseg, 2);
	}
}

/* 16 loadable segments are fine, 17 are not; empty ones do not count. */
static void test_segment_count(void **state)
{
	struct builder b;
	struct elf_image img;
	char err[ERRSZ];

	valid(&b);
	b.eh.e_phnum = 17;
	b.eh.e_entry = 0xc0000000;
	for (unsigned i = 0; i < 17; i++)
		set_ph(&b, i, ELF_PT_LOAD, 0, 0xc0000000 + i * PAGE_SIZE, i * PAGE_SIZE, 0,
		       PAGE_SIZE, ELF_PF_R | ELF_PF_X);
	assert_int_equal(parse(&b, &img, err), -ENOEXEC);
	assert_string_equal(err, "more than 16 loadable segments");
	b.ph[16].p_memsz = 0;
	expect_ok(&b, &img);
	assert_int_equal(img.nseg, 16);
	assert_int_equal(img.paddr_end, 16 * PAGE_SIZE);
}

/* err may be NULL, empty or short; a reason is cut, never overrun. */
static void test_err_buffer(void **state)
{
	struct builder b;
	struct elf_image img;
	char err[8];

	valid(&b);
	b.eh.e_ident[ELF_EI_CLASS] = 2;
	uint8_t *blob = serialize(&b);
	assert_int_equal(elf_parse(blob, b.size, &img, NULL, 0), -ENOEXEC);
	memset(err, 'x', sizeof(err));
	assert_int_equal(elf_parse(blob, b.size, &img, err, 0), -ENOEXEC);
	assert_int_equal(err[0], 'x');
	assert_int_equal(elf_parse(blob, b.size, &img, err, sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "ELF cla");
	assert_int_equal(elf_parse(NULL, 100, &img, err, sizeof(err)), -ENOEXEC);
	free(blob);
}

/* What must hold for every image elf_parse accepts. */
static void check_invariants(const struct elf_image *img, size_t size)
{
	bool entry_in_x = false;

	assert_true(img->nseg >= 1 && img->nseg <= ELF_MAX_SEGMENTS);
	assert_int_equal(img->virt_base % PAGE_SIZE, 0);
	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];
		assert_true(s->memsz > 0 && s->filesz <= s->memsz);
		assert_true(s->filesz == 0 || (uint64_t)s->offset + s->filesz <= size);
		assert_true((uint64_t)s->vaddr + s->memsz <= RV_GUEST_VIRT_END);
		assert_int_equal(s->vaddr - s->paddr, img->virt_base);
		assert_true((uint64_t)s->paddr + s->memsz <= img->paddr_end);
		for (unsigned j = 0; j < k; j++) {
			const struct elf_segment *o = &img->seg[j];
			assert_true(s->paddr >= o->paddr + o->memsz || o->paddr >= s->paddr + s->memsz);
		}
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			entry_in_x = true;
	}
	assert_true(entry_in_x);
	assert_int_equal(img->paddr_end % PAGE_SIZE, 0);
}

static void test_fuzz(void **state)
{
	static const uint32_t interesting[] = {
		0, 1, 0x34, 0xfff, 0x1000, 0x3100, 0x7fffffff, 0x80000000, 0xbffff000,
		0xffbff000, 0xffc00000, 0xfffff000, 0xffffffff,
	};
	uint64_t rng = unit_seed("elf fuzz");
	struct builder b;
	unsigned accepted = 0, refused = 0;

	valid(&b);
	uint8_t *orig = serialize(&b);
	for (int iter = 0; iter < 20000; iter++) {
		size_t size = b.size;
		uint8_t *blob = malloc(size);
		memcpy(blob, orig, size);
		for (int n = 1 + unit_below(&rng, 6); n > 0; n--) {
			unsigned what = unit_below(&rng, 100);
			if (what < 55) {                        /* a header byte */
				blob[unit_below(&rng, 52 + 3 * 32)] = unit_rand(&rng);
			} else if (what < 80) {                 /* a header word */
				uint32_t v = interesting[unit_below(&rng, ARRAY_SIZE(interesting))];
				memcpy(blob + unit_below(&rng, 52 + 3 * 32 - 3), &v, 4);
			} else if (what < 90) {                 /* any bit */
				blob[unit_below(&rng, size)] ^= 1u << unit_below(&rng, 8);
			} else {                                /* truncate */
				size = unit_below(&rng, size + 1);
			}
		}
		/* A truncated copy of exactly size bytes, so ASan catches overreads. */
		uint8_t *exact = malloc(size ? size : 1);
		memcpy(exact, blob, size);
		free(blob);

		struct elf_image img;
		char err[ERRSZ];
		size_t errsize = unit_below(&rng, 4) ? ERRSZ : unit_below(&rng, 12);
		memset(err, 'z', sizeof(err));
		int rc = elf_parse(exact, size, &img, err, errsize);
		if (rc == 0) {
			accepted++;
			check_invariants(&img, size);
			struct mem m = { .budget = 64, .any_pfn = true };
			rc = elf_load(&img, exact, size, page_of, &m);
			assert_true(rc == 0 || (rc == -EFAULT && m.budget == 0));
		} else {
			refused++;
			assert_true(rc == -ENOEXEC || rc == -EINVAL);
			if (errsize)
				assert_true(strnlen(err, errsize) < errsize);
			if (errsize > 1)
				assert_true(err[0] != '\0');
		}
		free(exact);
	}
	free(orig);
	print_message("# elf fuzz: %u accepted, %u refused\n", accepted, refused);
	assert_true(accepted > 500 && refused > 500);   /* both paths were exercised */
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

/*
 * Real gcc output. The hypervisor's own image has its stubs at 0xffc06000, so
 * it must be refused as a guest; RV_TEST_ELF may name a guest kernel that must
 * parse and load.
 */
static void test_real_elfs(void **state)
{
	const char *build = getenv("BUILD"), *guest_path = getenv("RV_TEST_ELF");
	char path[512], err[ERRSZ];
	struct elf_image img;
	size_t size;
	uint8_t *blob;

	snprintf(path, sizeof(path), "%s/hv/hv.elf", build ? build : "build");
	blob = read_file(path, &size);
	if (blob) {
		assert_int_equal(elf_parse(blob, size, &img, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "switch region"));
		assert_non_null(strstr(err, "0xffc00000"));
		free(blob);
	}
	if (guest_path) {
		blob = read_file(guest_path, &size);
		if (!blob)
			fail_msg("RV_TEST_ELF=%s: cannot read it", guest_path);
		if (elf_parse(blob, size, &img, err, sizeof(err)))
			fail_msg("%s: %s", guest_path, err);
		check_invariants(&img, size);
		struct mem m = { .budget = 1u << 20, .any_pfn = true };
		assert_int_equal(elf_load(&img, blob, size, page_of, &m), 0);
		free(blob);
	} else if (!blob) {
		skip();
	}
}

/* ET_DYN (a static-pie): refused by elf_parse, as for a guest kernel; taken
 * by elf_parse_limits(ELF_ALLOW_DYN) and placed by elf_relocate. */
static const struct elf_limits pie = {
	.virt_end = RV_GUEST_VIRT_END, .virt_end_is = "the switch region starts", .flags = ELF_ALLOW_DYN,
};
static void test_dyn(void **state)
{
	struct builder b;
	struct elf_image img;
	char err[ERRSZ];
	(void)state;

	valid(&b);
	b.eh.e_type = ELF_ET_DYN;
	b.eh.e_entry = 0x1010;
	set_ph(&b, 0, ELF_PT_LOAD, 0x1000, 0x1000, 0x1000, 0x1800, 0x1800, ELF_PF_R | ELF_PF_X);
	set_ph(&b, 1, ELF_PT_LOAD, 0x2800, 0x3000, 0x3000, 0x900, 0x2100, ELF_PF_R | ELF_PF_W);
	uint8_t *blob = serialize(&b);
	assert_int_equal(elf_parse(blob, b.size, &img, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, "PIE"));
	assert_int_equal(elf_parse_limits(blob, b.size, &pie, &img, err, sizeof(err)), 0);
	assert_true(img.dyn);
	assert_int_equal(elf_relocate(&img, 0x10000123, &pie), -EINVAL);      /* not page-aligned */
	assert_int_equal(elf_relocate(&img, 0xffbfe000, &pie), -EINVAL);      /* would reach the switch region */
	assert_int_equal(elf_relocate(&img, 0x10000000, &pie), 0);
	assert_false(img.dyn);
	assert_int_equal(img.entry, 0x10001010);
	assert_int_equal(img.seg[0].vaddr, 0x10001000);
	assert_int_equal(img.seg[1].vaddr, 0x10003000);
	assert_int_equal(img.seg[1].paddr, 0x10003000);
	assert_int_equal(elf_relocate(&img, 0x10000000, &pie), -EINVAL);      /* already placed */
	struct mem m = { .budget = 1u << 20, .any_pfn = true };
	assert_int_equal(elf_load(&img, blob, b.size, page_of, &m), 0);
	/* An ET_EXEC image is not relocatable. */
	free(blob);
	valid(&b);
	blob = serialize(&b);
	assert_int_equal(elf_parse_limits(blob, b.size, &pie, &img, err, sizeof(err)), 0);
	assert_false(img.dyn);
	assert_int_equal(elf_relocate(&img, 0x10000000, &pie), -EINVAL);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_round_trip),
		cmocka_unit_test(test_mid_page_segment),
		cmocka_unit_test(test_load_faults),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_segment_count),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_real_elfs),
		cmocka_unit_test(test_dyn),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
