/*
 * ringos's side of split devices (pv port only; docs/io.md, "Channels"):
 * the device table the toolstack wrote into start_info, and a channel to
 * each device's backend: the ring page granted under the entry's
 * ring_ref, the event port bound, and calls that put a request on the
 * ring and sleep until its response. Drivers (blkfront, the forwarded
 * mount) build on it; they never see ring indices.
 */
#ifndef RINGOS_RVIO_H
#define RINGOS_RVIO_H

#include "types.h"
#include <public/start_info.h>

struct rvio;

/* Device slot i of start_info (NULL when unused or out of range). */
const struct rv_device *rvio_device(unsigned slot);

/* Connect to slot i's backend: *out, or a negative errno (-ENODEV unused
 * slot, the grant or bind error). Once per slot. */
int rvio_connect(unsigned slot, struct rvio **out);

/* One request, one response (128 bytes each; the request's first 4 bytes
 * are its id, which rvio sets): sleeps (uninterruptibly) until the
 * response comes, while other processes may have their own requests in
 * flight. 0, or -EIO when the backend is gone or answers nonsense (the
 * channel is then dead: every later call is -EIO at once), -ETIMEDOUT
 * after timeout_ms (0: wait for ever). */
int rvio_call(struct rvio *c, const void *req, void *rsp, uint32_t timeout_ms);

/* The backend's domain id (to grant it data pages). */
uint16_t rvio_backend(const struct rvio *c);

/* How many times a call found every slot taken and slept for one. */
uint32_t rvio_slot_waits(const struct rvio *c);

/* The self-test against Domain 0's chan test server (kernel command line
 * "rvio_selftest"; kernel/rvio_test.c): its boot part, run before the
 * first process; then /dev/rviotest, whose every read is a round of calls
 * in the reading process (many processes: calls in flight together) and
 * whose write "end N" (N: the program's own failures) ends the test. */
extern bool rvio_selftest_on;
void rvio_selftest_boot(void);
long rvio_selftest_read(void *buf, size_t len);
long rvio_selftest_write(const void *buf, size_t len);

#endif
