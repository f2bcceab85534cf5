/*
 * fsif: system-call forwarding of a file tree (docs/io.md, "System-call
 * forwarding"). A guest (the client, ringos) forwards the file system calls
 * made on one of its mount points to a server in Domain 0, one request per
 * call; the server performs them on a directory it exports to that domain
 * alone (lib/fwd_server.c).
 *
 * Requests and responses are fixed 128-byte records (one shared-ring slot
 * each). Paths and data never travel in them: a request names them by
 * segments of granted pages, (grant reference, offset, length). The
 * transport maps them and hands the server core one buffer per kind.
 *
 * Numbers are Linux's i386 ABI throughout: errno values (ret = -errno),
 * open flags, lseek whence, mode bits, d_type, the linux_dirent64 records
 * of getdents64. The hypervisor's own error numbers (public/errno.h,
 * RV_E*) have the same values for the ones both define, but fsif uses the
 * whole Linux set (ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG, ENOTEMPTY, ...),
 * which RV_E* does not list: ret is a Linux errno, never an RV_E* code.
 *
 * Paths: length-counted, NUL-free bytes (no terminating NUL needed),
 * 1 to FSIF_PATH_MAX - 1 bytes. They are resolved by the server as Linux
 * resolves a path given to an *at call, with the export as the client's
 * root directory: a leading '/', an absolute symbolic link and ".." all
 * stop at the export's top ("..", at the top, is the top itself). At most
 * FSIF_LINK_MAX symbolic links are followed in one request (ELOOP past it).
 */
#ifndef RINGVISOR_PUBLIC_IO_FSIF_H
#define RINGVISOR_PUBLIC_IO_FSIF_H

#include "../ringvisor.h"

#define FSIF_VERSION            1
#define FSIF_REQ_SIZE           128
#define FSIF_RSP_SIZE           128

#define FSIF_PATH_MAX           4096    /* Linux's PATH_MAX: a path has at most 4095 bytes */
#define FSIF_NAME_MAX           255     /* bytes in one component */
#define FSIF_LINK_MAX           40      /* symbolic links followed per request */
#define FSIF_HANDLES            64      /* open handles per client: 0 .. FSIF_HANDLES - 1 */
#define FSIF_DATA_SEGS          4       /* data segments per request */
#define FSIF_DATA_MAX           (FSIF_DATA_SEGS * 4096) /* bytes of data per request */

/* The directory a path is relative to (fsif_req.dir, dir2): the export's top.
 * Any other value is a handle that must be open on a directory. */
#define FSIF_ROOT               0xffffffffu

typedef uint32_t fsif_gref_t;           /* a grant reference (docs/io.md, "Grant tables") */

/* Bytes [offset, offset + len) of the page that gref grants; offset + len <= 4096. */
struct fsif_seg {
	fsif_gref_t gref;
	uint32_t offset;
	uint32_t len;
};
RV_BUILD_ASSERT(sizeof(struct fsif_seg) == 12, "fsif_seg layout");

/*
 * Opcodes. "path" is the request's path segment resolved from dir,
 * "path2" the second one from dir2, "data" the data segments (as one
 * buffer of the sum of their lengths, in order). Unless said otherwise
 * ret is 0 on success. A call that follows the final symbolic link says
 * so; the others act on the link itself.
 */
