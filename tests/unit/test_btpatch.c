/*
 * Host tests of the bt patch cache (hv/bt/patch.c): a fake guest memory
 * with hand-assembled kernel code (the sensitive instructions of
 * test_btscan.c's tables), checked byte by byte: where the int3 traps go,
 * what the guest reads back, what lookup says at each trap, the block ends
 * that wait for their targets, a guest write restoring a page bit for bit,
 * the size limits and eviction; then random code, scans, reads and writes
 * against a copy of what the guest wrote.
 */
#include <string.h>
#include "unit.h"

#include "errno.h"
#include "../../hv/bt/scan.h"
#include "../../hv/bt/patch.h"

#define NPAGES          24
#define GPA_BASE        0x100000ull
#define LIN_OFF         0xc0000000u         /* eip = gpa + LIN_OFF */

static uint8_t mem[NPAGES * BT_PAGE_SIZE];     /* guest RAM as the CPU sees it */
static uint8_t guest[NPAGES * BT_PAGE_SIZE];   /* what the guest wrote */
static struct bt_patch_ctx ctx;
static struct bt_patch_result res;

static int f_read(void *o, uint64_t gpa, void *buf, unsigned n)
{
	(void)o;
	if (gpa < GPA_BASE || gpa + n > GPA_BASE + sizeof(mem))
		return -RV_EFAULT;
	memcpy(buf, mem + (gpa - GPA_BASE), n);
	return 0;
}

static int f_write(void *o, uint64_t gpa, const void *buf, unsigned n)
{
	(void)o;
	if (gpa < GPA_BASE || gpa + n > GPA_BASE + sizeof(mem))
		return -RV_EFAULT;
	memcpy(mem + (gpa - GPA_BASE), buf, n);
	return 0;
}

static const struct bt_patch_ops ops = { .read = f_read, .write = f_write };

static uint64_t gpa_of(unsigned page, unsigned off)
{
	return GPA_BASE + page * BT_PAGE_SIZE + off;
}

static uint32_t eip_of(unsigned page, unsigned off)
{
	return (uint32_t)gpa_of(page, off) + LIN_OFF;
}

static uint8_t *at(unsigned page, unsigned off)
{
	return mem + page * BT_PAGE_SIZE + off;
}

/* The guest loads code: both the memory and the reference copy. */
static void load(unsigned page, unsigned off, const uint8_t *b, unsigned n)
{
	memcpy(at(page, off), b, n);
	memcpy(guest + page * BT_PAGE_SIZE + off, b, n);
}

#define LOAD(page, off, ...) do { \
	static const uint8_t _c[] = { __VA_ARGS__ }; \
	load((page), (off), _c, sizeof(_c)); } while (0)

static int scan(unsigned page, unsigned off)
{
	return bt_patch_scan(&ctx, eip_of(page, off), gpa_of(page, off), 32, &res);
}

static int setup(void **state)
{
	(void)state;
	/* int3-free filler (nop) so stray traps would show */
	memset(mem, 0x90, sizeof(mem));
	memset(guest, 0x90, sizeof(guest));
	assert_int_equal(bt_patch_init(&ctx, &ops), 0);
	return 0;
}

/* Memory equals the guest's bytes except exactly at the listed offsets of
 * the page, which hold int3. */
static void expect_traps(unsigned page, const unsigned *offs, unsigned n)
{
	for (unsigned o = 0; o < BT_PAGE_SIZE; o++) {
		bool trap = false;

		for (unsigned i = 0; i < n; i++)
			trap |= offs[i] == o;
		if (trap)
			assert_int_equal(*at(page, o), 0xcc);
		else if (*at(page, o) != guest[page * BT_PAGE_SIZE + o])
			fail_msg("page %u offset 0x%x: 0x%02x, guest wrote 0x%02x", page, o,
				 *at(page, o), guest[page * BT_PAGE_SIZE + o]);
	}
}

