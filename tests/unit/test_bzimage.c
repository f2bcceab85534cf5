/*
 * hv/loader/bzimage.c: Debian's real 32-bit kernel ($BUILD/linux/vmlinuz,
 * fetched by tools/setup.sh) checked against bytes read here at boot.rst's
 * offsets, synthetic images refused one field at a time, kernel and initrd
 * placement, the PC e820 map and the zero page read back byte by byte at
 * zero-page.rst's offsets.
 */
#include "unit.h"

#include <string.h>

#include "bzimage.h"
#include "errno.h"

#define ERRSZ   300
#define MiB_    0x100000u

/* Little-endian reads at documented offsets: the test's own view of the bytes. */
static uint32_t rd8(const uint8_t *p, size_t off) { return p[off]; }
static uint32_t rd16(const uint8_t *p, size_t off) { return p[off] | p[off + 1] << 8; }
static uint32_t rd32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
	       (uint32_t)p[off + 3] << 24;
}
static uint64_t rd64(const uint8_t *p, size_t off)
{
	return rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}
static void wr8(uint8_t *p, size_t off, uint32_t v) { p[off] = (uint8_t)v; }
static void wr16(uint8_t *p, size_t off, uint32_t v) { wr8(p, off, v); wr8(p, off + 1, v >> 8); }
static void wr32(uint8_t *p, size_t off, uint32_t v) { wr16(p, off, v); wr16(p, off + 2, v >> 16); }
static void wr64(uint8_t *p, size_t off, uint64_t v) { wr32(p, off, (uint32_t)v); wr32(p, off + 4, (uint32_t)(v >> 32)); }

/* ------------------------------------------------------------ real kernel */

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");
	return b && *b ? b : "build";
}

