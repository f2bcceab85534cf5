/*
 * The Linux i386 numbers of the *at calls that ringos implements: the
 * directory descriptor that means "the working directory", their flags,
 * and the longest path.
 */
#ifndef RINGOS_UAPI_FCNTL_H
#define RINGOS_UAPI_FCNTL_H

#define AT_FDCWD                -100
#define AT_SYMLINK_NOFOLLOW     0x100
#define AT_SYMLINK_FOLLOW       0x400
#define AT_REMOVEDIR            0x200
#define AT_NO_AUTOMOUNT         0x800
#define AT_EMPTY_PATH           0x1000
#define PATH_MAX_               4096    /* Linux's PATH_MAX, with the NUL */

#endif