/* What the guest reads back equals what it wrote, the whole memory. */
static void expect_reads_original(void)
{
	static uint8_t buf[sizeof(mem)];

	assert_int_equal(bt_patch_read(&ctx, GPA_BASE, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, guest, sizeof(buf));
}

/* ---- sensitive sites ---- */

static void test_sites_patched(void **state)
{
	struct bt_patch_site s;
	(void)state;

	LOAD(0, 0x100,
	     0x9c,                      /* 100 pushfd            flags-read */
	     0x89, 0xc8,                /* 101 mov eax, ecx */
	     0x0f, 0x01, 0x00,          /* 103 sgdt [eax]        sysreg-read */
	     0x8c, 0xc8,                /* 106 mov eax, cs       seg-read */
	     0x0f, 0x03, 0xc8,          /* 108 lsl ecx, eax      seg-check */
	     0x9d,                      /* 10b popfd             flags-write */
	     0xfa,                      /* 10c cli               traps by itself */
	     0x0f, 0xa2,                /* 10d cpuid */
	     0x16,                      /* 10f push ss           seg-read */
	     0xc3);                     /* 110 ret               indirect end */
	assert_int_equal(scan(0, 0x100), 0);
	assert_false(res.cached);
	assert_int_equal(res.start_eip, eip_of(0, 0x100));
	assert_int_equal(res.end_eip, eip_of(0, 0x111));
	assert_int_equal(res.stop, BT_STOP_XFER);
	assert_int_equal(res.xfer, BT_XFER_RET);
	assert_int_equal(res.ninsn, 10);

	static const unsigned traps[] = { 0x100, 0x103, 0x106, 0x108, 0x10b, 0x10d, 0x10f, 0x110 };
	expect_traps(0, traps, 8);
	assert_int_equal(res.ntrap, 8);
	for (unsigned i = 0; i < 8; i++) {
		bool found = false;

		for (unsigned j = 0; j < res.ntrap; j++)
			found |= res.trap[j] == eip_of(0, traps[i]);
		assert_true(found);
	}
	expect_reads_original();

	/* lookup at each trap: the original instruction and its class */
	static const struct { unsigned off, len, cls, end; uint8_t b[3]; } want[] = {
		{ 0x100, 1, BT_CLS_FLAGS_READ,  0, { 0x9c } },
		{ 0x103, 3, BT_CLS_SYSREG_READ, 0, { 0x0f, 0x01, 0x00 } },
		{ 0x106, 2, BT_CLS_SEG_READ,    0, { 0x8c, 0xc8 } },
		{ 0x108, 3, BT_CLS_SEG_CHECK,   0, { 0x0f, 0x03, 0xc8 } },
		{ 0x10b, 1, BT_CLS_FLAGS_WRITE, 0, { 0x9d } },
		{ 0x10d, 2, BT_CLS_CPUID,       0, { 0x0f, 0xa2 } },
		{ 0x10f, 1, BT_CLS_SEG_READ,    0, { 0x16 } },
		{ 0x110, 1, BT_CLS_NONE, BT_END_INDIRECT, { 0xc3 } },
	};
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, want[i].off), &s), 0);
		assert_int_equal(s.eip, eip_of(0, want[i].off));
		assert_int_equal(s.gpa, gpa_of(0, want[i].off));
		assert_int_equal(s.len, want[i].len);
		assert_int_equal(s.cls, want[i].cls);
		assert_int_equal(s.end, want[i].end);
		assert_memory_equal(s.orig, want[i].b, want[i].len);
	}
	assert_int_equal(s.xfer, BT_XFER_RET);
	/* not ours: ordinary and trapping instructions, inside a site */
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x101), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x10c), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x104), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(1, 0x100), &s), -RV_ENOENT);

	assert_int_equal(ctx.stats.blocks_scanned, 1);
	assert_int_equal(ctx.stats.patches_applied, 8);
	assert_int_equal(ctx.stats.patches_undone, 0);
	assert_true(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	assert_false(bt_patch_is_code(&ctx, gpa_of(1, 0) >> 12));

	/* scanning it again changes nothing */
	assert_int_equal(scan(0, 0x100), 0);
	assert_true(res.cached);
	assert_int_equal(res.end_eip, eip_of(0, 0x111));
	assert_int_equal(res.ntrap, 8);
	assert_int_equal(ctx.stats.blocks_scanned, 1);
	assert_int_equal(ctx.stats.patches_applied, 8);

	/* iret and retf: sensitive and the block's end at once (16-bit too) */
	LOAD(1, 0, 0x90, 0xcf);
	LOAD(1, 0x10, 0x66, 0xcb);
	assert_int_equal(scan(1, 0), 0);
	assert_int_equal(bt_patch_scan(&ctx, eip_of(1, 0x10), gpa_of(1, 0x10), 16, &res), 0);
	assert_int_equal(res.end_eip, eip_of(1, 0x12));
	static const unsigned t1[] = { 1, 0x10 };
	expect_traps(1, t1, 2);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(1, 1), &s), 0);
	assert_int_equal(s.cls, BT_CLS_IRET);
	assert_int_equal(s.end, BT_END_INDIRECT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(1, 0x10), &s), 0);
	assert_int_equal(s.cls, BT_CLS_RETF);
	assert_int_equal(s.len, 2);
	expect_reads_original();
}

/* The guest's own int3 (and int n, hlt, ud2) stay as they are: they trap
 * by themselves, and lookup says they are not ours. */
static void test_guest_int3(void **state)
{
	struct bt_patch_site s;
	(void)state;

	LOAD(0, 0, 0x90, 0xcc);
	LOAD(0, 0x10, 0xcd, 0x80);
	LOAD(0, 0x20, 0xf4);
	LOAD(0, 0x30, 0x0f, 0x0b);
	LOAD(0, 0x40, 0x9c, 0xcc);
	for (unsigned o = 0; o <= 0x40; o += 0x10)
		assert_int_equal(scan(0, o), 0);
	static const unsigned t[] = { 0x40 };
	expect_traps(0, t, 1);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 1), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x41), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x10), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x20), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x40), &s), 0);
	assert_int_equal(ctx.stats.blocks_scanned, 5);
	assert_int_equal(ctx.stats.patches_applied, 1);
}

/* ---- block ends ---- */

static void test_direct_ends(void **state)
{
	struct bt_patch_site s;
	(void)state;

	/* jmp rel8 on the same page: armed until the target is scanned */
	LOAD(0, 0x100, 0x9c, 0xeb, 0x10);          /* pushf; jmp 0x113 */
	LOAD(0, 0x113, 0x31, 0xc0, 0xc3);          /* xor eax, eax; ret */
	assert_int_equal(scan(0, 0x100), 0);
	assert_int_equal(res.xfer, BT_XFER_JMP);
	static const unsigned t0[] = { 0x100, 0x101 };
	expect_traps(0, t0, 2);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x101), &s), 0);
	assert_int_equal(s.cls, BT_CLS_NONE);
	assert_int_equal(s.end, BT_END_XFER);
	assert_int_equal(s.xfer, BT_XFER_JMP);
	assert_int_equal(s.len, 2);
	assert_int_equal(s.orig[0], 0xeb);
	assert_int_equal(s.orig[1], 0x10);
	assert_int_equal(s.nsucc, 1);
	assert_int_equal(s.succ[0], eip_of(0, 0x113));
	/* the caller scans the target: the jmp runs freely now */
	assert_int_equal(scan(0, 0x113), 0);
	static const unsigned t1[] = { 0x100, 0x115 };
	expect_traps(0, t1, 2);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x101), &s), -RV_ENOENT);
	assert_int_equal(ctx.stats.patches_undone, 1);

	/* jcc: both the target and the fall-through */
	LOAD(0, 0x200, 0x74, 0x05);                /* je 0x207 */
	LOAD(0, 0x202, 0xc3);
	LOAD(0, 0x207, 0xc3);
	assert_int_equal(scan(0, 0x200), 0);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x200), &s), 0);
	assert_int_equal(s.nsucc, 2);
	assert_int_equal(s.succ[0], eip_of(0, 0x207));
	assert_int_equal(s.succ[1], eip_of(0, 0x202));
	assert_int_equal(scan(0, 0x207), 0);
	assert_int_equal(*at(0, 0x200), 0xcc);     /* still: 0x202 not scanned */
	assert_int_equal(scan(0, 0x202), 0);
	assert_int_equal(*at(0, 0x200), 0x74);

	/* jmp rel32 to another page, which the guest then rewrites: the jmp
	 * must trap again, its own page stays */
	LOAD(0, 0x300, 0xe9, 0xfb, 0x0f, 0x00, 0x00);   /* jmp 0x1300 (page 1) */
	LOAD(1, 0x300, 0x9d, 0xc3);
	assert_int_equal(scan(0, 0x300), 0);
	assert_int_equal(*at(0, 0x300), 0xcc);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x300), &s), 0);
	assert_int_equal(s.succ[0], eip_of(1, 0x300));
	assert_int_equal(scan(1, 0x300), 0);
	assert_int_equal(*at(0, 0x300), 0xe9);
	assert_int_equal(bt_patch_page_written(&ctx, gpa_of(1, 0) >> 12), 1);
	assert_int_equal(*at(0, 0x300), 0xcc);
	assert_true(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	assert_false(bt_patch_is_code(&ctx, gpa_of(1, 0) >> 12));
	assert_int_equal(*at(1, 0x300), 0x9d);

	/* call: armed until the callee is scanned (the return comes back
	 * through the callee's ret, which is always patched) */
	LOAD(0, 0x400, 0xe8, 0x0b, 0x00, 0x00, 0x00);   /* call 0x410 */
	LOAD(0, 0x410, 0xc3);
	assert_int_equal(scan(0, 0x400), 0);
	assert_int_equal(*at(0, 0x400), 0xcc);
	assert_int_equal(scan(0, 0x410), 0);
	assert_int_equal(*at(0, 0x400), 0xe8);
	assert_int_equal(*at(0, 0x410), 0xcc);

	/* indirect ends: always */
	LOAD(0, 0x500, 0xff, 0xe0);                 /* jmp eax */
	LOAD(0, 0x510, 0xff, 0xd0);                 /* call eax */
	LOAD(0, 0x520, 0xea, 0, 0, 0, 0, 0x08, 0);  /* jmp far 0x08:0 */
	LOAD(0, 0x530, 0xc2, 0x04, 0x00);           /* ret 4 */
	for (unsigned o = 0x500; o <= 0x530; o += 0x10) {
		assert_int_equal(scan(0, o), 0);
		assert_int_equal(*at(0, o), 0xcc);
		assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, o), &s), 0);
		assert_int_equal(s.end, BT_END_INDIRECT);
	}
	expect_reads_original();
}

