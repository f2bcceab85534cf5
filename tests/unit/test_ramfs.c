/* guest/kernel/ramfs.c: path lookup, every error code, file contents, rename, references, readdir, unpacking cpio. */
#include "unit.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpio.h"
#include "ramfs.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#endif

#define ENOENT_         (-RAMFS_ENOENT)
#define ENOMEM_         (-RAMFS_ENOMEM)
#define EBUSY_          (-RAMFS_EBUSY)
#define EEXIST_         (-RAMFS_EEXIST)
#define ENOTDIR_        (-RAMFS_ENOTDIR)
#define EISDIR_         (-RAMFS_EISDIR)
#define EINVAL_         (-RAMFS_EINVAL)
#define EFBIG_          (-RAMFS_EFBIG)
#define ENAMETOOLONG_   (-RAMFS_ENAMETOOLONG)
#define ENOTEMPTY_      (-RAMFS_ENOTEMPTY)
#define ELOOP_          (-RAMFS_ELOOP)

/* ---------------------------------------------------------------- allocator */

static long live;               /* blocks allocated and not yet freed */
static long fail_in = -1;       /* allocations left before every one fails; -1: never */

static void *t_alloc(size_t n)
{
	if (fail_in == 0)
		return NULL;
	if (fail_in > 0)
		fail_in--;
	live++;
	return malloc(n);
}

static void t_free(void *p)
{
	assert_non_null(p);
	live--;
	free(p);
}

static const struct ramfs_ops ops = { t_alloc, t_free, NULL };

/* A computed target for links marked by priv (as /proc/self is): whatever
 * computed_to says now. */
static const char *computed_to;
static int computed_calls;

static size_t t_link_target(const struct ramfs_node *link, char *buf, size_t size)
{
	size_t n;
	computed_calls++;
	if (!link->priv || !computed_to)
		return 0;
	n = strlen(computed_to);
	if (n >= size)
		return 0;
	memcpy(buf, computed_to, n);
	return n;
}

static struct ramfs fs;
static struct ramfs_node *root;

static int setup(void **state)
{
	live = 0;
	fail_in = -1;
	if (ramfs_init(&fs, &ops))
		return -1;
	root = fs.root;
	return 0;
}

/* Everything allocated is freed again. */
static int teardown(void **state)
{
	fail_in = -1;
	ramfs_destroy(&fs);
	if (live != 0 || fs.nodes != 0) {
		print_error("leak: %ld blocks, %zu nodes after ramfs_destroy\n", live, fs.nodes);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static struct ramfs_node *get(const char *path)
{
	struct ramfs_node *n = NULL;
	int rc = ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n);

	if (rc)
		fail_msg("lookup \"%s\" = %d", path, rc);
	return n;
}

static bool exists(const char *path)
{
	struct ramfs_node *n;

	return ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n) == 0;
}

static struct ramfs_node *mk(const char *path, enum ramfs_type type)
{
	struct ramfs_node *dir, *n = NULL;
	char name[RAMFS_NAME_MAX + 1];
	int rc = ramfs_lookup_parent(root, path, &dir, name, NULL);

	if (!rc)
		rc = ramfs_create(dir, name, type, &n);
	if (rc)
		fail_msg("create \"%s\" = %d", path, rc);
	return n;
}

static struct ramfs_node *ln(const char *path, const char *target)
{
	struct ramfs_node *dir, *n = NULL;
	char name[RAMFS_NAME_MAX + 1];
	int rc = ramfs_lookup_parent(root, path, &dir, name, NULL);

	if (!rc)
		rc = ramfs_symlink(dir, name, target, &n);
	if (rc)
		fail_msg("symlink \"%s\" = %d", path, rc);
	return n;
}

static struct ramfs_node *file_with(const char *path, const char *text)
{
	struct ramfs_node *n = mk(path, RAMFS_FILE);

	assert_int_equal(ramfs_write(n, 0, text, strlen(text)), (long)strlen(text));
	return n;
}

static void expect_contents(struct ramfs_node *n, const void *want, size_t size)
{
	uint8_t *buf = malloc(size + 16);

	assert_non_null(buf);
	assert_int_equal(n->size, size);
	assert_int_equal(ramfs_read(n, 0, buf, size + 16), (long)size);
	assert_memory_equal(buf, want, size);
	free(buf);
}

/* "/a/b" for a node in the tree, "(unlinked)" for one that is not. */
static const char *path_of(const struct ramfs_node *n)
{
	static char buf[8192];
	size_t pos = sizeof(buf) - 1;

	buf[pos] = '\0';
	if (n == root)
		return "/";
	for (; n != root; n = n->parent) {
		if (!n->parent)
			return "(unlinked)";
		pos -= n->name_len;
		memcpy(buf + pos, n->name, n->name_len);
		buf[--pos] = '/';
	}
	return buf + pos;
}

/*
 * The tree's invariants: parents, names (unique, valid), sizes, node count
 * (held = unlinked nodes still referenced). Depth first without recursion.
 */
