/*
 * The VFS's paths (vfs.h): walking a path component by component through
 * each filesystem's lookup, into the filesystems mounted on the way and
 * out of them again by "..", following symbolic links wherever they
 * point; and the way back, a file's absolute path. Pure; every walk runs
 * under the VFS lock, one at a time.
 */
#include "vfs.h"
#include "component.h"

extern void *memcpy(void *dst, const void *src, size_t n);

struct walk {
	unsigned links;                 /* symbolic links followed so far */
	unsigned nest;                  /* of which being resolved right now */
	char name[VFS_NAME_MAX + 1];    /* the component being looked up */
	struct vfs_fwd *fwd;            /* stop at a forwarding mount (NULL: never) */
};

/* The walk reached a forwarding mount: the rest of the path, from dir, is
 * the server's. The innermost walk sets it; each walk the link was in
 * appends what followed the link in its own path. */
static int fwd_stop(struct walk *w, const struct vnode *dir, const char *rest, size_t n)
{
	if (n + 1 > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	w->fwd->dir = *dir;
	memcpy(w->fwd->rest, rest, n);
	w->fwd->len = n;
	w->fwd->rest[n] = '\0';
	return VFS_FORWARDED;
}

static int fwd_append(struct walk *w, const char *more, size_t n)
{
	if (w->fwd->len + n + 1 > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(w->fwd->rest + w->fwd->len, more, n);
	w->fwd->len += n;
	w->fwd->rest[w->fwd->len] = '\0';
	return VFS_FORWARDED;
}

/* The targets of the links being resolved, one per level of nesting (too
 * big for a kernel stack; walks take turns under the lock). */
static char targets[VFS_LINK_NEST][VFS_PATH_MAX];

/* Into what is mounted on v, and what is mounted on that. */
static void cross_down(struct vnode *v)
{
	struct mount *m;

	while ((m = vfs_mounted_on(v)))
		*v = m->root;
}

/* "..": out of mount roots to the directories they cover, then up in
 * that filesystem (and into a mount there). ".." of "/" is "/". */
static int go_up(struct vnode *cur)
{
	struct vnode root, up;
	struct mount *m;
	int rc;

	vfs_root(&root);
	while (!vnode_same(cur, &root) && (m = vfs_mount_of_root(cur)) && m->covered.mnt)
		*cur = m->covered;
	if (vnode_same(cur, &root))
		return 0;
	if ((rc = cur->mnt->ops->lookup(cur, "..", &up)))
		return rc;
	cross_down(&up);
	*cur = up;
	return 0;
}

static int walk(struct walk *w, const struct vnode *base, const char *path, size_t len,
		bool follow, struct vnode *out, struct vnode *dir);

/*
 * Where a link leads: its target, from the directory holding it. A chain
 * (a target whose last component is a link again) is followed in this
 * loop, from the directory where each link was found; only links inside a
 * target's path nest.
 */
static int follow_link(struct walk *w, const struct vnode *dir, struct vnode *link)
{
	struct vnode at = *dir, found_in;
	int rc;

	do {
		if (w->links >= VFS_LINK_MAX || w->nest >= VFS_LINK_NEST)
			return -ELOOP;
		char *target = targets[w->nest];
		long n = link->mnt->ops->readlink(link, target, VFS_PATH_MAX - 1);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ENOENT;
		w->links++;
		w->nest++;
		rc = walk(w, &at, target, (size_t)n, false, link, &found_in);
		w->nest--;
		if (rc == VFS_FORWARDED)
			return rc;
		if (rc)
			return rc;
		at = found_in;
	} while (link->type == VLNK);
	return 0;
}

/* path[0..len) from base. *dir: the directory the last component was
 * found in. follow: resolve a link in the last component too. */
static int walk(struct walk *w, const struct vnode *base, const char *path, size_t len,
		bool follow, struct vnode *out, struct vnode *dir)
{
	struct vnode cur = *base, next;
	struct component c;
	size_t i = 0;
	int rc;

	if (len && path[0] == '/')
		vfs_root(&cur);
	*dir = cur;
	while (component_next(path, len, &i, &c)) {
		/* Looking anything up (even "." or "..") needs a directory. */
		if (cur.type != VDIR)
			return -ENOTDIR;
		/* In a forwarding mount, the rest is the server's; only ".."
		 * of its root is ours (out of the mount). */
		if (w->fwd && (cur.mnt->flags & VFS_MNT_FORWARD) &&
		    !(component_is(&c, "..") && vnode_same(&cur, &cur.mnt->root)))
			return fwd_stop(w, &cur, c.name, (size_t)(path + len - c.name));
		if (c.len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		*dir = cur;
		if (component_is(&c, "."))
			continue;
		if (component_is(&c, "..")) {
			if ((rc = go_up(&cur)))
				return rc;
			continue;
		}
		memcpy(w->name, c.name, c.len);
		w->name[c.len] = '\0';
		if ((rc = cur.mnt->ops->lookup(&cur, w->name, &next)))
			return rc;
		cross_down(&next);
		if (next.type == VLNK && (!c.last || follow || c.slash) &&
		    (rc = follow_link(w, &cur, &next))) {
			if (rc == VFS_FORWARDED)
				return fwd_append(w, c.name + c.len, (size_t)(path + len - c.name - c.len));
			return rc;
		}
		cur = next;
	}
	if (len && path[len - 1] == '/' && cur.type != VDIR)
		return -ENOTDIR;
	*out = cur;
	return 0;
}

static int path_len(const char *path, size_t *len)
{
	size_t n = 0;

	while (n < VFS_PATH_MAX && path[n])
		n++;
	if (n == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	*len = n;
	return 0;
}

int vfs_lookup_fwd(const struct vnode *base, const char *path, unsigned flags, struct vnode *out,
		   struct vfs_fwd *fwd)
{
	struct walk w = { .fwd = fwd };
	struct vnode dir;
	size_t len;
	int rc = path_len(path, &len);

	if (rc)
		return rc;
	vfs_lock();
	rc = walk(&w, base, path, len, !(flags & VFS_NOFOLLOW), out, &dir);
	/* The path ends at a forwarding mount's directory ("/host", or "."
	 * there): the server says what it is. */
	if (!rc && fwd && (out->mnt->flags & VFS_MNT_FORWARD))
		rc = fwd_stop(&w, out, ".", 1);
	if (!rc)
		rc = vfs_hold(out);
	else if (rc == VFS_FORWARDED && (rc = vfs_hold(&fwd->dir)) == 0)
		rc = VFS_FORWARDED;
	vfs_unlock();
	return rc;
}

int vfs_lookup(const struct vnode *base, const char *path, unsigned flags, struct vnode *out)
{
	return vfs_lookup_fwd(base, path, flags, out, NULL);
}

int vfs_lookup_parent(const struct vnode *base, const char *path, struct vnode *dir,
		      char name[VFS_NAME_MAX + 1], bool *slash)
{
	return vfs_lookup_parent_fwd(base, path, dir, name, slash, NULL);
}

int vfs_lookup_parent_fwd(const struct vnode *base, const char *path, struct vnode *dir,
			  char name[VFS_NAME_MAX + 1], bool *slash, struct vfs_fwd *fwd)
{
	struct walk w = { .fwd = fwd };
	struct vnode d, found_in;
	size_t len, end, start;
	int rc = path_len(path, &len);

	if (rc)
		return rc;
	for (end = len; end > 0 && path[end - 1] == '/'; end--)
		;
	if (slash)
		*slash = end < len;
	vfs_lock();
	if (end == 0) {                 /* only slashes: "/" itself */
		vfs_root(&d);
		name[0] = '.';
		name[1] = '\0';
	} else {
		for (start = end; start > 0 && path[start - 1] != '/'; start--)
			;
		rc = walk(&w, base, path, start, true, &d, &found_in);
		/* The name goes to the server with the rest, if the walk
		 * stopped at a forwarding mount or its parent is in one. */
		if (!rc && fwd && (d.mnt->flags & VFS_MNT_FORWARD))
			rc = fwd_stop(&w, &d, path + start, len - start);
		else if (rc == VFS_FORWARDED)
			rc = fwd_append(&w, path + start, len - start);
		if (rc == VFS_FORWARDED) {
			if ((rc = vfs_hold(&fwd->dir)) == 0)
				rc = VFS_FORWARDED;
			vfs_unlock();
			return rc;
		}
		if (!rc && d.type != VDIR)
			rc = -ENOTDIR;
		if (!rc && end - start > VFS_NAME_MAX)
			rc = -ENAMETOOLONG;
		if (!rc) {
			memcpy(name, path + start, end - start);
			name[end - start] = '\0';
		}
	}
	if (!rc && !(rc = vfs_hold(&d)))
		*dir = d;
	vfs_unlock();
	return rc;
}

/*
 * Names from v up to "/", written right to left at the end of buf, then
 * moved to the front. A mount's root stands for the directory it covers.
 * Every step adds at least two bytes, so even a ".." chain that loops on
 * a corrupt disk ends, in -ENAMETOOLONG.
 */
long vfs_path_of(const struct vnode *v, char *buf, size_t size)
{
	char name[VFS_NAME_MAX + 1];
	struct vnode cur = *v, root, up;
	size_t at = size - 1;
	long rc = 0;

	buf[at] = '\0';
	vfs_lock();
	vfs_root(&root);
	while (!vnode_same(&cur, &root)) {
		struct mount *m = vfs_mount_of_root(&cur);
		if (m) {
			if (!m->covered.mnt)
				break;          /* "/" under what is mounted on it */
			cur = m->covered;
			continue;
		}
		if ((rc = cur.mnt->ops->parent(&cur, &up, name)))
			goto out;
		size_t n = 0;
		while (name[n])
			n++;
		if (n == 0) {           /* a forwarding mount's top: its root is next */
			cur = up;
			continue;
		}
		if (n + 1 > at) {
			rc = -ENAMETOOLONG;
			goto out;
		}
		at -= n;
		memcpy(buf + at, name, n);
		buf[--at] = '/';
		cur = up;
	}
	if (at == size - 1)
		buf[--at] = '/';
	for (size_t i = 0; i < size - at; i++)
		buf[i] = buf[at + i];
	rc = (long)(size - 1 - at);
out:
	vfs_unlock();
	return rc;
}
