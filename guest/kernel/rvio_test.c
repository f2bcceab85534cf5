/*
 * rvio's self-test (kernel command line "rvio_selftest"; the chan test,
 * docs/io.md "Channels"): ringos as the frontend of device slot 0,
 * against Domain 0's test server (tests/dom0/chantest.c), which speaks
 * the test protocol of tests/guests/chanfront/chan_test.h.
 *
 * At boot, before the first process (every wait is rvio's wait for the
 * next event): connect (and not twice); 100 echoes (the ring's 16 entries
 * reused six times over); a sum and a fill through pages granted to the
 * backend; a call the backend never answers times out; a call it answers
 * late times out, and the late answer is dropped while the channel lives
 * on. Then, in processes (guest/user/rvio_clients.c): each read of
 * /dev/rviotest is a gate (the server holds the gates of a window: the
 * ring fills and the later readers wait for a slot) and 20 calls in the
 * reader, many readers at once (the server answers out of order); the write "end N" ends it: an answer with an id nobody
 * asked for kills the channel, that call and every later one fail with
 * EIO, and the kernel prints the result line.
 */
#include "rvio.h"
#include "gnttab.h"
#include "kernel.h"
#include "arch.h"
#include "proc.h"
#include "uapi/errno.h"
#include "../../tests/guests/chanfront/chan_test.h"

static unsigned checks, failed;

static void check(bool ok, const char *what, long got)
{
	checks++;
	failed += !ok;
	kprintf("%s - %s (%ld)\n", ok ? "ok" : "FAILED", what, got);
}

static int call(struct rvio *c, uint32_t op, uint32_t val, uint32_t timeout_ms, struct ct_rsp *r)
{
	struct ct_req q = { .op = op, .val = val };
	memset(r, 0, sizeof(*r));
	return rvio_call(c, &q, r, timeout_ms);
}

/* A wait that lets the backend do its work meanwhile. */
static void pause_ms(uint64_t ms)
{
	uint64_t until = arch_time_ns() + ms * 1000000ull;
	while (arch_time_ns() < until)
		arch_idle();
}

static void copies(struct rvio *c)
{
	paddr_t data = frame_get(), fill = frame_get();
	uint8_t *d = phys_to_virt(data), *fl = phys_to_virt(fill);
	struct ct_rsp r;

	if (!data || !fill) {
		check(false, "two pages for the copies", -ENOMEM);
		return;
	}
	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		d[i] = (uint8_t)(i * 11 + 1);
	int32_t gro = grant_access(rvio_backend(c), data, true);
	int32_t grw = grant_access(rvio_backend(c), fill, false);
	check(gro >= 0 && grw >= 0 && (gro < 8 || gro > 15) && (grw < 8 || grw > 15),
	      "data pages granted, never under a device ring's ref", gro);
	struct ct_req q = { .op = CT_SUM, .gref = (uint32_t)gro, .off = 1000, .len = 3000 };
	uint32_t want = 0;
	for (uint32_t i = 0; i < 3000; i++)
		want += d[1000 + i];
	int rc = rvio_call(c, &q, &r, 0);
	check(!rc && !r.status && r.val == want, "a sum through a read-only grant", r.val);
	q = (struct ct_req){ .op = CT_FILL, .val = 9, .gref = (uint32_t)grw, .off = 100, .len = 3900 };
	rc = rvio_call(c, &q, &r, 0);
	bool same = true;
	for (uint32_t i = 0; i < 3900; i++)
		same &= fl[100 + i] == ct_fill_byte(i, 9);
	check(!rc && !r.status && same && fl[99] == 0, "a fill through a read-write grant", rc);
	check(grant_end((uint32_t)gro) == 0 && grant_end((uint32_t)grw) == 0,
	      "the data grants end (the backend copies, never maps)", 0);
	frame_put(data);
	frame_put(fill);
}

bool rvio_selftest_on;
static struct rvio *chan;               /* slot 0's, once connected */

