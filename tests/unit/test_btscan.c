/*
 * Host tests of the bt scanner (hv/bt/scan.c): hand-assembled blocks for
 * every sensitive and trapping instruction in 32- and 16-bit code and with
 * prefixes, each kind of block end with its targets, the page end, the
 * size limits; then seeded random blocks checked against capstone's
 * mnemonics (the decoder's oracle): what capstone names a sensitive
 * instruction is flagged with its class, nothing else is, and blocks end
 * exactly at capstone's branches.
 */
#include <string.h>
#include <capstone/capstone.h>
#include "unit.h"

#include "errno.h"
#include "../../hv/bt/scan.h"

static struct bt_block blk;

/* Scan a byte string given as a literal. */
#define SCAN(eip, size, ...) ({ \
	static const uint8_t _c[] = { __VA_ARGS__ }; \
	bt_scan_block(_c, sizeof(_c), (eip), (size), &blk); })

/* ---- sensitive and trapping instructions, one by one ---- */

struct one {
	const char *what;
	uint8_t size;           /* 16 or 32 */
	uint8_t len;            /* instruction length */
	uint8_t cls;            /* expected class */
	uint8_t b[16];
};

/*
 * Every instruction is followed by a ret (C3) unless it ends the block
 * itself (iret, retf, hlt): the class, the length and the site list are
 * checked. The classes come from docs/bt-scan.md (SDM, probe 3).
 */
