/*
 * The VFS's mounts and references (vfs.h): the mount table, in mount order
 * (a mount inside another always comes after it), which directories are
 * covered, and the files held in each mount, counted so that a filesystem
 * is asked to hold a file once however many descriptors share it, and an
 * unmount can tell that nothing is in use. Pure.
 */
#include "vfs.h"

/* A file held in a mount: how many holds (open files, working
 * directories, mounts on it) share the filesystem's one. */
struct vfs_held {
	struct vfs_held *next;
	uintptr_t id;
	unsigned count;
};

static struct mount *mounts;            /* "/" first */
static uint32_t next_anon = 16;

void vfs_mount_root(struct mount *m)
{
	m->covered = (struct vnode){ 0 };
	m->next = NULL;
	mounts = m;
}

struct mount *vfs_mount_of_root(const struct vnode *v)
{
	return v->mnt && v->id == v->mnt->root.id ? v->mnt : NULL;
}

struct mount *vfs_mounted_on(const struct vnode *v)
{
	for (struct mount *m = mounts; m; m = m->next)
		if (m->covered.mnt && vnode_same(&m->covered, v))
			return m;
	return NULL;
}

void vfs_root(struct vnode *out)
{
	struct mount *m;

	*out = mounts->root;
	while ((m = vfs_mounted_on(out)))
		*out = m->root;
}

uint32_t vfs_anon_dev(void)
{
	return next_anon++;
}

int vfs_each_mount(int (*fn)(struct mount *m, void *arg), void *arg)
{
	int rc = 0;

	vfs_lock();
	for (struct mount *m = mounts; m && !rc; m = m->next)
		rc = fn(m, arg);
	vfs_unlock();
	return rc;
}

/* ---------------------------------------------------------------- holding files */

static struct vfs_held **find_held(const struct vnode *v)
{
	struct vfs_held **pp = &v->mnt->held;

	while (*pp && (*pp)->id != v->id)
		pp = &(*pp)->next;
	return pp;
}

int vfs_hold(const struct vnode *v)
{
	struct vfs_held **pp, *h;
	int rc = 0;

	vfs_lock();
	pp = find_held(v);
	if (*pp) {
		(*pp)->count++;
		goto out;
	}
	if (!(h = vfs_alloc(sizeof(*h)))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = v->mnt->ops->hold(v))) {
		vfs_free(h);
		goto out;
	}
	h->id = v->id;
	h->count = 1;
	h->next = v->mnt->held;
	v->mnt->held = h;
out:
	vfs_unlock();
	return rc;
}

void vfs_put(const struct vnode *v)
{
	struct vfs_held **pp, *h;

	vfs_lock();
	pp = find_held(v);
	h = *pp;
	if (h && --h->count == 0) {
		*pp = h->next;
		vfs_free(h);
		v->mnt->ops->release(v);
	}
	vfs_unlock();
}

/* ---------------------------------------------------------------- mounting */

int vfs_mount_at(struct mount *m, const struct vnode *dir)
{
	struct mount **pp;
	int rc = -EBUSY;

	if (dir->type != VDIR)
		return -ENOTDIR;
	vfs_lock();
	if (vfs_mounted_on(dir))
		goto out;
	for (pp = &mounts; *pp; pp = &(*pp)->next)
		if ((*pp)->dev == m->dev)
			goto out;               /* one device, one mount */
	if ((rc = vfs_hold(dir)))
		goto out;
	m->covered = *dir;
	m->held = NULL;
	m->next = NULL;
	*pp = m;
out:
	vfs_unlock();
	return rc;
}

/* Out of the table and handed to its filesystem; the covered directory let go. */
static int take_down(struct mount *m)
{
	struct vnode covered = m->covered;
	struct mount **pp = &mounts;

	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	int rc = m->ops->unmount(m);
	vfs_put(&covered);
	return rc;
}

int vfs_umount(struct mount *m)
{
	int rc = -EBUSY;

	vfs_lock();
	if (m != mounts && !(m->flags & VFS_MNT_KERNEL) && !m->held)
		rc = take_down(m);
	vfs_unlock();
	return rc;
}

static int sync_one(struct mount *m, void *first_error)
{
	int rc = m->ops->sync ? m->ops->sync(m) : 0, *first = first_error;

	if (rc && !*first)
		*first = rc;
	return 0;
}

int vfs_sync_all(void)
{
	int first = 0;

	vfs_each_mount(sync_one, &first);
	return first;
}

int vfs_shutdown(void)
{
	int first = vfs_sync_all();

	vfs_lock();
	for (;;) {
		/* The last one that may go: nothing is mounted inside it. */
		struct mount *last = NULL;
		for (struct mount *m = mounts->next; m; m = m->next)
			if (!(m->flags & VFS_MNT_KERNEL))
				last = m;
		if (!last)
			break;
		/* Its filesystem lets go of everything itself. */
		while (last->held) {
			struct vfs_held *h = last->held;
			last->held = h->next;
			vfs_free(h);
		}
		int rc = take_down(last);
		first = first ? first : rc;
	}
	vfs_unlock();
	return first;
}