enum fsif_op {
	FSIF_OP_ATTACH = 1,     /* start a session: arg = FSIF_VERSION; closes every handle; ret = FSIF_HANDLES */
	FSIF_OP_OPEN,           /* openat(dir, path, flags, mode): ret = a handle, rsp.u.st the
				 * opened file's fstat (what a client needs to know of it). Follows unless
				 * FSIF_O_NOFOLLOW or O_CREAT|O_EXCL. A directory may be opened
				 * (read only) for getdents64 and as a dir of later requests. */
	FSIF_OP_CLOSE,          /* close(handle) */
	FSIF_OP_READ,           /* read(handle, data, count): ret = bytes, the handle's offset moves */
	FSIF_OP_WRITE,          /* write(handle, data, count): ret = bytes */
	FSIF_OP_PREAD,          /* pread64(handle, data, count, offset) */
	FSIF_OP_PWRITE,         /* pwrite64(handle, data, count, offset) */
	FSIF_OP_LSEEK,          /* lseek(handle, offset, whence = arg): rsp.u.offset = the new offset */
	FSIF_OP_STAT,           /* fstatat64(dir, path, flags): rsp.u.st. Follows unless
				 * flags has FSIF_AT_SYMLINK_NOFOLLOW (lstat) */
	FSIF_OP_FSTAT,          /* fstat64(handle): rsp.u.st */
	FSIF_OP_GETDENTS64,     /* getdents64(handle, data, count): ret = bytes of linux_dirent64 records */
	FSIF_OP_MKDIR,          /* mkdirat(dir, path, mode) */
	FSIF_OP_RMDIR,          /* unlinkat(dir, path, AT_REMOVEDIR) */
	FSIF_OP_UNLINK,         /* unlinkat(dir, path, 0) */
	FSIF_OP_RENAME,         /* renameat2(dir, path, dir2, path2, flags): flags 0 or FSIF_RENAME_NOREPLACE */
	FSIF_OP_READLINK,       /* readlinkat(dir, path, data, count): ret = bytes (no NUL) */
	FSIF_OP_SYMLINK,        /* symlinkat(path2 = the target, stored as given, dir, path = the new link) */
	FSIF_OP_TRUNCATE,       /* truncate64(dir, path, length = offset). Follows */
	FSIF_OP_FTRUNCATE,      /* ftruncate64(handle, length = offset) */
	FSIF_OP_FSYNC,          /* fsync(handle); fdatasync when arg is 1 */
	FSIF_OP_CHMOD,          /* fchmodat(dir, path, mode): follows */
	FSIF_OP_FCHMOD,         /* fchmod(handle, mode) */
	FSIF_OP_MAX             /* the first value that is not an opcode */
};

/* Open flags (fsif_req.flags of FSIF_OP_OPEN): Linux's i386 values. Any
 * other bit is refused (EINVAL): O_CLOEXEC, O_LARGEFILE and O_NOCTTY
 * concern the client's own descriptor and are its to strip. */
#define FSIF_O_ACCMODE          00000003
#define FSIF_O_RDONLY           00000000
#define FSIF_O_WRONLY           00000001
#define FSIF_O_RDWR             00000002
#define FSIF_O_CREAT            00000100
#define FSIF_O_EXCL             00000200
#define FSIF_O_TRUNC            00001000
#define FSIF_O_APPEND           00002000
#define FSIF_O_NONBLOCK         00004000
#define FSIF_O_DSYNC            00010000
#define FSIF_O_DIRECTORY        00200000
#define FSIF_O_NOFOLLOW         00400000
#define FSIF_O_SYNC             04010000        /* O_SYNC includes O_DSYNC */
#define FSIF_O_ALLOWED          (FSIF_O_ACCMODE | FSIF_O_CREAT | FSIF_O_EXCL | FSIF_O_TRUNC | \
				 FSIF_O_APPEND | FSIF_O_NONBLOCK | FSIF_O_SYNC | FSIF_O_DIRECTORY | \
				 FSIF_O_NOFOLLOW)

#define FSIF_AT_SYMLINK_NOFOLLOW 0x100          /* FSIF_OP_STAT: lstat */
#define FSIF_RENAME_NOREPLACE   1u              /* FSIF_OP_RENAME: EEXIST if path2 exists */

/*
 * A request. Fields an opcode does not use must be 0 (not checked: the
 * server ignores them). Sizes and offsets are fixed for i386 and x86_64.
 */
