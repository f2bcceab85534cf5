/*
 * Shared request/response rings for split drivers (docs/io.md, "Rings"):
 * one page, granted by the frontend and mapped by the backend, holding a
 * circular array of entries (each a request or, once answered, its
 * response) and four free-running 32-bit indices. The design is Xen's
 * io/ring.h, written as typed static inlines:
 *
 *     RV_RING_DEFINE(blk, struct blk_request, struct blk_response)
 *
 * makes struct blk_sring (the shared page), struct blk_front and struct
 * blk_back (each side's private indices) and the blk_* functions below.
 *
 * The frontend produces requests (req_prod) and consumes responses
 * (rsp_cons); the backend consumes requests (req_cons) and produces
 * responses (rsp_prod). Indices only grow (wrapping at 2^32); an entry is
 * ring[index & (size - 1)], size a power of two. A side fills entries
 * privately (req_prod_pvt / rsp_prod_pvt) and publishes a batch with one
 * push.
 *
 * Notification: the consumer of requests writes req_event = the index of
 * the request it wants to be told about (req_cons + 1 when it is about to
 * wait); a push notifies (through the event channel) only if it moved
 * req_prod past req_event. Responses the same with rsp_event. So a busy
 * backend is not interrupted for each request, and a batch costs one event.
 * Before sleeping, a side calls final_check: set the event index, then look
 * once more (a request pushed in between is seen, or its push notifies).
 *
 * Trust: each side owns only its own private indices; everything in the
 * shared page may be written by the other side at any time. A backend
 * counts unconsumed requests with *_unconsumed_requests, which refuses
 * (-1) a req_prod that claims more than the ring holds; a request is read
 * with *_read_request, one copy, and only the copy is looked at.
 */
#ifndef RINGVISOR_PUBLIC_IO_RING_H
#define RINGVISOR_PUBLIC_IO_RING_H

#include "../ringvisor.h"

#define RV_RING_PAGE_SIZE       4096u
#define RV_RING_HEADER_SIZE     64u

typedef uint32_t rv_ring_idx_t;

/* The largest power of two <= n (n >= 1). */
static inline uint32_t rv_ring_pow2_floor(uint32_t n)
{
	uint32_t p = 1;
	while (p <= n / 2)
		p *= 2;
	return p;
}

/* Entries a one-page ring of entries this big holds. */
#define RV_RING_SIZE(entry_size) \
	rv_ring_pow2_floor((RV_RING_PAGE_SIZE - RV_RING_HEADER_SIZE) / (uint32_t)(entry_size))

/* Ordering: x86 keeps stores in order and loads in order, so a compiler
 * barrier orders those; a store followed by a load of another location
 * needs a full fence (the notify checks). */
#define rv_ring_wmb()   __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define rv_ring_rmb()   __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define rv_ring_mb()    __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rv_ring_read(x) (*(volatile __typeof__(x) *)&(x))
#define rv_ring_write(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Does moving an index from old to new pass event (the index the other
 * side asked to be told about)? All modulo 2^32. */
static inline int rv_ring_passes(rv_ring_idx_t old, rv_ring_idx_t new_, rv_ring_idx_t event)
{
	return (rv_ring_idx_t)(new_ - event) < (rv_ring_idx_t)(new_ - old);
}