static const struct one ones[] = {
	/* pushf / popf: IF and IOPL (probe 3: pushf shows IF=1 IOPL=0, popf
	 * leaves both unchanged without a fault) */
	{ "pushfd",             32, 1, BT_CLS_FLAGS_READ,  { 0x9c } },
	{ "pushf (66)",         32, 2, BT_CLS_FLAGS_READ,  { 0x66, 0x9c } },
	{ "pushf 16",           16, 1, BT_CLS_FLAGS_READ,  { 0x9c } },
	{ "pushfd 16 (66)",     16, 2, BT_CLS_FLAGS_READ,  { 0x66, 0x9c } },
	{ "rep pushfd",         32, 2, BT_CLS_FLAGS_READ,  { 0xf3, 0x9c } },
	{ "ds pushfd",          32, 2, BT_CLS_FLAGS_READ,  { 0x3e, 0x9c } },
	{ "popfd",              32, 1, BT_CLS_FLAGS_WRITE, { 0x9d } },
	{ "popf 16",            16, 1, BT_CLS_FLAGS_WRITE, { 0x9d } },
	{ "popfd 16 (66)",      16, 2, BT_CLS_FLAGS_WRITE, { 0x66, 0x9d } },
	/* descriptor-table and MSW reads */
	{ "sgdt [eax]",         32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x00 } },
	{ "sgdt cs:[eax]",      32, 4, BT_CLS_SYSREG_READ, { 0x2e, 0x0f, 0x01, 0x00 } },
	{ "sgdt [0x1000] (67)", 32, 6, BT_CLS_SYSREG_READ, { 0x67, 0x0f, 0x01, 0x06, 0x00, 0x10 } },
	{ "sgdt [disp32]",      32, 7, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x05, 0x78, 0x56, 0x34, 0x12 } },
	{ "sgdt [0x1234] 16",   16, 5, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x06, 0x34, 0x12 } },
	{ "sidt [eax]",         32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x08 } },
	{ "sidt [esp+8]",       32, 5, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x4c, 0x24, 0x08 } },
	{ "sidt [bx] 16",       16, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x0f } },
	{ "sldt eax",           32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x00, 0xc0 } },
	{ "sldt [eax]",         32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x00, 0x00 } },
	{ "sldt ax 16",         16, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x00, 0xc0 } },
	{ "str eax",            32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x00, 0xc8 } },
	{ "str [ebx]",          32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x00, 0x0b } },
	{ "smsw eax",           32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0xe0 } },
	{ "smsw [eax]",         32, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0x20 } },
	{ "smsw ax (66)",       32, 4, BT_CLS_SYSREG_READ, { 0x66, 0x0f, 0x01, 0xe0 } },
	{ "smsw ax 16",         16, 3, BT_CLS_SYSREG_READ, { 0x0f, 0x01, 0xe0 } },
	/* segment checks against CPL 1 */
	{ "lar ecx, eax",       32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x02, 0xc8 } },
	{ "lar cx, [bx+si] 16", 16, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x02, 0x08 } },
	{ "lsl ecx, eax",       32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x03, 0xc8 } },
	{ "lsl ecx, [eax]",     32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x03, 0x08 } },
	{ "verr ax",            32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x00, 0xe0 } },
	{ "verw ax",            32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x00, 0xe8 } },
	{ "verw [eax]",         32, 3, BT_CLS_SEG_CHECK,   { 0x0f, 0x00, 0x28 } },
	/* CS and SS: their RPL is the real CPL (probe 3: mov %cs shows 0x19) */
	{ "mov eax, cs",        32, 2, BT_CLS_SEG_READ,    { 0x8c, 0xc8 } },
	{ "mov eax, ss",        32, 2, BT_CLS_SEG_READ,    { 0x8c, 0xd0 } },
	{ "mov [eax], cs",      32, 2, BT_CLS_SEG_READ,    { 0x8c, 0x08 } },
	{ "mov ax, cs (66)",    32, 3, BT_CLS_SEG_READ,    { 0x66, 0x8c, 0xc8 } },
	{ "mov ax, ss 16",      16, 2, BT_CLS_SEG_READ,    { 0x8c, 0xd0 } },
	{ "push cs",            32, 1, BT_CLS_SEG_READ,    { 0x0e } },
	{ "push ss",            32, 1, BT_CLS_SEG_READ,    { 0x16 } },
	{ "push cs 16",         16, 1, BT_CLS_SEG_READ,    { 0x0e } },
	{ "push ss (66)",       32, 2, BT_CLS_SEG_READ,    { 0x66, 0x16 } },
	/* far returns (end the block) */
	{ "iretd",              32, 1, BT_CLS_IRET,        { 0xcf } },
	{ "iret (66)",          32, 2, BT_CLS_IRET,        { 0x66, 0xcf } },
	{ "iret 16",            16, 1, BT_CLS_IRET,        { 0xcf } },
	{ "retf",               32, 1, BT_CLS_RETF,        { 0xcb } },
	{ "retf 8",             32, 3, BT_CLS_RETF,        { 0xca, 0x08, 0x00 } },
	{ "retf 16",            16, 1, BT_CLS_RETF,        { 0xcb } },
	{ "cpuid",              32, 2, BT_CLS_CPUID,       { 0x0f, 0xa2 } },
	/* trap at CPL 1 with IOPL 0: #GP (SDM: CPL > 0, or CPL > IOPL) */
	{ "cli",                32, 1, BT_CLS_TRAP_GP,     { 0xfa } },
	{ "sti",                32, 1, BT_CLS_TRAP_GP,     { 0xfb } },
	{ "hlt",                32, 1, BT_CLS_TRAP_GP,     { 0xf4 } },
	{ "lgdt [eax]",         32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0x10 } },
	{ "lidt [eax]",         32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0x18 } },
	{ "lidt [si] 16",       16, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0x1c } },
	{ "lldt ax",            32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x00, 0xd0 } },
	{ "ltr ax",             32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x00, 0xd8 } },
	{ "mov cr3, eax",       32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x22, 0xd8 } },
	{ "mov eax, cr0",       32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x20, 0xc0 } },
	{ "mov dr7, eax",       32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x23, 0xf8 } },
	{ "mov eax, dr6",       32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x21, 0xf0 } },
	{ "in al, 0x60",        32, 2, BT_CLS_TRAP_GP,     { 0xe4, 0x60 } },
	{ "out dx, al",         32, 1, BT_CLS_TRAP_GP,     { 0xee } },
	{ "in ax, dx (66)",     32, 2, BT_CLS_TRAP_GP,     { 0x66, 0xed } },
	{ "rep insb",           32, 2, BT_CLS_TRAP_GP,     { 0xf3, 0x6c } },
	{ "rep outsw 16",       16, 2, BT_CLS_TRAP_GP,     { 0xf3, 0x6f } },
	{ "invlpg [eax]",       32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0x38 } },
	{ "wbinvd",             32, 2, BT_CLS_TRAP_GP,     { 0x0f, 0x09 } },
	{ "invd",               32, 2, BT_CLS_TRAP_GP,     { 0x0f, 0x08 } },
	{ "rdmsr",              32, 2, BT_CLS_TRAP_GP,     { 0x0f, 0x32 } },
	{ "wrmsr",              32, 2, BT_CLS_TRAP_GP,     { 0x0f, 0x30 } },
	{ "clts",               32, 2, BT_CLS_TRAP_GP,     { 0x0f, 0x06 } },
	{ "lmsw ax",            32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0xf0 } },
	{ "lmsw [eax]",         32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0x30 } },
	{ "xsetbv",             32, 3, BT_CLS_TRAP_GP,     { 0x0f, 0x01, 0xd1 } },
	/* #UD: LOCK where it is not allowed (SDM: LOCK), mov cs, ud2 */
	{ "lock pushfd",        32, 2, BT_CLS_TRAP_UD,     { 0xf0, 0x9c } },
	{ "lock sgdt [eax]",    32, 4, BT_CLS_TRAP_UD,     { 0xf0, 0x0f, 0x01, 0x00 } },
	{ "lock add eax, ecx",  32, 3, BT_CLS_TRAP_UD,     { 0xf0, 0x01, 0xc8 } },
	{ "lock cmp [eax], 1",  32, 4, BT_CLS_TRAP_UD,     { 0xf0, 0x83, 0x38, 0x01 } },
	{ "lock mov [eax], ecx", 32, 3, BT_CLS_TRAP_UD,    { 0xf0, 0x89, 0x08 } },
	{ "lock cli",           32, 2, BT_CLS_TRAP_UD,     { 0xf0, 0xfa } },
	{ "mov cs, ax",         32, 2, BT_CLS_TRAP_UD,     { 0x8e, 0xc8 } },
	/* lockable forms are not flagged */
	{ "lock add [eax], ecx", 32, 3, BT_CLS_NONE,       { 0xf0, 0x01, 0x08 } },
	{ "lock xadd [eax], ecx", 32, 4, BT_CLS_NONE,      { 0xf0, 0x0f, 0xc1, 0x08 } },
	{ "lock cmpxchg8b [esi]", 32, 4, BT_CLS_NONE,      { 0xf0, 0x0f, 0xc7, 0x0e } },
	{ "lock bts [eax], 3",  32, 5, BT_CLS_NONE,        { 0xf0, 0x0f, 0xba, 0x28, 0x03 } },
	{ "lock inc word [bx] 16", 16, 3, BT_CLS_NONE,     { 0xf0, 0xff, 0x07 } },
	/* not sensitive */
	{ "mov eax, ecx",       32, 2, BT_CLS_NONE,        { 0x89, 0xc8 } },
	{ "mov eax, imm32",     32, 5, BT_CLS_NONE,        { 0xb8, 0x78, 0x56, 0x34, 0x12 } },
	{ "add eax, ecx",       32, 2, BT_CLS_NONE,        { 0x01, 0xc8 } },
	{ "lea eax, [esp+4]",   32, 4, BT_CLS_NONE,        { 0x8d, 0x44, 0x24, 0x04 } },
	{ "push eax",           32, 1, BT_CLS_NONE,        { 0x50 } },
	{ "pop eax",            32, 1, BT_CLS_NONE,        { 0x58 } },
	{ "rdtsc",              32, 2, BT_CLS_NONE,        { 0x0f, 0x31 } },
	{ "rdtscp",             32, 3, BT_CLS_NONE,        { 0x0f, 0x01, 0xf9 } },
	{ "xgetbv",             32, 3, BT_CLS_NONE,        { 0x0f, 0x01, 0xd0 } },
	{ "nop",                32, 1, BT_CLS_NONE,        { 0x90 } },
	{ "mov eax, ds",        32, 2, BT_CLS_NONE,        { 0x8c, 0xd8 } },
	{ "mov ds, eax",        32, 2, BT_CLS_NONE,        { 0x8e, 0xd8 } },
	{ "push ds",            32, 1, BT_CLS_NONE,        { 0x1e } },
	{ "push fs",            32, 2, BT_CLS_NONE,        { 0x0f, 0xa0 } },
	{ "pushad",             32, 1, BT_CLS_NONE,        { 0x60 } },
	{ "sahf",               32, 1, BT_CLS_NONE,        { 0x9e } },
	{ "lahf",               32, 1, BT_CLS_NONE,        { 0x9f } },
	{ "rep movsd",          32, 2, BT_CLS_NONE,        { 0xf3, 0xa5 } },
	{ "mov ax, [bx+si+4] 16", 16, 3, BT_CLS_NONE,      { 0x8b, 0x40, 0x04 } },
	{ "fninit",             32, 2, BT_CLS_NONE,        { 0xdb, 0xe3 } },
};