static void check_tree(size_t held)
{
	size_t count = 0;
	const struct ramfs_node *n = root;

	assert_ptr_equal(root->parent, root);
	assert_null(root->name);
	for (;;) {
		count++;
		assert_ptr_equal(n->fs, &fs);
		assert_true(n->size <= n->cap && (n->size == 0 || n->data));
		if (n->type == RAMFS_SYMLINK)
			assert_true(n->size > 0 && n->size < RAMFS_PATH_MAX);
		if (n->type != RAMFS_DIR)
			assert_null(n->children);
		for (const struct ramfs_node *c = n->children; c; c = c->next) {
			assert_ptr_equal(c->parent, n);
			assert_true(c->name_len > 0 && c->name_len <= RAMFS_NAME_MAX);
			assert_int_equal(strlen(c->name), c->name_len);
			assert_null(strchr(c->name, '/'));
			assert_true(strcmp(c->name, ".") && strcmp(c->name, ".."));
			for (const struct ramfs_node *d = c->next; d; d = d->next)
				assert_true(strcmp(c->name, d->name));
		}
		/* Next in depth-first order. */
		if (n->children) {
			n = n->children;
			continue;
		}
		while (n != root && !n->next)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	assert_int_equal(fs.nodes, count + held);
}

/* ---------------------------------------------------------------- lookup */

static void test_init(void **state)
{
	assert_int_equal(root->type, RAMFS_DIR);
	assert_int_equal(root->mode, 0755);
	assert_int_equal(root->ino, 1);
	assert_int_equal(fs.nodes, 1);
	assert_int_equal(live, 1);
	assert_ptr_equal(get("/"), root);
	struct ramfs_node *a = mk("/a", RAMFS_DIR), *f = mk("/a/f", RAMFS_FILE);
	assert_int_equal(a->ino, 2);
	assert_int_equal(f->ino, 3);
	assert_int_equal(f->mode, 0644);
	assert_int_equal(mk("/c", RAMFS_CHR)->mode, 0644);
	assert_int_equal(ln("/l", "a")->mode, 0777);
	check_tree(0);

	/* No memory for the root. */
	struct ramfs other;
	fail_in = 0;
	assert_int_equal(ramfs_init(&other, &ops), ENOMEM_);
	fail_in = -1;
}

/* The tree the lookup tables use. */
static void lookup_tree(void)
{
	mk("/a", RAMFS_DIR);
	mk("/a/b", RAMFS_DIR);
	mk("/a/b/c", RAMFS_FILE);
	mk("/a/f", RAMFS_FILE);
	mk("/d", RAMFS_DIR);
	ln("/l1", "a/b");
	ln("/lf", "a/f");
	ln("/labs", "/a/b/c");
	ln("/loop1", "loop2");
	ln("/loop2", "loop1");
	ln("/self", "self/x");
	ln("/dangling", "nope");
	ln("/a/b/up", "../..");
	ln("/ldir", "l1/");             /* a trailing slash in a target */
	ln("/lslash", "/a/f/");
}

struct lookup_case {
	const char *cwd, *path;
	unsigned flags;
	int rc;
	const char *want;
};

static const struct lookup_case lookups[] = {
	{ "/", "/", 0, 0, "/" },
	{ "/", "//", 0, 0, "/" },
	{ "/", "/a", 0, 0, "/a" },
	{ "/", "/a/", 0, 0, "/a" },
	{ "/", "/a//b///c", 0, 0, "/a/b/c" },
	{ "/", "a/b/c", 0, 0, "/a/b/c" },
	{ "/a", "b/c", 0, 0, "/a/b/c" },
	{ "/a", "./b/./c", 0, 0, "/a/b/c" },
	{ "/a", "../a/b", 0, 0, "/a/b" },
	{ "/a/b", "../../d", 0, 0, "/d" },
	{ "/a/b", "/d/..", 0, 0, "/" },
	{ "/a/b", "/", 0, 0, "/" },
	{ "/", "..", 0, 0, "/" },
	{ "/", "/../../a", 0, 0, "/a" },
	{ "/a", ".", 0, 0, "/a" },
	{ "/a", "./", 0, 0, "/a" },
	{ "/a", ".//.//", 0, 0, "/a" },
	{ "/a", "b/", 0, 0, "/a/b" },
	{ "/a", "b/.", 0, 0, "/a/b" },
	{ "/", "a/./b/../b/c", 0, 0, "/a/b/c" },
	{ "/", "/a/b/c/", 0, ENOTDIR_, NULL },
	{ "/", "/a/f/", 0, ENOTDIR_, NULL },
	{ "/", "/a/f//", 0, ENOTDIR_, NULL },
	{ "/", "/a/f/.", 0, ENOTDIR_, NULL },
	{ "/", "/a/f/..", 0, ENOTDIR_, NULL },
	{ "/", "/a/f/x", 0, ENOTDIR_, NULL },
	{ "/", "/a/b/c/../c", 0, ENOTDIR_, NULL },
	{ "/a/f", "x", 0, ENOTDIR_, NULL },     /* a file as the working directory */
	{ "/a/f", ".", 0, ENOTDIR_, NULL },
	{ "/a/f", "/a", 0, 0, "/a" },
	{ "/", "/a/x", 0, ENOENT_, NULL },
	{ "/", "/x/y", 0, ENOENT_, NULL },
	{ "/", "/x/", 0, ENOENT_, NULL },
	{ "/", "/x/..", 0, ENOENT_, NULL },     /* no lexical shortcut */
	{ "/", "", 0, ENOENT_, NULL },
	{ "/a", "", 0, ENOENT_, NULL },
	{ "/", "/A", 0, ENOENT_, NULL },        /* case matters */
	{ "/", "/a/b/c\n", 0, ENOENT_, NULL },
	/* Symbolic links. */
	{ "/", "/l1", 0, 0, "/a/b" },
	{ "/", "/l1/c", 0, 0, "/a/b/c" },
	{ "/", "/l1/", 0, 0, "/a/b" },
	{ "/", "/l1/..", 0, 0, "/a" },          /* the target's parent, not the link's */
	{ "/", "/lf", 0, 0, "/a/f" },
	{ "/", "/lf/", 0, ENOTDIR_, NULL },
	{ "/", "/lf/x", 0, ENOTDIR_, NULL },
	{ "/", "/labs", 0, 0, "/a/b/c" },
	{ "/d", "../labs", 0, 0, "/a/b/c" },
	{ "/a/b", "up/d", 0, 0, "/d" },         /* relative to the link's directory */
	{ "/", "/a/b/up/a/b/up/a/b/up", 0, 0, "/" },
	{ "/", "/ldir", 0, 0, "/a/b" },
	{ "/", "/lslash", 0, ENOTDIR_, NULL },
	{ "/", "/loop1", 0, ELOOP_, NULL },
	{ "/", "/loop1/x", 0, ELOOP_, NULL },
	{ "/", "/self", 0, ELOOP_, NULL },
	{ "/", "/dangling", 0, ENOENT_, NULL },
	{ "/", "/dangling/", 0, ENOENT_, NULL },
	/* Not following the last component. */
	{ "/", "/l1", RAMFS_NOFOLLOW, 0, "/l1" },
	{ "/", "/l1/", RAMFS_NOFOLLOW, 0, "/a/b" },
	{ "/", "/l1/.", RAMFS_NOFOLLOW, 0, "/a/b" },
	{ "/", "/l1/c", RAMFS_NOFOLLOW, 0, "/a/b/c" },
	{ "/", "/loop1", RAMFS_NOFOLLOW, 0, "/loop1" },
	{ "/", "/dangling", RAMFS_NOFOLLOW, 0, "/dangling" },
	{ "/", "/lf/", RAMFS_NOFOLLOW, ENOTDIR_, NULL },
	{ "/", "/ldir", RAMFS_NOFOLLOW, 0, "/ldir" },
	{ "/", "/a/b/up", RAMFS_NOFOLLOW, 0, "/a/b/up" },
};

static void test_lookup_table(void **state)
{
	lookup_tree();
	for (size_t i = 0; i < ARRAY_SIZE(lookups); i++) {
		const struct lookup_case *c = &lookups[i];
		struct ramfs_node *cwd = get(c->cwd), *n = (void *)0x1;
		int rc = ramfs_lookup_flags(cwd, c->path, c->flags, &n);

		if (rc != c->rc || (!rc && strcmp(path_of(n), c->want)))
			fail_msg("lookup \"%s\" from %s (flags %u) = %d %s; want %d %s", c->path, c->cwd,
				 c->flags, rc, rc ? "" : path_of(n), c->rc, c->want ? c->want : "");
		if (rc)
			assert_ptr_equal(n, (void *)0x1);       /* untouched on error */
		if (!c->flags) {                /* ramfs_lookup is the following variant */
			struct ramfs_node *m = NULL;
			assert_int_equal(ramfs_lookup(cwd, c->path, &m), rc);
			if (!rc)
				assert_ptr_equal(m, n);
		}
	}
	check_tree(0);
}

/* Component and path lengths, at and just over the limits. */
static void test_lookup_lengths(void **state)
{
	char name[300], path[RAMFS_PATH_MAX + 16];
	struct ramfs_node *n, *dir;
	char last[RAMFS_NAME_MAX + 1];

	mk("/a", RAMFS_DIR);
	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	snprintf(path, sizeof(path), "/a/%s", name);
	assert_int_equal(ramfs_lookup(root, path, &n), ENOENT_);
	struct ramfs_node *f = mk(path, RAMFS_FILE);
	assert_int_equal(ramfs_lookup(root, path, &n), 0);
	assert_ptr_equal(n, f);
	name[255] = 'n';
	name[256] = '\0';
	snprintf(path, sizeof(path), "/a/%s", name);
	assert_int_equal(ramfs_lookup(root, path, &n), ENAMETOOLONG_);
	assert_int_equal(ramfs_lookup_parent(root, path, &dir, last, NULL), ENAMETOOLONG_);
	assert_int_equal(ramfs_create(get("/a"), name, RAMFS_FILE, NULL), ENAMETOOLONG_);
	strcat(path, "/x");     /* too long in the middle too */
	assert_int_equal(ramfs_lookup(root, path, &n), ENAMETOOLONG_);
	/* Components are checked as they are reached: a missing one first is ENOENT. */
	snprintf(path, sizeof(path), "/nope/%s", name);
	assert_int_equal(ramfs_lookup(root, path, &n), ENOENT_);

	/* A whole path: 4095 bytes is fine, 4096 is not. */
	memset(path, '/', sizeof(path));
	memcpy(path + RAMFS_PATH_MAX - 2, "a", 2);      /* "////...//a", 4095 bytes */
	assert_int_equal(ramfs_lookup(root, path, &n), 0);
	assert_ptr_equal(n, get("/a"));
	assert_int_equal(ramfs_lookup_parent(root, path, &dir, last, NULL), 0);
	assert_ptr_equal(dir, root);
	assert_string_equal(last, "a");
	memcpy(path + RAMFS_PATH_MAX - 1, "a", 2);      /* 4096 bytes */
	assert_int_equal(ramfs_lookup(root, path, &n), ENAMETOOLONG_);
	assert_int_equal(ramfs_lookup_parent(root, path, &dir, last, NULL), ENAMETOOLONG_);
	/* ...also without any NUL in reach: never read past 4096 bytes. */
	char *nonul = malloc(RAMFS_PATH_MAX);
	assert_non_null(nonul);
	memset(nonul, '/', RAMFS_PATH_MAX);
	assert_int_equal(ramfs_lookup(root, nonul, &n), ENAMETOOLONG_);
	free(nonul);
}

/* 40 links in all, 8 nested. */
static void test_lookup_link_limits(void **state)
{
	char name[32], target[32];
	struct ramfs_node *n;

	mk("/a", RAMFS_DIR);
	/* A plain chain: c0 -> a, c1 -> c0, ..., c40 -> c39. */
	ln("/c0", "a");
	for (int i = 1; i <= RAMFS_LINK_MAX; i++) {
		snprintf(name, sizeof(name), "/c%d", i);
		snprintf(target, sizeof(target), "c%d", i - 1);
		ln(name, target);
	}
	snprintf(name, sizeof(name), "/c%d", RAMFS_LINK_MAX - 1);       /* 40 links */
	assert_int_equal(ramfs_lookup(root, name, &n), 0);
	assert_ptr_equal(n, get("/a"));
	snprintf(name, sizeof(name), "/c%d", RAMFS_LINK_MAX);           /* 41 */
	assert_int_equal(ramfs_lookup(root, name, &n), ELOOP_);
	assert_int_equal(ramfs_lookup_flags(root, name, RAMFS_NOFOLLOW, &n), 0);
	/* Nested: n0 -> a, n1 -> n0/., ...: resolving nk nests k + 1 deep. */
	ln("/n0", "a");
	for (int i = 1; i <= RAMFS_LINK_NEST; i++) {
		snprintf(name, sizeof(name), "/n%d", i);
		snprintf(target, sizeof(target), "n%d/.", i - 1);
		ln(name, target);
	}
	snprintf(name, sizeof(name), "/n%d", RAMFS_LINK_NEST - 1);
	assert_int_equal(ramfs_lookup(root, name, &n), 0);
	assert_ptr_equal(n, get("/a"));
	snprintf(name, sizeof(name), "/n%d", RAMFS_LINK_NEST);
	assert_int_equal(ramfs_lookup(root, name, &n), ELOOP_);
	snprintf(name, sizeof(name), "/n%d/", RAMFS_LINK_NEST - 1);
	assert_int_equal(ramfs_lookup(root, name, &n), 0);
}

struct parent_case {
	const char *cwd, *path;
	int rc;
	const char *dir, *name;
	bool slash;
};

static const struct parent_case parents[] = {
	{ "/", "/a/b/c", 0, "/a/b", "c", false },
	{ "/a/b", "c", 0, "/a/b", "c", false },
	{ "/a/b", "new", 0, "/a/b", "new", false },
	{ "/", "/a/new", 0, "/a", "new", false },
	{ "/", "/", 0, "/", ".", true },
	{ "/a", "///", 0, "/", ".", true },
	{ "/", "a/", 0, "/", "a", true },
	{ "/", "a//b//", 0, "/a", "b", true },
	{ "/a", "..", 0, "/a", "..", false },
	{ "/a", "./.", 0, "/a", ".", false },
	{ "/", "/l1", 0, "/", "l1", false },   /* the link itself */
	{ "/", "/l1/z", 0, "/a/b", "z", false },
	{ "/", "/x/y", ENOENT_, NULL, NULL, false },
	{ "/", "", ENOENT_, NULL, NULL, false },
	{ "/", "/a/f/x", ENOTDIR_, NULL, NULL, false },
	{ "/", "/lf/x", ENOTDIR_, NULL, NULL, false },
	{ "/a/f", "x", ENOTDIR_, NULL, NULL, false },
	{ "/", "/loop1/x", ELOOP_, NULL, NULL, false },
};

static void test_lookup_parent(void **state)
{
	lookup_tree();
	for (size_t i = 0; i < ARRAY_SIZE(parents); i++) {
		const struct parent_case *c = &parents[i];
		struct ramfs_node *dir = NULL;
		char name[RAMFS_NAME_MAX + 1] = "untouched";
		bool slash = !c->slash;
		int rc = ramfs_lookup_parent(get(c->cwd), c->path, &dir, name, &slash);

		if (rc != c->rc || (!rc && (strcmp(path_of(dir), c->dir) || strcmp(name, c->name) ||
					   slash != c->slash)))
			fail_msg("lookup_parent \"%s\" from %s = %d %s \"%s\" %d", c->path, c->cwd, rc,
				 rc ? "" : path_of(dir), name, slash);
		/* trailing_slash may be NULL. */
		assert_int_equal(ramfs_lookup_parent(get(c->cwd), c->path, &dir, name, NULL), c->rc);
	}
}

/* ---------------------------------------------------------------- creating and removing */

static void test_create_errors(void **state)
{
	struct ramfs_node *a = mk("/a", RAMFS_DIR), *f = mk("/a/f", RAMFS_FILE), *n;
	char longname[RAMFS_NAME_MAX + 2];

	n = (void *)0x1;
	assert_int_equal(ramfs_create(a, "f", RAMFS_FILE, &n), EEXIST_);
	assert_ptr_equal(n, (void *)0x1);
	assert_int_equal(ramfs_create(a, "f", RAMFS_DIR, NULL), EEXIST_);
	assert_int_equal(ramfs_mkdir(root, "a", NULL), EEXIST_);
	assert_int_equal(ramfs_mkdir(a, ".", NULL), EEXIST_);
	assert_int_equal(ramfs_mkdir(a, "..", NULL), EEXIST_);
	assert_int_equal(ramfs_create(a, ".", RAMFS_FILE, NULL), EEXIST_);
	assert_int_equal(ramfs_symlink(a, "f", "x", NULL), EEXIST_);
	assert_int_equal(ramfs_create(a, "", RAMFS_FILE, NULL), ENOENT_);
	assert_int_equal(ramfs_symlink(a, "", "x", NULL), ENOENT_);
	assert_int_equal(ramfs_create(f, "x", RAMFS_FILE, NULL), ENOTDIR_);
	assert_int_equal(ramfs_mkdir(f, "x", NULL), ENOTDIR_);
	assert_int_equal(ramfs_symlink(f, "x", "y", NULL), ENOTDIR_);
	assert_int_equal(ramfs_create(a, "x/y", RAMFS_FILE, NULL), EINVAL_);
	assert_int_equal(ramfs_create(a, "/", RAMFS_FILE, NULL), EINVAL_);
	assert_int_equal(ramfs_create(a, "x", RAMFS_SYMLINK, NULL), EINVAL_);
	assert_int_equal(ramfs_create(a, "x", (enum ramfs_type)0, NULL), EINVAL_);
	assert_int_equal(ramfs_create(a, "x", (enum ramfs_type)7, NULL), EINVAL_);
	memset(longname, 'x', sizeof(longname));
	longname[RAMFS_NAME_MAX + 1] = '\0';
	assert_int_equal(ramfs_create(a, longname, RAMFS_FILE, NULL), ENAMETOOLONG_);
	longname[RAMFS_NAME_MAX] = '\0';
	assert_int_equal(ramfs_create(a, longname, RAMFS_FILE, &n), 0);
	assert_int_equal(n->name_len, RAMFS_NAME_MAX);

	/* Symbolic link targets: 1 to 4095 bytes. */
	char *t = malloc(RAMFS_PATH_MAX + 1);
	assert_non_null(t);
	assert_int_equal(ramfs_symlink(a, "s", "", NULL), ENOENT_);
	memset(t, 'x', RAMFS_PATH_MAX);
	t[RAMFS_PATH_MAX] = '\0';
	assert_int_equal(ramfs_symlink(a, "s", t, NULL), ENAMETOOLONG_);
	t[RAMFS_PATH_MAX - 1] = '\0';
	assert_int_equal(ramfs_symlink(a, "s", t, &n), 0);
	assert_int_equal(n->size, RAMFS_PATH_MAX - 1);
	free(t);
	check_tree(0);
	assert_false(exists("/a/x"));
}

/* Out of memory at each allocation of each call: an error and nothing changed, nothing leaked. */
static void test_enomem(void **state)
{
	struct ramfs_node *a = mk("/a", RAMFS_DIR), *f = file_with("/a/f", "0123456789");
	int rc;

	for (long k = 0;; k++) {        /* create: the node, then its name */
		long before = live;
		fail_in = k;
		rc = ramfs_create(a, "new", RAMFS_FILE, NULL);
		fail_in = -1;
		if (!rc)
			break;
		assert_int_equal(rc, ENOMEM_);
		assert_int_equal(live, before);
		assert_false(exists("/a/new"));
		check_tree(0);
	}
	for (long k = 0;; k++) {        /* symlink: node, name, target */
		long before = live;
		fail_in = k;
		rc = ramfs_symlink(a, "sym", "f", NULL);
		fail_in = -1;
		if (!rc)
			break;
		assert_int_equal(rc, ENOMEM_);
		assert_true(k < 3);
		assert_int_equal(live, before);
		assert_false(exists("/a/sym"));
		check_tree(0);
	}
	assert_true(exists("/a/sym"));

	/* write and truncate: the file stays as it was. */
	fail_in = 0;
	assert_int_equal(ramfs_write(f, 8, "abcdefghijklmnopqrstuvwxyz0123456789", 36), ENOMEM_);
	assert_int_equal(ramfs_truncate(f, 1000), ENOMEM_);
	assert_int_equal(ramfs_write(f, 2, "ab", 2), 2);         /* fits: no allocation */
	assert_int_equal(ramfs_truncate(f, 4), 0);
	fail_in = -1;
	expect_contents(f, "01ab", 4);

	/* rename: the new name. */
	fail_in = 0;
	assert_int_equal(ramfs_rename(a, "f", root, "g"), ENOMEM_);
	fail_in = -1;
	assert_ptr_equal(get("/a/f"), f);
	assert_false(exists("/g"));
	check_tree(0);
}

static void test_unlink_rmdir(void **state)
{
	struct ramfs_node *a = mk("/a", RAMFS_DIR), *sub = mk("/a/sub", RAMFS_DIR);
	struct ramfs_node *f = file_with("/a/f", "data");

	mk("/a/sub/g", RAMFS_FILE);
	ln("/a/l", "sub");
	mk("/a/c", RAMFS_CHR);

	/* unlink */
	assert_int_equal(ramfs_unlink(a, "sub"), EISDIR_);
	assert_int_equal(ramfs_unlink(a, "."), EISDIR_);
	assert_int_equal(ramfs_unlink(a, ".."), EISDIR_);
	assert_int_equal(ramfs_unlink(a, "nope"), ENOENT_);
	assert_int_equal(ramfs_unlink(a, ""), ENOENT_);
	assert_int_equal(ramfs_unlink(f, "x"), ENOTDIR_);
	assert_int_equal(ramfs_unlink(a, "sub/g"), EINVAL_);
	assert_int_equal(ramfs_unlink(a, "l"), 0);         /* the link, not its target */
	assert_true(exists("/a/sub/g"));
	assert_false(exists("/a/l"));
	assert_int_equal(ramfs_unlink(a, "c"), 0);
	assert_int_equal(ramfs_unlink(a, "f"), 0);
	assert_int_equal(ramfs_unlink(a, "f"), ENOENT_);
	check_tree(0);

	/* rmdir */
	assert_int_equal(ramfs_rmdir(a, "sub"), ENOTEMPTY_);
	assert_int_equal(ramfs_rmdir(root, "a"), ENOTEMPTY_);
	assert_int_equal(ramfs_rmdir(sub, "g"), ENOTDIR_);
	assert_int_equal(ramfs_rmdir(sub, "."), EINVAL_);
	assert_int_equal(ramfs_rmdir(sub, ".."), ENOTEMPTY_);
	assert_int_equal(ramfs_rmdir(root, "."), EINVAL_);
	assert_int_equal(ramfs_rmdir(a, "nope"), ENOENT_);
	assert_int_equal(ramfs_rmdir(a, ""), ENOENT_);
	assert_int_equal(ramfs_rmdir(get("/a/sub/g"), "x"), ENOTDIR_);
	assert_int_equal(ramfs_unlink(sub, "g"), 0);
	assert_int_equal(ramfs_rmdir(a, "sub"), 0);
	assert_int_equal(ramfs_rmdir(a, "sub"), ENOENT_);
	assert_int_equal(ramfs_rmdir(root, "a"), 0);
	assert_null(root->children);
	assert_int_equal(fs.nodes, 1);
	assert_int_equal(live, 1);
	/* The names are free again. */
	mk("/a", RAMFS_DIR);
	mk("/a/sub", RAMFS_FILE);
	check_tree(0);
}

/* ---------------------------------------------------------------- contents */

static void test_read_write(void **state)
{
	struct ramfs_node *f = mk("/f", RAMFS_FILE);
	char buf[64];

	assert_int_equal(ramfs_read(f, 0, buf, sizeof(buf)), 0);
	assert_int_equal(ramfs_write(f, 0, "hello", 5), 5);
	expect_contents(f, "hello", 5);
	assert_int_equal(ramfs_read(f, 1, buf, 3), 3);
	assert_memory_equal(buf, "ell", 3);
	assert_int_equal(ramfs_read(f, 3, buf, 10), 2);
	assert_int_equal(ramfs_read(f, 5, buf, 10), 0);
	assert_int_equal(ramfs_read(f, 6, buf, 10), 0);
	assert_int_equal(ramfs_read(f, UINT64_MAX, buf, 10), 0);
	assert_int_equal(ramfs_read(f, 0, buf, 0), 0);
	/* A hole reads as zeros; later bytes beyond it stay. */
	assert_int_equal(ramfs_write(f, 10, "world", 5), 5);
	expect_contents(f, "hello\0\0\0\0\0world", 15);
	assert_int_equal(ramfs_write(f, 3, "LOWO", 4), 4);     /* across the hole */
	expect_contents(f, "helLOWO\0\0\0world", 15);
	/* Writing nothing changes nothing, wherever. */
	assert_int_equal(ramfs_write(f, 1000, "x", 0), 0);
	assert_int_equal(ramfs_write(f, UINT64_MAX, "x", 0), 0);
	assert_int_equal(f->size, 15);

	/* Appending a byte at a time; then a big write and read back. */
	struct ramfs_node *g = mk("/g", RAMFS_FILE);
	uint8_t *big = malloc(100000), *back = malloc(100000);
	assert_non_null(big);
	assert_non_null(back);
	for (size_t i = 0; i < 100000; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	for (size_t i = 0; i < 3000; i++)
		assert_int_equal(ramfs_write(g, i, big + i, 1), 1);
	assert_true(g->cap < 2 * 3000 + 64);    /* grown by doubling, not by the byte */
	assert_int_equal(ramfs_write(g, 3000, big + 3000, 97000), 97000);
	expect_contents(g, big, 100000);
	assert_int_equal(ramfs_read(g, 50000, back, 100000), 50000);
	assert_memory_equal(back, big + 50000, 50000);
	/* A first write gets exactly its size. */
	struct ramfs_node *h = mk("/h", RAMFS_FILE);
	assert_int_equal(ramfs_write(h, 0, big, 100000), 100000);
	assert_int_equal(h->cap, 100000);
	free(big);
	free(back);

	/* The size limit. */
	assert_int_equal(ramfs_write(f, RAMFS_FILE_MAX, "x", 1), EFBIG_);
	assert_int_equal(ramfs_write(f, RAMFS_FILE_MAX - 1, "xy", 2), EFBIG_);
	assert_int_equal(ramfs_write(f, UINT64_MAX, "x", 1), EFBIG_);
	assert_int_equal(ramfs_write(f, 1ull << 32, "x", 1), EFBIG_);
	assert_int_equal(ramfs_write(f, 0, "x", SIZE_MAX), EFBIG_);
	assert_int_equal(f->size, 15);

	/* Not regular files. */
	struct ramfs_node *d = mk("/d", RAMFS_DIR), *c = mk("/c", RAMFS_CHR), *l = ln("/l", "f");
	assert_int_equal(ramfs_read(d, 0, buf, 1), EISDIR_);
	assert_int_equal(ramfs_write(d, 0, "x", 1), EISDIR_);
	assert_int_equal(ramfs_truncate(d, 0), EISDIR_);
	assert_int_equal(ramfs_read(c, 0, buf, 1), EINVAL_);
	assert_int_equal(ramfs_write(c, 0, "x", 1), EINVAL_);
	assert_int_equal(ramfs_truncate(c, 0), EINVAL_);
	assert_int_equal(ramfs_read(l, 0, buf, 1), EINVAL_);
	assert_int_equal(ramfs_write(l, 0, "x", 1), EINVAL_);
	assert_int_equal(ramfs_truncate(l, 0), EINVAL_);
	/* readlink */
	assert_int_equal(ramfs_readlink(l, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'f');
	assert_int_equal(ramfs_readlink(ln("/l2", "abcdef"), buf, 3), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(ramfs_readlink(f, buf, 3), EINVAL_);
	assert_int_equal(ramfs_readlink(d, buf, 3), EINVAL_);
	check_tree(0);
}

static void test_truncate(void **state)
{
	struct ramfs_node *f = file_with("/f", "abcdef");

	assert_int_equal(ramfs_truncate(f, 2), 0);
	expect_contents(f, "ab", 2);
	assert_int_equal(ramfs_truncate(f, 6), 0);       /* the old bytes do not come back */
	expect_contents(f, "ab\0\0\0\0", 6);
	assert_int_equal(ramfs_truncate(f, 6), 0);
	assert_int_equal(ramfs_truncate(f, 100), 0);
	assert_int_equal(f->size, 100);
	char buf[100] = "ab";
	expect_contents(f, buf, 100);
	assert_int_equal(ramfs_truncate(f, 0), 0);       /* empty: the memory goes back */
	assert_int_equal(f->size, 0);
	assert_null(f->data);
	assert_int_equal(f->cap, 0);
	assert_int_equal(ramfs_truncate(f, 0), 0);
	assert_int_equal(ramfs_write(f, 3, "x", 1), 1);
	expect_contents(f, "\0\0\0x", 4);
	assert_int_equal(ramfs_truncate(f, RAMFS_FILE_MAX + 1ull), EFBIG_);
	assert_int_equal(ramfs_truncate(f, UINT64_MAX), EFBIG_);
	assert_int_equal(f->size, 4);
	/* Growing after a shrink inside the same buffer: zeros, not the old bytes. */
	assert_int_equal(ramfs_write(f, 0, "123456789", 9), 9);
	assert_int_equal(ramfs_truncate(f, 1), 0);
	assert_int_equal(ramfs_write(f, 5, "Z", 1), 1);
	expect_contents(f, "1\0\0\0\0Z", 6);
}

/* ---------------------------------------------------------------- rename */

static void test_rename(void **state)
{
	struct ramfs_node *a = mk("/a", RAMFS_DIR), *b = mk("/a/b", RAMFS_DIR);
	struct ramfs_node *c = mk("/a/b/c", RAMFS_DIR), *d = mk("/d", RAMFS_DIR);
	struct ramfs_node *f = file_with("/a/f", "eff"), *g = file_with("/g", "gee");
	size_t nodes;

	mk("/e", RAMFS_DIR);

	/* Within one directory, then to another: same node, new name. */
	assert_int_equal(ramfs_rename(a, "f", a, "f2"), 0);
	assert_ptr_equal(get("/a/f2"), f);
	assert_false(exists("/a/f"));
	assert_int_equal(ramfs_rename(a, "f2", d, "f"), 0);
	assert_ptr_equal(get("/d/f"), f);
	assert_ptr_equal(f->parent, d);
	assert_string_equal(f->name, "f");
	/* Onto itself: nothing happens. */
	assert_int_equal(ramfs_rename(d, "f", d, "f"), 0);
	assert_ptr_equal(get("/d/f"), f);
	/* Over an existing file: it goes. */
	nodes = fs.nodes;
	assert_int_equal(ramfs_rename(root, "g", d, "f"), 0);
	assert_ptr_equal(get("/d/f"), g);
	expect_contents(g, "gee", 3);
	assert_int_equal(fs.nodes, nodes - 1);
	assert_false(exists("/g"));
	f = g;
	/* A directory moves with its subtree; ".." follows. */
	assert_int_equal(ramfs_rename(a, "b", d, "bb"), 0);
	assert_ptr_equal(get("/d/bb/c"), c);
	struct ramfs_node *n;
	assert_int_equal(ramfs_lookup(c, "../..", &n), 0);
	assert_ptr_equal(n, d);
	/* Over an empty directory: fine (it goes); over a non-empty one: no. */
	nodes = fs.nodes;
	assert_int_equal(ramfs_rename(d, "bb", root, "e"), 0);
	assert_ptr_equal(get("/e"), b);
	assert_ptr_equal(get("/e/c"), c);
	assert_int_equal(fs.nodes, nodes - 1);
	assert_int_equal(ramfs_rename(root, "e", root, "d"), ENOTEMPTY_);   /* /d holds f */
	/* Directory over file, file over directory. */
	assert_int_equal(ramfs_rename(root, "e", d, "f"), ENOTDIR_);
	assert_int_equal(ramfs_rename(d, "f", root, "e"), EISDIR_);
	/* A directory into itself or below itself. */
	assert_int_equal(ramfs_rename(root, "e", b, "x"), EINVAL_);
	assert_int_equal(ramfs_rename(root, "e", c, "x"), EINVAL_);
	assert_int_equal(ramfs_rename(root, "d", get("/d"), "x"), EINVAL_);
	/* ...but a file may go anywhere, and a directory beside itself. */
	assert_int_equal(ramfs_rename(d, "f", c, "f"), 0);
	assert_int_equal(ramfs_rename(c, "f", d, "f"), 0);
	/* A directory over its own (non-empty) ancestor. */
	assert_int_equal(ramfs_rename(b, "c", root, "e"), ENOTEMPTY_);
	/* "." and "..", missing names, bad arguments. */
	assert_int_equal(ramfs_rename(b, ".", root, "x"), EBUSY_);
	assert_int_equal(ramfs_rename(b, "..", root, "x"), EBUSY_);
	assert_int_equal(ramfs_rename(d, "f", b, "."), EBUSY_);
	assert_int_equal(ramfs_rename(d, "f", b, ".."), EBUSY_);
	assert_int_equal(ramfs_rename(d, "nope", b, "x"), ENOENT_);
	assert_int_equal(ramfs_rename(d, "", b, "x"), ENOENT_);
	assert_int_equal(ramfs_rename(d, "f", b, ""), ENOENT_);
	assert_int_equal(ramfs_rename(f, "x", b, "x"), ENOTDIR_);
	assert_int_equal(ramfs_rename(d, "f", f, "x"), ENOTDIR_);
	assert_int_equal(ramfs_rename(d, "f", b, "x/y"), EINVAL_);
	char longname[RAMFS_NAME_MAX + 2];
	memset(longname, 'l', sizeof(longname));
	longname[RAMFS_NAME_MAX + 1] = '\0';
	assert_int_equal(ramfs_rename(d, "f", b, longname), ENAMETOOLONG_);
	longname[RAMFS_NAME_MAX] = '\0';
	assert_int_equal(ramfs_rename(d, "f", b, longname), 0);
	assert_int_equal(ramfs_rename(b, longname, d, "f"), 0);
	/* A symbolic link is renamed, not followed. */
	struct ramfs_node *l = ln("/l", "d");
	assert_int_equal(ramfs_rename(root, "l", root, "l2"), 0);
	assert_ptr_equal(get("/l2"), l);
	assert_ptr_equal(get("/d/f"), f);
	/* Into a removed directory. */
	struct ramfs_node *gone = mk("/gone", RAMFS_DIR);
	ramfs_get(gone);
	assert_int_equal(ramfs_rmdir(root, "gone"), 0);
	assert_int_equal(ramfs_rename(d, "f", gone, "f"), ENOENT_);
	assert_int_equal(ramfs_rename(gone, "x", d, "f"), ENOENT_);
	ramfs_put(gone);
	assert_ptr_equal(get("/a"), a);
	assert_null(a->children);
	check_tree(0);
}

/* ---------------------------------------------------------------- references */

static void test_references(void **state)
{
	struct ramfs_node *f = file_with("/f", "open"), *n;
	char buf[8];

	/* An open file outlives its name. */
	ramfs_get(f);
	assert_int_equal(ramfs_unlink(root, "f"), 0);
	assert_false(exists("/f"));
	assert_null(f->parent);
	check_tree(1);
	assert_int_equal(ramfs_write(f, 4, "ed", 2), 2);
	assert_int_equal(ramfs_read(f, 0, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "opened", 6);
	mk("/f", RAMFS_FILE);           /* the name is free */
	ramfs_get(f);
	ramfs_put(f);
	check_tree(1);
	ramfs_put(f);                   /* the last reference: freed */
	check_tree(0);

	/* A file that is still linked survives its last put. */
	struct ramfs_node *g = get("/f");
	ramfs_get(g);
	ramfs_put(g);
	assert_ptr_equal(get("/f"), g);
	check_tree(0);

	/* Replaced by rename while open. */
	struct ramfs_node *h = file_with("/h", "hh");
	ramfs_get(g);
	assert_int_equal(ramfs_rename(root, "h", root, "f"), 0);
	assert_ptr_equal(get("/f"), h);
	check_tree(1);
	expect_contents(g, "", 0);
	ramfs_put(g);
	check_tree(0);

	/* A removed working directory: ".", readdir; no "..", nothing new in it. */
	struct ramfs_node *d = mk("/d", RAMFS_DIR);
	ramfs_get(d);
	assert_int_equal(ramfs_rmdir(root, "d"), 0);
	check_tree(1);
	assert_int_equal(ramfs_lookup(d, ".", &n), 0);
	assert_ptr_equal(n, d);
	assert_int_equal(ramfs_lookup(d, "..", &n), ENOENT_);
	assert_int_equal(ramfs_lookup(d, "x", &n), ENOENT_);
	assert_int_equal(ramfs_lookup(d, "/f", &n), 0);
	assert_int_equal(ramfs_create(d, "x", RAMFS_FILE, NULL), ENOENT_);
	assert_int_equal(ramfs_mkdir(d, "x", NULL), ENOENT_);
	assert_int_equal(ramfs_symlink(d, "x", "y", NULL), ENOENT_);
	assert_int_equal(ramfs_load_cpio(d, "", 0), ENOENT_);
	size_t cookie = 0;
	struct ramfs_dirent de;
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 1);
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 1);
	assert_string_equal(de.name, "..");
	assert_int_equal(de.ino, d->ino);
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 0);
	ramfs_put(d);
	check_tree(0);

	/* The root is never freed by a put. */
	ramfs_get(root);
	ramfs_put(root);
	assert_int_equal(root->type, RAMFS_DIR);
}

/* ---------------------------------------------------------------- readdir */

static void test_readdir(void **state)
{
	struct ramfs_node *d = mk("/d", RAMFS_DIR);
	struct ramfs_node *kids[4] = {
		mk("/d/zeta", RAMFS_FILE), mk("/d/alpha", RAMFS_DIR), mk("/d/dev", RAMFS_CHR),
		ln("/d/link", "zeta"),
	};
	static const char *const names[] = { ".", "..", "zeta", "alpha", "dev", "link" };
	static const enum ramfs_type types[] = { RAMFS_DIR, RAMFS_DIR, RAMFS_FILE, RAMFS_DIR,
						 RAMFS_CHR, RAMFS_SYMLINK };
	const uint32_t inos[] = { d->ino, root->ino, kids[0]->ino, kids[1]->ino, kids[2]->ino,
				  kids[3]->ino };
	struct ramfs_dirent de;
	size_t cookie = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		assert_int_equal(ramfs_readdir(d, &cookie, &de), 1);
		assert_int_equal(de.name_len, strlen(names[i]));
		assert_memory_equal(de.name, names[i], de.name_len);
		assert_int_equal(de.type, types[i]);
		assert_int_equal(de.ino, inos[i]);
	}
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 0);
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 0);    /* and stays there */
	assert_int_equal(cookie, ARRAY_SIZE(names));
	cookie = 1000;
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 0);
	cookie = SIZE_MAX;
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 0);

	/* The root's ".." is itself; an empty directory has just the two. */
	cookie = 1;
	assert_int_equal(ramfs_readdir(root, &cookie, &de), 1);
	assert_int_equal(de.ino, root->ino);
	cookie = 0;
	int n = 0;
	while (ramfs_readdir(kids[1], &cookie, &de) == 1)
		n++;
	assert_int_equal(n, 2);

	/* Removing an entry already listed shifts the rest: "alpha" is skipped, nothing worse. */
	cookie = 3;                     /* after "zeta" */
	assert_int_equal(ramfs_unlink(d, "zeta"), 0);
	assert_int_equal(ramfs_readdir(d, &cookie, &de), 1);
	assert_string_equal(de.name, "dev");

	cookie = 0;
	assert_int_equal(ramfs_readdir(kids[2], &cookie, &de), ENOTDIR_);
	assert_int_equal(ramfs_readdir(kids[3], &cookie, &de), ENOTDIR_);
}

