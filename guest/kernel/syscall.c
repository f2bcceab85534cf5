/*
 * ringos: the Linux i386 system-call ABI (int $0x80; number in eax, arguments
 * in ebx, ecx, edx, esi, edi, ebp; result or -errno in eax), so that programs
 * built with gcc -m32 -static run unmodified. This file is the table, from
 * number to handler, and the small calls; the others live in the sys_*.c
 * files and the subsystems they serve. Unknown numbers are -ENOSYS, logged
 * once per number.
 */
#include "proc.h"
#include "uapi/errno.h"
#include "kernel.h"
#include "file.h"
#include "syscalls.h"
#include "poll.h"
#include "tty.h"
#include "rvctl.h"
#include "blkdev.h"


typedef long (*syscall_fn)(struct trap_frame *f);

static long sys_exit_group(struct trap_frame *f)
{
	proc_exit(curproc, (int)((f->ebx & 0xff) << 8));
}

static long sys_fork(struct trap_frame *f)
{
	return proc_fork(f);
}

#define CLONE_PARENT_SETTID     0x00100000u
#define CLONE_CHILD_CLEARTID    0x00200000u
#define CLONE_CHILD_SETTID      0x01000000u

static long sys_clone(struct trap_frame *f)
{
	/* Processes, not threads: the fork form glibc uses (exit signal
	 * SIGCHLD, no new stack), with the tid bookkeeping flags. The cleared
	 * tid only matters to threads, which do not exist yet. i386 order:
	 * ebx flags, ecx stack, edx parent tid, esi tls, edi child tid. */
	uint32_t flags = f->ebx;
	if ((flags & ~(0xffu | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID)) ||
	    (flags & 0xff) != 17 || f->ecx)
		return -EINVAL;
	long pid = proc_fork(f);
	if (pid > 0 && (flags & CLONE_PARENT_SETTID))
		copy_to_user(f->edx, &pid, 4);
	if (pid > 0 && (flags & CLONE_CHILD_SETTID))
		proc_poke_user((int)pid, f->edi, (uint32_t)pid);
	return pid;
}

static long sys_wait4(struct trap_frame *f)
{
	return proc_wait((int)f->ebx, f->ecx, (int)f->edx, f->eax == 114 ? f->esi : 0);
}

/* fsync, fdatasync: a disk's cache written out, or the file's filesystem
 * synced (ext2 writes data as it comes: its superblock, then the disk's
 * cache); the descriptor must exist. sync: every filesystem, every disk. */
static long sys_fsync(struct trap_frame *f)
{
	struct file *file = fd_get(curproc, f->ebx);
	if (!file)
		return -EBADF;
	if (file->bd)
		return blkdev_flush(file->bd);
	return file->vn.mnt ? vfs_fsync(&file->vn) : 0;
}

static long sys_sync(struct trap_frame *f)
{
	vfs_sync_all();                 /* sync(2) reports nothing */
	blkdev_flush_all();
	return 0;
}

static long sys_getppid(struct trap_frame *f)
{
	return curproc->ppid;
}

static long sys_sched_yield(struct trap_frame *f)
{
	sched_yield();
	return 0;
}

/* struct user_desc (asm/ldt.h) */
struct user_desc {
	uint32_t entry_number, base_addr, limit;
	uint32_t flags;         /* seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1 seg_not_present:1 useable:1 */
};

