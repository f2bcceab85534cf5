/*
 * ramfs: the in-memory filesystem's tree: nodes, their lifetime and the calls
 * that add, remove and rename them (pure; see ramfs.h). Path lookup is
 * ramfs_lookup.c, contents ramfs_contents.c, the initramfs ramfs_cpio.c.
 */
#include "ramfs.h"
#include "ramfs_node.h"

static bool is_dot_or_dotdot(const char *name, size_t len)
{
	return name_is(name, len, ".") || name_is(name, len, "..");
}

/* A name given to create/remove/rename: one non-empty component. */
static int check_name(const char *name, size_t *len)
{
	size_t n = bounded_len(name, RAMFS_NAME_MAX + 1);

	if (n == 0)
		return -RAMFS_ENOENT;
	if (n > RAMFS_NAME_MAX)
		return -RAMFS_ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/')
			return -RAMFS_EINVAL;
	*len = n;
	return 0;
}

/* ---------------------------------------------------------------- nodes */

static struct ramfs_node *node_new(struct ramfs *fs, enum ramfs_type type, const char *name,
				   size_t len)
{
	struct ramfs_node *n = fs->ops.alloc(sizeof(*n));

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	if (name) {
		n->name = fs->ops.alloc(len + 1);
		if (!n->name) {
			fs->ops.free(n);
			return NULL;
		}
		memcpy(n->name, name, len);
		n->name[len] = '\0';
		n->name_len = len;
	}
	n->fs = fs;
	n->type = type;
	n->ino = fs->next_ino++;
	n->mode = type == RAMFS_DIR ? 0755 : type == RAMFS_SYMLINK ? 0777 : 0644;
	fs->nodes++;
	return n;
}

static void node_free(struct ramfs_node *n)
{
	struct ramfs *fs = n->fs;

	if (n->data)
		fs->ops.free(n->data);
	if (n->name)
		fs->ops.free(n->name);
	fs->ops.free(n);
	fs->nodes--;
}

struct ramfs_node *ramfs_find_child(const struct ramfs_node *dir, const char *name, size_t len)
{
	for (struct ramfs_node *c = dir->children; c; c = c->next)
		if (c->name_len == len && name_is(name, len, c->name))
			return c;
	return NULL;
}

/* Append: readdir lists a directory in creation order. */
static void attach(struct ramfs_node *dir, struct ramfs_node *n)
{
	struct ramfs_node **pp = &dir->children;

	while (*pp)
		pp = &(*pp)->next;
	*pp = n;
	n->next = NULL;
	n->parent = dir;
}

static void detach(struct ramfs_node *n)
{
	struct ramfs_node **pp = &n->parent->children;

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	n->parent = NULL;
}

void ramfs_remove_node(struct ramfs_node *n)
{
	detach(n);
	if (n->refs == 0)
		node_free(n);
}

int ramfs_new_child(struct ramfs_node *dir, const char *name, size_t len, enum ramfs_type type,
		    struct ramfs_node **out)
{
	struct ramfs_node *n = node_new(dir->fs, type, name, len);

	if (!n)
		return -RAMFS_ENOMEM;
	attach(dir, n);
	if (out)
		*out = n;
	return 0;
}


int ramfs_init(struct ramfs *fs, const struct ramfs_ops *ops)
{
	*fs = (struct ramfs){ .ops = *ops, .next_ino = 1 };
	fs->root = node_new(fs, RAMFS_DIR, NULL, 0);
	if (!fs->root)
		return -RAMFS_ENOMEM;
	fs->root->parent = fs->root;
	return 0;
}

/* Depth first without recursion: always free the first child of the deepest directory. */
void ramfs_destroy(struct ramfs *fs)
{
	struct ramfs_node *n = fs->root;

	while (n) {
		struct ramfs_node *up;

		if (n->type == RAMFS_DIR && n->children) {
			n = n->children;
			continue;
		}
		up = n == fs->root ? NULL : n->parent;
		if (up)
			up->children = n->next;
		node_free(n);
		n = up;
	}
	fs->root = NULL;
}

void ramfs_get(struct ramfs_node *node)
{
	node->refs++;
}

void ramfs_put(struct ramfs_node *node)
{
	if (--node->refs == 0 && !node->parent)
		node_free(node);
}

/* ---------------------------------------------------------------- changing the tree */