/* ---------------------------------------------------------------- cpio */

struct arc {
	uint8_t *buf;
	size_t len, cap;
	uint32_t ino;
};

static void arc_put(struct arc *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 64;
		a->buf = realloc(a->buf, a->cap);
		assert_non_null(a->buf);
	}
	if (n)
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void arc_pad(struct arc *a)
{
	static const uint8_t zeros[4];

	arc_put(a, zeros, (4 - (a->len & 3)) & 3);
}

static void arc_dev(struct arc *a, uint32_t mode, const char *name, const void *data, size_t size,
		    uint32_t rmaj, uint32_t rmin)
{
	char h[CPIO_HEADER_SIZE + 1];

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++a->ino, mode, 0, 0, 1, 0, (uint32_t)size, 0, 0, rmaj, rmin,
		 (uint32_t)strlen(name) + 1, 0);
	arc_put(a, h, CPIO_HEADER_SIZE);
	arc_put(a, name, strlen(name) + 1);
	arc_pad(a);
	arc_put(a, data, size);
	arc_pad(a);
}

static void arc(struct arc *a, uint32_t mode, const char *name, const char *text)
{
	arc_dev(a, mode, name, text, text ? strlen(text) : 0, 0, 0);
}

static void arc_end(struct arc *a)
{
	arc(a, 0, CPIO_TRAILER, NULL);
}