void rvio_selftest_boot(void)
{
	struct ct_rsp r;
	int rc;

	const struct rv_device *d = rvio_device(0);
	check(d && d->type == RV_DEV_vbd, "device slot 0 is there", d ? d->type : -1);
	check(!rvio_device(1) && !rvio_device(RV_DEVICES_MAX), "slot 1 is unused, slot 4 none", 0);
	rc = rvio_connect(0, &chan);
	check(rc == 0, "connect to slot 0", rc);
	if (rc) {
		chan = NULL;
		return;
	}
	struct rvio *again;
	rc = rvio_connect(0, &again);
	check(rc == -EBUSY, "a second connect to it is refused", rc);
	rc = rvio_connect(1, &again);
	check(rc == -ENODEV, "an unused slot has nothing to connect to", rc);

	bool echoes = true;
	for (uint32_t i = 0; i < 100 && echoes; i++)
		echoes = !call(chan, CT_ECHO, i * 17, 5000, &r) && r.val == i * 17 * 3 + 1 && !r.status;
	check(echoes, "100 echoes before the first process, each answered right", 100);
	copies(chan);

	rc = call(chan, CT_MUTE, 0, 300, &r);
	check(rc == -ETIMEDOUT, "a call never answered times out", rc);
	rc = call(chan, CT_LATE, 5, 100, &r);
	check(rc == -ETIMEDOUT, "a call answered late times out first", rc);
	pause_ms(800);                  /* the late answer arrives: dropped */
	rc = call(chan, CT_ECHO, 77, 5000, &r);
	check(!rc && r.val == 232, "the channel lives on after the late answer", rc);
}

/* A round of calls in the reading process: many processes reading at
 * once have calls in flight together, more than the ring holds. */
long rvio_selftest_read(void *buf, size_t len)
{
	struct ct_rsp r;
	uint32_t bad = 0;

	if (!chan)
		return -ENODEV;
	/* First a gate: the server holds every gate of a 3 s window, so
	 * the first 16 readers fill the ring and the others wait for a slot. */
	uint32_t g = (uint32_t)curproc->pid;
	if (call(chan, CT_GATE, g, 20000, &r) || r.status || r.val != g * 3 + 1)
		bad++;
	for (uint32_t i = 0; i < 20; i++) {
		uint32_t v = (uint32_t)curproc->pid * 1000 + i;
		if (call(chan, CT_ECHO, v, 10000, &r) || r.status || r.val != v * 3 + 1)
			bad++;
	}
	char text[32];
	int n = snprintf(text, sizeof(text), bad ? "FAILED %u of 21\n" : "ok 21\n", bad);
	if (bad) {
		failed++;
		checks++;
	}
	n = MIN(n, (int)len);
	memcpy(buf, text, (size_t)n);
	return n;
}

/* "end N": the program is through (N of its checks failed): DONE, then an
 * answer nobody asked for kills the channel; the result line. */
long rvio_selftest_write(const void *buf, size_t len)
{
	char text[16] = "";
	struct ct_rsp r;
	uint32_t theirs = 0;
	int rc;

	memcpy(text, buf, MIN(len, sizeof(text) - 1));
	if (strncmp(text, "end ", 4))
		return -EINVAL;
	for (const char *p = text + 4; *p >= '0' && *p <= '9'; p++)
		theirs = theirs * 10 + (uint32_t)(*p - '0');
	if (chan) {
		check(rvio_slot_waits(chan) > 0, "calls waited for a free slot (the ring was full)",
		      rvio_slot_waits(chan));
		rc = call(chan, CT_DONE, failed + theirs, 5000, &r);
		check(!rc && r.val == failed + theirs, "DONE answered", rc);
		rc = call(chan, CT_BADID, 1, 5000, &r);
		check(rc == -EIO, "an answer with an id nobody asked kills the channel: EIO", rc);
		rc = call(chan, CT_ECHO, 1, 5000, &r);
		check(rc == -EIO, "and every later call is EIO at once", rc);
	}
	failed += theirs;
	if (failed)
		kprintf("TEST RESULT: FAILURE (%u of %u checks failed)\n", failed, checks);
	else
		kprintf("TEST RESULT: SUCCESS (%u checks)\n", checks);
	return (long)len;
}
