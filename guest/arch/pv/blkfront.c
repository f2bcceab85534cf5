/*
 * The split block frontend (docs/io.md, "Split block driver"): each disk
 * the toolstack put in start_info's device table (RV_DEV_vbd) becomes a
 * block device of ringos (blkdev.h) named by its entry, xvda, xvdb, ...,
 * with Linux's numbers for Xen's virtual disks (202:0, 202:16, ...).
 * Requests (io/blkif.h) go through the disk's channel (rvio.h).
 *
 * Data pages are granted once, at connect: each disk has a pool of
 * BLKIF_SEGS_MAX pages granted read-write to its backend for as long as
 * the domain lives (persistent grants, as Xen's blkfront negotiates
 * them), so a request costs no grant-table work; the driver copies
 * between the caller's buffer and the pool. One request per disk is in
 * flight (a sleep lock): the blkdev layer above already serializes a
 * disk's transfers, so a second pool would never be used.
 */
#include "arch.h"
#include "blkdev.h"
#include "gnttab.h"
#include "kernel.h"
#include "proc.h"
#include "rvio.h"
#include "uapi/errno.h"
#include <public/io/blkif.h>

#define BLKFRONT_TIMEOUT_MS     30000u  /* a backend that answers nothing: -EIO, not a hang */
#define SECTS_PER_PAGE          (4096u / BLKIF_SECTOR)
#define CHUNK_SECTS             (BLKIF_SEGS_MAX * SECTS_PER_PAGE)
#define XVD_MAJOR               202

struct vbd {
	struct rvio *chan;
	struct blkdev bd;
	bool readonly;
	bool busy;                      /* a request is using the pool */
	bool dead;                      /* the channel failed: every call is -EIO at once */
	paddr_t page[BLKIF_SEGS_MAX];
	uint32_t gref[BLKIF_SEGS_MAX];
};

static struct vbd vbds[RV_DEVICES_MAX];

static void lock(struct vbd *v)
{
	while (v->busy)
		if (sleep_on_uninterruptible(&v->busy, 0) == -EAGAIN)
			arch_idle();
	v->busy = true;
}

static void unlock(struct vbd *v)
{
	v->busy = false;
	wake_up(&v->busy);
}

/* One request: 0 or its status; a channel that fails is -EIO. */
static int call(struct vbd *v, struct blkif_req *q, struct blkif_rsp *r)
{
	if (v->dead)
		return -EIO;
	int rc = rvio_call(v->chan, q, r, BLKFRONT_TIMEOUT_MS);
	if (rc < 0) {
		/* Once: a backend that is gone would otherwise cost every
		 * later request (an unmount's many) the whole timeout. */
		v->dead = true;
		kprintf("blkfront: %s: %s: this and every later request fail with EIO\n",
			v->bd.name[0] ? v->bd.name : "?",
			rc == -ETIMEDOUT ? "the backend did not answer in 30 s" : "the channel is dead");
		return -EIO;
	}
	if (r->status > 0 || r->status < -4095)
		return -EIO;                    /* not an errno: a backend talking nonsense */
	return r->status;
}

/* count sectors at lba, at most CHUNK_SECTS, through the pool. */
static int rw_chunk(struct vbd *v, uint8_t op, uint64_t lba, unsigned count, uint8_t *buf)
{
	struct blkif_req q;
	struct blkif_rsp r;
	unsigned npages = (count + SECTS_PER_PAGE - 1) / SECTS_PER_PAGE;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.sector = lba;
	q.nr_segs = (uint8_t)npages;
	for (unsigned i = 0; i < npages; i++) {
		unsigned left = count - i * SECTS_PER_PAGE;
		q.seg[i].gref = v->gref[i];
		q.seg[i].first_sect = 0;
		q.seg[i].last_sect = (uint8_t)(MIN(left, SECTS_PER_PAGE) - 1);
		if (op == BLKIF_OP_write)
			memcpy(phys_to_virt(v->page[i]), buf + i * 4096u,
			       (q.seg[i].last_sect + 1u) * BLKIF_SECTOR);
	}
	int rc = call(v, &q, &r);
	if (rc == 0 && op == BLKIF_OP_read)
		for (unsigned i = 0; i < npages; i++)
			memcpy(buf + i * 4096u, phys_to_virt(v->page[i]),
			       (q.seg[i].last_sect + 1u) * BLKIF_SECTOR);
	return rc;
}

