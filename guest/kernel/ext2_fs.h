/*
 * ext2's own header, shared by its files and by nothing else: the on-disk
 * structures (little-endian, as the x86 both sides run on reads them
 * directly), the mounted filesystem, and the internal operations each file
 * gives the others. The interface is ext2.h; the layout is docs/ext2.md.
 *
 * Files: ext2_super.c (mount, sync, device and buffers), ext2_alloc.c (the
 * bitmaps), ext2_inode.c (inodes, block maps, references, attributes),
 * ext2_file.c (file contents), ext2_dir.c (directory entries), ext2_namei.c
 * (the calls that change names).
 */
#ifndef RINGOS_EXT2_FS_H
#define RINGOS_EXT2_FS_H

#include "ext2.h"

/* The kernel provides these (and gcc needs them in freestanding code anyway). */
extern void *memcpy(void *dst, const void *src, size_t n);
extern void *memset(void *s, int c, size_t n);
extern int memcmp(const void *a, const void *b, size_t n);

#define EXT2_MAGIC              0xEF53
#define EXT2_SB_OFFSET          1024    /* bytes from the start of the device */
#define EXT2_SB_SIZE            1024
#define EXT2_GOOD_OLD_INODE     128     /* revision 0's inode size, and its first inode */
#define EXT2_GOOD_OLD_FIRST_INO 11

/* s_state */
#define EXT2_VALID_FS           1       /* cleanly unmounted */
#define EXT2_ERROR_FS           2       /* errors detected */

/* Features. Compatible ones may be ignored; read-only compatible ones
 * allow reading only if unknown; incompatible ones forbid mounting. */
#define EXT2_COMPAT_RESIZE_INODE        0x0010
#define EXT2_COMPAT_LAZY_BG             0x0040  /* groups whose bitmaps were never written */
#define EXT2_COMPAT_SPARSE_SUPER2       0x0200  /* superblock copies in two chosen groups only */
#define EXT2_RO_COMPAT_SPARSE_SUPER     0x0001
#define EXT2_RO_COMPAT_LARGE_FILE       0x0002
#define EXT2_RO_COMPAT_HUGE_FILE        0x0008
#define EXT2_INCOMPAT_FILETYPE          0x0002
#define EXT2_RO_COMPAT_KNOWN    (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)
#define EXT2_INCOMPAT_KNOWN     EXT2_INCOMPAT_FILETYPE

/* i_flags this code looks at. */
#define EXT2_INDEX_FL           0x00001000      /* hashed directory index (ignored, cleared on change) */
#define EXT2_HUGE_FILE_FL       0x00040000      /* i_blocks in filesystem blocks (huge_file) */
#define EXT2_EXTENTS_FL         0x00080000      /* ext4 extents: refused */
#define EXT2_INLINE_DATA_FL     0x10000000      /* ext4 inline data: refused */

#define EXT2_NDIR_BLOCKS        12
#define EXT2_IND_BLOCK          12
#define EXT2_DIND_BLOCK         13
#define EXT2_TIND_BLOCK         14
#define EXT2_N_BLOCKS           15
#define EXT2_FAST_LINK_MAX      (EXT2_N_BLOCKS * 4 - 1) /* bytes of a target kept in i_block */

