/*
 * Error numbers used inside the hypervisor. Functions return 0 or a negative
 * value from this list; the values match Linux's so that they can later be
 * handed to guests unchanged (docs/abi.md).
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define EPERM           1       /* operation not permitted */
#define ENOENT          2       /* no such object */
#define EIO             5       /* I/O error */
#define E2BIG           7       /* argument list too long */
#define ENOEXEC         8       /* bad executable format */
#define EBADF           9       /* bad handle */
#define EAGAIN          11      /* try again */
#define ENOMEM          12      /* out of memory */
#define EACCES          13      /* permission denied */
#define EFAULT          14      /* bad address */
#define EBUSY           16      /* resource busy */
#define EEXIST          17      /* already exists */
#define EINVAL          22      /* invalid argument */
#define ENOSPC          28      /* no space left */
#define ERANGE          34      /* value out of range */
#define ENOSYS          38      /* function not implemented */
#define EALREADY        114     /* operation already done (e.g. double free) */

const char *errno_name(int err);

#endif
