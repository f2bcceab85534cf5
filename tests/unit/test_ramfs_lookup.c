/* guest/kernel/ramfs.c: path lookup (every error code, lengths, link limits, parents) and links whose target the VFS computes. */
#include "ramfs_fixture.h"

#include <string.h>

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
		cmocka_unit_test(test_computed_link),
	};
	return cmocka_run_group_tests_name("ramfs_lookup", tests, NULL, NULL);
}
