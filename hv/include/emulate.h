/*
 * The x86 instruction emulator (hv/emul/emulate.c, docs/emulator.md): runs
 * one guest instruction, the one that touched an MMIO page or a page table,
 * on a copy of the guest's registers. It decodes with lib/decode.c and
 * reaches memory and ports only through the caller's ops, by linear
 * address: the caller walks the guest's page tables and sends each access
 * to RAM or to a device (vdev.h). Pure: the host unit tests drive it
 * (tests/unit/test_emulate.c).
 *
 * Emulated, with 16- and 32-bit operand and address sizes and every prefix:
 * MOV (88-8B, C6, C7, A0-A3), MOVZX/MOVSX, the ALU group (ADD OR ADC SBB
 * AND SUB XOR CMP: 00-3D, 80, 81, 83), TEST, INC, DEC, NEG, NOT, XCHG,
 * CMPXCHG, CMPXCHG8B, XADD, BT BTS BTR BTC, the string instructions (MOVS STOS LODS
 * CMPS SCAS INS OUTS, with REP/REPE/REPNE) and IN/OUT. Anything else is
 * EMUL_UNHANDLED.
 */
#ifndef HV_EMULATE_H
#define HV_EMULATE_H

#include "types.h"

/* EFLAGS bits the emulator reads or writes. */
#define EFL_CF          (1u << 0)
#define EFL_PF          (1u << 2)
#define EFL_AF          (1u << 4)
#define EFL_ZF          (1u << 6)
#define EFL_SF          (1u << 7)
#define EFL_DF          (1u << 10)
#define EFL_OF          (1u << 11)
#define EFL_ARITH       (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* x86 register numbers, the index into emul_ctx.gpr. */
enum emul_reg { EMUL_EAX, EMUL_ECX, EMUL_EDX, EMUL_EBX, EMUL_ESP, EMUL_EBP, EMUL_ESI, EMUL_EDI };
/* Segment register numbers (as in ModRM's reg field of 8C/8E). */
enum emul_seg { EMUL_ES, EMUL_CS, EMUL_SS, EMUL_DS, EMUL_FS, EMUL_GS };

/* Exception vectors the emulator raises itself. */
#define EMUL_VEC_UD     6               /* LOCK on a form that does not allow it */

#define EMUL_MAX_REPS   1024u           /* max_reps = 0 means this */

struct emul_ctx;

/*
 * The caller's side. Every op returns 0, or nonzero after filling the
 * context's exc_* with the exception the access raises (a #PF with its
 * code, a #GP, ...); the emulator then stops and returns EMUL_EXCEPTION.
 * An access may cross a page: it is passed whole, the caller splits it.
 * Data sizes are 1, 2 or 4, and 8 for CMPXCHG8B; fetch asks for up to 15
 * bytes, never past the page of the instruction's start unless the decoder
 * needs more.
 */
struct emul_ops {
	/* n instruction bytes at a linear address */
	int (*fetch)(struct emul_ctx *c, uint32_t linear, void *buf, unsigned n);
	/* data, little-endian as in guest memory */
	int (*read)(struct emul_ctx *c, uint32_t linear, void *buf, unsigned size);
	int (*write)(struct emul_ctx *c, uint32_t linear, const void *buf, unsigned size);
	/* IN (write false: fill *val) and OUT; NULL: IN/OUT/INS/OUTS unhandled.
	 * Permission (IOPL, the TSS bitmap) is the caller's to check. */
	int (*pio)(struct emul_ctx *c, uint16_t port, unsigned size, bool write, uint32_t *val);
};

struct emul_ctx {
	uint32_t gpr[8];                /* eax ecx edx ebx esp ebp esi edi (enum emul_reg) */
	uint32_t eip, eflags;
	uint32_t seg_base[6];           /* es cs ss ds fs gs: linear = base + offset */
	unsigned def_size;              /* 16 or 32: CS.D */
	unsigned stack_size;            /* 16 or 32: SS.B (no push/pop yet: unused) */
	const struct emul_ops *ops;
	void *opaque;                   /* for the ops */
	/* out: the exception to deliver instead (EMUL_EXCEPTION) */
	uint8_t exc_vector;
	bool exc_has_code;
	uint32_t exc_code;
	/* rep string: iterations per call before EMUL_CONTINUE (0: EMUL_MAX_REPS) */
	unsigned max_reps;
};

enum emul_result {
	EMUL_DONE,              /* executed: registers, memory and eip updated */
	EMUL_CONTINUE,          /* a rep string cut at max_reps: registers updated
				 * for the iterations done, eip unchanged; call again */
	EMUL_EXCEPTION,         /* exc_* filled, eip unchanged; registers unchanged
				 * except a rep string's completed iterations */
	EMUL_UNHANDLED,         /* not an instruction we emulate: nothing changed */
};

/* Run the instruction at seg_base[CS] + eip. */
enum emul_result emul_step(struct emul_ctx *c);

#endif
