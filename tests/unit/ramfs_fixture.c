/*
 * The fixture the ramfs unit tests share (ramfs_fixture.h): a counting
 * allocator that can be told to fail, a fresh ramfs per test that must free
 * everything again, helpers that build and read the tree, and a check of
 * the tree's invariants.
 */
#include "ramfs_fixture.h"

#include <string.h>

/* ---------------------------------------------------------------- allocator */

long live;               /* blocks allocated and not yet freed */
long fail_in = -1;       /* allocations left before every one fails; -1: never */

void *t_alloc(size_t n)
{
	if (fail_in == 0)
		return NULL;
	if (fail_in > 0)
		fail_in--;
	live++;
	return malloc(n);
}

void t_free(void *p)
{
	assert_non_null(p);
	live--;
	free(p);
}

const struct ramfs_ops ops = { t_alloc, t_free, NULL };

struct ramfs fs;
struct ramfs_node *root;

int setup(void **state)
{
	live = 0;
	fail_in = -1;
	if (ramfs_init(&fs, &ops))
		return -1;
	root = fs.root;
	return 0;
}

/* Everything allocated is freed again. */
int teardown(void **state)
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

struct ramfs_node *get(const char *path)
{
	struct ramfs_node *n = NULL;
	int rc = ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n);

	if (rc)
		fail_msg("lookup \"%s\" = %d", path, rc);
	return n;
}

bool exists(const char *path)
{
	struct ramfs_node *n;

	return ramfs_lookup_flags(root, path, RAMFS_NOFOLLOW, &n) == 0;
}

struct ramfs_node *mk(const char *path, enum ramfs_type type)
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

struct ramfs_node *ln(const char *path, const char *target)
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

struct ramfs_node *file_with(const char *path, const char *text)
{
	struct ramfs_node *n = mk(path, RAMFS_FILE);

	assert_int_equal(ramfs_write(n, 0, text, strlen(text)), (long)strlen(text));
	return n;
}

void expect_contents(struct ramfs_node *n, const void *want, size_t size)
{
	uint8_t *buf = malloc(size + 16);

	assert_non_null(buf);
	assert_int_equal(n->size, size);
	assert_int_equal(ramfs_read(n, 0, buf, size + 16), (long)size);
	assert_memory_equal(buf, want, size);
	free(buf);
}

/* "/a/b" for a node in the tree, "(unlinked)" for one that is not. */
const char *path_of(const struct ramfs_node *n)
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
void check_tree(size_t held)
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
