/*
 * System-call forwarding, ringos's side (fwd.h; docs/io.md, "System-call
 * forwarding"): a mount whose file calls go, one request each, to the
 * server in Domain 0 that the device's channel (rvio.h) leads to.
 *
 * Data and paths travel in pages granted to the backend once, at connect:
 * a page for the path, one for a rename's or symlink's second path (both
 * read-only to the backend) and FSIF_DATA_SEGS data pages (read-write):
 * 16 KiB per request. Requests are made under the VFS lock (every caller
 * holds it), so one set of pages serves the mount. Responses are checked
 * before use: a getdents64 buffer by fsif_dirents_check, counts against
 * what was asked; a server that answers nonsense gets -EIO.
 */
#include "fwd.h"
#include "fwd_client.h"
#include "gnttab.h"
#include "kernel.h"
#include "rvio.h"
#include "vfs.h"
#include "uapi/errno.h"
#include <public/io/fsif.h>
#include <public/start_info.h>

#define FWD_TIMEOUT_MS  120000u         /* a request the server never answers: EIO */
#define FWD_DIRBUF      4096u           /* one getdents64 request's records */
#define FWD_NAME_MAX    VFS_NAME_MAX    /* the path getcwd learns of a handle (lexical) */

/* What the client keeps of a directory handle: the records of its last
 * getdents64, read one at a time by readdir. */
struct fwd_dir {
	uint64_t start;                 /* the cookie the records start at */
	uint64_t srv_pos;               /* the server's offset in the directory */
	uint64_t eof_at;                /* a cookie the server said ends it (valid: eof) */
	bool eof;
	uint32_t len;
	uint8_t buf[FWD_DIRBUF];
};

struct fwd_handle {
	char *path;                     /* from the export's top, lexically (getcwd), or NULL */
	struct fwd_dir *dir;
};

struct fwd_mount {
	struct mount m;
	struct rvio *c;
	uint16_t backend;
	uint32_t handles;               /* the server's limit (attach) */
	char *pg_path, *pg_path2;
	char *pg_data[FSIF_DATA_SEGS];
	uint32_t ref_path, ref_path2, ref_data[FSIF_DATA_SEGS];
	struct fwd_handle h[FSIF_HANDLES];
	char slot_name[16];
};

static struct fwd_mount *fm_of(const struct mount *m)
{
	return (struct fwd_mount *)m;
}

/* A vnode's handle, or FSIF_ROOT for the mount's root. */
static uint32_t handle_of(const struct vnode *v)
{
	return v->id ? (uint32_t)v->id - 1 : FSIF_ROOT;
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* One request, one response: the server's ret (>= 0, or -errno), -EIO
 * when the channel failed or the answer is not this call's. */
static long call(struct fwd_mount *fm, struct fsif_req *rq, struct fsif_rsp *rs)
{
	int rc = rvio_call(fm->c, rq, rs, FWD_TIMEOUT_MS);
	if (rc)
		return -EIO;
	if (rs->op != rq->op)
		return -EIO;
	return rs->ret;
}

static void set_path(struct fwd_mount *fm, struct fsif_seg *seg, bool second, const char *p, size_t n)
{
	char *pg = second ? fm->pg_path2 : fm->pg_path;
	memcpy(pg, p, n);
	*seg = (struct fsif_seg){ second ? fm->ref_path2 : fm->ref_path, 0, (uint32_t)n };
}

/* The data segments for count bytes (<= FSIF_DATA_MAX). */
static void set_data(struct fwd_mount *fm, struct fsif_req *rq, uint32_t count)
{
	unsigned i = 0;
	rq->count = count;
	for (uint32_t at = 0; at < count; at += 4096, i++)
		rq->data[i] = (struct fsif_seg){ fm->ref_data[i], 0, MIN(4096u, count - at) };
	rq->nr_data = (uint16_t)i;
}

static void data_in(struct fwd_mount *fm, const void *buf, size_t n)
{
	for (size_t at = 0; at < n; at += 4096)
		memcpy(fm->pg_data[at / 4096], (const char *)buf + at, MIN(4096u, n - at));
}

static void data_out(struct fwd_mount *fm, void *buf, size_t n)
{
	for (size_t at = 0; at < n; at += 4096)
		memcpy((char *)buf + at, fm->pg_data[at / 4096], MIN(4096u, n - at));
}

static enum vtype vtype_of(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0040000: return VDIR;
	case 0100000: return VREG;
	case 0120000: return VLNK;
	case 0020000: return VCHR;
	case 0060000: return VBLK;
	case 0010000: return VFIFO;
	case 0140000: return VSOCK;
	}
	return VNON;
}

