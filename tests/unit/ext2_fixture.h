/*
 * The fixture the ext2 unit tests share (ext2_fixture.c): a temporary
 * directory per test, images made there by mkfs.ext2, a disk backed by an
 * image file that counts, fails on request and refuses any sector outside
 * the image, a counting allocator, e2fsck and debugfs as judges, and helpers
 * that walk paths and read whole files through the library.
 *
 * e2fsprogs (mkfs.ext2, e2fsck, debugfs) must be installed: every test fails,
 * saying so, when they are not (tools/setup.sh installs them).
 */
#ifndef EXT2_FIXTURE_H
#define EXT2_FIXTURE_H

#include "unit.h"
#include "ext2.h"

#include <string.h>

/* Negated errors, as the library returns them. */
#define ENOENT_         (-EXT2_ENOENT)
#define EIO_            (-EXT2_EIO)
#define ENOMEM_         (-EXT2_ENOMEM)
#define EEXIST_         (-EXT2_EEXIST)
#define ENOTDIR_        (-EXT2_ENOTDIR)
#define EISDIR_         (-EXT2_EISDIR)
#define EINVAL_         (-EXT2_EINVAL)
#define EFBIG_          (-EXT2_EFBIG)
#define ENOSPC_         (-EXT2_ENOSPC)
#define EROFS_          (-EXT2_EROFS)
#define EMLINK_         (-EXT2_EMLINK)
#define EPERM_          (-EXT2_EPERM)
#define EBUSY_          (-EXT2_EBUSY)
#define ENAMETOOLONG_   (-EXT2_ENAMETOOLONG)
#define ENOTEMPTY_      (-EXT2_ENOTEMPTY)
#define EOPNOTSUPP_     (-EXT2_EOPNOTSUPP)
#define EUCLEAN_        (-EXT2_EUCLEAN)

/* The disk: an image file. */
struct fdisk {
	int fd;
	uint64_t sectors;
	long reads, writes;             /* calls */
	long fail_reads_in;             /* reads left before every one fails; -1: never */
	long fail_writes_in;            /* the same for writes */
	long outside;                   /* requests past the end (the library promises none) */
};
extern struct fdisk disk;
extern struct ext2_dev dev;             /* over disk */
extern struct ext2_host host;           /* malloc and time(), counted */
extern long live;                       /* allocations not yet freed */
extern long fail_alloc_in;              /* allocations left before every one fails; -1: never */
extern char tmpdir[];                   /* this test's directory */

int setup(void **state);
/* Everything the test allocated is freed, the disk was never asked for a
 * sector outside it, and the directory goes. */
int teardown(void **state);

/* A path in the test's directory (one of a few static buffers). */
const char *tpath(const char *name);
/* Run a shell command (printf format): its exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* mkfs.ext2 -q -F opts img blocks, asserted to work. */
void mkfs(const char *img, const char *opts, unsigned blocks);
/* e2fsck -fn img: its exit status; the output is printed when it is not 0. */
int fsck(const char *img);
#define assert_fsck_clean(img) assert_int_equal(fsck(img), 0)

void disk_open(const char *img);
void disk_close(void);
/* Open img and mount it (asserted), with flags. */
struct ext2_fs *mount_img(const char *img, unsigned flags);
/* Unmount (asserted clean), close the disk, run e2fsck (asserted clean). */
void unmount_fsck(struct ext2_fs *fs, const char *img);
/* unmount_fsck, then mount again. */
struct ext2_fs *remount(struct ext2_fs *fs, const char *img);

/* Walk an absolute path with ext2_lookup (no symbolic links followed). */
int walk(struct ext2_fs *fs, const char *path, uint32_t *ino);
uint32_t ino_of(struct ext2_fs *fs, const char *path);     /* asserted to exist */
/* The parent directory of path and a pointer to its last component. */
uint32_t parent_of(struct ext2_fs *fs, const char *path, const char **name);
/* A regular file's contents through ext2_read (malloc'd; *len its size). */
uint8_t *read_all(struct ext2_fs *fs, uint32_t ino, size_t *len);
/* debugfs -R 'cat path' img (malloc'd). */
uint8_t *debugfs_cat(const char *img, const char *path, size_t *len);
/* A file at path with data (created, or truncated and rewritten). */
uint32_t put_file(struct ext2_fs *fs, const char *path, const void *data, size_t len);
/* Free blocks and inodes (ext2_statfs); an inode's link count (ext2_stat, asserted). */
uint32_t blocks_free(struct ext2_fs *fs);
uint32_t inodes_free(struct ext2_fs *fs);
uint16_t links_of(struct ext2_fs *fs, uint32_t ino);
/* Deterministic bytes for offset off of a file seeded seed. */
void fill(uint8_t *buf, size_t len, uint64_t off, uint32_t seed);

#endif