/* The superblock (1024 bytes at byte 1024). Fields past s_want_extra_isize are kept unread. */
struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;      /* reserved for the superuser */
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;    /* the superblock's block: 1 with 1 KiB blocks, else 0 */
	uint32_t s_log_block_size;      /* block size = 1024 << this */
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;               /* last mount */
	uint32_t s_wtime;               /* last write */
	uint16_t s_mnt_count;
	int16_t  s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;           /* 0: fixed inode size, no features; 1: dynamic */
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* Revision 1 from here on. */
	uint32_t s_first_ino;           /* first inode for files; below are reserved */
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;      /* the group this copy is in */
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t  s_uuid[16];
	char     s_volume_name[16];
	char     s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t  s_prealloc_blocks;
	uint8_t  s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks; /* after the descriptors, for online resizing */
	uint8_t  s_journal_uuid[16];
	uint32_t s_journal_inum;
	uint32_t s_journal_dev;
	uint32_t s_last_orphan;
	uint32_t s_hash_seed[4];
	uint8_t  s_def_hash_version;
	uint8_t  s_jnl_backup_type;
	uint16_t s_desc_size;
	uint32_t s_default_mount_opts;
	uint32_t s_first_meta_bg;
	uint32_t s_mkfs_time;
	uint32_t s_jnl_blocks[17];
	uint32_t s_blocks_count_hi;
	uint32_t s_r_blocks_count_hi;
	uint32_t s_free_blocks_hi;
	uint16_t s_min_extra_isize;
	uint16_t s_want_extra_isize;    /* extra inode bytes new inodes should use */
	uint8_t  s_rest[EXT2_SB_SIZE - 0x160];
};
_Static_assert(sizeof(struct ext2_super) == EXT2_SB_SIZE, "superblock size");
_Static_assert(offsetof(struct ext2_super, s_magic) == 0x38, "s_magic");
_Static_assert(offsetof(struct ext2_super, s_first_ino) == 0x54, "s_first_ino");
_Static_assert(offsetof(struct ext2_super, s_feature_ro_compat) == 0x64, "s_feature_ro_compat");
_Static_assert(offsetof(struct ext2_super, s_reserved_gdt_blocks) == 0xCE, "s_reserved_gdt_blocks");
_Static_assert(offsetof(struct ext2_super, s_mkfs_time) == 0x108, "s_mkfs_time");
_Static_assert(offsetof(struct ext2_super, s_want_extra_isize) == 0x15E, "s_want_extra_isize");

/* A group descriptor (32 bytes each, in the blocks after the superblock's). */
struct ext2_gd {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;        /* first of the group's inode table blocks */
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;              /* ext4's (uninitialized bitmaps): only with gdt_csum */
	uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_gd) == 32, "group descriptor size");

/* An inode's first 128 bytes (the rest of a larger inode is kept as it is). */
struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;                 /* low 16 bits; the high ones in i_uid_high */
	uint32_t i_size;                /* low 32 bits; regular files' high ones in i_size_high */
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;               /* deletion time: 0 while in use */
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks;              /* 512-byte units, indirect and xattr blocks included */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS]; /* 12 direct, then single, double, triple indirect */
	uint32_t i_generation;
	uint32_t i_file_acl;            /* the extended attribute block, or 0 */
	uint32_t i_size_high;           /* i_dir_acl in revision 0 */
	uint32_t i_faddr;
	uint16_t i_blocks_hi;           /* huge_file only */
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint16_t i_checksum_lo;
	uint16_t i_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE, "inode size");
_Static_assert(offsetof(struct ext2_inode, i_block) == 40, "i_block");
_Static_assert(offsetof(struct ext2_inode, i_file_acl) == 104, "i_file_acl");
_Static_assert(offsetof(struct ext2_inode, i_uid_high) == 120, "i_uid_high");

/* Bytes of a large inode past the first 128 (offsets from the inode's start). */
#define EXT2_I_EXTRA_ISIZE      128     /* u16: bytes used past 128 */
#define EXT2_I_CTIME_EXTRA      132     /* u32 each: nanoseconds << 2 | epoch bits */
#define EXT2_I_MTIME_EXTRA      136
#define EXT2_I_ATIME_EXTRA      140
#define EXT2_I_CRTIME           144     /* u32: creation time */

/* A directory entry's fixed part; the name follows, rec_len covers both and padding. */
struct ext2_dirent_head {
	uint32_t inode;                 /* 0: an unused entry */
	uint16_t rec_len;               /* bytes to the next entry (a multiple of 4) */
	uint8_t  name_len;
	uint8_t  file_type;             /* EXT2_FT_*, with the filetype feature; else name_len's high byte */
};
_Static_assert(sizeof(struct ext2_dirent_head) == 8, "dirent head");
#define EXT2_DIRENT_LEN(n)      ((8u + (n) + 3u) & ~3u)

