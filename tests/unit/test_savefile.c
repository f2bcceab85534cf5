/* lib/savefile.c: the save file's layout, its checksum and every class of
 * bad header (not a save file, another version, truncated, corrupt). */
#include "unit.h"

#include <string.h>

#include "savefile.h"

static struct rv_save_header good(void)
{
	struct rv_save_header h;
	memset(&h, 0, sizeof(h));
	rv_save_layout(&h, 8192, 200);          /* 32 MiB, a 200-byte config */
	h.built_pages = 8192;
	h.weight = 256;
	h.virt_base = 0xC0000000u;
	h.si_pfn = 300;
	h.p2m_pfn = 301;
	h.p2m_pages = 8;
	h.base_pfn = 400;
	strcpy(h.name, "web");
	return h;
}

static enum rv_save_fault check(const struct rv_save_header *h, uint64_t len)
{
	const char *why = "unset";
	enum rv_save_fault f = rv_save_check_header(h, len, &why);
	assert_true(f == RV_SAVE_OK ? why == NULL : why != NULL && why[0]);
	return f;
}

static void test_layout(void **state)
{
	(void)state;
	struct rv_save_header h = good();
	assert_int_equal(h.config_off, RV_SAVE_HEADER_SIZE);
	assert_int_equal(h.vcpu_off % 4096, 0);
	assert_int_equal(h.pages_off % 4096, 0);
	assert_true(h.types_off >= h.vcpu_off + sizeof(struct rv_save_vcpu));
	assert_true(h.pages_off >= h.types_off + h.nr_pages);
	assert_true(h.total_len == (uint64_t)h.pages_off + 8192ull * 4096);
	assert_int_equal(check(&h, h.total_len), RV_SAVE_OK);
	assert_int_equal(check(&h, UINT64_MAX), RV_SAVE_OK);
}

