/*
 * The frontend's half of a channel (io/channel.h; docs/io.md, "Channels"),
 * the part that is pure logic: which request each response answers. Calls
 * are numbered by the frontend (the first 4 bytes of a request, echoed in
 * its response); responses may come in any order. A backend that lies
 * about rsp_prod, or answers an id no call waits for, kills the channel.
 * ringos's rvio (guest/arch/pv/rvio.c) wraps it with grants, events and
 * sleeping; the host unit test drives it against a model backend.
 *
 * Every function here runs with the channel's interrupt handler kept out
 * (ringos: events off): the handler collects, the callers start, finish
 * and abandon.
 */
#ifndef LIB_CHAN_FRONT_H
#define LIB_CHAN_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <public/io/channel.h>

/* One call slot per ring entry (16 of 128 bytes after the header): a
 * request in flight holds its slot until its response is consumed, so a
 * free slot means a free ring entry. */
#define CHAN_CALLS      16

enum chan_call_state {
	CHAN_CALL_FREE = 0,
	CHAN_CALL_WAITING,              /* on the ring, its caller waiting */
	CHAN_CALL_DONE,                 /* the response is in rsp, for the caller */
	CHAN_CALL_ABANDONED,            /* the caller gave up: the response is dropped */
};

/* Why a channel died (chan_front.dead). */
enum chan_dead {
	CHAN_ALIVE = 0,
	CHAN_DEAD_RSP_PROD,             /* rsp_prod claims more than is outstanding */
	CHAN_DEAD_UNKNOWN_ID,           /* a response whose id no call waits for */
};

struct chan_call {
	uint8_t state;                  /* enum chan_call_state */
	uint32_t id;
	struct rv_chan_slot rsp;
};

struct chan_front {
	struct rv_chan_front ring;
	struct chan_call call[CHAN_CALLS];
	uint32_t next_gen;              /* ids are gen * CHAN_CALLS + slot */
	uint8_t dead;                   /* enum chan_dead */
	uint32_t bad_value;             /* the lying rsp_prod, or the unknown id */
};

/* Start on a zeroed ring page the frontend will grant. */
void chan_front_init(struct chan_front *c, struct rv_chan_sring *page);
/* Put req on the ring with its id set (its first 4 bytes): the call's slot
 * (0..CHAN_CALLS-1), *notify set when the backend must be told (push's
 * answer); -1 when every slot is taken (wait for one), -2 when the channel
 * is dead. */
int chan_front_start(struct chan_front *c, const void *req, bool *notify);
/* Take every response there is, each to its call (DONE, or dropped if the
 * call was abandoned), and ask to be notified of the next: how many calls
 * became DONE, or -1 when the backend broke the ring (c->dead says how;
 * the channel stays dead). */
int chan_front_collect(struct chan_front *c);
/* The caller of a DONE call takes its response (128 bytes) and frees it. */
void chan_front_finish(struct chan_front *c, int slot, void *rsp);
/* The caller gives up (timeout, or the channel died): a WAITING call
 * becomes ABANDONED (its response, if it comes, is dropped), a DONE one
 * is freed. */
void chan_front_abandon(struct chan_front *c, int slot);
/* Is there a free call slot? */
bool chan_front_can_start(const struct chan_front *c);

#endif
