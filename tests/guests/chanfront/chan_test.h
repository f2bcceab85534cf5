/*
 * The test protocol over a channel (io/channel.h; docs/io.md, "Channels")
 * that the chan test's frontends speak and Domain 0's server
 * (tests/dom0/chantest.c) answers: one 128-byte request, one 128-byte
 * response with the same id, answered in any order.
 */
#ifndef CHAN_TEST_H
#define CHAN_TEST_H

#include <stdint.h>

#define CT_ECHO         1       /* val * 3 + 1 */
#define CT_SUM          2       /* the byte sum of [off, off + len) of granted page gref */
#define CT_FILL         3       /* bytes (i * 7 + val) written into [off, off + len) of gref */
#define CT_MUTE         4       /* never answered */
#define CT_LATE         5       /* answered (val * 3 + 1) 500 ms later */
#define CT_BADID        6       /* answered with an id nobody asked (id ^ 0x5a5a0000) */
#define CT_HOLD         7       /* answered 2 s later (the frontend dies meanwhile) */
#define CT_DONE         8       /* the frontend is through: val = how many checks failed */
#define CT_GATE         9       /* held with every other GATE of a 3 s window, then answered
				 * (val * 3 + 1): the ring fills, later callers wait */

struct ct_req {
	uint32_t id;                    /* set by the frontend (rvio: by rvio_call) */
	uint32_t op;                    /* CT_* */
	uint32_t val;
	uint32_t gref, off, len;        /* CT_SUM, CT_FILL: a page granted to the backend */
	uint8_t pad[104];
};

struct ct_rsp {
	uint32_t id;
	int32_t status;                 /* 0, or -EINVAL for a request that is not one */
	uint32_t val;
	uint8_t pad[116];
};

_Static_assert(sizeof(struct ct_req) == 128 && sizeof(struct ct_rsp) == 128, "one ring slot each");

static inline uint32_t ct_fill_byte(uint32_t i, uint32_t val)
{
	return (uint8_t)(i * 7 + val);
}

#endif
