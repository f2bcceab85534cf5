/*
 * A run queue: a binary min-heap of nodes keyed by a 64-bit value (the
 * scheduler's virtual run time). O(log n) insert, remove and pop, O(1) peek:
 * scheduling decisions stay cheap with thousands of domains. Pure: the host
 * unit tests check it against a brute-force model.
 */
#ifndef HV_RUNQ_H
#define HV_RUNQ_H

#include "types.h"

#define RUNQ_NONE 0xffffffffu

struct runq_node {
	uint64_t key;
	uint32_t index;         /* position in the heap, RUNQ_NONE when not queued */
};

struct runq {
	struct runq_node **heap;
	uint32_t n, capacity;
};

void runq_init(struct runq *q, struct runq_node **storage, uint32_t capacity);
void runq_node_init(struct runq_node *x);
/* 0, or -ENOSPC when full, -EEXIST when already queued. */
int runq_insert(struct runq *q, struct runq_node *x, uint64_t key);
void runq_remove(struct runq *q, struct runq_node *x);
static inline struct runq_node *runq_peek(const struct runq *q)
{
	return q->n ? q->heap[0] : NULL;
}
static inline bool runq_queued(const struct runq_node *x)
{
	return x->index != RUNQ_NONE;
}

#endif
