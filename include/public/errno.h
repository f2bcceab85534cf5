/*
 * Error numbers returned by hypercalls, negated (-RV_EINVAL). The values are
 * Linux's, so a guest kernel can hand them on to its programs unchanged.
 */
#ifndef RINGVISOR_PUBLIC_ERRNO_H
#define RINGVISOR_PUBLIC_ERRNO_H

#define RV_EPERM        1       /* not allowed for this domain */
#define RV_ENOENT       2       /* no such object */
#define RV_ESRCH        3       /* no such domain */
#define RV_EIO          5       /* I/O error */
#define RV_E2BIG        7       /* argument too large */
#define RV_ENOEXEC      8       /* bad executable format */
#define RV_EBADF        9       /* bad handle (event channel port) */
#define RV_EAGAIN       11      /* try again */
#define RV_ENOMEM       12      /* out of memory or quota */
#define RV_EACCES       13      /* permission denied */
#define RV_EFAULT       14      /* bad guest address */
#define RV_EBUSY        16      /* resource busy */
#define RV_EEXIST       17      /* already exists */
#define RV_ENODEV       19      /* no such device */
#define RV_EINVAL       22      /* invalid argument */
#define RV_ENOSPC       28      /* no space left */
#define RV_EROFS        30      /* read-only (a read-only grant used for writing) */
#define RV_ERANGE       34      /* value out of range */
#define RV_ENOSYS       38      /* no such hypercall or sub-command */
#define RV_EOPNOTSUPP   95      /* not for this kind of domain */
#define RV_EALREADY     114     /* already done */

#endif