/* Blocks that end without a transfer: the next instruction traps. */
static void test_continuations(void **state)
{
	struct bt_patch_site s;
	(void)state;

	/* undecodable bytes (UD0) */
	LOAD(0, 0, 0x90, 0x0f, 0xff, 0xc0);
	assert_int_equal(scan(0, 0), 0);
	assert_int_equal(res.stop, BT_STOP_INVALID);
	assert_int_equal(res.end_eip, eip_of(0, 1));
	assert_int_equal(*at(0, 1), 0xcc);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 1), &s), 0);
	assert_int_equal(s.end, BT_END_CONT);
	assert_int_equal(s.succ[0], eip_of(0, 1));
	assert_int_equal(s.len, 1);
	assert_int_equal(s.orig[0], 0x0f);
	/* the caller scans on: nothing to scan there, it stays a trap */
	assert_int_equal(scan(0, 1), -RV_ERANGE);
	assert_int_equal(*at(0, 1), 0xcc);
	expect_reads_original();

	/* 64 instructions, then a pushf: CONT at the pushf; scanning on
	 * keeps the trap there (now for the pushf) */
	for (unsigned i = 0; i < 64; i++)
		LOAD(2, i, 0x40);                   /* inc eax */
	LOAD(2, 64, 0x9c, 0x90, 0xc3);
	assert_int_equal(scan(2, 0), 0);
	assert_int_equal(res.stop, BT_STOP_MAX);
	assert_int_equal(res.end_eip, eip_of(2, 64));
	static const unsigned t2[] = { 64 };
	expect_traps(2, t2, 1);
	assert_int_equal(res.ntrap, 1);
	assert_int_equal(res.trap[0], eip_of(2, 64));
	assert_int_equal(scan(2, 64), 0);
	static const unsigned t2b[] = { 64, 66 };
	expect_traps(2, t2b, 2);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(2, 64), &s), 0);
	assert_int_equal(s.cls, BT_CLS_FLAGS_READ);
	assert_int_equal(s.end, BT_END_CONT);

	/* 16 sites, a 17th next: the block stops before it */
	for (unsigned i = 0; i < 17; i++)
		LOAD(3, i, 0x9d);
	LOAD(3, 17, 0xc3);
	assert_int_equal(scan(3, 0), 0);
	assert_int_equal(res.stop, BT_STOP_FULL);
	assert_int_equal(res.ntrap, 17);           /* 16 popf + the CONT on the 17th */
	assert_int_equal(scan(3, 16), 0);
	unsigned t3[18];
	for (unsigned i = 0; i < 18; i++)
		t3[i] = i;
	expect_traps(3, t3, 18);

	/* the page end: exactly at it (open end, nothing to patch here) ... */
	LOAD(4, 4094, 0x90, 0x90);
	assert_int_equal(scan(4, 4094), 0);
	assert_int_equal(res.stop, BT_STOP_PAGE);
	assert_true(res.open_end);
	assert_int_equal(res.end_eip, eip_of(5, 0));
	expect_traps(4, NULL, 0);
	/* ... and an instruction across it: a trap on its first byte, which
	 * the caller must emulate (no block can start there) */
	LOAD(6, 4093, 0x90, 0xb8, 0x01);
	LOAD(7, 0, 0x02, 0x03, 0x04, 0xc3);
	assert_int_equal(scan(6, 4093), 0);
	assert_false(res.open_end);
	assert_int_equal(res.end_eip, eip_of(6, 4094));
	static const unsigned t6[] = { 4094 };
	expect_traps(6, t6, 1);
	assert_int_equal(scan(6, 4094), -RV_ERANGE);
	expect_reads_original();
}

/* ---- guest writes ---- */