static void kstat_of(const struct mount *m, const struct fsif_stat *s, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = m->dev;
	st->ino = (uint32_t)s->ino;
	st->mode = s->mode;
	st->nlink = s->nlink;
	st->uid = s->uid;
	st->gid = s->gid;
	st->rdev = (uint32_t)s->rdev;
	st->blksize = s->blksize;
	st->size = (uint64_t)s->size;
	st->blocks = s->blocks;
	st->atime = (uint32_t)s->atime;
	st->mtime = (uint32_t)s->mtime;
	st->ctime = (uint32_t)s->ctime;
}

/* A request on at's path: op, the path from its directory. */
static struct fwd_mount *path_req(const struct vfs_fwd *at, struct fsif_req *rq, uint16_t op)
{
	struct fwd_mount *fm = fm_of(at->dir.mnt);
	fsif_req_init(rq, 0, op);
	rq->dir = handle_of(&at->dir);
	set_path(fm, &rq->path, false, at->rest, at->len);
	return fm;
}

/* at's path from the export's top, lexically ("." and ".." taken by
 * name, clamped at the top, as the server clamps): what getcwd tells of a
 * directory opened there. NULL when it does not fit FWD_NAME_MAX. */
static char *lexical_path(struct fwd_mount *fm, const struct vfs_fwd *at)
{
	char *p = kmalloc(FWD_NAME_MAX + 1);
	size_t n = 0, i = 0;

	if (!p)
		return NULL;
	if (at->rest[0] != '/' && at->dir.id) {
		const char *base = fm->h[handle_of(&at->dir)].path;
		if (!base) {
			kfree(p);
			return NULL;
		}
		n = slen(base);
		memcpy(p, base, n + 1);
	}
	while (i < at->len) {
		while (i < at->len && at->rest[i] == '/')
			i++;
		size_t s = i;
		while (i < at->len && at->rest[i] != '/')
			i++;
		size_t cl = i - s;
		if (!cl || (cl == 1 && at->rest[s] == '.'))
			continue;
		if (cl == 2 && at->rest[s] == '.' && at->rest[s + 1] == '.') {
			while (n && p[n - 1] != '/')
				n--;
			if (n)
				n--;
			p[n] = '\0';
			continue;
		}
		if (n + (n ? 1 : 0) + cl > FWD_NAME_MAX) {
			kfree(p);
			return NULL;
		}
		if (n)
			p[n++] = '/';
		memcpy(p + n, at->rest + s, cl);
		n += cl;
		p[n] = '\0';
	}
	return p;
}

/* ---------------------------------------------------------------- calls on a path */

int fwd_open(const struct vfs_fwd *at, int flags, uint32_t mode, struct vnode *out)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	uint32_t wire;
	long rc = fsif_open_flags((uint32_t)flags, &wire);

	if (rc)
		return (int)rc;
	vfs_lock();
	struct fwd_mount *fm = path_req(at, &rq, FSIF_OP_OPEN);
	rq.flags = wire;
	rq.mode = mode & 07777;
	rc = call(fm, &rq, &rs);
	if (rc < 0)
		goto out;
	if (rc >= FSIF_HANDLES || rc >= (long)fm->handles) {
		rc = -EIO;              /* a handle we never asked the server for */
		goto out;
	}
	uint32_t h = (uint32_t)rc;
	*out = (struct vnode){ &fm->m, h + 1, vtype_of(rs.u.st.mode) };
	if (out->type == VNON) {
		rc = -EIO;
		goto close;
	}
	kfree(fm->h[h].path);
	kfree(fm->h[h].dir);
	fm->h[h].dir = NULL;
	fm->h[h].path = out->type == VDIR ? lexical_path(fm, at) : NULL;
	if (!(rc = vfs_hold(out)))
		goto out;
