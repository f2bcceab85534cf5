/*
 * hv/pv/pagetype.c: frame ownership, types and reference counts for validated
 * direct paging (Xen's design). A fake physical memory of 64 frames:
 * 1-40 domain 1, 41-50 domain 2, 51-60 and 63 (the switch region's L1) the
 * hypervisor's, 0 and 61-62 nobody's. Covers L1/L2/L3/L2_HIGH validation and
 * release, each refusal class with its errno and counter, rollback of refused
 * validations and updates, type exclusivity (table vs writable, level),
 * self-reference, mm_update_entry, pin/unpin, one-call recursion over a whole
 * tree, preemption (validation and release interrupted after every possible
 * number of entries, then taken up again), and a seeded random model check
 * (with random preemption) that recounts every reference from the live
 * tables after each operation.
 */
#include "unit.h"

#include <string.h>

#include "errno.h"
#include "pagetype.h"

#define NFRAMES  64
#define SWITCH   63
#define P        (1ull << 0)
#define RW       (1ull << 1)
#define US       (1ull << 2)
#define PS       (1ull << 7)
#define NX       (1ull << 63)
#define MASK52   0x000ffffffffff000ull
#define MASK36   0x0000000ffffff000ull
#define MASK40   0x000000fffffff000ull
#define SWITCH_PDE (((uint64_t)SWITCH << 12) | P | RW)
/* An entry: frame mfn with these flags. */
#define ent(mfn, flags) (((uint64_t)(mfn) << 12) | (flags))

static uint8_t *mem;
static struct page_info frames[NFRAMES];
static uint32_t alloc_count[NFRAMES];   /* count right after setup */
static struct mm_ctx ctx;

static uint64_t *table(uint32_t mfn)
{
	assert_true(mfn < NFRAMES);
	return (uint64_t *)(mem + (size_t)mfn * 4096);
}


static uint16_t initial_owner(uint32_t m)
{
	return m == 0 ? OWNER_NONE : m <= 40 ? 1 : m <= 50 ? 2 : m <= 60 ? OWNER_HV :
	       m <= 62 ? OWNER_NONE : OWNER_HV;
}

static int setup(void **state)
{
	mem = aligned_alloc(4096, (size_t)NFRAMES * 4096);
	assert_non_null(mem);
	memset(mem, 0, (size_t)NFRAMES * 4096);
	for (uint32_t m = 0; m < NFRAMES; m++) {
		frames[m] = (struct page_info){ .owner = initial_owner(m) };
		frames[m].count = alloc_count[m] = frames[m].owner != OWNER_NONE;
	}
	ctx = (struct mm_ctx){ frames, NFRAMES, table, SWITCH, NX, MASK52, { 0 }, NULL, 0, NULL };
	return 0;
}

static int teardown(void **state)
{
	free(mem);
	return 0;
}

/* First frame whose page_info differs from snap, or -1. */
static int first_changed(const struct page_info *snap)
{
	for (int m = 0; m < NFRAMES; m++)
		if (memcmp(&frames[m], &snap[m], sizeof(frames[m])))
			return m;
	return -1;
}

/* First frame not back in its allocation state, or -1. */
static int first_not_released(void)
{
	for (int m = 0; m < NFRAMES; m++)
		if (frames[m].count != alloc_count[m] || frames[m].type_count || frames[m].type ||
		    frames[m].flags)
			return m;
	return -1;
}

#define ASSERT_FRAME(m, cnt, ty, tc) do {                                       \
	assert_int_equal(frames[m].count, (cnt));                                \
	assert_int_equal(frames[m].type, (ty));                                  \
	assert_int_equal(frames[m].type_count, (tc));                            \
} while (0)

/* expr succeeds and counts no refusal. */
#define ASSERT_OK(expr) do {                                                    \
	uint32_t r0_[MMR_COUNT];                                                 \
	memcpy(r0_, ctx.refusals, sizeof(r0_));                                  \
	assert_int_equal((expr), 0);                                             \
	assert_memory_equal(r0_, ctx.refusals, sizeof(r0_));                     \
} while (0)

/* expr fails with -err, counts exactly one refusal of class why and changes
 * no frame's owner, type, counts or flags. */
