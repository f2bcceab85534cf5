/*
 * Domain 0's backends for split devices (docs/io.md): `vm create` forks one
 * process per device a pv domain's config names (disk =, fs =). Each opens
 * its own /dev/rvctl, a channel to the domain (RVCTL_CHAN_OPEN), writes
 * the domain's device entry (domctl set_device) and serves the channel
 * until the domain is gone. backend.c holds what all backends share; each
 * kind's prepare and serve are in its own file.
 */
#ifndef RINGVISOR_TOOLSTACK_BACKEND_H
#define RINGVISOR_TOOLSTACK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct backend {
	uint32_t domid;                 /* the frontend's domain */
	uint32_t slot;                  /* its device table slot: ring reference 8 + slot */
	int ctl;                        /* this process's own /dev/rvctl */
	uint32_t chan;                  /* the channel (RVCTL_CHAN_OPEN) */
	bool readonly;
	const char *path;               /* the file (disk) or directory (fs) served */
	const char *name;               /* the device entry's name: "xvda", "/host" */
	int fd;                         /* prepare's: the open file or directory */
	char tag[48];                   /* "vm1 xvda": what its messages start with */
};

/* disk = "PATH[,NAME[,r|w]]" (name xvda, w) and fs = "DIR[,MOUNT[,r|w]]"
 * (mount /host, w): parsed into b (path and name point into spec, which
 * the parse cuts up). 0, or -1 with why. */
int backend_parse(char *spec, const char *def_name, struct backend *b, char *why, size_t n);

/* Each kind: prepare opens what it serves (0, or -errno with why told:
 * run before the domain learns of the device, so that vm create can
 * refuse it); serve answers the channel until the domain is gone, and
 * returns the process's exit status. */
int blkback_prepare(struct backend *b, char *why, size_t n);
int blkback_serve(struct backend *b);
int fsback_prepare(struct backend *b, char *why, size_t n);
int fsback_serve(struct backend *b);

/* For serve loops: the next request (0), -ETIMEDOUT after a second with
 * none, or another error (-EPIPE: the frontend broke the ring). */
int backend_get(struct backend *b, void *req128);
int backend_put(struct backend *b, const void *rsp128);
/* Whether the frontend domain still exists (and is not shut down). */
bool backend_domain_alive(const struct backend *b);
/* Grant copies (uapi/rvctl.h RVCTL_GNT_COPY): 0 or the first error. */
struct rvctl_copy;
int backend_copy(struct backend *b, struct rvctl_copy *c);
/* A message on Domain 0's console, "vm-back[TAG]: ...". */
void backend_log(const struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
