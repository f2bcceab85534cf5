/*
 * The bt scanner: one basic block of guest code, decoded with lib/decode.c,
 * each instruction classified by what it does at CPL 1 (hv/bt/scan.h,
 * docs/bt-scan.md). The classes come from the Intel SDM's instruction
 * pages (the "Protected Mode Exceptions" of each) and from probe 3
 * (../shared/probes/p3_sensitive.c), which ran the sensitive ones at CPL 1
 * on the QEMU we target: none of them faulted.
 */
#include "types.h"
#include "string.h"
#include "errno.h"
#include "decode.h"
#include "scan.h"

static const char *const class_names[BT_CLS_COUNT] = {
	[BT_CLS_NONE]           = "none",
	[BT_CLS_FLAGS_READ]     = "flags-read",
	[BT_CLS_FLAGS_WRITE]    = "flags-write",
	[BT_CLS_SYSREG_READ]    = "sysreg-read",
	[BT_CLS_SEG_CHECK]      = "seg-check",
	[BT_CLS_SEG_READ]       = "seg-read",
	[BT_CLS_IRET]           = "iret",
	[BT_CLS_RETF]           = "retf",
	[BT_CLS_CPUID]          = "cpuid",
	[BT_CLS_TRAP_GP]        = "trap-gp",
	[BT_CLS_TRAP_UD]        = "trap-ud",
};

const char *bt_class_name(unsigned cls)
{
	return cls < BT_CLS_COUNT ? class_names[cls] : "?";
}

/*
 * Whether LOCK is allowed (SDM vol. 2, LOCK): only these instructions, and
 * only with a memory destination. Anything else with F0 is #UD, which
 * traps whatever the instruction would have done.
 */
static bool lockable(const struct dec_insn *d)
{
	if (!d->has_modrm || d->mod == 3)
		return false;
	if (d->map == DEC_MAP_1B) {
		switch (d->opcode) {
		case 0x00: case 0x01: case 0x08: case 0x09:     /* add or */
		case 0x10: case 0x11: case 0x18: case 0x19:     /* adc sbb */
		case 0x20: case 0x21: case 0x28: case 0x29:     /* and sub */
		case 0x30: case 0x31:                           /* xor */
		case 0x86: case 0x87:                           /* xchg */
			return true;
		case 0x80: case 0x81: case 0x82: case 0x83:     /* group 1 but cmp */
			return d->reg != 7;
		case 0xf6: case 0xf7:                           /* not neg */
			return d->reg == 2 || d->reg == 3;
		case 0xfe: case 0xff:                           /* inc dec */
			return d->reg <= 1;
		}
		return false;
	}
	if (d->map == DEC_MAP_0F) {
		switch (d->opcode) {
		case 0xab: case 0xb3: case 0xbb:                /* bts btr btc */
		case 0xb0: case 0xb1:                           /* cmpxchg */
		case 0xc0: case 0xc1:                           /* xadd */
			return true;
		case 0xba:                                      /* bts/btr/btc imm */
			return d->reg >= 5;
		case 0xc7:                                      /* cmpxchg8b */
			return d->reg == 1;
		}
	}
	return false;
}

/* One-byte map. The guest runs with IOPL 0, so the IOPL-sensitive ones
 * (cli, sti, in, out, ins, outs) fault at CPL 1. */
static unsigned classify_1b(const struct dec_insn *d)
{
	switch (d->opcode) {
	case 0x9c:                      /* pushf: IF, IOPL visible (probe 3) */
		return BT_CLS_FLAGS_READ;
	case 0x9d:                      /* popf: IF, IOPL kept (SDM POPF table) */
		return BT_CLS_FLAGS_WRITE;
	case 0x0e: case 0x16:           /* push cs, push ss: RPL = CPL 1 */
		return BT_CLS_SEG_READ;
	case 0x8c:                      /* mov r/m, sreg */
		if (d->reg == 1 || d->reg == 2)
			return BT_CLS_SEG_READ;
		return d->reg > 5 ? BT_CLS_TRAP_UD : BT_CLS_NONE;
	case 0x8e:                      /* mov sreg, r/m: cs or reg 6/7 is #UD */
		return d->reg == 1 || d->reg > 5 ? BT_CLS_TRAP_UD : BT_CLS_NONE;
	case 0xcf:                      /* iret: same ring keeps IF/IOPL */
		return BT_CLS_IRET;
	case 0xca: case 0xcb:           /* retf */
		return BT_CLS_RETF;
	case 0xfa: case 0xfb:           /* cli sti: IOPL < CPL, #GP */
	case 0xf4:                      /* hlt: CPL > 0, #GP */
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:     /* in/out imm8 */
	case 0xec: case 0xed: case 0xee: case 0xef:     /* in/out dx */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:     /* ins outs */
		return BT_CLS_TRAP_GP;
	}
	return BT_CLS_NONE;
}

