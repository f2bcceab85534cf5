/* The console's output ring (see console_ring.h). */
#include "console_ring.h"
#include "string.h"

void con_ring_init(struct con_ring *r, char *buf, uint32_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = r->tail = 0;
}

size_t con_ring_put(struct con_ring *r, const char *s, size_t n)
{
	size_t take = MIN(n, (size_t)con_ring_room(r));
	size_t done = 0;
	while (done < take) {
		uint32_t at = r->head & (r->size - 1);
		size_t run = MIN(take - done, (size_t)(r->size - at));
		memcpy(r->buf + at, s + done, run);
		r->head += (uint32_t)run;
		done += run;
	}
	return take;
}

size_t con_ring_get(struct con_ring *r, char *out, size_t max)
{
	size_t take = MIN(max, (size_t)con_ring_used(r));
	size_t done = 0;
	while (done < take) {
		uint32_t at = r->tail & (r->size - 1);
		size_t run = MIN(take - done, (size_t)(r->size - at));
		memcpy(out + done, r->buf + at, run);
		r->tail += (uint32_t)run;
		done += run;
	}
	return take;
}