static long sys_set_thread_area(struct trap_frame *f)
{
	struct user_desc u;
	unsigned first = arch_tls_first_entry();

	if (copy_from_user(&u, f->ebx, sizeof(u)))
		return -EFAULT;
	unsigned slot;
	if (u.entry_number == 0xffffffffu) {
		for (slot = 0; slot < ARCH_TLS_SLOTS && curproc->tls[slot]; slot++)
			;
		if (slot == ARCH_TLS_SLOTS)
			return -ESRCH;
	} else if (u.entry_number >= first && u.entry_number < first + ARCH_TLS_SLOTS) {
		slot = u.entry_number - first;
	} else {
		return -EINVAL;
	}
	bool seg32 = u.flags & 1, ro = u.flags & 8, pages = u.flags & 16, absent = u.flags & 32;
	unsigned contents = (u.flags >> 1) & 3;
	if (contents == 3)
		return -EINVAL;         /* code segments are not for TLS */
	/* A DPL-3 data segment: access byte P | DPL3 | S | type. */
	uint8_t access = (uint8_t)((absent ? 0 : 0x80) | 0x60 | 0x10 | (contents << 2) |
				   (ro ? 0 : 2) | 1);
	uint64_t d = (u.limit & 0xffff) | ((uint64_t)(u.base_addr & 0xffffff) << 16) |
		     ((uint64_t)access << 40) | ((uint64_t)((u.limit >> 16) & 0xf) << 48) |
		     ((uint64_t)((pages ? 8 : 0) | (seg32 ? 4 : 0)) << 52) |
		     ((uint64_t)(u.base_addr >> 24) << 56);
	curproc->tls[slot] = d;
	arch_set_tls(slot, d);
	u.entry_number = first + slot;
	if (copy_to_user(f->ebx, &u, sizeof(u)))
		return -EFAULT;
	return 0;
}

static long sys_set_tid_address(struct trap_frame *f)
{
	return curproc->pid;
}

static long sys_zero(struct trap_frame *f)
{
	return 0;
}

static long sys_getpid(struct trap_frame *f)
{
	return curproc->pid;
}

/* Process groups: setpgid(pid, pgid), getpgid(pid), getpgrp(), setsid(). */
static struct proc *find_proc(int pid)
{
	if (pid == 0)
		return curproc;
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = proc_slot(i);
		if (p->state != P_FREE && p->state != P_ZOMBIE && p->pid == pid)
			return p;
	}
	return NULL;
}

/* setpgid(pid, pgid): the caller or a child of its, within its session;
 * the group is new (pgid = pid) or exists in the session; never a session
 * leader's. */
static long sys_setpgid(struct trap_frame *f)
{
	struct proc *p = find_proc((int)f->ebx);
	int pgid = (int)f->ecx;
	if (pgid < 0)
		return -EINVAL;
	if (!p || (p != curproc && p->ppid != curproc->pid))
		return -ESRCH;
	if (p->sid != curproc->sid || p->pid == p->sid)
		return -EPERM;
	if (!pgid)
		pgid = p->pid;
	if (pgid != p->pid && !proc_group_exists(pgid, curproc->sid))
		return -EPERM;
	p->pgid = pgid;
	return 0;
}

static long sys_getpgid(struct trap_frame *f)
{
	struct proc *p = find_proc((int)f->ebx);
	return p ? p->pgid : -ESRCH;
}

static long sys_getpgrp(struct trap_frame *f)
{
	(void)f;
	return curproc->pgid;
}

/* setsid(): a new session and group, led by the caller, without a
 * controlling terminal; not for a group leader. */
static long sys_setsid(struct trap_frame *f)
{
	(void)f;
	if (proc_group_exists(curproc->pid, 0))
		return -EPERM;
	curproc->pgid = curproc->sid = curproc->pid;
	return curproc->pid;
}

static long sys_getsid(struct trap_frame *f)
{
	struct proc *p = find_proc((int)f->ebx);
	return p ? p->sid : -ESRCH;
}

