/*
 * The chan test's Domain 0 (docs/io.md, "Channels"; tests.cfg [chan]):
 * /init of a ringos Domain 0 whose initramfs holds the frontends'
 * images. For each scenario it creates a frontend domain paused, opens a
 * channel for it (RVCTL_CHAN_OPEN), writes its device slot 0 (domctl
 * set_device), unpauses it and serves the test protocol
 * (tests/guests/chanfront/chan_test.h) through RVCTL_CHAN_GET/PUT and
 * RVCTL_GNT_COPY, answering each batch of requests in reverse order. It
 * checks what each scenario must give (an honest run completes; a hostile
 * frontend gets this server -EPIPE and nothing worse; a silent one is
 * given up on), closes the channel and destroys the domain, and goes on
 * with the next: one server outlives every hostile frontend. At the end
 * its physinfo must show the memory of before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <public/domctl.h>
#include <public/start_info.h>
#include "uapi/rvctl.h"
#include "chan_test.h"

static int ctl;
static int checks, failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	checks++;
	failures += !ok;
	printf("%s - ", ok ? "ok" : "FAILED");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *fmt, ...)
{
	va_list ap;
	printf("TEST RESULT: ERROR (");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
	exit(2);
}

static long domctl(uint32_t cmd, uint32_t a, uint32_t b, uint32_t c)
{
	struct rvctl_domctl d = { cmd, { a, b, c } };
	long r = ioctl(ctl, RVCTL_DOMCTL, &d);
	return r < 0 ? -errno : r;
}

static long rvctl(uint32_t req, void *arg)
{
	return ioctl(ctl, req, arg) < 0 ? -errno : 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static char *slurp(const char *path, uint32_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	char *buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		die("%s: read", path);
	close(fd);
	*len = (uint32_t)st.st_size;
	return buf;
}

static uint32_t free_kib(void)
{
	struct rv_domctl_physinfo pi;
	if (domctl(RV_DOMCTL_physinfo, (uint32_t)&pi, sizeof(pi), 0))
		die("physinfo");
	if (pi.bad_frees)
		check(0, "physinfo: %u bad frees", pi.bad_frees);
	return pi.free_kib;
}

static int alive(uint32_t id)
{
	struct rv_domctl_info info;
	return domctl(RV_DOMCTL_getinfo, id, (uint32_t)&info, sizeof(info)) == (long)id &&
	       info.domid == id && info.state != RV_DOMSTATE_shutdown &&
	       info.state != RV_DOMSTATE_crashed;
}

static int exists(uint32_t id)
{
	struct rv_domctl_info info;
	return domctl(RV_DOMCTL_getinfo, id, (uint32_t)&info, sizeof(info)) == (long)id;
}

/* Our own domain id: the privileged domain's (the backend field of a
 * device entry names it). */
static uint32_t self_id(void)
{
	struct rv_domctl_info info;
	for (uint32_t id = 0;; id = info.domid + 1) {
		if (domctl(RV_DOMCTL_getinfo, id, (uint32_t)&info, sizeof(info)) < 0)
			die("no privileged domain in the list");
		if (info.flags & RV_DOMINFO_PRIVILEGED)
			return info.domid;
	}
}

static uint32_t self;

/* ---- one frontend ---- */

struct front {
	const char *name, *kernel, *cmdline;
	const char *initrd;             /* or NULL */
	uint32_t memory;                /* MiB */
	uint32_t id, chan;
};

