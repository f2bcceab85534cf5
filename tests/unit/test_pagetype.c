/*
 * hv/pv/pagetype.c: frame ownership, types and reference counts for validated
 * direct paging (Xen's design), on the fixture's 64 frames
 * (pagetype_fixture.h). Covers L1/L2/L3/L2_HIGH validation and release, each
 * refusal class with its errno and counter, rollback of refused validations
 * and updates, type exclusivity (table vs writable, level), self-reference,
 * mm_update_entry, pin/unpin and one-call recursion over a whole tree.
 * Preemption is tested in test_pagetype_preempt.c, a random model in
 * test_pagetype_random.c.
 */
#include "unit.h"

#include <string.h>

#include "pagetype_fixture.h"

/* 1. An L1 takes a reference per mapping, a writable type per RW mapping. */
static void test_l1_validate_release(void **state)
{
	uint64_t *t = table(10);
	t[0] = ent(11, P);                      /* read-only */
	t[1] = ent(12, P | RW);                 /* writable */
	t[7] = ent(13, P | RW | US | NX);       /* writable, NX usable */
	t[100] = ent(14, P | US | NX);
	t[200] = ent(15, P | RW);               /* 15 writable twice ... */
	t[201] = ent(15, P | RW);
	t[202] = ent(15, P);                    /* ... and read-only once */
	t[300] = 0xfff0000000000ffeull | ent(17, 0);    /* not present: its own frame, */
	t[301] = 0xfff0000000000ffeull;                 /* or none, and any other bits */
	t[511] = ent(16, P);

	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));
	ASSERT_FRAME(10, 2, PGT_L1, 1);
	ASSERT_FRAME(11, 2, PGT_NONE, 0);
	ASSERT_FRAME(12, 2, PGT_WRITABLE, 1);
	ASSERT_FRAME(13, 2, PGT_WRITABLE, 1);
	ASSERT_FRAME(14, 2, PGT_NONE, 0);
	ASSERT_FRAME(15, 4, PGT_WRITABLE, 2);
	ASSERT_FRAME(16, 2, PGT_NONE, 0);
	ASSERT_FRAME(17, 1, PGT_NONE, 0);

	/* A second type reference does not validate (count) again. */
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));
	ASSERT_FRAME(10, 3, PGT_L1, 2);
	ASSERT_FRAME(12, 2, PGT_WRITABLE, 1);
	mm_put_page_and_type(&ctx, 10);
	ASSERT_FRAME(12, 2, PGT_WRITABLE, 1);   /* still validated */

	mm_put_page_and_type(&ctx, 10);
	assert_int_equal(first_not_released(), -1);
	assert_int_equal(t[1], ent(12, P | RW));        /* contents untouched */

	/* mm_get_page: a plain reference, owner checked. */
	ASSERT_OK(mm_get_page(&ctx, 20, 1));
	ASSERT_FRAME(20, 2, PGT_NONE, 0);
	mm_put_page(&ctx, 20);
	ASSERT_REFUSED(mm_get_page(&ctx, 41, 1), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_get_page(&ctx, NFRAMES, 1), EPERM, MMR_NOT_OWNER);
	assert_int_equal(first_not_released(), -1);
}

