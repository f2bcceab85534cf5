/* guest/kernel/cpio.c: parsing newc archives, every refusal of a corrupt one, fuzzing (tools/mkcpio's output: test_mkcpio.c). */
#include "unit.h"

#include <string.h>

#include "cpio.h"
#include "cpio_check.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#endif

/* The first len bytes in a heap block of exactly len bytes, so ASan sees overreads. */
static uint8_t *exact(const uint8_t *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	if (len)
		memcpy(b, p, len);
	return b;
}

/* The small archive most tests start from: every entry type, data sizes 0-7. */
static const char hello[] = "hello, world";

static void small_archive(struct arc *a)
{
	memset(a, 0, sizeof(*a));
	arc_add(a, CPIO_S_IFDIR | 0755, "etc", NULL, 0);
	arc_add(a, CPIO_S_IFREG | 0644, "etc/hello", hello, 12);
	for (size_t n = 0; n < 8; n++) {
		char name[16];
		snprintf(name, sizeof(name), "s%zu", n);
		arc_add(a, CPIO_S_IFREG | 0600, name, "abcdefg", n);
	}
	arc_add(a, CPIO_S_IFLNK | 0777, "etc/link", "hello", 5);
	arc_add_dev(a, CPIO_S_IFCHR | 0620, "console", NULL, 0, 5, 1);
	arc_trailer(a);
}

#define SMALL_ENTRIES 12
static void test_valid(void **state)
{
	struct arc a;
	struct cpio_entry e;
	size_t off = 0;

	small_archive(&a);
	uint8_t *buf = exact(a.buf, a.len);
	expect_entry(buf, a.len, &off, "etc", CPIO_S_IFDIR | 0755, NULL, 0);
	expect_entry(buf, a.len, &off, "etc/hello", CPIO_S_IFREG | 0644, hello, 12);
	for (size_t n = 0; n < 8; n++) {
		char name[16];
		snprintf(name, sizeof(name), "s%zu", n);
		expect_entry(buf, a.len, &off, name, CPIO_S_IFREG | 0600, "abcdefg", n);
	}
	expect_entry(buf, a.len, &off, "etc/link", CPIO_S_IFLNK | 0777, "hello", 5);
	size_t at = off;
	assert_int_equal(cpio_next(buf, a.len, &off, &e), 1);
	assert_int_equal(e.rdev_major, 5);
	assert_int_equal(e.rdev_minor, 1);
	assert_int_equal(e.ino, 12);
	assert_int_equal(e.nlink, 1);
	assert_int_equal(e.mode, CPIO_S_IFCHR | 0620);
	assert_true(off > at);
	/* The trailer: 0, described, offset past it, at the very end. */
	assert_int_equal(cpio_next(buf, a.len, &off, &e), 0);
	assert_int_equal(e.name_len, 10);
	assert_string_equal(e.name, CPIO_TRAILER);
	assert_int_equal(off, a.len);
	/* Nothing after it: reading on is a truncated header. */
	assert_int_equal(cpio_next(buf, a.len, &off, &e), -CPIO_EINVAL);
	assert_int_equal(off, a.len);
	assert_int_equal(count_entries(buf, a.len), SMALL_ENTRIES);
	free(buf);
	free(a.buf);
}

/* Every field lands where it belongs, in either case, up to 0xffffffff. */
static void test_fields(void **state)
{
	struct arc a = { 0 };
	struct cpio_entry e;
	size_t off = 0;
	uint32_t f[NFIELDS] = { 0xffffffff, CPIO_S_IFREG | 0755, 1000, 1001, 3, 0x5f5e0ff1, 3,
				0xabcdef01, 0x23456789, 0x8, 0x10001, 4, 0xdeadbeef };

	arc_raw(&a, CPIO_MAGIC, f, "abc", 4, "xyz", 3);
	/* The same entry with lowercase hex. */
	size_t second = a.len;
	arc_raw(&a, CPIO_MAGIC, f, "abc", 4, "xyz", 3);
	for (size_t i = second + 6; i < second + CPIO_HEADER_SIZE; i++)
		if (a.buf[i] >= 'A' && a.buf[i] <= 'F')
			a.buf[i] += 'a' - 'A';
	arc_trailer(&a);
	for (int pass = 0; pass < 2; pass++) {
		memset(&e, 0x55, sizeof(e));
		assert_int_equal(cpio_next(a.buf, a.len, &off, &e), 1);
		assert_int_equal(e.ino, 0xffffffff);
		assert_int_equal(e.mode, CPIO_S_IFREG | 0755);
		assert_int_equal(e.uid, 1000);
		assert_int_equal(e.gid, 1001);
		assert_int_equal(e.nlink, 3);
		assert_int_equal(e.mtime, 0x5f5e0ff1);
		assert_int_equal(e.dev_major, 0xabcdef01);
		assert_int_equal(e.dev_minor, 0x23456789);
		assert_int_equal(e.rdev_major, 8);
		assert_int_equal(e.rdev_minor, 0x10001);
		assert_int_equal(e.name_len, 3);
		assert_int_equal(e.size, 3);
		assert_memory_equal(e.data, "xyz", 3);
	}
	assert_int_equal(cpio_next(a.buf, a.len, &off, &e), 0);
	free(a.buf);
}