close:
	fsif_req_init(&rq, 0, FSIF_OP_CLOSE);
	rq.handle = h;
	call(fm, &rq, &rs);
out:
	vfs_unlock();
	return (int)rc;
}

int fwd_stat(const struct vfs_fwd *at, bool follow, struct kstat *st)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	vfs_lock();
	struct fwd_mount *fm = path_req(at, &rq, FSIF_OP_STAT);
	rq.flags = follow ? 0 : FSIF_AT_SYMLINK_NOFOLLOW;
	long rc = call(fm, &rq, &rs);
	if (!rc)
		kstat_of(&fm->m, &rs.u.st, st);
	vfs_unlock();
	return rc > 0 ? -EIO : (int)rc;
}

/* A call on a name that answers 0 or -errno. */
static int simple(const struct vfs_fwd *at, uint16_t op, uint32_t mode, uint64_t offset)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	vfs_lock();
	struct fwd_mount *fm = path_req(at, &rq, op);
	rq.mode = mode;
	rq.offset = offset;
	long rc = call(fm, &rq, &rs);
	vfs_unlock();
	return rc > 0 ? -EIO : (int)rc;
}

int fwd_mkdir(const struct vfs_fwd *at, uint32_t mode)
{
	return simple(at, FSIF_OP_MKDIR, mode & 07777, 0);
}

int fwd_rmdir(const struct vfs_fwd *at)
{
	return simple(at, FSIF_OP_RMDIR, 0, 0);
}

int fwd_unlink(const struct vfs_fwd *at)
{
	return simple(at, FSIF_OP_UNLINK, 0, 0);
}

int fwd_truncate(const struct vfs_fwd *at, uint64_t length)
{
	if ((int64_t)length < 0)
		return -EINVAL;
	return simple(at, FSIF_OP_TRUNCATE, 0, length);
}

int fwd_chmod(const struct vfs_fwd *at, uint32_t mode)
{
	return simple(at, FSIF_OP_CHMOD, mode & 07777, 0);
}

int fwd_rename(const struct vfs_fwd *from, const struct vfs_fwd *to)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	if (from->dir.mnt != to->dir.mnt)
		return -EXDEV;
	vfs_lock();
	struct fwd_mount *fm = path_req(from, &rq, FSIF_OP_RENAME);
	rq.dir2 = handle_of(&to->dir);
	set_path(fm, &rq.path2, true, to->rest, to->len);
	long rc = call(fm, &rq, &rs);
	vfs_unlock();
	return rc > 0 ? -EIO : (int)rc;
}

int fwd_symlink(const struct vfs_fwd *at, const char *target)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	size_t n = slen(target);
	if (!n)
		return -ENOENT;
	if (n >= FSIF_PATH_MAX)
		return -ENAMETOOLONG;
	vfs_lock();
	struct fwd_mount *fm = path_req(at, &rq, FSIF_OP_SYMLINK);
	set_path(fm, &rq.path2, true, target, n);
	long rc = call(fm, &rq, &rs);
	vfs_unlock();
	return rc > 0 ? -EIO : (int)rc;
}

long fwd_readlink(const struct vfs_fwd *at, char *buf, size_t len)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	if (len > FSIF_DATA_MAX)
		len = FSIF_DATA_MAX;
	vfs_lock();
	struct fwd_mount *fm = path_req(at, &rq, FSIF_OP_READLINK);
	set_data(fm, &rq, (uint32_t)len);
	long rc = call(fm, &rq, &rs);
	if (rc > (long)len)
		rc = -EIO;
	if (rc > 0)
		data_out(fm, buf, (size_t)rc);
	vfs_unlock();
	return rc;
}