static const struct bad_entry {
	const char *what;
	int level;              /* 1: PTE, 2: PDE */
	uint64_t e;
	uint64_t nx, mask;
	int err, why;
} bad_entries[] = {
	{ "domain 2's frame", 1, ent(41, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "domain 2's frame RW", 1, ent(41, P | RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "hypervisor's frame", 1, ent(55, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "switch L1 RW", 1, ent(SWITCH, P | RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "free frame", 1, ent(61, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "frame 0", 1, ent(0, P | RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "mfn == nframes", 1, ent(NFRAMES, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "mfn 2^24, 52-bit CPU", 1, ent(1u << 24, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "mfn 2^24-1, 36-bit CPU", 1, ent((1u << 24) - 1, P), NX, MASK36, EPERM, MMR_NOT_OWNER },
	{ "bit 52", 1, ent(11, P) | 1ull << 52, NX, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "bit 62", 1, ent(11, P | RW) | 1ull << 62, NX, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "bits 52-62", 1, ent(11, P) | 0x7ffull << 52, NX, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "bit 36, 36-bit CPU", 1, ent(1u << 24, P), NX, MASK36, EINVAL, MMR_RESERVED_BITS },
	{ "bit 51, 36-bit CPU", 1, ent(11, P) | 1ull << 51, NX, MASK36, EINVAL, MMR_RESERVED_BITS },
	{ "NX without NXE", 1, ent(11, P | NX), 0, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "PDE to domain 2's", 2, ent(41, P | RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "PDE to hypervisor's", 2, ent(SWITCH, P | RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "PDE beyond nframes", 2, ent(200, P), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "PDE with PS", 2, ent(11, P | RW | PS), NX, MASK52, EINVAL, MMR_LARGE_PAGE },
	{ "PDE bit 60", 2, ent(11, P) | 1ull << 60, NX, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "PDE NX without NXE", 2, ent(11, P | NX), 0, MASK52, EINVAL, MMR_RESERVED_BITS },
	{ "PDE bit 40, 36-bit CPU", 2, ent(11, P) | 1ull << 40, NX, MASK36, EINVAL, MMR_RESERVED_BITS },
	/* Address bits 44-51 over one of the domain's own frames: not that
	 * frame (a frame number cut to 32 bits would have made it so). */
	{ "own frame | bit 44", 1, ent(11, P) | 1ull << 44, NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "own frame | bit 51, RW", 1, ent(11, P | RW) | 1ull << 51, NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "own frame | bit 44, 40-bit CPU", 1, ent(11, P) | 1ull << 44, NX, MASK40, EINVAL,
	  MMR_RESERVED_BITS },
	{ "PDE own L1 | bit 44", 2, ent(20, P | RW) | 1ull << 44, NX, MASK52, EPERM, MMR_NOT_OWNER },
	/* Not present, but naming memory that is not the domain's (L1TF). */
	{ "not present, domain 2's frame", 1, ent(41, 0), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "not present, hypervisor's frame", 1, ent(55, RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "not present, free frame", 1, ent(61, 0), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "not present, beyond nframes", 1, ent(200, 0), NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "not present, own | bit 44", 1, ent(11, 0) | 1ull << 44, NX, MASK52, EPERM, MMR_NOT_OWNER },
	{ "not present, bit 40, 36-bit CPU", 1, ent(11, 0) | 1ull << 40, NX, MASK36, EINVAL,
	  MMR_RESERVED_BITS },
	{ "PDE not present, domain 2's", 2, ent(41, RW), NX, MASK52, EPERM, MMR_NOT_OWNER },
};

/* 2. Every refusal class, alone, and as the 512th entry after 511 good ones. */
static void test_refusals_leave_nothing(void **state)
{
	uint64_t *t = table(10);

	/* Good contents for the "last entry" variant: an L1 mapping 11-18, half
	 * RW; an L2 with 511 PDEs over three L1s (20-22) that map 11-18 too. */
	uint64_t good_l1[512], good_l2[512];
	for (int i = 0; i < 512; i++)
		good_l1[i] = ent(11 + i % 8, P | (i % 2 ? RW : 0) | US);
	for (int i = 0; i < 512; i++)
		good_l2[i] = ent(20 + i % 3, P | RW | US);
	for (int m = 20; m <= 22; m++)
		for (int i = 0; i < 512; i += 37)
			table(m)[i] = ent(11 + (i + m) % 8, P | (i % 2 ? RW : 0));

	for (size_t k = 0; k < sizeof(bad_entries) / sizeof(bad_entries[0]); k++) {
		const struct bad_entry *b = &bad_entries[k];
		enum page_type type = b->level == 1 ? PGT_L1 : PGT_L2;
		print_message("# %s\n", b->what);
		ctx.nx = b->nx;
		ctx.maxphys_mask = b->mask;
		for (int last = 0; last < 2; last++) {
			if (last)
				memcpy(t, b->level == 1 ? good_l1 : good_l2, 4096);
			else
				memset(t, 0, 4096);
			t[last ? 511 : 0] = b->e;
			ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, type), b->err, b->why);
			assert_int_equal(first_not_released(), -1);
			assert_int_equal(t[last ? 511 : 0], b->e);
		}
		/* The good entries on their own are accepted and release exactly. */
		t[511] = 0;
		ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, type));
		mm_put_page_and_type(&ctx, 10);
		assert_int_equal(first_not_released(), -1);
	}

	/* Not-present entries naming the domain's own frames, or nothing, are
	 * the guest's business (Linux keeps PROT_NONE pages so). */
	ctx.nx = NX;
	ctx.maxphys_mask = MASK40;
	for (int level = 1; level <= 2; level++) {
		memset(t, 0, 4096);
		t[0] = ent(11, 0);
		t[1] = ent(12, RW | US) | NX;
		t[2] = 0x6;
		t[3] = ent(20, RW);
		ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, level == 1 ? PGT_L1 : PGT_L2));
		ASSERT_OK(mm_update_entry(&ctx, 1, 10, 4, ent(13, 0)));
		ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 5, ent(41, 0)), EPERM, MMR_NOT_OWNER);
		ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 5, ent(13, 0) | 1ull << 44), EINVAL,
			       MMR_RESERVED_BITS);
		assert_int_equal(t[5], 0);
		mm_put_page_and_type(&ctx, 10);
		assert_int_equal(first_not_released(), -1);
	}

	/* A refusal deep in a child: L2 10 -> L1 20 (good), L1 21 (bad). */
	ctx.nx = NX;
	ctx.maxphys_mask = MASK52;
	memset(t, 0, 4096);
	t[0] = ent(20, P | RW);
	t[1] = ent(21, P | RW);
	table(21)[300] = ent(45, P);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, PGT_L2), EPERM, MMR_NOT_OWNER);
	assert_int_equal(first_not_released(), -1);
	/* An L1 entry mapping the L2 being validated RW: refused the same way. */
	table(21)[300] = ent(10, P | RW);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	assert_int_equal(first_not_released(), -1);
}