/* Create it paused, open its channel, write its device entry, let it run. */
static void start(struct front *f)
{
	char config[256], err[160] = "";
	uint32_t klen, ilen = 0;
	char *kernel = slurp(f->kernel, &klen), *initrd = f->initrd ? slurp(f->initrd, &ilen) : NULL;
	snprintf(config, sizeof(config), "name = \"%s\"\nkernel = \"%s\"\nmemory = %u\ncmdline = \"%s\"\n%s%s%s",
		 f->name, f->kernel, f->memory, f->cmdline, f->initrd ? "initrd = \"" : "",
		 f->initrd ? f->initrd : "", f->initrd ? "\"\n" : "");
	struct rv_domctl_create c = { 0, (uint32_t)config, strlen(config), (uint32_t)kernel, klen,
				      (uint32_t)initrd, ilen, (uint32_t)err, sizeof(err), 0 };
	long id = domctl(RV_DOMCTL_create, (uint32_t)&c, sizeof(c), 0);
	free(kernel);
	free(initrd);
	if (id <= 0)
		die("create %s: %ld (%s)", f->name, id, err);
	f->id = (uint32_t)id;
	struct rvctl_chan_open o = { .domid = f->id, .ring_ref = 8 };
	long rc = rvctl(RVCTL_CHAN_OPEN, &o);
	if (rc)
		die("CHAN_OPEN for %s: %ld", f->name, rc);
	f->chan = o.chan;
	struct rv_device dev = { .type = RV_DEV_vbd, .backend = (uint16_t)self, .port = o.port,
				 .ring_ref = 8 };
	snprintf(dev.name, sizeof(dev.name), "chantest");
	if ((rc = domctl(RV_DOMCTL_set_device, f->id, 0, (uint32_t)&dev)))
		die("set_device for %s: %ld", f->name, rc);
	if ((rc = domctl(RV_DOMCTL_unpause, f->id, 0, 0)))
		die("unpause %s: %ld", f->name, rc);
	printf("%s: domain %u, channel %u, port %u\n", f->name, f->id, f->chan, o.port);
	fflush(stdout);
}

/* Close its channel and see it gone: on its own within wait_ms (a
 * frontend that reports its own result), else destroyed. */
static void finish(struct front *f, uint32_t wait_ms)
{
	long rc = rvctl(RVCTL_CHAN_CLOSE, &f->chan);
	check(rc == 0, "%s: CHAN_CLOSE (%ld)", f->name, rc);
	uint64_t until = now_ms() + wait_ms;
	while (exists(f->id) && now_ms() < until)
		usleep(20000);
	if (wait_ms)
		check(!exists(f->id), "%s: powered off by itself", f->name);
	if (exists(f->id))
		domctl(RV_DOMCTL_destroy, f->id, 0, 0);
	until = now_ms() + 20000;
	while (exists(f->id) && now_ms() < until)
		usleep(20000);
	check(!exists(f->id), "%s: domain %u gone", f->name, f->id);
}

/* ---- the server ---- */

struct outcome {
	int epipe, gone, timeout, other;        /* how serving ended */
	int done;                       /* DONE requests answered */
	uint32_t done_val;
	int served, invalid, mutes, late, badid, gates;
};

static uint64_t gate_until;             /* CT_GATE's window ends */

static struct {
	struct ct_req q;
	uint64_t at;
	int used;
} held[32];

/* A buffer whose copies cross a page boundary (two hypervisor ops each). */
static uint8_t *xbuf;

static long get(uint32_t chan, uint32_t ms, struct ct_req *q)
{
	struct rvctl_chan_get g = { .chan = chan, .timeout_ms = ms };
	long rc = rvctl(RVCTL_CHAN_GET, &g);
	if (!rc)
		memcpy(q, g.req, sizeof(*q));
	return rc;
}

static long put(uint32_t chan, uint32_t id, int32_t status, uint32_t val)
{
	struct rvctl_chan_put p = { .chan = chan };
	struct ct_rsp r = { .id = id, .status = status, .val = val };
	memcpy(p.rsp, &r, sizeof(r));
	return rvctl(RVCTL_CHAN_PUT, &p);
}

static long copy(uint32_t dom, const struct ct_req *q, int to)
{
	struct rvctl_copy c = { .count = 1 };
	c.ops[0] = (struct rvctl_copy_op){ dom, q->gref, q->off, q->len, (uint32_t)xbuf,
					   to ? RVCTL_COPY_TO_GRANT : 0, 1 };
	long rc = rvctl(RVCTL_GNT_COPY, &c);
	if (rc != c.ops[0].status)
		check(0, "GNT_COPY returned %ld, its op's status %d", rc, c.ops[0].status);
	return rc;
}