void fwd_statfs(struct kstatfs *st)
{
	memset(st, 0, sizeof(*st));
	st->magic = 0x01021997u;        /* V9FS_MAGIC: a file tree another machine serves */
	st->bsize = 4096;
	st->namelen = FSIF_NAME_MAX;
}

/* ---------------------------------------------------------------- the VFS's operations on handles */

static int f_lookup(const struct vnode *dir, const char *name, struct vnode *out)
{
	(void)dir, (void)name, (void)out;
	return -EOPNOTSUPP;             /* lookups that do not forward (vfs.h) */
}

static int f_hold(const struct vnode *v)
{
	(void)v;
	return 0;                       /* fwd_open opened it */
}

static void f_release(const struct vnode *v)
{
	struct fwd_mount *fm = fm_of(v->mnt);
	struct fsif_req rq;
	struct fsif_rsp rs;
	if (!v->id)
		return;
	uint32_t h = handle_of(v);
	kfree(fm->h[h].path);
	kfree(fm->h[h].dir);
	fm->h[h].path = NULL;
	fm->h[h].dir = NULL;
	fsif_req_init(&rq, 0, FSIF_OP_CLOSE);
	rq.handle = h;
	call(fm, &rq, &rs);             /* nothing to do if it fails */
}

static int f_stat(const struct vnode *v, struct kstat *st)
{
	struct fwd_mount *fm = fm_of(v->mnt);
	struct fsif_req rq;
	struct fsif_rsp rs;
	if (v->id) {
		fsif_req_init(&rq, 0, FSIF_OP_FSTAT);
		rq.handle = handle_of(v);
	} else {
		fsif_req_init(&rq, 0, FSIF_OP_STAT);
		set_path(fm, &rq.path, false, ".", 1);
	}
	long rc = call(fm, &rq, &rs);
	if (!rc)
		kstat_of(&fm->m, &rs.u.st, st);
	return rc > 0 ? -EIO : (int)rc;
}

static long f_read(const struct vnode *v, uint64_t off, void *buf, size_t len)
{
	struct fwd_mount *fm = fm_of(v->mnt);
	struct fsif_req rq;
	struct fsif_rsp rs;
	size_t done = 0;

	while (done < len) {
		uint32_t n = (uint32_t)MIN(len - done, (size_t)FSIF_DATA_MAX);
		fsif_req_init(&rq, 0, FSIF_OP_PREAD);
		rq.handle = handle_of(v);
		rq.offset = off + done;
		set_data(fm, &rq, n);
		long rc = call(fm, &rq, &rs);
		if (rc > (long)n)
			rc = -EIO;
		if (rc < 0)
			return done ? (long)done : rc;
		data_out(fm, (char *)buf + done, (size_t)rc);
		done += (size_t)rc;
		if ((uint32_t)rc < n)
			break;
	}
	return (long)done;
}

static long f_write(const struct vnode *v, uint64_t off, const void *buf, size_t len)
{
	struct fwd_mount *fm = fm_of(v->mnt);
	struct fsif_req rq;
	struct fsif_rsp rs;
	size_t done = 0;

	while (done < len) {
		uint32_t n = (uint32_t)MIN(len - done, (size_t)FSIF_DATA_MAX);
		fsif_req_init(&rq, 0, FSIF_OP_PWRITE);
		rq.handle = handle_of(v);
		rq.offset = off + done;
		set_data(fm, &rq, n);
		data_in(fm, (const char *)buf + done, n);
		long rc = call(fm, &rq, &rs);
		if (rc > (long)n)
			rc = -EIO;
		if (rc < 0)
			return done ? (long)done : rc;
		done += (size_t)rc;
		if ((uint32_t)rc < n)
			break;
	}
	return (long)done;
}

