/*
 * The client side of system-call forwarding (include/public/io/fsif.h),
 * its pure part: what ringos's kernel glue needs to turn a system call's
 * arguments into a request and a response into what the call returns.
 * Freestanding (lib/: no C library).
 */
#ifndef LIB_FWD_CLIENT_H
#define LIB_FWD_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <public/io/fsif.h>

/* A zeroed request for op, tagged id, relative to the export's top. */
void fsif_req_init(struct fsif_req *r, uint32_t id, uint16_t op);

/*
 * open(2)'s flags (Linux i386) as the wire's: O_CLOEXEC, O_LARGEFILE and
 * O_NOCTTY are the client's own and dropped; anything else fsif does not
 * carry (O_PATH, O_TMPFILE, O_DIRECT, O_NOATIME, O_ASYNC) is -EINVAL.
 * 0 with *wire set, or -EINVAL.
 */
int fsif_open_flags(uint32_t linux_flags, uint32_t *wire);

/* The length of a NUL-terminated path as fsif carries it: 1..FSIF_PATH_MAX-1,
 * or -ENOENT (empty), -ENAMETOOLONG (no NUL in the first FSIF_PATH_MAX bytes). */
long fsif_path_len(const char *path);

/* A response's stat as Linux i386's struct stat64 (96 bytes). */
void fsif_stat_to_stat64(const struct fsif_stat *st, uint8_t out[96]);

/*
 * Check getdents64 records from the server before they are copied to a
 * program: they tile buf[0..len) exactly, each d_reclen a multiple of 8 and
 * large enough for its header and a name that is non-empty, NUL-terminated
 * inside the record and free of '/'. The number of records, or -EIO.
 */
long fsif_dirents_check(const void *buf, size_t len);

#endif
