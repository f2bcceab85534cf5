/*
 * lib/grant.c: the granting side of a grant table. Entries are made whole
 * before they are valid, taken refs are not handed out twice, and a grant
 * the hypervisor marked in use (reading / writing) cannot be ended or
 * reused until the mark is gone.
 */
#include "unit.h"

#include <string.h>

#include "grant.h"
#include <public/errno.h>

#define N 16

static struct rv_grant_entry table[N];
static struct gnt_table t;

static void fresh(void)
{
	memset(table, 0, sizeof(table));
	gnt_table_init(&t, table, N);
}

static void test_grant_and_end(void **state)
{
	fresh();
	int32_t r = gnt_grant(&t, 7, 0x1234, false);
	assert_true(r >= 0 && r < N);
	assert_int_equal(table[r].flags, RV_GTF_permit_access);
	assert_int_equal(table[r].domid, 7);
	assert_int_equal(table[r].frame, 0x1234);
	int32_t ro = gnt_grant(&t, 9, 0x99, true);
	assert_true(ro >= 0 && ro != r);
	assert_int_equal(table[ro].flags, RV_GTF_permit_access | RV_GTF_readonly);
	assert_int_equal(gnt_end(&t, (uint32_t)r), 0);
	assert_int_equal(table[r].flags, 0);
	assert_int_equal(gnt_end(&t, (uint32_t)r), -RV_ENOENT);        /* ended already */
	assert_int_equal(gnt_end(&t, N), -RV_ERANGE);
	assert_int_equal(gnt_end(&t, 0xffffffffu), -RV_ERANGE);
	assert_int_equal(gnt_end(&t, (uint32_t)ro), 0);
}

static void test_exhaust(void **state)
{
	fresh();
	bool seen[N] = { false };
	for (int i = 0; i < N; i++) {
		int32_t r = gnt_grant(&t, 1, (uint32_t)i, false);
		assert_true(r >= 0 && r < N && !seen[r]);
		seen[r] = true;
	}
	assert_int_equal(gnt_grant(&t, 1, 99, false), -RV_ENOSPC);
	assert_int_equal(gnt_end(&t, 5), 0);
	assert_int_equal(gnt_grant(&t, 1, 99, false), 5);               /* the one free */
	assert_int_equal(gnt_grant_ref(&t, 5, 1, 1, false), -RV_EBUSY);
	assert_int_equal(gnt_grant_ref(&t, N, 1, 1, false), -RV_ERANGE);
}

/* The hypervisor marks a mapped grant: ending it fails and changes nothing,
 * and the entry is not handed out again, until the mark is gone. */
static void test_in_use(void **state)
{
	fresh();
	int32_t r = gnt_grant(&t, 3, 0x55, false);
	table[r].flags |= RV_GTF_writing;
	assert_true(gnt_in_use(&t, (uint32_t)r));
	assert_int_equal(gnt_end(&t, (uint32_t)r), -RV_EBUSY);
	assert_int_equal(table[r].flags, RV_GTF_permit_access | RV_GTF_writing);
	assert_int_equal(table[r].frame, 0x55);
	table[r].flags |= RV_GTF_reading;
	table[r].flags &= (uint16_t)~RV_GTF_writing;
	assert_int_equal(gnt_end(&t, (uint32_t)r), -RV_EBUSY);
	/* Every other entry gets used before this one is. */
	for (int i = 0; i < N - 1; i++)
		assert_true(gnt_grant(&t, 3, 0, false) != r);
	assert_int_equal(gnt_grant(&t, 3, 0, false), -RV_ENOSPC);
	table[r].flags &= (uint16_t)~RV_GTF_reading;
	assert_false(gnt_in_use(&t, (uint32_t)r));
	assert_int_equal(gnt_end(&t, (uint32_t)r), 0);
	assert_int_equal(gnt_grant(&t, 3, 0, false), r);
	assert_false(gnt_in_use(&t, N));
}

/* Reserved refs (a split device's ring, start_info.h) are never handed
 * out by a search, only granted by number; the rest of the table is. */
