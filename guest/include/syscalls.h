/* ringos: the system-call handlers of kernel/sys_*.c (table in syscall.c). */
#ifndef RINGOS_SYSCALLS_H
#define RINGOS_SYSCALLS_H

#include "trap.h"

long sys_read(struct trap_frame *f);
long sys_write(struct trap_frame *f);
long sys_open(struct trap_frame *f);
long sys_openat(struct trap_frame *f);
long sys_close(struct trap_frame *f);
long sys_lseek(struct trap_frame *f);
long sys_llseek(struct trap_frame *f);
long sys_dup(struct trap_frame *f);
long sys_dup2(struct trap_frame *f);
long sys_statx(struct trap_frame *f);
long sys_fstat64(struct trap_frame *f);
long sys_stat64(struct trap_frame *f);
long sys_getdents64(struct trap_frame *f);
long sys_getcwd(struct trap_frame *f);
long sys_chdir(struct trap_frame *f);
long sys_mkdir(struct trap_frame *f);
long sys_unlink(struct trap_frame *f);
long sys_rmdir(struct trap_frame *f);
long sys_access(struct trap_frame *f);
long sys_execve(struct trap_frame *f);
long sys_pipe2(struct trap_frame *f);
long sys_mmap2(struct trap_frame *f);
long sys_munmap(struct trap_frame *f);
long sys_brk(struct trap_frame *f);
long sys_mprotect(struct trap_frame *f);
long sys_mincore(struct trap_frame *f);
long sys_uname(struct trap_frame *f);
long sys_clock_gettime(struct trap_frame *f);
long sys_gettimeofday(struct trap_frame *f);
long sys_time(struct trap_frame *f);
long sys_nanosleep(struct trap_frame *f);
long sys_clock_nanosleep(struct trap_frame *f);

long sys_readv(struct trap_frame *f);
long sys_writev(struct trap_frame *f);
long sys_dup3(struct trap_frame *f);
long sys_fcntl(struct trap_frame *f);
long sys_rename(struct trap_frame *f);
long sys_renameat2(struct trap_frame *f);
long sys_faccessat(struct trap_frame *f);
long sys_sethostname(struct trap_frame *f);
long sys_reboot(struct trap_frame *f);
long sys_sysinfo(struct trap_frame *f);
long sys_times(struct trap_frame *f);
long sys_getrusage(struct trap_frame *f);
long sys_umask(struct trap_frame *f);
long sys_clock_getres(struct trap_frame *f);
long sys_fstatat64(struct trap_frame *f);
long sys_fchdir(struct trap_frame *f);
long sys_mkdirat(struct trap_frame *f);
long sys_unlinkat(struct trap_frame *f);
long sys_symlinkat(struct trap_frame *f);
long sys_link(struct trap_frame *f);
long sys_readlinkat(struct trap_frame *f);
long sys_chmod(struct trap_frame *f);
long sys_chown(struct trap_frame *f);
long sys_utimensat(struct trap_frame *f);
long sys_truncate(struct trap_frame *f);
long sys_statfs64(struct trap_frame *f);
long sys_pread_pwrite(struct trap_frame *f);
long sys_sendfile(struct trap_frame *f);
long sys_mount(struct trap_frame *f);
long sys_umount2(struct trap_frame *f);

#endif