/* 0F 01: memory forms by reg; register forms are separate instructions. */
static unsigned classify_0f01(const struct dec_insn *d)
{
	if (d->mod != 3) {
		switch (d->reg) {
		case 0: case 1: case 4:         /* sgdt sidt smsw */
			return BT_CLS_SYSREG_READ;
		case 2: case 3: case 6: case 7: /* lgdt lidt lmsw invlpg */
			return BT_CLS_TRAP_GP;
		}
		return BT_CLS_NONE;
	}
	switch (d->reg) {
	case 0:                 /* vmcall vmlaunch vmresume vmxoff, enclv...: #UD outside VMX */
		return BT_CLS_TRAP_UD;
	case 1:                 /* monitor mwait clac stac encls: #UD at CPL > 0 */
		return d->rm <= 3 || d->rm == 7 ? BT_CLS_TRAP_UD : BT_CLS_NONE;
	case 2:                 /* xsetbv: #GP at CPL > 0; vmfunc, enclu (CPL 3 only) #UD */
		if (d->rm == 1)
			return BT_CLS_TRAP_GP;
		return d->rm == 4 || d->rm == 7 ? BT_CLS_TRAP_UD : BT_CLS_NONE;
	case 3:                 /* SVM: vmmcall #UD unintercepted, the rest #GP/#UD */
		return d->rm == 1 ? BT_CLS_TRAP_UD : BT_CLS_TRAP_GP;
	case 4:                 /* smsw reg */
		return BT_CLS_SYSREG_READ;
	case 6:                 /* lmsw reg */
		return BT_CLS_TRAP_GP;
	case 7:                 /* swapgs: #UD outside 64-bit mode */
		return d->rm == 0 ? BT_CLS_TRAP_UD : BT_CLS_NONE;
	}
	return BT_CLS_NONE;
}

static unsigned classify_0f(const struct dec_insn *d)
{
	switch (d->opcode) {
	case 0x00:
		switch (d->reg) {
		case 0: case 1:                 /* sldt str */
			return BT_CLS_SYSREG_READ;
		case 2: case 3:                 /* lldt ltr */
			return BT_CLS_TRAP_GP;
		case 4: case 5:                 /* verr verw */
			return BT_CLS_SEG_CHECK;
		}
		return BT_CLS_NONE;
	case 0x01:
		return classify_0f01(d);
	case 0x02: case 0x03:                   /* lar lsl */
		return BT_CLS_SEG_CHECK;
	case 0xa2:                              /* cpuid */
		return BT_CLS_CPUID;
	case 0x06:                              /* clts */
	case 0x08: case 0x09:                   /* invd wbinvd */
	case 0x20: case 0x21: case 0x22: case 0x23:     /* mov cr/dr */
	case 0x30: case 0x32:                   /* wrmsr rdmsr */
	case 0x33:                              /* rdpmc: CR4.PCE is clear */
	case 0x34:                              /* sysenter: into the host's MSRs or #GP */
	case 0x35:                              /* sysexit: CPL > 0 */
	case 0x07:                              /* sysret: CPL > 0 (AMD), #UD (Intel) */
		return BT_CLS_TRAP_GP;
	case 0x05:                              /* syscall: EFER.SCE clear, #UD */
	case 0x0b:                              /* ud2 */
	case 0xaa:                              /* rsm outside SMM */
		return BT_CLS_TRAP_UD;
	case 0x78: case 0x79:
		/* vmread vmwrite: #UD outside VMX; with 66/F2 and a register
		 * these are AMD's EXTRQ/INSERTQ, with memory #UD again */
		if ((d->pfx_opsize || d->pfx_rep == 0xf2) && d->mod == 3)
			return BT_CLS_NONE;
		return BT_CLS_TRAP_UD;
	}
	return BT_CLS_NONE;
}

static unsigned classify(const struct dec_insn *d)
{
	if (d->pfx_lock && !lockable(d))
		return BT_CLS_TRAP_UD;
	if (d->map == DEC_MAP_1B)
		return classify_1b(d);
	if (d->map == DEC_MAP_0F)
		return classify_0f(d);
	return BT_CLS_NONE;
}