static void test_page_written(void **state)
{
	static uint8_t before[BT_PAGE_SIZE];
	uint64_t applied;
	(void)state;

	LOAD(0, 0x000, 0x9c, 0xfa, 0x0f, 0x01, 0x08, 0xeb, 0x20);      /* pushf cli sidt jmp */
	LOAD(0, 0x100, 0x0f, 0x00, 0xc0, 0x0f, 0x00, 0xe8, 0xcf);      /* sldt verw iret */
	LOAD(0, 0x200, 0x8c, 0xd0, 0x0e, 0x74, 0x10);                  /* mov eax,ss push cs je */
	memcpy(before, guest, BT_PAGE_SIZE);
	assert_int_equal(scan(0, 0), 0);
	assert_int_equal(scan(0, 0x100), 0);
	assert_int_equal(scan(0, 0x200), 0);
	applied = ctx.stats.patches_applied;
	assert_int_equal(applied, 3 + 3 + 3);
	assert_memory_not_equal(at(0, 0), before, BT_PAGE_SIZE);

	assert_int_equal(bt_patch_page_written(&ctx, gpa_of(0, 0) >> 12), 1);
	assert_memory_equal(at(0, 0), before, BT_PAGE_SIZE);
	assert_int_equal(ctx.stats.patches_undone, applied);
	assert_int_equal(ctx.stats.pages_dropped, 1);
	assert_false(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	struct bt_patch_site s;
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0), &s), -RV_ENOENT);
	/* a page that is not cached */
	assert_int_equal(bt_patch_page_written(&ctx, gpa_of(0, 0) >> 12), 0);
	assert_int_equal(ctx.stats.pages_dropped, 1);

	/* new code loaded in its place scans afresh */
	LOAD(0, 0, 0x9d, 0xc3);
	assert_int_equal(scan(0, 0), 0);
	assert_false(res.cached);
	static const unsigned t[] = { 0, 1 };
	expect_traps(0, t, 2);

	/* flush drops all */
	LOAD(1, 0, 0x9c, 0xc3);
	assert_int_equal(scan(1, 0), 0);
	assert_int_equal(bt_patch_flush(&ctx), 0);
	assert_memory_equal(mem, guest, sizeof(mem));
}

/* Whether a scanned block of page holds off (seen at its usual eip). */
static bool covered(unsigned page, unsigned off)
{
	return bt_patch_covered(&ctx, eip_of(page, off), gpa_of(page, 0) >> 12);
}

static bool armed(unsigned page, unsigned off)
{
	return bt_patch_lookup(&ctx, eip_of(page, off), NULL) == 0;
}

/* Two blocks on page 0, A jumping into B, and jumps from page 1 into
 * each; scanned, so only the sensitive sites and the rets trap. */
static void two_blocks(void)
{
	LOAD(0, 0x100,
	     0x9c,                      /* 100 pushfd                 A */
	     0x89, 0xc8,                /* 101 mov eax, ecx */
	     0xeb, 0x4b);               /* 103 jmp 0x150 */
	LOAD(0, 0x150,
	     0x9d,                      /* 150 popfd                  B */
	     0x0f, 0x01, 0x00,          /* 151 sgdt [eax] */
	     0xc3);                     /* 154 ret */
	LOAD(1, 0x300, 0xe9, 0x4b, 0xee, 0xff, 0xff);   /* 300 jmp page 0 0x150 */
	LOAD(1, 0x400, 0xe9, 0xfb, 0xec, 0xff, 0xff);   /* 400 jmp page 0 0x100 */
	assert_int_equal(scan(0, 0x100), 0);
	assert_int_equal(scan(0, 0x150), 0);
	assert_int_equal(scan(1, 0x300), 0);
	assert_int_equal(scan(1, 0x400), 0);
	static const unsigned t0[] = { 0x100, 0x150, 0x151, 0x154 };
	expect_traps(0, t0, 4);
	expect_traps(1, NULL, 0);
}

/* A write into the second block: it goes, its originals are back, the
 * first stays scanned and armed, and every jmp into the second (on its
 * page and from another) traps again. */
static void test_bytes_written_block(void **state)
{
	struct bt_patch_site s;
	(void)state;

	two_blocks();
	uint64_t applied = ctx.stats.patches_applied, undone = ctx.stats.patches_undone;
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x152), 2), 1);
	static const unsigned t0[] = { 0x100, 0x103 };
	expect_traps(0, t0, 2);
	static const unsigned t1[] = { 0x300 };
	expect_traps(1, t1, 1);
	assert_true(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	assert_true(covered(0, 0x100) && covered(0, 0x104));
	assert_false(covered(0, 0x150) || covered(0, 0x154));
	assert_true(covered(1, 0x300) && covered(1, 0x400));
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x103), &s), 0);
	assert_int_equal(s.end, BT_END_XFER);
	assert_int_equal(s.succ[0], eip_of(0, 0x150));
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(1, 0x300), &s), 0);
	assert_int_equal(s.succ[0], eip_of(0, 0x150));
	assert_false(armed(0, 0x150) || armed(0, 0x151) || armed(0, 0x154));
	assert_false(armed(1, 0x400));
	/* 3 originals back, 2 jmps re-armed; no page was dropped */
	assert_int_equal(ctx.stats.patches_undone, undone + 3);
	assert_int_equal(ctx.stats.patches_applied, applied + 2);
	assert_int_equal(ctx.stats.pages_dropped, 0);
	expect_reads_original();

	/* The guest's new bytes land; B scanned again, the jmps run free. */
	LOAD(0, 0x151, 0x90, 0x9c, 0xc3);           /* nop; pushfd; ret */
	assert_int_equal(scan(0, 0x150), 0);
	assert_false(res.cached);
	static const unsigned t2[] = { 0x100, 0x150, 0x152, 0x153 };
	expect_traps(0, t2, 4);
	expect_traps(1, NULL, 0);

	/* A 1-byte write on the last byte of a site (the jmp's rel8) drops
	 * the block that holds it, not the other one. */
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x104), 1), 1);
	assert_false(covered(0, 0x100));
	assert_true(covered(0, 0x150));
	static const unsigned t3[] = { 0x150, 0x152, 0x153 };
	expect_traps(0, t3, 3);
	static const unsigned t4[] = { 0x400 };             /* led into A */
	expect_traps(1, t4, 1);
	/* and on the last byte of a 3-byte sensitive instruction */
	LOAD(0, 0x500, 0x40, 0x0f, 0x01, 0x08, 0xc3);     /* inc eax; sidt [eax]; ret */
	assert_int_equal(scan(0, 0x500), 0);
	assert_true(armed(0, 0x501));
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x503), 1), 1);
	assert_false(covered(0, 0x500));
	assert_false(armed(0, 0x501) || armed(0, 0x504));
	assert_true(covered(0, 0x150));
	expect_traps(0, t3, 3);
	expect_reads_original();
}