/* 3. A frame is writable or a page table, never both. */
static void test_type_exclusivity(void **state)
{
	table(10)[0] = ent(20, P | RW);
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);

	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 20, 1, PGT_L1), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 20, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 20, 1, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 20, PGT_L1), EBUSY, MMR_TYPE_CONFLICT);
	table(11)[5] = ent(20, P);              /* an L2 pointing at it */
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 11, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	assert_false(frames[20].flags & PGF_PINNED);

	/* The other way round: 21 is an L1 (pinned), nobody may map it RW. */
	ASSERT_OK(mm_pin(&ctx, 1, 21, PGT_L1));
	table(12)[9] = ent(21, P | RW);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 12, 1, PGT_L1), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 3, ent(21, P | RW)), EBUSY,
		       MMR_TYPE_CONFLICT);
	assert_int_equal(table(10)[3], 0);
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 3, ent(21, P)));        /* read-only is fine */
	ASSERT_FRAME(21, 3, PGT_L1, 1);

	/* Once the writable mapping is gone, 20 may become an L1. */
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, 0));
	ASSERT_FRAME(20, 1, PGT_NONE, 0);
	ASSERT_OK(mm_get_page_and_type(&ctx, 20, 1, PGT_L1));
	ASSERT_FRAME(20, 2, PGT_L1, 1);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 0, ent(20, P | RW)), EBUSY,
		       MMR_TYPE_CONFLICT);
	mm_put_page_and_type(&ctx, 20);
	ASSERT_OK(mm_unpin(&ctx, 1, 21));
	mm_put_page_and_type(&ctx, 10);
	assert_int_equal(first_not_released(), -1);
}