#define ASSERT_REFUSED(expr, err, why) do {                                     \
	uint32_t r0_[MMR_COUNT];                                                 \
	struct page_info s0_[NFRAMES];                                           \
	memcpy(r0_, ctx.refusals, sizeof(r0_));                                  \
	memcpy(s0_, frames, sizeof(s0_));                                        \
	assert_int_equal((expr), -(err));                                        \
	for (int r_ = 0; r_ < MMR_COUNT; r_++)                                   \
		assert_int_equal(ctx.refusals[r_], r0_[r_] + (r_ == (why)));     \
	assert_int_equal(first_changed(s0_), -1);                                \
} while (0)

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

/* ---- preemption: rounds of at most preempt_after entries ---- */

static uint32_t preempt_after;          /* 0: never */
static unsigned rounds;                 /* of the last RUN */
static struct mm_deferred dq;

static bool preempt_hook(struct mm_ctx *c)
{
	return preempt_after && c->steps >= preempt_after;
}

static void preemptible(uint32_t n)
{
	ctx.preempt = preempt_hook;
	ctx.defer = &dq;
	preempt_after = n;
}

/* Finish the deferred releases, a round at a time (what the hypervisor does
 * before the domain's next hypercall goes on). */
static void settle(void)
{
	for (;;) {
		ctx.steps = 0;
		if (mm_settle(&ctx) == 0)
			break;
		rounds++;
		assert_true(rounds < 10000000);
	}
	assert_int_equal(dq.n, 0);
	assert_int_equal(dq.full, 0);
}

/* rc = expr, run again while it says -ERESTART (the continued hypercall),
 * then settled. */
#define RUN(rc, expr) do {                                                      \
	rounds = 1;                                                             \
	for (;;) {                                                              \
		ctx.steps = 0;                                                  \
		if (((rc) = (expr)) != -ERESTART)                               \
			break;                                                  \
		assert_int_equal(dq.n, 0);      /* nothing deferred then */    \
		rounds++;                                                       \
		assert_true(rounds < 10000000);                                 \
	}                                                                       \
	settle();                                                               \
} while (0)

/* The tree of test 10: L3 30 -> L2 31 (-> L1 35, 36, 35 again), L2 32 (->
 * L1 36, 38), L2 31 again, L2_HIGH 34 (-> L1 37); the L1s map data frames
 * 1-14 writable and read-only, and 37 maps L1 35 read-only. */
static void build_tree(void)
{
	uint64_t *l3 = table(30);
	l3[0] = ent(31, P), l3[1] = ent(32, P), l3[2] = ent(31, P), l3[3] = ent(34, P);
	table(31)[0] = ent(35, P | RW | US);
	table(31)[7] = ent(36, P | RW | US);
	table(31)[511] = ent(35, P | RW | US);
	table(32)[1] = ent(36, P | RW | US);
	table(32)[300] = ent(38, P | RW | US);
	table(34)[100] = ent(37, P | RW);
	for (int k = 0; k < 170; k++) {
		table(35)[3 * k] = ent(1 + k % 9, P | RW | US);
		table(36)[3 * k + 1] = ent(10 + k % 5, P | US);
		table(37)[3 * k + 2] = ent(35, P);
		table(38)[3 * k] = ent(1 + k % 14, (k & 1 ? RW : 0) | P);
	}
}

/* 10. Validation and release interrupted after every possible number of
 * entries, taken up again until done: exactly the counts of one go. */