static bool ends_block(const struct one *o)
{
	unsigned op = o->b[0];

	for (unsigned i = 0; i < o->len - 1u; i++)
		if (o->b[i] == 0x66 || o->b[i] == 0xf3 || o->b[i] == 0xf0)
			op = o->b[i + 1];
	return op == 0xcf || op == 0xcb || op == 0xca || op == 0xf4;
}

static void test_classes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ones) / sizeof(ones[0]); i++) {
		const struct one *o = &ones[i];
		uint8_t code[32];
		bool last = ends_block(o);
		bool patch = o->cls >= BT_CLS_FLAGS_READ && o->cls <= BT_CLS_CPUID;
		int n;

		memcpy(code, o->b, o->len);
		code[o->len] = 0xc3;            /* ret */
		n = bt_scan_block(code, o->len + 1, 0x4000, o->size, &blk);
		if (n != (last ? 1 : 2) || blk.insn[0].len != o->len || blk.insn[0].cls != o->cls)
			fail_msg("%s: n=%d len=%u cls=%s, expected len %u cls %s", o->what, n,
				 blk.insn[0].len, bt_class_name(blk.insn[0].cls), o->len,
				 bt_class_name(o->cls));
		assert_int_equal(blk.stop, BT_STOP_XFER);
		assert_int_equal(blk.xfer, last ? (o->cls == BT_CLS_IRET ? BT_XFER_IRET :
						  o->cls == BT_CLS_RETF ? BT_XFER_RETF : BT_XFER_HLT)
						: BT_XFER_RET);
		assert_int_equal(blk.nsite, patch ? 1 : 0);
		if (patch) {
			assert_int_equal(blk.site[0].eip, 0x4000);
			assert_int_equal(blk.site[0].off, 0);
			assert_int_equal(blk.site[0].len, o->len);
			assert_int_equal(blk.site[0].cls, o->cls);
		}
		assert_int_equal(blk.end_eip, 0x4000 + o->len + (last ? 0 : 1));
	}
}

/* Several sensitive ones in one block: each site where it is. */
static void test_sites_in_block(void **state)
{
	(void)state;
	/* 0: mov eax,1  5: pushfd  6: cli  7: pop eax  8: sgdt [eax]
	 * 11: push eax  12: popfd  13: mov ecx,ss  15: iretd */
	int n = SCAN(0xc0100000, 32, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x9c, 0xfa, 0x58,
		     0x0f, 0x01, 0x00, 0x50, 0x9d, 0x8c, 0xd1, 0xcf, 0x90);
	assert_int_equal(n, 9);
	assert_int_equal(blk.nsite, 5);
	static const uint16_t off[] = { 5, 8, 12, 13, 15 };
	static const uint8_t cls[] = { BT_CLS_FLAGS_READ, BT_CLS_SYSREG_READ,
				       BT_CLS_FLAGS_WRITE, BT_CLS_SEG_READ, BT_CLS_IRET };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(blk.site[i].off, off[i]);
		assert_int_equal(blk.site[i].eip, 0xc0100000 + off[i]);
		assert_int_equal(blk.site[i].cls, cls[i]);
	}
	assert_int_equal(blk.insn[2].cls, BT_CLS_TRAP_GP);      /* cli: listed, not a site */
	assert_int_equal(blk.insn[2].off, 6);
	assert_int_equal(blk.stop, BT_STOP_XFER);
	assert_int_equal(blk.xfer, BT_XFER_IRET);
	assert_false(blk.has_target);
	assert_int_equal(blk.end_eip, 0xc0100010);
	assert_int_equal(blk.len, 16);
}

/* ---- block ends and targets ---- */

static void expect_end(unsigned xfer, bool has_target, uint32_t target, uint32_t fall)
{
	assert_int_equal(blk.stop, BT_STOP_XFER);
	assert_int_equal(blk.xfer, xfer);
	assert_int_equal(blk.has_target, has_target);
	if (has_target)
		assert_int_equal(blk.target, target);
	assert_int_equal(blk.fall, fall);
	assert_int_equal(blk.end_eip, fall);
}

