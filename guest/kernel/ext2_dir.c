/*
 * ext2: directories. A directory's blocks hold a chain of entries (inode,
 * record length, name length, type, name) that covers each block exactly;
 * an entry with inode 0 is unused. Every block is checked whole before any
 * entry in it is believed. A hashed index (dir_index) hides in entries
 * that look unused or in ".."'s slack, so reading a directory linearly is
 * always right; a directory changed here loses its index flag, as the
 * index no longer describes it.
 */
#include "ext2_fs.h"

/* ---------------------------------------------------------------- names */

int ext2_check_name(const char *name, size_t *len)
{
	size_t n = 0;

	while (n <= EXT2_NAME_MAX && name[n])
		n++;
	if (n == 0)
		return -EXT2_ENOENT;
	if (n > EXT2_NAME_MAX)
		return -EXT2_ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/')
			return -EXT2_EINVAL;
	*len = n;
	return 0;
}

bool ext2_is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* ---------------------------------------------------------------- blocks of entries */

static struct ext2_dirent_head head_at(const uint8_t *buf, uint32_t off)
{
	struct ext2_dirent_head h;

	memcpy(&h, buf + off, sizeof(h));
	return h;
}

static void head_put(uint8_t *buf, uint32_t off, const struct ext2_dirent_head *h)
{
	memcpy(buf + off, h, sizeof(*h));
}

/* Every entry of a block: inside it, in step, naming a possible inode. */
static int check_block(struct ext2_fs *fs, const uint8_t *buf)
{
	uint32_t off = 0;

	while (off < fs->block_size) {
		struct ext2_dirent_head h;

		if (fs->block_size - off < sizeof(h))
			return ext2_corrupt(fs, "a directory entry crosses its block's end");
		h = head_at(buf, off);
		if (h.rec_len < EXT2_DIRENT_LEN(1) || (h.rec_len & 3) ||
		    h.rec_len > fs->block_size - off)
			return ext2_corrupt(fs, "a directory entry with a bad record length");
		if (!fs->filetype && h.file_type)
			return ext2_corrupt(fs, "a directory entry's name is too long");
		if (fs->filetype && h.file_type > EXT2_FT_SYMLINK)
			return ext2_corrupt(fs, "a directory entry with a bad file type");
		if (h.inode) {
			if (h.name_len == 0 || EXT2_DIRENT_LEN(h.name_len) > h.rec_len)
				return ext2_corrupt(fs, "a directory entry with a bad name length");
			if (!ext2_ino_ok(fs, h.inode))
				return ext2_corrupt(fs, "a directory entry names a reserved or nonexistent inode");
		}
		off += h.rec_len;
	}
	return 0;
}

/* Blocks in a directory: its size must be whole blocks, at least one. */
static int dir_nblocks(struct ext2_fs *fs, const struct ext2_inode *dir, uint32_t *n)
{
	if (dir->i_size == 0 || (dir->i_size & (fs->block_size - 1)))
		return ext2_corrupt(fs, "a directory's size is not whole blocks");
	*n = dir->i_size >> fs->block_shift;
	return 0;
}

/* Read and check block lblk of a directory (a hole there is an error). */
static int dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint32_t lblk,
		     uint32_t *pblk, uint8_t *buf)
{
	struct ext2_inode copy = *dir;      /* bmap without create changes nothing, but takes it writable */
	int rc = ext2_bmap(fs, &copy, lblk, false, 0, pblk, NULL);

	if (rc)
		return rc;
	if (!*pblk)
		return ext2_corrupt(fs, "a hole in a directory");
	rc = ext2_blk_read(fs, *pblk, buf);
	return rc ? rc : check_block(fs, buf);
}

/* Read a live directory for a call: -EXT2_ENOTDIR if it is not one. */
static int dir_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *dir)
{
	int rc = ext2_iget_live(fs, ino, dir);

	if (rc)
		return rc;
	return EXT2_ISDIR(dir->i_mode) ? 0 : -EXT2_ENOTDIR;
}