#define DIR_(m)         (CPIO_S_IFDIR | (m))
#define REG_(m)         (CPIO_S_IFREG | (m))
#define LNK_            (CPIO_S_IFLNK | 0777)

/* Every node under root, depth first: "path type mode size", one per line. */
static void listing(struct ramfs_node *dir, const char *prefix, char *out, size_t outsize)
{
	struct ramfs_dirent de;
	size_t cookie = 2;              /* skip "." and ".." */

	while (ramfs_readdir(dir, &cookie, &de) == 1) {
		char path[1024];
		struct ramfs_node *n;
		snprintf(path, sizeof(path), "%s/%.*s", prefix, (int)de.name_len, de.name);
		assert_int_equal(ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n), 0);
		assert_int_equal(n->ino, de.ino);
		size_t used = strlen(out);
		snprintf(out + used, outsize - used, "%s %c %o %zu\n", path, "?dfcl"[n->type], n->mode,
			 n->size);
		if (n->type == RAMFS_DIR)
			listing(n, path, out, outsize);
	}
}

static void test_load_cpio(void **state)
{
	struct arc a = { 0 };
	uint8_t deep[1000];
	char list[4096] = "";
	struct ramfs_node *n;

	for (size_t i = 0; i < sizeof(deep); i++)
		deep[i] = (uint8_t)(i * 13);
	arc(&a, DIR_(0700), ".", NULL);
	arc(&a, DIR_(0755), "bin", NULL);
	arc(&a, REG_(0755), "bin/init", "INIT");
	arc(&a, LNK_, "bin/sh", "init");
	arc(&a, DIR_(0750), "./etc", NULL);
	arc(&a, REG_(0644), "./etc/passwd", "root:x:0:0\n");
	arc(&a, REG_(0640), "etc//group", "");
	arc(&a, DIR_(0711), "/usr/lib/x", NULL);        /* parents made on the way */
	arc_dev(&a, REG_(0600), "usr/lib/x/deep", deep, sizeof(deep), 0, 0);
	arc(&a, DIR_(0755), "dev", NULL);
	arc_dev(&a, CPIO_S_IFCHR | 0620, "dev/console", NULL, 0, 5, 1);
	arc_dev(&a, CPIO_S_IFCHR | 0600, "dev/big", NULL, 0, 300, 70000);
	arc(&a, LNK_, "usr/lib/x/up", "../../../etc");
	arc_end(&a);

	uint8_t *buf = malloc(a.len);   /* exactly sized, for ASan */
	assert_non_null(buf);
	memcpy(buf, a.buf, a.len);
	assert_int_equal(ramfs_load_cpio(root, buf, a.len), 13);
	free(buf);
	free(a.buf);

	listing(root, "", list, sizeof(list));
	assert_string_equal(list,
		"/bin d 755 0\n"
		"/bin/init f 755 4\n"
		"/bin/sh l 777 4\n"
		"/etc d 750 0\n"
		"/etc/passwd f 644 11\n"
		"/etc/group f 640 0\n"
		"/usr d 755 0\n"
		"/usr/lib d 755 0\n"
		"/usr/lib/x d 711 0\n"
		"/usr/lib/x/deep f 600 1000\n"
		"/usr/lib/x/up l 777 12\n"
		"/dev d 755 0\n"
		"/dev/console c 620 0\n"
		"/dev/big c 600 0\n");
	assert_int_equal(root->mode, 0700);
	expect_contents(get("/bin/init"), "INIT", 4);
	expect_contents(get("/etc/passwd"), "root:x:0:0\n", 11);
	expect_contents(get("/usr/lib/x/deep"), deep, sizeof(deep));
	assert_int_equal(ramfs_lookup(root, "/bin/sh", &n), 0);
	assert_ptr_equal(n, get("/bin/init"));
	assert_int_equal(ramfs_lookup(root, "/usr/lib/x/up/passwd", &n), 0);
	assert_ptr_equal(n, get("/etc/passwd"));
	assert_int_equal(get("/dev/console")->rdev, 5 << 8 | 1);
	assert_int_equal(get("/dev/big")->rdev, (70000 & 0xff) | 300 << 8 | (70000 & ~0xff) << 12);
	check_tree(0);

	/* An archive of only a trailer loads nothing. */
	struct arc t = { 0 };
	arc_end(&t);
	assert_int_equal(ramfs_load_cpio(root, t.buf, t.len), 0);
	/* Loading into a subdirectory stays there. */
	struct arc s = { 0 };
	arc(&s, REG_(0644), "/x/y", "sub");
	arc_end(&s);
	assert_int_equal(ramfs_load_cpio(get("/usr"), s.buf, s.len), 1);
	expect_contents(get("/usr/x/y"), "sub", 3);
	assert_false(exists("/x"));
	free(t.buf);
	free(s.buf);
}