static void test_ends_32(void **state)
{
	(void)state;
	/* the terminator is the last instruction; what follows is not read */
	assert_int_equal(SCAN(0x1000, 32, 0x90, 0xeb, 0x10, 0x90), 2);
	expect_end(BT_XFER_JMP, true, 0x1013, 0x1003);
	SCAN(0x1000, 32, 0xeb, 0xfe);                           /* jmp $ */
	expect_end(BT_XFER_JMP, true, 0x1000, 0x1002);
	SCAN(0x1000, 32, 0xe9, 0x00, 0x01, 0x00, 0x00);         /* jmp rel32 */
	expect_end(BT_XFER_JMP, true, 0x1105, 0x1005);
	SCAN(0x10, 32, 0xe9, 0xe0, 0xff, 0xff, 0xff);           /* wraps below 0 */
	expect_end(BT_XFER_JMP, true, 0xfffffff5, 0x15);
	SCAN(0xfffffff0, 32, 0xe9, 0x20, 0x00, 0x00, 0x00);     /* wraps past 4 GiB */
	expect_end(BT_XFER_JMP, true, 0x15, 0xfffffff5);
	SCAN(0x2000, 32, 0x74, 0x05);                           /* jz rel8 */
	expect_end(BT_XFER_JCC, true, 0x2007, 0x2002);
	SCAN(0x2000, 32, 0x7f, 0x80);                           /* jg -128 */
	expect_end(BT_XFER_JCC, true, 0x1f82, 0x2002);
	SCAN(0x2000, 32, 0x0f, 0x84, 0x00, 0x10, 0x00, 0x00);   /* jz rel32 */
	expect_end(BT_XFER_JCC, true, 0x3006, 0x2006);
	SCAN(0x2000, 32, 0xe2, 0xfe);                           /* loop $ */
	expect_end(BT_XFER_JCC, true, 0x2000, 0x2002);
	SCAN(0x2000, 32, 0xe1, 0x10);                           /* loope */
	expect_end(BT_XFER_JCC, true, 0x2012, 0x2002);
	SCAN(0x2000, 32, 0xe0, 0x10);                           /* loopne */
	expect_end(BT_XFER_JCC, true, 0x2012, 0x2002);
	SCAN(0x2000, 32, 0xe3, 0x03);                           /* jecxz */
	expect_end(BT_XFER_JCC, true, 0x2005, 0x2002);
	SCAN(0x2000, 32, 0x67, 0xe3, 0x03);                     /* jcxz (67) */
	expect_end(BT_XFER_JCC, true, 0x2006, 0x2003);
	SCAN(0xc0000000, 32, 0xe8, 0xfb, 0xff, 0xff, 0xff);     /* call $ */
	expect_end(BT_XFER_CALL, true, 0xc0000000, 0xc0000005);
	SCAN(0x3000, 32, 0xff, 0xd0);                           /* call eax */
	expect_end(BT_XFER_CALL_IND, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xff, 0x15, 0x00, 0x10, 0x00, 0x00);   /* call [0x1000] */
	expect_end(BT_XFER_CALL_IND, false, 0, 0x3006);
	SCAN(0x3000, 32, 0xff, 0xe0);                           /* jmp eax */
	expect_end(BT_XFER_JMP_IND, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xff, 0x24, 0x85, 0x00, 0x20, 0x00, 0x00); /* jmp [eax*4+0x2000] */
	expect_end(BT_XFER_JMP_IND, false, 0, 0x3007);
	SCAN(0x3000, 32, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00); /* jmp 8:0x12345678 */
	expect_end(BT_XFER_JMP_FAR, true, 0x12345678, 0x3007);
	assert_int_equal(blk.target_sel, 0x08);
	SCAN(0x3000, 32, 0x9a, 0x00, 0x10, 0x00, 0x00, 0x1b, 0x00); /* call 0x1b:0x1000 */
	expect_end(BT_XFER_CALL_FAR, true, 0x1000, 0x3007);
	assert_int_equal(blk.target_sel, 0x1b);
	SCAN(0x3000, 32, 0xff, 0x28);                           /* jmp far [eax] */
	expect_end(BT_XFER_JMP_FAR, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xff, 0x18);                           /* call far [eax] */
	expect_end(BT_XFER_CALL_FAR, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xc3);
	expect_end(BT_XFER_RET, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xc2, 0x08, 0x00);
	expect_end(BT_XFER_RET, false, 0, 0x3003);
	SCAN(0x3000, 32, 0xf3, 0xc3);                           /* rep ret */
	expect_end(BT_XFER_RET, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xcb);
	expect_end(BT_XFER_RETF, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xcf);
	expect_end(BT_XFER_IRET, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xcd, 0x80);
	expect_end(BT_XFER_INT, false, 0, 0x3002);
	SCAN(0x3000, 32, 0xcc);
	expect_end(BT_XFER_INT, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xce);                                 /* into */
	expect_end(BT_XFER_INT, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xf1);                                 /* int1 */
	expect_end(BT_XFER_INT, false, 0, 0x3001);
	SCAN(0x3000, 32, 0xf4);
	expect_end(BT_XFER_HLT, false, 0, 0x3001);
	SCAN(0x3000, 32, 0x0f, 0x0b);
	expect_end(BT_XFER_UD, false, 0, 0x3002);
	assert_int_equal(blk.insn[0].cls, BT_CLS_TRAP_UD);
	SCAN(0x3000, 32, 0x0f, 0x34);                           /* sysenter */
	expect_end(BT_XFER_SYS, false, 0, 0x3002);
	SCAN(0x3000, 32, 0x0f, 0x35);                           /* sysexit */
	expect_end(BT_XFER_SYS, false, 0, 0x3002);
	SCAN(0x3000, 32, 0x0f, 0x05);                           /* syscall */
	expect_end(BT_XFER_SYS, false, 0, 0x3002);
	SCAN(0x3000, 32, 0x0f, 0x07);                           /* sysret */
	expect_end(BT_XFER_SYS, false, 0, 0x3002);
	/* 66 in 32-bit code: a 16-bit operand, EIP's upper half cleared (SDM JMP) */
	SCAN(0x12345, 32, 0x66, 0xe9, 0x00, 0x10);
	expect_end(BT_XFER_JMP, true, 0x3349, 0x12349);
	SCAN(0x12345, 32, 0x66, 0x74, 0x10);
	expect_end(BT_XFER_JCC, true, 0x2358, 0x12348);
}