/* 4. Tables referring to themselves, to the wrong level, and sharing. */
static void test_self_reference(void **state)
{
	uint64_t *t = table(10);

	t[3] = ent(10, P | RW);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, PGT_L1), EBUSY, MMR_TYPE_CONFLICT);
	t[3] = ent(10, P);                      /* mapping itself read-only: fine */
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));
	ASSERT_FRAME(10, 3, PGT_L1, 1);
	mm_put_page_and_type(&ctx, 10);
	assert_int_equal(first_not_released(), -1);

	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	t[3] = 0;

	/* An L2 pointing at another L2. */
	ASSERT_OK(mm_pin(&ctx, 1, 11, PGT_L2));
	t[4] = ent(11, P | RW);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 10, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_OK(mm_unpin(&ctx, 1, 11));

	/* L2 10 and L2 12 share L1 11, which maps 20 RW and its L2 10 RO. */
	table(11)[0] = ent(20, P | RW);
	table(11)[1] = ent(10, P);
	table(12)[7] = ent(11, P | RW);
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L2));
	ASSERT_OK(mm_get_page_and_type(&ctx, 12, 1, PGT_L2));
	ASSERT_FRAME(11, 3, PGT_L1, 2);
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);
	ASSERT_FRAME(10, 3, PGT_L2, 1);
	mm_put_page_and_type(&ctx, 10);
	ASSERT_FRAME(11, 2, PGT_L1, 1);         /* still validated for 12 */
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);
	ASSERT_FRAME(10, 2, PGT_NONE, 0);       /* 11's read-only mapping stays */
	mm_put_page_and_type(&ctx, 12);
	assert_int_equal(first_not_released(), -1);
}

/* 5a. The directory under PDPT slot 3: slots 510-511 are the hypervisor's. */
static void test_l2_high(void **state)
{
	uint64_t *t = table(34);
	t[0] = ent(35, P | RW);
	table(35)[1] = ent(20, P | RW);
	t[510] = ent(21, P | RW);               /* junk the hypervisor overwrites */
	t[511] = ent(41, P);

	ASSERT_OK(mm_get_page_and_type(&ctx, 34, 1, PGT_L2_HIGH));
	ASSERT_FRAME(34, 2, PGT_L2_HIGH, 1);
	ASSERT_FRAME(35, 2, PGT_L1, 1);
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);
	assert_int_equal(t[510], SWITCH_PDE);
	assert_int_equal(t[511], 0);
	ASSERT_FRAME(21, 1, PGT_NONE, 0);       /* slots 510-511 count nothing */
	ASSERT_FRAME(SWITCH, 1, PGT_NONE, 0);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 34, 510, 0), EPERM, MMR_SWITCH_REGION);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 34, 511, ent(36, P)), EPERM, MMR_SWITCH_REGION);
	assert_int_equal(t[510], SWITCH_PDE);
	assert_int_equal(t[511], 0);
	ASSERT_OK(mm_update_entry(&ctx, 1, 34, 509, ent(36, P | RW)));
	ASSERT_FRAME(36, 2, PGT_L1, 1);

	mm_put_page_and_type(&ctx, 34);
	assert_int_equal(first_not_released(), -1);
	assert_int_equal(t[510], 0);            /* no pointer to the switch L1 left */

	/* Refused: nothing referenced, slot 510 cleared all the same. */
	t[509] = ent(45, P);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 34, 1, PGT_L2_HIGH), EPERM, MMR_NOT_OWNER);
	assert_int_equal(t[510], 0);
	assert_int_equal(first_not_released(), -1);
}

