/* ramfs: the initramfs unpacker, a newc cpio archive into the tree (pure; see ramfs.h). */
#include "ramfs.h"
#include "ramfs_node.h"
#include "component.h"
#include "cpio.h"

_Static_assert(CPIO_EINVAL == RAMFS_EINVAL, "one EINVAL for the archive and the tree");

/* Linux's new_encode_dev(): what stat reports as st_rdev. */
static uint32_t encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xff) | (major & 0xfff) << 8 | (minor & ~0xffu) << 12;
}

/* The last component of an entry's name, in dir: make it, replacing what is there. */
static int unpack_one(struct ramfs_node *dir, const char *name, size_t len,
		      const struct cpio_entry *e)
{
	uint32_t type = e->mode & CPIO_S_IFMT;
	struct ramfs_node *n = ramfs_find_child(dir, name, len);
	int rc;

	if (n && n->type == RAMFS_DIR) {
		if (type == CPIO_S_IFDIR) {
			n->mode = e->mode & 07777;
			return 0;
		}
		if (n->children)
			return -RAMFS_ENOTEMPTY;
	}
	if (n)
		ramfs_remove_node(n);

	switch (type) {
	case CPIO_S_IFDIR:
		rc = ramfs_new_child(dir, name, len, RAMFS_DIR, &n);
		break;
	case CPIO_S_IFREG:
		if (e->size > RAMFS_FILE_MAX)
			return -RAMFS_EFBIG;
		rc = ramfs_new_child(dir, name, len, RAMFS_FILE, &n);
		if (!rc && e->size) {
			rc = ramfs_set_data(n, e->data, e->size);
			if (rc)
				ramfs_remove_node(n);
		}
		break;
	case CPIO_S_IFLNK:
		/* A target as symlink() would take it: 1 to RAMFS_PATH_MAX - 1 bytes, no NUL. */
		if (e->size == 0 || e->size >= RAMFS_PATH_MAX ||
		    bounded_len(e->data, e->size) != e->size)
			return -RAMFS_EINVAL;
		rc = ramfs_add_symlink(dir, name, len, e->data, e->size, &n);
		break;
	case CPIO_S_IFCHR:
		rc = ramfs_new_child(dir, name, len, RAMFS_CHR, &n);
		if (!rc)
			n->rdev = encode_dev(e->rdev_major, e->rdev_minor);
		break;
	default:
		return -RAMFS_EINVAL;
	}
	if (rc)
		return rc;
	n->mode = e->mode & 07777;
	return 0;
}

/* One entry: walk (and make) its directories below root, then the last component. */
static int unpack(struct ramfs_node *root, const struct cpio_entry *e)
{
	const char *p = e->name;
	size_t len = e->name_len, i = 0;
	struct ramfs_node *dir = root, *next;
	struct component c;

	switch (e->mode & CPIO_S_IFMT) {
	case CPIO_S_IFDIR: case CPIO_S_IFREG: case CPIO_S_IFLNK: case CPIO_S_IFCHR:
		break;
	default:
		return -RAMFS_EINVAL;
	}
	while (component_next(p, len, &i, &c)) {
		int rc;

		if (c.len > RAMFS_NAME_MAX)
			return -RAMFS_ENAMETOOLONG;
		if (component_is(&c, "."))
			continue;
		if (component_is(&c, ".."))
			return -RAMFS_EINVAL;
		if (c.last)
			return unpack_one(dir, c.name, c.len, e);
		next = ramfs_find_child(dir, c.name, c.len);
		if (!next) {
			rc = ramfs_new_child(dir, c.name, c.len, RAMFS_DIR, &next);
			if (rc)
				return rc;
		} else if (next->type != RAMFS_DIR) {
			return -RAMFS_ENOTDIR;  /* a file or a link in the way */
		}
		dir = next;
	}
	/* "", "." or "a/.": the directory itself. */
	if ((e->mode & CPIO_S_IFMT) != CPIO_S_IFDIR)
		return -RAMFS_EINVAL;
	dir->mode = e->mode & 07777;
	return 0;
}

int ramfs_load_cpio(struct ramfs_node *root, const void *archive, size_t size)
{
	struct cpio_entry e;
	size_t off = 0;
	int count = 0, rc;

	if (root->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	if (!root->parent)              /* removed: it must stay empty */
		return -RAMFS_ENOENT;
	for (;;) {
		rc = cpio_next(archive, size, &off, &e);
		if (rc < 0)
			return -RAMFS_EINVAL;
		if (rc == 0)
			return count;
		rc = unpack(root, &e);
		if (rc < 0)
			return rc;
		count++;
	}
}