/* Directory entry types on disk. */
#define EXT2_FT_UNKNOWN         0
#define EXT2_FT_REG_FILE        1
#define EXT2_FT_DIR             2
#define EXT2_FT_CHRDEV          3
#define EXT2_FT_BLKDEV          4
#define EXT2_FT_FIFO            5
#define EXT2_FT_SOCK            6
#define EXT2_FT_SYMLINK         7

/* An extended attribute block's header: only its reference count is used (freeing). */
#define EXT2_XATTR_MAGIC        0xEA020000u

#define EXT2_SPARE_BUFS         6       /* block buffers made at mount (ext2_buf_get) */

/* An inode held by the VFS (ext2_iget). */
struct ext2_held {
	struct ext2_held *next;
	uint32_t ino;
	uint32_t refs;
};

struct ext2_fs {
	struct ext2_dev dev;
	struct ext2_host host;
	struct ext2_super sb;           /* the primary superblock as on disk, counts kept current */
	struct ext2_gd *gd;             /* every group's descriptor */
	uint32_t groups;
	uint32_t block_size;
	uint32_t block_shift;           /* log2(block_size) */
	uint32_t addr_shift;            /* log2(block numbers in a block) */
	uint32_t inode_size;
	uint32_t inodes_per_group, blocks_per_group;
	uint32_t itable_blocks;         /* inode table blocks per group */
	uint32_t gdt_blocks;            /* blocks of group descriptors */
	uint32_t super_blocks;          /* a superblock copy, the descriptors, their reserve */
	uint32_t compat, incompat, ro_compat; /* the features (none in revision 0) */
	uint32_t first_ino;
	uint64_t max_size;              /* largest file size */
	bool filetype;                  /* entries carry the file type */
	bool rdonly;
	bool dirty;                     /* sb or descriptors changed since the last write */
	uint16_t mount_state;           /* s_state when mounted */
	const char *error;              /* the first inconsistency found */
	uint8_t *spare[EXT2_SPARE_BUFS];
	unsigned nspare;
	struct ext2_held *held;
};

/* Inode types from a mode. */
#define EXT2_ISDIR(m)   (((m) & EXT2_S_IFMT) == EXT2_S_IFDIR)
#define EXT2_ISREG(m)   (((m) & EXT2_S_IFMT) == EXT2_S_IFREG)
#define EXT2_ISLNK(m)   (((m) & EXT2_S_IFMT) == EXT2_S_IFLNK)

/* ---------------------------------------------------------------- ext2_super.c */

/* Record an inconsistency (the first one is kept for ext2_error and the
 * superblock gets the error state); returns -EXT2_EUCLEAN. */
int ext2_corrupt(struct ext2_fs *fs, const char *what);
/* A block-sized buffer (NULL when out of memory), and giving it back. */
uint8_t *ext2_buf_get(struct ext2_fs *fs);
void ext2_buf_put(struct ext2_fs *fs, uint8_t *buf);
/* Whole blocks, and sectors, of the filesystem: 0, -EXT2_EIO, or
 * -EXT2_EUCLEAN for a place outside it (never asked of the device). */
int ext2_blk_read(struct ext2_fs *fs, uint32_t blk, void *buf);
int ext2_blk_write(struct ext2_fs *fs, uint32_t blk, const void *buf);
int ext2_sect_read(struct ext2_fs *fs, uint64_t sector, unsigned count, void *buf);
int ext2_sect_write(struct ext2_fs *fs, uint64_t sector, unsigned count, const void *buf);
uint32_t ext2_now(struct ext2_fs *fs);

/* ---------------------------------------------------------------- ext2_alloc.c */

bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t group);
/* Whether blk may be a file's or directory's block: inside the filesystem and not its metadata. */
bool ext2_blk_ok(const struct ext2_fs *fs, uint32_t blk);
/* A free block, near goal (0: anywhere), marked used and counted. -EXT2_ENOSPC. */
int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk);
int ext2_bfree(struct ext2_fs *fs, uint32_t blk);
/* A free inode for a child of parent (directories spread over the groups). */
int ext2_ialloc(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *ino);
int ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool dir);