/* Writes that touch no block and no site: 0, nothing changes. */
static void test_bytes_written_outside(void **state)
{
	static uint8_t before[sizeof(mem)];
	(void)state;

	two_blocks();
	struct bt_patch_stats st = ctx.stats;
	memcpy(before, mem, sizeof(mem));
	/* between the blocks, right after A (its jmp needs no trap after it),
	 * right before B, at the page's start and end */
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x105), 16), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x140), 16), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x120), 1), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x0f0), 16), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0), 0x100), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x155), 0xeab), 0);
	/* nothing at all, and a page that is not cached */
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x100), 0), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(2, 0x100), 16), 0);
	assert_memory_equal(mem, before, sizeof(mem));
	assert_memory_equal(&st, &ctx.stats, sizeof(st));
	assert_true(covered(0, 0x100) && covered(0, 0x150));
	assert_true(covered(1, 0x300) && covered(1, 0x400));
}

/* A write over the whole page: as bt_patch_page_written. */
static void test_bytes_written_whole_page(void **state)
{
	static uint8_t after[2][sizeof(mem)];
	static struct bt_patch_stats st[2];
	(void)state;

	for (unsigned pass = 0; pass < 2; pass++) {
		setup(NULL);
		two_blocks();
		if (pass == 0)
			assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0), BT_PAGE_SIZE), 1);
		else
			assert_int_equal(bt_patch_page_written(&ctx, gpa_of(0, 0) >> 12), 1);
		assert_false(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
		assert_false(covered(0, 0x100) || covered(0, 0x150));
		expect_traps(0, NULL, 0);
		static const unsigned t1[] = { 0x300, 0x400 };
		expect_traps(1, t1, 2);
		assert_true(bt_patch_is_code(&ctx, gpa_of(1, 0) >> 12));
		assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x100), NULL), -RV_ENOENT);
		/* not cached any more */
		assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x100), 1), 0);
		memcpy(after[pass], mem, sizeof(mem));
		st[pass] = ctx.stats;
	}
	assert_memory_equal(after[0], after[1], sizeof(mem));
	assert_memory_equal(&st[0], &st[1], sizeof(st[0]));
	/* from offset 0x100 to the end, as a huge n: the same */
	setup(NULL);
	two_blocks();
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x100), ~0u), 1);
	assert_false(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	assert_memory_equal(mem, after[0], sizeof(mem));
}

/* A block that ends without a transfer traps on the byte after it: a
 * write to that byte (only) must not leave the block running into the
 * new, unscanned bytes. */
static void test_bytes_written_cont_end(void **state)
{
	struct bt_patch_site s;
	(void)state;

	LOAD(0, 0x600, 0x90, 0x0f, 0xff, 0xc0);      /* nop; UD0: CONT at 0x601 */
	LOAD(0, 0x700, 0x9c, 0xc3);
	assert_int_equal(scan(0, 0x600), 0);
	assert_int_equal(scan(0, 0x700), 0);
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x601), &s), 0);
	assert_int_equal(s.end, BT_END_CONT);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(0, 0x601), 1), 1);
	/* the block went with its end (or its end still traps) */
	assert_true(!covered(0, 0x600) || armed(0, 0x601));
	assert_false(covered(0, 0x600));
	static const unsigned t[] = { 0x700, 0x701 };
	expect_traps(0, t, 2);
	expect_reads_original();
}

/* Writes that run past the page end are clipped to it: the next page's
 * blocks stay. */
static void test_bytes_written_clipped(void **state)
{
	(void)state;

	LOAD(2, 0xf00, 0x9c, 0xc3);
	LOAD(2, 0xff8, 0x9d, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90);    /* open end */
	LOAD(3, 0, 0x9c, 0xc3);
	assert_int_equal(scan(2, 0xf00), 0);
	assert_int_equal(scan(2, 0xff8), 0);
	assert_true(res.open_end);
	assert_int_equal(scan(3, 0), 0);
	/* 16 bytes from 0xffc: 4 on page 2, none on page 3 */
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(2, 0xffc), 16), 1);
	assert_false(covered(2, 0xff8));
	assert_true(covered(2, 0xf00));
	static const unsigned t2[] = { 0xf00, 0xf01 };
	expect_traps(2, t2, 2);
	static const unsigned t3[] = { 0, 1 };
	expect_traps(3, t3, 2);
	assert_true(covered(3, 0));
	/* from the last byte of page 2, none of it lands on page 3 */
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(2, 0xfff), 16), 0);
	assert_int_equal(bt_patch_bytes_written(&ctx, gpa_of(2, 0xf01), 0x1000), 1);
	assert_false(bt_patch_is_code(&ctx, gpa_of(2, 0) >> 12));
	expect_traps(2, NULL, 0);
	expect_traps(3, t3, 2);
	assert_true(covered(3, 0));
	expect_reads_original();
}

/* ---- overlapping blocks ---- */

static void test_overlap(void **state)
{
	(void)state;

	/* into the middle of an instruction: mov eax, 0x9c9c9c9c read from
	 * its second byte is four pushf. Patching those would corrupt the mov,
	 * so the page is dropped and only the new block stays. */
	LOAD(0, 0, 0xb8, 0x9c, 0x9c, 0x9c, 0x9c, 0xc3);
	assert_int_equal(scan(0, 0), 0);
	static const unsigned t0[] = { 5 };
	expect_traps(0, t0, 1);
	assert_int_equal(scan(0, 1), 0);
	assert_true(res.dropped);
	assert_int_equal(ctx.stats.conflicts, 1);
	assert_int_equal(ctx.stats.pages_dropped, 1);
	static const unsigned t1[] = { 1, 2, 3, 4, 5 };
	expect_traps(0, t1, 5);
	/* and back: the first block again, at the cost of the second */
	assert_int_equal(scan(0, 0), 0);
	assert_int_equal(ctx.stats.conflicts, 2);
	expect_traps(0, t0, 1);
	expect_reads_original();

	/* agreeing decodings overlap freely (a jump to the middle of a block
	 * at an instruction boundary, and a block that runs into another) */
	LOAD(1, 0, 0x90, 0x9c, 0x90, 0x9d, 0xc3);
	assert_int_equal(scan(1, 2), 0);
	assert_int_equal(scan(1, 0), 0);
	assert_false(res.dropped);
	assert_int_equal(scan(1, 1), 0);
	assert_false(res.dropped);
	assert_int_equal(ctx.stats.conflicts, 2);
	static const unsigned t2[] = { 1, 3, 4 };
	expect_traps(1, t2, 3);
	/* 16- and 32-bit decodings of one byte string do not mix */
	assert_int_equal(bt_patch_scan(&ctx, eip_of(1, 2), gpa_of(1, 2), 16, &res), 0);
	assert_true(res.dropped);
	assert_int_equal(ctx.stats.conflicts, 3);
	static const unsigned t3[] = { 3, 4 };
	expect_traps(1, t3, 2);
	expect_reads_original();
}