/* An empty name (namesize 1) and an archive that is only a trailer are fine. */
static void test_edges(void **state)
{
	struct arc a = { 0 };
	struct cpio_entry e;
	size_t off = 0;

	arc_trailer(&a);
	assert_int_equal(a.len, 124);
	assert_int_equal(count_entries(a.buf, a.len), 0);
	assert_int_equal(cpio_next(a.buf, a.len, &off, &e), 0);
	assert_int_equal(off, 124);

	a.len = 0;
	arc_add(&a, CPIO_S_IFDIR | 0700, "", NULL, 0);
	arc_add(&a, CPIO_S_IFDIR | 0700, "TRAILER!!", NULL, 0);         /* almost */
	arc_add(&a, CPIO_S_IFDIR | 0700, "TRAILER!!!x", NULL, 0);
	arc_trailer(&a);
	off = 0;
	assert_int_equal(cpio_next(a.buf, a.len, &off, &e), 1);
	assert_int_equal(e.name_len, 0);
	assert_string_equal(e.name, "");
	assert_int_equal(count_entries(a.buf, a.len), 3);
	/* Bytes after the trailer (block padding, another archive) are not read. */
	arc_put(&a, "junk", 4);
	assert_int_equal(count_entries(a.buf, a.len), 3);
	free(a.buf);
}

/* Parse the whole of buf[0..len) from a heap copy of exactly len bytes. */
static int parse_copy(const uint8_t *p, size_t len)
{
	uint8_t *b = exact(p, len);
	int rc = count_entries(b, len);

	free(b);
	return rc;
}

/* Every proper prefix of the archive is refused, never read past. */
static void test_truncations(void **state)
{
	struct arc a;

	small_archive(&a);
	for (size_t len = 0; len < a.len; len++) {
		uint8_t *b = exact(a.buf, len);
		struct cpio_entry e;
		size_t off = 0, last = 0;
		int rc;

		while ((rc = cpio_next(b, len, &off, &e)) == 1)
			last = off;
		if (rc != -CPIO_EINVAL)
			fail_msg("archive cut to %zu of %zu bytes: %d, want -EINVAL", len, a.len, rc);
		/* A refusal leaves the offset alone and the entry zeroed. */
		assert_int_equal(off, last);
		assert_null(e.name);
		assert_null(e.data);
		assert_int_equal(e.size, 0);
		free(b);
	}
	assert_int_equal(parse_copy(a.buf, a.len), SMALL_ENTRIES);
	free(a.buf);
}

static void test_bad_magic(void **state)
{
	static const char *const magics[] = {
		"070702",       /* newc with checksums: not what mkcpio writes */
		"070707",       /* odc */
		"070700", "170701", "070601", "07070 ", "O70701", "\0" "70701",
	};
	struct arc a;

	small_archive(&a);
	assert_int_equal(parse_copy(a.buf, a.len), SMALL_ENTRIES);
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++) {
		struct arc b = { 0 };
		uint32_t f[NFIELDS] = { [F_NAMESIZE] = 2 };

		arc_raw(&b, magics[i], f, "x", 2, NULL, 0);
		arc_trailer(&b);
		assert_int_equal(parse_copy(b.buf, b.len), -CPIO_EINVAL);
		free(b.buf);
	}
	/* The magic of the second entry and of the trailer. */
	size_t off = 0;
	struct cpio_entry e;
	assert_int_equal(cpio_next(a.buf, a.len, &off, &e), 1);
	a.buf[off + 5] = '2';
	assert_int_equal(parse_copy(a.buf, a.len), -CPIO_EINVAL);
	a.buf[off + 5] = '1';
	a.buf[a.len - 124] = '1';
	assert_int_equal(parse_copy(a.buf, a.len), -CPIO_EINVAL);
	free(a.buf);
}

