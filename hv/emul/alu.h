/*
 * The arithmetic of the emulator (alu.c): results and EFLAGS of the integer
 * operations, written once per class of operation, at 1, 2 or 4 bytes.
 * Every function takes the guest's EFLAGS, changes only the bits the SDM
 * says the instruction writes and returns the result cut to its size.
 */
#ifndef HV_EMUL_ALU_H
#define HV_EMUL_ALU_H

#include "types.h"

/* The group-1 operations in ModRM reg / opcode bits 5:3 order. */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* a op b; ALU_CMP gives a - b (the caller does not write it back). */
uint32_t alu_binop(unsigned op, uint32_t a, uint32_t b, unsigned size, uint32_t *eflags);
/* INC and DEC: as ADD and SUB of 1, but CF is kept. */
uint32_t alu_inc(uint32_t a, unsigned size, uint32_t *eflags);
uint32_t alu_dec(uint32_t a, unsigned size, uint32_t *eflags);
/* NEG: 0 - a, CF = (a != 0). */
uint32_t alu_neg(uint32_t a, unsigned size, uint32_t *eflags);

/* a cut to size bytes, and sign-extended from it. */
uint32_t alu_trunc(uint32_t a, unsigned size);
uint32_t alu_sext(uint32_t a, unsigned size);

#endif
