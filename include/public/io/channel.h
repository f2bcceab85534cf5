/*
 * The ring every split device of ringvisor uses (docs/io.md, "Channels"):
 * one page of 128-byte slots (io/ring.h: 16 entries after the header), a
 * request or a response in each. Block requests (io/blkif.h) and
 * forwarded system calls (io/fsif.h) are both 128-byte records, so one
 * ring type, one frontend and one backend transport carry both; the
 * protocol is told by the device entry's type (start_info.h).
 *
 * A response carries the request's id; responses may come in any order
 * (a backend may answer a quick request before a slow one).
 */
#ifndef RINGVISOR_PUBLIC_IO_CHANNEL_H
#define RINGVISOR_PUBLIC_IO_CHANNEL_H

#include "ring.h"

#define RV_CHAN_SLOT            128u

struct rv_chan_slot {
	uint8_t b[RV_CHAN_SLOT];
};

RV_RING_DEFINE(rv_chan, struct rv_chan_slot, struct rv_chan_slot)

#endif