/* A handle call answering 0 or -errno. */
static int handle_call(const struct vnode *v, uint16_t op, uint32_t mode, uint64_t offset)
{
	struct fwd_mount *fm = fm_of(v->mnt);
	struct fsif_req rq;
	struct fsif_rsp rs;
	fsif_req_init(&rq, 0, op);
	rq.handle = handle_of(v);
	rq.mode = mode;
	rq.offset = offset;
	long rc = call(fm, &rq, &rs);
	return rc > 0 ? -EIO : (int)rc;
}

static int f_truncate(const struct vnode *v, uint64_t size)
{
	if (!v->id)
		return -EISDIR;
	return handle_call(v, FSIF_OP_FTRUNCATE, 0, size);
}

static int f_fsync(const struct vnode *v)
{
	if (!v->id)
		return 0;
	return handle_call(v, FSIF_OP_FSYNC, 0, 0);
}

static int f_chmod(const struct vnode *v, uint32_t mode)
{
	if (!v->id) {
		struct vfs_fwd at = { *v, (char *)".", 1 };
		return fwd_chmod(&at, mode);
	}
	return handle_call(v, FSIF_OP_FCHMOD, mode & 07777, 0);
}

/* The records of one getdents64 request from cookie on into d. */
static int fetch(struct fwd_mount *fm, uint32_t h, struct fwd_dir *d, uint64_t cookie)
{
	struct fsif_req rq;
	struct fsif_rsp rs;
	long rc;

	if (d->srv_pos != cookie) {
		fsif_req_init(&rq, 0, FSIF_OP_LSEEK);
		rq.handle = h;
		rq.offset = cookie;
		rq.arg = 0;             /* SEEK_SET */
		if ((rc = call(fm, &rq, &rs)) < 0)
			return (int)rc;
		d->srv_pos = cookie;
	}
	fsif_req_init(&rq, 0, FSIF_OP_GETDENTS64);
	rq.handle = h;
	set_data(fm, &rq, FWD_DIRBUF);
	rc = call(fm, &rq, &rs);
	if (rc > (long)FWD_DIRBUF)
		rc = -EIO;
	if (rc < 0)
		return (int)rc;
	data_out(fm, d->buf, (size_t)rc);
	if (rc && fsif_dirents_check(d->buf, (size_t)rc) < 0)
		return -EIO;
	d->start = cookie;
	d->len = (uint32_t)rc;
	d->eof = rc == 0;
	d->eof_at = cookie;
	uint64_t pos = cookie;
	for (uint32_t at = 0; at < d->len;) {
		const struct fsif_dirent64 *e = (const void *)(d->buf + at);
		pos = (uint64_t)e->d_off;
		at += e->d_reclen;
	}
	d->srv_pos = pos;
	return 0;
}

/* The record at cookie in d's records: 1 with de filled and *cookie moved. */
static int from_cache(struct fwd_dir *d, uint64_t *cookie, struct vfs_dirent *de, bool first_too)
{
	uint64_t at_cookie = d->start;
	for (uint32_t at = 0; at < d->len;) {
		const struct fsif_dirent64 *e = (const void *)(d->buf + at);
		if (at_cookie == *cookie && (at || first_too)) {
			size_t n = slen(e->d_name);
			if (n > VFS_NAME_MAX)
				return -EIO;
			de->ino = e->d_ino;
			de->type = e->d_type;
			de->name_len = (uint16_t)n;
			memcpy(de->name, e->d_name, n + 1);
			*cookie = (uint64_t)e->d_off;
			return 1;
		}
		at_cookie = (uint64_t)e->d_off;
		at += e->d_reclen;
	}
	return 0;
}

/* One entry: from the records of the last request when they hold it
 * (never the first one again: a rewind asks the server afresh, so that
 * changes since show), else one request. */
