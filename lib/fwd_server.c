/*
 * The server core of system-call forwarding (lib/include/fwd_server.h,
 * docs/io.md "System-call forwarding"). Builds on the host and for ringos's
 * static i386 userland alike: the C library's *at calls only.
 *
 * A walk resolves a path one component at a time. It holds a stack of
 * directory descriptors (struct fwd_level), the bottom one the export's top
 * or the directory handle the path starts from. Each directory is entered
 * with openat(top, name, O_DIRECTORY | O_NOFOLLOW): a symbolic link is never
 * crossed by the kernel, it fails that open, and the walk reads it
 * (readlinkat) and puts its body in front of what remains of the path, an
 * absolute body starting again from the export's top. ".." pops the stack
 * and stays at the top when the stack is at the top. Only the final
 * component reaches the kernel as a name, and only in calls that do not
 * follow it (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, or calls that never follow).
 * A directory renamed or swapped for a link while a walk is inside it
 * changes nothing: the walk holds the directory itself, not its name.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fwd_server.h"

#ifdef O_PATH
#define O_SEARCH_       O_PATH          /* enough to walk through; ringos ignores the bit */
#else
#define O_SEARCH_       O_RDONLY
#endif
#define DIR_FLAGS       (O_SEARCH_ | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* ---------------------------------------------------------------- the walk */