/* ---- limits ---- */

static void test_limits(void **state)
{
	(void)state;

	/* sites: 17 per block (16 popf and the ret); the fourth block does
	 * not fit in 64, so the page's data goes */
	for (unsigned b = 0; b < 4; b++) {
		for (unsigned i = 0; i < 16; i++)
			LOAD(0, b * 32 + i, 0x9d);
		LOAD(0, b * 32 + 16, 0xc3);
	}
	for (unsigned b = 0; b < 3; b++) {
		assert_int_equal(scan(0, b * 32), 0);
		assert_false(res.dropped);
	}
	assert_int_equal(ctx.page[0].nsite, 51);
	assert_int_equal(scan(0, 96), 0);
	assert_true(res.dropped);
	assert_int_equal(ctx.stats.evictions, 1);
	unsigned t[17];
	for (unsigned i = 0; i < 17; i++)
		t[i] = 96 + i;
	expect_traps(0, t, 17);
	assert_int_equal(ctx.stats.patches_applied, 68);
	assert_int_equal(ctx.stats.patches_undone, 51);

	/* blocks: 32 per page */
	for (unsigned b = 0; b < 33; b++)
		LOAD(1, b * 2, 0x40, 0xc3);
	for (unsigned b = 0; b < 32; b++) {
		assert_int_equal(scan(1, b * 2), 0);
		assert_false(res.dropped);
	}
	assert_int_equal(scan(1, 64), 0);
	assert_true(res.dropped);
	assert_int_equal(ctx.stats.evictions, 2);
	static const unsigned t1[] = { 65 };
	expect_traps(1, t1, 1);

	/* pages: the least recently used goes (a trap on page 0 keeps it) */
	bt_patch_flush(&ctx);
	for (unsigned p = 0; p < BT_PATCH_PAGES; p++) {
		LOAD(p, 0, 0x9c, 0xc3);
		assert_int_equal(scan(p, 0), 0);
	}
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 1), NULL), 0);
	LOAD(BT_PATCH_PAGES, 0, 0x9c, 0xc3);
	assert_int_equal(scan(BT_PATCH_PAGES, 0), 0);
	assert_int_equal(ctx.stats.evictions, 3);
	assert_true(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	assert_false(bt_patch_is_code(&ctx, gpa_of(1, 0) >> 12));
	assert_true(bt_patch_is_code(&ctx, gpa_of(BT_PATCH_PAGES, 0) >> 12));
	expect_traps(1, NULL, 0);
	expect_reads_original();
}

/* One frame under one linear page, one linear page per frame. */
static void test_alias_and_args(void **state)
{
	(void)state;

	LOAD(0, 0x10, 0x9c, 0xc3);
	assert_int_equal(scan(0, 0x10), 0);
	/* the same frame seen at another linear address */
	assert_int_equal(bt_patch_scan(&ctx, 0x8000010, gpa_of(0, 0x10), 32, &res), 0);
	assert_true(res.dropped);
	struct bt_patch_site s;
	assert_int_equal(bt_patch_lookup(&ctx, eip_of(0, 0x10), &s), -RV_ENOENT);
	assert_int_equal(bt_patch_lookup(&ctx, 0x8000010, &s), 0);
	assert_int_equal(s.gpa, gpa_of(0, 0x10));
	/* that linear page remapped to another frame */
	LOAD(1, 0x10, 0x9d, 0xc3);
	assert_int_equal(bt_patch_scan(&ctx, 0x8000010, gpa_of(1, 0x10), 32, &res), 0);
	assert_true(res.dropped);
	assert_false(bt_patch_is_code(&ctx, gpa_of(0, 0) >> 12));
	expect_traps(0, NULL, 0);
	static const unsigned t[] = { 0x10, 0x11 };
	expect_traps(1, t, 2);

	assert_int_equal(bt_patch_scan(&ctx, eip_of(2, 0), gpa_of(2, 0), 8, &res), -RV_EINVAL);
	assert_int_equal(bt_patch_scan(&ctx, eip_of(2, 0), gpa_of(2, 1), 32, &res), -RV_EINVAL);
	assert_int_equal(bt_patch_scan(&ctx, eip_of(2, 0), gpa_of(2, 0), 32, NULL), -RV_EINVAL);
	/* not guest RAM */
	assert_int_equal(bt_patch_scan(&ctx, 0x1000, 0x1000, 32, &res), -RV_EFAULT);
	uint8_t b;
	assert_int_equal(bt_patch_read(&ctx, 0x1000, &b, 1), -RV_EFAULT);
	assert_int_equal(bt_patch_init(&ctx, NULL), -RV_EINVAL);
}

/* ---- random ---- */

/* Biased code: sensitive ones, branches within and across pages, int3,
 * immediates full of sensitive bytes, random bytes. */
static void gen_page(uint64_t *rs, unsigned page, uint8_t *p)
{
	unsigned o = 0;

	(void)page;
	while (o < BT_PAGE_SIZE) {
		uint8_t b[8];
		unsigned n = 0;

		switch (unit_below(rs, 16)) {
		case 0: b[n++] = 0x9c; break;
		case 1: b[n++] = 0x9d; break;
		case 2: b[n++] = 0x0e; break;
		case 3: b[n++] = 0x0f; b[n++] = 0x01; b[n++] = 0x00; break;
		case 4: b[n++] = 0x8c; b[n++] = 0xc8; break;
		case 5: b[n++] = 0xcf; break;
		case 6: b[n++] = 0xc3; break;
		case 7: b[n++] = 0xcc; break;
		case 8: b[n++] = 0xeb; b[n++] = unit_rand(rs); break;
		case 9: b[n++] = 0x74 + unit_below(rs, 4); b[n++] = unit_rand(rs); break;
		case 10: {
			int32_t rel = (int32_t)unit_below(rs, 3 * BT_PAGE_SIZE) - BT_PAGE_SIZE;
			b[n++] = 0xe9;
			memcpy(&b[n], &rel, 4);
			n += 4;
			break;
		}
		case 11: b[n++] = 0xb8; b[n++] = 0x9c; b[n++] = 0x9d; b[n++] = 0xcf; b[n++] = 0x0e; break;
		case 12: b[n++] = 0xfa; break;
		case 13: b[n++] = unit_rand(rs); break;
		default: b[n++] = 0x40 + unit_below(rs, 8); break;
		}
		for (unsigned i = 0; i < n && o < BT_PAGE_SIZE; i++)
			p[o++] = b[i];
	}
}

