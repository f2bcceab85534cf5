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
	BROKEN(h.mode = 3);
	BROKEN(h.mode = RV_DOMMODE_hw);         /* pv fields, no device records */
	BROKEN(h.dev_len = 8);                  /* a pv domain has none */
	BROKEN(h.console_len = 100);
	BROKEN(h.console_off += 4096);
	BROKEN(h.types_len = 0);
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


/* ---- hw and bt headers, and their device records ---- */

static struct rv_save_header good_pc(uint32_t mode)
{
	struct rv_save_header h;
	memset(&h, 0, sizeof(h));
	rv_save_layout_mode(&h, mode, 4096, 120, 1024);  /* 16 MiB PC, 1 KiB of records */
	h.built_pages = 4096;
	h.weight = 256;
	strcpy(h.name, "pc");
	return h;
}

static void test_pc_layout(void **state)
{
	(void)state;
	uint32_t modes[] = { RV_DOMMODE_hw, RV_DOMMODE_bt };
	for (unsigned m = 0; m < 2; m++) {
		struct rv_save_header h = good_pc(modes[m]);
		assert_int_equal(h.mode, modes[m]);
		assert_int_equal(h.vcpu_len, modes[m] == RV_DOMMODE_hw ?
				 sizeof(struct rv_save_hw_vcpu) : sizeof(struct rv_save_bt_vcpu));
		assert_int_equal(h.console_off % 4096, 0);
		assert_int_equal(h.dev_off % 4096, 0);
		assert_int_equal(h.pages_off % 4096, 0);
		assert_true(h.console_off >= h.vcpu_off + h.vcpu_len);
		assert_true(h.dev_off >= h.console_off + sizeof(struct rv_save_console));
		assert_true(h.pages_off >= h.dev_off + h.dev_len);
		assert_int_equal(h.types_len, 0);
		assert_int_equal(h.dev_len, 1024);
		assert_true(h.total_len == (uint64_t)h.pages_off + 4096ull * 4096);
		assert_int_equal(check(&h, h.total_len), RV_SAVE_OK);
		assert_int_equal(check(&h, h.total_len - 4096), RV_SAVE_TRUNCATED);
		h.version = 1;
		assert_int_equal(check(&h, h.total_len), RV_SAVE_OTHER_VERSION);
	}
	/* pv: a console record too, no device records. */
	struct rv_save_header p = good();
	assert_int_equal(p.console_len, sizeof(struct rv_save_console));
	assert_int_equal(p.dev_len, 0);
	assert_int_equal(p.types_len, p.nr_pages);
	assert_true(p.types_off >= p.console_off + p.console_len);
}

static void test_pc_corrupt(void **state)
{
	(void)state;
	struct rv_save_header h;
#define BROKEN(mode, stmt) do { h = good_pc(mode); stmt; \
	assert_int_equal(check(&h, UINT64_MAX), RV_SAVE_CORRUPT); } while (0)
	uint32_t modes[] = { RV_DOMMODE_hw, RV_DOMMODE_bt };
	for (unsigned m = 0; m < 2; m++) {
		uint32_t md = modes[m];
		/* The wrong mode: the other PC mode's vCPU size, or pv's records. */
		BROKEN(md, h.mode = md == RV_DOMMODE_hw ? RV_DOMMODE_bt : RV_DOMMODE_hw);
		BROKEN(md, h.mode = RV_DOMMODE_pv);
		BROKEN(md, h.mode = 7);
		BROKEN(md, h.vcpu_len = sizeof(struct rv_save_vcpu));
		BROKEN(md, h.vcpu_len += 8);
		BROKEN(md, h.console_len -= 1);
		BROKEN(md, h.dev_len = 0);
		BROKEN(md, h.dev_len = 1020);          /* not whole words */
		BROKEN(md, h.dev_len = RV_SAVE_DEV_MAX + 8);
		BROKEN(md, h.dev_len += 4096);         /* the offsets no longer match */
		BROKEN(md, h.types_len = 4096);
		BROKEN(md, h.dev_off += 4096);
		BROKEN(md, h.pages_off -= 4096);
		BROKEN(md, h.nr_pages = 256; rv_save_layout_mode(&h, md, 256, 120, 1024));
		BROKEN(md, h.nr_pages = 200000; rv_save_layout_mode(&h, md, 200000, 120, 1024));
		BROKEN(md, h.built_pages = 4095);
		BROKEN(md, h.si_pfn = 3);              /* pv fields in a PC's header */
		BROKEN(md, h.virt_base = 0xC0000000u);
		BROKEN(md, h.p2m_pages = 4);
		BROKEN(md, h.name[0] = 0);
	}
#undef BROKEN
}

#define NSPEC 3
static const struct rv_save_rec_spec spec[NSPEC] = {
	{ 1, 1, 24, "ONE" }, { 2, 3, 5, "TWO" }, { 7, 1, 100, "SEVEN" },
};