/* Answer one request: 0, or PUT's error. */
static long answer(uint32_t chan, uint32_t dom, const struct ct_req *q, struct outcome *o)
{
	uint32_t sum = 0;
	long rc;

	o->served++;
	switch (q->op) {
	case CT_ECHO:
		return put(chan, q->id, 0, q->val * 3 + 1);
	case CT_SUM:
		if (q->len > 4096 || (rc = copy(dom, q, 0)))
			return o->invalid++, put(chan, q->id, q->len > 4096 ? -EINVAL : (int32_t)rc, 0);
		for (uint32_t i = 0; i < q->len; i++)
			sum += xbuf[i];
		return put(chan, q->id, 0, sum);
	case CT_FILL:
		for (uint32_t i = 0; i < q->len && i < 4096; i++)
			xbuf[i] = (uint8_t)ct_fill_byte(i, q->val);
		if (q->len > 4096 || (rc = copy(dom, q, 1)))
			return o->invalid++, put(chan, q->id, q->len > 4096 ? -EINVAL : (int32_t)rc, 0);
		return put(chan, q->id, 0, 0);
	case CT_MUTE:
		o->mutes++;
		return 0;
	case CT_LATE:
	case CT_HOLD:
	case CT_GATE:
		if (q->op == CT_GATE && now_ms() >= gate_until)
			gate_until = now_ms() + 3000;   /* a new window */
		for (unsigned i = 0; i < sizeof(held) / sizeof(held[0]); i++)
			if (!held[i].used) {
				held[i].q = *q;
				held[i].at = q->op == CT_GATE ? gate_until :
					     now_ms() + (q->op == CT_LATE ? 500 : 2000);
				o->gates += q->op == CT_GATE;
				held[i].used = 1;
				o->late += q->op == CT_LATE;
				return 0;
			}
		return put(chan, q->id, -EBUSY, 0);
	case CT_BADID:
		o->badid++;
		return put(chan, q->id ^ 0x5a5a0000u, 0, 0);
	case CT_DONE:
		o->done++;
		o->done_val = q->val;
		return put(chan, q->id, 0, q->val);
	default:
		o->invalid++;
		return put(chan, q->id, -EINVAL, 0);
	}
}

/* Serve f until: its DONE (if stop_at_done), -EPIPE, its death, or
 * give_up_ms without a request. */
static void serve(struct front *f, int stop_at_done, uint32_t give_up_ms, struct outcome *o)
{
	struct ct_req batch[16];
	uint64_t idle_since = now_ms();
	long rc = 0;

	memset(o, 0, sizeof(*o));
	memset(held, 0, sizeof(held));
	for (;;) {
		unsigned n = 0;
		/* A batch: wait for the first, then take what is there. */
		while (n < 16 && !(rc = get(f->chan, n ? 0 : 100, &batch[n])))
			n++;
		if (rc && rc != -ETIMEDOUT)
			break;
		rc = 0;
		for (unsigned i = n; i-- > 0 && !rc;)   /* in reverse: out of order */
			rc = answer(f->chan, f->id, &batch[i], o);
		for (unsigned i = 0; i < sizeof(held) / sizeof(held[0]) && !rc; i++)
			if (held[i].used && now_ms() >= held[i].at) {
				held[i].used = 0;
				rc = put(f->chan, held[i].q.id, 0, held[i].q.val * 3 + 1);
			}
		if (rc)
			break;
		if (n)
			idle_since = now_ms();
		if (stop_at_done && o->done)
			return;
		int holding = 0;
		for (unsigned i = 0; i < sizeof(held) / sizeof(held[0]); i++)
			holding |= held[i].used;
		if (!n && !holding && !alive(f->id)) {
			o->gone = 1;
			return;
		}
		if (!n && !holding && now_ms() - idle_since > give_up_ms) {
			o->timeout = 1;
			return;
		}
	}
	if (rc == -EPIPE)
		o->epipe = 1;
	else
		o->other = (int)rc;
}

static const char *frontend = "/boot/chanfront.elf";