static uint8_t *read_file(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/linux/%s", build_dir(), name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s is missing: run 'make setup' (it fetches Debian's kernel)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);    /* exactly n bytes: ASan sees any overread */
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

static void real_kernel_fields(void **state)
{
	size_t len, vlen;
	uint8_t *img = read_file("vmlinuz", &len);
	uint8_t *ver = read_file("version", &vlen);
	struct bzimage_info bi;
	char err[ERRSZ] = "";
	uint32_t sects, koff, payload;

	assert_int_equal(bzimage_parse(img, len, &bi, err, sizeof(err)), 0);

	/* boot.rst's offsets, read here without the loader's struct. */
	sects = rd8(img, 0x1f1) ? rd8(img, 0x1f1) : 4;
	koff = (sects + 1) * 512;
	assert_int_equal(bi.setup_sects, sects);
	assert_int_equal(bi.kernel_offset, koff);
	assert_int_equal(bi.kernel_size, rd32(img, 0x1f4) * 16);
	assert_int_equal(bi.version, rd16(img, 0x206));
	assert_int_equal(bi.hdr.loadflags, rd8(img, 0x211));
	assert_int_equal(bi.hdr.code32_start, rd32(img, 0x214));
	assert_int_equal(bi.initrd_addr_max, rd32(img, 0x22c));
	assert_int_equal(bi.kernel_alignment, rd32(img, 0x230));
	assert_int_equal(bi.relocatable, rd8(img, 0x234));
	assert_int_equal(bi.cmdline_size, rd32(img, 0x238));
	assert_int_equal(bi.pref_address, rd64(img, 0x258));
	assert_int_equal(bi.init_size, rd32(img, 0x260));
	assert_int_equal(bi.hdr_len, 0x202 + rd8(img, 0x201) - 0x1f1 > 0x26c - 0x1f1 ?
				     0x26c - 0x1f1 : 0x202 + rd8(img, 0x201) - 0x1f1);

	/* What any 686 bzImage of today must say. */
	assert_true(bi.version >= 0x020a);      /* pref_address, init_size */
	assert_true(rd8(img, 0x211) & 0x01);    /* LOADED_HIGH */
	assert_int_equal(rd32(img, 0x214), 0x100000);
	assert_true(koff + bi.kernel_size <= len);
	assert_true(bi.init_size >= bi.kernel_size);

	/* The protected-mode kernel starts with startup_32 (head_32.S):
	 * cld (fc), cli (fa). A wrong offset would land elsewhere. */
	assert_int_equal(img[koff], 0xfc);
	assert_int_equal(img[koff + 1], 0xfa);

	/* The compressed payload (payload_offset, from the protected-mode
	 * code, 2.08+) starts with one of the decompressors' magic numbers. */
	payload = koff + rd32(img, 0x248);
	assert_true(payload + 6 <= len);
	assert_true(!memcmp(img + payload, "\xfd" "7zXZ\0", 6) ||     /* xz */
		    !memcmp(img + payload, "\x1f\x8b", 2) ||          /* gzip */
		    !memcmp(img + payload, "\x28\xb5\x2f\xfd", 4) ||  /* zstd */
		    !memcmp(img + payload, "BZh", 3) ||               /* bzip2 */
		    !memcmp(img + payload, "\x5d\x00", 2) ||          /* lzma */
		    !memcmp(img + payload, "\x02\x21\x4c\x18", 4) ||  /* lz4 */
		    !memcmp(img + payload, "\x89LZO", 4));            /* lzo */

	/* The version string is `uname -r` first: setup's package name. */
	while (vlen && (ver[vlen - 1] == '\n' || ver[vlen - 1] == ' '))
		vlen--;
	assert_true(vlen > 0);
	assert_memory_equal(bi.version_string, ver, vlen);
	assert_int_equal(bi.version_string[vlen], ' ');
	print_message("# %s: protocol %u.%02u, %u setup sectors, kernel 0x%x bytes, init_size 0x%x, pref 0x%x\n",
		      bi.version_string, bi.version >> 8, bi.version & 0xff, bi.setup_sects,
		      bi.kernel_size, bi.init_size, bi.pref_address);
	free(img);
	free(ver);
}

/* The whole loader on the real kernel: a 128 MiB PC, a 2 MiB initrd. */
static void real_kernel_boot(void **state)
{
	size_t len;
	uint8_t *img = read_file("vmlinuz", &len);
	struct bzimage_info bi;
	struct e820_entry map[8];
	uint8_t *zp = malloc(4096);
	char err[ERRSZ] = "";
	uint32_t load, initrd;
	const uint32_t ram = 128 * MiB_, ilen = 2 * MiB_ + 123;
	int n;

	assert_int_equal(bzimage_parse(img, len, &bi, err, sizeof(err)), 0);
	n = bzimage_pc_e820(map, 8, ram);
	assert_int_equal(n, 5);

	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, rd64(img, 0x258));       /* it fits where it prefers */
	assert_int_equal(bzimage_initrd_place(&bi, map, n, ilen, load, &initrd, err, sizeof(err)), 0);
	/* The highest 4 KiB boundary under the top of RAM. */
	assert_int_equal(initrd, (ram - ilen) & ~0xfffu);
	assert_true(initrd >= load + bi.init_size);

	memset(zp, 0xa5, 4096);
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, initrd, ilen, err,
					     sizeof(err)), 0);
	/* The image's header, copied: compare with the image itself. */
	assert_memory_equal(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(rd32(zp, 0x202), 0x53726448);
	assert_int_equal(rd32(zp, 0x260), rd32(img, 0x260));
	free(img);
	free(zp);
}

/* ---------------------------------------------------------- synthetic */

#define SYN_SECTS       4u
#define SYN_KOFF        ((SYN_SECTS + 1) * 512)
#define SYN_KSIZE       0x3000u
#define SYN_LEN         (SYN_KOFF + SYN_KSIZE)

/* A small valid bzImage, protocol 2.15, relocatable, preferring 16 MiB. */
static uint8_t *synth(size_t *len)
{
	uint8_t *p = calloc(1, SYN_LEN);

	assert_non_null(p);
	for (size_t i = SYN_KOFF; i < SYN_LEN; i++)
		p[i] = (uint8_t)(i * 7);
	wr8(p, 0x1f1, SYN_SECTS);
	wr32(p, 0x1f4, SYN_KSIZE / 16);
	wr16(p, 0x1fe, 0xaa55);
	wr8(p, 0x200, 0xeb);
	wr8(p, 0x201, 0x6a);                    /* header ends at 0x26c */
	memcpy(p + 0x202, "HdrS", 4);
	wr16(p, 0x206, 0x020f);
	wr16(p, 0x20e, 0x300);                  /* version string at 0x500 */
	memcpy(p + 0x500, "9.9.9-test (nobody@example) #1", 31);
	wr8(p, 0x211, 0x01);                    /* LOADED_HIGH */
	wr32(p, 0x214, 0x100000);
	wr32(p, 0x22c, 0x7fffffff);
	wr32(p, 0x230, 0x200000);               /* 2 MiB alignment */
	wr8(p, 0x234, 1);
	wr8(p, 0x235, 13);
	wr32(p, 0x238, 2047);
	wr64(p, 0x258, 0x1000000);
	wr32(p, 0x260, 0x400000);               /* init_size 4 MiB */
	*len = SYN_LEN;
	return p;
}

