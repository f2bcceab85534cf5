/*
 * A hostile forwarding client (docs/io.md, "System-call forwarding": what
 * a hostile frontend gets): a pv domain that Domain 0's toolstack created
 * with fs = (device slot 0, RV_DEV_vfs), speaking fsif over the raw ring
 * (io/fsif.h, io/channel.h) to its server in Domain 0, one request at a
 * time, each answer checked against the errno fsif.h and docs/io.md
 * promise. Its export holds hello.txt ("hello from dom0\n") only.
 *
 * Before attach: ENOTCONN; a wrong version: EPROTONOSUPPORT. Then honest
 * calls; segments whose references were never granted, lie past the
 * table, were granted to another domain or read-only (for data coming
 * back), reach past their page, counts past the segments, five data
 * segments; handles out of range, closed, closed twice; opcodes 0, 99,
 * 0xffff; flags fsif does not carry; paths empty, 4096 bytes long, with a
 * NUL, and ways out of the export; honest calls still answered; last,
 * req_prod 5000 ahead: the server must let go of the ring (and says so).
 */
#include "rawfront.h"
#include <public/io/fsif.h>

#define ENOENT          2
#define EBADF           9
#define EFAULT          14
#define ENOTDIR         20
#define EINVAL          22
#define ENAMETOOLONG    36
#define ENOSYS          38
#define EPROTONOSUPPORT 93
#define ENOTCONN        107

static uint32_t next_id = 1, tried, wrong;
static uint8_t *data, *ropage, *pathpg;
static int32_t dref, roref, pref, other;

static void setup(void)
{
	uint32_t mfn;

	rf_open(RV_DEV_vfs, "no forwarded tree in device slot 0");
	rf_grant_ring(false);
	data = rf_own_page(&mfn);
	dref = gnt_grant(&guest_gnt, rf.dev->backend, mfn, false);
	ropage = rf_own_page(&mfn);
	roref = gnt_grant(&guest_gnt, rf.dev->backend, mfn, true);
	pathpg = rf_own_page(&mfn);
	pref = gnt_grant(&guest_gnt, rf.dev->backend, mfn, true);
	rf_own_page(&mfn);
	other = gnt_grant(&guest_gnt, (uint16_t)(rf.dev->backend + 50), mfn, false);
	if (dref < 0 || roref < 0 || pref < 0 || other < 0)
		test_error("grant the pages: %d, %d, %d, %d", dref, roref, pref, other);
	rf_connect();
	gprintf("connected to %s: ring ref %u, port %u\n", rf.dev->name, rf.dev->ring_ref, rf.port);
}

/* One request (id set here), its response within 20 s. */
static void call(struct fsif_req *q, struct fsif_rsp *r)
{
	q->id = next_id++;
	memcpy(rv_chan_next_request(&rf.f), q, sizeof(*q));
	rf_push();
	if (!rf_response(r, "the server's rsp_prod lies"))
		test_error("request %u (op %u): no response in 20 s", q->id, q->op);
	if (r->id != q->id || r->op != q->op)
		test_error("response id %u op %u to request %u op %u", r->id, r->op, q->id, q->op);
}

/* A request for op with path (in the path page, at offset 0). */
static struct fsif_req req(uint16_t op, const char *path)
{
	struct fsif_req q;
	memset(&q, 0, sizeof(q));
	q.op = op;
	q.dir = q.dir2 = FSIF_ROOT;
	if (path) {
		size_t n = strlen(path);
		memcpy(pathpg, path, n);
		q.path = (struct fsif_seg){ (uint32_t)pref, 0, (uint32_t)n };
	}
	return q;
}

static struct fsif_req io(uint16_t op, uint32_t handle, uint32_t count)
{
	struct fsif_req q = req(op, NULL);
	q.handle = handle;
	q.count = count;
	q.nr_data = 1;
	q.data[0] = (struct fsif_seg){ (uint32_t)dref, 0, count };
	return q;
}

/* Send q, expect ret want (>= 0), or -want an errno. */
static int32_t expect(struct fsif_req q, int32_t want, const char *what)
{
	struct fsif_rsp r;
	call(&q, &r);
	tried++;
	if (r.ret != want) {
		wrong++;
		gprintf("  %s: ret %d, expected %d\n", what, r.ret, want);
	}
	return r.ret;
}

static void summary(const char *what)
{
	test_check(tried && !wrong, "%s: %u of %u as documented", what, tried - wrong, tried);
	tried = wrong = 0;
}

static uint32_t honest(void)
{
	struct fsif_req q = req(FSIF_OP_STAT, "hello.txt");
	struct fsif_rsp r;
	call(&q, &r);
	test_check(r.ret == 0 && r.u.st.size == 16, "stat hello.txt: ret %d, size %u", r.ret,
		   (uint32_t)r.u.st.size);
	q = req(FSIF_OP_OPEN, "hello.txt");
	int32_t h = expect(q, 0, "open hello.txt (handle 0 after attach)");
	memset(data, 0, 64);
	expect(io(FSIF_OP_PREAD, (uint32_t)h, 16), 16, "pread 16 bytes");
	test_check(!memcmp(data, "hello from dom0\n", 16), "pread: the file's bytes in the granted page");
	summary("honest calls");
	return (uint32_t)h;
}