/* prctl: only what a process supervisor needs, PR_SET/GET_CHILD_SUBREAPER. */
static long sys_prctl(struct trap_frame *f)
{
	switch (f->ebx) {
	case 36:                                                /* PR_SET_CHILD_SUBREAPER */
		curproc->subreaper = f->ecx != 0;
		return 0;
	case 37: {                                              /* PR_GET_CHILD_SUBREAPER */
		int v = curproc->subreaper;
		return copy_to_user(f->ecx, &v, sizeof(v)) ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}

/* prlimit64(pid, resource, new, old): the limits are fixed; reading works. */
static long sys_prlimit64(struct trap_frame *f)
{
	uint64_t lim[2] = { ~0ull, ~0ull };
	if (f->ebx && !find_proc((int)f->ebx))
		return -ESRCH;
	if (f->edx)
		return -EPERM;          /* no limit can be changed yet */
	if (f->ecx == 3)                                        /* RLIMIT_STACK */
		lim[0] = USER_STACK_SIZE;
	return f->esi && copy_to_user(f->esi, lim, sizeof(lim)) ? -EFAULT : 0;
}

static long sys_ugetrlimit(struct trap_frame *f)
{
	uint32_t lim[2] = { 0xffffffffu, 0xffffffffu };        /* RLIM_INFINITY */
	if (f->ebx == 3)                                        /* RLIMIT_STACK */
		lim[0] = USER_STACK_SIZE;
	return copy_to_user(f->ecx, lim, sizeof(lim)) ? -EFAULT : 0;
}

static uint64_t rng_state;

static long sys_getrandom(struct trap_frame *f)
{
	uint32_t len = f->ecx;
	if (!rng_state)
		rng_state = arch_cycles() | 1;
	for (uint32_t i = 0; i < len; i++) {
		/* xorshift64*: not cryptographic; good enough to seed a malloc */
		rng_state ^= rng_state >> 12;
		rng_state ^= rng_state << 25;
		rng_state ^= rng_state >> 27;
		uint8_t b = (uint8_t)((rng_state * 2685821657736338717ull) >> 56);
		if (copy_to_user(f->ebx + i, &b, 1))
			return i ? (long)i : -EFAULT;
	}
	return (long)len;
}

static long sys_ioctl(struct trap_frame *f)
{
	uint32_t fd = f->ebx, req = f->ecx;
	struct file *file = fd_get(curproc, fd);
	int on;
	if (!file)
		return -EBADF;
	switch (req) {                  /* what every descriptor answers */
	case 0x5421:                                            /* FIONBIO */
		if (copy_from_user(&on, f->edx, sizeof(on)))
			return -EFAULT;
		file->flags = on ? file->flags | O_NONBLOCK : file->flags & ~O_NONBLOCK;
		return 0;
	case 0x5451:                                            /* FIOCLEX */
	case 0x5450:                                            /* FIONCLEX */
		curproc->fd_cloexec[fd] = req == 0x5451;
		return 0;
	}
	if (file_is_rvctl(file))
		return rvctl_ioctl(file, req, f->edx);
	if (file->bd)
		return blkdev_ioctl_user(file->bd, req, f->edx);
	if (!file_is_console(file))
		return -ENOTTY;
	return tty_ioctl(req, f->edx);
}

static const struct { uint16_t nr; syscall_fn fn; } table[] = {
	{ 3, sys_read }, { 5, sys_open }, { 6, sys_close }, { 10, sys_unlink }, { 11, sys_execve },
	{ 12, sys_chdir }, { 19, sys_lseek }, { 33, sys_access }, { 39, sys_mkdir },
	{ 40, sys_rmdir }, { 41, sys_dup }, { 63, sys_dup2 }, { 140, sys_llseek },
	{ 183, sys_getcwd }, { 195, sys_stat64 }, { 196, sys_stat64 }, { 197, sys_fstat64 },
	{ 220, sys_getdents64 }, { 295, sys_openat }, { 42, sys_pipe2 }, { 331, sys_pipe2 },
	{ 192, sys_mmap2 }, { 91, sys_munmap }, { 122, sys_uname }, { 265, sys_clock_gettime },
	{ 403, sys_clock_gettime }, { 78, sys_gettimeofday }, { 13, sys_time },
	{ 162, sys_nanosleep }, { 407, sys_clock_nanosleep }, { 267, sys_clock_nanosleep },
	{ 4, sys_write }, { 20, sys_getpid }, { 45, sys_brk }, { 54, sys_ioctl },
	{ 85, sys_readlinkat }, { 305, sys_readlinkat }, { 125, sys_mprotect }, { 191, sys_ugetrlimit },
	{ 224, sys_getpid }, { 243, sys_set_thread_area }, { 252, sys_exit_group },
	{ 1, sys_exit_group }, { 258, sys_set_tid_address }, { 311, sys_zero },
	{ 2, sys_fork }, { 190, sys_fork }, { 120, sys_clone }, { 7, sys_wait4 }, { 114, sys_wait4 },
	{ 64, sys_getppid }, { 158, sys_sched_yield },
	{ 355, sys_getrandom }, { 383, sys_statx },
	{ 174, sys_rt_sigaction }, { 175, sys_rt_sigprocmask }, { 173, sys_rt_sigreturn },
	{ 119, sys_sigreturn }, { 176, sys_rt_sigpending }, { 37, sys_kill }, { 270, sys_tgkill },
	{ 29, sys_pause },
	{ 145, sys_readv }, { 146, sys_writev }, { 330, sys_dup3 }, { 55, sys_fcntl },
	{ 221, sys_fcntl }, { 38, sys_rename }, { 302, sys_renameat2 }, { 353, sys_renameat2 },
	{ 307, sys_faccessat }, { 439, sys_faccessat },
	{ 24, sys_zero }, { 47, sys_zero }, { 49, sys_zero }, { 50, sys_zero },   /* uid, gid: root */
	{ 199, sys_zero }, { 200, sys_zero }, { 201, sys_zero }, { 202, sys_zero },
	{ 57, sys_setpgid }, { 132, sys_getpgid }, { 65, sys_getpgrp }, { 66, sys_setsid },
	{ 340, sys_prlimit64 }, { 172, sys_prctl }, { 218, sys_mincore },
	{ 147, sys_getsid }, { 168, sys_poll }, { 309, sys_ppoll }, { 414, sys_ppoll },
	{ 142, sys_select }, { 308, sys_pselect6 }, { 413, sys_pselect6 },
	{ 177, sys_rt_sigtimedwait }, { 421, sys_rt_sigtimedwait }, { 179, sys_rt_sigsuspend },
	{ 186, sys_sigaltstack }, { 88, sys_reboot }, { 116, sys_sysinfo }, { 43, sys_times },
	{ 77, sys_getrusage }, { 60, sys_umask }, { 74, sys_sethostname }, { 121, sys_sethostname },
	{ 266, sys_clock_getres }, { 406, sys_clock_getres },
	{ 300, sys_fstatat64 }, { 133, sys_fchdir }, { 296, sys_mkdirat }, { 301, sys_unlinkat },
	{ 83, sys_symlinkat }, { 304, sys_symlinkat }, { 9, sys_link }, { 303, sys_link },
	{ 15, sys_chmod }, { 94, sys_chmod }, { 306, sys_chmod },
	{ 182, sys_chown }, { 212, sys_chown }, { 95, sys_chown }, { 207, sys_chown },
	{ 298, sys_chown }, { 16, sys_chown }, { 198, sys_chown },
	{ 320, sys_utimensat }, { 412, sys_utimensat }, { 271, sys_utimensat }, { 30, sys_utimensat },
	{ 92, sys_truncate }, { 93, sys_truncate }, { 193, sys_truncate }, { 194, sys_truncate },
	{ 268, sys_statfs64 }, { 269, sys_statfs64 },
	{ 180, sys_pread_pwrite }, { 181, sys_pread_pwrite }, { 187, sys_sendfile }, { 239, sys_sendfile },
	{ 36, sys_sync }, { 118, sys_fsync }, { 148, sys_fsync },
	{ 21, sys_mount }, { 22, sys_umount2 }, { 52, sys_umount2 },
};

long syscall_dispatch(struct trap_frame *f)
{
	static uint8_t warned[512];
	uint32_t nr = f->eax;

	for (unsigned i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].nr == nr) {
			if (!opt_strace)
				return table[i].fn(f);
			uint32_t a1 = f->ebx, a2 = f->ecx, a3 = f->edx;
			long rc = table[i].fn(f);
			kprintf("[%d] %u(%#x, %#x, %#x) = %ld\n", curproc->pid, nr, a1, a2, a3, rc);
			return rc;
		}
	if (opt_strace)
		kprintf("[%d] %u(%#x, %#x, %#x) = -ENOSYS\n", curproc->pid, nr, f->ebx, f->ecx, f->edx);
	if (nr < sizeof(warned) && !warned[nr]) {
		warned[nr] = 1;
		kprintf("ringos: %s: system call %u not implemented (-ENOSYS)\n", curproc->exe, nr);
	}
	return -ENOSYS;
}