static void synth_valid(void **state)
{
	size_t len;
	uint8_t *p = synth(&len);
	struct bzimage_info bi;
	char err[ERRSZ] = "";

	assert_int_equal(bzimage_parse(p, len, &bi, err, sizeof(err)), 0);
	assert_int_equal(bi.kernel_offset, 0xa00);
	assert_int_equal(bi.kernel_size, SYN_KSIZE);
	assert_int_equal(bi.version, 0x020f);
	assert_true(bi.relocatable);
	assert_int_equal(bi.kernel_alignment, 0x200000);
	assert_int_equal(bi.pref_address, 0x1000000);
	assert_int_equal(bi.init_size, 0x400000);
	assert_int_equal(bi.cmdline_size, 2047);
	assert_string_equal(bi.version_string, "9.9.9-test (nobody@example) #1");

	/* setup_sects 0 means 4 (boot.rst). */
	wr8(p, 0x1f1, 0);
	assert_int_equal(bzimage_parse(p, len, &bi, err, sizeof(err)), 0);
	assert_int_equal(bi.setup_sects, 4);
	assert_int_equal(bi.kernel_offset, 5 * 512);
	free(p);
}

/* Each mutation must be refused with rc and a message containing want. */
struct bad_case {
	const char *what;
	void (*mutate)(uint8_t *p, size_t *len);
	int rc;
	const char *want;
};

static void m_bootflag(uint8_t *p, size_t *len) { wr16(p, 0x1fe, 0x55aa); }
static void m_hdrs(uint8_t *p, size_t *len) { memcpy(p + 0x202, "HdrZ", 4); }
static void m_old(uint8_t *p, size_t *len) { wr16(p, 0x206, 0x0205); }
static void m_tiny(uint8_t *p, size_t *len) { *len = 0x1ff; }
static void m_short_hdr(uint8_t *p, size_t *len) { *len = 0x230; }
static void m_truncated(uint8_t *p, size_t *len) { *len = SYN_LEN - 16; }
static void m_syssize(uint8_t *p, size_t *len) { wr32(p, 0x1f4, SYN_KSIZE / 16 + 1); }
static void m_syssize_huge(uint8_t *p, size_t *len) { wr32(p, 0x1f4, 0xffffffff); }
static void m_syssize0(uint8_t *p, size_t *len) { wr32(p, 0x1f4, 0); }
static void m_sects64(uint8_t *p, size_t *len) { wr8(p, 0x1f1, 64); }
static void m_sects255(uint8_t *p, size_t *len) { wr8(p, 0x1f1, 255); }
static void m_zimage(uint8_t *p, size_t *len) { wr8(p, 0x211, 0x80); }
static void m_hdr_end(uint8_t *p, size_t *len) { wr8(p, 0x201, 0x30); }
static void m_code32(uint8_t *p, size_t *len) { wr32(p, 0x214, 0x10000); }
static void m_reloc2(uint8_t *p, size_t *len) { wr8(p, 0x234, 2); }
static void m_align3(uint8_t *p, size_t *len) { wr32(p, 0x230, 0x300000); }
static void m_align_small(uint8_t *p, size_t *len) { wr32(p, 0x230, 0x800); }
static void m_pref_unaligned(uint8_t *p, size_t *len) { wr64(p, 0x258, 0x1001000); }
static void m_pref_low(uint8_t *p, size_t *len) { wr64(p, 0x258, 0x80000); }
static void m_pref_high(uint8_t *p, size_t *len) { wr64(p, 0x258, 0x100000000ull); }
static void m_init_small(uint8_t *p, size_t *len) { wr32(p, 0x260, SYN_KSIZE - 16); }
static void m_init_wraps(uint8_t *p, size_t *len) { wr64(p, 0x258, 0xff000000u); wr32(p, 0x260, 0x2000000); }
static void m_initrd_max(uint8_t *p, size_t *len) { wr32(p, 0x22c, 0); }
static void m_cmdline0(uint8_t *p, size_t *len) { wr32(p, 0x238, 0); }

