/* Binary min-heap run queue (see runq.h). */
#include "runq.h"
#include "errno.h"

void runq_init(struct runq *q, struct runq_node **storage, uint32_t capacity)
{
	q->heap = storage;
	q->n = 0;
	q->capacity = capacity;
}

void runq_node_init(struct runq_node *x)
{
	x->key = 0;
	x->index = RUNQ_NONE;
}

static void place(struct runq *q, uint32_t i, struct runq_node *x)
{
	q->heap[i] = x;
	x->index = i;
}

static void sift_up(struct runq *q, uint32_t i)
{
	struct runq_node *x = q->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (q->heap[parent]->key <= x->key)
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, x);
}

static void sift_down(struct runq *q, uint32_t i)
{
	struct runq_node *x = q->heap[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && q->heap[child + 1]->key < q->heap[child]->key)
			child++;
		if (x->key <= q->heap[child]->key)
			break;
		place(q, i, q->heap[child]);
		i = child;
	}
	place(q, i, x);
}

int runq_insert(struct runq *q, struct runq_node *x, uint64_t key)
{
	if (x->index != RUNQ_NONE)
		return -EEXIST;
	if (q->n == q->capacity)
		return -ENOSPC;
	x->key = key;
	place(q, q->n++, x);
	sift_up(q, x->index);
	return 0;
}

void runq_remove(struct runq *q, struct runq_node *x)
{
	uint32_t i = x->index;
	if (i == RUNQ_NONE)
		return;
	x->index = RUNQ_NONE;
	struct runq_node *last = q->heap[--q->n];
	if (i == q->n)
		return;                 /* it was the last one */
	place(q, i, last);
	/* The moved node may belong above or below its new place. */
	if (i > 0 && q->heap[(i - 1) / 2]->key > last->key)
		sift_up(q, i);
	else
		sift_down(q, i);
}
