/* The pure client side of system-call forwarding (lib/include/fwd_client.h). */
#include "fwd_client.h"

#define L_O_NOCTTY      00000400
#define L_O_LARGEFILE   00100000        /* i386's value */
#define L_O_CLOEXEC     02000000
#define ERR_ENOENT      2
#define ERR_EIO         5
#define ERR_EINVAL      22
#define ERR_ENAMETOOLONG 36

void fsif_req_init(struct fsif_req *r, uint32_t id, uint16_t op)
{
	uint8_t *p = (uint8_t *)r;
	for (size_t i = 0; i < sizeof(*r); i++)
		p[i] = 0;
	r->id = id;
	r->op = op;
	r->dir = FSIF_ROOT;
	r->dir2 = FSIF_ROOT;
}

int fsif_open_flags(uint32_t f, uint32_t *wire)
{
	f &= ~(uint32_t)(L_O_NOCTTY | L_O_LARGEFILE | L_O_CLOEXEC);
	if (f & ~(uint32_t)FSIF_O_ALLOWED)
		return -ERR_EINVAL;
	*wire = f;
	return 0;
}

long fsif_path_len(const char *path)
{
	for (long n = 0; n < FSIF_PATH_MAX; n++)
		if (!path[n])
			return n ? n : -ERR_ENOENT;
	return -ERR_ENAMETOOLONG;
}

static void put(uint8_t *b, unsigned off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

void fsif_stat_to_stat64(const struct fsif_stat *st, uint8_t out[96])
{
	for (unsigned i = 0; i < 96; i++)
		out[i] = 0;
	put(out, 0, st->dev, 8);                /* st_dev (then 4 bytes of pad) */
	put(out, 12, (uint32_t)st->ino, 4);     /* __st_ino */
	put(out, 16, st->mode, 4);
	put(out, 20, st->nlink, 4);
	put(out, 24, st->uid, 4);
	put(out, 28, st->gid, 4);
	put(out, 32, st->rdev, 8);              /* st_rdev (then 4 bytes of pad) */
	put(out, 44, (uint64_t)st->size, 8);
	put(out, 52, st->blksize, 4);
	put(out, 56, st->blocks, 8);
	put(out, 64, (uint32_t)st->atime, 4);
	put(out, 68, st->atime_nsec, 4);
	put(out, 72, (uint32_t)st->mtime, 4);
	put(out, 76, st->mtime_nsec, 4);
	put(out, 80, (uint32_t)st->ctime, 4);
	put(out, 84, st->ctime_nsec, 4);
	put(out, 88, st->ino, 8);               /* st_ino */
}

long fsif_dirents_check(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t off = 0;
	long n = 0;
	while (off < len) {
		if (len - off < FSIF_DIRENT_HDR + 2)
			return -ERR_EIO;
		unsigned reclen = b[off + 16] | (unsigned)b[off + 17] << 8;
		if (reclen % 8 || reclen < FSIF_DIRENT_HDR + 2 || reclen > len - off)
			return -ERR_EIO;
		const uint8_t *name = b + off + FSIF_DIRENT_HDR;
		size_t max = reclen - FSIF_DIRENT_HDR, k = 0;
		while (k < max && name[k] && name[k] != '/')
			k++;
		if (k == 0 || k == max || name[k] != 0)
			return -ERR_EIO;
		off += reclen;
		n++;
	}
	return n;
}
