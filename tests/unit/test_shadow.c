/*
 * hv/bt/shadow.c: guest walks (32-bit, PSE/PSE-36, PAE/NX), fault
 * classification with the SDM's error codes (vol. 3 4.7), accessed/dirty
 * emulation, invlpg and flush, the write-protect hook, and a randomized
 * invariant: every shadow leaf maps translate(gfn) of the guest's own
 * translation, with the guest's rights or stricter.
 */
#include "unit.h"

#include <string.h>

#include "errno.h"
#include "pagetable.h"
#include "../../hv/bt/shadow.h"
#include "../../hv/bt/shadow_internal.h"

/* ---- the guest: 32 frames of RAM, two device frames, high RAM at 4 GiB ---- */

#define NRAM            32
#define DEV_GFN         0x1e            /* gfns 0x1e, 0x1f: a device (not RAM) */
#define HIGH_GFN        0x100000ull     /* 4 GiB: 1024 frames of RAM (PSE-36/PAE) */
#define HIGH_N          1024

static uint8_t gmem[NRAM][PAGE_SIZE];
static uint64_t wp_gfn = ~0ull;         /* the write-protected frame, if any */
static uint64_t used[8];
static unsigned nused;

static bool is_ram(uint64_t gfn)
{
	if (gfn < NRAM)
		return gfn != DEV_GFN && gfn != DEV_GFN + 1;
	return gfn >= HIGH_GFN && gfn < HIGH_GFN + HIGH_N;
}

/* An arbitrary p2m, far from the identity so a missed translation shows. */
static uint64_t translate(void *o, uint64_t gfn)
{
	return is_ram(gfn) ? 0x7000000ull + gfn * 3 : 0;
}