static void test_preempt_every_count(void **state)
{
	struct page_info once[NFRAMES];

	build_tree();
	ASSERT_OK(mm_pin(&ctx, 1, 30, PGT_L3));
	uint32_t steps = ctx.steps;
	memcpy(once, frames, sizeof(once));
	ASSERT_OK(mm_unpin(&ctx, 1, 30));
	assert_int_equal(first_not_released(), -1);
	print_message("# a pin takes %u entries\n", steps);
	assert_true(steps > 2000);

	for (uint32_t n = 1; n <= steps + 1; n++) {
		int rc;
		preemptible(n);
		RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
		assert_int_equal(rc, 0);
		assert_int_equal(first_changed(once), -1);
		assert_int_equal(table(34)[510], SWITCH_PDE);
		if (n < steps)
			assert_true(rounds >= steps / (n + 3));   /* a round ends within a level of n */
		RUN(rc, mm_unpin(&ctx, 1, 30));
		assert_int_equal(rc, 0);
		assert_int_equal(first_not_released(), -1);
		assert_int_equal(table(34)[510], 0);
		if (n < steps)
			assert_true(rounds >= steps / (n + 3));   /* a round ends within a level of n */
	}

	/* Halfway through a release, nothing can use the tables it is
	 * releasing; a validation halfway cannot be taken by anyone but its
	 * own operation (as a table of another type, or by a table that
	 * refers to itself). */
	preemptible(0);
	ASSERT_OK(mm_pin(&ctx, 1, 30, PGT_L3));
	preemptible(700);
	ctx.steps = 0;
	assert_int_equal(mm_unpin(&ctx, 1, 30), 0);
	assert_true(dq.n >= 2);
	assert_true(frames[30].flags & PGF_DEVALIDATING);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_WRITABLE), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_pin(&ctx, 1, 30, PGT_L3), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, 0), EINVAL, MMR_BAD_REQUEST);
	uint32_t top = dq.mfn[dq.n - 1];
	assert_true(frames[top].flags & PGF_DEVALIDATING);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, top, 1, frames[top].type), EBUSY,
		       MMR_TYPE_CONFLICT);
	rounds = 0;
	settle();
	assert_int_equal(first_not_released(), -1);

	ctx.steps = 0;
	assert_int_equal(mm_pin(&ctx, 1, 30, PGT_L3), -ERESTART);
	assert_true(frames[30].flags & PGF_PARTIAL);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_L2), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_get_page_and_type(&ctx, 30, 1, PGT_WRITABLE), EBUSY, MMR_TYPE_CONFLICT);
	ASSERT_REFUSED(mm_update_entry(&ctx, 1, 30, 0, 0), EINVAL, MMR_BAD_REQUEST);
	int rc;
	RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
	assert_int_equal(rc, 0);
	assert_int_equal(first_changed(once), -1);
	RUN(rc, mm_unpin(&ctx, 1, 30));
	assert_int_equal(first_not_released(), -1);
}

/* 11. A refusal found after any number of rounds releases everything the
 * earlier rounds took, and is counted once. */
static void test_preempt_refusal(void **state)
{
	static const struct { uint32_t mfn, idx; uint64_t e; int err, why; } bad[] = {
		{ 37, 400, ent(41, P), EPERM, MMR_NOT_OWNER },          /* the last L1 */
		{ 38, 200, ent(12, P) | 1ull << 55, EINVAL, MMR_RESERVED_BITS },
		{ 34, 509, ent(30, P | RW), EBUSY, MMR_TYPE_CONFLICT }, /* the L3 itself */
		{ 31, 510, ent(36, P | PS), EINVAL, MMR_LARGE_PAGE },
	};
	build_tree();
	for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		uint64_t keep = table(bad[b].mfn)[bad[b].idx];
		table(bad[b].mfn)[bad[b].idx] = bad[b].e;
		preemptible(0);
		ctx.steps = 0;
		ASSERT_REFUSED(mm_pin(&ctx, 1, 30, PGT_L3), bad[b].err, bad[b].why);
		uint32_t steps = ctx.steps;
		for (uint32_t n = 1; n <= steps + 1; n += 1 + n / 64) {
			uint32_t r0[MMR_COUNT];
			int rc;
			memcpy(r0, ctx.refusals, sizeof(r0));
			preemptible(n);
			RUN(rc, mm_pin(&ctx, 1, 30, PGT_L3));
			assert_int_equal(rc, -bad[b].err);
			for (int r = 0; r < MMR_COUNT; r++)
				assert_int_equal(ctx.refusals[r], r0[r] + (r == bad[b].why));
			assert_int_equal(first_not_released(), -1);
			assert_int_equal(table(34)[510], 0);
			if (n < steps / 2)
				assert_true(rounds > 1);
		}
		table(bad[b].mfn)[bad[b].idx] = keep;
	}
}

/* ---- 9. random operations against a recount from the live tables ---- */

struct ref { uint32_t mfn; enum page_type type; };
static struct ref held[64];             /* type references the test holds */
static int nheld;
static enum page_type pinned[NFRAMES];  /* the type pinned, or PGT_NONE */

static bool is_table_type(int t)
{
	return t == PGT_L1 || t == PGT_L2 || t == PGT_L2_HIGH || t == PGT_L3;
}

static bool live_table(uint32_t m)
{
	return frames[m].type_count && is_table_type(frames[m].type);
}