static int f_readdir(const struct vnode *dir, uint64_t *cookie, struct vfs_dirent *de)
{
	struct fwd_mount *fm = fm_of(dir->mnt);
	if (!dir->id)
		return -EBADF;
	uint32_t h = handle_of(dir);
	struct fwd_dir *d = fm->h[h].dir;
	int rc;

	if (!d) {
		if (!(d = fm->h[h].dir = kmalloc(sizeof(*d))))
			return -ENOMEM;
		d->start = ~0ull;
	}
	if (d->len && (rc = from_cache(d, cookie, de, false)))
		return rc;
	if (d->eof && d->eof_at == *cookie)
		return 0;
	if ((rc = fetch(fm, h, d, *cookie)))
		return rc;
	if (!d->len)
		return 0;
	return from_cache(d, cookie, de, true) == 1 ? 1 : -EIO;
}

static long f_readlink(const struct vnode *v, char *buf, size_t len)
{
	(void)v, (void)buf, (void)len;
	return -EINVAL;                 /* a handle is never a link */
}

static int f_name(const struct vnode *dir, const char *name, uint32_t mode)
{
	(void)dir, (void)name, (void)mode;
	return -EOPNOTSUPP;
}

static int f_create(const struct vnode *dir, const char *name, uint32_t mode, struct vnode *out)
{
	(void)out;
	return f_name(dir, name, mode);
}

static int f_symlink(const struct vnode *dir, const char *name, const char *target)
{
	(void)target;
	return f_name(dir, name, 0);
}

static int f_link(const struct vnode *v, const struct vnode *dir, const char *name)
{
	(void)v, (void)dir, (void)name;
	return -EPERM;                  /* fsif has no hard links */
}

static int f_unlink(const struct vnode *dir, const char *name)
{
	return f_name(dir, name, 0);
}

static int f_rename(const struct vnode *odir, const char *oname, const struct vnode *ndir,
		    const char *nname)
{
	(void)ndir, (void)nname;
	return f_name(odir, oname, 0);
}

static int f_chown(const struct vnode *v, uint32_t uid, uint32_t gid)
{
	(void)v, (void)uid, (void)gid;
	return 0;                       /* the server's files are its own (root's): as ramfs */
}

static int f_utimes(const struct vnode *v, uint32_t atime, uint32_t mtime)
{
	(void)v, (void)atime, (void)mtime;
	return 0;                       /* fsif carries no times: as ramfs, nothing changes */
}

/* getcwd: the handle's path from the export's top as one "name" under the
 * root (vfs_path_of takes it whole). */
static int f_parent(const struct vnode *v, struct vnode *dir, char name[VFS_NAME_MAX + 1])
{
	struct fwd_mount *fm = fm_of(v->mnt);
	const char *p = v->id ? fm->h[handle_of(v)].path : "";
	if (!p)                         /* a file's (as ext2's: many names, or none), or too long */
		return v->type == VDIR ? -ENAMETOOLONG : -ENOENT;
	size_t n = slen(p);
	memcpy(name, p, n + 1);
	*dir = fm->m.root;
	return 0;
}

static void f_statfs(struct mount *m, struct kstatfs *st)
{
	(void)m;
	fwd_statfs(st);
}

static int f_sync(struct mount *m)
{
	(void)m;
	return 0;                       /* each write was the server's call */
}

static int f_unmount(struct mount *m)
{
	(void)m;
	return 0;                       /* the channel stays (nothing is open: the server closed all) */
}

static const struct vfs_ops fwd_ops = {
	.lookup = f_lookup, .hold = f_hold, .release = f_release, .stat = f_stat,
	.read = f_read, .write = f_write, .truncate = f_truncate, .readdir = f_readdir,
	.readlink = f_readlink, .create = f_create, .mkdir = f_name, .symlink = f_symlink,
	.link = f_link, .unlink = f_unlink, .rmdir = f_unlink, .rename = f_rename,
	.chmod = f_chmod, .chown = f_chown, .utimes = f_utimes, .parent = f_parent,
	.statfs = f_statfs, .sync = f_sync, .unmount = f_unmount, .fsync = f_fsync,
};

/* ---------------------------------------------------------------- boot */