static void test_ends_16(void **state)
{
	(void)state;
	SCAN(0x0100, 16, 0xeb, 0x10);
	expect_end(BT_XFER_JMP, true, 0x0112, 0x0102);
	SCAN(0xfff0, 16, 0xeb, 0x20);                           /* wraps at 64 KiB */
	expect_end(BT_XFER_JMP, true, 0x0012, 0xfff2);
	SCAN(0x0010, 16, 0xe9, 0x00, 0xf0);                     /* jmp rel16 */
	expect_end(BT_XFER_JMP, true, 0xf013, 0x0013);
	SCAN(0x0004, 16, 0xe9, 0xf0, 0xff);                     /* back past 0 */
	expect_end(BT_XFER_JMP, true, 0xfff7, 0x0007);
	SCAN(0xff00, 16, 0xe9, 0x00, 0x02);                     /* forward past 64 KiB */
	expect_end(BT_XFER_JMP, true, 0x0103, 0xff03);
	SCAN(0xfff0, 16, 0x66, 0xe9, 0x20, 0x00, 0x00, 0x00);   /* 66: rel32, no wrap */
	expect_end(BT_XFER_JMP, true, 0x10016, 0xfff6);
	SCAN(0xfff0, 16, 0x0f, 0x84, 0x20, 0x00);               /* jz rel16 */
	expect_end(BT_XFER_JCC, true, 0x0014, 0xfff4);
	SCAN(0x0000, 16, 0xe2, 0xfc);                           /* loop back past 0 */
	expect_end(BT_XFER_JCC, true, 0xfffe, 0x0002);
	SCAN(0x0000, 16, 0x75, 0x80);                           /* jnz -128 */
	expect_end(BT_XFER_JCC, true, 0xff82, 0x0002);
	SCAN(0xfffd, 16, 0xe8, 0x10, 0x00);                     /* call rel16 */
	expect_end(BT_XFER_CALL, true, 0x0010, 0x10000);
	SCAN(0x7c00, 16, 0xea, 0x5b, 0xe0, 0x00, 0xf0);         /* jmp f000:e05b */
	expect_end(BT_XFER_JMP_FAR, true, 0xe05b, 0x7c05);
	assert_int_equal(blk.target_sel, 0xf000);
	SCAN(0x7c00, 16, 0x66, 0xea, 0x78, 0x56, 0x34, 0x12, 0x10, 0x00); /* jmp 0x10:0x12345678 */
	expect_end(BT_XFER_JMP_FAR, true, 0x12345678, 0x7c08);
	assert_int_equal(blk.target_sel, 0x10);
	SCAN(0x7c00, 16, 0xff, 0xe0);                           /* jmp ax */
	expect_end(BT_XFER_JMP_IND, false, 0, 0x7c02);
	SCAN(0x7c00, 16, 0xff, 0x17);                           /* call [bx] */
	expect_end(BT_XFER_CALL_IND, false, 0, 0x7c02);
	SCAN(0x7c00, 16, 0xcd, 0x10);
	expect_end(BT_XFER_INT, false, 0, 0x7c02);
	SCAN(0x7c00, 16, 0xcf);
	expect_end(BT_XFER_IRET, false, 0, 0x7c01);
}

/* ---- page end, limits, undecodable bytes, arguments ---- */

static void test_page_end(void **state)
{
	(void)state;
	uint8_t page[4096];

	/* nops to the last byte of the page */
	memset(page, 0x90, sizeof(page));
	assert_int_equal(bt_scan_block(page + 4090, 6, 0x7ffa, 32, &blk), 6);
	assert_int_equal(blk.stop, BT_STOP_PAGE);
	assert_int_equal(blk.xfer, BT_XFER_NONE);
	assert_int_equal(blk.end_eip, 0x8000);
	/* an instruction across the page end is not taken */
	page[4093] = 0xb8;      /* mov eax, imm32: 5 bytes, 3 on this page */
	assert_int_equal(bt_scan_block(page + 4090, 6, 0x7ffa, 32, &blk), 3);
	assert_int_equal(blk.stop, BT_STOP_PAGE);
	assert_int_equal(blk.end_eip, 0x7ffd);
	assert_int_equal(blk.len, 3);
	/* a sensitive one across the page end is not listed either */
	page[4093] = 0x0f; page[4094] = 0x01; page[4095] = 0x05;   /* sgdt [disp32] */
	assert_int_equal(bt_scan_block(page + 4090, 6, 0x7ffa, 32, &blk), 3);
	assert_int_equal(blk.stop, BT_STOP_PAGE);
	assert_int_equal(blk.nsite, 0);
	/* nothing left */
	assert_int_equal(bt_scan_block(page, 0, 0x7000, 32, &blk), 0);
	assert_int_equal(blk.stop, BT_STOP_PAGE);
	assert_int_equal(blk.end_eip, 0x7000);
	/* a jump that is the page's last instruction ends the block as a jump */
	page[4094] = 0xeb; page[4095] = 0x00;
	assert_int_equal(bt_scan_block(page + 4094, 2, 0x7ffe, 32, &blk), 1);
	expect_end(BT_XFER_JMP, true, 0x8000, 0x8000);
}

static void test_max_insns(void **state)
{
	(void)state;
	uint8_t code[200];

	memset(code, 0x90, sizeof(code));
	assert_int_equal(bt_scan_block(code, sizeof(code), 0x1000, 32, &blk), BT_MAX_INSNS);
	assert_int_equal(blk.stop, BT_STOP_MAX);
	assert_int_equal(blk.end_eip, 0x1000 + BT_MAX_INSNS);
	/* 63 nops and a ret: the ret is the 64th and ends the block */
	code[BT_MAX_INSNS - 1] = 0xc3;
	assert_int_equal(bt_scan_block(code, sizeof(code), 0x1000, 32, &blk), BT_MAX_INSNS);
	expect_end(BT_XFER_RET, false, 0, 0x1000 + BT_MAX_INSNS);
	/* 64 nops and a ret: the ret is left to the next block */
	code[BT_MAX_INSNS - 1] = 0x90;
	code[BT_MAX_INSNS] = 0xc3;
	assert_int_equal(bt_scan_block(code, sizeof(code), 0x1000, 32, &blk), BT_MAX_INSNS);
	assert_int_equal(blk.stop, BT_STOP_MAX);
	assert_int_equal(blk.xfer, BT_XFER_NONE);
	/* long instructions: 64 of 15 bytes (14 x 66 then nop) = 960 bytes */
	uint8_t lng[64 * 15 + 1];
	for (unsigned i = 0; i < 64; i++) {
		memset(lng + 15 * i, 0x66, 14);
		lng[15 * i + 14] = 0x90;
	}
	lng[960] = 0xc3;
	assert_int_equal(bt_scan_block(lng, sizeof(lng), 0, 32, &blk), 64);
	assert_int_equal(blk.stop, BT_STOP_MAX);
	assert_int_equal(blk.len, 960);
	assert_int_equal(blk.insn[63].off, 945);
	assert_int_equal(blk.insn[63].len, 15);
}