/* Any character other than a hex digit, in any position of any field. */
static void test_bad_hex(void **state)
{
	static const char bad[] = { 'g', 'G', 'x', ' ', '-', '+', '\0', '\n', '/', ':', '@', '`',
				    (char)0xff, (char)0x80 };
	struct arc a;
	size_t second;
	struct cpio_entry e;

	small_archive(&a);
	second = 0;
	assert_int_equal(cpio_next(a.buf, a.len, &second, &e), 1);
	for (int field = 0; field < NFIELDS; field++)
		for (int pos = 0; pos < 8; pos++)
			for (size_t k = 0; k < sizeof(bad); k++) {
				size_t at = second + FIELD_AT(field) + pos;
				uint8_t saved = a.buf[at];

				a.buf[at] = (uint8_t)bad[k];
				if (parse_copy(a.buf, a.len) != -CPIO_EINVAL)
					fail_msg("field %d digit %d = 0x%02x accepted", field, pos,
						 (uint8_t)bad[k]);
				a.buf[at] = saved;
			}
	assert_int_equal(parse_copy(a.buf, a.len), SMALL_ENTRIES);
	free(a.buf);
}

/* One entry "name" with namesize/filesize as given, padded data, then a trailer. */
static int parse_sizes(const char *name, size_t name_bytes, uint32_t namesize, const void *data,
		       size_t data_bytes, uint32_t filesize)
{
	struct arc a = { 0 };
	uint32_t f[NFIELDS] = { [F_MODE] = CPIO_S_IFREG | 0644, [F_NAMESIZE] = namesize,
				[F_FILESIZE] = filesize };
	int rc;

	arc_raw(&a, CPIO_MAGIC, f, name, name_bytes, data, data_bytes);
	arc_trailer(&a);
	rc = parse_copy(a.buf, a.len);
	free(a.buf);
	return rc;
}

static void test_name_and_size(void **state)
{
	/* The honest entry, as the baseline. */
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 4), 1);
	/* The name. */
	assert_int_equal(parse_sizes("", 0, 0, NULL, 0, 0), -CPIO_EINVAL);            /* namesize 0 */
	assert_int_equal(parse_sizes("name", 5, 4, "data", 4, 4), -CPIO_EINVAL);      /* NUL not counted */
	assert_int_equal(parse_sizes("name", 4, 4, "data", 4, 4), -CPIO_EINVAL);      /* no NUL at all */
	assert_int_equal(parse_sizes("na\0e", 5, 5, "data", 4, 4), -CPIO_EINVAL);     /* NUL inside */
	assert_int_equal(parse_sizes("\0ame", 5, 5, "data", 4, 4), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 6, "data", 4, 4), -CPIO_EINVAL);      /* takes a pad byte */
	assert_int_equal(parse_sizes("name", 5, 0x1000, "data", 4, 4), -CPIO_EINVAL); /* past the end */
	assert_int_equal(parse_sizes("name", 5, 0xffffffff, "data", 4, 4), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 0xfffffff0, "data", 4, 4), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 0x80000000, "data", 4, 4), -CPIO_EINVAL);
	/* The data. */
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 5), -CPIO_EINVAL);      /* eats the trailer */
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 0x100000), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 0xffffffff), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 0xfffffffd), -CPIO_EINVAL);
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 0x80000000), -CPIO_EINVAL);
	/* A smaller size is still a valid archive... if what follows is an entry. */
	assert_int_equal(parse_sizes("name", 5, 5, "data", 4, 0), -CPIO_EINVAL);      /* "data" is not a header */
}

/* The last entry's padding is part of the archive; so is the data's. */
static void test_padding(void **state)
{
	struct arc a = { 0 };
	struct cpio_entry e;
	size_t off;

	arc_add(&a, CPIO_S_IFREG | 0644, "f", "abcde", 5);      /* 3 pad bytes after the data */
	size_t end = a.len;
	arc_trailer(&a);
	for (size_t len = end - 3; len < end; len++) {
		off = 0;
		assert_int_equal(cpio_next(a.buf, len, &off, &e), -CPIO_EINVAL);
	}
	off = 0;
	assert_int_equal(cpio_next(a.buf, end, &off, &e), 1);
	assert_int_equal(off, end);
	/* The trailer's name ends 1 byte before a 4-byte boundary. */
	for (size_t len = a.len - 3; len < a.len; len++) {
		off = end;
		assert_int_equal(cpio_next(a.buf, len, &off, &e), -CPIO_EINVAL);
	}
	free(a.buf);
}

