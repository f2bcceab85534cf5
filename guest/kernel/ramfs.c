/* ramfs: the in-memory filesystem tree, path lookup and the initramfs unpacker (pure; see ramfs.h). */
#include "ramfs.h"
#include "cpio.h"

/* The kernel provides these (and gcc needs them in freestanding code anyway). */
extern void *memcpy(void *dst, const void *src, size_t n);
extern void *memset(void *s, int c, size_t n);

_Static_assert(CPIO_EINVAL == RAMFS_EINVAL, "one EINVAL for the archive and the tree");

/* Bytes before the first NUL of s, or max if there is none among the first max. */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static bool name_is(const char *name, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (what[i] == '\0' || what[i] != name[i])
			return false;
	return what[i] == '\0';
}

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

static struct ramfs_node *find_child(const struct ramfs_node *dir, const char *name, size_t len)
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

/* Out of the tree: gone now, or when its last reference is dropped. */
static void remove_node(struct ramfs_node *n)
{
	detach(n);
	if (n->refs == 0)
		node_free(n);
}

static int new_child(struct ramfs_node *dir, const char *name, size_t len, enum ramfs_type type,
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

/* Room for need bytes of data: doubling, so that appends are cheap, but a
 * first write gets exactly its size (the initramfs files). */
static int reserve(struct ramfs_node *n, size_t need)
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

/* ---------------------------------------------------------------- lookup */

struct walk {
	unsigned links;         /* symbolic links followed so far */
	unsigned nest;          /* of which being resolved right now */
};

static int walk(struct walk *w, struct ramfs_node *cwd, const char *path, size_t len, bool follow,
		struct ramfs_node **out);

/*
 * Where a link leads: its target, relative to the directory holding it. A
 * chain of links (a target whose last component is a link again) is followed
 * in this loop; only links inside a target's path nest.
 */
static int follow_link(struct walk *w, struct ramfs_node *link, struct ramfs_node **out)
{
	struct ramfs_node *n;
	int rc;

	do {
		char computed[RAMFS_LINK_COMPUTED_MAX];
		const char *target = (const char *)link->data;
		size_t len = link->size, k;

		if (w->links >= RAMFS_LINK_MAX || w->nest >= RAMFS_LINK_NEST)
			return -RAMFS_ELOOP;
		if (link->fs->ops.link_target &&
		    (k = link->fs->ops.link_target(link, computed, sizeof(computed)))) {
			target = computed;
			len = k;
		}
		if (len == 0)
			return -RAMFS_ENOENT;
		w->links++;
		w->nest++;
		rc = walk(w, link->parent, target, len, false, &n);
		w->nest--;
		if (rc)
			return rc;
		link = n;
	} while (n->type == RAMFS_SYMLINK);
	*out = n;
	return 0;
}

/* path[0..len) from cwd. follow: resolve a link in the last component too. */
static int walk(struct walk *w, struct ramfs_node *cwd, const char *path, size_t len, bool follow,
		struct ramfs_node **out)
{
	struct ramfs_node *cur = cwd, *next;
	size_t i = 0;
	int rc;

	if (len && path[0] == '/')
		cur = cwd->fs->root;
	for (;;) {
		size_t start, clen;
		bool slash, last;

		while (i < len && path[i] == '/')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		clen = i - start;
		slash = i < len;
		while (i < len && path[i] == '/')
			i++;
		last = i == len;

		/* Looking anything up (even "." or "..") needs a directory. */
		if (cur->type != RAMFS_DIR)
			return -RAMFS_ENOTDIR;
		if (clen > RAMFS_NAME_MAX)
			return -RAMFS_ENAMETOOLONG;
		if (name_is(path + start, clen, "."))
			continue;
		if (name_is(path + start, clen, "..")) {
			if (!cur->parent)       /* a removed directory */
				return -RAMFS_ENOENT;
			cur = cur->parent;
			continue;
		}
		next = find_child(cur, path + start, clen);
		if (!next)
			return -RAMFS_ENOENT;
		if (next->type == RAMFS_SYMLINK && (!last || follow || slash)) {
			rc = follow_link(w, next, &next);
			if (rc)
				return rc;
		}
		cur = next;
	}
	if (len && path[len - 1] == '/' && cur->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	*out = cur;
	return 0;
}

static int path_len(const char *path, size_t *len)
{
	size_t n = bounded_len(path, RAMFS_PATH_MAX);

	if (n == RAMFS_PATH_MAX)
		return -RAMFS_ENAMETOOLONG;
	if (n == 0)
		return -RAMFS_ENOENT;
	*len = n;
	return 0;
}

int ramfs_lookup_flags(struct ramfs_node *cwd, const char *path, unsigned flags,
		       struct ramfs_node **out)
{
	struct walk w = { 0 };
	size_t len;
	int rc = path_len(path, &len);

	if (rc)
		return rc;
	return walk(&w, cwd, path, len, !(flags & RAMFS_NOFOLLOW), out);
}

int ramfs_lookup(struct ramfs_node *cwd, const char *path, struct ramfs_node **out)
{
	return ramfs_lookup_flags(cwd, path, 0, out);
}

int ramfs_lookup_parent(struct ramfs_node *cwd, const char *path, struct ramfs_node **dir,
			char name[RAMFS_NAME_MAX + 1], bool *trailing_slash)
{
	struct walk w = { 0 };
	size_t len, end, start;
	struct ramfs_node *d;
	int rc = path_len(path, &len);

	if (rc)
		return rc;
	for (end = len; end > 0 && path[end - 1] == '/'; end--)
		;
	if (trailing_slash)
		*trailing_slash = end < len;
	if (end == 0) {                 /* only slashes: the root itself */
		*dir = cwd->fs->root;
		name[0] = '.';
		name[1] = '\0';
		return 0;
	}
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	rc = walk(&w, cwd, path, start, true, &d);
	if (rc)
		return rc;
	if (d->type != RAMFS_DIR)
		return -RAMFS_ENOTDIR;
	if (end - start > RAMFS_NAME_MAX)
		return -RAMFS_ENAMETOOLONG;
	memcpy(name, path + start, end - start);
	name[end - start] = '\0';
	*dir = d;
	return 0;
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
	if (find_child(dir, name, *len))
		return -RAMFS_EEXIST;
	return 0;
}

int ramfs_create(struct ramfs_node *dir, const char *name, enum ramfs_type type,
		 struct ramfs_node **out)
{
	size_t len;
	int rc;

	if (type != RAMFS_DIR && type != RAMFS_FILE && type != RAMFS_CHR)
		return -RAMFS_EINVAL;
	rc = can_add(dir, name, &len);
	if (rc)
		return rc;
	return new_child(dir, name, len, type, out);
}

int ramfs_mkdir(struct ramfs_node *dir, const char *name, struct ramfs_node **out)
{
	return ramfs_create(dir, name, RAMFS_DIR, out);
}

static int set_data(struct ramfs_node *n, const void *data, size_t len)
{
	int rc = reserve(n, len);

	if (rc)
		return rc;
	if (len)
		memcpy(n->data, data, len);
	n->size = len;
	return 0;
}

static int add_symlink(struct ramfs_node *dir, const char *name, size_t len, const char *target,
		       size_t tlen, struct ramfs_node **out)
{
	struct ramfs_node *n;
	int rc;

	if (tlen == 0)
		return -RAMFS_ENOENT;
	if (tlen >= RAMFS_PATH_MAX)
		return -RAMFS_ENAMETOOLONG;
	rc = new_child(dir, name, len, RAMFS_SYMLINK, &n);
	if (rc)
		return rc;
	rc = set_data(n, target, tlen);
	if (rc) {
		remove_node(n);
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
	return add_symlink(dir, name, len, target, bounded_len(target, RAMFS_PATH_MAX), out);
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
	*child = find_child(dir, name, *len);
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
	remove_node(n);
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
	remove_node(n);
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
		remove_node(target);
	detach(old);
	old->fs->ops.free(old->name);
	old->name = copy;
	old->name_len = newlen;
	attach(newdir, old);
	return 0;
}

/* ---------------------------------------------------------------- contents */

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
	rc = reserve(node, end);
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
		rc = reserve(node, (size_t)size);
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

/* ---------------------------------------------------------------- initramfs */

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
	struct ramfs_node *n = find_child(dir, name, len);
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
		remove_node(n);

	switch (type) {
	case CPIO_S_IFDIR:
		rc = new_child(dir, name, len, RAMFS_DIR, &n);
		break;
	case CPIO_S_IFREG:
		if (e->size > RAMFS_FILE_MAX)
			return -RAMFS_EFBIG;
		rc = new_child(dir, name, len, RAMFS_FILE, &n);
		if (!rc && e->size) {
			rc = set_data(n, e->data, e->size);
			if (rc)
				remove_node(n);
		}
		break;
	case CPIO_S_IFLNK:
		/* A target as symlink() would take it: 1 to RAMFS_PATH_MAX - 1 bytes, no NUL. */
		if (e->size == 0 || e->size >= RAMFS_PATH_MAX ||
		    bounded_len(e->data, e->size) != e->size)
			return -RAMFS_EINVAL;
		rc = add_symlink(dir, name, len, e->data, e->size, &n);
		break;
	case CPIO_S_IFCHR:
		rc = new_child(dir, name, len, RAMFS_CHR, &n);
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

	switch (e->mode & CPIO_S_IFMT) {
	case CPIO_S_IFDIR: case CPIO_S_IFREG: case CPIO_S_IFLNK: case CPIO_S_IFCHR:
		break;
	default:
		return -RAMFS_EINVAL;
	}
	for (;;) {
		size_t start, clen;
		int rc;

		while (i < len && p[i] == '/')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && p[i] != '/')
			i++;
		clen = i - start;
		while (i < len && p[i] == '/')
			i++;
		if (clen > RAMFS_NAME_MAX)
			return -RAMFS_ENAMETOOLONG;
		if (name_is(p + start, clen, "."))
			continue;
		if (name_is(p + start, clen, ".."))
			return -RAMFS_EINVAL;
		if (i == len)
			return unpack_one(dir, p + start, clen, e);
		next = find_child(dir, p + start, clen);
		if (!next) {
			rc = new_child(dir, p + start, clen, RAMFS_DIR, &next);
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