/* 5b. The PDPT: P, PWT, PCD and an address only; slot 3 always present. */
static void test_l3(void **state)
{
	uint64_t *t = table(30);
	for (int i = 0; i < 4; i++)
		t[i] = ent(31 + i, P);
	t[4] = ent(45, P | RW | PS) | 1ull << 55;       /* past the 4 the CPU reads */
	table(31)[0] = ent(35, P | RW);
	table(34)[510] = ent(22, P | RW);

	ASSERT_OK(mm_get_page_and_type(&ctx, 30, 1, PGT_L3));
	ASSERT_FRAME(30, 2, PGT_L3, 1);
	for (int m = 31; m <= 33; m++)
		ASSERT_FRAME(m, 2, PGT_L2, 1);
	ASSERT_FRAME(34, 2, PGT_L2_HIGH, 1);
	ASSERT_FRAME(35, 2, PGT_L1, 1);
	assert_int_equal(table(34)[510], SWITCH_PDE);
	ASSERT_FRAME(22, 1, PGT_NONE, 0);
	/* A directory can be L2 or L2_HIGH, not both. */
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 31, 1, PGT_L2_HIGH), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 3, ent(31, P)), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, ent(34, P)), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 3, 0), EPERM, MMR_SWITCH_REGION);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 4, 0), EINVAL, MMR_BAD_REQUEST);
	assert_int_equal(t[3], ent(34, P));
	ASSERT_OK(mm_update_entry(&ctx, 1, 30, 2, 0));          /* 0-2 may be absent */
	ASSERT_FRAME(33, 1, PGT_NONE, 0);
	mm_put_page_and_type(&ctx, 30);
	assert_int_equal(first_not_released(), -1);
	assert_int_equal(table(34)[510], 0);

	t[2] = ent(33, P);
	const uint64_t bad[] = { RW, US, NX, PS, 1ull << 52, 1ull << 62, 1ull << 5 };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		for (int slot = 0; slot < 4; slot++) {
			uint64_t keep = t[slot];
			t[slot] |= bad[k];
			ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L3), EINVAL,
				       MMR_RESERVED_BITS);
			assert_int_equal(first_not_released(), -1);
			t[slot] = keep;
		}
	t[3] = 0;
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L3), EPERM, MMR_SWITCH_REGION);
	t[3] = ent(31, P);                      /* slot 3 must be the L2_HIGH */
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	assert_int_equal(first_not_released(), -1);
}

