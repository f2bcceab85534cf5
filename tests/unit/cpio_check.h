/* Checks of a newc archive through guest/kernel/cpio.c's cpio_next, shared by the cpio and mkcpio tests. */
#ifndef CPIO_CHECK_H
#define CPIO_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Walk an archive: the number of entries before the trailer, or the error. */
int count_entries(const uint8_t *buf, size_t size);

/* The entry at *off is name, with this mode and data[0..dsize), its data
 * and the next entry 4-aligned; *off moves past it. */
void expect_entry(const uint8_t *buf, size_t size, size_t *off, const char *name,
		  uint32_t mode, const void *data, size_t dsize);

#endif