/* A caller's offset beyond the archive, however far, is refused without reading. */
static void test_offsets(void **state)
{
	struct arc a;
	struct cpio_entry e;

	small_archive(&a);
	const size_t offs[] = { a.len, a.len + 1, a.len + 4, SIZE_MAX - 200, SIZE_MAX - 109, SIZE_MAX };
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		size_t off = offs[i];
		assert_int_equal(cpio_next(a.buf, a.len, &off, &e), -CPIO_EINVAL);
		assert_int_equal(off, offs[i]);
	}
	/* Offset 4 lands inside the first header: not a magic. */
	size_t off = 4;
	assert_int_equal(cpio_next(a.buf, a.len, &off, &e), -CPIO_EINVAL);
	/* size 0 and a NULL archive: nothing to read. */
	off = 0;
	assert_int_equal(cpio_next(NULL, 0, &off, &e), -CPIO_EINVAL);
	free(a.buf);
}

/*
 * 20,000 mutated archives: random bytes, hex digits that stay hex (to reach
 * the size checks), sizes set to extremes, truncations and splices. None may
 * crash or read outside (ASan), and whatever is accepted must be in bounds.
 */
static void test_fuzz(void **state)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	uint64_t rng = unit_seed("cpio fuzz");
	struct arc a;
	unsigned outcome[3] = { 0 };
	size_t hdrs[SMALL_ENTRIES + 1], nhdr = 0, off = 0;
	struct cpio_entry e;

	small_archive(&a);
	do
		hdrs[nhdr++] = off;
	while (cpio_next(a.buf, a.len, &off, &e) == 1);
	assert_int_equal(nhdr, SMALL_ENTRIES + 1);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = a.len;
		uint8_t *m = malloc(len + 64);
		unsigned nmut = 1 + (unsigned)unit_below(&rng, 4);

		assert_non_null(m);
		memcpy(m, a.buf, len);
		for (unsigned k = 0; k < nmut; k++) {
			size_t at = unit_below(&rng, len ? len : 1);
			switch (unit_below(&rng, 6)) {
			case 0:         /* any byte */
				if (len)
					m[at] = (uint8_t)unit_rand(&rng);
				break;
			case 1:         /* a hex digit */
				if (len)
					m[at] = (uint8_t)hex[unit_below(&rng, sizeof(hex) - 1)];
				break;
			case 2: {       /* a size field of some entry, to an extreme */
				static const char *const ext[] = { "FFFFFFFF", "7FFFFFFF", "00000000",
								   "00000001", "FFFFFFFC", "00000400" };
				size_t hdr = hdrs[unit_below(&rng, nhdr)];
				size_t field = unit_below(&rng, 2) ? F_NAMESIZE : F_FILESIZE;
				if (hdr + FIELD_AT(field) + 8 <= len)
					memcpy(m + hdr + FIELD_AT(field), ext[unit_below(&rng, 6)], 8);
				break;
			}
			case 3:         /* truncate */
				len = at;
				break;
			case 4: {       /* splice: drop a few bytes */
				size_t n = 1 + unit_below(&rng, 8);
				if (at + n <= len) {
					memmove(m + at, m + at + n, len - at - n);
					len -= n;
				}
				break;
			}
			case 5: {       /* splice: insert a few random bytes */
				size_t n = 1 + unit_below(&rng, 8);
				memmove(m + at + n, m + at, len - at);
				for (size_t j = 0; j < n; j++)
					m[at + j] = (uint8_t)unit_rand(&rng);
				len += n;
				break;
			}
			}
			if (len > a.len + 32)
				len = a.len + 32;
		}

		uint8_t *b = exact(m, len);
		int rc, steps = 0;

		off = 0;
		while ((rc = cpio_next(b, len, &off, &e)) >= 0) {
			const uint8_t *name = (const uint8_t *)e.name, *data = e.data;
			assert_true(name >= b + CPIO_HEADER_SIZE && name + e.name_len < b + len);
			assert_int_equal(name[e.name_len], '\0');
			assert_int_equal(strlen(e.name), e.name_len);
			assert_true(data >= name + e.name_len + 1 && e.size <= len && data + e.size <= b + len);
			assert_true(off <= len && off % 4 == 0);
			assert_true(++steps <= (int)(len / 112) + 1);  /* each entry takes 112 bytes at least */
			if (rc == 0)
				break;
		}
		if (rc < 0)
			assert_int_equal(rc, -CPIO_EINVAL);
		outcome[rc < 0 ? 0 : rc == 0 ? 1 : 2]++;
		free(b);
		free(m);
	}
	print_message("# fuzz: %u refused, %u reached the trailer\n", outcome[0], outcome[1]);
	/* Both sides of the parser were exercised. */
	assert_true(outcome[0] > 1000 && outcome[1] > 500);
	free(a.buf);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_hex),
		cmocka_unit_test(test_name_and_size),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