/* 6. mm_update_entry: new references first, old ones after, nothing on error. */
static void test_update_entry(void **state)
{
	uint64_t *t = table(10);
	t[0] = ent(20, P);
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));
	ASSERT_FRAME(20, 2, PGT_NONE, 0);

	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(20, P | RW)));   /* RO -> RW */
	assert_int_equal(t[0], ent(20, P | RW));
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(20, P)));        /* RW -> RO */
	ASSERT_FRAME(20, 2, PGT_NONE, 0);
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(21, P | RW)));   /* another frame */
	ASSERT_FRAME(20, 1, PGT_NONE, 0);
	ASSERT_FRAME(21, 2, PGT_WRITABLE, 1);
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(21, P | RW)));   /* same again */
	ASSERT_FRAME(21, 2, PGT_WRITABLE, 1);

	/* Refused updates keep the entry and every count (ASSERT_REFUSED). */
	const struct { uint64_t val; int err, why; } bad[] = {
		{ ent(41, P | RW), EPERM, MMR_NOT_OWNER },
		{ ent(NFRAMES, P), EPERM, MMR_NOT_OWNER },
		{ ent(22, P) | 1ull << 57, EINVAL, MMR_RESERVED_BITS },
		{ ent(10, P | RW), EBUSY, MMR_TYPE_CONFLICT },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 0, bad[k].val), bad[k].err, bad[k].why);
		assert_int_equal(t[0], ent(21, P | RW));
	}
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 512, 0), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 11, 0, 0), EINVAL, MMR_BAD_REQUEST);   /* no type */
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 21, 0, 0), EINVAL, MMR_BAD_REQUEST);   /* writable */
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, NFRAMES, 0, 0), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_update_entry(&ctx, 2, 10, 0, 0), EPERM, MMR_NOT_OWNER);

	/* Domain 2's table: domain 1 may not touch it, nor may it map ours. */
	ASSERT_OK(mm_get_page_and_type(&ctx, 41, 2, PGT_L1));
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 41, 0, ent(20, P)), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_update_entry(&ctx, 2, 41, 0, ent(20, P)), EPERM, MMR_NOT_OWNER);
	ASSERT_OK(mm_update_entry(&ctx, 2, 41, 0, ent(42, P | RW)));
	ASSERT_FRAME(42, 2, PGT_WRITABLE, 1);
	mm_put_page_and_type(&ctx, 41);

	/* Not present: references dropped. A table no longer in use: refused. */
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(21, RW)));
	ASSERT_FRAME(21, 1, PGT_NONE, 0);
	mm_put_page_and_type(&ctx, 10);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 0, ent(22, P)), EINVAL, MMR_BAD_REQUEST);
	assert_int_equal(first_not_released(), -1);

	/* On an L2: swapping the PDE validates the new L1, devalidates the old. */
	table(12)[0] = ent(22, P | RW);
	table(13)[0] = ent(23, P | RW);
	t[0] = ent(12, P | RW);
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L2));
	ASSERT_FRAME(22, 2, PGT_WRITABLE, 1);
	ASSERT_OK(mm_update_entry(&ctx, 1, 10, 0, ent(13, P | RW)));
	ASSERT_FRAME(12, 1, PGT_NONE, 0);
	ASSERT_FRAME(22, 1, PGT_NONE, 0);
	ASSERT_FRAME(13, 2, PGT_L1, 1);
	ASSERT_FRAME(23, 2, PGT_WRITABLE, 1);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 1, ent(13, P | PS)), EINVAL, MMR_LARGE_PAGE);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 1, ent(10, P)), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 10, 1, ent(23, P)), EBUSY, MMR_TYPE_CONFLICT);
	assert_int_equal(t[1], 0);
	mm_put_page_and_type(&ctx, 10);
	assert_int_equal(first_not_released(), -1);

	/* Index rules on hand-made in-use tables (empty), so that they are
	 * checked apart from L3/L2_HIGH validation (test_l3, test_l2_high). */
	frames[30].type = PGT_L3, frames[30].type_count = 1, frames[30].count = 2;
	frames[34].type = PGT_L2_HIGH, frames[34].type_count = 1, frames[34].count = 2;
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 4, 0), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 3, 0), EPERM, MMR_SWITCH_REGION);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, ent(31, P | RW)), EINVAL,
		       MMR_RESERVED_BITS);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 34, 510, 0), EPERM, MMR_SWITCH_REGION);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 34, 511, ent(20, P)), EPERM, MMR_SWITCH_REGION);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 34, 512, 0), EINVAL, MMR_BAD_REQUEST);
	assert_int_equal(table(34)[510] | table(34)[511], 0);
	ASSERT_OK(mm_update_entry(&ctx, 1, 30, 0, ent(31, P)));
	ASSERT_FRAME(31, 2, PGT_L2, 1);
	ASSERT_OK(mm_update_entry(&ctx, 1, 34, 509, ent(20, P | RW)));
	ASSERT_FRAME(20, 2, PGT_L1, 1);
	ASSERT_OK(mm_update_entry(&ctx, 1, 30, 0, 0));
	ASSERT_OK(mm_update_entry(&ctx, 1, 34, 509, 0));
	frames[30].type = frames[34].type = PGT_NONE;
	frames[30].type_count = frames[34].type_count = 0;
	frames[30].count = frames[34].count = 1;
	assert_int_equal(first_not_released(), -1);
}