/* Table words can only live in low RAM (high RAM reads as zeroes). */
static void *gptr(uint64_t gpa, unsigned size)
{
	uint64_t gfn = gpa >> PAGE_SHIFT;
	if (!is_ram(gfn) || gfn >= NRAM || (gpa & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
		return NULL;
	return &gmem[gfn][gpa & (PAGE_SIZE - 1)];
}

static int read32(void *o, uint64_t gpa, uint32_t *v)
{
	void *p = gptr(gpa, 4);
	if (!p)
		return -RV_EFAULT;
	memcpy(v, p, 4);
	return 0;
}

static int read64(void *o, uint64_t gpa, uint64_t *v)
{
	void *p = gptr(gpa, 8);
	if (!p)
		return -RV_EFAULT;
	memcpy(v, p, 8);
	return 0;
}

static int write32(void *o, uint64_t gpa, uint32_t v)
{
	void *p = gptr(gpa, 4);
	assert_non_null(p);             /* only entries just read are written */
	memcpy(p, &v, 4);
	return 0;
}

static int write64(void *o, uint64_t gpa, uint64_t v)
{
	void *p = gptr(gpa, 8);
	assert_non_null(p);
	memcpy(p, &v, 8);
	return 0;
}

static bool write_protected(void *o, uint64_t gfn)
{
	return gfn == wp_gfn;
}

static void table_used(void *o, uint64_t gfn)
{
	if (nused < ARRAY_SIZE(used))
		used[nused++] = gfn;
}

/* Guest-table helpers. */
static uint32_t *e32(uint64_t gfn, unsigned i)
{
	return (uint32_t *)&gmem[gfn][i * 4];
}

static uint64_t *e64(uint64_t gpa)
{
	return (uint64_t *)gptr(gpa, 8);
}

/* ---- the machine: a pool of shadow frames ---- */

#define SH_BASE         0x40000000ull   /* machine address of the pool */
#define NSH             256
static uint8_t (*shmem)[PAGE_SIZE];
static bool sh_used[NSH];
static unsigned sh_live, sh_fail_after = ~0u, sh_cap = ~0u;

static pte_t *sh_table(paddr_t pa)
{
	assert_true(pa >= SH_BASE && pa < SH_BASE + NSH * PAGE_SIZE);
	assert_int_equal(pa & (PAGE_SIZE - 1), 0);
	assert_true(sh_used[(pa - SH_BASE) / PAGE_SIZE]);      /* no use after free */
	return (pte_t *)shmem[(pa - SH_BASE) / PAGE_SIZE];
}

static paddr_t sh_alloc(void)
{
	if (sh_fail_after == 0 || sh_live >= sh_cap)
		return 0;
	sh_fail_after--;
	for (unsigned i = 0; i < NSH; i++) {
		if (!sh_used[i]) {
			sh_used[i] = true;
			sh_live++;
			memset(shmem[i], 0, PAGE_SIZE);
			return SH_BASE + (paddr_t)i * PAGE_SIZE;
		}
	}
	return 0;
}

static void sh_free(void *o, paddr_t pa)
{
	unsigned i = (pa - SH_BASE) / PAGE_SIZE;
	assert_true(pa >= SH_BASE && i < NSH && !(pa & (PAGE_SIZE - 1)));
	assert_true(sh_used[i]);        /* no double free */
	sh_used[i] = false;
	memset(shmem[i], 0xdb, PAGE_SIZE);
	sh_live--;
}

static struct pt_env env = { .table = sh_table, .alloc = sh_alloc, .nx = PTE_NX };
static struct shadow_ops ops = {
	.read32 = read32, .read64 = read64, .write32 = write32, .write64 = write64,
	.translate = translate, .free = sh_free, .env = &env,
};
static struct shadow_ctx ctx;

#define ROOT_FRAMES     5               /* the PDPT and four directories */

static int setup(void **state)
{
	if (!shmem)
		shmem = aligned_alloc(PAGE_SIZE, (size_t)NSH * PAGE_SIZE);
	assert_non_null(shmem);
	memset(sh_used, 0, sizeof(sh_used));
	sh_live = 0;
	sh_fail_after = ~0u;
	sh_cap = ~0u;
	memset(gmem, 0, sizeof(gmem));
	wp_gfn = ~0ull;
	nused = 0;
	ops.write_protected = NULL;
	ops.table_used = NULL;
	ops.dropped = NULL;
	env.nx = PTE_NX;
	assert_int_equal(shadow_init(&ctx, &ops, 36, 0), 0);
	assert_int_equal(sh_live, ROOT_FRAMES);
	return 0;
}

static int teardown(void **state)
{
	shadow_destroy(&ctx);
	assert_int_equal(sh_live, 0);           /* every frame came back */
	return 0;
}

/* ---- helpers for the hand-built cases ---- */

#define CR0_PG          SH_CR0_PG
#define CR0_WP          SH_CR0_WP
#define R               0               /* error_code of a read */
#define W               PFEC_W
#define X               PFEC_I

static struct shadow_regs regs;
static pte_t *shadow_pde_of(uint32_t linear);

static void mode_2level(bool pse, bool wp)
{
	regs = (struct shadow_regs){ .cr0 = CR0_PG | (wp ? CR0_WP : 0) | 1, .cr3 = 1 << 12,
				     .cr4 = pse ? SH_CR4_PSE : 0 };
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
}

/* PAE with the PDPT at gfn 3 + 0x20 (CR3 is 32-byte aligned in PAE). */
#define PDPT_GPA        (3 * PAGE_SIZE + 0x20)
static void mode_pae(bool nxe, bool wp)
{
	regs = (struct shadow_regs){ .cr0 = CR0_PG | (wp ? CR0_WP : 0) | 1, .cr3 = PDPT_GPA,
				     .cr4 = SH_CR4_PAE, .efer = nxe ? SH_EFER_NXE : 0 };
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
}

static int fault(uint32_t linear, uint32_t ec, unsigned cpl, struct shadow_fault_out *out)
{
	return shadow_fault(&ctx, linear, ec, &regs, cpl, out);
}

static void expect_filled(uint32_t linear, uint32_t ec, unsigned cpl)
{
	struct shadow_fault_out out;
	assert_int_equal(fault(linear, ec, cpl, &out), SHADOW_FILLED);
}

/* The #PF the guest must see: SDM 4.7's error code, CR2 = linear. */
static void expect_pf(uint32_t linear, uint32_t ec, unsigned cpl, uint32_t want)
{
	struct shadow_fault_out out;
	assert_int_equal(fault(linear, ec, cpl, &out), SHADOW_GUEST_PF);
	assert_int_equal(out.error_code, want);
	assert_int_equal(out.cr2, linear);
}

/* The shadow's translation of linear, or false. */
static bool sh_walk(uint32_t linear, struct pt_walk *w)
{
	return pt_walk(&env, &ctx.root, linear, w) == 0;
}

static struct pt_walk sh_must(uint32_t linear)
{
	struct pt_walk w;
	assert_true(sh_walk(linear, &w));
	assert_int_equal(w.level, 1);           /* the shadow uses 4 KiB pages only */
	assert_false(w.global);                 /* G would outlive host CR3 switches */
	return w;
}

static uint64_t mpa(uint64_t gpa)
{
	return (translate(NULL, gpa >> PAGE_SHIFT) << PAGE_SHIFT) | (gpa & 0xfff);
}

#define P               0x001u
#define RW              0x002u
#define US              0x004u
#define A               0x020u
#define D               0x040u
#define PS              0x080u

/* ---- 32-bit paging ---- */

/* 0x00405000-: PD gfn 1, PDE 1 -> PT gfn 2, PTE 5 -> gfn 7. */
static void test_2level_fill_and_ad(void **state)
{
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US;

	/* A user read: filled, guest A set in both entries, D not. */
	expect_filled(0x00405123, R, 3);
	assert_int_equal(*e32(1, 1), (2 << 12) | P | RW | US | A);
	assert_int_equal(*e32(2, 5), (7 << 12) | P | RW | US | A);
	struct pt_walk w = sh_must(0x00405123);
	assert_int_equal(w.pa, mpa(0x7123));
	assert_true(w.user);
	assert_false(w.writable);               /* D clear: write-protected until written */
	assert_false(w.nx);

	/* The first write sets D and opens the shadow entry. */
	expect_filled(0x00405ffc, W, 3);
	assert_int_equal(*e32(2, 5), (7 << 12) | P | RW | US | A | D);
	assert_int_equal(*e32(1, 1), (2 << 12) | P | RW | US | A);     /* D is for leaves */
	w = sh_must(0x00405000);
	assert_true(w.writable && w.user);
	assert_int_equal(ctx.stats.hidden, 2);
	assert_int_equal(ctx.stats.guest_pf, 0);

	/* Already dirty: a read fills writable at once. */
	*e32(2, 6) = (8 << 12) | P | RW | A | D;
	expect_filled(0x00406000, R, 1);
	w = sh_must(0x00406000);
	assert_true(w.writable);
	assert_false(w.user);                   /* U=0 stays U=0: ring 1 is supervisor */
	assert_int_equal(w.pa, mpa(0x8000));
}

/* SDM 4.7 error codes, 32-bit paging, CR0.WP = 1. */
static void test_2level_error_codes(void **state)
{
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 0) = (7 << 12) | P | US;                /* user, read-only */
	*e32(2, 1) = (8 << 12) | P | RW;                /* supervisor, writable */
	*e32(2, 2) = (9 << 12) | RW | US;               /* not present */
	*e32(1, 2) = (2 << 12) | P | RW;                /* a supervisor directory */

	/* Not present (PDE 0, then the PTE): P=0. */
	expect_pf(0x00000000, R, 3, PFEC_U);
	expect_pf(0x00001000, W, 1, PFEC_W);
	expect_pf(0x00402000, R, 1, 0);
	expect_pf(0x00402000, W, 3, PFEC_W | PFEC_U);
	/* In 32-bit paging a fetch never reports I (no XD there). */
	expect_pf(0x00402000, X, 1, 0);
	/* Protection: user write to read-only; user to supervisor. */
	expect_pf(0x00400000, W, 3, PFEC_P | PFEC_W | PFEC_U);
	expect_pf(0x00401000, R, 3, PFEC_P | PFEC_U);
	expect_pf(0x00401000, X, 3, PFEC_P | PFEC_U);
	/* WP=1: the kernel (ring 1) may not write read-only either. */
	expect_pf(0x00400000, W, 1, PFEC_P | PFEC_W);
	/* A U=0 directory closes its U=1 pages to ring 3 ... */
	expect_pf(0x00800000, R, 3, PFEC_P | PFEC_U);
	/* ... but ring 1 reads them; and ring 0 is the same as ring 1. */
	expect_filled(0x00800000, R, 1);
	expect_filled(0x00401000, W, 0);
	assert_int_equal(ctx.stats.guest_pf, 10);
	/* Nothing faulting left anything in the shadow or set D. */
	struct pt_walk w;
	assert_false(sh_walk(0x00402000, &w));
	assert_int_equal(*e32(2, 0) & D, 0);
}

/* CR0.WP = 0: the guest kernel writes read-only pages; ring 3 still may not. */
static void test_wp0(void **state)
{
	mode_2level(false, false);
	*e32(1, 1) = (2 << 12) | P | US;                /* read-only directory */
	*e32(2, 0) = (7 << 12) | P | RW | US;

	expect_filled(0x00400010, W, 1);
	assert_true(*e32(2, 0) & D);
	struct pt_walk w = sh_must(0x00400000);
	/* Writable for ring 1 only: closed to ring 3 while it is. */
	assert_true(w.writable);
	assert_false(w.user);
	/* Ring 3 reads: a hidden fault gives the user view back, read-only. */
	expect_filled(0x00400010, R, 3);
	w = sh_must(0x00400000);
	assert_true(w.user);
	assert_false(w.writable);
	expect_pf(0x00400010, W, 3, PFEC_P | PFEC_W | PFEC_U);

	/* Turning WP on reloads the shadow: the kernel's write now faults. */
	regs.cr0 |= CR0_WP;
	expect_pf(0x00400010, W, 1, PFEC_P | PFEC_W);
	assert_false(sh_walk(0x00400000, &w));
}

/* 4 MiB pages (CR4.PSE) and PSE-36 address bits 35:32 in PDE bits 16:13. */
static void test_pse_4m(void **state)
{
	mode_2level(true, true);
	*e32(1, 2) = 0x01000000u | P | RW | PS;         /* 0x00800000 -> 16 MiB, 4 MiB */
	*e32(1, 3) = (1u << 13) | P | RW | US | PS | A; /* 0x00c00000 -> 4 GiB (PSE-36) */
	*e32(1, 4) = (1u << 17) | P | PS;               /* bit 17: reserved at M=36 */
	*e32(1, 5) = (1u << 13) | (1u << 12) | P | RW | US | PS; /* bit 12 is PAT, not address */

	/* 16 MiB is beyond the guest's RAM: MMIO, but A is still set. */
	struct shadow_fault_out out;
	assert_int_equal(fault(0x00812345, R, 1, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, 0x01012345);
	assert_true(*e32(1, 2) & A);
	assert_int_equal(ctx.stats.mmio, 1);

	/* PSE-36: 0x00c00000 + 0x3ff000 -> 4 GiB + 0x3ff000 (high RAM). */
	expect_filled(0x00fff008, W, 3);
	struct pt_walk w = sh_must(0x00fff008);
	assert_int_equal(w.pa, mpa(0x1003ff008ull));
	assert_true(w.writable && w.user);
	assert_true(*e32(1, 3) & D);                    /* D in the 4 MiB PDE */
	/* The 4 KiB shadow pieces of one guest 4 MiB page. */
	expect_filled(0x00c00000, R, 3);
	assert_int_equal(sh_must(0x00c00000).pa, mpa(0x100000000ull));
	assert_true(*shadow_pde_of(0x00c00000) & SH_PDE_LARGE);

	/* Reserved bit 17 (MAXPHYADDR 36): P|RSVD plus the access bits. */
	expect_pf(0x01000000, R, 1, PFEC_P | PFEC_RSVD);
	expect_pf(0x01000000, W, 3, PFEC_P | PFEC_RSVD | PFEC_W | PFEC_U);

	expect_filled(0x01400000, R, 3);
	assert_int_equal(sh_must(0x01400000).pa, mpa(0x100000000ull));

	/* Without CR4.PSE the PS bit is ignored: PDE 3 points at a page table
	 * (gfn 2 here, from bit 13), whose entry 0 is empty. */
	*e32(2, 0) = 0;
	mode_2level(false, true);
	expect_pf(0x00c00000, R, 1, 0);
	*e32(2, 0) = (9 << 12) | P | RW | US;
	expect_filled(0x00c00000, R, 1);
	assert_int_equal(sh_must(0x00c00000).pa, mpa(0x9000));
}

/* ---- PAE ---- */

static void test_pae_walk(void **state)
{
	*e64(PDPT_GPA + 0) = (4 << 12) | P;
	*e64(PDPT_GPA + 8) = 0;                         /* 1-2 GiB not present */
	*e64(4 * PAGE_SIZE + 0 * 8) = (5 << 12) | P | RW | US;          /* PDE 0 -> PT */
	*e64(4 * PAGE_SIZE + 1 * 8) = P | RW | US | PS;                 /* 2 MiB at 0 */
	*e64(4 * PAGE_SIZE + 2 * 8) = (1ull << 32) | P | RW | US | PS | PTE_NX; /* 4 GiB, NX */
	*e64(4 * PAGE_SIZE + 3 * 8) = (1ull << 13) | P | PS;            /* bit 13: reserved */
	*e64(5 * PAGE_SIZE + 1 * 8) = (10ull << 12) | P | RW | US;
	*e64(5 * PAGE_SIZE + 2 * 8) = (1ull << 36) | P | RW | US;       /* bit 36 > M */
	*e64(5 * PAGE_SIZE + 3 * 8) = (11ull << 12) | P | RW | US | PTE_NX;
	mode_pae(true, true);

	expect_filled(0x00001abc, W, 3);
	assert_int_equal(sh_must(0x00001abc).pa, mpa(0xaabc));
	assert_true(*e64(5 * PAGE_SIZE + 8) & D);
	assert_true(*e64(4 * PAGE_SIZE) & A);
	/* The PDPTE has no A bit (bits 5-8 are reserved there). */
	assert_int_equal(*e64(PDPT_GPA), (4 << 12) | P);

	expect_filled(0x00205000, R, 1);
	assert_int_equal(sh_must(0x00205000).pa, mpa(0x5000));
	assert_true(*shadow_pde_of(0x00200000) & SH_PDE_LARGE);

	/* NX with EFER.NXE: a fetch faults with I; reads and writes don't. */
	expect_pf(0x00400000, X, 1, PFEC_P | PFEC_I);
	expect_pf(0x00003000, X, 3, PFEC_P | PFEC_I | PFEC_U);
	expect_filled(0x00400000, W, 3);
	struct pt_walk w = sh_must(0x00400000);
	assert_int_equal(w.pa, mpa(0x100000000ull));
	assert_true(w.nx);                              /* the shadow keeps NX */
	/* Not present in PAE: a fetch reports I too. */
	expect_pf(0x00004000, X, 1, PFEC_I);
	expect_pf(0x40000000, R, 3, PFEC_U);            /* PDPTE not present */
	/* Reserved bits: 20:13 of a 2 MiB PDE; 62:36 of a PTE. */
	expect_pf(0x00600000, R, 1, PFEC_P | PFEC_RSVD);
	expect_pf(0x00002000, W, 1, PFEC_P | PFEC_RSVD | PFEC_W);
	expect_pf(0x00002000, X, 1, PFEC_P | PFEC_RSVD | PFEC_I);

	/* Without NXE bit 63 itself is reserved. */
	mode_pae(false, true);
	expect_pf(0x00400000, R, 1, PFEC_P | PFEC_RSVD);
	expect_pf(0x00003000, X, 3, PFEC_P | PFEC_RSVD | PFEC_U);       /* no I: NXE off */
	expect_filled(0x00001000, X, 3);
	assert_false(sh_must(0x00001000).nx);
}

/* PDPTEs are loaded at CR3 load; reserved bits there are #GP, not #PF. */
static void test_pae_pdptes(void **state)
{
	*e64(PDPT_GPA) = (4 << 12) | P;
	*e64(4 * PAGE_SIZE) = P | RW | US | PS | D;     /* 2 MiB at 0 */
	mode_pae(true, true);
	expect_filled(0x00000000, R, 3);

	/* A later write to the PDPT counts only after the next CR3 load. */
	*e64(PDPT_GPA) = 0;
	shadow_invlpg(&ctx, 0);
	expect_filled(0x00000000, R, 3);
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
	expect_pf(0x00000000, R, 3, PFEC_U);

	/* RW (bit 1) is reserved in a PDPTE: the load fails. */
	*e64(PDPT_GPA + 16) = (4 << 12) | P | RW;
	assert_int_equal(shadow_flush(&ctx, &regs), -RV_EINVAL);
	struct shadow_fault_out out;
	assert_int_equal(fault(0, R, 1, &out), -RV_EINVAL);
	/* Not present: anything else may be there. */
	*e64(PDPT_GPA + 16) = 0xfffffffffffff0feull;
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
	/* A PDPT outside RAM. */
	regs.cr3 = DEV_GFN << PAGE_SHIFT;
	assert_int_equal(shadow_flush(&ctx, &regs), -RV_EFAULT);
}

/* ---- what is not RAM ---- */

static void test_mmio_and_bad_tables(void **state)
{
	mode_2level(false, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(2, 1) = (DEV_GFN << 12) | P | RW;
	*e32(2, 2) = (200 << 12) | P | RW;              /* beyond RAM */
	*e32(1, 1) = ((DEV_GFN + 1) << 12) | P | RW;    /* a "page table" in device memory */

	struct shadow_fault_out out;
	assert_int_equal(fault(0x1004, W, 1, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, (DEV_GFN << 12) | 4);
	assert_true(*e32(2, 1) & D);                    /* the write happens (emulated) */
	assert_int_equal(fault(0x2000, R, 1, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, 200 << 12);
	assert_int_equal(fault(0x00401000, R, 1, &out), SHADOW_BAD_TABLE);
	assert_int_equal(out.gpa, ((DEV_GFN + 1) << 12) + 4);
	struct pt_walk w;
	assert_false(sh_walk(0x1000, &w) || sh_walk(0x2000, &w) || sh_walk(0x00401000, &w));

	/* Paging off: linear is guest-physical, any ring may write. */
	regs.cr0 = 1;
	expect_filled(0x5000, W, 3);
	w = sh_must(0x5000);
	assert_int_equal(w.pa, mpa(0x5000));
	assert_true(w.user && w.writable);
	assert_int_equal(fault(DEV_GFN << 12, R, 3, &out), SHADOW_MMIO);
}

/* ---- invlpg, flush, and the caller's hooks ---- */

static void test_invlpg(void **state)
{
	mode_2level(true, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(2, 1) = (7 << 12) | P | RW | US | D;
	*e32(2, 2) = (8 << 12) | P | RW | US | D;
	*e32(1, 1) = (1u << 13) | P | RW | PS | D;      /* 4 MiB page at 4 GiB */
	expect_filled(0x1000, R, 3);
	expect_filled(0x2000, R, 3);

	/* The guest remaps a page: like a TLB, the shadow keeps the old one
	 * until INVLPG. */
	*e32(2, 1) = (9 << 12) | P | RW | US | D;
	assert_int_equal(sh_must(0x1000).pa, mpa(0x7000));
	shadow_invlpg(&ctx, 0x1234);
	struct pt_walk w;
	assert_false(sh_walk(0x1000, &w));
	assert_int_equal(sh_must(0x2000).pa, mpa(0x8000));     /* only that page */
	expect_filled(0x1000, R, 3);
	assert_int_equal(sh_must(0x1000).pa, mpa(0x9000));
	unsigned live = sh_live;
	shadow_invlpg(&ctx, 0x00300000);                /* nothing there: no-op */
	assert_int_equal(sh_live, live);

	/* A 4 MiB guest page spans two shadow tables; INVLPG anywhere in it
	 * drops both. */
	expect_filled(0x00400000, R, 1);
	expect_filled(0x00600000, R, 1);
	assert_int_equal(sh_live, live + 2);
	shadow_invlpg(&ctx, 0x00400000);
	assert_false(sh_walk(0x00400000, &w) || sh_walk(0x00600000, &w));
	assert_int_equal(sh_live, live);
	assert_int_equal(sh_must(0x1000).pa, mpa(0x9000));

	/* Even when the half INVLPG names holds nothing: the guest's TLB
	 * entry for the 4 MiB page covers it. */
	expect_filled(0x007ff000, R, 1);
	shadow_invlpg(&ctx, 0x00401000);
	assert_false(sh_walk(0x007ff000, &w));
	assert_int_equal(sh_live, live);
}

static void test_flush_and_hv_base(void **state)
{
	shadow_destroy(&ctx);
	assert_int_equal(shadow_init(&ctx, &ops, 36, 0xffc00000u), 0);
	/* The caller's own table in the hypervisor's range survives flushes. */
	paddr_t hv_l1 = sh_alloc();
	assert_int_equal(pt_install_l1(&env, &ctx.root, 0xffe00000u, hv_l1, PTE_RW), 0);

	mode_2level(false, true);
	for (unsigned i = 0; i < 8; i++) {
		*e32(1, i) = (2 << 12) | P | RW | US;   /* every 4 MiB: the same PT */
		*e32(2, i) = ((10 + i) << 12) | P | RW | US;
	}
	for (unsigned i = 0; i < 8; i++)
		expect_filled(i * 0x00401000u, R, 3);
	assert_int_equal(sh_live, ROOT_FRAMES + 1 + 8);
	assert_int_equal(sh_must(7 * 0x00401000u).pa, mpa(17 << 12));

	/* CR3 write: all guest shadow tables go back, the root and the
	 * hypervisor's table stay. */
	regs.cr3 = 2 << 12;
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
	assert_int_equal(sh_live, ROOT_FRAMES + 1);
	struct pt_walk w;
	for (unsigned i = 0; i < 8; i++)
		assert_false(sh_walk(i * 0x00401000u, &w));
	assert_true(*shadow_pde_of(0xffe00000u) & PTE_P);
	assert_int_equal(ctx.stats.flushes, 2);

	/* A CR3 change seen at a fault reloads too (the old PD was gfn 1). */
	regs.cr3 = 1 << 12;
	expect_filled(0x1000, R, 3);
	assert_int_equal(sh_must(0x1000).pa, mpa(11 << 12));

	/* The hypervisor's range is never filled, nor dropped by invlpg. */
	struct shadow_fault_out out;
	assert_int_equal(fault(0xffc00000u, R, 1, &out), -RV_EFAULT);
	shadow_invlpg(&ctx, 0xffe00000u);
	assert_true(*shadow_pde_of(0xffe00000u) & PTE_P);
	/* shadow_destroy frees it with the rest (teardown checks). */
}

static void test_enomem(void **state)
{
	mode_2level(false, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(2, 0) = (7 << 12) | P | RW | US;
	sh_fail_after = 0;
	struct shadow_fault_out out;
	assert_int_equal(fault(0, R, 1, &out), -RV_ENOMEM);
	sh_fail_after = ~0u;
	expect_filled(0, R, 1);
}

static void test_write_protect_hooks(void **state)
{
	ops.write_protected = write_protected;
	ops.table_used = table_used;
	mode_2level(false, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(2, 0) = (7 << 12) | P | RW | US | D;
	*e32(2, 1) = (2 << 12) | P | RW | US | D;       /* the guest maps its own PT */
	wp_gfn = 2;

	expect_filled(0x0000, W, 3);
	assert_int_equal(nused, 2);                     /* the PD and the PT */
	assert_int_equal(used[0], 1);
	assert_int_equal(used[1], 2);
	assert_true(sh_must(0).writable);

	/* The PT's own page: readable, never writable in the shadow, and a
	 * write goes back to the caller to emulate. */
	expect_filled(0x1000, R, 1);
	assert_false(sh_must(0x1000).writable);
	struct shadow_fault_out out;
	assert_int_equal(fault(0x1008, W, 1, &out), SHADOW_WRITE_PROTECTED);
	assert_int_equal(out.gpa, 0x2008);
	assert_int_equal(ctx.stats.wprot, 1);
	/* A write the guest's own tables forbid is still the guest's #PF. */
	*e32(2, 1) = (2 << 12) | P | US | D;
	shadow_invlpg(&ctx, 0x1000);
	expect_pf(0x1008, W, 3, PFEC_P | PFEC_W | PFEC_U);
}

/*
 * shadow_write_protect: the writable shadow leaves that map one machine
 * frame become read-only, and nothing else changes: not the read-only
 * ones, not other frames, not the hypervisor's range at hv_base (the
 * caller's switch region, which may map the same frame writable).
 */
static void test_write_protect_frame(void **state)
{
	shadow_destroy(&ctx);
	assert_int_equal(shadow_init(&ctx, &ops, 36, 0xffc00000u), 0);
	paddr_t hv_l1 = sh_alloc();
	assert_int_equal(pt_install_l1(&env, &ctx.root, 0xffe00000u, hv_l1, PTE_RW), 0);
	uint64_t mfn = translate(NULL, 7);
	/* the caller's own writable mappings of the frame, in its range */
	sh_table(hv_l1)[0] = (mfn << PAGE_SHIFT) | PTE_P | PTE_RW;
	sh_table(hv_l1)[5] = (mfn << PAGE_SHIFT) | PTE_P | PTE_RW;

	mode_2level(false, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(1, 1) = (4 << 12) | P | RW | US;           /* a second PT: another shadow L1 */
	*e32(2, 0) = (7 << 12) | P | RW | US | D;       /* 0x0000: gfn 7, writable */
	*e32(2, 1) = (7 << 12) | P | RW | D;            /* 0x1000: alias, supervisor */
	*e32(2, 2) = (7 << 12) | P | US | D;            /* 0x2000: alias, read-only */
	*e32(2, 3) = (7 << 12) | P | RW | US;           /* 0x3000: alias, not dirty yet */
	*e32(2, 4) = (8 << 12) | P | RW | US | D;       /* 0x4000: another frame */
	*e32(4, 3) = (7 << 12) | P | RW | US | D;       /* 0x403000: alias in the other L1 */
	static const uint32_t lin[] = { 0x0000, 0x1000, 0x2000, 0x3000, 0x4000, 0x403000 };
	static const bool writable[] = { true, true, false, false, true, true };
	static const bool loses_rw[] = { true, true, false, false, false, true };
	for (unsigned i = 0; i < ARRAY_SIZE(lin); i++) {
		expect_filled(lin[i], R, 1);
		assert_int_equal(sh_must(lin[i]).writable, writable[i]);
	}
	unsigned live = sh_live;

	/* Every shadow frame before, to compare entry by entry. */
	static uint8_t before[NSH][PAGE_SIZE];
	memcpy(before, shmem, sizeof(before));
	struct shadow_stats st = ctx.stats;

	assert_int_equal(shadow_write_protect(&ctx, mfn), 3);

	/* The three writable leaves of gfn 7 lost RW, and nothing else moved. */
	unsigned changed = 0;
	for (unsigned f = 0; f < NSH; f++) {
		if (!sh_used[f])
			continue;
		const pte_t *a = (const pte_t *)before[f], *b = (const pte_t *)shmem[f];
		for (unsigned k = 0; k < PAGE_SIZE / sizeof(pte_t); k++) {
			if (a[k] == b[k])
				continue;
			assert_int_equal(a[k] & ~(pte_t)PTE_RW, b[k]);
			assert_true(a[k] & PTE_RW);
			assert_int_equal((a[k] & PTE_ADDR_MASK) >> PAGE_SHIFT, mfn);
			changed++;
		}
	}
	assert_int_equal(changed, 3);
	for (unsigned i = 0; i < ARRAY_SIZE(lin); i++) {
		struct pt_walk w = sh_must(lin[i]);
		assert_int_equal(w.writable, writable[i] && !loses_rw[i]);
		assert_int_equal(w.pa, mpa((i == 4 ? 8 : 7) << 12));
	}
	assert_int_equal(sh_table(hv_l1)[0], (mfn << PAGE_SHIFT) | PTE_P | PTE_RW);
	assert_int_equal(sh_table(hv_l1)[5], (mfn << PAGE_SHIFT) | PTE_P | PTE_RW);
	assert_int_equal(sh_live, live);
	assert_memory_equal(&st, &ctx.stats, sizeof(st));
	/* The guest's tables are not touched either (no A/D change). */
	assert_int_equal(*e32(2, 0), (7 << 12) | P | RW | US | A | D);
	assert_int_equal(*e32(2, 3), (7 << 12) | P | RW | US | A);

	/* Again: nothing left to change; a frame not mapped: nothing. */
	assert_int_equal(shadow_write_protect(&ctx, mfn), 0);
	assert_int_equal(shadow_write_protect(&ctx, translate(NULL, 9)), 0);
	assert_int_equal(shadow_write_protect(&ctx, 0), 0);

	/* The caller now protects gfn 7: a guest write through any alias is
	 * handed back to it, at the guest-physical address. */
	ops.write_protected = write_protected;
	wp_gfn = 7;
	struct shadow_fault_out out;
	assert_int_equal(fault(0x1008, W, 1, &out), SHADOW_WRITE_PROTECTED);
	assert_int_equal(out.gpa, 0x7008);
	assert_int_equal(fault(0x403ffc, W, 3, &out), SHADOW_WRITE_PROTECTED);
	assert_int_equal(out.gpa, 0x7ffc);
	/* not dirty yet, writable for the guest: still the caller's */
	assert_int_equal(fault(0x3010, W, 3, &out), SHADOW_WRITE_PROTECTED);
	assert_int_equal(out.gpa, 0x7010);
	assert_int_equal(ctx.stats.wprot, 3);
	assert_false(sh_must(0x1000).writable);
	/* read-only for the guest: the guest's own #PF, as before */
	expect_pf(0x2000, W, 3, PFEC_P | PFEC_W | PFEC_U);
	/* the other frame was never protected and stays writable */
	assert_true(sh_must(0x4000).writable);
	assert_int_equal(sh_table(hv_l1)[0], (mfn << PAGE_SHIFT) | PTE_P | PTE_RW);

	/* PAE: the same in the other directories (here the fourth, below
	 * hv_base, beside the hypervisor's table). */
	mode_pae(false, true);
	*e64(PDPT_GPA + 3 * 8) = (5 << 12) | P;
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
	*e64((5 << 12) + 0 * 8) = (6 << 12) | P | RW | US;
	*e64((6 << 12) + 1 * 8) = (8 << 12) | P | RW | US | D;
	*e64((6 << 12) + 2 * 8) = (8 << 12) | P | RW | US | D;
	expect_filled(0xc0001000u, R, 1);
	expect_filled(0xc0002000u, R, 1);
	assert_true(sh_must(0xc0001000u).writable);
	assert_int_equal(shadow_write_protect(&ctx, translate(NULL, 8)), 2);
	assert_false(sh_must(0xc0001000u).writable);
	assert_false(sh_must(0xc0002000u).writable);
	assert_int_equal(sh_table(hv_l1)[0], (mfn << PAGE_SHIFT) | PTE_P | PTE_RW);
	/* shadow_destroy frees hv_l1 with the rest (teardown checks). */
}

static pte_t *shadow_pde_of(uint32_t linear)
{
	pte_t pdpte = sh_table(ctx.root.pdpt)[L3_INDEX(linear)];
	return &sh_table(pdpte & PTE_ADDR_MASK)[L2_INDEX(linear)];
}

/* ---- the randomized invariant ---- */

/*
 * The reference: a second, separate reading of SDM 4.3/4.4/4.6, without
 * side effects. kind: 0 ok, 1 not present, 2 reserved bit, 3 table not RAM.
 */
struct ref {
	int kind;
	uint64_t gpa;
	bool rw, us, nx, dirty;
	uint64_t word[2];       /* where the entries used are (guest-physical) */
	unsigned nword;
};

static uint64_t ref_pdpte[4];

static struct ref ref_walk(const struct shadow_regs *r, uint32_t va)
{
	struct ref f = { .rw = true, .us = true, .dirty = true };
	const unsigned M = 36;
	uint64_t amask = ((1ull << M) - 1) & ~0xfffull;

	if (!(r->cr0 & CR0_PG)) {
		f.gpa = va;
		return f;
	}
	if (!(r->cr4 & SH_CR4_PAE)) {
		uint32_t pde, pte;
		f.word[f.nword++] = (r->cr3 & ~0xfffu) + ((va >> 22) << 2);
		if (read32(NULL, f.word[0], &pde))
			return (struct ref){ .kind = 3 };
		if (!(pde & P))
			return (struct ref){ .kind = 1 };
		f.rw = pde & RW;
		f.us = pde & US;
		if ((r->cr4 & SH_CR4_PSE) && (pde & PS)) {
			if (pde & 0x003e0000u)          /* bits 21:17 with M = 36 */
				return (struct ref){ .kind = 2 };
			f.gpa = ((uint64_t)((pde >> 13) & 0xf) << 32) | (pde & 0xffc00000u) |
				(va & 0x3fffff);
			f.dirty = pde & D;
			return f;
		}
		f.word[f.nword++] = (pde & ~0xfffu) + (((va >> 12) & 0x3ff) << 2);
		if (read32(NULL, f.word[1], &pte))
			return (struct ref){ .kind = 3 };
		if (!(pte & P))
			return (struct ref){ .kind = 1 };
		f.rw &= !!(pte & RW);
		f.us &= !!(pte & US);
		f.gpa = (pte & ~0xfffu) | (va & 0xfff);
		f.dirty = pte & D;
		return f;
	}
	bool nxe = r->efer & SH_EFER_NXE;
	uint64_t rsvd = ~((1ull << M) - 1) & (nxe ? ~PTE_NX : ~0ull);
	uint64_t pdpte = ref_pdpte[va >> 30], pde, pte;
	if (!(pdpte & P))
		return (struct ref){ .kind = 1 };
	f.word[f.nword++] = (pdpte & amask) + ((va >> 21) & 511) * 8;
	if (read64(NULL, f.word[0], &pde))
		return (struct ref){ .kind = 3 };
	if (!(pde & P))
		return (struct ref){ .kind = 1 };
	if (pde & rsvd)
		return (struct ref){ .kind = 2 };
	f.rw = pde & RW;
	f.us = pde & US;
	f.nx = nxe && (pde >> 63);
	if (pde & PS) {
		if (pde & 0x1fe000)
			return (struct ref){ .kind = 2 };
		f.gpa = (pde & amask & ~0x1fffffull) | (va & 0x1fffff);
		f.dirty = pde & D;
		return f;
	}
	f.word[f.nword++] = (pde & amask) + ((va >> 12) & 511) * 8;
	if (read64(NULL, f.word[1], &pte))
		return (struct ref){ .kind = 3 };
	if (!(pte & P))
		return (struct ref){ .kind = 1 };
	if (pte & rsvd)
		return (struct ref){ .kind = 2 };
	f.rw &= !!(pte & RW);
	f.us &= !!(pte & US);
	f.nx |= nxe && (pte >> 63);
	f.gpa = (pte & amask) | (va & 0xfff);
	f.dirty = pte & D;
	return f;
}

/* Every leaf of a shadow root against the guest (the invariant). */
static unsigned check_root(const struct shadow_regs *r, paddr_t pdpt)
{
	unsigned leaves = 0;
	bool wp = r->cr0 & CR0_WP;
	pte_t *l3 = sh_table(pdpt);

	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(l3[i] & ~PTE_ADDR_MASK, PTE_P);
		pte_t *l2 = sh_table(l3[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < 512; j++) {
			if (!(l2[j] & P))
				continue;
			assert_int_equal(l2[j] & PS, 0);        /* never a large shadow page */
			pte_t *l1 = sh_table(l2[j] & PTE_ADDR_MASK);
			for (unsigned k = 0; k < 512; k++) {
				pte_t e = l1[k];
				if (!(e & P))
					continue;
				uint32_t va = (i << 30) | (j << 21) | (k << 12);
				struct ref f = ref_walk(r, va);
				leaves++;
				assert_int_equal(f.kind, 0);
				uint64_t mfn = translate(NULL, f.gpa >> 12);
				/* The domain's frame, and the right one. */
				assert_int_not_equal(mfn, 0);
				assert_int_equal((e & PTE_ADDR_MASK) >> 12, mfn);
				assert_int_equal(e & PTE_G, 0);
				if (e & PTE_US)
					assert_true(f.us);
				if (e & PTE_RW) {
					assert_true(f.dirty);
					assert_true((e & PTE_US) ? f.rw : (f.rw || !wp));
					assert_int_not_equal(f.gpa >> 12, wp_gfn);
				}
				if (f.nx)
					assert_true(e & PTE_NX);
				/* A table the cache tracks is never writable. */
				if (e & PTE_RW)
					assert_false(shadow_is_table(&ctx, f.gpa >> 12));
			}
		}
	}
	return leaves;
}

static unsigned check_shadow(const struct shadow_regs *r)
{
	return check_root(r, ctx.root.pdpt);
}

/* Does any shadow leaf outside [lo, hi) translate through the guest word at gpa? */
static bool word_used_outside(const struct shadow_regs *r, uint64_t gpa, uint32_t lo, uint32_t hi)
{
	pte_t *l3 = sh_table(ctx.root.pdpt);
	for (unsigned i = 0; i < 4; i++) {
		pte_t *l2 = sh_table(l3[i] & PTE_ADDR_MASK);
		for (unsigned j = 0; j < 512; j++) {
			if (!(l2[j] & P))
				continue;
			pte_t *l1 = sh_table(l2[j] & PTE_ADDR_MASK);
			for (unsigned k = 0; k < 512; k++) {
				uint32_t va = (i << 30) | (j << 21) | (k << 12);
				if (!(l1[k] & P) || (va >= lo && va < hi))
					continue;
				struct ref f = ref_walk(r, va);
				for (unsigned n = 0; n < f.nword; n++)
					if (f.word[n] == gpa)
						return true;
			}
		}
	}
	return false;
}

/* A random table word: mostly plausible, sometimes anything. */
static uint32_t rand_word32(uint64_t *s)
{
	uint32_t w = (uint32_t)unit_rand(s) & 0xfffu;
	uint64_t c = unit_below(s, 20), gfn;
	if (c < 16)
		gfn = unit_below(s, NRAM);
	else if (c < 17)
		gfn = DEV_GFN + unit_below(s, 2);
	else if (c < 18)
		gfn = NRAM + unit_below(s, 256);
	else
		gfn = unit_rand(s) & 0xfffff;
	if (unit_below(s, 10) < 8)
		w |= P;
	else
		w &= ~P;
	/* PS rarer, so 4 KiB tables get walked too. */
	if (unit_below(s, 10) < 7)
		w &= ~PS;
	return (uint32_t)(gfn << 12) | w;
}

static uint64_t rand_word64(uint64_t *s)
{
	uint64_t w = rand_word32(s);
	if (unit_below(s, 10) < 4)
		w |= PTE_NX;
	if (unit_below(s, 10) < 1)
		w |= 1ull << 32;                        /* 4 GiB: high RAM or nothing */
	if (unit_below(s, 30) < 1)
		w |= 1ull << (33 + unit_below(s, 30));  /* often a reserved bit */
	/* 2 MiB pages usually keep bits 20:13 clear. */
	if ((w & PS) && unit_below(s, 10) < 8)
		w &= ~0x1fe000ull;
	return w;
}

static void test_random_invariant(void **state)
{
	uint64_t s = unit_seed("test_random_invariant");
	unsigned sets = 0, faults = 0, filled = 0, pf = 0, mmio = 0, bad = 0, gp = 0, leaves = 0;
	unsigned mutations = 0;
	uint32_t last_filled = ~0u;
	struct shadow_fault_out out;

	ops.write_protected = write_protected;
	shadow_destroy(&ctx);
	assert_int_equal(shadow_init(&ctx, &ops, 36, 0xffc00000u), 0);

	for (sets = 0; sets < 2500; sets++) {
		struct shadow_regs r = {
			.cr0 = 1 | (unit_below(&s, 10) ? CR0_PG : 0) |
			       (unit_below(&s, 2) ? CR0_WP : 0),
			.cr4 = (unit_below(&s, 2) ? SH_CR4_PAE : 0) |
			       (unit_below(&s, 2) ? SH_CR4_PSE : 0),
			.efer = unit_below(&s, 2) ? SH_EFER_NXE : 0,
		};
		bool is_pae = r.cr4 & SH_CR4_PAE;
		wp_gfn = unit_below(&s, 3) ? ~0ull : unit_below(&s, NRAM);

		/* Fresh random guest memory. */
		for (unsigned g = 0; g < NRAM; g++) {
			for (unsigned k = 0; k < PAGE_SIZE / 8; k++) {
				if (is_pae)
					((uint64_t *)gmem[g])[k] = rand_word64(&s);
				else
					((uint32_t *)gmem[g])[2 * k] = rand_word32(&s),
					((uint32_t *)gmem[g])[2 * k + 1] = rand_word32(&s);
			}
		}
		uint64_t cr3gfn = unit_below(&s, 20) ? unit_below(&s, NRAM) : DEV_GFN;
		r.cr3 = (uint32_t)(cr3gfn << 12);
		if (is_pae) {
			r.cr3 |= unit_below(&s, 128) * 32;
			if (cr3gfn < NRAM && cr3gfn != DEV_GFN && cr3gfn != DEV_GFN + 1 &&
			    unit_below(&s, 10) < 9) {
				/* Mostly valid PDPTEs: otherwise the load fails. */
				for (unsigned i = 0; i < 4; i++) {
					uint64_t e = (rand_word32(&s) & ~0xfffu) |
						     (unit_below(&s, 10) ? P : 0);
					if (!unit_below(&s, 20))
						e |= RW;
					*e64((r.cr3 & ~31u) + i * 8) = e;
				}
			}
		}

		/* The reference loads the PDPTEs as the CPU would. */
		int want = 0;
		if ((r.cr0 & CR0_PG) && is_pae) {
			for (unsigned i = 0; i < 4; i++) {
				if (read64(NULL, (r.cr3 & ~31u) + i * 8, &ref_pdpte[i])) {
					want = -RV_EFAULT;
					break;
				}
				if ((ref_pdpte[i] & P) && (ref_pdpte[i] & 0xfffffff0000001e6ull))
					want = -RV_EINVAL;
			}
		}
		int rc = shadow_flush(&ctx, &r);
		assert_int_equal(rc, want);
		assert_int_equal(sh_live, ROOT_FRAMES); /* nothing leaked */
		if (rc) {
			gp++;
			continue;
		}

		for (unsigned n = 0; n < 24; n++, faults++) {
			uint32_t va = (uint32_t)unit_rand(&s);
			unsigned cpl = (unsigned[]){ 0, 1, 1, 3, 3 }[unit_below(&s, 5)];
			unsigned acc = unit_below(&s, 3);       /* read, write, fetch */
			bool write = acc == 1, fetch = acc == 2, user = cpl == 3;
			uint32_t ec = write ? PFEC_W : fetch ? PFEC_I : 0;

			if (unit_below(&s, 8) == 0 && last_filled != ~0u) {
				/*
				 * The guest rewrites the leaf entry of a page the
				 * shadow maps, then INVLPGs it. Only when no other
				 * shadowed page walks through that word (random
				 * tables alias a lot): those may stay stale, as
				 * in a TLB, and the checker would object.
				 */
				struct ref f = ref_walk(&r, last_filled);
				uint64_t word = f.nword ? f.word[f.nword - 1] : 0;
				uint32_t size = f.nword == 2 ? PAGE_SIZE :
						(r.cr4 & SH_CR4_PAE) ? 2 * MiB : 4 * MiB;
				uint32_t lo = last_filled & ~(size - 1);
				if (f.kind == 0 && f.nword &&
				    !word_used_outside(&r, word, lo, lo + size)) {
					if (is_pae)
						*e64(word) = rand_word64(&s);
					else
						*(uint32_t *)gptr(word, 4) = rand_word32(&s);
					shadow_invlpg(&ctx, lo + (uint32_t)unit_below(&s, size));
					struct pt_walk w;
					for (uint32_t a = lo; a - lo < size; a += PAGE_SIZE)
						assert_false(sh_walk(a, &w));
					mutations++;
				}
				last_filled = ~0u;
			}

			struct ref f = ref_walk(&r, va);
			rc = shadow_fault(&ctx, va, ec, &r, cpl, &out);
			if (va >= 0xffc00000u) {
				assert_int_equal(rc, -RV_EFAULT);
				continue;
			}
			if (f.kind == 3) {
				assert_int_equal(rc, SHADOW_BAD_TABLE);
				bad++;
				continue;
			}
			bool ok = f.kind == 0 && !(user && !f.us) &&
				  !(write && !f.rw && (user || (r.cr0 & CR0_WP))) && !(fetch && f.nx);
			if (!ok) {
				uint32_t want_ec = (f.kind != 1 ? PFEC_P : 0) |
						   (f.kind == 2 ? PFEC_RSVD : 0) |
						   (write ? PFEC_W : 0) | (user ? PFEC_U : 0) |
						   (fetch && is_pae && (r.efer & SH_EFER_NXE) ?
						    PFEC_I : 0);
				assert_int_equal(rc, SHADOW_GUEST_PF);
				assert_int_equal(out.error_code, want_ec);
				assert_int_equal(out.cr2, va);
				pf++;
				continue;
			}
			uint64_t gfn = f.gpa >> 12;
			if (!translate(NULL, gfn)) {
				assert_int_equal(rc, SHADOW_MMIO);
				assert_int_equal(out.gpa, f.gpa);
				mmio++;
				continue;
			}
			if (write && gfn == wp_gfn) {
				assert_int_equal(rc, SHADOW_WRITE_PROTECTED);
				continue;
			}
			assert_int_equal(rc, SHADOW_FILLED);
			filled++;
			last_filled = va;
			/* The guest saw A (and D on a write) set ... */
			struct ref g = ref_walk(&r, va);
			assert_int_equal(g.kind, 0);
			assert_true(g.gpa == f.gpa);
			if (write)
				assert_true(g.dirty);
			/* ... and the retried access now goes through. */
			struct pt_walk w;
			assert_true(sh_walk(va, &w));
			assert_int_equal(w.pa, mpa(f.gpa));
			if (user)
				assert_true(w.user);
			if (write)
				assert_true(w.writable);
			if (fetch)
				assert_false(w.nx);
		}
		leaves += check_shadow(&r);
		last_filled = ~0u;
	}
	print_message("# %u table sets (%u failed CR3 loads), %u faults: %u filled, %u #PF, "
		      "%u MMIO, %u bad tables; %u leaves checked; %u entries rewritten + invlpg\n",
		      sets, gp, faults, filled, pf, mmio, bad, leaves, mutations);
	assert_true(faults >= 10000);
	/* The generator reaches every outcome often. */
	assert_true(filled > 2000 && pf > 2000 && mmio > 200 && bad > 20 && gp > 20);
	assert_true(mutations > 200);
}

/* ---- the cache of roots, kept in sync by write protection ---- */

static struct shadow_cache cache_mem;

static void cache_on(void)
{
	assert_int_equal(shadow_cache_enable(&ctx, &cache_mem), 0);
}

/* The guest writes a word of its RAM as the caller emulates it: into a
 * tracked table, the shadow hears of it. */
static void guest_write32(uint64_t gpa, uint32_t v)
{
	*(uint32_t *)gptr(gpa, 4) = v;
	shadow_written(&ctx, gpa, 4);
}

static void load_cr3(uint32_t cr3)
{
	regs.cr3 = cr3;
	assert_int_equal(shadow_flush(&ctx, &regs), 0);
}

/* Two address spaces (PDs at gfns 1 and 4) sharing a page table (gfn 2):
 * a switch away and back finds the first shadow as it was. */
static void test_cache_keeps_roots(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(4, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	expect_filled(0x00405000, R, 3);
	paddr_t root_a = ctx.root.pdpt;

	load_cr3(4 << 12);
	assert_int_not_equal(ctx.root.pdpt, root_a);    /* a root of its own */
	struct pt_walk w;
	assert_false(sh_walk(0x00405000, &w));
	expect_filled(0x00405000, W, 3);

	load_cr3(1 << 12);
	assert_int_equal(ctx.root.pdpt, root_a);
	w = sh_must(0x00405000);                        /* kept: no fault needed */
	assert_int_equal(w.pa, mpa(0x7000));
	assert_true(shadow_is_table(&ctx, 1) && shadow_is_table(&ctx, 2) &&
		    shadow_is_table(&ctx, 4));
	assert_false(shadow_is_table(&ctx, 7));
	assert_int_equal(ctx.stats.root_hits, 1);
	assert_int_equal(ctx.stats.hidden, 2);
	char line[256];
	shadow_cache_describe(&ctx.stats, line, sizeof(line));
	assert_non_null(strstr(line, "1 CR3 loads found theirs"));
	assert_non_null(strstr(line, "3 guest tables tracked"));
	bool on = false;
	assert_int_equal(shadow_parse_policy("cache", &on), 0);
	assert_true(on);
	assert_int_equal(shadow_parse_policy("flush", &on), 0);
	assert_false(on);
	assert_int_equal(shadow_parse_policy("Flush", &on), -RV_EINVAL);
	assert_false(on);
}

/* A write to a table while another root is loaded reaches the kept root:
 * the entry made from the word written goes, the others stay. */
static void test_cache_write_reaches_kept_root(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	*e32(2, 6) = (8 << 12) | P | RW | US | A | D;
	expect_filled(0x00405000, R, 3);
	expect_filled(0x00406000, R, 3);

	load_cr3(4 << 12);                              /* an empty PD */
	guest_write32((2 << 12) + 5 * 4, (9 << 12) | P | RW | US | A | D);
	guest_write32((1 << 12) + 3 * 4, (2 << 12) | P | RW | US);   /* a new PDE */
	assert_int_equal(ctx.stats.table_writes, 2);

	load_cr3(1 << 12);
	struct pt_walk w;
	assert_false(sh_walk(0x00405000, &w));          /* its word was written */
	assert_int_equal(sh_must(0x00406000).pa, mpa(0x8000));
	expect_filled(0x00405000, R, 3);
	assert_int_equal(sh_must(0x00405000).pa, mpa(0x9000));
	assert_int_equal(check_shadow(&regs), 2);

	/* A write nobody reported (what a missed sync would be): the audit
	 * names the page and what is wrong with it. */
	uint32_t bad;
	assert_int_equal(shadow_audit(&ctx, &bad), 0);
	*e32(2, 6) = (10 << 12) | P | RW | US | A | D;
	assert_int_equal(shadow_audit(&ctx, &bad), 2);          /* another frame */
	assert_int_equal(bad, 0x00406000);
	*e32(2, 6) = 0;
	assert_int_equal(shadow_audit(&ctx, &bad), 1);          /* not mapped at all */
}

/* A page mapped writable that becomes a page table is write-protected in
 * every root at once, and a write to it then comes back to be emulated. */
static void test_cache_new_table_protected(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	expect_filled(0x00405000, W, 1);
	assert_true(sh_must(0x00405000).writable);

	load_cr3(4 << 12);
	*e32(4, 2) = (7 << 12) | P | RW | US;           /* gfn 7 is a PT of this one */
	*e32(7, 0) = (8 << 12) | P | RW | US | A | D;
	expect_filled(0x00800000, R, 3);
	assert_true(shadow_is_table(&ctx, 7));

	load_cr3(1 << 12);
	struct pt_walk w = sh_must(0x00405000);
	assert_false(w.writable);
	struct shadow_fault_out out;
	assert_int_equal(fault(0x00405000, W, 1, &out), SHADOW_WRITE_PROTECTED);
	assert_int_equal(out.gpa, 0x7000);
}

/* A table written SHADOW_FLOOD times with no walk between is let go: the
 * shadows made from it go, and its frame is writable again. */
static void test_cache_flood(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	*e32(1, 2) = (3 << 12) | P | RW | US;
	*e32(3, 0) = (2 << 12) | P | RW | US | A | D;  /* gfn 2 seen at 0x800000 */
	expect_filled(0x00405000, R, 3);
	expect_filled(0x00800000, R, 3);
	assert_false(sh_must(0x00800000).writable);     /* a table: read-only */

	for (unsigned i = 0; i < SHADOW_FLOOD; i++)
		guest_write32((2 << 12) + 0x800 + i * 4, 0);
	assert_false(shadow_is_table(&ctx, 2));
	assert_int_equal(ctx.stats.unsyncs, 1);
	struct pt_walk w;
	assert_false(sh_walk(0x00405000, &w));
	expect_filled(0x00800000, W, 3);
	assert_true(sh_must(0x00800000).writable);
	assert_int_equal(check_shadow(&regs), 1);
}

/* More address spaces than roots: the least recently loaded goes, every
 * frame comes back at the end (teardown), and a PAE root whose PDPTEs
 * changed between loads starts empty. */
static void test_cache_eviction_and_pdptes(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	uint64_t misses = ctx.stats.root_misses;
	for (unsigned i = 0; i < SHADOW_ROOTS + 3; i++) {
		unsigned pd = 10 + i;
		*e32(pd, 1) = (2 << 12) | P | RW | US;
		load_cr3(pd << 12);
		expect_filled(0x00405000, R, 3);
	}
	assert_int_equal(ctx.stats.root_misses, misses + SHADOW_ROOTS + 3);
	load_cr3(10 << 12);                             /* evicted long ago */
	assert_int_equal(ctx.stats.root_misses, misses + SHADOW_ROOTS + 4);
	load_cr3((10 + SHADOW_ROOTS + 2) << 12);        /* the last one: kept */
	assert_int_equal(ctx.stats.root_hits, 1);

	mode_pae(false, true);
	*e64(PDPT_GPA) = (5 << 12) | P;
	*e64(5 << 12) = (6 << 12) | P | RW | US;
	*e64(6 << 12) = (7 << 12) | P | RW | US | A | D;
	load_cr3(PDPT_GPA);
	expect_filled(0x00000000, R, 3);
	assert_true(sh_must(0x00000000).user);
	load_cr3(1 << 12);
	*e64(PDPT_GPA) = (9 << 12) | P;                 /* no table: not watched */
	uint64_t resets = ctx.stats.root_resets;
	load_cr3(PDPT_GPA);
	assert_int_equal(ctx.stats.root_resets, resets + 1);
	struct pt_walk w;
	assert_false(sh_walk(0x00000000, &w));
}

/*
 * The invariant under random guests: tables of random words (mostly
 * plausible, aliasing a lot), a dozen address spaces switched between,
 * guest writes anywhere in its RAM (to a tracked table as the caller's
 * emulation, elsewhere natively), faults of every kind. After every step,
 * every leaf of every kept root matches the guest's own walk through its
 * memory as it is now, and no tracked table is writable anywhere.
 */
static void test_cache_random(void **state)
{
	uint64_t s = unit_seed("test_cache_random");
	unsigned steps = 0, leaves = 0, writes = 0, switches = 0;
	struct shadow_fault_out out;

	cache_on();
	for (unsigned round = 0; round < 40; round++) {
		bool is_pae = round & 1;
		struct shadow_regs base = {
			.cr0 = 1 | CR0_PG | (unit_below(&s, 2) ? CR0_WP : 0),
			.cr4 = (is_pae ? SH_CR4_PAE : 0) | (unit_below(&s, 2) ? SH_CR4_PSE : 0),
			.efer = unit_below(&s, 2) ? SH_EFER_NXE : 0,
		};
		for (unsigned g = 0; g < NRAM; g++)
			for (unsigned k = 0; k < PAGE_SIZE / 8; k++) {
				if (is_pae)
					((uint64_t *)gmem[g])[k] = rand_word64(&s) & ~(uint64_t)PS;
				else
					((uint32_t *)gmem[g])[2 * k] = rand_word32(&s),
					((uint32_t *)gmem[g])[2 * k + 1] = rand_word32(&s);
			}
		/* Address spaces: CR3s in frames 0-11; PAE PDPTEs valid. */
		uint32_t cr3s[12];
		for (unsigned i = 0; i < 12; i++) {
			cr3s[i] = i << 12 | (is_pae ? 0x20 * unit_below(&s, 128) : 0);
			if (is_pae)
				for (unsigned k = 0; k < 4; k++)
					*e64((cr3s[i] & ~31u) + k * 8) =
						(unit_below(&s, 20) << 12) | (unit_below(&s, 8) ? P : 0);
		}
		regs = base;
		regs.cr3 = cr3s[0];
		/* A mode change: every root of the old mode is useless now. */
		assert_int_equal(shadow_flush(&ctx, &regs), 0);

		for (unsigned n = 0; n < 300; n++, steps++) {
			unsigned op = unit_below(&s, 10);
			if (op == 0) {
				/* Its PDPTEs may have been written over: then
				 * the load fails (#GP) and nothing is kept. */
				regs.cr3 = cr3s[unit_below(&s, 12)];
				int rc = shadow_flush(&ctx, &regs);
				assert_true(rc == 0 || (is_pae && rc == -RV_EINVAL));
				switches++;
			} else if (op <= 3) {
				/* The guest writes a word of its RAM. */
				uint64_t gfn = unit_below(&s, NRAM);
				if (gfn == DEV_GFN || gfn == DEV_GFN + 1)
					continue;
				uint64_t gpa = gfn << 12 | unit_below(&s, PAGE_SIZE / 8) * 8;
				uint64_t v = is_pae ? rand_word64(&s) & ~(uint64_t)PS
						    : (uint64_t)rand_word32(&s) << 32 | rand_word32(&s);
				memcpy(gptr(gpa, 8), &v, 8);
				shadow_written(&ctx, gpa, 8);   /* nothing if not a table */
				writes++;
			} else {
				uint32_t va = unit_below(&s, 4) ? (uint32_t)unit_below(&s, 16 * 1024) << 12
								: (uint32_t)unit_rand(&s);
				unsigned cpl = unit_below(&s, 2) ? 3 : 1;
				uint32_t ec = unit_below(&s, 2) ? PFEC_W : 0;
				int rc = shadow_fault(&ctx, va, ec, &regs, cpl, &out);
				if (rc == SHADOW_WRITE_PROTECTED) {
					/* Emulated: a new value where it wrote. */
					uint64_t gpa = out.gpa & ~7ull;
					uint64_t v = rand_word64(&s);
					memcpy(gptr(gpa, 8), &v, 8);
					shadow_written(&ctx, gpa, 8);
					writes++;
				}
			}
			/* Every kept root against the guest as it is now. */
			for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
				const struct shadow_root *r = &cache_mem.roots[i];
				if (!r->space.pdpt || !sh_same_mode(&r->regs, &r->regs))
					continue;
				if (((r->regs.cr4 ^ base.cr4) & (SH_CR4_PAE | SH_CR4_PSE)) ||
				    ((r->regs.cr0 ^ base.cr0) & CR0_WP) ||
				    ((r->regs.efer ^ base.efer) & SH_EFER_NXE)) {
					/* A root of an earlier round: its mode's tables
					 * are not watched for a mode it is not in. */
					continue;
				}
				memcpy(ref_pdpte, r->pdpte, sizeof(ref_pdpte));
				leaves += check_root(&r->regs, r->space.pdpt);
			}
			/* The hypervisor's own check (bt_audit) agrees. */
			uint32_t bad;
			assert_int_equal(shadow_audit(&ctx, &bad), 0);
		}
	}
	print_message("# %u steps, %u CR3 loads (%llu kept, %llu missed), %u guest writes "
		      "(%llu synced, %llu let go), %u leaves checked\n", steps, switches,
		      (unsigned long long)ctx.stats.root_hits,
		      (unsigned long long)ctx.stats.root_misses, writes,
		      (unsigned long long)ctx.stats.table_writes,
		      (unsigned long long)ctx.stats.unsyncs, leaves);
	assert_true(leaves > 1000);
}

/* A root that cannot be made whole (frames ran out after the PDPT and a
 * directory) gives back what it had: the load takes an old root instead. */
static void test_cache_root_make_fails(void **state)
{
	cache_on();
	mode_2level(false, true);
	unsigned live = sh_live;
	sh_fail_after = 2;
	load_cr3(9 << 12);                      /* a miss with spare slots */
	sh_fail_after = ~0u;
	assert_int_equal(sh_live, live);        /* nothing kept, nothing lost */
	assert_int_equal(ctx.regs.cr3, 9 << 12);
	/* (teardown: every frame comes back) */
}

/* At the cap the core frees kept shadows, the loaded root's too, and
 * says so (reclaims): a caller with a tagged TLB must flush then. */
static void test_cache_reclaim_counted(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 0) = (2 << 12) | P | RW | US;
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(1, 2) = (2 << 12) | P | RW | US;
	*e32(1, 3) = (2 << 12) | P | RW | US;
	*e32(2, 0) = (7 << 12) | P | RW | US | A | D;
	expect_filled(0x00000000, R, 1);
	expect_filled(0x00400000, R, 1);
	sh_cap = sh_live;                       /* no frame for the next region */
	expect_filled(0x00800000, R, 1);
	assert_int_equal(ctx.stats.reclaims, 1);       /* the other root gave its frames */
	assert_int_equal(sh_must(0x00800000).pa, mpa(0x7000));
	/* Now only the loaded root is left: its own shadows go for the next. */
	sh_cap = sh_live;
	expect_filled(0x00c00000, R, 1);
	assert_int_equal(ctx.stats.reclaims, 2);
	struct pt_walk w;
	assert_false(sh_walk(0x00000000, &w));
	assert_int_equal(sh_must(0x00c00000).pa, mpa(0x7000));
	sh_cap = ~0u;
}

/* A table that maps itself, let go for a write the caller could not
 * emulate: the fill that follows maps it writable (the write goes on)
 * instead of tracking it again, and the root resyncs at its next load. */
static void test_cache_self_map_forgotten(void **state)
{
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (2 << 12) | P | RW | US | A | D;  /* PT gfn 2 maps itself at 0x405000 */
	struct shadow_fault_out out;
	assert_int_equal(fault(0x00405000, W, 3, &out), SHADOW_FILLED);   /* first: untracked */
	assert_false(sh_must(0x00405000).writable);     /* ... and protected by its own walk */
	assert_int_equal(fault(0x00405000, W, 3, &out), SHADOW_WRITE_PROTECTED);
	shadow_forget(&ctx, out.gpa >> PAGE_SHIFT);     /* a ring-3 write: let go */
	assert_int_equal(fault(0x00405000, W, 3, &out), SHADOW_FILLED);
	assert_true(sh_must(0x00405000).writable);      /* the write can run */
	assert_false(shadow_is_table(&ctx, 2));
	assert_int_equal(ctx.stats.self_maps, 1);
	uint64_t resets = ctx.stats.root_resets;
	load_cr3(1 << 12);                              /* the same CR3 again: resynced */
	assert_int_equal(ctx.stats.root_resets, resets + 1);
	struct pt_walk w;
	assert_false(sh_walk(0x00405000, &w));
	expect_filled(0x00405000, R, 3);
	assert_true(shadow_is_table(&ctx, 2));          /* tracked again */
}

/* ---- what bt's code window relies on (docs/bt.md, "The code window") ---- */

/* sup_nx: every supervisor page of the shadow is execute-disabled (the
 * kernel's code runs from copies elsewhere), user pages keep the guest's
 * rights; without NX on the host nothing can be said (the bit would be
 * reserved), so nothing is set. */
static void test_sup_nx(void **state)
{
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | A | D;        /* supervisor */
	*e32(2, 6) = (8 << 12) | P | RW | US | A | D;   /* user */
	expect_filled(0x00405000, R, 1);
	expect_filled(0x00406000, R, 1);
	assert_false(sh_must(0x00405000).nx);           /* off: the guest's rights */
	ctx.sup_nx = true;
	shadow_invlpg(&ctx, 0x00405000);
	shadow_invlpg(&ctx, 0x00406000);
	expect_filled(0x00405000, R, 1);
	expect_filled(0x00406000, R, 3);
	assert_true(sh_must(0x00405000).nx);
	assert_false(sh_must(0x00406000).nx);
	/* A supervisor write to a read-only user page with CR0.WP = 0 gets a
	 * supervisor-only writable entry: NX too. */
	mode_2level(false, false);
	*e32(2, 7) = (9 << 12) | P | US | A | D;
	expect_filled(0x00407000, W, 1);
	struct pt_walk w = sh_must(0x00407000);
	assert_true(!w.user && w.writable && w.nx);
	/* No NX on the host: the bit is reserved, never set. */
	env.nx = 0;
	mode_2level(false, true);
	expect_filled(0x00405000, R, 1);
	assert_false(sh_must(0x00405000).nx);
}

static struct { paddr_t root; uint32_t linear, len; } drops[16];
static unsigned ndrops;

static void dropped(void *o, const struct pae_space *root, uint32_t linear, uint32_t len)
{
	(void)o;
	if (ndrops < 16)
		drops[ndrops] = (typeof(drops[0])){ root->pdpt, linear, len };
	ndrops++;
}

static bool saw_drop(paddr_t root, uint32_t linear, uint32_t len)
{
	for (unsigned i = 0; i < ndrops && i < 16; i++)
		if (drops[i].root == root && drops[i].linear == linear && drops[i].len == len)
			return true;
	return false;
}

/* shadow_ops.dropped hears of every entry the shadow lets go, with its
 * root: INVLPG (the page), a table write synced into a kept root (the
 * page, or the 2 MiB region of a directory word), a root emptied at a CR3
 * load (all of it). A caller's mappings derived from those entries (bt's
 * window) go with them. */
static void test_dropped_hook(void **state)
{
	ops.dropped = dropped;
	ndrops = 0;
	cache_on();
	mode_2level(false, true);
	*e32(1, 1) = (2 << 12) | P | RW | US;
	*e32(2, 5) = (7 << 12) | P | RW | US | A | D;
	*e32(2, 6) = (8 << 12) | P | RW | US | A | D;
	expect_filled(0x00405000, R, 3);
	expect_filled(0x00406000, R, 3);
	paddr_t root_a = ctx.root.pdpt;
	ndrops = 0;
	shadow_invlpg(&ctx, 0x00405abc);
	assert_int_equal(ndrops, 1);
	assert_true(saw_drop(root_a, 0x00405000, PAGE_SIZE));

	/* A page-table word written while another root is loaded: the kept
	 * root hears of that page. */
	expect_filled(0x00405000, R, 3);
	load_cr3(4 << 12);
	ndrops = 0;
	guest_write32((2 << 12) + 6 * 4, (9 << 12) | P | RW | US | A | D);
	assert_true(saw_drop(root_a, 0x00406000, PAGE_SIZE));
	assert_false(saw_drop(root_a, 0x00405000, PAGE_SIZE));
	/* A directory word: the whole 2 MiB region of that root. */
	ndrops = 0;
	guest_write32((1 << 12) + 1 * 4, (2 << 12) | P | US);
	assert_true(saw_drop(root_a, 0x00400000, LARGE_PAGE_SIZE));

	/* The flush policy: a CR3 load empties the one root. */
	ndrops = 0;
	shadow_destroy(&ctx);
	assert_int_equal(shadow_init(&ctx, &ops, 36, 0), 0);
	mode_2level(false, true);
	expect_filled(0x00405000, R, 3);
	ndrops = 0;
	load_cr3(1 << 12);
	assert_true(saw_drop(ctx.root.pdpt, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_2level_fill_and_ad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2level_error_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wp0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pse_4m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_and_bad_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invlpg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sup_nx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_and_hv_base, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_protect_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_protect_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_invariant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_keeps_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_write_reaches_kept_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_new_table_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_eviction_and_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_root_make_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_reclaim_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_self_map_forgotten, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
