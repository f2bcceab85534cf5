/*
 * The grant-table test guests (one image, its role by domain name; see
 * grant.c). Domain ids come from the boot order (docs/io.md): the test's
 * own domain line is domain 1, its modules 2, 3, ... in order.
 */
#ifndef GRANT_TEST_H
#define GRANT_TEST_H

#include "guest.h"

#define TABLE_VA        0x40000000u     /* our grant table (its own window) */
#define MAP_VA          0x40200000u     /* a window for grant mappings */
#define NO_VA           0x50000000u     /* a directory slot with no L1 */

/* Events over the one interdomain channel: set up by connect(), counted by
 * the callback. */
extern volatile uint32_t events_seen;
/* Offer (alloc_unbound) or bind port 8 of the peer, retrying until the
 * offer is there. */
void connect(uint32_t peer, bool offer);
void notify(void);
/* Block until more than n events have come; test_error after ~20 s. */
void wait_events(uint32_t n);

/* Reads and writes that may fault: the fault is counted, not fatal. */
extern volatile uint32_t faults, fault_error;
void traps_init(void);
void poke(uint32_t va, uint32_t v);
uint32_t peek(uint32_t va);

/* A fresh page of our own: its address, pfn in *mfn. */
uint32_t *own_page(uint32_t *mfn);

/* expect(rc, want, what): checked and counted; done() reports them. */
void expect(int32_t got, int32_t want, const char *what);
void expect_summary(const char *what);

/* The peer's id: dflt, unless the command line says peer=ask: then Domain
 * 0 types "peer N" on our console (judge.c). */
uint32_t peer_id(uint32_t dflt);

void pair_granter(void);
void judge_main(void);
void ring_main(const char *role);
void pair_mapper(void);
void hostile_main(void);
void accomplice_main(void);

#endif