/* A frontend that breaks the channel: the server gets -EPIPE, nothing else. */
static void hostile(const char *role)
{
	struct front f = { role, frontend, role, NULL, 4, 0, 0 };
	struct outcome o;
	start(&f);
	serve(&f, 0, 20000, &o);
	check(o.epipe && !o.other, "%s: the server got EPIPE (epipe %d, gone %d, timeout %d, "
	      "error %d)", role, o.epipe, o.gone, o.timeout, o.other);
	/* Broken stays broken until CLOSE: no request, no response. */
	struct ct_req q;
	long rc = get(f.chan, 0, &q);
	check(rc == -EPIPE, "%s: GET after the break is EPIPE (%ld)", role, rc);
	rc = put(f.chan, 0, 0, 0);
	check(rc == -EPIPE, "%s: PUT after the break is EPIPE (%ld)", role, rc);
	/* The liar and the dying one report their own results. */
	finish(&f, !strcmp(role, "liar") || !strcmp(role, "die") ? 20000 : 0);
}

static void honest(const char *name)
{
	struct front f = { name, frontend, "echo", NULL, 4, 0, 0 };
	struct outcome o;
	start(&f);
	serve(&f, 1, 20000, &o);
	check(o.done == 1 && o.done_val == 0 && !o.epipe && !o.other && o.served == 193,
	      "%s: 192 requests in full rings and DONE served, the frontend found none wrong "
	      "(served %d, failed %u, epipe %d, error %d)", name, o.served, o.done_val, o.epipe, o.other);
	finish(&f, 20000);
}

/* The API's refusals, on a channel of f's. */
static void refusals(struct front *f)
{
	struct rvctl_chan_open o = { .domid = f->id, .ring_ref = 3 };
	check(rvctl(RVCTL_CHAN_OPEN, &o) == -EINVAL, "CHAN_OPEN: ring ref 3 is not a device ring's");
	o = (struct rvctl_chan_open){ .domid = 999, .ring_ref = 9 };
	long rc = rvctl(RVCTL_CHAN_OPEN, &o);
	check(rc == -ENOENT, "CHAN_OPEN: no domain 999 (%ld)", rc);
	check(put(f->chan, 1, 0, 0) == -EPIPE, "PUT before the frontend connected: EPIPE");
	uint32_t bad = 7;
	check(rvctl(RVCTL_CHAN_CLOSE, &bad) == -EBADF, "CHAN_CLOSE of a channel not open: EBADF");
	struct ct_req q;
	check(get(7, 0, &q) == -EBADF, "GET on a channel not open: EBADF");
	check(rvctl(RVCTL_CHAN_GET, (void *)0xc0001000u) == -EFAULT, "GET into the kernel: EFAULT");
	struct rvctl_copy c = { .count = 0 };
	check(rvctl(RVCTL_GNT_COPY, &c) == -EINVAL, "GNT_COPY of no op: EINVAL");
	c = (struct rvctl_copy){ .count = 2 };
	c.ops[0] = (struct rvctl_copy_op){ f->id, 300, 0, 16, 0xc0001000u, 0, 1 };
	c.ops[1] = (struct rvctl_copy_op){ f->id, 300, 0, 16, (uint32_t)xbuf, 0, 1 };
	rc = rvctl(RVCTL_GNT_COPY, &c);
	check(rc == -EFAULT && c.ops[0].status == -EFAULT && c.ops[1].status == -EAGAIN,
	      "GNT_COPY into the kernel: EFAULT, the op after it not done (%ld, %d, %d)", rc,
	      c.ops[0].status, c.ops[1].status);
	c.ops[0] = (struct rvctl_copy_op){ f->id, 300, 4000, 100, (uint32_t)xbuf, 0, 1 };
	rc = rvctl(RVCTL_GNT_COPY, &c);
	check(rc == -EINVAL && c.ops[0].status == -EINVAL, "GNT_COPY past the granted page: EINVAL");
	c.ops[0] = (struct rvctl_copy_op){ f->id, 300, 0, 16, (uint32_t)xbuf, 0, 1 };
	rc = rvctl(RVCTL_GNT_COPY, &c);
	check(rc < 0 && c.ops[0].status == rc && c.ops[1].status == -EAGAIN,
	      "GNT_COPY of a ref never granted: the hypervisor's error (%ld)", rc);
	int n = 0;
	uint32_t chans[RVCTL_CHANS];
	for (;;) {
		o = (struct rvctl_chan_open){ .domid = f->id, .ring_ref = 15 };
		if ((rc = rvctl(RVCTL_CHAN_OPEN, &o)))
			break;
		chans[n++] = o.chan;
	}
	check(rc == -ENOSPC && n == RVCTL_CHANS - 1, "the %dth channel of a file: ENOSPC (%ld)",
	      RVCTL_CHANS + 1, rc);
	while (n--)
		rvctl(RVCTL_CHAN_CLOSE, &chans[n]);
}