struct fsif_req {
	uint32_t id;                    /*  0: the client's tag, echoed in the response */
	uint16_t op;                    /*  4: enum fsif_op */
	uint16_t nr_data;               /*  6: data segments used, 0..FSIF_DATA_SEGS */
	uint32_t handle;                /*  8: the handle of handle calls */
	uint32_t dir;                   /* 12: FSIF_ROOT or a directory handle: path's start */
	uint32_t dir2;                  /* 16: path2's start (FSIF_OP_RENAME) */
	uint32_t flags;                 /* 20: FSIF_O_* (open), FSIF_AT_* (stat), FSIF_RENAME_* */
	uint32_t mode;                  /* 24: permission bits (open with O_CREAT, mkdir, chmod) */
	uint32_t arg;                   /* 28: whence (lseek), datasync (fsync), version (attach) */
	uint64_t offset;                /* 32: file offset (pread, pwrite, lseek: signed), length (truncate) */
	uint32_t count;                 /* 40: bytes to transfer, <= the data segments' total */
	uint32_t _pad0;                 /* 44 */
	struct fsif_seg path;           /* 48: len 0 means no path */
	struct fsif_seg path2;          /* 60 */
	struct fsif_seg data[FSIF_DATA_SEGS];   /* 72 .. 120 */
	uint64_t _reserved;             /* 120 */
};
RV_BUILD_ASSERT(sizeof(struct fsif_req) == FSIF_REQ_SIZE, "fsif_req is one ring slot");

/*
 * What stat reports: the fields of Linux's struct stat64 a program looks at,
 * at fixed offsets (the client rebuilds its struct stat64/statx from them).
 * Times are seconds since 1970 and nanoseconds.
 */
struct fsif_stat {
	uint64_t dev;                   /*  0 */
	uint64_t ino;                   /*  8 */
	uint64_t rdev;                  /* 16 */
	int64_t size;                   /* 24 */
	uint64_t blocks;                /* 32: 512-byte units */
	int64_t atime;                  /* 40 */
	int64_t mtime;                  /* 48 */
	int64_t ctime;                  /* 56 */
	uint32_t atime_nsec;            /* 64 */
	uint32_t mtime_nsec;            /* 68 */
	uint32_t ctime_nsec;            /* 72 */
	uint32_t mode;                  /* 76: S_IF* | permission bits */
	uint32_t nlink;                 /* 80 */
	uint32_t uid;                   /* 84 */
	uint32_t gid;                   /* 88 */
	uint32_t blksize;               /* 92 */
};
RV_BUILD_ASSERT(sizeof(struct fsif_stat) == 96, "fsif_stat layout");

/* A response: ret and, for stat and lseek, the result. */
struct fsif_rsp {
	uint32_t id;                    /*  0: the request's */
	uint16_t op;                    /*  4: the request's */
	uint16_t _pad0;                 /*  6 */
	int32_t ret;                    /*  8: >= 0 the result, or -errno (Linux's value) */
	uint32_t _pad1;                 /* 12 */
	union {                         /* 16 */
		struct fsif_stat st;    /* FSIF_OP_STAT, FSIF_OP_FSTAT */
		int64_t offset;         /* FSIF_OP_LSEEK */
		uint8_t raw[112];
	} u;
};
RV_BUILD_ASSERT(sizeof(struct fsif_rsp) == FSIF_RSP_SIZE, "fsif_rsp is one ring slot");

/*
 * getdents64's records, as Linux lays them out in the data buffer: each
 * d_reclen bytes long (a multiple of 8), d_name NUL-terminated.
 */
struct fsif_dirent64 {
	uint64_t d_ino;
	int64_t d_off;                  /* the cookie an lseek(handle, d_off, SEEK_SET) resumes at */
	uint16_t d_reclen;
	uint8_t d_type;                 /* DT_*: 0 unknown, 4 dir, 8 regular, 10 link, ... */
	char d_name[];
};
#define FSIF_DIRENT_HDR         19      /* bytes before d_name */

#endif
