/* guest/kernel/ramfs.c: changing the tree: creating and removing, out of memory, contents, rename, references, readdir, and 20,000 random calls. */
#include "ramfs_fixture.h"

#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ops_fuzz, setup, teardown),
	};
	return cmocka_run_group_tests_name("ramfs_tree", tests, NULL, NULL);
}