/* Every block's exits trap, or lead to scanned block starts. */
static bool scanned_start(uint32_t eip)
{
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++) {
		const struct bt_ppage *pg = &ctx.page[i];

		if (!pg->used || pg->lin != (eip & ~0xfffu))
			continue;
		for (unsigned j = 0; j < pg->nblock; j++)
			if (pg->block[j].start == (eip & 0xfff))
				return true;
	}
	return false;
}

static unsigned check_page_full(unsigned page)
{
	unsigned traps = 0;

	for (unsigned o = 0; o < BT_PAGE_SIZE; o++) {
		uint8_t m = *at(page, o), g = guest[page * BT_PAGE_SIZE + o];
		struct bt_patch_site s;

		if (m == g && m != 0xcc)
			continue;
		if (m == g) {
			/* a 0xCC the guest wrote: ours only if a site is on it */
			if (bt_patch_lookup(&ctx, eip_of(page, o), &s) == 0)
				assert_int_equal(s.orig[0], 0xcc);
			continue;
		}
		/* a difference: only our trap, at a recorded site */
		assert_int_equal(m, 0xcc);
		assert_int_equal(bt_patch_lookup(&ctx, eip_of(page, o), &s), 0);
		assert_int_equal(s.gpa, gpa_of(page, o));
		assert_int_equal(s.orig[0], g);
		traps++;
	}
	return traps;
}

static void check_ends(void)
{
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++) {
		const struct bt_ppage *pg = &ctx.page[i];

		if (!pg->used)
			continue;
		for (unsigned j = 0; j < pg->nsite; j++) {
			const struct bt_psite *s = &pg->site[j];

			/* a sensitive instruction or a transfer is never the
			 * guest's int3 (a CONT end may be: it is disarmed once
			 * the int3's own block is scanned) */
			if (s->cls || (s->end & ~BT_END_CONT))
				assert_int_not_equal(s->orig[0], 0xcc);
			if (bt_class_needs_patch(s->cls) || (s->end & BT_END_INDIRECT))
				assert_true(s->armed);
			for (unsigned k = 0; k < s->nsucc; k++)
				if (!scanned_start(s->succ[k]))
					assert_true(s->armed);
		}
		for (unsigned j = 0; j < pg->nblock; j++) {
			const struct bt_pblock *b = &pg->block[j];
			bool found = false;

			/* no trap lands inside one of this block's instructions
			 * (rescanned from the guest's bytes): a jump into the
			 * middle of an instruction must not corrupt it */
			static struct bt_block sb;
			unsigned base = (pg->gfn << 12) - GPA_BASE;

			int nsb = bt_scan_block(guest + base + b->start, BT_PAGE_SIZE - b->start,
						pg->lin + b->start, b->def_size, &sb);
			if (nsb != b->ninsn) {
				/* A block that stopped at undecodable bytes, or
				 * before a 17th site, read past its end: a partial
				 * write there may have made them decodable. Its own
				 * instructions are the same (a prefix), and its end
				 * still traps (below). */
				assert_true(b->stop == BT_STOP_INVALID || b->stop == BT_STOP_FULL);
				assert_true(nsb > b->ninsn);
				assert_int_equal(sb.insn[b->ninsn].off, b->end - b->start);
			}
			for (unsigned k = 0; k < pg->nsite; k++) {
				unsigned so = pg->site[k].off;

				for (unsigned n = 0; n < b->ninsn; n++) {
					unsigned io = b->start + sb.insn[n].off;

					if (so > io && so < io + sb.insn[n].len)
						fail_msg("site 0x%x inside the instruction at 0x%x", so, io);
				}
			}
			if (b->stop == BT_STOP_XFER || b->end >= BT_PAGE_SIZE)
				continue;
			/* a block ending otherwise: its next byte traps, or a
			 * block starts there */
			for (unsigned k = 0; k < pg->nsite; k++)
				found |= pg->site[k].off == b->end && pg->site[k].armed;
			assert_true(found || scanned_start(pg->lin + b->end));
		}
	}
}

/* After bt_patch_bytes_written(page, off, n): no block holds those bytes
 * (nor the byte after a block that ends without a transfer, where its end
 * traps), no site's instruction touches them, so the guest's write can
 * land without meeting a trap or changing scanned code. */
static void check_written(unsigned page, unsigned off, unsigned n)
{
	for (unsigned i = 0; i < BT_PATCH_PAGES; i++) {
		const struct bt_ppage *pg = &ctx.page[i];

		if (!pg->used || pg->gfn != gpa_of(page, 0) >> 12)
			continue;
		for (unsigned j = 0; j < pg->nblock; j++) {
			const struct bt_pblock *b = &pg->block[j];
			unsigned end = b->end + (b->stop != BT_STOP_XFER && b->end < BT_PAGE_SIZE);

			if (b->start < off + n && off < end)
				fail_msg("block [0x%x,0x%x) kept under a write at 0x%x+%u",
					 b->start, b->end, off, n);
		}
		for (unsigned j = 0; j < pg->nsite; j++) {
			const struct bt_psite *st = &pg->site[j];

			if (st->off < off + n && off < st->off + st->len)
				fail_msg("site 0x%x+%u kept under a write at 0x%x+%u",
					 st->off, st->len, off, n);
		}
	}
}

