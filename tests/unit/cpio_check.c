/* Building newc archives for tests and checking them through cpio_next (cpio_check.h). */
#include "unit.h"

#include <string.h>

#include "cpio.h"
#include "cpio_check.h"

void arc_put(struct arc *a, const void *p, size_t n)
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

void arc_pad(struct arc *a)
{
	static const uint8_t zeros[4];

	arc_put(a, zeros, (4 - (a->len & 3)) & 3);
}

/* One entry with every header field given: name_bytes of name (its NUL
 * included or not, as the test wants), then data_bytes of data. */
void arc_raw(struct arc *a, const char *magic, const uint32_t f[NFIELDS], const void *name,
		    size_t name_bytes, const void *data, size_t data_bytes)
{
	char h[CPIO_HEADER_SIZE + 1];
	int n = 6;

	memcpy(h, magic, 6);            /* as given, even with a NUL inside */

	for (int i = 0; i < NFIELDS; i++)
		n += snprintf(h + n, sizeof(h) - n, "%08X", f[i]);
	assert_int_equal(n, CPIO_HEADER_SIZE);
	arc_put(a, h, CPIO_HEADER_SIZE);
	arc_put(a, name, name_bytes);
	arc_pad(a);
	arc_put(a, data, data_bytes);
	arc_pad(a);
}

void arc_add_dev(struct arc *a, uint32_t mode, const char *name, const void *data,
			size_t size, uint32_t rmaj, uint32_t rmin)
{
	uint32_t f[NFIELDS] = { 0 };

	f[F_INO] = ++a->ino;
	f[F_MODE] = mode;
	f[F_NLINK] = (mode & CPIO_S_IFMT) == CPIO_S_IFDIR ? 2 : 1;
	f[F_FILESIZE] = (uint32_t)size;
	f[F_RDEVMAJOR] = rmaj;
	f[F_RDEVMINOR] = rmin;
	f[F_NAMESIZE] = (uint32_t)strlen(name) + 1;
	arc_raw(a, CPIO_MAGIC, f, name, strlen(name) + 1, data, size);
}

void arc_add(struct arc *a, uint32_t mode, const char *name, const void *data, size_t size)
{
	arc_add_dev(a, mode, name, data, size, 0, 0);
}

void arc_trailer(struct arc *a)
{
	uint32_t f[NFIELDS] = { [F_NLINK] = 1, [F_NAMESIZE] = sizeof(CPIO_TRAILER) };

	arc_raw(a, CPIO_MAGIC, f, CPIO_TRAILER, sizeof(CPIO_TRAILER), NULL, 0);
}

int count_entries(const uint8_t *buf, size_t size)
{
	struct cpio_entry e;
	size_t off = 0;
	int n = 0, rc;

	while ((rc = cpio_next(buf, size, &off, &e)) == 1)
		n++;
	return rc < 0 ? rc : n;
}

void expect_entry(const uint8_t *buf, size_t size, size_t *off, const char *name,
			 uint32_t mode, const void *data, size_t dsize)
{
	struct cpio_entry e;
	size_t before = *off;
	int rc = cpio_next(buf, size, off, &e);

	if (rc != 1)
		fail_msg("entry \"%s\" at %zu: cpio_next = %d", name, before, rc);
	assert_int_equal(e.name_len, strlen(name));
	assert_memory_equal(e.name, name, e.name_len + 1);
	assert_int_equal(e.mode, mode);
	assert_int_equal(e.size, dsize);
	if (dsize)
		assert_memory_equal(e.data, data, dsize);
	/* Data starts 4-aligned right after the padded name; next entry 4-aligned after it. */
	assert_int_equal(((const uint8_t *)e.data - buf) % 4, 0);
	assert_true((const uint8_t *)e.data >= (const uint8_t *)e.name + e.name_len + 1);
	assert_int_equal(*off % 4, 0);
	assert_int_equal(*off, (size_t)((const uint8_t *)e.data - buf) + ((dsize + 3) & ~(size_t)3));
}
