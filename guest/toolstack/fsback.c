/*
 * The file-tree forwarding backend (backend.h; docs/io.md, "System-call
 * forwarding"): Domain 0's server for one domain's forwarded mount. The
 * export directory is opened once (prepare); every request taken off the
 * channel is one call, done by the server core (lib/fwd_server.c)
 * confined to that directory, its path and data segments moved with grant
 * copy (RVCTL_GNT_COPY) from and to the pages the domain granted.
 *
 * Nothing the frontend sends is trusted: a segment past its page, a
 * reference it did not grant us, or a copy the hypervisor refuses leaves
 * that buffer missing, which the core answers with EFAULT (fsif.h's rule
 * for a bad buffer); opcodes, handles, paths and counts are the core's to
 * check. A ring that lies (CHAN_GET's -EPIPE) ends the backend cleanly,
 * with one line on the console. A read-only export (fs = "DIR,MOUNT,r")
 * refuses every change with EROFS before the core sees it.
 *
 * Limits: ringos gives a process 64 descriptors (NFD); the server holds
 * stdio, its /dev/rvctl, the export, FWD_HANDLES (40) handles and at most
 * FWD_HELD (12) directories of a walk: 40 + 12 + 5 < 64 (mk/ringos.mk
 * builds the core with these values for the toolstack).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <public/io/fsif.h>
#include "backend.h"
#include "fwd_server.h"
#include "uapi/rvctl.h"

int fsback_prepare(struct backend *b, char *why, size_t n)
{
	struct stat st;
	int fd = open(b->path, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		int e = errno;
		if (e == ENOTDIR)
			snprintf(why, n, "not a directory (fs = exports a directory)");
		else
			snprintf(why, n, "%s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode)) {
		close(fd);
		snprintf(why, n, "not a directory (fs = exports a directory)");
		return -ENOTDIR;
	}
	b->fd = fd;
	return 0;
}

/* Which of a request's segments an opcode uses. */
static bool uses_path(uint16_t op)
{
	switch (op) {
	case FSIF_OP_OPEN: case FSIF_OP_STAT: case FSIF_OP_MKDIR: case FSIF_OP_RMDIR:
	case FSIF_OP_UNLINK: case FSIF_OP_RENAME: case FSIF_OP_READLINK: case FSIF_OP_SYMLINK:
	case FSIF_OP_TRUNCATE: case FSIF_OP_CHMOD:
		return true;
	}
	return false;
}

static bool data_in(uint16_t op)
{
	return op == FSIF_OP_WRITE || op == FSIF_OP_PWRITE;
}

static bool data_out(uint16_t op)
{
	return op == FSIF_OP_READ || op == FSIF_OP_PREAD || op == FSIF_OP_GETDENTS64 ||
	       op == FSIF_OP_READLINK;
}

/* What a read-only export refuses. */
static bool changes(const struct fsif_req *r)
{
	switch (r->op) {
	case FSIF_OP_OPEN:
		return (r->flags & FSIF_O_ACCMODE) != FSIF_O_RDONLY ||
		       (r->flags & (FSIF_O_CREAT | FSIF_O_TRUNC));
	case FSIF_OP_WRITE: case FSIF_OP_PWRITE: case FSIF_OP_MKDIR: case FSIF_OP_RMDIR:
	case FSIF_OP_UNLINK: case FSIF_OP_RENAME: case FSIF_OP_SYMLINK: case FSIF_OP_TRUNCATE:
	case FSIF_OP_FTRUNCATE: case FSIF_OP_CHMOD: case FSIF_OP_FCHMOD:
		return true;
	}
	return false;
}

/* A segment that lies within its page (the hypervisor checks the rest). */
static bool seg_ok(const struct fsif_seg *s)
{
	return s->len && s->offset < 4096 && s->len <= 4096 - s->offset;
}

static char path_buf[FSIF_PATH_MAX], path2_buf[FSIF_PATH_MAX], data_buf[FSIF_DATA_MAX];

/*
 * The segments the request's opcode reads from the frontend, copied in
 * one batch: each buffer present only if every one of its copies worked
 * (the hypervisor stops a batch at its first refusal: what follows it is
 * not copied either). For an opcode that returns data, the data buffer
 * is the segments' total, to be copied out after the call.
 */