static void test_random(void **state)
{
	uint64_t rs = unit_seed("btpatch random");
	unsigned nscan = 0, nerange = 0, nread = 0, nwrite = 0, traps_seen = 0, lookups = 0;
	unsigned npartial = 0, nbytes_dropped = 0;
	(void)state;

	for (unsigned p = 0; p < NPAGES; p++)
		gen_page(&rs, p, guest + p * BT_PAGE_SIZE);
	memcpy(mem, guest, sizeof(mem));

	for (unsigned it = 0; it < 20000; it++) {
		unsigned page = unit_below(&rs, NPAGES), r = unit_below(&rs, 100);
		unsigned off = unit_below(&rs, BT_PAGE_SIZE);

		if (r < 60) {
			/* scan, often at a pending trap's successor as the
			 * caller would */
			struct bt_patch_site s;
			uint32_t eip = eip_of(page, off);
			unsigned size = unit_below(&rs, 10) ? 32 : 16;
			int rc;

			if (r < 30) {
				const struct bt_ppage *pg = &ctx.page[unit_below(&rs, BT_PATCH_PAGES)];

				if (pg->used && pg->nsite) {
					const struct bt_psite *ps = &pg->site[unit_below(&rs, pg->nsite)];

					if (ps->nsucc)
						eip = ps->succ[unit_below(&rs, ps->nsucc)];
				}
				if (eip < eip_of(0, 0) || eip >= eip_of(NPAGES, 0))
					eip = eip_of(page, off);
			}
			rc = bt_patch_scan(&ctx, eip, eip - LIN_OFF, size, &res);
			assert_true(rc == 0 || rc == -RV_ERANGE);
			nscan += rc == 0;
			nerange += rc == -RV_ERANGE;
			if (rc == 0) {
				for (unsigned i = 0; i < res.ntrap; i++) {
					assert_int_equal(bt_patch_lookup(&ctx, res.trap[i], &s), 0);
					lookups++;
				}
			}
			page = (eip - LIN_OFF - GPA_BASE) / BT_PAGE_SIZE;
		} else if (r < 85) {
			/* a guest read anywhere, across pages too */
			static uint8_t buf[3 * BT_PAGE_SIZE];
			uint64_t gpa = GPA_BASE + unit_below(&rs, sizeof(mem));
			unsigned n = 1 + unit_below(&rs, sizeof(buf));

			if (gpa + n > GPA_BASE + sizeof(mem))
				n = GPA_BASE + sizeof(mem) - gpa;
			assert_int_equal(bt_patch_read(&ctx, gpa, buf, n), 0);
			assert_memory_equal(buf, guest + (gpa - GPA_BASE), n);
			nread++;
		} else {
			/* a guest write: drop first, then the bytes land; half of
			 * them drop only what the bytes touch */
			unsigned n = 1 + unit_below(&rs, 16), asked = n;
			bool partial = unit_below(&rs, 2);
			uint8_t b[16];

			if (partial && unit_below(&rs, 4)) {
				/* mostly near scanned code: over a block's bytes,
				 * its edges, the byte after it */
				const struct bt_ppage *pg = &ctx.page[unit_below(&rs, BT_PATCH_PAGES)];

				if (pg->used && pg->nblock) {
					const struct bt_pblock *pb = &pg->block[unit_below(&rs, pg->nblock)];
					unsigned lo = pb->start > 16 ? pb->start - 16 : 0;

					page = ((pg->gfn << 12) - GPA_BASE) / BT_PAGE_SIZE;
					off = lo + unit_below(&rs, pb->end + 2 - lo);
					if (off >= BT_PAGE_SIZE)
						off = BT_PAGE_SIZE - 1;
				}
			}
			if (off + n > BT_PAGE_SIZE)
				n = BT_PAGE_SIZE - off;
			for (unsigned i = 0; i < n; i++)
				b[i] = unit_below(&rs, 4) ? 0x9c + unit_below(&rs, 2) : unit_rand(&rs);
			if (partial) {
				static uint8_t before[sizeof(mem)];
				struct bt_patch_stats st = ctx.stats;

				memcpy(before, mem, sizeof(mem));
				/* the length as asked: past the page end it is clipped */
				int rc = bt_patch_bytes_written(&ctx, gpa_of(page, off), asked);
				assert_true(rc == 0 || rc == 1);
				if (rc == 0) {
					assert_memory_equal(mem, before, sizeof(mem));
					assert_memory_equal(&st, &ctx.stats, sizeof(st));
				}
				nbytes_dropped += rc;
				check_written(page, off, n);
				for (unsigned p = 0; p < NPAGES; p++)
					check_page_full(p);
				check_ends();
				npartial++;
			} else {
				assert_true(bt_patch_page_written(&ctx, gpa_of(page, 0) >> 12) >= 0);
				assert_false(bt_patch_is_code(&ctx, gpa_of(page, 0) >> 12));
			}
			load(page, off, b, n);
			nwrite++;
		}
		traps_seen += check_page_full(page);
		if (it % 512 == 0) {
			for (unsigned p = 0; p < NPAGES; p++)
				check_page_full(p);
			check_ends();
		}
	}
	for (unsigned p = 0; p < NPAGES; p++)
		check_page_full(p);
	check_ends();
	expect_reads_original();
	assert_int_equal(bt_patch_flush(&ctx), 0);
	assert_memory_equal(mem, guest, sizeof(mem));
	assert_int_equal(ctx.stats.patches_applied, ctx.stats.patches_undone);

	print_message("# %u scans (%u with nothing to scan), %u reads, %u writes "
		      "(%u partial, %u of them dropping blocks); "
		      "%llu blocks, %llu patches, %llu pages dropped (%llu evictions, "
		      "%llu conflicts); %u traps checked, %u looked up\n",
		      nscan, nerange, nread, nwrite, npartial, nbytes_dropped,
		      (unsigned long long)ctx.stats.blocks_scanned,
		      (unsigned long long)ctx.stats.patches_applied,
		      (unsigned long long)ctx.stats.pages_dropped,
		      (unsigned long long)ctx.stats.evictions,
		      (unsigned long long)ctx.stats.conflicts, traps_seen, lookups);
	assert_true(nscan > 5000 && nwrite > 1000);
	assert_true(npartial > 500 && nbytes_dropped > npartial / 4 && nbytes_dropped < npartial);
	assert_true(ctx.stats.evictions > 10 && ctx.stats.conflicts > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sites_patched, setup),
		cmocka_unit_test_setup(test_guest_int3, setup),
		cmocka_unit_test_setup(test_direct_ends, setup),
		cmocka_unit_test_setup(test_continuations, setup),
		cmocka_unit_test_setup(test_page_written, setup),
		cmocka_unit_test_setup(test_bytes_written_block, setup),
		cmocka_unit_test_setup(test_bytes_written_outside, setup),
		cmocka_unit_test_setup(test_bytes_written_whole_page, setup),
		cmocka_unit_test_setup(test_bytes_written_cont_end, setup),
		cmocka_unit_test_setup(test_bytes_written_clipped, setup),
		cmocka_unit_test_setup(test_overlap, setup),
		cmocka_unit_test_setup(test_limits, setup),
		cmocka_unit_test_setup(test_alias_and_args, setup),
		cmocka_unit_test_setup(test_random, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
