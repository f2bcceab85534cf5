/* ramfs: path lookup, symbolic links followed (pure; see ramfs.h). */
#include "ramfs.h"
#include "ramfs_node.h"
#include "component.h"

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
	struct component c;
	size_t i = 0;
	int rc;

	if (len && path[0] == '/')
		cur = cwd->fs->root;
	while (component_next(path, len, &i, &c)) {
		/* Looking anything up (even "." or "..") needs a directory. */
		if (cur->type != RAMFS_DIR)
			return -RAMFS_ENOTDIR;
		if (c.len > RAMFS_NAME_MAX)
			return -RAMFS_ENAMETOOLONG;
		if (component_is(&c, "."))
			continue;
		if (component_is(&c, "..")) {
			if (!cur->parent)       /* a removed directory */
				return -RAMFS_ENOENT;
			cur = cur->parent;
			continue;
		}
		next = ramfs_find_child(cur, c.name, c.len);
		if (!next)
			return -RAMFS_ENOENT;
		if (next->type == RAMFS_SYMLINK && (!c.last || follow || c.slash)) {
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