/* What an archive may not do, and what a later entry does to an earlier one. */
static void test_load_cpio_rules(void **state)
{
	static const struct {
		uint32_t mode;
		const char *name, *data;
		int rc;
	} bad[] = {
		{ REG_(0644), "../x", "", EINVAL_ },
		{ REG_(0644), "a/../x", "", EINVAL_ },
		{ DIR_(0755), "..", NULL, EINVAL_ },
		{ REG_(0644), "f/x", "", ENOTDIR_ },            /* f is a file */
		{ REG_(0644), "l/x", "", ENOTDIR_ },            /* l is a link: not followed */
		{ CPIO_S_IFIFO | 0644, "fifo", NULL, EINVAL_ },
		{ CPIO_S_IFBLK | 0644, "blk", NULL, EINVAL_ },
		{ CPIO_S_IFSOCK | 0644, "sock", NULL, EINVAL_ },
		{ 0644, "none", NULL, EINVAL_ },
		{ LNK_, "emptylink", "", EINVAL_ },
		{ REG_(0644), ".", "", EINVAL_ },               /* a file as the root */
		{ REG_(0644), "a/.", "", EINVAL_ },
		{ REG_(0644), "", "", EINVAL_ },
		{ REG_(0644), "notempty", "x", ENOTEMPTY_ },    /* over a directory with entries */
	};
	struct ramfs_node *n;

	mk("/a", RAMFS_DIR);
	file_with("/f", "f");
	ln("/l", "a");
	mk("/notempty", RAMFS_DIR);
	mk("/notempty/x", RAMFS_FILE);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct arc a = { 0 };
		arc(&a, bad[i].mode, bad[i].name, bad[i].data);
		arc_end(&a);
		int rc = ramfs_load_cpio(root, a.buf, a.len);
		if (rc != bad[i].rc)
			fail_msg("entry %zu \"%s\": %d, want %d", i, bad[i].name, rc, bad[i].rc);
		free(a.buf);
	}
	/* A symbolic link target with a NUL, one too long, a name too long. */
	struct arc a = { 0 };
	arc_dev(&a, LNK_, "nul", "ab\0cd", 5, 0, 0);
	arc_end(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), EINVAL_);
	a.len = 0;
	char *t = malloc(RAMFS_PATH_MAX);
	assert_non_null(t);
	memset(t, 't', RAMFS_PATH_MAX);
	arc_dev(&a, LNK_, "toolong", t, RAMFS_PATH_MAX, 0, 0);
	arc_end(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), EINVAL_);
	a.len = 0;
	arc_dev(&a, LNK_, "justfits", t, RAMFS_PATH_MAX - 1, 0, 0);
	arc_end(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 1);
	free(t);
	a.len = 0;
	char name[300];
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	arc(&a, REG_(0644), name, "");
	arc_end(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), ENAMETOOLONG_);
	check_tree(0);

	/* Later entries replace earlier ones; a directory entry only sets the mode. */
	a.len = 0;
	arc(&a, REG_(0644), "x", "one");
	arc(&a, REG_(0600), "x", "two");
	arc(&a, DIR_(0700), "dir", NULL);
	arc(&a, REG_(0644), "dir/kept", "k");
	arc(&a, DIR_(0751), "dir", NULL);
	arc(&a, DIR_(0755), "empty", NULL);
	arc(&a, REG_(0644), "empty", "now a file");
	arc(&a, REG_(0644), "wasfile", "w");
	arc(&a, DIR_(0755), "wasfile", NULL);
	arc(&a, LNK_, "waslink", "x");
	arc(&a, REG_(0644), "waslink", "file");
	arc(&a, REG_(0644), "f", "replaced");           /* the file made above */
	arc(&a, DIR_(0700), "a/.", NULL);               /* the directory itself */
	arc_end(&a);
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 13);
	free(a.buf);
	n = get("/x");
	expect_contents(n, "two", 3);
	assert_int_equal(n->mode, 0600);
	assert_int_equal(get("/dir")->mode, 0751);
	expect_contents(get("/dir/kept"), "k", 1);
	assert_int_equal(get("/empty")->type, RAMFS_FILE);
	assert_int_equal(get("/wasfile")->type, RAMFS_DIR);
	assert_int_equal(get("/waslink")->type, RAMFS_FILE);
	expect_contents(get("/f"), "replaced", 8);
	assert_int_equal(get("/a")->mode, 0700);
	check_tree(0);

	/* Not into a file. */
	struct arc e = { 0 };
	arc_end(&e);
	assert_int_equal(ramfs_load_cpio(get("/x"), e.buf, e.len), ENOTDIR_);
	free(e.buf);
}