static void test_sites_full(void **state)
{
	(void)state;
	uint8_t code[64];

	/* 20 x pushfd, ret: 16 listed, the block ends before the 17th */
	memset(code, 0x9c, 20);
	code[20] = 0xc3;
	assert_int_equal(bt_scan_block(code, 21, 0x5000, 32, &blk), BT_MAX_SITES);
	assert_int_equal(blk.nsite, BT_MAX_SITES);
	assert_int_equal(blk.stop, BT_STOP_FULL);
	assert_int_equal(blk.end_eip, 0x5000 + BT_MAX_SITES);
	assert_int_equal(blk.site[15].eip, 0x5000 + 15);
	/* instructions that trap do not count: 20 x cli, then 16 pushfd fit */
	memset(code, 0xfa, 20);
	memset(code + 20, 0x9c, 16);
	code[36] = 0xc3;
	assert_int_equal(bt_scan_block(code, 37, 0x5000, 32, &blk), 37);
	assert_int_equal(blk.nsite, 16);
	expect_end(BT_XFER_RET, false, 0, 0x5000 + 37);
	/* a 17th sensitive one that is also the terminator (iret) */
	code[36] = 0xcf;
	assert_int_equal(bt_scan_block(code, 37, 0x5000, 32, &blk), 36);
	assert_int_equal(blk.stop, BT_STOP_FULL);
	assert_int_equal(blk.xfer, BT_XFER_NONE);
	assert_int_equal(blk.end_eip, 0x5000 + 36);
}

static void test_invalid(void **state)
{
	(void)state;
	assert_int_equal(SCAN(0x6000, 32, 0x90, 0x90, 0x0f, 0xff, 0x00, 0xc3), 2);   /* ud0 */
	assert_int_equal(blk.stop, BT_STOP_INVALID);
	assert_int_equal(blk.end_eip, 0x6002);
	assert_int_equal(SCAN(0x6000, 32, 0x0f, 0x0f, 0xc0, 0x9e, 0xc3), 0);          /* 3DNow! */
	assert_int_equal(blk.stop, BT_STOP_INVALID);
	assert_int_equal(blk.end_eip, 0x6000);
	assert_int_equal(SCAN(0x6000, 32, 0x9c, 0xc5, 0xf8, 0x77), 1);                /* VEX */
	assert_int_equal(blk.stop, BT_STOP_INVALID);
	assert_int_equal(blk.nsite, 1);
	/* 15 prefixes and an opcode: 16 bytes, #GP on hardware */
	uint8_t lng[17];
	memset(lng, 0x66, 15);
	lng[15] = 0x90;
	lng[16] = 0xc3;
	assert_int_equal(bt_scan_block(lng, sizeof(lng), 0x6000, 32, &blk), 0);
	assert_int_equal(blk.stop, BT_STOP_INVALID);
	/* arguments */
	assert_int_equal(bt_scan_block(lng, sizeof(lng), 0, 64, &blk), -EINVAL);
	assert_int_equal(bt_scan_block(lng, sizeof(lng), 0, 0, &blk), -EINVAL);
	assert_int_equal(bt_scan_block(NULL, 1, 0, 32, &blk), -EINVAL);
	assert_int_equal(bt_scan_block(lng, 1, 0, 32, NULL), -EINVAL);
}

/* ---- random blocks against capstone ---- */

static csh cs32, cs16;
static const uint8_t prefixes[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65 };
static cs_insn *csi;

static int setup(void **state)
{
	(void)state;
	if (cs_open(CS_ARCH_X86, CS_MODE_32, &cs32) != CS_ERR_OK ||
	    cs_open(CS_ARCH_X86, CS_MODE_16, &cs16) != CS_ERR_OK)
		return -1;
	cs_option(cs32, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(cs16, CS_OPT_DETAIL, CS_OPT_ON);
	csi = cs_malloc(cs32);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_free(csi, 1);
	cs_close(&cs32);
	cs_close(&cs16);
	return 0;
}

static bool in_list(const char *m, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(m, *list))
			return true;
	return false;
}

/* capstone's mnemonic without the prefixes it spells in front ("rep insb") */
static const char *base_mnemonic(const char *m)
{
	const char *sp = strrchr(m, ' ');

	return sp ? sp + 1 : m;
}

static bool op_is_reg(const cs_x86 *x, unsigned i, x86_reg lo, x86_reg hi)
{
	return x->op_count > i && x->operands[i].type == X86_OP_REG &&
	       x->operands[i].reg >= lo && x->operands[i].reg <= hi;
}

static bool op_is(const cs_x86 *x, unsigned i, x86_reg r)
{
	return op_is_reg(x, i, r, r);
}

/*
 * The class the SDM gives the instruction capstone decoded, by its
 * mnemonic and operands (docs/bt-scan.md): written from the mnemonics,
 * independently of the scanner's opcode tables.
 */