static void need(uint32_t *cnt, uint32_t *tc, int *want, uint32_t m, int type)
{
	assert_true(m < NFRAMES);
	cnt[m]++, tc[m]++;
	if (want[m] != PGT_NONE && want[m] != type)
		fail_msg("frame %u needed as %s and as %s", m, page_type_name(want[m]),
			 page_type_name(type));
	want[m] = type;
}

static void check_model(void)
{
	uint32_t cnt[NFRAMES], tc[NFRAMES];
	int want[NFRAMES];

	for (uint32_t m = 0; m < NFRAMES; m++)
		cnt[m] = alloc_count[m], tc[m] = 0, want[m] = PGT_NONE;
	for (int i = 0; i < nheld; i++)
		need(cnt, tc, want, held[i].mfn, held[i].type);
	for (uint32_t m = 0; m < NFRAMES; m++) {
		assert_int_equal(!!(frames[m].flags & PGF_PINNED), pinned[m] != PGT_NONE);
		if (pinned[m])
			need(cnt, tc, want, m, pinned[m]);
	}
	for (uint32_t tm = 0; tm < NFRAMES; tm++) {
		if (!live_table(tm))
			continue;
		int type = frames[tm].type;
		const uint64_t *t = table(tm);
		for (uint32_t i = 0; i < (type == PGT_L3 ? 4u : 512u); i++) {
			uint64_t e = t[i];
			if (!(e & P) || (type == PGT_L2_HIGH && i >= 510))
				continue;
			uint32_t m = (uint32_t)((e & MASK52) >> 12);
			assert_true(m < NFRAMES);
			assert_int_equal(frames[m].owner, frames[tm].owner);
			assert_int_equal(e & 0x7ff0000000000000ull, 0);
			if (type == PGT_L1 && !(e & RW)) {
				cnt[m]++;
				continue;
			}
			if (type == PGT_L1)     /* never a table and writable */
				assert_false(is_table_type(frames[m].type));
			else if (type == PGT_L3)
				assert_int_equal(e & ~(P | 0x18ull | 0xe00ull | MASK52), 0);
			else
				assert_int_equal(e & PS, 0);
			need(cnt, tc, want, m, type == PGT_L1 ? PGT_WRITABLE :
			     type == PGT_L3 ? (i == 3 ? PGT_L2_HIGH : PGT_L2) : PGT_L1);
		}
		if (type == PGT_L2_HIGH) {
			assert_int_equal(t[510], SWITCH_PDE);
			assert_int_equal(t[511], 0);
		}
		if (type == PGT_L3)
			assert_true(t[3] & P);
	}
	for (uint32_t m = 0; m < NFRAMES; m++) {
		if (frames[m].count != cnt[m] || frames[m].type_count != tc[m] ||
		    frames[m].type != (tc[m] ? want[m] : PGT_NONE))
			fail_msg("frame %u: count %u type %s type_count %u, expected %u %s %u", m,
				 frames[m].count, page_type_name(frames[m].type),
				 frames[m].type_count, cnt[m],
				 page_type_name(tc[m] ? want[m] : PGT_NONE), tc[m]);
		assert_int_equal(frames[m].flags & (PGF_VALIDATING | PGF_PARTIAL |
						    PGF_DEVALIDATING), 0);
		assert_int_equal(frames[m].owner, initial_owner(m));
	}
}

/* A random entry for a table of this level, mostly valid. */
static uint64_t rand_entry(uint64_t *rng, int level, uint16_t owner)
{
	uint64_t r = unit_below(rng, 100);
	if (r < 12)
		return r < 4 ? unit_rand(rng) & ~P : 0;
	uint32_t mfn = unit_below(rng, 100) < 88 ?
		(owner == 1 ? 1 + unit_below(rng, 40) : 41 + unit_below(rng, 10)) :
		unit_below(rng, NFRAMES + 8);
	uint64_t e = ent(mfn, P);
	if (level == 1)
		e |= (unit_below(rng, 100) < 40 ? RW : 0) | (r & 1 ? US : 0) | (r % 10 == 3 ? NX : 0);
	else if (level == 2)
		e |= RW | US | (r % 30 == 7 ? PS : 0);
	else
		e |= r % 25 == 7 ? RW : 0;
	if (r % 40 == 11)
		e |= 1ull << (52 + unit_below(rng, 11));
	return e;
}

/* A frame of owner's for a PDPT slot: a live directory of the right type, or
 * an empty frame (which then validates as one); 0 if there is none. */