static void hostile(uint32_t h)
{
	struct fsif_req q;

	/* segments */
	q = req(FSIF_OP_STAT, "hello.txt");
	q.path.gref = 200;
	expect(q, -EFAULT, "a path in a page never granted");
	q.path.gref = 0xfffffff0u;
	expect(q, -EFAULT, "a path past the grant table");
	q.path.gref = (uint32_t)other;
	expect(q, -EFAULT, "a path in a page granted to another domain");
	q = req(FSIF_OP_STAT, "hello.txt");
	q.path.offset = 4090;
	expect(q, -EFAULT, "a path past its page");
	q = req(FSIF_OP_STAT, "hello.txt");
	q.path.len = 5000;
	expect(q, -ENAMETOOLONG, "a path of 5000 bytes");
	q = io(FSIF_OP_PREAD, h, 16);
	q.data[0].gref = 201;
	expect(q, -EFAULT, "read into a page never granted");
	q.data[0].gref = (uint32_t)roref;
	expect(q, -EFAULT, "read into a page granted read-only");
	q = io(FSIF_OP_PREAD, h, 200);
	q.data[0].offset = 4000;
	expect(q, -EFAULT, "a data segment past its page");
	q = io(FSIF_OP_PREAD, h, 16);
	q.count = 5000;
	expect(q, -EFAULT, "a count past the segments");
	q = io(FSIF_OP_PREAD, h, 16);
	q.nr_data = 5;
	expect(q, -EINVAL, "five data segments");
	q.nr_data = 0xffff;
	expect(q, -EINVAL, "65535 data segments");
	/* handles */
	expect(io(FSIF_OP_PREAD, 39, 16), -EBADF, "a handle never opened");
	expect(io(FSIF_OP_PREAD, 64, 16), -EBADF, "handle 64");
	expect(io(FSIF_OP_READ, 0xfffffff0u, 16), -EBADF, "handle 0xfffffff0");
	q = req(FSIF_OP_STAT, "hello.txt");
	q.dir = 12;
	expect(q, -EBADF, "a path from a directory handle never opened");
	q = req(FSIF_OP_STAT, "x");
	q.dir = h;
	expect(q, -ENOTDIR, "a path from a file's handle");
	/* opcodes, flags */
	expect(req(0, NULL), -ENOSYS, "opcode 0");
	expect(req(99, NULL), -ENOSYS, "opcode 99");
	expect(req(0xffff, "hello.txt"), -ENOSYS, "opcode 0xffff");
	q = req(FSIF_OP_OPEN, "hello.txt");
	q.flags = 010000000;            /* O_PATH */
	expect(q, -EINVAL, "open with O_PATH");
	q = req(FSIF_OP_STAT, "hello.txt");
	q.flags = 0x1000;
	expect(q, -EINVAL, "stat with an unknown flag");
	/* paths */
	q = req(FSIF_OP_STAT, "hello.txt");
	q.path.len = 0;
	expect(q, -ENOENT, "an empty path");
	q = req(FSIF_OP_STAT, "hello.txt");
	pathpg[3] = 0;                  /* "hel\0o.txt" */
	expect(q, -EINVAL, "a NUL inside the path");
	expect(req(FSIF_OP_STAT, "../../outside/canary"), -ENOENT, "'..' out: the top's, nothing there");
	expect(req(FSIF_OP_STAT, "/disk/outside/canary"), -ENOENT, "Domain 0's own path: the export's, nothing there");
	expect(req(FSIF_OP_STAT, "../.."), 0, "'../..' is the top");
	summary("hostile requests: each its own errno");
	/* close twice */
	struct fsif_req c = req(FSIF_OP_CLOSE, NULL);
	c.handle = h;
	expect(c, 0, "close");
	expect(c, -EBADF, "close again");
	summary("close, close again");
}

void guest_main(void)
{
	setup();
	struct fsif_req a = req(FSIF_OP_ATTACH, NULL);
	expect(req(FSIF_OP_STAT, "hello.txt"), -ENOTCONN, "a call before attach");
	a.arg = 7;
	expect(a, -EPROTONOSUPPORT, "attach version 7");
	a.arg = FSIF_VERSION;
	int32_t n = expect(a, 40, "attach: 40 handles");
	summary("attach");
	(void)n;
	uint32_t h = honest();
	hostile(h);
	honest();               /* still served after all that */
	rf.f.sring->req_prod = rf.f.req_prod_pvt + 5000;
	rf_notify();
	test_check(rf_let_go(), "a req_prod 5000 ahead: the server lets go of the ring");
	test_finish();
}