/* A small archive for the refusal and memory tests. */
static void small_archive(struct arc *a)
{
	memset(a, 0, sizeof(*a));
	arc(a, DIR_(0755), "d", NULL);
	arc(a, REG_(0644), "d/f", "hello");
	arc(a, REG_(0755), "d/e/g", "x");
	arc(a, LNK_, "d/l", "f");
	arc_end(a);
}

/* Each proper prefix: -EINVAL at the latest at the cut, no crash, no leak. */
static void test_load_cpio_truncated(void **state)
{
	struct arc a;

	small_archive(&a);
	for (size_t len = 0; len < a.len; len++) {
		uint8_t *b = malloc(len ? len : 1);
		assert_non_null(b);
		memcpy(b, a.buf, len);
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		int rc = ramfs_load_cpio(root, b, len);
		if (rc != EINVAL_)
			fail_msg("cut at %zu of %zu: %d", len, a.len, rc);
		check_tree(0);
		free(b);
	}
	assert_int_equal(ramfs_load_cpio(root, a.buf, a.len), 4);
	free(a.buf);
}

/* Out of memory at each allocation of a load: -ENOMEM, a consistent tree, no leak. */
static void test_load_cpio_enomem(void **state)
{
	struct arc a;
	int rc;
	long k;

	small_archive(&a);
	for (k = 0;; k++) {
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		fail_in = k;
		rc = ramfs_load_cpio(root, a.buf, a.len);
		fail_in = -1;
		check_tree(0);
		if (rc >= 0)
			break;
		assert_int_equal(rc, ENOMEM_);
	}
	assert_int_equal(rc, 4);
	assert_true(k >= 10);           /* nodes, names and data: every one failed once */
	free(a.buf);
}