static unsigned oracle_class(const cs_insn *ci)
{
	static const char *const lockable[] = { "add", "adc", "and", "or", "sbb", "sub", "xor",
		"not", "neg", "inc", "dec", "xchg", "btc", "btr", "bts", "xadd", "cmpxchg",
		"cmpxchg8b", NULL };
	static const char *const gp[] = { "cli", "sti", "hlt", "lgdt", "lidt", "lldt", "ltr",
		"in", "out", "insb", "insw", "insd", "outsb", "outsw", "outsd", "invlpg",
		"wbinvd", "invd", "rdmsr", "wrmsr", "clts", "lmsw", "rdpmc", "sysenter",
		"sysexit", "sysret", "xsetbv", "vmrun", "vmload", "vmsave", "stgi", "clgi",
		"skinit", "invlpga", NULL };
	static const char *const ud[] = { "ud2", "syscall", "rsm", "vmcall", "vmlaunch",
		"vmresume", "vmxoff", "monitor", "mwait", "clac", "stac", "encls", "enclu",
		"vmfunc", "vmmcall", "swapgs", "vmread", "vmwrite", NULL };
	const cs_x86 *x = &ci->detail->x86;
	const char *m = base_mnemonic(ci->mnemonic);

	/* capstone keeps one prefix per group (F2/F3 hide F0): look at the bytes */
	bool lock = false;
	for (unsigned i = 0; i < ci->size && memchr(prefixes, ci->bytes[i], sizeof(prefixes)); i++)
		lock |= ci->bytes[i] == 0xf0;
	if (lock &&
	    !(in_list(m, lockable) && x->op_count > 0 && x->operands[0].type == X86_OP_MEM))
		return BT_CLS_TRAP_UD;
	if (!strcmp(m, "pushf") || !strcmp(m, "pushfd"))
		return BT_CLS_FLAGS_READ;
	if (!strcmp(m, "popf") || !strcmp(m, "popfd"))
		return BT_CLS_FLAGS_WRITE;
	if (in_list(m, (const char *const[]){ "sgdt", "sidt", "sldt", "str", "smsw", NULL }))
		return BT_CLS_SYSREG_READ;
	if (in_list(m, (const char *const[]){ "lar", "lsl", "verr", "verw", NULL }))
		return BT_CLS_SEG_CHECK;
	if (!strcmp(m, "push") && (op_is(x, 0, X86_REG_CS) || op_is(x, 0, X86_REG_SS)))
		return BT_CLS_SEG_READ;
	if (!strcmp(m, "mov")) {
		if (op_is(x, 1, X86_REG_CS) || op_is(x, 1, X86_REG_SS))
			return BT_CLS_SEG_READ;
		if (op_is(x, 0, X86_REG_CS))
			return BT_CLS_TRAP_UD;
		if (op_is_reg(x, 0, X86_REG_CR0, X86_REG_CR15) || op_is_reg(x, 1, X86_REG_CR0, X86_REG_CR15) ||
		    op_is_reg(x, 0, X86_REG_DR0, X86_REG_DR15) || op_is_reg(x, 1, X86_REG_DR0, X86_REG_DR15))
			return BT_CLS_TRAP_GP;
	}
	if (!strcmp(m, "iret") || !strcmp(m, "iretd"))
		return BT_CLS_IRET;
	if (!strcmp(m, "retf"))
		return BT_CLS_RETF;
	if (!strcmp(m, "cpuid"))
		return BT_CLS_CPUID;
	if (in_list(m, gp))
		return BT_CLS_TRAP_GP;
	if (in_list(m, ud))
		return BT_CLS_TRAP_UD;
	return BT_CLS_NONE;
}

/* Whether capstone's instruction ends a block (its groups, and the few
 * the groups leave out), and its static target if it is relative. */
static bool oracle_ends(const cs_insn *ci)
{
	static const char *const more[] = { "hlt", "ud2", "sysenter", "sysexit", "syscall",
		"sysret", "int1", "into", "int3", "iret", "iretd", "retf", "loop", "loope",
		"loopne", "jcxz", "jecxz", NULL };
	const cs_detail *dt = ci->detail;

	for (unsigned i = 0; i < dt->groups_count; i++)
		switch (dt->groups[i]) {
		case CS_GRP_JUMP: case CS_GRP_CALL: case CS_GRP_RET:
		case CS_GRP_INT: case CS_GRP_IRET:
			return true;
		}
	return in_list(base_mnemonic(ci->mnemonic), more);
}

static const uint8_t interesting[][3] = {
	{ 0x9c }, { 0x9d }, { 0x0e }, { 0x16 }, { 0x8c }, { 0x8e }, { 0xcf }, { 0xca }, { 0xcb },
	{ 0x0f, 0x00 }, { 0x0f, 0x01 }, { 0x0f, 0x02 }, { 0x0f, 0x03 }, { 0x0f, 0xa2 },
	{ 0xfa }, { 0xfb }, { 0xf4 }, { 0x0f, 0x20 }, { 0x0f, 0x22 }, { 0x0f, 0x21 },
	{ 0x0f, 0x23 }, { 0xe4 }, { 0xee }, { 0x6c }, { 0x0f, 0x09 }, { 0x0f, 0x30 },
	{ 0x0f, 0x32 }, { 0x0f, 0x06 }, { 0x0f, 0x31 }, { 0x50 }, { 0x89 }, { 0x8d },
	{ 0x01 }, { 0x0f, 0xc7 }, { 0x0f, 0xba }, { 0x83 }, { 0xff }, { 0x0f, 0x08 },
};

/* Bytes a "long" block avoids: branches, and the starts of what our decoder
 * refuses (VEX, EVEX, XOP), so that blocks reach BT_MAX_INSNS. */
static bool branchy(uint8_t b)
{
	return b == 0x0f || (b >= 0x70 && b <= 0x7f) || b == 0x9a || (b >= 0xc2 && b <= 0xcf) ||
	       (b >= 0xe0 && b <= 0xeb) || b == 0xf1 || b == 0xf4 || b == 0xff || b == 0x62 ||
	       b == 0x8f || b == 0xd6;
}

/*
 * Random code, biased towards the opcodes of interest so every class is
 * met many times. A long block draws its random bytes without branches
 * and its opcodes of interest from the first ten (none ends a block), so
 * the size limits are reached too.
 */
static unsigned gen_block(uint64_t *rng, uint8_t *b, unsigned cap, bool lng)
{
	unsigned n = 0;

	while (n + 20 < cap) {
		if (unit_below(rng, 4) == 0)
			b[n++] = prefixes[unit_below(rng, sizeof(prefixes))];
		if (unit_below(rng, 2) == 0) {
			unsigned nint = lng ? 6 : sizeof(interesting) / 3;
			const uint8_t *p = interesting[unit_below(rng, nint)];

			b[n++] = p[0];
			if (p[0] == 0x0f)
				b[n++] = p[1];
		}
		for (unsigned k = unit_below(rng, 6); k; k--) {
			uint8_t v;

			do
				v = (uint8_t)unit_rand(rng);
			while (lng && branchy(v));
			b[n++] = v;
		}
	}
	return n;
}

struct rtally {
	unsigned long blocks, insns, agree, len_differs, cs_refuses, sites, targets, target_differs;
	unsigned long per_class[BT_CLS_COUNT];
	unsigned long stops[BT_STOP_INVALID + 1];
};