static uint32_t pick_dir(uint64_t *rng, uint16_t owner, int type)
{
	uint32_t cand[NFRAMES], n = 0;
	for (uint32_t m = 1; m <= 50; m++) {
		if (frames[m].owner != owner)
			continue;
		bool empty = !live_table(m) && frames[m].type_count == 0;
		for (int i = 0; empty && i < 512; i++)
			empty = table(m)[i] == 0;
		if (empty || (live_table(m) && frames[m].type == type))
			cand[n++] = m;
	}
	return n ? cand[unit_below(rng, n)] : 0;
}

/* The errno for each refusal class (EPERM/EINVAL/EBUSY/EALREADY). */
static void check_refusal(int rc, const uint32_t *r0)
{
	int which = -1;
	for (int r = 0; r < MMR_COUNT; r++) {
		uint32_t d = ctx.refusals[r] - r0[r];
		assert_true(d <= 1);
		if (d) {
			assert_int_equal(which, -1);
			which = r;
		}
	}
	if (rc == 0) {
		assert_int_equal(which, -1);
		return;
	}
	assert_int_not_equal(which, -1);
	switch (which) {
	case MMR_NOT_OWNER: case MMR_SWITCH_REGION: assert_int_equal(rc, -EPERM); break;
	case MMR_TYPE_CONFLICT: assert_int_equal(rc, -EBUSY); break;
	case MMR_BAD_REQUEST: assert_true(rc == -EINVAL || rc == -EALREADY); break;
	default: assert_int_equal(rc, -EINVAL); break;
	}
}

