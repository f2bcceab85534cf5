/*
 * The split block backend (backend.h; docs/io.md, "Split block driver"):
 * one process per disk = of a pv domain, serving a file of Domain 0's as
 * that domain's disk (io/blkif.h). Each request is copied out of the ring
 * once and checked whole before anything is done; a malformed one gets
 * its own Linux errno and the next is served. Data moves between the
 * file and the frontend's granted pages through one bounce buffer: pread
 * then grant copy out (read), grant copy in then pwrite (write), every
 * segment of a request in one RVCTL_GNT_COPY batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <public/io/blkif.h>
#include "backend.h"
#include "uapi/rvctl.h"

#define PAGE            4096u
#define SECTS_PER_PAGE  (PAGE / BLKIF_SECTOR)
#define LOG_REFUSALS    8       /* the first refusals are logged, the rest counted */

_Static_assert(BLKIF_SEGS_MAX <= RVCTL_COPY_MAX, "one request's segments are one copy batch");

static uint64_t disk_sectors;
static unsigned long served, refused;
static uint8_t bounce[BLKIF_SEGS_MAX * PAGE];

int blkback_prepare(struct backend *b, char *why, size_t n)
{
	struct stat st;

	b->fd = open(b->path, (b->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		int e = errno;
		snprintf(why, n, "%s", strerror(e));
		return -e;
	}
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, n, "not a regular file (a disk is an image file on Domain 0's disk)");
		goto refuse;
	}
	if (st.st_size == 0 || st.st_size % BLKIF_SECTOR) {
		snprintf(why, n, "its size, %lld bytes, is not a positive multiple of %u",
			 (long long)st.st_size, BLKIF_SECTOR);
		goto refuse;
	}
	disk_sectors = (uint64_t)st.st_size / BLKIF_SECTOR;
	return 0;
refuse:
	close(b->fd);
	b->fd = -1;
	return -EINVAL;
}

/* The shape of a request, before anything is done: 0 or the errno. */
static int check_request(const struct backend *b, const struct blkif_req *q, unsigned *nsect)
{
	uint64_t n = 0;

	switch (q->op) {
	case BLKIF_OP_info:
	case BLKIF_OP_flush:
		return q->nr_segs ? -EINVAL : 0;
	case BLKIF_OP_read:
	case BLKIF_OP_write:
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (q->nr_segs == 0 || q->nr_segs > BLKIF_SEGS_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < q->nr_segs; i++) {
		const struct blkif_seg *s = &q->seg[i];
		if (s->first_sect > s->last_sect || s->last_sect >= SECTS_PER_PAGE)
			return -EINVAL;
		n += s->last_sect - s->first_sect + 1u;
	}
	if (q->sector > disk_sectors || n > disk_sectors - q->sector)
		return -ENOSPC;
	if (q->op == BLKIF_OP_write && b->readonly)
		return -EROFS;
	*nsect = (unsigned)n;
	return 0;
}

/* Every segment between its granted page and its place in the bounce
 * buffer, one batch; -EIO when the hypervisor refused any (a reference
 * not granted to us, read-only for a read, ...). */
static int copy_segments(struct backend *b, const struct blkif_req *q, bool to_grant)
{
	struct rvctl_copy c = { .count = q->nr_segs };
	uint8_t *p = bounce;

	for (unsigned i = 0; i < q->nr_segs; i++) {
		const struct blkif_seg *s = &q->seg[i];
		uint32_t len = (s->last_sect - s->first_sect + 1u) * BLKIF_SECTOR;
		c.ops[i] = (struct rvctl_copy_op){
			.domid = b->domid, .ref = s->gref, .offset = s->first_sect * BLKIF_SECTOR,
			.len = len, .buf = (uint32_t)p, .flags = to_grant ? RVCTL_COPY_TO_GRANT : 0,
		};
		p += len;
	}
	int rc = backend_copy(b, &c);
	if (rc < 0 && refused < LOG_REFUSALS) {
		for (unsigned i = 0; i < c.count; i++)
			if (c.ops[i].status) {
				backend_log(b, "request %u: segment %u (grant %u): copy refused: %s",
					    q->id, i, c.ops[i].ref, strerror(-c.ops[i].status));
				break;
			}
	}
	return rc < 0 ? -EIO : 0;
}

static int do_rw(struct backend *b, const struct blkif_req *q, unsigned nsect)
{
	size_t len = (size_t)nsect * BLKIF_SECTOR;
	off_t off = (off_t)(q->sector * BLKIF_SECTOR);
	ssize_t done;

	if (q->op == BLKIF_OP_read) {
		done = pread(b->fd, bounce, len, off);
		if (done != (ssize_t)len)
			return -EIO;
		return copy_segments(b, q, true);
	}
	int rc = copy_segments(b, q, false);
	if (rc < 0)
		return rc;
	done = pwrite(b->fd, bounce, len, off);
	return done == (ssize_t)len ? 0 : -EIO;
}

static void handle(struct backend *b, const struct blkif_req *q, struct blkif_rsp *r)
{
	unsigned nsect = 0;
	int st = check_request(b, q, &nsect);

	memset(r, 0, sizeof(*r));
	r->id = q->id;
	r->op = q->op;
	if (!st) {
		switch (q->op) {
		case BLKIF_OP_info:
			r->sectors = disk_sectors;
			r->info = b->readonly ? BLKIF_INFO_readonly : 0;
			break;
		case BLKIF_OP_flush:
			st = fsync(b->fd) < 0 ? -EIO : 0;
			break;
		default:
			st = do_rw(b, q, nsect);
			break;
		}
	}
	r->status = st;
	if (st) {
		if (refused < LOG_REFUSALS)
			backend_log(b, "request %u (op %u, sector %llu, %u segments): %s", q->id, q->op,
				    (unsigned long long)q->sector, q->nr_segs, strerror(-st));
		else if (refused == LOG_REFUSALS)
			backend_log(b, "further refusals are counted, not logged");
		refused++;
	}
	served++;
}

int blkback_serve(struct backend *b)
{
	struct blkif_req q;
	struct blkif_rsp r;
	int rc, status = 0;

	for (;;) {
		rc = backend_get(b, &q);
		if (rc == -ETIMEDOUT || rc == -EINTR) {
			if (!backend_domain_alive(b)) {
				backend_log(b, "domain %u is gone", b->domid);
				break;
			}
			continue;
		}
		if (rc < 0) {
			backend_log(b, rc == -EPIPE ? "the frontend broke the ring: %s; stopping"
						    : "taking a request: %s; stopping", strerror(-rc));
			status = rc == -EPIPE ? 0 : 1;
			break;
		}
		handle(b, &q, &r);
		rc = backend_put(b, &r);
		if (rc < 0) {
			backend_log(b, "answering request %u: %s; stopping", q.id, strerror(-rc));
			status = rc == -EPIPE ? 0 : 1;
			break;
		}
	}
	if (!b->readonly && fsync(b->fd) < 0) {
		backend_log(b, "fsync %s: %s", b->path, strerror(errno));
		status = 1;
	}
	close(b->fd);
	backend_log(b, "done: %lu requests served, %lu refused", served, refused);
	return status;
}
