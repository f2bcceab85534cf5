/*
 * The bt scanner (hv/bt/scan.c): decodes guest kernel code one basic block
 * at a time and finds the instructions a ring-1 guest kernel would run
 * wrongly without trapping (docs/bt-scan.md). Pure: it reads the bytes it
 * is given and nothing else; patching them is the caller's job.
 *
 * A block runs from start_eip until the first of:
 *   - a control transfer (jmp/jcc/call/ret/retf/iret/int/int3/into/int1,
 *     loop*, jcxz, far jmp/call, sysenter/sysexit/syscall/sysret, ud2,
 *     hlt): it is the block's last instruction (BT_STOP_XFER);
 *   - the end of the bytes given (avail: the caller gives the bytes up to
 *     the page's end), including an instruction that starts before it and
 *     ends after it (BT_STOP_PAGE);
 *   - BT_MAX_INSNS instructions (BT_STOP_MAX);
 *   - a sensitive instruction when BT_MAX_SITES are already listed: the
 *     block ends before it (BT_STOP_FULL);
 *   - a byte sequence lib/decode.c refuses (BT_STOP_INVALID).
 * In every case end_eip is where the block stops: the first byte not
 * covered. The caller must not let the guest run past it unscanned.
 */
#ifndef HV_BT_SCAN_H
#define HV_BT_SCAN_H

#include "types.h"

#define BT_MAX_INSNS    64      /* instructions per block */
#define BT_MAX_SITES    16      /* sensitive instructions per block */

/* What an instruction does at CPL 1 (docs/bt-scan.md says why for each). */
enum bt_class {
	BT_CLS_NONE = 0,        /* same as at CPL 0, or not privileged at all */

	/* Sensitive and not trapping: these must be patched. */
	BT_CLS_FLAGS_READ,      /* pushf: the real IF and IOPL are seen */
	BT_CLS_FLAGS_WRITE,     /* popf: IF and IOPL changes silently dropped */
	BT_CLS_SYSREG_READ,     /* sgdt sidt sldt str smsw: host's values */
	BT_CLS_SEG_CHECK,       /* lar lsl verr verw: checked at CPL 1 */
	BT_CLS_SEG_READ,        /* mov r/m,cs|ss; push cs|ss: RPL 1 seen */
	BT_CLS_IRET,            /* iret: same-ring return drops IF/IOPL */
	BT_CLS_RETF,            /* retf: a same-ring far return goes through */
	BT_CLS_CPUID,           /* info: host CPUID, only CPUID faulting traps it */

	/* Trap at CPL 1 by themselves: the caller need not patch these. */
	BT_CLS_TRAP_GP,         /* privileged or IOPL-sensitive: #GP */
	BT_CLS_TRAP_UD,         /* #UD: ud2, LOCK where not allowed, bad sreg */

	BT_CLS_COUNT
};

/* How a block ended. */
enum bt_stop {
	BT_STOP_XFER = 1,       /* a control transfer: xfer says which */
	BT_STOP_PAGE,           /* the bytes given end (inside an instruction) */
	BT_STOP_MAX,            /* BT_MAX_INSNS instructions */
	BT_STOP_FULL,           /* BT_MAX_SITES sensitive ones, a further one next */
	BT_STOP_INVALID,        /* undecodable bytes at end_eip */
};

/* The kind of the terminating control transfer. */
enum bt_xfer {
	BT_XFER_NONE = 0,       /* the block did not end with one */
	BT_XFER_JMP,            /* jmp rel8/rel16/rel32: target */
	BT_XFER_JCC,            /* jcc, loop/loope/loopne, jcxz: target or fall */
	BT_XFER_CALL,           /* call rel: target, returns to fall */
	BT_XFER_JMP_IND,        /* jmp r/m */
	BT_XFER_CALL_IND,       /* call r/m */
	BT_XFER_JMP_FAR,        /* jmp ptr16:16/32 (target, target_sel) or m16:xx */
	BT_XFER_CALL_FAR,       /* call ptr16:16/32 (target, target_sel) or m16:xx */
	BT_XFER_RET,            /* ret, ret imm16 */
	BT_XFER_RETF,           /* retf, retf imm16 */
	BT_XFER_IRET,           /* iret/iretd */
	BT_XFER_INT,            /* int n, int3, into, int1 (icebp) */
	BT_XFER_SYS,            /* sysenter, sysexit, syscall, sysret */
	BT_XFER_UD,             /* ud2 */
	BT_XFER_HLT,            /* hlt */
};

/* One decoded instruction of the block. */
struct bt_insn {
	uint16_t off;           /* from the block's first byte */
	uint8_t  len;
	uint8_t  cls;           /* enum bt_class */
};

/* A sensitive instruction (BT_CLS_FLAGS_READ .. BT_CLS_CPUID). */
struct bt_site {
	uint32_t eip;           /* start_eip + off */
	uint16_t off;
	uint8_t  len;           /* the bytes a patch must keep aside */
	uint8_t  cls;
};

struct bt_block {
	uint32_t start_eip;
	uint32_t end_eip;       /* first byte not covered (start_eip + len) */
	uint16_t len;           /* bytes covered by insn[] */
	uint8_t  def_size;      /* 16 or 32 */
	uint8_t  stop;          /* enum bt_stop */
	uint8_t  xfer;          /* enum bt_xfer (BT_XFER_NONE unless BT_STOP_XFER) */
	bool     has_target;    /* a static target: direct jmp/jcc/call/far */
	uint16_t target_sel;    /* far ptr16:xx: the selector (else 0) */
	uint32_t target;        /* static target EIP (16-bit operands wrap at 64 KiB) */
	uint32_t fall;          /* EIP after the terminator (= end_eip) */
	uint8_t  ninsn;
	uint8_t  nsite;
	struct bt_insn insn[BT_MAX_INSNS];
	struct bt_site site[BT_MAX_SITES];
};

/*
 * Scan the block at code[0..avail), which the guest sees at start_eip in a
 * code segment of default size def_size (16 or 32). Fills *out. Returns
 * the number of instructions (0 if the first one is undecodable or cut by
 * the page end), or -EINVAL for a NULL pointer or a def_size other than
 * 16 or 32.
 */
int bt_scan_block(const uint8_t *code, unsigned avail, uint32_t start_eip,
		  unsigned def_size, struct bt_block *out);

/* Whether instructions of class cls must be patched (sensitive, no trap). */
static inline bool bt_class_needs_patch(unsigned cls)
{
	return cls >= BT_CLS_FLAGS_READ && cls <= BT_CLS_CPUID;
}

/* A short name for messages and tests ("pushf", "trap-gp", ...). */
const char *bt_class_name(unsigned cls);

#endif