/* The records of spec, in order (or in the order given), into buf: its length. */
static uint32_t make_records(uint8_t *buf, const unsigned *order, unsigned n)
{
	uint32_t at = 0;
	for (unsigned k = 0; k < n; k++) {
		const struct rv_save_rec_spec *s = &spec[order[k]];
		struct rv_save_rec r = { s->type, s->version, s->len };
		memcpy(buf + at, &r, sizeof(r));
		at += sizeof(r);
		memset(buf + at, 0x40 + (int)order[k], s->len);
		at += (s->len + 7) & ~7u;
	}
	return at;
}

static int recs(const uint8_t *buf, uint32_t len, const void **payload, char *why)
{
	int rc = rv_save_check_records(buf, len, spec, NSPEC, payload, why, 120);
	assert_true(rc == 0 ? 1 : why[0] != 0);
	return rc;
}

static void test_records(void **state)
{
	(void)state;
	static uint8_t buf[512] __attribute__((aligned(8)));
	const void *payload[NSPEC];
	char why[120];
	const unsigned in_order[] = { 0, 1, 2 }, shuffled[] = { 2, 0, 1 };
	uint32_t len = make_records(buf, in_order, 3);
	assert_int_equal(len, rv_save_records_len(spec, NSPEC));
	assert_int_equal(recs(buf, len, payload, why), 0);
	for (unsigned i = 0; i < NSPEC; i++)
		assert_int_equal(*(const uint8_t *)payload[i], 0x40 + i);
	len = make_records(buf, shuffled, 3);          /* any order */
	assert_int_equal(recs(buf, len, payload, why), 0);
	assert_int_equal(*(const uint8_t *)payload[2], 0x42);

	/* Each record's length and version wrong, one at a time. */
	for (unsigned i = 0; i < NSPEC; i++) {
		len = make_records(buf, in_order, 3);
		uint32_t at = 0;
		for (unsigned k = 0; k < i; k++)
			at += 8 + ((spec[k].len + 7) & ~7u);
		struct rv_save_rec *r = (struct rv_save_rec *)(void *)(buf + at);
		r->len += 1;
		assert_int_equal(recs(buf, len, payload, why), -1);
		assert_non_null(strstr(why, spec[i].name));
		assert_non_null(strstr(why, "length"));
		r->len -= 2;
		assert_int_equal(recs(buf, len, payload, why), -1);
		r->len = 0xfffffff0u;
		assert_int_equal(recs(buf, len, payload, why), -1);
		r->len = spec[i].len;
		r->version++;
		assert_int_equal(recs(buf, len, payload, why), -1);
		assert_non_null(strstr(why, "version"));
		r->version--;
		r->type = 99;
		assert_int_equal(recs(buf, len, payload, why), -1);
		assert_non_null(strstr(why, "unknown"));
	}
	/* Missing, twice, cut short, empty. */
	const unsigned two[] = { 0, 2 }, dup[] = { 0, 1, 1, 2 };
	len = make_records(buf, two, 2);
	assert_int_equal(recs(buf, len, payload, why), -1);
	assert_non_null(strstr(why, "TWO: missing"));
	len = make_records(buf, dup, 4);
	assert_int_equal(recs(buf, len, payload, why), -1);
	assert_non_null(strstr(why, "twice"));
	len = make_records(buf, in_order, 3);
	for (uint32_t cut = 1; cut < len; cut++)
		assert_int_equal(recs(buf, len - cut, payload, why), -1);
	assert_int_equal(recs(buf, 0, payload, why), -1);
}

/* Random damage to the records never crashes the check, and what passes is
 * well formed: each payload inside the buffer, of its spec's length. */
static void test_records_random(void **state)
{
	(void)state;
	static uint8_t buf[512] __attribute__((aligned(8)));
	const unsigned in_order[] = { 0, 1, 2 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned passed = 0;
	for (int i = 0; i < 20000; i++) {
		uint32_t len = make_records(buf, in_order, 3);
		int flips = 1 + i % 3;
		for (int k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[x % len] ^= (uint8_t)(1 + (x >> 32) % 255);
		}
		if (i % 7 == 0)
			len -= (uint32_t)(x >> 40) % len;
		const void *payload[NSPEC];
		char why[120];
		if (rv_save_check_records(buf, len, spec, NSPEC, payload, why, sizeof(why)) == 0) {
			passed++;
			for (unsigned s = 0; s < NSPEC; s++) {
				const uint8_t *p = payload[s];
				assert_true(p >= buf + 8 && p + spec[s].len <= buf + len);
				const struct rv_save_rec *r = (const void *)(p - 8);
				assert_int_equal(r->type, spec[s].type);
				assert_int_equal(r->len, spec[s].len);
			}
		}
	}
	assert_true(passed > 0);        /* flips inside payloads leave them well formed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout), cmocka_unit_test(test_fnv),
		cmocka_unit_test(test_not_a_save), cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_truncated), cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_random), cmocka_unit_test(test_entries_round_trip),
		cmocka_unit_test(test_entries_refused), cmocka_unit_test(test_pc_layout),
		cmocka_unit_test(test_pc_corrupt), cmocka_unit_test(test_records),
		cmocka_unit_test(test_records_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
