/* ramfs: what a node holds: a file's bytes, a link's target, a directory's entries (pure; see ramfs.h). */
#include "ramfs.h"
#include "ramfs_node.h"

int ramfs_reserve(struct ramfs_node *n, size_t need)
{
	struct ramfs *fs = n->fs;
	size_t cap;
	uint8_t *p;

	if (need <= n->cap)
		return 0;
	cap = n->cap * 2;
	if (cap < need)
		cap = need;
	if (cap < 32)
		cap = 32;
	if (cap > RAMFS_FILE_MAX)
		cap = RAMFS_FILE_MAX;
	p = fs->ops.alloc(cap);
	if (!p)
		return -RAMFS_ENOMEM;
	if (n->size)
		memcpy(p, n->data, n->size);
	if (n->data)
		fs->ops.free(n->data);
	n->data = p;
	n->cap = cap;
	return 0;
}

int ramfs_set_data(struct ramfs_node *n, const void *data, size_t len)
{
	int rc = ramfs_reserve(n, len);

	if (rc)
		return rc;
	if (len)
		memcpy(n->data, data, len);
	n->size = len;
	return 0;
}

static int check_file(const struct ramfs_node *n)
{
	if (n->type == RAMFS_DIR)
		return -RAMFS_EISDIR;
	if (n->type != RAMFS_FILE)
		return -RAMFS_EINVAL;
	return 0;
}

long ramfs_read(struct ramfs_node *node, uint64_t offset, void *buf, size_t len)
{
	size_t n;
	int rc = check_file(node);

	if (rc)
		return rc;
	if (offset >= node->size)
		return 0;
	n = node->size - (size_t)offset;
	if (n > len)
		n = len;
	memcpy(buf, node->data + (size_t)offset, n);
	return (long)n;
}

long ramfs_write(struct ramfs_node *node, uint64_t offset, const void *buf, size_t len)
{
	size_t end;
	int rc = check_file(node);

	if (rc)
		return rc;
	if (len == 0)
		return 0;
	if (offset > RAMFS_FILE_MAX || len > RAMFS_FILE_MAX - offset)
		return -RAMFS_EFBIG;
	end = (size_t)offset + len;
	rc = ramfs_reserve(node, end);
	if (rc)
		return rc;
	if (offset > node->size)        /* a hole reads as zeros */
		memset(node->data + node->size, 0, (size_t)offset - node->size);
	memcpy(node->data + (size_t)offset, buf, len);
	if (end > node->size)
		node->size = end;
	return (long)len;
}

int ramfs_truncate(struct ramfs_node *node, uint64_t size)
{
	int rc = check_file(node);

	if (rc)
		return rc;
	if (size > RAMFS_FILE_MAX)
		return -RAMFS_EFBIG;
	if (size > node->size) {
		rc = ramfs_reserve(node, (size_t)size);
		if (rc)
			return rc;
		memset(node->data + node->size, 0, (size_t)size - node->size);
	} else if (size == 0 && node->data) {
		node->fs->ops.free(node->data);
		node->data = NULL;
		node->cap = 0;
	}
	node->size = (size_t)size;
	return 0;
}

long ramfs_readlink(struct ramfs_node *node, char *buf, size_t len)
{
	size_t n;

	if (node->type != RAMFS_SYMLINK)
		return -RAMFS_EINVAL;
	if (node->fs->ops.link_target) {
		char computed[RAMFS_LINK_COMPUTED_MAX];
		size_t k = node->fs->ops.link_target(node, computed, sizeof(computed));
		if (k) {
			n = k < len ? k : len;
			memcpy(buf, computed, n);
			return (long)n;
		}
	}
	n = node->size < len ? node->size : len;
	memcpy(buf, node->data, n);
	return (long)n;
}

int ramfs_readdir(struct ramfs_node *dir, size_t *cookie, struct ramfs_dirent *de)
{
	size_t c = *cookie;
	struct ramfs_node *n;

	if (dir->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	if (c < 2) {
		n = c == 0 || !dir->parent ? dir : dir->parent;
		*de = (struct ramfs_dirent){ c ? ".." : ".", c + 1, RAMFS_DIR, n->ino };
	} else {
		for (n = dir->children; n && c > 2; n = n->next)
			c--;
		if (!n)
			return 0;
		*de = (struct ramfs_dirent){ n->name, n->name_len, n->type, n->ino };
	}
	(*cookie)++;
	return 1;
}
