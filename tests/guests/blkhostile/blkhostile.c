/*
 * A hostile block frontend (docs/io.md, "Split block driver": what a
 * hostile frontend gets): a pv domain that Domain 0's toolstack created
 * with disk = (device slot 0, RV_DEV_vbd), speaking blkif over the raw
 * ring (io/blkif.h, io/channel.h) to Domain 0's block backend, one
 * request at a time, each answer checked against the status docs/io.md
 * promises. The disk is the host's pattern image (tests/scripts/
 * ata_lib.sh ata_image: sector n of the first 2048 reads "NAME sector n").
 * Its role is the command line's first word:
 *
 *   rw   info; honest reads (whole pages, partial sectors, into a page
 *        granted read-only: EIO); references never granted, past the
 *        table, granted to another domain; sectors past the end and a sector
 *        count that wraps; 0 and 12 segments (and 255); first_sect >
 *        last_sect, last_sect 8; unknown ops; info with a segment; a
 *        write read back, flush; then req_prod 5000 ahead: the backend
 *        must let go of the ring
 *   ro   the same disk read-only: info says so, writes EROFS, reads work
 */
#include "rawfront.h"
#include <public/io/blkif.h>

#define EIO             5
#define EINVAL          22
#define ENOSPC          28
#define EROFS           30
#define EOPNOTSUPP      95

static uint32_t next_id = 1, tried, wrong;
static uint8_t *page, *ropage;
static int32_t gref, roref;
static uint64_t sectors;

static void setup(void)
{
	uint32_t mfn;

	rf_open(RV_DEV_vbd, "no disk in device slot 0");
	rf_grant_ring(false);
	page = rf_own_page(&mfn);
	gref = gnt_grant(&guest_gnt, rf.dev->backend, mfn, false);
	ropage = rf_own_page(&mfn);
	roref = gnt_grant(&guest_gnt, rf.dev->backend, mfn, true);
	if (gref < 0 || roref < 0)
		test_error("grant the data pages: %d, %d", gref, roref);
	rf_connect();
	gprintf("connected to %s: ring ref %u, port %u; data refs %d (rw), %d (ro)\n", rf.dev->name,
		rf.dev->ring_ref, rf.port, gref, roref);
}

/* One request (id set here), its response within 20 s. */
static void call(struct blkif_req *q, struct blkif_rsp *r)
{
	q->id = next_id++;
	memcpy(rv_chan_next_request(&rf.f), q, sizeof(*q));
	rf_push();
	if (!rf_response(r, "the backend's rsp_prod lies"))
		test_error("request %u (op %u): no response in 20 s", q->id, q->op);
	if (r->id != q->id || r->op != q->op)
		test_error("response id %u op %u to request %u op %u", r->id, r->op, q->id, q->op);
}

static struct blkif_req req(uint8_t op, uint64_t sector, uint8_t nsegs)
{
	struct blkif_req q;
	memset(&q, 0, sizeof(q));
	q.op = op;
	q.sector = sector;
	q.nr_segs = nsegs;
	for (unsigned i = 0; i < BLKIF_SEGS_MAX; i++) {
		q.seg[i].gref = (uint32_t)gref;
		q.seg[i].last_sect = 7;
	}
	return q;
}

/* Send q, expect status want (a positive errno, or 0). */
static int32_t expect(struct blkif_req q, int32_t want, const char *what)
{
	struct blkif_rsp r;
	call(&q, &r);
	tried++;
	if (r.status != -want) {
		wrong++;
		gprintf("  %s: status %d, expected %d\n", what, r.status, -want);
	}
	return r.status;
}

/* Whether sector n of the pattern disk is at p. */
static bool is_sector(const uint8_t *p, uint32_t n)
{
	char want[32];
	const char *name = "hostile-disk sector ";
	size_t k = strlen(name);
	memcpy(want, name, k);
	char digits[12];
	size_t d = 0;
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (d)
		want[k++] = digits[--d];
	want[k++] = ' ';
	return !memcmp(p, want, k);
}

static void summary(const char *what)
{
	test_check(tried && !wrong, "%s: %u of %u as documented", what, tried - wrong, tried);
	tried = wrong = 0;
}

static void info(bool readonly)
{
	struct blkif_rsp r;
	struct blkif_req q = req(BLKIF_OP_info, 0, 0);
	call(&q, &r);
	sectors = r.sectors;
	test_check(r.status == 0 && sectors == 8192 &&
		   (r.info & BLKIF_INFO_readonly) == (readonly ? BLKIF_INFO_readonly : 0u),
		   "info: %u sectors, flags %#x (status %d)", (uint32_t)sectors, r.info, r.status);
}

static void honest_reads(void)
{
	struct blkif_req q = req(BLKIF_OP_read, 16, 1);
	memset(page, 0, PAGE_SIZE);
	expect(q, 0, "read sectors 16..23");
	bool ok = true;
	for (uint32_t i = 0; i < 8; i++)
		ok &= is_sector(page + i * 512, 16 + i);
	test_check(ok, "a page read: sectors 16..23 in order");
	q = req(BLKIF_OP_read, 100, 1);
	q.seg[0].first_sect = 2;
	q.seg[0].last_sect = 4;
	memset(page, 0, PAGE_SIZE);
	expect(q, 0, "read 3 sectors into sectors 2..4 of the page");
	test_check(is_sector(page + 1024, 100) && is_sector(page + 2048, 102) && page[0] == 0 &&
		   page[2560] == 0, "a partial page: sectors 100..102 at 1024..2559, nothing else");
	q = req(BLKIF_OP_read, sectors - 8, 1);
	expect(q, 0, "read the last 8 sectors");
	summary("honest reads");
}