enum last_kind { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

/* How the final component is taken. */
#define W_FOLLOW        1u      /* a final symbolic link is followed */
#define W_NAME          2u      /* the call acts on the name in its directory
				 * (mkdir, unlink, rename, ...): the final is kept
				 * as it is, with a trailing '/' if it had one */
#define W_CREATE        4u      /* open with O_CREAT: a trailing '/' is EISDIR */

struct walk {
	struct fwd_server *s;
	int depth;                      /* lv[0 .. depth] */
	bool base_owned;                /* lv[0].fd is the walk's own (after ".." above a handle) */
	bool base_root;                 /* lv[0] is the export's top */
	int held;                       /* descriptors held above lv[0] */
	enum last_kind kind;            /* what the walk ended at */
	char name[FSIF_NAME_MAX + 2];   /* the final component (and its '/') */
};

static int cur(const struct walk *w)
{
	return w->s->lv[w->depth].fd;
}

static int fstat_id(int fd, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static void walk_release(struct walk *w)
{
	struct fwd_level *lv = w->s->lv;
	for (int i = w->depth; i >= 1; i--)
		if (lv[i].fd >= 0)
			close(lv[i].fd);
	if (w->base_owned)
		close(lv[0].fd);
	w->depth = 0;
	w->held = 0;
	w->base_owned = false;
}

static void walk_at_root(struct walk *w)
{
	walk_release(w);
	w->s->lv[0] = (struct fwd_level){ w->s->root, w->s->root_dev, w->s->root_ino };
	w->base_root = true;
}

/* Enter directory name (one component, not "." or ".."). */
static int step_down(struct walk *w, const char *name)
{
	struct fwd_level *lv = w->s->lv;
	if (w->depth >= FWD_DEPTH_MAX)
		return -ENAMETOOLONG;
	int fd = openat(cur(w), name, DIR_FLAGS);
	if (fd < 0)
		return -errno;
	uint64_t dev = 0, ino = 0;
	int rc = fstat_id(fd, &dev, &ino);
	if (rc) {
		close(fd);
		return rc;
	}
	/* Too many held: let the lowest go, keeping who it was. */
	if (w->held == FWD_HELD) {
		for (int i = 1; i <= w->depth; i++)
			if (lv[i].fd >= 0) {
				close(lv[i].fd);
				lv[i].fd = -1;
				w->held--;
				break;
			}
	}
	lv[++w->depth] = (struct fwd_level){ fd, dev, ino };
	w->held++;
	if (w->s->step_hook)
		w->s->step_hook(w->s->hook_arg, fd, name);
	return 0;
}

/* Is fd (a directory) inside the export? Climbs its ".." to the top. */
static int beneath_root(struct fwd_server *s, int fd)
{
	int at = fd, rc = -ENOENT;
	for (int i = 0; i < FWD_DEPTH_MAX; i++) {
		uint64_t dev = 0, ino = 0, pdev = 0, pino = 0;
		if ((rc = fstat_id(at, &dev, &ino)))
			break;
		if (dev == s->root_dev && ino == s->root_ino) {
			rc = 0;
			break;
		}
		int up = openat(at, "..", DIR_FLAGS);
		if (up < 0) {
			rc = -errno;
			break;
		}
		if (at != fd)
			close(at);
		at = up;
		if ((rc = fstat_id(at, &pdev, &pino)))
			break;
		if (pdev == dev && pino == ino) {       /* the machine's "/": not inside */
			rc = -ENOENT;
			break;
		}
		rc = -ENOENT;
	}
	if (at != fd)
		close(at);
	return rc;
}

/* "..": pop the stack; at the export's top, stay. */
static int step_up(struct walk *w)
{
	struct fwd_server *s = w->s;
	struct fwd_level *lv = s->lv;
	if (w->depth > 0) {
		int child = lv[w->depth].fd;
		w->depth--;
		if (lv[w->depth].fd < 0) {
			/* Let go on the way down: go up by the kernel's ".." and
			 * check it is the same directory as then. */
			int fd = openat(child, "..", DIR_FLAGS);
			int rc = fd < 0 ? -errno : 0;
			uint64_t dev = 0, ino = 0;
			if (!rc && !(rc = fstat_id(fd, &dev, &ino)) &&
			    (dev != lv[w->depth].dev || ino != lv[w->depth].ino))
				rc = -ENOENT;   /* moved while we walked: gone from this path */
			if (rc) {
				if (fd >= 0)
					close(fd);
				lv[w->depth].fd = child;        /* walk_release closes it */
				return rc;
			}
			lv[w->depth].fd = fd;
			w->held++;
		}
		close(child);
		w->held--;
		return 0;
	}
	if (w->base_root || (lv[0].dev == s->root_dev && lv[0].ino == s->root_ino))
		return 0;
	/* Above the directory handle the path started from. */
	int fd = openat(lv[0].fd, "..", DIR_FLAGS);
	if (fd < 0)
		return -errno;
	int rc = beneath_root(s, fd);
	uint64_t dev = 0, ino = 0;
	if (!rc)
		rc = fstat_id(fd, &dev, &ino);
	if (rc) {
		close(fd);
		return rc;
	}
	if (w->base_owned)
		close(lv[0].fd);
	lv[0] = (struct fwd_level){ fd, dev, ino };
	w->base_owned = true;
	w->base_root = dev == s->root_dev && ino == s->root_ino;
	return 0;
}

/* name in the current directory, if it is a symbolic link: its body in
 * s->buf2 and its length (>= 0); otherwise -1. */
static long link_body(struct walk *w, const char *name)
{
	ssize_t n = readlinkat(cur(w), name, w->s->buf2, FSIF_PATH_MAX);
	if (n < 0)
		return -1;
	return n;
}

/*
 * Resolve path[0..len) from the walk's start. On success the walk's top is
 * the directory the final component is in, w->kind and w->name what it is.
 * For calls that do not take the name (no W_NAME) the final is resolved
 * further: "." and ".." (and a trailing '/', which must end at a directory)
 * become the directory itself, named ".".
 */
static int walk_path(struct walk *w, const char *path, size_t len, unsigned how)
{
	char *buf = w->s->buf;
	size_t end = FWD_BUF_SIZE, pos = end - len;
	unsigned links = 0;
	bool fresh = true;              /* buf[pos] starts a path or a link's body */

	memcpy(buf + pos, path, len);
	for (;;) {
		if (fresh && pos < end && buf[pos] == '/')
			walk_at_root(w);
		fresh = false;
		while (pos < end && buf[pos] == '/')
			pos++;
		if (pos == end) {               /* nothing but '/': the top itself */
			w->kind = LAST_ROOT;
			strcpy(w->name, ".");
			return 0;
		}
		size_t e = pos;
		while (e < end && buf[e] != '/')
			e++;
		size_t clen = e - pos, q = e;
		while (q < end && buf[q] == '/')
			q++;
		bool last = q == end, slash = e != end;
		if (clen > FSIF_NAME_MAX)
			return -ENAMETOOLONG;
		char name[FSIF_NAME_MAX + 1];
		memcpy(name, buf + pos, clen);
		name[clen] = 0;
		bool dot = !strcmp(name, "."), dotdot = !strcmp(name, "..");
		pos = e;                        /* what remains starts with its '/' */
		int rc;

		if (last && (how & W_NAME)) {
			w->kind = dot ? LAST_DOT : dotdot ? LAST_DOTDOT : LAST_NORM;
			memcpy(w->name, name, clen);
			strcpy(w->name + clen, slash ? "/" : "");
			return 0;
		}
		if (dot) {
			if (last) {
				w->kind = LAST_DOT;
				strcpy(w->name, ".");
				return 0;
			}
			continue;
		}
		if (dotdot) {
			if ((rc = step_up(w)))
				return rc;
			if (last) {
				w->kind = LAST_DOTDOT;
				strcpy(w->name, ".");
				return 0;
			}
			continue;
		}
		long n = -1;
		if (!last) {
			if (!(rc = step_down(w, name)))
				continue;
			n = link_body(w, name);
			if (n < 0)
				return rc;
		} else {
			/* O_CREAT on "x/" is EISDIR before x is looked at (Linux's
			 * open_last_lookups), link or not, there or not. */
			if (slash && (how & W_CREATE))
				return -EISDIR;
			/* A trailing '/' follows a final link as a middle one. */
			if ((how & W_FOLLOW) || slash)
				n = link_body(w, name);
			if (n < 0) {
				if (slash) {            /* "x/" is "x/.": x must be a directory */
					if ((rc = step_down(w, name)))
						return rc;
					w->kind = LAST_DOT;
					strcpy(w->name, ".");
					return 0;
				}
				w->kind = LAST_NORM;
				strcpy(w->name, name);
				if (w->s->final_hook)
					w->s->final_hook(w->s->hook_arg, cur(w), name);
				return 0;
			}
		}
		/* A symbolic link: its body goes in front of the rest. */
		if (++links > FSIF_LINK_MAX)
			return -ELOOP;
		if (n == 0)
			return -ENOENT;
		if (n >= FSIF_PATH_MAX)
			return -ENAMETOOLONG;
		if ((size_t)n > pos)            /* cannot happen: 41 bodies fit */
			return -ENAMETOOLONG;
		pos -= n;
		memcpy(buf + pos, w->s->buf2, n);
		fresh = true;
	}
}

/* Check a path segment and start a walk for it from dir. */
static int path_arg(struct fwd_server *s, const struct fsif_seg *seg, const char *bytes, size_t cap,
		    uint32_t dir, struct walk *w)
{
	size_t len = seg->len;
	memset(w, 0, sizeof(*w));
	w->s = s;
	walk_at_root(w);
	if (len == 0)
		return -ENOENT;
	if (len >= FSIF_PATH_MAX)
		return -ENAMETOOLONG;
	if (seg->offset >= 4096 || len > 4096 - seg->offset || !bytes || len > cap)
		return -EFAULT;
	if (memchr(bytes, 0, len))
		return -EINVAL;
	if (bytes[0] == '/' || dir == FSIF_ROOT)
		return 0;
	if (dir >= FWD_HANDLES || s->fd[dir] < 0)
		return -EBADF;
	if (!s->isdir[dir])
		return -ENOTDIR;
	uint64_t dev = 0, ino = 0;
	int rc = fstat_id(s->fd[dir], &dev, &ino);
	if (rc)
		return rc;
	s->lv[0] = (struct fwd_level){ s->fd[dir], dev, ino };
	w->base_root = dev == s->root_dev && ino == s->root_ino;
	return 0;
}

/* Walk path of req (path, or path2 when second) for a call taking how. */
static int resolve(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b,
		   bool second, unsigned how, struct walk *w)
{
	int rc = second ? path_arg(s, &req->path2, b->path2, b->path2_cap, req->dir2, w)
			: path_arg(s, &req->path, b->path, b->path_cap, req->dir, w);
	if (!rc) {
		const char *p = second ? b->path2 : b->path;
		rc = walk_path(w, p, second ? req->path2.len : req->path.len, how);
	}
	return rc;
}

/* ---------------------------------------------------------------- the calls */

static int handle_fd(struct fwd_server *s, uint32_t h)
{
	return h < FWD_HANDLES ? s->fd[h] : -1;
}

static void put_stat(const struct stat *st, struct fsif_stat *o)
{
	memset(o, 0, sizeof(*o));
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->rdev = st->st_rdev;
	o->size = st->st_size;
	o->blocks = st->st_blocks;
	o->atime = st->st_atim.tv_sec;
	o->mtime = st->st_mtim.tv_sec;
	o->ctime = st->st_ctim.tv_sec;
	o->atime_nsec = st->st_atim.tv_nsec;
	o->mtime_nsec = st->st_mtim.tv_nsec;
	o->ctime_nsec = st->st_ctim.tv_nsec;
	o->mode = st->st_mode;
	o->nlink = st->st_nlink;
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->blksize = st->st_blksize;
}

/* The wire's open flags as the host's. */
static int host_oflags(uint32_t f)
{
	static const struct { uint32_t wire; int host; } map[] = {
		{ FSIF_O_CREAT, O_CREAT }, { FSIF_O_EXCL, O_EXCL }, { FSIF_O_TRUNC, O_TRUNC },
		{ FSIF_O_APPEND, O_APPEND }, { FSIF_O_NONBLOCK, O_NONBLOCK },
		{ FSIF_O_SYNC, O_SYNC }, { FSIF_O_DSYNC, O_DSYNC },
		{ FSIF_O_DIRECTORY, O_DIRECTORY }, { FSIF_O_NOFOLLOW, O_NOFOLLOW },
	};
	int h = (f & FSIF_O_ACCMODE) == FSIF_O_WRONLY ? O_WRONLY :
		(f & FSIF_O_ACCMODE) == FSIF_O_RDWR ? O_RDWR :
		(f & FSIF_O_ACCMODE) == FSIF_O_RDONLY ? O_RDONLY : O_ACCMODE;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((f & map[i].wire) == map[i].wire)
			h |= map[i].host;
	return h;
}

static long op_open(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	uint32_t f = req->flags;
	if (f & ~(uint32_t)FSIF_O_ALLOWED)
		return -EINVAL;
	int h = 0;
	while (h < FWD_HANDLES && s->fd[h] >= 0)
		h++;
	if (h == FWD_HANDLES)
		return -EMFILE;                 /* as open(2): a descriptor first */
	bool creat = f & FSIF_O_CREAT, excl = creat && (f & FSIF_O_EXCL);
	unsigned how = (f & FSIF_O_NOFOLLOW) || excl ? 0 : W_FOLLOW;
	struct walk w;
	long rc = resolve(s, req, b, false, how | (creat ? W_CREATE : 0), &w);
	if (!rc) {
		int fd = openat(cur(&w), w.name, host_oflags(f) | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
				(mode_t)(req->mode & 07777));
		struct stat st;
		if (fd < 0) {
			rc = -errno;
		} else if (fstat(fd, &st)) {
			rc = -errno;
			close(fd);
		} else {
			s->fd[h] = fd;
			s->isdir[h] = S_ISDIR(st.st_mode);
			rc = h;
		}
	}
	walk_release(&w);
	return rc;
}

static long op_stat(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b,
		    struct fsif_rsp *rsp)
{
	if (req->flags & ~(uint32_t)FSIF_AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	struct walk w;
	long rc = resolve(s, req, b, false, (req->flags & FSIF_AT_SYMLINK_NOFOLLOW) ? 0 : W_FOLLOW, &w);
	struct stat st;
	if (!rc && fstatat(cur(&w), w.name, &st, AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	if (!rc)
		put_stat(&st, &rsp->u.st);
	walk_release(&w);
	return rc;
}

/* mkdir, rmdir, unlink: the final name in its directory. */
static long op_name(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	struct walk w;
	long rc = resolve(s, req, b, false, W_NAME, &w);
	if (rc)
		goto out;
	if (w.kind == LAST_ROOT || w.kind == LAST_DOTDOT) {
		/* The kernel refuses these by their kind alone, before any
		 * lookup; ".." is not handed to it (it would name the export's
		 * parent at the top): "." draws the same answer, except rmdir's. */
		if (req->op == FSIF_OP_RMDIR) {
			rc = w.kind == LAST_ROOT ? -EBUSY : -ENOTEMPTY;
			goto out;
		}
		strcpy(w.name, ".");
	}
	switch (req->op) {
	case FSIF_OP_MKDIR:
		rc = mkdirat(cur(&w), w.name, (mode_t)(req->mode & 07777)) ? -errno : 0;
		break;
	case FSIF_OP_RMDIR:
		rc = unlinkat(cur(&w), w.name, AT_REMOVEDIR) ? -errno : 0;
		break;
	default:
		rc = unlinkat(cur(&w), w.name, 0) ? -errno : 0;
		break;
	}
out:
	walk_release(&w);
	return rc;
}

static long op_rename(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	if (req->flags & ~FSIF_RENAME_NOREPLACE)
		return -EINVAL;
	/* Two walks at once: the second keeps its stack in lv2. */
	struct walk w1, w2;
	long rc = resolve(s, req, b, false, W_NAME, &w1);
	if (rc) {
		walk_release(&w1);
		return rc;
	}
	/* The first walk's directory is kept apart (its own descriptor) so
	 * the second may use the stack. */
	int d1 = openat(cur(&w1), ".", DIR_FLAGS);
	char n1[sizeof(w1.name)];
	strcpy(n1, w1.kind == LAST_NORM || w1.kind == LAST_DOT ? w1.name : ".");
	walk_release(&w1);
	if (d1 < 0)
		return -errno;
	rc = resolve(s, req, b, true, W_NAME, &w2);
	if (!rc) {
		const char *n2 = w2.kind == LAST_NORM || w2.kind == LAST_DOT ? w2.name : ".";
		if (req->flags & FSIF_RENAME_NOREPLACE)
			rc = renameat2(d1, n1, cur(&w2), n2, RENAME_NOREPLACE) ? -errno : 0;
		else
			rc = renameat(d1, n1, cur(&w2), n2) ? -errno : 0;
	}
	walk_release(&w2);
	close(d1);
	return rc;
}

static long op_readlink(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	if (req->count == 0)
		return -EINVAL;                 /* readlink(2) checks bufsiz first */
	struct walk w;
	long rc = resolve(s, req, b, false, 0, &w);
	if (!rc) {
		ssize_t n = readlinkat(cur(&w), w.name, b->data, req->count);
		rc = n < 0 ? -errno : n;
	}
	walk_release(&w);
	return rc;
}

static long op_symlink(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	/* The target is data, stored as given: checked as symlink(2) does. */
	size_t tlen = req->path2.len;
	if (tlen == 0)
		return -ENOENT;
	if (tlen >= FSIF_PATH_MAX)
		return -ENAMETOOLONG;
	if (req->path2.offset >= 4096 || tlen > 4096 - req->path2.offset || !b->path2 ||
	    tlen > b->path2_cap)
		return -EFAULT;
	if (memchr(b->path2, 0, tlen))
		return -EINVAL;
	struct walk w;
	long rc = resolve(s, req, b, false, W_NAME, &w);
	if (!rc) {
		memcpy(s->buf2, b->path2, tlen);
		s->buf2[tlen] = 0;
		if (w.kind == LAST_ROOT || w.kind == LAST_DOTDOT)
			strcpy(w.name, ".");
		rc = symlinkat(s->buf2, cur(&w), w.name) ? -errno : 0;
	}
	walk_release(&w);
	return rc;
}

/* truncate and chmod: the file the path names, through a descriptor of it
 * where the file allows, so that the name is not looked up again. */
static long op_setattr(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	bool trunc = req->op == FSIF_OP_TRUNCATE;
	if (trunc && (int64_t)req->offset < 0)
		return -EINVAL;                 /* truncate(2) checks the length first */
	struct walk w;
	long rc = resolve(s, req, b, false, W_FOLLOW, &w);
	struct stat st;
	if (rc)
		goto out;
	if (fstatat(cur(&w), w.name, &st, AT_SYMLINK_NOFOLLOW)) {
		rc = -errno;
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		rc = -ELOOP;                    /* became a link since the walk: not followed */
		goto out;
	}
	if (trunc) {
		if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
			rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
			goto out;
		}
		int fd = openat(cur(&w), w.name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			goto out;
		}
		rc = ftruncate(fd, (off_t)req->offset) ? -errno : 0;
		close(fd);
		goto out;
	}
	mode_t mode = (mode_t)(req->mode & 07777);
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		int fd = openat(cur(&w), w.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			rc = fchmod(fd, mode) ? -errno : 0;
			close(fd);
			goto out;
		}
		if (errno == ELOOP) {
			rc = -ELOOP;
			goto out;
		}
	}
	/* Not openable for reading (a device, a file without r for a server
	 * that is not root): by name, no longer a link a moment ago. */
	rc = fchmodat(cur(&w), w.name, mode, 0) ? -errno : 0;
out:
	walk_release(&w);
	return rc;
}

/* read, write, pread, pwrite, getdents64: count bytes of the data buffer. */
static long op_io(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b)
{
	int fd = handle_fd(s, req->handle);
	if (fd < 0)
		return -EBADF;
	if (req->nr_data > FSIF_DATA_SEGS)
		return -EINVAL;
	size_t total = 0;
	for (unsigned i = 0; i < req->nr_data; i++) {
		if (req->data[i].offset >= 4096 || req->data[i].len > 4096 - req->data[i].offset)
			return -EFAULT;
		total += req->data[i].len;
	}
	if (req->count > total || (req->count && (!b->data || req->count > b->data_cap)))
		return -EFAULT;
	ssize_t n;
	switch (req->op) {
	case FSIF_OP_READ:
		n = read(fd, b->data, req->count);
		break;
	case FSIF_OP_WRITE:
		n = write(fd, b->data, req->count);
		break;
	case FSIF_OP_PREAD:
		n = pread(fd, b->data, req->count, (off_t)req->offset);
		break;
	case FSIF_OP_PWRITE:
		n = pwrite(fd, b->data, req->count, (off_t)req->offset);
		break;
	default:
		n = syscall(SYS_getdents64, fd, b->data, (size_t)req->count);
		break;
	}
	return n < 0 ? -errno : n;
}

static long op_fd(struct fwd_server *s, const struct fsif_req *req, struct fsif_rsp *rsp)
{
	int fd = handle_fd(s, req->handle);
	if (fd < 0)
		return -EBADF;
	struct stat st;
	off_t off;
	switch (req->op) {
	case FSIF_OP_CLOSE:
		close(fd);
		s->fd[req->handle] = -1;
		s->isdir[req->handle] = 0;
		return 0;
	case FSIF_OP_LSEEK:
		off = lseek(fd, (off_t)(int64_t)req->offset, (int)req->arg);
		if (off < 0)
			return -errno;
		rsp->u.offset = off;
		return 0;
	case FSIF_OP_FSTAT:
		if (fstat(fd, &st))
			return -errno;
		put_stat(&st, &rsp->u.st);
		return 0;
	case FSIF_OP_FTRUNCATE:
		if ((int64_t)req->offset < 0)
			return -EINVAL;
		return ftruncate(fd, (off_t)req->offset) ? -errno : 0;
	case FSIF_OP_FSYNC:
		if (req->arg > 1)
			return -EINVAL;
		return (req->arg ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	case FSIF_OP_FCHMOD:
		return fchmod(fd, (mode_t)(req->mode & 07777)) ? -errno : 0;
	}
	return -ENOSYS;
}

static void close_all(struct fwd_server *s)
{
	for (int h = 0; h < FWD_HANDLES; h++) {
		if (s->fd[h] >= 0)
			close(s->fd[h]);
		s->fd[h] = -1;
		s->isdir[h] = 0;
	}
}

void fwd_server_handle(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b,
		       struct fsif_rsp *rsp)
{
	long rc;
	memset(rsp, 0, sizeof(*rsp));
	rsp->id = req->id;
	rsp->op = req->op;
	if (req->op == FSIF_OP_ATTACH) {
		if (req->arg != FSIF_VERSION) {
			rc = -EPROTONOSUPPORT;
		} else {
			close_all(s);
			s->attached = 1;
			rc = FWD_HANDLES;
		}
		rsp->ret = (int32_t)rc;
		return;
	}
	if (req->op == 0 || req->op >= FSIF_OP_MAX) {
		rsp->ret = -ENOSYS;
		return;
	}
	if (!s->attached) {
		rsp->ret = -ENOTCONN;
		return;
	}
	int saved = errno;
	switch (req->op) {
	case FSIF_OP_OPEN:
		rc = op_open(s, req, b);
		if (rc >= 0) {          /* what was opened: its stat, so one request does */
			struct stat st;
			if (!fstat(s->fd[rc], &st))
				put_stat(&st, &rsp->u.st);
		}
		break;
	case FSIF_OP_READ:
	case FSIF_OP_WRITE:
	case FSIF_OP_PREAD:
	case FSIF_OP_PWRITE:
	case FSIF_OP_GETDENTS64:
		rc = op_io(s, req, b);
		break;
	case FSIF_OP_STAT:
		rc = op_stat(s, req, b, rsp);
		break;
	case FSIF_OP_MKDIR:
	case FSIF_OP_RMDIR:
	case FSIF_OP_UNLINK:
		rc = op_name(s, req, b);
		break;
	case FSIF_OP_RENAME:
		rc = op_rename(s, req, b);
		break;
	case FSIF_OP_READLINK:
		rc = op_readlink(s, req, b);
		break;
	case FSIF_OP_SYMLINK:
		rc = op_symlink(s, req, b);
		break;
	case FSIF_OP_TRUNCATE:
	case FSIF_OP_CHMOD:
		rc = op_setattr(s, req, b);
		break;
	default:
		rc = op_fd(s, req, rsp);
		break;
	}
	errno = saved;
	rsp->ret = (int32_t)rc;
}

int fwd_server_init(struct fwd_server *s, int root)
{
	memset(s, 0, sizeof(*s));
	s->root = root;
	for (int h = 0; h < FWD_HANDLES; h++)
		s->fd[h] = -1;
	struct stat st;
	if (fstat(root, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	s->root_dev = st.st_dev;
	s->root_ino = st.st_ino;
	s->buf = malloc(FWD_BUF_SIZE);
	s->buf2 = malloc(FSIF_PATH_MAX + 1);
	s->lv = malloc(sizeof(struct fwd_level) * (FWD_DEPTH_MAX + 1));
	if (!s->buf || !s->buf2 || !s->lv) {
		fwd_server_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void fwd_server_fini(struct fwd_server *s)
{
	close_all(s);
	free(s->buf);
	free(s->buf2);
	free(s->lv);
	s->buf = s->buf2 = NULL;
	s->lv = NULL;
}