/* The control transfer an instruction is, if any (BT_XFER_NONE if not). */
static unsigned xfer_kind(const struct dec_insn *d)
{
	if (d->map == DEC_MAP_0F) {
		if (d->opcode >= 0x80 && d->opcode <= 0x8f)
			return BT_XFER_JCC;
		switch (d->opcode) {
		case 0x05: case 0x07: case 0x34: case 0x35:
			return BT_XFER_SYS;
		case 0x0b:
			return BT_XFER_UD;
		}
		return BT_XFER_NONE;
	}
	if (d->map != DEC_MAP_1B)
		return BT_XFER_NONE;
	if (d->opcode >= 0x70 && d->opcode <= 0x7f)
		return BT_XFER_JCC;
	switch (d->opcode) {
	case 0xe0: case 0xe1: case 0xe2: case 0xe3:     /* loopne loope loop jcxz */
		return BT_XFER_JCC;
	case 0xe8:
		return BT_XFER_CALL;
	case 0xe9: case 0xeb:
		return BT_XFER_JMP;
	case 0xea:
		return BT_XFER_JMP_FAR;
	case 0x9a:
		return BT_XFER_CALL_FAR;
	case 0xc2: case 0xc3:
		return BT_XFER_RET;
	case 0xca: case 0xcb:
		return BT_XFER_RETF;
	case 0xcf:
		return BT_XFER_IRET;
	case 0xcc: case 0xcd: case 0xce: case 0xf1:
		return BT_XFER_INT;
	case 0xf4:
		return BT_XFER_HLT;
	case 0xff:
		switch (d->reg) {
		case 2: return BT_XFER_CALL_IND;
		case 3: return BT_XFER_CALL_FAR;
		case 4: return BT_XFER_JMP_IND;
		case 5: return BT_XFER_JMP_FAR;
		}
	}
	return BT_XFER_NONE;
}

/*
 * The static target of the terminator d at EIP eip (its first byte).
 * Relative ones are taken from the next instruction; with a 16-bit
 * operand size the SDM's JMP, Jcc, CALL, LOOP and JCXZ all clear EIP's
 * upper half ("IF OperandSize = 16 THEN EIP <- EIP AND 0000FFFFH"), so
 * the target wraps at 64 KiB.
 */
static void set_target(struct bt_block *b, const struct dec_insn *d, uint32_t eip)
{
	uint32_t next = eip + d->len;

	switch (b->xfer) {
	case BT_XFER_JMP:
	case BT_XFER_JCC:
	case BT_XFER_CALL:
		b->target = next + (uint32_t)dec_sext(d->imm, d->imm_size);
		if (d->opsize == 16)
			b->target &= 0xffff;
		b->has_target = true;
		break;
	case BT_XFER_JMP_FAR:
	case BT_XFER_CALL_FAR:
		if (d->map == DEC_MAP_1B && (d->opcode == 0xea || d->opcode == 0x9a)) {
			b->target = d->imm;
			b->target_sel = d->imm2;
			b->has_target = true;
		}
		break;
	}
}

int bt_scan_block(const uint8_t *code, unsigned avail, uint32_t start_eip,
		  unsigned def_size, struct bt_block *out)
{
	unsigned off = 0;

	if (!code || !out || (def_size != 16 && def_size != 32))
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->start_eip = start_eip;
	out->def_size = (uint8_t)def_size;

	for (;;) {
		struct dec_insn d;
		unsigned cls, xfer;
		int n;

		if (off >= avail) {
			out->stop = BT_STOP_PAGE;
			break;
		}
		n = x86_decode(code + off, avail - off, def_size, &d);
		if (n == DEC_ERR_TRUNC) {
			/* Starts on this page and ends on the next. */
			out->stop = BT_STOP_PAGE;
			break;
		}
		if (n < 0) {
			out->stop = BT_STOP_INVALID;
			break;
		}

		cls = classify(&d);
		if (bt_class_needs_patch(cls) && out->nsite == BT_MAX_SITES) {
			out->stop = BT_STOP_FULL;
			break;
		}
		if (bt_class_needs_patch(cls)) {
			struct bt_site *s = &out->site[out->nsite++];

			s->eip = start_eip + off;
			s->off = (uint16_t)off;
			s->len = (uint8_t)n;
			s->cls = (uint8_t)cls;
		}
		out->insn[out->ninsn].off = (uint16_t)off;
		out->insn[out->ninsn].len = (uint8_t)n;
		out->insn[out->ninsn].cls = (uint8_t)cls;
		out->ninsn++;

		xfer = xfer_kind(&d);
		if (xfer != BT_XFER_NONE) {
			out->stop = BT_STOP_XFER;
			out->xfer = (uint8_t)xfer;
			set_target(out, &d, start_eip + off);
			off += n;
			break;
		}
		off += n;
		if (out->ninsn == BT_MAX_INSNS) {
			out->stop = BT_STOP_MAX;
			break;
		}
	}

	out->len = (uint16_t)off;
	out->end_eip = start_eip + off;
	out->fall = out->end_eip;
	return out->ninsn;
}