/* A change to a directory: its times, and no index that could now be wrong. */
static int dir_touch(struct ext2_fs *fs, uint32_t dirino, struct ext2_inode *dir)
{
	dir->i_mtime = dir->i_ctime = ext2_now(fs);
	dir->i_flags &= ~EXT2_INDEX_FL;
	return ext2_iwrite(fs, dirino, dir);
}

/* ---------------------------------------------------------------- walking the entries */

/* Where a walk is: the block in buf, the entry at off (its head in h). */
struct dir_cursor {
	uint8_t *buf;
	uint32_t lblk, pblk;
	uint32_t off, prev;             /* prev == off for the first entry of a block */
	struct ext2_dirent_head h;
};

/* Called for each entry; non-zero stops the walk (an error, or 1: done). */
typedef int (*dir_visit)(struct ext2_fs *fs, struct dir_cursor *c, void *ctx);

/* Visit every entry of dir from block first on, in order; visit's non-zero
 * result, or 0 after the last entry. visit may change the block (and write
 * it) if it then stops. */
static int dir_walk(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t first,
		    dir_visit visit, void *ctx)
{
	struct dir_cursor c;
	uint32_t n = 0;
	int rc = dir_nblocks(fs, dir, &n);

	if (rc)
		return rc;
	c.buf = ext2_buf_get(fs);
	if (!c.buf)
		return -EXT2_ENOMEM;
	for (c.lblk = first < n ? (uint32_t)first : n; c.lblk < n && !rc; c.lblk++) {
		rc = dir_block(fs, dir, c.lblk, &c.pblk, c.buf);
		for (c.off = c.prev = 0; !rc && c.off < fs->block_size; c.off += c.h.rec_len) {
			c.h = head_at(c.buf, c.off);
			rc = visit(fs, &c, ctx);
			c.prev = c.off;
		}
	}
	ext2_buf_put(fs, c.buf);
	return rc;
}

static const char *name_at(const struct dir_cursor *c)
{
	return (const char *)c->buf + c->off + sizeof(c->h);
}

/* ---------------------------------------------------------------- finding and listing */

struct find_ctx {
	const char *name;
	size_t len;
	struct ext2_dloc *loc;
};

static int find_visit(struct ext2_fs *fs, struct dir_cursor *c, void *ctx)
{
	struct find_ctx *f = ctx;

	if (!c->h.inode || c->h.name_len != f->len || memcmp(name_at(c), f->name, f->len))
		return 0;
	*f->loc = (struct ext2_dloc){ c->lblk, c->pblk, c->off, c->prev, c->h.inode, c->h.file_type };
	return 1;
}

int ext2_dir_find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		  size_t len, struct ext2_dloc *loc)
{
	struct find_ctx f = { name, len, loc };
	int rc = dir_walk(fs, dir, 0, find_visit, &f);

	return rc == 1 ? 0 : rc ? rc : -EXT2_ENOENT;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dirino, const char *name, uint32_t *ino)
{
	struct ext2_inode dir;
	struct ext2_dloc loc;
	size_t len;
	int rc = dir_get(fs, dirino, &dir);

	if (!rc)
		rc = ext2_check_name(name, &len);
	if (!rc)
		rc = ext2_dir_find(fs, &dir, name, len, &loc);
	if (!rc)
		*ino = loc.ino;
	return rc;
}

static uint8_t dt_of(const struct ext2_fs *fs, uint8_t ftype)
{
	static const uint8_t dt[] = {
		[EXT2_FT_UNKNOWN] = EXT2_DT_UNKNOWN, [EXT2_FT_REG_FILE] = EXT2_DT_REG,
		[EXT2_FT_DIR] = EXT2_DT_DIR, [EXT2_FT_CHRDEV] = EXT2_DT_CHR,
		[EXT2_FT_BLKDEV] = EXT2_DT_BLK, [EXT2_FT_FIFO] = EXT2_DT_FIFO,
		[EXT2_FT_SOCK] = EXT2_DT_SOCK, [EXT2_FT_SYMLINK] = EXT2_DT_LNK,
	};

	return fs->filetype && ftype <= EXT2_FT_SYMLINK ? dt[ftype] : EXT2_DT_UNKNOWN;
}