static void test_reserved(void **state)
{
	fresh();
	gnt_table_reserve(&t, 8, 4);
	bool seen[N] = { false };
	for (int i = 0; i < N - 4; i++) {
		int32_t r = gnt_grant(&t, 1, (uint32_t)i, false);
		assert_true(r >= 0 && r < N && !seen[r]);
		assert_false(r >= 8 && r < 12);
		seen[r] = true;
	}
	assert_int_equal(gnt_grant(&t, 1, 99, false), -RV_ENOSPC);      /* 4 free, all reserved */
	assert_int_equal(gnt_grant_ref(&t, 9, 2, 0x77, false), 9);
	assert_int_equal(table[9].domid, 2);
	assert_int_equal(gnt_grant_ref(&t, 9, 2, 0x77, false), -RV_EBUSY);
	assert_int_equal(gnt_end(&t, 9), 0);
	assert_int_equal(gnt_end(&t, 3), 0);
	assert_int_equal(gnt_grant(&t, 1, 99, false), 3);
}

/* Entries hold only what the ABI allows: a grant never sets the
 * hypervisor's status bits or anything past the type and readonly. */
static void test_bits(void **state)
{
	fresh();
	for (int i = 0; i < N; i++) {
		int32_t r = gnt_grant(&t, (uint16_t)i, (uint32_t)i, i & 1);
		assert_int_equal(table[r].flags & ~RV_GTF_GRANTER_BITS, 0);
	}
}

/* Copies split at our page boundary, never past the granted page. */
static void test_copy_split(void **state)
{
	struct gnt_piece p[2];
	assert_int_equal(gnt_copy_split(0x1000, 0, 4096, p), 1);
	assert_int_equal(p[0].va, 0x1000);
	assert_int_equal(p[0].len, 4096);
	assert_int_equal(gnt_copy_split(0x1ff0, 100, 32, p), 2);
	assert_int_equal(p[0].va, 0x1ff0);
	assert_int_equal(p[0].off, 100);
	assert_int_equal(p[0].len, 16);
	assert_int_equal(p[1].va, 0x2000);
	assert_int_equal(p[1].off, 116);
	assert_int_equal(p[1].len, 16);
	assert_int_equal(gnt_copy_split(0x1000, 4000, 97, p), 0);       /* past the granted page */
	assert_int_equal(gnt_copy_split(0x1000, 0, 0, p), 0);
	assert_int_equal(gnt_copy_split(0x1000, 0, 4097, p), 0);
	assert_int_equal(gnt_copy_split(0x1000, 0xffffffffu, 2, p), 0);
	assert_int_equal(gnt_copy_split(0xfffff800, 0, 4096, p), 2);
	assert_int_equal(p[1].va, 0);                                    /* (wraps: the caller's check) */
	/* Every split covers the bytes once, each piece in one page both sides. */
	uint64_t rng = unit_seed("copy split");
	for (int i = 0; i < 100000; i++) {
		uint32_t va = (uint32_t)unit_rand(&rng), off = (uint32_t)unit_below(&rng, 4200);
		uint32_t len = (uint32_t)unit_below(&rng, 4200);
		unsigned n = gnt_copy_split(va, off, len, p);
		if (!len || len > 4096 || off + len > 4096) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_true(n == 1 || n == 2);
		uint32_t total = 0;
		for (unsigned k = 0; k < n; k++) {
			assert_true(p[k].len > 0);
			assert_true((p[k].va & 0xfff) + p[k].len <= 4096);
			assert_true(p[k].off + p[k].len <= 4096);
			assert_int_equal(p[k].va, va + total);
			assert_int_equal(p[k].off, off + total);
			total += p[k].len;
		}
		assert_int_equal(total, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_and_end),
		cmocka_unit_test(test_exhaust),
		cmocka_unit_test(test_in_use),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_copy_split),
	};
	return cmocka_run_group_tests_name("grant", tests, NULL, NULL);
}