/* ---------------------------------------------------------------- ext2_inode.c */

/* Whether ino may be asked for: the root or a non-reserved inode in the count. */
bool ext2_ino_ok(const struct ext2_fs *fs, uint32_t ino);
/* Where ino's blocks should go: the start of its group. */
uint32_t ext2_ino_goal(const struct ext2_fs *fs, uint32_t ino);
int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
/* A new inode record: the whole of it zeroed but in, the large inode's extra size set. */
int ext2_iwrite_new(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
/* Read ino if it is in use (linked, or held by the VFS): -EXT2_EINVAL / -EXT2_ENOENT. */
int ext2_iget_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
bool ext2_held(const struct ext2_fs *fs, uint32_t ino);
uint64_t ext2_isize(const struct ext2_fs *fs, const struct ext2_inode *in);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
/* Whether i_block holds block numbers (regular files, directories, slow links). */
bool ext2_has_blocks(const struct ext2_fs *fs, const struct ext2_inode *in);
/* The physical block of logical block lblk (0: a hole). With create, a hole
 * is filled (near goal), indirect blocks made as needed and counted in
 * i_blocks; *fresh then says the data block is new (its contents are
 * garbage). The caller writes the inode back. */
int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint32_t lblk, bool create,
	      uint32_t goal, uint32_t *pblk, bool *fresh);
/* Free every block at logical block from and beyond, and indirect blocks left empty. */
int ext2_trunc_blocks(struct ext2_fs *fs, struct ext2_inode *in, uint32_t from);
/* One link fewer; the inode is freed when none is left and the VFS does not hold it. */
int ext2_drop_link(struct ext2_fs *fs, uint32_t ino);
/* Add delta to ino's link count and touch its change time. */
int ext2_add_links(struct ext2_fs *fs, uint32_t ino, int delta);
/* Free an unlinked inode: its blocks, its xattr block, then the inode. */
int ext2_ievict(struct ext2_fs *fs, uint32_t ino);
uint8_t ext2_mode_ftype(uint16_t mode);

/* ---------------------------------------------------------------- ext2_file.c */

/* Bytes from an old size to the end of its block made zero (before growing). */
int ext2_zero_tail(struct ext2_fs *fs, struct ext2_inode *in, uint64_t from);

/* ---------------------------------------------------------------- ext2_dir.c */

/* Where an entry is. */
struct ext2_dloc {
	uint32_t lblk, pblk;            /* the directory block */
	uint32_t off;                   /* the entry's offset in the block */
	uint32_t prev;                  /* the entry before it in the block (== off: the first) */
	uint32_t ino;
	uint8_t ftype;
};

/* A name as calls take it: 1 to EXT2_NAME_MAX bytes, no '/'. */
int ext2_check_name(const char *name, size_t *len);
bool ext2_is_dot(const char *name, size_t len);     /* "." or ".." */
/* Find name in directory dir (an inode already read): 0 and *loc, or -EXT2_ENOENT. */
int ext2_dir_find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		  size_t len, struct ext2_dloc *loc);
/* Add name -> ino (of type mode) to directory dirino, growing it by a block
 * if no block has room; updates the directory's times. */
int ext2_dir_add(struct ext2_fs *fs, uint32_t dirino, const char *name, size_t len,
		 uint32_t ino, uint16_t mode);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dirino, const struct ext2_dloc *loc);
/* Point an existing entry at another inode (rename's replacement, ".."). */
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dirino, const struct ext2_dloc *loc,
		      uint32_t ino, uint16_t mode);
/* 1 when the directory holds nothing but "." and "..", 0 when it does, or an error. */
int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir);
/* The first block of a new directory ino in parent: "." and "..", in buf. */
void ext2_dir_init(struct ext2_fs *fs, uint8_t *buf, uint32_t ino, uint32_t parent);

#endif