struct readdir_ctx {
	uint64_t *pos;
	struct ext2_dirent *de;
};

/* The first entry in use at or after *pos. */
static int readdir_visit(struct ext2_fs *fs, struct dir_cursor *c, void *ctx)
{
	struct readdir_ctx *r = ctx;
	uint64_t at = ((uint64_t)c->lblk << fs->block_shift) + c->off;

	if (!c->h.inode || at < *r->pos)
		return 0;
	r->de->ino = c->h.inode;
	r->de->type = dt_of(fs, c->h.file_type);
	r->de->name_len = c->h.name_len;
	memcpy(r->de->name, name_at(c), c->h.name_len);
	r->de->name[c->h.name_len] = '\0';
	*r->pos = at + c->h.rec_len;
	return 1;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dirino, uint64_t *pos, struct ext2_dirent *de)
{
	struct readdir_ctx r = { pos, de };
	struct ext2_inode dir;
	int rc = dir_get(fs, dirino, &dir);

	if (rc)
		return rc;
	/* From the start of *pos's block: entries may have moved since *pos was given. */
	rc = dir_walk(fs, &dir, *pos >> fs->block_shift, readdir_visit, &r);
	if (rc == 0 && *pos < dir.i_size)
		*pos = dir.i_size;
	return rc;
}

static int empty_visit(struct ext2_fs *fs, struct dir_cursor *c, void *ctx)
{
	return c->h.inode && !ext2_is_dot(name_at(c), c->h.name_len);
}

int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir)
{
	int rc = dir_walk(fs, dir, 0, empty_visit, NULL);

	return rc == 1 ? 0 : rc ? rc : 1;
}

/* ---------------------------------------------------------------- changing entries */

static void entry_put(struct ext2_fs *fs, uint8_t *buf, uint32_t off, uint16_t rec_len,
		      const char *name, size_t len, uint32_t ino, uint16_t mode)
{
	struct ext2_dirent_head h = {
		.inode = ino, .rec_len = rec_len, .name_len = (uint8_t)len,
		.file_type = fs->filetype ? ext2_mode_ftype(mode) : 0,
	};

	head_put(buf, off, &h);
	memcpy(buf + off + sizeof(h), name, len);
	/* The padding after the name: zeros, as every implementation writes it. */
	memset(buf + off + sizeof(h) + len, 0, EXT2_DIRENT_LEN(len) - sizeof(h) - len);
}

struct add_ctx {
	const char *name;
	size_t len;
	uint32_t ino;
	uint16_t mode;
};