int main(void)
{
	struct outcome o;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ctl = open("/dev/rvctl", O_RDWR);
	if (ctl < 0)
		die("/dev/rvctl: %s", strerror(errno));
	xbuf = (uint8_t *)aligned_alloc(4096, 8192) + 4096 - 200;
	self = self_id();

	/* An honest frontend first; Domain 0's own grant state is made at
	 * its first grant operation and stays: counted from after it. */
	honest("echo1");
	uint32_t before = free_kib();

	/* The silent one also serves to try the API's refusals. */
	struct front s = { "silent", frontend, "silent", NULL, 4, 0, 0 };
	start(&s);
	refusals(&s);
	serve(&s, 0, 1500, &o);
	check(o.timeout && !o.epipe && !o.served, "silent: never connected, given up after 1.5 s "
	      "without a request (timeout %d, epipe %d)", o.timeout, o.epipe);
	finish(&s, 0);

	const char *roles[] = { "liar", "nogrant", "wrongpage", "rogrant", "die" };
	for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		hostile(roles[i]);

	struct front g = { "garbage", frontend, "garbage", NULL, 4, 0, 0 };
	start(&g);
	serve(&g, 1, 20000, &o);
	check(o.done == 1 && o.invalid == 16 && !o.epipe && !o.other,
	      "garbage: 16 junk slots answered with errors, then DONE (invalid %d, epipe %d)",
	      o.invalid, o.epipe);
	finish(&g, 20000);

	/* A server process that exits without CHAN_CLOSE: its /dev/rvctl's
	 * last reference goes, and the channel with it (the frontend sees
	 * its ring unmapped). */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct front l = { "letgo", frontend, "letgo", NULL, 4, 0, 0 };
		ctl = open("/dev/rvctl", O_RDWR);
		if (ctl < 0)
			_exit(3);
		start(&l);
		serve(&l, 1, 20000, &o);
		_exit(o.done == 1 && o.done_val == 0 && !o.epipe && !o.other ? 0 : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "letgo: served by a child process that exited without closing (status %#x)", status);
	uint64_t until = now_ms() + 30000;
	uint32_t lid = 0;
	struct rv_domctl_info info;
	for (uint32_t id = 0; domctl(RV_DOMCTL_getinfo, id, (uint32_t)&info, sizeof(info)) >= 0;
	     id = info.domid + 1)
		if (!strcmp(info.name, "letgo"))
			lid = info.domid;
	while (lid && exists(lid) && now_ms() < until)
		usleep(20000);
	check(lid && !exists(lid), "letgo (domain %u) powered off by itself", lid);

	/* The same server, after all that, serves another domain. */
	honest("echo2");

	/* ringos as the frontend (rvio), until it powers off. */
	struct front r = { "rvfront", "/boot/ringos-pv.elf", "rvio_selftest",
			   "/boot/rvio_clients.cpio", 48, 0, 0 };
	start(&r);
	serve(&r, 0, 30000, &o);
	check(o.gone && !o.epipe && !o.other && o.mutes == 1 && o.late == 1 && o.badid == 1 &&
	      o.done == 1 && o.done_val == 0 && o.gates == 24 &&
	      o.served == 100 + 2 + 3 + 24 * 21 + 2,
	      "rvfront: served until it powered off; 580 echoes, 24 gates, one mute, one late, one "
	      "bad id, DONE with nothing failed (served %d, gates %d, gone %d, epipe %d, error %d, "
	      "done %d/%u)", o.served, o.gates, o.gone, o.epipe, o.other, o.done, o.done_val);
	finish(&r, 20000);

	uint32_t after = free_kib();
	check(after == before, "physinfo: %u KiB free after every frontend, %u before", after, before);
	printf("TEST RESULT: %s (%d of %d checks failed)\n", failures ? "FAILURE" : "SUCCESS",
	       failures, checks);
	return failures ? 1 : 0;
}