/* 3,000 mutated archives through the whole unpacker. */
static void test_load_cpio_fuzz(void **state)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t rng = unit_seed("ramfs load fuzz");
	struct arc a;
	unsigned ok = 0;

	small_archive(&a);
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = a.len;
		uint8_t *b = malloc(len);
		assert_non_null(b);
		memcpy(b, a.buf, len);
		for (int k = 0, nmut = 1 + (int)unit_below(&rng, 3); k < nmut; k++) {
			size_t at = unit_below(&rng, len);
			switch (unit_below(&rng, 4)) {
			case 0: b[at] = (uint8_t)unit_rand(&rng); break;
			case 1: b[at] = (uint8_t)hex[unit_below(&rng, 16)]; break;
			case 2: b[at] = "./\0."[unit_below(&rng, 4)]; break;
			case 3: len = at ? at : len; break;
			}
		}
		assert_int_equal(teardown(NULL), 0);
		assert_int_equal(setup(NULL), 0);
		int rc = ramfs_load_cpio(root, b, len);
		switch (rc) {
		case EINVAL_: case ENOTDIR_: case ENOTEMPTY_: case ENAMETOOLONG_:
			break;
		default:
			if (rc < 0)
				fail_msg("iteration %d: %d", iter, rc);
			ok++;
		}
		check_tree(0);
		free(b);
	}
	print_message("# load fuzz: %u of 3000 loaded\n", ok);
	assert_true(ok > 100);
	free(a.buf);
}