static void test_fnv(void **state)
{
	(void)state;
	/* The published FNV-1a 64 test vectors. */
	assert_true(rv_fnv1a(RV_FNV_INIT, "", 0) == 0xcbf29ce484222325ull);
	assert_true(rv_fnv1a(RV_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(rv_fnv1a(RV_FNV_INIT, "foobar", 6) == 0x85944171f73967e8ull);
	/* In pieces: the same. */
	assert_true(rv_fnv1a(rv_fnv1a(RV_FNV_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ull);
}

static void test_not_a_save(void **state)
{
	(void)state;
	struct rv_save_header h = good();
	h.magic ^= 1;
	assert_int_equal(check(&h, h.total_len), RV_SAVE_NOT_A_SAVE);
	memset(&h, 0, sizeof(h));
	assert_int_equal(check(&h, 0), RV_SAVE_NOT_A_SAVE);
}

static void test_other_version(void **state)
{
	(void)state;
	struct rv_save_header h = good();
	h.version = RV_SAVE_VERSION + 1;
	assert_int_equal(check(&h, h.total_len), RV_SAVE_OTHER_VERSION);
	h.version = 0;
	assert_int_equal(check(&h, h.total_len), RV_SAVE_OTHER_VERSION);
}

static void test_truncated(void **state)
{
	(void)state;
	struct rv_save_header h = good();
	assert_int_equal(check(&h, h.total_len - 1), RV_SAVE_TRUNCATED);
	assert_int_equal(check(&h, h.pages_off), RV_SAVE_TRUNCATED);
	assert_int_equal(check(&h, 4096), RV_SAVE_TRUNCATED);
	assert_int_equal(check(&h, h.total_len + 1), RV_SAVE_CORRUPT);
}

/* One field broken at a time: each is refused as corrupt. */
static void test_corrupt(void **state)
{
	(void)state;
	struct rv_save_header h;
#define BROKEN(stmt) do { h = good(); stmt; \
	assert_int_equal(check(&h, UINT64_MAX), RV_SAVE_CORRUPT); } while (0)
	BROKEN(h.header_size = 512);
	BROKEN(h.mode = 2);
	BROKEN(h.nr_pages = 8; rv_save_layout(&h, 8, 200));
	BROKEN(h.nr_pages = 0x7fffffff);
	BROKEN(h.built_pages = 100);
	BROKEN(h.built_pages = 8193);           /* a quota above its memory */
	BROKEN(h.weight = 0);
	BROKEN(h.config_len = 0);
	BROKEN(h.config_len = 5000);
	BROKEN(h.vcpu_off += 4096);
	BROKEN(h.vcpu_len = 12);
	BROKEN(h.types_off -= 4096);
	BROKEN(h.pages_off += 4096);
	BROKEN(h.total_len += 4096);
	BROKEN(h.nr_pages += 1);                /* the offsets no longer match */
	BROKEN(h.virt_base = 0xC0000800u);
	BROKEN(h.virt_base = 0xFFB00000u);
	BROKEN(h.si_pfn = 8192);
	BROKEN(h.base_pfn = 0xffffffffu);
	BROKEN(h.p2m_pages = 7);
	BROKEN(h.p2m_pfn = 8190);
	BROKEN(h.si_pfn = 303);
	BROKEN(h.name[0] = 0);
	BROKEN(memset(h.name, 'x', sizeof(h.name)));
#undef BROKEN
}

/* Random bytes are never taken for a header (and never crash the check). */
static void test_random(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		struct rv_save_header h = good();
		uint8_t *b = (uint8_t *)&h;
		int flips = 1 + i % 4;
		for (int k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[x % sizeof(h)] ^= (uint8_t)(1 + (x >> 32) % 255);
		}
		const char *why;
		enum rv_save_fault f = rv_save_check_header(&h, UINT64_MAX, &why);
		if (f == RV_SAVE_OK) {
			/* Only flips that leave every checked field valid pass. */
			assert_true(h.magic == RV_SAVE_MAGIC && h.version == RV_SAVE_VERSION);
			assert_true(h.si_pfn < h.nr_pages && h.base_pfn < h.nr_pages);
		}
	}
}

/* Page-table entries to the file and back: the same entries on new frames. */
static void test_entries_round_trip(void **state)
{
	(void)state;
	enum { NR = 64, NFRAMES = 4096, SHARED = 4000 };
	uint32_t old_p2m[NR], new_p2m[NR], rmap[NFRAMES] = { 0 };
	for (uint32_t i = 0; i < NR; i++) {
		old_p2m[i] = 100 + i * 7;               /* scattered, as the frame pool hands them */
		new_p2m[i] = 3000 - i * 3;
		rmap[old_p2m[i]] = i + 1;
	}
	uint64_t e[512], orig[512];
	for (unsigned i = 0; i < 512; i++) {
		uint64_t flags = (i % 5 == 0) ? 0 : 0x67 | (i % 7 == 0 ? 1ull << 63 : 0);
		uint32_t pfn = (i * 13) % NR;
		e[i] = ((uint64_t)old_p2m[pfn] << 12) | flags;
		if (i == 17)
			e[i] = ((uint64_t)SHARED << 12) | 0x63;
		if (i % 5 == 0)
			e[i] = i % 10 ? 0x600 : 0;          /* names nothing: left as it is */
		if (i == 33)
			e[i] = (uint64_t)old_p2m[5] << 12;  /* not present, but naming a frame */
	}
	memcpy(orig, e, sizeof(e));
	unsigned bad = 999;
	assert_int_equal(rv_save_canon_entries(e, 512, false, SHARED, rmap, NFRAMES, &bad), 0);
	for (unsigned i = 0; i < 512; i++) {
		if (i % 5 == 0) {
			assert_true(e[i] == orig[i]);
			continue;
		}
		uint64_t pfn = (e[i] & 0x000ffffffffff000ull) >> 12;
		assert_true(i == 17 ? pfn == RV_SAVE_PFN_SHARED : i == 33 ? pfn == 5 :
			    pfn == (i * 13) % NR);
		assert_true((e[i] & ~0x000ffffffffff000ull) == (orig[i] & ~0x000ffffffffff000ull));
	}
	assert_int_equal(rv_save_restore_entries(e, 512, SHARED + 1, new_p2m, NR, &bad), 0);
	for (unsigned i = 0; i < 512; i++) {
		if (i % 5 == 0 || i == 17)
			continue;
		uint32_t pfn = i == 33 ? 5 : (i * 13) % NR;
		assert_true(e[i] >> 12 == ((uint64_t)new_p2m[pfn] | (orig[i] >> 63 << 51)));
	}
	assert_true((e[17] & 0x000ffffffffff000ull) >> 12 == SHARED + 1);
}

static void test_entries_refused(void **state)
{
	(void)state;
	uint32_t p2m[4] = { 10, 11, 12, 13 }, rmap[64] = { 0 };
	rmap[10] = 1;
	uint64_t e[4] = { 10ull << 12 | 1, 11ull << 12 | 1, 0, 0 };     /* 11 is not the domain's */
	unsigned bad = 99;
	assert_int_equal(rv_save_canon_entries(e, 4, false, 0, rmap, 64, &bad), -1);
	assert_int_equal(bad, 1);
	uint64_t far[2] = { 1ull << 12 | 1, 99999ull << 12 | 1 };       /* past the frame table */
	assert_int_equal(rv_save_canon_entries(far, 2, false, 0, rmap, 64, &bad), -1);
	assert_int_equal(bad, 0);
	uint64_t r[3] = { 3ull << 12 | 1, 4ull << 12 | 1, 0 };          /* pfn 4 of 4 */
	assert_int_equal(rv_save_restore_entries(r, 3, 0, p2m, 4, &bad), -1);
	assert_int_equal(bad, 1);
	/* A PDPT entry keeps P, PWT, PCD: the accessed bit QEMU left goes. */
	uint64_t l3[1] = { 10ull << 12 | 0x39 };
	assert_int_equal(rv_save_canon_entries(l3, 1, true, 0, rmap, 64, &bad), 0);
	assert_true(l3[0] == (0ull << 12 | 0x19));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout), cmocka_unit_test(test_fnv),
		cmocka_unit_test(test_not_a_save), cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_truncated), cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_random), cmocka_unit_test(test_entries_round_trip),
		cmocka_unit_test(test_entries_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
