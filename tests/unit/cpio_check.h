/* Building newc archives for tests, and checking them through guest/kernel/cpio.c's
 * cpio_next: shared by the cpio, mkcpio and ramfs tests. */
#ifndef CPIO_CHECK_H
#define CPIO_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* The header's fields, in archive order, and where field i starts. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
	NFIELDS
};
#define FIELD_AT(i)     (6 + 8 * (i))

/* An archive under construction. */
struct arc {
	uint8_t *buf;
	size_t len, cap;
	uint32_t ino;
};

/* Bytes at the end, growing the buffer; padding to 4. */
void arc_put(struct arc *a, const void *p, size_t n);
void arc_pad(struct arc *a);
/* One entry with every header field given: name_bytes of name (its NUL
 * included or not, as the test wants), then data_bytes of data. */
void arc_raw(struct arc *a, const char *magic, const uint32_t f[NFIELDS], const void *name,
	     size_t name_bytes, const void *data, size_t data_bytes);
/* A well-formed entry (a device's numbers for the _dev form), the trailer. */
void arc_add_dev(struct arc *a, uint32_t mode, const char *name, const void *data, size_t size,
		 uint32_t rmaj, uint32_t rmin);
void arc_add(struct arc *a, uint32_t mode, const char *name, const void *data, size_t size);
void arc_trailer(struct arc *a);

/* Walk an archive: the number of entries before the trailer, or the error. */
int count_entries(const uint8_t *buf, size_t size);

/* The entry at *off is name, with this mode and data[0..dsize), its data
 * and the next entry 4-aligned; *off moves past it. */
void expect_entry(const uint8_t *buf, size_t size, size_t *off, const char *name,
		  uint32_t mode, const void *data, size_t dsize);

#endif