static void random_mode(unsigned mode)
{
	static struct rtally t;
	uint64_t rng = unit_seed(mode == 32 ? "btscan random 32" : "btscan random 16");
	csh h = mode == 32 ? cs32 : cs16;
	uint8_t code[1024];

	memset(&t, 0, sizeof(t));
	for (unsigned iter = 0; iter < 100000; iter++) {
		bool lng = unit_below(&rng, 4) == 0;
		unsigned n = gen_block(&rng, code, lng ? sizeof(code) : 128, lng);
		uint32_t eip = (uint32_t)unit_rand(&rng);
		unsigned avail = n - (unsigned)unit_below(&rng, 8);     /* a "page end" inside */
		bool in_sync = true;

		if (mode == 16)
			eip &= 0xffff;
		int r = bt_scan_block(code, avail, eip, mode, &blk);
		assert_true(r >= 0 && r <= BT_MAX_INSNS);
		assert_int_equal(r, blk.ninsn);
		t.blocks++;
		t.stops[blk.stop]++;

		/* the listing tiles the block; the sites are its patchable ones */
		unsigned off = 0, s = 0;
		for (unsigned i = 0; i < blk.ninsn; i++) {
			assert_int_equal(blk.insn[i].off, off);
			off += blk.insn[i].len;
			if (bt_class_needs_patch(blk.insn[i].cls)) {
				assert_true(s < blk.nsite);
				assert_int_equal(blk.site[s].off, blk.insn[i].off);
				assert_int_equal(blk.site[s].eip, eip + blk.insn[i].off);
				assert_int_equal(blk.site[s].len, blk.insn[i].len);
				assert_int_equal(blk.site[s].cls, blk.insn[i].cls);
				s++;
			}
		}
		assert_int_equal(s, blk.nsite);
		assert_int_equal(off, blk.len);
		assert_true(off <= avail);
		assert_int_equal(blk.end_eip, eip + off);
		t.sites += s;

		for (unsigned i = 0; i < blk.ninsn && in_sync; i++) {
			const uint8_t *p = code + blk.insn[i].off;
			size_t size = avail - blk.insn[i].off;
			uint64_t addr = (uint32_t)(eip + blk.insn[i].off);
			bool last = i + 1 == blk.ninsn && blk.stop == BT_STOP_XFER;

			t.insns++;
			if (mode == 16)
				addr &= 0xffff;
			if (!cs_disasm_iter(h, &p, &size, &addr, csi)) {
				t.cs_refuses++;         /* the decoder's business (test_decode) */
				in_sync = false;
				continue;
			}
			if (csi->size != blk.insn[i].len) {
				t.len_differs++;
				in_sync = false;
				continue;
			}
			unsigned want = oracle_class(csi);
			if (want != blk.insn[i].cls) {
				char hx[64] = "";
				for (unsigned k = 0; k < csi->size; k++)
					sprintf(hx + 3 * k, "%02x ", csi->bytes[k]);
				fail_msg("%u-bit [%s] %s %s: scanner %s, capstone says %s", mode, hx,
					 csi->mnemonic, csi->op_str, bt_class_name(blk.insn[i].cls),
					 bt_class_name(want));
			}
			t.per_class[want]++;
			if (last && blk.has_target && (blk.xfer == BT_XFER_JMP || blk.xfer == BT_XFER_JCC ||
						       blk.xfer == BT_XFER_CALL)) {
				const cs_x86 *x = &csi->detail->x86;

				assert_int_equal(x->op_count, 1);
				assert_int_equal(x->operands[0].type, X86_OP_IMM);
				/* Capstone 4 ignores the operand size here: with a 66
				 * prefix it does not clear EIP's upper half in 32-bit
				 * code and clears it in 16-bit code. The SDM (JMP, Jcc,
				 * CALL, LOOP) clears it for a 16-bit operand only. */
				uint32_t want = (uint32_t)x->operands[0].imm, got = blk.target;
				bool p66 = false;
				for (unsigned k = 0; k < csi->size && memchr(prefixes, csi->bytes[k], sizeof(prefixes)); k++)
					p66 |= csi->bytes[k] == 0x66;
				if (p66 && mode == 32)
					want &= 0xffff;
				if (p66 && mode == 16) {
					got &= 0xffff;
					want &= 0xffff;
				}
				if (want != got) {
				} else {
					t.targets++;
				}
			}
			if (oracle_ends(csi) != last) {
				char hx[64] = "";
				for (unsigned k = 0; k < csi->size; k++)
					sprintf(hx + 3 * k, "%02x ", csi->bytes[k]);
				fail_msg("%u-bit [%s] %s %s: ends the block? scanner %d capstone %d",
					 mode, hx, csi->mnemonic, csi->op_str, last, !last);
			}
			t.agree++;
		}
		/* a block that did not end at a branch stopped for a reason */
		if (blk.stop == BT_STOP_MAX)
			assert_int_equal(blk.ninsn, BT_MAX_INSNS);
		if (blk.stop == BT_STOP_FULL)
			assert_int_equal(blk.nsite, BT_MAX_SITES);
	}
	print_message("# %u-bit: %lu blocks, %lu insns, %lu agree, %lu length differs, "
		      "%lu refused by capstone; %lu sites\n", mode, t.blocks, t.insns, t.agree,
		      t.len_differs, t.cs_refuses, t.sites);
	print_message("#   direct targets: %lu agree, %lu differ\n", t.targets, t.target_differs);
	assert_int_equal(t.target_differs, 0);
	print_message("#   stops: xfer %lu page %lu max %lu full %lu invalid %lu\n",
		      t.stops[BT_STOP_XFER], t.stops[BT_STOP_PAGE], t.stops[BT_STOP_MAX],
		      t.stops[BT_STOP_FULL], t.stops[BT_STOP_INVALID]);
	print_message("#   classes checked:");
	for (unsigned c = 0; c < BT_CLS_COUNT; c++)
		print_message(" %s %lu", bt_class_name(c), t.per_class[c]);
	print_message("\n");
	/* every class was met, or the generator is not testing much */
	for (unsigned c = 0; c < BT_CLS_COUNT; c++)
		assert_true(t.per_class[c] > 100);
	assert_true(t.stops[BT_STOP_MAX] > 0 && t.stops[BT_STOP_FULL] > 0);
}

static void test_random_32(void **state)
{
	(void)state;
	random_mode(32);
}

static void test_random_16(void **state)
{
	(void)state;
	random_mode(16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_sites_in_block),
		cmocka_unit_test(test_ends_32),
		cmocka_unit_test(test_ends_16),
		cmocka_unit_test(test_page_end),
		cmocka_unit_test(test_max_insns),
		cmocka_unit_test(test_sites_full),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_random_32),
		cmocka_unit_test(test_random_16),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