/* The checks every call that adds name to dir makes. */
static int can_add(struct ramfs_node *dir, const char *name, size_t *len)
{
	int rc;

	if (dir->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	rc = check_name(name, len);
	if (rc)
		return rc;
	if (is_dot_or_dotdot(name, *len))
		return -RAMFS_EEXIST;
	if (!dir->parent)
		return -RAMFS_ENOENT;
	if (ramfs_find_child(dir, name, *len))
		return -RAMFS_EEXIST;
	return 0;
}

int ramfs_create(struct ramfs_node *dir, const char *name, enum ramfs_type type,
		 struct ramfs_node **out)
{
	size_t len;
	int rc;

	if (type != RAMFS_DIR && type != RAMFS_FILE && type != RAMFS_CHR && type != RAMFS_BLK)
		return -RAMFS_EINVAL;
	rc = can_add(dir, name, &len);
	if (rc)
		return rc;
	return ramfs_new_child(dir, name, len, type, out);
}

int ramfs_mkdir(struct ramfs_node *dir, const char *name, struct ramfs_node **out)
{
	return ramfs_create(dir, name, RAMFS_DIR, out);
}


int ramfs_add_symlink(struct ramfs_node *dir, const char *name, size_t len, const char *target,
		      size_t tlen, struct ramfs_node **out)
{
	struct ramfs_node *n;
	int rc;

	if (tlen == 0)
		return -RAMFS_ENOENT;
	if (tlen >= RAMFS_PATH_MAX)
		return -RAMFS_ENAMETOOLONG;
	rc = ramfs_new_child(dir, name, len, RAMFS_SYMLINK, &n);
	if (rc)
		return rc;
	rc = ramfs_set_data(n, target, tlen);
	if (rc) {
		ramfs_remove_node(n);
		return rc;
	}
	if (out)
		*out = n;
	return 0;
}

int ramfs_symlink(struct ramfs_node *dir, const char *name, const char *target,
		  struct ramfs_node **out)
{
	size_t len;
	int rc = can_add(dir, name, &len);

	if (rc)
		return rc;
	return ramfs_add_symlink(dir, name, len, target, bounded_len(target, RAMFS_PATH_MAX),
				 out);
}

/* The checks every call that removes name from dir makes; *child is what it names. */
static int find_existing(struct ramfs_node *dir, const char *name, size_t *len,
			 struct ramfs_node **child)
{
	int rc;

	if (dir->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	rc = check_name(name, len);
	if (rc)
		return rc;
	*child = ramfs_find_child(dir, name, *len);
	return 0;
}

int ramfs_unlink(struct ramfs_node *dir, const char *name)
{
	struct ramfs_node *n;
	size_t len;
	int rc = find_existing(dir, name, &len, &n);

	if (rc)
		return rc;
	if (is_dot_or_dotdot(name, len))
		return -RAMFS_EISDIR;
	if (!n)
		return -RAMFS_ENOENT;
	if (n->type == RAMFS_DIR)
		return -RAMFS_EISDIR;
	ramfs_remove_node(n);
	return 0;
}

int ramfs_rmdir(struct ramfs_node *dir, const char *name)
{
	struct ramfs_node *n;
	size_t len;
	int rc = find_existing(dir, name, &len, &n);

	if (rc)
		return rc;
	if (name_is(name, len, "."))
		return -RAMFS_EINVAL;
	if (name_is(name, len, ".."))
		return -RAMFS_ENOTEMPTY;
	if (!n)
		return -RAMFS_ENOENT;
	if (n->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	if (n->children)
		return -RAMFS_ENOTEMPTY;
	ramfs_remove_node(n);
	return 0;
}

/* Is dir the node d or below it? (dir is in the tree, so its chain ends at the root.) */
static bool is_within(const struct ramfs_node *dir, const struct ramfs_node *d)
{
	for (;;) {
		if (dir == d)
			return true;
		if (dir->parent == dir)
			return false;
		dir = dir->parent;
	}
}

int ramfs_rename(struct ramfs_node *olddir, const char *oldname, struct ramfs_node *newdir,
		 const char *newname)
{
	struct ramfs_node *old, *target;
	size_t oldlen, newlen;
	char *copy;
	int rc;

	rc = find_existing(olddir, oldname, &oldlen, &old);
	if (rc)
		return rc;
	rc = find_existing(newdir, newname, &newlen, &target);
	if (rc)
		return rc;
	if (is_dot_or_dotdot(oldname, oldlen) || is_dot_or_dotdot(newname, newlen))
		return -RAMFS_EBUSY;
	if (!old || !newdir->parent)
		return -RAMFS_ENOENT;
	if (target == old)
		return 0;
	if (old->type == RAMFS_DIR && is_within(newdir, old))
		return -RAMFS_EINVAL;
	if (target) {
		if (old->type == RAMFS_DIR && target->type != RAMFS_DIR)
			return -RAMFS_ENOTDIR;
		if (old->type != RAMFS_DIR && target->type == RAMFS_DIR)
			return -RAMFS_EISDIR;
		if (target->children)
			return -RAMFS_ENOTEMPTY;
	}

	/* The only step that can fail comes before any change. */
	copy = olddir->fs->ops.alloc(newlen + 1);
	if (!copy)
		return -RAMFS_ENOMEM;
	memcpy(copy, newname, newlen);
	copy[newlen] = '\0';

	if (target)
		ramfs_remove_node(target);
	detach(old);
	old->fs->ops.free(old->name);
	old->name = copy;
	old->name_len = newlen;
	attach(newdir, old);
	return 0;
}