static char *grant_page(struct fwd_mount *fm, uint32_t *ref, bool readonly)
{
	paddr_t pa = frame_get();
	if (!pa)
		return NULL;
	int32_t r = grant_access(fm->backend, pa, readonly);
	if (r < 0)
		return NULL;            /* the frame stays ours, unused */
	*ref = (uint32_t)r;
	return phys_to_virt(pa);
}

/* The mount point: name, made in the root filesystem if missing. */
static int mount_point(const char *name, struct vnode *dir)
{
	struct vnode root, parent;
	char last[VFS_NAME_MAX + 1];
	int rc;

	vfs_root(&root);
	if ((rc = vfs_lookup(&root, name, 0, dir)) != -ENOENT)
		return rc;
	if ((rc = vfs_lookup_parent(&root, name, &parent, last, NULL)))
		return rc;
	rc = vfs_mkdir(&parent, last, 0755);
	vfs_put(&parent);
	return rc ? rc : vfs_lookup(&root, name, 0, dir);
}

static void connect(unsigned slot, const struct rv_device *dev)
{
	struct fwd_mount *fm = kmalloc(sizeof(*fm));
	struct fsif_req rq;
	struct fsif_rsp rs;
	struct vnode dir;
	long rc;

	if (!fm) {
		kprintf("fwd: %s: out of memory\n", dev->name);
		return;
	}
	memcpy(fm->slot_name, dev->name, sizeof(fm->slot_name));
	fm->slot_name[sizeof(fm->slot_name) - 1] = '\0';
	if ((rc = rvio_connect(slot, &fm->c))) {
		kprintf("fwd: %s: cannot connect to domain %u's server (%ld)\n", fm->slot_name,
			dev->backend, rc);
		kfree(fm);
		return;
	}
	fm->backend = rvio_backend(fm->c);
	if (!(fm->pg_path = grant_page(fm, &fm->ref_path, true)) ||
	    !(fm->pg_path2 = grant_page(fm, &fm->ref_path2, true))) {
		kprintf("fwd: %s: cannot grant its pages\n", fm->slot_name);
		return;
	}
	for (unsigned i = 0; i < FSIF_DATA_SEGS; i++)
		if (!(fm->pg_data[i] = grant_page(fm, &fm->ref_data[i], false))) {
			kprintf("fwd: %s: cannot grant its pages\n", fm->slot_name);
			return;
		}
	fsif_req_init(&rq, 0, FSIF_OP_ATTACH);
	rq.arg = FSIF_VERSION;
	rc = call(fm, &rq, &rs);
	if (rc <= 0) {
		kprintf("fwd: %s: the server in domain %u refused to attach (%ld)\n", fm->slot_name,
			fm->backend, rc);
		return;
	}
	fm->handles = (uint32_t)rc;
	fm->m.ops = &fwd_ops;
	fm->m.fs = fm;
	fm->m.type = "fsif";
	fm->m.root = (struct vnode){ &fm->m, 0, VDIR };
	fm->m.dev = vfs_anon_dev();
	fm->m.flags = VFS_MNT_FORWARD | ((dev->flags & RV_DEVF_readonly) ? VFS_MNT_RDONLY : 0);
	snprintf(fm->m.source, sizeof(fm->m.source), "domain%u", fm->backend);
	if ((rc = mount_point(fm->slot_name, &dir))) {
		kprintf("fwd: %s: no mount point (%ld)\n", fm->slot_name, rc);
		return;
	}
	rc = vfs_mount_at(&fm->m, &dir);
	vfs_put(&dir);
	if (rc) {
		kprintf("fwd: %s: cannot mount (%ld)\n", fm->slot_name, rc);
		return;
	}
	kprintf("ringos: mounted %s from domain %u (forwarded system calls%s, %u handles)\n",
		fm->slot_name, fm->backend, (dev->flags & RV_DEVF_readonly) ? ", read-only" : "",
		fm->handles);
}

void fwd_boot(void)
{
	for (unsigned slot = 0; slot < RV_DEVICES_MAX; slot++) {
		const struct rv_device *d = rvio_device(slot);
		if (d && d->type == RV_DEV_vfs)
			connect(slot, d);
	}
}