static void hostile(void)
{
	struct blkif_req q;
	uint32_t mfn;
	rf_own_page(&mfn);
	int32_t other = gnt_grant(&guest_gnt, (uint16_t)(rf.dev->backend + 50), mfn, false);
	if (other < 0)
		test_error("grant a page to domain %u: %d", rf.dev->backend + 50, other);

	q = req(BLKIF_OP_read, 0, 1);
	q.seg[0].gref = 200;
	expect(q, EIO, "a reference never granted");
	q.seg[0].gref = 0xfffffff0u;
	expect(q, EIO, "a reference past the table");
	q.seg[0].gref = (uint32_t)other;
	expect(q, EIO, "a page granted to another domain");
	q = req(BLKIF_OP_read, 0, 1);
	q.seg[0].gref = (uint32_t)roref;
	expect(q, EIO, "a read into a page granted read-only");
	q = req(BLKIF_OP_read, 0, 3);
	q.seg[2].gref = 201;
	expect(q, EIO, "the third of three segments never granted");

	expect(req(BLKIF_OP_read, sectors, 1), ENOSPC, "a read at the end");
	expect(req(BLKIF_OP_read, sectors - 7, 1), ENOSPC, "a read crossing the end");
	expect(req(BLKIF_OP_write, sectors + 100, 1), ENOSPC, "a write past the end");
	expect(req(BLKIF_OP_read, ~0ull - 3, 1), ENOSPC, "a sector whose count wraps 2^64");
	expect(req(BLKIF_OP_read, 1ull << 60, 11), ENOSPC, "sector 2^60");

	expect(req(BLKIF_OP_read, 0, 0), EINVAL, "a read of no segment");
	expect(req(BLKIF_OP_write, 0, 0), EINVAL, "a write of no segment");
	expect(req(BLKIF_OP_read, 0, BLKIF_SEGS_MAX + 1), EINVAL, "12 segments");
	expect(req(BLKIF_OP_read, 0, 255), EINVAL, "255 segments");
	q = req(BLKIF_OP_read, 0, 2);
	q.seg[1].first_sect = 3;
	q.seg[1].last_sect = 2;
	expect(q, EINVAL, "first_sect > last_sect");
	q = req(BLKIF_OP_write, 0, 1);
	q.seg[0].last_sect = 8;
	expect(q, EINVAL, "last_sect 8");
	q.seg[0].first_sect = 200;
	q.seg[0].last_sect = 255;
	expect(q, EINVAL, "first_sect 200");
	expect(req(9, 0, 1), EOPNOTSUPP, "op 9");
	expect(req(255, 0, 0), EOPNOTSUPP, "op 255");
	expect(req(BLKIF_OP_info, 0, 1), EINVAL, "info with a segment");
	expect(req(BLKIF_OP_flush, 0, 3), EINVAL, "flush with segments");
	summary("hostile requests: each its own errno");
}

static void write_back(void)
{
	struct blkif_req q = req(BLKIF_OP_write, 40, 1);
	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		page[i] = (uint8_t)(i * 7 + 1);
	memcpy(page, "WRITTEN BY THE HOSTILE FRONTEND", 31);
	expect(q, 0, "write sectors 40..47");
	expect(req(BLKIF_OP_flush, 0, 0), 0, "flush");
	memset(page, 0, PAGE_SIZE);
	expect(req(BLKIF_OP_read, 40, 1), 0, "read them back");
	bool same = !memcmp(page, "WRITTEN BY THE HOSTILE FRONTEND", 31);
	for (uint32_t i = 31; i < PAGE_SIZE; i++)
		same &= page[i] == (uint8_t)(i * 7 + 1);
	test_check(same, "what was written reads back");
	summary("write, flush, read back");
}

static void rw_main(void)
{
	setup();
	info(false);
	honest_reads();
	hostile();
	honest_reads();         /* still served after all that */
	write_back();
	rf.f.sring->req_prod = rf.f.req_prod_pvt + 5000;
	rf_notify();
	test_check(rf_let_go(), "a req_prod 5000 ahead: the backend lets go of the ring");
	test_finish();
}

static void ro_main(void)
{
	setup();
	info(true);
	expect(req(BLKIF_OP_write, 40, 1), EROFS, "a write to the read-only disk");
	expect(req(BLKIF_OP_write, sectors, 1), ENOSPC, "... past its end: the range first");
	expect(req(BLKIF_OP_flush, 0, 0), 0, "flush");
	memset(page, 0, PAGE_SIZE);
	expect(req(BLKIF_OP_read, 40, 1), 0, "a read");
	test_check(!memcmp(page, "WRITTEN BY THE HOSTILE FRONTEND", 31),
		   "reads what the read-write domain wrote");
	summary("read-only disk");
	test_finish();
}

void guest_main(void)
{
	const char *c = start_info->cmdline;
	if (!strcmp(c, "rw"))
		rw_main();
	else if (!strcmp(c, "ro"))
		ro_main();
	else
		test_error("role '%s' unknown", c);
}
