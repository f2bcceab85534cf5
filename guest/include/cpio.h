/*
 * Parser for "newc" cpio archives (magic 070701, `cpio -H newc`), the format
 * of the initramfs. The archive is an untrusted blob: cpio_next() checks every
 * field it hands out and never reads outside [archive, archive + size). Pure
 * and freestanding, so the host unit tests drive it directly.
 *
 * Layout of one entry: a 110-byte ASCII header ("070701" and 13 fields of 8
 * hex digits), the name with its NUL (namesize bytes), zero padding up to a
 * multiple of 4 from the archive start, the file data (filesize bytes), zero
 * padding again. The last entry is named "TRAILER!!!".
 */
#ifndef RINGOS_CPIO_H
#define RINGOS_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/errno.h"

/* The error cpio_next returns (negated): ringos's Linux number (uapi/errno.h). */
#define CPIO_EINVAL     EINVAL

#define CPIO_HEADER_SIZE 110
#define CPIO_MAGIC      "070701"
#define CPIO_TRAILER    "TRAILER!!!"

/* File types in the mode field (the st_mode bits of Linux). */
#define CPIO_S_IFMT     0170000u
#define CPIO_S_IFSOCK   0140000u
#define CPIO_S_IFLNK    0120000u
#define CPIO_S_IFREG    0100000u
#define CPIO_S_IFBLK    0060000u
#define CPIO_S_IFDIR    0040000u
#define CPIO_S_IFCHR    0020000u
#define CPIO_S_IFIFO    0010000u

struct cpio_entry {
	const char *name;       /* inside the archive, NUL-terminated */
	size_t name_len;        /* without the NUL; no NUL inside */
	uint32_t mode;          /* CPIO_S_IF* type | permission bits */
	uint32_t ino, uid, gid, nlink, mtime;
	uint32_t dev_major, dev_minor;          /* the device holding the file */
	uint32_t rdev_major, rdev_minor;        /* device nodes: the device */
	const void *data;       /* inside the archive (symlinks: the target) */
	size_t size;            /* bytes of data */
};

/*
 * Read the entry at *offset (0 for the first one) into *e and advance *offset
 * to the next entry. Returns 1 for an entry, 0 for the trailer (*e describes
 * it, *offset points past it), or -CPIO_EINVAL (*offset unchanged, *e zeroed)
 * when the archive is corrupt: *offset beyond size, a truncated header, name
 * or data (their padding included), bad magic, a field that is not 8 hex
 * digits, a name without its final NUL or with one inside it.
 */
int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *e);

#endif
