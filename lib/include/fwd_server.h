/*
 * The server core of system-call forwarding (include/public/io/fsif.h,
 * docs/io.md "System-call forwarding"): one request in, the call performed
 * on the exported directory, one response out. Transport-independent: the
 * transport maps the request's granted segments and passes their bytes.
 *
 * Not freestanding: it calls the C library's *at functions. The same source
 * builds on the Linux host (the unit tests) and for ringos's userland
 * (static i386 glibc: Domain 0's server program); mk/lib.mk keeps it out of
 * the freestanding lib objects.
 *
 * Confinement: no request reaches outside the export. Paths are walked one
 * component at a time from a held directory descriptor, each directory
 * opened with O_NOFOLLOW | O_DIRECTORY; symbolic links are read and
 * followed by the server itself (an absolute one from the export's top);
 * ".." pops the server's own stack of held directories and stops at the top;
 * the final component is handed to the kernel alone, never to be followed.
 */
#ifndef LIB_FWD_SERVER_H
#define LIB_FWD_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <public/io/fsif.h>

#ifndef FWD_HANDLES
#define FWD_HANDLES     FSIF_HANDLES    /* handles per client (ringos: NFD is 64 per process) */
#endif
#ifndef FWD_HELD
#define FWD_HELD        16              /* directory descriptors one walk holds at most */
#endif
#define FWD_DEPTH_MAX   4096            /* directories deep one walk goes (past it: ENAMETOOLONG) */
#define FWD_BUF_SIZE    ((FSIF_LINK_MAX + 1) * FSIF_PATH_MAX)

/* One level of a walk: a directory, its descriptor while held (-1: let go). */
struct fwd_level {
	int fd;
	uint64_t dev, ino;
};

struct fwd_server {
	int root;                       /* the export's top: a directory descriptor (the caller's) */
	uint64_t root_dev, root_ino;
	int attached;                   /* FSIF_OP_ATTACH seen */
	int fd[FWD_HANDLES];            /* handle -> descriptor, -1: closed */
	unsigned char isdir[FWD_HANDLES];
	char *buf;                      /* the walk's path buffer (FWD_BUF_SIZE) */
	char *buf2;                     /* a symbolic link's body, a symlink's target */
	struct fwd_level *lv;           /* the walk's stack (FWD_DEPTH_MAX + 1) */
	/* Tests only: called after each directory a walk enters (fd: it, name:
	 * its name), to change the tree in the middle of a walk. */
	void (*step_hook)(void *arg, int fd, const char *name);
	/* Tests only: called when a walk has checked its final component (not
	 * a link, or not to be followed) and before the call acts on it. */
	void (*final_hook)(void *arg, int dirfd, const char *name);
	void *hook_arg;
};

/* The bytes of a request's segments, mapped by the transport. path has
 * path_cap bytes (at least req.path.len when the grant was good), path2
 * likewise; data is the data segments in order, data_cap bytes in all. */
struct fwd_bufs {
	const char *path;
	size_t path_cap;
	const char *path2;
	size_t path2_cap;
	void *data;
	size_t data_cap;
};

/* Serve the directory root (kept open by the caller until fwd_server_fini).
 * 0, or -errno (root is not a directory, out of memory). */
int fwd_server_init(struct fwd_server *s, int root);
/* Close every handle and free the buffers. */
void fwd_server_fini(struct fwd_server *s);

/* Perform req (its segments' bytes in b) and fill rsp. Never fails itself:
 * every error goes back in rsp->ret as -errno. */
void fwd_server_handle(struct fwd_server *s, const struct fsif_req *req, const struct fwd_bufs *b,
		       struct fsif_rsp *rsp);

#endif