static void test_random_model(void **state)
{
	static const enum page_type types[] = { PGT_L1, PGT_L1, PGT_L2, PGT_L2, PGT_L2_HIGH,
						PGT_L3, PGT_L3, PGT_WRITABLE };
	uint64_t rng = unit_seed("pagetype random");
	unsigned ok[8] = { 0 }, tried[8] = { 0 }, l3_ok = 0;

	unsigned restarted = 0, deferred = 0;

	nheld = 0;
	memset(pinned, 0, sizeof(pinned));
	preemptible(0);
	for (int iter = 0; iter < 30000; iter++) {
		/* Most operations in one go, the others in rounds of n entries. */
		preempt_after = unit_below(&rng, 3) ? 0 : 1 + unit_below(&rng, 800);
		struct page_info s0[NFRAMES];
		uint32_t r0[MMR_COUNT];
		memcpy(s0, frames, sizeof(s0));
		memcpy(r0, ctx.refusals, sizeof(r0));
		uint16_t owner = unit_below(&rng, 10) ? 1 : 2;
		uint32_t m = unit_below(&rng, 100) < 90 ?
			(owner == 1 ? 1 + unit_below(&rng, 40) : 41 + unit_below(&rng, 10)) :
			unit_below(&rng, NFRAMES + 2);
		enum page_type type = types[unit_below(&rng, 8)];
		if (type == PGT_L3 && unit_below(&rng, 2)) {    /* aim at a PDPT-to-be */
			for (uint32_t i = 0, start = unit_below(&rng, 50); i < 50; i++) {
				uint32_t c = 1 + (start + i) % 50;
				if (frames[c].owner == owner && !live_table(c) && (table(c)[3] & P)) {
					m = c;
					break;
				}
			}
		}
		int op = (int)unit_below(&rng, 8), rc = 0;

		if (op == 0 || op == 1) {               /* update an entry of a live table */
			uint32_t live[NFRAMES], n = 0;
			for (uint32_t i = 0; i < NFRAMES; i++)
				if (live_table(i) && frames[i].owner == owner)
					live[n++] = i;
			if (n && unit_below(&rng, 10))
				m = live[unit_below(&rng, n)];
			int tt = m < NFRAMES ? frames[m].type : PGT_L1;
			uint32_t idx = unit_below(&rng, 10) == 0 ? unit_below(&rng, 520) :
				       tt == PGT_L3 ? unit_below(&rng, 4) : unit_below(&rng, 512);
			uint64_t val = rand_entry(&rng, tt == PGT_L1 ? 1 : tt == PGT_L3 ? 3 : 2, owner);
			uint64_t old = m < NFRAMES && idx < 512 ? table(m)[idx] : 0;
			RUN(rc, mm_update_entry(&ctx, owner, m, idx, val));
			if (m < NFRAMES && idx < 512)
				assert_int_equal(table(m)[idx], rc ? old : val);
		} else if (op == 2) {                   /* the guest writes a frame it may */
			m = 1 + unit_below(&rng, 50);
			if (live_table(m))
				continue;
			uint64_t *t = table(m);
			uint64_t r = unit_below(&rng, 12);
			if (r < 3) {
				memset(t, 0, 4096);
			} else if (r < 5) {                     /* a PDPT-to-be */
				for (int i = 0; i < 4; i++) {
					uint32_t d = pick_dir(&rng, frames[m].owner,
							      i == 3 ? PGT_L2_HIGH : PGT_L2);
					t[i] = unit_below(&rng, 6) == 0 || !d ?
					       rand_entry(&rng, 3, frames[m].owner) :
					       i < 3 && unit_below(&rng, 3) == 0 ? 0 : ent(d, P);
				}
			} else {
				uint32_t idx = unit_below(&rng, 20) ? unit_below(&rng, 512) :
					       510 + unit_below(&rng, 2);
				t[idx] = rand_entry(&rng, 1 + unit_below(&rng, 2), frames[m].owner);
			}
			check_model();
			continue;
		} else if (op == 3 || op == 4) {        /* get a type reference */
			if (nheld == 64)
				continue;
			RUN(rc, mm_get_page_and_type(&ctx, m, owner, type));
			if (rc == 0) {
				assert_int_equal(frames[m].type, type);
				held[nheld++] = (struct ref){ m, type };
				l3_ok += type == PGT_L3;
			}
		} else if (op == 5) {                   /* put one back */
			if (!nheld)
				continue;
			int k = (int)unit_below(&rng, nheld);
			RUN(rc, (mm_put_page_and_type(&ctx, held[k].mfn), 0));
			held[k] = held[--nheld];
		} else if (op == 6) {
			RUN(rc, mm_pin(&ctx, owner, m, type));
			bool mine = m < NFRAMES && frames[m].owner == owner;
			if (!is_table_type(type))
				assert_int_equal(rc, -EINVAL);
			else if (!mine)
				assert_int_equal(rc, -EPERM);
			else if (pinned[m])
				assert_int_equal(rc, -EALREADY);
			if (rc == 0) {
				pinned[m] = type;
				l3_ok += type == PGT_L3;
			}
		} else {
			RUN(rc, mm_unpin(&ctx, owner, m));
			bool mine = m < NFRAMES && frames[m].owner == owner;
			assert_int_equal(rc, !mine ? -EPERM : !pinned[m] ? -EINVAL : 0);
			if (rc == 0)
				pinned[m] = PGT_NONE;
		}
		tried[op]++;
		ok[op] += rc == 0;
		restarted += rounds > 1;
		deferred += rounds > 1 && (op == 5 || op == 7 || rc);
		check_refusal(rc, r0);
		if (rc)
			assert_int_equal(first_changed(s0), -1);
		check_model();
	}
	print_message("# ok/tried: update %u/%u, get %u/%u (L3 %u), put %u, pin %u/%u, "
		      "unpin %u/%u; %u in several rounds (%u releasing)\n", ok[0] + ok[1],
		      tried[0] + tried[1], ok[3] + ok[4], tried[3] + tried[4], l3_ok, ok[5], ok[6],
		      tried[6], ok[7], tried[7], restarted, deferred);
	assert_true(restarted > 100 && deferred > 20);
	preempt_after = 0;
	/* Release everything the test holds: back to the allocation state. */
	while (nheld)
		mm_put_page_and_type(&ctx, held[--nheld].mfn);
	for (uint32_t i = 0; i < NFRAMES; i++)
		if (pinned[i])
			assert_int_equal(mm_unpin(&ctx, frames[i].owner, i), 0);
	for (uint32_t i = 0; i < NFRAMES; i++)
		assert_false(live_table(i));
	assert_int_equal(first_not_released(), -1);
	/* The run reached every path, including whole PDPTs. */
	assert_true(ok[0] + ok[1] > 1000 && ok[3] + ok[4] > 500 && ok[6] > 100 && ok[7] > 100);
	if (!l3_ok)
		fail_msg("no PDPT (L3) was ever validated: whole address spaces untested");
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
		cmocka_unit_test_setup_teardown(test_preempt_every_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_preempt_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
	};
	return cmocka_run_group_tests_name("pagetype", tests, NULL, NULL);
}
