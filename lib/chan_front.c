/*
 * The frontend's call table over a channel ring (chan_front.h). A call's
 * id names its slot (id % CHAN_CALLS) and a generation, so a response
 * answering a call of an earlier generation (one that was abandoned and
 * freed, then reused) does not match the call now in that slot.
 */
#include "chan_front.h"
#include "string.h"

void chan_front_init(struct chan_front *c, struct rv_chan_sring *page)
{
	memset(c, 0, sizeof(*c));
	rv_chan_sring_init(page);
	rv_chan_front_init(&c->ring, page);
}

bool chan_front_can_start(const struct chan_front *c)
{
	for (unsigned i = 0; i < CHAN_CALLS; i++)
		if (c->call[i].state == CHAN_CALL_FREE)
			return true;
	return false;
}

int chan_front_start(struct chan_front *c, const void *req, bool *notify)
{
	if (c->dead)
		return -2;
	int slot = -1;
	for (unsigned i = 0; i < CHAN_CALLS; i++)
		if (c->call[i].state == CHAN_CALL_FREE) {
			slot = (int)i;
			break;
		}
	/* Every request on the ring holds a slot until its response is
	 * consumed: a free slot is a free entry. */
	if (slot < 0 || rv_chan_free_requests(&c->ring) == 0)
		return -1;
	struct chan_call *k = &c->call[slot];
	k->id = c->next_gen++ * CHAN_CALLS + (uint32_t)slot;
	k->state = CHAN_CALL_WAITING;
	struct rv_chan_slot *e = rv_chan_next_request(&c->ring);
	memcpy(e, req, sizeof(*e));
	memcpy(e->b, &k->id, sizeof(k->id));
	*notify = rv_chan_push_requests(&c->ring);
	return slot;
}

static int die(struct chan_front *c, enum chan_dead why, uint32_t value)
{
	c->dead = (uint8_t)why;
	c->bad_value = value;
	return -1;
}

int chan_front_collect(struct chan_front *c)
{
	int done = 0;

	if (c->dead)
		return -1;
	for (;;) {
		/* Asks for an event at the next response, then looks again. */
		int32_t n = rv_chan_final_check_responses(&c->ring);
		if (n < 0)
			return die(c, CHAN_DEAD_RSP_PROD, rv_ring_read(c->ring.sring->rsp_prod));
		if (n == 0)
			return done;
		while (n--) {
			struct rv_chan_slot rsp;
			uint32_t id;
			rv_chan_read_response(&c->ring, &rsp);
			memcpy(&id, rsp.b, sizeof(id));
			struct chan_call *k = &c->call[id % CHAN_CALLS];
			if (k->id != id || (k->state != CHAN_CALL_WAITING &&
					    k->state != CHAN_CALL_ABANDONED))
				return die(c, CHAN_DEAD_UNKNOWN_ID, id);
			if (k->state == CHAN_CALL_ABANDONED) {
				k->state = CHAN_CALL_FREE;
				continue;
			}
			k->rsp = rsp;
			k->state = CHAN_CALL_DONE;
			done++;
		}
	}
}

void chan_front_finish(struct chan_front *c, int slot, void *rsp)
{
	struct chan_call *k = &c->call[slot];
	memcpy(rsp, &k->rsp, sizeof(k->rsp));
	k->state = CHAN_CALL_FREE;
}

void chan_front_abandon(struct chan_front *c, int slot)
{
	struct chan_call *k = &c->call[slot];
	k->state = k->state == CHAN_CALL_WAITING ? CHAN_CALL_ABANDONED : CHAN_CALL_FREE;
}