/* 7. Pins hold a type reference of their own. */
static void test_pin_unpin(void **state)
{
	table(10)[0] = ent(20, P | RW);
	ASSERT_OK(mm_pin(&ctx, 1, 10, PGT_L1));
	ASSERT_FRAME(10, 2, PGT_L1, 1);
	assert_true(frames[10].flags & PGF_PINNED);
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);
	ASSERT_OK(mm_get_page_and_type(&ctx, 10, 1, PGT_L1));  /* a user comes and goes */
	mm_put_page_and_type(&ctx, 10);
	ASSERT_FRAME(10, 2, PGT_L1, 1);
	ASSERT_FRAME(20, 2, PGT_WRITABLE, 1);

	ASSERT_REFUSED(mm_pin(&ctx, 1, 10, PGT_L1), EALREADY, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 10, PGT_L2), EALREADY, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 11, PGT_WRITABLE), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 11, PGT_NONE), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 11, PGT_COUNT), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 41, PGT_L1), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_pin(&ctx, 1, NFRAMES, PGT_L1), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_unpin(&ctx, 1, 11), EINVAL, MMR_BAD_REQUEST);
	ASSERT_REFUSED(mm_unpin(&ctx, 2, 10), EPERM, MMR_NOT_OWNER);
	ASSERT_REFUSED(mm_unpin(&ctx, 1, NFRAMES), EPERM, MMR_NOT_OWNER);
	table(11)[0] = ent(41, P);              /* refused validation: no pin */
	ASSERT_REFUSED(mm_pin(&ctx, 1, 11, PGT_L1), EPERM, MMR_NOT_OWNER);
	assert_false(frames[11].flags & PGF_PINNED);

	/* Pinned and used by an L2: unpinning keeps it for the L2. */
	table(12)[0] = ent(10, P);
	ASSERT_OK(mm_get_page_and_type(&ctx, 12, 1, PGT_L2));
	ASSERT_OK(mm_unpin(&ctx, 1, 10));
	assert_false(frames[10].flags & PGF_PINNED);
	ASSERT_FRAME(10, 2, PGT_L1, 1);
	ASSERT_REFUSED(mm_unpin(&ctx, 1, 10), EINVAL, MMR_BAD_REQUEST);
	mm_put_page_and_type(&ctx, 12);
	assert_int_equal(first_not_released(), -1);
}

/* 8. One get validates a whole tree, one put releases all of it. */
static void test_recursive_tree(void **state)
{
	/* L3 30 -> L2 31 (-> L1 35, 36), 32, 33 (-> L1 36), L2_HIGH 34 (-> L1 37). */
	for (int i = 0; i < 4; i++)
		table(30)[i] = ent(31 + i, P);
	table(31)[0] = ent(35, P | RW | US);
	table(31)[1] = ent(36, P | RW | US);
	table(33)[200] = ent(36, P | RW | US);
	table(34)[100] = ent(37, P | RW);
	for (int k = 0; k < 170; k++) {
		table(35)[3 * k] = ent(1 + k % 9, P | RW | US);         /* 1-9 writable */
		table(36)[3 * k + 1] = ent(10 + k % 5, P | US);         /* 10-14 read-only */
		table(37)[3 * k + 2] = ent(35, P);                      /* L1 35, read-only */
	}
	/* Count what the tree should hold. */
	uint32_t want[NFRAMES];
	memcpy(want, alloc_count, sizeof(want));
	want[30]++;
	for (int m = 31; m <= 34; m++)
		want[m]++;
	want[35]++, want[36] += 2, want[37]++;                  /* type refs (PDEs) */
	for (int m = 35; m <= 37; m++)
		for (int i = 0; i < 512; i++)
			if (table(m)[i] & P)
				want[table(m)[i] >> 12]++;

	/* Two levels first (the L2 alone), then the whole tree. */
	ASSERT_OK(mm_get_page_and_type(&ctx, 31, 1, PGT_L2));
	ASSERT_FRAME(35, 2, PGT_L1, 1);
	ASSERT_FRAME(36, 2, PGT_L1, 1);
	ASSERT_FRAME(1, want[1], PGT_WRITABLE, want[1] - 1);
	ASSERT_FRAME(12, want[12], PGT_NONE, 0);
	mm_put_page_and_type(&ctx, 31);
	assert_int_equal(first_not_released(), -1);

	ASSERT_OK(mm_get_page_and_type(&ctx, 30, 1, PGT_L3));
	for (int m = 0; m < NFRAMES; m++)
		assert_int_equal(frames[m].count, want[m]);
	ASSERT_FRAME(36, want[36], PGT_L1, 2);
	ASSERT_FRAME(37, want[37], PGT_L1, 1);
	ASSERT_FRAME(5, want[5], PGT_WRITABLE, want[5] - 1);
	ASSERT_FRAME(12, want[12], PGT_NONE, 0);
	mm_put_page_and_type(&ctx, 30);
	assert_int_equal(first_not_released(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_l1_validate_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_exclusivity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l2_high, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_unpin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recursive_tree, setup, teardown),
	};
	return cmocka_run_group_tests_name("pagetype", tests, NULL, NULL);
}
