/* The shared fixture of the ramfs unit tests (ramfs_fixture.c). */
#ifndef RAMFS_FIXTURE_H
#define RAMFS_FIXTURE_H

#include "unit.h"

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

/* The allocator: every block counted, and a failure on request. */
extern long live;               /* blocks allocated and not yet freed */
extern long fail_in;            /* allocations left before every one fails; -1: never */
void *t_alloc(size_t n);
void t_free(void *p);
extern const struct ramfs_ops ops;      /* t_alloc, t_free, no link hook */

/* The ramfs under test, made by setup and checked for leaks by teardown. */
extern struct ramfs fs;
extern struct ramfs_node *root;
int setup(void **state);
int teardown(void **state);

/* Helpers on paths from the root; each fails the test when the call does. */
struct ramfs_node *get(const char *path);        /* lookup, final link not followed */
bool exists(const char *path);
struct ramfs_node *mk(const char *path, enum ramfs_type type);
struct ramfs_node *ln(const char *path, const char *target);
struct ramfs_node *file_with(const char *path, const char *text);
void expect_contents(struct ramfs_node *n, const void *want, size_t size);
const char *path_of(const struct ramfs_node *n);   /* "/a/b", or "(unlinked)" */

/* The tree's invariants, with held unlinked nodes still referenced. */
void check_tree(size_t held);

#endif
