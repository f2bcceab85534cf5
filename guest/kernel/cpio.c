/* newc cpio parsing for the initramfs (pure and freestanding; see cpio.h). */
#include "cpio.h"

/* The header's 13 fields after the magic, in archive order. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
	NFIELDS
};

#define MAGIC_LEN       6
#define FIELD_LEN       8

static bool bytes_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Eight hex digits, either case, nothing else (no sign, space or "0x"). */
static bool parse_hex(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < FIELD_LEN; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/*
 * The end of [start, start + len) rounded up to 4, if that still lies inside
 * the archive. Written so that nothing overflows even with a 32-bit size_t and
 * a length of 0xffffffff.
 */
static bool padded_end(size_t start, size_t len, size_t size, size_t *end)
{
	size_t e, pad;

	if (start > size || len > size - start)
		return false;
	e = start + len;
	pad = (4 - (e & 3)) & 3;
	if (pad > size - e)
		return false;
	*end = e + pad;
	return true;
}

static int corrupt(struct cpio_entry *e)
{
	*e = (struct cpio_entry){ 0 };
	return -CPIO_EINVAL;
}

int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *e)
{
	const char *base = archive, *h;
	uint32_t f[NFIELDS];
	size_t off = *offset, name_off, data_off, next;

	if (off > size || size - off < CPIO_HEADER_SIZE)
		return corrupt(e);
	h = base + off;
	if (!bytes_equal(h, CPIO_MAGIC, MAGIC_LEN))
		return corrupt(e);
	for (int i = 0; i < NFIELDS; i++)
		if (!parse_hex(h + MAGIC_LEN + i * FIELD_LEN, &f[i]))
			return corrupt(e);

	/* The name: namesize bytes, the last one (and only it) a NUL. */
	name_off = off + CPIO_HEADER_SIZE;
	if (f[F_NAMESIZE] == 0 || !padded_end(name_off, f[F_NAMESIZE], size, &data_off))
		return corrupt(e);
	if (base[name_off + f[F_NAMESIZE] - 1] != '\0')
		return corrupt(e);
	for (size_t i = 0; i + 1 < f[F_NAMESIZE]; i++)
		if (base[name_off + i] == '\0')
			return corrupt(e);

	if (!padded_end(data_off, f[F_FILESIZE], size, &next))
		return corrupt(e);

	*e = (struct cpio_entry){
		.name = base + name_off,
		.name_len = f[F_NAMESIZE] - 1,
		.mode = f[F_MODE],
		.ino = f[F_INO],
		.uid = f[F_UID],
		.gid = f[F_GID],
		.nlink = f[F_NLINK],
		.mtime = f[F_MTIME],
		.dev_major = f[F_DEVMAJOR],
		.dev_minor = f[F_DEVMINOR],
		.rdev_major = f[F_RDEVMAJOR],
		.rdev_minor = f[F_RDEVMINOR],
		.data = base + data_off,
		.size = f[F_FILESIZE],
	};
	*offset = next;
	if (e->name_len == sizeof(CPIO_TRAILER) - 1 &&
	    bytes_equal(e->name, CPIO_TRAILER, sizeof(CPIO_TRAILER) - 1))
		return 0;
	return 1;
}
