/*
 * The Linux error numbers ringos returns to its programs (negated, as a
 * system call's result): the i386 ABI's values, defined here and nowhere
 * else in ringos. The host unit tests may include it beside the C library's
 * <errno.h>: the definitions are the same.
 *
 * The hypervisor's errors (include/public/errno.h, RV_E*; what lib/ returns)
 * have the same values; guest/kernel/main.c checks that they agree.
 */
#ifndef RINGOS_UAPI_ERRNO_H
#define RINGOS_UAPI_ERRNO_H

#define EPERM            1
#define ENOENT           2
#define ESRCH            3
#define EINTR            4
#define EIO              5
#define ENXIO            6
#define E2BIG            7
#define ENOEXEC          8
#define EBADF            9
#define ECHILD          10
#define EAGAIN          11
#define ENOMEM          12
#define EACCES          13
#define EFAULT          14
#define ENOTBLK         15
#define EBUSY           16
#define EEXIST          17
#define EXDEV           18
#define ENODEV          19
#define ENOTDIR         20
#define EISDIR          21
#define EINVAL          22
#define EMFILE          24
#define ENOTTY          25
#define EFBIG           27
#define ENOSPC          28
#define ESPIPE          29
#define EROFS           30
#define EMLINK          31
#define EPIPE           32
#define ERANGE          34
#define ENAMETOOLONG    36
#define ENOSYS          38
#define ENOTEMPTY       39
#define ELOOP           40
#define EOPNOTSUPP      95
#define ETIMEDOUT      110
#define EALREADY        114
#define EUCLEAN         117     /* "structure needs cleaning": corrupt filesystem metadata */

/* Kernel-internal, never seen by a program (Linux's values, like Linux's
 * include/linux/errno.h): a system call interrupted by a signal. */
#define ERESTARTSYS     512     /* restart, or EINTR if a handler ran without SA_RESTART */
#define ERESTARTNOHAND  514     /* restart if no handler runs, else EINTR */

#endif
