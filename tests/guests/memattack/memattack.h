/* Shared by the memattack scenarios (see memattack.c for what they prove). */
#ifndef MEMATTACK_H
#define MEMATTACK_H

#include "guest.h"

#define WIN     0x40000000u     /* a 2 MiB window with its own L1 (mm_window) */
#define WIN2    0x40200000u     /* a second one */
#define WIN3    0x40400000u     /* a directory slot left empty, for PDE attacks */
#define UNMAPPED 0x10000000u    /* nothing is ever mapped here */
#define HV_MFN  0x100u          /* 1 MiB: the hypervisor's image */
#define SCAN_END 0x8000u        /* 128 MiB: the machine's RAM */

extern uint32_t win_l1, win2_l1, shared_mfn, switch_l1_mfn;
extern volatile uint32_t trap_count, trap_vector, trap_error, trap_addr;

bool own_mfn(uint32_t mfn);             /* in our p2m, or our shared info */
uint32_t free_data_frame(void);         /* a zeroed free frame, mapped writable; its mfn */
uint32_t free_table_frame(void);        /* ... zeroed and read-only: can become a table */
void poke(uint32_t va, uint32_t v);     /* accesses whose fault the handler skips */
uint32_t peek(uint32_t va);
void trap_reset(void);

/* Count an attempt that must return want; print it if it did not. */
void expect_rc(int got, int want, const char *what, uint32_t arg);
/* The same for an attempt that must merely fail (the error is not ours to fix). */
void expect_refused(int got, const char *what, uint32_t arg);
/* One check over the attempts since the last one. */
void expect_done(const char *what);

void hv_frame(void);
void foreign_scan(void);
void pin_foreign(void);
void baseptr(void);
void shared_info_table(void);
void pt_writable(void);
void alias_pin(void);
void self_map(void);
void large_page(void);
void reserved_bits(void);
void switch_region(void);
void not_a_table(void);
void global_page(void);
void balloon_mapped(void);
void privileged(void);
void bad_pointers(void);
void pin_storm(void);
void address_width(void);
void continuations(void);

#endif
