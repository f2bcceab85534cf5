/*
 * Error numbers inside the hypervisor: functions return 0 or a negative value
 * from this list. They are the public ones (include/public/errno.h), so an
 * error reaches a guest unchanged.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#include <public/errno.h>

#define EPERM           RV_EPERM
#define ENOENT          RV_ENOENT
#define ESRCH           RV_ESRCH
#define EIO             RV_EIO
#define E2BIG           RV_E2BIG
#define ENOEXEC         RV_ENOEXEC
#define EBADF           RV_EBADF
#define EAGAIN          RV_EAGAIN
#define ENOMEM          RV_ENOMEM
#define EACCES          RV_EACCES
#define EFAULT          RV_EFAULT
#define EBUSY           RV_EBUSY
#define EEXIST          RV_EEXIST
#define ENODEV          RV_ENODEV
#define EINVAL          RV_EINVAL
#define ENOSPC          RV_ENOSPC
#define EROFS           RV_EROFS
#define ERANGE          RV_ERANGE
#define ENOSYS          RV_ENOSYS
#define EOPNOTSUPP      RV_EOPNOTSUPP
#define EALREADY        RV_EALREADY

/* Internal only, never returned to a guest: a page-table operation was
 * interrupted and must be run again to go on (pagetype.c; mm.c turns it into
 * a continuation). */
#define ERESTART        1001

#endif