static const struct bad_case bad_cases[] = {
	{ "bad boot_flag", m_bootflag, -ENOEXEC, "boot_flag at 0x1fe is 0x55aa" },
	{ "no HdrS", m_hdrs, -ENOEXEC, "no \"HdrS\" at 0x202" },
	{ "protocol 2.05", m_old, -ENOEXEC, "boot protocol 2.05: need 2.06" },
	{ "file of 511 bytes", m_tiny, -ENOEXEC, "too short" },
	{ "header cut at 0x230", m_short_hdr, -EINVAL, "past the 560-byte file" },
	{ "file cut short", m_truncated, -EINVAL, "kernel bigger than the file" },
	{ "syssize one paragraph long", m_syssize, -EINVAL, "kernel bigger than the file" },
	{ "syssize 0xffffffff", m_syssize_huge, -EINVAL, "kernel bigger than the file" },
	{ "syssize 0", m_syssize0, -EINVAL, "syssize 0" },
	{ "setup_sects 64", m_sects64, -EINVAL, "setup_sects 64" },
	{ "setup_sects 255", m_sects255, -EINVAL, "setup_sects 255" },
	{ "no LOADED_HIGH", m_zimage, -ENOEXEC, "zImage" },
	{ "header shorter than 2.06's", m_hdr_end, -EINVAL, "before cmdline_size" },
	{ "code32_start below 1 MiB", m_code32, -EINVAL, "code32_start 0x10000" },
	{ "relocatable_kernel 2", m_reloc2, -EINVAL, "relocatable_kernel 2" },
	{ "alignment not a power of 2", m_align3, -EINVAL, "kernel_alignment 0x300000" },
	{ "alignment below 4 KiB", m_align_small, -EINVAL, "kernel_alignment 0x800" },
	{ "pref_address unaligned", m_pref_unaligned, -EINVAL, "not a multiple of kernel_alignment" },
	{ "pref_address below 1 MiB", m_pref_low, -EINVAL, "pref_address 0x80000" },
	{ "pref_address at 4 GiB", m_pref_high, -EINVAL, "pref_address 0x100000000" },
	{ "init_size below the kernel", m_init_small, -EINVAL, "init_size 0x2ff0 is smaller" },
	{ "init_size past 4 GiB", m_init_wraps, -EINVAL, "past 4 GiB" },
	{ "initrd_addr_max 0", m_initrd_max, -EINVAL, "initrd_addr_max 0x0" },
	{ "cmdline_size 0", m_cmdline0, -EINVAL, "cmdline_size 0" },
};

static void synth_refused(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len;
		uint8_t *p = synth(&len), *q;
		struct bzimage_info bi;
		char err[ERRSZ] = "";
		int rc;

		c->mutate(p, &len);
		/* A copy of exactly len bytes: ASan catches a read past it. */
		q = malloc(len);
		memcpy(q, p, len);
		rc = bzimage_parse(q, len, &bi, err, sizeof(err));
		print_message("# %-28s -> %d \"%s\"\n", c->what, rc, err);
		if (rc != c->rc || !strstr(err, c->want))
			fail_msg("%s: got %d \"%s\", want %d \"...%s...\"", c->what, rc, err, c->rc,
				 c->want);
		free(q);
		free(p);
	}
}

/* Protocol 2.06 (no pref_address, no init_size): fields past the kernel's
 * header length are not read; the kernel prefers code32_start. */
static void synth_protocol_206(void **state)
{
	size_t len;
	uint8_t *p = synth(&len);
	struct bzimage_info bi;
	char err[ERRSZ] = "";

	wr16(p, 0x206, 0x0206);
	wr8(p, 0x201, 0x3a);            /* header ends at 0x23c */
	wr32(p, 0x214, 0x200000);
	assert_int_equal(bzimage_parse(p, len, &bi, err, sizeof(err)), 0);
	assert_int_equal(bi.hdr_len, 0x23c - 0x1f1);
	assert_int_equal(bi.hdr.pref_address, 0);       /* 0x258 is past its header */
	assert_int_equal(bi.pref_address, 0x200000);
	assert_int_equal(bi.init_size, 4 * SYN_KSIZE);
	free(p);
}