/* ---------------------------------------------------------------- tools/mkcpio round trip */

static char tmpdir[64];

static int setup_tmp(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ramfs.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return setup(state);
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		return -1;
	return teardown(state);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* A 3-level tree through mkcpio and back: names, modes, contents. */
static void test_mkcpio_round_trip(void **state)
{
	const char *tool = getenv("MKCPIO"), *build = getenv("BUILD");
	char exe[512], abs[PATH_MAX], cmd[PATH_MAX + 512], path[300], list[2048] = "";

	if (tool)
		snprintf(exe, sizeof(exe), "%s", tool);
	else
		snprintf(exe, sizeof(exe), "%s/tools/mkcpio", build ? build : "build");
	if (access(exe, X_OK) || !realpath(exe, abs))
		fail_msg("%s: not built (make build/tools/mkcpio, or set MKCPIO)", exe);
	write_file("init", "#!/bin/init\n", 0755);
	write_file("motd", "welcome\n", 0644);
	write_file("lib", "\x7f" "ELF", 0700);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && '%s' out.cpio init:/sbin/init motd:etc/issue/motd lib:usr/lib/i386/libc.so "
		 "-d dev -d usr/share/empty", tmpdir, abs);
	assert_int_equal(system(cmd), 0);

	snprintf(path, sizeof(path), "%s/out.cpio", tmpdir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[8192];
	size_t size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(size > 0 && size < sizeof(buf));
	assert_int_equal(ramfs_load_cpio(root, buf, size), 12);
	listing(root, "", list, sizeof(list));
	assert_string_equal(list,
		"/sbin d 755 0\n"
		"/sbin/init f 755 12\n"
		"/etc d 755 0\n"
		"/etc/issue d 755 0\n"
		"/etc/issue/motd f 644 8\n"
		"/usr d 755 0\n"
		"/usr/lib d 755 0\n"
		"/usr/lib/i386 d 755 0\n"
		"/usr/lib/i386/libc.so f 755 4\n"
		"/usr/share d 755 0\n"
		"/usr/share/empty d 755 0\n"
		"/dev d 755 0\n");
	expect_contents(get("/sbin/init"), "#!/bin/init\n", 12);
	expect_contents(get("/etc/issue/motd"), "welcome\n", 8);
	expect_contents(get("/usr/lib/i386/libc.so"), "\x7f" "ELF", 4);
	check_tree(0);
}

/* ---------------------------------------------------------------- random operations */

/*
 * 20,000 random calls over a small name space (with links, open references
 * and renames across levels), checking the tree after each: no crash, no
 * broken invariant, and no leak once the references are dropped.
 */
static void test_ops_fuzz(void **state)
{
	static const char *const paths[] = {
		"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z", "/b/x/z", "/a/x/z/w", "/l", "/a/l",
	};
	static const char *const targets[] = { "a", "/a/x", "..", "l", "x/z", "/b/x/z/" };
	uint64_t rng = unit_seed("ramfs ops fuzz");
	struct ramfs_node *held[64];
	size_t nheld = 0, unlinked_held;
	unsigned success = 0;

	for (int iter = 0; iter < 20000; iter++) {
		const char *p = paths[unit_below(&rng, ARRAY_SIZE(paths))];
		const char *q = paths[unit_below(&rng, ARRAY_SIZE(paths))];
		struct ramfs_node *dir, *dir2, *n;
		char name[RAMFS_NAME_MAX + 1], name2[RAMFS_NAME_MAX + 1];
		uint8_t data[300];
		int rc = ramfs_lookup_parent(root, p, &dir, name, NULL);

		if (rc)
			continue;
		switch (unit_below(&rng, 11)) {
		case 0: rc = ramfs_mkdir(dir, name, NULL); break;
		case 1: rc = ramfs_create(dir, name, RAMFS_FILE, NULL); break;
		case 2: rc = ramfs_symlink(dir, name, targets[unit_below(&rng, 6)], NULL); break;
		case 3: rc = ramfs_unlink(dir, name); break;
		case 4: rc = ramfs_rmdir(dir, name); break;
		case 5:
			rc = ramfs_lookup_parent(root, q, &dir2, name2, NULL);
			if (!rc)
				rc = ramfs_rename(dir, name, dir2, name2);
			break;
		case 6:
		case 7:
			rc = ramfs_lookup(root, p, &n);
			if (!rc) {
				for (size_t i = 0; i < sizeof(data); i++)
					data[i] = (uint8_t)unit_rand(&rng);
				rc = ramfs_write(n, unit_below(&rng, 2000), data,
						 unit_below(&rng, sizeof(data)));
				rc = rc > 0 ? 0 : rc;
			}
			break;
		case 8:
			rc = ramfs_lookup(root, p, &n);
			if (!rc)
				rc = ramfs_truncate(n, unit_below(&rng, 3000));
			break;
		case 9:                 /* open it */
			rc = ramfs_lookup_flags(root, p, RAMFS_NOFOLLOW, &n);
			if (!rc && nheld < ARRAY_SIZE(held)) {
				ramfs_get(n);
				held[nheld++] = n;
			}
			break;
		case 10:                /* close something */
			if (nheld) {
				size_t i = unit_below(&rng, nheld);
				ramfs_put(held[i]);
				held[i] = held[--nheld];
			}
			break;
		}
		if (!rc)
			success++;
		switch (rc) {
		case 0: case ENOENT_: case EEXIST_: case ENOTDIR_: case EISDIR_: case EINVAL_:
		case ENOTEMPTY_: case ELOOP_: case EBUSY_:
			break;
		default:
			fail_msg("iteration %d: unexpected %d", iter, rc);
		}
		/* Held nodes no longer in the tree, counted once each. */
		unlinked_held = 0;
		for (size_t i = 0; i < nheld; i++) {
			bool dup = false;
			for (size_t j = 0; j < i; j++)
				dup |= held[j] == held[i];
			if (!dup && held[i] != root) {
				const struct ramfs_node *m = held[i];
				while (m->parent && m != root)
					m = m->parent;
				unlinked_held += m != root;
			}
		}
		check_tree(unlinked_held);
	}
	print_message("# ops fuzz: %u of 20000 calls succeeded\n", success);
	assert_true(success > 2000);
	while (nheld)
		ramfs_put(held[--nheld]);
	check_tree(0);
}

/* A link whose target the VFS computes: followed and read as computed now,
 * its stored target when the hook declines, other links untouched. */
static void test_computed_link(void **state)
{
	static const struct ramfs_ops cops = { t_alloc, t_free, t_link_target };
	struct ramfs cfs;
	struct ramfs_node *a, *b, *self, *plain, *n;
	char buf[16];
	(void)state;

	assert_int_equal(ramfs_init(&cfs, &cops), 0);
	assert_int_equal(ramfs_mkdir(cfs.root, "a", &a), 0);
	assert_int_equal(ramfs_mkdir(cfs.root, "b", &b), 0);
	assert_int_equal(ramfs_symlink(cfs.root, "self", "a", &self), 0);
	assert_int_equal(ramfs_symlink(cfs.root, "plain", "a", &plain), 0);
	self->priv = &cfs;              /* marks it computed */
	computed_to = "b";
	assert_int_equal(ramfs_lookup(cfs.root, "/self", &n), 0);
	assert_ptr_equal(n, b);
	assert_int_equal(ramfs_readlink(self, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'b');
	computed_to = "a";
	assert_int_equal(ramfs_lookup(cfs.root, "self/", &n), 0);
	assert_ptr_equal(n, a);
	computed_to = "missing";
	assert_int_equal(ramfs_lookup(cfs.root, "self", &n), ENOENT_);
	computed_to = NULL;             /* declined: the stored target */
	assert_int_equal(ramfs_lookup(cfs.root, "self", &n), 0);
	assert_ptr_equal(n, a);
	computed_to = "b";
	computed_calls = 0;
	assert_int_equal(ramfs_lookup(cfs.root, "plain", &n), 0);
	assert_ptr_equal(n, a);         /* not marked: stays as stored */
	assert_true(computed_calls > 0);
	assert_int_equal(ramfs_readlink(plain, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'a');
	ramfs_destroy(&cfs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_link_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_cpio_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkcpio_round_trip, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_ops_fuzz, setup, teardown),
		cmocka_unit_test(test_computed_link),
	};
	return cmocka_run_group_tests_name("ramfs", tests, NULL, NULL);
}