/* An unused entry, or the slack after a used one, big enough: the new entry goes there. */
static int add_visit(struct ext2_fs *fs, struct dir_cursor *c, void *ctx)
{
	struct add_ctx *a = ctx;
	struct ext2_dirent_head h = c->h;
	uint32_t used = h.inode ? EXT2_DIRENT_LEN(h.name_len) : 0;
	int rc;

	if (h.rec_len - used < EXT2_DIRENT_LEN(a->len))
		return 0;
	if (used) {
		uint16_t rest = (uint16_t)(h.rec_len - used);
		h.rec_len = (uint16_t)used;
		head_put(c->buf, c->off, &h);
		entry_put(fs, c->buf, c->off + used, rest, a->name, a->len, a->ino, a->mode);
	} else {
		entry_put(fs, c->buf, c->off, h.rec_len, a->name, a->len, a->ino, a->mode);
	}
	rc = ext2_blk_write(fs, c->pblk, c->buf);
	return rc ? rc : 1;
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dirino, const char *name, size_t len,
		 uint32_t ino, uint16_t mode)
{
	struct add_ctx a = { name, len, ino, mode };
	struct ext2_inode dir;
	uint32_t pblk;
	uint8_t *buf;
	bool fresh;
	int rc = ext2_iread(fs, dirino, &dir), wrc;

	if (!rc)
		rc = dir_walk(fs, &dir, 0, add_visit, &a);
	if (rc == 1) {
		rc = 0;
		goto touch;
	}
	if (rc)
		return rc;
	/* No room: a new block at the end, the entry covering all of it. */
	buf = ext2_buf_get(fs);
	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_bmap(fs, &dir, dir.i_size >> fs->block_shift, true, ext2_ino_goal(fs, dirino),
		       &pblk, &fresh);
	if (!rc && !fresh)
		rc = ext2_corrupt(fs, "a directory maps a block past its size");
	if (!rc) {
		memset(buf, 0, fs->block_size);
		entry_put(fs, buf, 0, (uint16_t)fs->block_size, name, len, ino, mode);
		rc = ext2_blk_write(fs, pblk, buf);
		if (!rc)
			dir.i_size += fs->block_size;
	}
	ext2_buf_put(fs, buf);
touch:
	wrc = dir_touch(fs, dirino, &dir);
	return rc ? rc : wrc;
}

/* Re-read the block of an entry found before, and check it is still there. */
static int entry_block(struct ext2_fs *fs, const struct ext2_dloc *loc, uint8_t *buf)
{
	int rc = ext2_blk_read(fs, loc->pblk, buf);

	if (!rc)
		rc = check_block(fs, buf);
	if (!rc && head_at(buf, loc->off).inode != loc->ino)
		rc = ext2_corrupt(fs, "a directory entry moved under a change");
	return rc;
}

/* Remove the entry at loc, or (remove false) point it at ino of type mode. */
static int change_entry(struct ext2_fs *fs, uint32_t dirino, const struct ext2_dloc *loc,
			bool remove, uint32_t ino, uint16_t mode)
{
	struct ext2_inode dir;
	uint8_t *buf = ext2_buf_get(fs);
	int rc;

	if (!buf)
		return -EXT2_ENOMEM;
	rc = ext2_iread(fs, dirino, &dir);
	if (!rc)
		rc = entry_block(fs, loc, buf);
	if (!rc) {
		struct ext2_dirent_head h = head_at(buf, loc->off);

		if (!remove) {
			h.inode = ino;
			h.file_type = fs->filetype ? ext2_mode_ftype(mode) : 0;
			head_put(buf, loc->off, &h);
		} else if (loc->prev != loc->off) {
			/* The entry before takes its space. */
			struct ext2_dirent_head p = head_at(buf, loc->prev);
			p.rec_len = (uint16_t)(p.rec_len + h.rec_len);
			head_put(buf, loc->prev, &p);
		} else {
			h.inode = 0;
			head_put(buf, loc->off, &h);
		}
		rc = ext2_blk_write(fs, loc->pblk, buf);
	}
	if (!rc)
		rc = dir_touch(fs, dirino, &dir);
	ext2_buf_put(fs, buf);
	return rc;
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dirino, const struct ext2_dloc *loc)
{
	return change_entry(fs, dirino, loc, true, 0, 0);
}

int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dirino, const struct ext2_dloc *loc,
		      uint32_t ino, uint16_t mode)
{
	return change_entry(fs, dirino, loc, false, ino, mode);
}

void ext2_dir_init(struct ext2_fs *fs, uint8_t *buf, uint32_t ino, uint32_t parent)
{
	memset(buf, 0, fs->block_size);
	entry_put(fs, buf, 0, EXT2_DIRENT_LEN(1), ".", 1, ino, EXT2_S_IFDIR);
	entry_put(fs, buf, EXT2_DIRENT_LEN(1), (uint16_t)(fs->block_size - EXT2_DIRENT_LEN(1)),
		  "..", 2, parent, EXT2_S_IFDIR);
}