static void fuzz_headers(void **state)
{
	uint64_t rng = unit_seed("fuzz_headers");
	size_t len0;
	uint8_t *p0 = synth(&len0);

	for (int i = 0; i < 20000; i++) {
		size_t len = len0;
		uint8_t *p = malloc(len0);
		struct bzimage_info bi;
		char err[ERRSZ];
		int k = 1 + (int)unit_below(&rng, 4);

		memcpy(p, p0, len0);
		while (k--)
			p[0x1f1 + unit_below(&rng, 0x26c - 0x1f1)] = (uint8_t)unit_rand(&rng);
		if (unit_below(&rng, 4) == 0)
			len = unit_below(&rng, len0 + 1);
		if (bzimage_parse(p, len, &bi, err, sizeof(err)) == 0) {
			/* Whatever it accepts, it may rely on. */
			assert_true((uint64_t)bi.kernel_offset + bi.kernel_size <= len);
			assert_true(bi.setup_sects >= 1 && bi.setup_sects <= 63);
			assert_true(bi.cmdline_size > 0);
		} else {
			assert_true(strlen(err) > 10);
		}
		free(p);
	}
	free(p0);
}

/* ------------------------------------------------------------ placement */

static void pc_e820(void **state)
{
	struct e820_entry map[8];

	/* A PC: 639 KiB, the EBDA/VGA/ROM hole, extended memory, IOAPIC, LAPIC. */
	assert_int_equal(bzimage_pc_e820(map, 8, 64 * MiB_), 5);
	assert_int_equal(map[0].addr, 0);
	assert_int_equal(map[0].size, 639 * 1024);
	assert_int_equal(map[0].type, 1);
	assert_int_equal(map[1].addr, 0x9fc00);
	assert_int_equal(map[1].addr + map[1].size, 0x100000);
	assert_int_equal(map[1].type, 2);
	assert_int_equal(map[2].addr, 0x100000);
	assert_int_equal(map[2].addr + map[2].size, 64 * MiB_);
	assert_int_equal(map[2].type, 1);
	assert_int_equal(map[3].addr, 0xfec00000);
	assert_int_equal(map[3].size, 4096);
	assert_int_equal(map[3].type, 2);
	assert_int_equal(map[4].addr, 0xfee00000);
	assert_int_equal(map[4].size, 4096);
	assert_int_equal(map[4].type, 2);

	assert_int_equal(bzimage_pc_e820(map, 8, MiB_), -EINVAL);
	assert_int_equal(bzimage_pc_e820(map, 8, 0xfec00001u), -EINVAL);
	assert_int_equal(bzimage_pc_e820(map, 4, 64 * MiB_), -ENOSPC);
}

static void parse_synth(struct bzimage_info *bi, uint8_t **img)
{
	size_t len;
	char err[ERRSZ] = "";

	*img = synth(&len);
	assert_int_equal(bzimage_parse(*img, len, bi, err, sizeof(err)), 0);
}

static void kernel_place(void **state)
{
	struct bzimage_info bi;
	struct e820_entry map[8];
	uint8_t *img;
	char err[ERRSZ] = "";
	uint32_t load = 0;
	int n;

	parse_synth(&bi, &img);
	/* 64 MiB: at pref_address, 16 MiB. */
	n = bzimage_pc_e820(map, 8, 64 * MiB_);
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, 0x1000000);
	/* 16 MiB: pref_address is past the top; the lowest 2 MiB boundary
	 * at or above 1 MiB is 2 MiB, and 4 MiB of init_size fit there. */
	n = bzimage_pc_e820(map, 8, 16 * MiB_);
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, 0x200000);
	/* 5 MiB: 2 MiB + 4 MiB does not fit. */
	n = bzimage_pc_e820(map, 8, 5 * MiB_);
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "needs 0x400000 bytes"));
	assert_non_null(strstr(err, "0x200000-aligned"));
	/* A reserved page inside RAM at 3 MiB pushes it to 4 MiB. */
	n = bzimage_pc_e820(map, 8, 16 * MiB_);
	map[n++] = (struct e820_entry){ 0x300000, 0x1000, E820_RESERVED };
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, 0x400000);
	map[n - 1].addr = 0x1ff000;     /* just below 2 MiB: 2 MiB is usable again */
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, 0x200000);
	map[n - 1] = (struct e820_entry){ 0x300000, 0x900000, E820_RESERVED };  /* 3-12 MiB */
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), 0);
	assert_int_equal(load, 0xc00000);
	map[n - 1] = (struct e820_entry){ 0x300000, 0xa00000, E820_RESERVED };  /* 3-13 MiB */
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), -ENOMEM);

	/* Not relocatable: pref_address or nothing. */
	bi.relocatable = false;
	n = bzimage_pc_e820(map, 8, 16 * MiB_);
	assert_int_equal(bzimage_kernel_place(&bi, map, n, &load, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "not relocatable"));
	assert_non_null(strstr(err, "at 0x1000000"));
	free(img);
}

