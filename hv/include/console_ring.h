/*
 * The console's output ring: bytes on their way to the UART. Every writer
 * (printk, domains' tagged and raw output, held output being released)
 * puts bytes in; the UART's transmit interrupt, the idle loop and the timer
 * tick take them out a FIFO's worth at a time (console.c). Pure, so the host
 * unit tests drive it (tests/unit/test_console_ring.c).
 *
 * head and tail run freely (uint32_t, wrapping): head - tail is the number
 * of bytes waiting, whatever the wrap.
 */
#ifndef HV_CONSOLE_RING_H
#define HV_CONSOLE_RING_H

#include "types.h"

struct con_ring {
	char *buf;
	uint32_t size;                  /* a power of two */
	uint32_t head;                  /* bytes ever put */
	uint32_t tail;                  /* bytes ever taken */
};

/* size must be a power of two. */
void con_ring_init(struct con_ring *r, char *buf, uint32_t size);

static inline uint32_t con_ring_used(const struct con_ring *r)
{
	return r->head - r->tail;
}

static inline uint32_t con_ring_room(const struct con_ring *r)
{
	return r->size - con_ring_used(r);
}

/* Puts up to n bytes, as many as there is room for; returns how many. */
size_t con_ring_put(struct con_ring *r, const char *s, size_t n);
/* Takes up to max bytes into out; returns how many. */
size_t con_ring_get(struct con_ring *r, char *out, size_t max);

#endif