static int rw(unsigned unit, uint8_t op, uint64_t lba, unsigned count, uint8_t *buf)
{
	struct vbd *v = &vbds[unit];
	int rc = 0;

	if (op == BLKIF_OP_write && v->readonly)
		return -EROFS;
	lock(v);
	while (count && !rc) {
		unsigned n = MIN(count, CHUNK_SECTS);
		rc = rw_chunk(v, op, lba, n, buf);
		lba += n;
		count -= n;
		buf += n * BLKIF_SECTOR;
	}
	unlock(v);
	return rc;
}

static int vbd_read(unsigned unit, uint64_t lba, unsigned count, void *buf)
{
	return rw(unit, BLKIF_OP_read, lba, count, buf);
}

static int vbd_write(unsigned unit, uint64_t lba, unsigned count, const void *buf)
{
	return rw(unit, BLKIF_OP_write, lba, count, (uint8_t *)(uintptr_t)buf);
}

static int vbd_flush(unsigned unit)
{
	struct vbd *v = &vbds[unit];
	struct blkif_req q;
	struct blkif_rsp r;

	if (v->readonly)
		return 0;
	memset(&q, 0, sizeof(q));
	q.op = BLKIF_OP_flush;
	lock(v);
	int rc = call(v, &q, &r);
	unlock(v);
	return rc;
}

/* xvda -> 202:0, xvdb -> 202:16, ... (Linux's numbering of Xen disks);
 * another name gets the slot's. */
static uint32_t vbd_rdev(const char *name, unsigned slot)
{
	unsigned idx = slot;
	if (!strncmp(name, "xvd", 3) && name[3] >= 'a' && name[3] <= 'p' && !name[4])
		idx = (unsigned)(name[3] - 'a');
	return (XVD_MAJOR << 8) | (idx * 16);
}

static int vbd_connect(unsigned slot, const struct rv_device *d)
{
	struct vbd *v = &vbds[slot];
	struct blkif_req q;
	struct blkif_rsp r;
	int rc;

	if ((rc = rvio_connect(slot, &v->chan)) < 0)
		return rc;
	memset(&q, 0, sizeof(q));
	q.op = BLKIF_OP_info;
	if ((rc = call(v, &q, &r)) < 0)
		return rc;
	if (!r.sectors)
		return -ENXIO;
	for (unsigned i = 0; i < BLKIF_SEGS_MAX; i++) {
		int32_t ref;
		if (!(v->page[i] = frame_get()))
			return -ENOMEM;
		if ((ref = grant_access(rvio_backend(v->chan), v->page[i], false)) < 0)
			return ref;
		v->gref[i] = (uint32_t)ref;
	}
	v->readonly = (r.info & BLKIF_INFO_readonly) || (d->flags & RV_DEVF_readonly);
	snprintf(v->bd.name, sizeof(v->bd.name), "%s", d->name);
	v->bd.rdev = vbd_rdev(v->bd.name, slot);
	v->bd.sectors = r.sectors;
	v->bd.unit = slot;
	v->bd.readonly = v->readonly;
	v->bd.read = vbd_read;
	v->bd.write = vbd_write;
	v->bd.flush = vbd_flush;
	if ((rc = blkdev_register(&v->bd)) < 0)
		return rc;
	kprintf("blkfront: %s (%u:%u): %llu sectors (%llu MiB)%s, backend domain %u\n", v->bd.name,
		v->bd.rdev >> 8, v->bd.rdev & 0xff, (unsigned long long)r.sectors,
		(unsigned long long)(r.sectors >> 11), v->readonly ? ", read-only" : "",
		rvio_backend(v->chan));
	return 0;
}

/* arch.h: the pv port's disks are the split block devices. */
void arch_disks_init(void)
{
	for (unsigned slot = 0; slot < RV_DEVICES_MAX; slot++) {
		const struct rv_device *d = rvio_device(slot);
		if (!d || d->type != RV_DEV_vbd)
			continue;
		int rc = vbd_connect(slot, d);
		if (rc < 0) {
			/* Pages already granted stay so: the backend may hold them. */
			kprintf("blkfront: device %u (%.15s): not connected: error %d\n", slot, d->name, rc);
		}
	}
}