static void copy_in(struct backend *be, const struct fsif_req *r, struct fwd_bufs *b)
{
	static struct rvctl_copy c;
	int which[RVCTL_COPY_MAX];      /* 0 path, 1 path2, 2 data */
	size_t data_len = 0;
	bool bad[3] = { false, false, false };
	unsigned nseg = r->nr_data <= FSIF_DATA_SEGS ? r->nr_data : 0;

	memset(b, 0, sizeof(*b));
	memset(&c, 0, sizeof(c));
	if (uses_path(r->op) && r->path.len) {
		if (seg_ok(&r->path)) {
			c.ops[c.count] = (struct rvctl_copy_op){ be->domid, r->path.gref, r->path.offset,
								 r->path.len, (uint32_t)path_buf, 0, 1 };
			which[c.count++] = 0;
		} else {
			bad[0] = true;
		}
	}
	if ((r->op == FSIF_OP_RENAME || r->op == FSIF_OP_SYMLINK) && r->path2.len) {
		if (seg_ok(&r->path2)) {
			c.ops[c.count] = (struct rvctl_copy_op){ be->domid, r->path2.gref, r->path2.offset,
								 r->path2.len, (uint32_t)path2_buf, 0, 1 };
			which[c.count++] = 1;
		} else {
			bad[1] = true;
		}
	}
	if (data_in(r->op) || data_out(r->op)) {
		for (unsigned i = 0; i < nseg; i++) {
			const struct fsif_seg *s = &r->data[i];
			if (!s->len)
				continue;
			if (!seg_ok(s)) {
				bad[2] = true;
				break;
			}
			if (data_in(r->op)) {
				c.ops[c.count] = (struct rvctl_copy_op){ be->domid, s->gref, s->offset, s->len,
									 (uint32_t)(data_buf + data_len), 0, 1 };
				which[c.count++] = 2;
			}
			data_len += s->len;
		}
	}
	if (c.count)
		backend_copy(be, &c);   /* the statuses say which worked */
	for (unsigned i = 0; i < c.count; i++)
		if (c.ops[i].status)
			bad[which[i]] = true;
	if (!bad[0] && uses_path(r->op) && r->path.len) {
		b->path = path_buf;
		b->path_cap = r->path.len;
	}
	if (!bad[1] && r->path2.len) {
		b->path2 = path2_buf;
		b->path2_cap = r->path2.len;
	}
	if (!bad[2] && data_len) {
		b->data = data_buf;
		b->data_cap = data_len;
	}
}

/* The call's result bytes back into the frontend's data segments: 0, or
 * -EFAULT when a copy was refused (the call itself happened). */
static int copy_out(struct backend *be, const struct fsif_req *r, size_t n)
{
	static struct rvctl_copy c;
	size_t at = 0;

	memset(&c, 0, sizeof(c));
	for (unsigned i = 0; i < r->nr_data && i < FSIF_DATA_SEGS && at < n; i++) {
		uint32_t len = r->data[i].len;
		if (!len)
			continue;
		if (len > n - at)
			len = (uint32_t)(n - at);
		c.ops[c.count++] = (struct rvctl_copy_op){ be->domid, r->data[i].gref, r->data[i].offset,
							   len, (uint32_t)(data_buf + at),
							   RVCTL_COPY_TO_GRANT, 1 };
		at += len;
	}
	return c.count && backend_copy(be, &c) ? -EFAULT : 0;
}

int fsback_serve(struct backend *b)
{
	static struct fwd_server s;
	struct fsif_req req;
	struct fsif_rsp rsp;
	struct fwd_bufs bufs;
	unsigned long served = 0, refused = 0;
	int rc;

	umask(0);                       /* the client applies its own */
	if ((rc = fwd_server_init(&s, b->fd)) < 0) {
		backend_log(b, "cannot serve %s: %s", b->path, strerror(-rc));
		return 1;
	}
	for (;;) {
		rc = backend_get(b, &req);
		if (rc == -ETIMEDOUT || rc == -EINTR) {
			if (!backend_domain_alive(b))
				break;
			continue;
		}
		if (rc == -EPIPE) {
			backend_log(b, "the domain broke its ring (indices that lie): "
				    "no longer serving %s", b->path);
			break;
		}
		if (rc) {
			backend_log(b, "taking a request: %s", strerror(-rc));
			fwd_server_fini(&s);
			return 1;
		}
		served++;
		if (b->readonly && changes(&req)) {
			memset(&rsp, 0, sizeof(rsp));
			rsp.id = req.id;
			rsp.op = req.op;
			rsp.ret = -EROFS;
		} else {
			copy_in(b, &req, &bufs);
			fwd_server_handle(&s, &req, &bufs, &rsp);
			if (data_out(req.op) && rsp.ret > 0 && bufs.data &&
			    copy_out(b, &req, (size_t)rsp.ret))
				rsp.ret = -EFAULT;
		}
		if (rsp.ret == -EFAULT || rsp.ret == -ENOSYS || rsp.ret == -EBADF ||
		    rsp.ret == -ENOTCONN || rsp.ret == -EPROTONOSUPPORT)
			refused++;      /* what only a broken or hostile frontend asks */
		rc = backend_put(b, &rsp);
		if (rc == -EPIPE) {
			backend_log(b, "the domain broke its ring (indices that lie): "
				    "no longer serving %s", b->path);
			break;
		}
		if (rc)
			backend_log(b, "answering request %u: %s", req.id, strerror(-rc));
	}
	fwd_server_fini(&s);
	backend_log(b, "done: %lu requests served, %lu refused as malformed", served, refused);
	return 0;
}