static void initrd_place(void **state)
{
	struct bzimage_info bi;
	struct e820_entry map[8];
	uint8_t *img;
	char err[ERRSZ] = "";
	uint32_t at = 0;
	int n;

	parse_synth(&bi, &img);
	n = bzimage_pc_e820(map, 8, 64 * MiB_);
	/* The top of RAM, rounded down to 4 KiB. */
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0x12345, 0x1000000, &at, err, sizeof(err)), 0);
	assert_int_equal(at, (64 * MiB_ - 0x12345) & ~0xfffu);
	/* initrd_addr_max below the top: the initrd's last byte at or below it. */
	bi.initrd_addr_max = 0x27fffff;         /* 40 MiB - 1 */
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0x2000, 0x1000000, &at, err, sizeof(err)), 0);
	assert_int_equal(at, 40 * MiB_ - 0x2000);
	/* The kernel (4 MiB of init_size) sits at the top: the initrd goes below it. */
	bi.initrd_addr_max = 0x7fffffff;
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0x1000, 60 * MiB_, &at, err, sizeof(err)), 0);
	assert_int_equal(at, 60 * MiB_ - 0x1000);
	/* Too big for what is left. */
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 60 * MiB_, 0x1000000, &at, err, sizeof(err)),
			 -ENOMEM);
	assert_non_null(strstr(err, "initrd of 0x3c00000 bytes"));
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0, 0x1000000, &at, err, sizeof(err)), -EINVAL);
	/* Never below 1 MiB, even when low memory would hold it. */
	n = bzimage_pc_e820(map, 8, 2 * MiB_);
	bi.init_size = 0x80000;
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0x80000, 0x100000, &at, err, sizeof(err)), 0);
	assert_int_equal(at, 0x180000);
	assert_int_equal(bzimage_initrd_place(&bi, map, n, 0x81000, 0x100000, &at, err, sizeof(err)),
			 -ENOMEM);
	free(img);
}

static void cmdline_size(void **state)
{
	struct bzimage_info bi;
	uint8_t *img;
	char err[ERRSZ] = "";
	char *s = malloc(2049);

	parse_synth(&bi, &img);
	memset(s, 'x', 2048);
	s[2047] = '\0';                         /* 2047 bytes: cmdline_size, fits */
	assert_int_equal(bzimage_check_cmdline(&bi, s, err, sizeof(err)), 0);
	s[2047] = 'x';
	s[2048] = '\0';                         /* 2048: one too many */
	assert_int_equal(bzimage_check_cmdline(&bi, s, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "at most 2047"));
	free(s);
	free(img);
}

/* ------------------------------------------------------------ zero page */