#define RV_RING_DEFINE(name, req_t, rsp_t)                                                     \
union name##_entry {                                                                           \
	req_t req;                                                                             \
	rsp_t rsp;                                                                             \
};                                                                                             \
struct name##_sring {                                                                          \
	rv_ring_idx_t req_prod, req_event;      /* frontend writes req_prod */                 \
	rv_ring_idx_t rsp_prod, rsp_event;      /* backend writes rsp_prod */                  \
	uint8_t pad[RV_RING_HEADER_SIZE - 16];                                                 \
	union name##_entry ring[];                                                             \
};                                                                                             \
struct name##_front {                                                                          \
	rv_ring_idx_t req_prod_pvt;     /* requests filled, perhaps not pushed */              \
	rv_ring_idx_t rsp_cons;         /* responses consumed */                               \
	uint32_t size;                                                                         \
	struct name##_sring *sring;                                                            \
};                                                                                             \
struct name##_back {                                                                           \
	rv_ring_idx_t rsp_prod_pvt;     /* responses filled, perhaps not pushed */             \
	rv_ring_idx_t req_cons;         /* requests consumed */                                \
	uint32_t size;                                                                         \
	struct name##_sring *sring;                                                            \
};                                                                                             \
static inline uint32_t name##_ring_size(void)                                                  \
{                                                                                              \
	return RV_RING_SIZE(sizeof(union name##_entry));                                       \
}                                                                                              \
/* The frontend, once, on the page it will grant. */                                           \
static inline void name##_sring_init(struct name##_sring *s)                                   \
{                                                                                              \
	s->req_prod = s->rsp_prod = 0;                                                         \
	s->req_event = s->rsp_event = 1;                                                       \
}                                                                                              \
static inline void name##_front_init(struct name##_front *f, struct name##_sring *s)          \
{                                                                                              \
	f->req_prod_pvt = 0;                                                                   \
	f->rsp_cons = 0;                                                                       \
	f->size = name##_ring_size();                                                          \
	f->sring = s;                                                                          \
}                                                                                              \
/* The backend, on the page it mapped: it starts where the shared indices                     \
 * are, after checking them (-1: they are not a ring's: nothing set). */                       \
static inline int name##_back_init(struct name##_back *b, struct name##_sring *s)             \
{                                                                                              \
	rv_ring_idx_t rsp = rv_ring_read(s->rsp_prod);                                         \
	rv_ring_idx_t req = rv_ring_read(s->req_prod);                                         \
	if ((rv_ring_idx_t)(req - rsp) > name##_ring_size())                                   \
		return -1;                                                                     \
	b->rsp_prod_pvt = rsp;                                                                 \
	b->req_cons = rsp;                                                                     \
	b->size = name##_ring_size();                                                          \
	b->sring = s;                                                                          \
	return 0;                                                                              \
}                                                                                              \
/* ---- frontend ---- */                                                                       \
static inline uint32_t name##_free_requests(const struct name##_front *f)                     \
{                                                                                              \
	return f->size - (f->req_prod_pvt - f->rsp_cons);                                      \
}                                                                                              \
static inline int name##_front_full(const struct name##_front *f)                             \
{                                                                                              \
	return name##_free_requests(f) == 0;                                                   \
}                                                                                              \
/* The next request slot to fill (check free_requests first). */                               \
static inline req_t *name##_next_request(struct name##_front *f)                               \
{                                                                                              \
	return &f->sring->ring[f->req_prod_pvt++ & (f->size - 1)].req;                        \
}                                                                                              \
/* Publish the filled requests: true if the backend must be notified. */                       \
static inline int name##_push_requests(struct name##_front *f)                                 \
{                                                                                              \
	rv_ring_idx_t old = f->sring->req_prod, new_ = f->req_prod_pvt;                        \
	rv_ring_wmb();          /* the requests before the index */                            \
	rv_ring_write(f->sring->req_prod, new_);                                               \
	rv_ring_mb();           /* the index before reading req_event */                       \
	return rv_ring_passes(old, new_, rv_ring_read(f->sring->req_event));                  \
}                                                                                              \
/* Responses waiting: 0..outstanding requests, or -1 if the backend's                          \
 * rsp_prod claims more (it lies: consume nothing). */                                         \
static inline int32_t name##_unconsumed_responses(const struct name##_front *f)              \
{                                                                                              \
	rv_ring_idx_t n = rv_ring_read(f->sring->rsp_prod) - f->rsp_cons;                      \
	if (n > f->req_prod_pvt - f->rsp_cons)                                                 \
		return -1;                                                                     \
	rv_ring_rmb();          /* the index before the responses */                           \
	return (int32_t)n;                                                                     \
}                                                                                              \
/* Copy out the next response (after unconsumed_responses said there is one). */              \
static inline void name##_read_response(struct name##_front *f, rsp_t *out)                  \
{                                                                                              \
	*out = *(volatile rsp_t *)&f->sring->ring[f->rsp_cons++ & (f->size - 1)].rsp;         \
}                                                                                              \
/* About to wait for responses: ask to be told of the next one, then look                      \
 * again. Returns what unconsumed_responses returns. */                                        \
static inline int32_t name##_final_check_responses(struct name##_front *f)                    \
{                                                                                              \
	int32_t n = name##_unconsumed_responses(f);                                            \
	if (n)                                                                                 \
		return n;                                                                      \
	rv_ring_write(f->sring->rsp_event, f->rsp_cons + 1);                                   \
	rv_ring_mb();                                                                          \
	return name##_unconsumed_responses(f);                                                 \
}                                                                                              \
/* ---- backend ---- */                                                                        \
/* Requests waiting, bounded: 0..size, or -1 when the frontend's req_prod                      \
 * is further ahead than the ring holds (or behind what was consumed).                         \
 * Never more than there is room to answer. */                                                 \
static inline int32_t name##_unconsumed_requests(const struct name##_back *b)                \
{                                                                                              \
	rv_ring_idx_t n = rv_ring_read(b->sring->req_prod) - b->req_cons;                      \
	rv_ring_idx_t room = b->size - (b->req_cons - b->rsp_prod_pvt);                       \
	if (n > b->size)                                                                       \
		return -1;                                                                     \
	rv_ring_rmb();                                                                         \
	return (int32_t)(n < room ? n : room);                                                 \
}                                                                                              \
/* Copy out the next request: only the copy is to be looked at. */                             \
static inline void name##_read_request(struct name##_back *b, req_t *out)                    \
{                                                                                              \
	*out = *(volatile req_t *)&b->sring->ring[b->req_cons++ & (b->size - 1)].req;         \
}                                                                                              \
/* The next response slot to fill (one per request consumed). */                               \
static inline rsp_t *name##_next_response(struct name##_back *b)                               \
{                                                                                              \
	return &b->sring->ring[b->rsp_prod_pvt++ & (b->size - 1)].rsp;                        \
}                                                                                              \
/* Publish the filled responses: true if the frontend must be notified. */                     \
static inline int name##_push_responses(struct name##_back *b)                                 \
{                                                                                              \
	rv_ring_idx_t old = b->sring->rsp_prod, new_ = b->rsp_prod_pvt;                        \
	rv_ring_wmb();                                                                         \
	rv_ring_write(b->sring->rsp_prod, new_);                                               \
	rv_ring_mb();                                                                          \
	return rv_ring_passes(old, new_, rv_ring_read(b->sring->rsp_event));                  \
}                                                                                              \
/* About to wait for requests: ask to be told of the next one, then look                       \
 * again. Returns what unconsumed_requests returns. */                                         \
static inline int32_t name##_final_check_requests(struct name##_back *b)                      \
{                                                                                              \
	int32_t n = name##_unconsumed_requests(b);                                             \
	if (n)                                                                                 \
		return n;                                                                      \
	rv_ring_write(b->sring->req_event, b->req_cons + 1);                                   \
	rv_ring_mb();                                                                          \
	return name##_unconsumed_requests(b);                                                  \
}

#endif