static void zero_page(void **state)
{
	struct bzimage_info bi;
	struct e820_entry map[8];
	uint8_t *img, *zp = malloc(4096);
	char err[ERRSZ] = "";
	int n;

	parse_synth(&bi, &img);
	n = bzimage_pc_e820(map, 8, 96 * MiB_);
	memset(zp, 0xa5, 4096);
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 0x5000000, 0x123456, err,
					     sizeof(err)), 0);

	/* zero-page.rst / boot.rst offsets. */
	assert_int_equal(rd8(zp, 0x1e8), 5);                    /* e820_entries */
	for (int i = 0; i < n; i++) {
		assert_int_equal(rd64(zp, 0x2d0 + 20 * i), map[i].addr);
		assert_int_equal(rd64(zp, 0x2d0 + 20 * i + 8), map[i].size);
		assert_int_equal(rd32(zp, 0x2d0 + 20 * i + 16), map[i].type);
	}
	assert_int_equal(rd64(zp, 0x2d0 + 20 * 2), 0x100000);   /* third entry: extended memory */
	assert_int_equal(rd64(zp, 0x2d0 + 20 * 2 + 8), 95 * MiB_);
	assert_int_equal(rd32(zp, 0x2d0 + 20 * 5), 0);          /* nothing past the map */
	assert_int_equal(rd8(zp, 0x210), 0xff);                 /* type_of_loader: undefined */
	assert_int_equal(rd8(zp, 0x211), 0x81);                 /* LOADED_HIGH | CAN_USE_HEAP */
	assert_int_equal(rd16(zp, 0x224), 0xe000 - 0x200);      /* heap_end_ptr */
	assert_int_equal(rd32(zp, 0x228), 0x20000);             /* cmd_line_ptr */
	assert_int_equal(rd32(zp, 0x218), 0x5000000);           /* ramdisk_image */
	assert_int_equal(rd32(zp, 0x21c), 0x123456);            /* ramdisk_size */
	assert_int_equal(rd32(zp, 0x1e0), 95 * 1024);           /* alt_mem_k */
	assert_int_equal(rd8(zp, 0x1ef), 0);                    /* sentinel */
	assert_int_equal(rd8(zp, 0x0f), 0);                     /* orig_video_isVGA: none */
	assert_int_equal(rd8(zp, 0x0e), 0);                     /* orig_video_lines */
	assert_int_equal(rd8(zp, 0x07), 0);                     /* orig_video_cols */
	/* The image's fields, unchanged. */
	assert_int_equal(rd16(zp, 0x1fe), 0xaa55);
	assert_int_equal(rd32(zp, 0x202), 0x53726448);
	assert_int_equal(rd16(zp, 0x206), 0x020f);
	assert_int_equal(rd32(zp, 0x214), 0x100000);
	assert_int_equal(rd32(zp, 0x238), 2047);
	assert_int_equal(rd64(zp, 0x258), 0x1000000);
	assert_int_equal(rd32(zp, 0x260), 0x400000);
	/* Everything the loader does not write is cleared. */
	for (size_t i = 0x10; i < 0x1e0; i++)
		assert_int_equal(zp[i], 0);
	for (size_t i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(zp[i], 0);
	for (size_t i = 0x2d0 + 20 * 5; i < 4096; i++)
		assert_int_equal(zp[i], 0);

	/* No initrd: both fields 0. KEEP_SEGMENTS in the image is dropped. */
	wr8(img, 0x211, 0x41);
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 0x5000000, 0, err,
					     sizeof(err)), 0);
	assert_int_equal(rd32(zp, 0x218), 0);
	assert_int_equal(rd32(zp, 0x21c), 0);
	assert_int_equal(rd8(zp, 0x211), 0x81);
	free(zp);
	free(img);
}

static void zero_page_refused(void **state)
{
	struct bzimage_info bi;
	struct e820_entry map[130];
	uint8_t *img, *zp = malloc(4096);
	char err[ERRSZ] = "";
	int n;

	parse_synth(&bi, &img);
	n = bzimage_pc_e820(map, 8, 96 * MiB_);
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, 0, 0x20000, 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "empty e820"));
	for (int i = 0; i < 129; i++)
		map[i] = (struct e820_entry){ (uint64_t)i << 20, 0x1000, E820_RAM };
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, 129, 0x20000, 0, 0, err, sizeof(err)),
			 -E2BIG);
	assert_non_null(strstr(err, "129 e820 entries"));
	n = bzimage_pc_e820(map, 8, 96 * MiB_);
	/* The command line in the EBDA hole. */
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x9fc00, 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "command line at 0x9fc00 is not in RAM"));
	/* An initrd past the top of RAM, or past initrd_addr_max. */
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 96 * MiB_ - 0x1000, 0x2000,
					     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not inside one RAM range"));
	bi.initrd_addr_max = 0x37ffffff;
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 0x37fff000, 0x1001, err,
					     sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "above initrd_addr_max 0x37ffffff"));
	/* A wrapping and an unknown entry. */
	map[2].size = ~0ull;
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "e820 entry 2"));
	n = bzimage_pc_e820(map, 8, 96 * MiB_);
	map[3].type = 7;
	assert_int_equal(bzimage_boot_params(&bi, img, zp, map, n, 0x20000, 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "type 7"));
	free(zp);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_kernel_fields),
		cmocka_unit_test(real_kernel_boot),
		cmocka_unit_test(synth_valid),
		cmocka_unit_test(synth_refused),
		cmocka_unit_test(synth_protocol_206),
		cmocka_unit_test(fuzz_headers),
		cmocka_unit_test(pc_e820),
		cmocka_unit_test(kernel_place),
		cmocka_unit_test(initrd_place),
		cmocka_unit_test(cmdline_size),
		cmocka_unit_test(zero_page),
		cmocka_unit_test(zero_page_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
